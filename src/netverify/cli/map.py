"""Options of `netverify map` only (kept out of cli/options.py, which every command shares)."""

from __future__ import annotations

from enum import Enum


class MapGranularity(str, Enum):
    """`--granularity`: one row per workload, or per pod (analyses/map_pods.py)."""

    workload = "workload"
    pod = "pod"
