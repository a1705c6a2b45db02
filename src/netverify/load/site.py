"""Where a value sits in a file: enough to build a Span or an InputError for it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from netverify.errors import InputError
from netverify.load.tree import Path, PathItem, format_path, line_at
from netverify.model.span import Span


@dataclass(frozen=True, slots=True)
class Site:
    file: str
    root: Any  # the object's data as read (LineDict), which knows the lines
    path: Path = ()

    def at(self, *steps: PathItem) -> Site:
        return Site(self.file, self.root, self.path + steps)

    @property
    def line(self) -> int:
        return line_at(self.root, self.path) or 0

    @property
    def field(self) -> str:
        return format_path(self.path)

    def span(self) -> Span:
        return Span(self.file, self.line)

    def error(self, message: str) -> InputError:
        return InputError(self.file, self.line or None, self.field or None, message)

    def where(self) -> str:
        """`file:line` for warnings."""
        return str(self.span())
