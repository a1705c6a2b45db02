"""The solver session: sat/unsat/unknown with reasons, fresh state per session, z3 confined to smt/."""

from __future__ import annotations

import re
from pathlib import Path

import z3

from netverify.smt.session import SolverSession

SRC = Path(__file__).resolve().parents[1] / "src" / "netverify"


def _hard(session: SolverSession) -> None:
    x, y = session.int("x"), session.int("y")
    session.add(x * x * x + y * y * y == 12345678910111213, x > 5, y > 5)


def test_sat_gives_a_model_and_unsat_gives_none():
    s = SolverSession()
    x = s.int("x")
    s.add(x > 3)
    answer = s.check()
    assert answer.sat and answer.model.eval(x).as_long() > 3
    answer = s.check(x < 2)
    assert answer.unsat and answer.model is None


def test_a_tiny_timeout_is_unknown_with_the_reason_never_unsat():
    s = SolverSession(timeout_ms=1)
    _hard(s)
    answer = s.check()
    assert answer.verdict == "unknown"
    assert "timeout" in answer.reason


def test_a_tiny_rlimit_is_unknown_with_the_reason():
    s = SolverSession(rlimit=50)
    _hard(s)
    answer = s.check()
    assert answer.verdict == "unknown"
    assert "resource limit" in answer.reason


def test_sessions_do_not_share_state():
    a, b = SolverSession(), SolverSession()
    a.add(a.int("x") == 1, a.int("x") == 2)
    assert a.check().unsat
    assert b.check().sat


def test_helpers_simplify_constants():
    s = SolverSession()
    p = s.bool("p")
    assert z3.is_true(s.and_([]))
    assert z3.is_false(s.or_([]))
    assert z3.is_false(s.and_([p, s.false()]))
    assert z3.is_true(s.or_([p, s.true()]))
    assert s.and_([p, s.true()]).eq(p)


def test_only_the_smt_package_imports_z3():
    offenders = []
    for path in SRC.rglob("*.py"):
        if "smt" in path.relative_to(SRC).parts[:1]:
            continue
        if re.search(r"^\s*(import z3|from z3\b)", path.read_text(), re.MULTILINE):
            offenders.append(str(path.relative_to(SRC)))
    assert offenders == []
