"""Finding the workload a user named on the command line (`ns/name`, `ns/name[Kind]`, `ns/Kind/name`)."""

from __future__ import annotations

from netverify.errors import UsageError
from netverify.model.cluster import Cluster, Workload


def find_workload_entries(cluster: Cluster, ref: str, what: str) -> tuple[Workload, ...]:
    """Every entry of the one workload `ref` names (several when its pods differ), () if none; two workloads of
    one name but different kinds need the kind."""
    found = cluster.workloads_named(ref)
    refs = sorted({w.ref for w in found})
    if len(refs) > 1:
        raise UsageError(f"{what} {ref!r} is ambiguous: it names {', '.join(refs)}; add the kind, e.g. {refs[0]}")
    return found


def find_workload(cluster: Cluster, ref: str, what: str) -> Workload | None:
    """The workload `ref` names, None if none does (its first entry when its pods differ)."""
    found = find_workload_entries(cluster, ref, what)
    return found[0] if found else None
