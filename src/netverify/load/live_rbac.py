"""The read-only ClusterRole an account needs for `-f cluster:` (docs/live-cluster.md shows it; a test keeps
the two equal): `get` and `list` on every kind load/live.py lists, and nothing else."""

from __future__ import annotations

from netverify.load.live import plural, wanted_kinds

VERBS = ("get", "list")


def cluster_role(name: str = "netverify-reader") -> dict:
    by_group: dict[str, list[str]] = {}
    for group, kind in wanted_kinds():
        by_group.setdefault(group, []).append(plural(group, kind))
    rules = [{"apiGroups": [group], "resources": sorted(set(resources)), "verbs": list(VERBS)}
             for group, resources in sorted(by_group.items())]
    return {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole", "metadata": {"name": name},
            "rules": rules}
