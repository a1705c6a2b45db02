"""benchmarks/bench_fleet.py: the estimate is built from the measured per-task times as documented; a whole
(small) benchmark run is slow-marked. No timing is asserted (that is the benchmark's job)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
_spec = importlib.util.spec_from_file_location("nv_bench_fleet", ROOT / "benchmarks" / "bench_fleet.py")
bench = importlib.util.module_from_spec(_spec)
sys.modules[_spec.name] = bench
_spec.loader.exec_module(bench)

LOCAL1 = {"clusters": 2, "load_s": [3.0, 5.0], "finish_s": [0.5, 0.5], "prove_ms": [[1000] * 16, [500] * 16],
          "stored_cluster_bytes": 10 * 1024 * 1024}


def test_the_estimate_spreads_the_per_cluster_work_over_the_workers():
    est = bench.estimate(LOCAL1, None, clusters=1000, nodes=32, cpus_per_node=16, chunk_size=8, gbit_per_s=10)
    per = est["per_cluster_s"]
    assert (per["load"], per["prove"], per["finish"], per["tasks"]) == (4.0, 12.0, 0.5, 4)
    assert est["workers"] == 512
    work = 4.0 + 12.0 + 0.5 + 4 * per["overhead_per_task"] + 4 * per["transfer_per_copy"]
    assert est["estimated_wall_s"] == pytest.approx(1000 * work / 512 + 16.5)


def test_with_the_cpu_time_measured_the_tasks_take_their_cpu_share_of_the_wall_time():
    est = bench.estimate({**LOCAL1, "driver_cpu_s": 16.5}, None, clusters=1000, nodes=32, cpus_per_node=16)
    assert est["cpu_share_measured"] == 0.5
    per = est["per_cluster_s"]
    work = 0.5 * 16.5 + 4 * per["overhead_per_task"] + 4 * per["transfer_per_copy"]
    assert est["estimated_wall_s_at_cpu_time"] == pytest.approx(1000 * work / 512 + 0.5 * 16.5)


def test_rays_measured_overhead_is_what_its_wall_time_has_beyond_the_tasks_work():
    ray_run = {"wall_s": 40.0, "ray_start_s": 10.0}
    est = bench.estimate(LOCAL1, ray_run, chunk_size=8)
    # 2 clusters × 16.5 s of work on 2 CPUs is 16.5 s; 13.5 s more over 2 × 4 tasks
    assert est["per_cluster_s"]["overhead_per_task"] == pytest.approx(13.5 / 8)


@pytest.mark.slow
def test_a_small_benchmark_run_checks_every_engine_against_the_others(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(bench, "GENERATED", tmp_path)
    engines = "local1,local2" + (",ray" if importlib.util.find_spec("ray") else "")
    assert bench.main(["--clusters", "3", "--size", "10,60", "--properties", "4", "--engines", engines,
                       "--json", str(tmp_path / "r.json")]) == 0
    err = capsys.readouterr().err
    assert "differ" not in err
