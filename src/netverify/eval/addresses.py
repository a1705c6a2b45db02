"""Pod addresses under `--ipblock-matches-pods`: which families are in use, and which addresses a pod may have.

A pod's addresses are its known IPs (`status.podIPs`; every pod of a workload, both families of a dual-stack
pod). A pod whose IPs are not in the manifests may have any address of the families in use: the families of
the pod IPs, the policies' ipBlocks and the properties' ipBlocks (IPv4 when none is seen). Concrete analyses
(map, explain, diff, the differential oracle) cannot try every address, but the ipBlocks cut each family into
ranges whose addresses every ipBlock treats alike, so one address per range stands for all of them.

A connection uses one address of each end, of one family: both ends IPv4 or both IPv6.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from dataclasses import dataclass, replace

from netverify.model.cluster import Cluster, Workload
from netverify.model.flow import Endpoint, ExternalEndpoint, PodEndpoint
from netverify.model.ipblock import IPAddress, IPBlock

_TOP = {4: (1 << 32) - 1, 6: (1 << 128) - 1}


def policy_blocks(cluster: Cluster) -> tuple[IPBlock, ...]:
    """Every ipBlock a rule of the cluster names."""
    return tuple(
        peer.ip_block for p in cluster.policies for r in (*p.ingress, *p.egress) for peer in r.peers
        if peer.ip_block is not None
    )


def families_in_use(clusters: Iterable[Cluster], extra: Iterable[IPBlock] = ()) -> tuple[int, ...]:
    """The IP versions seen in pod IPs and ipBlocks (of the clusters and `extra`); IPv4 when none is seen."""
    seen: set[int] = {b.version for b in extra}
    for c in clusters:
        seen.update(ip.version for w in c.workloads for ip in w.ips)
        seen.update(b.version for b in policy_blocks(c))
    return tuple(sorted(seen)) or (4,)


def _address(version: int, value: int) -> IPAddress:
    return ipaddress.IPv4Address(value) if version == 4 else ipaddress.IPv6Address(value)


def range_starts(blocks: Iterable[IPBlock], families: Iterable[int]) -> tuple[IPAddress, ...]:
    """The first address of every range the blocks cut the families into: one address per class."""
    cuts: dict[int, set[int]] = {v: {0} for v in families}
    for b in blocks:
        if b.version not in cuts:
            continue
        for net in (b.cidr, *b.excepts):
            cuts[b.version].add(int(net.network_address))
            if int(net.broadcast_address) < _TOP[b.version]:
                cuts[b.version].add(int(net.broadcast_address) + 1)
    return tuple(_address(v, x) for v in sorted(cuts) for x in sorted(cuts[v]))


@dataclass(frozen=True)
class AddressPlan:
    """Which addresses a pod of a workload may have, for one analysis. `enabled` false: addresses are not
    modelled (ipBlocks match only outside addresses), every pod is one endpoint without an IP."""

    enabled: bool
    families: tuple[int, ...] = (4,)
    blocks: tuple[IPBlock, ...] = ()  # the ipBlocks that cut the address space into classes
    unknown_addresses: tuple[IPAddress, ...] = ()  # one per class, for pods whose IPs are not known

    @staticmethod
    def of(clusters: Iterable[Cluster], *, ipblock_matches_pods: bool, extra: Iterable[IPBlock] = ()) -> AddressPlan:
        clusters, extra = tuple(clusters), tuple(extra)
        if not ipblock_matches_pods:
            return AddressPlan(False)
        families = families_in_use(clusters, extra)
        blocks = tuple(dict.fromkeys([b for c in clusters for b in policy_blocks(c)] + list(extra)))
        return AddressPlan(True, families, blocks, range_starts(blocks, families))

    def knows(self, workload: Workload) -> bool:
        return not self.enabled or bool(workload.ips)

    def addresses(self, workload: Workload) -> tuple[IPAddress | None, ...]:
        if not self.enabled:
            return (None,)
        return tuple(workload.ips) or self.unknown_addresses

    def replicas(self, workload: Workload, base: PodEndpoint) -> list[PodEndpoint]:
        """`base` (a replica of `workload`) once per address it may have."""
        return [replace(base, ip=ip) for ip in self.addresses(workload)]

    def neighbour(self, ip: IPAddress) -> IPAddress | None:
        """Another address of `ip`'s family that every ipBlock of the plan matches as it matches `ip` (a pod
        there gets the same verdicts), or None when there is none."""
        def seen(a: IPAddress) -> tuple[bool, ...]:
            return tuple(b.contains(a) for b in self.blocks)

        near = [_address(ip.version, v) for v in (int(ip) + 1, int(ip) - 1) if 0 <= v <= _TOP[ip.version]]
        # One of the two is in ip's range unless that range is ip alone; then another range may be seen alike.
        return next((a for a in (*near, *range_starts(self.blocks, (ip.version,))) if a != ip and seen(a) == seen(ip)),
                    None)


def same_family(src: Endpoint, dst: Endpoint) -> bool:
    """Whether a connection between the two can exist: both addresses of one family (an end without a modelled
    address fits any)."""
    a = src.ip if isinstance(src, (PodEndpoint, ExternalEndpoint)) else None
    b = dst.ip if isinstance(dst, (PodEndpoint, ExternalEndpoint)) else None
    return a is None or b is None or a.version == b.version


def share_a_pod_address(src: Endpoint, dst: Endpoint) -> bool:
    """Whether both ends are pods on the pod network at one address: no pair of pods is that (the CNI gives each
    running pod its own address; two at one are one pod talking to itself), unless one uses its node's network."""
    if not (isinstance(src, PodEndpoint) and isinstance(dst, PodEndpoint)) or src.ip is None or src.ip != dst.ip:
        return False
    return not any(ep.workload is not None and ep.workload.host_network for ep in (src, dst))
