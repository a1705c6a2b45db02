"""`equiv A B` in every format: the verdict for existing workloads and for every possible pod, then what each
version allows that the other does not (pairs of existing workloads, and classes with a witness).

Each side of the report is a diff (findings.EquivReport); its added pairs and classes are that side's
"allowed only by" lists, so the wording here is equiv's own ("only A allows"), never diff's ("newly allowed").
"""

from __future__ import annotations

import xml.etree.ElementTree as ET

from netverify.findings import DiffReport, EquivReport
from netverify.report import json as json_report
from netverify.report import junit, markdown, sarif, words
from netverify.report.sarif_paths import SourceRoot

_EVERY_POD = {
    "equal": "equivalent",
    "differ": "DIFFERENT",
    "unknown": "UNKNOWN (the solver ran out of time; fails closed)",
    "skipped": "not checked (--scope existing)",
}


def verdict(r: EquivReport) -> str:
    """equivalent | contained | different | unknown: unknown wins unless a difference was found."""
    if r.differ:
        return "different"
    if r.unknown_reason is not None or r.every_pod_status == "unknown":
        return "unknown"
    return "contained" if r.contains else "equivalent"


def _question(r: EquivReport) -> str:
    return "does A allow only what B allows (A within B)?" if r.contains else "are A and B equivalent?"


def _sides(r: EquivReport) -> list[tuple[str, DiffReport]]:
    out = [(f"only A allows ({r.a})", r.a_only)]
    if r.b_only is not None:
        out.append((f"only B allows ({r.b})", r.b_only))
    return out


def _headline(r: EquivReport) -> str:
    if r.every_pod_status == "skipped" and verdict(r) in ("contained", "equivalent"):
        return "YES for existing workloads (pods that may not exist yet were not checked)"
    return {"different": "NO: they differ", "unknown": "UNKNOWN: not decided (fails closed)",
            "contained": "YES: A allows nothing B does not", "equivalent": "YES: equivalent"}[verdict(r)]


def _pair_lines(d: DiffReport) -> list[str]:
    lines = []
    for c in d.changes:
        lines.append(f"{words.change_title(c)}: {words.ports_text(c.added)}")
        if c.added_by:
            lines.append(f"  allowed by {words.rules_text(c.added_by)}")
    return lines


def _class_lines(d: DiffReport) -> list[str]:
    lines = []
    for a in d.added_classes:
        lines.append(a.summary)
        if a.opened_by:
            lines.append(f"  allowed by {words.rules_text(a.opened_by)}")
        lines.append(f"  witness: {words.connection_headline(a.witness)}")
        lines.extend("    " + line for line in words.connection_lines(a.witness))
    if d.more_classes:
        lines.append("... more classes exist (raise --max-witnesses to see them)")
    return lines


def render_text(r: EquivReport, *, color: bool = False) -> str:
    out = [f"A = {r.a}", f"B = {r.b}", f"{_question(r)} {_headline(r)}"]
    if r.unknown_reason:
        out.append(f"UNKNOWN: this result may be wrong: {r.unknown_reason}")
    out += [f"caveat: {c}" for c in r.caveats]
    out.append(f"  existing workloads:  {'DIFFERENT' if r.existing_differ else 'equivalent'}")
    out.append(f"  every possible pod:  {_EVERY_POD[r.every_pod_status]}")
    for title, d in _sides(r):
        pairs, classes = _pair_lines(d), _class_lines(d)
        if not pairs and not classes:
            continue
        out += ["", f"{title}:"]
        if pairs:
            out += ["  existing workloads:", *("    " + line for line in pairs)]
        if classes:
            out += ["  pods that may not exist yet:", *("    " + line for line in classes)]
    return "\n".join(out) + "\n"


def _side_json(d: DiffReport) -> json_report.Json:
    return {
        "pairs": [{"src": json_report.node_dict(c.src), "dst": json_report.node_dict(c.dst),
                   "ports": json_report.protocols_dict(c.added),
                   "allowed_by": [json_report.rule_dict(x) for x in c.added_by]} for c in d.changes],
        "classes": [json_report.added_class_dict(a) for a in d.added_classes],
        "more_classes": d.more_classes,
        "symbolic_status": d.symbolic_status,
    }


def render_json(r: EquivReport, *, color: bool = False) -> str:
    return json_report.dumps({
        "a": r.a,
        "b": r.b,
        "mode": "contains" if r.contains else "equivalence",
        "verdict": verdict(r),
        "existing_equal": not r.existing_differ,
        "every_pod": r.every_pod_status,
        "a_only": _side_json(r.a_only),
        "b_only": None if r.b_only is None else _side_json(r.b_only),
        "notes": list(r.notes),
        "unknown_reason": r.unknown_reason,
        "caveats": list(r.caveats),
    })


def render_markdown(r: EquivReport, *, color: bool = False) -> str:
    icon = {"different": "❌", "unknown": "❓"}.get(verdict(r), "✅")
    out = [f"### {icon} netverify equiv {markdown.code(r.a)} ⇔ {markdown.code(r.b)}: {markdown.cell(_headline(r))}",
           "", f"- existing workloads: **{'different' if r.existing_differ else 'equivalent'}**",
           f"- every possible pod: **{markdown.cell(_EVERY_POD[r.every_pod_status])}**"]
    if r.unknown_reason:
        out += ["", f"> **❓ unknown (fails closed):** {markdown.cell(r.unknown_reason)}"]
    out += [f"> caveat: {markdown.cell(c)}" for c in r.caveats]
    for title, d in _sides(r):
        if d.changes:
            out += ["", f"**{markdown.cell(title)}**, existing workloads:", "",
                    "| from | to | ports | allowed by |", "| --- | --- | --- | --- |"]
            out += [f"| {markdown.code(c.src.label)} | {markdown.code(c.dst.label)} | "
                    f"{markdown.cell(words.ports_text(c.added))} | {markdown.cell(words.rules_text(c.added_by))} |"
                    for c in d.changes]
        if d.added_classes:
            out += ["", f"**{markdown.cell(title)}**, pods that may not exist yet:", ""]
            out += [f"- {markdown.cell(a.summary)} (witness: {markdown.cell(words.connection_headline(a.witness))})"
                    for a in d.added_classes]
    out += [f"\n> note: {markdown.cell(n)}" for n in r.notes]
    return "\n".join(out) + "\n"


def render_sarif(r: EquivReport, *, color: bool = False, root: SourceRoot | None = None) -> str:
    results = []
    if r.unknown_reason:
        results.append(sarif._result("NV004", f"equiv result unknown: {r.unknown_reason}", [], "equiv:unknown",
                                     root))
    for title, d in _sides(r):
        for c in d.changes:
            text = f"{title}: {words.change_title(c)} {words.ports_text(c.added)}"
            results.append(sarif._result("NV401", text, [x.span for x in c.added_by],
                                         f"equiv:{title}:{words.change_title(c)}", root))
        for a in d.added_classes:
            text = f"{title}, for pods that may not exist yet: {a.summary}. Witness: " \
                   f"{words.connection_headline(a.witness)}"
            results.append(sarif._result("NV401", text, [x.span for x in a.opened_by],
                                         f"equiv:{title}:class:{a.summary}", root))
    if r.every_pod_status == "unknown" and not r.differ:
        results.append(sarif._result("NV003", "equiv: the check for pods that do not exist yet ran out of solver "
                                     "time: result unknown", [], "equiv:symbolic-unknown", root))
    return sarif._dump(sarif._log(results, r.notes, r.caveats, root))


def render_junit(r: EquivReport, *, color: bool = False) -> str:
    suite = ET.Element("testsuite", {"name": f"netverify equiv {r.a} {r.b}"})
    junit._caveat_properties(suite, r.caveats)
    counts = {"failures": 0, "errors": 0, "skipped": 0}
    tests = 0
    for title, d in _sides(r):
        for scope, lines, status in (("existing workloads", _pair_lines(d), "done"),
                                     ("every possible pod", _class_lines(d), d.symbolic_status)):
            tests += 1
            case = junit._case(suite, "netverify.equiv", f"{title}: {scope}")
            if lines:
                ET.SubElement(case, "failure", {"type": "equiv-difference", "message": f"{title} ({scope})"}
                              ).text = junit._text(lines)
                counts["failures"] += 1
            elif status == "unknown" or (r.unknown_reason and scope == "every possible pod"):
                ET.SubElement(case, "error", {"type": "unknown",
                                              "message": r.unknown_reason or words.SYMBOLIC_NOTE["unknown"]})
                counts["errors"] += 1
            elif status == "skipped":
                ET.SubElement(case, "skipped", {"message": words.SYMBOLIC_NOTE["skipped"]})
                counts["skipped"] += 1
    return junit._document(suite, counts, tests, 0.0)
