"""Hypothesis strategies for the differential tests: small random clusters, properties and concrete pods.

Small domains on purpose (three label keys, a few values and ports) so that selectors, ports and
namespaces collide often and every operator, peer form and default gets exercised.
"""

from __future__ import annotations

import dataclasses
import ipaddress

from hypothesis import strategies as st

from builders import SPAN, cport, cluster, ipblock, namespace, peer, policy, port, rule, workload
from netverify.model.cluster import NAMESPACE_NAME_LABEL, UNKNOWN_LABEL_VALUE, Service, ServicePort
from netverify.model.flow import ExternalEndpoint, Flow, PodEndpoint
from netverify.model.ipblock import IPBlock
from netverify.model.kinds import KINDS, UnmodelledObject
from netverify.model.labels import OPERATORS, LabelSelector, Requirement
from netverify.model.policy import PortMatch
from netverify.model.ports import PROTOCOLS, Protocol
from netverify.model.properties import EndpointSpec

NAMESPACES = ["n0", "n1", "n2"]
POD_KEYS = ["app", "tier", "role"]
NS_KEYS = ["team", "env", NAMESPACE_NAME_LABEL]
VALUES = ["a", "b", "c"]
PORT_NAMES = ["http", "dns"]
# Labels the control plane adds (issue 9 item 2): a hash whose value only the cluster knows, a known Job name,
# and a per-replica index that makes a workload's pods differ (item 3); selectors name them too.
CONTROL_PLANE = {"pod-template-hash": ["h1", "h2"], "job-name": ["a", "b"], "apps.kubernetes.io/pod-index": ["0", "1"]}
PROTO_NAMES = [str(p) for p in PROTOCOLS]
OTHER_PROTOCOL_NUMBERS = [0, 47, 255]  # protocols with neither ports nor ICMP fields


def requirements(keys, values):
    return st.builds(
        lambda key, op, vals: Requirement(key, op, frozenset(vals) if op in ("In", "NotIn") else frozenset()),
        st.sampled_from(keys), st.sampled_from(OPERATORS), st.sets(st.sampled_from(values), min_size=1, max_size=2),
    )


control_plane_requirements = st.sampled_from(["pod-template-hash", *sorted(CONTROL_PLANE)]).flatmap(
    lambda key: requirements([key], CONTROL_PLANE[key]))


def selectors(keys=POD_KEYS, values=VALUES, max_size=2):
    one = requirements(keys, values)
    if keys is POD_KEYS:
        one = st.one_of(one, control_plane_requirements)
    return st.lists(one, max_size=max_size).map(lambda rs: LabelSelector(tuple(rs)))


# Values no namespace can be named (not RFC 1123 labels: uppercase, '.', '_', 64 characters): a selector on
# kubernetes.io/metadata.name with one of them selects no namespace, old or new.
IMPOSSIBLE_NAMESPACES = ["Monitoring_NS", "monitoring.prod", "n" * 64]
ns_selectors = selectors(NS_KEYS, VALUES + NAMESPACES + ["new", "m" * 63] + IMPOSSIBLE_NAMESPACES)

networks4 = st.builds(
    lambda a, plen: ipaddress.ip_network((a << 24 | (a * 7 % 256) << 16, plen), strict=False),
    st.integers(8, 12), st.one_of(st.integers(8, 20), st.integers(30, 32)),  # /32: a range of one address
)
V6_BASE = int(ipaddress.IPv6Address("2001:db8::"))
networks6 = st.builds(  # 2001:db8:a::/plen, near the pod addresses below
    lambda a, plen: ipaddress.ip_network((V6_BASE | a << 80, plen), strict=False),
    st.integers(0, 3), st.integers(32, 56),
)
# IPv6 blocks now and then: pods and ipBlocks of both families (dual stack) meet often enough
networks = st.one_of(networks4, networks4, networks4, networks6)


@st.composite
def ipblocks(draw) -> IPBlock:
    cidr = draw(networks)
    excepts = []
    for extra in draw(st.lists(st.integers(1, 6), max_size=2)):
        sub = ipaddress.ip_network((int(cidr.network_address), min(cidr.max_prefixlen, cidr.prefixlen + extra)),
                                   strict=False)
        if sub.subnet_of(cidr) and sub != cidr:
            excepts.append(sub)
    return IPBlock(cidr, tuple(excepts))


def _ipblock_peer(block: IPBlock):
    return ipblock(str(block.cidr), *map(str, block.excepts))


peers = st.one_of(
    st.builds(lambda s: peer(s), selectors()),
    st.builds(lambda s: peer(None, s), ns_selectors),
    st.builds(lambda p, n: peer(p, n), selectors(), ns_selectors),
    ipblocks().map(_ipblock_peer),
)

port_entries = st.one_of(
    st.builds(lambda n, p: port(n, p), st.integers(1, 6), st.sampled_from(PROTO_NAMES)),
    st.builds(lambda n, k, p: port(n, p, end=n + k), st.integers(1, 6), st.integers(0, 3), st.sampled_from(PROTO_NAMES)),
    st.builds(lambda n, p: port(n, p), st.sampled_from(PORT_NAMES), st.sampled_from(PROTO_NAMES)),
    st.builds(lambda p: port(None, p), st.sampled_from(PROTO_NAMES)),
)

rules = st.builds(lambda ps, pts: rule(*ps, ports=pts), st.lists(peers, max_size=2), st.lists(port_entries, max_size=2))

policy_types = st.one_of(st.none(), st.sets(st.sampled_from(["Ingress", "Egress"]), max_size=2))


@st.composite
def policies(draw, index: int):
    return policy(
        f"p{index}", draw(st.sampled_from(NAMESPACES)), draw(selectors(max_size=1)),
        ingress=draw(st.one_of(st.none(), st.lists(rules, max_size=2))),
        egress=draw(st.one_of(st.none(), st.lists(rules, max_size=2))),
        types=draw(policy_types),
    )


# Names may clash: two containers can give one name different numbers and protocols (the API only warns).
container_ports = st.lists(
    st.builds(lambda n, name, p: cport(n, name, p), st.integers(1, 7), st.sampled_from(PORT_NAMES + [None]),
              st.sampled_from(PROTO_NAMES)),
    max_size=3, unique=True,
)
pod_labels = st.dictionaries(st.sampled_from(POD_KEYS + ["extra"]), st.sampled_from(VALUES + ["z"]), max_size=3)
ns_labels = st.dictionaries(st.sampled_from(["team", "env", "other"]), st.sampled_from(VALUES + ["z"]), max_size=2)
addresses4 = st.builds(lambda a, rest: ipaddress.IPv4Address(a << 24 | rest), st.integers(8, 12), st.integers(0, 2**24 - 1))
addresses6 = st.builds(lambda a, rest: ipaddress.IPv6Address(V6_BASE | a << 80 | rest), st.integers(0, 3),
                       st.integers(0, 2**80 - 1))
# At a block's first addresses: a pod alone in a /32 (or /31) range, where two pods at one address would differ.
near_blocks4 = st.builds(lambda a, k: ipaddress.IPv4Address(a << 24 | (a * 7 % 256) << 16 | k), st.integers(8, 12),
                         st.integers(0, 2))
addresses = st.one_of(addresses4, addresses4, addresses6, near_blocks4)
# hostNetwork pods have their node's address: two of them may share one (pod-network pods never do).
NODE_IPS = ["10.200.0.1", "10.200.0.2"]
# A workload's pod IPs: none known (no status), one pod, several pods, a dual-stack pod, IPv6 only.
pod_ips = st.one_of(
    st.just([]), st.lists(addresses4, min_size=1, max_size=1), st.lists(addresses4, min_size=2, max_size=2),
    st.lists(near_blocks4, min_size=1, max_size=1),
    st.tuples(addresses4, addresses6).map(list), st.lists(addresses6, min_size=1, max_size=1),
)


@st.composite
def clusters(draw):
    objects = [namespace(n, draw(ns_labels)) for n in NAMESPACES]
    for i in range(draw(st.integers(2, 6))):
        objects += draw(workload_entries(f"w{i}"))
    for i in range(draw(st.integers(0, 4))):
        objects.append(draw(policies(i)))
    c = cluster(*objects)
    return dataclasses.replace(c, services=tuple(draw(services(c, i)) for i in range(draw(st.integers(0, 2)))))


@st.composite
def workload_entries(draw, name: str):
    """One workload: a bare Pod, a Deployment (its pod-template-hash unknown, or known as in a pod dump),
    a Job (job-name known) or a StatefulSet whose two pods differ in their index label; now and then a hostNetwork
    Deployment or Pod at a node's address (two may share one)."""
    kind = draw(st.sampled_from(["Deployment", "Deployment", "Pod", "Job", "StatefulSet"]))
    host = kind in ("Deployment", "Pod") and draw(st.integers(0, 7)) == 0
    ips = [draw(st.sampled_from(NODE_IPS))] if host else [str(a) for a in draw(pod_ips)]
    w = workload(
        name, draw(st.sampled_from(NAMESPACES)), draw(pod_labels), draw(container_ports), kind=kind,
        ips=ips,  # none known, one or several pods, dual stack, IPv6 only; a node's for hostNetwork
        host_network=host,
    )
    labels = dict(w.labels)
    if kind == "Deployment" and draw(st.integers(0, 2)) > 0:
        labels["pod-template-hash"] = UNKNOWN_LABEL_VALUE
        return [dataclasses.replace(w, labels=labels, unknown_labels=frozenset({"pod-template-hash"}))]
    if kind == "Deployment":
        labels["pod-template-hash"] = draw(st.sampled_from(CONTROL_PLANE["pod-template-hash"] + ["h3"]))
    if kind == "Job":
        labels["job-name"] = draw(st.sampled_from(CONTROL_PLANE["job-name"]))
    if kind != "StatefulSet":
        return [dataclasses.replace(w, labels=labels)]
    return [
        dataclasses.replace(w, labels={**labels, "apps.kubernetes.io/pod-index": str(j)}, pods=(f"{name}-{j}",),
                            distinct=True, ips=w.ips if j == 0 else ())
        for j in range(2)
    ]


@st.composite
def services(draw, c, index: int):
    """A Service selecting (some of) a workload's labels, its ports mapping to numbered or named targets."""
    w = draw(st.sampled_from(c.workloads))
    known = sorted(k for k in w.labels if k not in w.unknown_labels)  # a Service names values it knows
    keys = draw(st.sets(st.sampled_from(known), max_size=len(known))) if known else set()
    selector = {k: w.labels[k] for k in keys} or dict(draw(pod_labels)) or None
    ports = tuple(
        ServicePort(f"sp{j}", draw(st.integers(1, 8)), draw(st.one_of(st.integers(1, 7), st.sampled_from(PORT_NAMES))),
                    draw(st.sampled_from(PROTOCOLS)))
        for j in range(draw(st.integers(1, 2)))
    )
    return Service(w.namespace, f"s{index}", selector, ports, SPAN)


@st.composite
def endpoint_specs(draw, c=None, allow_external: bool = True):
    shapes = ["pods", "pods", "pods", "pods", "external"] if allow_external else ["pods"]
    if c is not None:
        shapes += ["workload"] + (["service"] if c.services else [])
    shape = draw(st.sampled_from(shapes))
    if shape == "external":
        return EndpointSpec(span=SPAN, ip_block=draw(ipblocks()))
    if shape == "workload":
        w = draw(st.sampled_from(c.workloads))
        return EndpointSpec(span=SPAN, namespace=w.namespace, workload=f"{w.kind}/{w.name}")
    if shape == "service":
        svc = draw(st.sampled_from(c.services))
        return EndpointSpec(span=SPAN, namespace=svc.namespace, service=svc.name)
    ns = draw(st.one_of(st.none(), st.none(), st.sampled_from(NAMESPACES + ["new"])))
    ns_sel = draw(st.one_of(st.none(), ns_selectors)) if ns is None else None
    return EndpointSpec(span=SPAN, namespace=ns, namespace_selector=ns_sel,
                        pod_selector=draw(st.one_of(st.none(), selectors(max_size=1))))


def _narrowed(entry: PortMatch, src: int | None, span: int) -> PortMatch:
    return dataclasses.replace(entry, src_port=src, src_end_port=None if src is None else src + span)


# A property may name any protocol (ICMP with a type / code, a numbered one, UDPLite) and source ports too;
# NetworkPolicy rules keep `port_entries` (TCP, UDP, SCTP only).
property_port_entries = st.one_of(
    port_entries,
    st.builds(_narrowed, port_entries.filter(lambda e: not e.is_named), st.integers(1, 4), st.integers(0, 2)),
    st.builds(lambda p, t, c: PortMatch(p, None, None, SPAN, icmp_type=t, icmp_code=c if t is not None else None),
              st.sampled_from([Protocol.ICMP, Protocol.ICMPv6]), st.one_of(st.none(), st.integers(0, 1)),
              st.one_of(st.none(), st.integers(0, 1))),
    st.builds(lambda n: PortMatch(Protocol.of(n), None, None, SPAN), st.sampled_from(OTHER_PROTOCOL_NUMBERS)),
    st.builds(lambda n: PortMatch(Protocol.UDPLite, n, None, SPAN), st.integers(1, 6)),
)
property_ports = st.one_of(st.just(()), st.lists(property_port_entries, min_size=1, max_size=2).map(tuple))


@st.composite
def concrete_pods(draw, c):
    if draw(st.booleans()):
        name = draw(st.sampled_from(NAMESPACES))
        labels = dict(c.namespace_labels(name))
    else:
        name = draw(st.sampled_from(["new", "fresh-ns", "monitoring-prod", "m" * 63]))  # valid names only
        labels = {**draw(ns_labels), NAMESPACE_NAME_LABEL: name}
    # Every real pod has an address; ipBlocks may match it under --ipblock-matches-pods.
    added = draw(st.dictionaries(st.sampled_from(sorted(CONTROL_PLANE)), st.sampled_from(["h1", "a", "0", "z"]), max_size=1))
    return PodEndpoint(name, labels, {**draw(pod_labels), **added}, tuple(draw(container_ports)), draw(addresses))


@st.composite
def concrete_flows(draw, c):
    src = ExternalEndpoint(draw(addresses)) if draw(st.integers(0, 4)) == 0 else draw(concrete_pods(c))
    dst = ExternalEndpoint(draw(addresses)) if draw(st.integers(0, 4)) == 0 else draw(concrete_pods(c))
    kind = draw(st.integers(0, 5))
    if kind == 0:  # ICMP of the outside ends' family
        v6 = any(isinstance(e, ExternalEndpoint) and e.ip.version == 6 for e in (src, dst))
        return Flow(src, dst, Protocol.ICMPv6 if v6 else Protocol.ICMP, 0, None, draw(st.integers(0, 2)),
                    draw(st.integers(0, 2)))
    if kind == 1:  # a protocol without ports
        return Flow(src, dst, Protocol.of(draw(st.sampled_from(OTHER_PROTOCOL_NUMBERS))), 0)
    proto = Protocol.UDPLite if kind == 2 else draw(st.sampled_from(PROTOCOLS))
    return Flow(src, dst, proto, draw(st.integers(1, 8)), draw(st.integers(1, 6)))


@st.composite
def unmodelled_objects(draw):
    """Objects of policy kinds netverify does not model (model/kinds.py), in namespaces of the clusters above
    or elsewhere: what prove must turn into unknown or caveats (issue 9 item 1)."""
    rows = sorted(KINDS.values(), key=lambda i: (i.group, i.kind))
    out = []
    for i in range(draw(st.integers(0, 3))):
        row = draw(st.sampled_from(rows))
        ns = draw(st.sampled_from(NAMESPACES + ["elsewhere"])) if row.namespaced else None
        out.append(UnmodelledObject(row.kind, row.group, ns, f"u{i}", SPAN))
    return out


@st.composite
def unlisted_kinds(draw):
    """Kinds a live cluster refused to list (HTTP 403): core kinds, modelled and table policy kinds alike
    (issue 14 item 1: a policy kind must fail closed, any other kind is a note)."""
    from netverify.load.live import effect_of, wanted_kinds  # the kinds a live read lists, as it judges them
    from netverify.model.listing import UnlistedKind

    kinds = draw(st.lists(st.sampled_from(wanted_kinds()), max_size=3, unique=True))
    return [UnlistedKind("cluster:test", g, k, k.lower() + "s", "list", 403, "", effect_of(g, k)) for g, k in kinds]
# ---- admin tiers (issue 10): ANP / BANP / CNP, Nodes, host-network workloads --------------------------------
# Priorities from a small range so that ties (same-priority ambiguity) are common; every action, peer type
# (pods, namespaces, nodes, networks, now and then domainNames), port form (numbers, ranges, named ports),
# host-network workloads on selected or unselected Nodes (or on no known Node), and external addresses that
# are a Node's address.

NODE_ADDRESSES = ["172.16.0.1", "172.16.0.2", "172.16.0.3"]
NODE_LABEL_VALUES = ["a", "b"]


def _admin_port_entries():
    from anp_builders import aport
    return st.one_of(
        st.builds(lambda n, p: aport(n, p), st.integers(1, 6), st.sampled_from(PROTO_NAMES)),
        st.builds(lambda n, k, p: aport(n, p, end=n + k), st.integers(1, 6), st.integers(0, 3),
                  st.sampled_from(PROTO_NAMES)),
        st.builds(lambda n: aport(n), st.sampled_from(PORT_NAMES)),
    )


admin_networks = st.one_of(
    networks4.map(str), networks6.map(str), st.sampled_from([f"{a}/32" for a in NODE_ADDRESSES] + ["172.16.0.0/30"]),
    st.just("0.0.0.0/0"),
)


@st.composite
def admin_peers(draw, direction: str, action: str):
    from anp_builders import domains_peer, networks_peer, nodes_peer, pod_peer
    shapes = ["pods", "pods", "namespaces"]
    if direction == "egress":  # the API admits nodes, networks and domainNames only in egress
        shapes += ["nodes", "networks", "networks"]
        if action == "allow" and draw(st.integers(0, 5)) == 0:
            shapes.append("domains")
    shape = draw(st.sampled_from(shapes))
    everything = st.just(LabelSelector())
    if shape == "pods":
        return pod_peer(draw(st.one_of(everything, selectors(max_size=1))), draw(st.one_of(everything, ns_selectors)))
    if shape == "namespaces":
        return pod_peer(None, draw(st.one_of(everything, ns_selectors)))
    if shape == "nodes":
        return nodes_peer(draw(selectors(["role"], NODE_LABEL_VALUES, max_size=1)))
    if shape == "networks":
        return networks_peer(*draw(st.lists(admin_networks, min_size=1, max_size=2, unique=True)))
    return domains_peer("example.com")


@st.composite
def admin_rules(draw, direction: str, tier: str):
    from anp_builders import arule
    action = draw(st.sampled_from(["allow", "deny", "pass"]))
    named_ok = True
    peers = draw(st.lists(admin_peers(direction, action), min_size=1, max_size=2))
    if any(p.pods is None for p in peers):
        named_ok = False  # the API refuses named ports with networks/nodes/domainNames peers
    entries = _admin_port_entries() if named_ok else _admin_port_entries().filter(lambda e: not e.is_named)
    ports = draw(st.one_of(st.none(), st.lists(entries, min_size=1, max_size=2)))
    return arule(action, *peers, ports=ports)


@st.composite
def admin_policies(draw, index: int, tier: str = "admin"):
    from anp_builders import admin, pods as pod_set
    from netverify.model.anp import BANP_KIND, CNP_KIND
    everything = st.just(LabelSelector())  # broad subjects and peers, so that policies overlap often
    subject = pod_set(draw(st.one_of(everything, selectors(max_size=1))), draw(st.one_of(everything, ns_selectors)))
    ingress = draw(st.lists(admin_rules("ingress", tier), max_size=2))
    egress = draw(st.lists(admin_rules("egress", tier), max_size=2))
    if tier == "baseline" and draw(st.booleans()):
        return admin("default", 0, subject, ingress=ingress, egress=egress, tier="baseline", kind=BANP_KIND)
    kind = draw(st.sampled_from([None, None, CNP_KIND]))
    return admin(f"a{index}", draw(st.sampled_from([1, 2, 2, 2, 3])), subject, ingress=ingress, egress=egress,
                 tier=tier, kind=kind)


@st.composite
def admin_clusters(draw):
    """clusters() with Nodes, host-network workloads and admin policies of both tiers."""
    from anp_builders import node
    c = draw(clusters())
    nodes = [node(f"node{i}", draw(st.dictionaries(st.just("role"), st.sampled_from(NODE_LABEL_VALUES), max_size=1)),
                  NODE_ADDRESSES[i]) for i in range(draw(st.integers(0, 2)))]
    workloads = list(c.workloads)
    for i in range(draw(st.integers(0, 2))):
        on = draw(st.sampled_from([None, *nodes])) if nodes else None
        hn = workload(f"h{i}", draw(st.sampled_from(NAMESPACES)), draw(pod_labels), draw(container_ports),
                      ips=[str(a) for a in on.addresses] if on is not None else [], host_network=True)
        workloads.append(dataclasses.replace(hn, node_name=on.name if on is not None else None))
    admins = [draw(admin_policies(i)) for i in range(draw(st.sampled_from([0, 1, 2, 3, 3, 4])))]
    admins += [draw(admin_policies(10 + i, "baseline")) for i in range(draw(st.integers(0, 1)))]
    return dataclasses.replace(c, workloads=tuple(workloads), nodes=tuple(nodes), admin_policies=tuple(admins))


@st.composite
def admin_concrete_flows(draw, c):
    """concrete_flows, with addresses that are Nodes' now and then (never for a new pod: pods are pod-network)."""
    f = draw(concrete_flows(c))
    if c.nodes and draw(st.integers(0, 3)) == 0:
        ip = ipaddress.ip_address(draw(st.sampled_from([str(a) for n in c.nodes for a in n.addresses])))
        if draw(st.booleans()):
            f = dataclasses.replace(f, dst=ExternalEndpoint(ip))
        else:
            f = dataclasses.replace(f, src=ExternalEndpoint(ip))
    return f
