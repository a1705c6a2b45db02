"""Pydantic models of the Kubernetes fields netverify reads, and nothing more.

Strict on the types of the fields we read, as the API server decodes JSON: no coercion (`port: true` is not
port 1, `endPort: "90"` is not 90). Other fields are ignored here: load/known_fields.py has already checked
every key against the API types (status blocks, managedFields, annotations are real fields). Semantic checks
(CIDRs, port ranges, label and name syntax) happen in the normalisers, which can name the offending field.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal, TypeVar

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

ProtocolName = Literal["TCP", "UDP", "SCTP"]
OperatorName = Literal["In", "NotIn", "Exists", "DoesNotExist"]
PolicyTypeName = Literal["Ingress", "Egress"]


T = TypeVar("T")


def _null_items_as_empty(value: Any) -> Any:
    # `- ` with nothing after it is null; Kubernetes decodes it as the zero value, i.e. `{}`.
    if isinstance(value, list):
        return [{} if item is None else item for item in value]
    return value


ZeroedList = Annotated[list[T], BeforeValidator(_null_items_as_empty)]


class K8sModel(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True, populate_by_name=True, strict=True)


class OwnerReference(K8sModel):
    name: str
    kind: str | None = None
    controller: bool | None = None


class ObjectMeta(K8sModel):
    name: str | None = None
    namespace: str | None = None
    labels: dict[str, str] | None = None
    ownerReferences: list[OwnerReference] | None = None


class ContainerPortSpec(K8sModel):
    containerPort: int | None = None  # absent in dumps with a mistyped key: that port is ignored, with a warning
    name: str | None = None
    protocol: ProtocolName | None = None


class ContainerSpec(K8sModel):
    ports: list[ContainerPortSpec] | None = None


class PodSpecModel(K8sModel):
    containers: list[ContainerSpec] | None = None
    initContainers: list[ContainerSpec] | None = None
    hostNetwork: bool | None = None
    nodeName: str | None = None
    serviceAccountName: str | None = None
    serviceAccount: str | None = None  # deprecated alias of serviceAccountName


class PodIPModel(K8sModel):
    ip: str | None = None


class PodStatusModel(K8sModel):
    podIP: str | None = None
    podIPs: list[PodIPModel] | None = None


class PodModel(K8sModel):
    metadata: ObjectMeta = ObjectMeta()
    spec: PodSpecModel | None = None
    status: PodStatusModel | None = None


class PodTemplateModel(K8sModel):
    metadata: ObjectMeta | None = None
    spec: PodSpecModel | None = None


class StatefulSetOrdinals(K8sModel):
    start: int | None = None


class ControllerSpec(K8sModel):
    template: PodTemplateModel | None = None
    # Read to model the labels the control plane adds per replica (docs/semantics.md, "Labels Kubernetes adds").
    replicas: int | None = None  # StatefulSet
    ordinals: StatefulSetOrdinals | None = None  # StatefulSet
    completionMode: Literal["Indexed", "NonIndexed"] | None = None  # Job
    completions: int | None = None  # Job
    manualSelector: bool | None = None  # Job


class ControllerModel(K8sModel):
    """Deployment, StatefulSet, DaemonSet, ReplicaSet, ReplicationController, Job."""

    metadata: ObjectMeta = ObjectMeta()
    spec: ControllerSpec | None = None


class JobTemplateModel(K8sModel):
    spec: ControllerSpec | None = None


class CronJobSpec(K8sModel):
    jobTemplate: JobTemplateModel | None = None


class CronJobModel(K8sModel):
    metadata: ObjectMeta = ObjectMeta()
    spec: CronJobSpec | None = None


class NamespaceModel(K8sModel):
    metadata: ObjectMeta = ObjectMeta()


class ServicePortSpec(K8sModel):
    name: str | None = None
    port: int
    targetPort: int | str | None = None
    protocol: ProtocolName | None = None


class ServiceSpec(K8sModel):
    selector: dict[str, str] | None = None
    ports: list[ServicePortSpec] | None = None


class ServiceModel(K8sModel):
    metadata: ObjectMeta = ObjectMeta()
    spec: ServiceSpec | None = None


class SelectorRequirementSpec(K8sModel):
    key: str
    operator: OperatorName
    values: list[str] | None = None


class LabelSelectorSpec(K8sModel):
    matchLabels: dict[str, str] | None = None
    matchExpressions: list[SelectorRequirementSpec] | None = None


class IPBlockSpec(K8sModel):
    cidr: str
    except_: list[str] | None = Field(default=None, alias="except")


class PeerSpec(K8sModel):
    podSelector: LabelSelectorSpec | None = None
    namespaceSelector: LabelSelectorSpec | None = None
    ipBlock: IPBlockSpec | None = None


class PolicyPortSpec(K8sModel):
    protocol: ProtocolName | None = None
    port: int | str | None = None
    endPort: int | None = None


class IngressRuleSpec(K8sModel):
    from_: ZeroedList[PeerSpec] | None = Field(default=None, alias="from")
    ports: ZeroedList[PolicyPortSpec] | None = None


class EgressRuleSpec(K8sModel):
    to: ZeroedList[PeerSpec] | None = None
    ports: ZeroedList[PolicyPortSpec] | None = None


class NetworkPolicySpecModel(K8sModel):
    podSelector: LabelSelectorSpec | None = None
    policyTypes: list[PolicyTypeName] | None = None
    ingress: ZeroedList[IngressRuleSpec] | None = None
    egress: ZeroedList[EgressRuleSpec] | None = None


class NetworkPolicyModel(K8sModel):
    metadata: ObjectMeta = ObjectMeta()
    spec: NetworkPolicySpecModel | None = None
