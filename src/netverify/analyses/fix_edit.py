"""One candidate edit of a manifest's text for `prove --suggest-fix` (analyses/fix.py searches over them)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Edit:
    """description: what the edit does, for the report; file and line: where (1-based);
    apply: the edited text from the text.

    inserts: the edit adds lines before `line` (a new rule) rather than changing the item on it; applied after
    every in-place edit of the same line, so that both land where they were meant.
    slot: edits sharing a non-empty slot are alternatives for one place (the same Deny with and without the
    ports): the search never pairs them.
    rank: the edit's kind in the order of preference (docs/fix.md): its cost in the search is rank-weighted.
    target: the policy and direction of the rule it narrows (analyses/fix_learn.target_key), empty for a new
    rule: the search learns from it which edits can change how a connection is decided."""

    description: str
    file: str
    line: int
    apply: Callable[[str], str]
    inserts: bool = False
    slot: str = ""
    rank: int = 0
    target: str = ""
