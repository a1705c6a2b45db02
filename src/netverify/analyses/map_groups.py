"""The map's grouped view: workloads alike in every connection collapse into one row end (`ns/{tier=web} ×312`).

A group is a workload class of the map's engine (`map_classes`: workloads no policy can tell apart), so every
member has the same ports to every member of every other group and to every IP range; a row from a group to
itself holds for every member to every *other* member (a workload is never mapped to itself). `expand` turns
grouped rows back into exactly the per-pair rows of `connectivity_map`, lazily and in their order, so the
per-pair JSON and CSV at 100,000 pods are written as they are produced instead of held as 800,000 objects.

Where a workload is in several classes (pod addresses with --ipblock-matches-pods, Calico nets) or rows are
per pod or focused, the per-pair rows are computed as before and `collapse` groups them afterwards, checking
that every group pair it merges is uniform (the same ports for every member pair), else keeping those rows as
they are: the expansion equals the per-pair rows either way.
"""

from __future__ import annotations

import ipaddress
import os
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import replace
from typing import overload

from netverify.analyses.ipranges import IPRange
from netverify.analyses.map_classes import WorkloadClass
from netverify.eval.addresses import same_family
from netverify.eval.portset import PortSet
from netverify.findings import Connection, ConnectivityMap, IPRangeNode, MapNode, WorkloadGroupNode, WorkloadNode
from netverify.model.cluster import Workload
from netverify.model.ports import PortRanges, Protocol

ClassPairs = Iterable[tuple[int, int, PortSet]]
IPRows = Iterable[tuple[str, IPRange, Mapping[int, PortSet]]]  # (direction, range, ports per class)


def _workload_node(w: Workload) -> WorkloadNode:
    return WorkloadNode(w.namespace, w.display_name, w.kind)


def node_sort_key(node: MapNode) -> tuple:
    """The order of the per-pair rows (map_variants._sort_key, for ends without an address)."""
    if isinstance(node, WorkloadNode):
        return (0, node.namespace, node.name, node.kind, (0, 0))
    if isinstance(node, WorkloadGroupNode):
        return node_sort_key(node.members[0])
    start = ipaddress.ip_address(node.start)
    return (1, start.version, int(start))


class SortKeys:
    """`node_sort_key`, once per node object: an IP node's key parses its address, and rows share nodes."""

    def __init__(self) -> None:
        self._memo: dict[int, tuple[MapNode, tuple]] = {}  # id -> (the node, kept alive so the id stays its)

    def __call__(self, node: MapNode) -> tuple:
        found = self._memo.get(id(node))
        if found is None or found[0] is not node:
            found = self._memo[id(node)] = (node, node_sort_key(node))
        return found[1]

    def of_row(self, c: Connection) -> tuple[tuple, tuple]:
        return self(c.src), self(c.dst)


def _members(node: MapNode) -> tuple[MapNode, ...]:
    return node.members if isinstance(node, WorkloadGroupNode) else (node,)


class GroupNamer:
    """`{labels every member shares} ×N` per group, unique within one map (`#2` on a repeat)."""

    def __init__(self) -> None:
        self._taken: dict[str, int] = {}

    def node(self, workloads: Sequence[Workload]) -> MapNode:
        nodes = sorted({_workload_node(w) for w in workloads}, key=node_sort_key)
        if len(nodes) == 1:
            return nodes[0]
        shared = dict(workloads[0].labels)
        for w in workloads[1:]:
            shared = {k: v for k, v in shared.items() if w.labels.get(k) == v}
        labels = ", ".join(f"{k}={v}" for k, v in sorted(shared.items()) if k not in _SET_BY_CONTROLLERS)
        name = f"{_stem([n.name for n in nodes])}{{{labels}}} ×{len(nodes)}"
        key = f"{workloads[0].namespace}/{name}"
        seen = self._taken[key] = self._taken.get(key, 0) + 1
        if seen > 1:
            name += f" #{seen}"
        return WorkloadGroupNode(workloads[0].namespace, name, tuple(nodes))  # type: ignore[arg-type]


# labels the controllers set per pod or revision: they tell nobody which workloads a group holds
_SET_BY_CONTROLLERS = frozenset({"controller-revision-hash", "pod-template-hash", "apps.kubernetes.io/pod-index",
                                 "statefulset.kubernetes.io/pod-name", "pod-template-generation",
                                 "batch.kubernetes.io/controller-uid", "controller-uid"})


def _stem(names: list[str]) -> str:
    """The start all names share, without a dangling separator or counter: `web-1`, `web-2` -> `web`."""
    prefix = os.path.commonprefix(names)
    return prefix.rstrip("-./0123456789") if prefix not in names else prefix


class _Rows:
    """Connections with one Mapping object per distinct port set (shared, and cheap to render repeatedly)."""

    def __init__(self) -> None:
        self._mappings: dict[PortSet, Mapping[Protocol, PortRanges]] = {}
        # the engine hands out one PortSet object for many rows: by identity first, hashing (costly) only once
        self._by_id: dict[int, tuple[PortSet, Mapping[Protocol, PortRanges]]] = {}
        self.rows: list[Connection] = []

    def add(self, src: MapNode, dst: MapNode, ports: PortSet) -> None:
        known = self._by_id.get(id(ports))
        if known is not None and known[0] is ports:
            mapping = known[1]
        else:
            mapping = self._mappings.get(ports)
            if mapping is None:
                mapping = self._mappings[ports] = ports.as_mapping()
            self._by_id[id(ports)] = (ports, mapping)
        self.rows.append(Connection(src, dst, mapping, ports.other))

    def sorted(self) -> tuple[Connection, ...]:
        self.rows.sort(key=SortKeys().of_row)
        return tuple(self.rows)


def grouped_from_classes(classes: list[WorkloadClass], pairs: ClassPairs, ip_rows: IPRows) -> tuple[Connection, ...]:
    """Grouped rows straight from the engine's class-level answers (every workload in exactly one class)."""
    namer = GroupNamer()
    nodes = [namer.node(c.workloads) for c in classes]
    out = _Rows()
    ip_nodes: dict[IPRange, IPRangeNode] = {}
    for i, j, ports in pairs:
        if not same_family(classes[i].endpoint, classes[j].endpoint):
            continue  # a connection uses addresses of one family at both ends
        if i == j and not isinstance(nodes[i], WorkloadGroupNode):
            continue  # a lone workload is never mapped to itself
        out.add(nodes[i], nodes[j], ports)
    for direction, ip_range, by_class in ip_rows:
        ip_node = ip_nodes.get(ip_range)
        if ip_node is None:
            ip_node = ip_nodes[ip_range] = ip_range.node()
        for i, ports in by_class.items():
            own = classes[i].endpoint.ip
            if own is not None and own.version != ip_range.version:
                continue
            if direction == "ingress":  # the address is the source
                out.add(ip_node, nodes[i], ports)
            else:
                out.add(nodes[i], ip_node, ports)
    return out.sorted()


def collapse(connections: Sequence[Connection], candidates: Iterable[Sequence[Workload]]) -> tuple[Connection, ...]:
    """Per-pair rows grouped by `candidates` (sets of workloads that may be alike), keeping only groups whose
    every group pair is uniform: each member pair present, with equal ports. The others are split up into
    their members, until every remaining group is uniform (so the expansion is exactly `connections`)."""
    namer = GroupNamer()
    group_of: dict[MapNode, MapNode] = {}
    for workloads in candidates:
        node = namer.node(workloads)
        if isinstance(node, WorkloadGroupNode):
            for m in node.members:
                group_of[m] = node
    while True:
        by_pair: dict[tuple[MapNode, MapNode], list[Connection]] = {}
        for c in connections:
            by_pair.setdefault((group_of.get(c.src, c.src), group_of.get(c.dst, c.dst)), []).append(c)
        split: set[MapNode] = set()
        for (s, d), cs in by_pair.items():
            size_s, size_d = len(_members(s)), len(_members(d))
            expected = size_s * size_d - (size_s if s is d else 0)
            first = cs[0]
            if expected != len(cs) or any(c.protocols != first.protocols or c.other_protocols != first.other_protocols
                                          for c in cs):
                split.update(g for g in (s, d) if isinstance(g, WorkloadGroupNode))
        if not split:
            break
        group_of = {m: g for m, g in group_of.items() if g not in split}
    out = [Connection(s, d, cs[0].protocols, cs[0].other_protocols) for (s, d), cs in by_pair.items()]
    return tuple(sorted(out, key=SortKeys().of_row))


def candidate_groups(classes: list[WorkloadClass]) -> list[list[Workload]]:
    """Workloads in the same classes (with the same addresses known or not): alike as far as the engine knows."""
    in_classes: dict[int, list[int]] = {}
    by_id: dict[int, Workload] = {}
    for i, c in enumerate(classes):
        for w in c.workloads:
            in_classes.setdefault(id(w), []).append(i)
            by_id[id(w)] = w
    out: dict[tuple, list[Workload]] = {}
    for key, idx in in_classes.items():
        w = by_id[key]
        out.setdefault((tuple(sorted(set(idx))), bool(w.ips)), []).append(w)
    return list(out.values())


def _self_row(c: Connection) -> bool:
    return isinstance(c.src, WorkloadGroupNode) and (c.src is c.dst or c.src == c.dst)


def pairs_count(rows: Iterable[Connection]) -> int:
    """How many per-pair rows the grouped rows stand for."""
    total = 0
    for c in rows:
        s, d = len(_members(c.src)), len(_members(c.dst))
        total += s * d - (s if _self_row(c) else 0)
    return total


def expand(rows: Iterable[Connection]) -> Iterator[Connection]:
    """Every per-pair row the grouped `rows` stand for, in the per-pair order (sources, then destinations)."""
    from_node: dict[MapNode, list[Connection]] = {}
    for c in rows:
        from_node.setdefault(c.src, []).append(c)
    key = SortKeys()
    sources = sorted(((key(m), m, node) for node in from_node for m in _members(node)), key=lambda t: t[0])
    cached_for: MapNode | None = None
    targets: list[tuple[tuple, MapNode, Connection, bool]] = []
    for _, member, node in sources:
        if node is not cached_for:  # the members of one group share their (sorted) destinations
            targets = sorted(((key(d), d, c, _self_row(c)) for c in from_node[node] for d in _members(c.dst)),
                             key=lambda t: t[0])
            cached_for = node
        for _, d, c, self_row in targets:
            if not (self_row and d == member):  # a group's row to itself: every member to every *other* one
                yield Connection(member, d, c.protocols, c.other_protocols)


class ExpandedRows(Sequence[Connection]):
    """The per-pair rows of a grouped map, produced on iteration (its length known without producing them)."""

    def __init__(self, grouped: Sequence[Connection]) -> None:
        self.grouped = grouped
        self._length = pairs_count(grouped)
        self._all: tuple[Connection, ...] | None = None

    def __len__(self) -> int:
        return self._length

    def __iter__(self) -> Iterator[Connection]:
        return iter(self._all) if self._all is not None else expand(self.grouped)

    @overload
    def __getitem__(self, i: int) -> Connection: ...
    @overload
    def __getitem__(self, i: slice) -> Sequence[Connection]: ...

    def __getitem__(self, i):  # random access (tables that merge rows) holds them all, once
        if self._all is None:
            self._all = tuple(expand(self.grouped))
        return self._all[i]

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Sequence) and tuple(self) == tuple(other)

    def __hash__(self) -> int:
        return hash(len(self))


def per_pair(cmap: ConnectivityMap) -> ConnectivityMap:
    """A grouped map as its per-pair rows (lazily expanded); a per-pair map as it is."""
    if not cmap.grouped:
        return cmap
    return replace(cmap, connections=ExpandedRows(cmap.connections), grouped=False)


def as_view(cmap: ConnectivityMap, grouped: bool) -> ConnectivityMap:
    """The map grouped or per pair, whichever it was made as (a lazily expanded map knows its groups)."""
    if grouped and not cmap.grouped and isinstance(cmap.connections, ExpandedRows):
        return replace(cmap, connections=cmap.connections.grouped, grouped=True)
    return cmap if grouped else per_pair(cmap)
