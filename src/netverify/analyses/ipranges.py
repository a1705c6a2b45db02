"""The address ranges that ipBlocks cut the address space into, as integer intervals.

Every address of one elementary range is inside or outside each cidr/except alike, so one representative
address decides for the whole range.
"""

from __future__ import annotations

import bisect
import ipaddress
from collections.abc import Iterable
from dataclasses import dataclass

from netverify.findings import IPRangeNode
from netverify.model.ipblock import IPAddress, IPBlock, IPNetwork

_TOP = {4: (1 << 32) - 1, 6: (1 << 128) - 1}


@dataclass(frozen=True, slots=True, order=True)
class IPRange:
    version: int
    first: int
    last: int

    @property
    def representative(self) -> IPAddress:
        return ipaddress.ip_address(self.first) if self.version == 4 else ipaddress.IPv6Address(self.first)

    def node(self) -> IPRangeNode:
        cls = ipaddress.IPv4Address if self.version == 4 else ipaddress.IPv6Address
        lo, hi = cls(self.first), cls(self.last)
        return IPRangeNode(str(lo), str(hi), tuple(str(n) for n in ipaddress.summarize_address_range(lo, hi)))


def _bounds(net: IPNetwork) -> tuple[int, int]:
    return int(net.network_address), int(net.broadcast_address)


class Partition:
    """The elementary ranges of the address space that a set of ipBlocks induces (v4 always, v6 on request)."""

    def __init__(self, blocks: Iterable[IPBlock], versions: Iterable[int] = (4,)):
        cuts: dict[int, set[int]] = {v: {0} for v in versions}
        for b in blocks:
            for net in (b.cidr, *b.excepts):
                lo, hi = _bounds(net)
                points = cuts.setdefault(net.version, {0})
                points.add(lo)
                if hi < _TOP[net.version]:
                    points.add(hi + 1)
        self.ranges: list[IPRange] = []
        for v in sorted(cuts):
            starts = sorted(cuts[v])
            ends = [s - 1 for s in starts[1:]] + [_TOP[v]]
            self.ranges += [IPRange(v, s, e) for s, e in zip(starts, ends)]
        self._firsts = [(r.version, r.first) for r in self.ranges]

    def __len__(self) -> int:
        return len(self.ranges)

    def _span(self, net: IPNetwork) -> range:
        """Indices of the elementary ranges inside `net` (a cut point of this partition by construction)."""
        lo, hi = _bounds(net)
        start = bisect.bisect_left(self._firsts, (net.version, lo))
        stop = bisect.bisect_right(self._firsts, (net.version, hi))
        return range(start, stop)

    def inside(self, block: IPBlock) -> list[int]:
        """Indices of the ranges inside cidr minus every except."""
        out = set(self._span(block.cidr))
        for e in block.excepts:
            out.difference_update(self._span(e))
        return sorted(out)

    def index_of(self, ip: IPAddress) -> int:
        """The index of the range holding `ip`."""
        return bisect.bisect_right(self._firsts, (ip.version, int(ip))) - 1

    def all_indices(self) -> range:
        return range(len(self.ranges))


def merge_adjacent(ranges: list[IPRange]) -> IPRange:
    """One range spanning consecutive ranges of one version."""
    return IPRange(ranges[0].version, ranges[0].first, ranges[-1].last)
