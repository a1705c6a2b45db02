"""The Cilium layer as formulas (smt twin of eval/cilium.py; docs/semantics.md, Cilium).

Per side, over the policies Cilium enforces (CNP, CCNP, each NetworkPolicy converted: eval/cilium.policies_of),
with selᵢ = "policy i selects the pod" and every rule's match a (yes, maybe) pair:
  deny  = ∨ selᵢ ∧ yes(r)  over deny rules;     deny?  = ∨ selᵢ ∧ maybe(r) over deny rules, ∨ selᵢ of a policy
                                                  with unmodelled fields;
  allow = ∨ selᵢ ∧ yes(r)  over allow rules;    allow? likewise with maybe;
  iso   = ∨ selᵢ over policies with rules in the direction and default deny not switched off;
  D = deny ∨ (¬allow ∧ ¬(allow? ∧ iso) ∧ iso);  U = ¬D ∧ (deny? ∨ (¬allow ∧ allow? ∧ iso));  A = ¬D ∧ ¬U ∧ allow.
Linear in the rules. A host-network pod is no endpoint: only host policies (not modelled) could apply to it.
"""

from __future__ import annotations

import z3

from netverify.eval.cilium import default_denies, policies_of
from netverify.model.cilium import CidrPeer, CiliumPolicy, CiliumPort, CiliumRule
from netverify.model.cluster import Cluster
from netverify.model.labels import LabelSelector
from netverify.model.policy import Direction, PortMatch
from netverify.model.ports import PROTOCOLS, Protocol
from netverify.smt.cilium_identity import IdentityEncoder, YesMaybe, reserved_may_match
from netverify.smt.layer import HostPods, SymDecision
from netverify.smt.ports import ports_match
from netverify.smt.selectors import SelectorEncoder
from netverify.smt.session import SolverSession
from netverify.smt.symbols import (
    SymbolicConnection,
    SymbolicEndpoint,
    SymbolicExternal,
    SymbolicPod,
    protocol_index,
)


def port_matches_of(entry: CiliumPort) -> tuple[PortMatch, ...]:
    """A Cilium port as NetworkPolicy port entries: ANY is one entry per port protocol, port 0 every port."""
    protocols = PROTOCOLS if entry.protocol == "ANY" else (Protocol(entry.protocol),)
    number = None if entry.port == 0 else entry.port
    end = entry.end_port if isinstance(number, int) else None
    return tuple(PortMatch(p, number, end, entry.span) for p in protocols)


class CiliumEncoder:
    def __init__(self, session: SolverSession, cluster: Cluster, selectors: SelectorEncoder, hosts: HostPods) -> None:
        self.session = session
        self.cluster = cluster
        self.hosts = hosts
        self.policies = policies_of(cluster)
        self.identity = IdentityEncoder(session, selectors, cluster.cilium.cluster_name)
        self._ports: dict = {}
        self._node_ips = tuple(dict.fromkeys(a for n in cluster.nodes for a in n.addresses))

    # ---- who the other end is ---------------------------------------------------------------------

    def _pod_kind(self, other: SymbolicEndpoint) -> tuple[z3.BoolRef, z3.BoolRef, z3.BoolRef]:
        """(pod, node, world) for the other end: exclusive, one of them true."""
        s = self.session
        if isinstance(other, SymbolicPod):
            host = self.hosts.is_host(s, other)
            return s.not_(host), host, s.false()
        node = s.or_(other.ip.equals(a) for a in self._node_ips)
        return s.false(), node, s.not_(node)

    def selector(self, selector: LabelSelector, other: SymbolicEndpoint) -> YesMaybe:
        s = self.session
        pod, node, world = self._pod_kind(other)
        if isinstance(other, SymbolicPod):
            matched, release = self.identity.matches3(selector, other)
            yes, pod_maybe = s.and_([pod, matched]), s.and_([pod, release])
        else:
            yes = pod_maybe = s.false()
        maybe = s.or_([node, world]) if reserved_may_match(selector) else s.false()
        return yes, s.or_([pod_maybe, maybe])

    def entities(self, entities: tuple[str, ...], other: SymbolicEndpoint) -> YesMaybe:
        """eval/cilium_identity.entities_match."""
        s = self.session
        pod, node, world = self._pod_kind(other)
        maybe_node = not self.cluster.nodes
        v6 = other.ip.v6
        yes, maybe = [], []
        for e in entities:
            if e == "all":
                yes.append(s.true())
            elif e == "cluster":
                yes += [pod, node]
                if maybe_node:
                    maybe.append(world)
            elif e in ("world", "world-ipv4", "world-ipv6"):
                family = s.true() if e == "world" else (s.not_(v6) if e == "world-ipv4" else v6)
                yes.append(s.and_([world, family]))
            elif e in ("host", "remote-node"):
                maybe.append(node)
                if maybe_node:
                    maybe.append(world)
            elif e == "kube-apiserver":
                maybe += [node, world]
        if {"host", "remote-node"} <= set(entities):
            yes.append(node)
        yes_ = s.or_(yes)
        return yes_, s.and_([s.not_(yes_), s.or_(maybe)])

    def cidr(self, peer: CidrPeer, other: SymbolicEndpoint) -> z3.BoolRef:
        s = self.session
        if not isinstance(other, SymbolicExternal):
            return s.false()
        _, _, world = self._pod_kind(other)
        inside = s.or_(other.ip.in_block(b) for b in peer.blocks)
        return s.and_([world, inside, *(s.not_(other.ip.in_block(e)) for e in peer.excepts)])

    def peers(self, rule: CiliumRule, other: SymbolicEndpoint) -> YesMaybe:
        s = self.session
        if not (rule.endpoints or rule.entities or rule.cidrs):
            return s.const(bool(rule.ports or rule.icmps)), s.false()
        answers = [self.selector(sel, other) for sel in rule.endpoints or ()]
        if rule.entities:
            answers.append(self.entities(rule.entities, other))
        answers += [(self.cidr(c, other), s.false()) for c in rule.cidrs]
        yes = s.or_(a for a, _ in answers)
        return yes, s.and_([s.not_(yes), s.or_(m for _, m in answers)])

    # ---- L4 ---------------------------------------------------------------------------------------

    def l4(self, rule: CiliumRule, conn: SymbolicConnection, dst: SymbolicEndpoint) -> YesMaybe:
        """eval/cilium.l4_match: toPorts on TCP/UDP/SCTP exactly, ANY with port 0 (or no ports) on another
        protocol maybe; icmps on ICMP/ICMPv6 by type."""
        s = self.session
        if not rule.ports and not rule.icmps:
            return s.true(), s.false()
        l4_protocol = s.or_(s.eq(conn.protocol, protocol_index(p)) for p in PROTOCOLS)
        yes, maybe = [], []
        for pr in rule.ports:
            if not pr.ports:
                yes.append(l4_protocol)
                maybe.append(s.not_(l4_protocol))
                continue
            entries = tuple(m for e in pr.ports for m in port_matches_of(e))
            yes.append(ports_match(s, entries, conn, dst, self._ports))
            if any(e.protocol == "ANY" and e.port == 0 for e in pr.ports):
                maybe.append(s.not_(l4_protocol))
        for f in rule.icmps:
            conn.reads_icmp = True
            assert conn.icmp_type is not None, "an icmps rule needs a connection with an ICMP type"
            family = Protocol.ICMP if f.family == "IPv4" else Protocol.ICMPv6
            yes.append(s.and_([s.eq(conn.protocol, protocol_index(family)), s.eq(conn.icmp_type, f.type)]))
        y = s.or_(yes)
        return y, s.and_([s.not_(y), s.or_(maybe)])

    # ---- rules and the union --------------------------------------------------------------------------

    def rule(self, rule: CiliumRule, other: SymbolicEndpoint, conn: SymbolicConnection, dst: SymbolicEndpoint,
             requires: YesMaybe) -> YesMaybe:
        s = self.session
        l4_yes, l4_maybe = self.l4(rule, conn, dst)
        peer_yes, peer_maybe = self.peers(rule, other)
        req_yes = requires[0]
        if rule.unmodelled:
            yes = s.and_([l4_yes, peer_yes, req_yes]) if rule.deny else s.false()
            return yes, s.and_([s.or_([l4_yes, l4_maybe]), s.not_(yes)])
        yes = s.and_([l4_yes, peer_yes, req_yes])
        maybe = s.or_([s.and_([l4_maybe, s.or_([peer_yes, peer_maybe])]),
                       s.and_([l4_yes, s.or_([peer_maybe, s.and_([peer_yes, s.not_(req_yes)])])])])
        return yes, maybe

    def requires(self, selected: list[tuple[CiliumPolicy, z3.BoolRef]], direction: Direction,
                 other: SymbolicEndpoint) -> YesMaybe:
        """eval/cilium.requires_match: all of the selecting policies' requires."""
        s = self.session
        yes, no = [], []
        for p, sel in selected:
            for r in p.rules(direction):
                for req in r.requires:
                    y, m = self.selector(req, other)
                    yes.append(z3.Implies(sel, y))
                    no.append(s.and_([sel, s.not_(y), s.not_(m)]))
        all_yes = s.and_(yes)
        return all_yes, s.and_([s.not_(all_yes), s.not_(s.or_(no))])

    def decide(self, pod: SymbolicEndpoint, direction: Direction, other: SymbolicEndpoint,
               conn: SymbolicConnection, dst: SymbolicEndpoint) -> SymDecision:
        s = self.session
        if not isinstance(pod, SymbolicPod):
            return SymDecision.nomatch(s)
        host = self.hosts.is_host(s, pod)
        chosen = [(p, self.identity.matches3(p.endpoint_selector, pod))
                  for p in self.policies if p.endpoint_selector is not None]
        selected = [(p, s.and_([s.not_(host), yes])) for p, (yes, _) in chosen]
        requires = self.requires(selected, direction, other)
        deny, deny_maybe, allow, allow_maybe, iso = [], [], [], [], []
        # A policy that selects the pod under some Cilium releases only: eval/cilium.maybe_selecting.
        deny_maybe += [s.and_([s.not_(host), maybe]) for p, (_, maybe) in chosen if p.rules(direction)]
        for p, sel in selected:
            if p.unmodelled:
                deny_maybe.append(sel)
            if default_denies(p, direction):
                iso.append(sel)
            for r in p.rules(direction):
                yes, maybe = self.rule(r, other, conn, dst, requires)
                (deny if r.deny else allow).append(s.and_([sel, yes]))
                (deny_maybe if r.deny else allow_maybe).append(s.and_([sel, maybe]))
        d, dm, a, am, i = (s.or_(x) for x in (deny, deny_maybe, allow, allow_maybe, iso))
        undecided = s.and_([s.not_(a), am, i])
        denied = s.or_([d, s.and_([s.not_(a), s.not_(undecided), i])])
        unknown = s.and_([s.not_(denied), s.or_([dm, undecided])])
        allowed = s.and_([s.not_(denied), s.not_(unknown), a])
        hosts_apply = any(p.endpoint_selector is None and p.rules(direction) for p in self.cluster.cilium.policies)
        if hosts_apply:
            unknown = s.or_([unknown, host])  # a host policy may apply to a host-network pod
        return SymDecision(allowed, denied, s.false(), unknown)
