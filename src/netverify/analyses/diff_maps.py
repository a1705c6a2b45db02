"""Compare two connectivity maps pair by pair: what HEAD allows that BASE did not, and the reverse.

Workloads are matched by `ns/name[Kind]`. IP ranges are compared address by address: the two versions may cut
the address space differently (their ipBlocks differ), so both partitions are refined to their common
boundaries, every elementary interval is compared, and adjacent intervals that changed alike are merged back.
"""

from __future__ import annotations

import bisect
import ipaddress
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from netverify.findings import ConnectivityMap, IPRangeNode, MapNode, WorkloadNode
from netverify.model.ports import PortRanges, Protocol

Protocols = Mapping[Protocol, PortRanges]
_NOTHING: Protocols = {}
# A map row's "every other protocol" part (Connection.other_protocols) is compared as this key, ICMP standing for
# them all (as in the map's fold): a change there is "other protocols" in every report (words.ports_text).
OTHER_PROTOCOLS_KEY = Protocol.ICMP


def _with_other(protocols: Protocols, other: bool) -> Protocols:
    return {**protocols, OTHER_PROTOCOLS_KEY: PortRanges.all()} if other else protocols


@dataclass(frozen=True, slots=True)
class RawChange:
    """One pair whose allowed set differs; added/removed hold only non-empty protocols."""

    src: MapNode
    dst: MapNode
    added: Protocols
    removed: Protocols


def protocols_minus(a: Protocols, b: Protocols) -> Protocols:
    out = {}
    for proto in Protocol:
        rest = a.get(proto, PortRanges()).minus(b.get(proto, PortRanges()))
        if rest:
            out[proto] = rest
    return out


def _canonical(p: Protocols) -> tuple[tuple[Protocol, PortRanges], ...]:
    return tuple((proto, p[proto]) for proto in Protocol if p.get(proto))


# ---- IP ranges as integer intervals ------------------------------------------------------------

_Interval = tuple[int, int, int]  # (ip version, first, last) as integers


def _interval(node: IPRangeNode) -> _Interval:
    start, end = ipaddress.ip_address(node.start), ipaddress.ip_address(node.end)
    return (start.version, int(start), int(end))


def ip_range_node(version: int, first: int, last: int) -> IPRangeNode:
    cls = ipaddress.IPv4Address if version == 4 else ipaddress.IPv6Address
    lo, hi = cls(first), cls(last)
    return IPRangeNode(str(lo), str(hi), tuple(str(n) for n in ipaddress.summarize_address_range(lo, hi)))


# A pair end is either a workload (by label) or "an IP range"; pairs with an IP end are grouped by the other end.
_WorkloadKey = str
_Side = str  # "src" (the IP range is the source) or "dst"


@dataclass
class _Indexed:
    workload_pairs: dict[tuple[_WorkloadKey, _WorkloadKey], Protocols]
    nodes: dict[_WorkloadKey, WorkloadNode]
    # (workload, side of the IP range) -> [(interval, protocols)]
    ip_pairs: dict[tuple[_WorkloadKey, _Side], list[tuple[_Interval, Protocols]]]


def _index(cmap: ConnectivityMap) -> _Indexed:
    idx = _Indexed({}, {}, {})
    for c in cmap.connections:
        src, dst = c.src, c.dst
        if isinstance(src, WorkloadNode):
            idx.nodes[src.label] = src
        if isinstance(dst, WorkloadNode):
            idx.nodes[dst.label] = dst
        if isinstance(src, WorkloadNode) and isinstance(dst, WorkloadNode):
            idx.workload_pairs[(src.label, dst.label)] = _with_other(c.protocols, c.other_protocols)
        elif isinstance(src, IPRangeNode) and isinstance(dst, WorkloadNode):
            idx.ip_pairs.setdefault((dst.label, "src"), []).append(
                (_interval(src), _with_other(c.protocols, c.other_protocols)))
        elif isinstance(src, WorkloadNode) and isinstance(dst, IPRangeNode):
            idx.ip_pairs.setdefault((src.label, "dst"), []).append(
                (_interval(dst), _with_other(c.protocols, c.other_protocols)))
        # IP-to-IP pairs are never part of a map (spec §6).
    return idx


class _RangeIndex:
    """What one version allows at an address, by binary search over its (disjoint) ranges."""

    def __init__(self, entries: list[tuple[_Interval, Protocols]]) -> None:
        self.entries = sorted(entries, key=lambda e: e[0])
        self.starts = [(v, lo) for (v, lo, _), _ in self.entries]

    def at(self, version: int, address: int) -> Protocols:
        i = bisect.bisect_right(self.starts, (version, address)) - 1
        if i >= 0:
            (v, lo, hi), protocols = self.entries[i]
            if v == version and lo <= address <= hi:
                return protocols
        return _NOTHING


def _elementary(entries: Iterable[tuple[_Interval, Protocols]]) -> list[_Interval]:
    """The intervals between consecutive boundaries of every range listed, per IP version."""
    cuts: dict[int, set[int]] = {}
    for (v, lo, hi), _ in entries:
        cuts.setdefault(v, set()).update((lo, hi + 1))
    out = []
    for v, points in sorted(cuts.items()):
        ordered = sorted(points)
        out += [(v, a, b - 1) for a, b in zip(ordered, ordered[1:])]
    return out


def _ip_changes(
    workload: WorkloadNode, side: _Side, base: list[tuple[_Interval, Protocols]], head: list[tuple[_Interval, Protocols]]
) -> list[RawChange]:
    changed: list[tuple[_Interval, Protocols, Protocols]] = []
    base_index, head_index = _RangeIndex(base), _RangeIndex(head)
    for v, lo, hi in _elementary([*base, *head]):
        b, h = base_index.at(v, lo), head_index.at(v, lo)
        added, removed = protocols_minus(h, b), protocols_minus(b, h)
        if not added and not removed:
            continue
        prev = changed[-1] if changed else None
        if (prev is not None and prev[0][0] == v and prev[0][2] + 1 == lo
                and _canonical(prev[1]) == _canonical(added) and _canonical(prev[2]) == _canonical(removed)):
            changed[-1] = ((v, prev[0][1], hi), prev[1], prev[2])
        else:
            changed.append(((v, lo, hi), added, removed))
    out = []
    for (v, lo, hi), added, removed in changed:
        node = ip_range_node(v, lo, hi)
        src, dst = (node, workload) if side == "src" else (workload, node)
        out.append(RawChange(src, dst, added, removed))
    return out


def compare_maps(base: ConnectivityMap, head: ConnectivityMap) -> list[RawChange]:
    """Every pair whose allowed connections differ, workload pairs first, each group in a stable order."""
    b, h = _index(base), _index(head)
    nodes = {**b.nodes, **h.nodes}
    changes = []
    for key in sorted(set(b.workload_pairs) | set(h.workload_pairs)):
        bp, hp = b.workload_pairs.get(key, _NOTHING), h.workload_pairs.get(key, _NOTHING)
        added, removed = protocols_minus(hp, bp), protocols_minus(bp, hp)
        if added or removed:
            changes.append(RawChange(nodes[key[0]], nodes[key[1]], added, removed))
    for key in sorted(set(b.ip_pairs) | set(h.ip_pairs), key=lambda k: (k[1] != "src", k[0])):
        changes += _ip_changes(nodes[key[0]], key[1], b.ip_pairs.get(key, []), h.ip_pairs.get(key, []))
    return changes

