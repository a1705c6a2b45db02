"""Calico's selector language as a tree (projectcalico.org selectors: `selector`, `namespaceSelector`,
`serviceAccountSelector`, rule `selector` / `notSelector`).

Grammar and meaning: https://docs.tigera.io/calico/latest/reference/resources/networkpolicy#selectors
(the parser, load/calico_selector.py, builds these nodes; eval and smt read them). Matching is over one label
map. Note Calico's negative tests: `k != "v"` and `k not in {..}` also match a map without `k`, while
`contains`, `starts with` and `ends with` need `k` present. `global()` matches only objects that are not in a
namespace (GlobalNetworkSets, HostEndpoints); as a namespace selector it matches no namespace.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Union

from netverify.model.span import Span


@dataclass(frozen=True, slots=True)
class All:
    """`all()`, and the empty selector `""`, match every object."""


@dataclass(frozen=True, slots=True)
class Global:
    """`global()`: objects outside every namespace."""


@dataclass(frozen=True, slots=True)
class Has:
    key: str


@dataclass(frozen=True, slots=True)
class Equals:
    key: str
    value: str


@dataclass(frozen=True, slots=True)
class NotEquals:
    key: str
    value: str


@dataclass(frozen=True, slots=True)
class In:
    key: str
    values: frozenset[str]


@dataclass(frozen=True, slots=True)
class NotIn:
    key: str
    values: frozenset[str]


@dataclass(frozen=True, slots=True)
class Contains:
    key: str
    part: str


@dataclass(frozen=True, slots=True)
class StartsWith:
    key: str
    prefix: str


@dataclass(frozen=True, slots=True)
class EndsWith:
    key: str
    suffix: str


@dataclass(frozen=True, slots=True)
class Not:
    operand: Expr


@dataclass(frozen=True, slots=True)
class And:
    operands: tuple[Expr, ...]


@dataclass(frozen=True, slots=True)
class Or:
    operands: tuple[Expr, ...]


Expr = Union[All, Global, Has, Equals, NotEquals, In, NotIn, Contains, StartsWith, EndsWith, Not, And, Or]
StringTest = Union[Contains, StartsWith, EndsWith]


@dataclass(frozen=True, slots=True)
class CalicoSelector:
    """A parsed selector with the text it was written as (reports quote `text`) and where."""

    expr: Expr
    text: str
    span: Span

    def matches(self, labels: Mapping[str, str], is_global: bool = False) -> bool:
        return matches(self.expr, labels, is_global)

    def __str__(self) -> str:
        return self.text or "all()"


def matches(expr: Expr, labels: Mapping[str, str], is_global: bool = False) -> bool:
    """The reference meaning of a selector for one object (`is_global`: the object is in no namespace)."""
    if isinstance(expr, All):
        return True
    if isinstance(expr, Global):
        return is_global
    if isinstance(expr, Not):
        return not matches(expr.operand, labels, is_global)
    if isinstance(expr, And):
        return all(matches(e, labels, is_global) for e in expr.operands)
    if isinstance(expr, Or):
        return any(matches(e, labels, is_global) for e in expr.operands)
    return leaf_matches(expr, labels.get(expr.key))


def leaf_matches(expr: Expr, value: str | None) -> bool:
    """A test of one label (`has`, `==`, `!=`, `in`, `not in`, `contains`, `starts with`, `ends with`) against
    that label's value, None when the object has no such label."""
    if isinstance(expr, Has):
        return value is not None
    if isinstance(expr, Equals):
        return value == expr.value
    if isinstance(expr, NotEquals):
        return value != expr.value
    if isinstance(expr, In):
        return value is not None and value in expr.values
    if isinstance(expr, NotIn):
        return value is None or value not in expr.values
    if value is None:
        return False
    if isinstance(expr, Contains):
        return expr.part in value
    if isinstance(expr, StartsWith):
        return value.startswith(expr.prefix)
    assert isinstance(expr, EndsWith)
    return value.endswith(expr.suffix)


def string_tests(expr: Expr) -> list[tuple[str, StringTest]]:
    """Every (key, contains/starts with/ends with) in `expr`: the SMT label universe needs, per key, values
    that pass and values that fail each of them."""
    if isinstance(expr, (Contains, StartsWith, EndsWith)):
        return [(expr.key, expr)]
    if isinstance(expr, Not):
        return string_tests(expr.operand)
    if isinstance(expr, (And, Or)):
        return [t for e in expr.operands for t in string_tests(e)]
    return []
