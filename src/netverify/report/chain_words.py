"""The layer chain of one side in words: each tier and priority consulted, what it said, and the end.

Shared by every renderer that shows a side (text, markdown, junit through `words.side_lines`; json and sarif
read the same records). A side decided by NetworkPolicy alone keeps the two-line wording of `words.side_lines`;
as soon as an admin tier took part, the chain is shown entry by entry:

    BLOCKED
    1 admin tier, priority 10: pass by AdminNetworkPolicy/cluster-base ingress[1] 'to-ns' (anp.yaml:14)
    2 NetworkPolicy: deny: isolated by shop/default-deny (np.yaml:3), no rule admits it
"""

from __future__ import annotations

from netverify.findings import SamePriorityOverlap
from netverify.report.calico_words import END_OF_TIERS, calico_runs, is_calico, tier_action, tier_title, tiers_title
from netverify.model.decision import LayerDecision
from netverify.model.responsible import takes_part
from netverify.model.verdict import RuleRef, SideVerdict
from netverify.report.cilium_words import LAYER_TITLE as CILIUM_TITLE
from netverify.report.cilium_words import cilium_action_text

DECISION_WORD = {
    "allow": "allowed",
    "deny": "BLOCKED",
    "unknown": "UNKNOWN",
    "ambiguous": "AMBIGUOUS: allowed or blocked, whichever of the same-priority policies the CNI applies",
}
_LAYER_NAME = {"admin": "admin tier", "baseline": "baseline tier", "networkpolicy": "NetworkPolicy",
               "cilium": CILIUM_TITLE}


def shows_chain(side: SideVerdict) -> bool:
    """Whether a layer other than NetworkPolicy took part (else the NetworkPolicy wording says it all)."""
    return takes_part(side)


def _refs(refs: tuple[RuleRef, ...]) -> str:
    return ", ".join(str(r) for r in refs)


def layer_title(d: LayerDecision) -> str:
    if is_calico(d):
        return tier_title(d)
    name = _LAYER_NAME.get(d.layer, d.layer)
    return f"{name}, priority {d.priority}" if d.priority is not None else name


def action_text(d: LayerDecision) -> str:
    """What one entry said, naming the rules (with file:line) that said it."""
    if is_calico(d) and not d.ambiguous:
        return tier_action(d)
    if d.ambiguous:
        each = "; ".join(f"{a.action} by {_refs(a.by)}" if a.by else a.action for a in d.alternatives)
        return f"ambiguous (same priority, the CNI may apply either): {each}"
    if d.layer == "cilium":
        return cilium_action_text(d)  # one union: which of deny, allow or default deny decided
    if d.action == "unknown":
        return f"unknown: {d.reason}" if d.reason else "unknown"
    if d.action == "nomatch":
        if d.layer == "networkpolicy":
            return "no match: no NetworkPolicy isolates the pod for this direction"
        return f"no match ({_refs(d.by)} consulted)" if d.by else "no match"
    if d.layer == "networkpolicy" and d.action == "deny":
        return f"deny: isolated by {_refs(d.by)}, no rule admits it"
    what = {"allow": "allow", "deny": "deny", "pass": "pass"}[d.action]
    tail = ": on to the next tier" if d.action == "pass" else ""
    return f"{what} by {_refs(d.by)}{tail}" if d.by else f"{what}{tail}"


def reached_the_end(side: SideVerdict) -> bool:
    """Whether some resolution of the chain runs past its last entry (the end of the chain allows)."""
    return bool(side.chain) and all(d.actions & {"pass", "nomatch"} for d in side.chain)


def chain_lines(side: SideVerdict) -> list[str]:
    """The decision, then one line per entry consulted, then the end of the chain when it was reached."""
    lines = [DECISION_WORD.get(side.decision, side.decision)]
    for i, entries in enumerate(calico_runs(side.chain), 1):
        if len(entries) > 1:  # Calico tiers that do not select the pod, one line for the run
            lines.append(f"{i} {tiers_title(entries)}: no policy of these tiers selects the pod for this direction")
        else:
            lines.append(f"{i} {layer_title(entries[0])}: {action_text(entries[0])}")
    if reached_the_end(side):
        end = END_OF_TIERS if all(is_calico(d) for d in side.chain) else "end of the chain: allowed (no layer decided)"
        lines.append(f"{len(calico_runs(side.chain)) + 1} {end}")
    return lines



def overlap_title(o: SamePriorityOverlap) -> str:
    return (f"same-priority overlap ({_LAYER_NAME.get(o.tier, o.tier)}, priority {o.priority}, {o.direction}): "
            f"{o.first.policy} and {o.second.policy}")


def overlap_lines(o: SamePriorityOverlap) -> list[str]:
    """Both rules (file:line) and the witness connection they decide differently; the CNI may apply either."""
    return [
        f"{o.first} says {o.first.action}",
        f"{o.second} says {o.second.action}",
        "the API lets the CNI apply either; give the policies distinct priorities to decide it",
        f"witness: {o.witness.src.workload or _endpoint(o.witness.src)} -> "
        f"{o.witness.dst.workload or _endpoint(o.witness.dst)} on {o.witness.service}",
    ]


def _endpoint(e) -> str:
    if e.namespace is None:
        return f"external {e.ip}"
    labels = ", ".join(f"{k}={v}" for k, v in sorted(e.labels.items()))
    return f"new pod {{{labels}}} in {e.namespace}"
