"""`netverify schema properties`: print the properties file's JSON Schema (for editors and CI checks)."""

from __future__ import annotations

import json

import typer

from netverify.cli.help import ReadableCommand, ReadableGroup

schema_app = typer.Typer(help="Print a JSON Schema netverify's inputs follow.", no_args_is_help=True,
                         add_completion=False, cls=ReadableGroup)


def schema_text() -> str:
    """The schema as docs/properties.schema.json holds it: indented, keys in generation order, one final newline."""
    from netverify.load.properties_jsonschema import properties_json_schema

    return json.dumps(properties_json_schema(), indent=2, ensure_ascii=False) + "\n"


@schema_app.command("properties", cls=ReadableCommand)
def properties() -> None:
    """The JSON Schema of a properties file (docs/properties.md); the same as docs/properties.schema.json."""
    typer.echo(schema_text(), nl=False)
