"""The map's computation over workload classes: who isolates whom, what each rule grants, and the allowed pairs.

A rule grants its port set to the classes its peers match (the "members"). An allowed (source, destination)
pair needs an egress grant of the source whose members hold the destination and an ingress grant of the
destination whose members hold the source; its ports are the union over such grant pairs of the intersection
of their port sets. Pairs are found by joining grants: destinations are grouped by (ingress members, ports),
so a source only visits groups it belongs to, group/grant pairs whose ports cannot meet are skipped, and each
membership test walks the shorter of the two lists. Nothing loops over all pairs of classes times policies.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from netverify.analyses.ipranges import Partition
from netverify.analyses.map_classes import ClassIndex, WorkloadClass, workload_classes
from netverify.eval.addresses import AddressPlan, families_in_use
from netverify.eval.concrete import selects
from netverify.eval.portset import NOTHING, PortSet, has_named_port, rule_ports
from netverify.model.cluster import Cluster
from netverify.model.ipblock import IPBlock
from netverify.model.policy import Direction, NetworkPolicy, Rule

ALL = PortSet.everything()
DIRECTIONS: tuple[Direction, Direction] = ("ingress", "egress")


@dataclass(frozen=True, slots=True)
class Members:
    """Classes a rule's peers match; interned, so equal member sets are one object."""

    listed: Sequence[int]
    as_set: frozenset[int] | None  # None: every class

    def __contains__(self, i: int) -> bool:
        return self.as_set is None or i in self.as_set

    def __len__(self) -> int:
        return len(self.listed)


@dataclass(frozen=True, slots=True)
class EgressGrant:
    members: Members
    ports: PortSet | None  # None: named ports, resolved per destination
    rule: Rule | None = None  # None: the source is not isolated for egress


@dataclass(slots=True)
class _DestinationGroup:
    """Isolated destinations whose ingress grants `ports` to every member of one Members set."""

    ports: PortSet
    listed: list[int]
    as_set: set[int]


class MapEngine:
    def __init__(self, cluster: Cluster, ipblock_matches_pods: bool, plan: AddressPlan | None = None,
                 families: tuple[int, ...] | None = None):
        """`plan`: the pod addresses to try (diff gives both versions one); `families`: the IP versions whose
        ranges are rows (default: IPv4, and IPv6 when a pod IP or an ipBlock has it)."""
        self.cluster = cluster
        self.classes: list[WorkloadClass] = workload_classes(cluster, ipblock_matches_pods, plan)
        self.index = ClassIndex(self.classes, cluster, ipblock_matches_pods)
        blocks: dict[Direction, list[IPBlock]] = {"ingress": [], "egress": []}
        for p in cluster.policies:
            for d in DIRECTIONS:
                blocks[d] += [peer.ip_block for r in p.rules(d) for peer in r.peers if peer.ip_block is not None]
        versions = tuple(sorted({4, *(families or families_in_use([cluster]))}))
        # Ingress rules' ipBlocks cut the sources, egress rules' the destinations.
        self.partitions: dict[Direction, Partition] = {d: Partition(blocks[d], versions) for d in DIRECTIONS}
        self.isolating = self._isolating()
        self._members: dict[int, Members] = {}
        self._interned: dict[tuple[int, ...], Members] = {}
        self._everyone = Members(range(len(self.classes)), None)
        self._rule_ips: dict[tuple[int, Direction], list[int]] = {}
        self._named: dict[tuple[int, frozenset], PortSet] = {}

    # -- who isolates whom ----------------------------------------------------------------------------------

    def _isolating(self) -> dict[Direction, list[tuple[NetworkPolicy, ...]]]:
        chosen: dict[Direction, list[list[NetworkPolicy]]] = {d: [[] for _ in self.classes] for d in DIRECTIONS}
        for p in self.cluster.policies:
            directions = [d for d in DIRECTIONS if p.isolates(d)]
            if not directions:
                continue
            for i in self.index.candidates([p.namespace], p.pod_selector):
                if selects(p, self.classes[i].endpoint):
                    for d in directions:
                        chosen[d][i].append(p)
        return {d: [tuple(ps) for ps in per_class] for d, per_class in chosen.items()}

    # -- what one rule matches --------------------------------------------------------------------------------

    def members(self, policy: NetworkPolicy, rule: Rule) -> Members:
        if not rule.peers:
            return self._everyone
        found = self._members.get(id(rule))
        if found is None:
            hits: set[int] = set()
            for peer in rule.peers:
                hits.update(self.index.peer_classes(peer, policy.namespace))
            key = tuple(sorted(hits))
            found = self._interned.get(key)
            if found is None:
                found = self._interned[key] = Members(key, frozenset(key))
            self._members[id(rule)] = found
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
            found = self._rule_ips[key] = sorted(hits)
        return found

    def _egress_ports(self, grant: EgressGrant, dst: int) -> PortSet:
        if grant.ports is not None or grant.rule is None:
            return grant.ports or ALL
        named = self.classes[dst].named_ports
        key = (id(grant.rule), named)
        found = self._named.get(key)
        if found is None:
            found = self._named[key] = rule_ports(grant.rule.ports, tuple(named))
        return found

    # -- allowed pairs of classes ----------------------------------------------------------------------------

    def _egress_grants(self) -> list[list[EgressGrant] | None]:
        out: list[list[EgressGrant] | None] = []
        cache: dict[tuple[int, ...], list[EgressGrant]] = {}
        for policies in self.isolating["egress"]:
            if not policies:
                out.append(None)
                continue
            key = tuple(id(p) for p in policies)
            if key not in cache:
                cache[key] = [
                    EgressGrant(self.members(p, r), None if has_named_port(r.ports) else rule_ports(r.ports, ()), r)
                    for p in policies for r in p.egress
                ]
            out.append(cache[key])
        return out

    def _destination_groups(self) -> tuple[dict[int, list[_DestinationGroup]], list[_DestinationGroup]]:
        """Isolated destinations grouped by (members, ports): per source class, and those open to everyone."""
        grouped: dict[tuple[int, PortSet], _DestinationGroup] = {}
        by_members: dict[int, Members] = {}
        for j, policies in enumerate(self.isolating["ingress"]):
            dst_ports = tuple(self.classes[j].named_ports)
            for p in policies:
                for r in p.ingress:
                    ports = rule_ports(r.ports, dst_ports)  # named ports resolve on the destination
                    if not ports:
                        continue
                    m = self.members(p, r)
                    by_members[id(m)] = m
                    group = grouped.setdefault((id(m), ports), _DestinationGroup(ports, [], set()))
                    if j not in group.as_set:
                        group.listed.append(j)
                        group.as_set.add(j)
        per_source: dict[int, list[_DestinationGroup]] = {}
        for_everyone: list[_DestinationGroup] = []
        for (mid, _), group in grouped.items():
            m = by_members[mid]
            if m.as_set is None:
                for_everyone.append(group)
            else:
                for i in m.listed:
                    per_source.setdefault(i, []).append(group)
        return per_source, for_everyone

    def class_pairs(self) -> Iterable[tuple[int, int, PortSet]]:
        """Every (source class, destination class, allowed ports) with something allowed."""
        egress = self._egress_grants()
        per_source, for_everyone = self._destination_groups()
        open_ingress = [j for j, ps in enumerate(self.isolating["ingress"]) if not ps]
        open_group = _DestinationGroup(ALL, open_ingress, set(open_ingress))
        # keyed by identity: hashing the port sets themselves was a third of map at 10,000 policies, and every
        # grant and group (so every id) stays alive for the whole loop
        meets: dict[tuple[int, int], bool] = {}
        for i, grants in enumerate(egress):
            groups = [*per_source.get(i, ()), *for_everyone]
            if open_ingress:
                groups.append(open_group)
            if grants is None:
                grants = [EgressGrant(self._everyone, ALL)]
            found: dict[int, PortSet] = {}
            for g in grants:
                for group in groups:
                    if g.ports is not None:
                        key = (id(g.ports), id(group.ports))
                        if key not in meets:
                            meets[key] = bool(g.ports.intersect(group.ports))
                        if not meets[key]:
                            continue
                    if g.members.as_set is None or len(group.listed) <= len(g.members):
                        hits: Iterable[int] = (j for j in group.listed if j in g.members)
                    else:
                        hits = (j for j in g.members.listed if j in group.as_set)
                    for j in hits:
                        ports = self._egress_ports(g, j).intersect(group.ports)
                        if ports:
                            found[j] = found[j].union(ports) if j in found else ports
            for j, ports in found.items():
                yield i, j, ports

    # -- classes and IP ranges ---------------------------------------------------------------------------

    def ip_sides(self, direction: Direction) -> list[dict[int, PortSet] | None]:
        """Per class, what it may do with each IP range (None: not isolated, everything)."""
        out: list[dict[int, PortSet] | None] = []
        cache: dict[tuple, dict[int, PortSet]] = {}
        for i, policies in enumerate(self.isolating[direction]):
            if not policies:
                out.append(None)
                continue
            # Towards an address a named port resolves to nothing; from one, it resolves on this class.
            dst_ports = None if direction == "egress" else tuple(self.classes[i].named_ports)
            key = (tuple(id(p) for p in policies), dst_ports)
            if key not in cache:
                ranges: dict[int, PortSet] = {}
                for p in policies:
                    for r in p.rules(direction):
                        ports = rule_ports(r.ports, dst_ports)
                        if ports:
                            for k in self.rule_ips(r, direction):
                                ranges[k] = ranges.get(k, NOTHING).union(ports)
                cache[key] = ranges
            out.append(cache[key])
        return out
