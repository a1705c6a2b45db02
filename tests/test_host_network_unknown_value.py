"""A host-network replica whose label value only the cluster knows stays that workload's replica in the
counterexample (smt/extract.py): shown as a pod of its own it was judged pod-network, and prove said "a rule of a
kind netverify cannot evaluate decides it" about a connection NetworkPolicy leaves undefined (found by the
widened differential test)."""

from __future__ import annotations

from dataclasses import replace

from builders import cluster, expr, namespace, peer, policy, rule, sel, workload
from prove_helpers import pods, prop, props

from netverify.analyses.prove import prove
from netverify.model.cluster import UNKNOWN_LABEL_VALUE


def test_undecided_host_network_connection_names_the_host_network_reason():
    hashed = {"pod-template-hash": UNKNOWN_LABEL_VALUE}
    host = replace(workload("w1", "n0", hashed, ips=["10.200.0.1"], host_network=True),
                   unknown_labels=frozenset({"pod-template-hash"}))
    other = workload("w2", "n1", {"app": "a", "pod-template-hash": "h2"})
    # A selector naming the hash puts the key in the label universe; n0 isolates ingress.
    names_hash = policy("p0", "n1", {}, ingress=[rule(peer(sel({}, expr("pod-template-hash", "NotIn", "h2"))))])
    c = cluster(namespace("n0"), namespace("n1"), host, other, names_hash, policy("p1", "n0", {}, types=["ingress"]))
    [result] = prove(c, props(prop(pods("n1"), pods(), "unreachable", "existing"))).results
    assert result.status == "unknown"
    assert "effect on host-network pods (n0/w1[Deployment])" in result.reason
