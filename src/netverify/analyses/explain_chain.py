"""explain's view of the layer chain: what each side can end in, and which policies a "no match" consulted.

The evaluator's chain (model/decision.py) records, per tier and priority, what the policies there said; a
priority where no rule matched carries no rule. explain names the policies it consulted there, so the chain reads
"admin tier, priority 20: no match (AdminNetworkPolicy/x consulted)" rather than a bare "no match".
"""

from __future__ import annotations

from dataclasses import replace

from netverify.eval.anp import subjects
from netverify.eval.layer import Side
from netverify.model.cluster import Cluster
from netverify.model.flow import Flow
from netverify.model.verdict import RuleRef, SideVerdict, Verdict


def connection_decision(verdict: Verdict) -> str:
    """allow, deny, ambiguous (both are possible) or unknown."""
    outcomes = verdict.outcomes
    if "unknown" in outcomes:
        return "unknown"
    if outcomes == {"allow", "deny"}:
        return "ambiguous"
    return next(iter(outcomes))


def _consulted(cluster: Cluster, side: SideVerdict, flow: Flow) -> SideVerdict:
    if not side.chain:
        return side
    probe = Side.of(flow, side.direction)
    chain = []
    for d in side.chain:
        if d.action == "nomatch" and not d.by and d.layer in ("admin", "baseline") and d.priority is not None:
            refs = tuple(RuleRef(p.key, side.direction, None, p.span, kind=p.kind)
                         for p in subjects(cluster, d.layer, probe) if p.priority == d.priority)
            d = replace(d, by=refs)
        chain.append(d)
    return replace(side, chain=tuple(chain))


def with_consulted(cluster: Cluster, verdict: Verdict, flow: Flow) -> Verdict:
    return Verdict(_consulted(cluster, verdict.egress, flow), _consulted(cluster, verdict.ingress, flow))
