"""The one error family. Everything the user did wrong becomes an InputError (exit 2)."""

from __future__ import annotations

import re

_LONG_WORD = re.compile(r"\S{201,}")


def clip_long_words(text: str) -> str:
    """A hostile input can be a megabyte-long value that messages quote: keep its ends, say how long it was."""
    return _LONG_WORD.sub(lambda m: f"{m.group()[:80]}…({len(m.group())} characters)…{m.group()[-20:]}", text)


class NetverifyError(Exception):
    """Base of every error netverify raises on purpose."""


class InputError(NetverifyError):
    """Bad input: names the file, the line, the field and what is wrong."""

    def __init__(self, file: str, line: int | None, field: str | None, message: str) -> None:
        self.file = file
        self.line = line
        self.field = field
        self.message = message
        super().__init__(self.render())

    def render(self) -> str:
        where = self.file if self.line is None else f"{self.file}:{self.line}"
        what = f"{self.field}: {self.message}" if self.field else self.message
        return clip_long_words(f"{where}: error: {what}")


class UsageError(NetverifyError):
    """Bad command-line usage (exit 2), e.g. a workload named on the command line that does not exist."""


class InternalDisagreement(NetverifyError):
    """The SMT encoder and the concrete evaluator disagree: a bug in netverify, never the user's fault."""
