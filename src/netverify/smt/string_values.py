"""Representative label values for Calico's string tests (`contains`, `starts with`, `ends with`).

A label universe (smt/universe.py) gives each key the values selectors name plus one fresh value; that is exact
for equality tests, where every unnamed value behaves alike. String tests tell unnamed values apart: for each
combination of tests on a key that some value passes (and fails the rest), the universe needs one value that
does so and that no selector names. `representatives` builds one per combination: the longest wanted prefix,
the wanted parts and the longest wanted suffix, each separated by a filler character that occurs in no tested
string. An occurrence of a tested string then lies inside one piece, so the value passes exactly the tests that
every value with those pieces passes: if it fails to realise a combination, no value does (exact). Values a
pod cannot carry (not valid label values, e.g. over 63 characters) are dropped by the universe's domain.
"""

from __future__ import annotations

from collections.abc import Iterable
from itertools import product

from netverify.model.calico_selector import Contains, EndsWith, StartsWith, StringTest

MAX_TESTS = 10  # 2^10 combinations per key; beyond that the caller says unknown
_FILLERS = "xyzqjkwvu0123456789abcdefghilmnoprst"


def passes(test: StringTest, value: str) -> bool:
    if isinstance(test, Contains):
        return test.part in value
    if isinstance(test, StartsWith):
        return value.startswith(test.prefix)
    return value.endswith(test.suffix)


def _text(test: StringTest) -> str:
    if isinstance(test, Contains):
        return test.part
    return test.prefix if isinstance(test, StartsWith) else test.suffix


def _filler(tests: Iterable[StringTest]) -> str:
    used = "".join(_text(t) for t in tests)
    return next((c for c in _FILLERS if c not in used), "x")


def _candidate(wanted: list[StringTest], x: str, gap: int = 1) -> str | None:
    starts = sorted((t.prefix for t in wanted if isinstance(t, StartsWith)), key=len)
    ends = sorted((t.suffix for t in wanted if isinstance(t, EndsWith)), key=len)
    if any(not starts[-1].startswith(p) for p in starts) or any(not ends[-1].endswith(s) for s in ends):
        return None  # two wanted prefixes (or suffixes) that disagree: no value has both
    parts = sorted({t.part for t in wanted if isinstance(t, Contains)})
    head = starts[-1] if starts else x
    tail = ends[-1] if ends else x
    return (x * gap).join([head, *parts, tail])


def representatives(tests: Iterable[StringTest], named: Iterable[str]) -> set[str]:
    """One value per realisable combination of `tests`, none of them in `named`."""
    tests = list(dict.fromkeys(tests))
    if len(tests) > MAX_TESTS:
        raise ValueError(f"{len(tests)} string tests on one label key (at most {MAX_TESTS} are modelled)")
    taken = set(named)
    x = _filler(tests)
    out: set[str] = set()
    seen: set[tuple[bool, ...]] = set()
    for signs in product((True, False), repeat=len(tests)):
        wanted = [t for t, s in zip(tests, signs) if s]
        value, gap = _candidate(wanted, x), 1
        if value is None:
            continue
        while value in taken:  # a value a selector names is its own case: use an unnamed one
            gap += 1
            value = _candidate(wanted, x, gap)
        signature = tuple(passes(t, value) for t in tests)
        if signature != signs or signature in seen:
            continue
        seen.add(signature)
        out.add(value)
    return out
