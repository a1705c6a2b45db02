"""The concrete evaluator's admin tiers and the generic chain (eval/anp.py, eval/compose.py)."""

from __future__ import annotations

from dataclasses import replace

from anp_builders import (acluster, admin, aport, arule, baseline, domains_peer, networks_peer, node, nodes_peer,
                          pod_peer, pods)
from builders import ALLOW_ALL, cport, ext, flow, namespace, peer, policy, rule, workload
from netverify.eval.concrete import endpoint_of, evaluate
from netverify.model.anp import CNP_KIND

NS = [namespace("a", {"team": "x"}), namespace("b", {"team": "y"})]
WA = workload("wa", "a", {"app": "wa"}, [cport(8080, "http")], ips=["10.0.0.1"])
WB = workload("wb", "b", {"app": "wb"}, [cport(8080, "http")], ips=["10.0.1.1"])
HOST = replace(workload("hn", "b", {"app": "hn"}, ips=["192.168.0.10"], host_network=True), node_name="n1")
N1 = node("n1", {"role": "worker"}, "192.168.0.10")
N2 = node("n2", {"role": "infra"}, "192.168.0.11")


def verdict(c, src, dst, number=8080, protocol="TCP"):
    s = endpoint_of(c, src) if not hasattr(src, "ip") or hasattr(src, "kind") else src
    d = endpoint_of(c, dst) if not hasattr(dst, "ip") or hasattr(dst, "kind") else dst
    return evaluate(c, flow(s, d, number, protocol))


def test_an_admin_deny_wins_over_a_networkpolicy_allow():
    deny = admin("deny-b", 10, pods(namespaces={"team": "y"}), ingress=[arule("deny", pod_peer(namespaces={}))])
    np = policy("allow", "b", {}, ingress=[ALLOW_ALL])
    v = verdict(acluster(*NS, WA, WB, deny, np), WA, WB)
    assert not v.may_be(True) and v.may_be(False)
    [entry] = v.ingress.chain
    assert (entry.layer, entry.action, entry.priority) == ("admin", "deny", 10)
    assert entry.by[0].kind == "AdminNetworkPolicy" and entry.by[0].action == "deny"


def test_pass_goes_to_networkpolicy_and_then_the_baseline():
    pas = admin("pass", 5, ingress=[arule("pass", pod_peer())])
    banp = baseline(ingress=[arule("deny", pod_peer())])
    c = acluster(*NS, WA, WB, pas, banp)
    v = verdict(c, WA, WB)
    assert [d.action for d in v.ingress.chain] == ["pass", "nomatch", "deny"]
    assert not v.may_be(True)
    # A NetworkPolicy that admits it decides before the baseline.
    c2 = acluster(*NS, WA, WB, pas, banp, policy("allow", "b", {}, ingress=[ALLOW_ALL]))
    assert [d.action for d in verdict(c2, WA, WB).ingress.chain] == ["pass", "allow"]
    assert verdict(c2, WA, WB).allowed


def test_baseline_pass_falls_through_to_allow_and_no_rules_in_a_direction_says_nothing():
    banp = baseline(ingress=[arule("pass", pod_peer())], egress=[])
    deny_egress_only = admin("eg", 1, egress=[arule("deny", networks_peer("203.0.113.0/24"))])
    v = verdict(acluster(*NS, WA, WB, banp, deny_egress_only), WA, WB)
    assert v.allowed and [d.action for d in v.ingress.chain] == ["nomatch", "pass"]


def test_first_matching_rule_wins_inside_a_policy_and_lower_priority_first():
    p1 = admin("p1", 20, ingress=[arule("allow", pod_peer())])
    p0 = admin("p0", 3, ingress=[arule("deny", pod_peer({"app": "nope"})), arule("deny", pod_peer({"app": "wa"})),
                                 arule("allow", pod_peer())])
    v = verdict(acluster(*NS, WA, WB, p1, p0), WA, WB)
    assert [(d.priority, d.action) for d in v.ingress.chain] == [(3, "deny")]
    assert v.ingress.chain[0].by[0].rule == 1


def test_same_priority_with_different_actions_is_ambiguous():
    allow = admin("allow", 7, ingress=[arule("allow", pod_peer())])
    deny = admin("deny", 7, ingress=[arule("deny", pod_peer())])
    v = verdict(acluster(*NS, WA, WB, allow, deny), WA, WB)
    assert v.ingress.decision == "ambiguous" and v.may_be(True) and v.may_be(False) and not v.allowed
    [entry] = v.ingress.chain
    assert {a.by[0].policy for a in entry.alternatives} == {"AdminNetworkPolicy/allow", "AdminNetworkPolicy/deny"}


def test_same_priority_pass_or_deny_goes_on_for_the_pass_branch():
    pas = admin("pass", 7, ingress=[arule("pass", pod_peer())])
    deny = admin("deny", 7, ingress=[arule("deny", pod_peer())])
    v = verdict(acluster(*NS, WA, WB, pas, deny), WA, WB)
    assert v.ingress.outcomes == {"allow", "deny"}
    # a same-priority member that does not match leaves no choice
    other = admin("other", 7, ingress=[arule("allow", pod_peer({"app": "nope"}))])
    assert verdict(acluster(*NS, WA, WB, deny, other), WA, WB).ingress.outcomes == {"deny"}


def test_networks_match_pod_addresses_whatever_the_ipblock_flag():
    deny = admin("deny", 1, egress=[arule("deny", networks_peer("10.0.1.0/24"))])
    c = acluster(*NS, WA, WB, deny)
    assert not verdict(c, WA, WB).may_be(True)
    assert verdict(c, WB, WA).allowed


def test_named_ports_resolve_on_the_destination_with_its_protocol():
    deny = admin("deny", 1, ingress=[arule("deny", pod_peer(), ports=[aport("http")])])
    c = acluster(*NS, WA, WB, deny)
    assert not verdict(c, WA, WB, 8080).may_be(True)
    assert verdict(c, WA, WB, 8080, "UDP").allowed
    assert verdict(c, WA, WB, 8081).allowed


def test_nodes_peers_match_node_addresses_and_host_network_pods_on_selected_nodes():
    deny = admin("deny", 1, egress=[arule("deny", nodes_peer({"role": "worker"}))])
    c = acluster(*NS, WA, WB, HOST, N1, N2, deny)
    assert not verdict(c, WA, HOST).may_be(True)
    assert not verdict(c, WA, ext("192.168.0.10")).may_be(True)
    assert verdict(c, WA, ext("192.168.0.11")).allowed
    assert verdict(c, WA, WB).allowed


def test_host_network_pods_are_never_subjects_nor_pod_peers():
    deny_all = admin("deny", 1, ingress=[arule("deny", pod_peer())], egress=[arule("deny", pod_peer())])
    c = acluster(*NS, WA, HOST, N1, deny_all)
    # The host-network pod is no subject (its egress is free) and no pod peer (WA's ingress rule misses it).
    assert verdict(c, HOST, WA).allowed
    # WA's egress to it: not a pod peer either; its own ingress: no subject.
    assert verdict(c, WA, HOST).allowed
    assert not verdict(c, WA, replace(endpoint_of(c, WA), ip=None)).may_be(True)  # a pod peer is denied


def test_networkpolicy_on_a_host_network_pod_is_unknown_when_the_two_readings_differ():
    np = policy("only-a", "a", {}, ingress=[rule(peer(None, {"team": "y"}))])
    c = acluster(*NS, WA, HOST, N1, np)
    v = verdict(c, HOST, WA)
    assert v.outcomes == {"unknown"} and "host-network" in v.unknown_reason
    # Both readings agree: no NetworkPolicy selects the host-network pod's peer side differently.
    open_np = policy("open", "a", {}, ingress=[ALLOW_ALL])
    assert verdict(acluster(*NS, WA, HOST, N1, open_np), HOST, WA).allowed


def test_domain_names_make_what_they_could_decide_unknown():
    allow = admin("dns", 1, egress=[arule("allow", domains_peer("example.com"))])
    deny = admin("deny", 2, egress=[arule("deny", networks_peer("0.0.0.0/0"))])
    c = acluster(*NS, WA, WB, allow, deny)
    v = verdict(c, WA, ext("198.51.100.1"))
    assert v.outcomes == {"unknown"} and "domainNames" in v.unknown_reason


def test_a_cluster_network_policy_baseline_tier_is_the_baseline_layer():
    cnp = admin("cnp-base", 50, tier="baseline", kind=CNP_KIND, ingress=[arule("deny", pod_peer())])
    v = verdict(acluster(*NS, WA, WB, cnp), WA, WB)
    assert [(d.layer, d.action) for d in v.ingress.chain] == [("networkpolicy", "nomatch"), ("baseline", "deny")]
