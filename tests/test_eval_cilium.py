"""The Cilium layer of the concrete evaluator (eval/cilium.py): one union of NetworkPolicy (as Cilium converts
it), CNP and CCNP per side; deny wins, then allow, then default deny. Semantics: docs/semantics.md, Cilium."""

from __future__ import annotations

import ipaddress

from anp_builders import node
from builders import cluster, cport, expr, ext, flow, ipblock, namespace, peer, pod, policy, port, rule, workload
from cilium_builders import ccnp, cidr, cnp, cport_, crule, to_ports, with_cilium
from netverify.eval.concrete import evaluate
from netverify.model.cilium import CLUSTER_LABEL, NAMESPACE_LABEL, SERVICE_ACCOUNT_LABEL
from netverify.model.semantics import Semantics
from netverify.model.verdict import Verdict

CILIUM = Semantics(cni="cilium")
BASE = cluster(namespace("shop", {"team": "a"}), namespace("other"),
               workload("web", "shop", {"app": "web"}, [cport(8080, "http")]),
               workload("db", "shop", {"app": "db"}))
WEB = pod("shop", {"app": "web"}, ns_labels={"team": "a"}, ports=[cport(8080, "http")])
DB = pod("shop", {"app": "db"}, ns_labels={"team": "a"})
STRANGER = pod("other", {"app": "web"})


def verdict(c, src, dst, number=80, protocol="TCP") -> Verdict:
    return evaluate(c, flow(src, dst, number, protocol), semantics=CILIUM)


def outcome(c, src, dst, number=80, protocol="TCP") -> str:
    return next(iter(verdict(c, src, dst, number, protocol).outcomes)) if len(
        verdict(c, src, dst, number, protocol).outcomes) == 1 else "ambiguous"


def test_no_policy_allows_and_a_selecting_policy_default_denies_what_it_does_not_allow():
    assert outcome(BASE, WEB, DB) == "allow"
    c = with_cilium(BASE, cnp("db-in", "shop", {"app": "db"}, ingress=[crule(endpoints=[{"app": "web"}])]))
    assert outcome(c, WEB, DB) == "allow"
    assert outcome(c, STRANGER, DB) == "deny"  # a CNP peer selector is its own namespace's
    assert outcome(c, DB, WEB) == "allow"  # web is selected by nothing


def test_an_ingress_deny_wins_over_every_allow_of_every_policy():
    allow_all = ccnp("all-in", {}, ingress=[crule(entities=["all"])])
    deny = cnp("deny-web", "shop", {"app": "db"}, ingress_deny=[crule(endpoints=[{"app": "web"}])])
    c = with_cilium(BASE, allow_all, deny)
    v = verdict(c, WEB, DB)
    assert v.outcomes == {"deny"}
    assert [r.policy for r in v.ingress.chain[-1].by] == [deny.key]
    assert outcome(c, DB, WEB) == "allow"


def test_a_deny_only_policy_also_puts_the_endpoint_into_default_deny_unless_switched_off():
    deny = cnp("deny-stranger", "shop", {"app": "db"}, ingress_deny=[crule(endpoints=[{"app": "nobody"}])])
    assert outcome(with_cilium(BASE, deny), WEB, DB) == "deny"
    off = cnp("deny-stranger", "shop", {"app": "db"}, ingress_deny=[crule(endpoints=[{"app": "nobody"}])],
              default_deny={"ingress": False, "egress": None})
    assert outcome(with_cilium(BASE, off), WEB, DB) == "allow"


def test_a_networkpolicy_joins_the_union_and_its_selectors_read_identity_labels():
    np = policy("db-from-cluster", "shop", {"app": "db"},
                ingress=[rule(peer(sel_with_cluster()))])
    c = with_cilium(cluster(*BASE.namespaces.values(), *BASE.workloads, np))
    assert outcome(c, WEB, DB) == "allow"  # io.cilium.k8s.policy.cluster exists on every pod's identity
    deny = cnp("deny-web", "shop", {"app": "db"}, ingress_deny=[crule(endpoints=[{"app": "web"}])])
    assert outcome(with_cilium(c, deny), WEB, DB) == "deny"


def sel_with_cluster():
    from builders import sel
    return sel({}, expr(CLUSTER_LABEL, "Exists"))


def test_a_networkpolicy_namespace_selector_reads_namespace_labels():
    np = policy("db-from-team-a", "shop", {"app": "db"}, ingress=[rule(peer({}, {"team": "a"}))])
    c = with_cilium(cluster(*BASE.namespaces.values(), *BASE.workloads, np))
    assert outcome(c, WEB, DB) == "allow"
    assert outcome(c, STRANGER, DB) == "deny"


def test_service_account_and_namespace_identity_labels_select():
    by_sa = ccnp("db-from-sa", {"app": "db"}, ingress=[crule(endpoints=[{SERVICE_ACCOUNT_LABEL: "frontend"}])])
    c = with_cilium(BASE, by_sa)
    assert outcome(c, WEB, DB) == "deny"  # web's service account is `default`
    from dataclasses import replace
    assert outcome(c, replace(WEB, service_account="frontend"), DB) == "allow"
    by_ns = ccnp("db-from-shop", {"app": "db"}, ingress=[crule(endpoints=[{NAMESPACE_LABEL: "other"}])])
    assert outcome(with_cilium(BASE, by_ns), STRANGER, DB) == "allow"
    assert outcome(with_cilium(BASE, by_ns), WEB, DB) == "deny"


def test_cidr_rules_match_outside_addresses_never_pods():
    out = cnp("web-out", "shop", {"app": "web"}, egress=[crule(cidrs=[cidr("10.0.0.0/8", "10.1.0.0/16")])])
    c = with_cilium(BASE, out)
    assert outcome(c, WEB, ext("10.2.0.1")) == "allow"
    assert outcome(c, WEB, ext("10.1.0.1")) == "deny"
    assert outcome(c, WEB, ext("11.0.0.1")) == "deny"
    ip_db = pod("shop", {"app": "db"}, ns_labels={"team": "a"}, ip="10.2.0.9")
    assert outcome(c, WEB, ip_db) == "deny"


def test_world_and_cluster_entities():
    c = with_cilium(BASE, cnp("web-out", "shop", {"app": "web"}, egress=[crule(entities=["world"])]))
    assert outcome(c, WEB, ext("8.8.8.8")) == "allow"
    assert outcome(c, WEB, DB) == "deny"
    c = with_cilium(BASE, cnp("web-out", "shop", {"app": "web"}, egress=[crule(entities=["cluster"])]))
    assert outcome(c, WEB, DB) == "allow"
    # Without Node objects an outside address may be a node's, which `cluster` covers: unknown.
    assert outcome(c, WEB, ext("8.8.8.8")) == "unknown"
    with_nodes = with_cilium(BASE, cnp("web-out", "shop", {"app": "web"}, egress=[crule(entities=["cluster"])]),
                             nodes=[node("n1", {}, "192.168.0.1")])
    assert outcome(with_nodes, WEB, ext("8.8.8.8")) == "deny"
    assert outcome(with_nodes, WEB, ext("192.168.0.1")) == "allow"


def test_host_and_remote_node_need_to_know_which_node():
    c = with_cilium(BASE, cnp("web-out", "shop", {"app": "web"}, egress=[crule(entities=["host"])]),
                    nodes=[node("n1", {}, "192.168.0.1")])
    assert outcome(c, WEB, ext("192.168.0.1")) == "unknown"  # is web on n1? not in the input
    both = with_cilium(BASE, cnp("web-out", "shop", {"app": "web"},
                                 egress=[crule(entities=["host", "remote-node"])]),
                       nodes=[node("n1", {}, "192.168.0.1")])
    assert outcome(both, WEB, ext("192.168.0.1")) == "allow"
    assert outcome(both, WEB, ext("8.8.8.8")) == "deny"


def test_to_ports_with_end_port_any_and_named_ports():
    rng = cnp("db-in", "shop", {"app": "web"}, ingress=[crule(ports=[to_ports(cport_(8000, "ANY", end=8100))])])
    c = with_cilium(BASE, rng)
    assert outcome(c, DB, WEB, 8080) == "allow"
    assert outcome(c, DB, WEB, 8080, "UDP") == "allow"
    assert outcome(c, DB, WEB, 8101) == "deny"
    named = cnp("web-in", "shop", {"app": "web"}, ingress=[crule(ports=[to_ports(cport_("http", "TCP"))])])
    c = with_cilium(BASE, named)
    assert outcome(c, DB, WEB, 8080) == "allow"
    assert outcome(c, DB, WEB, 8081) == "deny"
    assert outcome(c, DB, WEB, 8080, "UDP") == "deny"


def test_an_l7_allow_is_an_allow_with_a_caveat():
    c = with_cilium(BASE, cnp("web-in", "shop", {"app": "web"},
                              ingress=[crule(ports=[to_ports(cport_(8080), l7=["http"])])]))
    v = verdict(c, DB, WEB, 8080)
    assert v.outcomes == {"allow"}
    assert "L7" in (v.ingress.chain[-1].reason or "")


def test_an_unmodelled_field_is_unknown_where_it_could_decide():
    fqdn = crule(unmodelled=["egress[0].toFQDNs"])
    c = with_cilium(BASE, cnp("web-out", "shop", {"app": "web"}, egress=[fqdn]))
    v = verdict(c, WEB, ext("8.8.8.8"))
    assert v.outcomes == {"unknown"}
    assert "toFQDNs" in v.unknown_reason
    # A deny that surely matches decides anyway.
    denied = with_cilium(BASE, cnp("web-out", "shop", {"app": "web"}, egress=[fqdn],
                                   egress_deny=[crule(entities=["world"])]))
    assert outcome(denied, WEB, ext("8.8.8.8")) == "deny"


def test_a_host_network_pod_is_no_cilium_endpoint():
    host = workload("agent", "shop", {"app": "db"}, host_network=True)
    c = with_cilium(cluster(*BASE.namespaces.values(), *BASE.workloads, host),
                    cnp("db-in", "shop", {"app": "db"}, ingress=[crule(endpoints=[{"app": "web"}])]))
    from netverify.eval.concrete import endpoint_of
    agent = endpoint_of(c, host)
    assert outcome(c, STRANGER, agent) == "allow"


def test_the_generic_chain_is_untouched_by_cilium_records():
    deny = cnp("deny-web", "shop", {"app": "db"}, ingress_deny=[crule(endpoints=[{"app": "web"}])])
    c = with_cilium(BASE, deny)
    assert evaluate(c, flow(WEB, DB, 80)).outcomes == {"allow"}
    assert ipaddress.ip_address("10.0.0.1")  # (builders import check)


def test_icmps_admit_icmp_of_their_types_only_and_any_on_another_protocol_is_unknown():
    from netverify.model.cilium import IcmpField
    from netverify.model.flow import Flow
    from netverify.model.ports import Protocol
    echo = cnp("web-in", "shop", {"app": "web"}, ingress=[crule(icmps=[IcmpField("IPv4", 8)])])
    c = with_cilium(BASE, echo)
    assert evaluate(c, Flow(DB, WEB, Protocol.ICMP, 0, None, 8, 0), semantics=CILIUM).outcomes == {"allow"}
    assert evaluate(c, Flow(DB, WEB, Protocol.ICMP, 0, None, 0, 0), semantics=CILIUM).outcomes == {"deny"}
    assert outcome(c, DB, WEB, 80) == "deny"
    l4_any = cnp("web-in", "shop", {"app": "web"}, ingress=[crule(ports=[to_ports(cport_(0, "ANY"))])])
    c = with_cilium(BASE, l4_any)
    assert outcome(c, DB, WEB, 80, "UDP") == "allow"
    v = evaluate(c, Flow(DB, WEB, Protocol.of(47), 0), semantics=CILIUM)
    assert v.outcomes == {"unknown"} and "ANY" in v.unknown_reason
    l3 = cnp("web-in", "shop", {"app": "web"}, ingress=[crule(endpoints=[{"app": "db"}])])
    assert evaluate(with_cilium(BASE, l3), Flow(DB, WEB, Protocol.of(47), 0), semantics=CILIUM).outcomes == {"allow"}
