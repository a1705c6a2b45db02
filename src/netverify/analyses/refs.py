"""Finding the workload a user named on the command line (`ns/name`, `ns/name[Kind]`, `ns/Kind/name`)."""

from __future__ import annotations

from netverify.errors import UsageError
from netverify.model.cluster import Cluster, Workload


def find_workload(cluster: Cluster, ref: str, what: str) -> Workload | None:
    """The workload `ref` names, None if none does; two workloads of one name but different kinds need the kind."""
    found = cluster.workloads_named(ref)
    if len(found) > 1:
        choices = ", ".join(sorted(w.ref for w in found))
        raise UsageError(f"{what} {ref!r} is ambiguous: it names {choices}; add the kind, e.g. {found[0].ref}")
    return found[0] if found else None
