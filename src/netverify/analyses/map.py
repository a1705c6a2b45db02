"""`map`: every allowed connection between the existing workloads, and between workloads and IP ranges.

Scales by grouping workloads into classes of identical (namespace, labels, container ports[, IP]) — policies
cannot tell replicas of such a class apart — and by indexing classes by label, so that no loop runs over
pairs × policies. Each isolated side's allowed peers are computed once per distinct set of isolating rules
and the pairs are enumerated output-sensitively; port sets are interval sets. Every decision on a single
pod/peer goes through `eval.concrete`, the reference semantics.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from dataclasses import dataclass

from netverify.analyses.ipranges import IPRange, Partition, merge_adjacent
from netverify.errors import UsageError
from netverify.eval.concrete import endpoint_of, peer_matches, selects
from netverify.eval.portset import NOTHING, PortSet, has_named_port, rule_ports
from netverify.findings import Connection, ConnectivityMap, MapNode, WorkloadNode
from netverify.model.cluster import Cluster, Workload
from netverify.model.flow import PodEndpoint
from netverify.model.ipblock import IPBlock
from netverify.model.labels import LabelSelector
from netverify.model.policy import Direction, NetworkPolicy, Peer, Rule

HOST_NETWORK_NOTE = (
    "host-network pods are outside the model: {names} use the node's network, which NetworkPolicy does not "
    "govern; their rows show what policies would do for an ordinary pod with their labels"
)
ALL = PortSet.everything()


@dataclass(frozen=True, slots=True)
class _Class:
    """Workloads that no policy can tell apart."""

    endpoint: PodEndpoint
    workloads: tuple[Workload, ...]


def _classes(cluster: Cluster, ipblock_matches_pods: bool) -> list[_Class]:
    groups: dict[tuple, list[Workload]] = {}
    for w in cluster.workloads:
        ip = w.ips[0] if (ipblock_matches_pods and w.ips) else None
        key = (w.namespace, frozenset(w.labels.items()), frozenset(w.ports), ip)
        groups.setdefault(key, []).append(w)
    return [_Class(endpoint_of(cluster, ws[0]), tuple(ws)) for ws in groups.values()]


class _Index:
    """Classes by namespace and by label, to find a selector's candidates without scanning every class."""

    def __init__(self, classes: list[_Class], cluster: Cluster):
        self.classes = classes
        self.cluster = cluster
        self.by_namespace: dict[str, list[int]] = {}
        self.by_label: dict[tuple[str, str], list[int]] = {}
        self.by_key: dict[str, list[int]] = {}
        for i, c in enumerate(classes):
            self.by_namespace.setdefault(c.endpoint.namespace, []).append(i)
            for k, v in c.endpoint.labels.items():
                self.by_label.setdefault((k, v), []).append(i)
                self.by_key.setdefault(k, []).append(i)
        self._namespaces_cache: dict[LabelSelector, list[str]] = {}

    def namespaces_matching(self, selector: LabelSelector) -> list[str]:
        found = self._namespaces_cache.get(selector)
        if found is None:
            found = [ns for ns in self.by_namespace if selector.matches(self.cluster.namespace_labels(ns))]
            self._namespaces_cache[selector] = found
        return found

    def candidates(self, namespaces: list[str], selector: LabelSelector | None) -> Iterable[int]:
        """A superset of the classes in `namespaces` that `selector` matches (callers confirm each one)."""
        narrowest: list[int] | None = None
        for r in selector.requirements if selector is not None else ():
            if r.operator == "In":
                found = sorted({i for v in r.values for i in self.by_label.get((r.key, v), ())})
            elif r.operator == "Exists":
                found = self.by_key.get(r.key, [])
            else:
                continue
            if narrowest is None or len(found) < len(narrowest):
                narrowest = found
        in_namespaces = [i for ns in namespaces for i in self.by_namespace.get(ns, ())]
        if narrowest is None or len(narrowest) >= len(in_namespaces):
            return in_namespaces
        wanted = set(namespaces)
        return [i for i in narrowest if self.classes[i].endpoint.namespace in wanted]

    def peer_classes(self, peer: Peer, policy_namespace: str, ipblock_matches_pods: bool) -> list[int]:
        if peer.ip_block is not None:
            if not ipblock_matches_pods:
                return []
            pool: Iterable[int] = range(len(self.classes))
        elif peer.namespace_selector is None:
            pool = self.candidates([policy_namespace], peer.pod_selector)
        else:
            pool = self.candidates(self.namespaces_matching(peer.namespace_selector), peer.pod_selector)
        return [
            i for i in pool
            if peer_matches(peer, policy_namespace, self.classes[i].endpoint, ipblock_matches_pods=ipblock_matches_pods)
        ]


# A side of a class: None = not isolated (everything allowed), else what each peer class / IP range may do.
@dataclass(frozen=True, slots=True)
class _Side:
    pods: dict[int, PortSet]
    ips: dict[int, PortSet]


class _Engine:
    def __init__(self, cluster: Cluster, ipblock_matches_pods: bool):
        self.cluster = cluster
        self.flag = ipblock_matches_pods
        self.classes = _classes(cluster, ipblock_matches_pods)
        self.index = _Index(self.classes, cluster)
        blocks: dict[Direction, list[IPBlock]] = {"ingress": [], "egress": []}
        for p in cluster.policies:
            for d in ("ingress", "egress"):
                blocks[d] += [peer.ip_block for r in p.rules(d) for peer in r.peers if peer.ip_block is not None]
        versions = (4, 6) if any(b.version == 6 for bs in blocks.values() for b in bs) else (4,)
        # Ingress rules' ipBlocks cut the sources, egress rules' the destinations.
        self.partitions: dict[Direction, Partition] = {d: Partition(blocks[d], versions) for d in ("ingress", "egress")}
        self._rule_pods: dict[int, list[int]] = {}
        self._rule_ips: dict[tuple[int, Direction], list[int]] = {}

    # -- which classes each policy isolates ------------------------------------------------------------------

    def isolating(self) -> dict[Direction, list[tuple[NetworkPolicy, ...]]]:
        chosen: dict[Direction, list[list[NetworkPolicy]]] = {"ingress": [], "egress": []}
        for d in chosen:
            chosen[d] = [[] for _ in self.classes]
        for p in self.cluster.policies:
            directions = [d for d in ("ingress", "egress") if p.isolates(d)]
            if not directions:
                continue
            for i in self.index.candidates([p.namespace], p.pod_selector):
                if selects(p, self.classes[i].endpoint):
                    for d in directions:
                        chosen[d][i].append(p)
        return {d: [tuple(ps) for ps in per_class] for d, per_class in chosen.items()}

    # -- what one rule matches -----------------------------------------------------------------------------

    def rule_pods(self, policy: NetworkPolicy, rule: Rule) -> Iterable[int]:
        if not rule.peers:
            return range(len(self.classes))
        key = id(rule)
        found = self._rule_pods.get(key)
        if found is None:
            hits: set[int] = set()
            for peer in rule.peers:
                hits.update(self.index.peer_classes(peer, policy.namespace, self.flag))
            found = sorted(hits)
            self._rule_pods[key] = found
        return found

    def rule_ips(self, rule: Rule, direction: Direction) -> Iterable[int]:
        partition = self.partitions[direction]
        if not rule.peers:
            return partition.all_indices()
        key = (id(rule), direction)
        found = self._rule_ips.get(key)
        if found is None:
            hits: set[int] = set()
            for peer in rule.peers:
                if peer.ip_block is not None:
                    hits.update(partition.inside(peer.ip_block))
            found = sorted(hits)
            self._rule_ips[key] = found
        return found

    # -- one isolated side ------------------------------------------------------------------------------

    def egress_side(self, policies: tuple[NetworkPolicy, ...]) -> _Side:
        pods: dict[int, PortSet] = {}
        ips: dict[int, PortSet] = {}
        for p in policies:
            for r in p.egress:
                named = has_named_port(r.ports)
                fixed = rule_ports(r.ports, ())
                for j in self.rule_pods(p, r):
                    got = rule_ports(r.ports, self.classes[j].endpoint.ports) if named else fixed
                    if got:
                        pods[j] = pods.get(j, NOTHING).union(got)
                external = rule_ports(r.ports, None)
                if external:
                    for k in self.rule_ips(r, "egress"):
                        ips[k] = ips.get(k, NOTHING).union(external)
        return _Side(pods, ips)

    def ingress_side(self, policies: tuple[NetworkPolicy, ...], endpoint: PodEndpoint) -> _Side:
        pods: dict[int, PortSet] = {}
        ips: dict[int, PortSet] = {}
        for p in policies:
            for r in p.ingress:
                got = rule_ports(r.ports, endpoint.ports)  # named ports resolve on this (the destination) pod
                if not got:
                    continue
                for j in self.rule_pods(p, r):
                    pods[j] = pods.get(j, NOTHING).union(got)
                for k in self.rule_ips(r, "ingress"):
                    ips[k] = ips.get(k, NOTHING).union(got)
        return _Side(pods, ips)

    def sides(self) -> tuple[list[_Side | None], list[_Side | None]]:
        iso = self.isolating()
        egress: list[_Side | None] = []
        ingress: list[_Side | None] = []
        egress_cache: dict[tuple[int, ...], _Side] = {}
        ingress_cache: dict[tuple[tuple[int, ...], frozenset], _Side] = {}
        for i, c in enumerate(self.classes):
            eg = iso["egress"][i]
            if eg:
                key = tuple(id(p) for p in eg)
                if key not in egress_cache:
                    egress_cache[key] = self.egress_side(eg)
                egress.append(egress_cache[key])
            else:
                egress.append(None)
            ing = iso["ingress"][i]
            if ing:
                ikey = (tuple(id(p) for p in ing), frozenset(c.endpoint.ports))
                if ikey not in ingress_cache:
                    ingress_cache[ikey] = self.ingress_side(ing, c.endpoint)
                ingress.append(ingress_cache[ikey])
            else:
                ingress.append(None)
        return egress, ingress


def _class_pairs(egress: list[_Side | None], ingress: list[_Side | None]) -> Iterable[tuple[int, int, PortSet]]:
    """Every (source class, destination class, allowed ports) with something allowed."""
    open_ingress = [j for j, s in enumerate(ingress) if s is None]
    admitted_by: dict[int, list[int]] = {}  # source class -> isolated destinations that admit it
    for j, s in enumerate(ingress):
        if s is not None:
            for i in s.pods:
                admitted_by.setdefault(i, []).append(j)
    for i, eg in enumerate(egress):
        if eg is None:
            for j in open_ingress:
                yield i, j, ALL
            for j in admitted_by.get(i, ()):
                yield i, j, ingress[j].pods[i]  # type: ignore[union-attr]
            continue
        for j, out in eg.pods.items():
            ing = ingress[j]
            allowed = out if ing is None else out.intersect(ing.pods.get(i, NOTHING))
            if allowed:
                yield i, j, allowed


def _ip_rows(sides: list[_Side | None], partition: Partition) -> list[tuple[IPRange, dict[int, PortSet]]]:
    """Per IP range, what each class may do with it; adjacent ranges alike for every class are merged."""
    per_range: list[dict[int, PortSet]] = [{} for _ in partition.ranges]
    for i, s in enumerate(sides):
        if s is not None:
            for k, ports in s.ips.items():
                per_range[k][i] = ports
    open_classes = [i for i, s in enumerate(sides) if s is None]
    rows: list[tuple[IPRange, dict[int, PortSet]]] = []
    run: list[IPRange] = []
    run_conns: dict[int, PortSet] | None = None
    for r, conns in zip(partition.ranges, per_range):
        if run and run_conns == conns and run[-1].version == r.version:
            run.append(r)
            continue
        if run:
            rows.append((merge_adjacent(run), run_conns or {}))
        run, run_conns = [r], conns
    if run:
        rows.append((merge_adjacent(run), run_conns or {}))
    for _, conns in rows:
        for i in open_classes:
            conns[i] = ALL
    return rows


def _resolve_focus(cluster: Cluster, focus: str | None) -> Workload | None:
    if focus is None:
        return None
    w = cluster.workload(focus)
    if w is None:
        raise UsageError(f"--focus {focus!r}: no such workload (use ns/name, ns/name[Kind] or ns/Kind/name)")
    return w


def _node(w: Workload) -> WorkloadNode:
    return WorkloadNode(w.namespace, w.name, w.kind)


def connectivity_map(cluster: Cluster, *, ipblock_matches_pods: bool = False, focus: str | None = None) -> ConnectivityMap:
    target = _resolve_focus(cluster, focus)
    engine = _Engine(cluster, ipblock_matches_pods)
    classes = engine.classes
    egress, ingress = engine.sides()

    def keep(*workloads: Workload) -> bool:
        return target is None or any(w is target for w in workloads)

    connections: list[Connection] = []
    for i, j, ports in _class_pairs(egress, ingress):
        protocols = ports.as_mapping()
        for a in classes[i].workloads:
            for b in classes[j].workloads:
                if a is not b and keep(a, b):
                    connections.append(Connection(_node(a), _node(b), protocols))
    for ip_range, conns in _ip_rows(ingress, engine.partitions["ingress"]):
        node = ip_range.node()
        for j, ports in conns.items():
            connections += [Connection(node, _node(b), ports.as_mapping()) for b in classes[j].workloads if keep(b)]
    for ip_range, conns in _ip_rows(egress, engine.partitions["egress"]):
        node = ip_range.node()
        for i, ports in conns.items():
            connections += [Connection(_node(a), node, ports.as_mapping()) for a in classes[i].workloads if keep(a)]
    connections.sort(key=lambda c: (_sort_key(c.src), _sort_key(c.dst)))
    notes = ()
    host = [w.ref for w in cluster.workloads if w.host_network]
    if host:
        notes = (HOST_NETWORK_NOTE.format(names=", ".join(host)),)
    return ConnectivityMap(tuple(connections), notes)


def _sort_key(node: MapNode) -> tuple:
    if isinstance(node, WorkloadNode):
        return (0, node.namespace, node.name, node.kind)
    start = ipaddress.ip_address(node.start)
    return (1, start.version, int(start))
