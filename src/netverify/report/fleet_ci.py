"""A fleet's report for CI: SARIF with one run per cluster, JUnit with one testsuite per cluster.

Each cluster's part is what `prove --format sarif|junit` gives for that cluster alone (the prove renderers
themselves), labelled with the cluster: a SARIF run's `automationDetails.id` is `netverify/fleet/NAME/` (code
scanning keeps each cluster's alerts apart), a JUnit suite is `netverify fleet NAME` with test cases of class
`netverify.fleet.NAME`. A cluster that could not be proven at all is an error in both (fails closed).
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET

from netverify.findings import FleetReport, FleetSection
from netverify.report import junit, sarif
from netverify.report.fleet import section_title
from netverify.report.sarif_paths import SourceRoot

_COUNTS = ("tests", "failures", "errors", "skipped")


# A fleet's own rule, beside prove's (rule ids are a contract: never renumbered, only added).
CLUSTER_UNKNOWN = ("NV006", "cluster-unknown", "A cluster of a fleet could not be proven at all (its loading "
                   "failed on every try); treat as failed.", "error")


def _run(s: FleetSection, root: SourceRoot | None) -> sarif.Json:
    (run,) = json.loads(sarif.render_prove(s.report, root=root))["runs"]
    run["automationDetails"] = {"id": f"netverify/fleet/{s.name}/", "description": {"text": section_title(s)}}
    rules = run["tool"]["driver"]["rules"]
    rule_id, name, short, level = CLUSTER_UNKNOWN
    rules.append({"id": rule_id, "name": name, "shortDescription": {"text": short},
                  "defaultConfiguration": {"level": level}})
    if s.unknown_reason is not None:
        run["results"].insert(0, {
            "ruleId": rule_id, "ruleIndex": len(rules) - 1, "level": level,
            "message": {"text": f"cluster {s.name}: not proven: {s.unknown_reason}"},
            "partialFingerprints": {"netverify/v1": f"cluster:{s.name}"},
        })
    return run


def render_sarif(report: FleetReport, *, color: bool = False, root: SourceRoot | None = None) -> str:
    runs = [_run(s, root) for s in report.sections]
    if report.notes and runs:
        notes = [{"message": {"text": n}, "level": "note"} for n in report.notes]
        runs[0]["invocations"][0].setdefault("toolExecutionNotifications", []).extend(notes)
    log = {"$schema": sarif.SCHEMA_URI, "version": "2.1.0", "runs": runs}
    return json.dumps(log, indent=2, ensure_ascii=False) + "\n"


def _suite(s: FleetSection) -> ET.Element:
    suite = ET.fromstring(junit.render_prove(s.report).split("\n", 1)[1]).find("testsuite")
    assert suite is not None  # render_prove always writes one testsuite
    suite.set("name", f"netverify fleet {s.name}")
    for case in suite.iter("testcase"):
        case.set("classname", f"netverify.fleet.{s.name}")
    if s.unknown_reason is not None:
        case = ET.Element("testcase", {"classname": f"netverify.fleet.{s.name}", "name": "cluster", "time": "0.000"})
        ET.SubElement(case, "error", {"type": "unknown", "message": s.unknown_reason}).text = section_title(s)
        suite.insert(0, case)
        for key in ("tests", "errors"):
            suite.set(key, str(int(suite.get(key, "0")) + 1))
    return suite


def render_junit(report: FleetReport, *, color: bool = False) -> str:
    suites = [_suite(s) for s in report.sections]
    totals = {key: sum(int(s.get(key, "0")) for s in suites) for key in _COUNTS}
    seconds = sum(float(s.get("time", "0")) for s in suites)
    root = ET.Element("testsuites", {"name": f"netverify fleet {report.fleet_file}",
                                     **{k: str(v) for k, v in totals.items()}, "time": f"{seconds:.3f}"})
    root.extend(suites)
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
