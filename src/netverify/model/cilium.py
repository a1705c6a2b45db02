"""Cilium's policy objects (cilium.io/v2 CiliumNetworkPolicy, CiliumClusterwideNetworkPolicy, and
CiliumCIDRGroup), normalised into one shape for the evaluator and the SMT encoder.

Sources: https://docs.cilium.io/en/stable/security/policy/ (language, deny policies, CIDR groups) and the
types in cilium/cilium pkg/policy/api (rule.go, ingress.go, egress.go, l4.go, cidr.go, entity.go, icmp.go).
One object with `specs` is several CiliumPolicy records (`index`). Selectors are stored as Cilium compares
them: label keys without the `k8s:`/`any:` source prefix, and — in a namespaced CNP — endpoint and peer
selectors already carry the `io.kubernetes.pod.namespace` requirement Cilium adds (the loader adds it), so
matching is plain LabelSelector matching over a pod's identity labels (`identity_labels`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

from netverify.model.cilium_label_filter import identity_relevant, own_label_kept
from netverify.model.fields import Unmodelled
from netverify.model.ipblock import IPBlock
from netverify.model.labels import LabelSelector
from netverify.model.policy import Direction
from netverify.model.span import Span

CILIUM_GROUP = "cilium.io"
CNP_KIND = "CiliumNetworkPolicy"
CCNP_KIND = "CiliumClusterwideNetworkPolicy"
CIDR_GROUP_KIND = "CiliumCIDRGroup"
NAMESPACE_LABEL = "io.kubernetes.pod.namespace"
SERVICE_ACCOUNT_LABEL = "io.cilium.k8s.policy.serviceaccount"
CLUSTER_LABEL = "io.cilium.k8s.policy.cluster"
NAMESPACE_LABELS_PREFIX = "io.cilium.k8s.namespace.labels."
# pkg/policy/api/entity.go EntitySelectorMapping; `none` selects nothing (a rule of only `none` matches no peer).
ENTITIES: tuple[str, ...] = (
    "all", "world", "world-ipv4", "world-ipv6", "cluster", "host", "remote-node", "kube-apiserver", "health",
    "init", "ingress", "unmanaged", "none",
)
CiliumProtocol = Literal["TCP", "UDP", "SCTP", "ANY"]


@dataclass(frozen=True, slots=True)
class CiliumPort:
    """One `toPorts[].ports[]` entry. `port` 0 = every port; a name = a named container port of the
    destination; `end_port` makes a range (inclusive)."""

    port: int | str
    end_port: int | None
    protocol: CiliumProtocol
    span: Span


@dataclass(frozen=True, slots=True)
class CiliumPortRule:
    """One `toPorts` item: its ports (empty = every port of every protocol) and the L7 rule kinds it carries
    (`http`, `kafka`, `dns`, `l7proto`): those narrow the traffic the item allows to what the proxy lets
    through, which netverify does not decide."""

    ports: tuple[CiliumPort, ...]
    l7: tuple[str, ...]
    span: Span


@dataclass(frozen=True, slots=True)
class IcmpField:
    family: Literal["IPv4", "IPv6"]
    type: int  # names (EchoRequest, ...) are resolved by the loader


@dataclass(frozen=True, slots=True)
class CidrPeer:
    """`fromCIDR`/`toCIDR` (a block, no excepts) or a `*CIDRSet` item: a block or a CiliumCIDRGroup (`group`,
    with its blocks resolved by the loader; unresolved is kept as unmodelled on the rule), minus `excepts`."""

    blocks: tuple[IPBlock, ...]
    excepts: tuple[IPBlock, ...]
    group: str | None
    span: Span


@dataclass(frozen=True, slots=True)
class CiliumRule:
    """One item of ingress / ingressDeny / egress / egressDeny (`deny`). Peers: endpoints (None = the field is
    absent), requires, entities, cidrs; ports: toPorts items (empty = any); icmps (empty = none given).
    `index` counts within its own list (ingress and ingressDeny each from 0). A peer list written empty
    (`fromEndpoints: []`, `toEntities: []`, ...) selects no identity whatever else the rule says (Cilium's
    mergeEndpointSelectors): the loader then stores endpoints=() and no entities or cidrs. Endpoint selectors
    never match identities without a cluster label (world, host, ...: policy-default-local-cluster), except
    selectors kept as not modelled.
    Fields not modelled that could decide (toServices, toFQDNs, toGroups, fromNodes/toNodes, authentication,
    an unresolved cidrGroupRef) are in `unmodelled`."""

    direction: Direction
    index: int
    deny: bool
    endpoints: tuple[LabelSelector, ...] | None
    requires: tuple[LabelSelector, ...]
    entities: tuple[str, ...]
    cidrs: tuple[CidrPeer, ...]
    ports: tuple[CiliumPortRule, ...]
    icmps: tuple[IcmpField, ...]
    span: Span
    unmodelled: tuple[Unmodelled, ...] = ()


@dataclass(frozen=True, slots=True)
class CiliumPolicy:
    """One rule of a CNP (`namespace` set) or CCNP (`namespace` None); `index` is its place in `specs`
    (None for `spec`). `endpoint_selector` None with `node_selector` set: a host policy (not modelled).
    default_deny: `enableDefaultDeny` per direction (None = not given: a policy with rules in a direction
    makes the endpoints it selects default-deny there)."""

    kind: str
    api_version: str
    namespace: str | None
    name: str
    index: int | None
    endpoint_selector: LabelSelector | None
    node_selector: LabelSelector | None
    ingress: tuple[CiliumRule, ...]
    egress: tuple[CiliumRule, ...]
    default_deny: Mapping[Direction, bool | None]
    span: Span
    unmodelled: tuple[Unmodelled, ...] = ()

    @property
    def key(self) -> str:
        where = self.namespace + "/" if self.namespace is not None else ""
        spec = f"[{self.index}]" if self.index is not None else ""
        return f"{self.kind}/{where}{self.name}{spec}"

    def rules(self, direction: Direction) -> tuple[CiliumRule, ...]:
        return self.ingress if direction == "ingress" else self.egress


@dataclass(frozen=True, slots=True)
class CidrGroup:
    name: str
    labels: Mapping[str, str]
    blocks: tuple[IPBlock, ...]
    span: Span


@dataclass(frozen=True, slots=True)
class CiliumResources:
    """Every Cilium object of one cluster version, and the cluster name identities carry (--cilium-cluster)."""

    policies: tuple[CiliumPolicy, ...] = ()
    cidr_groups: tuple[CidrGroup, ...] = ()
    cluster_name: str = "default"

    def __bool__(self) -> bool:
        return bool(self.policies or self.cidr_groups)


def in_identities(key: str) -> bool:
    """Whether some pod's identity can carry the label `key`: the keys Cilium sets itself, a namespace label the
    label filter keeps, or a pod's own label Cilium keeps (model/cilium_label_filter.py)."""
    if key in (NAMESPACE_LABEL, SERVICE_ACCOUNT_LABEL, CLUSTER_LABEL):
        return True
    if key.startswith(NAMESPACE_LABELS_PREFIX):
        return identity_relevant(key)
    return own_label_kept(key)


def identity_labels(pod_labels: Mapping[str, str], namespace: str, namespace_labels: Mapping[str, str],
                    service_account: str, cluster_name: str) -> dict[str, str]:
    """The labels Cilium's selectors see on a pod: its own that Cilium keeps, plus the namespace, the namespace's
    labels, its service account and the cluster (pkg/k8s/apis/cilium.io/const.go; pkg/labels;
    model/cilium_label_filter.py: a pod's own `io.cilium.k8s*` labels and the ones the default label filter
    ignores, like pod-template-hash, are not in it)."""
    out = {k: v for k, v in pod_labels.items() if own_label_kept(k)}
    out[NAMESPACE_LABEL] = namespace
    out[SERVICE_ACCOUNT_LABEL] = service_account
    out[CLUSTER_LABEL] = cluster_name
    for key, value in namespace_labels.items():
        if identity_relevant(NAMESPACE_LABELS_PREFIX + key):
            out[NAMESPACE_LABELS_PREFIX + key] = value
    return out
