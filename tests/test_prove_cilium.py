"""prove under --cni cilium (smt/cilium.py): the union, identities, entities and unknown, for every possible pod."""

from __future__ import annotations

from builders import cluster, cport, expr, namespace, peer, policy, rule, sel, workload
from cilium_builders import ccnp, cidr, cnp, cport_, crule, to_ports, with_cilium
from netverify.analyses.prove import prove
from netverify.model.cilium import NAMESPACE_LABELS_PREFIX, SERVICE_ACCOUNT_LABEL
from netverify.model.semantics import Semantics
from prove_helpers import addresses, pods, prop, props

CILIUM = Semantics(cni="cilium")
BASE = cluster(namespace("shop", {"team": "a"}), namespace("other"),
               workload("web", "shop", {"app": "web"}, [cport(8080, "http")]),
               workload("db", "shop", {"app": "db"}))
ALLOW_ALL_IN = ccnp("allow-all-in", {}, ingress=[crule(entities=["all"])])


def status(c, p) -> str:
    [r] = prove(c, props(p), semantics=CILIUM).results
    return r.status


def result(c, p):
    [r] = prove(c, props(p), semantics=CILIUM).results
    return r


def test_an_ingress_deny_no_allow_can_reopen_holds_for_every_possible_pod():
    deny = ccnp("db-deny-web", {"app": "db"}, ingress_deny=[crule(endpoints=[{"app": "web"}])])
    c = with_cilium(BASE, ALLOW_ALL_IN, deny)
    assert status(c, prop(pods(labels={"app": "web"}), pods("shop", {"app": "db"}))) == "proven"
    r = result(c, prop(pods(labels={"app": "x"}), pods("shop", {"app": "db"})))
    assert r.status == "violated"  # anything else the allow-all admits


def test_without_the_deny_the_same_property_is_refuted():
    c = with_cilium(BASE, ALLOW_ALL_IN)
    assert status(c, prop(pods(labels={"app": "web"}), pods("shop", {"app": "db"}))) == "violated"


def test_a_service_account_selector_is_refuted_by_a_new_pod_with_that_account():
    by_sa = ccnp("db-from-sa", {"app": "db"}, ingress=[crule(endpoints=[{SERVICE_ACCOUNT_LABEL: "frontend"}])])
    c = with_cilium(BASE, by_sa)
    r = result(c, prop(pods("shop"), pods("shop", {"app": "db"})))
    assert r.status == "violated"
    assert r.counterexample.src.service_account == "frontend"
    assert "serviceAccountName: frontend" in r.counterexample.pod_manifests
    assert status(c, prop(pods("shop"), pods("shop", {"app": "db"}), scope="existing")) == "proven"


def test_namespace_labels_are_identity_labels_for_new_namespaces_too():
    by_team = ccnp("db-from-team", {"app": "db"},
                   ingress=[crule(endpoints=[sel({}, expr(NAMESPACE_LABELS_PREFIX + "team", "In", "b"))])])
    c = with_cilium(BASE, by_team)
    # (A pod carrying the identity label's key itself would not: Cilium drops it, tests/test_cilium_identity_filter.py.)
    plain = pods(selector=sel({}, expr(NAMESPACE_LABELS_PREFIX + "team", "DoesNotExist")))
    r = result(c, prop(plain, pods("shop", {"app": "db"})))
    assert r.status == "violated"
    assert r.counterexample.src.namespace_labels.get("team") == "b"
    assert not r.counterexample.src.namespace_exists


def test_a_networkpolicy_isolates_under_cilium_and_a_cnp_deny_wins_over_it():
    np = policy("db-from-web", "shop", {"app": "db"}, ingress=[rule(peer({"app": "web"}))])
    c = with_cilium(cluster(*BASE.namespaces.values(), *BASE.workloads, np))
    assert status(c, prop(pods("shop", {"app": "web"}), pods("shop", {"app": "db"}), "reachable")) == "proven"
    assert status(c, prop(pods("other"), pods("shop", {"app": "db"}))) == "proven"
    deny = cnp("no-8080", "shop", {"app": "db"}, ingress_deny=[crule(ports=[to_ports(cport_(8080))])])
    c = with_cilium(c, deny)
    from builders import port
    assert status(c, prop(pods("shop", {"app": "web"}), pods("shop", {"app": "db"}),
                          ports=[port(8080)])) == "proven"


def test_cidr_sets_reach_outside_addresses_only_and_world_needs_no_nodes():
    out = cnp("web-out", "shop", {"app": "web"}, egress=[crule(cidrs=[cidr("10.0.0.0/8", "10.1.0.0/16")])])
    c = with_cilium(BASE, out)
    assert status(c, prop(pods("shop", {"app": "web"}), addresses("10.1.0.0/16"))) == "proven"
    assert status(c, prop(pods("shop", {"app": "web"}), addresses("10.2.0.0/16"), "reachable")) == "proven"
    assert status(c, prop(pods("shop", {"app": "web"}), pods("shop", {"app": "db"}))) == "proven"


def test_an_entity_that_may_be_a_node_without_node_objects_is_unknown_never_proven():
    c = with_cilium(BASE, cnp("web-out", "shop", {"app": "web"}, egress=[crule(entities=["cluster"])]))
    r = result(c, prop(pods("shop", {"app": "web"}), addresses("8.8.8.0/24")))
    assert r.status == "unknown"
    assert "web-out" in r.reason


def test_an_unmodelled_peer_is_unknown_where_it_could_decide():
    c = with_cilium(BASE, cnp("web-out", "shop", {"app": "web"}, egress=[crule(unmodelled=["egress[0].toFQDNs"])]))
    r = result(c, prop(pods("shop", {"app": "web"}), addresses("8.8.8.0/24")))
    assert r.status == "unknown"
    assert "toFQDNs" in r.reason


def test_to_ports_with_a_range_and_any_protocol():
    from builders import port
    rng = cnp("web-in", "shop", {"app": "web"}, ingress=[crule(ports=[to_ports(cport_(8000, "ANY", end=8100))])])
    c = with_cilium(BASE, rng)
    assert status(c, prop(pods(), pods("shop", {"app": "web"}), "reachable", ports=[port(8080, "UDP")])) == "proven"
    assert status(c, prop(pods(), pods("shop", {"app": "web"}), ports=[port(8101)])) == "proven"


def test_an_icmps_rule_admits_echo_requests_and_nothing_else():
    from netverify.model.cilium import IcmpField
    from netverify.model.policy import PortMatch
    from netverify.model.ports import Protocol
    from builders import SPAN, port
    echo = cnp("web-in", "shop", {"app": "web"}, ingress=[crule(icmps=[IcmpField("IPv4", 8)])])
    c = with_cilium(BASE, echo)
    ping = PortMatch(Protocol.ICMP, None, None, SPAN, icmp_type=8)
    r = result(c, prop(pods("shop"), pods("shop", {"app": "web"}), ports=[ping]))
    assert r.status == "violated" and r.counterexample.icmp_type == 8
    assert status(c, prop(pods(), pods("shop", {"app": "web"}), ports=[port(None, "TCP")])) == "proven"
    other = PortMatch(Protocol.ICMP, None, None, SPAN, icmp_type=0)
    assert status(c, prop(pods(), pods("shop", {"app": "web"}), ports=[other])) == "proven"


def test_a_counterexample_names_the_service_account_in_text_and_json():
    from netverify.report.json import endpoint_dict
    from netverify.report.words import endpoint_detail
    by_sa = ccnp("db-from-sa", {"app": "db"}, ingress=[crule(endpoints=[{SERVICE_ACCOUNT_LABEL: "frontend"}])])
    r = result(with_cilium(BASE, by_sa), prop(pods("shop"), pods("shop", {"app": "db"})))
    assert "serviceAccount frontend" in endpoint_detail(r.counterexample.src)
    assert endpoint_dict(r.counterexample.src)["service_account"] == "frontend"
    assert "service_account" not in endpoint_dict(r.counterexample.dst)  # a replica: its workload says
