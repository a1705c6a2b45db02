"""What every printed witness must be true to: an endpoint that names a workload is one of its pods,
and the two ends are two pods (never one pod-network address at both ends). Shared by the witness property
tests and the differential tests."""

from __future__ import annotations

import ipaddress

from netverify.findings import ConnectionWitness, EndpointWitness
from netverify.model.cluster import Cluster


def assert_endpoint_is_its_workloads_pod(c: Cluster, e: EndpointWitness) -> None:
    if e.workload is None:
        return
    # A workload whose pods differ is several entries of one ref: the endpoint is a pod of one of them.
    entries = [w for w in c.workloads if w.ref == e.workload]
    assert entries, e
    problems = [_mismatch(c, e, w) for w in entries]
    assert any(p is None for p in problems), problems


def _mismatch(c: Cluster, e: EndpointWitness, w) -> str | None:
    if e.namespace != w.namespace or not e.namespace_exists:
        return f"namespace: {e} vs {w}"
    if dict(e.labels) != dict(w.labels):  # every label, exactly: not a subset, not more
        return f"labels: {e} vs {w}"
    if dict(e.namespace_labels) != dict(c.namespace_labels(w.namespace)):
        return f"namespace labels: {e} vs {w}"
    named = sorted((cp.name, cp.port, str(cp.protocol)) for cp in w.ports if cp.name)
    if sorted(e.container_ports) != named:
        return f"ports: {e} vs {w}"
    if e.ip is not None and w.ips and ipaddress.ip_address(e.ip) not in w.ips:
        return f"address: {e} vs {w}"
    return None


def assert_witness_is_truthful(c: Cluster, shown: ConnectionWitness) -> None:
    for e in (shown.src, shown.dst):
        assert_endpoint_is_its_workloads_pod(c, e)
    if shown.src.workload is not None and shown.src.workload == shown.dst.workload:
        w = next(w for w in c.workloads if w.ref == shown.src.workload)
        assert w.kind != "Pod", f"a bare Pod talking to itself: {shown}"
    pods = shown.src.namespace is not None and shown.dst.namespace is not None
    if pods and shown.src.ip is not None and shown.src.ip == shown.dst.ip:
        # Two pods never share a pod-network address; hostNetwork pods share their node's.
        host = any(w.host_network for w in c.workloads if w.ref in (shown.src.workload, shown.dst.workload))
        assert host, f"one address at both ends: {shown}"
