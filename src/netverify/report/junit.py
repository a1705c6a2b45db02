"""JUnit XML for CI test dashboards: one test case per property (prove) or per change (diff).

A violated or non-allowed vacuous property is a <failure>; unknown is an <error> (it fails closed);
an allowed vacuous property is <skipped>. For diff, newly allowed connections fail and newly blocked
ones pass with the details in <system-out> (blocking more is rarely what a gate is for).

XML 1.0 cannot carry most control characters, lone surrogates or U+FFFE/U+FFFF at all (not even as
character references), and a name or message may hold them: they are written as visible escapes
(`\\x01`, `\\ud800`) so the document stays well-formed and the reader still sees what was there.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from netverify.findings import DiffReport, PropertyResult, ProveReport
from netverify.report import words

# Tab, newline and carriage return are XML characters; DEL is one too, but invisible and "discouraged".
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff\ufffe\uffff]")


def _visible(text: str) -> str:
    def escape(m: re.Match[str]) -> str:
        code = ord(m.group())
        return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"
    return _NOT_XML.sub(escape, text)


def _make_well_formed(root: ET.Element) -> None:
    for el in root.iter():
        if el.text:
            el.text = _visible(el.text)
        if el.tail:
            el.tail = _visible(el.tail)
        for key, value in list(el.attrib.items()):
            el.set(key, _visible(value))


def _text(lines: list[str]) -> str:
    return "\n".join(lines) + "\n"


def _case(suite: ET.Element, classname: str, name: str, seconds: float = 0.0) -> ET.Element:
    return ET.SubElement(suite, "testcase", {"classname": classname, "name": name, "time": f"{seconds:.3f}"})


def _property_case(suite: ET.Element, classname: str, r: PropertyResult) -> str | None:
    case = _case(suite, classname, r.name, r.duration_ms / 1000)
    case.set("file", r.span.file)
    if r.span.line:
        case.set("line", str(r.span.line))
    body = _text([f"{r.name}: {r.status} (expect {r.expect}, scope {r.scope}) at {r.span}", *words.property_body(r),
                  *words.warning_lines(r)])
    _caveat_properties(case, r.caveats)
    if r.status == "unknown":
        ET.SubElement(case, "error", {"type": "unknown", "message": r.reason or "unknown"}).text = body
        return "errors"
    if r.fails:
        message = words.connection_headline(r.counterexample) if r.counterexample else (r.reason or r.status)
        ET.SubElement(case, "failure", {"type": r.status, "message": message}).text = body
        return "failures"
    if r.status == "vacuous":
        ET.SubElement(case, "skipped", {"message": "vacuous (allowed by the property)"})
        return "skipped"
    if r.witness is not None or r.warnings or r.caveats:  # a passing case still shows its typos and caveats
        ET.SubElement(case, "system-out").text = body
    return None


def _caveat_properties(parent: ET.Element, caveats: tuple[str, ...]) -> None:
    """Accepted risks as <properties> (CI dashboards show them; the body repeats them in words)."""
    if caveats:
        props = ET.SubElement(parent, "properties")
        for c in caveats:
            ET.SubElement(props, "property", {"name": "caveat", "value": c})


def _document(suite: ET.Element, counts: dict[str, int], tests: int, seconds: float) -> str:
    attrs = {"tests": str(tests), **{k: str(v) for k, v in counts.items()}, "time": f"{seconds:.3f}"}
    suite.attrib.update(attrs)
    root = ET.Element("testsuites", {"name": "netverify", **attrs})
    root.append(suite)
    _make_well_formed(root)
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


def render_prove(report: ProveReport, *, color: bool = False) -> str:
    suite = ET.Element("testsuite", {"name": f"netverify prove {report.properties_file}"})
    counts = {"failures": 0, "errors": 0, "skipped": 0}
    for r in report.results:
        outcome = _property_case(suite, "netverify.prove", r)
        if outcome:
            counts[outcome] += 1
    for o in report.overlaps:
        # a warning, not a failed property: shown, never failing the suite
        case = _case(suite, "netverify.overlap", words.overlap_title(o))
        ET.SubElement(case, "system-out").text = _text(words.overlap_lines(o))
    seconds = sum(r.duration_ms for r in report.results) / 1000
    return _document(suite, counts, len(report.results) + len(report.overlaps), seconds)


def render_diff(d: DiffReport, *, color: bool = False) -> str:
    suite = ET.Element("testsuite", {"name": f"netverify diff {d.base} {d.head}"})
    _caveat_properties(suite, d.caveats)
    counts = {"failures": 0, "errors": 0, "skipped": 0}
    tests = 0
    if d.unknown_reason:
        tests += 1
        case = _case(suite, "netverify.diff", "policy kinds not modelled")
        ET.SubElement(case, "error", {"type": "unknown", "message": d.unknown_reason})
        counts["errors"] += 1
    for c in d.changes:
        tests += 1
        case = _case(suite, "netverify.diff.pair", words.change_title(c))
        body = _text(words.change_lines(c))
        if c.added:
            ET.SubElement(case, "failure", {"type": "connection-added",
                                            "message": f"newly allowed: {words.ports_text(c.added)}"}).text = body
            counts["failures"] += 1
        else:
            ET.SubElement(case, "system-out").text = body
    for c in d.new_workloads:
        tests += 1
        case = _case(suite, "netverify.diff.new-workload", words.change_title(c))
        ET.SubElement(case, "system-out").text = _text(words.new_workload_lines(c))
    for a in d.added_classes:
        tests += 1
        case = _case(suite, "netverify.diff.class", a.summary)
        ET.SubElement(case, "failure", {"type": "connection-added", "message": a.summary}).text = _text(
            words.added_class_lines(a))
        counts["failures"] += 1
    if d.symbolic_status == "unknown":
        tests += 1
        case = _case(suite, "netverify.diff", "pods that may not exist yet")
        ET.SubElement(case, "error", {"type": "unknown", "message": words.SYMBOLIC_NOTE["unknown"]})
        counts["errors"] += 1
    if tests == 0:
        tests = 1
        _case(suite, "netverify.diff", "no change in allowed connections")
    return _document(suite, counts, tests, 0.0)
