"""A field the loader kept but netverify does not model, with where it was written.

Layers answer "unknown" for exactly what such a field could decide (docs/semantics.md, "Unknown")."""

from __future__ import annotations

from dataclasses import dataclass

from netverify.model.span import Span


@dataclass(frozen=True, slots=True)
class Unmodelled:
    """`field` is a path inside the object, e.g. `ingress[0].http`."""

    field: str
    span: Span

    def __str__(self) -> str:
        return f"{self.field} ({self.span})"
