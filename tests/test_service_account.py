"""A workload's pods run as spec.serviceAccountName (Calico's serviceAccounts and Cilium's identity labels
select on it); without one, Kubernetes runs them as `default`."""

from netverify.load.manifests import load_cluster_from_texts

MANIFESTS = """\
apiVersion: apps/v1
kind: Deployment
metadata: {name: api, namespace: shop}
spec:
  selector: {matchLabels: {app: api}}
  template:
    metadata: {labels: {app: api}}
    spec:
      serviceAccountName: api-sa
      containers: [{name: c, image: x}]
---
apiVersion: v1
kind: Pod
metadata: {name: legacy, namespace: shop, labels: {app: legacy}}
spec:
  serviceAccount: old-sa
  containers: [{name: c, image: x}]
---
apiVersion: v1
kind: Pod
metadata: {name: plain, namespace: shop, labels: {app: plain}}
spec:
  containers: [{name: c, image: x}]
"""


def test_pods_run_as_their_service_account_or_default():
    cluster = load_cluster_from_texts([("sa.yaml", MANIFESTS)])
    accounts = {w.name: w.service_account for w in cluster.workloads}
    assert accounts == {"api": "api-sa", "legacy": "old-sa", "plain": "default"}
