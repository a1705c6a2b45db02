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
    """One entry of a rule's `ports`: protocol plus a number, a range, a name, or every port (port None).

    A NetworkPolicy entry names TCP, UDP or SCTP and never sets the fields after `span`. A property's entry
    (model/properties.py) may name any protocol and narrow further: a source port range (port protocols
    only), an ICMP type and code (ICMP / ICMPv6 only; code only with a type). None there = any.
    """

    protocol: Protocol
    port: int | str | None
    end_port: int | None
    span: Span
    src_port: int | None = None
    src_end_port: int | None = None
    icmp_type: int | None = None
    icmp_code: int | None = None

    @property
    def is_named(self) -> bool:
        return isinstance(self.port, str)

    def __str__(self) -> str:
        if not self.protocol.has_ports:
            text = self.protocol.label
            if self.icmp_type is not None:
                text += f" type {self.icmp_type}" + (f" code {self.icmp_code}" if self.icmp_code is not None else "")
            return text
        if self.port is None:
            text = f"{self.protocol}/*"
        elif self.end_port is not None:
            text = f"{self.protocol}/{self.port}-{self.end_port}"
        else:
            text = f"{self.protocol}/{self.port}"
        if self.src_port is not None:
            end = self.src_end_port
            text += f" from port {self.src_port}" + (f"-{end}" if end is not None and end != self.src_port else "")
        return text


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

    @property
    def key(self) -> str:
        return f"{self.namespace}/{self.name}"

    def isolates(self, direction: Direction) -> bool:
        return direction in self.policy_types

    def rules(self, direction: Direction) -> tuple[Rule, ...]:
        return self.ingress if direction == "ingress" else self.egress
