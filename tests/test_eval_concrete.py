"""The reference evaluator (spec §4): every selector operator, peer form, port form and isolation rule."""

from __future__ import annotations

import pytest

from builders import (
    ALLOW_ALL, cluster, cport, expr, ext, flow, ipblock, namespace, peer, pod, policy, port, rule, sel, workload,
)
from netverify.eval.concrete import endpoint_of, evaluate, peer_matches, port_matches, selects, side_verdict
from netverify.model.ports import Protocol
from netverify.model.span import Span
from netverify.model.verdict import RuleRef

TCP, UDP, SCTP = Protocol.TCP, Protocol.UDP, Protocol.SCTP


def allowed(c, src, dst, number=80, protocol="TCP", **kw) -> bool:
    return evaluate(c, flow(src, dst, number, protocol), **kw).allowed


# ---- label selectors through policy selection ------------------------------------------------------------

@pytest.mark.parametrize(
    "selector, labels, expected",
    [
        (sel(), {}, True),
        (sel({"app": "db"}), {"app": "db"}, True),
        (sel({"app": "db"}), {"app": "web"}, False),
        (sel({"app": "db"}), {}, False),
        (sel({"app": "db", "tier": "back"}), {"app": "db"}, False),
        (sel({"app": "db", "tier": "back"}), {"app": "db", "tier": "back", "x": "y"}, True),
        (sel(None, expr("app", "In", "db", "cache")), {"app": "cache"}, True),
        (sel(None, expr("app", "In", "db", "cache")), {"app": "web"}, False),
        (sel(None, expr("app", "In", "db")), {}, False),
        (sel(None, expr("app", "NotIn", "db")), {"app": "web"}, True),
        (sel(None, expr("app", "NotIn", "db")), {"app": "db"}, False),
        (sel(None, expr("app", "NotIn", "db")), {}, True),  # absent key matches NotIn
        (sel(None, expr("app", "Exists")), {"app": ""}, True),
        (sel(None, expr("app", "Exists")), {}, False),
        (sel(None, expr("app", "DoesNotExist")), {}, True),  # absent key matches DoesNotExist
        (sel(None, expr("app", "DoesNotExist")), {"app": "x"}, False),
        (sel({"tier": "back"}, expr("app", "NotIn", "db")), {"tier": "back"}, True),  # ANDed
        (sel({"tier": "back"}, expr("app", "NotIn", "db")), {"tier": "back", "app": "db"}, False),
        (sel(None, expr("a", "Exists"), expr("b", "DoesNotExist")), {"a": "1"}, True),
        (sel(None, expr("a", "Exists"), expr("b", "DoesNotExist")), {"a": "1", "b": "2"}, False),
    ],
)
def test_selects_by_every_operator(selector, labels, expected):
    assert selects(policy("p", "ns", selector), pod("ns", labels)) is expected


def test_a_policy_selects_only_pods_of_its_own_namespace():
    assert selects(policy("p", "a", {}), pod("a"))
    assert not selects(policy("p", "a", {}), pod("b"))


# ---- peers ------------------------------------------------------------------------------------------------

def _pm(p, endpoint, ns="home", pods=False):
    return peer_matches(p, ns, endpoint, ipblock_matches_pods=pods)


def test_pod_selector_alone_means_the_policy_namespace():
    p = peer({"app": "web"})
    assert _pm(p, pod("home", {"app": "web"}))
    assert not _pm(p, pod("other", {"app": "web"}))
    assert not _pm(p, pod("home", {"app": "db"}))


def test_empty_pod_selector_means_every_pod_of_the_policy_namespace():
    assert _pm(peer({}), pod("home", {"x": "y"}))
    assert not _pm(peer({}), pod("elsewhere"))


def test_namespace_selector_alone_means_every_pod_of_matching_namespaces():
    p = peer(namespaces={"team": "a"})
    assert _pm(p, pod("n1", {"any": "thing"}, ns_labels={"team": "a"}))
    assert not _pm(p, pod("n2", ns_labels={"team": "b"}))
    assert not _pm(p, pod("home"))  # its own namespace only when that namespace matches


def test_empty_namespace_selector_means_every_pod_everywhere():
    assert _pm(peer(namespaces={}), pod("anywhere", {"q": "r"}))


def test_namespace_selector_on_the_automatic_name_label():
    p = peer(namespaces={"kubernetes.io/metadata.name": "kube-system"})
    assert _pm(p, pod("kube-system"))
    assert not _pm(p, pod("default"))


def test_both_selectors_in_one_peer_are_anded():
    p = peer({"app": "web"}, {"team": "a"})
    assert _pm(p, pod("x", {"app": "web"}, ns_labels={"team": "a"}))
    assert not _pm(p, pod("x", {"app": "db"}, ns_labels={"team": "a"}))
    assert not _pm(p, pod("x", {"app": "web"}, ns_labels={"team": "b"}))


def test_namespace_selector_with_expressions():
    p = peer(namespaces=sel(None, expr("env", "NotIn", "prod")))
    assert _pm(p, pod("dev", ns_labels={"env": "dev"}))
    assert _pm(p, pod("bare"))  # no env label at all
    assert not _pm(p, pod("prod", ns_labels={"env": "prod"}))


def test_selector_peers_never_match_external_addresses():
    assert not _pm(peer(namespaces={}), ext("8.8.8.8"))
    assert not _pm(peer({}), ext("10.0.0.1"))


@pytest.mark.parametrize(
    "block, ip, expected",
    [
        (("10.0.0.0/8",), "10.1.2.3", True),
        (("10.0.0.0/8",), "11.0.0.0", False),
        (("10.0.0.0/8",), "9.255.255.255", False),
        (("10.0.0.0/8", "10.1.0.0/16"), "10.1.2.3", False),
        (("10.0.0.0/8", "10.1.0.0/16"), "10.2.0.0", True),
        (("10.0.0.0/8", "10.1.0.0/16", "10.3.3.3/32"), "10.3.3.3", False),
        (("10.0.0.0/8", "10.1.0.0/16", "10.3.3.3/32"), "10.3.3.4", True),
        (("0.0.0.0/0",), "255.255.255.255", True),
        (("0.0.0.0/0",), "::1", False),  # an IPv4 block never matches an IPv6 address
        (("::/0",), "10.0.0.1", False),
        (("2001:db8::/32",), "2001:db8::1", True),
        (("2001:db8::/32", "2001:db8:1::/48"), "2001:db8:1::5", False),
        (("2001:db8::/32", "2001:db8:1::/48"), "2001:db8:2::5", True),
        (("1.2.3.4/32",), "1.2.3.4", True),
    ],
)
def test_ipblock_matches_external_addresses_in_cidr_minus_excepts(block, ip, expected):
    assert _pm(ipblock(*block), ext(ip)) is expected


def test_ipblock_matches_pod_ips_only_with_the_flag():
    p = ipblock("10.0.0.0/8")
    inside = pod("home", ip="10.0.0.5")
    assert not _pm(p, inside)
    assert _pm(p, inside, pods=True)
    assert not _pm(p, pod("home", ip="192.168.0.1"), pods=True)
    assert not _pm(p, pod("home"), pods=True)  # a pod without a known IP
    assert not _pm(ipblock("10.0.0.0/8", "10.0.0.0/24"), inside, pods=True)


# ---- ports ------------------------------------------------------------------------------------------------

WEB = pod("home", ports=[cport(8080, "http"), cport(53, "dns", "UDP"), cport(9090, "metrics", "TCP")])


@pytest.mark.parametrize(
    "entry, protocol, number, expected",
    [
        (port(), TCP, 1, True),
        (port(), TCP, 65535, True),
        (port(), UDP, 80, False),  # port None = every port of that protocol only
        (port(None, "UDP"), UDP, 7, True),
        (port(None, "SCTP"), SCTP, 7, True),
        (port(80), TCP, 80, True),
        (port(80), TCP, 81, False),
        (port(80), UDP, 80, False),
        (port(80, "UDP"), UDP, 80, True),
        (port(1000, end=2000), TCP, 999, False),
        (port(1000, end=2000), TCP, 1000, True),
        (port(1000, end=2000), TCP, 1500, True),
        (port(1000, end=2000), TCP, 2000, True),
        (port(1000, end=2000), TCP, 2001, False),
        (port(1000, "SCTP", end=2000), TCP, 1500, False),
        (port("http"), TCP, 8080, True),
        (port("http"), TCP, 80, False),
        (port("http", "UDP"), UDP, 8080, False),  # the name exists only for TCP
        (port("dns", "UDP"), UDP, 53, True),
        (port("dns"), TCP, 53, False),  # name found, protocol mismatch
        (port("nosuch"), TCP, 8080, False),
    ],
)
def test_port_matches(entry, protocol, number, expected):
    assert port_matches(entry, protocol, number, WEB) is expected


def test_named_port_never_matches_an_external_destination():
    assert not port_matches(port("http"), TCP, 8080, ext("1.1.1.1"))


# ---- isolation and verdicts ---------------------------------------------------------------------------------

A = pod("ns", {"app": "a"}, ports=[cport(80, "http")])
B = pod("ns", {"app": "b"}, ports=[cport(80, "http"), cport(5432, "pg")])


def test_no_policy_allows_everything():
    v = evaluate(cluster(), flow(A, B, 80))
    assert v.allowed and not v.ingress.isolated and not v.egress.isolated
    assert v.egress.allowed_by == () and v.ingress.isolated_by == ()


def test_default_deny_ingress_isolates_and_blocks():
    deny = policy("deny", "ns", {})
    v = evaluate(cluster(deny), flow(A, B, 80))
    assert not v.allowed
    assert v.ingress.isolated and not v.ingress.allowed
    assert v.ingress.isolated_by == (RuleRef("ns/deny", "ingress", None, Span("deny.yaml", 1)),)
    assert v.ingress.allowed_by == ()
    assert v.egress.allowed and not v.egress.isolated


def test_policy_not_selecting_the_pod_does_not_isolate_it():
    c = cluster(policy("only-a", "ns", {"app": "a"}))
    assert allowed(c, A, B)
    assert not allowed(c, B, A)


def test_policy_in_another_namespace_does_not_isolate():
    assert allowed(cluster(policy("deny", "elsewhere", {})), A, B)


def test_allowed_by_names_the_admitting_rules_with_their_spans():
    p = policy("web", "ns", {"app": "b"}, ingress=[rule(peer({"app": "x"})), rule(peer({"app": "a"}), ports=[port(80)]),
                                                    rule(ports=[port("http")])])
    v = evaluate(cluster(p), flow(A, B, 80))
    assert v.allowed
    assert v.ingress.allowed_by == (
        RuleRef("ns/web", "ingress", 1, Span("web.yaml", 11)),
        RuleRef("ns/web", "ingress", 2, Span("web.yaml", 12)),
    )


def test_rule_needs_both_peer_and_port():
    p = policy("web", "ns", {"app": "b"}, ingress=[rule(peer({"app": "a"}), ports=[port(443)])])
    assert not allowed(cluster(p), A, B, 80)
    assert allowed(cluster(p), A, B, 443)
    assert not allowed(cluster(p), pod("ns", {"app": "c"}), B, 443)


def test_empty_rule_allows_every_peer_including_external():
    p = policy("open", "ns", {"app": "b"}, ingress=[ALLOW_ALL])
    c = cluster(p)
    for src in (A, pod("far", {"z": "z"}), ext("8.8.8.8"), ext("2001:db8::1")):
        for proto, number in ((TCP, 1), (UDP, 53), (SCTP, 65535)):
            assert allowed(c, src, B, number, proto.value)


def test_empty_ports_allow_every_protocol():
    p = policy("w", "ns", {"app": "b"}, ingress=[rule(peer({"app": "a"}))])
    assert allowed(cluster(p), A, B, 9, "SCTP")


def test_multiple_policies_union():
    p1 = policy("p1", "ns", {"app": "b"}, ingress=[rule(peer({"app": "a"}), ports=[port(80)])])
    p2 = policy("p2", "ns", {}, ingress=[rule(peer({"app": "a"}), ports=[port(443)])])
    p3 = policy("deny", "ns", {})
    c = cluster(p1, p2, p3)
    v = evaluate(c, flow(A, B, 443))
    assert v.allowed
    assert {r.policy for r in v.ingress.isolated_by} == {"ns/p1", "ns/p2", "ns/deny"}
    assert [r.policy for r in v.ingress.allowed_by] == ["ns/p2"]
    assert allowed(c, A, B, 80)
    assert not allowed(c, A, B, 22)
    # Order never matters.
    assert evaluate(cluster(p3, p2, p1), flow(A, B, 443)).allowed


def test_egress_rules_without_egress_in_policy_types_do_not_isolate_egress():
    p = policy("ing-only", "ns", {"app": "a"}, egress=[rule(peer({"app": "zzz"}))], types=["Ingress"])
    assert allowed(cluster(p), A, B)


def test_egress_list_empty_without_policy_types_does_not_isolate_egress():
    p = policy("p", "ns", {"app": "a"}, egress=[])  # effective types: ingress only
    assert p.policy_types == {"ingress"}
    assert allowed(cluster(p), A, B)
    assert not allowed(cluster(p), B, A)


def test_egress_only_isolation():
    p = policy("eg", "ns", {"app": "a"}, egress=[rule(peer({"app": "b"}), ports=[port(80)])], types=["Egress"])
    c = cluster(p)
    v = evaluate(c, flow(A, B, 80))
    assert v.allowed and v.egress.isolated and not v.ingress.isolated
    assert v.egress.allowed_by == (RuleRef("ns/eg", "egress", 0, Span("eg.yaml", 30)),)
    assert not allowed(c, A, B, 81)
    assert not allowed(c, A, ext("1.1.1.1"), 80)
    assert allowed(c, B, A, 12345)  # A is not isolated for ingress


def test_deny_all_egress_with_policy_types():
    c = cluster(policy("deny-eg", "ns", {}, types=["Egress"]))
    v = evaluate(c, flow(A, B, 80))
    assert not v.allowed and not v.egress.allowed and v.ingress.allowed


def test_both_sides_must_allow():
    ing = policy("ing", "ns", {"app": "b"}, ingress=[rule(peer({"app": "a"}))])
    eg = policy("eg", "ns", {"app": "a"}, egress=[rule(peer({"app": "c"}))], types=["Egress"])
    v = evaluate(cluster(ing, eg), flow(A, B, 80))
    assert v.ingress.allowed and not v.egress.allowed and not v.allowed


def test_egress_peer_is_matched_against_the_destination_and_ingress_peer_against_the_source():
    eg = policy("eg", "ns", {"app": "a"}, egress=[rule(peer({"app": "b"}))])
    ing = policy("ing", "ns", {"app": "b"}, ingress=[rule(peer({"app": "a"}))])
    c = cluster(eg, ing)
    assert allowed(c, A, B)
    assert not allowed(c, B, A)


def test_external_endpoints_are_never_isolated():
    v = evaluate(cluster(policy("deny", "ns", {}, types=["Ingress", "Egress"])), flow(ext("8.8.8.8"), ext("1.1.1.1"), 1))
    assert v.allowed and not v.egress.isolated and not v.ingress.isolated


def test_ingress_from_external_ipblock_with_except():
    p = policy("ext", "ns", {"app": "b"}, ingress=[rule(ipblock("10.0.0.0/8", "10.1.0.0/16"), ports=[port(443)])])
    c = cluster(p)
    assert allowed(c, ext("10.2.0.1"), B, 443)
    assert not allowed(c, ext("10.1.0.1"), B, 443)
    assert not allowed(c, ext("10.2.0.1"), B, 80)
    assert not allowed(c, ext("2001:db8::1"), B, 443)


def test_egress_to_ipv6_block():
    p = policy("eg6", "ns", {"app": "a"}, egress=[rule(ipblock("2001:db8::/32"))], types=["Egress"])
    c = cluster(p)
    assert allowed(c, A, ext("2001:db8::99"), 443)
    assert not allowed(c, A, ext("2001:db9::1"), 443)
    assert not allowed(c, A, ext("10.0.0.1"), 443)


def test_ipblock_rule_and_pod_ips():
    p = policy("ext", "ns", {"app": "b"}, ingress=[rule(ipblock("10.0.0.0/8"))])
    c = cluster(p)
    src = pod("ns", {"app": "a"}, ip="10.9.9.9")
    assert not allowed(c, src, B)
    assert allowed(c, src, B, ipblock_matches_pods=True)


def test_named_port_resolves_on_the_destination_for_egress_too():
    p = policy("eg", "ns", {"app": "a"}, egress=[rule(ports=[port("pg")])], types=["Egress"])
    c = cluster(p)
    assert allowed(c, A, B, 5432)
    assert not allowed(c, A, B, 80)
    assert not allowed(c, A, pod("ns", {"app": "c"}, ports=[cport(5433, "pg")]), 5432)
    assert allowed(c, A, pod("ns", {"app": "c"}, ports=[cport(5433, "pg")]), 5433)
    assert not allowed(c, A, ext("1.2.3.4"), 5432)


def test_named_port_with_protocol_mismatch_matches_nothing():
    dst = pod("ns", {"app": "d"}, ports=[cport(53, "dns", "UDP")])
    p = policy("dns", "ns", {"app": "d"}, ingress=[rule(ports=[port("dns")])])  # TCP by default
    c = cluster(p)
    assert not allowed(c, A, dst, 53, "TCP")
    assert not allowed(c, A, dst, 53, "UDP")


def test_end_port_range_in_a_rule():
    p = policy("r", "ns", {"app": "b"}, ingress=[rule(ports=[port(32000, end=32768)])])
    c = cluster(p)
    assert [allowed(c, A, B, n) for n in (31999, 32000, 32500, 32768, 32769)] == [False, True, True, True, False]


def test_cross_namespace_rule():
    db = pod("data", {"app": "db"})
    api = pod("api", {"app": "api"}, ns_labels={"team": "core"})
    p = policy("db", "data", {"app": "db"}, ingress=[rule(peer({"app": "api"}, {"team": "core"}))])
    c = cluster(p, namespace("api", {"team": "core"}))
    assert allowed(c, api, db)
    assert not allowed(c, pod("api", {"app": "api"}), db)  # same labels, namespace without team=core
    assert not allowed(c, pod("data", {"app": "api"}), db)


def test_side_verdict_for_an_external_pod_argument_is_not_isolated():
    c = cluster(policy("deny", "ns", {}))
    sv = side_verdict(c, "ingress", ext("1.1.1.1"), A, TCP, 80, ext("1.1.1.1"), ipblock_matches_pods=False)
    assert not sv.isolated and sv.allowed


def test_endpoint_of_uses_the_cluster_namespace_labels():
    w = workload("api", "shop", {"app": "api"}, [cport(80, "http")], ips=["10.0.0.7"])
    c = cluster(w, namespace("shop", {"team": "web"}))
    e = endpoint_of(c, w)
    assert e.namespace == "shop" and e.labels == {"app": "api"}
    assert e.namespace_labels == {"team": "web", "kubernetes.io/metadata.name": "shop"}
    assert e.ports == w.ports and str(e.ip) == "10.0.0.7" and e.workload is w


def test_endpoint_of_in_an_undeclared_namespace_has_only_the_name_label():
    w = workload("api", "ghost")
    e = endpoint_of(cluster(w), w)
    assert e.namespace_labels == {"kubernetes.io/metadata.name": "ghost"} and e.ip is None
