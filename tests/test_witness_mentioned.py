"""The label values a witness may give a pod (analyses/witness_fit.mentioned_values): the policies' part is the
cluster's, computed once (Cluster.pod_selector_values), not walked again for every candidate pod: at
10,000 policies that walk was most of `prove`'s time after load. Same values either way."""

from __future__ import annotations

from types import SimpleNamespace

from builders import cluster, expr, namespace, peer, policy, rule, sel
from netverify.analyses.witness_fit import mentioned_values
from netverify.model.labels import LabelSelector


def _cluster():
    return cluster(
        namespace("shop"),
        policy("web", "shop", {"app": "web"}, ingress=[rule(peer({"app": "client"}), peer(sel({}, expr("tier", "In", "a", "b"))))]),
        policy("db", "shop", sel({}, expr("role", "NotIn", "x")), egress=[rule(peer(namespaces={"team": "t"}))]),
    )


def test_the_values_are_every_pod_selector_s_of_the_policies_and_their_peers():
    got = mentioned_values(SimpleNamespace(cluster=_cluster()))
    assert got == {"app": {"web", "client"}, "tier": {"a", "b"}, "role": {"x"}}


def test_the_policies_are_walked_once_per_cluster_not_once_per_question(monkeypatch):
    c = _cluster()
    target = SimpleNamespace(cluster=c)
    mentioned_values(target)
    calls = []
    original = LabelSelector.mentioned
    monkeypatch.setattr(LabelSelector, "mentioned", lambda self: calls.append(self) or original(self))
    again = mentioned_values(target)
    assert calls == [] and again == mentioned_values(SimpleNamespace(cluster=c))
    again["app"].add("changed")  # a caller's copy: the cluster's own values stay as they were
    assert "changed" not in mentioned_values(target)["app"]
