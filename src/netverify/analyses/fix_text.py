"""Edits of a manifest's text at a peer or a rule, keeping everything else byte for byte (comments included).

A block-style YAML item is found by indentation: the item starting on a line (`- key: ...`) runs while the
following lines are indented deeper than its dash. A key inside it (`namespaceSelector:`) runs while lines are
indented deeper than the key. New values are written in flow style on the key's line. These edits are only
suggestions: the fix search re-loads the edited text and re-proves every property on it (analyses/fix.py).
"""

from __future__ import annotations

import re

import yaml

from netverify.model.labels import LabelSelector
from netverify.model.policy import PortMatch

_KEY = re.compile(r"^(?P<indent>\s*)(?P<dash>-\s+)?(?P<key>[A-Za-z]+):(?P<rest>.*)$")


def selector_yaml(selector: LabelSelector) -> dict:
    labels = {r.key: next(iter(r.values)) for r in selector.requirements if r.operator == "In" and len(r.values) == 1}
    exprs = [{"key": r.key, "operator": r.operator, **({"values": sorted(r.values)} if r.values else {})}
             for r in selector.requirements if not (r.operator == "In" and len(r.values) == 1)]
    out: dict = {}
    if labels:
        out["matchLabels"] = labels
    if exprs:
        out["matchExpressions"] = exprs
    return out


def flow(value) -> str:
    return yaml.safe_dump(value, default_flow_style=True, width=10_000, sort_keys=False).strip()


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


def _block_end(lines: list[str], start: int, depth: int) -> int:
    """The index after the last line of a block whose lines are indented deeper than `depth`."""
    end = start + 1
    while end < len(lines) and (not lines[end].strip() or _indent(lines[end]) > depth):
        end += 1
    while end > start + 1 and not lines[end - 1].strip():
        end -= 1
    return end


def item_range(lines: list[str], line_no: int) -> tuple[int, int]:
    """(first, end) indices of the list item written on 1-based `line_no`."""
    start = line_no - 1
    dash = lines[start].index("-") if lines[start].lstrip().startswith("-") else _indent(lines[start]) - 2
    return start, _block_end(lines, start, dash)


def _find_key(lines: list[str], first: int, end: int, key: str) -> int | None:
    for i in range(first, end):
        m = _KEY.match(lines[i])
        if m and m.group("key") == key:
            return i
    return None


def set_key(text: str, item_line: int, key: str, value, after: str | None = None) -> str:
    """Set `key` of the item on `item_line` to `value` (flow style), replacing its old block; a missing key
    is added after the key `after` (or at the item's end), at the item's key indentation."""
    lines = text.split("\n")
    first, end = item_range(lines, item_line)
    at = _find_key(lines, first, end, key)
    if at is not None:
        m = _KEY.match(lines[at])
        assert m is not None
        col = len(m.group("indent")) + len(m.group("dash") or "")
        stop = _block_end(lines, at, col)
        lines[at:stop] = [f"{m.group('indent')}{m.group('dash') or ''}{key}: {flow(value)}"]
        return "\n".join(lines)
    m = _KEY.match(lines[first])
    assert m is not None
    col = len(m.group("indent")) + len(m.group("dash") or "")
    anchor = _find_key(lines, first, end, after) if after else None
    insert = end if anchor is None else _block_end(lines, anchor, col)
    lines[insert:insert] = [f"{' ' * col}{key}: {flow(value)}"]
    return "\n".join(lines)


def drop_item(text: str, item_line: int) -> str:
    lines = text.split("\n")
    first, end = item_range(lines, item_line)
    del lines[first:end]
    return "\n".join(lines)


def ports_yaml(ports: tuple[PortMatch, ...]) -> list[dict]:
    out = []
    for p in ports:
        item: dict = {"protocol": str(p.protocol)}
        if p.port is not None:
            item["port"] = p.port
        if p.end_port is not None:
            item["endPort"] = p.end_port
        out.append(item)
    return out


_BLOCK_ITEM = re.compile(r"^(?P<indent> *)-(?P<gap> +)(?P<first>[^\s#-])")


def can_insert_before(text: str, item_line: int) -> bool:
    """Whether 1-based `item_line` starts an item of a block sequence (`- key: ...` or `- {...}`): only there
    can a new item be written in front of it without touching the YAML around it (a flow list, a JSON
    document or a dash alone on its line is left alone: the candidate is skipped)."""
    lines = text.split("\n")
    return 1 <= item_line <= len(lines) and _BLOCK_ITEM.match(lines[item_line - 1]) is not None


def insert_items_before(text: str, item_line: int, items: list[dict]) -> str:
    """Write `items` (mappings) as new block sequence items right before the one on `item_line`, at its dash
    column: the first key on the dash's line, each further key below it, every value in flow style."""
    lines = text.split("\n")
    m = _BLOCK_ITEM.match(lines[item_line - 1])
    assert m is not None, "can_insert_before() says where this may be called"
    dash, col = m.group("indent"), " " * (len(m.group("indent")) + 1 + len(m.group("gap")))
    new: list[str] = []
    for item in items:
        pairs = [flow({k: v})[1:-1] for k, v in item.items()]  # `{k: v}` in flow style, without the braces
        new.append(f"{dash}-{m.group('gap')}{pairs[0]}")
        new += [f"{col}{p}" for p in pairs[1:]]
    lines[item_line - 1:item_line - 1] = new
    return "\n".join(lines)
