"""The cluster snapshot: namespaces, workloads, services and policies as read from the manifests."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property

from netverify.model.anp import AdminPolicy, Node
from netverify.model.calico import CalicoResources
from netverify.model.cilium import CiliumResources
from netverify.model.ipblock import IPAddress
from netverify.model.kinds import UnmodelledObject
from netverify.model.listing import UnlistedKind
from netverify.model.policy import NetworkPolicy
from netverify.model.ports import Protocol
from netverify.model.span import Span

NAMESPACE_NAME_LABEL = "kubernetes.io/metadata.name"
# What `Workload.labels` holds for a key the control plane sets to a value the manifests do not show (a hash,
# a uid, a generated name). Not a valid label value, so no valid selector names it; the concrete evaluator
# therefore treats it as "some value no selector names", and the SMT keeps such keys' values free.
UNKNOWN_LABEL_VALUE = "<unknown>"


@dataclass(frozen=True, slots=True)
class Namespace:
    name: str
    labels: Mapping[str, str]  # always includes kubernetes.io/metadata.name
    span: Span | None  # None: used but never declared


@dataclass(frozen=True, slots=True)
class ContainerPort:
    name: str | None
    port: int
    protocol: Protocol


@dataclass(frozen=True, slots=True)
class Workload:
    """A controller's pod template (`ns/name[Kind]`) or a bare Pod, with the labels the control plane adds.

    All the pods it stands for are alike. When a workload's pods differ (a StatefulSet's per-replica labels,
    dumped pods of one owner with different labels), it is several entries of one `ref`, each `distinct`,
    `pods` naming the pods each stands for (empty: the replicas its template describes).
    `unknown_labels`: keys every pod carries whose value only the cluster knows (labels[key] is
    UNKNOWN_LABEL_VALUE); a proof must hold for every value they can take.
    """

    namespace: str
    name: str
    kind: str
    labels: Mapping[str, str]
    ports: tuple[ContainerPort, ...]
    span: Span
    ips: tuple[IPAddress, ...] = ()
    host_network: bool = False
    pods: tuple[str, ...] = ()
    distinct: bool = False
    unknown_labels: frozenset[str] = frozenset()
    node_name: str | None = None  # spec.nodeName, when the manifests give it (host-network pods take its IPs)
    service_account: str = "default"  # spec.serviceAccountName (Calico serviceAccounts, Cilium identities)
    # The Pod objects of the manifests this entry stands for, by name, each with its own addresses (`ips` is
    # their union): `map --granularity pod` shows one row per pod.
    listed_pods: tuple[tuple[str, tuple[IPAddress, ...]], ...] = ()
    replicas: int = 1  # spec.replicas of a Deployment/ReplicaSet/StatefulSet/ReplicationController (1 otherwise)

    @property
    def id(self) -> str:
        return f"{self.namespace}/{self.name}"

    @property
    def ref(self) -> str:
        return f"{self.namespace}/{self.name}[{self.kind}]"

    def has_pod_labels(self, labels: Mapping[str, str]) -> bool:
        """Whether a pod with `labels` may be one of this workload's: the same keys, every known value equal
        (a key in `unknown_labels` may have any value)."""
        return set(labels) == set(self.labels) and all(
            k in self.unknown_labels or labels[k] == v for k, v in self.labels.items()
        )

    @property
    def display_name(self) -> str:
        """The name to show: the workload's, or, for one of several distinct pod groups, with its pods."""
        if not self.distinct:
            return self.name
        return f"{self.name}/{','.join(self.pods) if self.pods else 'template'}"

    @property
    def pod_ref(self) -> str:
        """`ref`, or for one of several distinct pod groups, which pods of it."""
        if not self.distinct:
            return self.ref
        what = f"pod {self.pods[0]}" if len(self.pods) == 1 else (
            f"pods {', '.join(self.pods)}" if self.pods else "pods made from its template")
        return f"{self.ref} ({what})"


@dataclass(frozen=True, slots=True)
class ServicePort:
    name: str | None
    port: int
    target_port: int | str  # a number, or a container port name
    protocol: Protocol


@dataclass(frozen=True, slots=True)
class Service:
    namespace: str
    name: str
    selector: Mapping[str, str] | None  # None: no selector (endpoints managed by hand)
    ports: tuple[ServicePort, ...]
    span: Span


@dataclass(frozen=True, slots=True)
class ServiceAccount:
    """A ServiceAccount object: Calico's `serviceAccountSelector` / `serviceAccounts.selector` match its labels."""

    namespace: str
    name: str
    labels: Mapping[str, str]
    span: Span


@dataclass(frozen=True)
class Cluster:
    namespaces: Mapping[str, Namespace]
    workloads: tuple[Workload, ...]
    services: tuple[Service, ...]
    policies: tuple[NetworkPolicy, ...]
    skipped_kinds: Mapping[str, int] = field(default_factory=dict)
    warnings: tuple[str, ...] = ()
    unmodelled: tuple[UnmodelledObject, ...] = ()  # objects of policy kinds in model/kinds.py's table
    admin_policies: tuple[AdminPolicy, ...] = ()  # ANPs, the BANP and CNPs (cluster-scoped)
    nodes: tuple[Node, ...] = ()
    unlisted: tuple[UnlistedKind, ...] = ()  # kinds a live cluster refused to list (load/live.py)
    service_accounts: tuple[ServiceAccount, ...] = ()
    calico: CalicoResources = field(default_factory=CalicoResources)  # Calico's own kinds (model/calico.py)
    cilium: CiliumResources = field(default_factory=CiliumResources)  # Cilium's kinds (model/cilium.py)

    @cached_property
    def policies_by_namespace(self) -> Mapping[str, tuple[NetworkPolicy, ...]]:
        out: dict[str, list[NetworkPolicy]] = {}
        for p in self.policies:
            out.setdefault(p.namespace, []).append(p)
        return {ns: tuple(ps) for ns, ps in out.items()}

    @cached_property
    def workload_indices_by_namespace(self) -> Mapping[str, tuple[int, ...]]:
        """Indices into `workloads` per namespace (every property of a run asks; built once per cluster)."""
        out: dict[str, list[int]] = {}
        for i, w in enumerate(self.workloads):
            out.setdefault(w.namespace, []).append(i)
        return {ns: tuple(ix) for ns, ix in out.items()}

    @cached_property
    def policy_pod_selector_values(self) -> Mapping[str, frozenset[str]]:
        """Per label key, the values the policies' pod selectors and their peers' pod selectors name (a witness
        asks for these once per candidate pod; built once per cluster)."""
        out: dict[str, set[str]] = {}
        for p in self.policies:
            selectors = [p.pod_selector, *(peer.pod_selector for rule in (*p.ingress, *p.egress)
                                           for peer in rule.peers if peer.pod_selector is not None)]
            for selector in selectors:
                for key, values in selector.mentioned().items():
                    out.setdefault(key, set()).update(values)
        return {key: frozenset(values) for key, values in out.items()}

    def policies_in(self, namespace: str) -> tuple[NetworkPolicy, ...]:
        return self.policies_by_namespace.get(namespace, ())

    def namespace_labels(self, namespace: str) -> Mapping[str, str]:
        ns = self.namespaces.get(namespace)
        if ns is not None:
            return ns.labels
        return {NAMESPACE_NAME_LABEL: namespace}

    def workloads_named(self, ref: str) -> tuple[Workload, ...]:
        """Every workload `ref` names: `ns/name` (any kind), `ns/Kind/name` or `ns/name[Kind]`; or one pod of a
        workload whose pods differ, by its name (`ns/pod-name`)."""
        found = tuple(w for w in self.workloads if ref in (w.id, w.ref, f"{w.namespace}/{w.kind}/{w.name}"))
        if found:
            return found
        return tuple(w for w in self.workloads if w.distinct and any(ref == f"{w.namespace}/{p}" for p in w.pods))

    def service(self, namespace: str, name: str) -> Service | None:
        for s in self.services:
            if s.namespace == namespace and s.name == name:
                return s
        return None

    @property
    def has_host_network(self) -> bool:
        return any(w.host_network for w in self.workloads)
