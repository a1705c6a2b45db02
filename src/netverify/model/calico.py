"""Calico's own policy objects (projectcalico.org/v3, and crd.projectcalico.org/v1 as `kubectl get` prints
them without Calico's API server), normalised into one shape for the evaluator and the SMT encoder.

Sources: https://docs.tigera.io/calico/latest/reference/resources/ (networkpolicy, globalnetworkpolicy,
stagednetworkpolicy, tier, networkset, globalnetworkset, profile, hostendpoint) and projectcalico/calico
api/pkg/apis/projectcalico/v3. The loader (load/calico*.py) validates as Calico's API server does and fills
these records; unmodelled fields that can decide a verdict are kept in `unmodelled` with where they were
written, so a layer can answer "unknown" for exactly what they could decide.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

from netverify.model.calico_selector import CalicoSelector
from netverify.model.fields import Unmodelled
from netverify.model.ipblock import IPBlock
from netverify.model.policy import Direction
from netverify.model.span import Span

CALICO_GROUP = "projectcalico.org"
CALICO_CRD_GROUP = "crd.projectcalico.org"
CalicoAction = Literal["allow", "deny", "log", "pass"]
TierDefault = Literal["deny", "pass"]
DEFAULT_TIER = "default"


@dataclass(frozen=True, slots=True)
class CalicoPort:
    """One `ports` / `notPorts` entry: a number, a range `"lo:hi"` (lo == hi for a number), or a named port
    (`name`: a container port of the destination — or, in `source.ports`, of the source — pod)."""

    lo: int | None
    hi: int | None
    name: str | None
    span: Span

    def __str__(self) -> str:
        if self.name is not None:
            return self.name
        return str(self.lo) if self.lo == self.hi else f"{self.lo}:{self.hi}"


@dataclass(frozen=True, slots=True)
class ServiceAccountMatch:
    """`serviceAccounts`: pods running as one of `names` (if any) whose ServiceAccount `selector` matches."""

    names: tuple[str, ...]
    selector: CalicoSelector | None


@dataclass(frozen=True, slots=True)
class ServiceMatch:
    """`services`: the endpoints of a Service (`namespace` empty = the policy's)."""

    name: str
    namespace: str


@dataclass(frozen=True, slots=True)
class EntityRule:
    """A rule's `source` or `destination`; every set field must match (absent fields match everything)."""

    nets: tuple[IPBlock, ...] = ()
    not_nets: tuple[IPBlock, ...] = ()
    selector: CalicoSelector | None = None
    not_selector: CalicoSelector | None = None
    namespace_selector: CalicoSelector | None = None
    ports: tuple[CalicoPort, ...] = ()
    not_ports: tuple[CalicoPort, ...] = ()
    service_accounts: ServiceAccountMatch | None = None
    services: ServiceMatch | None = None
    span: Span | None = None


@dataclass(frozen=True, slots=True)
class IcmpMatch:
    """`icmp` / `notICMP`: type, and code (only with a type)."""

    type: int
    code: int | None


@dataclass(frozen=True, slots=True)
class CalicoRule:
    """One ingress or egress rule. protocol / not_protocol: IP protocol numbers (TCP 6, UDP 17, ICMP 1,
    ICMPv6 58, SCTP 132, UDPLite 136, or any 1-255); None = not given. `http` is an L7 match: kept in
    `unmodelled` (it narrows traffic only; the layer decides what that leaves unknown)."""

    direction: Direction
    index: int
    action: CalicoAction
    protocol: int | None
    not_protocol: int | None
    icmp: IcmpMatch | None
    not_icmp: IcmpMatch | None
    ip_version: int | None
    source: EntityRule
    destination: EntityRule
    span: Span
    unmodelled: tuple[Unmodelled, ...] = ()


@dataclass(frozen=True, slots=True)
class CalicoPolicy:
    """A (Global|Staged|StagedGlobal|StagedKubernetes)NetworkPolicy. `namespace` None: cluster-wide.

    `order` None sorts after every number; ties are broken by name (see docs/semantics.md). `types` is the
    defaulted value (Calico's api/pkg/defaults, if `types` is omitted: [Ingress] without egress rules, [Egress]
    with egress rules only, both with both).
    `staged`: not enforced (a preview of a policy); the chain skips it and a note says so."""

    kind: str
    api_version: str
    namespace: str | None
    name: str
    tier: str
    order: float | None
    selector: CalicoSelector
    namespace_selector: CalicoSelector | None  # GlobalNetworkPolicy only
    service_account_selector: CalicoSelector | None
    types: tuple[Direction, ...]
    ingress: tuple[CalicoRule, ...]
    egress: tuple[CalicoRule, ...]
    span: Span
    staged: bool = False
    unmodelled: tuple[Unmodelled, ...] = ()  # doNotTrack / preDNAT / applyOnForward when true, ...

    @property
    def key(self) -> str:
        where = self.namespace + "/" if self.namespace is not None else ""
        return f"{self.kind}/{where}{self.name}"

    def rules(self, direction: Direction) -> tuple[CalicoRule, ...]:
        return self.ingress if direction == "ingress" else self.egress


@dataclass(frozen=True, slots=True)
class CalicoTier:
    """A Tier: `order` (None sorts last; ties by name) and the action at its end for an endpoint that one of
    its policies selected but none of whose rules matched (`defaultAction`, Deny unless given)."""

    name: str
    order: float | None
    default_action: TierDefault
    span: Span | None  # None: a tier Calico creates itself (default, kube-admin, kube-baseline)


@dataclass(frozen=True, slots=True)
class NetworkSet:
    """A NetworkSet (namespaced) or GlobalNetworkSet (`namespace` None): labelled addresses that rule
    selectors match like endpoints. `allowedEgressDomains` is kept in `unmodelled`."""

    namespace: str | None
    name: str
    labels: Mapping[str, str]
    nets: tuple[IPBlock, ...]
    span: Span
    unmodelled: tuple[Unmodelled, ...] = ()


@dataclass(frozen=True, slots=True)
class Profile:
    """A Profile: labels it applies to the endpoints it is attached to, and its rules (consulted after every
    tier; Calico's per-namespace `kns.*` profiles allow everything)."""

    name: str
    labels_to_apply: Mapping[str, str]
    ingress: tuple[CalicoRule, ...]
    egress: tuple[CalicoRule, ...]
    span: Span


@dataclass(frozen=True, slots=True)
class HostEndpoint:
    """A HostEndpoint: policy for a node's interface. Pod traffic crosses it only in ways netverify does not
    model (host-network pods, forwarded traffic with applyOnForward): a layer fails closed where it matters."""

    name: str
    node: str
    interface_name: str
    expected_ips: tuple[str, ...]
    labels: Mapping[str, str]
    profiles: tuple[str, ...]
    span: Span


@dataclass(frozen=True, slots=True)
class CalicoResources:
    """Every Calico object of one cluster version (empty when the manifests hold none)."""

    policies: tuple[CalicoPolicy, ...] = ()
    tiers: tuple[CalicoTier, ...] = ()
    network_sets: tuple[NetworkSet, ...] = ()
    profiles: tuple[Profile, ...] = ()
    host_endpoints: tuple[HostEndpoint, ...] = ()
    notes: tuple[str, ...] = field(default=())

    def __bool__(self) -> bool:
        return bool(self.policies or self.tiers or self.network_sets or self.profiles or self.host_endpoints)
