"""The `netverify` typer app: its help, `--version`, and the `schema` group. Commands register on it
(cli/commands.py, and cli/__init__.py for the ones in modules of their own)."""

from __future__ import annotations

from typing import Annotated

import typer

from netverify import __version__
from netverify.cli.help import ReadableGroup
from netverify.cli.schema import schema_app

app = typer.Typer(
    name="netverify",
    cls=ReadableGroup,
    help="Prove Kubernetes NetworkPolicy properties for every pod that could exist, or refute them with a "
    "concrete counterexample.",
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    epilog="Exit codes: 0 all proven / nothing to report; 1 a property violated or vacuous, or a --fail-on gate "
    "met; 2 bad usage or bad input; 3 some result unknown (fail closed) or an internal error.",
)


app.add_typer(schema_app, name="schema")


def _version(value: bool) -> None:
    if value:
        typer.echo(f"netverify {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Print the version and exit.")
    ] = False,
) -> None:
    pass
