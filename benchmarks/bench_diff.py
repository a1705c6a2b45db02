#!/usr/bin/env python3
"""diff on small changes, in one process: the lean twin of `run.py --ops diff-*` for a machine too busy for it.

    .venv/bin/python benchmarks/bench_diff.py --size medium --json benchmarks/results/diff-small-medium.json
    .venv/bin/python benchmarks/bench_diff.py --size large --changes deny,workload --no-full

One process parses BASE (yaml.load_all with the C loader: the floor), loads it once, then per change loads HEAD
(run.small_change_head writes it once) and times diff, incremental and (unless --no-full) with
incremental=False; the result is written after every change, so a stopped run keeps what it measured. A diff's
cost is quoted as load of both versions + diff, against two parses (HEAD is BASE's size). Peak RSS is the
process's so far (BASE, the current HEAD and both reports alive), an upper bound for one `netverify diff`.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent / "src"))

import run  # noqa: E402  (benchmarks/run.py: generation, parse floor, small_change_head)


def _clock() -> tuple[float, float]:
    return time.perf_counter(), time.process_time()


def _since(t: tuple[float, float]) -> dict:
    w, c = _clock()
    return {"wall_s": round(w - t[0], 3), "cpu_s": round(c - t[1], 3)}


def _rss() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--size", default="medium", choices=sorted(run.PRESETS))
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--changes", default=",".join(run.SMALL_CHANGES), help=f"of {','.join(run.SMALL_CHANGES)}")
    ap.add_argument("--no-full", action="store_true", help="skip the full recomputation (incremental=False)")
    ap.add_argument("--json", dest="json_out", required=True)
    args = ap.parse_args(argv)
    cdir = run.ensure_generated(args.size, "yaml", args.seed)
    from netverify.analyses.diff import diff
    from netverify.load.manifests import load_cluster

    doc: dict = {"size": args.size, "seed": args.seed, "cpus": os.cpu_count(), "results": []}
    t = _clock()
    run._parse_only(cdir / "manifests")
    doc["parse"] = _since(t)
    t = _clock()
    base = load_cluster([str(cdir / "manifests")])
    doc["load_base"] = _since(t)
    doc["policies"], doc["workloads"] = len(base.policies), len(base.workloads)
    for change in [c for c in args.changes.split(",") if c]:
        head_dir = run.small_change_head(cdir, change)
        row: dict = {"change": change, "load_average": os.getloadavg()[0]}
        t = _clock()
        head = load_cluster([str(head_dir)])
        row["load_head"] = _since(t)
        t = _clock()
        report = diff(base, head)
        row["diff"] = _since(t)
        row["changes"], row["symbolic_status"] = len(report.changes), report.symbolic_status
        row["new_workloads"], row["classes"] = len(report.new_workloads), len(report.added_classes)
        if not args.no_full:
            t = _clock()
            full = diff(base, head, incremental=False)
            row["diff_full"] = _since(t)
            row["equal_to_full"] = full == report
        for k in ("wall_s", "cpu_s"):
            total = doc["load_base"][k] + row["load_head"][k] + row["diff"][k]
            row[f"x_both_parses_{k}"] = round(total / (2 * doc["parse"][k]), 2)
        row["peak_rss_mib"] = round(_rss())
        doc["results"].append(row)
        print(json.dumps(row), flush=True)
        Path(args.json_out).parent.mkdir(parents=True, exist_ok=True)
        Path(args.json_out).write_text(json.dumps(doc, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
