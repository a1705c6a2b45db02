"""`--progress/--no-progress` and `--quiet`: what a run says on stderr besides its errors.

Progress bars (rich, on stderr) come on by themselves only where someone watches: stderr is a terminal, not a
CI job (the CI variable every CI service sets), not TERM=dumb, not --quiet; and a step shows its bar only once
it has lasted about a second, so quick runs print nothing extra. `--progress` forces them (from the start of
each step, also on a pipe or in a CI log); `--no-progress` never shows them. Bars never touch stdout: the
report there is byte for byte what it is without them.

`--quiet` drops notes (`note: ...` lines), never results or errors: the exit code, the report, error
messages, and the trust lines of formats with no place for them (`UNKNOWN: ...`, `caveat: ...` beside csv and
dot output) all stay.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Annotated, Optional

import typer

from netverify.model import progress as model_progress

ProgressOption = Annotated[
    Optional[bool],
    typer.Option("--progress/--no-progress", help="Progress bars on stderr: by default only on a terminal (not in "
                 "CI), for steps lasting over a second; --progress shows them anyway, --no-progress never."),
]
QuietOption = Annotated[
    bool, typer.Option("--quiet", "-q", help="No notes on stderr; results, trust lines and errors stay.")
]

SHOW_AFTER_S = 1.0  # a step shorter than this shows no bar on a terminal
_quiet: ContextVar[bool] = ContextVar("netverify_quiet", default=False)


def quiet() -> bool:
    """Whether this run was asked not to print notes."""
    return _quiet.get()


def watched() -> bool:
    """Somebody is looking at stderr: a terminal, outside CI."""
    if os.environ.get("CI") or os.environ.get("TERM") == "dumb":
        return False
    try:
        return sys.stderr.isatty()
    except (AttributeError, ValueError):  # a replaced or closed stderr
        return False


def choose_progress(flag: Optional[bool], is_quiet: bool) -> model_progress.Progress:
    if flag is False or (flag is None and (is_quiet or not watched())):
        return model_progress.NO_PROGRESS
    # lazy: rich's progress machinery is imported only by runs that may draw a bar
    from netverify.cli.progress_bars import RichProgress

    return RichProgress(forced=flag is True, show_after_s=0.0 if flag else SHOW_AFTER_S)


@contextmanager
def feedback(progress_flag: Optional[bool] = None, is_quiet: bool = False) -> Iterator[None]:
    """The run inside the block reports progress and notes as the options say."""
    token = _quiet.set(is_quiet)
    try:
        with model_progress.using(choose_progress(progress_flag, is_quiet)):
            yield
    finally:
        _quiet.reset(token)


__all__ = ["ProgressOption", "QuietOption", "feedback", "quiet"]
