"""Solver limits through the command: --timeout and --rlimit per check, --max-time for the run. When one runs out
the property is unknown (exit 3, failing closed), never proven, and the reason names the limit that ran out."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import z3
from typer.testing import CliRunner

from netverify.cli import app
from netverify.smt.session import SolverSession

ROOT = Path(__file__).resolve().parent.parent
ISOLATION = str(ROOT / "properties" / "isolation.yaml")
runner = CliRunner()


def prove(*args: str):
    result = runner.invoke(app, ["prove", ISOLATION, "--format", "json", *args])
    return result, json.loads(result.stdout) if result.stdout else None


def test_an_rlimit_that_runs_out_is_unknown_and_named_as_the_resource_limit():
    result, report = prove("--rlimit", "1")
    assert result.exit_code == 3
    assert {r["status"] for r in report["results"]} == {"unknown"}
    for r in report["results"]:
        assert "resource limit reached (rlimit 1)" in r["reason"] and "timeout" not in r["reason"], r


def test_a_run_budget_that_runs_out_leaves_properties_unknown_naming_max_time():
    result, report = prove("--max-time", "0.001")
    assert result.exit_code == 3
    unknown = [r for r in report["results"] if r["status"] == "unknown"]
    assert unknown and all("--max-time" in r["reason"] for r in unknown)
    assert report["results"][-1]["status"] == "unknown"  # ten properties never fit in a millisecond


def test_generous_limits_change_nothing():
    plain, _ = prove()
    limited, report = prove("--timeout", "60", "--rlimit", "100000000", "--max-time", "600")
    assert plain.exit_code == limited.exit_code == 1
    assert report["summary"]["unknown"] == 0


class _GivesUp:
    """Stands in for z3's answer: unknown, with the raw reason z3 gives (z3 says "canceled" for both limits)."""

    def __init__(self, monkeypatch, raw: str) -> None:
        monkeypatch.setattr(z3.Solver, "check", lambda self, *a: z3.unknown)
        monkeypatch.setattr(z3.Solver, "reason_unknown", lambda self: raw)


@pytest.mark.parametrize("raw", ["timeout", "canceled"])
def test_a_timeout_is_named_with_the_budget_given_on_the_command_line(monkeypatch, raw):
    _GivesUp(monkeypatch, raw)
    result, report = prove("--timeout", "2.5")
    assert result.exit_code == 3
    assert all("solver timeout after 2500 ms" in r["reason"] for r in report["results"])


def test_giving_up_before_the_timeout_with_an_rlimit_set_is_the_rlimit(monkeypatch):
    _GivesUp(monkeypatch, "canceled")
    result, report = prove("--timeout", "30", "--rlimit", "7")
    assert result.exit_code == 3
    assert all("resource limit reached (rlimit 7)" in r["reason"] for r in report["results"])


def test_an_unexplained_give_up_is_unknown_with_z3s_words(monkeypatch):
    _GivesUp(monkeypatch, "incomplete quantifiers")
    result, report = prove()
    assert result.exit_code == 3
    assert all("incomplete quantifiers" in r["reason"] for r in report["results"])


def test_the_session_names_the_limit_after_a_real_run_out():
    hard = SolverSession(timeout_ms=1)
    x, y = hard.int("x"), hard.int("y")
    hard.add(x * x * x + y * y * y == 12345678910111213, x > 5, y > 5)
    assert hard.check().reason == "solver timeout after 1 ms"
    limited = SolverSession(timeout_ms=60_000, rlimit=1)
    a, b = limited.int("a"), limited.int("b")
    limited.add(a * a * a + b * b * b == 12345678910111213, a > 5, b > 5)
    assert limited.check().reason == "solver resource limit reached (rlimit 1)"
