"""The map where admin policies exist: the concrete evaluator folded per class pair (no third engine).

`map_engine` joins NetworkPolicy grants, which is exact only for a union of allows. Admin tiers decide by first
match with Deny and Pass, so here every (source class, destination class) is asked of the reference evaluator
(`eval`, through `decide`) once per port cell: the ports every port match of every policy cuts each protocol
into (numbers, ranges, and the container ports named ports resolve to), so one port decides for its whole cell.
Likewise per class and address range for the IP rows; the ranges are cut by NetworkPolicy ipBlocks, admin
`networks` and the Nodes' addresses.

Same-priority policies that match one connection with different actions leave the result to the CNI: such a
cell is allowed under some resolution and blocked under another. Its ports are shown (some pod may connect) and
also collected as ambiguous, so map can mark the connection.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

from netverify.analyses.ipranges import Partition
from netverify.analyses.map_cilium import cilium_blocks, cilium_port_ranges
from netverify.analyses.map_classes import WorkloadClass
from netverify.eval.portset import NOTHING, PortSet
from netverify.model.cluster import Cluster
from netverify.model.flow import ExternalEndpoint, Flow
from netverify.model.ipblock import IPBlock
from netverify.model.policy import Direction
from netverify.model.ports import MAX_PORT, MIN_PORT, PROTOCOLS, PortRanges, Protocol


@dataclass(frozen=True, slots=True)
class Outcome:
    """What the evaluator says of one connection: allowed under some resolution, blocked under some."""

    may_allow: bool
    may_block: bool
    unknown: str | None = None  # some resolution's outcome netverify cannot tell: why

    @property
    def ambiguous(self) -> bool:
        return self.may_allow and self.may_block


Decide = Callable[[Flow], Outcome]


def admin_blocks(cluster: Cluster) -> tuple[IPBlock, ...]:
    """The CIDRs that cut the address space for admin tiers: `networks` peers and every Node address."""
    out = [b for p in cluster.admin_policies for r in (*p.ingress, *p.egress) for peer in r.peers
           for b in peer.networks]
    out += [IPBlock(ipaddress.ip_network(a)) for n in cluster.nodes for a in n.addresses]
    out += cilium_blocks(cluster)
    return tuple(dict.fromkeys(out))


def port_cells(cluster: Cluster, classes: Iterable[WorkloadClass]) -> dict[Protocol, tuple[tuple[int, int], ...]]:
    """Per protocol, the intervals no port match tells apart (each decided by its first port)."""
    cuts: dict[Protocol, set[int]] = {p: {MIN_PORT} for p in PROTOCOLS}

    def cut(protocols: Iterable[Protocol], lo: int, hi: int) -> None:
        for p in protocols:
            cuts[p].add(lo)
            if hi < MAX_PORT:
                cuts[p].add(hi + 1)

    for policy in cluster.policies:
        for rule in (*policy.ingress, *policy.egress):
            for e in rule.ports:
                if isinstance(e.port, int):
                    cut([e.protocol], e.port, e.end_port if e.end_port is not None else e.port)
    for admin in cluster.admin_policies:
        for rule in (*admin.ingress, *admin.egress):
            for ap in rule.ports or ():
                if isinstance(ap.port, int):
                    cut(PROTOCOLS if ap.protocol is None else [ap.protocol], ap.port,
                        ap.end_port if ap.end_port is not None else ap.port)
    for protocols, lo, hi in cilium_port_ranges(cluster):
        cut(protocols, lo, hi)
    # A named port resolves to a container port of the destination: every container port is its own cell.
    for c in classes:
        for cp in c.endpoint.ports:
            cut([cp.protocol], cp.port, cp.port)
    out: dict[Protocol, tuple[tuple[int, int], ...]] = {}
    for p, points in cuts.items():
        starts = sorted(points)
        out[p] = tuple(zip(starts, [s - 1 for s in starts[1:]] + [MAX_PORT]))
    return out


OTHER_PROTOCOLS_STAND_IN = Protocol.ICMP


class _Accumulator:
    """Ports allowed (under some resolution) and ports whose verdict is ambiguous, built cell by cell."""

    def __init__(self) -> None:
        self.allowed: dict[Protocol, list[tuple[int, int]]] = {p: [] for p in PROTOCOLS}
        self.ambiguous: dict[Protocol, list[tuple[int, int]]] = {p: [] for p in PROTOCOLS}
        self.other_allowed = self.other_ambiguous = False

    def add(self, protocol: Protocol, cell: tuple[int, int], outcome: Outcome) -> None:
        if protocol not in PROTOCOLS:  # the one class of every other protocol (PortSet.other)
            self.other_allowed |= outcome.may_allow
            self.other_ambiguous |= outcome.ambiguous
            return
        if outcome.may_allow:
            self.allowed[protocol].append(cell)
        if outcome.ambiguous:
            self.ambiguous[protocol].append(cell)

    @staticmethod
    def _set(intervals: dict[Protocol, list[tuple[int, int]]], other: bool) -> PortSet:
        if not other and not any(intervals.values()):
            return NOTHING
        tcp, udp, sctp = (PortRanges.of(intervals[p]) for p in PROTOCOLS)
        return PortSet((tcp, udp, sctp), other)

    def result(self) -> tuple[PortSet, PortSet]:
        return self._set(self.allowed, self.other_allowed), self._set(self.ambiguous, self.other_ambiguous)


class FoldEngine:
    """The map's class-level answers, from the evaluator; the same interface as `map_engine.MapEngine`."""

    def __init__(self, cluster: Cluster, classes: list[WorkloadClass], partitions: dict[Direction, Partition],
                 decide: Decide):
        self.cluster = cluster
        self.classes = classes
        self.partitions = partitions
        self.decide = decide
        self.cells = port_cells(cluster, classes)
        # (source, destination) -> ports whose verdict is ambiguous; an end is a class index or ("ip", range)
        self.ambiguous: dict[tuple, PortSet] = {}
        self.unknown_reasons: list[str] = []  # why some cell's verdict could not be told (the map is unknown)

    def _fold(self, make: Callable[[Protocol, int], Flow]) -> tuple[PortSet, PortSet]:
        acc = _Accumulator()
        # Every other protocol is one class (PortSet.other): ICMP stands for it, at no port.
        for protocol, cells in (*self.cells.items(), (OTHER_PROTOCOLS_STAND_IN, [(0, 0)])):
            for cell in cells:
                outcome = self.decide(make(protocol, cell[0]))
                if outcome.unknown is not None and outcome.unknown not in self.unknown_reasons:
                    self.unknown_reasons.append(outcome.unknown)
                acc.add(protocol, cell, outcome)
        return acc.result()

    def class_pairs(self) -> Iterator[tuple[int, int, PortSet]]:
        for i, src in enumerate(self.classes):
            for j, dst in enumerate(self.classes):
                allowed, ambiguous = self._fold(lambda p, port: Flow(src.endpoint, dst.endpoint, p, port))
                if ambiguous:
                    self.ambiguous[(i, j)] = ambiguous
                if allowed:
                    yield i, j, allowed

    def ip_sides(self, direction: Direction) -> list[dict[int, PortSet] | None]:
        """Per class, the ports it may use with each address range (ingress: the range is the source)."""
        out: list[dict[int, PortSet] | None] = []
        ranges = self.partitions[direction].ranges
        for i, c in enumerate(self.classes):
            per_range: dict[int, PortSet] = {}
            for k, r in enumerate(ranges):
                if c.endpoint.ip is not None and c.endpoint.ip.version != r.version:
                    continue
                outside = ExternalEndpoint(r.representative)
                if direction == "ingress":
                    allowed, ambiguous = self._fold(lambda p, port: Flow(outside, c.endpoint, p, port))
                    key = (("ip", k), i)
                else:
                    allowed, ambiguous = self._fold(lambda p, port: Flow(c.endpoint, outside, p, port))
                    key = (i, ("ip", k))
                if ambiguous:
                    self.ambiguous[key] = ambiguous
                if allowed:
                    per_range[k] = allowed
            out.append(per_range)
        return out
