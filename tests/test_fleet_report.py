"""A fleet's report in every format: a section per cluster made by the prove renderers, SARIF one run per
cluster, JUnit one testsuite per cluster, and a cluster that could not be proven fails closed in each."""

from __future__ import annotations

import dataclasses
import json
import xml.etree.ElementTree as ET

from hypothesis import given, settings
from hypothesis import strategies as st

import report_fixtures as fx
from netverify.cli.fleet import fleet_exit_code, stderr_notes
from netverify.findings import FleetReport, FleetSection, ProveReport
from netverify.report import COMMAND_FORMATS, render
from netverify.report import json as json_report
from test_report_any_result import check_parses, names, prove_reports

PASSING = dataclasses.replace(fx.PROVE, results=tuple(r for r in fx.PROVE.results if r.status == "proven"))
DEAD = "the Ray task loading cluster 'gone' failed 3 times (WorkerCrashedError: its worker or node died)"
FLEET = FleetReport("fleet.yaml", "local", (
    FleetSection("prod", "clusters/prod", fx.PROVE),
    FleetSection("staging", "git:main:clusters/staging", PASSING),
))
WITH_DEAD = dataclasses.replace(FLEET, sections=(*FLEET.sections,
                                                 FleetSection("gone", "clusters/gone", ProveReport("p.yaml", ()), DEAD)))


def test_text_has_each_clusters_prove_report_and_the_fleets_summary():
    out = render(FLEET, "text")
    prod, staging = out.split("=== cluster staging")
    assert prod.startswith("=== cluster prod (clusters/prod): UNKNOWN")
    assert render(fx.PROVE, "text") in prod  # the prove renderer's own section, unchanged
    assert render(PASSING, "text") in staging and staging.startswith(" (git:main:clusters/staging): PASSED")
    assert out.splitlines()[-1] == ("fleet fleet.yaml: UNKNOWN: 2 clusters: 1 passed, 0 failed, 1 unknown; "
                                    "9 properties: 4 proven, 2 violated, 2 vacuous, 1 unknown")


def test_json_has_a_section_per_cluster_shaped_like_prove():
    doc = json.loads(render(FLEET, "json"))
    assert [c["name"] for c in doc["clusters"]] == ["prod", "staging"]
    prod = doc["clusters"][0]
    assert {k: prod[k] for k in json_report.prove_dict(fx.PROVE)} == json.loads(render(fx.PROVE, "json"))
    assert prod["verdict"] == "unknown" and doc["clusters"][1]["verdict"] == "passed"
    assert doc["summary"]["clusters"] == {"passed": 1, "failed": 0, "unknown": 1}


def test_sarif_has_one_run_per_cluster_each_proves_own():
    log = json.loads(render(WITH_DEAD, "sarif"))
    runs = log["runs"]
    assert [r["automationDetails"]["id"] for r in runs] == ["netverify/fleet/prod/", "netverify/fleet/staging/",
                                                             "netverify/fleet/gone/"]
    assert runs[0]["results"] == json.loads(render(fx.PROVE, "sarif"))["runs"][0]["results"]
    (dead,) = runs[2]["results"]
    rules = runs[2]["tool"]["driver"]["rules"]
    assert dead["ruleId"] == "NV006" and rules[dead["ruleIndex"]]["id"] == "NV006" and dead["level"] == "error"


def test_junit_has_one_testsuite_per_cluster_and_the_totals():
    root = ET.fromstring(render(WITH_DEAD, "junit"))
    suites = root.findall("testsuite")
    assert [s.get("name") for s in suites] == ["netverify fleet prod", "netverify fleet staging",
                                               "netverify fleet gone"]
    prod = ET.fromstring(render(fx.PROVE, "junit")).find("testsuite")
    assert [c.get("name") for c in suites[0]] == [c.get("name") for c in prod.iter("testcase")]
    assert {c.get("classname") for c in suites[0].iter("testcase")} == {"netverify.fleet.prod"}
    (dead,) = suites[2].iter("testcase")
    assert dead.find("error").get("message") == DEAD
    for key in ("tests", "failures", "errors", "skipped"):
        assert int(root.get(key)) == sum(int(s.get(key)) for s in suites)
    assert int(root.get("errors")) == 1 + 1  # prod's unknown property and the dead cluster


def test_markdown_has_the_cluster_table_and_each_clusters_prove_section():
    out = render(WITH_DEAD, "markdown")
    assert out.startswith("## ❓ netverify fleet: unknown (fails closed)")
    assert "| `staging` | ✅ passed | 2 | 0 | 0 | 0 |" in out
    assert render(PASSING, "markdown").rstrip("\n") in out
    assert DEAD in out


def test_a_cluster_that_could_not_be_proven_fails_closed():
    assert fleet_exit_code(FleetReport("f", "ray", (FleetSection("ok", "x", PASSING),)), strict=False) == 0
    assert fleet_exit_code(WITH_DEAD, strict=False) == 3
    failing = dataclasses.replace(fx.PROVE, results=tuple(r for r in fx.PROVE.results if r.status != "unknown"))
    assert fleet_exit_code(FleetReport("f", "local", (FleetSection("a", "x", failing),
                                                      FleetSection("b", "x", PASSING))), strict=False) == 1


def test_notes_for_stderr_say_which_cluster():
    notes = stderr_notes(FLEET)
    assert notes == tuple(f"cluster prod: {n}" for n in fx.PROVE.notes) + tuple(
        f"cluster staging: {n}" for n in PASSING.notes)


sections = st.builds(FleetSection, names, names, prove_reports, st.none() | names)
fleets = st.builds(FleetReport, names, st.sampled_from(["local", "ray"]), st.lists(sections, max_size=3).map(tuple))


@settings(max_examples=30, deadline=None)
@given(fleets)
def test_any_fleet_report_renders_in_every_format(report):
    for fmt in COMMAND_FORMATS["fleet"]:
        check_parses(fmt, render(report, fmt))
