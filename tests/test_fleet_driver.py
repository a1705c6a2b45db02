"""The Ray engine's driver (fleet_ray.drive) on an in-process stand-in for Ray: the report equals the local
engine's whatever order tasks finish in; a task whose worker died every time is unknown (fail closed), never
lost; a bug inside a task is raised; bad input in several clusters is reported all at once. Runs without Ray."""

from __future__ import annotations

import json
import random

import pytest
import yaml

from fleet_fixtures import FakeRay, fleet_work, load, without_durations, write_fleet
from netverify.analyses.fleet import prove_chunk
from netverify.analyses.fleet_local import run_local
from netverify.analyses.fleet_ray import _finish_task, _load_task, drive
from netverify.cli.fleet import fleet_exit_code
from netverify.errors import InputError, InputErrors, InternalDisagreement
from netverify.report import render


@pytest.fixture(scope="module")
def fleet5(tmp_path_factory):
    written = write_fleet(tmp_path_factory.mktemp("fleet5"), 5, properties=3)
    fleet = load(written)
    local = run_local(fleet, fleet_work(fleet))
    return fleet, local


def _json(report):
    return without_durations(json.loads(render(report, "json")))


@pytest.mark.parametrize(("seed", "window", "chunk_size"), [(0, 1, 1), (1, 3, 3), (2, 10, 100)])
def test_the_report_equals_the_local_engines_in_any_completion_order(fleet5, seed, window, chunk_size):
    fleet, local = fleet5
    report = drive(FakeRay(random.Random(seed)), fleet, fleet_work(fleet, chunk_size=chunk_size), window=window)
    assert report.engine == "ray"
    assert _json(report) == _json(local)


def test_a_chunk_whose_worker_always_dies_is_unknown_with_the_reason_the_rest_stands(fleet5):
    fleet, local = fleet5

    def dies(fn, args):
        return fn is prove_chunk and args[0].name == "c01" and args[1][0] == 0

    report = drive(FakeRay(random.Random(0), dies), fleet, fleet_work(fleet, chunk_size=2), retries=1, window=2)
    dead = report.sections[1].report.results[:2]
    assert [r.status for r in dead] == ["unknown", "unknown"]
    assert all("failed 2 times" in r.reason and "died" in r.reason and "c01" in r.reason for r in dead)
    assert [r.name for r in report.sections[1].report.results] == [r.name for r in local.sections[1].report.results]
    kept, expected = _json(report), _json(local)
    for doc in (kept, expected):
        del doc["clusters"][1]["results"][:2], doc["clusters"][1]["summary"], doc["clusters"][1]["verdict"]
        del doc["summary"], doc["verdict"]
    assert kept == expected
    assert fleet_exit_code(report, strict=False) == 3


def test_a_cluster_whose_loading_always_dies_is_an_unknown_section(fleet5):
    fleet, _ = fleet5
    report = drive(FakeRay(random.Random(1), lambda fn, args: fn is _load_task and args[1].name == "c02"),
                   fleet, fleet_work(fleet))
    gone = report.sections[2]
    assert gone.name == "c02" and "loading cluster 'c02'" in gone.unknown_reason and not gone.report.results
    assert [s.name for s in report.sections] == ["c00", "c01", "c02", "c03", "c04"]
    assert fleet_exit_code(report, strict=False) == 3


def test_a_cluster_whose_finishing_always_dies_is_unknown_not_unjudged(fleet5):
    fleet, _ = fleet5
    report = drive(FakeRay(random.Random(2), lambda fn, args: fn is _finish_task and args[2].name == "c00"),
                   fleet, fleet_work(fleet))
    assert {r.status for r in report.sections[0].report.results} == {"unknown"}
    assert all(r.counterexample is None for r in report.sections[0].report.results)


def test_a_bug_inside_a_task_is_raised_never_an_unknown(fleet5):
    fleet, _ = fleet5

    def broken(loaded, indices, options, deadline):
        raise InternalDisagreement("the evaluator disagrees")

    with pytest.raises(InternalDisagreement):
        drive(FakeRay(random.Random(0)), fleet, fleet_work(fleet), chunk_fn=broken)


def test_bad_input_in_several_clusters_is_reported_all_at_once(tmp_path):
    written = write_fleet(tmp_path, 3)
    for name in ("c00", "c02"):
        props = tmp_path / "clusters" / name / "properties.yaml"
        doc = yaml.safe_load(props.read_text())
        doc["properties"][-1]["from"] = {"namespace": "kube-system", "workload": "no-such-workload"}
        props.write_text(yaml.safe_dump(doc, sort_keys=False))
    (tmp_path / "clusters" / "c01" / "properties.yaml").write_text("properties: [{name: x}]\n")
    fleet = load(written)
    with pytest.raises(InputError) as caught:
        drive(FakeRay(random.Random(0)), fleet, fleet_work(fleet))
    errors = caught.value.errors if isinstance(caught.value, InputErrors) else (caught.value,)
    assert sorted({e.file.split("/")[-2] for e in errors}) == ["c00", "c01", "c02"]


def test_the_ray_engine_without_ray_installed_says_how_to_get_it(fleet5, monkeypatch):
    from typer.testing import CliRunner

    from netverify.cli import app

    fleet, _ = fleet5
    monkeypatch.setitem(__import__("sys").modules, "ray", None)  # as if the extra were not installed
    result = CliRunner().invoke(app, ["fleet", fleet.path, "--engine", "ray"])
    assert result.exit_code == 2 and "pip install 'netverify[ray]'" in result.output
