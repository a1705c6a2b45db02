"""Random Cilium clusters for the surface differentials (map, diff): the workloads of cluster_strategies with
IPv4 addresses and service accounts, and 1-3 CNPs/CCNPs with allow and deny rules (selectors on labels,
service accounts and namespaces; entities; CIDR sets with excepts; L4-only rules; port ranges, ANY, named
ports; enableDefaultDeny off)."""

from __future__ import annotations

import ipaddress
from dataclasses import replace

from hypothesis import strategies as st

from cilium_builders import ccnp, cidr, cnp, cport_, crule, to_ports, with_cilium
from cluster_strategies import KEYS, NAMESPACES, VALUES, cluster_st
from netverify.model.cilium import NAMESPACE_LABEL, SERVICE_ACCOUNT_LABEL
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


