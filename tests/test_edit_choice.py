"""smt/edit_choice.py: the weighted hitting-set chooser answers sets of least total cost, checked against brute
force over random instances (hypothesis), and never answers a set twice or one a learned constraint excludes."""

from __future__ import annotations

import itertools

from hypothesis import given, settings
from hypothesis import strategies as st

from netverify.smt.edit_choice import EditChooser


@st.composite
def instances(draw):
    n = draw(st.integers(1, 6))
    costs = draw(st.lists(st.integers(0, 20), min_size=n, max_size=n))
    ids = st.lists(st.integers(0, n - 1), min_size=1, max_size=n, unique=True)
    clauses = draw(st.lists(ids, max_size=4))
    forbidden_all = draw(st.lists(ids, max_size=2))
    within = draw(st.lists(ids, max_size=2))
    exclusive = draw(st.lists(st.tuples(st.integers(0, n - 1), st.integers(0, n - 1)).filter(lambda p: p[0] != p[1]),
                              max_size=2))
    return n, costs, clauses, forbidden_all, within, exclusive, draw(st.integers(1, 3))


def _allowed(chosen, clauses, forbidden_all, within, exclusive, max_size) -> bool:
    s = set(chosen)
    return (0 < len(s) <= max_size and all(s & set(c) for c in clauses)
            and not any(set(f) <= s for f in forbidden_all) and not any(s <= set(w) for w in within)
            and not any({a, b} <= s for a, b in exclusive))


@settings(max_examples=60, deadline=None)
@given(instances())
def test_every_answer_is_a_least_cost_allowed_set_and_the_answers_come_cheapest_first(instance):
    n, costs, clauses, forbidden_all, within, exclusive, max_size = instance
    chooser = EditChooser(costs, max_size=max_size, exclusive=exclusive)
    for c in clauses:
        chooser.require_one_of(c)
    for f in forbidden_all:
        chooser.forbid_all_of(f)
    for w in within:
        chooser.forbid_within(w)
    allowed = [s for k in range(1, n + 1) for s in itertools.combinations(range(n), k)
               if _allowed(s, clauses, forbidden_all, within, exclusive, max_size)]
    answered: list[tuple[int, ...]] = []
    while (chosen := chooser.next()) is not None:
        remaining = [s for s in allowed if s not in answered]
        assert chosen in remaining
        assert chooser.cost(chosen) == min(chooser.cost(s) for s in remaining)  # the brute-force minimum
        answered.append(chosen)
    assert sorted(answered) == sorted(allowed)  # every allowed set, each once, then nothing


def test_a_forbidden_edit_is_never_answered_and_an_empty_clause_leaves_nothing():
    chooser = EditChooser([1, 2, 3], max_size=2)
    chooser.forbid(0)
    assert chooser.next() == (1,)
    chooser.require_one_of([])
    assert chooser.next() is None and chooser.gave_up is None


def test_negative_costs_are_refused():
    import pytest

    with pytest.raises(ValueError):
        EditChooser([1, -1], max_size=1)
