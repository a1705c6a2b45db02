"""What decided a connection on one side: shared by the concrete evaluator, the SMT witness and reports."""

from __future__ import annotations

from dataclasses import dataclass

from typing import TYPE_CHECKING

from netverify.model.policy import Direction
from netverify.model.span import Span

if TYPE_CHECKING:
    from netverify.model.decision import LayerDecision


@dataclass(frozen=True, slots=True)
class RuleRef:
    """A policy rule (or, with rule None, a whole policy: the one that isolates a pod).

    kind: the policy's kind (a NetworkPolicy `shop/x` and another kind's `shop/x` are different policies);
    for cluster-scoped kinds `policy` is `Kind/name`. rule_name and action: what an admin rule says of itself
    (NetworkPolicy rules only allow: action None)."""

    policy: str  # ns/name (NetworkPolicy) or Kind/name (AdminNetworkPolicy and the other cluster-scoped kinds)
    direction: Direction
    rule: int | None
    span: Span
    kind: str = "NetworkPolicy"
    rule_name: str = ""
    action: str | None = None

    def __str__(self) -> str:
        what = self.policy if self.rule is None else f"{self.policy} {self.direction}[{self.rule}]"
        if self.rule_name:
            what += f" {self.rule_name!r}"
        return f"{what} ({self.span})"


@dataclass(frozen=True, slots=True)
class SideVerdict:
    """One direction's decision.

    `chain`: every layer consulted, in order, and what it said (model/decision.py); the side's outcomes are
    its fold. isolated / isolated_by / allowed_by are the NetworkPolicy layer's view (what reports have always
    shown): not isolated, or isolated and admitted by allowed_by. A SideVerdict built without a chain is a
    NetworkPolicy-only one and its outcome follows from that view."""

    direction: Direction
    isolated: bool
    isolated_by: tuple[RuleRef, ...]  # the NetworkPolicies that select the pod for this direction
    allowed_by: tuple[RuleRef, ...]   # the NetworkPolicy rules that admit the connection
    chain: tuple[LayerDecision, ...] = ()

    @property
    def outcomes(self) -> frozenset[str]:
        """allow / deny / unknown: what the side can end in (more than one: same-priority ambiguity)."""
        if not self.chain:
            return frozenset({"allow" if not self.isolated or self.allowed_by else "deny"})
        from netverify.model.decision import fold
        return fold(self.chain)

    @property
    def decision(self) -> str:
        """allow, deny, unknown, or ambiguous (several outcomes are possible)."""
        outcomes = self.outcomes
        return next(iter(outcomes)) if len(outcomes) == 1 else "ambiguous"

    @property
    def allowed(self) -> bool:
        """Allowed whatever the implementation picks among same-priority policies."""
        return self.outcomes == {"allow"}

    @property
    def unknown_reason(self) -> str | None:
        return next((r for d in self.chain if (r := d.unknown_reason) is not None), None)


@dataclass(frozen=True, slots=True)
class Verdict:
    egress: SideVerdict
    ingress: SideVerdict

    @property
    def outcomes(self) -> frozenset[str]:
        from netverify.model.decision import combine
        return combine(self.egress.outcomes, self.ingress.outcomes)

    @property
    def allowed(self) -> bool:
        """Allowed under every resolution of same-priority ambiguity, and nothing unknown."""
        return self.outcomes == {"allow"}

    def may_be(self, allowed: bool) -> bool:
        """Whether some resolution lets the connection through (`allowed`) or blocks it."""
        return ("allow" if allowed else "deny") in self.outcomes

    @property
    def unknown_reason(self) -> str | None:
        if "unknown" not in self.outcomes:
            return None
        return self.egress.unknown_reason or self.ingress.unknown_reason
