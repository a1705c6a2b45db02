"""prove over every IP protocol: "every connection" ranges over all 256 protocols, ICMP included, and a
property may name any protocol, a source port range and an ICMP type / code (SMT vs the concrete evaluator)."""

from __future__ import annotations

from anp_builders import acluster, admin, aport, arule, pod_peer
from builders import SPAN, cluster, ipblock, namespace, peer, policy, port, rule, workload
from prove_helpers import addresses, pods, prop, props

from netverify.analyses.prove import prove
from netverify.model.policy import PortMatch
from netverify.model.ports import Protocol

SHOP = (namespace("shop"), workload("frontend", "shop"), workload("db", "shop"))
FE = pods("shop", {"app": "frontend"})
DB = pods("shop", {"app": "db"})
EVERY_PORT = [port(None, p) for p in ("TCP", "UDP", "SCTP")]


def run(c, p):
    [result] = prove(c, props(p)).results
    return result


def entry(protocol, number=None, *, end=None, src=None, src_end=None, icmp_type=None, icmp_code=None):
    return PortMatch(Protocol(protocol), number, end, SPAN, src, src_end, icmp_type, icmp_code)


def test_reachable_without_ports_needs_every_protocol_not_only_every_tcp_udp_sctp_port():
    """Regression: "every connection" ranged over TCP, UDP and SCTP only, so a policy admitting all their ports
    passed `reachable` although it blocks ICMP and every other protocol."""
    c = cluster(*SHOP, policy("ports", "shop", {"app": "db"}, ingress=[rule(peer({"app": "frontend"}), ports=EVERY_PORT)]))
    result = run(c, prop(FE, DB, "reachable"))
    assert result.status == "violated"
    cx = result.counterexample
    assert not cx.protocol.has_ports and not cx.allowed
    assert cx.protocol in (Protocol.ICMP, Protocol.ICMPv6)  # a protocol with a name, where any would do
    assert cx.ingress.isolated and not cx.ingress.allowed_by


def test_a_rule_without_ports_makes_every_protocol_reachable():
    c = cluster(*SHOP, policy("any", "shop", {"app": "db"}, ingress=[rule(peer({"app": "frontend"}))]))
    assert run(c, prop(FE, DB, "reachable")).status == "proven"
    assert run(c, prop(FE, DB, "reachable", ports=[entry("ICMP", icmp_type=8, icmp_code=0)])).status == "proven"


def test_icmp_and_a_numbered_protocol_are_unreachable_through_port_rules_and_possible_without_policies():
    c = cluster(*SHOP, policy("ports", "shop", {"app": "db"}, ingress=[rule(peer({"app": "frontend"}), ports=EVERY_PORT)]))
    for e in (entry("ICMP"), entry("ICMPv6", icmp_type=128), entry("47"), entry("UDPLite", 53)):
        assert run(c, prop(FE, DB, "unreachable", ports=[e])).status == "proven", e
    open_ = cluster(*SHOP)
    result = run(open_, prop(FE, DB, "unreachable", ports=[entry("ICMP", icmp_type=8)]))
    assert result.status == "violated"
    cx = result.counterexample
    assert (cx.protocol, cx.icmp_type, cx.src_port) == (Protocol.ICMP, 8, None)
    assert "ICMP type 8" in cx.service


def test_a_source_port_range_is_shown_in_the_counterexample():
    result = run(cluster(*SHOP), prop(FE, DB, "unreachable", ports=[entry("UDP", 53, src=5353, src_end=5360)]))
    assert result.status == "violated"
    cx = result.counterexample
    assert cx.protocol is Protocol.UDP and cx.port == 53 and 5353 <= cx.src_port <= 5360


def test_icmp_towards_an_ipv6_address_is_icmpv6():
    """No IPv4 ICMP message reaches an IPv6 address: the property about ICMP to 2001:db8::/32 is vacuously
    unreachable for ICMP and refuted for ICMPv6 (nothing isolates the pods)."""
    c = cluster(*SHOP)
    v6 = addresses("2001:db8::/32")
    assert run(c, prop(FE, v6, "unreachable", ports=[entry("ICMP")])).status in ("proven", "vacuous")
    result = run(c, prop(FE, v6, "unreachable", ports=[entry("ICMPv6")]))
    assert result.status == "violated" and result.counterexample.protocol is Protocol.ICMPv6


def test_admin_rule_without_ports_denies_icmp_one_with_ports_does_not():
    deny_any = admin("deny-any", 10, ingress=[arule("deny", pod_peer({"app": "frontend"}))])
    deny_tcp = admin("deny-tcp", 10, ingress=[arule("deny", pod_peer({"app": "frontend"}), ports=[aport(80)])])
    icmp = [entry("ICMP")]
    assert run(acluster(*SHOP, deny_any), prop(FE, DB, "unreachable", ports=icmp)).status == "proven"
    result = run(acluster(*SHOP, deny_tcp), prop(FE, DB, "unreachable", ports=icmp))
    assert result.status == "violated" and result.counterexample.protocol is Protocol.ICMP
    assert run(acluster(*SHOP, deny_tcp), prop(FE, DB, "reachable")).status == "violated"


def test_egress_to_an_ip_block_without_ports_covers_icmp():
    c = cluster(*SHOP, policy("egress", "shop", {"app": "frontend"}, egress=[rule(ipblock("10.0.0.0/8"), ports=EVERY_PORT)]))
    result = run(c, prop(FE, addresses("10.0.0.0/8"), "reachable"))
    assert result.status == "violated" and not result.counterexample.protocol.has_ports
