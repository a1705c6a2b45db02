"""What a rule admits as a set of ports per protocol, computed as interval sets (never port by port).

The set-level twin of `concrete.port_matches`: a port is in `rule_ports(entries, dst_ports)` for a protocol iff
some entry `port_matches` it for a destination with those container ports.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from netverify.model.cluster import ContainerPort
from netverify.model.policy import PortMatch
from netverify.model.ports import PROTOCOLS, PortRanges, Protocol

_EMPTY = PortRanges()


@dataclass(frozen=True, slots=True)
class PortSet:
    """Allowed ports of TCP, UDP and SCTP (in PROTOCOLS order), and whether every other IP protocol is
    allowed (`other`: ICMP, ICMPv6, UDPLite and the rest, each on every port / type / code).

    One flag for all other protocols is exact for NetworkPolicy and admin policies: a port entry names only
    TCP, UDP or SCTP, so a rule admits either all other protocols (no ports) or none of them. A layer that
    tells them apart (Calico protocols, Cilium icmps) needs a finer set.
    """

    by_protocol: tuple[PortRanges, PortRanges, PortRanges] = (_EMPTY, _EMPTY, _EMPTY)
    other: bool = False

    @staticmethod
    def everything() -> PortSet:
        return _ALL

    def get(self, protocol: Protocol) -> PortRanges:
        return self.by_protocol[PROTOCOLS.index(protocol)]

    def union(self, other: PortSet) -> PortSet:
        if self is _ALL or other is _NONE:
            return self
        if other is _ALL or self is _NONE:
            return other
        a, b = self.by_protocol, other.by_protocol
        return PortSet((_union(a[0], b[0]), _union(a[1], b[1]), _union(a[2], b[2])), self.other or other.other)

    def intersect(self, other: PortSet) -> PortSet:
        if self is _ALL or other is _NONE:
            return other
        if other is _ALL or self is _NONE:
            return self
        a, b = self.by_protocol, other.by_protocol
        return PortSet((_intersect(a[0], b[0]), _intersect(a[1], b[1]), _intersect(a[2], b[2])),
                       self.other and other.other)

    def __bool__(self) -> bool:
        return self.other or any(self.by_protocol)

    def as_mapping(self) -> Mapping[Protocol, PortRanges]:
        """Only the protocols with something allowed, in PROTOCOLS order (the shape of `findings.Connection`)."""
        return {p: r for p, r in zip(PROTOCOLS, self.by_protocol) if r}


def _union(a: PortRanges, b: PortRanges) -> PortRanges:
    if not b.ranges or a == b or a.is_all:
        return a
    if not a.ranges or b.is_all:
        return b
    return a.union(b)


def _intersect(a: PortRanges, b: PortRanges) -> PortRanges:
    """A two-pointer walk over both sorted interval lists (the map intersects many sets)."""
    if not a.ranges or b.is_all or a == b:
        return a
    if not b.ranges or a.is_all:
        return b
    out: list[tuple[int, int]] = []
    i = j = 0
    ra, rb = a.ranges, b.ranges
    while i < len(ra) and j < len(rb):
        lo, hi = max(ra[i][0], rb[j][0]), min(ra[i][1], rb[j][1])
        if lo <= hi:
            out.append((lo, hi))
        if ra[i][1] < rb[j][1]:
            i += 1
        else:
            j += 1
    return PortRanges(tuple(out))  # already sorted, disjoint and non-adjacent


_ALL = PortSet((PortRanges.all(), PortRanges.all(), PortRanges.all()), True)
_NONE = PortSet()
NOTHING = _NONE


def rule_ports(entries: Iterable[PortMatch], dst_ports: tuple[ContainerPort, ...] | None) -> PortSet:
    """The ports a rule's `ports` list admits towards a destination; `dst_ports` None = an external address.

    No entries = every port of every protocol, every other IP protocol too; entries admit no other protocol. A named entry resolves on the destination's container ports
    (name and protocol must both match) and admits nothing where it does not resolve.
    """
    entries = tuple(entries)
    if not entries:
        return _ALL
    intervals: dict[Protocol, list[tuple[int, int]]] = {p: [] for p in PROTOCOLS}
    for e in entries:
        if e.port is None:
            intervals[e.protocol].append((1, 65535))
        elif isinstance(e.port, str):
            intervals[e.protocol].extend(
                (cp.port, cp.port) for cp in dst_ports or () if cp.name == e.port and cp.protocol == e.protocol
            )
        else:
            intervals[e.protocol].append((e.port, e.end_port if e.end_port is not None else e.port))
    tcp, udp, sctp = (PortRanges.of(intervals[p]) for p in PROTOCOLS)
    return PortSet((tcp, udp, sctp))


def has_named_port(entries: Iterable[PortMatch]) -> bool:
    return any(e.is_named for e in entries)
