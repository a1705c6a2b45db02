"""Hypothesis strategies for Calico selectors: trees (model.calico_selector) and their text, written the ways
Calico reads them (both quote styles, spaces or tabs, `startswith` / `starts with`, trailing commas, redundant
parentheses). Shared by the parser's round-trip test and, for the Calico layers, the differential generators.
"""

from __future__ import annotations

from hypothesis import strategies as st

from netverify.model.calico_selector import (
    All, And, Contains, EndsWith, Equals, Expr, Has, In, Not, NotEquals, NotIn, Or, StartsWith,
)

KEYS = ("app", "tier", "example.com/role", "in", "contains")  # operator words are labels where labels stand
VALUES = ("", "a", "ab", "b", "web", "x y", "a&&b")

keys = st.sampled_from(KEYS)
values = st.sampled_from(VALUES)


def _leaf() -> st.SearchStrategy[Expr]:
    value_sets = st.frozensets(values, max_size=3)
    return st.one_of(
        st.just(All()), st.builds(Has, keys), st.builds(Equals, keys, values), st.builds(NotEquals, keys, values),
        st.builds(In, keys, value_sets), st.builds(NotIn, keys, value_sets), st.builds(Contains, keys, values),
        st.builds(StartsWith, keys, values), st.builds(EndsWith, keys, values),
    )


def expressions(max_leaves: int = 8) -> st.SearchStrategy[Expr]:
    return st.recursive(
        _leaf(),
        lambda inner: st.one_of(
            st.builds(Not, inner),
            st.builds(And, st.lists(inner, min_size=2, max_size=3).map(tuple)),
            st.builds(Or, st.lists(inner, min_size=2, max_size=3).map(tuple)),
        ),
        max_leaves=max_leaves,
    )


@st.composite
def texts(draw: st.DrawFn, expr: Expr) -> str:
    """`expr` written as a selector, in one of the spellings Calico accepts."""
    space = lambda: draw(st.sampled_from(["", " ", "  ", "\t"]))  # noqa: E731
    gap = lambda: draw(st.sampled_from([" ", "  ", "\t"]))  # noqa: E731

    def quote(value: str) -> str:
        q = draw(st.sampled_from(['"', "'"]))
        return f"{q}{value}{q}"

    def word(e: Expr) -> str:
        if isinstance(e, All):
            return f"all({space()})"
        if isinstance(e, Has):
            return f"has({space()}{e.key}{space()})"
        if isinstance(e, Equals):
            return f"{e.key}{space()}=={space()}{quote(e.value)}"
        if isinstance(e, NotEquals):
            return f"{e.key}{space()}!={space()}{quote(e.value)}"
        if isinstance(e, (In, NotIn)):
            items = [quote(v) for v in sorted(e.values)]
            trailing = "," if items and draw(st.booleans()) else ""
            op = "in" if isinstance(e, In) else draw(st.sampled_from(["not in", "notin", "not  in"]))
            return f"{e.key}{gap()}{op}{space()}{{{space()}{(',' + space()).join(items)}{trailing}{space()}}}"
        if isinstance(e, Contains):
            return f"{e.key}{gap()}contains{gap()}{quote(e.part)}"
        if isinstance(e, StartsWith):
            op = draw(st.sampled_from(["starts with", "startswith", "starts\twith"]))
            return f"{e.key}{gap()}{op}{space()}{quote(e.prefix)}"
        if isinstance(e, EndsWith):
            op = draw(st.sampled_from(["ends with", "endswith"]))
            return f"{e.key}{gap()}{op}{space()}{quote(e.suffix)}"
        if isinstance(e, Not):
            return f"!{space()}({space()}{word(e.operand)}{space()})"
        joiner = "&&" if isinstance(e, And) else "||"
        body = f"{space()}{joiner}{space()}".join(word(o) for o in e.operands)
        return f"({space()}{body}{space()})"  # always grouped: the tree's nesting, whatever the precedence

    return space() + word(expr) + space()


label_maps = st.dictionaries(keys, st.sampled_from((*VALUES, "abc", "xab", "web-a")), max_size=4)
