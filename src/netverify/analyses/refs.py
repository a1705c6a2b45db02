"""Finding the workload a user named on the command line (`ns/name`, `ns/name[Kind]`, `ns/Kind/name`, or a bare
`name` when only one namespace has a workload of that name)."""

from __future__ import annotations

import difflib

from netverify.errors import UsageError
from netverify.model.cluster import Cluster, Workload


def find_workload_entries(cluster: Cluster, ref: str, what: str) -> tuple[Workload, ...]:
    """Every entry of the one workload `ref` names (several when its pods differ), () if none; two workloads of
    one name but different kinds, or a bare name in several namespaces, need more (bad usage, naming each)."""
    found = cluster.workloads_named(ref) or _bare(cluster, ref)
    refs = sorted({w.ref for w in found})
    if len(refs) > 1:
        how = "add the namespace" if "/" not in ref else "add the kind"
        raise UsageError(f"{what} {ref!r} is ambiguous: it names {', '.join(refs)}; {how}, e.g. {refs[0]}")
    return found


def _bare(cluster: Cluster, ref: str) -> tuple[Workload, ...]:
    """`name` or `name[Kind]` without a namespace: the workloads of that name in any namespace."""
    if "/" in ref:
        return ()
    return tuple(w for w in cluster.workloads if ref in (w.name, f"{w.name}[{w.kind}]"))


def find_workload(cluster: Cluster, ref: str, what: str) -> Workload | None:
    """The workload `ref` names, None if none does (its first entry when its pods differ)."""
    found = find_workload_entries(cluster, ref, what)
    return found[0] if found else None


def did_you_mean(cluster: Cluster, ref: str) -> str:
    """` (did you mean 'web/frontend'?)` for a workload name that is almost one, or a namespace nothing has;
    "" when nothing is near. Written after the error it helps with."""
    namespace, slash, _ = ref.partition("/")
    if slash and namespace not in cluster.namespaces:
        near = difflib.get_close_matches(namespace, sorted(cluster.namespaces), n=1, cutoff=0.6)
        if near:
            return f" (no namespace {namespace!r}; did you mean {near[0]!r}?)"
    names = sorted({w.id for w in cluster.workloads} | ({w.name for w in cluster.workloads} if not slash else set()))
    near = difflib.get_close_matches(ref, names, n=1, cutoff=0.6)
    return f" (did you mean {near[0]!r}?)" if near else ""
