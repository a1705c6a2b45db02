"""SARIF 2.1.0: schema-valid, stable rule ids, results located at the responsible policy rule."""

from __future__ import annotations

import json
import os
from dataclasses import replace
from pathlib import Path

import pytest

import report_fixtures as fx
from netverify.findings import ProveReport
from netverify.model.span import Span
from netverify.report import render
from netverify.report.sarif import artifact_uri

SCHEMA = Path(__file__).resolve().parents[2] / "shared" / "schemas" / "sarif-schema-2.1.0.json"


def sarif(result):
    return json.loads(render(result, "sarif"))


@pytest.mark.parametrize("result", [fx.PROVE, fx.ALL_PROVEN, fx.DIFF, fx.NO_DIFF, fx.UNKNOWN_DIFF],
                         ids=["prove", "all-proven", "diff", "no-diff", "unknown-diff"])
def test_valid_against_the_sarif_schema(result):
    if not SCHEMA.exists():
        pytest.skip(f"SARIF schema not found at {SCHEMA} (../shared is absent)")
    jsonschema = pytest.importorskip("jsonschema")
    jsonschema.validate(sarif(result), json.loads(SCHEMA.read_text()))


def test_rule_ids_are_stable():
    rules = sarif(fx.PROVE)["runs"][0]["tool"]["driver"]["rules"]
    assert [(r["id"], r["name"]) for r in rules] == [
        ("NV001", "property-violated"), ("NV002", "property-vacuous"), ("NV003", "property-unknown"),
        ("NV101", "connection-added"), ("NV102", "connection-removed"), ("NV201", "property-unknown-name"), ("NV004", "result-unknown"),
        ("NV005", "input-error"), ("NV301", "same-priority-overlap"), ("NV401", "equiv-difference"),
        ("NV103", "new-workload-connection")]


def test_one_result_per_violated_vacuous_unknown_property():
    results = sarif(fx.PROVE)["runs"][0]["results"]
    assert [r["ruleId"] for r in results] == ["NV001", "NV001", "NV002", "NV002", "NV003"]
    assert [r["level"] for r in results] == ["error", "error", "error", "note", "error"]
    assert sarif(fx.ALL_PROVEN)["runs"][0]["results"] == []


def _where(result):
    loc = result["locations"][0]["physicalLocation"]
    return loc["artifactLocation"]["uri"], loc.get("region", {}).get("startLine")


def test_violation_points_at_the_rule_that_lets_it_through_and_blocked_at_the_isolating_policy():
    results = sarif(fx.PROVE)["runs"][0]["results"]
    assert _where(results[0]) == ("examples/shop/policies.yaml", 21)
    assert _where(results[1]) == ("examples/shop/web.yaml", 30)
    related = [r["physicalLocation"]["region"]["startLine"] for r in results[0]["relatedLocations"]]
    assert 4 in related  # the property itself is related


def test_no_rule_responsible_falls_back_to_the_property_line():
    results = sarif(fx.PROVE)["runs"][0]["results"]
    assert _where(results[2]) == ("properties/isolation.yaml", 28)


def test_diff_results_for_added_pairs_removed_pairs_and_added_classes():
    results = sarif(fx.DIFF)["runs"][0]["results"]
    assert [r["ruleId"] for r in results] == ["NV101", "NV102", "NV101"]
    assert _where(results[0]) == ("examples/shop/policies.yaml", 21)
    assert _where(results[1]) == ("examples/shop/web.yaml", 40)


def test_notes_become_tool_notifications():
    notes = sarif(fx.PROVE)["runs"][0]["invocations"][0]["toolExecutionNotifications"]
    assert [n["message"]["text"] for n in notes] == list(fx.PROVE.notes)


def test_uris_are_relative_and_non_files_have_no_location(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert artifact_uri(str(tmp_path / "dir" / "a b.yaml")) == "dir/a%20b.yaml"
    assert artifact_uri("x/y.yaml") == "x/y.yaml"
    assert artifact_uri("<stdin>") is None
    outside = artifact_uri(os.path.abspath(os.sep + "elsewhere.yaml"))
    assert outside is not None and outside.startswith("file:///")
    stdin_only = ProveReport("-", (replace(fx.prop("p", "vacuous"), span=Span("<stdin>", 3)),))
    assert "locations" not in sarif(stdin_only)["runs"][0]["results"][0]
