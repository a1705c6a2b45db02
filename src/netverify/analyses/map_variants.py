"""The map's rows per address: with `--ipblock-matches-pods` a workload is one end per address its pods may have.

A workload's pods have its known IPs (every pod, both families of a dual-stack pod) or, when none is known, any
address of the families in use, tried as one address per ipBlock range. Rows are collected per (workload,
address) end and then either kept per address (`name@address` nodes, which diff compares) or merged per
workload: the union over its pods' addresses ("some pod reaches"). A merged row of a workload without known IPs
whose ports differ between the addresses it could have depends on that address; such rows are named.
"""

from __future__ import annotations

from collections.abc import Mapping

from netverify.analyses.ipranges import IPRange
from netverify.analyses.map_classes import WorkloadClass
from netverify.eval.addresses import AddressPlan
from netverify.eval.portset import NOTHING, PortSet
from netverify.findings import Connection, MapNode, WorkloadNode
from netverify.model.cluster import Cluster, Workload
from netverify.model.ipblock import IPAddress
from netverify.model.ports import PortRanges, Protocol

WorkloadEnd = tuple[Workload, IPAddress | None]
RangeEnd = tuple[None, IPRange]
End = WorkloadEnd | RangeEnd

VARIANT_SEPARATOR = "@"  # never part of a Kubernetes name


def workload_of_variant(node: WorkloadNode) -> WorkloadNode:
    """The workload a `name@address` node is an address of (itself when it carries none)."""
    return WorkloadNode(node.namespace, node.name.split(VARIANT_SEPARATOR, 1)[0], node.kind)


def address_of_variant(node: WorkloadNode) -> str | None:
    parts = node.name.split(VARIANT_SEPARATOR, 1)
    return parts[1] if len(parts) == 2 else None


class VariantTable:
    """Allowed ports per (end, end), ends being (workload, address) or (None, IP range)."""

    def __init__(self, cluster: Cluster, classes: list[WorkloadClass]) -> None:
        self.cluster = cluster
        self._members = [list(zip(c.workloads, c.addresses or (None,) * len(c.workloads))) for c in classes]
        self.addresses: dict[int, list[IPAddress | None]] = {}
        for members in self._members:
            for w, ip in members:
                self.addresses.setdefault(id(w), []).append(ip)
        self.rows: dict[tuple, PortSet] = {}
        self._ends: dict[tuple, tuple[End, End]] = {}
        self._mappings: dict[PortSet, Mapping[Protocol, PortRanges]] = {}

    def members(self, i: int) -> list[WorkloadEnd]:
        return self._members[i]

    def add(self, src: End, dst: End, ports: PortSet) -> None:
        key = (_end_key(src), _end_key(dst))
        found = self.rows.get(key)
        self.rows[key] = ports if found is None else found.union(ports)
        self._ends[key] = (src, dst)

    def _mapping(self, ports: PortSet) -> Mapping[Protocol, PortRanges]:
        found = self._mappings.get(ports)
        if found is None:
            found = self._mappings[ports] = ports.as_mapping()
        return found

    def connections(self, variants: bool, plan: AddressPlan) -> tuple[tuple[Connection, ...], list[str]]:
        """The rows, sorted; and (merged rows only) the labels of those that depend on an unknown address."""
        merged: dict[tuple, PortSet] = {}
        ends: dict[tuple, tuple[End, End]] = {}
        for key, ports in self.rows.items():
            src, dst = self._ends[key]
            if not variants:
                src, dst = _strip(src), _strip(dst)
            k = (_end_key(src), _end_key(dst))
            merged[k] = ports if k not in merged else merged[k].union(ports)
            ends[k] = (src, dst)
        rows = []
        dependent = []
        for k, ports in merged.items():
            src, dst = ends[k]
            conn = Connection(_node(src), _node(dst), self._mapping(ports), ports.other)
            rows.append((_sort_key(src), _sort_key(dst), conn))
            if not variants and plan.enabled and self._depends(src, dst):
                dependent.append(f"{conn.src.label} -> {conn.dst.label}")
        rows.sort(key=lambda row: (row[0], row[1]))
        return tuple(row[2] for row in rows), sorted(dependent)

    def _choices(self, end: End) -> list[End]:
        if end[0] is None:
            return [end]
        return [(end[0], ip) for ip in self.addresses.get(id(end[0]), [None])]

    def _depends(self, src: End, dst: End) -> bool:
        """Whether the ports differ between addresses a pod without a known IP may have (one family per pair)."""
        def unknown(end: End) -> bool:
            return end[0] is not None and not end[0].ips

        if not (unknown(src) or unknown(dst)):
            return False
        # Fix the ends whose addresses are known (each pod of theirs), vary the unknown ones.
        fixed_src = [src] if unknown(src) else self._choices(src)
        fixed_dst = [dst] if unknown(dst) else self._choices(dst)
        for fs in fixed_src:
            for fd in fixed_dst:
                seen = set()
                for s in self._choices(fs) if unknown(src) else [fs]:
                    for d in self._choices(fd) if unknown(dst) else [fd]:
                        if _version(s) is not None and _version(d) is not None and _version(s) != _version(d):
                            continue
                        seen.add(self.rows.get((_end_key(s), _end_key(d)), NOTHING))
                if len(seen) > 1:
                    return True
        return False


def _version(end: End) -> int | None:
    if end[0] is None:
        return end[1].version  # type: ignore[union-attr]
    return end[1].version if end[1] is not None else None  # type: ignore[union-attr]


def _strip(end: End) -> End:
    return end if end[0] is None else (end[0], None)


def _end_key(end: End) -> tuple:
    if end[0] is None:
        r = end[1]
        return ("ip", r.version, r.first, r.last)  # type: ignore[union-attr]
    return ("w", id(end[0]), str(end[1]) if end[1] is not None else "")


def _sort_key(end: End) -> tuple:
    if end[0] is None:
        r = end[1]
        return (1, r.version, r.first)  # type: ignore[union-attr]
    w, ip = end
    return (0, w.namespace, w.display_name, w.kind, (ip.version, int(ip)) if ip is not None else (0, 0))


def _node(end: End) -> MapNode:
    if end[0] is None:
        return end[1].node()  # type: ignore[union-attr]
    w, ip = end
    # A workload whose pods differ shows each pod group (`name/pod`, map.DISTINCT_PODS_NOTE).
    name = w.display_name if ip is None else f"{w.display_name}{VARIANT_SEPARATOR}{ip}"
    return WorkloadNode(w.namespace, name, w.kind)
