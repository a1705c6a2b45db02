"""Option types and choices the commands share (each a typer Annotated alias)."""

from __future__ import annotations

from enum import Enum
from pathlib import Path
from typing import Annotated, Optional

import typer

from netverify.report import formats_for

class FailOn(str, Enum):
    added = "added"
    changed = "changed"
    new_workloads = "new-workloads"
    never = "never"


class Scope(str, Enum):
    any = "any"
    existing = "existing"


def _format_help(command: str) -> str:
    return f"Output format: {', '.join(formats_for(command))}."


Files = Annotated[
    list[str],
    typer.Option("-f", "--file", help="Manifest file, directory (searched recursively), - for stdin, or cluster:[CONTEXT] for a live cluster; repeatable."),
]
Output = Annotated[Optional[Path], typer.Option("--output", "-o", help="Write the report to FILE instead of stdout.")]
IPBlockPods = Annotated[
    bool,
    typer.Option("--ipblock-matches-pods", help="Let ipBlock peers match pod IPs too (what some CNIs do)."),
]
Timeout = Annotated[float, typer.Option("--timeout", min=0.001, help="Solver time limit per check, in seconds.")]
IgnoreKind = Annotated[
    list[str],
    typer.Option("--ignore-kind", metavar="KIND", help="Accept the risk of a policy kind netverify does not model "
                 "(Kind or Kind.group, e.g. GlobalNetworkPolicy): results are computed without it and carry a "
                 "caveat instead of being unknown; repeatable."),
]
