"""`--report FORMAT=PATH`: one load, every report beside the terminal output; on bad input every report
still written, carrying the error where each format's readers look (SARIF, JUnit, markdown, JSON)."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from typer.testing import CliRunner

from netverify.cli import app
from test_cli_end_to_end import ALLOW_WEB, FRONTEND_NEVER_DB, ONLY_FRONTEND, SHOP, props, write

runner = CliRunner()
SARIF_SCHEMA = Path(__file__).resolve().parents[2] / "shared" / "schemas" / "sarif-schema-2.1.0.json"


def run(*args):
    return runner.invoke(app, [str(a) for a in args])


@pytest.fixture
def shop(tmp_path, monkeypatch) -> Path:
    write(tmp_path / "head" / "shop.yaml", SHOP + ALLOW_WEB)
    write(tmp_path / "base" / "shop.yaml", SHOP)
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.fixture
def load_count(monkeypatch) -> list[str]:
    """How often the manifests are read: one run must read them once, however many reports it writes."""
    import netverify.load.manifests as manifests

    calls: list[str] = []
    real = manifests.load_cluster

    def counting(paths, **kw):
        calls.append(str(paths))
        return real(paths, **kw)

    monkeypatch.setattr(manifests, "load_cluster", counting)
    return calls


def _schema_valid(doc: dict) -> None:
    if SARIF_SCHEMA.exists():
        jsonschema = pytest.importorskip("jsonschema")
        jsonschema.validate(doc, json.loads(SARIF_SCHEMA.read_text()))


def test_prove_writes_every_report_from_one_load_beside_the_terminal_text(shop, load_count):
    result = run("prove", props(shop, ONLY_FRONTEND + FRONTEND_NEVER_DB), "--report", "sarif=out/p.sarif",
                 "--report", "markdown=out/p.md", "--report", "junit=out/p.xml", "--report", "json=out/p.json")
    assert result.exit_code == 1, result.stderr + result.stdout
    assert len(load_count) == 1
    assert "VIOLATED" in result.stdout and "frontend-never-reaches-db" in result.stdout  # the terminal still
    sarif = json.loads((shop / "out/p.sarif").read_text())
    _schema_valid(sarif)
    assert [r["ruleId"] for r in sarif["runs"][0]["results"]] == ["NV001"]
    assert (shop / "out/p.md").read_text().startswith("### ❌ netverify prove: failed")
    suite = ET.parse(shop / "out/p.xml").getroot()
    assert (suite.get("tests"), suite.get("failures")) == ("2", "1")
    assert json.loads((shop / "out/p.json").read_text())["summary"]["violated"] == 1


def test_diff_and_map_write_reports_too(shop, load_count):
    diff = run("diff", "base", "head", "--report", "markdown=d.md", "--report", "sarif=d.sarif", "--format", "json")
    assert diff.exit_code == 1, diff.stderr
    assert json.loads(diff.stdout)["changes"]  # terminal output in its own format
    assert "netverify diff" in (shop / "d.md").read_text()
    assert json.loads((shop / "d.sarif").read_text())["runs"][0]["results"][0]["ruleId"] == "NV101"
    load_count.clear()
    mapped = run("map", "-f", "head", "--report", "csv=m.csv", "--report", "dot=m.dot")
    assert mapped.exit_code == 0, mapped.stderr
    assert len(load_count) == 1
    assert (shop / "m.csv").read_text().startswith("src")
    assert (shop / "m.dot").read_text().startswith("digraph")


BAD_PROPERTIES = """\
manifests: [head]
properties:
  - name: x
    form: {namespace: shop}
    to: {namespace: shop}
    expect: unreachable
"""
BAD_MANIFEST = """\
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: p, namespace: shop}
spec:
  podSelector: {}
  policyTypes: [Ingres]
"""


@pytest.mark.parametrize("broken", ["properties", "manifest"])
def test_bad_input_writes_the_error_into_every_requested_report(shop, broken):
    if broken == "properties":
        write(shop / "props.yaml", BAD_PROPERTIES)
        bad_file, bad_line = "props.yaml", 4
    else:
        write(shop / "head" / "zz-broken.yaml", BAD_MANIFEST)
        props(shop, ONLY_FRONTEND)
        bad_file, bad_line = "head/zz-broken.yaml", 6
    result = run("prove", "props.yaml", "--report", "sarif=p.sarif", "--report", "junit=p.xml",
                 "--report", "markdown=p.md", "--report", "json=p.json", "--report", "text=p.txt")
    assert result.exit_code == 2
    printed = result.stderr.strip()
    assert printed.startswith(f"{bad_file}:{bad_line}: error:")

    sarif = json.loads((shop / "p.sarif").read_text())
    _schema_valid(sarif)
    run_ = sarif["runs"][0]
    invocation = run_["invocations"][0]
    assert invocation["executionSuccessful"] is False
    (note,) = invocation["toolExecutionNotifications"]
    assert note["level"] == "error" and note["message"]["text"] == printed
    located = note["locations"][0]["physicalLocation"]
    assert (located["artifactLocation"]["uri"], located["region"]["startLine"]) == (bad_file, bad_line)
    (res,) = run_["results"]
    assert res["ruleId"] == "NV005" and res["level"] == "error"
    assert res["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == bad_file

    suite = ET.parse(shop / "p.xml").getroot()
    assert suite.get("errors") == "1"
    (case,) = suite.iter("testcase")
    assert (case.get("file"), case.get("line")) == (bad_file, str(bad_line))
    assert case.find("error").text.strip() == printed

    markdown = (shop / "p.md").read_text()
    assert markdown.startswith("### ⛔ netverify prove: bad input (exit 2)") and printed in markdown
    error = json.loads((shop / "p.json").read_text())["error"]
    assert error["exit_code"] == 2 and error["problems"][0]["line"] == bad_line
    assert printed in (shop / "p.txt").read_text()


def test_a_bad_report_request_is_bad_usage_and_the_good_ones_carry_it(shop):
    result = run("map", "-f", "head", "--report", "markdown=m.md", "--report", "junit=m.xml",
                 "--report", "nonsense")
    assert result.exit_code == 2
    assert "junit does not fit `netverify map`" in result.stderr and "expected FORMAT=PATH" in result.stderr
    assert not (shop / "m.xml").exists()
    assert "junit does not fit" in (shop / "m.md").read_text()


def test_two_reports_to_one_path_are_refused(shop):
    result = run("map", "-f", "head", "--report", "markdown=m.md", "--report", "json=m.md")
    assert result.exit_code == 2 and "already written by --report markdown=m.md" in result.stderr


def test_an_internal_error_is_written_as_exit_3(shop, monkeypatch):
    import netverify.analyses.map as map_analysis

    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(map_analysis, "connectivity_map", broken)
    result = run("map", "-f", "head", "--report", "markdown=m.md", "--report", "json=m.json")
    assert result.exit_code == 3
    assert "internal error (exit 3)" in (shop / "m.md").read_text()
    assert json.loads((shop / "m.json").read_text())["error"]["kind"] == "internal"


def test_a_report_folder_is_made_but_a_report_that_cannot_be_written_is_bad_usage(shop):
    assert run("map", "-f", "head", "--report", "markdown=new/dir/m.md").exit_code == 0
    assert (shop / "new/dir/m.md").exists()
    (shop / "file").write_text("")
    result = run("map", "-f", "head", "--report", "markdown=file/m.md")
    assert result.exit_code == 2 and "--report file/m.md: cannot write" in result.stderr


def test_explain_writes_reports_too(shop):
    result = run("explain", "shop/frontend", "shop/db", "--port", "3306/TCP", "-f", "head", "--report", "json=e.json")
    assert result.exit_code == 0, result.stderr
    assert json.loads((shop / "e.json").read_text())["allowed"] is True
    assert "allowed" in result.stdout
