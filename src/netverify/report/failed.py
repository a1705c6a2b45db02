"""Every format for a run that stopped on an error (findings.FailedRun): the error, where CI shows reports.

A CI job that uploads SARIF, publishes JUnit and posts the markdown would otherwise show nothing (or the last
run's report) when a manifest has a typo. Each format carries the error in its own place: a SARIF result and
a tool notification at file:line with `executionSuccessful: false`, a JUnit error test case, a markdown error
block, a JSON `error` object. None of them can be mistaken for a pass.
"""

from __future__ import annotations

import csv
import io
import json as _json
import xml.etree.ElementTree as ET

from netverify.findings import FailedRun, RunProblem
from netverify.model.span import Span
from netverify.report import sarif
from netverify.report.junit import _document
from netverify.report.markdown import _fence
from netverify.report.sarif_paths import SourceRoot

_WHAT = {"input": "bad input", "internal": "internal error"}


def headline(f: FailedRun) -> str:
    return f"netverify {f.command}: {_WHAT[f.kind]} (exit {f.exit_code}); nothing was checked"


def problem_lines(f: FailedRun) -> list[str]:
    return [p.text or p.message for p in f.problems]


def _span(p: RunProblem) -> Span | None:
    return Span(p.file, p.line or 0) if p.file else None


def render_text(f: FailedRun, *, color: bool = False) -> str:
    return "\n".join([headline(f), *problem_lines(f)]) + "\n"


def render_json(f: FailedRun, *, color: bool = False) -> str:
    doc = {
        "command": f.command,
        "error": {
            "kind": f.kind,
            "exit_code": f.exit_code,
            "problems": [{"file": p.file, "line": p.line, "field": p.field, "message": p.message}
                         for p in f.problems],
        },
    }
    return _json.dumps(doc, indent=2, ensure_ascii=False) + "\n"


def render_markdown(f: FailedRun, *, color: bool = False) -> str:
    what = "Fix the input below and push again." if f.kind == "input" else "This is a bug in netverify."
    out = [f"### ⛔ {headline(f)}", "", "> [!CAUTION]", f"> No property was proven or refuted. {what}", "",
           *_fence(problem_lines(f), "text")]
    return "\n".join(out) + "\n"


def render_sarif(f: FailedRun, *, color: bool = False, root: SourceRoot | None = None) -> str:
    results, notifications = [], []
    for i, p in enumerate(f.problems):
        span = _span(p)
        spans = [span] if span is not None else []
        results.append(sarif._result("NV005", p.text or p.message, spans, f"error:{f.command}:{i}", root))
        note: dict = {"message": {"text": p.text or p.message}, "level": "error"}
        located, _related = sarif._locations(spans, root)
        if located:
            note["locations"] = located
        notifications.append(note)
    log = sarif._log(results, (), (), root)
    invocation = log["runs"][0]["invocations"][0]
    invocation["executionSuccessful"] = False
    invocation["toolExecutionNotifications"] = notifications
    return sarif._dump(log)


def render_junit(f: FailedRun, *, color: bool = False) -> str:
    suite = ET.Element("testsuite", {"name": f"netverify {f.command}"})
    for p in f.problems:
        where = p.file if p.line is None else f"{p.file}:{p.line}"
        case = ET.SubElement(suite, "testcase", {"classname": f"netverify.{f.command}",
                                                 "name": f"{_WHAT[f.kind]}: {where}" if p.file else _WHAT[f.kind],
                                                 "time": "0.000"})
        if p.file:
            case.set("file", p.file)
            if p.line:
                case.set("line", str(p.line))
        error = ET.SubElement(case, "error", {"type": f"{f.kind}-error", "message": p.message})
        error.text = (p.text or p.message) + "\n"
    counts = {"failures": 0, "errors": len(f.problems), "skipped": 0}
    return _document(suite, counts, len(f.problems), 0.0)


def render_csv(f: FailedRun, *, color: bool = False) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(["error", "file", "line", "field", "message"])
    for p in f.problems:
        writer.writerow([f.kind, p.file or "", p.line or "", p.field or "", p.message])
    return buf.getvalue()


def render_dot(f: FailedRun, *, color: bool = False) -> str:
    label = "\\n".join(line.replace("\\", "\\\\").replace('"', '\\"') for line in [headline(f), *problem_lines(f)])
    return f'digraph netverify {{\n  label="{label}";\n  error [shape=box, color=red, label="{label}"];\n}}\n'


def render_html(f: FailedRun, *, color: bool = False) -> str:
    from netverify.report import html

    return html.render_failed(f, headline(f), problem_lines(f))


RENDERERS = {
    "text": render_text, "json": render_json, "markdown": render_markdown, "sarif": render_sarif,
    "junit": render_junit, "csv": render_csv, "dot": render_dot, "html": render_html,
}
