"""The rich implementation of model/progress.py's interface: one bar per step on stderr, with an ETA.

A bar appears once its step has lasted `show_after_s` (a timer thread shows it: a step stuck in one long
solver call still gets its bar) and the display stops as soon as no step is running, so nothing is drawn
while the report is written to stdout. Rich's stdout/stderr redirection is off: the report never passes
through the display. Forked workers (prove --jobs, fleet) inherit this object and show nothing: only the
process that made it draws.
"""

from __future__ import annotations

import os
import threading

from rich.console import Console
from rich.progress import (
    BarColumn,
    DownloadColumn,
    Progress,
    ProgressColumn,
    Task,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.text import Text

from netverify.model.progress import BYTES, NO_PROGRESS


class _Amount(ProgressColumn):
    """Bytes as sizes (1.2/15.0 MB), anything else as `done/total unit`."""

    def __init__(self) -> None:
        super().__init__()
        self._bytes = DownloadColumn()

    def render(self, task: Task) -> Text:
        unit = task.fields.get("unit", "")
        if unit == BYTES:
            return self._bytes.render(task)
        total = "?" if task.total is None else f"{int(task.total):,}"
        return Text(f"{int(task.completed):,}/{total} {unit}".rstrip(), style="progress.download")


class RichProgress:
    def __init__(self, *, forced: bool, show_after_s: float, console: Console | None = None) -> None:
        self._pid = os.getpid()
        self._show_after_s = show_after_s
        # Forced (a pipe, a CI log): bars stay as a record of each step, refreshed less often.
        self._bars = Progress(
            TextColumn("{task.description}"), BarColumn(), _Amount(), TimeElapsedColumn(), TextColumn("eta"),
            TimeRemainingColumn(),
            console=console or Console(stderr=True, force_terminal=True if forced else None),
            transient=not forced, refresh_per_second=2 if forced else 10,
            redirect_stdout=False, redirect_stderr=False,
        )
        self._lock = threading.RLock()
        self._running = 0  # steps entered and not yet left
        self._live = False

    def task(self, description: str, *, total: float | None = None, unit: str = ""):
        if os.getpid() != self._pid:  # a forked worker: its parent draws
            return NO_PROGRESS.task(description)
        return _Step(self, description, total, unit)

    # -- called by _Step, under the lock --------------------------------------------------------------------

    def _enter(self, description: str, total: float | None, unit: str) -> int:
        with self._lock:
            self._running += 1
            return self._bars.add_task(description, total=total or None, unit=unit, visible=False)

    def _show(self, task_id: int) -> None:
        with self._lock:
            if task_id not in self._bars.task_ids:
                return  # finished before its timer fired
            self._bars.update(task_id, visible=True)
            if not self._live:
                self._bars.start()
                self._live = True

    def _leave(self, task_id: int) -> None:
        with self._lock:
            self._running -= 1
            if self._live:
                self._bars.refresh()  # a forced bar's last state is what stays in the log
            if self._running == 0 and self._live:
                self._bars.stop()
                self._live = False
            self._bars.remove_task(task_id)


class _Step:
    def __init__(self, owner: RichProgress, description: str, total: float | None, unit: str) -> None:
        self._owner, self._description, self._total, self._unit = owner, description, total, unit
        self._id: int | None = None
        self._timer: threading.Timer | None = None

    def __enter__(self) -> "_Step":
        owner = self._owner
        self._id = owner._enter(self._description, self._total, self._unit)
        if owner._show_after_s <= 0:
            owner._show(self._id)
        else:
            self._timer = threading.Timer(owner._show_after_s, owner._show, args=(self._id,))
            self._timer.daemon = True
            self._timer.start()
        return self

    def __exit__(self, *exc: object) -> None:
        if self._timer is not None:
            self._timer.cancel()
        if self._id is not None:
            self._owner._leave(self._id)

    def advance(self, amount: float = 1) -> None:
        if self._id is not None:
            self._owner._bars.advance(self._id, amount)

    def add_total(self, amount: float) -> None:
        if self._id is not None and amount:
            bars = self._owner._bars
            with self._owner._lock:
                total = bars.tasks[bars.task_ids.index(self._id)].total or 0
                bars.update(self._id, total=total + amount)
