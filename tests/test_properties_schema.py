"""The properties file's JSON Schema (generated from the pydantic models), its committed copy, its doc, and
the example that points editors at it."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from netverify.cli import app
from netverify.cli.schema import schema_text
from netverify.errors import InputError
from netverify.load.properties import load_properties

jsonschema = pytest.importorskip("jsonschema")

ROOT = Path(__file__).resolve().parents[1]
COMMITTED = ROOT / "docs" / "properties.schema.json"
DOC = ROOT / "docs" / "properties.md"
EXAMPLE = ROOT / "properties" / "isolation.yaml"
PROPERTIES_FILES = sorted(
    p for p in [*ROOT.glob("properties/*.yaml"), *ROOT.glob("tests/data/**/*.yaml")]
    if re.search(r"^properties:", p.read_text(encoding="utf-8"), re.M)
)


def schema() -> dict:
    return json.loads(schema_text())


def validator():
    return jsonschema.Draft202012Validator(schema())


def test_the_committed_schema_is_the_generated_one():
    assert COMMITTED.read_text(encoding="utf-8") == schema_text(), (
        "docs/properties.schema.json is stale: run `netverify schema properties > docs/properties.schema.json`")


def test_the_command_prints_the_schema():
    result = CliRunner().invoke(app, ["schema", "properties"])
    assert result.exit_code == 0
    assert result.stdout == schema_text()


def test_it_is_a_valid_2020_12_schema_that_forbids_unknown_keys():
    jsonschema.Draft202012Validator.check_schema(schema())
    assert schema()["additionalProperties"] is False
    assert all(d.get("additionalProperties") is False for d in schema()["$defs"].values())


@pytest.mark.parametrize("path", PROPERTIES_FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_file_the_loader_accepts_validates(path):
    """The schema must never reject a file netverify reads: editors would flag a correct file."""
    try:
        load_properties(str(path))
    except InputError:
        pytest.skip("the loader refuses this file (a test of bad input)")
    errors = [e.message for e in validator().iter_errors(yaml.safe_load(path.read_text(encoding="utf-8")))]
    assert errors == []


@pytest.mark.parametrize(("change", "wrong"), [
    (lambda p: p.update(form=p.pop("from")), "form"),  # a misspelt key
    (lambda p: p.update(expect="unreachble"), "unreachble"),
    (lambda p: p.pop("to"), "'to' is a required property"),
    (lambda p: p["from"].update(podSelector={"matchLabel": {"app": "x"}}), "matchLabel"),
    (lambda p: p["from"].update(namespace="Not_A_Name"), "Not_A_Name"),
])
def test_the_schema_catches_what_editors_should_flag(change, wrong):
    doc = {"properties": [{"name": "p", "from": {"namespace": "web"}, "to": {"namespace": "data"},
                           "expect": "unreachable"}]}
    assert list(validator().iter_errors(doc)) == []
    change(doc["properties"][0])
    messages = " ".join(e.message for e in validator().iter_errors(doc))
    assert wrong in messages


def _keys(node, found: set[str]) -> set[str]:
    if isinstance(node, dict):
        for key, value in node.get("properties", {}).items():
            found.add(key)
            _keys(value, found)
        for key, value in node.items():
            if key != "properties":
                _keys(value, found)
    elif isinstance(node, list):
        for value in node:
            _keys(value, found)
    return found


def test_the_doc_describes_every_field_of_the_schema():
    doc = DOC.read_text(encoding="utf-8")
    missing = sorted(k for k in _keys(schema(), set()) if f"`{k}`" not in doc)
    assert missing == []


def test_every_yaml_example_in_the_doc_is_a_valid_properties_file(tmp_path):
    blocks = re.findall(r"```yaml\n(.*?)```", DOC.read_text(encoding="utf-8"), re.S)
    full = [b for b in blocks if re.search(r"^properties:", b, re.M)]
    assert full, "docs/properties.md shows no whole properties file"
    for block in full:
        assert [e.message for e in validator().iter_errors(yaml.safe_load(block))] == []
        path = tmp_path / "p.yaml"
        path.write_text(block.replace("manifests:", "# manifests:"))
        load_properties(str(path))  # the loader reads it too


def test_the_example_points_editors_at_the_committed_schema():
    first = EXAMPLE.read_text(encoding="utf-8").splitlines()[0]
    match = re.fullmatch(r"# yaml-language-server: \$schema=(\S+)", first)
    assert match, first
    assert (EXAMPLE.parent / match.group(1)).resolve() == COMMITTED.resolve()
