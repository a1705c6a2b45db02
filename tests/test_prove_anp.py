"""prove with the admin tiers: the chain, same-priority ambiguity and unknown (smt/anp.py, smt/compose.py)."""

from __future__ import annotations

from dataclasses import replace

import anp_builders as ab
from anp_builders import acluster, admin, arule, baseline, domains_peer, networks_peer, node, nodes_peer, pod_peer
from builders import ALLOW_ALL, namespace, policy, workload
from netverify.analyses.prove import prove
from prove_helpers import addresses, pods, prop, props, workload_ep

NS = [namespace("shop", {"team": "shop"}), namespace("web", {"team": "web"})]
DB = workload("db", "shop", {"app": "db"}, ips=["10.0.0.5"])
FRONT = workload("front", "web", {"app": "front"}, ips=["10.0.1.5"])


def one(c, p, **kw):
    [r] = prove(c, props(p), **kw).results
    return r


def test_a_cluster_wide_deny_a_networkpolicy_cannot_override_is_proven_for_every_pod():
    deny = admin("no-web-to-db", 10, ab.pods({"app": "db"}),
                 ingress=[arule("deny", pod_peer(namespaces={"team": "web"}))])
    np = policy("allow-all", "shop", {}, ingress=[ALLOW_ALL])
    c = acluster(*NS, DB, FRONT, deny, np)
    assert one(c, prop(pods(ns_labels={"team": "web"}), pods("shop", {"app": "db"}))).status == "proven"
    # Without the ANP the NetworkPolicy lets it through: the proof rests on the admin tier.
    r = one(acluster(*NS, DB, FRONT, np), prop(pods(ns_labels={"team": "web"}), pods("shop", {"app": "db"})))
    assert r.status == "violated"


def test_pass_hands_over_to_networkpolicy_and_the_baseline_denies_what_is_left():
    pas = admin("pass-web", 1, ingress=[arule("pass", pod_peer(namespaces={"team": "web"}))])
    banp = baseline(ingress=[arule("deny", pod_peer())])
    np = policy("db-from-web", "shop", {"app": "db"}, ingress=[ALLOW_ALL])
    c = acluster(*NS, DB, FRONT, pas, banp, np)
    assert one(c, prop(pods("web"), pods("shop", {"app": "db"}), "reachable")).status == "proven"
    r = one(c, prop(pods("web"), pods("shop", {"app": "other"}), "reachable"))
    assert r.status == "violated"
    assert [d.layer for d in r.counterexample.ingress.chain] == ["admin", "networkpolicy", "baseline"]


def test_same_priority_ambiguity_refutes_both_expectations_and_names_both_policies():
    allow = admin("allow-web", 5, ab.pods(namespaces={"team": "shop"}),
                  ingress=[arule("allow", pod_peer(namespaces={"team": "web"}))])
    deny = admin("deny-web", 5, ab.pods({"app": "db"}), ingress=[arule("deny", pod_peer())])
    c = acluster(*NS, DB, FRONT, allow, deny)
    src, dst = workload_ep("front", "web"), workload_ep("db", "shop")
    for expect in ("unreachable", "reachable"):
        r = one(c, prop(src, dst, expect, "existing"))
        assert r.status == "violated", (expect, r.reason)
        assert "allow-web" in r.reason and "deny-web" in r.reason
    # `possible` holds only if some connection is allowed under every resolution: this one is not.
    assert one(c, prop(src, dst, "possible", "existing")).status == "unknown"


def test_a_domain_names_rule_that_could_decide_makes_the_result_unknown_naming_rule_and_field():
    dns = admin("dns", 1, egress=[arule("allow", domains_peer("example.com"))])
    deny = admin("deny-out", 2, egress=[arule("deny", networks_peer("0.0.0.0/0"))])
    c = acluster(*NS, DB, FRONT, dns, deny)
    r = one(c, prop(pods("web"), addresses("198.51.100.0/24"), "unreachable"))
    assert r.status == "unknown" and "domainNames" in r.reason and "dns" in r.reason


def test_networks_match_pod_addresses_and_new_pods_are_covered():
    deny = admin("deny-pods", 1, egress=[arule("deny", networks_peer("10.0.0.0/8"))])
    c = acluster(*NS, DB, FRONT, deny)
    # Every pod whose address is in 10/8 is denied; new pods may have other addresses: refuted.
    assert one(c, prop(pods("web"), workload_ep("db", "shop"), "unreachable", "existing")).status == "proven"
    r = one(c, prop(pods("web"), pods("shop"), "unreachable"))
    assert r.status == "violated" and not r.counterexample.dst.ip.startswith("10.")


def test_nodes_peers_and_host_network_pods():
    host = replace(workload("agent", "web", {"app": "agent"}, ips=["192.168.1.1"], host_network=True),
                   node_name="n1")
    deny = admin("deny-nodes", 1, egress=[arule("deny", nodes_peer({"role": "worker"}))])
    c = acluster(*NS, DB, FRONT, host, node("n1", {"role": "worker"}, "192.168.1.1"), deny)
    assert one(c, prop(pods("shop"), workload_ep("agent", "web"), "unreachable", "existing")).status == "proven"
    assert one(c, prop(pods("shop"), addresses("192.168.1.1/32"), "unreachable")).status == "proven"
    # A new pod is pod-network: never the node's address, never matched by `nodes`.
    assert one(c, prop(pods("shop"), pods("web"), "reachable")).status == "violated"  # agent is in web
    assert one(c, prop(pods("shop"), pods("web", {"app": "front"}), "reachable")).status == "proven"


def test_networkpolicy_on_a_host_network_pod_is_unknown_where_the_readings_differ():
    host = replace(workload("agent", "web", {"app": "agent"}, ips=["192.168.1.1"], host_network=True),
                   node_name="n1")
    np = policy("db-only-web", "shop", {"app": "db"}, ingress=[ab_peer_rule()])
    c = acluster(*NS, DB, host, np)
    r = one(c, prop(workload_ep("agent", "web"), workload_ep("db", "shop"), "reachable", "existing"))
    assert r.status == "unknown" and "host-network" in r.reason


def ab_peer_rule():
    from builders import peer, rule
    return rule(peer(None, {"team": "web"}))


def test_diff_compares_what_is_allowed_under_every_resolution():
    """A same-priority tie in HEAD: the solver may pick either policy, the evaluator's `allowed` needs both;
    diff encodes the latter (smt/compose.surely_allowed), so its classes re-check instead of raising."""
    from netverify.analyses.diff import diff
    from netverify.eval.concrete import evaluate
    from test_diff import as_flow
    deny_all = admin("deny-all", 9, ingress=[arule("deny", pod_peer())])
    allow = admin("allow-web", 5, ab.pods(namespaces={"team": "shop"}),
                  ingress=[arule("allow", pod_peer(namespaces={"team": "web"}))])
    tie = admin("deny-db", 5, ab.pods({"app": "db"}), ingress=[arule("deny", pod_peer())])
    base = acluster(*NS, DB, FRONT, deny_all)
    head = acluster(*NS, DB, FRONT, deny_all, allow, tie)
    report = diff(base, head)
    assert report.added_classes  # web -> shop pods other than db are newly allowed
    for change in report.added_classes:
        assert evaluate(head, as_flow(change.witness, head)).allowed
        assert change.witness.dst.labels.get("app") != "db"  # db is ambiguous in HEAD: not surely opened
