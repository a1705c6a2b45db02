#!/usr/bin/env python3
"""`map` in every format in one process: load once, then per format the map and its rendering to a file.

    .venv/bin/python benchmarks/map_formats.py benchmarks/generated/medium-yaml-s0 [--no-parse] [--json OUT]

Cheaper than run.py's `map:FMT` ops (one load for all formats) when the machine is busy; CPU seconds per step
(steadier than wall time on a shared machine) and the process's peak RSS after each step (it only grows, so
a format's own peak is at most the value after it). Each line is printed as soon as its step is done.
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent / "src"))

# (format, grouped): the CLI's default view of each format first, then the other views
VIEWS = (("json", False), ("text", True), ("json", True), ("csv", False), ("markdown", True), ("dot", True),
         ("html", True), ("text", False))


def _rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("cluster", type=Path, help="a generated cluster directory (with manifests/)")
    ap.add_argument("--no-parse", action="store_true", help="skip the yaml.load_all floor")
    ap.add_argument("--json", dest="json_out", type=Path)
    args = ap.parse_args(argv)
    manifests = args.cluster / "manifests"
    out: dict = {"cluster": str(args.cluster)}

    def step(name: str, value: dict) -> None:
        out[name] = value
        print(name, json.dumps(value), flush=True)

    if not args.no_parse:
        from run import _parse_only
        c = time.process_time()
        _parse_only(manifests)
        step("parse", {"cpu_s": round(time.process_time() - c, 2), "peak_rss_mib": round(_rss_mib())})
    from netverify.analyses.map import connectivity_map
    from netverify.analyses.map_groups import as_view
    from netverify.load.manifests import load_cluster
    from netverify.report import render_chunks
    c = time.process_time()
    cluster = load_cluster([str(manifests)])
    step("load", {"cpu_s": round(time.process_time() - c, 2), "peak_rss_mib": round(_rss_mib()),
                  "workloads": len(cluster.workloads), "policies": len(cluster.policies)})
    with tempfile.TemporaryDirectory() as tmp:
        for fmt, grouped in VIEWS:
            c = time.process_time()
            cmap = as_view(connectivity_map(cluster, grouped=True), grouped)
            size = 0
            with open(Path(tmp) / "map.out", "w", encoding="utf-8") as fh:
                for piece in render_chunks(cmap, fmt, width=80):
                    fh.write(piece)
                    size += len(piece)
            step(f"map:{fmt}{':grouped' if grouped else ':expand'}",
                 {"cpu_s": round(time.process_time() - c, 2), "peak_rss_mib": round(_rss_mib()),
                  "rows": len(cmap.connections), "output_chars": size})
            del cmap
    if args.json_out:
        args.json_out.write_text(json.dumps(out, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
