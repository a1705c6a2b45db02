"""A counterexample on a host-network workload whose labels hold a value only the cluster knows (a hostNetwork
Deployment's pod-template-hash) names that workload where the chain does not read its labels (Cilium: identity
host/remote-node; Calico: no workload endpoint), never a new pod-network pod, which would get another verdict
(smt/extract.py host_labels_unread)."""

from __future__ import annotations

import dataclasses

from builders import cluster, ipblock, namespace, peer, policy, rule, workload
from calico_builders import cpolicy, crule as calico_rule, entity, with_calico
from cilium_builders import cnp, crule
from cilium_builders import with_cilium
from netverify.analyses.prove import prove
from netverify.model.calico_selector import Equals
from netverify.model.cluster import UNKNOWN_LABEL_VALUE
from netverify.model.semantics import Semantics
from prove_helpers import pods, prop, props

AGENT = dataclasses.replace(
    workload("agent", "kube-system", {"app": "agent", "pod-template-hash": UNKNOWN_LABEL_VALUE}, host_network=True,
             ips=["192.168.0.10"]), unknown_labels=frozenset({"pod-template-hash"}))
DB = workload("db", "data", {"app": "db"}, ips=["10.1.0.5"])
AGENT_TO_DB = prop(pods("kube-system", {"app": "agent"}), pods("data", {"app": "db"}))


def _first(c, semantics=None):
    return prove(c, props(AGENT_TO_DB), semantics=semantics).results[0]


def test_cilium_host_network_deployment_with_an_unknown_hash_is_the_counterexample_itself():
    # db admits the host (the agent's identity) and denies pods with pod-template-hash abc: the model may give
    # the agent's hash the value abc, which a new pod would carry into its identity and be denied for.
    c = with_cilium(cluster(namespace("kube-system"), namespace("data"), AGENT, DB),
                    cnp("db", "data", {"app": "db"}, ingress=[crule(entities=["host", "remote-node"])],
                        ingress_deny=[crule(endpoints=[{"pod-template-hash": "abc"}])]))
    r = _first(c, Semantics(cni="cilium"))
    assert r.status == "violated", r.reason
    src = r.counterexample.src
    assert src.workload == "kube-system/agent[Deployment]"
    assert src.labels["pod-template-hash"] == UNKNOWN_LABEL_VALUE  # nothing claimed about the hash


def test_calico_host_network_deployment_with_an_unknown_hash_is_the_counterexample_itself():
    # A host-network pod has no workload endpoint: no selector sees its labels, the Deny by hash never fires.
    deny = cpolicy("deny-abc", None, Equals("app", "db"), ingress=[
        calico_rule("deny", source=entity(Equals("pod-template-hash", "abc"))), calico_rule("allow")])
    c = with_calico(cluster(namespace("kube-system"), namespace("data"), AGENT, DB), deny)
    r = _first(c, Semantics(cni="calico"))
    assert r.status == "violated", r.reason
    assert r.counterexample.src.workload == "kube-system/agent[Deployment]"


def test_under_networkpolicy_a_decided_host_pod_verdict_is_a_genuine_new_pod():
    # NetworkPolicy applies to a host-network pod like to any pod: with the hash abc a new pod-network pod is
    # admitted by the podSelector, and that pod could exist.
    np = policy("db", "data", {"app": "db"}, ingress=[rule(peer({"pod-template-hash": "abc"}, {})),
                                                      rule(ipblock("192.168.0.0/16"))])
    r = _first(cluster(namespace("kube-system"), namespace("data"), AGENT, DB, np))
    assert r.status == "violated", r.reason
    assert r.counterexample.src.workload is None and r.counterexample.src.labels["pod-template-hash"] == "abc"
