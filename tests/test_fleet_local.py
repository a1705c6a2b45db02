"""`netverify fleet` with the local engine: each cluster's section is what `prove` gives for it alone, the
outcomes are the generator's truth, the exit code is prove's over the fleet, bad input anywhere is exit 2."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from fleet_fixtures import fleet_work, load, without_durations, write_fleet
from netverify.analyses.fleet_local import run_local
from netverify.cli import app
from netverify.errors import InputError, InputErrors
from netverify.report import render

runner = CliRunner()


@pytest.fixture(scope="module")
def fleet4(tmp_path_factory):
    return write_fleet(tmp_path_factory.mktemp("fleet4"), 4)


def _run(*args: str):
    return runner.invoke(app, ["fleet", *args])


def test_each_section_is_prove_for_that_cluster_alone(fleet4, tmp_path):
    out = tmp_path / "fleet.json"
    result = _run(str(fleet4.path), "--format", "json", "-o", str(out))
    doc = json.loads(out.read_text())
    assert [c["name"] for c in doc["clusters"]] == ["c00", "c01", "c02", "c03"]
    for section in doc["clusters"]:
        name = section["name"]
        base = fleet4.path.parent / "clusters" / name
        # prove reads the same cluster: the shared file's property is the last one of the fleet's (first file)
        alone = json.loads(runner.invoke(app, ["prove", str(base / "properties.yaml"), "--format", "json"]).output)
        own = {r["name"]: r for r in section["results"]}
        for r in alone["results"]:
            assert without_durations(own[r["name"]]) == without_durations(r)
        assert {r["name"]: r["status"] for r in section["results"]} == fleet4.expected[name]
    assert result.exit_code == 1  # the generated clusters have violated properties
    assert doc["verdict"] == "failed" and doc["summary"]["clusters"]["failed"] == 4


def test_two_processes_give_the_same_report(fleet4):
    one = json.loads(_run(str(fleet4.path), "--format", "json").output)
    two = json.loads(_run(str(fleet4.path), "--format", "json", "--jobs", "2").output)  # a worker per cluster
    assert without_durations(one) == without_durations(two)
    fleet = load(fleet4)
    few = type(fleet)(fleet.path, fleet.repo, fleet.clusters[:1])  # fewer clusters than processes
    spread = json.loads(render(run_local(few, fleet_work(few), jobs=3), "json"))  # its properties spread
    assert without_durations(spread["clusters"]) == without_durations(one["clusters"][:1])


def test_exit_code_is_proves_over_the_fleet(tmp_path):
    write_fleet(tmp_path, 2)
    only_shared = tmp_path / "proven.yaml"  # the shared property alone is proven on every cluster: exit 0
    only_shared.write_text(yaml.safe_dump({"properties": ["shared.yaml"], "clusters": [
        {"name": n, "manifests": [f"clusters/{n}/manifests"]} for n in ("c00", "c01")]}))
    assert _run(str(only_shared)).exit_code == 0
    # A run out of time is unknown for what was not proven: exit 3, whatever else was found.
    assert _run(str(only_shared), "--max-time", "0.001").exit_code == 3


def test_a_run_past_its_budget_is_unknown_never_proven(fleet4):
    fleet = load(fleet4)
    report = run_local(fleet, fleet_work(fleet, deadline=time.time() - 1))
    statuses = {r.status for s in report.sections for r in s.report.results}
    assert statuses <= {"unknown", "vacuous"} and "unknown" in statuses


@pytest.mark.parametrize("jobs", [1, 2])
def test_bad_input_in_several_clusters_is_reported_all_at_once(tmp_path, jobs):
    written = write_fleet(tmp_path, 3)
    for name in ("c00", "c02"):
        props = tmp_path / "clusters" / name / "properties.yaml"
        doc = yaml.safe_load(props.read_text())
        doc["properties"][0]["to"] = {"namespace": "kube-system", "service": "no-such-service"}
        props.write_text(yaml.safe_dump(doc, sort_keys=False))
    fleet = load(written)
    with pytest.raises(InputError) as caught:  # jobs 2: a worker per cluster, the errors of both come back
        run_local(fleet, fleet_work(fleet), jobs=jobs)
    errors = caught.value.errors if isinstance(caught.value, InputErrors) else (caught.value,)
    files = sorted(Path(e.file).parent.name for e in errors)
    assert files == ["c00", "c02"]
    result = _run(str(written.path))
    assert result.exit_code == 2 and "no-such-service" in result.output and "Traceback" not in result.output


def test_cli_bad_fleet_file_is_exit_2_with_file_and_line(tmp_path):
    path = tmp_path / "fleet.yaml"
    path.write_text("clusters:\n  - name: a\n    manifests: [nowhere]\n    properties: [none.yaml]\n")
    result = _run(str(path))
    assert result.exit_code == 2
    assert f"{path}:3" in result.output and "nowhere: no such file or directory" in result.output


def test_cli_ray_options_need_the_ray_engine(fleet4):
    result = _run(str(fleet4.path), "--ray-address", "ray://h:10001")
    assert result.exit_code == 2 and "go with --engine ray" in result.output


@pytest.mark.parametrize("fmt", ["text", "markdown", "sarif", "junit"])
def test_every_format_has_a_section_per_cluster(fleet4, fmt):
    out = _run(str(fleet4.path), "--format", fmt).output
    for name in fleet4.expected:
        assert name in out
