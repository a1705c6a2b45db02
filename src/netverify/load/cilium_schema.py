"""Pydantic models of CiliumNetworkPolicy, CiliumClusterwideNetworkPolicy (cilium.io/v2) and CiliumCIDRGroup
(cilium.io/v2, v2alpha1): the fields netverify reads, with their JSON types.

From cilium/cilium pkg/k8s/apis/cilium.io/v2 (cnp_types.go, ccnp_types.go, cidrgroups_types.go) and
pkg/policy/api (rule.go, ingress.go, egress.go, l4.go, cidr.go, icmp.go). As in load/k8s_schema.py: strict
types, other keys ignored here (load/known_fields.py checked every key first against load/cilium_fields.py).
A port is a string in the CRD (`port: 80` unquoted is refused, as the API server does); an ICMP type is a
number or a name (IntOrString). Fields netverify keeps as "not modelled" are typed loosely (`Any`): only their
presence matters. Semantic checks (CIDRs, ports, entities, label syntax) are in load/cilium_rules.py.
"""

from __future__ import annotations

from typing import Any

from pydantic import Field

from netverify.load.k8s_schema import K8sModel, LabelSelectorSpec, ObjectMeta, ZeroedList


class CiliumPortSpec(K8sModel):
    port: str | None = None
    endPort: int | None = None
    protocol: str | None = None


class CiliumL7Spec(K8sModel):
    http: Any = None
    kafka: Any = None
    dns: Any = None
    l7proto: Any = None
    l7: Any = None


class CiliumPortRuleSpec(K8sModel):
    ports: ZeroedList[CiliumPortSpec] | None = None
    rules: CiliumL7Spec | None = None
    terminatingTLS: Any = None
    originatingTLS: Any = None
    serverNames: Any = None
    listener: Any = None


class IcmpFieldSpec(K8sModel):
    family: str | None = None
    type: int | str | None = None


class IcmpRuleSpec(K8sModel):
    fields: ZeroedList[IcmpFieldSpec] | None = None


class CidrRuleSpec(K8sModel):
    cidr: str | None = None
    cidrGroupRef: str | None = None
    cidrGroupSelector: LabelSelectorSpec | None = None
    except_: list[str] | None = Field(default=None, alias="except")


class CiliumRuleSpec(K8sModel):
    """Every field of IngressRule, IngressDenyRule, EgressRule and EgressDenyRule; which of them a kind of
    rule may have is known_fields' check (load/cilium_fields.py), as the API server's pruning makes it."""

    fromEndpoints: ZeroedList[LabelSelectorSpec] | None = None
    fromRequires: ZeroedList[LabelSelectorSpec] | None = None
    fromCIDR: list[str] | None = None
    fromCIDRSet: ZeroedList[CidrRuleSpec] | None = None
    fromEntities: list[str] | None = None
    fromGroups: Any = None
    fromNodes: Any = None
    toEndpoints: ZeroedList[LabelSelectorSpec] | None = None
    toRequires: ZeroedList[LabelSelectorSpec] | None = None
    toCIDR: list[str] | None = None
    toCIDRSet: ZeroedList[CidrRuleSpec] | None = None
    toEntities: list[str] | None = None
    toServices: Any = None
    toGroups: Any = None
    toNodes: Any = None
    toFQDNs: Any = None
    toPorts: ZeroedList[CiliumPortRuleSpec] | None = None
    icmps: ZeroedList[IcmpRuleSpec] | None = None
    authentication: Any = None


class DefaultDenySpec(K8sModel):
    ingress: bool | None = None
    egress: bool | None = None


class CiliumSpecModel(K8sModel):
    endpointSelector: LabelSelectorSpec | None = None
    nodeSelector: LabelSelectorSpec | None = None
    ingress: ZeroedList[CiliumRuleSpec] | None = None
    ingressDeny: ZeroedList[CiliumRuleSpec] | None = None
    egress: ZeroedList[CiliumRuleSpec] | None = None
    egressDeny: ZeroedList[CiliumRuleSpec] | None = None
    enableDefaultDeny: DefaultDenySpec | None = None
    description: str | None = None
    labels: Any = None
    log: Any = None


class CiliumPolicyModel(K8sModel):
    """A CNP or a CCNP (the same shape; a CCNP may have nodeSelector)."""

    metadata: ObjectMeta = ObjectMeta()
    spec: CiliumSpecModel | None = None
    specs: ZeroedList[CiliumSpecModel] | None = None


class CidrGroupSpec(K8sModel):
    externalCIDRs: list[str] | None = None


class CidrGroupModel(K8sModel):
    metadata: ObjectMeta = ObjectMeta()
    spec: CidrGroupSpec
