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


class InputErrors(InputError):
    """Several InputErrors found in one pass over a file (e.g. a properties file): all are reported at once.

    An InputError itself (the first one's file, line, field and message), so every `except InputError` keeps
    working; `render()` gives one line per error, in file and line order.
    """

    def __init__(self, errors: list[InputError]) -> None:
        if not errors:
            raise ValueError("InputErrors needs at least one error")
        flat: list[InputError] = []
        for e in errors:
            flat.extend(e.errors if isinstance(e, InputErrors) else [e])
        self.errors: tuple[InputError, ...] = tuple(sorted(flat, key=lambda e: (e.file, e.line or 0)))
        first = self.errors[0]
        super().__init__(first.file, first.line, first.field, first.message)

    def render(self) -> str:
        return "\n".join(InputError.render(e) for e in self.errors)

    @classmethod
    def raise_if_any(cls, errors: list[InputError]) -> None:
        """Raise the one error as itself, several as an InputErrors; nothing when the list is empty."""
        if len(errors) == 1:
            raise errors[0]
        if errors:
            raise cls(errors)


class UsageError(NetverifyError):
    """Bad command-line usage (exit 2), e.g. a workload named on the command line that does not exist."""


class InternalDisagreement(NetverifyError):
    """The SMT encoder and the concrete evaluator disagree: a bug in netverify, never the user's fault."""
