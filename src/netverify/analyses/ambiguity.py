"""Same-priority overlaps: for each pair of policies of one tier and priority, is there a connection, to or from
any pod that could exist, that both match with different actions? (spec/layers.md §3.4; upstream
network-policy-api issues #216 and #222.)

Decided by the solver over every pod and address (scope any), one question per pair, direction and endpoint
shape; a witness is re-checked with the concrete evaluator's policy decisions (eval/anp.py) before it is
reported. The pair is judged on its own: whether a lower priority decides first is the chain's business
(`explain`, `prove` show that), the overlap is a latent ambiguity either way.
"""

from __future__ import annotations

import ipaddress
from dataclasses import replace
from itertools import combinations

from netverify.analyses.witness import Target, build_witness, minimise
from netverify.analyses.witness_fit import is_replica, polish, same_pod
from netverify.errors import InternalDisagreement
from netverify.eval.anp import in_pod_set, policy_decision
from netverify.eval.layer import Side
from netverify.findings import SamePriorityOverlap
from netverify.model.anp import AdminPolicy
from netverify.model.cluster import Cluster
from netverify.model.decision import LayerDecision
from netverify.model.flow import Flow, PodEndpoint
from netverify.model.ipblock import IPBlock
from netverify.model.policy import Direction
from netverify.model.semantics import Semantics
from netverify.model.span import Span
from netverify.smt.extract import extract_flow
from netverify.smt.problem import ConnectionProblem
from netverify.smt.resolve import PortSpec, ResolvedEndpoint
from netverify.smt.session import SolverSession

_ACTIONS = ("allow", "deny", "pass")


def same_priority_pairs(cluster: Cluster) -> list[tuple[AdminPolicy, AdminPolicy]]:
    groups: dict[tuple[str, int], list[AdminPolicy]] = {}
    for p in cluster.admin_policies:
        groups.setdefault((p.tier, p.priority), []).append(p)
    return [pair for key in sorted(groups) for pair in combinations(sorted(groups[key], key=lambda p: p.key), 2)]


def _shapes(direction: Direction, span: Span) -> list[tuple[ResolvedEndpoint, ResolvedEndpoint]]:
    """(src, dst) specs: the subject side is a pod, the other end a pod or an address of either family."""
    pod_src, pod_dst = ResolvedEndpoint("from", span), ResolvedEndpoint("to", span)
    out = [(pod_src, pod_dst)]
    for net in ("0.0.0.0/0", "::/0"):
        block = IPBlock(ipaddress.ip_network(net))
        if direction == "egress":
            out.append((pod_src, ResolvedEndpoint("to", span, ip_block=block)))
        else:
            out.append((ResolvedEndpoint("from", span, ip_block=block), pod_dst))
    return out


def _side(flow: Flow, direction: Direction) -> Side:
    return Side.of(flow, "egress" if direction == "egress" else "ingress")


def overlap(cluster: Cluster, a: AdminPolicy, b: AdminPolicy, direction: Direction, *,
            semantics: Semantics | None = None, timeout_ms: int = 30000) -> SamePriorityOverlap | None:
    """A connection both policies match in `direction` with different actions, or None when none exists."""
    semantics = semantics or Semantics()
    if not (a.rules(direction) and b.rules(direction)):
        return None
    for src, dst in _shapes(direction, a.span):
        session = SolverSession(timeout_ms=timeout_ms)
        problem = ConnectionProblem(session, cluster, src, dst, PortSpec(()), scope="any", semantics=semantics)
        pod, other = (problem.src, problem.dst) if direction == "egress" else (problem.dst, problem.src)
        admin = problem.chain.admin
        da = admin.policy(a, pod, direction, other, problem.conn, problem.dst)
        db = admin.policy(b, pod, direction, other, problem.conn, problem.dst)
        s = session
        differ = s.or_(s.and_([getattr(da, x if x != "pass" else "pass_"), getattr(db, y if y != "pass" else "pass_")])
                       for x in _ACTIONS for y in _ACTIONS if x != y)
        s.add(problem.fits, differ)
        answer = s.check()
        if not answer.sat:
            continue  # unsat: no overlap of this shape; a solver timeout is not a finding either
        flow = extract_flow(problem, answer.model).flow
        target = _OverlapTarget(cluster, src, dst, a, b, direction, semantics)
        if not target.holds(flow):
            raise InternalDisagreement(
                f"internal error: the solver's same-priority overlap of {a.key} and {b.key} does not re-check "
                f"({flow}). This is a bug in netverify; please report it.")
        flow = _truthful(target, minimise(target, polish(target, flow)))
        first, second = target.decisions(flow)
        return SamePriorityOverlap(a.tier, a.priority, direction, first.by[0], second.by[0],
                                   build_witness(target, flow))
    return None


def overlaps(cluster: Cluster, *, semantics: Semantics | None = None) -> tuple[SamePriorityOverlap, ...]:
    """Every same-tier, same-priority pair that some connection makes ambiguous, per direction. None under
    Cilium, which enforces no admin policy (eval/cilium.unenforced_kinds): there is nothing to resolve."""
    if semantics is not None and semantics.cni == "cilium":
        return ()
    out = []
    for a, b in same_priority_pairs(cluster):
        for direction in ("ingress", "egress"):
            found = overlap(cluster, a, b, direction, semantics=semantics)
            if found is not None:
                out.append(found)
    return tuple(out)


def _truthful(target: Target, flow: Flow) -> Flow:
    """A witness names a workload only for one of its pods, and shows two pods: an end that is not exactly a
    replica (or that is the same pod as the other end) becomes a new pod with its labels, where that still
    overlaps."""
    for role in ("src", "dst"):
        ep = getattr(flow, role)
        if not isinstance(ep, PodEndpoint) or ep.workload is None:
            continue
        if is_replica(ep) and not same_pod(flow.src, flow.dst):
            continue
        candidate = replace(flow, **{role: replace(ep, workload=None, ip=None if same_pod(flow.src, flow.dst) else ep.ip)})
        if target.holds(candidate):
            flow = candidate
    return flow


class _OverlapTarget(Target):
    """The flow fits the shape and both policies match it with different actions (minimise keeps that)."""

    def __init__(self, cluster, src, dst, a, b, direction, semantics):
        super().__init__(cluster, src, dst, PortSpec(()), True, semantics.ipblock_matches_pods,
                         semantics=semantics)
        object.__setattr__(self, "pair", (a, b, direction))

    def decisions(self, flow: Flow):
        a, b, direction = self.pair
        side = _side(flow, direction)
        return tuple(policy_decision(self.cluster, p, side, p.tier) if in_pod_set(p.subject, side.pod)
                     else LayerDecision(p.tier, "nomatch") for p in (a, b))

    def holds(self, flow: Flow) -> bool:
        if not (self.src.fits(flow.src) and self.dst.fits(flow.dst)):
            return False
        da, db = self.decisions(flow)
        return da.action in _ACTIONS and db.action in _ACTIONS and da.action != db.action
