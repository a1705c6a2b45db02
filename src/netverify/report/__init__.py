"""Renderers: pure functions from a result record (netverify.findings) to a string, one module per format.

`render(result, fmt)` picks the renderer; a format that does not fit the result is a UsageError (exit 2).
This package knows only the result records and the model types they carry.
"""

from __future__ import annotations

import difflib

from collections.abc import Callable, Iterable
from typing import Any

from netverify.errors import UsageError
from netverify.findings import (
    ConnectivityMap,
    DiffReport,
    EquivReport,
    Explanation,
    ExposureReport,
    LintReport,
    FailedRun,
    FleetReport,
    Explanation,
    FailedRun,
    FleetReport,
    PortExplanations,
    ProveReport,
)
from netverify.report import csv, dot, failed, fleet, fleet_ci, html, json, json_stream, junit, markdown, sarif, text
from netverify.report import equiv as equiv_report
from netverify.report import exposure as exposure_report
from netverify.report import lint as lint_report
from netverify.report.sarif_paths import SourceRoot

Result = ProveReport | ConnectivityMap | Explanation | DiffReport | FleetReport | EquivReport | ExposureReport | LintReport
Renderer = Callable[..., str]

# (command name, result type) -> {format: renderer}; dict order is the order shown in help and errors.
_RENDERERS: dict[type, tuple[str, dict[str, Renderer]]] = {
    ProveReport: ("prove", {
        "text": text.render_prove, "json": json.render_prove, "markdown": markdown.render_prove,
        "sarif": sarif.render_prove, "junit": junit.render_prove, "html": html.render_prove,
    }),
    ConnectivityMap: ("map", {
        "text": text.render_map, "json": json.render_map, "csv": csv.render_map,
        "markdown": markdown.render_map, "dot": dot.render_map, "html": html.render_map,
    }),
    Explanation: ("explain", {"text": text.render_explain, "json": json.render_explain}),
    PortExplanations: ("explain", {"text": text.render_port_explanations, "json": json.render_port_explanations}),
    DiffReport: ("diff", {
        "text": text.render_diff, "json": json.render_diff, "markdown": markdown.render_diff,
        "sarif": sarif.render_diff, "junit": junit.render_diff, "html": html.render_diff,
    }),
    EquivReport: ("equiv", {
        "text": equiv_report.render_text, "json": equiv_report.render_json, "markdown": equiv_report.render_markdown,
        "sarif": equiv_report.render_sarif, "junit": equiv_report.render_junit,
    }),
    ExposureReport: ("exposure", {
        "text": exposure_report.render_text, "json": exposure_report.render_json,
        "markdown": exposure_report.render_markdown,
    }),
    LintReport: ("lint", {
        "text": lint_report.render_text, "json": lint_report.render_json, "markdown": lint_report.render_markdown,
        "sarif": lint_report.render_sarif, "junit": lint_report.render_junit,
    }),
    FleetReport: ("fleet", {
        "text": fleet.render_text, "json": fleet.render_json, "markdown": fleet.render_markdown,
        "sarif": fleet_ci.render_sarif, "junit": fleet_ci.render_junit,
    }),
}

# Text renderers that fit a width (report/text_fit.py).
_FITTING = frozenset({text.render_prove, text.render_map, text.render_explain, text.render_port_explanations,
                      text.render_diff})

# Formats whose output has a place for notes; for the others the CLI writes notes to stderr.
FORMATS_WITH_NOTES = frozenset({"json", "markdown", "sarif", "html"})

COMMAND_FORMATS: dict[str, tuple[str, ...]] = {cmd: tuple(fmts) for cmd, fmts in _RENDERERS.values()}


def formats_for(command: str) -> tuple[str, ...]:
    return COMMAND_FORMATS[command]


def check_format(command: str, fmt: str) -> None:
    """Fail before any work is done when `--format` does not fit the command."""
    allowed = COMMAND_FORMATS[command]
    if fmt not in allowed:
        near = difflib.get_close_matches(fmt, allowed, n=1, cutoff=0.5)
        hint = f" (did you mean {near[0]}?)" if near else ""
        raise UsageError(f"--format {fmt} does not fit `netverify {command}`{hint}; choose one of: {', '.join(allowed)}")


def render(result: Result | Any, fmt: str, *, color: bool = False, sarif_root: SourceRoot | None = None,
           width: int | None = None) -> str:
    """`sarif_root`: the repository root SARIF URIs are relative to (default: the current directory); `width`: the
    columns text output fits (the CLI's terminal width or 80; None: no limit, `--wide`)."""
    if isinstance(result, FailedRun):  # a run that stopped on an error: every format can say so
        check_format(result.command, fmt)
        renderer = failed.RENDERERS[fmt]
    else:
        entry = _RENDERERS.get(type(result))
        if entry is None:
            raise TypeError(f"no renderer for {type(result).__name__}")
        command, renderers = entry
        check_format(command, fmt)
        renderer = renderers[fmt]
    if fmt == "sarif":
        return renderer(result, color=color, root=sarif_root)
    if renderer in _FITTING:
        return renderer(result, color=color, width=width)
    return renderer(result, color=color)


def render_chunks(result: Result | Any, fmt: str, *, color: bool = False, sarif_root: SourceRoot | None = None,
                  width: int | None = None) -> Iterable[str]:
    """`render` in pieces: the map's JSON and CSV are produced row by row (report/json_stream.py), so a map of
    100,000 pods is written as it is rendered; every other result is one piece."""
    streamed = _STREAMED.get(fmt)
    if isinstance(result, ConnectivityMap) and streamed is not None:
        check_format("map", fmt)
        return streamed(result)
    return (render(result, fmt, color=color, sarif_root=sarif_root, width=width),)


_STREAMED: dict[str, Callable[[ConnectivityMap], Iterable[str]]] = {"json": json_stream.map_chunks,
                                                                     "csv": csv.map_chunks}


def notes_of(result: Result) -> tuple[str, ...]:
    return tuple(getattr(result, "notes", ()))


__all__ = ["FORMATS_WITH_NOTES", "COMMAND_FORMATS", "SourceRoot", "check_format", "formats_for", "notes_of", "render", "render_chunks"]
