"""Pydantic models of a properties file (spec §5). Strict: an unknown key is a typo that must not pass silently.

The selector, ipBlock and port models extend the Kubernetes ones (same fields, so the same normalisers apply)
and only forbid extra keys.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, StrictInt, StrictStr

from netverify.load.k8s_schema import IPBlockSpec, LabelSelectorSpec, PolicyPortSpec, SelectorRequirementSpec

_STRICT = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class StrictRequirement(SelectorRequirementSpec):
    """A label selector requirement: `key`, `operator` (In, NotIn, Exists, DoesNotExist) and `values`."""

    model_config = _STRICT


class StrictSelector(LabelSelectorSpec):
    """A Kubernetes label selector: `matchLabels` and/or `matchExpressions`, ANDed; `{}` matches everything."""

    model_config = _STRICT
    matchExpressions: list[StrictRequirement] | None = None


class StrictIPBlock(IPBlockSpec):
    """Addresses outside the cluster: `cidr` (IPv4 or IPv6, no host bits set) minus the CIDRs in `except`."""

    model_config = _STRICT


class StrictPort(PolicyPortSpec):
    """A connection as in a NetworkPolicy rule's port, and more: `protocol` (TCP default; UDP, SCTP, UDPLite,
    ICMP, ICMPv6 in any letter case, or an IP protocol number 0-255), for TCP, UDP, SCTP and UDPLite `port`
    (a number or a named container port), `endPort` (a range `port`..`endPort`) and the source ports
    `sourcePort`..`sourceEndPort`; for ICMP and ICMPv6 `icmpType` and `icmpCode`."""

    model_config = _STRICT
    protocol: StrictStr | StrictInt | None = Field(
        None, description="TCP (default), UDP, SCTP, UDPLite, ICMP, ICMPv6 (any letter case) or an IP protocol "
        "number 0-255; a protocol without ports (ICMP, 47) takes no port.")
    sourcePort: StrictInt | None = Field(None, description="The source port (TCP, UDP, SCTP, UDPLite); with "
                                         "`sourceEndPort` a range. Absent: any source port.")
    sourceEndPort: StrictInt | None = Field(None, description="The end of the source port range.")
    icmpType: StrictInt | None = Field(None, description="ICMP / ICMPv6 only: the message type (0-255), e.g. 8 "
                                       "echo request. Absent: any type.")
    icmpCode: StrictInt | None = Field(None, description="ICMP / ICMPv6 only, with `icmpType`: the code (0-255).")


_DNS_LABEL = "^[a-z0-9]([-a-z0-9]*[a-z0-9])?$"  # shown to editors only; the loader says what is wrong itself


class EndpointSchema(BaseModel):
    """One side of a property: `namespace` or `namespaceSelector`, and/or `podSelector` (an absent part
    means any); or `ipBlock` alone; or `service` / `workload`, each with `namespace`."""

    model_config = _STRICT
    namespace: str | None = Field(None, description="The namespace, by name.",
                                  json_schema_extra={"pattern": _DNS_LABEL, "maxLength": 63})
    namespaceSelector: StrictSelector | None = Field(
        None, description="The namespaces whose labels match (not with `namespace`); absent: any namespace.")
    podSelector: StrictSelector | None = Field(None, description="The pods whose labels match; absent: any pod.")
    ipBlock: StrictIPBlock | None = Field(None, description="Addresses outside the cluster (alone).")
    service: str | None = Field(None, description="The pods this Service (in `namespace`) selects; the "
                                "property's ports are Service ports, translated to target ports.")
    workload: str | None = Field(None, description="The pods of this workload in `namespace`: NAME or "
                                 "KIND/NAME, e.g. Deployment/frontend.")


class PropertySchema(BaseModel):
    """One property: who (`from`) must or must not reach whom (`to`) on which `ports`."""

    model_config = _STRICT
    name: str = Field(description="A unique, non-empty name; reports and SARIF fingerprints use it.")
    description: str | None = Field(None, description="Why the property exists, shown with its result.")
    from_: EndpointSchema = Field(alias="from", description="The source pods (or addresses).")
    to: EndpointSchema = Field(description="The destination pods (or addresses).")
    ports: list[StrictPort] | None = Field(None, description="The connections: destination ports, protocols, "
                                           "source ports, ICMP types; absent: every connection of every IP "
                                           "protocol (ICMP included).")
    expect: Literal["unreachable", "reachable", "possible"] = Field(
        description="unreachable: no connection is allowed; reachable: every one is; possible: at least one is.")
    scope: Literal["any", "existing"] = Field(
        "any", description="any: every pod that could ever exist; existing: the workloads in the manifests.")
    allow_vacuous: bool = Field(False, description="A property that matches no source or no destination is "
                                "vacuous, a failure unless this is true.")


class PropertiesSchema(BaseModel):
    """A netverify properties file (`netverify prove FILE`)."""

    model_config = _STRICT
    manifests: list[str] | str | None = Field(
        None, description="Manifest files or directories, relative to this file; `-f` adds more.")
    properties: list[PropertySchema] = Field(description="The properties to prove; at least one.")
