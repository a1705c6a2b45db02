"""What a layer's encoding answers for one side, and which pods are host-network (smt twin of eval/layer.py).

SymDecision: four exclusive Bools (allow, deny, pass_, unknown); none of them = nomatch. SymOutcome: what a
side or a connection ends in (allow, deny or unknown, exclusive for one model; same-priority choices are free
variables of the model, so "some resolution" is "some model").
"""

from __future__ import annotations

from dataclasses import dataclass, field

import z3

from netverify.model.cluster import Workload
from netverify.smt.session import SolverSession
from netverify.smt.symbols import SymbolicEndpoint, SymbolicPod


@dataclass(frozen=True)
class SymDecision:
    allow: z3.BoolRef
    deny: z3.BoolRef
    pass_: z3.BoolRef
    unknown: z3.BoolRef
    members: tuple[SymDecision, ...] = ()  # a same-priority group: each member's own decision

    def may(self, s: SolverSession, part: str) -> z3.BoolRef:
        """Some resolution of the group gives `part` (allow, deny, unknown; continue = pass or nomatch)."""
        if not self.members:
            return s.not_(self.decided(s)) if part == "continue" else getattr(self, part)
        if part == "continue":
            matched = [s.or_([m.allow, m.deny, m.pass_, m.unknown]) for m in self.members]
            return s.or_([s.not_(s.or_(matched)), *(m.pass_ for m in self.members)])
        return s.or_(getattr(m, part) for m in self.members)

    def decided(self, s: SolverSession) -> z3.BoolRef:
        """allow, deny or unknown: the chain stops here."""
        return s.or_([self.allow, self.deny, self.unknown])

    @staticmethod
    def nomatch(s: SolverSession) -> SymDecision:
        return SymDecision(s.false(), s.false(), s.false(), s.false())


@dataclass(frozen=True)
class SymOutcome:
    allow: z3.BoolRef
    deny: z3.BoolRef
    unknown: z3.BoolRef


@dataclass
class HostPods:
    """Per endpoint (by role), the host-network workloads it may be a replica of, each with the condition
    under which it is one. A pod not created yet is pod-network (never a host-network pod)."""

    options: dict[str, list[tuple[z3.BoolRef, Workload]]] = field(default_factory=dict)

    def of(self, ep: SymbolicEndpoint) -> list[tuple[z3.BoolRef, Workload]]:
        return self.options.get(ep.role, []) if isinstance(ep, SymbolicPod) else []

    def is_host(self, s: SolverSession, ep: SymbolicEndpoint) -> z3.BoolRef:
        return s.or_(cond for cond, _ in self.of(ep))

    @property
    def any(self) -> bool:
        return any(self.options.values())
