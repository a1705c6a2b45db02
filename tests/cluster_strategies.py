"""Hypothesis strategies for small random clusters over a tiny label universe (so selectors often collide).

Shared by the map and evaluator property tests; usable by any test that wants random NetworkPolicy setups.
"""

from __future__ import annotations

import ipaddress

from hypothesis import strategies as st

from builders import cluster, cport, expr, ipblock, namespace, peer, policy, port, rule, sel, workload

KEYS, VALUES = ["app", "tier"], ["x", "y"]
NAMESPACES = ["n1", "n2", "n3"]
CIDRS = ["0.0.0.0/0", "10.0.0.0/8", "10.1.0.0/16", "10.1.2.0/24", "192.168.0.0/16", "10.128.0.0/9", "2001:db8::/32"]
labels_st = st.dictionaries(st.sampled_from(KEYS), st.sampled_from(VALUES), max_size=2)
req_st = st.builds(
    lambda k, op, vs: expr(k, op, *(vs if op in ("In", "NotIn") else ())),
    st.sampled_from(KEYS), st.sampled_from(["In", "NotIn", "Exists", "DoesNotExist"]),
    st.lists(st.sampled_from(VALUES), min_size=1, max_size=2, unique=True),
)
selector_st = st.builds(lambda ml, rs: sel(ml, *rs), labels_st, st.lists(req_st, max_size=2))
ns_selector_st = st.one_of(
    selector_st, st.sampled_from(NAMESPACES).map(lambda n: sel({"kubernetes.io/metadata.name": n})))


@st.composite
def ipblock_st(draw):
    cidr = ipaddress.ip_network(draw(st.sampled_from(CIDRS)))
    excepts = [e for e in CIDRS if ipaddress.ip_network(e).version == cidr.version
               and ipaddress.ip_network(e).subnet_of(cidr) and ipaddress.ip_network(e) != cidr]
    chosen = draw(st.lists(st.sampled_from(excepts), max_size=1, unique=True)) if excepts else []
    return ipblock(str(cidr), *chosen)


peer_st = st.one_of(
    st.builds(lambda s: peer(s), selector_st),
    st.builds(lambda s: peer(namespaces=s), ns_selector_st),
    st.builds(lambda s, n: peer(s, n), selector_st, ns_selector_st),
    ipblock_st(),
)
port_st = st.one_of(
    st.builds(lambda p, n: port(n, p), st.sampled_from(["TCP", "UDP", "SCTP"]), st.sampled_from([None, 80, 443])),
    st.builds(lambda lo, w: port(lo, "TCP", end=lo + w), st.sampled_from([79, 80, 1000]), st.sampled_from([0, 1, 500])),
    st.builds(lambda n, p: port(n, p), st.sampled_from(["http", "dns"]), st.sampled_from(["TCP", "UDP"])),
)
rule_st = st.builds(lambda ps, pts: rule(*ps, ports=pts), st.lists(peer_st, max_size=2), st.lists(port_st, max_size=2))
policy_st = st.builds(
    lambda ns, s, ing, eg, types: (ns, s, ing, eg, types),
    st.sampled_from(NAMESPACES), selector_st, st.lists(rule_st, max_size=2), st.lists(rule_st, max_size=2),
    st.sampled_from([None, ["Ingress"], ["Egress"], ["Ingress", "Egress"]]),
)
# pod IPs: none known, one, two pods of one workload, a dual-stack pod, IPv6 only
IP_CHOICES = [(), ("10.1.2.3",), ("172.16.0.1",), ("172.16.0.1", "10.1.2.3"), ("10.1.2.3", "2001:db8::5"),
              ("2001:db8::7",)]
cports_st = st.lists(st.sampled_from([cport(80, "http"), cport(8080, "http"), cport(53, "dns", "UDP"),
                                      cport(53, "dns"), cport(443)]), max_size=2, unique_by=lambda c: (c.name, c.protocol))
workload_st = st.tuples(st.sampled_from(NAMESPACES), labels_st, cports_st, st.sampled_from(IP_CHOICES))


@st.composite
def cluster_st(draw):
    ws = draw(st.lists(workload_st, min_size=1, max_size=5))
    workloads = [workload(f"w{i}", ns, labels, ports, ips=ips) for i, (ns, labels, ports, ips) in enumerate(ws)]
    pols = [policy(f"p{i}", ns, s, ingress=ing, egress=eg, types=t) for i, (ns, s, ing, eg, t) in enumerate(draw(st.lists(policy_st, max_size=4)))]
    nss = [namespace(n, draw(labels_st)) for n in NAMESPACES]
    return cluster(*nss, *workloads, *pols)
