"""Pydantic models of AdminNetworkPolicy / BaselineAdminNetworkPolicy (v1alpha1), ClusterNetworkPolicy
(v1alpha2) and core v1 Node: the fields netverify reads, with their JSON types.

As in load/k8s_schema.py: strict types, other keys ignored here (load/known_fields.py checked every key first).
Required fields are required here when nothing may stand in for them; `pods.namespaceSelector/podSelector` are
optional here because `--lenient` reads a missing one as empty (load/anp_peers.py says which are required).
Enums, list limits, exactly-one-field and the CEL rules are checked in load/anp_rules.py, which names the field.
"""

from __future__ import annotations

from pydantic import Field

from netverify.load.k8s_schema import K8sModel, LabelSelectorSpec, ObjectMeta


class NamespacedPodSpec(K8sModel):
    namespaceSelector: LabelSelectorSpec | None = None
    podSelector: LabelSelectorSpec | None = None


class SubjectSpec(K8sModel):
    namespaces: LabelSelectorSpec | None = None
    pods: NamespacedPodSpec | None = None


class AdminPeerSpec(K8sModel):
    """Ingress and egress peers of every version: which fields a direction may have is known_fields' check."""

    namespaces: LabelSelectorSpec | None = None
    pods: NamespacedPodSpec | None = None
    nodes: LabelSelectorSpec | None = None
    networks: list[str] | None = None
    domainNames: list[str] | None = None


# v1alpha1 ports: exactly one of portNumber, namedPort, portRange.
class PortNumberSpec(K8sModel):
    protocol: str | None = None  # the CRD defaults it to TCP
    port: int


class PortRangeSpec(K8sModel):
    protocol: str | None = None
    start: int
    end: int


class AnpPortSpec(K8sModel):
    portNumber: PortNumberSpec | None = None
    namedPort: str | None = None
    portRange: PortRangeSpec | None = None


class AnpRuleSpec(K8sModel):
    """An ingress (`from`) or egress (`to`) rule of v1alpha1; the direction's key is checked by the reader."""

    name: str | None = None
    action: str
    from_: list[AdminPeerSpec] | None = Field(default=None, alias="from")
    to: list[AdminPeerSpec] | None = None
    ports: list[AnpPortSpec] | None = None


class AnpSpecModel(K8sModel):
    priority: int
    subject: SubjectSpec
    ingress: list[AnpRuleSpec] | None = None
    egress: list[AnpRuleSpec] | None = None


class BanpSpecModel(K8sModel):
    subject: SubjectSpec
    ingress: list[AnpRuleSpec] | None = None
    egress: list[AnpRuleSpec] | None = None


class AnpModel(K8sModel):
    metadata: ObjectMeta = ObjectMeta()
    spec: AnpSpecModel


class BanpModel(K8sModel):
    metadata: ObjectMeta = ObjectMeta()
    spec: BanpSpecModel


# v1alpha2 protocols: exactly one of tcp, udp, sctp, destinationNamedPort; a port is a number or a range.
class CnpPortRangeSpec(K8sModel):
    start: int
    end: int


class CnpPortSpec(K8sModel):
    number: int | None = None
    range: CnpPortRangeSpec | None = None


class CnpProtocolPortsSpec(K8sModel):
    destinationPort: CnpPortSpec | None = None


class CnpProtocolSpec(K8sModel):
    tcp: CnpProtocolPortsSpec | None = None
    udp: CnpProtocolPortsSpec | None = None
    sctp: CnpProtocolPortsSpec | None = None
    destinationNamedPort: str | None = None


class CnpRuleSpec(K8sModel):
    name: str | None = None
    action: str
    from_: list[AdminPeerSpec] | None = Field(default=None, alias="from")
    to: list[AdminPeerSpec] | None = None
    protocols: list[CnpProtocolSpec] | None = None


class CnpSpecModel(K8sModel):
    tier: str
    priority: int
    subject: SubjectSpec
    ingress: list[CnpRuleSpec] | None = None
    egress: list[CnpRuleSpec] | None = None


class CnpModel(K8sModel):
    metadata: ObjectMeta = ObjectMeta()
    spec: CnpSpecModel


class NodeAddressSpec(K8sModel):
    type: str
    address: str


class NodeStatusSpec(K8sModel):
    addresses: list[NodeAddressSpec] | None = None


class NodeModel(K8sModel):
    metadata: ObjectMeta = ObjectMeta()
    status: NodeStatusSpec | None = None
