"""Calico's tiers as formulas (smt twin of eval/calico.py; docs/semantics.md, Calico).

Per tier one SymDecision. Inside a tier the selecting policies and their rules are one ordered first match
(spec/layers.md §3.3): `reach` is "no earlier rule or policy of the tier ended it"; a rule fires its action on
reach ∧ match, a Log rule goes on, a match netverify cannot tell (M3 neither true nor false) fires unknown.
The tier's default applies on reach at its end when some policy of it selected the pod. Admin policies in
kube-admin / kube-baseline are encoded by smt/anp.py's AdminEncoder.policy (their order is their priority,
ties by name: Calico leaves no same-priority choice).
"""

from __future__ import annotations

import z3

from netverify.eval.calico import forwarding_reason, members_of, tiers_of
from netverify.eval.calico_profiles import profile_effects
from netverify.eval.calico_match import entity_parts, parts_match, policy_parts, set_subject
from netverify.model.calico import CalicoPolicy, CalicoPort, CalicoRule, CalicoTier, EntityRule
from netverify.model.cluster import Cluster
from netverify.model.policy import Direction
from netverify.smt.anp import AdminEncoder
from netverify.smt.calico_selector import M3, CalicoSelectorEncoder, and3, bool3, const3, not3, or3
from netverify.smt.layer import HostPods, SymDecision
from netverify.smt.session import SolverSession
from netverify.smt.symbols import NamespaceTable, SymbolicConnection, SymbolicEndpoint, SymbolicPod

class CalicoEncoder:
    def __init__(self, session: SolverSession, cluster: Cluster, table: NamespaceTable, hosts: HostPods,
                 admin: AdminEncoder) -> None:
        self.session = session
        self.cluster = cluster
        self.hosts = hosts
        self.admin = admin
        self.selectors = CalicoSelectorEncoder(session, cluster, table)
        self.table = table
        self.profiles = profile_effects(cluster)
        self.tiers = [t for t, _ in tiers_of(cluster)]
        self.members = {t.name: members_of(cluster, t.name) for t in self.tiers}
        self.host_endpoints = bool(cluster.calico.host_endpoints)
        self.forwarding = forwarding_reason(cluster) is not None
        self._endpoints: dict[tuple, M3] = {}

    # ---- what the connection is ---------------------------------------------------------------

    def protocol_is(self, conn: SymbolicConnection, number: int) -> z3.BoolRef:
        return self.session.eq(conn.protocol, number)  # the connection's protocol is its IP number

    def icmp(self, m, conn: SymbolicConnection) -> z3.BoolRef:
        """An `icmp` / `notICMP` match: an ICMP or ICMPv6 message of that type (and code)."""
        s = self.session
        conn.reads_icmp = True  # a counterexample then shows the type and code
        parts = [conn.is_icmp(), s.eq(conn.icmp_type, m.type)]
        if m.code is not None:
            parts.append(s.eq(conn.icmp_code, m.code))
        return s.and_(parts)

    # ---- endpoints ----------------------------------------------------------------------------

    def own(self, parts, pod: SymbolicPod) -> M3:
        """The pod's own workload endpoint (a host-network pod has none)."""
        s = self.session
        m = and3(s, [self.selectors.expr(e, pod, prefix) for e, prefix in parts])
        host = self.hosts.is_host(s, pod)
        return M3(s.and_([s.not_(host), m.t]),
                  s.or_([s.and_([s.not_(host), m.f]), s.and_([host, s.const(not self.host_endpoints)])]))

    def endpoint(self, parts, ep: SymbolicEndpoint) -> M3:
        key = (tuple(parts), id(ep))
        if key in self._endpoints:
            return self._endpoints[key]
        s = self.session
        items = [self.own(parts, ep)] if isinstance(ep, SymbolicPod) else []
        for ns in self.cluster.calico.network_sets:
            m = parts_match(parts, set_subject(self.cluster, ns))
            if m is False:
                continue
            inside = s.or_(ep.ip.in_block(b) for b in ns.nets)
            items.append(M3(inside if m else s.false(), s.and_([ep.ip.present, s.not_(inside)])))
        out = self._endpoints[key] = or3(s, items)
        return out

    def nets(self, nets, ep: SymbolicEndpoint) -> M3:
        s = self.session
        inside = s.or_(ep.ip.in_block(b) for b in nets)
        return M3(inside, s.and_([ep.ip.present, s.not_(inside)]))

    def port(self, entry: CalicoPort, ep: SymbolicEndpoint, conn: SymbolicConnection, source: bool) -> M3:
        s = self.session
        number = conn.port
        if source:
            conn.reads_src_port = True  # a counterexample then shows the source port
            number = conn.src_port
        if entry.name is None:
            return bool3(s, s.and_([number >= entry.lo, number <= entry.hi]))
        if not isinstance(ep, SymbolicPod):
            return const3(s, False)  # a named port is a pod's container port (of the end it is written at)
        return bool3(s, s.or_(s.and_([v.has, v.protocol == conn.protocol, number == v.number])
                              for v in ep.named_ports.get(entry.name, ())))

    def entity(self, er: EntityRule, policy_namespace: str | None, ep: SymbolicEndpoint,
               conn: SymbolicConnection, source: bool) -> M3:
        s = self.session
        parts: list[M3] = []
        if er.nets:
            parts.append(self.nets(er.nets, ep))
        if er.not_nets:
            parts.append(not3(self.nets(er.not_nets, ep)))
        if er.ports or er.not_ports:
            parts.append(bool3(s, conn.has_ports()))
            if er.ports:
                parts.append(or3(s, [self.port(e, ep, conn, source) for e in er.ports]))
            if er.not_ports:
                parts.append(not3(or3(s, [self.port(e, ep, conn, source) for e in er.not_ports])))
        combined = entity_parts(er, policy_namespace)
        if combined:
            parts.append(self.endpoint(combined, ep))
        if er.not_selector is not None:
            parts.append(not3(self.endpoint([(er.not_selector.expr, "")], ep)))
        if er.services is not None:
            parts.append(const3(s, None))
        return and3(s, parts)

    # ---- rules and policies -------------------------------------------------------------------

    def rule(self, policy: CalicoPolicy, rule: CalicoRule, pod: SymbolicPod, direction: Direction,
             other: SymbolicEndpoint, conn: SymbolicConnection) -> M3:
        s = self.session
        parts: list[M3] = []
        if rule.protocol is not None:
            parts.append(bool3(s, self.protocol_is(conn, rule.protocol)))
        if rule.not_protocol is not None:
            parts.append(bool3(s, s.not_(self.protocol_is(conn, rule.not_protocol))))
        if rule.icmp is not None:
            parts.append(bool3(s, self.icmp(rule.icmp, conn)))
        if rule.not_icmp is not None:
            parts.append(bool3(s, s.not_(self.icmp(rule.not_icmp, conn))))
        if rule.ip_version is not None:
            want = rule.ip_version == 6
            t = z3.If(pod.ip.present, pod.ip.v6 == want, z3.And(other.ip.present, other.ip.v6 == want))
            f = z3.If(pod.ip.present, pod.ip.v6 != want, z3.And(other.ip.present, other.ip.v6 != want))
            parts.append(M3(t, f))
        src, dst = (pod, other) if direction == "egress" else (other, pod)
        parts.append(self.entity(rule.source, policy.namespace, src, conn, True))
        parts.append(self.entity(rule.destination, policy.namespace, dst, conn, False))
        return and3(s, parts)

    def selects(self, policy: CalicoPolicy, pod: SymbolicPod) -> M3:
        return self.own(policy_parts(policy), pod)

    def tier(self, tier: CalicoTier, pod: SymbolicEndpoint, direction: Direction, other: SymbolicEndpoint,
             conn: SymbolicConnection, dst: SymbolicEndpoint) -> SymDecision:
        s = self.session
        if not isinstance(pod, SymbolicPod):
            return SymDecision.nomatch(s)
        out: dict[str, list[z3.BoolRef]] = {"allow": [], "deny": [], "pass": [], "unknown": []}
        reach, selected = s.true(), []
        for m in self.members[tier.name]:
            if m.admin is not None:
                if not m.admin.rules(direction):
                    continue
                d = self.admin.policy(m.admin, pod, direction, other, conn, dst)
                for part, value in (("allow", d.allow), ("deny", d.deny), ("pass", d.pass_), ("unknown", d.unknown)):
                    out[part].append(s.and_([reach, value]))
                selected.append(self.admin.in_pod_set(m.admin.subject, pod))
                reach = s.and_([reach, s.not_(s.or_([d.allow, d.deny, d.pass_, d.unknown]))])
                continue
            p = m.calico
            assert p is not None
            if direction not in p.types:
                continue
            chosen = self.selects(p, pod)
            out["unknown"].append(s.and_([reach, chosen.unknown(s)]))
            selected.append(chosen.t)
            r = s.and_([reach, chosen.t])
            if p.unmodelled:
                out["unknown"].append(r)
                reach = s.and_([reach, chosen.f])
                continue
            for rule in p.rules(direction):
                match = self.rule(p, rule, pod, direction, other, conn)
                out["unknown"].append(s.and_([r, match.unknown(s)]))
                if rule.unmodelled:
                    out["unknown"].append(s.and_([r, match.t]))
                elif rule.action != "log":
                    out[rule.action].append(s.and_([r, match.t]))
                r = s.and_([r, s.not_(match.unknown(s)) if rule.action == "log" and not rule.unmodelled else match.f])
            reach = s.or_([s.and_([reach, chosen.f]), r])
        out[tier.default_action].append(s.and_([reach, s.or_(selected)]))
        return SymDecision(s.or_(out["allow"]), s.or_(out["deny"]), s.or_(out["pass"]), s.or_(out["unknown"]))

    def decisions(self, pod: SymbolicEndpoint, direction: Direction, other: SymbolicEndpoint,
                  conn: SymbolicConnection, dst: SymbolicEndpoint) -> list[SymDecision]:
        if self.forwarding:
            s = self.session
            return [SymDecision(s.false(), s.false(), s.false(), s.true())]  # eval/calico.py forwarding_reason
        tiers = [self.tier(t, pod, direction, other, conn, dst) for t in self.tiers]
        if not self.profiles:
            return tiers
        s = self.session
        unknown = SymDecision(s.false(), s.false(), s.false(), s.or_(
            self.in_namespace(ns, ep) for ns in self.profiles.labels_unknown for ep in (pod, other)))
        last = SymDecision(s.false(), s.false(), s.false(), s.or_(
            s.and_([s.not_(self.hosts.is_host(s, pod)), self.in_namespace(ns, pod, by_sets=False)])
            for ns in self.profiles.rules_unknown)) if isinstance(pod, SymbolicPod) else SymDecision.nomatch(s)
        return [unknown, *tiers, last]  # eval/calico_profiles.py: labels before every tier, rules after the last

    def in_namespace(self, namespace: str, ep: SymbolicEndpoint, by_sets: bool = True) -> z3.BoolRef:
        """A pod of `namespace`, or (by_sets) an address in one of its NetworkSets."""
        s = self.session
        parts = []
        index = self.table.index(namespace)
        if isinstance(ep, SymbolicPod) and index is not None:
            parts.append(ep.ns == index)
        if by_sets:
            parts += [ep.ip.in_block(b) for n in self.cluster.calico.network_sets if n.namespace == namespace
                      for b in n.nets]
        return s.or_(parts)
