#!/usr/bin/env python3
"""`netverify fleet` at fleet size: N generated clusters × K properties, by engine, and an estimate for a big
Ray cluster from the per-task times measured (benchmarks/README.md, "Fleets").

    .venv/bin/python benchmarks/bench_fleet.py                                   # 50 medium × 50, all engines
    .venv/bin/python benchmarks/bench_fleet.py --clusters 4 --size 20,120 --properties 6 --engines local1,ray
    .venv/bin/python benchmarks/bench_fleet.py --estimate benchmarks/results/fleet-medium-50.json

Engines: `local1`, `local2` (the local engine with --jobs 1 / 2) and `ray` (a private Ray instance on this
machine, 2 CPUs). Each runs in a fresh process (its own peak RSS); outcomes are checked against each cluster's
expected.json and the engines' reports against each other (durations aside). The local1 run also times each
cluster's load, prove (per property) and finish step, and the size of a loaded cluster as Ray stores it: the
per-task times the estimate is built from.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import pickle
import resource
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
GENERATED = HERE / "generated"
MIB = 1024 * 1024
ENGINES = ("local1", "ray", "local2")  # the estimate needs the first two: they run first
RAY_STORE_BYTES = 1024 * MIB  # small: the machine is shared; Ray spills to disk past it


def _counts(size: str) -> tuple[str, object]:
    if "," in size:
        policies, pods = (int(x) for x in size.split(","))
        return f"p{policies}x{pods}", (policies, pods)
    return size, size


def ensure_fleet(size: str, clusters: int, properties: int) -> Path:
    """Generated once into benchmarks/generated/fleet-<size>-<n>x<k>/ (seeds 0..n-1) and reused."""
    label, counts = _counts(size)
    root = GENERATED / f"fleet-{label}-{clusters}x{properties}"
    fleet = root / "fleet.yaml"
    if fleet.exists():
        return fleet
    sys.path.insert(0, str(HERE))
    from generate import generate

    entries = []
    for seed in range(clusters):
        name = f"c{seed:03d}"
        if not (root / name / "summary.json").exists():
            print(f"generating {name} ({size}, seed {seed}) ...", file=sys.stderr, flush=True)
            generate(counts, seed=seed, out_dir=root / name, fmt="yaml", properties=properties)
        entries.append({"name": name, "properties": [f"{name}/properties.yaml"]})
    import yaml

    fleet.write_text(yaml.safe_dump({"clusters": entries}, sort_keys=False))
    return fleet


# ---- the child: one engine, one process -------------------------------------------------------------------


class _Timed:
    """A load or finish step that records how long each call took (in this process: the local engines)."""

    def __init__(self, inner, times: list[float]) -> None:
        self.inner, self.times = inner, times

    def __call__(self, *args):
        t0 = time.perf_counter()
        try:
            return self.inner(*args)
        finally:
            self.times.append(time.perf_counter() - t0)


def child(engine: str, fleet_path: Path) -> dict:
    from functools import partial

    from netverify.analyses.fleet import FleetWork
    from netverify.analyses.unmodelled import parse_ignore_kinds
    from netverify.cli.fleet import fleet_exit_code, finish_cluster
    from netverify.load.fleet import load_fleet, load_fleet_cluster
    from netverify.report import render

    fleet = load_fleet(str(fleet_path))
    load_times: list[float] = []
    finish_times: list[float] = []
    load = partial(load_fleet_cluster, repo=fleet.repo)
    finish = partial(finish_cluster, ignored=parse_ignore_kinds([]))
    out: dict = {"engine": engine, "clusters": len(fleet.clusters)}
    if engine == "local1":
        sample = load(fleet.clusters[0])
        out["stored_cluster_bytes"] = len(pickle.dumps(sample, protocol=5))
        load, finish = _Timed(load, load_times), _Timed(finish, finish_times)
    work = FleetWork(load=load, finish=finish, options={"timeout_ms": 30000})
    c0, t0 = time.process_time(), time.perf_counter()
    if engine == "ray":
        import ray

        from netverify.analyses.fleet_ray import run_ray

        ray.init(num_cpus=2, object_store_memory=RAY_STORE_BYTES, include_dashboard=False, log_to_driver=False,
                 logging_level="WARNING")
        out["ray_start_s"] = time.perf_counter() - t0
        report = run_ray(fleet, work)
        ray.shutdown()
    else:
        from netverify.analyses.fleet_local import run_local

        report = run_local(fleet, work, jobs=int(engine[-1]))
    out["wall_s"] = time.perf_counter() - t0
    out["driver_cpu_s"] = time.process_time() - c0
    out["exit_code"] = fleet_exit_code(report, strict=False)
    out["statuses"] = {s.name: {r.name: r.status for r in s.report.results} for s in report.sections}
    out["prove_ms"] = [[r.duration_ms for r in s.report.results] for s in report.sections]
    out["load_s"], out["finish_s"] = load_times, finish_times
    out["report_without_durations"] = _strip(json.loads(render(report, "json")))
    out["peak_rss_mib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return out


def _strip(doc):
    if isinstance(doc, dict):
        return {k: _strip(v) for k, v in doc.items() if k not in ("duration_ms", "engine")}
    if isinstance(doc, list):
        return [_strip(v) for v in doc]
    return doc


def measure(engine: str, fleet: Path) -> dict:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(HERE.parent / "src"), os.environ.get("PYTHONPATH", "")])}
    proc = subprocess.Popen([sys.executable, str(Path(__file__).resolve()), "--child", engine, str(fleet)],
                            stdout=subprocess.PIPE, env=env)
    stdout = proc.stdout.read()
    _, status, usage = os.wait4(proc.pid, 0)
    if os.waitstatus_to_exitcode(status) != 0:
        raise RuntimeError(f"{engine} on {fleet} failed")
    result = json.loads(stdout)
    result["children_cpu_s"] = usage.ru_utime + usage.ru_stime  # this process and its forked workers
    return result


# ---- the estimate -----------------------------------------------------------------------------------------


def estimate(local1: dict, ray_run: dict | None, *, clusters: int = 1000, nodes: int = 32, cpus_per_node: int = 16,
             chunk_size: int = 8, gbit_per_s: float = 10.0) -> dict:
    """Wall time of `clusters` clusters like these on `nodes` × `cpus_per_node` Ray workers, from local1's
    per-task times (one core each, measured here) and ray's overhead on this machine."""
    n = local1["clusters"]
    load = sum(local1["load_s"]) / n
    finish = sum(local1["finish_s"]) / n
    prove = sum(sum(ms) for ms in local1["prove_ms"]) / 1000 / n
    props = sum(len(ms) for ms in local1["prove_ms"]) / n
    tasks_per_cluster = 2 + math.ceil(props / chunk_size)
    stored = local1["stored_cluster_bytes"]
    overhead = None
    if ray_run is not None:
        # What ray spent here beyond the tasks' own work on 2 CPUs, per task (startup excluded).
        busy = n * (load + prove + finish) / 2
        overhead = max(0.0, (ray_run["wall_s"] - ray_run["ray_start_s"] - busy) / (n * tasks_per_cluster))
    per_task_overhead = overhead if overhead is not None else 0.05
    transfer = stored * 8 / (gbit_per_s * 1e9)  # one copy of the cluster to each node that runs a chunk of it
    per_cluster = load + prove + finish + tasks_per_cluster * per_task_overhead + min(nodes, tasks_per_cluster) * transfer
    workers = nodes * cpus_per_node
    work = load + prove + finish
    wall = clusters * per_cluster / workers + work  # + the last cluster's chain (the tail)
    out = {
        "clusters": clusters, "nodes": nodes, "cpus_per_node": cpus_per_node, "workers": workers,
        "per_cluster_s": {"load": load, "prove": prove, "finish": finish, "tasks": tasks_per_cluster,
                          "overhead_per_task": per_task_overhead, "transfer_per_copy": transfer},
        "stored_cluster_mib": stored / MIB, "estimated_wall_s": wall,
    }
    if local1.get("driver_cpu_s"):
        # The same with the tasks' CPU time instead of their wall time here (a shared machine stretches wall
        # time; a dedicated worker CPU runs a task in about its CPU time).
        share = min(1.0, local1["driver_cpu_s"] / (n * work))
        out["cpu_share_measured"] = share
        out["estimated_wall_s_at_cpu_time"] = (clusters * (per_cluster - work * (1 - share)) / workers
                                               + work * share)
    return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--child", nargs=2, metavar=("ENGINE", "FLEET"), help=argparse.SUPPRESS)
    ap.add_argument("--clusters", type=int, default=50)
    ap.add_argument("--size", default="medium", help="a generate.py preset, or POLICIES,PODS")
    ap.add_argument("--properties", type=int, default=50)
    ap.add_argument("--engines", default=",".join(ENGINES))
    ap.add_argument("--json", type=Path, help="write the measurements here")
    ap.add_argument("--estimate", type=Path, help="reprint the estimate from a saved run")
    args = ap.parse_args(argv)
    if args.child:
        print(json.dumps(child(args.child[0], Path(args.child[1]))))
        return 0
    if args.estimate:
        runs = {r["engine"]: r for r in json.loads(args.estimate.read_text())["runs"]}
        print(json.dumps(estimate(runs["local1"], runs.get("ray")), indent=2))
        return 0
    fleet = ensure_fleet(args.size, args.clusters, args.properties)
    runs = []
    for engine in args.engines.split(","):
        print(f"{engine} ...", file=sys.stderr, flush=True)
        runs.append(measure(engine, fleet))
        r = runs[-1]
        print(f"  {engine}: wall {r['wall_s']:.1f} s, cpu {r['children_cpu_s']:.1f} s, peak {r['peak_rss_mib']:.0f}"
              f" MiB, exit {r['exit_code']}, load average {os.getloadavg()[0]:.1f}", file=sys.stderr, flush=True)
        result = _result(args, fleet, runs)
        if args.json:  # after each engine: a long run that is stopped keeps what it measured
            args.json.write_text(json.dumps(result, indent=1) + "\n")
    _check(fleet, runs)
    print(json.dumps({k: v for k, v in result.items() if k != "runs"}, indent=2))
    for r in runs:
        print(f"{r['engine']:8} wall {r['wall_s']:8.1f} s   cpu {r['children_cpu_s']:8.1f} s   "
              f"peak {r['peak_rss_mib']:6.0f} MiB")
    return 0


def _result(args, fleet: Path, runs: list[dict]) -> dict:
    by = {r["engine"]: r for r in runs}
    result = {"fleet": str(fleet), "size": args.size, "properties": args.properties, "load_average": os.getloadavg(),
              "runs": [{k: v for k, v in r.items() if k != "report_without_durations"} for r in runs]}
    if "local1" in by:
        result["estimate"] = estimate(by["local1"], by.get("ray"))
    return result


def _check(fleet: Path, runs: list[dict]) -> None:
    """Every engine: the generator's expected outcomes, and the same report as the first engine."""
    for r in runs:
        for name, statuses in r["statuses"].items():
            expected = json.loads((fleet.parent / name / "expected.json").read_text())
            wrong = {p: s for p, s in statuses.items() if expected.get(p, s) != s}
            if wrong:
                print(f"  {r['engine']} {name}: outcomes differ from expected.json: {wrong}", file=sys.stderr)
        if r["report_without_durations"] != runs[0]["report_without_durations"]:
            print(f"  {r['engine']}: report differs from {runs[0]['engine']}'s", file=sys.stderr)


if __name__ == "__main__":
    sys.exit(main())
