"""The label universe: every key and value any selector mentions, plus one fresh value per key.

For selector matching that is exact: a label value no selector names behaves like every other such value,
so one fresh representative per key stands for all of them, and "absent" is its own case.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from netverify.model.calico_selector import StringTest
from netverify.model.labels import LabelSelector
from netverify.smt.string_values import representatives


@dataclass(frozen=True)
class KeyValues:
    key: str
    values: tuple[str, ...]  # index i stands for values[i]; index len(values) for `fresh`
    fresh: str  # a value no selector names (what a model's fresh slot prints as)
    positions: Mapping[str, int] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "positions", {v: i for i, v in enumerate(self.values)})

    @property
    def fresh_index(self) -> int:
        return len(self.values)

    def index(self, value: str) -> int:
        return self.positions.get(value, len(self.values))

    def value(self, index: int) -> str:
        return self.values[index] if index < len(self.values) else self.fresh


def fresh_value(taken: Iterable[str], base: str = "other") -> str:
    """A valid label value (and DNS label) that is not in `taken`."""
    used = set(taken)
    if base not in used:
        return base
    n = 2
    while f"{base}-{n}" in used:
        n += 1
    return f"{base}-{n}"


@dataclass(frozen=True)
class LabelUniverse:
    keys: Mapping[str, KeyValues]

    @staticmethod
    def of(selectors: Iterable[LabelSelector], extra: Mapping[str, Iterable[str]] | None = None,
           reserved: Mapping[str, Iterable[str]] | None = None,
           string_tests: Mapping[str, Iterable[StringTest]] | None = None) -> LabelUniverse:
        """`extra`: more values to name (e.g. namespace names a property mentions); `reserved`: values the
        fresh value must avoid besides the named ones (e.g. names of namespaces that already exist);
        `string_tests`: Calico's contains / starts with / ends with per key, which get a representative value
        for every combination of them a value can pass (smt/string_values.py)."""
        named: dict[str, set[str]] = {}
        for sel in selectors:
            for key, values in sel.mentioned().items():
                named.setdefault(key, set()).update(values)
        for key, values in (extra or {}).items():
            named.setdefault(key, set()).update(values)
        for key, tests in (string_tests or {}).items():
            taken = named.setdefault(key, set()) | set((reserved or {}).get(key, ()))
            named[key] |= representatives(tests, taken)
        out = {}
        for key in sorted(named):
            values = tuple(sorted(named[key]))
            avoid = set(values) | set((reserved or {}).get(key, ()))
            out[key] = KeyValues(key, values, fresh_value(avoid))
        return LabelUniverse(out)

    def project(self, labels: Mapping[str, str]) -> dict[str, int | None]:
        """A concrete label map as universe indices (None: key absent); keys outside the universe drop out."""
        return {key: (kv.index(labels[key]) if key in labels else None) for key, kv in self.keys.items()}
