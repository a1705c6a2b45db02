#!/usr/bin/env python3
"""Time netverify on the generated clusters: medians of wall time and peak RSS per operation and size.

    .venv/bin/python benchmarks/run.py                                   # small,medium,large; 3 reps
    .venv/bin/python benchmarks/run.py --sizes small,medium --reps 5 --json benchmarks/results/x.json
    .venv/bin/python benchmarks/run.py --sizes medium --ops parse,load,map --format json
    .venv/bin/python benchmarks/run.py --peer-nca /tmp/nca/bin/nca   # beside network-config-analyzer (peer_nca.py)

Clusters come from benchmarks/generate.py (written once into benchmarks/generated/<size>-<format>-s<seed>/,
reused while their summary.json says the same seed, format and --mutate). Every measurement runs in a fresh
child process (this file with --child), through the Python API, so the peak RSS is that one operation's
(imports included); the times exclude interpreter start-up and imports (quoted separately as `import`).

Operations:
- parse:   the floor: every manifest file through yaml.load_all(CSafeLoader) (or json.load), nothing else;
- load:    load_cluster of the manifests;
- prove1:  load + prove of the first property of properties.yaml (the CI gate's shortest run);
- prove50: load + prove of the whole properties file (50 properties);
- map:     load + connectivity_map;
- diff:    load of base and head (the generator's --mutate) + diff;
- diff-added / -removed / -edited / -workload / -deny: load + diff against BASE with one small change: an allow
  policy added (a copy of one with an extra rule), one removed, one edited (a rule's ports dropped), a bare Pod
  added, a namespace's default-deny removed (small_change_head writes head-<change>/ once, outside the timing);
- lint:    load + lint with its default for this size (redundancy only up to 200 policies: the small preset).
- map:FMT[:grouped|:expand]: `netverify map --format FMT -o FILE` run by the CLI in the child process (load, map,
           rendering and writing the file; `after ld` is the part after load_cluster), e.g. map:json, map:text,
           map:dot:expand, map:json:grouped (FMT of text, json, csv, markdown, dot, html; see map_cli_args).
`total` is the whole operation, `after ld` the part after load_cluster, both as wall time and as CPU time of
the process (`cpu s`: steadier than wall time on a shared machine); `x parse` divides by the median parse time
(CPU, peak RSS) of the same input. prove outcomes are checked against expected.json.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
GENERATED = HERE / "generated"
PRESETS = {"small": (100, 1_000), "medium": (1_000, 10_000), "large": (10_000, 100_000)}
# diff variants: HEAD is BASE with one small change (small_change_head), the incremental diff's cases
SMALL_CHANGES = ("added", "removed", "edited", "workload", "deny")
DIFF_OPS = tuple(f"diff-{k}" for k in SMALL_CHANGES)
OPS = ("parse", "load", "prove1", "prove50", "map", "diff", *DIFF_OPS, "lint")
MAP_FORMATS = ("text", "json", "csv", "markdown", "dot", "html")
MAP_VIEWS = ("", "grouped", "expand")
MUTATIONS = 4
MIB = 1024 * 1024


# ---- generation ----------------------------------------------------------------------------------------

def cluster_dir(size: str, fmt: str, seed: int) -> Path:
    return GENERATED / f"{size}-{fmt}-s{seed}"


def ensure_generated(size: str, fmt: str, seed: int) -> Path:
    """Generate once; a directory whose summary.json matches (seed, format, mutations) is reused."""
    out = cluster_dir(size, fmt, seed)
    summary = out / "summary.json"
    if summary.exists():
        s = json.loads(summary.read_text())
        if s.get("seed") == seed and s.get("format") == fmt and s.get("mutations") == MUTATIONS:
            return out
    print(f"generating {size} ({fmt}, seed {seed}) into {out} ...", file=sys.stderr, flush=True)
    t0 = time.perf_counter()
    subprocess.run([sys.executable, str(HERE / "generate.py"), size, "--seed", str(seed), "--format", fmt,
                    "--mutate", str(MUTATIONS), "--out", str(out)], check=True, stdout=subprocess.DEVNULL)
    print(f"  generated in {time.perf_counter() - t0:.1f} s", file=sys.stderr, flush=True)
    return out


def _app_policy(docs: list[str], name_prefix: str) -> int:
    """The middle document of an app namespace's policy whose name starts with `name_prefix`."""
    hits = [i for i, d in enumerate(docs) if f"  name: {name_prefix}" in d
            and "namespace: monitoring" not in d and "namespace: kube-system" not in d]
    return hits[len(hits) // 2]


def small_change_head(cdir: Path, change: str) -> Path:
    """cdir/head-<change>/manifests: BASE's files (linked) with one small change to policies or pods."""
    import yaml

    out = cdir / f"head-{change}" / "manifests"
    marker = out.parent / "done"
    if marker.exists():
        return out
    out.mkdir(parents=True, exist_ok=True)
    base = cdir / "manifests"
    edited = "pods.yaml" if change == "workload" else "policies.yaml"
    for f in base.iterdir():
        target = out / f.name
        if f.name != edited and not target.exists():
            os.symlink(f.resolve(), target)
    docs = (base / edited).read_text().split("\n---\n")
    if change == "deny":
        del docs[_app_policy(docs, "default-deny")]
    elif change == "removed":
        del docs[_app_policy(docs, "allow-")]
    elif change in ("edited", "added"):
        i = _app_policy(docs, "allow-")
        doc = yaml.safe_load(docs[i])
        direction = "ingress" if doc["spec"].get("ingress") else "egress"
        if change == "edited":
            doc["spec"][direction][0].pop("ports", None)  # the rule now admits every port
            docs[i] = yaml.safe_dump(doc, sort_keys=False).rstrip("\n")
        else:
            doc["metadata"]["name"] += "-bench-added"
            doc["spec"][direction] = [{"ports": [{"protocol": "TCP", "port": 9999}]}]  # from/to anyone on 9999
            docs.append(yaml.safe_dump(doc, sort_keys=False).rstrip("\n"))
    elif change == "workload":
        i = next(i for i, d in enumerate(docs) if "namespace: kube-system" not in d and "ownerReferences" in d)
        pod = yaml.safe_load(docs[i])
        meta = pod["metadata"]
        meta.pop("ownerReferences")
        meta["name"], meta["uid"] = "bench-added-pod", "00000000-0000-4000-8000-000000000001"
        meta["labels"] = {k: v for k, v in meta["labels"].items() if not k.endswith("-hash")}
        meta["labels"]["app"] = "bench-added"
        pod["status"]["podIP"] = "10.255.255.254"  # the generator counts up from 10.128.0.2
        pod["status"]["podIPs"] = [{"ip": "10.255.255.254"}]
        docs.append(yaml.safe_dump(pod, sort_keys=False).rstrip("\n"))
    else:
        raise ValueError(change)
    (out / edited).write_text("\n---\n".join(docs) + "\n")
    marker.write_text(change + "\n")
    return out


# ---- the child: one operation, one process -------------------------------------------------------------

def _manifest_files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.suffix in (".yaml", ".yml", ".json"))


def _parse_only(root: Path) -> int:
    import yaml

    n = 0
    for path in _manifest_files(root):
        with open(path, "rb") as f:
            if path.suffix == ".json":
                docs = [json.load(f)]
            else:
                docs = list(yaml.load_all(f, Loader=yaml.CSafeLoader))
        n += len(docs)
    return n


def is_op(op: str) -> bool:
    fmt, _, view = op.removeprefix("map:").partition(":")
    return op in OPS or (op.startswith("map:") and fmt in MAP_FORMATS and view in MAP_VIEWS)


def map_cli_args(op: str, manifests: str, out: Path) -> list[str]:
    """`map:FMT[:VIEW]` as the command line it stands for."""
    fmt, _, view = op.removeprefix("map:").partition(":")
    return ["map", "-f", manifests, "--format", fmt, "-o", str(out), *([f"--{view}"] if view else [])]


def _cli_map(op: str, manifests: str, out: dict) -> tuple[float, float]:
    """Run the real CLI in this process; load_cluster is wrapped to learn when loading ended."""
    import tempfile

    import netverify.load.manifests as manifests_module
    from netverify.cli import app

    real_load = manifests_module.load_cluster
    ended: list[tuple[float, float]] = []

    def timed_load(*args, **kwargs):
        cluster = real_load(*args, **kwargs)
        ended.append((time.perf_counter(), time.process_time()))
        out["policies"], out["workloads"] = len(cluster.policies), len(cluster.workloads)
        return cluster

    manifests_module.load_cluster = timed_load
    with tempfile.TemporaryDirectory() as tmp:
        target = Path(tmp) / "map.out"
        try:
            app(args=map_cli_args(op, manifests, target), prog_name="netverify", standalone_mode=False)
        except SystemExit as exc:  # typer.Exit: the map's exit code (3: unknown) is no failure of the run
            out["exit"] = exc.code
        out["output_bytes"] = target.stat().st_size
    return ended[0]


def child(op: str, cdir: Path) -> dict:
    t_import = time.perf_counter()
    if op.startswith("map:"):
        import netverify.cli  # noqa: F401 - the imports count as imports, not as the operation
    elif op != "parse":
        import dataclasses

        from netverify.analyses.diff import diff
        from netverify.analyses.lint import lint
        from netverify.analyses.map import connectivity_map
        from netverify.analyses.prove import prove
        from netverify.load.manifests import load_cluster
        from netverify.load.properties import load_properties
    out: dict = {"import_s": time.perf_counter() - t_import}
    manifests = str(cdir / "manifests")
    c0 = time.process_time()
    t0 = time.perf_counter()
    if op == "parse":
        out["documents"] = _parse_only(cdir / "manifests")
        t1, c1 = time.perf_counter(), time.process_time()  # all of it is "load": nothing comes after
    elif op.startswith("diff"):
        # (main writes the small change's HEAD before timing; a child run alone writes it here, untimed)
        head_dir = cdir / "head" / "manifests" if op == "diff" else small_change_head(cdir, op[5:])
        c0, t0 = time.process_time(), time.perf_counter()
        base = load_cluster([manifests])
        head = load_cluster([str(head_dir)])
        t1, c1 = time.perf_counter(), time.process_time()
        report = diff(base, head)
        out["changes"] = len(report.changes)
        out["symbolic_status"] = report.symbolic_status
    elif op.startswith("map:"):
        t1, c1 = _cli_map(op, manifests, out)
    else:
        props = load_properties(str(cdir / "properties.yaml")) if op.startswith("prove") else None
        cluster = load_cluster([manifests])
        t1, c1 = time.perf_counter(), time.process_time()
        out["policies"], out["workloads"] = len(cluster.policies), len(cluster.workloads)
        if op == "prove1":
            props = dataclasses.replace(props, properties=props.properties[:1])
        if op.startswith("prove"):
            report = prove(cluster, props)
            out["statuses"] = {r.name: r.status for r in report.results}
        elif op == "map":
            out["connections"] = len(connectivity_map(cluster).connections)
        elif op == "lint":  # the CLI's default: redundancy (one equivalence per policy) up to 200 policies
            report = lint(cluster, redundancy=len(cluster.policies) + len(cluster.admin_policies) <= 200)
            out["findings"] = len(report.findings)
    t2, c2 = time.perf_counter(), time.process_time()
    out.update(total_s=t2 - t0, load_s=t1 - t0, after_load_s=t2 - t1, cpu_s=c2 - c0, after_load_cpu_s=c2 - c1,
               peak_rss_mib=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
    return out


def measure(op: str, cdir: Path) -> dict:
    """One fresh process; its peak RSS also from wait4's rusage (the child's own, not the sum of children)."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(HERE.parent / "src"), os.environ.get("PYTHONPATH", "")])}
    proc = subprocess.Popen([sys.executable, str(Path(__file__).resolve()), "--child", op, str(cdir)],
                            stdout=subprocess.PIPE, env=env)
    stdout = proc.stdout.read()
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise RuntimeError(f"{op} on {cdir} failed (exit {proc.returncode})")
    result = json.loads(stdout)
    result["peak_rss_mib"] = max(result["peak_rss_mib"], usage.ru_maxrss / 1024)
    result["process_cpu_s"] = usage.ru_utime + usage.ru_stime  # the whole process: start-up and imports too
    return result


# ---- the table ------------------------------------------------------------------------------------------

def _median(rows: list[dict], key: str) -> float:
    return statistics.median(r[key] for r in rows)


def summarise(size: str, op: str, rows: list[dict], expected: dict) -> dict:
    s = {"size": size, "op": op, "reps": len(rows),
         "total_s": _median(rows, "total_s"), "after_load_s": _median(rows, "after_load_s"),
         "load_s": _median(rows, "load_s"), "cpu_s": _median(rows, "cpu_s"),
         "after_load_cpu_s": _median(rows, "after_load_cpu_s"), "import_s": _median(rows, "import_s"),
         "peak_rss_mib": _median(rows, "peak_rss_mib"), "runs_total_s": [round(r["total_s"], 3) for r in rows]}
    if "statuses" in rows[0]:
        got = rows[0]["statuses"]
        s["mismatches"] = sorted(n for n, st in got.items() if expected.get(n) != st)
        s["outcomes"] = {st: sum(1 for v in got.values() if v == st) for st in sorted(set(got.values()))}
    for k in ("policies", "workloads", "connections", "changes", "symbolic_status", "documents", "output_bytes"):
        if k in rows[0]:
            s[k] = rows[0][k]
    return s


def print_table(results: list[dict]) -> None:
    head = (f"{'size':7} {'op':16} {'total s':>8} {'after ld':>8} {'x parse':>7} {'cpu s':>7} {'after ld':>8} "
            f"{'x parse':>7} {'peak MiB':>8} {'x parse':>7} {'import':>6}  notes")
    print(head)
    print("-" * len(head))
    for r in results:
        notes = []
        if "mismatches" in r:
            notes.append(f"{r['outcomes']} mismatches {len(r['mismatches'])}")
        for k in ("connections", "changes"):
            if k in r:
                notes.append(f"{k} {r[k]}")
        if r["op"].startswith("diff") and r.get("parse_s"):  # diff reads two inputs: against both parses
            notes.append(f"x both parses {r['total_s'] / (2 * r['parse_s']):.2f} wall, "
                         f"{r['cpu_s'] / (2 * r['parse_cpu_s']):.2f} cpu")
        if "output_bytes" in r:
            notes.append(f"output {r['output_bytes'] / MIB:.1f} MiB")
        tx = f"{r['total_s'] / r['parse_s']:.2f}" if r.get("parse_s") else "-"
        mx = f"{r['peak_rss_mib'] / r['parse_rss_mib']:.2f}" if r.get("parse_rss_mib") else "-"
        cx = f"{r['cpu_s'] / r['parse_cpu_s']:.2f}" if r.get("parse_cpu_s") else "-"
        print(f"{r['size']:7} {r['op']:16} {r['total_s']:8.2f} {r['after_load_s']:8.2f} {tx:>7} {r['cpu_s']:7.2f} "
              f"{r['after_load_cpu_s']:8.2f} {cx:>7} {r['peak_rss_mib']:8.0f} {mx:>7} {r['import_s']:6.2f}  "
              f"{'; '.join(notes)}")


def growth(results: list[dict], op: str, key: str = "after_load_s", sizes: tuple[str, ...] | None = None) -> dict | None:
    """Exponent k of time ~ policies^k fitted (least squares on logs) over the sizes measured (or `sizes`)."""
    pts = [(PRESETS[r["size"]][0], r[key]) for r in results
           if r["op"] == op and r.get(key, 0) > 0 and (sizes is None or r["size"] in sizes)]
    if len(pts) < 2:
        return None
    xs, ys = [math.log(p) for p, _ in pts], [math.log(t) for _, t in pts]
    mx, my = statistics.fmean(xs), statistics.fmean(ys)
    k = sum((x - mx) * (y - my) for x, y in zip(xs, ys)) / sum((x - mx) ** 2 for x in xs)
    lo, hi = min(p for p, _ in pts), max(p for p, _ in pts)
    # n·log n from lo to hi, written as an exponent over the same range
    nlogn = math.log((hi * math.log(hi)) / (lo * math.log(lo))) / math.log(hi / lo)
    return {"op": op, "key": key, "exponent": k, "nlogn_exponent": nlogn, "from": lo, "to": hi}


def growth_fits(results: list[dict]) -> list[dict]:
    """Over every size measured, and from 1,000 to 10,000 policies alone (the map target's range)."""
    fits = []
    # map's output (connections listed) is fitted too: map cannot grow slower than what it prints
    for op, key in (("map", "after_load_s"), ("map", "after_load_cpu_s"), ("map", "cpu_s"), ("map", "connections"),
                    ("prove50", "after_load_cpu_s"), ("load", "cpu_s"),
                    *((d, k) for d in ("diff", *DIFF_OPS) for k in ("cpu_s", "after_load_cpu_s"))):
        for sizes in (None, ("medium", "large")):
            g = growth(results, op, key, sizes)
            if g and not any(f["op"] == op and f["key"] == key and f["from"] == g["from"] for f in fits):
                fits.append(g)
    return fits


def report(doc: dict) -> None:
    print(f"netverify benchmarks: format {doc['format']}, seed {doc['seed']}, medians of {doc['reps']}, "
          f"{doc['cpus']} CPUs, load average {doc.get('load_average', 0):.1f}")
    print_table(doc["results"])
    for g in doc["growth"]:
        print(f"growth of {g['op']} ({g['key']}) from {g['from']} to {g['to']} policies: exponent "
              f"{g['exponent']:.2f} (n·log n would be {g['nlogn_exponent']:.2f})")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", default="small,medium,large", help="comma-separated presets")
    ap.add_argument("--format", choices=["yaml", "json"], default="yaml", help="input format")
    ap.add_argument("--reps", type=int, default=3, help="repetitions per operation (median reported)")
    ap.add_argument("--ops", default=",".join(OPS), help=f"comma-separated, of {','.join(OPS)} and map:FMT[:grouped|:expand]")
    ap.add_argument("--large-ops", metavar="OPS",
                    help="operations for the large preset, if fewer (diff at 100,000 pods loads two clusters)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--json", dest="json_out", metavar="FILE", help="also write the results as JSON")
    ap.add_argument("--table", metavar="FILE", help="print the table of an earlier --json FILE, measure nothing")
    ap.add_argument("--peer-nca", metavar="PATH", type=Path,
                    help="side by side with network-config-analyzer: PATH is its `nca` executable or a checkout "
                    "(nca.py); runs its connectivity map and netverify's map on --sizes (default small,medium)")
    ap.add_argument("--child", nargs=2, metavar=("OP", "DIR"), help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.child:
        print(json.dumps(child(args.child[0], Path(args.child[1]))))
        return 0
    if args.peer_nca:
        from peer_nca import peer_nca  # benchmarks/peer_nca.py

        sizes = args.sizes if args.sizes != ap.get_default("sizes") else "small,medium"
        return peer_nca(args.peer_nca, [s for s in sizes.split(",") if s], args, ensure_generated, measure)
    if args.table:
        doc = json.loads(Path(args.table).read_text())
        report({**doc, "growth": growth_fits(doc["results"])})
        return 0
    sizes = [s for s in args.sizes.split(",") if s]
    ops = [o for o in args.ops.split(",") if o]
    large_ops = [o for o in args.large_ops.split(",") if o] if args.large_ops else ops
    for bad in [s for s in sizes if s not in PRESETS] + [o for o in ops + large_ops if not is_op(o)]:
        ap.error(f"unknown size or op {bad!r}")
    results, ok = [], True
    for size in sizes:
        cdir = ensure_generated(size, args.format, args.seed)
        expected = json.loads((cdir / "expected.json").read_text())
        parse = None
        for op in large_ops if size == "large" else ops:
            if op in DIFF_OPS:
                small_change_head(cdir, op[5:])
            rows = []
            for rep in range(args.reps):
                rows.append(measure(op, cdir))
                print(f"  {size} {op} rep {rep + 1}: {rows[-1]['total_s']:.2f} s, "
                      f"{rows[-1]['peak_rss_mib']:.0f} MiB", file=sys.stderr, flush=True)
            s = summarise(size, op, rows, expected)
            if op == "parse":
                parse = s
            if parse is not None:
                s["parse_s"], s["parse_rss_mib"] = parse["total_s"], parse["peak_rss_mib"]
                s["parse_cpu_s"] = parse["cpu_s"]
            ok &= not s.get("mismatches")
            results.append(s)
    doc = {"format": args.format, "seed": args.seed, "reps": args.reps, "cpus": os.cpu_count(),
           "load_average": os.getloadavg()[0], "results": results, "growth": growth_fits(results)}
    report(doc)
    if args.json_out:
        Path(args.json_out).parent.mkdir(parents=True, exist_ok=True)
        Path(args.json_out).write_text(json.dumps(doc, indent=2) + "\n")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
