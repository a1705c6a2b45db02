"""Human-readable terminal output (rich): colour on a terminal, plain text otherwise.

Notes are not part of this output: the CLI writes them to stderr so stdout stays the report itself.
"""

from __future__ import annotations

import io

from rich import box
from rich.console import Console
from rich.table import Table
from rich.text import Text

from netverify.findings import (
    ConnectivityMap,
    DiffReport,
    Explanation,
    PortExplanations,
    PropertyResult,
    ProveReport,
)
from netverify.report import words
from netverify.report.map_groups_words import groups_of, member_lines, summary
from netverify.report.ranges import merge_adjacent_ranges
from netverify.report.text_fit import FittingConsole

_STATUS_STYLE = {"proven": "bold green", "violated": "bold red", "vacuous": "bold yellow", "unknown": "bold magenta"}
# `--wide`: tables as wide as their rows, lines never wrapped (CI logs, files read by tools).
_PLAIN_WIDTH = 200


def _console(color: bool, width: int | None = None) -> FittingConsole:
    """`width`: the columns to fit (the CLI gives the terminal's, or 80); None (`--wide`, and the default for
    callers of the library): no limit, lists in full."""
    console = Console(
        file=io.StringIO(),
        force_terminal=color,
        no_color=not color,
        color_system="standard" if color else None,
        width=width or _PLAIN_WIDTH,
        highlight=False,
        markup=False,
        emoji=False,
        soft_wrap=True,  # lines are fitted by FittingConsole; a word longer than the width stays whole
    )
    return FittingConsole(console, width)


def _finish(console: FittingConsole) -> str:
    out = console.file.getvalue()  # type: ignore[attr-defined]
    # rich pads table rows to the column width; trailing blanks only make goldens and diffs noisy.
    return "\n".join(line.rstrip() for line in out.splitlines()) + "\n"


def _property(console: FittingConsole, r: PropertyResult) -> None:
    style = "bold yellow" if r.status == "vacuous" and r.allow_vacuous else _STATUS_STYLE[r.status]
    head = Text()
    head.append(f"{words.status_word(r):<18}", style=style)
    head.append(r.name, style="bold")
    head.append(f"  expect {r.expect}, scope {r.scope}  ({r.span}, {r.duration_ms} ms)", style="dim")
    console.print(head)
    for line in words.property_body(r):
        console.print(Text("    " + line))
    _warnings(console, r)


def _warnings(console: FittingConsole, r: PropertyResult) -> None:
    for line in words.warning_lines(r):
        console.print(Text("    " + line, style="yellow"))


def render_prove(report: ProveReport, *, color: bool = False, width: int | None = None) -> str:
    console = _console(color, width)
    for r in report.results:
        _property(console, r)
    for o in report.overlaps:
        console.print(Text(f"WARNING           {words.overlap_title(o)}", style="yellow"))
        for line in words.overlap_lines(o):
            console.print(Text(f"    {line}"))
    for f in report.fixes:
        console.print()
        for line in words.fix_lines(f):
            style = "green" if line.startswith("+") else "red" if line.startswith("-") else ""
            console.print(Text(line, style=style))
    console.print()
    if any(r.status == "unknown" for r in report.results):
        style = _STATUS_STYLE["unknown"]
    elif any(r.fails for r in report.results):
        style = _STATUS_STYLE["violated"]
    else:
        style = _STATUS_STYLE["proven"]
    console.print(Text(words.prove_summary(report), style=style))
    return _finish(console)


def _trust(console: FittingConsole, unknown_reason: str | None, caveats: tuple[str, ...]) -> None:
    for line in words.trust_lines(unknown_reason, caveats):
        console.print(Text(line, style=_STATUS_STYLE["unknown"] if line.startswith("UNKNOWN") else "yellow"))


def render_map(cmap: ConnectivityMap, *, color: bool = False, width: int | None = None) -> str:
    console = _console(color, width)
    _trust(console, cmap.unknown_reason, cmap.caveats)
    if cmap.no_workloads:
        console.print(Text("no workloads in the manifests: nothing to map"))
        return _finish(console)
    if not cmap.connections:
        console.print(Text("no connections allowed"))
        return _finish(console)
    shown = merge_adjacent_ranges(cmap.connections)
    rows = [(c.src.shown, c.dst.shown, words.ports_text(c.protocols, c.other_protocols)) for c in shown]
    columns = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(("FROM", "TO", "ALLOWED"))]
    if console.width is not None and sum(columns) + 2 * len(columns) > console.width:
        # too narrow for three columns: one line per pair, wrapped under itself
        for src, dst, ports in rows:
            console.print_plain(f"{src} -> {dst}  {ports}")
    else:
        table = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False, header_style="bold" if color else "")
        table.add_column("FROM", no_wrap=True)
        table.add_column("TO", no_wrap=True)
        table.add_column("ALLOWED")
        for row in rows:
            table.add_row(*row)
        console.print(table)
    groups = groups_of(cmap) if cmap.grouped else []
    if groups:
        console.print(Text("groups:", style="bold" if color else ""))
        for line in member_lines(groups):
            console.print(Text(f"  {line}"))
    console.print(Text(summary(shown, groups), style="dim"))
    return _finish(console)


def render_explain(e: Explanation, *, color: bool = False, width: int | None = None) -> str:
    console = _console(color, width)
    _trust(console, e.unknown_reason, e.caveats)
    head = Text(f"{e.src} -> {e.dst} on {e.port_label}: ")
    if e.depends_on_address:
        head.append("DEPENDS ON THE POD ADDRESSES", style="bold yellow")
        head.append(f" (this pair: {'ALLOWED' if e.allowed else 'BLOCKED'})")
    elif e.decision == "ambiguous":
        head.append("AMBIGUOUS (allowed or blocked: the CNI picks among same-priority policies)", style="bold yellow")
    else:
        head.append("ALLOWED" if e.allowed else "BLOCKED", style="bold green" if e.allowed else "bold red")
    at = head.plain.find(" on ")
    if console.width is not None and len(head.plain) > console.width and at > 0:
        # too long for one line: the verdict stays with its port, `on …` under the two ends
        console.print(head[:at])
        head = Text("    ") + head[at + 1:]
    console.print(head)
    for name, side in (("egress", e.egress), ("ingress", e.ingress)):
        first, *rest = words.side_lines(side)
        style = "green" if side.allowed else "red"
        line = Text(f"  {name:<9}")
        line.append(first, style=style)
        console.print(line)
        for more in rest:
            console.print(Text(f"  {'':<9}{more}"))
    for line in e.depends_on_address:
        console.print(Text(f"  {'address':<9}{line}"))
    return _finish(console)


def render_port_explanations(p: PortExplanations, *, color: bool = False, width: int | None = None) -> str:
    """Each run of ports with its own verdict, as `explain` of that run alone shows it, a blank line between."""
    return "\n".join(render_explain(e, color=color, width=width) for e in p.parts)


def render_diff(d: DiffReport, *, color: bool = False, width: int | None = None) -> str:
    console = _console(color, width)
    _trust(console, d.unknown_reason, d.caveats)
    console.print(Text(f"{d.base} -> {d.head}: {words.diff_summary(d)}", style="bold" if d.has_changed else ""))
    for c in d.changes:
        console.print()
        console.print(Text(words.change_title(c), style="bold"))
        for line in words.change_lines(c):
            style = "green" if line.startswith("+") else "red" if line.startswith("-") else ""
            console.print(Text("  " + line, style=style))
    if d.new_workloads:
        console.print()
        console.print(Text(f"{words.NEW_WORKLOADS_TITLE}:", style="bold"))
        for c in d.new_workloads:
            console.print(Text(f"  {words.change_title(c)}"))
            for line in words.new_workload_lines(c):
                console.print(Text("    " + line))
    if d.added_classes:
        console.print()
        console.print(Text("new connection classes (pods that may not exist yet):", style="bold"))
        for a in d.added_classes:
            for line in words.added_class_lines(a):
                console.print(Text("  " + line, style="green" if line.startswith("+") else ""))
        if d.more_classes:
            console.print(Text("  ... more classes exist (raise --max-witnesses to see them)", style="dim"))
    if d.symbolic_status in words.SYMBOLIC_NOTE:
        console.print()
        style = _STATUS_STYLE["unknown"] if d.symbolic_status == "unknown" else "dim"
        console.print(Text(words.SYMBOLIC_NOTE[d.symbolic_status], style=style))
    return _finish(console)
