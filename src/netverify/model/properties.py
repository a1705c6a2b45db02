"""Properties (spec §5) after validation: what prove checks."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from netverify.model.ipblock import IPBlock
from netverify.model.labels import LabelSelector
from netverify.model.policy import PortMatch
from netverify.model.span import Span


@dataclass(frozen=True, slots=True)
class EndpointSpec:
    """Who a property talks about. Exactly one shape is used:

    - pods: namespace (a name) or namespace_selector, and/or pod_selector (absent = any);
    - ip_block: addresses outside the cluster;
    - service (with namespace): the pods that Service selects; its ports map to targetPorts;
    - workload (`NAME` or `KIND/NAME`, with namespace): the pods of that existing workload.
    """

    span: Span
    namespace: str | None = None
    namespace_selector: LabelSelector | None = None
    pod_selector: LabelSelector | None = None
    ip_block: IPBlock | None = None
    service: str | None = None
    workload: str | None = None

    @property
    def is_external(self) -> bool:
        return self.ip_block is not None


@dataclass(frozen=True, slots=True)
class Property:
    name: str
    src: EndpointSpec
    dst: EndpointSpec
    ports: tuple[PortMatch, ...]  # empty = every port and protocol
    expect: Literal["unreachable", "reachable", "possible"]
    scope: Literal["any", "existing"]
    span: Span
    description: str | None = None
    allow_vacuous: bool = False


@dataclass(frozen=True, slots=True)
class PropertiesFile:
    path: str
    manifests: tuple[str, ...]  # resolved relative to the properties file
    properties: tuple[Property, ...]
