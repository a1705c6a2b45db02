"""The read-only ClusterRole an account needs for `-f cluster:` (docs/live-cluster.md shows it; a test keeps
the two equal): `get` and `list` on every kind load/live.py lists, and nothing else."""

from __future__ import annotations

from netverify.load.live import wanted_kinds

# Plurals that do not follow the rule below (lowercase kind; -y -> -ies; -s -> -ses; else +s).
_PLURALS = {("k8s.cni.cncf.io", "MultiNetworkPolicy"): "multi-networkpolicies"}
VERBS = ("get", "list")


def plural(group: str, kind: str) -> str:
    if (group, kind) in _PLURALS:
        return _PLURALS[(group, kind)]
    lower = kind.lower()
    if lower.endswith("y"):
        return lower[:-1] + "ies"
    if lower.endswith("s"):
        return lower + "es"
    return lower + "s"


def cluster_role(name: str = "netverify-reader") -> dict:
    by_group: dict[str, list[str]] = {}
    for group, kind in wanted_kinds():
        by_group.setdefault(group, []).append(plural(group, kind))
    rules = [{"apiGroups": [group], "resources": sorted(set(resources)), "verbs": list(VERBS)}
             for group, resources in sorted(by_group.items())]
    return {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole", "metadata": {"name": name},
            "rules": rules}
