"""Labels the control plane adds to pods, and replicas that differ (issue 9 items 2 and 3).

Each case was a false PROVEN before: workloads carried their template labels only, and the pods of one owner
all got the first pod's labels.
"""

from __future__ import annotations

import textwrap

import pytest

from netverify.analyses.explain import explain
from netverify.analyses.map import connectivity_map
from netverify.analyses.prove import prove
from netverify.errors import UsageError
from netverify.load.manifests import load_cluster_from_texts
from netverify.model.cluster import UNKNOWN_LABEL_VALUE
from netverify.model.ports import Protocol
from prove_helpers import pods, prop, props, workload_ep


def load(text: str):
    return load_cluster_from_texts([("m.yaml", textwrap.dedent(text))])


def status(cluster, p):
    [result] = prove(cluster, props(p)).results
    return result


WEB = """\
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: shop}
spec: {template: {metadata: {labels: {app: web}}}}
---
"""

DB_ONLY_FROM_MIGRATE = """\
apiVersion: batch/v1
kind: Job
metadata: {name: migrate, namespace: shop}
spec: {template: {metadata: {labels: {app: migrate}}}}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: db, namespace: shop}
spec: {template: {metadata: {labels: {app: db}}}}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: db-from-migrate, namespace: shop}
spec:
  podSelector: {matchLabels: {app: db}}
  ingress: [{from: [{podSelector: {matchLabels: {job-name: migrate}}}]}]
"""


def test_a_policy_selecting_job_name_selects_the_jobs_pods():
    cluster = load(DB_ONLY_FROM_MIGRATE)
    (job,) = cluster.workloads_named("shop/migrate")
    assert job.labels["job-name"] == job.labels["batch.kubernetes.io/job-name"] == "migrate"
    assert job.unknown_labels == {"controller-uid", "batch.kubernetes.io/controller-uid"}
    result = status(cluster, prop(workload_ep("Job/migrate", "shop"), workload_ep("db", "shop"), scope="existing"))
    assert result.status == "violated", result.reason
    assert result.counterexample.src.workload == "shop/migrate[Job]"


def test_a_cronjobs_pods_have_a_job_name_only_the_cluster_knows():
    cluster = load(DB_ONLY_FROM_MIGRATE.replace(
        "kind: Job\nmetadata: {name: migrate, namespace: shop}\nspec: {template:",
        "kind: CronJob\nmetadata: {name: migrate, namespace: shop}\nspec: {schedule: '@daily', jobTemplate: {spec: {template:",
    ).replace("{labels: {app: migrate}}}}", "{labels: {app: migrate}}}}}}"))
    (cron,) = cluster.workloads_named("shop/migrate")
    assert cron.kind == "CronJob" and cron.labels["job-name"] == UNKNOWN_LABEL_VALUE
    # Its Jobs are named migrate-<suffix>: never exactly `migrate`, but a proof may not assume anything.
    p = prop(workload_ep("CronJob/migrate", "shop"), workload_ep("db", "shop"), scope="existing")
    assert status(cluster, p).status == "unknown"
    assert "job-name" in status(cluster, p).reason


STATEFUL_DB = """\
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: db, namespace: shop}
spec:
  replicas: 2
  template: {metadata: {labels: {app: db}}}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: db-closed, namespace: shop}
spec: {podSelector: {matchLabels: {app: db}}, policyTypes: [Ingress]}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: db-0-open, namespace: shop}
spec:
  podSelector: {matchLabels: {statefulset.kubernetes.io/pod-name: db-0}}
  ingress: [{}]
"""


def test_a_statefulset_pod_is_selected_by_its_pod_name():
    cluster = load(WEB + STATEFUL_DB)
    db = cluster.workloads_named("shop/db")
    assert [(w.pods, w.labels["apps.kubernetes.io/pod-index"]) for w in db] == [(("db-0",), "0"), (("db-1",), "1")]
    result = status(cluster, prop(workload_ep("web", "shop"), workload_ep("StatefulSet/db", "shop"), scope="existing"))
    assert result.status == "violated", result.reason
    assert result.counterexample.dst.labels.get("statefulset.kubernetes.io/pod-name") == "db-0"
    only_db1 = prop(workload_ep("web", "shop"), pods("shop", {"statefulset.kubernetes.io/pod-name": "db-1"}),
                    scope="existing")
    assert status(cluster, only_db1).status == "proven"


POD_DUMP = """\
apiVersion: v1
kind: Pod
metadata:
  name: db-{i}
  namespace: shop
  labels: {{app: db, statefulset.kubernetes.io/pod-name: db-{i}, controller-revision-hash: db-7f9}}
  ownerReferences: [{{apiVersion: apps/v1, kind: StatefulSet, name: db, controller: true}}]
---
"""

ISOLATE_DB_0 = """\
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: isolate-db-0, namespace: shop}
spec: {podSelector: {matchLabels: {statefulset.kubernetes.io/pod-name: db-0}}, policyTypes: [Ingress]}
"""


def test_a_pod_dump_of_db_0_and_db_1_where_a_policy_isolates_db_0_only():
    cluster = load(WEB + POD_DUMP.format(i=0) + POD_DUMP.format(i=1) + ISOLATE_DB_0)
    db0, db1 = cluster.workloads_named("shop/db")
    assert (db0.pods, db1.pods) == (("db-0",), ("db-1",)) and db0.distinct and db1.distinct
    assert db1.labels["statefulset.kubernetes.io/pod-name"] == "db-1"  # not the first replica's labels
    assert not db0.unknown_labels  # a dumped pod's labels are known
    to_db = prop(workload_ep("web", "shop"), workload_ep("db", "shop"), scope="existing")
    result = status(cluster, to_db)
    assert result.status == "violated", result.reason  # db-1 stays reachable
    assert result.counterexample.dst.labels.get("statefulset.kubernetes.io/pod-name") == "db-1"
    db0_only = pods("shop", {"statefulset.kubernetes.io/pod-name": "db-0"})
    assert status(cluster, prop(workload_ep("web", "shop"), db0_only, scope="existing")).status == "proven"
    db1_only = pods("shop", {"statefulset.kubernetes.io/pod-name": "db-1"})
    assert status(cluster, prop(workload_ep("web", "shop"), db1_only, "reachable", "existing")).status == "proven"


HASH_ABC_CLOSED = """\
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: close-abc, namespace: shop}
spec: {podSelector: {matchLabels: {pod-template-hash: abc}}, policyTypes: [Ingress]}
---
apiVersion: v1
kind: Pod
metadata: {name: client, namespace: shop, labels: {app: client}}
"""


def test_a_verdict_on_an_existing_deployment_that_depends_on_its_hash_is_unknown_naming_the_label():
    cluster = load(WEB + HASH_ABC_CLOSED)
    p = prop(workload_ep("Pod/client", "shop"), workload_ep("web", "shop"), "reachable", "existing")
    result = status(cluster, p)
    assert result.status == "unknown"
    assert "pod-template-hash" in result.reason and "shop/web[Deployment]" in result.reason
    by_selector = prop(pods("shop", {"app": "client"}), pods("shop", {"app": "web"}), "reachable", "existing")
    assert status(cluster, by_selector).status == "unknown"


def test_a_pod_that_could_be_created_later_may_have_the_hash_a_policy_names():
    cluster = load(WEB + HASH_ABC_CLOSED)
    p = prop(pods("shop", {"app": "client"}), pods("shop", {"app": "web"}), "reachable", "any")
    result = status(cluster, p)
    assert result.status == "violated", result.reason
    assert result.counterexample.dst.labels.get("pod-template-hash") == "abc"
    assert result.counterexample.dst.workload is None  # not web's pod: its hash is what it is


def test_a_proof_that_holds_for_every_hash_stays_proven():
    closed = HASH_ABC_CLOSED + """\
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: web-closed, namespace: shop}
spec: {podSelector: {matchLabels: {app: web}}, policyTypes: [Ingress]}
"""
    cluster = load(WEB + closed)
    for scope in ("existing", "any"):
        p = prop(workload_ep("Pod/client", "shop"), workload_ep("web", "shop"), scope=scope)
        assert status(cluster, p).status == "proven"


def test_a_counterexample_that_holds_for_every_hash_is_reported():
    # Open whatever the hash is: one policy for abc, one for every other value.
    open_all = HASH_ABC_CLOSED.replace("policyTypes: [Ingress]}", "ingress: [{}]}") + """\
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: open-other, namespace: shop}
spec:
  podSelector: {matchExpressions: [{key: pod-template-hash, operator: NotIn, values: [abc]}]}
  ingress: [{}]
"""
    cluster = load(WEB + open_all)
    p = prop(workload_ep("Pod/client", "shop"), workload_ep("web", "shop"), scope="existing")
    result = status(cluster, p)
    assert result.status == "violated", result.reason
    assert result.counterexample.dst.workload == "shop/web[Deployment]"


def test_indexed_job_pods_carry_their_completion_index():
    cluster = load("""\
        apiVersion: batch/v1
        kind: Job
        metadata: {name: shard, namespace: shop}
        spec:
          completionMode: Indexed
          completions: 3
          template: {metadata: {labels: {app: shard}}}
        """)
    shards = cluster.workloads_named("shop/shard")
    assert [w.labels["batch.kubernetes.io/job-completion-index"] for w in shards] == ["0", "1", "2"]
    assert all(w.distinct for w in shards)


def test_daemonset_and_replicaset_labels():
    cluster = load("""\
        apiVersion: apps/v1
        kind: DaemonSet
        metadata: {name: agent, namespace: shop}
        spec: {template: {metadata: {labels: {app: agent}}}}
        ---
        apiVersion: apps/v1
        kind: ReplicaSet
        metadata: {name: lone, namespace: shop}
        spec: {template: {metadata: {labels: {app: lone}}}}
        """)
    agent, lone = cluster.workloads
    assert agent.unknown_labels == {"controller-revision-hash", "pod-template-generation"}
    assert dict(lone.labels) == {"app": "lone"}  # only a Deployment's ReplicaSets get a pod-template-hash


def test_map_and_explain_show_the_pods_when_they_differ_and_say_so():
    cluster = load(WEB + POD_DUMP.format(i=0) + POD_DUMP.format(i=1) + ISOLATE_DB_0)
    cmap = connectivity_map(cluster)
    into = {c.dst.label for c in cmap.connections if getattr(c.src, "name", None) == "web"}
    assert "shop/db/db-1[StatefulSet]" in into and "shop/db/db-0[StatefulSet]" not in into
    assert any("differ in labels" in n and "db/db-0" in n for n in cmap.notes)
    with pytest.raises(UsageError, match="differ in labels"):
        explain(cluster, "shop/web", "shop/db", Protocol.TCP, 80)
    one = explain(cluster, "shop/web", "shop/db-1", Protocol.TCP, 80)
    assert one.allowed and one.dst == "shop/db[StatefulSet] (pod db-1)"
    assert not explain(cluster, "shop/web", "shop/db-0", Protocol.TCP, 80).allowed

    alike = load(WEB + POD_DUMP.format(i=0) + POD_DUMP.format(i=1))
    both = explain(alike, "shop/web", "shop/db", Protocol.TCP, 80)
    assert both.allowed and any("every one of them" in n for n in both.notes)


def test_map_says_when_a_row_assumes_a_value_only_the_cluster_knows():
    cmap = connectivity_map(load(WEB + HASH_ABC_CLOSED))
    assert any("pod-template-hash" in n and "shop/web[Deployment]" in n for n in cmap.notes)


def test_a_new_pod_counterexample_names_a_deployment_only_if_it_holds_whatever_its_hash():
    cluster = load(WEB + HASH_ABC_CLOSED)
    p = prop(pods("shop", {"app": "client"}), pods("shop", {"app": "web"}), "unreachable", "any")
    result = status(cluster, p)
    assert result.status == "violated", result.reason
    dst = result.counterexample.dst
    # web's pods are blocked if their hash is abc: the allowed pod shown is not said to be one of them.
    assert dst.workload != "shop/web[Deployment]" or dst.labels.get("pod-template-hash") not in (None, "abc")
