"""Make a counterexample tell the truth and read well, without changing what it shows.

Every step proposes concrete alternatives and keeps one only when the target still holds (the concrete
evaluator decides), so none of this can make a result wrong; it only chooses among true counterexamples:
- an endpoint names an existing workload only when it *is* a replica of it (`endpoint_of`: its namespace,
  every label, its container ports and a known address), never a pod that merely looks alike;
- the two ends are two pods: never a bare Pod (or one address) talking to itself;
- the destination port is one the destination serves, when the property and the policies allow one;
- an outside address is an ordinary one inside the blocks, not a network, broadcast or all-zero address;
- an end names a workload with labels only the cluster knows (hashes, uids; UNKNOWN_LABEL_VALUE) only when the
  flow holds whatever their values are (`holds_every_value`); else it is a new pod with a value no selector
  names, never a concrete value the workload's pods may not have.
"""

from __future__ import annotations

import ipaddress
import itertools
from collections.abc import Iterator
from dataclasses import replace
from typing import Protocol as TypingProtocol

from netverify.eval.concrete import endpoint_of
from netverify.model.cluster import UNKNOWN_LABEL_VALUE, Cluster, Workload
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
    host = any(ep.workload is not None and ep.workload.host_network for ep in (a, b))
    if a.ip is not None and a.ip == b.ip and not host:
        return True  # two pods never share an address (two pod groups of one workload included)
    if a.workload is None or b.workload is None or a.workload != b.workload:
        return False
    # Host-network replicas share their node's address: one address is then no evidence of one pod.
    return a.workload.kind == "Pod" or (a.ip is not None and a.ip == b.ip and not host)


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
    flow = unsure_replicas_as_new_pods(target, flow)
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
            if not same_pod(candidate.src, candidate.dst) and holds_every_value(target, candidate, (role,)):
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


# ---- labels only the cluster knows -------------------------------------------------------------


def mentioned_values(target: WitnessTarget) -> dict[str, set[str]]:
    """Per label key, the values the policies' pod selectors (and the property's, for prove) name."""
    selectors = [s for role in ("src", "dst") if (spec := getattr(target, role, None)) is not None
                 for s in spec.selectors()]
    out = {k: set(v) for k, v in target.cluster.pod_selector_values.items()}  # the policies' part, cached
    for selector in selectors:
        for key, values in selector.mentioned().items():
            out.setdefault(key, set()).update(values)
    return out


def unknown_value_variants(target: WitnessTarget, flow: Flow, roles: tuple[str, ...]) -> Iterator[Flow]:
    """The flow with the unknown-valued labels of the workloads its `roles` name set to every value a selector
    tells apart (each value it names, and UNKNOWN_LABEL_VALUE for "any other"); one value per workload entry."""
    workloads: list[Workload] = []
    for role in roles:
        w = getattr(getattr(flow, role), "workload", None)
        if w is not None and w.unknown_labels and not any(w is seen for seen in workloads):
            workloads.append(w)
    mentioned = mentioned_values(target) if workloads else {}
    slots = [(w, k) for w in workloads for k in sorted(w.unknown_labels) if k in mentioned]
    choices = [sorted(mentioned[k]) + [UNKNOWN_LABEL_VALUE] for _, k in slots]
    for combination in itertools.product(*choices):
        chosen = {(id(w), k): value for (w, k), value in zip(slots, combination)}
        changed = flow
        for role in ("src", "dst"):
            ep = getattr(flow, role)
            if isinstance(ep, PodEndpoint) and ep.workload is not None and ep.workload in workloads:
                labels = {k: chosen.get((id(ep.workload), k), v) for k, v in ep.labels.items()}
                changed = replace(changed, **{role: replace(ep, labels=labels)})
        yield changed


def holds_every_value(target: WitnessTarget, flow: Flow, roles: tuple[str, ...] = ("src", "dst")) -> bool:
    """The target holds for the flow whatever values the unknown-valued labels of its `roles`' workloads have."""
    return all(target.holds(variant) for variant in unknown_value_variants(target, flow, roles))


def as_the_model_has_it(target: WitnessTarget, flow: Flow, as_replicas: Flow | None) -> Flow:
    """The flow to re-check and show: `flow`, or, when the target does not hold for it, `as_replicas` (the model's
    pods as the replicas they are, where extraction showed them as new pods because the model gave a label only
    the cluster knows a value a selector names: smt/extract.py) if the target holds for it whatever those values
    are. A new pod can differ from the replica in what the evaluator cannot know of a pod not created yet (its
    Calico ServiceAccount), where the replica's verdict is decided."""
    if as_replicas is None or target.holds(flow):
        return flow
    roles = tuple(r for r in ("src", "dst") if getattr(as_replicas, r) is not getattr(flow, r))
    return as_replicas if holds_every_value(target, as_replicas, roles) else flow


def as_new_pod(ep: PodEndpoint, mentioned: dict[str, set[str]]) -> PodEndpoint:
    """A pod not created yet with the labels of `ep`, each unknown value a valid one no selector names."""
    labels = {}
    for k, v in ep.labels.items():
        if v == UNKNOWN_LABEL_VALUE:
            taken, i = mentioned.get(k, set()), 1
            while f"value-{i}" in taken:
                i += 1
            v = f"value-{i}"
        labels[k] = v
    return replace(ep, labels=labels, workload=None)


def unsure_replicas_as_new_pods(target: WitnessTarget, flow: Flow) -> Flow:
    """An end named as a replica of a workload with unknown-valued labels whose verdict depends on their values
    is a pod that may not exist: show a new pod with a value no selector names instead (a pod the property pins
    to the workload is never one; prove settles those first, analyses/unknown_labels.py)."""
    for role in ("src", "dst"):
        ep = getattr(flow, role)
        if not isinstance(ep, PodEndpoint) or ep.workload is None or not ep.workload.unknown_labels:
            continue
        if getattr(getattr(target, role, None), "workload", None) is not None:
            continue
        if holds_every_value(target, flow, (role,)):
            continue
        candidate = replace(flow, **{role: as_new_pod(ep, mentioned_values(target))})
        if target.holds(candidate):
            flow = candidate
    return flow


# ---- two pods ----------------------------------------------------------------------------------


def two_pods(target: WitnessTarget, flow: Flow) -> Flow:
    """When both ends are one pod, make one end another pod: another existing workload that looks the same
    to the policies, another address of the workload, else a new pod with the same labels."""
    if not same_pod(flow.src, flow.dst):
        return flow
    for role in ("dst", "src"):
        ep = getattr(flow, role)
        assert isinstance(ep, PodEndpoint)
        if ep.workload is not None and not ep.workload.ips and ep.ip is not None:
            # Its address is not known: another address of its family, where the verdict is the same.
            for ip in _neighbours(ep.ip):
                candidate = replace(flow, **{role: replace(ep, ip=ip)})
                if not same_pod(candidate.src, candidate.dst) and target.holds(candidate):
                    return candidate
        others = [pod for i in target.cluster.workload_indices_by_namespace.get(ep.namespace, ())
                  for pod in replicas(target.cluster, target.cluster.workloads[i])][:MAX_FIT_TRIES]
        # A new pod like it, without the address (two pods never share one), then with it as a last resort.
        like = as_new_pod(ep, mentioned_values(target))
        others += [replace(like, ip=None), like]
        for pod in others:
            candidate = replace(flow, **{role: pod})
            if not same_pod(candidate.src, candidate.dst) and holds_every_value(target, candidate, (role,)):
                return candidate
    return flow


def _neighbours(ip: IPAddress) -> Iterator[IPAddress]:
    top = (1 << ip.max_prefixlen) - 1
    for value in (int(ip) + 1, int(ip) - 1, int(ip) + 2, int(ip) - 2):
        if 0 <= value <= top:
            yield ipaddress.ip_address(value) if ip.version == 4 else ipaddress.IPv6Address(value)


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
