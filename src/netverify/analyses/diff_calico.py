"""The concrete twins of smt/diff_calico.py: a diff region's reasons under Calico's chain, on one connection,
and the check that keeps the symbolic diff from passing silently over what Calico's layer cannot decide.

`admitting`: why HEAD lets a side through — the Allow rule that decided (a Calico rule, a NetworkPolicy rule
as Calico enforces it, or an admin rule of kube-admin / kube-baseline), else the Pass rules and pass-default
tiers on the way to the profile's allow, else None when no policy of HEAD selects the pod for that direction.
`ref_fires` / `unselected` are what smt/diff_calico.py encodes.

`undecided`: a connection HEAD may allow (its verdict is unknown: a new pod's ServiceAccount, `services`,
an L7 match, ...) and BASE does not surely allow is one the diff can neither list nor rule out: the search
says unknown with the evaluator's reason, never "nothing added".
"""

from __future__ import annotations

from netverify.analyses.witness import flow_text
from netverify.errors import InternalDisagreement
from netverify.eval import anp
from netverify.eval.calico import admin_selects, members_of, tiers_of
from netverify.eval.calico_match import rule_match, selects
from netverify.eval.layer import Side
from netverify.model.cluster import Cluster
from netverify.model.flow import PodEndpoint
from netverify.model.responsible import deciding_refs
from netverify.model.verdict import RuleRef, SideVerdict
from netverify.smt import diff_calico
from netverify.smt.extract import extract_flow
from netverify.smt.session import SolverSession


def ref_fires(cluster: Cluster, ref: RuleRef, side: Side) -> bool:
    m = diff_calico.member_of(cluster, ref)
    if m is None or not isinstance(side.pod, PodEndpoint):
        return False
    if m.admin is not None:
        if not admin_selects(m.admin, side):
            return False
        if ref.rule is None:
            return True
        d = anp.policy_decision(cluster, m.admin, side, "calico")
        return d.action not in ("nomatch", "unknown") and d.by[0].rule == ref.rule
    p = m.calico
    assert p is not None
    if side.direction not in p.types or selects(cluster, p, side.pod) is not True:
        return False
    if ref.rule is None:
        return True
    return any(rule_match(cluster, p, r, side) is True for r in p.rules(side.direction) if r.index == ref.rule)


def unselected(cluster: Cluster, side: Side) -> bool:
    """No policy of any tier selects the pod for the side's direction (nor may select it)."""
    if not isinstance(side.pod, PodEndpoint):
        return True
    for tier, _ in tiers_of(cluster):
        for m in members_of(cluster, tier.name):
            if m.admin is not None:
                if admin_selects(m.admin, side):
                    return False
            elif m.calico is not None and side.direction in m.calico.types \
                    and selects(cluster, m.calico, side.pod) is not False:
                return False
    return True


def admitting(cluster: Cluster, now: SideVerdict, side: Side) -> frozenset[RuleRef] | None:
    """Why HEAD lets the side through (see the module doc); None: no policy selects the pod there."""
    last = now.chain[-1] if now.chain else None
    refs = last.by if last is not None and last.action == "allow" else deciding_refs(now)
    fired = frozenset(r for r in refs if ref_fires(cluster, r, side))
    if fired or not unselected(cluster, side):
        return fired
    return None


def in_reason(cluster: Cluster, rules: frozenset[RuleRef] | None, side: Side) -> bool:
    if rules is None:
        return unselected(cluster, side)
    return any(ref_fires(cluster, r, side) for r in rules)


def undecided(session: SolverSession, problem, versions, shape: str) -> str | None:
    """A note when some connection of this shape is undecided in HEAD and not surely allowed by BASE (the
    evaluator re-checks the solver's example and names the reason), else None."""
    result = session.check(diff_calico.undecided_guard(session, problem))
    if result.unsat:
        return None
    if result.verdict == "unknown":
        return f"symbolic diff ({shape}) gave up on what HEAD cannot decide: {result.reason}"
    flow = extract_flow(problem, result.model).flow
    head, base = versions.head_verdict(flow), versions.base_verdict(flow)
    if "unknown" not in head.outcomes or head.may_be(False) or base.allowed:
        raise InternalDisagreement(
            f"internal error: the solver says HEAD may allow {flow_text(flow)} without deciding it and BASE does "
            f"not surely allow it; the concrete evaluator says HEAD {sorted(head.outcomes)}, BASE "
            f"{sorted(base.outcomes)}. This is a bug in netverify; please report it with both versions.")
    return (f"--cni calico: whether HEAD newly allows {flow_text(flow)} cannot be decided ({head.unknown_reason}); "
            "connections like it may be newly allowed (unknown, never a guess)")

