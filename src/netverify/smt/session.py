"""One solver session: owns every piece of z3 state for one question (one property, one diff class).

A fresh z3.Context per session means nothing leaks between properties and sessions can be dropped whole.
Seeds are fixed and each check gets a timeout and (optionally) an rlimit, so the same input gives the
same answer; `unknown` is its own verdict and never counts as unsat.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

import z3

SolverVerdict = Literal["sat", "unsat", "unknown"]

SEED = 0


@dataclass(frozen=True)
class CheckResult:
    verdict: SolverVerdict
    model: z3.ModelRef | None = None
    reason: str | None = None  # for unknown: why (timeout, resource limit, ...)

    @property
    def sat(self) -> bool:
        return self.verdict == "sat"

    @property
    def unsat(self) -> bool:
        return self.verdict == "unsat"


class SolverSession:
    def __init__(self, *, timeout_ms: int = 30000, rlimit: int | None = None) -> None:
        self.ctx = z3.Context()
        self.timeout_ms = max(1, int(timeout_ms))
        self.rlimit = rlimit if rlimit else None
        self.solver = z3.Solver(ctx=self.ctx)
        self.solver.set("random_seed", SEED)
        self._fresh = 0
        self._true = z3.BoolVal(True, self.ctx)
        self._false = z3.BoolVal(False, self.ctx)
        self._ints: dict[int, z3.IntNumRef] = {}
        self._eqs: dict[tuple[int, int], tuple[z3.ArithRef, z3.BoolRef]] = {}
        self._nots: dict[int, tuple[z3.BoolRef, z3.BoolRef]] = {}

    # ---- term construction in this session's context -------------------------------------------

    def bool(self, name: str) -> z3.BoolRef:
        return z3.Bool(name, self.ctx)

    def int(self, name: str) -> z3.ArithRef:
        return z3.Int(name, self.ctx)

    def bitvec(self, name: str, bits: int) -> z3.BitVecRef:
        return z3.BitVec(name, bits, self.ctx)

    # The constants are made once: the connectives below recognise them by identity, which is far
    # cheaper than asking z3 (encoding 10,000 policies builds millions of terms).

    def true(self) -> z3.BoolRef:
        return self._true

    def false(self) -> z3.BoolRef:
        return self._false

    def const(self, value: bool) -> z3.BoolRef:
        return self._true if value else self._false

    def and_(self, parts: Iterable[z3.BoolRef]) -> z3.BoolRef:
        items = []
        for p in parts:
            if p is self._false:
                return self._false
            if p is not self._true:
                items.append(p)
        if not items:
            return self._true
        return items[0] if len(items) == 1 else self._connective(z3.Z3_mk_and, items)

    def or_(self, parts: Iterable[z3.BoolRef]) -> z3.BoolRef:
        items = []
        for p in parts:
            if p is self._true:
                return self._true
            if p is not self._false:
                items.append(p)
        if not items:
            return self._false
        return items[0] if len(items) == 1 else self._connective(z3.Z3_mk_or, items)

    def not_(self, part: z3.BoolRef) -> z3.BoolRef:
        if part is self._true:
            return self._false
        if part is self._false:
            return self._true
        # Cached by the Python object's id; the cache keeps that object alive, so the id stays its own.
        found = self._nots.get(id(part))
        if found is None:
            found = self._nots[id(part)] = (part, z3.BoolRef(z3.Z3_mk_not(self.ctx.ref(), part.as_ast()), self.ctx))
        return found[1]

    def eq(self, term: z3.ArithRef, value: int) -> z3.BoolRef:
        """term == value, without z3's argument coercion, made once per (term, value): the encoders
        ask for the same `labels[app] == 3` thousands of times."""
        key = (id(term), value)
        found = self._eqs.get(key)
        if found is None:
            const = self._ints.get(value)
            if const is None:
                const = self._ints[value] = z3.IntVal(value, self.ctx)
            found = self._eqs[key] = (term, z3.BoolRef(
                z3.Z3_mk_eq(self.ctx.ref(), term.as_ast(), const.as_ast()), self.ctx
            ))
        return found[1]

    def _connective(self, make, items: list[z3.BoolRef]) -> z3.BoolRef:
        # z3.And/z3.Or coerce and re-check every argument; ours are Bool terms of this context already.
        args = (z3.Ast * len(items))()
        for i, item in enumerate(items):
            args[i] = item.as_ast()
        return z3.BoolRef(make(self.ctx.ref(), len(items), args), self.ctx)

    def guard(self, hint: str) -> z3.BoolRef:
        """A fresh literal to switch a group of constraints on per check (passed as an assumption)."""
        self._fresh += 1
        return self.bool(f"guard!{hint}!{self._fresh}")

    # ---- solving -----------------------------------------------------------------------------

    def add(self, *constraints: z3.BoolRef) -> None:
        self.solver.add(*constraints)

    def check(self, *assumptions: z3.BoolRef, timeout_ms: int | None = None) -> CheckResult:
        budget = self.timeout_ms if timeout_ms is None else max(1, min(self.timeout_ms, int(timeout_ms)))
        self.solver.set("timeout", budget)
        if self.rlimit is not None:
            self.solver.set("rlimit", self.rlimit)
        started = time.monotonic()
        answer = self.solver.check(*assumptions)
        if answer == z3.sat:
            return CheckResult("sat", model=self.solver.model())
        if answer == z3.unsat:
            return CheckResult("unsat")
        elapsed_ms = (time.monotonic() - started) * 1000
        return CheckResult("unknown", reason=self._unknown_reason(budget, elapsed_ms))

    def _unknown_reason(self, budget: int, elapsed_ms: float) -> str:
        raw = self.solver.reason_unknown()
        if "resource" in raw:
            return f"solver resource limit reached (rlimit {self.rlimit})"
        if raw in ("timeout", "canceled"):
            # z3 often reports an exhausted rlimit as "canceled" too; a timeout cannot fire before its budget.
            if self.rlimit is not None and elapsed_ms < budget:
                return f"solver resource limit reached (rlimit {self.rlimit})"
            return f"solver timeout after {budget} ms"
        return f"solver gave up: {raw}"
