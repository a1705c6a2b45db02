"""`benchmarks/run.py --peer-nca PATH`: netverify's map beside network-config-analyzer's connectivity map.

    python3 -m venv /tmp/nca && /tmp/nca/bin/pip install network-config-analyzer==2.1.0
    .venv/bin/python benchmarks/run.py --peer-nca /tmp/nca/bin/nca --json benchmarks/results/peer-nca.json

PATH is NCA's `nca` executable (a pip install) or a checkout of its repository (its `nca.py`, run with the
Python running this script, which then needs NCA's requirements). On each preset (default small and medium:
NCA refuses more than 10,000 pods) NCA runs once, in a fresh process:

    nca --connectivity policies.yaml --pod_list pods.yaml --ns_list namespaces.yaml --output_format txt

(the generated cluster's files; NCA reads the Pods, as the manifests list them, and the Namespaces), and
netverify's `map` (benchmarks/run.py's child: load_cluster of every manifest, then connectivity_map) runs
--reps times. CPU time is the figure compared (user+sys of each process, from wait4), as two ratios:
- `end to end`: NCA's whole process against netverify's whole `map` process (interpreter start-up, imports,
  parsing and the map, for both);
- `map after load`: NCA's whole process against netverify's map step alone (after load_cluster): what the
  issue's figure (132 s against 0.81 s) compared. NCA's own parse cannot be timed apart from outside.
Wall time and peak RSS are printed too. The ratios are facts of this machine, not targets checked here.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

MIB = 1024 * 1024


def nca_command(path: Path) -> list[str]:
    """How to start NCA from PATH: the executable itself, or a checkout's nca.py."""
    if path.is_dir():
        script = path / "nca.py"
        if not script.is_file():
            raise SystemExit(f"--peer-nca {path}: a directory, but no nca.py in it (not an NCA checkout)")
        return [sys.executable, str(script)]
    if not os.access(path, os.X_OK):
        raise SystemExit(f"--peer-nca {path}: not an executable (give NCA's `nca` or a checkout of it)")
    return [str(path)]


def nca_version(cmd: list[str]) -> str:
    proc = subprocess.run([*cmd, "--version"], capture_output=True, text=True)
    return (proc.stdout or proc.stderr).strip().splitlines()[-1] if (proc.stdout or proc.stderr) else "?"


def run_nca(cmd: list[str], cdir: Path) -> dict:
    """One NCA connectivity map of the preset in a fresh process: wall, CPU (user+sys) and peak RSS."""
    m = cdir / "manifests"
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "connectivity.txt"
        log = Path(tmp) / "nca.log"
        args = [*cmd, "--connectivity", str(m / "policies.yaml"), "--pod_list", str(m / "pods.yaml"),
                "--ns_list", str(m / "namespaces.yaml"), "--output_format", "txt", "--file_out", str(out)]
        t0 = time.perf_counter()
        with open(log, "wb") as err:
            proc = subprocess.Popen(args, stdout=err, stderr=subprocess.STDOUT)
            _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - t0
        code = os.waitstatus_to_exitcode(status)
        lines = log.read_text(errors="replace").splitlines()
        if code != 0 or not out.exists():
            tail = "\n".join(lines[-5:])
            raise RuntimeError(f"NCA failed on {cdir} (exit {code}):\n{tail}")
        rows = [line for line in out.read_text().splitlines() if line.startswith("src")]
    return {"total_s": wall, "cpu_s": usage.ru_utime + usage.ru_stime, "peak_rss_mib": usage.ru_maxrss / 1024,
            "rules": len(rows), "warnings": sum(1 for line in lines if line.startswith("Warning"))}


def compare(cmd: list[str], size: str, cdir: Path, reps: int, measure) -> dict:
    ours = [measure("map", cdir) for _ in range(reps)]
    theirs = run_nca(cmd, cdir)
    nv = {k: statistics.median(r[k] for r in ours)
          for k in ("total_s", "process_cpu_s", "cpu_s", "after_load_cpu_s", "peak_rss_mib")}
    nv["connections"] = ours[0]["connections"]
    return {"size": size, "reps": reps, "netverify": nv, "nca": theirs,
            "ratio_end_to_end_cpu": theirs["cpu_s"] / nv["process_cpu_s"],
            "ratio_map_after_load_cpu": theirs["cpu_s"] / nv["after_load_cpu_s"],
            "ratio_wall": theirs["total_s"] / nv["total_s"]}


def print_rows(rows: list[dict]) -> None:
    head = (f"{'size':7} {'NCA cpu s':>9} {'wall s':>7} {'MiB':>5} | {'nv cpu s':>8} {'after ld':>8} {'wall s':>7} "
            f"{'MiB':>5} | {'x end-to-end':>12} {'x map step':>10}")
    print(head)
    print("-" * len(head))
    for r in rows:
        n, v = r["nca"], r["netverify"]
        print(f"{r['size']:7} {n['cpu_s']:9.2f} {n['total_s']:7.1f} {n['peak_rss_mib']:5.0f} | "
              f"{v['process_cpu_s']:8.2f} {v['after_load_cpu_s']:8.2f} {v['total_s']:7.1f} {v['peak_rss_mib']:5.0f} | "
              f"{r['ratio_end_to_end_cpu']:12.1f} {r['ratio_map_after_load_cpu']:10.1f}")


def peer_nca(path: Path, sizes: list[str], args, ensure_generated, measure) -> int:
    cmd = nca_command(path)
    version = nca_version(cmd)
    print(f"network-config-analyzer: {' '.join(cmd)} ({version})", file=sys.stderr, flush=True)
    rows = []
    for size in sizes:
        cdir = ensure_generated(size, "yaml", args.seed)
        rows.append(compare(cmd, size, cdir, args.reps, measure))
        print(f"  {size}: NCA {rows[-1]['nca']['cpu_s']:.1f} s CPU, netverify map "
              f"{rows[-1]['netverify']['process_cpu_s']:.1f} s CPU", file=sys.stderr, flush=True)
    doc = {"nca": version, "seed": args.seed, "cpus": os.cpu_count(), "load_average": os.getloadavg()[0],
           "results": rows}
    print(f"netverify map vs network-config-analyzer ({version}; CPU s, user+sys; netverify medians of {args.reps}, NCA one run), "
          f"load average {doc['load_average']:.1f}")
    print_rows(rows)
    if args.json_out:
        Path(args.json_out).parent.mkdir(parents=True, exist_ok=True)
        Path(args.json_out).write_text(json.dumps(doc, indent=2) + "\n")
    return 0
