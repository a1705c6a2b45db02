"""The selector parser against the selector tree's reference meaning (model.calico_selector.matches): any tree,
written in any spelling Calico accepts, parses to a selector that matches exactly the same label maps, and a
tree without redundant negations parses back to itself."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from calico_selector_strategies import expressions, label_maps, texts
from netverify.errors import InputError
from netverify.load.calico_selector import parse_selector
from netverify.load.site import Site
from netverify.model.calico_selector import And, Expr, Not, Or, matches

SITE = Site("s.yaml", {}, ("spec", "selector"))


def _no_double_not(expr: Expr) -> bool:
    if isinstance(expr, Not):
        return not isinstance(expr.operand, Not) and _no_double_not(expr.operand)
    if isinstance(expr, (And, Or)):
        return all(_no_double_not(e) for e in expr.operands)
    return True


def _check(data: st.DataObject) -> None:
    expr = data.draw(expressions())
    text = data.draw(texts(expr))
    parsed = parse_selector(text, SITE)
    for labels in data.draw(st.lists(label_maps, min_size=1, max_size=8)):
        assert parsed.matches(labels) == matches(expr, labels), (text, labels)
    if _no_double_not(expr):
        assert parsed.expr == expr, text


@settings(max_examples=40, deadline=None)
@given(st.data())
def test_a_written_selector_means_what_its_tree_means(data):
    _check(data)


@pytest.mark.slow
@settings(max_examples=5000, deadline=None)
@given(st.data())
def test_a_written_selector_means_what_its_tree_means_slow(data):
    _check(data)


_PIECES = st.sampled_from(['a', 'b.c/d', '==', '!=', '!', '&&', '||', '(', ')', '{', '}', ',', '"x"', "'y'", '"',
                           "'", 'in', 'not', 'has(', 'all(', 'global(', 'contains', 'starts', 'with', 'ends', ' ',
                           '\t', '\n', '=', '&', '|', '@', 'é'])


@settings(max_examples=80, deadline=None)
@given(st.one_of(st.text(max_size=30), st.lists(_PIECES, max_size=12).map("".join)))
def test_any_text_parses_or_is_a_located_error(text):
    try:
        parse_selector(text, SITE)
    except InputError as err:
        assert err.file == "s.yaml" and err.field == "spec.selector" and "column " in err.message
