"""The concrete evaluator's Calico layer (eval/calico.py, eval/calico_match.py, eval/calico_selector.py):
tiers by order, policies by (order, name), actions, tier defaults, Kubernetes NetworkPolicy in the default
tier, selectors over pods, namespaces, ServiceAccounts and network sets, nets matching pod addresses."""

from __future__ import annotations

from dataclasses import replace

from anp_builders import acluster, admin, arule, baseline, pod_peer
from builders import ALLOW_ALL, cluster, cport, ext, flow, ipblock, namespace, peer, policy, pod, rule, workload
from calico_builders import (
    cpolicy, cport as calport, crule, entity, netset, service_account, tier, with_calico,
)
from netverify.eval.calico import tiers_of
from netverify.eval.concrete import endpoint_of, evaluate
from netverify.model.calico import ServiceAccountMatch
from netverify.model.calico_selector import (
    All, And, Contains, EndsWith, Equals, Global, Has, In, Not, NotEquals, NotIn, Or, StartsWith,
)
from netverify.model.semantics import Semantics

CALICO = Semantics(cni="calico")
NS = [namespace("a", {"team": "x"}), namespace("b", {"team": "y"})]
WA = workload("wa", "a", {"app": "wa"}, [cport(8080, "http")], ips=["10.0.0.1"])
WB = workload("wb", "b", {"app": "wb"}, [cport(8080, "http")], ips=["10.0.1.1"])


def base(*objects):
    return cluster(*NS, WA, WB, *objects)


def judge(c, src=WA, dst=WB, number=8080, protocol="TCP"):
    s = endpoint_of(c, src) if hasattr(src, "kind") else src
    d = endpoint_of(c, dst) if hasattr(dst, "kind") else dst
    return evaluate(c, flow(s, d, number, protocol), semantics=CALICO)


def deny_all_ingress(name="deny", order=None, **kw):
    return cpolicy(name, "b", ingress=[crule("deny")], order=order, **kw)


def allow_all_ingress(name="allow", order=None, **kw):
    return cpolicy(name, "b", ingress=[crule("allow")], order=order, **kw)


def test_no_calico_policy_the_profile_allows():
    v = judge(base())
    assert v.allowed and [d.action for d in v.ingress.chain] == ["nomatch", "nomatch", "nomatch"]


def test_a_global_deny_in_an_earlier_tier_beats_a_networkpolicy_allow():
    gnp = cpolicy("deny-b", None, Has("app"), tier="security", order=10, ingress=[crule("deny")])
    np = policy("allow", "b", {}, ingress=[ALLOW_ALL])
    c = with_calico(base(np), tier("security", 100), gnp)
    v = judge(c)
    assert not v.may_be(True)
    [first] = v.ingress.chain
    assert first.layer == "calico:security" and first.action == "deny"
    assert first.by[0].policy == "GlobalNetworkPolicy/deny-b" and first.by[0].action == "deny"
    # Without the tier's policy, the NetworkPolicy (default tier, order 1000) admits it.
    v2 = judge(base(np))
    assert v2.allowed and v2.ingress.chain[-1].by[0].policy == "b/allow"


def test_pass_leaves_the_tier_and_log_goes_on():
    passing = cpolicy("pass", "b", tier="security", order=1, ingress=[crule("log"), crule("pass")])
    denied_later_in_tier = cpolicy("deny", "b", tier="security", order=2, ingress=[crule("deny")])
    c = with_calico(base(), tier("security", 100), passing, denied_later_in_tier)
    v = judge(c)
    assert v.allowed  # the default tier selects nothing: the profile allows
    assert [d.action for d in v.ingress.chain][:2] == ["pass", "nomatch"]  # security (100) before kube-admin


def test_tier_default_applies_only_when_a_policy_of_the_tier_selected_the_pod():
    no_match = cpolicy("only-8443", "b", tier="security", ingress=[crule(
        "allow", protocol=6, destination=entity(ports=[calport(8443)]))])
    c = with_calico(base(), tier("security", 100), no_match)
    v = judge(c)
    assert not v.may_be(True) and v.ingress.chain[-1].action == "deny"
    assert v.ingress.chain[-1].by[0].policy == "NetworkPolicy/b/only-8443"
    # A tier with default Pass hands it on; a policy selecting other pods leaves the tier silent.
    assert judge(with_calico(base(), tier("security", 100, "pass"), no_match)).allowed
    other = replace(no_match, selector=replace(no_match.selector, expr=Equals("app", "nope")))
    assert judge(with_calico(base(), tier("security", 100), other)).allowed


def test_types_without_rules_still_select_and_the_direction_not_in_types_does_not():
    iso = cpolicy("iso", "b", types=("ingress",))
    assert not judge(with_calico(base(), iso)).may_be(True)
    egress_only = cpolicy("eg", "a", types=("egress",))
    v = judge(with_calico(base(), egress_only))
    assert not v.may_be(True) and v.ingress.chain[-1].action == "nomatch"


def test_policies_run_by_order_then_by_name_and_omitted_order_last():
    deny = deny_all_ingress("a-deny", order=None)
    allow = allow_all_ingress("z-allow", order=5)
    assert judge(with_calico(base(), deny, allow)).allowed
    tie_deny, tie_allow = deny_all_ingress("a-deny", order=5), allow_all_ingress("b-allow", order=5)
    assert not judge(with_calico(base(), tie_allow, tie_deny)).may_be(True)  # "a-deny" sorts first


def test_tiers_run_by_order_then_name_and_builtins_have_their_orders():
    c = with_calico(base(), tier("b-tier", 10), tier("a-tier", 10), tier("late", None), tier("early", 1))
    names = [t.name for t, _ in tiers_of(c)]
    assert names == ["early", "a-tier", "b-tier", "kube-admin", "default", "kube-baseline", "late"]
    early = cpolicy("x", "b", tier="early", ingress=[crule("allow")])
    assert judge(with_calico(base(), tier("early", 1), early, deny_all_ingress())).allowed
    # A tier no Tier object defines sorts after every defined one (Felix's TierLess).
    assert not judge(with_calico(base(), early, deny_all_ingress())).may_be(True)


def test_networkpolicy_is_allow_only_at_order_1000_in_the_default_tier():
    np = policy("allow", "b", {}, ingress=[ALLOW_ALL])
    before = deny_all_ingress("zzz", order=999)
    after = deny_all_ingress("aaa", order=1001)
    assert not judge(with_calico(base(np), before)).may_be(True)
    assert judge(with_calico(base(np), after)).allowed
    # A NetworkPolicy that admits nothing leaves the default tier's Deny.
    iso = policy("iso", "b", {}, ingress=[])
    assert not judge(base(iso)).may_be(True)


def test_networkpolicy_ipblock_matches_pod_addresses_under_calico():
    np = policy("from-a-ips", "b", {}, ingress=[rule(ipblock("10.0.0.0/24"))])
    assert judge(base(np)).allowed
    generic = evaluate(base(np), flow(endpoint_of(base(np), WA), endpoint_of(base(np), WB), 8080))
    assert not generic.may_be(True)


def test_admin_policies_run_in_kube_admin_before_user_tiers_after_1000():
    anp_deny = admin("deny", 10, ingress=[arule("deny", pod_peer())])
    user_first = cpolicy("allow", "b", tier="first", ingress=[crule("allow")])
    c = with_calico(acluster(*NS, WA, WB, anp_deny), tier("first", 999), user_first)
    assert judge(c).allowed
    c2 = with_calico(acluster(*NS, WA, WB, anp_deny), tier("second", 1001), replace(user_first, tier="second"))
    assert not judge(c2).may_be(True)
    banp = baseline(ingress=[arule("deny", pod_peer())])
    assert not judge(acluster(*NS, WA, WB, banp)).may_be(True)


def test_selector_language_over_pod_labels():
    cases = [
        (Has("app"), True), (Not(Has("app")), False), (Equals("app", "wb"), True), (NotEquals("app", "wb"), False),
        (NotEquals("zone", "x"), True), (In("app", frozenset({"wa", "wb"})), True), (NotIn("app", frozenset({"wb"})), False),
        (NotIn("zone", frozenset({"x"})), True), (Contains("app", "b"), True), (StartsWith("app", "w"), True),
        (EndsWith("app", "a"), False), (Contains("zone", ""), False), (Global(), False), (All(), True),
        (And((Has("app"), Equals("app", "wa"))), False), (Or((Equals("app", "wa"), Equals("app", "wb"))), True),
    ]
    for expr, selected in cases:
        c = with_calico(base(), cpolicy("p", "b", expr, ingress=[crule("deny")]))
        assert judge(c).may_be(False) is selected, expr


def test_rule_selector_in_a_namespaced_policy_is_limited_to_its_namespace():
    same_ns = cpolicy("p", "b", ingress=[crule("allow", source=entity(Has("app"))), crule("deny")])
    assert not judge(with_calico(base(), same_ns)).may_be(True)  # wa is in namespace a
    any_ns = cpolicy("p", "b", ingress=[crule("allow", source=entity(Has("app"), namespace_selector=All())),
                                        crule("deny")])
    assert judge(with_calico(base(), any_ns)).allowed
    by_team = cpolicy("p", "b", ingress=[crule("allow", source=entity(namespace_selector=Equals("team", "x"))),
                                         crule("deny")])
    assert judge(with_calico(base(), by_team)).allowed
    global_rule = cpolicy("p", None, ingress=[crule("allow", source=entity(Equals("app", "wa"))), crule("deny")])
    assert judge(with_calico(base(), global_rule)).allowed
    # Calico's own labels: projectcalico.org/namespace and pcns.* name the namespace.
    own = cpolicy("p", None, ingress=[crule("allow", source=entity(Equals("projectcalico.org/namespace", "a"))),
                                      crule("deny")])
    assert judge(with_calico(base(), own)).allowed
    pcns = cpolicy("p", None, ingress=[crule("allow", source=entity(Equals("pcns.team", "x"))), crule("deny")])
    assert judge(with_calico(base(), pcns)).allowed


def test_not_selector_and_nets_and_not_nets():
    not_sel = cpolicy("p", "b", ingress=[crule("deny", source=entity(not_selector=Equals("app", "wa")))])
    v = judge(with_calico(base(), not_sel))
    assert v.ingress.chain[-1].by[0].rule is None  # wa is excluded: no rule fired, the tier's default denies
    assert judge(with_calico(base(), not_sel), WB, WB).ingress.chain[-1].by[0].rule == 0
    nets_rule = cpolicy("p", "b", ingress=[crule("allow", source=entity(nets_=["10.0.0.0/24"]))])
    assert judge(with_calico(base(), nets_rule)).allowed  # nets match pod addresses
    not_nets = cpolicy("p", "b", ingress=[crule("allow", source=entity(not_nets=["10.0.0.0/24"]))])
    assert not judge(with_calico(base(), not_nets)).may_be(True)


def test_ports_not_ports_ranges_and_named_ports():
    def allow(dest):
        return cpolicy("p", "b", ingress=[crule("allow", protocol=6, destination=dest)])
    assert judge(with_calico(base(), allow(entity(ports=[calport(8000, 9000)])))).allowed
    assert not judge(with_calico(base(), allow(entity(not_ports=[calport(8000, 9000)])))).may_be(True)
    assert judge(with_calico(base(), allow(entity(ports=[calport("http")])))).allowed
    assert not judge(with_calico(base(), allow(entity(ports=[calport("http")]))), protocol="UDP").may_be(True)


def test_protocol_and_not_protocol():
    tcp_only = cpolicy("p", "b", ingress=[crule("allow", protocol=6)])
    assert judge(with_calico(base(), tcp_only)).allowed
    assert not judge(with_calico(base(), tcp_only), protocol="UDP").may_be(True)
    not_tcp = cpolicy("p", "b", ingress=[crule("allow", not_protocol=6)])
    assert judge(with_calico(base(), not_tcp), protocol="SCTP").allowed
    assert not judge(with_calico(base(), not_tcp)).may_be(True)


def test_network_sets_give_outside_addresses_labels():
    gns = netset("partners", {"role": "partner"}, "203.0.113.0/24")
    allow = cpolicy("p", "b", ingress=[crule("allow", source=entity(Equals("role", "partner"))), crule("deny")])
    c = with_calico(base(), gns, allow)
    assert not judge(c, ext("203.0.113.9"), WB).may_be(True)  # namespaced policy: global set not in namespace b
    global_allow = replace(allow, namespace=None, kind="GlobalNetworkPolicy")
    c2 = with_calico(base(), gns, global_allow)
    assert judge(c2, ext("203.0.113.9"), WB).allowed and not judge(c2, ext("198.51.100.1"), WB).may_be(True)
    # A namespaced NetworkSet in the policy's namespace matches a namespaced policy's selector.
    local = netset("local", {"role": "partner"}, "203.0.113.0/24", namespace="b")
    assert judge(with_calico(base(), local, allow), ext("203.0.113.9"), WB).allowed
    # A pod whose address is in a matching set matches too (Felix matches by address).
    inside = netset("pods", {"role": "partner"}, "10.0.0.0/24")
    assert judge(with_calico(base(), inside, global_allow)).allowed


def test_service_accounts_of_existing_pods_and_unknown_for_new_pods():
    wa = replace(WA, service_account="api")
    c = with_calico(cluster(*NS, wa, WB), service_account("a", "api", {"tier": "gold"}),
                    cpolicy("p", "b", ingress=[crule("allow", source=entity(
                        namespace_selector=All(), service_accounts=ServiceAccountMatch(("api",), None))),
                        crule("deny")]))
    assert judge(c, wa, WB).allowed
    by_label = with_calico(cluster(*NS, wa, WB), service_account("a", "api", {"tier": "gold"}),
                           cpolicy("p", None, ingress=[crule("allow", source=entity(Equals("pcsa.tier", "gold"))),
                                                      crule("deny")]))
    assert judge(by_label, wa, WB).allowed
    new_pod = pod("a", {"app": "wa"}, ns_labels={"team": "x"}, ip="10.0.0.7")
    v = judge(c, new_pod, WB)
    assert "unknown" in v.outcomes and "ServiceAccount" in v.unknown_reason
    # The account's object missing from the input: its labels are unknown.
    missing = with_calico(cluster(*NS, wa, WB),
                          cpolicy("p", None, ingress=[crule("allow", source=entity(Equals("pcsa.tier", "gold"))),
                                                     crule("deny")]))
    assert "unknown" in judge(missing, wa, WB).outcomes


def test_staged_policies_are_not_enforced_and_unmodelled_fields_are_unknown():
    from netverify.model.fields import Unmodelled
    from calico_builders import SPAN
    staged = deny_all_ingress(staged=True)
    assert judge(with_calico(base(), staged)).allowed
    http = cpolicy("p", "b", ingress=[crule("allow", unmodelled=[Unmodelled("ingress[0].http", SPAN)])])
    v = judge(with_calico(base(), http))
    assert v.outcomes == {"unknown"} and "http" in v.unknown_reason
    forward = deny_all_ingress(unmodelled=[Unmodelled("applyOnForward", SPAN)])
    assert judge(with_calico(base(), forward)).outcomes == {"unknown"}
