"""A host-network workload whose controller label only the cluster knows (`pod-template-hash` of a Deployment
given without its ReplicaSet) as the far end of a scope-any property (found by the ANP slow differential).

An AdminNetworkPolicy `pods` peer never matches a host-network pod, so only such a pod can be reached past a
cluster-wide egress Deny. With no host-network pod known to carry `pod-template-hash: h1`, the answer depends
on a value only the cluster knows: unknown (exit 3, naming the label), never an internal error and never a new
pod-network pod passed off as the counterexample. With one known to carry it, that workload is the
counterexample, re-checked."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from netverify.cli import app

runner = CliRunner()

NODE_AND_SOURCE = """\
apiVersion: v1
kind: Namespace
metadata: {name: n0, labels: {kubernetes.io/metadata.name: n0}}
---
apiVersion: v1
kind: Node
metadata: {name: node-a}
status: {addresses: [{type: InternalIP, address: 10.200.0.1}]}
---
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: w1, namespace: n0}
spec:
  replicas: 2
  selector: {matchLabels: {app: w1}}
  template:
    metadata: {labels: {app: w1}}
    spec: {containers: [{name: c, image: x}]}
---
apiVersion: policy.networking.k8s.io/v1alpha1
kind: AdminNetworkPolicy
metadata: {name: a1}
spec:
  priority: 1
  subject: {namespaces: {}}
  egress:
  - action: Deny
    to: [{pods: {namespaceSelector: {}, podSelector: {}}}]
"""

HOST_DEPLOYMENT_HASH_UNKNOWN = """\
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: w0, namespace: n0}
spec:
  replicas: 1
  selector: {matchLabels: {app: w0}}
  template:
    metadata: {labels: {app: w0}}
    spec: {hostNetwork: true, nodeName: node-a, containers: [{name: c, image: x}]}
"""

HOST_POD_HASH_KNOWN = """\
---
apiVersion: v1
kind: Pod
metadata: {name: w3-abc, namespace: n0, labels: {app: w3, pod-template-hash: h1}}
spec: {hostNetwork: true, nodeName: node-a, containers: [{name: c, image: x}]}
status: {podIP: 10.200.0.1, hostIP: 10.200.0.1}
"""

PROPERTIES = """\
manifests: [m.yaml]
properties:
- name: w1-never-reaches-h1
  from: {namespace: n0, workload: StatefulSet/w1}
  to: {podSelector: {matchLabels: {pod-template-hash: h1}}}
  expect: unreachable
  scope: any
"""


def _prove(tmp_path, manifests: str):
    (tmp_path / "m.yaml").write_text(manifests)
    (tmp_path / "p.yaml").write_text(PROPERTIES)
    return runner.invoke(app, ["prove", str(tmp_path / "p.yaml"), "--format", "json"])


def test_an_unknown_hash_on_a_host_network_workload_is_unknown_not_an_internal_error(tmp_path):
    result = _prove(tmp_path, NODE_AND_SOURCE + HOST_DEPLOYMENT_HASH_UNKNOWN)
    assert "INTERNAL ERROR" not in result.output
    assert result.exit_code == 3, result.output
    [prop] = json.loads(result.stdout)["results"]
    assert prop["status"] == "unknown"
    assert "pod-template-hash" in json.dumps(prop)


def test_a_host_network_pod_known_to_match_is_the_counterexample(tmp_path):
    result = _prove(tmp_path, NODE_AND_SOURCE + HOST_DEPLOYMENT_HASH_UNKNOWN + HOST_POD_HASH_KNOWN)
    assert "INTERNAL ERROR" not in result.output
    assert result.exit_code == 1, result.output
    [prop] = json.loads(result.stdout)["results"]
    assert prop["status"] == "violated"
    dst = prop["counterexample"]["dst"]
    assert dst["labels"].get("pod-template-hash") == "h1"
    assert "w3" in json.dumps(dst)
