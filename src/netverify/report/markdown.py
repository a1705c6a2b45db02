"""Markdown for pull-request comments: a verdict line, a table of what failed or changed, details folded.

Written to be read in ten seconds: the first line says pass/fail, the table says what, and the long
counterexample blocks and Pod YAML hide in <details>.
"""

from __future__ import annotations

from netverify.findings import ConnectionWitness, ConnectivityMap, DiffReport, Explanation, PropertyResult, ProveReport
from netverify.report import words
from netverify.report.map_groups_words import groups_of, member_lines, summary
from netverify.report.ranges import merge_adjacent_ranges

_ICON = {"proven": "✅", "violated": "❌", "vacuous": "⚠️", "unknown": "❓"}


def cell(text: str) -> str:
    """Table-cell safe: a pipe would end the cell, a newline the row (GFM escapes pipes even in code)."""
    return text.replace("\\", "\\\\").replace("|", "\\|").replace("\n", "<br>")


def code(text: str) -> str:
    return f"`{cell(text).replace('`', 'ˋ')}`"


def _fence(lines: list[str], lang: str = "") -> list[str]:
    # A fence longer than any backtick run inside cannot be closed early by the content.
    ticks = "`" * max(3, _longest_backtick_run(lines) + 1)
    return [f"{ticks}{lang}", *lines, ticks]


def _longest_backtick_run(lines: list[str]) -> int:
    best = 0
    for line in lines:
        run = 0
        for ch in line:
            run = run + 1 if ch == "`" else 0
            best = max(best, run)
    return best


def _details(summary: str, body: list[str]) -> list[str]:
    return ["<details>", f"<summary>{_html(summary)}</summary>", "", *body, "", "</details>"]


def _html(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _notes(notes: tuple[str, ...]) -> list[str]:
    if not notes:
        return []
    return ["", *[f"> note: {_html(n)}" for n in notes]]


def _trust(unknown_reason: str | None, caveats: tuple[str, ...]) -> list[str]:
    """Whether a map/explain/diff result can be trusted, right under its heading."""
    lines = [f"> **{_ICON['unknown']} unknown (fails closed):** {_html(unknown_reason)}"] if unknown_reason else []
    lines += [f"> caveat: {_html(c)}" for c in caveats]
    return ["", *lines] if lines else []


def _caveats(report: ProveReport) -> list[str]:
    lines = [f"> caveat ({code(r.name)}): {_html(c)}" for r in report.results for c in r.caveats]
    return ["", *lines] if lines else []


def _witness_block(c: ConnectionWitness) -> list[str]:
    block = _fence([words.connection_headline(c), *words.connection_lines(c)])
    if c.pod_manifests.strip():
        block += ["", "Pod YAML that reproduces it:", "", *_fence(c.pod_manifests.rstrip("\n").splitlines(), "yaml")]
    return block


def _verdict_line(report: ProveReport) -> str:
    failing = [r for r in report.results if r.fails]
    unknown = report.count("unknown")
    if unknown:
        icon, word = _ICON["unknown"], "unknown (fails closed)"
    elif failing:
        icon, word = _ICON["violated"], "failed"
    else:
        icon, word = _ICON["proven"], "passed"
    return f"### {icon} netverify prove: {word} — {words.prove_summary(report)}"


def render_prove(report: ProveReport, *, color: bool = False) -> str:
    out = [_verdict_line(report)]
    attention = [r for r in report.results if r.status != "proven"]
    if attention:
        out += ["", "| property | status | expect | scope | why |", "| --- | --- | --- | --- | --- |"]
        for r in attention:
            why = words.connection_headline(r.counterexample) if r.counterexample else (r.reason or "")
            out.append(
                f"| {code(r.name)} | {_ICON[r.status]} {cell(words.status_word(r).lower())} | {r.expect} "
                f"| {r.scope} | {cell(why)} |"
            )
    out += _warnings(report)
    for r in attention:
        body = _property_details(r)
        if body:
            out += ["", *_details(f"{r.name}: {words.status_word(r).lower()}", body)]
    proven = [r for r in report.results if r.status == "proven"]
    if proven:
        out += ["", *_details(f"proven ({len(proven)})", [f"- {code(r.name)} — {r.expect}, scope {r.scope}"
                                                           for r in proven])]
    for o in report.overlaps:
        out += ["", *_details(f"⚠️ {words.overlap_title(o)}", [f"- {cell(line)}" for line in words.overlap_lines(o)])]
    for f in report.fixes:
        head, *rest = words.fix_lines(f)
        body = _fence(f.diff.rstrip("\n").splitlines(), "diff") + ["", _html(rest[-1])] if f.diff else []
        out += ["", *_details(f"🔧 {head}", body)]
    out += _caveats(report)
    out += _notes(report.notes)
    return "\n".join(out) + "\n"


def _warnings(report: ProveReport) -> list[str]:
    """Probable typos in the properties, whatever the verdict: a proven property about a misspelt label is
    proven about the wrong pods."""
    lines = [f"- {_ICON['vacuous']} {code(r.name)}: {_html(w.message)} (`{w.span}`)"
             for r in report.results for w in r.warnings]
    return ["", "**Warnings** (probable typos in the properties):", "", *lines] if lines else []


def _property_details(r: PropertyResult) -> list[str]:
    """Only for a result with a connection to show: the table row already says everything else."""
    if r.counterexample is None and r.witness is None:
        return []
    body: list[str] = []
    if r.description:
        body += [_html(r.description), ""]
    body.append(f"Property written at `{r.span}`.")
    title = words.witness_title(r)
    shown = r.counterexample or r.witness
    if title and shown is not None:
        body += ["", f"**{title}**", "", *_witness_block(shown)]
    return body


def render_map(cmap: ConnectivityMap, *, color: bool = False) -> str:
    rows = merge_adjacent_ranges(cmap.connections)
    groups = groups_of(cmap) if cmap.grouped else []
    out = [f"### netverify map: {summary(rows, groups)}"]
    out += _trust(cmap.unknown_reason, cmap.caveats)
    if cmap.connections:
        out += ["", "| from | to | allowed |", "| --- | --- | --- |"]
        out += [f"| {code(c.src.shown)} | {code(c.dst.shown)} | "
                f"{cell(words.ports_text(c.protocols, c.other_protocols))} |" for c in rows]
    if groups:
        out += ["", "**Groups** (workloads alike in every connection):", ""]
        out += [f"- {cell(line)}" for line in member_lines(groups)]
    out += _notes(cmap.notes)
    return "\n".join(out) + "\n"


def render_explain(e: Explanation, *, color: bool = False) -> str:
    verdict = "✅ allowed" if e.allowed else "❌ blocked"
    if e.decision == "ambiguous":
        verdict = "⚠️ ambiguous (the CNI picks among same-priority policies)"
    if e.depends_on_address:
        verdict = f"❔ depends on the pod addresses (this pair: {verdict})"
    out = [f"### {code(e.src)} → {code(e.dst)} on {e.port_label}: {verdict}",
           *_trust(e.unknown_reason, e.caveats), "", "| side | decision |", "| --- | --- |"]
    for name, side in (("egress", e.egress), ("ingress", e.ingress)):
        out.append(f"| {name} | {cell('; '.join(words.side_lines(side)))} |")
    out += [f"| address | {cell(line)} |" for line in e.depends_on_address]
    out += _notes(e.notes)
    return "\n".join(out) + "\n"


def render_diff(d: DiffReport, *, color: bool = False) -> str:
    if d.symbolic_status == "unknown" or d.unknown_reason:
        icon = _ICON["unknown"]
    elif d.has_added:
        icon = "⚠️"
    elif d.has_changed or d.new_workloads:
        icon = "ℹ️"
    else:
        icon = "✅"
    out = [f"### {icon} netverify diff {code(d.base)} → {code(d.head)}: {cell(words.diff_summary(d))}"]
    out += _trust(d.unknown_reason, d.caveats)
    if d.changes:
        out += ["", "| from | to | newly allowed | newly blocked | rules |", "| --- | --- | --- | --- | --- |"]
        for c in d.changes:
            rules = words.rules_text(c.added_by + c.removed_by)
            out.append(
                f"| {code(c.src.shown)} | {code(c.dst.shown)} | {cell(words.ports_text(c.added)) if c.added else ''} "
                f"| {cell(words.ports_text(c.removed)) if c.removed else ''} | {cell(rules)} |"
            )
    if d.new_workloads:
        out += ["", f"**{words.NEW_WORKLOADS_TITLE[0].upper()}{words.NEW_WORKLOADS_TITLE[1:]}**:", "",
                "| from | to | allowed | rules |", "| --- | --- | --- | --- |"]
        out += [f"| {code(c.src.shown)} | {code(c.dst.shown)} | {cell(words.ports_text(c.added))} "
                f"| {cell(words.rules_text(c.added_by))} |" for c in d.new_workloads]
    if d.added_classes:
        out += ["", "**New connection classes** (pods that may not exist yet):", ""]
        out += ["| class | opened by |", "| --- | --- |"]
        out += [f"| {cell(a.summary)} | {cell(words.rules_text(a.opened_by))} |" for a in d.added_classes]
        if d.more_classes:
            out += ["", "_More classes exist; raise `--max-witnesses` to see them._"]
        for a in d.added_classes:
            out += ["", *_details(f"witness: {a.summary}", _witness_block(a.witness))]
    if d.symbolic_status in words.SYMBOLIC_NOTE:
        out += ["", f"_{words.SYMBOLIC_NOTE[d.symbolic_status]}_"]
    out += _notes(d.notes)
    return "\n".join(out) + "\n"
