"""Pydantic models of Calico's objects (projectcalico.org/v3 and crd.projectcalico.org/v1 share the spec) and of
core v1 ServiceAccount: the fields netverify reads, with their JSON types as Calico decodes them.

From projectcalico/calico api/pkg/apis/projectcalico/v3 (policy_common.go, networkpolicy.go,
globalnetworkpolicy.go, staged*.go, tier.go, networkset.go, globalnetworkset.go, profile.go, hostendpoint.go) and
api/pkg/lib/numorstring (a protocol is a number 0-255 or a string; a port a number or a string). As in
load/k8s_schema.py: strict, other keys ignored here (load/known_fields.py with load/calico_fields.py checked every
key first). What the API server checks beyond types (enums, ranges, CEL rules) is load/calico_rules.py's and
load/calico.py's, which name the field.
"""

from __future__ import annotations

from pydantic import Field

from netverify.load.k8s_schema import K8sModel, NetworkPolicySpecModel, ObjectMeta


class IcmpSpec(K8sModel):
    type: int | None = None
    code: int | None = None


class ServiceAccountMatchSpec(K8sModel):
    names: list[str] | None = None
    selector: str | None = None


class ServiceMatchSpec(K8sModel):
    name: str | None = None
    namespace: str | None = None


class EntityRuleSpec(K8sModel):
    nets: list[str] | None = None
    notNets: list[str] | None = None
    selector: str | None = None
    notSelector: str | None = None
    namespaceSelector: str | None = None
    ports: list[int | str] | None = None
    notPorts: list[int | str] | None = None
    serviceAccounts: ServiceAccountMatchSpec | None = None
    services: ServiceMatchSpec | None = None


class HttpPathSpec(K8sModel):
    exact: str | None = None
    prefix: str | None = None


class HttpMatchSpec(K8sModel):
    methods: list[str] | None = None
    paths: list[HttpPathSpec] | None = None


class RuleSpec(K8sModel):
    action: str
    ipVersion: int | None = None
    protocol: int | str | None = None
    notProtocol: int | str | None = None
    icmp: IcmpSpec | None = None
    notICMP: IcmpSpec | None = None
    source: EntityRuleSpec | None = None
    destination: EntityRuleSpec | None = None
    http: HttpMatchSpec | None = None


class PolicySpecModel(K8sModel):
    """The spec of NetworkPolicy, GlobalNetworkPolicy and their staged kinds (which fields a kind may have is
    known_fields' check: a NetworkPolicy has no namespaceSelector, doNotTrack, preDNAT, applyOnForward)."""

    tier: str | None = None
    order: float | None = None
    selector: str | None = None
    serviceAccountSelector: str | None = None
    namespaceSelector: str | None = None
    types: list[str] | None = None
    ingress: list[RuleSpec] | None = None
    egress: list[RuleSpec] | None = None
    doNotTrack: bool | None = None
    preDNAT: bool | None = None
    applyOnForward: bool | None = None
    performanceHints: list[str] | None = None
    stagedAction: str | None = None


class CalicoPolicyModel(K8sModel):
    metadata: ObjectMeta = ObjectMeta()
    spec: PolicySpecModel = PolicySpecModel()


class StagedKubernetesSpecModel(NetworkPolicySpecModel):
    stagedAction: str | None = None


class StagedKubernetesPolicyModel(K8sModel):
    metadata: ObjectMeta = ObjectMeta()
    spec: StagedKubernetesSpecModel | None = None


class TierSpecModel(K8sModel):
    order: float | None = None
    defaultAction: str | None = None


class TierModel(K8sModel):
    metadata: ObjectMeta = ObjectMeta()
    spec: TierSpecModel = TierSpecModel()


class NetworkSetSpecModel(K8sModel):
    nets: list[str] | None = None
    allowedEgressDomains: list[str] | None = None


class NetworkSetModel(K8sModel):
    metadata: ObjectMeta = ObjectMeta()
    spec: NetworkSetSpecModel = NetworkSetSpecModel()


class ProfileSpecModel(K8sModel):
    ingress: list[RuleSpec] | None = None
    egress: list[RuleSpec] | None = None
    labelsToApply: dict[str, str] | None = None


class ProfileModel(K8sModel):
    metadata: ObjectMeta = ObjectMeta()
    spec: ProfileSpecModel = ProfileSpecModel()


class EndpointPortSpec(K8sModel):
    name: str
    protocol: int | str
    port: int


class HostEndpointSpecModel(K8sModel):
    node: str | None = None
    interfaceName: str | None = None
    expectedIPs: list[str] | None = None
    profiles: list[str] | None = None
    ports: list[EndpointPortSpec] | None = None


class HostEndpointModel(K8sModel):
    metadata: ObjectMeta = ObjectMeta()
    spec: HostEndpointSpecModel = HostEndpointSpecModel()


class ServiceAccountModel(K8sModel):
    metadata: ObjectMeta = ObjectMeta()
    automount: bool | None = Field(default=None, alias="automountServiceAccountToken")
