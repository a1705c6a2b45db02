"""Protocols and canonical port-range sets."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import Enum

MIN_PORT = 1
MAX_PORT = 65535


class Protocol(str, Enum):
    TCP = "TCP"
    UDP = "UDP"
    SCTP = "SCTP"

    def __str__(self) -> str:
        return self.value


PROTOCOLS: tuple[Protocol, ...] = (Protocol.TCP, Protocol.UDP, Protocol.SCTP)


@dataclass(frozen=True, slots=True)
class PortRanges:
    """A canonical set of ports: sorted, disjoint, non-adjacent closed intervals within 1..65535."""

    ranges: tuple[tuple[int, int], ...] = ()

    @staticmethod
    def of(intervals: Iterable[tuple[int, int]]) -> PortRanges:
        merged: list[list[int]] = []
        for lo, hi in sorted((max(lo, MIN_PORT), min(hi, MAX_PORT)) for lo, hi in intervals):
            if lo > hi:
                continue
            if merged and lo <= merged[-1][1] + 1:
                merged[-1][1] = max(merged[-1][1], hi)
            else:
                merged.append([lo, hi])
        return PortRanges(tuple((lo, hi) for lo, hi in merged))

    @staticmethod
    def all() -> PortRanges:
        return PortRanges(((MIN_PORT, MAX_PORT),))

    def __bool__(self) -> bool:
        return bool(self.ranges)

    def __contains__(self, port: int) -> bool:
        return any(lo <= port <= hi for lo, hi in self.ranges)

    def union(self, other: PortRanges) -> PortRanges:
        return PortRanges.of(self.ranges + other.ranges)

    def minus(self, other: PortRanges) -> PortRanges:
        out: list[tuple[int, int]] = []
        for lo, hi in self.ranges:
            cur = lo
            for olo, ohi in other.ranges:
                if ohi < cur or olo > hi:
                    continue
                if olo > cur:
                    out.append((cur, olo - 1))
                cur = max(cur, ohi + 1)
            if cur <= hi:
                out.append((cur, hi))
        return PortRanges.of(out)

    def intersect(self, other: PortRanges) -> PortRanges:
        return self.minus(self.minus(other))

    @property
    def is_all(self) -> bool:
        return self.ranges == ((MIN_PORT, MAX_PORT),)

    def as_lists(self) -> list[list[int]]:
        return [[lo, hi] for lo, hi in self.ranges]

    def __str__(self) -> str:
        return ",".join(str(lo) if lo == hi else f"{lo}-{hi}" for lo, hi in self.ranges)
