"""Calico's selector language parsed as Calico parses it (libcalico-go/lib/selector/{tokenizer,parser}), with
located errors. https://docs.tigera.io/calico/latest/reference/resources/networkpolicy#selectors
"""

from __future__ import annotations

import pytest

from netverify.errors import InputError
from netverify.load.calico_selector import parse_selector
from netverify.load.site import Site
from netverify.model.calico_selector import (
    All, And, Contains, EndsWith, Equals, Global, Has, In, Not, NotEquals, NotIn, Or, StartsWith,
)

SITE = Site("p.yaml", {}, ("spec", "selector"))


def parse(text: str):
    return parse_selector(text, SITE).expr


@pytest.mark.parametrize("text,expr", [
    ("", All()),
    ("  ", All()),
    ("all()", All()),
    ("all( )", All()),
    (" global() ", Global()),
    ('app == "web"', Equals("app", "web")),
    ("app=='web'", Equals("app", "web")),
    ('app != "web"', NotEquals("app", "web")),
    ('app in {"a", "b"}', In("app", frozenset({"a", "b"}))),
    ('app in {"a",}', In("app", frozenset({"a"}))),  # a trailing comma, as Calico's parser takes it
    ("app in {}", In("app", frozenset())),
    ('app not in {"a"}', NotIn("app", frozenset({"a"}))),
    ('app notin {"a"}', NotIn("app", frozenset({"a"}))),
    ("has(app)", Has("app")),
    ("has( example.com/app )", Has("example.com/app")),
    ('app contains "we"', Contains("app", "we")),
    ('app starts with "w"', StartsWith("app", "w")),
    ('app startswith "w"', StartsWith("app", "w")),
    ('app ends  with "b"', EndsWith("app", "b")),
    ('contains == "x"', Equals("contains", "x")),  # an operator word is a label where a label stands
    ('in in {"x"}', In("in", frozenset({"x"}))),
    ('a == "x y && z"', Equals("a", "x y && z")),  # strings take anything but their quote
    ("!has(a)", Not(Has("a"))),
    ("!!has(a)", Has("a")),
    ('!a == "x"', Not(Equals("a", "x"))),  # `!` negates one operation
    ('a == "1" || b == "2" && c == "3"', Or((Equals("a", "1"), And((Equals("b", "2"), Equals("c", "3")))))),
    ('(a == "1" || b == "2") && c == "3"', And((Or((Equals("a", "1"), Equals("b", "2"))), Equals("c", "3")))),
    ('a == "1"\t&&\tb == "2"', And((Equals("a", "1"), Equals("b", "2")))),
])
def test_valid_selectors_parse_to_their_tree(text, expr):
    selector = parse_selector(text, SITE)
    assert selector.expr == expr and selector.text == text and selector.span.file == "p.yaml"


def error(text: str) -> InputError:
    with pytest.raises(InputError) as caught:
        parse_selector(text, SITE)
    assert caught.value.field == "spec.selector" and caught.value.file == "p.yaml"
    return caught.value


@pytest.mark.parametrize("text,column,words", [
    ("app == web", 8, ["quoted string"]),
    ("hass(app)", 1, ["hass() is not a selector function", "did you mean 'has()'"]),
    ("alll()", 1, ["did you mean 'all()'"]),
    ("has (app)", 5, ["no space"]),
    ('app = "x"', 5, ["did you mean '=='"]),
    ('a == "x" and b == "y"', 10, ["did you mean '&&'"]),
    ('a == "x" | b == "y"', 10, ["did you mean '||'"]),
    ('a == "x" & b == "y"', 10, ["did you mean '&&'"]),
    ('app start with "x"', 5, ["after label 'app'", "did you mean 'starts with'"]),
    ('app contain "x"', 5, ["did you mean 'contains'"]),
    ('app == "x', 8, ["closing quote"]),
    ('a ==\n"x"', 5, ["line break"]),
    ('a == "b" &&', 12, ["ends early"]),
    ('(a == "b"', 10, ["ends early", ")"]),
    ("app", 4, ["ends early"]),
    ('a in {"a" "b"}', 11, ["unexpected"]),
    ('a == "b" c == "d"', 10, ["unexpected 'c'"]),
])
def test_invalid_selectors_are_located_errors(text, column, words):
    err = error(text)
    assert f"column {column}:" in err.message and repr(text) in err.message
    for word in words:
        assert word in err.message


def test_a_label_longer_than_calicos_limit_is_refused():
    err = error("k" * 513 + ' == "v"')
    assert "at most 512" in err.message
    assert parse("k" * 512 + ' == "v"') == Equals("k" * 512, "v")


def test_a_selector_longer_than_the_crd_limit_is_refused():
    err = error('a == "' + "x" * 1020 + '"')
    assert "at most 1024" in err.message
