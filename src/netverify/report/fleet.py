"""A fleet's report (text, JSON, markdown): a section per cluster, each what `prove` renders for that cluster
alone (the prove renderers themselves), then the fleet's summary. SARIF and JUnit are in fleet_ci.py.
"""

from __future__ import annotations

from typing import Literal

from netverify.findings import FleetReport, FleetSection
from netverify.report import json as json_report
from netverify.report import markdown, text

Verdict = Literal["passed", "failed", "unknown"]
_STATUSES = ("proven", "violated", "vacuous", "unknown")
_ICON = {"passed": "✅", "failed": "❌", "unknown": "❓"}


def cluster_verdict(s: FleetSection) -> Verdict:
    """Unknown wins over failed, as in prove's exit code: a gate fails closed."""
    if s.unknown:
        return "unknown"
    return "failed" if any(r.fails for r in s.report.results) else "passed"


def fleet_verdict(report: FleetReport) -> Verdict:
    verdicts = {cluster_verdict(s) for s in report.sections}
    return "unknown" if "unknown" in verdicts else "failed" if "failed" in verdicts else "passed"


def fleet_summary(report: FleetReport) -> str:
    n = len(report.sections)
    verdicts = [cluster_verdict(s) for s in report.sections]
    clusters = ", ".join(f"{verdicts.count(v)} {v}" for v in ("passed", "failed", "unknown"))
    props = sum(len(s.report.results) for s in report.sections)
    counts = ", ".join(f"{report.count(s)} {s}" for s in _STATUSES)
    return (f"{n} cluster{'' if n == 1 else 's'}: {clusters}; "
            f"{props} propert{'y' if props == 1 else 'ies'}: {counts}")


def section_title(s: FleetSection) -> str:
    return f"cluster {s.name} ({s.source})"


def render_text(report: FleetReport, *, color: bool = False) -> str:
    out = []
    for s in report.sections:
        out.append(f"=== {section_title(s)}: {cluster_verdict(s).upper()}\n")
        if s.unknown_reason is not None:
            out.append(f"UNKNOWN: {s.unknown_reason}\n")
        if s.report.results:
            out.append(text.render_prove(s.report, color=color))
        out.append("\n")
    out.append(f"fleet {report.fleet_file}: {fleet_verdict(report).upper()}: {fleet_summary(report)}\n")
    return "".join(out)


def section_dict(s: FleetSection) -> json_report.Json:
    return {"name": s.name, "source": s.source, "verdict": cluster_verdict(s), "unknown_reason": s.unknown_reason,
            **json_report.prove_dict(s.report)}


def fleet_dict(report: FleetReport) -> json_report.Json:
    verdicts = [cluster_verdict(s) for s in report.sections]
    return {
        "fleet_file": report.fleet_file,
        "verdict": fleet_verdict(report),
        "summary": {**{s: report.count(s) for s in _STATUSES},
                    "clusters": {v: verdicts.count(v) for v in ("passed", "failed", "unknown")}},
        "clusters": [section_dict(s) for s in report.sections],
        "engine": report.engine,
        "notes": list(report.notes),
    }


def render_json(report: FleetReport, *, color: bool = False) -> str:
    return json_report.dumps(fleet_dict(report))


def render_markdown(report: FleetReport, *, color: bool = False) -> str:
    verdict = fleet_verdict(report)
    word = "unknown (fails closed)" if verdict == "unknown" else verdict
    out = [f"## {_ICON[verdict]} netverify fleet: {word} — {fleet_summary(report)}", ""]
    out += ["| cluster | verdict | proven | violated | vacuous | unknown |", "| --- | --- | --- | --- | --- | --- |"]
    for s in report.sections:
        v = cluster_verdict(s)
        counts = " | ".join(str(s.report.count(st)) for st in _STATUSES)
        out.append(f"| {markdown.code(s.name)} | {_ICON[v]} {v} | {counts} |")
    for s in report.sections:
        out += ["", f"## {markdown.cell(section_title(s))}", ""]
        if s.unknown_reason is not None:
            out += [f"> **{_ICON['unknown']} unknown (fails closed):** {markdown.cell(s.unknown_reason)}", ""]
        if s.report.results:
            out.append(markdown.render_prove(s.report).rstrip("\n"))
    out += [f"> note: {markdown.cell(n)}" for n in report.notes]
    return "\n".join(out) + "\n"
