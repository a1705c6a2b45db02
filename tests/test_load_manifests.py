"""load_cluster on well-formed input: kinds, Lists, JSON, stdin, directories, owners, defaults, spans."""

from __future__ import annotations

import io
import ipaddress
import json
import textwrap
from pathlib import Path

from netverify.load.limits import LoadLimits
from netverify.load.manifests import load_cluster, load_cluster_from_texts
from netverify.model.cluster import NAMESPACE_NAME_LABEL, UNKNOWN_LABEL_VALUE
from netverify.model.labels import EVERYTHING, LabelSelector, Requirement
from netverify.model.ports import Protocol


def write(path: Path, text: str) -> str:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text))
    return str(path)


def load_text(text: str, name: str = "m.yaml", **kw):
    return load_cluster_from_texts([(name, textwrap.dedent(text))], **kw)


def template(kind: str, name: str, labels: str = "{app: x}", api: str = "apps/v1") -> str:
    return f"""\
apiVersion: {api}
kind: {kind}
metadata: {{name: {name}, namespace: shop}}
spec:
  template:
    metadata: {{labels: {labels}}}
    spec:
      containers: [{{name: c, ports: [{{containerPort: 80, name: http}}, {{containerPort: 53, protocol: UDP}}]}}]
      initContainers: [{{name: i, ports: [{{containerPort: 9000}}]}}]
---
"""


def test_every_controller_kind_is_a_workload_with_template_labels_and_ports():
    text = "".join(
        template(k, k.lower(), api=a)
        for k, a in [
            ("Deployment", "apps/v1"), ("StatefulSet", "apps/v1"), ("DaemonSet", "apps/v1"),
            ("ReplicaSet", "apps/v1"), ("ReplicationController", "v1"), ("Job", "batch/v1"),
        ]
    )
    text += """\
apiVersion: batch/v1
kind: CronJob
metadata: {name: nightly, namespace: shop}
spec:
  schedule: "@daily"
  jobTemplate:
    spec:
      template:
        metadata: {labels: {app: batch}}
        spec: {containers: [{name: c, ports: [{containerPort: 8080}]}]}
"""
    cluster = load_text(text)
    refs = [w.ref for w in cluster.workloads]
    assert refs == [
        "shop/deployment[Deployment]", "shop/statefulset[StatefulSet]", "shop/daemonset[DaemonSet]",
        "shop/replicaset[ReplicaSet]", "shop/replicationcontroller[ReplicationController]", "shop/job[Job]",
        "shop/nightly[CronJob]",
    ]
    deployment = cluster.workloads[0]
    # The template's labels, plus the hash the Deployment controller adds (value unknown).
    assert deployment.labels == {"app": "x", "pod-template-hash": UNKNOWN_LABEL_VALUE}
    assert deployment.unknown_labels == {"pod-template-hash"}
    assert [(p.name, p.port, p.protocol) for p in deployment.ports] == [
        ("http", 80, Protocol.TCP), (None, 53, Protocol.UDP), (None, 9000, Protocol.TCP),
    ]
    assert {k: v for k, v in cluster.workloads[-1].labels.items() if k not in cluster.workloads[-1].unknown_labels} == {
        "app": "batch"}
    assert cluster.workloads[-1].ports[0].port == 8080
    assert deployment.span.line == 1 and cluster.workloads[1].span.line == 11


def test_namespaces_declared_keep_labels_and_used_ones_get_only_the_automatic_label():
    cluster = load_text(
        """\
        apiVersion: v1
        kind: Namespace
        metadata: {name: shop, labels: {team: a}}
        ---
        apiVersion: v1
        kind: Pod
        metadata: {name: lone, namespace: other}
        ---
        apiVersion: v1
        kind: Pod
        metadata: {name: nons}
        """,
        default_namespace="dflt",
    )
    assert cluster.namespaces["shop"].labels == {"team": "a", NAMESPACE_NAME_LABEL: "shop"}
    assert cluster.namespaces["shop"].span is not None
    assert cluster.namespaces["other"].labels == {NAMESPACE_NAME_LABEL: "other"}
    assert cluster.namespaces["other"].span is None
    assert [w.ref for w in cluster.workloads] == ["other/lone[Pod]", "dflt/nons[Pod]"]
    assert "dflt" in cluster.namespaces


POD_LIST = """\
apiVersion: v1
kind: PodList
items:
- metadata:
    name: web-1
    namespace: shop
    labels: {app: web}
    ownerReferences:
    - {apiVersion: apps/v1, kind: ReplicaSet, name: web-abc, controller: false}
    - {apiVersion: apps/v1, kind: StatefulSet, name: web, controller: true}
  spec: {containers: [{name: c}]}
  status: {podIP: 10.0.0.1, podIPs: [{ip: 10.0.0.1}, {ip: "fd00::1"}]}
- metadata:
    name: web-2
    namespace: shop
    labels: {app: web, extra: y}
    ownerReferences: [{kind: StatefulSet, name: web, controller: true}]
  status: {podIP: 10.0.0.2}
- metadata:
    name: static
    namespace: kube-system
    ownerReferences: [{kind: Node, name: node-1, controller: true}]
  spec: {hostNetwork: true}
- metadata:
    name: first-owner
    ownerReferences: [{kind: ReplicaSet, name: rs-1}, {kind: Job, name: j}]
- metadata:
    name: kindless-owner
    ownerReferences: [{name: mystery, controller: true}]
"""


def test_pods_belong_to_their_controller_owner_and_replicas_merge():
    cluster = load_text(POD_LIST)
    refs = [w.ref for w in cluster.workloads]
    assert refs == [
        "shop/web[StatefulSet]", "shop/web[StatefulSet]", "kube-system/static[Pod]", "default/rs-1[ReplicaSet]",
        "default/mystery[Pod]",
    ]
    # Replicas whose labels differ are distinct pods, each with the labels it carries.
    web1, web2 = cluster.workloads[:2]
    assert (web1.pods, web1.labels, web1.distinct) == (("web-1",), {"app": "web"}, True)
    assert (web2.pods, web2.labels, web2.distinct) == (("web-2",), {"app": "web", "extra": "y"}, True)
    assert web1.ips == (ipaddress.ip_address("10.0.0.1"), ipaddress.ip_address("fd00::1"))
    assert web2.ips == (ipaddress.ip_address("10.0.0.2"),)
    assert not any("different labels" in w for w in cluster.warnings)
    assert cluster.workloads[2].host_network and cluster.has_host_network


def test_json_list_with_items_without_kind_and_nested_lists():
    doc = {
        "kind": "List",
        "apiVersion": "v1",
        "items": [
            {"kind": "NamespaceList", "items": [{"metadata": {"name": "a", "labels": {"x": "1"}}}]},
            {"kind": "ServiceList", "items": [{"metadata": {"name": "s", "namespace": "a"},
                                               "spec": {"selector": {"app": "db"},
                                                        "ports": [{"port": 80, "targetPort": "http"},
                                                                  {"port": 53, "protocol": "UDP"}]}}]},
            {"metadata": {"name": "no-kind"}},
            {"kind": "ConfigMap", "metadata": {"name": "cm"}},
        ],
    }
    text = json.dumps(doc, indent=2)
    cluster = load_text(text, name="dump.json")
    assert cluster.namespaces["a"].labels == {"x": "1", NAMESPACE_NAME_LABEL: "a"}
    svc = cluster.service("a", "s")
    assert svc is not None and svc.selector == {"app": "db"}
    assert [(p.port, p.target_port, p.protocol) for p in svc.ports] == [(80, "http", Protocol.TCP), (53, 53, Protocol.UDP)]
    lines = text.splitlines()
    assert lines[svc.span.line - 1].strip() == "{" and lines[svc.span.line + 1].strip() == '"name": "s",'
    assert cluster.skipped_kinds == {"ConfigMap": 1}
    assert any("without a kind" in w for w in cluster.warnings)


def test_kindless_documents_and_unknown_kinds_are_counted_not_errors(tmp_path):
    write(tmp_path / "out.json", '{"connections": []}')
    write(tmp_path / "a.yaml", "kind: ConfigMap\nmetadata: {name: x}\n---\nkind: ConfigMap\nmetadata: {name: y}\n---\n"
          "apiVersion: projectcalico.org/v3\nkind: NetworkPolicy\nmetadata: {name: c}\n---\n---\n# only a comment\n")
    cluster = load_cluster([str(tmp_path)])
    assert cluster.skipped_kinds == {"ConfigMap": 2}
    # A Calico NetworkPolicy is not a Kubernetes one: it is read as Calico's (issue 11), never as a k8s policy.
    assert [(p.kind, p.namespace, p.name) for p in cluster.calico.policies] == [("NetworkPolicy", "default", "c")]
    assert cluster.policies == () and cluster.unmodelled == ()
    assert any("1 document without a kind" in w and "out.json" in w for w in cluster.warnings)


def test_directories_are_read_recursively_in_sorted_order_and_stdin_too(tmp_path):
    write(tmp_path / "b" / "z.yml", "kind: Pod\nmetadata: {name: p3}\n")
    write(tmp_path / "a.yaml", "kind: Pod\nmetadata: {name: p1}\n")
    write(tmp_path / "b" / "c.json", '{"kind": "Pod", "metadata": {"name": "p2"}}')
    write(tmp_path / "b" / "notes.txt", "kind: Pod\nmetadata: {name: ignored}\n")
    write(tmp_path / ".git" / "x.yaml", "kind: Pod\nmetadata: {name: hidden}\n")
    stdin = io.StringIO("kind: Pod\nmetadata: {name: from-stdin}\n")
    cluster = load_cluster([str(tmp_path), "-"], stdin=stdin)
    assert [w.name for w in cluster.workloads] == ["p1", "p2", "p3", "from-stdin"]
    assert cluster.workloads[-1].span.file == "<stdin>"
    assert cluster.workloads[1].span.file.endswith("c.json")


def test_network_policy_defaults_and_normalisation():
    cluster = load_text(
        """\
        apiVersion: networking.k8s.io/v1
        kind: NetworkPolicy
        metadata: {name: p, namespace: shop}
        spec:
          podSelector:
            matchLabels: {app: db}
            matchExpressions: [{key: tier, operator: NotIn, values: [a, b]}, {key: x, operator: Exists}]
          ingress:
          - from:
            - podSelector: {matchLabels: {app: web}}
              namespaceSelector: {}
            - ipBlock: {cidr: 10.0.0.0/8, except: [10.1.0.0/16]}
            ports:
            - port: 80
            - {protocol: UDP, port: dns}
            - {protocol: SCTP, port: 1000, endPort: 2000}
          - {}
          egress: []
        ---
        apiVersion: networking.k8s.io/v1
        kind: NetworkPolicy
        metadata: {name: q, namespace: shop}
        spec:
          egress: [{to: [{namespaceSelector: {matchLabels: {team: a}}}]}]
        ---
        apiVersion: networking.k8s.io/v1
        kind: NetworkPolicy
        metadata: {name: r, namespace: shop}
        spec:
          podSelector: {}
          policyTypes: [Egress]
        """
    )
    p, q, r = cluster.policies
    assert p.pod_selector == LabelSelector((
        Requirement("app", "In", frozenset({"db"})),
        Requirement("tier", "NotIn", frozenset({"a", "b"})),
        Requirement("x", "Exists"),
    ))
    assert p.policy_types == frozenset({"ingress"})  # egress: [] does not isolate
    assert p.egress == ()
    rule0, rule1 = p.ingress
    assert (rule0.index, rule0.span.line, rule1.span.line) == (0, 9, 17)
    web, block = rule0.peers
    assert web.pod_selector == LabelSelector((Requirement("app", "In", frozenset({"web"})),))
    assert web.namespace_selector == EVERYTHING and web.span.line == 10
    assert str(block.ip_block) == "10.0.0.0/8 except 10.1.0.0/16" and block.span.line == 12
    assert [(m.protocol, m.port, m.end_port, m.span.line) for m in rule0.ports] == [
        (Protocol.TCP, 80, None, 14), (Protocol.UDP, "dns", None, 15), (Protocol.SCTP, 1000, 2000, 16),
    ]
    assert rule1.peers == () and rule1.ports == ()
    assert q.pod_selector == EVERYTHING and q.policy_types == frozenset({"ingress", "egress"})
    assert q.egress[0].peers[0].pod_selector is None
    assert r.policy_types == frozenset({"egress"}) and r.ingress == ()
    assert p.span.line == 1 and q.span.line == 20


def test_cidr_with_host_bits_is_masked_with_a_warning():
    cluster = load_text(
        """\
        kind: NetworkPolicy
        metadata: {name: p}
        spec:
          ingress: [{from: [{ipBlock: {cidr: 10.1.2.3/8}}]}]
        """
    )
    assert str(cluster.policies[0].ingress[0].peers[0].ip_block.cidr) == "10.0.0.0/8"
    assert any("m.yaml:4" in w and "host bits" in w for w in cluster.warnings)


def test_yaml_features_anchors_merge_keys_and_quoted_values():
    cluster = load_text(
        """\
        kind: Deployment
        metadata: {name: d, labels: &labels {app: web, tier: "1"}}
        spec:
          template:
            metadata:
              labels:
                <<: *labels
                tier: front
        """
    )
    assert cluster.workloads[0].labels == {"app": "web", "tier": "front", "pod-template-hash": UNKNOWN_LABEL_VALUE}


def test_a_container_port_without_containerport_is_ignored_with_a_warning_under_lenient():
    cluster = load_text(
        """\
        kind: Pod
        metadata: {name: p}
        spec:
          containers:
          - ports: [{containerport: 3535, name: typo}, {containerPort: 80}]
        """,
        limits=LoadLimits(lenient=True),
    )
    assert [p.port for p in cluster.workloads[0].ports] == [80]
    assert any("m.yaml:5" in w and "'containerport'" in w for w in cluster.warnings)  # the unknown field
    assert any("m.yaml:5" in w and "no containerPort" in w for w in cluster.warnings)  # the port left out


def test_controller_manifest_and_its_pods_are_one_workload():
    cluster = load_text(
        template("ReplicaSet", "web-abc")
        + """\
kind: Pod
metadata:
  name: web-abc-1
  namespace: shop
  labels: {app: x}
  ownerReferences: [{kind: ReplicaSet, name: web-abc, controller: true}]
status: {podIP: 10.0.0.9}
"""
    )
    assert [w.ref for w in cluster.workloads] == ["shop/web-abc[ReplicaSet]"]
    assert cluster.workloads[0].ips == (ipaddress.ip_address("10.0.0.9"),)
    assert len(cluster.workloads[0].ports) == 3


def test_kinds_of_other_api_groups_are_skipped_by_group():
    cluster = load_text(
        """\
        apiVersion: serving.knative.dev/v1
        kind: Service
        metadata: {name: knative}
        spec: {template: {spec: {containers: [{image: x}]}}}
        ---
        apiVersion: v1
        kind: Service
        metadata: {name: core}
        """
    )
    assert [s.name for s in cluster.services] == ["core"]
    assert cluster.services[0].selector is None and cluster.services[0].ports == ()
    assert cluster.skipped_kinds == {"Service (serving.knative.dev/v1)": 1}


def test_namespace_name_label_is_always_the_name():
    cluster = load_text("kind: Namespace\nmetadata: {name: a, labels: {kubernetes.io/metadata.name: b}}\n")
    assert cluster.namespaces["a"].labels == {NAMESPACE_NAME_LABEL: "a"}
    assert any("m.yaml:2" in w and "sets it to a" in w for w in cluster.warnings)


def test_policy_without_spec_isolates_ingress_of_every_pod():
    cluster = load_text("kind: NetworkPolicy\nmetadata: {name: p, namespace: x}\n")
    (policy,) = cluster.policies
    assert policy.pod_selector == EVERYTHING and policy.policy_types == frozenset({"ingress"})
    assert policy.ingress == () and policy.namespace == "x" and "x" in cluster.namespaces


def test_an_empty_list_item_is_the_zero_value_as_kubernetes_decodes_it():
    cluster = load_text(
        """\
        kind: NetworkPolicy
        metadata: {name: p}
        spec:
          ingress:
          -
          egress:
          - ports:
            -
        """
    )
    (policy,) = cluster.policies
    assert len(policy.ingress) == 1 and policy.ingress[0].peers == () and policy.ingress[0].ports == ()
    (port,) = policy.egress[0].ports
    assert (port.protocol, port.port, port.span.line) == (Protocol.TCP, None, 8)
    assert policy.policy_types == frozenset({"ingress", "egress"})


def test_statefulset_pods_with_per_replica_labels_are_distinct_pods_without_a_warning():
    pods = "".join(
        f"""\
---
kind: Pod
metadata:
  name: db-{i}
  labels: {{app: db, statefulset.kubernetes.io/pod-name: db-{i}, apps.kubernetes.io/pod-index: "{i}"}}
  ownerReferences: [{{kind: StatefulSet, name: db, controller: true}}]
"""
        for i in range(3)
    )
    cluster = load_text(pods)
    assert [w.ref for w in cluster.workloads] == ["default/db[StatefulSet]"] * 3
    assert [w.labels["statefulset.kubernetes.io/pod-name"] for w in cluster.workloads] == ["db-0", "db-1", "db-2"]
    assert [w.pods for w in cluster.workloads] == [("db-0",), ("db-1",), ("db-2",)]
    assert cluster.warnings == ()


def test_a_file_named_twice_is_read_once(tmp_path):
    path = write(tmp_path / "k8s" / "app.yaml", "kind: Pod\nmetadata: {name: p}\n")
    cluster = load_cluster([str(tmp_path / "k8s"), path, str(tmp_path / "k8s" / ".." / "k8s" / "app.yaml")])
    assert [w.name for w in cluster.workloads] == ["p"]


def test_a_service_with_an_empty_selector_selects_nothing_by_itself():
    cluster = load_text("kind: Service\nmetadata: {name: s}\nspec: {selector: {}, ports: [{port: 80}]}\n")
    assert cluster.services[0].selector is None
    assert cluster.services[0].ports[0].target_port == 80


OWNED = """\
kind: Pod
metadata:
  name: web-abc-1
  namespace: shop
  labels: {app: web, pod-template-hash: abc}
  ownerReferences: [{kind: ReplicaSet, name: web-abc, controller: true}]
status: {podIP: 10.0.0.1}
---
kind: Pod
metadata:
  name: web-old-1
  namespace: shop
  labels: {app: web, pod-template-hash: old}
  ownerReferences: [{kind: ReplicaSet, name: web-old, controller: true}]
status: {podIP: 10.0.0.2}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: shop}
spec: {template: {metadata: {labels: {app: web}}, spec: {containers: [{ports: [{containerPort: 80}]}]}}}
---
apiVersion: apps/v1
kind: ReplicaSet
metadata:
  name: web-abc
  namespace: shop
  ownerReferences: [{apiVersion: apps/v1, kind: Deployment, name: web, controller: true}]
spec: {template: {metadata: {labels: {app: web, pod-template-hash: abc}}}}
---
apiVersion: batch/v1
kind: CronJob
metadata: {name: nightly, namespace: shop}
spec: {jobTemplate: {spec: {template: {metadata: {labels: {app: batch}}}}}}
---
apiVersion: batch/v1
kind: Job
metadata:
  name: nightly-1
  namespace: shop
  ownerReferences: [{kind: CronJob, name: nightly, controller: true}]
spec: {template: {metadata: {labels: {app: batch, job-name: nightly-1}}}}
---
apiVersion: apps/v1
kind: ReplicaSet
metadata:
  name: orphan
  namespace: shop
  ownerReferences: [{kind: Deployment, name: not-in-the-manifests, controller: true}]
"""


def test_a_controller_owned_by_a_controller_in_the_manifests_is_part_of_it():
    cluster = load_text(OWNED)
    assert [w.ref for w in cluster.workloads] == [
        # web-old's ReplicaSet is not in the manifests, but its name is web plus its pod's hash: the Deployment's
        "shop/web[Deployment]", "shop/nightly[CronJob]", "shop/orphan[ReplicaSet]",
    ]
    (web,) = cluster.workloads_named("shop/web[Deployment]")
    # Its pods web-abc-1 and web-old-1 are pods the template stands for (any hash): they add their IPs.
    assert web.labels == {"app": "web", "pod-template-hash": UNKNOWN_LABEL_VALUE} and [p.port for p in web.ports] == [80]
    assert web.ips == (ipaddress.ip_address("10.0.0.1"), ipaddress.ip_address("10.0.0.2"))
    assert cluster.warnings == ()


def test_a_pod_read_before_its_controller_joins_the_template_when_alike_and_else_is_its_own():
    cluster = load_text(
        "kind: Pod\nmetadata:\n  name: rs-1\n  labels: {app: a, extra: x}\n"
        "  ownerReferences: [{kind: ReplicaSet, name: rs, controller: true}]\nstatus: {podIP: 10.0.0.5}\n---\n"
        "apiVersion: apps/v1\nkind: ReplicaSet\nmetadata: {name: rs}\n"
        "spec: {template: {metadata: {labels: {app: a}}}}\n"
    )
    rs, pod = cluster.workloads
    assert rs.labels == {"app": "a"} and rs.span.line == 8 and rs.ips == ()
    # rs-1 carries a label the template does not: a pod of its own, with the labels it carries.
    assert (pod.ref, pod.pods, pod.labels) == ("default/rs[ReplicaSet]", ("rs-1",), {"app": "a", "extra": "x"})
    assert pod.ips == (ipaddress.ip_address("10.0.0.5"),) and rs.distinct and pod.distinct
    alike = load_text(
        "kind: Pod\nmetadata:\n  name: rs-1\n  labels: {app: a}\n"
        "  ownerReferences: [{kind: ReplicaSet, name: rs, controller: true}]\nstatus: {podIP: 10.0.0.5}\n---\n"
        "apiVersion: apps/v1\nkind: ReplicaSet\nmetadata: {name: rs}\n"
        "spec: {template: {metadata: {labels: {app: a}}}}\n"
    )
    (rs,) = alike.workloads
    assert rs.labels == {"app": "a"} and rs.span.line == 8 and rs.ips == (ipaddress.ip_address("10.0.0.5"),)


def test_a_directory_without_manifests_is_a_warning(tmp_path):
    (tmp_path / "empty").mkdir()
    write(tmp_path / "empty" / "notes.txt", "nothing")
    cluster = load_cluster([str(tmp_path / "empty")])
    assert cluster.workloads == () and any("no *.yaml" in w and "empty" in w for w in cluster.warnings)
