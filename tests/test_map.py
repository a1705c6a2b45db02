"""`map`: connections between workloads and IP ranges, checked against the reference evaluator."""

from __future__ import annotations

import ipaddress

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from builders import cluster, cport, ext, flow, ipblock, peer, policy, port, rule, workload
from address_oracle import families, replicas, same_family
from cluster_strategies import cluster_st
from netverify.analyses.map import connectivity_map
from netverify.errors import UsageError
from netverify.eval.concrete import evaluate
from netverify.findings import IPRangeNode, WorkloadNode
from netverify.model.flow import Flow
from netverify.model.ports import PROTOCOLS, PortRanges, Protocol

TCP, UDP, SCTP = Protocol.TCP, Protocol.UDP, Protocol.SCTP
ALL3 = {p: PortRanges.all() for p in PROTOCOLS}


def rows(cmap):
    """{(src label, dst label): {protocol: str(ranges)}}"""
    return {(c.src.label, c.dst.label): {p.value: str(r) for p, r in c.protocols.items()} for c in cmap.connections}


def everything():
    return {"TCP": "1-65535", "UDP": "1-65535", "SCTP": "1-65535"}


# ---- small, hand-checked maps --------------------------------------------------------------------------------


def test_other_protocols_are_one_row_part_allowed_only_by_a_rule_without_ports():
    """ICMP and every other IP protocol: a rule without ports admits them, one listing every TCP/UDP/SCTP port
    does not, and the text says which (`all` only when other protocols are in too)."""
    from netverify.report.words import ports_text
    a, b = workload("a"), workload("b")
    every = [port(None, p) for p in ("TCP", "UDP", "SCTP")]
    no_ports = connectivity_map(cluster(a, b, policy("in", pods={"app": "b"}, ingress=[rule(peer({"app": "a"}))])))
    listed = connectivity_map(cluster(a, b, policy("in", pods={"app": "b"}, ingress=[rule(peer({"app": "a"}), ports=every)])))
    [open_] = [c for c in no_ports.connections if c.src.label == "default/a[Deployment]" and c.dst.label == "default/b[Deployment]"]
    [ports_only] = [c for c in listed.connections if c.src.label == "default/a[Deployment]" and c.dst.label == "default/b[Deployment]"]
    assert open_.other_protocols and open_.is_all and ports_text(open_.protocols, open_.other_protocols) == "all"
    assert not ports_only.other_protocols and not ports_only.is_all
    assert ports_text(ports_only.protocols, ports_only.other_protocols) == "TCP all; UDP all; SCTP all"
    assert ports_text({}, True) == "other protocols"

def test_no_policies_everything_reaches_everything_and_every_address():
    c = cluster(workload("a"), workload("b", "other"))
    r = rows(connectivity_map(c))
    assert r == {
        ("default/a[Deployment]", "other/b[Deployment]"): everything(),
        ("other/b[Deployment]", "default/a[Deployment]"): everything(),
        ("0.0.0.0-255.255.255.255", "default/a[Deployment]"): everything(),
        ("0.0.0.0-255.255.255.255", "other/b[Deployment]"): everything(),
        ("default/a[Deployment]", "0.0.0.0-255.255.255.255"): everything(),
        ("other/b[Deployment]", "0.0.0.0-255.255.255.255"): everything(),
    }
    node = next(c.dst for c in connectivity_map(c).connections if isinstance(c.dst, IPRangeNode))
    assert node.cidrs == ("0.0.0.0/0",)


def test_a_workload_never_connects_to_itself_but_replicas_of_alike_workloads_do():
    c = cluster(workload("a", labels={"app": "x"}), workload("b", labels={"app": "x"}))
    r = rows(connectivity_map(c))
    assert ("default/a[Deployment]", "default/b[Deployment]") in r
    assert ("default/b[Deployment]", "default/a[Deployment]") in r
    assert not any(src == dst for src, dst in r)


def test_deny_all_leaves_only_what_is_not_isolated():
    c = cluster(workload("a"), workload("b"), policy("deny", "default", {}, types=["Ingress", "Egress"]))
    assert connectivity_map(c).connections == ()


def test_named_port_ingress_and_port_ranges_are_merged():
    db = workload("db", "data", {"app": "db"}, [cport(5432, "pg"), cport(5433, "pg2")])
    api = workload("api", "data", {"app": "api"})
    p = policy("db", "data", {"app": "db"}, ingress=[
        rule(peer({"app": "api"}), ports=[port("pg"), port("pg2"), port(6000, end=6010), port(6011, "TCP"),
                                         port("pg", "UDP"), port(None, "SCTP")]),
    ])
    r = rows(connectivity_map(cluster(db, api, p)))
    assert r[("data/api[Deployment]", "data/db[Deployment]")] == {"TCP": "5432-5433,6000-6011", "SCTP": "1-65535"}
    assert ("0.0.0.0-255.255.255.255", "data/db[Deployment]") not in r


def test_egress_and_ingress_intersect():
    a, b = workload("a"), workload("b")
    eg = policy("eg", "default", {"app": "a"}, egress=[rule(ports=[port(1, end=100)])], types=["Egress"])
    ing = policy("in", "default", {"app": "b"}, ingress=[rule(ports=[port(50, end=200), port(7, "UDP")])])
    r = rows(connectivity_map(cluster(a, b, eg, ing)))
    assert r[("default/a[Deployment]", "default/b[Deployment]")] == {"TCP": "50-100"}
    assert r[("default/a[Deployment]", "0.0.0.0-255.255.255.255")] == {"TCP": "1-100"}
    assert r[("default/b[Deployment]", "default/a[Deployment]")] == everything()


def test_ip_ranges_are_cut_by_ingress_blocks_for_sources_and_egress_blocks_for_destinations():
    a = workload("a")
    p = policy("p", "default", {}, ingress=[rule(ipblock("10.0.0.0/8", "10.1.0.0/16"))],
               egress=[rule(ipblock("192.168.0.0/16"), ports=[port(443)])])
    cmap = connectivity_map(cluster(a, p))
    r = rows(cmap)
    assert r == {
        ("10.0.0.0-10.0.255.255", "default/a[Deployment]"): everything(),
        ("10.2.0.0-10.255.255.255", "default/a[Deployment]"): everything(),
        ("default/a[Deployment]", "192.168.0.0-192.168.255.255"): {"TCP": "443"},
    }
    cidrs = {c.src.label: c.src.cidrs for c in cmap.connections if isinstance(c.src, IPRangeNode)}
    assert cidrs["10.2.0.0-10.255.255.255"] == (
        "10.2.0.0/15", "10.4.0.0/14", "10.8.0.0/13", "10.16.0.0/12", "10.32.0.0/11", "10.64.0.0/10", "10.128.0.0/9")


def test_adjacent_ranges_alike_for_every_workload_are_merged():
    a = workload("a")
    # Two adjacent blocks in two rules with the same effect: one range.
    p = policy("p", "default", {}, types=["Egress"], egress=[rule(ipblock("10.0.0.0/9")), rule(ipblock("10.128.0.0/9"))])
    r = rows(connectivity_map(cluster(a, p)))
    assert r == {("default/a[Deployment]", "10.0.0.0-10.255.255.255"): everything(),
                 ("0.0.0.0-255.255.255.255", "default/a[Deployment]"): everything()}


def test_ranges_are_kept_apart_where_some_workload_differs():
    a, b = workload("a"), workload("b")
    p = policy("p", "default", {"app": "a"}, types=["Egress"], egress=[rule(ipblock("10.0.0.0/8"))])
    r = rows(connectivity_map(cluster(a, b, p)))
    assert r[("default/a[Deployment]", "10.0.0.0-10.255.255.255")] == everything()
    for rng in ("0.0.0.0-9.255.255.255", "10.0.0.0-10.255.255.255", "11.0.0.0-255.255.255.255"):
        assert r[("default/b[Deployment]", rng)] == everything()


def test_ipv6_space_appears_only_with_ipv6_blocks():
    a = workload("a")
    r4 = rows(connectivity_map(cluster(a)))
    assert not any(":" in s or ":" in d for s, d in r4)
    p = policy("p", "default", {}, types=["Egress"], egress=[rule(ipblock("2001:db8::/32"))])
    r6 = rows(connectivity_map(cluster(a, p)))
    assert r6[("default/a[Deployment]", "2001:db8::-2001:db8:ffff:ffff:ffff:ffff:ffff:ffff")] == everything()
    assert ("::-ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "default/a[Deployment]") in r6
    assert ("0.0.0.0-255.255.255.255", "default/a[Deployment]") in r6
    assert ("default/a[Deployment]", "0.0.0.0-255.255.255.255") not in r6


def test_named_ports_toward_ip_ranges_match_nothing():
    a = workload("a", ports=[cport(80, "http")])
    p = policy("p", "default", {}, types=["Egress"], egress=[rule(ports=[port("http"), port(53, "UDP")])])
    r = rows(connectivity_map(cluster(a, p)))
    assert r == {("default/a[Deployment]", "0.0.0.0-255.255.255.255"): {"UDP": "53"},
                 ("0.0.0.0-255.255.255.255", "default/a[Deployment]"): everything()}


def test_ipblock_matches_pods_flag_uses_workload_ips():
    a = workload("a", ips=["10.0.0.5"])
    b = workload("b")
    p = policy("p", "default", {"app": "b"}, ingress=[rule(ipblock("10.0.0.0/24"))])
    c = cluster(a, b, p)
    assert ("default/a[Deployment]", "default/b[Deployment]") not in rows(connectivity_map(c))
    assert ("default/a[Deployment]", "default/b[Deployment]") in rows(connectivity_map(c, ipblock_matches_pods=True))


def test_focus_keeps_rows_touching_one_workload():
    c = cluster(workload("a"), workload("b"), workload("c"))
    r = rows(connectivity_map(c, focus="default/b"))
    assert r and all("default/b[Deployment]" in pair for pair in r)
    assert len([p for p in r if "0.0.0.0-255.255.255.255" in p]) == 2
    assert rows(connectivity_map(c, focus="default/b[Deployment]")) == r
    assert rows(connectivity_map(c, focus="default/Deployment/b")) == r


def test_focus_on_an_unknown_workload_is_a_usage_error():
    with pytest.raises(UsageError, match="nosuch"):
        connectivity_map(cluster(workload("a")), focus="default/nosuch")


def test_host_network_workloads_are_kept_with_a_note():
    c = cluster(workload("node-agent", host_network=True), workload("b"))
    cmap = connectivity_map(c)
    assert ("default/node-agent[Deployment]", "default/b[Deployment]") in rows(cmap)
    assert len(cmap.notes) == 1 and "host-network" in cmap.notes[0] and "default/node-agent" in cmap.notes[0]
    assert connectivity_map(cluster(workload("b"))).notes == ()


def test_connections_are_sorted_and_unique():
    c = cluster(workload("b"), workload("a"), workload("c", "x"))
    conns = connectivity_map(c).connections
    keys = [(c.src.label, c.dst.label) for c in conns]
    assert len(keys) == len(set(keys))
    workload_rows = [k for k, c in zip(keys, conns) if isinstance(c.src, WorkloadNode) and isinstance(c.dst, WorkloadNode)]
    assert workload_rows == sorted(workload_rows)


# ---- differential: the map agrees with the evaluator on random clusters -------------------------------------

PROBE_PORTS = sorted({1, 52, 53, 54, 79, 80, 81, 442, 443, 444, 999, 1000, 1001, 1500, 8080, 65535})


def _lookup(cmap, src, dst):
    for c in cmap.connections:
        if c.src == src and c.dst == dst:
            return c.protocols
    return {}


def _other_protocols(cmap, src, dst) -> bool:
    return any(c.other_protocols for c in cmap.connections if c.src == src and c.dst == dst)


OTHER_PROTOCOLS = (Protocol.ICMP, Protocol.ICMPv6, Protocol.UDPLite, Protocol.of(47))  # one class: PortSet.other


def _ip_node_for(cmap, ip, *, as_src):
    for c in cmap.connections:
        node = c.src if as_src else c.dst
        if isinstance(node, IPRangeNode):
            lo, hi = ipaddress.ip_address(node.start), ipaddress.ip_address(node.end)
            if lo.version == ip.version and lo <= ip <= hi:
                return node
    return None


def _probe_ips(c):
    out = {ipaddress.ip_address("0.0.0.0"), ipaddress.ip_address("255.255.255.255")}
    for p in c.policies:
        for r in (*p.ingress, *p.egress):
            for pe in r.peers:
                if pe.ip_block:
                    for net in (pe.ip_block.cidr, *pe.ip_block.excepts):
                        for a in (int(net.network_address) - 1, int(net.network_address), int(net.broadcast_address),
                                  int(net.broadcast_address) + 1):
                            if 0 <= a < (1 << net.max_prefixlen):
                                out.add(ipaddress.ip_address(a) if net.version == 4 else ipaddress.IPv6Address(a))
    return out


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cluster_st(), st.booleans())
def test_map_agrees_with_the_evaluator(c, flag):
    """A row is the union over every address the two workloads' pods may have, one family per connection."""
    cmap = connectivity_map(c, ipblock_matches_pods=flag)
    eps = {w.id: replicas(c, w, flag) for w in c.workloads}
    node = {w.id: WorkloadNode(w.namespace, w.name, w.kind) for w in c.workloads}
    ids = [w.id for w in c.workloads]
    for a in ids:
        for b in ids:
            if a == b:
                continue
            got = _lookup(cmap, node[a], node[b])
            pairs = [(x, y) for x in eps[a] for y in eps[b] if same_family(x, y)]
            for proto in PROTOCOLS:
                for n in PROBE_PORTS:
                    want = any(evaluate(c, flow(x, y, n, proto.value), ipblock_matches_pods=flag).allowed
                               for x, y in pairs)
                    assert (n in got.get(proto, PortRanges())) == want, (a, b, proto, n)
            for proto in OTHER_PROTOCOLS:
                want = any(evaluate(c, Flow(x, y, proto, 7 if proto.has_ports else 0, icmp_type=8),
                                    ipblock_matches_pods=flag).allowed for x, y in pairs)
                assert _other_protocols(cmap, node[a], node[b]) == want, (a, b, proto)
    has_v6 = 6 in families([c])  # IPv6 rows whenever a pod IP or an ipBlock has IPv6
    for ip in _probe_ips(c) | {ipaddress.ip_address("::"), ipaddress.ip_address("2001:db8::1")}:
        for w in ids:
            for as_src in (True, False):
                rng = _ip_node_for(cmap, ip, as_src=as_src)
                got = {}
                if rng is not None:
                    got = _lookup(cmap, rng, node[w]) if as_src else _lookup(cmap, node[w], rng)
                if ip.version == 6 and not has_v6:
                    assert rng is None
                    continue
                ends = [x for x in eps[w] if x.ip is None or x.ip.version == ip.version]
                for proto in PROTOCOLS:
                    for n in (53, 80, 443, 1000):
                        def allowed(x):
                            f = flow(ext(str(ip)), x, n, proto.value) if as_src else flow(x, ext(str(ip)), n, proto.value)
                            return evaluate(c, f, ipblock_matches_pods=flag).allowed
                        want = any(allowed(x) for x in ends)
                        assert (n in got.get(proto, PortRanges())) == want, (str(ip), w, as_src, proto, n)
    for conn in cmap.connections:
        assert (conn.protocols or conn.other_protocols) and all(conn.protocols.values())
        assert not (isinstance(conn.src, IPRangeNode) and isinstance(conn.dst, IPRangeNode))


def test_egress_named_port_resolves_on_each_destination():
    a = workload("a")
    b = workload("b", ports=[cport(8080, "http")])
    d = workload("d", ports=[cport(80, "http"), cport(80, "web", "UDP")])
    e = workload("e")
    p = policy("eg", "default", {"app": "a"}, types=["Egress"], egress=[rule(ports=[port("http")])])
    r = rows(connectivity_map(cluster(a, b, d, e, p)))
    assert r[("default/a[Deployment]", "default/b[Deployment]")] == {"TCP": "8080"}
    assert r[("default/a[Deployment]", "default/d[Deployment]")] == {"TCP": "80"}
    assert ("default/a[Deployment]", "default/e[Deployment]") not in r


def test_focus_on_an_ambiguous_name_is_a_usage_error():
    c = cluster(workload("db", kind="Deployment"), workload("db", kind="StatefulSet"))
    with pytest.raises(UsageError, match="ambiguous"):
        connectivity_map(c, focus="default/db")
    assert rows(connectivity_map(c, focus="default/db[StatefulSet]"))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cluster_st(), st.data())
def test_focus_is_the_full_map_filtered_to_rows_touching_the_workload(c, data):
    w = data.draw(st.sampled_from(c.workloads))
    full = connectivity_map(c)
    node = WorkloadNode(w.namespace, w.name, w.kind)
    assert connectivity_map(c, focus=w.ref).connections == tuple(
        conn for conn in full.connections if node in (conn.src, conn.dst))


def test_ipblock_matches_pods_notes_workloads_without_an_ip():
    c = cluster(workload("a", ips=["10.0.0.5"]), workload("b"))
    assert connectivity_map(c).notes == ()
    (note,) = connectivity_map(c, ipblock_matches_pods=True).notes
    assert "1 of 2 workloads have no known pod IP" in note


@pytest.mark.slow
@settings(max_examples=3000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cluster_st(), st.booleans())
def test_map_agrees_with_the_evaluator_long_run(c, flag):
    test_map_agrees_with_the_evaluator.hypothesis.inner_test(c, flag)


def test_diff_reports_a_change_in_other_protocols_alone():
    """Regression: narrowing a rule without ports to every TCP/UDP/SCTP port newly blocks ICMP and every other
    protocol; diff compared TCP/UDP/SCTP ports only and said nothing changed."""
    from netverify.analyses.diff import diff
    from netverify.report import render
    from netverify.report.words import ports_text
    a, b = workload("a"), workload("b")
    every = [port(None, p) for p in ("TCP", "UDP", "SCTP")]
    base = cluster(a, b, policy("in", pods={"app": "b"}, ingress=[rule(peer({"app": "a"}))]))
    head = cluster(a, b, policy("in", pods={"app": "b"}, ingress=[rule(peer({"app": "a"}), ports=every)]))
    report = diff(base, head)
    [change] = [c for c in report.changes if c.src.label == "default/a[Deployment]" and c.dst.label == "default/b[Deployment]"]
    assert not change.added and ports_text(change.removed) == "other protocols"
    assert "other protocols" in render(report, "text")
