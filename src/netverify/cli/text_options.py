"""Options about how text reads and where unnamed objects live: `--wide`, `--default-namespace` (and the
deprecated `-n`/`--namespace`, which read like kubectl's namespace filter but never were one)."""

from __future__ import annotations

import sys
from typing import Annotated, Optional

import typer

Namespace = Annotated[str, typer.Option("--default-namespace", metavar="NAMESPACE",
                                        help="Namespace of objects that name none (kubectl's default: default).")]
# `-n`/`--namespace` read like kubectl's namespace filter, which they never were: kept working, with a note
NamespaceAlias = Annotated[Optional[str], typer.Option("--namespace", "-n", hidden=True)]


def default_namespace(default: str, alias: str | None) -> str:
    if alias is None:
        return default
    sys.stderr.write("note: -n/--namespace is deprecated: it never filtered, it sets the namespace of objects that "
                     "name none; write --default-namespace (map --focus and explain name what to look at)\n")
    return alias


Wide = Annotated[
    bool,
    typer.Option("--wide", help="Text output as wide as it is: every policy listed, no wrapping (default: fit the "
                 "terminal, or 80 columns)."),
]
