"""Fold the CNI's chain of layers into one side's outcome, and a connection's (smt twin of eval/compose.py).

cont₁ = true, contⱼ₊₁ = contⱼ ∧ (passⱼ ∨ nomatchⱼ); allow = ∨(contⱼ ∧ allowⱼ) ∨ cont_end; deny and unknown
likewise without the end (spec/layers.md §3.3). A connection is allowed iff both sides allow, denied iff one
side denies, unknown otherwise.
"""

from __future__ import annotations

from netverify.model.cluster import Cluster
from netverify.model.policy import Direction
from netverify.model.semantics import Semantics, chain_of
from netverify.smt.anp import AdminEncoder
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


class ChainEncoder:
    """The chain of one cluster version over the shared symbolic endpoints."""

    def __init__(self, session: SolverSession, cluster: Cluster, sides: SideEncoder, hosts: HostPods,
                 semantics: Semantics, prefix: str = "") -> None:
        self.session = session
        self.layers = chain_of(semantics)
        self.networkpolicy = NetworkPolicyLayer(sides, hosts)
        self.admin = AdminEncoder(session, cluster, sides.selectors, hosts, prefix)

    def side(self, pod: SymbolicEndpoint, direction: Direction, other: SymbolicEndpoint,
             conn: SymbolicConnection, dst: SymbolicEndpoint) -> SymOutcome:
        s = self.session
        if pod.is_external:
            return SymOutcome(s.true(), s.false(), s.false())  # an address outside the cluster has no policies
        decisions: list[SymDecision] = []
        for layer in self.layers:
            if layer == "networkpolicy":
                decisions.append(self.networkpolicy.decide(pod, direction, other, conn, dst))
            elif layer in ("admin", "baseline"):
                decisions += self.admin.tier(layer, pod, direction, other, conn, dst)
            else:  # pragma: no cover - a CHAINS row names a layer without an encoder
                raise ValueError(f"no encoder for layer {layer!r}")
        return fold(s, decisions)

    def connection(self, src: SymbolicEndpoint, dst: SymbolicEndpoint, conn: SymbolicConnection) -> SymOutcome:
        s = self.session
        egress = self.side(src, "egress", dst, conn, dst)
        ingress = self.side(dst, "ingress", src, conn, dst)
        allow = s.and_([egress.allow, ingress.allow])
        deny = s.or_([egress.deny, ingress.deny])
        return SymOutcome(allow, deny, s.and_([s.not_(allow), s.not_(deny)]))
