"""The connectivity map restricted to the pairs a change can touch (`diff_focus.Focus`), for one version.

The map's engines (`map_engine.MapEngine` for NetworkPolicy unions, `map_fold.FoldEngine` under admin tiers)
answer per pair of workload classes exactly; `map.connectivity_map` asks them for every pair. Here only the
pairs with a focused end are asked: a whole row as the map does it (grants joined with destination groups),
a column or a listed pair directly, as the union of the egress grants that reach the destination intersected
with the union of the ingress grants that admit the source (the same grants and port sets the engine builds).
The rows kept are the map's own rows for those pairs (`name@address` ends, as `diff` compares them); IP ranges
are listed per elementary range of the engine's partition (not merged: `compare_maps` compares address by
address and merges what changed alike, so its answer does not depend on how the ranges were cut).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from netverify.analyses.diff_focus import Focus
from netverify.analyses.map_admin import admin_map_engine
from netverify.analyses.map_engine import ALL, EgressGrant, MapEngine, _DestinationGroup
from netverify.analyses.map_classes import WorkloadClass
from netverify.analyses.map_fold import FoldEngine
from netverify.analyses.map_variants import VariantTable
from netverify.eval.addresses import AddressPlan, same_family
from netverify.eval.concrete import peer_matches
from netverify.eval.portset import NOTHING, PortSet, has_named_port, rule_ports
from netverify.findings import ConnectivityMap
from netverify.model.cluster import Cluster
from netverify.model.flow import ExternalEndpoint, Flow, PodEndpoint
from netverify.model.policy import Direction, NetworkPolicy, Rule
from netverify.model.semantics import Semantics

Pairs = Iterator[tuple[int, int, PortSet]]
_NO_ONE = WorkloadClass(PodEndpoint("", {}, {}, ()), (), frozenset())


class _ClassFocus:
    """The focus on one version's classes: which classes' rows/columns are whole, which pairs are listed."""

    def __init__(self, classes, focus: Focus) -> None:
        refs = [{w.ref for w in c.workloads} for c in classes]
        by_ref: dict[str, set[int]] = {}
        for i, rs in enumerate(refs):
            for r in rs:
                by_ref.setdefault(r, set()).add(i)

        def of(names: Iterable[str]) -> set[int]:
            return {i for n in names for i in by_ref.get(n, ())}

        self.rows = of(focus.rows)
        self.cols = of(focus.cols)
        self.pairs: dict[int, set[int]] = {}
        for src, dsts in focus.pairs.items():
            targets = of(dsts)
            for i in by_ref.get(src, ()):
                self.pairs.setdefault(i, set()).update(targets)
        self.ip = {"egress": of(focus.ip_rows), "ingress": of(focus.ip_cols)}

    def targets(self, i: int) -> set[int] | None:
        """The destination classes to ask for source class i (None: all)."""
        if i in self.rows:
            return None
        return self.cols | self.pairs.get(i, set())


def _map_engine_pairs(engine: MapEngine, focus: _ClassFocus) -> Pairs:
    classes = engine.classes
    isolating = engine.isolating
    flag = engine.index.flag
    matches: dict[tuple[int, int], bool] = {}  # (id(rule), class) -> whether a peer of the rule matches it
    ingress_grants: dict[int, list[tuple[object, PortSet]]] = {}

    def reaches(policy: NetworkPolicy, rule: Rule, j: int) -> bool:
        """j ∈ engine.members(policy, rule), without matching the rule against every class."""
        if not rule.peers:
            return True
        key = (id(rule), j)
        found = matches.get(key)
        if found is None:
            found = matches[key] = any(peer_matches(peer, policy.namespace, classes[j].endpoint,
                                                    ipblock_matches_pods=flag) for peer in rule.peers)
        return found

    def ingress_ports(i: int, j: int) -> PortSet:
        if not isolating["ingress"][j]:
            return ALL
        grants = ingress_grants.get(j)
        if grants is None:
            named = tuple(classes[j].named_ports)  # named ports resolve on the destination
            grants = ingress_grants[j] = [(p, r, ports) for p in isolating["ingress"][j]
                                          for r in p.ingress if (ports := rule_ports(r.ports, named))]
        out = NOTHING
        for p, r, ports in grants:
            if reaches(p, r, i):
                out = out.union(ports)
        return out

    def egress_ports(i: int, j: int) -> PortSet:
        if not isolating["egress"][i]:
            return ALL
        out = NOTHING
        for p in isolating["egress"][i]:
            for r in p.egress:
                if reaches(p, r, j):
                    ports = engine._egress_ports(EgressGrant(engine._everyone, None, r), j) if has_named_port(
                        r.ports) else rule_ports(r.ports, ())
                    out = out.union(ports)
        return out

    rows = focus.rows
    if rows:
        yield from _rows_by_join(engine, rows)
    for i in range(len(classes)):
        if i in rows:
            continue
        for j in focus.targets(i) or ():
            e = egress_ports(i, j)
            if e:
                ports = e.intersect(ingress_ports(i, j))
                if ports:
                    yield i, j, ports


def _rows_by_join(engine: MapEngine, rows: set[int]) -> Pairs:
    """`MapEngine.class_pairs` for the sources `rows` only (the same join, the other sources skipped)."""
    egress = engine._egress_grants()
    per_source, for_everyone = engine._destination_groups()

    open_ingress = [j for j, ps in enumerate(engine.isolating["ingress"]) if not ps]
    open_group = _DestinationGroup(ALL, open_ingress, set(open_ingress))
    for i in sorted(rows):
        grants = egress[i]
        groups = [*per_source.get(i, ()), *for_everyone]
        if open_ingress:
            groups.append(open_group)
        if grants is None:
            grants = [EgressGrant(engine._everyone, ALL)]
        found: dict[int, PortSet] = {}
        for g in grants:
            for group in groups:
                if g.ports is not None and not g.ports.intersect(group.ports):
                    continue
                for j in group.listed:
                    if j in g.members:
                        ports = engine._egress_ports(g, j).intersect(group.ports)
                        if ports:
                            found[j] = found[j].union(ports) if j in found else ports
        for j, ports in found.items():
            yield i, j, ports


def _fold_pairs(engine: FoldEngine, focus: _ClassFocus) -> Pairs:
    classes = engine.classes
    for i, src in enumerate(classes):
        targets = focus.targets(i)
        for j in range(len(classes)) if targets is None else sorted(targets):
            dst = classes[j]
            allowed, _ = engine._fold(lambda p, port: Flow(src.endpoint, dst.endpoint, p, port))
            if allowed:
                yield i, j, allowed


def _map_engine_ip_ports(engine: MapEngine, direction: Direction, i: int) -> dict[int, PortSet]:
    """`MapEngine.ip_sides(direction)[i]` (every range when the class is not isolated that way)."""
    policies = engine.isolating[direction][i]
    if not policies:
        return {k: ALL for k in range(len(engine.partitions[direction].ranges))}
    # Towards an address a named port resolves to nothing; from one, it resolves on this class.
    dst_ports = None if direction == "egress" else tuple(engine.classes[i].named_ports)
    out: dict[int, PortSet] = {}
    for p in policies:
        for r in p.rules(direction):
            ports = rule_ports(r.ports, dst_ports)
            if ports:
                for k in engine.rule_ips(r, direction):
                    out[k] = out.get(k, NOTHING).union(ports)
    return out


def _ip_ports(engine: MapEngine | FoldEngine, direction: Direction, classes: set[int]) -> dict[int, dict[int, PortSet]]:
    """Per focused class, per elementary range of the partition, what it may do with the range."""
    ranges = engine.partitions[direction].ranges
    if isinstance(engine, MapEngine):
        return {i: _map_engine_ip_ports(engine, direction, i) for i in classes}
    out: dict[int, dict[int, PortSet]] = {}
    for i in classes:
        c = engine.classes[i]
        per_range: dict[int, PortSet] = {}
        for k, r in enumerate(ranges):
            if c.endpoint.ip is not None and c.endpoint.ip.version != r.version:
                continue
            outside = ExternalEndpoint(r.representative)
            if direction == "ingress":
                allowed, _ = engine._fold(lambda p, port: Flow(outside, c.endpoint, p, port))
            else:
                allowed, _ = engine._fold(lambda p, port: Flow(c.endpoint, outside, p, port))
            if allowed:
                per_range[k] = allowed
        out[i] = per_range
    return out


def focused_map(cluster: Cluster, focus: Focus, *, plan: AddressPlan, families: tuple[int, ...],
                semantics: Semantics) -> ConnectivityMap:
    """The rows of `connectivity_map(cluster, plan=plan, families=families, variants=True, semantics=semantics)`
    for the focused pairs (generic chain only: `diff_focus` sends every other CNI to the full map)."""
    ipb = semantics.ipblock_matches_pods
    engine: MapEngine | FoldEngine = (admin_map_engine(cluster, ipb, plan, families, None, semantics)
                                      if cluster.admin_policies else MapEngine(cluster, ipb, plan, families))
    classes = engine.classes
    on = _ClassFocus(classes, focus)
    pairs = list(_map_engine_pairs(engine, on) if isinstance(engine, MapEngine) else _fold_pairs(engine, on))
    # the table holds the classes that have rows here only (the others as empty ones: same indices)
    used = {i for i, j, _ in pairs} | {j for _, j, _ in pairs} | on.ip["egress"] | on.ip["ingress"]
    table = VariantTable(cluster, [c if i in used else _NO_ONE for i, c in enumerate(classes)])
    for i, j, ports in pairs:
        if not same_family(classes[i].endpoint, classes[j].endpoint):
            continue  # a connection uses addresses of one family at both ends
        for a, ip_a in table.members(i):
            for b, ip_b in table.members(j):
                if a is not b and focus.needs(a.ref, b.ref):
                    table.add((a, ip_a), (b, ip_b), ports)
    for direction in ("ingress", "egress"):
        ranges = engine.partitions[direction].ranges
        for i, per_range in _ip_ports(engine, direction, on.ip[direction]).items():
            own = classes[i].endpoint.ip
            members = [(w, ip) for w, ip in table.members(i) if focus.needs_ip(w.ref, direction)]
            for k, ports in per_range.items():
                r = ranges[k]
                if not ports or (own is not None and own.version != r.version):
                    continue
                for w, ip in members:
                    if direction == "ingress":  # the address is the source
                        table.add((None, r), (w, ip), ports)
                    else:
                        table.add((w, ip), (None, r), ports)
    connections, _ = table.connections(True, plan)
    return ConnectivityMap(connections)
