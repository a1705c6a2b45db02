"""A weighted hitting-set chooser (MaxSMT) over opaque edit ids, for `prove --suggest-fix` (analyses/fix_search.py).

The caller names n candidate edits by their ids 0..n-1, each with a cost, and learns constraints about them as
it goes (each one sound for the question it asks: it excludes only sets that cannot be an answer):
  - require_one_of(ids): the chosen set contains at least one of them (a hitting-set clause);
  - forbid(id): never choose it;
  - forbid_all_of(ids): never all of them together (with anything else);
  - forbid_within(ids): never a set made only of them (a subset of a set that failed);
  - forbid_exactly(ids): never this set again.
`next()` answers a set of least total cost that satisfies everything learned and the size cap, as a z3
Optimize problem (one Bool per id; a soft `not chosen` per id with the id's cost as its weight; the size cap as
a pseudo-Boolean at-most), or None when no set is left (unsat) or the solver gave up. Each set it answers is
excluded from then on, so repeated calls never repeat an answer.

Nothing here knows what an edit is: the meaning of the constraints is the caller's. One z3 context per chooser
(no global solver state).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import z3


class EditChooser:
    def __init__(self, costs: Sequence[int], *, max_size: int, exclusive: Iterable[tuple[int, int]] = (),
                 timeout_ms: int = 10_000) -> None:
        if any(c < 0 for c in costs):
            raise ValueError("edit costs are non-negative")
        self._ctx = z3.Context()
        self._costs = tuple(int(c) for c in costs)
        self._chosen = [z3.Bool(f"edit_{i}", self._ctx) for i in range(len(costs))]
        self._opt = z3.Optimize(ctx=self._ctx)
        self._opt.set("timeout", max(1, int(timeout_ms)))
        self.gave_up: str | None = None  # why the last next() returned None without unsat, if it did
        if self._chosen:
            self._opt.add(z3.AtMost(*self._chosen, max(0, int(max_size))))
            self._opt.add(z3.Or(*self._chosen))  # the empty set is never an answer
        for i, cost in enumerate(self._costs):
            self._opt.add_soft(z3.Not(self._chosen[i]), cost)
        for a, b in exclusive:
            self.forbid_all_of((a, b))

    def _bools(self, ids: Iterable[int]) -> list[z3.BoolRef]:
        return [self._chosen[i] for i in sorted(set(ids))]

    def require_one_of(self, ids: Iterable[int]) -> None:
        bools = self._bools(ids)
        self._opt.add(z3.Or(*bools) if bools else z3.BoolVal(False, self._ctx))

    def forbid(self, i: int) -> None:
        self._opt.add(z3.Not(self._chosen[i]))

    def forbid_all_of(self, ids: Iterable[int]) -> None:
        bools = self._bools(ids)
        self._opt.add(z3.Not(z3.And(*bools)) if bools else z3.BoolVal(False, self._ctx))

    def forbid_within(self, ids: Iterable[int]) -> None:
        inside = set(ids)
        outside = [b for i, b in enumerate(self._chosen) if i not in inside]
        self._opt.add(z3.Or(*outside) if outside else z3.BoolVal(False, self._ctx))

    def forbid_exactly(self, ids: Iterable[int]) -> None:
        inside = set(ids)
        self._opt.add(z3.Or(*(z3.Not(b) if i in inside else b for i, b in enumerate(self._chosen)))
                      if self._chosen else z3.BoolVal(False, self._ctx))

    def cost(self, ids: Iterable[int]) -> int:
        return sum(self._costs[i] for i in set(ids))

    def next(self) -> tuple[int, ...] | None:
        """A least-cost set satisfying everything learned so far (ids ascending), or None."""
        self.gave_up = None
        if not self._chosen:
            return None
        verdict = self._opt.check()
        if verdict == z3.unknown:
            self.gave_up = self._opt.reason_unknown() or "the optimiser gave up"
            return None
        if verdict != z3.sat:
            return None
        model = self._opt.model()
        chosen = tuple(i for i, b in enumerate(self._chosen) if z3.is_true(model.eval(b, model_completion=True)))
        self.forbid_exactly(chosen)
        return chosen
