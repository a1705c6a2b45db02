from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Span:
    """Where something was written: file and 1-based line (0 when unknown, e.g. stdin JSON)."""

    file: str
    line: int = 0

    def __str__(self) -> str:
        return f"{self.file}:{self.line}" if self.line else self.file


NO_SPAN = Span("<generated>", 0)
