"""The field tables behind strict reading: generated from the official client, complete for what we read, and
accepting what real dumps hold (status, managedFields, annotations, fields of older API versions)."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
from pydantic import BaseModel

from netverify.load import k8s_schema as schema
from netverify.load.k8s_fields import FIELDS, KINDS
from netverify.load.known_fields import LEGACY_FIELDS
from netverify.load.manifests import load_cluster_from_texts

ROOT = Path(__file__).resolve().parents[1]

# Each pydantic model netverify reads with -> the API types it stands for.
SCHEMA_TYPES: dict[type[BaseModel], tuple[str, ...]] = {
    schema.ObjectMeta: ("V1ObjectMeta",),
    schema.OwnerReference: ("V1OwnerReference",),
    schema.ContainerPortSpec: ("V1ContainerPort",),
    schema.ContainerSpec: ("V1Container",),
    schema.PodSpecModel: ("V1PodSpec",),
    schema.PodIPModel: ("V1PodIP",),
    schema.PodStatusModel: ("V1PodStatus",),
    schema.PodModel: ("V1Pod",),
    schema.PodTemplateModel: ("V1PodTemplateSpec",),
    schema.ControllerSpec: ("V1DeploymentSpec", "V1StatefulSetSpec", "V1DaemonSetSpec", "V1ReplicaSetSpec",
                            "V1ReplicationControllerSpec", "V1JobSpec"),
    schema.ControllerModel: ("V1Deployment", "V1StatefulSet", "V1DaemonSet", "V1ReplicaSet",
                             "V1ReplicationController", "V1Job"),
    schema.StatefulSetOrdinals: ("V1StatefulSetOrdinals",),
    schema.JobTemplateModel: ("V1JobTemplateSpec",),
    schema.CronJobSpec: ("V1CronJobSpec",),
    schema.CronJobModel: ("V1CronJob",),
    schema.NamespaceModel: ("V1Namespace",),
    schema.ServicePortSpec: ("V1ServicePort",),
    schema.ServiceSpec: ("V1ServiceSpec",),
    schema.ServiceModel: ("V1Service",),
    schema.SelectorRequirementSpec: ("V1LabelSelectorRequirement",),
    schema.LabelSelectorSpec: ("V1LabelSelector",),
    schema.IPBlockSpec: ("V1IPBlock",),
    schema.PeerSpec: ("V1NetworkPolicyPeer",),
    schema.PolicyPortSpec: ("V1NetworkPolicyPort",),
    schema.IngressRuleSpec: ("V1NetworkPolicyIngressRule",),
    schema.EgressRuleSpec: ("V1NetworkPolicyEgressRule",),
    schema.NetworkPolicySpecModel: ("V1NetworkPolicySpec",),
    schema.NetworkPolicyModel: ("V1NetworkPolicy",),
}


def _schema_models() -> list[type[BaseModel]]:
    return [v for v in vars(schema).values()
            if isinstance(v, type) and issubclass(v, schema.K8sModel) and v is not schema.K8sModel]


def test_every_schema_model_is_mapped_to_api_types():
    assert set(_schema_models()) == set(SCHEMA_TYPES)


@pytest.mark.parametrize("model", list(SCHEMA_TYPES), ids=lambda m: m.__name__)
def test_every_field_netverify_reads_is_a_field_of_the_api_type(model):
    # A field read under a name the API does not have would be refused by the strict check before it is read.
    # ControllerSpec also reads fields of one kind only (the pod labels it adds, load/pod_labels.py): each is a
    # field of that kind's type, and the strict check refuses it on the others.
    for type_name in SCHEMA_TYPES[model]:
        for name, info in model.model_fields.items():
            field = info.alias or name
            only = KIND_SPECIFIC.get((model, field))
            if only is not None and type_name not in only:
                assert field not in FIELDS[type_name], (model.__name__, type_name, field)
                continue
            assert field in FIELDS[type_name], (model.__name__, type_name, field)


KIND_SPECIFIC = {
    (schema.ControllerSpec, "ordinals"): ("V1StatefulSetSpec",),
    (schema.ControllerSpec, "replicas"): ("V1DeploymentSpec", "V1StatefulSetSpec", "V1ReplicaSetSpec",
                                          "V1ReplicationControllerSpec"),
    (schema.ControllerSpec, "completionMode"): ("V1JobSpec",),
    (schema.ControllerSpec, "completions"): ("V1JobSpec",),
    (schema.ControllerSpec, "manualSelector"): ("V1JobSpec",),
}


def test_every_kind_read_has_a_table_and_every_reference_resolves():
    from netverify.load.cluster_builder import _READ_KINDS

    assert set(KINDS) == set(_READ_KINDS)
    for fields in FIELDS.values():
        for holds in fields.values():
            assert holds == "" or holds.removeprefix("[]") in FIELDS


def test_the_tables_say_where_they_come_from():
    text = (ROOT / "src" / "netverify" / "load" / "k8s_fields.py").read_text()
    assert "GENERATED" in text and "tools/gen_k8s_fields.py" in text


def test_the_generator_reads_a_client_model_as_written():
    import importlib.util

    spec = importlib.util.spec_from_file_location("gen_k8s_fields", ROOT / "tools" / "gen_k8s_fields.py")
    assert spec and spec.loader
    gen = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(gen)
    source = textwrap.dedent('''\
        class V1NetworkPolicyIngressRule(BaseModel):
            openapi_types: ClassVar[Dict[str, str]] = {"_from": "List[V1NetworkPolicyPeer]", "ports": "List[V1NetworkPolicyPort]"}
            attribute_map: ClassVar[Dict[str, str]] = {"_from": "from", "ports": "ports"}
        class V1Old(object):
            openapi_types = {"a_b": "str"}
            attribute_map = {"a_b": "aB"}
        ''')
    tables = gen.class_tables(source)
    assert tables["V1NetworkPolicyIngressRule"][1] == {"_from": "from", "ports": "ports"}
    assert tables["V1Old"] == ({"a_b": "str"}, {"a_b": "aB"})
    assert gen.child("List[V1NetworkPolicyPeer]") == "[]V1NetworkPolicyPeer" and gen.child("Dict[str, str]") == ""


# A `kubectl get -o yaml` dump: every block a live object carries, in the parts netverify reads too.
DUMP = """\
apiVersion: v1
kind: List
items:
- apiVersion: v1
  kind: Namespace
  metadata:
    annotations: {kubectl.kubernetes.io/last-applied-configuration: "{}"}
    creationTimestamp: "2024-01-01T00:00:00Z"
    labels: {kubernetes.io/metadata.name: shop}
    name: shop
    resourceVersion: "1"
    uid: 0b3c8a52-0000-0000-0000-000000000000
  spec: {finalizers: [kubernetes]}
  status: {phase: Active}
- apiVersion: apps/v1
  kind: Deployment
  metadata:
    annotations: {deployment.kubernetes.io/revision: "1"}
    generation: 1
    managedFields:
    - {apiVersion: apps/v1, fieldsType: FieldsV1, fieldsV1: {f:spec: {}}, manager: kubectl, operation: Update}
    name: web
    namespace: shop
    labels: {app: web}
  spec:
    progressDeadlineSeconds: 600
    replicas: 2
    revisionHistoryLimit: 10
    selector: {matchLabels: {app: web}}
    strategy: {rollingUpdate: {maxSurge: 25%, maxUnavailable: 25%}, type: RollingUpdate}
    template:
      metadata: {creationTimestamp: null, labels: {app: web}}
      spec:
        containers:
        - image: nginx
          imagePullPolicy: Always
          name: web
          ports: [{containerPort: 80, name: http, protocol: TCP}]
          resources: {}
          terminationMessagePath: /dev/termination-log
          terminationMessagePolicy: File
        dnsPolicy: ClusterFirst
        restartPolicy: Always
        schedulerName: default-scheduler
        securityContext: {}
        terminationGracePeriodSeconds: 30
  status: {availableReplicas: 2, observedGeneration: 1, readyReplicas: 2, replicas: 2, updatedReplicas: 2}
- apiVersion: v1
  kind: Pod
  metadata:
    generateName: web-5d4f-
    labels: {app: web, pod-template-hash: 5d4f}
    name: web-5d4f-abcde
    namespace: shop
    ownerReferences:
    - {apiVersion: apps/v1, blockOwnerDeletion: true, controller: true, kind: ReplicaSet, name: web-5d4f, uid: x}
  spec:
    containers:
    - {image: nginx, name: web, ports: [{containerPort: 80, name: http, protocol: TCP}]}
    nodeName: node-1
    tolerations: [{effect: NoExecute, key: node.kubernetes.io/not-ready, operator: Exists}]
    volumes: [{name: kube-api-access, projected: {sources: []}}]
  status:
    conditions: [{type: Ready, status: "True"}]
    containerStatuses: [{name: web, ready: true, restartCount: 0, image: nginx, imageID: x, started: true}]
    hostIP: 192.168.0.2
    hostIPs: [{ip: 192.168.0.2}]
    phase: Running
    podIP: 10.244.0.5
    podIPs: [{ip: 10.244.0.5}]
    qosClass: BestEffort
    startTime: "2024-01-01T00:00:00Z"
- apiVersion: v1
  kind: Service
  metadata: {name: web, namespace: shop}
  spec:
    clusterIP: 10.96.0.10
    clusterIPs: [10.96.0.10]
    internalTrafficPolicy: Cluster
    ipFamilies: [IPv4]
    ipFamilyPolicy: SingleStack
    ports: [{name: http, port: 80, protocol: TCP, targetPort: http}]
    selector: {app: web}
    sessionAffinity: None
    type: ClusterIP
  status: {loadBalancer: {}}
- apiVersion: networking.k8s.io/v1
  kind: NetworkPolicy
  metadata: {name: web, namespace: shop, generation: 1}
  spec:
    podSelector: {matchLabels: {app: web}}
    policyTypes: [Ingress]
    ingress:
    - from: [{namespaceSelector: {}, podSelector: {matchExpressions: [{key: app, operator: In, values: [api]}]}}]
      ports: [{port: http, protocol: TCP}, {port: 8000, endPort: 8080}]
  status: {}
"""


def test_a_live_dump_with_status_managed_fields_and_annotations_loads():
    cluster = load_cluster_from_texts([("dump.yaml", DUMP)])
    assert {w.ref for w in cluster.workloads} >= {"shop/web[Deployment]"}
    assert len(cluster.policies) == 1 and len(cluster.services) == 1 and not cluster.warnings


def test_fields_of_older_api_versions_still_load():
    cluster = load_cluster_from_texts([("old.yaml", textwrap.dedent("""\
        apiVersion: extensions/v1beta1
        kind: Deployment
        metadata: {name: d, clusterName: ""}
        spec:
          rollbackTo: {revision: 1}
          template: {metadata: {labels: {app: d}}}
        ---
        apiVersion: extensions/v1beta1
        kind: DaemonSet
        metadata: {name: ds}
        spec:
          templateGeneration: 2
          template: {metadata: {labels: {app: ds}}}
        """))])
    assert {w.name for w in cluster.workloads} == {"d", "ds"} and not cluster.warnings
    assert set(LEGACY_FIELDS) <= set(FIELDS)


def test_a_field_read_nowhere_only_needs_its_key_known():
    # A Deployment's strategy is not read: its insides are not checked (a newer strategy type must not break us).
    cluster = load_cluster_from_texts([("d.yaml", "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d}\n"
                                       "spec:\n  strategy: {brandNew: {x: 1}}\n  template: {}\n")])
    assert [w.name for w in cluster.workloads] == ["d"]


def test_kinds_netverify_does_not_read_are_not_checked():
    cluster = load_cluster_from_texts([("c.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n"
                                       "data: {a: b}\nwhatever: 1\n")])
    assert cluster.skipped_kinds == {"ConfigMap": 1}

