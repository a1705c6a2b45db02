"""Cluster-scoped admin policies of policy.networking.k8s.io, normalised into one shape.

AdminNetworkPolicy and BaselineAdminNetworkPolicy (v1alpha1) and ClusterNetworkPolicy (v1alpha2, tiers Admin
and Baseline) say the same things with different field names: a subject (pods by namespace and pod labels), a
priority inside a tier, and ordered rules each with an action, peers and ports. The loader maps every version
onto these records; the evaluator and the SMT encoder read only these. Sources:
https://network-policy-api.sigs.k8s.io/reference/spec/ (apis/v1alpha1, apis/v1alpha2 of
kubernetes-sigs/network-policy-api).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

from netverify.model.ipblock import IPAddress, IPBlock
from netverify.model.labels import LabelSelector
from netverify.model.policy import Direction
from netverify.model.ports import Protocol
from netverify.model.span import Span

Tier = Literal["admin", "baseline"]
# v1alpha2's Accept is v1alpha1's Allow: both end evaluation of the direction with the traffic let through.
AdminAction = Literal["allow", "deny", "pass"]

ANP_KIND = "AdminNetworkPolicy"
BANP_KIND = "BaselineAdminNetworkPolicy"
CNP_KIND = "ClusterNetworkPolicy"
ADMIN_GROUP = "policy.networking.k8s.io"


@dataclass(frozen=True, slots=True)
class PodSet:
    """Pods of the namespaces `namespace_selector` matches that `pod_selector` matches.

    A subject or peer `namespaces: S` is PodSet(S, everything); `pods: {namespaceSelector, podSelector}` is
    itself. Host-network pods are never in a PodSet (the API says so for subjects and for both peer types)."""

    namespace_selector: LabelSelector
    pod_selector: LabelSelector
    span: Span


@dataclass(frozen=True, slots=True)
class AdminPeer:
    """One `from`/`to` item. Exactly one field is set (the API server refuses anything else).

    - pods: a PodSet (the `namespaces` and `pods` peer types);
    - nodes: the addresses (status.addresses) of the Nodes the selector matches (egress only), which are
      also the addresses of host-network pods on those nodes;
    - networks: CIDRs (no exceptions in this API) that match any address, pod addresses included;
    - domain_names: egress Allow/Accept only; not modelled (what a name resolves to is not in the input), so
      a rule with such a peer makes what it could decide unknown.
    """

    pods: PodSet | None
    nodes: LabelSelector | None
    networks: tuple[IPBlock, ...]
    domain_names: tuple[str, ...]
    span: Span


@dataclass(frozen=True, slots=True)
class AdminPort:
    """One port match. protocol None only for a named port: v1alpha1 `namedPort` and v1alpha2
    `destinationNamedPort` name a container port of the destination pod, whose own protocol must be the
    connection's. `port` is a number (with `end_port` for a range, both inclusive) or a name."""

    protocol: Protocol | None
    port: int | str
    end_port: int | None
    span: Span

    @property
    def is_named(self) -> bool:
        return isinstance(self.port, str)

    def __str__(self) -> str:
        if isinstance(self.port, str):
            return f"named port {self.port}"
        if self.end_port is not None:
            return f"{self.protocol}/{self.port}-{self.end_port}"
        return f"{self.protocol}/{self.port}"


@dataclass(frozen=True, slots=True)
class AdminRule:
    """One ingress or egress rule. `peers` is never empty. `ports` None: every port of every protocol."""

    direction: Direction
    index: int
    name: str  # "" when the rule has none
    action: AdminAction
    peers: tuple[AdminPeer, ...]
    ports: tuple[AdminPort, ...] | None
    span: Span


@dataclass(frozen=True, slots=True)
class AdminPolicy:
    """An ANP (tier admin), the BANP (tier baseline, priority 0: it is a singleton named `default`) or a CNP.

    Lower priority is consulted first inside a tier; rules in order, the first matching rule decides.
    A policy with no rules in a direction says nothing about that direction."""

    kind: str  # ANP_KIND, BANP_KIND or CNP_KIND
    api_version: str
    name: str
    tier: Tier
    priority: int
    subject: PodSet
    ingress: tuple[AdminRule, ...]
    egress: tuple[AdminRule, ...]
    span: Span

    @property
    def key(self) -> str:
        """Unique in a cluster: cluster-scoped objects are unique by (kind, name)."""
        return f"{self.kind}/{self.name}"

    def rules(self, direction: Direction) -> tuple[AdminRule, ...]:
        return self.ingress if direction == "ingress" else self.egress


@dataclass(frozen=True, slots=True)
class Node:
    """A Node object: its labels (for `nodes` peers) and status.addresses that are IPs (InternalIP,
    ExternalIP); host-network pods scheduled on it share these addresses."""

    name: str
    labels: Mapping[str, str]
    addresses: tuple[IPAddress, ...]
    span: Span
