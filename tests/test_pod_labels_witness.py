"""Labels only the cluster knows meet the merged witness, address and result-level machinery (issue 9 items
2, 3, 6, 9): what a witness prints is true of the pod, YAML carries no placeholder, and explain and map say
unknown (exit 3) when the answer could hinge on such a value.
"""

from __future__ import annotations

import dataclasses
import ipaddress
import textwrap

import yaml
from typer.testing import CliRunner

from builders import cluster, namespace, policy, workload
from netverify.analyses.explain import explain
from netverify.analyses.map import connectivity_map
from netverify.analyses.prove import prove
from netverify.analyses.witness_fit import same_pod
from netverify.cli import app
from netverify.eval.concrete import endpoint_of
from netverify.load.manifests import load_cluster_from_texts
from netverify.model.cluster import UNKNOWN_LABEL_VALUE
from netverify.model.k8s_names import is_label_value
from netverify.model.labels import LabelSelector, Requirement
from netverify.model.ports import Protocol
from prove_helpers import pods, prop, props, workload_ep

WEB = """\
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: shop}
spec: {template: {metadata: {labels: {app: web}}}}
---
apiVersion: v1
kind: Pod
metadata: {name: client, namespace: shop, labels: {app: client}}
---
"""
HASH_ABC_CLOSED = """\
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: close-abc, namespace: shop}
spec: {podSelector: {matchLabels: {pod-template-hash: abc}}, policyTypes: [Ingress]}
"""
OPEN_WHATEVER_THE_HASH = """\
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: open-abc, namespace: shop}
spec: {podSelector: {matchLabels: {pod-template-hash: abc}}, ingress: [{}]}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: open-other, namespace: shop}
spec:
  podSelector: {matchExpressions: [{key: pod-template-hash, operator: NotIn, values: [abc]}]}
  ingress: [{}]
"""


def load(text: str):
    return load_cluster_from_texts([("m.yaml", textwrap.dedent(text))])


def test_a_new_pod_shown_in_a_deployments_place_has_a_valid_hash_no_policy_names():
    # web's pods are blocked if their hash is abc: the allowed pod shown is a new pod, never a placeholder.
    c = load(WEB + HASH_ABC_CLOSED)
    p = prop(pods("shop", {"app": "client"}), pods("shop", {"app": "web"}), "unreachable", "any")
    [result] = prove(c, props(p)).results
    assert result.status == "violated", result.reason
    dst = result.counterexample.dst
    assert dst.workload is None
    value = dst.labels.get("pod-template-hash")
    assert value is None or (is_label_value(value) and value != "abc"), dst.labels
    assert UNKNOWN_LABEL_VALUE not in result.counterexample.pod_manifests


def test_the_pod_yaml_of_a_named_deployment_leaves_its_unknown_hash_out():
    c = load(WEB + OPEN_WHATEVER_THE_HASH)
    p = prop(workload_ep("Pod/client", "shop"), workload_ep("web", "shop"), scope="existing")
    [result] = prove(c, props(p)).results
    assert result.status == "violated", result.reason
    shown = result.counterexample
    assert shown.dst.workload == "shop/web[Deployment]"
    assert shown.dst.labels["pod-template-hash"] == UNKNOWN_LABEL_VALUE  # the value is the cluster's
    assert UNKNOWN_LABEL_VALUE not in shown.pod_manifests
    docs = [d for d in yaml.safe_load_all(shown.pod_manifests) if d]
    labels = [d["metadata"].get("labels", {}) for d in docs if d["kind"] == "Pod"]
    assert {"app": "web"} in labels
    assert "pod-template-hash" in shown.pod_manifests  # named in a comment: the control plane sets it
    load_cluster_from_texts([("pod_manifests.yaml", shown.pod_manifests)])  # the API server would take it


def test_explain_is_unknown_exit_3_when_the_verdict_depends_on_a_hash():
    c = load(WEB + HASH_ABC_CLOSED)
    e = explain(c, "shop/client", "shop/web", Protocol.TCP, 80)
    assert e.unknown_reason is not None and "pod-template-hash" in e.unknown_reason
    assert "shop/web[Deployment]" in e.unknown_reason
    settled = explain(load(WEB + OPEN_WHATEVER_THE_HASH), "shop/client", "shop/web", Protocol.TCP, 80)
    assert settled.allowed and settled.unknown_reason is None  # allowed whatever the hash: known


def test_map_is_unknown_exit_3_when_a_policy_names_values_of_an_unknown_label(tmp_path):
    c = load(WEB + HASH_ABC_CLOSED)
    cmap = connectivity_map(c)
    assert cmap.unknown_reason is not None and "pod-template-hash" in cmap.unknown_reason
    assert connectivity_map(load(WEB)).unknown_reason is None
    (tmp_path / "m.yaml").write_text(WEB + HASH_ABC_CLOSED)
    for args in (["map", "-f", str(tmp_path)], ["explain", "shop/client", "shop/web", "-f", str(tmp_path), "--port", "80"]):
        out = CliRunner().invoke(app, args)
        assert out.exit_code == 3, (args, out.output)
        assert "pod-template-hash" in out.output


def test_two_pod_ends_at_one_address_are_one_pod():
    a, b = workload("a", "n0", {"app": "a"}), workload("b", "n0", {"app": "b"})
    c = cluster(namespace("n0"), a, b)
    ea, eb = endpoint_of(c, a), endpoint_of(c, b)
    ip = ipaddress.ip_address("10.0.0.7")
    assert same_pod(dataclasses.replace(ea, ip=ip), dataclasses.replace(eb, ip=ip))
    assert not same_pod(ea, eb)


def test_a_violation_whatever_the_hash_is_not_made_unknown_by_pod_addresses():
    # Found by the slow differential run: a source selector `pod-template-hash NotIn [h1]` fits w1's pods only
    # if their hash is not h1, but the two replicas of StatefulSet w0 (no hash label) fit whatever it is. Pod IPs
    # are unknown (--ipblock-matches-pods): a value for which w1's pod is no source is no address dependence.
    w0 = workload("w0", "n0", {}, [], kind="StatefulSet")
    replicas = [dataclasses.replace(w0, labels={"apps.kubernetes.io/pod-index": str(i)}, pods=(f"w0-{i}",),
                                    distinct=True) for i in range(2)]
    w1 = workload("w1", "n0", {}, [], kind="Deployment")
    w1 = dataclasses.replace(w1, labels={"pod-template-hash": UNKNOWN_LABEL_VALUE},
                             unknown_labels=frozenset({"pod-template-hash"}))
    c = cluster(namespace("n0"), *replicas, w1,
                policy("isolate-0", "n0", {"apps.kubernetes.io/pod-index": "0"}, types=["Ingress"]))
    not_h1 = LabelSelector((Requirement("pod-template-hash", "NotIn", frozenset({"h1"})),))
    p = prop(pods(selector=not_h1), workload_ep("StatefulSet/w0", "n0"), "unreachable", "existing")
    [result] = prove(c, props(p), ipblock_matches_pods=True).results
    assert result.status == "violated", result.reason
