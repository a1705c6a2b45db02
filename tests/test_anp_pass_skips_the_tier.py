"""Pass skips the rest of its tier, not just its own priority (found by the conformance replays).

apis/v1alpha1/adminnetworkpolicy_types.go, AdminNetworkPolicyRuleActionPass: "Pass indicates that all further
rules and policies in the ANP tier are skipped"; v1alpha2 ClusterNetworkPolicyRuleActionPass: "skips rules with
lower precedence in the current tier and continues processing in the next tier". netpol-analyzer's
anp_test_4_with_priority_chang_pass_to_banp and upstream's AdminNetworkPolicyPriorityField pin the same: a
Pass at priority 40 hands the side to NetworkPolicy (then the baseline) past a Deny at priority 50. Both the
evaluator and the SMT encoding must agree.
"""

from __future__ import annotations

from anp_builders import acluster, admin, arule, baseline, pod_peer, pods
from builders import cport, flow, namespace, workload
from prove_helpers import pods as pod_ep, prop, props
from netverify.analyses.prove import prove
from netverify.eval.concrete import endpoint_of, evaluate

NS = [namespace("a", {"team": "x"}), namespace("b", {"team": "y"})]
WA = workload("wa", "a", {"app": "wa"}, ips=["10.0.0.1"])
WB = workload("wb", "b", {"app": "wb"}, [cport(8080, "http")], ips=["10.0.1.1"])


def _cluster(with_baseline_deny: bool = False):
    pas = admin("pass-40", 40, pods(namespaces={"team": "y"}), ingress=[arule("pass", pod_peer(namespaces={}))])
    deny = admin("deny-50", 50, pods(namespaces={"team": "y"}), ingress=[arule("deny", pod_peer(namespaces={}))])
    extra = [baseline(pods(namespaces={"team": "y"}), ingress=[arule("deny", pod_peer(namespaces={}))])] \
        if with_baseline_deny else []
    return acluster(*NS, WA, WB, pas, deny, *extra)


def test_the_evaluator_skips_later_priorities_of_the_tier_after_a_pass():
    c = _cluster()
    v = evaluate(c, flow(endpoint_of(c, WA), endpoint_of(c, WB), 8080))
    assert v.allowed
    assert [(d.layer, d.priority, d.action) for d in v.ingress.chain] == [
        ("admin", 40, "pass"), ("networkpolicy", None, "nomatch")]
    c = _cluster(with_baseline_deny=True)
    assert not evaluate(c, flow(endpoint_of(c, WA), endpoint_of(c, WB), 8080)).may_be(True)


def test_prove_skips_later_priorities_of_the_tier_after_a_pass():
    src, dst = pod_ep("a", {"app": "wa"}), pod_ep("b", {"app": "wb"})
    report = prove(_cluster(), props(prop(src, dst, "reachable", "existing", name="through"),
                                     prop(src, dst, "unreachable", "any", name="blocked")))
    assert [r.status for r in report.results] == ["proven", "violated"]
    report = prove(_cluster(with_baseline_deny=True), props(prop(src, dst, "unreachable", "any", name="b")))
    assert [r.status for r in report.results] == ["proven"]
