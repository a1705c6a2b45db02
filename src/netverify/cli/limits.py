"""The loader's resource limits as command-line options: what a hostile or broken input may cost before exit 2.

Each option's default is the loader's own (load/limits.py), shown in `--help`; hitting a limit is bad input
(exit 2, naming the file), never a hang or a crash.
"""

from __future__ import annotations

from typing import Annotated

import typer

from netverify.load.limits import DEFAULT_LIMITS, MIB, LoadLimits

_D = DEFAULT_LIMITS

MaxFileBytes = Annotated[
    int,
    typer.Option("--max-file-bytes", min=1, show_default=False,
                 help=f"Refuse a manifest or properties file (or stdin) larger than this many bytes "
                 f"(default: {_D.max_file_bytes}, {_D.max_file_bytes // MIB} MiB)."),
]
MaxFiles = Annotated[
    int, typer.Option("--max-files", min=1, help="Refuse more than this many manifest files in all.")
]
MaxDocuments = Annotated[
    int, typer.Option("--max-documents", min=1, help="Refuse a file with more than this many YAML documents.")
]
MaxDepth = Annotated[
    int, typer.Option("--max-depth", min=1, help="Refuse YAML/JSON nested deeper than this many levels.")
]
MaxAliasNodes = Annotated[
    int,
    typer.Option("--max-alias-nodes", min=0,
                 help="Refuse a file whose YAML aliases expand to more than this many nodes (alias bombs)."),
]


Lenient = Annotated[
    bool,
    typer.Option("--lenient",
                 help="Read fields the API types do not have (manifests of a newer API version) and object names "
                 "the API server refuses as warnings, not errors."),
]


def load_limits(max_file_bytes: int, max_files: int, max_documents: int, max_depth: int,
                max_alias_nodes: int, lenient: bool = False) -> LoadLimits:
    return LoadLimits(
        max_file_bytes=max_file_bytes,
        max_documents=max_documents,
        max_depth=max_depth,
        max_alias_expansion=max_alias_nodes,
        max_files=max_files,
        lenient=lenient,
    )
