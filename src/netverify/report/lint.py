"""`lint` in every format: each finding at file:line with its check, severity and (where one applies) witness.
SARIF has one rule per check (findings.LINT_CHECKS), JUnit one test case per finding."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from netverify.findings import LINT_CHECKS, LintFinding, LintReport
from netverify.report import json as json_report
from netverify.report import junit, markdown, sarif, words
from netverify.report.sarif_paths import SourceRoot


def summary(r: LintReport) -> str:
    if not r.findings:
        return "no findings"
    counts = [f"{r.count(s)} {s}{'' if r.count(s) == 1 else 's'}" for s in ("error", "warning", "note") if r.count(s)]
    return ", ".join(counts)


def _witness_lines(f: LintFinding) -> list[str]:
    if f.witness is None:
        return []
    return [f"witness: {words.connection_headline(f.witness)}",
            *("  " + line for line in words.connection_lines(f.witness))]


def render_text(r: LintReport, *, color: bool = False) -> str:
    out = [*words.trust_lines(r.unknown_reason, r.caveats)]
    for f in r.findings:
        out.append(f"{f.span}: {f.severity} {f.rule_id} {f.check}: {f.message}")
        out += [f"  see also {s}" for s in f.related]
        out += ["  " + line for line in _witness_lines(f)]
    out.append(f"lint: {summary(r)}")
    return "\n".join(out) + "\n"


def render_json(r: LintReport, *, color: bool = False) -> str:
    return json_report.dumps({
        "summary": {s: r.count(s) for s in ("error", "warning", "note")},
        "findings": [{
            "check": f.check, "rule_id": f.rule_id, "severity": f.severity, "message": f.message,
            "file": f.span.file, "line": f.span.line,
            "related": [{"file": s.file, "line": s.line} for s in f.related],
            "witness": json_report.connection_witness_dict(f.witness) if f.witness is not None else None,
        } for f in r.findings],
        "notes": list(r.notes),
        "unknown_reason": r.unknown_reason,
        "caveats": list(r.caveats),
    })


def render_markdown(r: LintReport, *, color: bool = False) -> str:
    icon = "❓" if r.unknown_reason else "❌" if r.count("error") else "⚠️" if r.count("warning") else "✅"
    out = [f"### {icon} netverify lint: {markdown.cell(summary(r))}"]
    if r.unknown_reason:
        out += ["", f"> **❓ unknown (fails closed):** {markdown.cell(r.unknown_reason)}"]
    if r.findings:
        out += ["", "| where | severity | check | finding |", "| --- | --- | --- | --- |"]
        out += [f"| {markdown.code(str(f.span))} | {f.severity} | {f.rule_id} {f.check} | {markdown.cell(f.message)} |"
                for f in r.findings]
    out += [f"\n> note: {markdown.cell(n)}" for n in r.notes]
    return "\n".join(out) + "\n"


def render_sarif(r: LintReport, *, color: bool = False, root: SourceRoot | None = None) -> str:
    rules = [{"id": rule_id, "name": name, "shortDescription": {"text": short},
              "defaultConfiguration": {"level": severity}} for name, rule_id, severity, short in LINT_CHECKS]
    index = {rule["id"]: i for i, rule in enumerate(rules)}
    results = []
    for f in r.findings:
        primary, related = sarif._locations([f.span, *f.related], root)
        text = f.message + (f" Witness: {words.connection_headline(f.witness)}" if f.witness else "")
        result: sarif.Json = {"ruleId": f.rule_id, "ruleIndex": index[f.rule_id], "level": f.severity,
                              "message": {"text": text},
                              "partialFingerprints": {"netverify/v1": f"lint:{f.check}:{f.span}:{f.message}"}}
        if primary:
            result["locations"] = primary
        if related:
            result["relatedLocations"] = related
        results.append(result)
    log = sarif._log(results, r.notes, r.caveats, root)
    log["runs"][0]["tool"]["driver"]["rules"] = rules
    if r.unknown_reason:
        log["runs"][0]["invocations"][0].setdefault("toolExecutionNotifications", []).insert(
            0, {"message": {"text": f"lint result unknown: {r.unknown_reason}"}, "level": "error"})
    return sarif._dump(log)


def render_junit(r: LintReport, *, color: bool = False) -> str:
    suite = ET.Element("testsuite", {"name": "netverify lint"})
    counts = {"failures": 0, "errors": 0, "skipped": 0}
    for f in r.findings:
        case = junit._case(suite, f"netverify.lint.{f.check}", f"{f.span}: {f.rule_id}")
        case.set("file", f.span.file)
        if f.severity == "note":
            ET.SubElement(case, "system-out").text = f.message
        else:
            ET.SubElement(case, "failure", {"type": f.check, "message": f.message}).text = junit._text(
                [f.message, *_witness_lines(f)])
            counts["failures"] += 1
    tests = len(r.findings)
    if r.unknown_reason:
        tests += 1
        case = junit._case(suite, "netverify.lint", "policy kinds not modelled")
        ET.SubElement(case, "error", {"type": "unknown", "message": r.unknown_reason})
        counts["errors"] += 1
    if tests == 0:
        tests = 1
        junit._case(suite, "netverify.lint", "no findings")
    return junit._document(suite, counts, tests, 0.0)
