"""`explain`: the verdict on one connection and both sides of it, rule by rule."""

from __future__ import annotations

import ipaddress
from dataclasses import replace

from netverify.analyses.label_notes import unknown_value_notes
from netverify.analyses.refs import find_workload, find_workload_entries
from netverify.errors import UsageError
from netverify.eval.concrete import endpoint_of, evaluate
from netverify.findings import Explanation
from netverify.model.cluster import Cluster, Workload
from netverify.model.flow import Endpoint, ExternalEndpoint, Flow, PodEndpoint
from netverify.model.ports import Protocol


def _resolve_all(cluster: Cluster, text: str, role: str) -> list[tuple[Endpoint, str, Workload | None]]:
    """Like `_resolve`, one per pod group of a workload whose pods differ."""
    entries = find_workload_entries(cluster, text, role)
    if len(entries) > 1:
        return [(endpoint_of(cluster, w), w.pod_ref, w) for w in entries]
    return [_resolve(cluster, text, role)]


def _resolve(cluster: Cluster, text: str, role: str) -> tuple[Endpoint, str, Workload | None]:
    """A workload (`ns/name`, `ns/name[Kind]`, `ns/Kind/name`) or an IP address -> (endpoint, label, workload)."""
    workload = find_workload(cluster, text, role)
    if workload is not None:
        return endpoint_of(cluster, workload), workload.pod_ref, workload
    try:
        ip = ipaddress.ip_address(text.strip())
    except ValueError:
        raise UsageError(
            f"{role} {text!r}: not a workload in the manifests nor an IP address "
            "(use ns/name, ns/name[Kind], ns/Kind/name or an address such as 10.0.0.1)"
        ) from None
    for w in cluster.workloads:
        if ip in w.ips:
            # An address a workload's pod holds is that pod, not an outside endpoint.
            return replace(endpoint_of(cluster, w), ip=ip), f"{w.ref} ({ip})", w
    return ExternalEndpoint(ip), str(ip), None


def explain(
    cluster: Cluster, src: str, dst: str, protocol: Protocol, port: int, *, ipblock_matches_pods: bool = False
) -> Explanation:
    srcs, dsts = _resolve_all(cluster, src, "source"), _resolve_all(cluster, dst, "destination")
    notes: list[str] = []
    if len(srcs) > 1 or len(dsts) > 1:
        # A workload whose pods differ in labels: one verdict for all of them, or name the pod.
        verdicts = {
            (s[1], d[1]): evaluate(cluster, Flow(s[0], d[0], protocol, port), ipblock_matches_pods=ipblock_matches_pods)
            for s in srcs for d in dsts if s[2] is None or s[2] is not d[2]
        }
        if len({v.allowed for v in verdicts.values()}) > 1:
            each = "; ".join(f"{a} -> {b}: {'allowed' if v.allowed else 'blocked'}" for (a, b), v in verdicts.items())
            raise UsageError(
                f"the pods of {src if len(srcs) > 1 else dst} differ in labels and get different verdicts ({each}); "
                "name one pod, e.g. ns/POD-NAME"
            )
        for group in (srcs, dsts):
            if len(group) > 1:
                notes.append(f"the pods of {group[0][2].ref} differ in labels ({', '.join(g[1] for g in group)}); "
                             "every one of them gets this verdict")
    src_ep, src_label, src_w = srcs[0]
    dst_ep, dst_label, dst_w = dsts[0]
    if len(srcs) > 1:
        src_label = srcs[0][2].ref
    if len(dsts) > 1:
        dst_label = dsts[0][2].ref
    verdict = evaluate(cluster, Flow(src_ep, dst_ep, protocol, port), ipblock_matches_pods=ipblock_matches_pods)
    if src_w is not None and src_w is dst_w:
        notes.append(
            f"{src_label} to itself: a pod may always reach itself; this verdict is for two distinct replicas"
        )
    for w in (src_w, dst_w):
        if w is not None and w.host_network and not any(w.ref in n for n in notes):
            notes.append(f"{w.ref} uses the host network, which NetworkPolicy does not govern: outside the model")
    if ipblock_matches_pods:
        for ep, label in ((src_ep, src_label), (dst_ep, dst_label)):
            if isinstance(ep, PodEndpoint) and ep.ip is None:
                notes.append(f"{label} has no known pod IP: no ipBlock matches it")
    if isinstance(src_ep, ExternalEndpoint) and isinstance(dst_ep, ExternalEndpoint):
        notes.append("both ends are outside the cluster: no NetworkPolicy applies")
    notes += unknown_value_notes(cluster, [e[2] for e in (*srcs, *dsts) if e[2] is not None])
    return Explanation(
        src=src_label, dst=dst_label, protocol=protocol, port=port, allowed=verdict.allowed,
        egress=verdict.egress, ingress=verdict.ingress, notes=tuple(notes),
    )
