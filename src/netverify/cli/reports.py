"""`--report FORMAT=PATH` (repeatable) and `--sarif-root DIR`: one load, one analysis, every report CI wants.

Each requested report renders from the same result record as the terminal output, all of them before anything
is written, and each file is replaced atomically. When the run stops on an error (bad input, bad usage, or our
own failure) every requested report is still written and carries the error (report/failed.py), so a CI job
that uploads SARIF, publishes JUnit and posts the markdown shows the error where people look, never a stale
or missing report that could pass for a result.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, Optional

import typer

from netverify.cli.guard import EXIT_UNKNOWN, EXIT_USAGE
from netverify.cli.output import emit
from netverify.errors import InputError, InputErrors, InternalDisagreement, UsageError
from netverify.findings import FailedRun, RunProblem
from netverify.report import SourceRoot, formats_for, render

ReportOption = Annotated[
    list[str],
    typer.Option("--report", metavar="FORMAT=PATH",
                 help="Also write the report in FORMAT to PATH, beside the terminal output (e.g. --report "
                 "sarif=out.sarif --report markdown=summary.md); repeatable. On bad input each one still is "
                 "written and carries the error."),
]
SarifRootOption = Annotated[
    Optional[Path],
    typer.Option("--sarif-root", metavar="DIR", file_okay=False,
                 help="Directory SARIF file URIs are relative to (uriBaseId %SRCROOT%; default: the root of the "
                 "git repository netverify runs in, else the current directory)."),
]


def _git_toplevel(cwd: str) -> str | None:
    try:
        proc = subprocess.run(["git", "rev-parse", "--show-toplevel"], cwd=cwd, capture_output=True, text=True,
                              check=False, env={**os.environ, "LC_ALL": "C", "GIT_TERMINAL_PROMPT": "0"})
    except OSError:  # git not installed: no repository to be relative to
        return None
    top = proc.stdout.strip()
    return os.path.normpath(top) if proc.returncode == 0 and top else None


def source_root(sarif_root: Path | None) -> SourceRoot:
    """The SARIF root: --sarif-root, else the git repository's top, else the current directory."""
    cwd = os.getcwd()
    top = _git_toplevel(cwd)
    if sarif_root is not None:
        root = os.path.abspath(sarif_root)
        if not os.path.isdir(root):
            raise UsageError(f"--sarif-root {sarif_root}: not a directory")
        return SourceRoot(root=root, cwd=cwd, git_top=top)
    return SourceRoot(root=top or cwd, cwd=cwd, git_top=top)


class Reports:
    """The `--report` requests of one command, parsed once; writes the results or the error into each."""

    def __init__(self, command: str, specs: list[str], sarif_root: Path | None = None,
                 output: Path | None = None) -> None:
        self.command = command
        self.sarif_root = sarif_root
        self.targets: list[tuple[str, Path]] = []
        self.problems: list[str] = []
        self._root: SourceRoot | None = None
        seen: dict[str, str] = {os.path.abspath(output): "--output"} if output is not None else {}
        for spec in specs:
            fmt, sep, path = spec.partition("=")
            fmt = fmt.strip().lower()
            if not sep or not fmt or not path:
                self.problems.append(f"--report {spec!r}: expected FORMAT=PATH, e.g. --report sarif=out.sarif")
            elif fmt not in formats_for(command):
                self.problems.append(f"--report {spec}: {fmt} does not fit `netverify {command}`; choose one "
                                     f"of: {', '.join(formats_for(command))}")
            elif os.path.abspath(path) in seen:
                self.problems.append(f"--report {spec}: {path} is already written by {seen[os.path.abspath(path)]}")
            else:
                seen[os.path.abspath(path)] = f"--report {spec}"
                self.targets.append((fmt, Path(path)))

    def check(self) -> None:
        """Bad requests are bad usage (exit 2); the good ones still get the error written into them."""
        if self.problems:
            raise UsageError("; ".join(self.problems))

    def root(self) -> SourceRoot:
        if self._root is None:
            self._root = source_root(self.sarif_root)
        return self._root

    def sarif_root_for(self, fmt: str) -> SourceRoot | None:
        return self.root() if fmt == "sarif" else None

    # the result in the form a format shows (map: grouped for people, per pair for json and csv); None: as it is
    view: Callable[[Any, str], Any] | None = None

    def render_all(self, result: Any) -> list[tuple[Path, str]]:
        shaped = self.view or (lambda r, fmt: r)
        return [(path, render(shaped(result, fmt), fmt, sarif_root=self.sarif_root_for(fmt)))
                for fmt, path in self.targets]

    @staticmethod
    def write(rendered: list[tuple[Path, str]]) -> None:
        for path, text in rendered:
            _write(text, path)

    def write_failure(self, exc: BaseException) -> None:
        """Best effort: a report that cannot be written says so on stderr; the run's own error still wins."""
        if not self.targets:
            return
        failed = failure_of(self.command, exc)
        for fmt, path in self.targets:
            try:
                root = self.sarif_root_for(fmt)
            except UsageError:  # a bad --sarif-root: the URIs stay relative to the current directory
                root = None
            try:
                _write(render(failed, fmt, sarif_root=root), path)
            except UsageError as write_error:
                sys.stderr.write(f"netverify: error: {write_error}\n")


def _write(text: str, path: Path) -> None:
    """A report's folder is made when missing (`--report sarif=reports/x.sarif` in a fresh CI checkout)."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UsageError(f"--report {path}: cannot write: {exc.strerror or exc}") from exc
    emit(text, path, option=f"--report {path}")


def _problem(e: InputError) -> RunProblem:
    return RunProblem(e.message, e.file, e.line, e.field, InputError.render(e))


def failure_of(command: str, exc: BaseException) -> FailedRun:
    """The record of what stopped the run, in the words netverify prints on stderr (cli/guard.py)."""
    if isinstance(exc, InputErrors):
        return FailedRun(command, tuple(_problem(e) for e in exc.errors), EXIT_USAGE)
    if isinstance(exc, InputError):
        return FailedRun(command, (_problem(exc),), EXIT_USAGE)
    if isinstance(exc, UsageError):
        return FailedRun(command, (RunProblem(str(exc), text=f"netverify: error: {exc}"),), EXIT_USAGE)
    if isinstance(exc, OSError) and exc.filename is not None:
        message = f"cannot read: {exc.strerror or exc}"
        return FailedRun(command, (RunProblem(message, str(exc.filename), text=f"{exc.filename}: error: {message}"),),
                         EXIT_USAGE)
    what = "the solver and the concrete evaluator disagree" if isinstance(exc, InternalDisagreement) else "internal"
    message = f"{what}: {type(exc).__name__}: {exc}"
    return FailedRun(command, (RunProblem(message, text=f"netverify: internal error: {message}"),), EXIT_UNKNOWN,
                     kind="internal")


def with_failure_reports(work: Callable[[], int], reports: Reports) -> Callable[[], int]:
    """The command body, writing the error into every requested report when it raises."""

    def run() -> int:
        try:
            reports.check()
            return work()
        except Exception as exc:  # noqa: BLE001 - written into the reports, then re-raised for cli_guard
            reports.write_failure(exc)
            raise

    return run
