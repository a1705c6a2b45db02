"""Notes for the concrete analyses (map, explain) about labels whose value only the cluster knows.

They evaluate a pod with such a label as carrying "a value no selector names" (UNKNOWN_LABEL_VALUE). Where a
policy's selector names values of that key, the real value could change the answer: the result says so.
"""

from __future__ import annotations

from collections.abc import Iterable

from netverify.model.cluster import Cluster, Workload


def selector_keys(cluster: Cluster) -> set[str]:
    """Every pod-label key some policy's podSelector (its own or a peer's) names a value of."""
    keys: set[str] = set()
    for p in cluster.policies:
        selectors = [p.pod_selector] + [
            peer.pod_selector for r in (*p.ingress, *p.egress) for peer in r.peers if peer.pod_selector is not None
        ]
        for selector in selectors:
            keys.update(k for k, values in selector.mentioned().items() if values)
    return keys


def unknown_value_notes(cluster: Cluster, workloads: Iterable[Workload]) -> list[str]:
    keys = selector_keys(cluster)
    notes: list[str] = []
    for w in workloads:
        named = sorted(k for k in w.unknown_labels if k in keys)
        if named and not any(w.pod_ref in n for n in notes):
            notes.append(
                f"{w.pod_ref}: policies name values of {', '.join(named)}, which the control plane sets and the "
                "manifests do not show; shown for a value no policy names (a dump of the pods settles it)"
            )
    return notes
