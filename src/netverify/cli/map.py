"""Options of `netverify map` only (kept out of cli/options.py, which every command shares)."""

from __future__ import annotations

from enum import Enum
from typing import Annotated

import typer

from netverify.errors import UsageError


class MapGranularity(str, Enum):
    """`--granularity`: one row per workload, or per pod (analyses/map_pods.py)."""

    workload = "workload"
    pod = "pod"


# Formats for people show workloads alike in every connection as one row (analyses/map_groups.py) unless
# --expand; JSON keeps the per-pair rows of spec §6 unless --grouped; CSV is always per pair.
GROUPED_BY_DEFAULT = frozenset({"text", "markdown", "dot", "html"})
GROUPABLE = GROUPED_BY_DEFAULT | {"json"}

Grouped = Annotated[bool, typer.Option(
    "--grouped", help="Workloads alike in every connection (same peers, same ports, both directions) as one row "
    "(ns/NAME ×N): the default for text, markdown, dot and html; for json the grouped shape (docs/json.md).")]
Expand = Annotated[bool, typer.Option(
    "--expand", help="Every workload pair as its own row (the default for json and csv).")]


def map_view_grouped(fmt: str, grouped: bool, expand: bool) -> bool:
    """Whether the rows are per group (True) or per pair; a contradiction is a usage error (exit 2)."""
    if grouped and expand:
        raise UsageError("--grouped and --expand contradict each other: choose one")
    if grouped and fmt not in GROUPABLE:
        raise UsageError(f"--grouped does not fit --format {fmt}: {fmt} is per pair; grouped rows come in "
                         f"{', '.join(sorted(GROUPABLE))}")
    return grouped or (fmt in GROUPED_BY_DEFAULT and not expand)


def report_view_grouped(fmt: str, grouped: bool, expand: bool) -> bool:
    """The view a `--report FMT=PATH` of map gets: its format's default, or --grouped / --expand where they fit."""
    if expand:
        return False
    return fmt in GROUPED_BY_DEFAULT or (grouped and fmt in GROUPABLE)
