"""Plain data that remembers where it was written: dicts and lists carrying their own and their entries' lines."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

PathItem = str | int
Path = tuple[PathItem, ...]


class LineDict(dict):
    """A mapping read from a file. `line` is where it starts; `key_lines[k]` is the line of key k (1-based)."""

    __slots__ = ("line", "key_lines")

    def __init__(self, line: int = 0) -> None:
        super().__init__()
        self.line = line
        self.key_lines: dict[Any, int] = {}

    def line_of(self, key: Any) -> int:
        return self.key_lines.get(key, self.line)


class LineList(list):
    """A sequence read from a file. `line` is where it starts; `item_lines[i]` is the line of item i (1-based)."""

    __slots__ = ("line", "item_lines")

    def __init__(self, line: int = 0) -> None:
        super().__init__()
        self.line = line
        self.item_lines: list[int] = []

    def line_of(self, index: int) -> int:
        if 0 <= index < len(self.item_lines):
            return self.item_lines[index]
        return self.line


def line_at(root: Any, path: Iterable[PathItem]) -> int | None:
    """The line of the deepest part of `path` that exists in `root` (None when root knows no lines).

    Steps that are not in the data (e.g. pydantic's union-member tags such as 'int') are skipped.
    """
    node = root
    line = getattr(root, "line", None) or None
    for step in path:
        if isinstance(node, LineDict) and not isinstance(step, int) and step in node:
            line = node.line_of(step) or line
            node = node[step]
        elif isinstance(node, LineList) and isinstance(step, int) and 0 <= step < len(node):
            line = node.line_of(step) or line
            node = node[step]
    return line


def format_path(path: Iterable[PathItem]) -> str:
    """`('spec', 'ingress', 0, 'from', 1)` → `spec.ingress[0].from[1]`."""
    out = ""
    for step in path:
        if isinstance(step, int):
            out += f"[{step}]"
        else:
            out += f".{step}" if out else str(step)
    return out
