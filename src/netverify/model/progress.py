"""How long-running steps say how far they are: a tiny interface, with a default that shows nothing.

Loaders and analyses call `current().task(...)` around a step and `advance()` as it goes; what (if anything)
is shown is the CLI's business (cli/progress.py draws rich bars on stderr). The reporter in use is held in a
context variable, not passed down every call: a step deep in load/ or analyses/ can report without every
function between it and the CLI growing a parameter, and a library caller that sets nothing gets the no-op.
Progress never changes a result: a reporter only watches.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Protocol


class Task(Protocol):
    """One step being watched: `total` may grow as more of the work becomes known (files found later)."""

    def advance(self, amount: float = 1) -> None: ...

    def add_total(self, amount: float) -> None: ...


class Progress(Protocol):
    def task(self, description: str, *, total: float | None = None, unit: str = "") -> "TaskScope": ...


class TaskScope(Protocol):
    def __enter__(self) -> Task: ...

    def __exit__(self, *exc: object) -> None: ...


class _NoTask:
    def advance(self, amount: float = 1) -> None:
        pass

    def add_total(self, amount: float) -> None:
        pass

    def __enter__(self) -> "_NoTask":
        return self

    def __exit__(self, *exc: object) -> None:
        pass


class NoProgress:
    """Shows nothing: the default for library callers, tests, pipes and CI logs."""

    def task(self, description: str, *, total: float | None = None, unit: str = "") -> _NoTask:
        return _NO_TASK


_NO_TASK = _NoTask()
NO_PROGRESS = NoProgress()
_current: ContextVar[Progress] = ContextVar("netverify_progress", default=NO_PROGRESS)

# Units the CLI knows how to show (bytes as sizes, the rest as counts).
BYTES = "bytes"


def current() -> Progress:
    """The reporter of the run in progress (NO_PROGRESS unless a caller set one with `using`)."""
    return _current.get()


@contextmanager
def using(progress: Progress) -> Iterator[Progress]:
    """Report through `progress` inside the block; the previous reporter is back afterwards."""
    token = _current.set(progress)
    try:
        yield progress
    finally:
        _current.reset(token)
