"""The admin and baseline tiers as formulas (smt twin of eval/anp.py; docs/semantics.md, AdminNetworkPolicy).

Inside a policy the rules are an ordered first match (spec/layers.md §3.3): reach₁ = true, fireᵢ = reachᵢ ∧ mᵢ,
reachᵢ₊₁ = reachᵢ ∧ ¬mᵢ ∧ ¬uᵢ, where uᵢ is "may match" (a field netverify cannot decide) and fires unknown;
the encoding stays linear in the rules. Policies of one priority form a group: when more than one of them
matches, a free choice c picks which one the implementation applies, `(∨ matchedⱼ) → matched_c` (§3.4), so
"some model" ranges over every resolution.
"""

from __future__ import annotations

from itertools import groupby

import z3

from netverify.eval.anp import host_nodes_match
from netverify.eval.admin_addresses import node_addresses
from netverify.model.anp import AdminPeer, AdminPolicy, AdminPort, AdminRule, PodSet, Tier
from netverify.model.cluster import Cluster
from netverify.model.policy import Direction, PortMatch
from netverify.model.ports import PROTOCOLS
from netverify.smt.layer import HostPods, SymDecision
from netverify.smt.ports import ports_match
from netverify.smt.selectors import SelectorEncoder
from netverify.smt.session import SolverSession
from netverify.smt.symbols import SymbolicConnection, SymbolicEndpoint, SymbolicPod


def port_matches_of(entry: AdminPort) -> tuple[PortMatch, ...]:
    """An admin port entry as NetworkPolicy port entries: a named port, in whichever protocol the
    destination's container port of that name has (one entry per protocol)."""
    if isinstance(entry.port, str):
        return tuple(PortMatch(p, entry.port, None, entry.span) for p in PROTOCOLS)
    return (PortMatch(entry.protocol, entry.port, entry.end_port, entry.span),)


class AdminEncoder:
    def __init__(self, session: SolverSession, cluster: Cluster, selectors: SelectorEncoder, hosts: HostPods,
                 prefix: str = "") -> None:
        self.session = session
        self.cluster = cluster
        self.selectors = selectors
        self.hosts = hosts
        self.prefix = prefix
        self._ports: dict = {}
        self._node_ips = node_addresses(cluster)

    # ---- matches ----------------------------------------------------------------------------------

    def in_pod_set(self, pods: PodSet, ep: SymbolicEndpoint) -> z3.BoolRef:
        s = self.session
        if not isinstance(ep, SymbolicPod):
            return s.false()
        return s.and_([s.not_(self.hosts.is_host(s, ep)), self.selectors.namespace(pods.namespace_selector, ep),
                       self.selectors.labels(pods.pod_selector, ep.labels)])

    def peer(self, peer: AdminPeer, other: SymbolicEndpoint) -> tuple[z3.BoolRef, z3.BoolRef]:
        """(matches, may match) of one peer."""
        s = self.session
        if peer.pods is not None:
            return self.in_pod_set(peer.pods, other), s.false()
        if peer.nodes is not None:
            if not isinstance(other, SymbolicPod):
                if not self.cluster.nodes:
                    return s.false(), s.true()  # any address may be a node's the input does not hold
                ips = [a for n in self.cluster.nodes if peer.nodes.matches(n.labels) for a in n.addresses]
                return s.or_(other.ip.equals(a) for a in dict.fromkeys(ips)), s.false()
            yes, maybe = [], []
            for cond, w in self.hosts.of(other):
                answer = host_nodes_match(self.cluster, peer.nodes, w)
                (yes if answer is True else maybe if answer is None else []).append(cond)
            return s.or_(yes), s.or_(maybe)
        if peer.networks:
            return s.or_(other.ip.in_block(b) for b in peer.networks), s.false()
        if peer.domain_names:
            return s.false(), s.true()
        return s.false(), s.false()

    def rule(self, rule: AdminRule, other: SymbolicEndpoint, conn: SymbolicConnection, dst: SymbolicEndpoint
             ) -> tuple[z3.BoolRef, z3.BoolRef]:
        s = self.session
        ports = s.true() if rule.ports is None else ports_match(
            s, tuple(m for e in rule.ports for m in port_matches_of(e)), conn, dst, self._ports)
        answers = [self.peer(p, other) for p in rule.peers]
        yes = s.or_(a for a, _ in answers)
        maybe = s.and_([s.not_(yes), s.or_(m for _, m in answers)])
        return s.and_([ports, yes]), s.and_([ports, maybe])

    # ---- decisions --------------------------------------------------------------------------------

    def policy(self, policy: AdminPolicy, pod: SymbolicPod, direction: Direction, other: SymbolicEndpoint,
               conn: SymbolicConnection, dst: SymbolicEndpoint) -> SymDecision:
        s = self.session
        reach = self.in_pod_set(policy.subject, pod)
        fired: dict[str, list[z3.BoolRef]] = {"allow": [], "deny": [], "pass": [], "unknown": []}
        for rule in policy.rules(direction):
            yes, maybe = self.rule(rule, other, conn, dst)
            fired[rule.action].append(s.and_([reach, yes]))
            fired["unknown"].append(s.and_([reach, maybe]))
            reach = s.and_([reach, s.not_(yes), s.not_(maybe)])
        return SymDecision(s.or_(fired["allow"]), s.or_(fired["deny"]), s.or_(fired["pass"]), s.or_(fired["unknown"]))

    def tier(self, tier: Tier, pod: SymbolicEndpoint, direction: Direction, other: SymbolicEndpoint,
             conn: SymbolicConnection, dst: SymbolicEndpoint) -> list[SymDecision]:
        """One decision per priority, lower first (a host-network pod is no subject: in_pod_set says so)."""
        if not isinstance(pod, SymbolicPod):
            return []
        policies = sorted((p for p in self.cluster.admin_policies if p.tier == tier and p.rules(direction)),
                          key=lambda p: (p.priority, p.key))
        out = []
        passed = self.session.false()  # an earlier priority of this tier passed: the rest of the tier is skipped
        for priority, group in groupby(policies, key=lambda p: p.priority):
            members = [self.policy(p, pod, direction, other, conn, dst) for p in group]
            d = members[0] if len(members) == 1 else self._choice(tier, direction, priority, members)
            s, live = self.session, self.session.not_(passed)

            def masked(x: SymDecision, inner: tuple = ()) -> SymDecision:
                return SymDecision(s.and_([live, x.allow]), s.and_([live, x.deny]), s.and_([live, x.pass_]),
                                   s.and_([live, x.unknown]), inner)

            out.append(masked(d, tuple(masked(m) for m in d.members)))
            passed = s.or_([passed, d.pass_])
        return out

    def _choice(self, tier: Tier, direction: Direction, priority: int, members: list[SymDecision]) -> SymDecision:
        s = self.session
        c = s.int(f"{self.prefix}choice.{tier}.{direction}.{priority}")
        matched = [s.or_([m.allow, m.deny, m.pass_, m.unknown]) for m in members]
        picked = [s.and_([s.eq(c, j), matched[j]]) for j in range(len(members))]
        s.add(c >= 0, c < len(members), z3.Implies(s.or_(matched), s.or_(picked)))

        def pick(part: str) -> z3.BoolRef:
            return s.or_(s.and_([s.eq(c, j), getattr(m, part)]) for j, m in enumerate(members))

        return SymDecision(pick("allow"), pick("deny"), pick("pass_"), pick("unknown"), tuple(members))
