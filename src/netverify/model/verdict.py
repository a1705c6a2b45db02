"""What decided a connection on one side: shared by the concrete evaluator, the SMT witness and reports."""

from __future__ import annotations

from dataclasses import dataclass

from netverify.model.policy import Direction
from netverify.model.span import Span


@dataclass(frozen=True, slots=True)
class RuleRef:
    """A policy rule (or, with rule None, a whole policy: the one that isolates a pod)."""

    policy: str  # ns/name
    direction: Direction
    rule: int | None
    span: Span

    def __str__(self) -> str:
        what = self.policy if self.rule is None else f"{self.policy} {self.direction}[{self.rule}]"
        return f"{what} ({self.span})"


@dataclass(frozen=True, slots=True)
class SideVerdict:
    """One direction's decision. Not isolated: allowed. Isolated: allowed iff some rule admits it."""

    direction: Direction
    isolated: bool
    isolated_by: tuple[RuleRef, ...]  # the policies that select the pod for this direction
    allowed_by: tuple[RuleRef, ...]   # the rules that admit the connection

    @property
    def allowed(self) -> bool:
        return not self.isolated or bool(self.allowed_by)


@dataclass(frozen=True, slots=True)
class Verdict:
    egress: SideVerdict
    ingress: SideVerdict

    @property
    def allowed(self) -> bool:
        return self.egress.allowed and self.ingress.allowed
