"""Writing a rendered report: all or nothing, to stdout or --output; notes to stderr where the format has
no place for them."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable
from pathlib import Path

from netverify.errors import UsageError, clip_long_words
from netverify.report import FORMATS_WITH_NOTES


def use_color(fmt: str, output: Path | None) -> bool:
    """Colour only for text on an interactive terminal, and never when NO_COLOR is set (no-color.org)."""
    if fmt != "text" or output is not None or os.environ.get("NO_COLOR") or os.environ.get("TERM") == "dumb":
        return False
    return sys.stdout.isatty()


def text_width(wide: bool, output: Path | None) -> int | None:
    """The columns text output fits: None with --wide; the terminal's when stdout is one; else $COLUMNS when set
    (a wrapper that knows its width); else 80."""
    if wide:
        return None
    if output is None and sys.stdout.isatty():
        try:
            return max(os.get_terminal_size(sys.stdout.fileno()).columns, 40)
        except OSError:
            pass
    columns = os.environ.get("COLUMNS", "")
    return max(int(columns), 40) if columns.isdigit() else 80


def emit(rendered: str | Iterable[str], output: Path | None, option: str | None = None) -> None:
    """The report as a string or in pieces (a map streamed row by row); a file is replaced atomically, so a
    reader never sees half."""
    pieces = (rendered,) if isinstance(rendered, str) else rendered
    if output is None:
        for piece in pieces:
            sys.stdout.write(piece)
        sys.stdout.flush()
        return
    target = output.resolve()
    # A sibling temporary file (same filesystem, so the rename is atomic), created with open() so the
    # report gets the user's usual permissions rather than mkstemp's 0600.
    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    try:
        with open(tmp, "w", encoding="utf-8", newline="") as fh:
            for piece in pieces:
                fh.write(piece)
        os.replace(tmp, target)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise UsageError(f"{option or f'--output {output}'}: cannot write: {exc.strerror or exc}") from exc
    except BaseException:  # a streamed report that failed half way: no half-written file is left behind
        tmp.unlink(missing_ok=True)
        raise


def emit_notes(notes: tuple[str, ...], fmt: str) -> None:
    if fmt in FORMATS_WITH_NOTES:
        return
    for note in dict.fromkeys(notes):  # each note once
        sys.stderr.write(f"note: {clip_long_words(note)}\n")
    sys.stderr.flush()
