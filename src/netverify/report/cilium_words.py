"""The Cilium layer's answer in words (one entry of a side's chain, report/chain_words.py).

Cilium has no order between policies: per direction the allow rules of every NetworkPolicy,
CiliumNetworkPolicy and CiliumClusterwideNetworkPolicy that selects the endpoint are one union, any matching
deny rule wins over all of them, and an endpoint that a policy with rules in that direction selects is in
default deny there (https://docs.cilium.io/en/stable/security/policy/language/, "Deny Policies"). So the entry
says which of the three decided: a deny rule, an allow rule, or default deny (then `by` holds the selecting
policies, rule None).
"""

from __future__ import annotations

from netverify.model.decision import LayerDecision
from netverify.model.verdict import RuleRef

LAYER_TITLE = "Cilium"


def rule_text(ref: RuleRef) -> str:
    """A Cilium deny rule is an item of ingressDeny/egressDeny: name the field as the manifest spells it."""
    if ref.rule is None or ref.action != "deny":
        return str(ref)
    what = f"{ref.policy} {ref.direction}Deny[{ref.rule}]"
    if ref.rule_name:
        what += f" {ref.rule_name!r}"
    return f"{what} ({ref.span})"


def _refs(refs: tuple[RuleRef, ...]) -> str:
    return ", ".join(rule_text(r) for r in refs)


def cilium_action_text(d: LayerDecision) -> str:
    if d.action == "unknown":
        return f"unknown: {d.reason}" if d.reason else "unknown"
    if d.action == "nomatch":
        return "no match: no policy with rules for this direction selects the pod (not in default deny)"
    if d.action == "deny" and d.by and all(r.rule is None for r in d.by):
        return f"default deny: selected by {_refs(d.by)}, and no allow rule matches"
    if d.action == "deny":
        return f"deny by {_refs(d.by)} (a deny rule wins over every allow rule)"
    text = f"{d.action} by {_refs(d.by)}" if d.by else d.action
    return f"{text}; {d.reason}" if d.reason else text
