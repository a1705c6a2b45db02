"""Workloads that exist only in HEAD: what BASE's policies would already have allowed them, apart from what the
change itself opens.

A new Deployment under existing policies is not a policy change, yet a map diff shows all its connections as
new. So BASE is compared as if it had HEAD's new workloads too (same pods, same labels; a namespace only HEAD
has, with HEAD's labels): what HEAD allows and that BASE would not is a change of the policies (or of a
namespace's labels) like any other, gated by `--fail-on added`; what both allow is listed apart
(`DiffReport.new_workloads`), gated only by `--fail-on new-workloads`. A PR cannot hide a newly opened
connection by adding the workload in the same change: that part is never in the new-workload section.
"""

from __future__ import annotations

from dataclasses import replace

from netverify.analyses.diff_maps import RawChange, compare_maps
from netverify.analyses.map_variants import VARIANT_SEPARATOR
from netverify.findings import Connection, ConnectivityMap, MapNode, WorkloadNode
from netverify.model.cluster import Cluster


def new_workload_refs(base: Cluster, head: Cluster) -> frozenset[str]:
    """`ns/name[Kind]` of every workload HEAD has and BASE does not."""
    return frozenset({w.ref for w in head.workloads} - {w.ref for w in base.workloads})


def with_new_workloads(base: Cluster, head: Cluster, refs: frozenset[str]) -> Cluster:
    """BASE plus HEAD's workloads `refs` and the namespaces of theirs BASE does not declare (HEAD's labels)."""
    if not refs:
        return base
    added = tuple(w for w in head.workloads if w.ref in refs)
    namespaces = dict(base.namespaces)
    for w in added:
        mine, theirs = namespaces.get(w.namespace), head.namespaces.get(w.namespace)
        if theirs is not None and (mine is None or mine.span is None):
            namespaces[w.namespace] = theirs
    return replace(base, workloads=base.workloads + added, namespaces=namespaces)


def workload_ref_of(node: MapNode) -> str | None:
    """The `ns/name[Kind]` a map node is (or is one pod group or address of); None for an IP range."""
    if not isinstance(node, WorkloadNode):
        return None
    name = node.name.split(VARIANT_SEPARATOR, 1)[0].split("/", 1)[0]  # `name/pod` groups, `name@ip` addresses
    return f"{node.namespace}/{name}[{node.kind}]"


def involves(refs: frozenset[str], src: MapNode, dst: MapNode) -> bool:
    return workload_ref_of(src) in refs or workload_ref_of(dst) in refs


def already_allowed(base_with_new: ConnectivityMap, raws: list[RawChange], refs: frozenset[str]) -> list[RawChange]:
    """Connections of the new workloads that BASE's policies would allow and HEAD still does: BASE's map (with
    the new workloads) minus what HEAD blocks of it, as changes that only add."""
    if not refs:
        return []
    would = ConnectivityMap(tuple(c for c in base_with_new.connections if involves(refs, c.src, c.dst)))
    blocked = ConnectivityMap(tuple(Connection(r.src, r.dst, r.removed) for r in raws
                                    if r.removed and involves(refs, r.src, r.dst)))
    return [r for r in compare_maps(blocked, would) if r.added]


def only_what_was_there(raws: list[RawChange], refs: frozenset[str]) -> list[RawChange]:
    """A new workload had no connections in BASE, so none of them is newly blocked: its pairs keep what HEAD
    newly opens only (what HEAD's policies block of what BASE's would allow shows on the existing workloads
    those policies select)."""
    out = []
    for r in raws:
        if involves(refs, r.src, r.dst):
            if not r.added:
                continue
            r = replace(r, removed={})
        out.append(r)
    return out
