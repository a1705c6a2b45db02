"""Golden files for every renderer on the hand-made fixtures.

Regenerate after an intended output change with `NETVERIFY_UPDATE_GOLDEN=1 pytest tests/test_report_golden.py`
and review the diff like code.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

import report_fixtures as fx
from netverify.report import render

GOLDEN = Path(__file__).parent / "golden"
UPDATE = os.environ.get("NETVERIFY_UPDATE_GOLDEN") == "1"
EXT = {"text": "txt", "json": "json", "markdown": "md", "sarif": "sarif", "junit": "xml", "csv": "csv", "dot": "dot"}

CASES = [
    *[("prove", fx.PROVE, f) for f in ("text", "json", "markdown", "sarif", "junit")],
    *[("prove_all_proven", fx.ALL_PROVEN, f) for f in ("text", "markdown")],
    *[("prove_warned", fx.WARNED, f) for f in ("text", "json", "markdown", "sarif", "junit")],
    *[("map", fx.MAP, f) for f in ("text", "json", "csv", "markdown", "dot")],
    ("map_empty", fx.EMPTY_MAP, "text"),
    *[("explain_allowed", fx.EXPLAIN_ALLOWED, f) for f in ("text", "json")],
    ("explain_blocked", fx.EXPLAIN_BLOCKED, "text"),
    *[("diff", fx.DIFF, f) for f in ("text", "json", "markdown", "sarif", "junit")],
    *[("diff_none", fx.NO_DIFF, f) for f in ("text", "junit")],
    ("diff_unknown", fx.UNKNOWN_DIFF, "markdown"),
]


@pytest.mark.parametrize(("name", "result", "fmt"), CASES, ids=[f"{n}.{f}" for n, _, f in CASES])
def test_matches_golden(name, result, fmt):
    path = GOLDEN / f"{name}.{EXT[fmt]}"
    actual = render(result, fmt)
    if UPDATE:
        path.write_text(actual, encoding="utf-8")
    assert path.exists(), f"no golden file {path.name}: run with NETVERIFY_UPDATE_GOLDEN=1"
    assert actual == path.read_text(encoding="utf-8")


def test_no_orphan_golden_files():
    expected = {f"{n}.{EXT[f]}" for n, _, f in CASES}
    assert {p.name for p in GOLDEN.iterdir()} <= expected
