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
from hypothesis import strategies as st

from builders import ext, flow
from cilium_builders import ccnp, cidr, cnp, cport_, crule, to_ports, with_cilium
from cluster_strategies import KEYS, NAMESPACES, VALUES, cluster_st
from netverify.analyses.map import connectivity_map
from netverify.eval.concrete import endpoint_of, evaluate
from netverify.findings import IPRangeNode, WorkloadNode
from netverify.model.cilium import NAMESPACE_LABEL, SERVICE_ACCOUNT_LABEL
from netverify.model.ports import PROTOCOLS, PortRanges
from netverify.model.semantics import Semantics

CILIUM = Semantics(cni="cilium")
SERVICE_ACCOUNTS = ["default", "sa1", "sa2"]
PROBE_PORTS = (53, 79, 80, 443, 444, 1000, 1500, 8080)
PROBE_ADDRESSES = ("10.0.0.1", "10.1.0.1", "10.1.2.200", "192.0.2.7", "8.8.8.8")

selector_st = st.one_of(
    st.just({}),
    st.builds(lambda k, v: {k: v}, st.sampled_from(KEYS), st.sampled_from(VALUES)),
    st.builds(lambda sa: {SERVICE_ACCOUNT_LABEL: sa}, st.sampled_from(SERVICE_ACCOUNTS)),
    st.builds(lambda ns: {NAMESPACE_LABEL: ns}, st.sampled_from(NAMESPACES)),
)
port_st = st.one_of(
    st.builds(lambda n, p: cport_(n, p), st.sampled_from([80, 443, 53, 0]), st.sampled_from(["TCP", "UDP", "ANY"])),
    st.builds(lambda lo, hi: cport_(lo, "TCP", end=hi), st.sampled_from([79, 443]), st.sampled_from([80, 1000])),
    st.builds(lambda name: cport_(name, "TCP"), st.sampled_from(["http", "dns"])),
)
cidr_st = st.sampled_from([cidr("10.0.0.0/8", "10.1.0.0/16"), cidr("10.1.2.0/24"), cidr("192.0.2.0/24"),
                           cidr("0.0.0.0/0", "10.0.0.0/8")])


@st.composite
def rule_st(draw):
    kind = draw(st.sampled_from(["endpoints", "entities", "cidrs", "ports-only"]))
    ports = draw(st.lists(st.builds(lambda ps: to_ports(*ps), st.lists(port_st, min_size=1, max_size=2)),
                          max_size=1 if kind != "ports-only" else 1, min_size=1 if kind == "ports-only" else 0))
    if kind == "endpoints":
        return crule(endpoints=draw(st.lists(selector_st, min_size=1, max_size=2)), ports=ports)
    if kind == "entities":
        return crule(entities=draw(st.lists(st.sampled_from(["world", "cluster", "all"]), min_size=1, max_size=2,
                                            unique=True)), ports=ports)
    if kind == "cidrs":
        return crule(cidrs=draw(st.lists(cidr_st, min_size=1, max_size=2)), ports=ports)
    return crule(ports=ports)


@st.composite
def cilium_cluster_st(draw):
    c = draw(cluster_st())
    workloads = tuple(replace(w, ips=tuple(ip for ip in w.ips if ip.version == 4)
                              or (ipaddress.ip_address(f"10.1.2.{i + 1}"),),
                              service_account=draw(st.sampled_from(SERVICE_ACCOUNTS)))
                      for i, w in enumerate(c.workloads))
    policies = []
    for i in range(draw(st.integers(1, 3))):
        rules = {d: draw(st.lists(rule_st(), max_size=2)) for d in ("ingress", "egress", "ingress_deny",
                                                                    "egress_deny")}
        off = draw(st.sampled_from([None, {"ingress": False, "egress": None}]))
        if draw(st.booleans()):
            policies.append(cnp(f"c{i}", draw(st.sampled_from(NAMESPACES)), draw(selector_st), default_deny=off,
                                **rules))
        else:
            policies.append(ccnp(f"cc{i}", draw(selector_st), default_deny=off, **rules))
    return with_cilium(replace(c, workloads=workloads), *policies)


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
