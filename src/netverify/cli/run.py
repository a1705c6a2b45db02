"""What every command does around its analysis: judge kinds, load manifests, render and write every report,
turn what went wrong into an exit code."""

from __future__ import annotations

import sys
from contextlib import contextmanager
from pathlib import Path
from typing import Optional

import typer

from netverify.cli.feedback import feedback, quiet
from netverify.cli.guard import EXIT_OK, guarded, lazy
from netverify.cli.live import with_implied_cluster
from netverify.cli.output import emit, emit_notes, text_width, use_color
from netverify.cli.reports import Reports, with_failure_reports
from netverify.errors import InputError, UsageError
from netverify.report import notes_of, render_chunks

def _ignored_kinds(values: list[str]):
    return lazy("netverify.analyses.unmodelled", "parse_ignore_kinds")(values)


def _judge(name: str):
    """Kinds not modelled (unmodelled), then kinds a live cluster would not list (unlisted): both fail closed."""
    unmodelled, unlisted = lazy("netverify.analyses.unmodelled", name), lazy("netverify.analyses.unlisted", name)
    return lambda result, *args: unlisted(unmodelled(result, *args), *args)


def _finish(result, fmt: str, output: Optional[Path], code: int, reports: Reports, wide: bool = False) -> int:
    # a map's JSON and CSV come in pieces, produced while they are written (report.render_chunks)
    rendered = render_chunks(result, fmt, color=use_color(fmt, output), sarif_root=reports.sarif_root_for(fmt),
                             width=text_width(wide, output))
    reports_rendered = reports.render_all(result)  # everything rendered before anything is written
    notes = () if quiet() else notes_of(result)  # --quiet: the notes go; the trust lines below stay
    if fmt in ("csv", "dot"):  # tables with no place for trust lines: say them beside, like the notes
        reason, caveats = getattr(result, "unknown_reason", None), getattr(result, "caveats", ())
        notes = (*([f"UNKNOWN: this result may be wrong: {reason}"] if reason else []),
                 *(f"caveat: {c}" for c in caveats), *notes)
    Reports.write(reports_rendered)
    emit_notes(notes, fmt)
    emit(rendered, output)
    return code


def _load_cluster(paths: list[str], namespace: str, limits, properties: str | None = None, live=None):
    paths = with_implied_cluster(paths, live)
    if not paths and properties is not None:
        raise InputError(properties, None, "manifests",
                         "none listed, and no -f PATH given (a file, a directory, or - for stdin)")
    if not paths:
        raise UsageError("no manifests: pass -f PATH (a file, a directory, or - for stdin)")
    load_cluster = lazy("netverify.load.manifests", "load_cluster")
    return load_cluster(paths, default_namespace=namespace, stdin=sys.stdin, limits=limits, live=live)


@contextmanager
def _blame_properties_for_missing(listed: tuple[str, ...], properties: str):
    """A path under `manifests:` that does not exist is the properties file's mistake: say so there."""
    try:
        yield
    except InputError as exc:
        if exc.file in listed and exc.line is None and "no such file" in exc.message:
            raise InputError(properties, None, "manifests", f"{exc.file}: {exc.message}") from None
        raise


def _run(work, reports: Reports, progress: Optional[bool] = None, is_quiet: bool = False) -> None:
    """`progress`, `is_quiet`: the command's --progress/--no-progress and --quiet (cli/feedback.py)."""
    with feedback(progress, is_quiet):
        code = guarded(with_failure_reports(work, reports))
    if code != EXIT_OK:
        raise typer.Exit(code)
