"""One self-contained HTML page per result (`--format html`, `--report html=PATH`) for prove, map and diff.

Everything is inline (style, script, data, the vendored cytoscape.js from report/assets, see VENDORED there)
and a Content-Security-Policy forbids every fetch, so the page opens from a CI artifact or a mail attachment
without network. The tables, counterexamples and Pod YAML are plain HTML written here (readable without
script); the connectivity graph and its filters are drawn by assets/report.js from the JSON the page carries.
"""

from __future__ import annotations

import json
from functools import cache
from html import escape
from importlib import resources
from typing import Any

from netverify.findings import ConnectionWitness, ConnectivityMap, DiffReport, FailedRun, PropertyResult, ProveReport
from netverify.report import words
from netverify.report.ranges import merge_adjacent_ranges
from netverify.report.html_graph import diff_graph, map_graph, prove_graph
from netverify.report.map_groups_words import groups_of, member_lines, summary

_CSP = "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:"
_STATUS_CLASS = {"proven": "ok", "violated": "bad", "vacuous": "warn", "unknown": "unknown"}


@cache
def _asset(name: str) -> str:
    return (resources.files("netverify.report") / "assets" / name).read_text(encoding="utf-8")


def _e(text: object) -> str:
    return escape(str(text), quote=True)


def _script_json(data: Any) -> str:
    """JSON inside <script>: with `<`, `>` and `&` as \\u escapes no `</script>` or `<!--` can end or confuse the
    element (none of them occurs inside a JSON escape, so the replacement keeps the JSON the same)."""
    text = json.dumps(data, ensure_ascii=True)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def _page(title: str, verdict: str, verdict_class: str, body: list[str], graph: dict[str, Any] | None) -> str:
    has_graph = graph is not None and bool(graph["edges"])
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en">',
        "<head>",
        '<meta charset="utf-8">',
        f'<meta http-equiv="Content-Security-Policy" content="{_CSP}">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{_e(title)}</title>",
        f"<style>{_asset('report.css')}</style>",
        "</head>",
        "<body>",
        f'<header><h1>{_e(title)}</h1><p id="nv-verdict" class="verdict {verdict_class}">{_e(verdict)}</p></header>',
        "<main>",
    ]
    if has_graph:
        parts += [_graph_section()]
    parts += body
    parts += ["</main>", f'<footer>netverify · cytoscape.js {_e(_cytoscape_version())} (MIT)</footer>']
    if has_graph:
        parts += [f'<script type="application/json" id="nv-data">{_script_json(graph)}</script>',
                  f"<script>{_asset('cytoscape.min.js')}</script>", f"<script>{_asset('report.js')}</script>"]
    parts += [f"<script>{_asset('copy.js')}</script>", "</body>", "</html>"]
    return "\n".join(parts) + "\n"


def _cytoscape_version() -> str:
    return _asset("VENDORED").split()[1]


def _graph_section() -> str:
    return (
        '<section id="nv-graph-section"><h2>Connections</h2>'
        '<div class="filters"><fieldset id="nv-ns-filter"><legend>Namespaces</legend></fieldset>'
        '<label>Workload <input id="nv-workload-filter" type="search" placeholder="name contains…"></label>'
        '<label><input id="nv-group" type="checkbox"> group by namespace</label>'
        '<span id="nv-graph-stats" aria-live="polite"></span></div>'
        '<div id="nv-graph" role="img" aria-label="connectivity graph"></div>'
        '<p class="legend"><span class="k allowed">allowed</span> <span class="k added">newly allowed / '
        'counterexample</span> <span class="k removed">newly blocked</span> <span class="k witness">witness'
        '</span></p></section>'
    )


def _table(headers: list[str], rows: list[list[str]], table_id: str) -> str:
    head = "".join(f"<th>{_e(h)}</th>" for h in headers)
    body = "".join("<tr>" + "".join(f"<td>{cell}</td>" for cell in row) + "</tr>" for row in rows)
    return f'<div class="scroll"><table id="{table_id}"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table></div>'


def _lines(lines: list[str], css: str = "") -> str:
    return "".join(f'<p class="{css}">{_e(line)}</p>' for line in lines)


def _notes(notes: tuple[str, ...]) -> str:
    if not notes:
        return ""
    return '<section id="nv-notes"><h2>Notes</h2><ul>' + "".join(f"<li>{_e(n)}</li>" for n in notes) + "</ul></section>"


def _witness_block(c: ConnectionWitness, anchor: str) -> str:
    out = [f"<pre class=\"connection\">{_e(chr(10).join([words.connection_headline(c), *words.connection_lines(c)]))}</pre>"]
    if c.pod_manifests.strip():
        out.append(f'<div class="yaml"><div class="yaml-head">Pod YAML that reproduces it '
                   f'<button type="button" class="copy" data-copy="{anchor}-yaml">Copy</button></div>'
                   f'<pre id="{anchor}-yaml" class="pod-yaml">{_e(c.pod_manifests.rstrip())}</pre></div>')
    return "".join(out)


def _anchor(prefix: str, i: int) -> str:
    return f"{prefix}-{i}"


def _trust(unknown_reason: str | None, caveats: tuple[str, ...]) -> str:
    return _lines(words.trust_lines(unknown_reason, caveats), "trust")


# ---- prove -------------------------------------------------------------------------------------


def _prove_verdict(report: ProveReport) -> tuple[str, str]:
    if report.count("unknown"):
        return f"unknown (fails closed) — {words.prove_summary(report)}", "unknown"
    if any(r.fails for r in report.results):
        return f"failed — {words.prove_summary(report)}", "bad"
    return f"passed — {words.prove_summary(report)}", "ok"


def _why(r: PropertyResult) -> str:
    if r.counterexample is not None:
        return words.connection_headline(r.counterexample)
    if r.witness is not None:
        return words.connection_headline(r.witness)
    return r.reason or ""


def _property_detail(r: PropertyResult, i: int) -> str:
    anchor = _anchor("property", i)
    body = [f'<article id="{anchor}" class="property {_STATUS_CLASS[r.status]}">',
            f"<h3>{_e(r.name)}: {_e(words.status_word(r).lower())}</h3>",
            _lines([words.property_headline(r)], "where")]
    if r.description:
        body.append(_lines([r.description]))
    shown = r.counterexample or r.witness
    title = words.witness_title(r)
    if r.reason and shown is None:
        body.append(_lines([f"reason: {r.reason}"]))
    if title and shown is not None:
        body += [f"<h4>{_e(title)}</h4>", _witness_block(shown, anchor)]
    body.append(_lines([*words.warning_lines(r), *words.caveat_lines(r.caveats)], "warning"))
    body.append("</article>")
    return "".join(body)


def render_prove(report: ProveReport, *, color: bool = False) -> str:
    verdict, css = _prove_verdict(report)
    rows = [[f'<a href="#{_anchor("property", i)}">{_e(r.name)}</a>',
             f'<span class="status {_STATUS_CLASS[r.status]}">{_e(words.status_word(r))}</span>',
             _e(r.expect), _e(r.scope), f"<code>{_e(r.span)}</code>", _e(_why(r))]
            for i, r in enumerate(report.results)]
    body = [f'<section id="nv-results"><h2>Properties ({_e(report.properties_file)})</h2>',
            _table(["property", "status", "expect", "scope", "written at", "why"], rows, "nv-properties"),
            "</section>",
            '<section id="nv-details"><h2>Details</h2>',
            *[_property_detail(r, i) for i, r in enumerate(report.results) if r.status != "proven" or r.witness
              or r.warnings or r.caveats],
            "</section>", _notes(report.notes)]
    return _page("netverify prove", verdict, css, body, prove_graph(report))


# ---- map ---------------------------------------------------------------------------------------


def render_map(cmap: ConnectivityMap, *, color: bool = False) -> str:
    n = len(cmap.connections)
    groups = groups_of(cmap) if cmap.grouped else []
    verdict = summary(tuple(cmap.connections), groups)
    if not n:
        verdict = "no allowed connections between the workloads and IP ranges in the manifests"
    rows = [[f"<code>{_e(c.src.shown)}</code>", f"<code>{_e(c.dst.shown)}</code>",
             _e(words.ports_text(c.protocols, c.other_protocols))] for c in merge_adjacent_ranges(cmap.connections)]
    body = [_trust(cmap.unknown_reason, cmap.caveats), '<section id="nv-results"><h2>Allowed connections</h2>',
            _table(["from", "to", "allowed"], rows, "nv-connections"), "</section>"]
    if groups:  # the grouped view: who is in each group
        body += ['<section id="nv-groups"><h2>Groups (workloads alike in every connection)</h2>',
                 _lines(member_lines(groups)), "</section>"]
    body.append(_notes(cmap.notes))
    css = "unknown" if cmap.unknown_reason else "info"
    return _page("netverify map", verdict, css, body, map_graph(cmap))


# ---- diff --------------------------------------------------------------------------------------


def render_diff(d: DiffReport, *, color: bool = False) -> str:
    if d.symbolic_status == "unknown" or d.unknown_reason:
        css = "unknown"
    else:
        css = "bad" if d.has_added else ("info" if d.has_changed or d.new_workloads else "ok")
    rows = [[f"<code>{_e(c.src.shown)}</code>", f"<code>{_e(c.dst.shown)}</code>",
             _e(words.ports_text(c.added)) if c.added else "", _e(words.ports_text(c.removed)) if c.removed else "",
             _e(words.rules_text(c.added_by + c.removed_by))] for c in d.changes]
    body = [_trust(d.unknown_reason, d.caveats), f"<p>{_e(d.base)} → {_e(d.head)}</p>",
            '<section id="nv-results"><h2>Changed pairs</h2>',
            _table(["from", "to", "newly allowed", "newly blocked", "rules"], rows, "nv-changes"), "</section>"]
    if d.new_workloads:
        rows = [[f"<code>{_e(c.src.shown)}</code>", f"<code>{_e(c.dst.shown)}</code>", _e(words.ports_text(c.added)),
                 _e(words.rules_text(c.added_by))] for c in d.new_workloads]
        body += [f'<section id="nv-new-workloads"><h2>{_e(words.NEW_WORKLOADS_TITLE.capitalize())}</h2>',
                 _table(["from", "to", "allowed", "rules"], rows, "nv-new-workloads"), "</section>"]
    if d.added_classes:
        body.append('<section id="nv-classes"><h2>New connection classes (pods that may not exist yet)</h2>')
        for i, a in enumerate(d.added_classes):
            anchor = _anchor("class", i)
            body += [f'<article id="{anchor}" class="property bad"><h3>{_e(a.summary)}</h3>',
                     _lines([f"opened by {words.rules_text(a.opened_by)}"] if a.opened_by else []),
                     _witness_block(a.witness, anchor), "</article>"]
        if d.more_classes:
            body.append(_lines(["More classes exist; raise --max-witnesses to see them."]))
        body.append("</section>")
    if d.symbolic_status in words.SYMBOLIC_NOTE:
        body.append(_lines([words.SYMBOLIC_NOTE[d.symbolic_status]], "trust"))
    body.append(_notes(d.notes))
    return _page("netverify diff", words.diff_summary(d), css, body, diff_graph(d))


# ---- a run that stopped on an error ------------------------------------------------------------


def render_failed(f: FailedRun, headline: str, lines: list[str]) -> str:
    body = ['<section id="nv-error" class="error"><h2>Nothing was checked</h2>',
            f"<pre>{_e(chr(10).join(lines))}</pre></section>"]
    return _page(f"netverify {f.command}", headline, "unknown" if f.kind == "internal" else "bad", body, None)
