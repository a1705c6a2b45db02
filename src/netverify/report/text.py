"""Human-readable terminal output (rich): colour on a terminal, plain text otherwise.

Notes are not part of this output: the CLI writes them to stderr so stdout stays the report itself.
"""

from __future__ import annotations

import io
import shutil

from rich import box
from rich.console import Console
from rich.table import Table
from rich.text import Text

from netverify.findings import ConnectivityMap, DiffReport, Explanation, PropertyResult, ProveReport
from netverify.report import words
from netverify.model.ports import describe_connection

_STATUS_STYLE = {"proven": "bold green", "violated": "bold red", "vacuous": "bold yellow", "unknown": "bold magenta"}
# Wide enough that plain output (CI logs, files) is never wrapped mid-line.
_PLAIN_WIDTH = 200


def _console(color: bool) -> Console:
    width = shutil.get_terminal_size((120, 24)).columns if color else _PLAIN_WIDTH
    return Console(
        file=io.StringIO(),
        force_terminal=color,
        no_color=not color,
        color_system="standard" if color else None,
        width=width,
        highlight=False,
        markup=False,
        emoji=False,
        soft_wrap=not color,
    )


def _finish(console: Console) -> str:
    out = console.file.getvalue()  # type: ignore[attr-defined]
    # rich pads table rows to the column width; trailing blanks only make goldens and diffs noisy.
    return "\n".join(line.rstrip() for line in out.splitlines()) + "\n"


def _property(console: Console, r: PropertyResult) -> None:
    style = "bold yellow" if r.status == "vacuous" and r.allow_vacuous else _STATUS_STYLE[r.status]
    head = Text()
    head.append(f"{words.status_word(r):<18}", style=style)
    head.append(r.name, style="bold")
    head.append(f"  expect {r.expect}, scope {r.scope}  ({r.span}, {r.duration_ms} ms)", style="dim")
    console.print(head)
    for line in words.property_body(r):
        console.print(Text("    " + line))
    _warnings(console, r)


def _warnings(console: Console, r: PropertyResult) -> None:
    for line in words.warning_lines(r):
        console.print(Text("    " + line, style="yellow"))


def render_prove(report: ProveReport, *, color: bool = False) -> str:
    console = _console(color)
    for r in report.results:
        _property(console, r)
    for o in report.overlaps:
        console.print(Text(f"WARNING           {words.overlap_title(o)}", style="yellow"))
        for line in words.overlap_lines(o):
            console.print(Text(f"    {line}"))
    console.print()
    if any(r.status == "unknown" for r in report.results):
        style = _STATUS_STYLE["unknown"]
    elif any(r.fails for r in report.results):
        style = _STATUS_STYLE["violated"]
    else:
        style = _STATUS_STYLE["proven"]
    console.print(Text(words.prove_summary(report), style=style))
    return _finish(console)


def _trust(console: Console, unknown_reason: str | None, caveats: tuple[str, ...]) -> None:
    for line in words.trust_lines(unknown_reason, caveats):
        console.print(Text(line, style=_STATUS_STYLE["unknown"] if line.startswith("UNKNOWN") else "yellow"))


def render_map(cmap: ConnectivityMap, *, color: bool = False) -> str:
    console = _console(color)
    _trust(console, cmap.unknown_reason, cmap.caveats)
    if not cmap.connections:
        console.print(Text("no connections allowed"))
        return _finish(console)
    table = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False, header_style="bold" if color else "")
    table.add_column("FROM", no_wrap=True)
    table.add_column("TO", no_wrap=True)
    table.add_column("ALLOWED")
    for c in cmap.connections:
        table.add_row(c.src.label, c.dst.label, words.ports_text(c.protocols, c.other_protocols))
    console.print(table)
    n = len(cmap.connections)
    console.print(Text(f"{n} pair{'' if n == 1 else 's'} with allowed connections", style="dim"))
    return _finish(console)


def render_explain(e: Explanation, *, color: bool = False) -> str:
    console = _console(color)
    _trust(console, e.unknown_reason, e.caveats)
    head = Text(f"{e.src} -> {e.dst} on {describe_connection(e.protocol, e.port)}: ")
    if e.depends_on_address:
        head.append("DEPENDS ON THE POD ADDRESSES", style="bold yellow")
        head.append(f" (this pair: {'ALLOWED' if e.allowed else 'BLOCKED'})")
    elif e.decision == "ambiguous":
        head.append("AMBIGUOUS (allowed or blocked: the CNI picks among same-priority policies)", style="bold yellow")
    else:
        head.append("ALLOWED" if e.allowed else "BLOCKED", style="bold green" if e.allowed else "bold red")
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


def render_diff(d: DiffReport, *, color: bool = False) -> str:
    console = _console(color)
    _trust(console, d.unknown_reason, d.caveats)
    console.print(Text(f"{d.base} -> {d.head}: {words.diff_summary(d)}", style="bold" if d.has_changed else ""))
    for c in d.changes:
        console.print()
        console.print(Text(words.change_title(c), style="bold"))
        for line in words.change_lines(c):
            style = "green" if line.startswith("+") else "red" if line.startswith("-") else ""
            console.print(Text("  " + line, style=style))
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
