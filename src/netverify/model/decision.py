"""What one policy layer says about one side of a connection, and how a chain of layers folds.

A side is one direction judged at one pod: egress at the source, ingress at the destination. Each layer of the
CNI's chain (model/semantics.py CHAINS) answers with an action:
- allow / deny: final, the chain stops;
- pass: the layer hands the side to the next layer (AdminNetworkPolicy `Pass`);
- nomatch: the layer says nothing (no policy of it selects the pod, or none of its rules match);
- unknown: the layer could decide but netverify cannot tell how (a field it does not model, NetworkPolicy on a
  host-network pod): the side's result is unknown, with `reason` naming the rule and field.
Two policies of one priority that both match with different actions leave the choice to the implementation
(the API says so): the decision then lists every outcome in `alternatives` and the fold keeps all of them.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from netverify.model.verdict import RuleRef

Action = Literal["allow", "deny", "pass", "nomatch", "unknown"]
Outcome = Literal["allow", "deny", "unknown"]  # what a side (or a connection) can end in
CONTINUES: frozenset[str] = frozenset({"pass", "nomatch"})


@dataclass(frozen=True, slots=True)
class LayerDecision:
    """One layer's (or one priority group's) answer for a side.

    layer: the layer's name in the chain ("admin", "networkpolicy", "baseline"; Calico/Cilium add theirs);
    priority: for a tier of ordered policies, the priority this entry stands for (None otherwise);
    by: the rules that fired (for allow/deny/pass), or for an implicit decision (NetworkPolicy isolation) the
        policies that select the pod; empty for nomatch;
    reason: why the layer says unknown;
    alternatives: same-priority ambiguity: each member's own decision (action, by), this one's action being the
        first of them. Empty when the layer's answer is unique."""

    layer: str
    action: Action
    by: tuple[RuleRef, ...] = ()
    reason: str | None = None
    alternatives: tuple[LayerDecision, ...] = ()
    priority: int | None = None

    @property
    def actions(self) -> frozenset[str]:
        """Every action the implementation may take here."""
        if self.alternatives:
            return frozenset(a.action for a in self.alternatives)
        return frozenset({self.action})

    @property
    def ambiguous(self) -> bool:
        return len(self.actions) > 1

    @property
    def unknown_reason(self) -> str | None:
        if self.action == "unknown":
            return self.reason
        return next((a.reason for a in self.alternatives if a.action == "unknown"), None)


def fold(chain: Iterable[LayerDecision]) -> frozenset[Outcome]:
    """The outcomes a side can end in: the first allow/deny/unknown decides, pass and nomatch go on, the end of
    the chain allows. An ambiguous entry contributes each of its outcomes; the chain goes on if one continues."""
    out: set[str] = set()
    for decision in chain:
        actions = decision.actions
        out |= actions - CONTINUES
        if not actions & CONTINUES:
            return frozenset(out)  # type: ignore[return-value]
    out.add("allow")
    return frozenset(out)  # type: ignore[return-value]


def combine(egress: frozenset[str], ingress: frozenset[str]) -> frozenset[Outcome]:
    """A connection's outcomes from its two sides' (both must allow; one deny blocks; else unknown). The two
    sides are judged by different policies, so their same-priority choices are independent."""
    out = set()
    for e in egress:
        for i in ingress:
            out.add("deny" if "deny" in (e, i) else "allow" if e == i == "allow" else "unknown")
    return frozenset(out)  # type: ignore[return-value]
