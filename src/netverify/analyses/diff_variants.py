"""Diff per pod address: both maps are compared per (workload, address) end, then merged back per workload.

With `--ipblock-matches-pods` one workload's pods may be treated differently by address (two pods, two
families of a dual-stack pod, or every address a pod without a known IP may get). Comparing unions per
workload would hide a change that one address gains and another loses, so maps are built per address
(`name@address` nodes, both versions over the same address classes) and compared end by end. A workload's
change is the union of its addresses' changes: something some pod of it, at an address it has or may get,
newly may or may no longer do.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable

from netverify.analyses.diff_maps import Protocols, RawChange, ip_range_node
from netverify.analyses.map_variants import address_of_variant, workload_of_variant
from netverify.findings import IPRangeNode, MapNode, PairChange, WorkloadNode
from netverify.model.cluster import Cluster
from netverify.model.ports import PortRanges, Protocol
from netverify.model.verdict import RuleRef

DEPENDS_NOTE = (
    "--ipblock-matches-pods: changes of {names} depend on the address their pods get, which the manifests do "
    "not say; each change holds for some address of the families in use"
)


def _union(a: Protocols, b: Protocols) -> Protocols:
    return {p: a.get(p, PortRanges()).union(b.get(p, PortRanges())) for p in Protocol if a.get(p) or b.get(p)}


def _canonical(p: Protocols) -> tuple:
    return tuple((proto, p[proto]) for proto in Protocol if p.get(proto))


def _plain(node: MapNode) -> MapNode:
    return workload_of_variant(node) if isinstance(node, WorkloadNode) else node


def _interval(node: IPRangeNode) -> tuple[int, int, int]:
    start, end = ipaddress.ip_address(node.start), ipaddress.ip_address(node.end)
    return (start.version, int(start), int(end))


Attributed = tuple[RawChange, tuple[RuleRef, ...], tuple[RuleRef, ...]]


def merge_variants(changes: Iterable[Attributed]) -> list[PairChange]:
    """Per workload pair (and per workload and IP range), the union of its addresses' changes, in first-seen
    order; IP ranges of one workload and side are cut at every boundary any address's change has."""
    pairs: dict[tuple, list[Attributed]] = {}
    for item in changes:
        raw = item[0]
        src, dst = _plain(raw.src), _plain(raw.dst)
        if isinstance(src, IPRangeNode):
            key: tuple = ("ip-src", dst.label)
        elif isinstance(dst, IPRangeNode):
            key = ("ip-dst", src.label)
        else:
            key = ("pair", src.label, dst.label)
        pairs.setdefault(key, []).append(item)
    out: list[PairChange] = []
    for key, items in pairs.items():
        if key[0] == "pair":
            out.append(_merge_pair(items))
        else:
            out += _merge_ranges(items, key[0] == "ip-src")
    return out


def _merge_pair(items: list[Attributed]) -> PairChange:
    added: Protocols = {}
    removed: Protocols = {}
    added_by: list[RuleRef] = []
    removed_by: list[RuleRef] = []
    for raw, a_by, r_by in items:
        added, removed = _union(added, raw.added), _union(removed, raw.removed)
        added_by += a_by
        removed_by += r_by
    first = items[0][0]
    return PairChange(_plain(first.src), _plain(first.dst), added, removed,
                      tuple(dict.fromkeys(added_by)), tuple(dict.fromkeys(removed_by)))


def _merge_ranges(items: list[Attributed], range_is_src: bool) -> list[PairChange]:
    if len(items) == 1:
        raw, a_by, r_by = items[0]
        return [PairChange(_plain(raw.src), _plain(raw.dst), raw.added, raw.removed, a_by, r_by)]
    workload = _plain(items[0][0].dst if range_is_src else items[0][0].src)
    spans = [(_interval(raw.src if range_is_src else raw.dst), raw, a_by, r_by) for raw, a_by, r_by in items]
    cuts: dict[int, set[int]] = {}
    for (v, lo, hi), *_ in spans:
        cuts.setdefault(v, set()).update((lo, hi + 1))
    merged: list[list] = []  # [(v, lo, hi), added, removed, added_by, removed_by]
    for v, points in sorted(cuts.items()):
        ordered = sorted(points)
        for lo, nxt in zip(ordered, ordered[1:]):
            added: Protocols = {}
            removed: Protocols = {}
            a_refs: list[RuleRef] = []
            r_refs: list[RuleRef] = []
            for (sv, slo, shi), raw, a_by, r_by in spans:
                if sv == v and slo <= lo <= shi:
                    added, removed = _union(added, raw.added), _union(removed, raw.removed)
                    a_refs += a_by
                    r_refs += r_by
            if not added and not removed:
                continue
            prev = merged[-1] if merged else None
            if (prev is not None and prev[0][0] == v and prev[0][2] + 1 == lo
                    and _canonical(prev[1]) == _canonical(added) and _canonical(prev[2]) == _canonical(removed)):
                prev[0] = (v, prev[0][1], nxt - 1)
                prev[3] += a_refs
                prev[4] += r_refs
            else:
                merged.append([(v, lo, nxt - 1), added, removed, a_refs, r_refs])
    out = []
    for (v, lo, hi), added, removed, a_refs, r_refs in merged:
        node = ip_range_node(v, lo, hi)
        src, dst = (node, workload) if range_is_src else (workload, node)
        out.append(PairChange(src, dst, added, removed, tuple(dict.fromkeys(a_refs)), tuple(dict.fromkeys(r_refs))))
    return out


def address_dependent(changes: Iterable[RawChange], clusters: Iterable[Cluster],
                      unknown_addresses: Iterable[ipaddress.IPv4Address | ipaddress.IPv6Address]) -> list[str]:
    """Workloads without known IPs whose change towards (or from) another workload's pod differs between the
    addresses they may get. (Rows with IP ranges depend on a pod's own address only by family.)"""
    unknown = {w.ref for c in clusters for w in c.workloads if not w.ips}
    versions = {str(a): a.version for a in unknown_addresses}
    per: dict[tuple[str, str, bool, str | None], dict[str | None, tuple]] = {}
    for raw in changes:
        if not (isinstance(raw.src, WorkloadNode) and isinstance(raw.dst, WorkloadNode)):
            continue
        for node, other, is_src in ((raw.src, raw.dst, True), (raw.dst, raw.src, False)):
            w = workload_of_variant(node).label
            if w in unknown:
                # the other end at one of its addresses
                changed = per.setdefault((w, other.label, is_src, address_of_variant(other)), {})
                changed[address_of_variant(node)] = (_canonical(raw.added), _canonical(raw.removed))
    out = set()
    for (w, _, _, other_address), by_address in per.items():
        families = {ipaddress.ip_address(other_address).version} if other_address else {4, 6}
        expected = {a for a, v in versions.items() if v in families}
        if len(set(by_address.values())) > 1 or expected - set(by_address):
            out.add(w)
    return sorted(out)
