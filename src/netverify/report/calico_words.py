"""Calico's tiers in words, for the layer chain (report/chain_words.py).

The Calico layer (eval/calico.py) answers once per tier it consulted, layer `calico:<tier>`: a rule that ended
the tier (allow, deny, pass; `by` names it, with file:line), the tier's default action for a pod that some
policy of the tier selected but no rule matched (`by` names those policies, without a rule), or no match (no
policy of the tier selects the pod for this direction). After the last tier the profile allows.
"""

from __future__ import annotations

from netverify.model.decision import LayerDecision
from netverify.model.verdict import RuleRef

PREFIX = "calico:"
END_OF_TIERS = "after every tier: the namespace's profile (kns.<namespace>) allows"


def is_calico(d: LayerDecision) -> bool:
    return d.layer.startswith(PREFIX)


def tier_title(d: LayerDecision) -> str:
    return f"Calico tier {d.layer[len(PREFIX):]}"


def _refs(refs: tuple[RuleRef, ...]) -> str:
    return ", ".join(str(r) for r in refs)


def tier_action(d: LayerDecision) -> str:
    """What one tier said, naming the rule (or the selecting policies, for the tier's default)."""
    if d.action == "unknown":
        return f"unknown: {d.reason}" if d.reason else "unknown"
    if d.action == "nomatch":
        return "no policy of the tier selects the pod for this direction: on to the next tier"
    tail = ": on to the next tier" if d.action == "pass" else ""
    if d.by and all(r.rule is None for r in d.by):
        return (f"{d.action} (the tier's default action{tail}): selected by {_refs(d.by)}, no rule of theirs "
                "matched")
    return f"{d.action} by {_refs(d.by)}{tail}" if d.by else f"{d.action}{tail}"


def _quiet(d: LayerDecision) -> bool:
    return is_calico(d) and d.action == "nomatch" and not d.alternatives


def calico_runs(chain: tuple[LayerDecision, ...]) -> list[list[LayerDecision]]:
    """The chain's entries, consecutive Calico tiers that selected nothing grouped into one run."""
    out: list[list[LayerDecision]] = []
    for d in chain:
        if out and _quiet(d) and all(_quiet(e) for e in out[-1]):
            out[-1].append(d)
        else:
            out.append([d])
    return out


def tiers_title(run: list[LayerDecision]) -> str:
    return "Calico tiers " + ", ".join(d.layer[len(PREFIX):] for d in run)
