"""The Ray engine on a real local Ray instance (2 CPUs, a small object store): on a generated fleet of 20
clusters its report equals the local engine's; a worker killed mid-run is retried, and a task whose worker
dies every time is reported unknown (fail closed), never lost. Skipped without the ray extra."""

from __future__ import annotations

import json
import logging
import os
import signal
import time

import pytest
from typer.testing import CliRunner

from fleet_fixtures import fleet_work, load, without_durations, write_fleet
from netverify.analyses.fleet import prove_chunk
from netverify.analyses.fleet_local import run_local
from netverify.analyses.fleet_ray import run_ray
from netverify.cli import app
from netverify.cli.fleet import fleet_exit_code

ray = pytest.importorskip("ray", reason="the Ray engine's tests need the ray extra: pip install -e '.[test,ray]'")
pytestmark = pytest.mark.ray


@pytest.fixture(scope="module")
def ray_instance():
    ray.init(num_cpus=2, object_store_memory=96 * 1024 * 1024, include_dashboard=False, log_to_driver=False,
             logging_level=logging.WARNING)
    yield
    ray.shutdown()


@pytest.fixture(scope="module")
def fleet20(tmp_path_factory):
    return write_fleet(tmp_path_factory.mktemp("fleet20"), 20, properties=3)


def test_on_20_clusters_the_ray_report_equals_the_local_one(ray_instance, fleet20):
    runner = CliRunner()
    local = runner.invoke(app, ["fleet", str(fleet20.path), "--format", "json"])
    # The CLI finds Ray already started in this process and uses it (address and CPUs are the fixture's).
    remote = runner.invoke(app, ["fleet", str(fleet20.path), "--format", "json", "--engine", "ray",
                                 "--chunk-size", "2"])
    assert remote.exit_code == local.exit_code == 1, remote.output
    doc = json.loads(remote.stdout)
    assert without_durations(doc) == without_durations(json.loads(local.stdout))
    assert doc["engine"] == "ray" and len(doc["clusters"]) == 20
    assert {c["name"]: {r["name"]: r["status"] for r in c["results"]} for c in doc["clusters"]} == fleet20.expected


def test_a_killed_worker_is_retried_and_a_task_that_always_dies_is_unknown(ray_instance, fleet20, tmp_path):
    fleet = load(fleet20)
    fleet = type(fleet)(fleet.path, fleet.repo, fleet.clusters[:3])
    marker = str(tmp_path / "killed-once")

    def killing(loaded, indices, options, deadline):
        # c00's first chunk: its worker is killed on the first try only; c01's: on every try.
        once = loaded.name == "c00" and indices[0] == 0 and not os.path.exists(marker)
        if once:
            open(marker, "w").close()
        if once or (loaded.name == "c01" and indices[0] == 0):
            os.kill(os.getpid(), signal.SIGKILL)
        return prove_chunk(loaded, indices, options, deadline)

    report = run_ray(fleet, fleet_work(fleet, chunk_size=2), retries=1, chunk_fn=killing)
    local = run_local(fleet, fleet_work(fleet))
    assert os.path.exists(marker)  # the first try of c00's chunk did die
    retried, local0 = report.sections[0].report.results, local.sections[0].report.results
    assert [(r.name, r.status, r.counterexample) for r in retried] == [(r.name, r.status, r.counterexample)
                                                                      for r in local0]
    lost = report.sections[1].report.results
    assert [r.status for r in lost[:2]] == ["unknown", "unknown"]
    assert all("failed 2 times" in r.reason and "died" in r.reason for r in lost[:2])
    assert [r.status for r in lost[2:]] == [r.status for r in local.sections[1].report.results[2:]]
    assert len(lost) == len(local.sections[1].report.results)  # nothing lost
    assert fleet_exit_code(report, strict=False) == 3


def test_time_limits_travel_with_the_tasks(ray_instance, fleet20):
    fleet = load(fleet20)
    fleet = type(fleet)(fleet.path, fleet.repo, fleet.clusters[:2])
    late = run_ray(fleet, fleet_work(fleet, deadline=time.time() - 1))  # the fleet's --max-time is over
    results = [r for s in late.sections for r in s.report.results]
    assert {r.status for r in results} <= {"unknown", "vacuous"}
    assert all("time budget" in r.reason for r in results if r.status == "unknown") and results
    hurried = run_ray(fleet, fleet_work(fleet, timeout_ms=1))  # 1 ms per solver check, on the workers too
    assert any("timeout" in (r.reason or "") for s in hurried.sections for r in s.report.results)
