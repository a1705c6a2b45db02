"""Calico's selector language, text -> model.calico_selector tree, parsed with lark (an LALR grammar).

The grammar follows Calico's own tokenizer and parser (projectcalico/calico libcalico-go/lib/selector/tokenizer
and parser; https://docs.tigera.io/calico/latest/reference/resources/networkpolicy#selectors), so that what
Calico refuses is refused here and what it reads means the same:
- `||` binds loosest, then `&&`; `!` negates one operation (`!a == "x"` is `!(a == "x")`), and may repeat;
- an operation: `has(k)`, `all()`, `global()`, `( expr )`, or a label with `==`, `!=`, `contains`,
  `starts with`, `ends with` and a quoted string, or `in` / `not in` and `{ "a", "b" }` (empty, and a trailing
  comma, allowed). Strings are '...' or "..." without escapes;
- labels are runs of letters, digits, `_ . / -` (at most 512); words after a label are operators only there,
  so a label may itself be called `contains`; `starts with`, `ends with`, `not in` may be written without the
  space between their words, as Calico reads them;
- whitespace is spaces and tabs only (a newline outside a string is an error, as in Calico);
- the empty selector matches everything (All).
Errors name the selector text and the column (1-based) and, for a misspelt function or operator, what was
probably meant.
"""

from __future__ import annotations

import difflib
from functools import lru_cache

from lark import Lark, Token, Transformer, v_args
from lark.exceptions import UnexpectedCharacters, UnexpectedEOF, UnexpectedInput, UnexpectedToken, VisitError

from netverify.load.site import Site
from netverify.model.calico_selector import (
    All, And, CalicoSelector, Contains, EndsWith, Equals, Expr, Global, Has, In, Not, NotEquals, NotIn, Or,
    StartsWith,
)

MAX_LABEL_LENGTH = 512  # Calico's tokenizer.MaxLabelLength
MAX_SELECTOR_LENGTH = 1024  # the CRDs' MaxLength on every selector field
_ID = r"[a-zA-Z0-9_.\/-]"

_GRAMMAR = rf"""
?start: or_expr
?or_expr: and_expr (_OR and_expr)*
?and_expr: operation (_AND operation)*
?operation: NOT* atom -> negated
?atom: HAS LABEL _RPAR               -> has
     | ALL _RPAR                     -> all
     | GLOBAL _RPAR                  -> global_
     | _LPAR or_expr _RPAR
     | LABEL _EQ STRING              -> equals
     | LABEL _NE STRING              -> not_equals
     | LABEL _CONTAINS STRING        -> contains
     | LABEL _STARTS_WITH STRING     -> starts_with
     | LABEL _ENDS_WITH STRING       -> ends_with
     | LABEL _IN _LBRACE values _RBRACE     -> in_
     | LABEL _NOT_IN _LBRACE values _RBRACE -> not_in
values: (STRING (_COMMA STRING)* _COMMA?)?

HAS.3: /has\(/
ALL.3: /all\(/
GLOBAL.3: /global\(/
_NOT_IN.2: /not[ \t]*in(?!{_ID})/
_IN.2: /in(?!{_ID})/
_CONTAINS.2: /contains(?!{_ID})/
_STARTS_WITH.2: /starts[ \t]*with(?!{_ID})/
_ENDS_WITH.2: /ends[ \t]*with(?!{_ID})/
LABEL: /{_ID}+/
STRING: /"[^"]*"/ | /'[^']*'/
_EQ: "=="
_NE: "!="
NOT: "!"
_AND: "&&"
_OR: "||"
_LPAR: "("
_RPAR: ")"
_LBRACE: "{{"
_RBRACE: "}}"
_COMMA: ","
%ignore /[ \t]+/
"""


@lru_cache(maxsize=1)
def _parser() -> Lark:
    # The contextual lexer only offers the terminals the parser can take next: after a label, the operator
    # words; elsewhere, the same words are labels (Calico's tokenizer decides the same way).
    return Lark(_GRAMMAR, parser="lalr", lexer="contextual", propagate_positions=False, maybe_placeholders=False)


class _LabelTooLong(ValueError):
    def __init__(self, label: str, column: int) -> None:
        super().__init__(label)
        self.label = label
        self.column = column


def _label(token: Token) -> str:
    if len(token) > MAX_LABEL_LENGTH:
        raise _LabelTooLong(str(token), token.column or 0)
    return str(token)


def _string(token: Token) -> str:
    return str(token)[1:-1]


@v_args(inline=True)
class _ToTree(Transformer):
    def negated(self, *parts: object) -> Expr:
        *nots, atom = parts
        return Not(atom) if len(nots) % 2 else atom  # type: ignore[arg-type]

    def or_expr(self, *operands: Expr) -> Expr:
        return Or(tuple(operands))

    def and_expr(self, *operands: Expr) -> Expr:
        return And(tuple(operands))

    def has(self, _open: Token, label: Token) -> Expr:
        return Has(_label(label))

    def all(self, _open: Token) -> Expr:
        return All()

    def global_(self, _open: Token) -> Expr:
        return Global()

    def equals(self, label: Token, value: Token) -> Expr:
        return Equals(_label(label), _string(value))

    def not_equals(self, label: Token, value: Token) -> Expr:
        return NotEquals(_label(label), _string(value))

    def contains(self, label: Token, value: Token) -> Expr:
        return Contains(_label(label), _string(value))

    def starts_with(self, label: Token, value: Token) -> Expr:
        return StartsWith(_label(label), _string(value))

    def ends_with(self, label: Token, value: Token) -> Expr:
        return EndsWith(_label(label), _string(value))

    def in_(self, label: Token, values: frozenset[str]) -> Expr:
        return In(_label(label), values)

    def not_in(self, label: Token, values: frozenset[str]) -> Expr:
        return NotIn(_label(label), values)

    def values(self, *strings: Token) -> frozenset[str]:
        return frozenset(_string(s) for s in strings)


def parse_selector(text: str, site: Site) -> CalicoSelector:
    """`text` (the value at `site`) as a selector, or an InputError at `site` naming the column and the text."""
    if len(text) > MAX_SELECTOR_LENGTH:
        raise site.error(f"a selector is at most {MAX_SELECTOR_LENGTH} characters; this one has {len(text)}")
    if not text.strip(" \t"):
        return CalicoSelector(All(), text, site.span())
    try:
        tree = _parser().parse(text)
        expr = _ToTree().transform(tree)
    except VisitError as exc:
        if isinstance(exc.orig_exc, _LabelTooLong):
            too_long = exc.orig_exc
            raise _error(site, text, too_long.column,
                         f"a label is at most {MAX_LABEL_LENGTH} characters; this one has {len(too_long.label)}")
        raise
    except UnexpectedInput as exc:
        column, message = _explain(text, exc)
        raise _error(site, text, column, message) from None
    return CalicoSelector(expr, text, site.span())


def _error(site: Site, text: str, column: int, message: str):  # -> InputError
    return site.error(f"selector {text!r}, column {column}: {message}")


_FUNCTIONS = ("has(", "all(", "global(")
_OPERATORS = ("==", "!=", "in", "not in", "contains", "starts with", "ends with")
_CONNECTIVES = {"and": "&&", "or": "||", "not": "!", "AND": "&&", "OR": "||", "NOT": "!"}


def _explain(text: str, exc: UnexpectedInput) -> tuple[int, str]:
    """(column, what is wrong) for lark's complaint, in the selector's own words."""
    if isinstance(exc, UnexpectedEOF):
        return len(text) + 1, "the selector ends where an expression or operator should follow"
    if isinstance(exc, UnexpectedToken) and exc.token.type == "$END":
        return len(text) + 1, "the selector ends early: " + _expected(exc.expected)
    column = exc.column if isinstance(exc.column, int) and exc.column > 0 else 1
    rest = text[column - 1:]
    word = _word(rest)
    before = text[:column - 1].rstrip(" \t")
    if rest.startswith("\n") or rest.startswith("\r"):
        return column, "a line break outside a string (Calico reads spaces and tabs only)"
    if rest[:1] in "\"'" and rest[0] not in rest[1:]:
        return column, "a string without its closing quote"
    if rest.startswith("=") and not rest.startswith("=="):
        return column, "'=' is not an operator (did you mean '=='?)"
    if rest.startswith("&") and not rest.startswith("&&"):
        return column, "'&' is not an operator (did you mean '&&'?)"
    if rest.startswith("|") and not rest.startswith("||"):
        return column, "'|' is not an operator (did you mean '||'?)"
    label_before = _word(before[::-1])[::-1]
    if rest.startswith("(") and label_before:
        if f"{label_before}(" in _FUNCTIONS:
            return column, f"write {label_before}( with no space before the '('"
        hint = _did_you_mean(label_before + "(", _FUNCTIONS, ")")
        return column - (len(text[:column - 1]) - len(before)) - len(label_before), (
            f"{label_before}() is not a selector function{hint}; the functions are has(label), all() and global()")
    if word in _CONNECTIVES:
        return column, f"{word!r} is not an operator here (did you mean '{_CONNECTIVES[word]}'?)"
    after_label = bool(label_before) and not before.endswith(("'", '"'))
    if word and after_label and isinstance(exc, (UnexpectedCharacters, UnexpectedToken)):
        two = " ".join(rest.split()[:2])
        guess = _did_you_mean(two, _OPERATORS, "") or _did_you_mean(word, _OPERATORS, "")
        return column, f"expected an operator after label {label_before!r}, found {word!r}{guess}"
    if isinstance(exc, UnexpectedToken):
        found = exc.token.type
        if found == "LABEL" and exc.expected and "STRING" in exc.expected:
            return column, f"expected a quoted string (\"...\" or '...'), found {str(exc.token)!r}"
        return column, f"unexpected {str(exc.token)!r}: {_expected(exc.expected)}"
    return column, f"unexpected character {rest[:1]!r}: {_expected(getattr(exc, 'allowed', None) or set())}"


def _word(text: str) -> str:
    out = []
    for ch in text:
        if ch.isalnum() or ch in "_./-":
            out.append(ch)
        else:
            break
    return "".join(out)


def _did_you_mean(word: str, choices: tuple[str, ...], suffix: str) -> str:
    close = difflib.get_close_matches(word, choices, n=1, cutoff=0.6)
    return f" (did you mean {close[0] + suffix!r}?)" if close else ""


_NAMES = {
    "LABEL": "a label", "STRING": "a quoted string", "HAS": "has(", "ALL": "all(", "GLOBAL": "global(",
    "NOT": "!", "_LPAR": "(", "_RPAR": ")", "_LBRACE": "{", "_RBRACE": "}", "_COMMA": ",", "_EQ": "==",
    "_NE": "!=", "_AND": "&&", "_OR": "||", "_IN": "in", "_NOT_IN": "not in", "_CONTAINS": "contains",
    "_STARTS_WITH": "starts with", "_ENDS_WITH": "ends with", "$END": "the end",
}


def _expected(expected: object) -> str:
    names = sorted({_NAMES.get(str(e), str(e)) for e in (expected or ())})  # type: ignore[union-attr]
    return "expected " + ", ".join(names) if names else "not a selector"
