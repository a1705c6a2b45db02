"""A properties file reports every error it has in one pass, and names an unknown key as such (issue 9 item 8).

`form:` for `from:` is one mistake: "unknown key 'form' (did you mean 'from'?)", not "from: required field is
missing". The CLI prints every error (file:line: error: field: message) and exits 2.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
from typer.testing import CliRunner

from netverify.cli import app
from netverify.errors import InputError, InputErrors
from netverify.load.properties import load_properties

runner = CliRunner()

THREE_ERRORS = """\
properties:
  - name: a
    form: {namespace: web}
    to: {namespace: data}
    expect: unreachable
  - name: b
    from: {namespace: Bad_NS}
    to: {namespace: data}
    expect: unreachable
  - name: c
    from: {namespace: web}
    to: {namespace: data}
    expect: unreachble
"""


def write(tmp_path: Path, text: str) -> str:
    path = tmp_path / "props.yaml"
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return str(path)


def errors_of(tmp_path: Path, text: str) -> list[InputError]:
    with pytest.raises(InputError) as caught:
        load_properties(write(tmp_path, text))
    err = caught.value
    return list(err.errors) if isinstance(err, InputErrors) else [err]


def where(errors: list[InputError]) -> list[tuple[int | None, str | None]]:
    return [(e.line, e.field) for e in errors]


def test_a_file_with_three_errors_reports_all_three(tmp_path):
    errors = errors_of(tmp_path, THREE_ERRORS)
    assert where(errors) == [(3, "properties[0].form"), (7, "properties[1].from.namespace"),
                             (13, "properties[2].expect")]
    assert "'Bad_NS'" in errors[1].message and "unreachble" in errors[2].message


def test_the_cli_prints_every_error_and_exits_2(tmp_path):
    path = write(tmp_path, THREE_ERRORS)
    result = runner.invoke(app, ["prove", path])
    assert result.exit_code == 2
    lines = result.stderr.strip().splitlines()
    assert [line.split(": error: ")[0] for line in lines] == [f"{path}:3", f"{path}:7", f"{path}:13"]
    assert [line.split(": error: ")[1].split(":")[0] for line in lines] == [
        "properties[0].form", "properties[1].from.namespace", "properties[2].expect"]
    assert result.stdout == ""  # nothing half-reported
    assert "Traceback" not in result.output


def test_form_is_an_unknown_key_with_a_suggestion_not_a_missing_from(tmp_path):
    errors = errors_of(tmp_path, """\
        properties:
          - name: a
            form: {namespace: web}
            to: {namespace: data}
            expect: unreachable
        """)
    assert len(errors) == 1
    assert (errors[0].line, errors[0].field) == (3, "properties[0].form")
    assert errors[0].message == "unknown key 'form' (did you mean 'from'?)"


def test_unknown_keys_deeper_down_get_the_nearest_key_of_their_mapping(tmp_path):
    errors = errors_of(tmp_path, """\
        manifest: [m.yaml]
        properties:
          - name: a
            from: {namespace: web, podSelecter: {matchLabel: {app: x}}}
            to: {namespace: data}
            expect: unreachable
            scpoe: any
        """)
    assert [(e.field, e.message) for e in errors] == [
        ("manifest", "unknown key 'manifest' (did you mean 'manifests'?)"),
        ("properties[0].from.podSelecter", "unknown key 'podSelecter' (did you mean 'podSelector'?)"),
        ("properties[0].scpoe", "unknown key 'scpoe' (did you mean 'scope'?)"),
    ]


def test_an_unknown_key_nothing_resembles_lists_what_the_mapping_takes(tmp_path):
    errors = errors_of(tmp_path, """\
        properties:
          - name: a
            from: {namespace: web, zzz: 1}
            to: {namespace: data}
            expect: unreachable
        """)
    assert where(errors) == [(3, "properties[0].from.zzz")]
    assert errors[0].message.startswith("unknown key 'zzz'; expected one of: namespace, namespaceSelector")


def test_checks_of_well_formed_parts_run_even_when_the_property_has_schema_errors(tmp_path):
    errors = errors_of(tmp_path, """\
        properties:
          - name: a
            from: {namespace: web}
            to: {namespace: data}
            expect: unreachable
          - name: a
            from: {namespace: web}
            to: {namespace: Data}
            ports: [{port: 0}]
            expect: sometimes
        """)
    assert where(errors) == [(6, "properties[1].name"), (8, "properties[1].to.namespace"),
                             (9, "properties[1].ports[0].port"), (10, "properties[1].expect")]


def test_a_missing_key_without_a_near_unknown_key_is_still_missing(tmp_path):
    errors = errors_of(tmp_path, """\
        properties:
          - name: a
            to: {namespace: data}
            expect: unreachable
            description2: x
        """)
    messages = {e.field: e.message for e in errors}
    assert "required" in messages["properties[0].from"]
    assert messages["properties[0].description2"] == "unknown key 'description2' (did you mean 'description'?)"


def test_input_errors_is_an_input_error_that_renders_every_error():
    first = InputError("p.yaml", 3, "a", "one")
    second = InputError("p.yaml", 9, "b", "two")
    both = InputErrors([second, first])
    assert isinstance(both, InputError)
    assert (both.file, both.line, both.field, both.message) == ("p.yaml", 3, "a", "one")
    assert both.render() == "p.yaml:3: error: a: one\np.yaml:9: error: b: two"
    assert InputErrors([both, InputError("p.yaml", 5, None, "x")]).errors[1].line == 5  # nested ones flatten
    with pytest.raises(InputError) as caught:
        InputErrors.raise_if_any([first])
    assert caught.value is first
    InputErrors.raise_if_any([])  # nothing to raise


def test_what_is_under_a_misspelt_key_is_checked_as_the_key_it_resembles(tmp_path):
    errors = errors_of(tmp_path, """\
        properties:
          - name: a
            form:
              namespace: web
              podSelecter: {}
              ipBlock: {cidr: 1}
            to: {namespace: data}
            expect: unreachable
        """)
    assert [(e.line, e.field) for e in errors] == [
        (3, "properties[0].form"), (5, "properties[0].form.podSelecter"), (6, "properties[0].form.ipBlock.cidr")]
    assert errors[1].message == "unknown key 'podSelecter' (did you mean 'podSelector'?)"


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_every_property_naming_a_missing_workload_or_service_is_reported(tmp_path, jobs):
    manifests = tmp_path / "m.yaml"
    manifests.write_text("apiVersion: v1\nkind: Namespace\nmetadata: {name: web}\n", encoding="utf-8")
    path = write(tmp_path, """\
        manifests: [m.yaml]
        properties:
          - name: a
            from: {namespace: web, workload: nope}
            to: {namespace: web}
            expect: unreachable
          - name: b
            from: {namespace: web}
            to: {namespace: web, service: missing}
            expect: unreachable
        """)
    result = runner.invoke(app, ["prove", path, "--jobs", jobs])
    assert result.exit_code == 2 and result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert [line.split(": error: ")[0] for line in lines] == [f"{path}:4", f"{path}:9"]
    assert "'nope'" in lines[0] and "'missing'" in lines[1]
