"""Fold the CNI's chain of layers into one side's outcome, and a connection's (smt twin of eval/compose.py).

cont₁ = true, contⱼ₊₁ = contⱼ ∧ (passⱼ ∨ nomatchⱼ); allow = ∨(contⱼ ∧ allowⱼ) ∨ cont_end; deny and unknown
likewise without the end (spec/layers.md §3.3). A connection is allowed iff both sides allow, denied iff one
side denies, unknown otherwise.
"""

from __future__ import annotations

import z3

from netverify.model.cluster import Cluster
from netverify.model.policy import Direction
from netverify.model.semantics import Semantics, chain_of
from netverify.smt.anp import AdminEncoder
from netverify.smt.calico import CalicoEncoder
from netverify.smt.cilium import CiliumEncoder
from netverify.smt.layer import HostPods, SymDecision, SymOutcome
from netverify.smt.networkpolicy import NetworkPolicyLayer
from netverify.smt.policies import SideEncoder
from netverify.smt.session import SolverSession
from netverify.smt.symbols import SymbolicConnection, SymbolicEndpoint


def fold(session: SolverSession, decisions: list[SymDecision]) -> SymOutcome:
    s = session
    cont = s.true()
    allow, deny, unknown = [], [], []
    for d in decisions:
        allow.append(s.and_([cont, d.allow]))
        deny.append(s.and_([cont, d.deny]))
        unknown.append(s.and_([cont, d.unknown]))
        cont = s.and_([cont, s.not_(d.decided(s))])
    allow.append(cont)
    return SymOutcome(s.or_(allow), s.or_(deny), s.or_(unknown))


def allowed_under_every_resolution(session: SolverSession, decisions: list[SymDecision]) -> z3.BoolRef:
    """The set fold of model/decision.py: no same-priority resolution reaches a deny or an unknown (linear: a
    group is reached if some resolution of the groups before it continues). What the evaluator's
    `Verdict.allowed` says, without the free choices."""
    s = session
    reach = s.true()
    bad = []
    for d in decisions:
        bad.append(s.and_([reach, s.or_([d.may(s, "deny"), d.may(s, "unknown")])]))
        reach = s.and_([reach, d.may(s, "continue")])
    return s.not_(s.or_(bad))


class ChainEncoder:
    """The chain of one cluster version over the shared symbolic endpoints."""

    def __init__(self, session: SolverSession, cluster: Cluster, sides: SideEncoder, hosts: HostPods,
                 semantics: Semantics, prefix: str = "") -> None:
        self.session = session
        self.layers = chain_of(semantics)
        self.networkpolicy = NetworkPolicyLayer(sides, hosts)
        self.admin = AdminEncoder(session, cluster, sides.selectors, hosts, prefix)
        self.calico = CalicoEncoder(session, cluster, sides.table, hosts, self.admin) if "calico" in self.layers else None
        self.cilium = CiliumEncoder(session, cluster, sides.selectors, hosts) if "cilium" in self.layers else None

    def side(self, pod: SymbolicEndpoint, direction: Direction, other: SymbolicEndpoint,
             conn: SymbolicConnection, dst: SymbolicEndpoint) -> SymOutcome:
        s = self.session
        if pod.is_external:
            return SymOutcome(s.true(), s.false(), s.false())  # an address outside the cluster has no policies
        return fold(s, self.decisions(pod, direction, other, conn, dst))

    def surely_allowed(self, src: SymbolicEndpoint, dst: SymbolicEndpoint, conn: SymbolicConnection) -> z3.BoolRef:
        """Allowed under every same-priority resolution on both sides (diff compares these)."""
        s = self.session
        parts = [allowed_under_every_resolution(s, self.decisions(pod, direction, other, conn, dst))
                 for pod, direction, other in ((src, "egress", dst), (dst, "ingress", src)) if not pod.is_external]
        return s.and_(parts)

    def decisions(self, pod: SymbolicEndpoint, direction: Direction, other: SymbolicEndpoint,
                  conn: SymbolicConnection, dst: SymbolicEndpoint) -> list[SymDecision]:
        decisions: list[SymDecision] = []
        for layer in self.layers:
            if layer == "networkpolicy":
                decisions.append(self.networkpolicy.decide(pod, direction, other, conn, dst))
            elif layer in ("admin", "baseline"):
                decisions += self.admin.tier(layer, pod, direction, other, conn, dst)
            elif layer == "calico" and self.calico is not None:
                decisions += self.calico.decisions(pod, direction, other, conn, dst)
            elif layer == "cilium" and self.cilium is not None:
                decisions.append(self.cilium.decide(pod, direction, other, conn, dst))
            else:  # pragma: no cover - a CHAINS row names a layer without an encoder
                raise ValueError(f"no encoder for layer {layer!r}")
        return decisions

    def connection(self, src: SymbolicEndpoint, dst: SymbolicEndpoint, conn: SymbolicConnection) -> SymOutcome:
        s = self.session
        egress = self.side(src, "egress", dst, conn, dst)
        ingress = self.side(dst, "ingress", src, conn, dst)
        allow = s.and_([egress.allow, ingress.allow])
        deny = s.or_([egress.deny, ingress.deny])
        return SymOutcome(allow, deny, s.and_([s.not_(allow), s.not_(deny)]))
