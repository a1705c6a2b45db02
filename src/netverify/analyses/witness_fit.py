"""Make a counterexample tell the truth and read well, without changing what it shows.

Every step proposes concrete alternatives and keeps one only when the target still holds (the concrete
evaluator decides), so none of this can make a result wrong; it only chooses among true counterexamples:
- an endpoint names an existing workload only when it *is* a replica of it (`endpoint_of`: its namespace,
  every label, its container ports and a known address), never a pod that merely looks alike;
- the two ends are two pods: never a bare Pod (or one address) talking to itself;
- the destination port is one the destination serves, when the property and the policies allow one;
- an outside address is an ordinary one inside the blocks, not a network, broadcast or all-zero address.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterator
from dataclasses import replace
from typing import Protocol as TypingProtocol

from netverify.eval.concrete import endpoint_of
from netverify.model.cluster import Cluster, Workload
from netverify.model.flow import Endpoint, ExternalEndpoint, Flow, PodEndpoint
from netverify.model.ipblock import IPAddress, IPBlock

MAX_FIT_TRIES = 500  # replicas tried per endpoint: best effort, bounded on big clusters


class WitnessTarget(TypingProtocol):
    """What a flow must keep true (prove's Target, diff's class target)."""

    @property
    def cluster(self) -> Cluster: ...

    def holds(self, flow: Flow) -> bool: ...


def same_pod(a: Endpoint, b: Endpoint) -> bool:
    """Whether both ends are surely one pod: one bare Pod, or one address.

    Two replicas of a controller are two pods (a controller may run more than one, spec §5), unless
    they share an address."""
    if isinstance(a, ExternalEndpoint) or isinstance(b, ExternalEndpoint):
        return False
    if a.workload is None or b.workload is None or a.workload != b.workload:
        return False
    return a.workload.kind == "Pod" or (a.ip is not None and a.ip == b.ip)


def is_replica(ep: Endpoint) -> bool:
    """Whether the endpoint is exactly a replica of the workload it names (what a witness may call it)."""
    if not isinstance(ep, PodEndpoint) or ep.workload is None:
        return True
    w = ep.workload
    return (
        ep.namespace == w.namespace and dict(ep.labels) == dict(w.labels) and set(ep.ports) == set(w.ports)
        and (ep.ip is None or not w.ips or ep.ip in w.ips)
    )


def polish(target: WitnessTarget, flow: Flow) -> Flow:
    """Existing workloads in new pods' places, two distinct ends, a served port, ordinary addresses."""
    flow = fit_existing_workloads(target, flow)
    flow = two_pods(target, flow)
    flow = served_port(target, flow)
    return ordinary_addresses(target, flow)


# ---- existing workloads -----------------------------------------------------------------------


def replicas(cluster: Cluster, w: Workload) -> Iterator[PodEndpoint]:
    """A replica of `w` at each address it is known to have (or with none)."""
    first = endpoint_of(cluster, w)
    yield first
    for ip in w.ips[1:]:
        yield replace(first, ip=ip)


def fit_existing_workloads(target: WitnessTarget, flow: Flow) -> Flow:
    """Put a replica of an existing workload in each new pod's place where the flow still holds
    (destination first, also on the ports it serves): a witness made of real workloads is easier to act on."""
    for role in ("dst", "src"):
        for candidate in _bounded(_replacements(target.cluster, flow, role)):
            if not same_pod(candidate.src, candidate.dst) and target.holds(candidate):
                flow = candidate
                break
    return flow


def _replacements(cluster: Cluster, flow: Flow, role: str) -> Iterator[Flow]:
    ep = getattr(flow, role)
    if not isinstance(ep, PodEndpoint) or ep.workload is not None:
        return
    for i in cluster.workload_indices_by_namespace.get(ep.namespace, ()):
        w = cluster.workloads[i]
        ports = [(flow.protocol, flow.port)]
        if role == "dst":
            ports += [(c.protocol, c.port) for c in w.ports if (c.protocol, c.port) != (flow.protocol, flow.port)]
        for pod in replicas(cluster, w):
            for protocol, number in ports:
                yield replace(flow, protocol=protocol, port=number, **{role: pod})


def _bounded(candidates: Iterator[Flow]) -> Iterator[Flow]:
    for i, candidate in enumerate(candidates):
        if i >= MAX_FIT_TRIES:
            return
        yield candidate


# ---- two pods ----------------------------------------------------------------------------------


def two_pods(target: WitnessTarget, flow: Flow) -> Flow:
    """When both ends are one pod, make one end another pod: another existing workload that looks the same
    to the policies, another address of the workload, else a new pod with the same labels."""
    if not same_pod(flow.src, flow.dst):
        return flow
    for role in ("dst", "src"):
        ep = getattr(flow, role)
        assert isinstance(ep, PodEndpoint)
        others = [pod for i in target.cluster.workload_indices_by_namespace.get(ep.namespace, ())
                  for pod in replicas(target.cluster, target.cluster.workloads[i])][:MAX_FIT_TRIES]
        # A new pod like it, without the address (two pods never share one), then with it as a last resort.
        others += [replace(ep, workload=None, ip=None), replace(ep, workload=None)]
        for pod in others:
            candidate = replace(flow, **{role: pod})
            if not same_pod(candidate.src, candidate.dst) and target.holds(candidate):
                return candidate
    return flow


# ---- ports and addresses -----------------------------------------------------------------------


def served_port(target: WitnessTarget, flow: Flow) -> Flow:
    """Prefer a port the destination declares (containerPorts) over an arbitrary number."""
    dst = flow.dst
    if not isinstance(dst, PodEndpoint) or not dst.ports:
        return flow
    if any((c.protocol, c.port) == (flow.protocol, flow.port) for c in dst.ports):
        return flow
    for c in dst.ports:
        candidate = replace(flow, protocol=c.protocol, port=c.port)
        if target.holds(candidate):
            return candidate
    return flow


def policy_blocks(cluster: Cluster) -> list[IPBlock]:
    return [peer.ip_block for p in cluster.policies for rule in (*p.ingress, *p.egress)
            for peer in rule.peers if peer.ip_block is not None]


def _special(ip: IPAddress) -> bool:
    """Addresses no reader takes for an ordinary host: unspecified, this-network, loopback, link-local,
    multicast, reserved, and IPv4 addresses ending in .0 or .255 (they read as network or broadcast)."""
    if ip.is_unspecified or ip.is_loopback or ip.is_link_local or ip.is_multicast or ip.is_reserved:
        return True
    if ip.version == 4:
        return ip in _THIS_NETWORK or int(ip) & 0xFF in (0, 0xFF)
    return False


_THIS_NETWORK = ipaddress.ip_network("0.0.0.0/8")


def is_ordinary(ip: IPAddress, blocks: list[IPBlock]) -> bool:
    """Not a special address, nor the network or (IPv4) broadcast address of a block or one of its excepts."""
    if _special(ip):
        return False
    for block in blocks:
        for net in (block.cidr, *block.excepts):
            if net.version != ip.version or net.num_addresses <= 2:
                continue
            if ip == net.network_address or (ip.version == 4 and ip == net.broadcast_address):
                return False
    return True


def _address_candidates(ip: IPAddress, blocks: list[IPBlock]) -> Iterator[IPAddress]:
    top = (1 << ip.max_prefixlen) - 1
    raw = [int(ip) + 1, int(ip) - 1]
    for block in blocks:
        if block.cidr.version != ip.version:
            continue
        raw.append(int(block.cidr.network_address) + 1)
        for e in block.excepts:
            raw += [int(e.broadcast_address) + 2, int(e.network_address) - 2]
    raw.append(int(ipaddress.ip_address("192.0.2.1" if ip.version == 4 else "2001:db8::1")))  # documentation
    raw.append(int(ipaddress.ip_address("203.0.113.10" if ip.version == 4 else "2001:db8:1::10")))
    for value in raw[:MAX_ADDRESS_TRIES]:
        if 0 <= value <= top:
            yield ipaddress.ip_address(value) if ip.version == 4 else ipaddress.IPv6Address(value)


MAX_ADDRESS_TRIES = 64


def ordinary_addresses(target: WitnessTarget, flow: Flow) -> Flow:
    blocks = policy_blocks(target.cluster)
    for role in ("src", "dst"):
        spec = getattr(target, role, None)  # prove's Target knows the property's block; diff's does not
        own = [spec.ip_block] if getattr(spec, "ip_block", None) is not None else []
        ep = getattr(flow, role)
        if not isinstance(ep, ExternalEndpoint) or is_ordinary(ep.ip, own + blocks):
            continue
        for ip in _address_candidates(ep.ip, own + blocks):
            candidate = replace(flow, **{role: ExternalEndpoint(ip)})
            if is_ordinary(ip, own + blocks) and target.holds(candidate):
                flow = candidate
                break
    return flow
