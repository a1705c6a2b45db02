#!/usr/bin/env python3
"""Benchmark `prove` on generated clusters: encode and solve time medians, separately, per cluster size.

    .venv/bin/python benchmarks/bench_prove.py                      # 100, 1,000 and 10,000 policies
    .venv/bin/python benchmarks/bench_prove.py --sizes 100,1000 --properties 20

Clusters come from benchmarks/generate.py (realistic namespaces, workloads, services, policies and a
properties file with the outcome each property must have). Per property:
- encode: building the SMT problem (endpoints, universe, fits, the allowed formula of the policies that matter);
- solve:  the one check that decides the property (sat/unsat/unknown);
- prove:  the whole of `prove` for that property (vacuity checks, solve, counterexample re-check and
  minimisation), as it reports duration_ms.
Results are checked against the generator's expectations; a mismatch is printed (and exits 1).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent / "src"))

from generate import generate  # noqa: E402

from netverify.analyses.prove import prove  # noqa: E402
from netverify.load.manifests import load_cluster  # noqa: E402
from netverify.load.properties import load_properties  # noqa: E402
from netverify.smt.problem import ConnectionProblem  # noqa: E402
from netverify.smt.resolve import resolve_endpoint, resolve_ports  # noqa: E402
from netverify.smt.session import SolverSession  # noqa: E402


def _encode_and_solve(cluster, prop) -> tuple[float, float, str]:
    t0 = time.perf_counter()
    src, dst = resolve_endpoint(prop.src, "from", cluster), resolve_endpoint(prop.dst, "to", cluster)
    session = SolverSession(timeout_ms=60_000)
    problem = ConnectionProblem(session, cluster, src, dst, resolve_ports(prop, dst), scope=prop.scope)
    allowed = problem.allowed
    goal = session.not_(allowed) if prop.expect == "reachable" else allowed
    session.add(problem.fits, goal)
    t1 = time.perf_counter()
    answer = session.check()
    t2 = time.perf_counter()
    return (t1 - t0) * 1000, (t2 - t1) * 1000, answer.verdict


def _stats(values: list[float]) -> str:
    values = sorted(values)
    p90 = values[min(len(values) - 1, int(len(values) * 0.9))]
    return f"median {statistics.median(values):8.1f}  p90 {p90:8.1f}  max {values[-1]:8.1f}"


def run(policies: int, pods: int, n_props: int, seed: int) -> bool:
    with tempfile.TemporaryDirectory() as tmp:
        generate((policies, pods), seed=seed, out_dir=tmp, fmt="yaml", properties=n_props)
        t0 = time.perf_counter()
        props = load_properties(str(Path(tmp) / "properties.yaml"))
        cluster = load_cluster(list(props.manifests))
        load_s = time.perf_counter() - t0
        expected = json.loads((Path(tmp) / "expected.json").read_text())

    encode, solve = [], []
    for prop in props.properties:
        e, s, _ = _encode_and_solve(cluster, prop)
        encode.append(e)
        solve.append(s)
    t0 = time.perf_counter()
    report = prove(cluster, props)
    total_s = time.perf_counter() - t0
    mismatches = [(r.name, r.status, expected.get(r.name)) for r in report.results if r.status != expected.get(r.name)]

    print(f"== {len(cluster.policies)} policies, {len(cluster.workloads)} workloads, "
          f"{len(cluster.namespaces)} namespaces, {len(props.properties)} properties (load {load_s:.1f} s)")
    print(f"   encode ms  {_stats(encode)}")
    print(f"   solve  ms  {_stats(solve)}")
    print(f"   prove  ms  {_stats([float(r.duration_ms) for r in report.results])}   (whole run {total_s:.1f} s)")
    statuses = {s: report.count(s) for s in ("proven", "violated", "vacuous", "unknown")}
    print(f"   results    {statuses}; mismatches with the generator's expectations: {len(mismatches)}")
    for m in mismatches[:10]:
        print(f"     {m}")
    return not mismatches


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", default="100,1000,10000", help="policy counts, comma-separated")
    ap.add_argument("--pods-per-policy", type=int, default=10)
    ap.add_argument("--max-pods", type=int, default=20_000, help="cap on pods (loading is not what we measure)")
    ap.add_argument("--properties", type=int, default=30)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    ok = True
    for size in (int(s) for s in args.sizes.split(",")):
        ok &= run(size, min(args.max_pods, size * args.pods_per_policy), args.properties, args.seed)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
