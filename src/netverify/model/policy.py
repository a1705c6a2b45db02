"""Normalised NetworkPolicy v1: defaults applied, every rule and peer keeps its source span."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from netverify.model.ipblock import IPBlock
from netverify.model.labels import LabelSelector
from netverify.model.ports import Protocol
from netverify.model.span import Span

Direction = Literal["ingress", "egress"]


@dataclass(frozen=True, slots=True)
class PortMatch:
    """One entry of a rule's `ports`: protocol plus a number, a range, a name, or every port (port None)."""

    protocol: Protocol
    port: int | str | None
    end_port: int | None
    span: Span

    @property
    def is_named(self) -> bool:
        return isinstance(self.port, str)

    def __str__(self) -> str:
        if self.port is None:
            return f"{self.protocol}/*"
        if self.end_port is not None:
            return f"{self.protocol}/{self.port}-{self.end_port}"
        return f"{self.protocol}/{self.port}"


@dataclass(frozen=True, slots=True)
class Peer:
    """One `from`/`to` item. Exactly one of (selectors, ip_block) is used.

    pod_selector None with namespace_selector set = every pod of the matching namespaces;
    namespace_selector None with pod_selector set = pods of the policy's own namespace.
    """

    pod_selector: LabelSelector | None
    namespace_selector: LabelSelector | None
    ip_block: IPBlock | None
    span: Span


@dataclass(frozen=True, slots=True)
class Rule:
    """One ingress or egress rule. Empty `peers` matches every peer; empty `ports` every port and protocol."""

    direction: Direction
    index: int
    peers: tuple[Peer, ...]
    ports: tuple[PortMatch, ...]
    span: Span


@dataclass(frozen=True, slots=True)
class NetworkPolicy:
    namespace: str
    name: str
    pod_selector: LabelSelector
    policy_types: frozenset[str]  # effective, subset of {"ingress", "egress"}
    ingress: tuple[Rule, ...]
    egress: tuple[Rule, ...]
    span: Span
    # Which of spec.policyTypes / spec.ingress / spec.egress the manifest wrote (`egress: []` is written):
    # `lint` tells a written empty list from an absent one, which the defaulting above treats alike.
    declared: frozenset[str] = frozenset()

    @property
    def key(self) -> str:
        return f"{self.namespace}/{self.name}"

    def isolates(self, direction: Direction) -> bool:
        return direction in self.policy_types

    def rules(self, direction: Direction) -> tuple[Rule, ...]:
        return self.ingress if direction == "ingress" else self.egress
