"""`map` under Cilium's chain against the concrete evaluator, on random clusters (hypothesis).

The map folds the evaluator per workload class and port cell (analyses/map_fold.py), so it is exact only if its
cuts are: every port and range a `toPorts` names, every CIDR block and except, the labels and service accounts
selectors read. A row must hold a port iff the evaluator lets some pod pair of the two workloads through on it;
an address row iff the evaluator lets its first address through. The drawn policies mix CNPs and CCNPs with
allow and deny rules, endpoint selectors on labels, service accounts and namespaces, entities, CIDR sets with
excepts, ports with ranges, ANY and named ports, `enableDefaultDeny` off, and Kubernetes NetworkPolicies.
"""

from __future__ import annotations

import ipaddress
from dataclasses import replace

import pytest
from hypothesis import HealthCheck, given, settings

from builders import ext, flow
from cilium_surface_strategies import CILIUM, PROBE_ADDRESSES, PROBE_PORTS, cilium_cluster_st
from netverify.analyses.map import connectivity_map
from netverify.eval.concrete import endpoint_of, evaluate
from netverify.findings import IPRangeNode, WorkloadNode
from netverify.model.ports import PROTOCOLS, PortRanges


def _allowed(c, f) -> bool:
    return evaluate(c, f, semantics=CILIUM).may_be(True)


@pytest.mark.slow
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cilium_cluster_st())
def test_map_under_cilium_agrees_with_the_evaluator_many(c):
    _agrees(c)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cilium_cluster_st())
def test_map_under_cilium_agrees_with_the_evaluator(c):
    _agrees(c)


def _agrees(c) -> None:
    cmap = connectivity_map(c, semantics=CILIUM)
    got = {(conn.src.label, conn.dst.label): conn.protocols for conn in cmap.connections}
    eps = {w.ref: [replace(endpoint_of(c, w), ip=ip) for ip in w.ips] for w in c.workloads}
    for a in c.workloads:
        for b in c.workloads:
            if a is b:
                continue
            row = got.get((a.ref, b.ref), {})
            for proto in PROTOCOLS:
                for n in PROBE_PORTS:
                    want = any(_allowed(c, flow(x, y, n, proto.value)) for x in eps[a.ref] for y in eps[b.ref])
                    assert (n in row.get(proto, PortRanges())) == want, (a.ref, b.ref, proto, n)
    ip_rows = [conn for conn in cmap.connections if isinstance(conn.src, IPRangeNode) or
               isinstance(conn.dst, IPRangeNode)]
    for w in c.workloads:
        for address in PROBE_ADDRESSES:
            ip = ipaddress.ip_address(address)
            if any(ip in x.ips for x in c.workloads):
                continue  # a pod's address is that pod, not an outside end
            for ingress in (False, True):
                rows = [conn for conn in ip_rows
                        if _in(conn.src if ingress else conn.dst, ip) and (conn.dst if ingress else conn.src) == WorkloadNode(w.namespace, w.name, w.kind)]
                for proto in PROTOCOLS:
                    for n in PROBE_PORTS:
                        want = any(_allowed(c, flow(ext(address), x, n, proto.value) if ingress
                                            else flow(x, ext(address), n, proto.value)) for x in eps[w.ref])
                        shown = any(n in r.protocols.get(proto, PortRanges()) for r in rows)
                        assert shown == want, (w.ref, address, "ingress" if ingress else "egress", proto, n)


def _in(node, ip) -> bool:
    if not isinstance(node, IPRangeNode):
        return False
    first, last = ipaddress.ip_address(node.start), ipaddress.ip_address(node.end)
    return first.version == ip.version and first <= ip <= last
