"""The properties file's JSON Schema, generated from its pydantic models (load/properties_schema.py).

Editors (the YAML language server: `# yaml-language-server: $schema=...`) complete and check a properties
file with it. It is the shape only: what the loader checks beyond it (a valid namespace name, one endpoint
shape, unique names, ports in range) is still reported by `netverify prove` with file, line and field.
docs/properties.schema.json is this output; a test keeps the two equal (`netverify schema properties`).
"""

from __future__ import annotations

from typing import Any

from netverify.load.properties_schema import PropertiesSchema

DRAFT = "https://json-schema.org/draft/2020-12/schema"


def properties_json_schema() -> dict[str, Any]:
    schema = _one_line_descriptions(PropertiesSchema.model_json_schema(by_alias=True, mode="validation"))
    return {"$schema": DRAFT, **schema, "title": "netverify properties file"}


def _one_line_descriptions(node: Any) -> Any:
    """Docstrings wrap at the source's width; an editor's hover should not."""
    if isinstance(node, dict):
        return {k: " ".join(v.split()) if k == "description" and isinstance(v, str) else _one_line_descriptions(v)
                for k, v in node.items()}
    if isinstance(node, list):
        return [_one_line_descriptions(v) for v in node]
    return node
