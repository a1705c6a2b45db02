"""What every printed witness must be true to: an endpoint that names a workload is one of its pods,
and the two ends are two pods. Shared by the witness property tests and the differential tests."""

from __future__ import annotations

import ipaddress

from netverify.findings import ConnectionWitness, EndpointWitness
from netverify.model.cluster import Cluster


def assert_endpoint_is_its_workloads_pod(c: Cluster, e: EndpointWitness) -> None:
    if e.workload is None:
        return
    [w] = [w for w in c.workloads if w.ref == e.workload]
    assert e.namespace == w.namespace, (e, w)
    assert e.namespace_exists, (e, w)
    assert dict(e.labels) == dict(w.labels), (e, w)  # every label, exactly: not a subset, not more
    assert dict(e.namespace_labels) == dict(c.namespace_labels(w.namespace)), (e, w)
    named = sorted((cp.name, cp.port, str(cp.protocol)) for cp in w.ports if cp.name)
    assert sorted(e.container_ports) == named, (e, w)
    if e.ip is not None and w.ips:
        assert ipaddress.ip_address(e.ip) in w.ips, (e, w)


def assert_witness_is_truthful(c: Cluster, shown: ConnectionWitness) -> None:
    for e in (shown.src, shown.dst):
        assert_endpoint_is_its_workloads_pod(c, e)
    if shown.src.workload is not None and shown.src.workload == shown.dst.workload:
        [w] = [w for w in c.workloads if w.ref == shown.src.workload]
        assert w.kind != "Pod", f"a bare Pod talking to itself: {shown}"
        assert shown.src.ip is None or shown.src.ip != shown.dst.ip, f"one address at both ends: {shown}"
