"""Hypothesis strategies for the Cilium differential tests (issue 12): random CNPs and CCNPs over the small
domains of differential_strategies, with NetworkPolicies (which Cilium converts into its union), Nodes,
host-network workloads and service accounts.

Every rule form is drawn: allow and deny rules, default deny switched off, endpoint selectors over identity
labels (namespace, namespace labels, service account, cluster, an empty selector), every entity, CIDR sets
with excepts, L4-only rules, the empty rule `{}`, toPorts with port 0, endPort, named ports and ANY, L7 rules,
icmps, fromRequires, unmodelled fields and host policies (nodeSelector).
"""

from __future__ import annotations

import dataclasses
import ipaddress

from hypothesis import strategies as st

from builders import SPAN, workload
from cilium_builders import ccnp, cnp, cport_, crule, to_ports
from differential_strategies import (
    NAMESPACES,
    NODE_ADDRESSES,
    PORT_NAMES,
    POD_KEYS,
    VALUES,
    clusters,
    concrete_flows,
    control_plane_requirements,
    container_ports,
    ipblocks,
    pod_labels,
    requirements,
    selectors,
)
from netverify.model.cilium import (
    CLUSTER_LABEL,
    ENTITIES,
    NAMESPACE_LABEL,
    NAMESPACE_LABELS_PREFIX,
    SERVICE_ACCOUNT_LABEL,
    CidrPeer,
    CiliumResources,
    IcmpField,
)
from netverify.model.cluster import UNKNOWN_LABEL_VALUE
from netverify.model.flow import ExternalEndpoint, PodEndpoint
from netverify.model.ipblock import IPBlock
from netverify.model.labels import LabelSelector

SERVICE_ACCOUNTS = ["default", "sa1", "sa2"]
# Labels a pod may carry that Cilium leaves out of its identity: one claiming a namespace label (dropped with every
# pod label under io.cilium.k8s), ones its default label filter ignores, and one only some releases keep
# (model/cilium_label_filter.py).
LEFT_OUT_KEYS = [NAMESPACE_LABELS_PREFIX + "team", "controller-revision-hash", "kubernetes.io/os",
                 "topology.kubernetes.io/zone"]
left_out_labels = st.dictionaries(st.sampled_from(LEFT_OUT_KEYS), st.sampled_from(VALUES), max_size=2)
CLUSTER_NAMES = ["default", "c2"]

identity_requirements = st.one_of(
    requirements(POD_KEYS, VALUES),
    requirements([NAMESPACE_LABEL], NAMESPACES + ["new"]),
    requirements([SERVICE_ACCOUNT_LABEL], SERVICE_ACCOUNTS + ["Bad_SA"]),
    requirements([NAMESPACE_LABELS_PREFIX + "team", NAMESPACE_LABELS_PREFIX + "env"], VALUES),
    requirements([CLUSTER_LABEL], CLUSTER_NAMES),
    control_plane_requirements,  # pod-template-hash & co: values only the cluster knows on some workloads
    requirements(LEFT_OUT_KEYS, VALUES),  # keys no identity carries (model/cilium_label_filter.py)
)
identity_selectors = st.one_of(
    st.just(LabelSelector()),
    st.lists(identity_requirements, min_size=1, max_size=2).map(lambda rs: LabelSelector(tuple(rs))),
)

cilium_ports = st.one_of(
    st.builds(lambda n, p: cport_(n, p), st.integers(0, 6), st.sampled_from(["TCP", "UDP", "SCTP", "ANY"])),
    st.builds(lambda n, k, p: cport_(n, p, end=n + k), st.integers(1, 6), st.integers(0, 3),
              st.sampled_from(["TCP", "UDP", "ANY"])),
    st.builds(lambda name, p: cport_(name, p), st.sampled_from(PORT_NAMES), st.sampled_from(["TCP", "UDP", "ANY"])),
)


@st.composite
def port_rules(draw, deny: bool):
    ports = draw(st.lists(cilium_ports, min_size=0 if not deny else 1, max_size=2))
    l7 = () if deny else tuple(draw(st.sampled_from([(), (), (), ("http",), ("dns",)])))
    return to_ports(*ports, l7=l7)


def _cidr(block: IPBlock) -> CidrPeer:
    """A CIDR set item: the block, its excepts as the item's `except` list."""
    return CidrPeer((IPBlock(block.cidr),), tuple(IPBlock(e) for e in block.excepts), None, SPAN)


# Blocks near the pods' and externals' addresses, and blocks holding Nodes' addresses (CIDR never matches a node).
cidr_blocks = st.one_of(ipblocks(), st.sampled_from([f"{a}/32" for a in NODE_ADDRESSES] + ["172.16.0.0/30"]).map(
    lambda n: IPBlock(ipaddress.ip_network(n))))


@st.composite
def cilium_rules(draw, deny: bool):
    shape = draw(st.sampled_from(["endpoints", "endpoints", "entities", "cidrs", "l4", "empty"]))
    kw: dict = {}
    if shape == "endpoints":
        kw["endpoints"] = draw(st.lists(identity_selectors, min_size=1, max_size=2))
    elif shape == "entities":
        kw["entities"] = draw(st.lists(st.sampled_from(ENTITIES), min_size=1, max_size=3, unique=True))
    elif shape == "cidrs":
        kw["cidrs"] = [_cidr(b) for b in draw(st.lists(cidr_blocks, min_size=1, max_size=2))]
    if shape != "empty":
        kw["ports"] = draw(st.lists(port_rules(deny), max_size=2, min_size=1 if shape == "l4" else 0))
        if draw(st.integers(0, 7)) == 0:
            kw["icmps"] = [IcmpField(draw(st.sampled_from(["IPv4", "IPv4", "IPv6"])), draw(st.sampled_from([0, 8, 128])))]
    if draw(st.integers(0, 9)) == 0:
        kw["requires"] = [draw(identity_selectors)]
    if draw(st.integers(0, 11)) == 0:
        kw["unmodelled"] = [draw(st.sampled_from(["toFQDNs", "toServices", "authentication"]))]
    return crule(deny=deny, **kw)


@st.composite
def cilium_policies(draw, index: int):
    kind = draw(st.sampled_from(["cnp", "cnp", "ccnp"]))
    subject = draw(st.one_of(st.just(LabelSelector()), selectors(max_size=1), identity_selectors))
    dd = {"ingress": draw(st.sampled_from([None, None, False])), "egress": draw(st.sampled_from([None, None, False]))}
    kw = dict(
        ingress=draw(st.lists(cilium_rules(False), max_size=2)), egress=draw(st.lists(cilium_rules(False), max_size=2)),
        ingress_deny=draw(st.lists(cilium_rules(True), max_size=1)),
        egress_deny=draw(st.lists(cilium_rules(True), max_size=1)), default_deny=dd,
    )
    if kind == "ccnp":
        p = ccnp(f"c{index}", subject, **kw)
        if draw(st.integers(0, 9)) == 0:  # a host policy: nodeSelector instead of endpointSelector
            p = dataclasses.replace(p, endpoint_selector=None, node_selector=LabelSelector())
        return p
    return cnp(f"c{index}", draw(st.sampled_from(NAMESPACES)), subject, **kw)


@st.composite
def cilium_clusters(draw):
    """clusters() (with NetworkPolicies) plus Nodes, host-network workloads (now and then a Deployment with an
    unknown pod-template-hash, which selectors may name), service accounts and Cilium policies."""
    from anp_builders import node
    c = draw(clusters())
    nodes = [node(f"node{i}", {}, NODE_ADDRESSES[i]) for i in range(draw(st.integers(0, 2)))]
    workloads = [dataclasses.replace(w, service_account=draw(st.sampled_from(SERVICE_ACCOUNTS)),
                                     labels={**w.labels, **draw(left_out_labels)})
                 for w in c.workloads]
    for i in range(draw(st.integers(0, 1))):
        on = draw(st.sampled_from([None, *nodes])) if nodes else None
        hn = workload(f"h{i}", draw(st.sampled_from(NAMESPACES)), draw(pod_labels), draw(container_ports),
                      ips=[str(a) for a in on.addresses] if on is not None else [], host_network=True)
        hn = dataclasses.replace(hn, node_name=on.name if on is not None else None)
        if draw(st.booleans()):  # a hostNetwork Deployment: its pod-template-hash only the cluster knows
            hn = dataclasses.replace(hn, labels={**hn.labels, "pod-template-hash": UNKNOWN_LABEL_VALUE},
                                     unknown_labels=frozenset({"pod-template-hash"}))
        workloads.append(hn)
    policies = tuple(draw(cilium_policies(i)) for i in range(draw(st.sampled_from([1, 1, 2, 2, 3]))))
    name = draw(st.sampled_from(CLUSTER_NAMES))
    return dataclasses.replace(c, workloads=tuple(workloads), nodes=tuple(nodes),
                               cilium=CiliumResources(policies, (), name))


@st.composite
def cilium_concrete_flows(draw, c):
    """concrete_flows with a service account on new pods and Nodes' addresses now and then."""
    f = draw(concrete_flows(c))
    ends = {}
    for role in ("src", "dst"):
        ep = getattr(f, role)
        if isinstance(ep, PodEndpoint):
            ends[role] = dataclasses.replace(ep, service_account=draw(st.sampled_from(SERVICE_ACCOUNTS + ["sa9"])))
            if ep.workload is None:  # a new pod may carry labels its identity leaves out, too
                ends[role] = dataclasses.replace(ends[role], labels={**ep.labels, **draw(left_out_labels)})
    f = dataclasses.replace(f, **ends)
    if c.nodes and draw(st.integers(0, 3)) == 0:
        ip = ipaddress.ip_address(draw(st.sampled_from([str(a) for n in c.nodes for a in n.addresses])))
        f = dataclasses.replace(f, **{draw(st.sampled_from(["src", "dst"])): ExternalEndpoint(ip)})
    return f

