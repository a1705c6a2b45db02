"""benchmarks/run.py's small changes for diff (small_change_head) and bench_diff.py: each HEAD is BASE with the
one change it names, and diff reports it (incrementally, equal to the full recomputation). No timing asserted."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))


def _module(name: str, file: str):
    spec = importlib.util.spec_from_file_location(name, ROOT / "benchmarks" / file)
    mod = importlib.util.module_from_spec(spec)
    sys.modules[name] = mod
    spec.loader.exec_module(mod)
    return mod


run = _module("nv_bench_run_for_diff", "run.py")
gen = _module("nv_bench_generate_for_diff", "generate.py")


@pytest.fixture(scope="module")
def tiny(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("tiny-diff")
    gen.generate((20, 120), seed=5, out_dir=out, fmt="yaml", properties=4, mutate=0)
    return out


@pytest.mark.parametrize("change", ["added", "removed", "edited", "workload", "deny"])
def test_each_small_change_is_one_change_and_diff_sees_it(tiny, change):
    from netverify.analyses.diff import diff
    from netverify.load.manifests import load_cluster

    base = load_cluster([str(tiny / "manifests")])
    head = load_cluster([str(run.small_change_head(tiny, change))])
    keys = {p.key for p in base.policies}, {p.key for p in head.policies}
    refs = {w.ref for w in base.workloads}, {w.ref for w in head.workloads}
    if change == "added":
        assert len(keys[1] - keys[0]) == 1 and keys[0] <= keys[1]
    elif change in ("removed", "deny"):
        assert len(keys[0] - keys[1]) == 1 and keys[1] <= keys[0]
        assert ("default-deny" in next(iter(keys[0] - keys[1]))) == (change == "deny")
    elif change == "edited":
        assert keys[0] == keys[1] and base.policies != head.policies
    else:
        assert len(refs[1] - refs[0]) == 1 and refs[0] <= refs[1]
    if change != "workload":
        assert refs[0] == refs[1]
    report = diff(base, head, max_witnesses=2)
    assert report == diff(base, head, max_witnesses=2, incremental=False)
    if change == "workload":
        assert report.new_workloads  # BASE's policies already let the new Pod talk to someone
    elif change == "added":
        assert report.changes  # every address may now reach the selected pods on TCP 9999


def test_bench_diff_writes_one_row_per_change(tiny, tmp_path):
    bench = _module("nv_bench_diff", "bench_diff.py")
    out = tmp_path / "r.json"
    bench.run.ensure_generated = lambda size, fmt, seed: tiny  # the tiny cluster instead of a preset
    assert bench.main(["--size", "small", "--changes", "removed,workload", "--json", str(out)]) == 0
    doc = json.loads(out.read_text())
    assert [r["change"] for r in doc["results"]] == ["removed", "workload"]
    assert all(r["equal_to_full"] for r in doc["results"])
    assert all(r["x_both_parses_cpu_s"] > 0 and r["peak_rss_mib"] > 0 for r in doc["results"])
