"""Same-priority overlaps decided over every pod (analyses/ambiguity.py)."""

from __future__ import annotations

from anp_builders import acluster, admin, arule, networks_peer, pod_peer, pods
from builders import namespace, workload
from netverify.analyses.ambiguity import overlaps
from netverify.eval.concrete import evaluate
from netverify.model.flow import Flow

NS = [namespace("a", {"team": "x"}), namespace("b", {"team": "y"})]


def test_two_same_priority_policies_that_can_both_match_differently_are_reported_with_a_witness():
    allow = admin("allow-x", 7, pods(namespaces={"team": "x"}), ingress=[arule("allow", pod_peer())])
    deny = admin("deny-db", 7, pods({"app": "db"}), ingress=[arule("deny", pod_peer())])
    c = acluster(*NS, workload("w", "a"), allow, deny)
    [found] = overlaps(c)
    assert {found.first.policy, found.second.policy} == {"AdminNetworkPolicy/allow-x", "AdminNetworkPolicy/deny-db"}
    assert found.direction == "ingress" and found.priority == 7
    # The witness is a pod no workload is yet: app=db in a team=x namespace; the chain lists both outcomes.
    dst = found.witness.dst
    assert dst.labels.get("app") == "db" and dst.namespace_labels.get("team") == "x"
    assert found.witness.ingress.decision == "ambiguous"


def test_disjoint_subjects_same_actions_or_other_priorities_are_not_reported():
    base = admin("allow-x", 7, pods(namespaces={"team": "x"}), ingress=[arule("allow", pod_peer())])
    disjoint = admin("deny-y", 7, pods(namespaces={"team": "y"}), ingress=[arule("deny", pod_peer())])
    same = admin("allow-x-too", 7, pods(namespaces={"team": "x"}), ingress=[arule("allow", pod_peer())])
    other = admin("deny-all", 8, ingress=[arule("deny", pod_peer())])
    assert overlaps(acluster(*NS, base, disjoint, same, other)) == ()


def test_an_overlap_found_only_through_addresses_is_found_for_egress():
    deny = admin("deny-net", 3, egress=[arule("deny", networks_peer("198.51.100.0/24"))])
    allow = admin("allow-pods", 3, egress=[arule("allow", pod_peer({"app": "x"}))])
    [found] = overlaps(acluster(*NS, deny, allow))
    assert found.direction == "egress"
    assert found.witness.dst.ip is not None and found.witness.dst.ip.startswith("198.51.100.")


def test_no_overlap_is_reported_under_cilium_which_enforces_no_admin_policy():
    """Under --cni cilium the admin kinds are skipped (eval/cilium.unenforced_kinds): a tie there resolves
    nothing, so neither prove's section nor lint reports one; the generic chain still does."""
    from netverify.model.semantics import Semantics

    allow = admin("allow-x", 7, pods(namespaces={"team": "x"}), ingress=[arule("allow", pod_peer())])
    deny = admin("deny-db", 7, pods({"app": "db"}), ingress=[arule("deny", pod_peer())])
    c = acluster(*NS, workload("w", "a"), allow, deny)
    assert overlaps(c, semantics=Semantics(cni="cilium")) == ()
    assert len(overlaps(c, semantics=Semantics())) == 1
