"""Label selectors (metav1.LabelSelector) and their pure matching semantics."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

Operator = Literal["In", "NotIn", "Exists", "DoesNotExist"]
OPERATORS: tuple[Operator, ...] = ("In", "NotIn", "Exists", "DoesNotExist")


@dataclass(frozen=True, slots=True)
class Requirement:
    """One matchExpressions entry; a matchLabels pair k: v is Requirement(k, "In", {v})."""

    key: str
    operator: Operator
    values: frozenset[str] = frozenset()

    def matches(self, labels: Mapping[str, str]) -> bool:
        value = labels.get(self.key)
        if self.operator == "In":
            return value is not None and value in self.values
        if self.operator == "NotIn":
            # An object without the key matches NotIn (Kubernetes semantics).
            return value is None or value not in self.values
        if self.operator == "Exists":
            return value is not None
        return value is None  # DoesNotExist


@dataclass(frozen=True, slots=True)
class LabelSelector:
    """Conjunction of requirements; the empty selector `{}` matches everything."""

    requirements: tuple[Requirement, ...] = ()

    def matches(self, labels: Mapping[str, str]) -> bool:
        return all(r.matches(labels) for r in self.requirements)

    @property
    def is_everything(self) -> bool:
        return not self.requirements

    def mentioned(self) -> dict[str, set[str]]:
        """Every key this selector looks at, with every value it names (for the label universe)."""
        out: dict[str, set[str]] = {}
        for r in self.requirements:
            out.setdefault(r.key, set()).update(r.values)
        return out

    def __str__(self) -> str:
        if not self.requirements:
            return "{}"
        parts = []
        for r in self.requirements:
            vals = ",".join(sorted(r.values))
            if r.operator == "In" and len(r.values) == 1:
                parts.append(f"{r.key}={vals}")
            elif r.operator == "In":
                parts.append(f"{r.key} in ({vals})")
            elif r.operator == "NotIn":
                parts.append(f"{r.key} notin ({vals})")
            elif r.operator == "Exists":
                parts.append(r.key)
            else:
                parts.append(f"!{r.key}")
        return ",".join(parts)


EVERYTHING = LabelSelector(())


def selector_from_match_labels(match_labels: Mapping[str, str]) -> LabelSelector:
    return LabelSelector(tuple(Requirement(k, "In", frozenset({v})) for k, v in sorted(match_labels.items())))
