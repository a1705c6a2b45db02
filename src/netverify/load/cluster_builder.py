"""Kubernetes objects → the Cluster snapshot: one handler per kind read, everything else counted and skipped."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TypeVar

from pydantic import BaseModel

from netverify.errors import InputError
from netverify.load.documents import RawObject
from netverify.load.fingerprint import fingerprint
from netverify.load.k8s_schema import (
    ControllerModel,
    ControllerSpec,
    CronJobModel,
    NamespaceModel,
    NetworkPolicyModel,
    ObjectMeta,
    PodModel,
    PodTemplateModel,
    ServiceModel,
)
from netverify.load.anp_peers import Reading
from netverify.load.calico import KINDS as CALICO_KINDS
from netverify.load.calico import is_calico_group
from netverify.load.calico_builder import CalicoCollector
from netverify.load.cilium import CiliumReader, PendingPolicy, cilium_kind
from netverify.load.cilium_fields import CILIUM_ROOTS
from netverify.load.cilium_schema import CidrGroupModel, CiliumPolicyModel
from netverify.load.cluster_scoped import ClusterScopedKind, cluster_scoped_kind
from netverify.load.known_fields import check_known_fields
from netverify.load.nodes import settle_host_network
from netverify.load.names import check_labels, check_namespace_name, check_object_name
from netverify.load.kinds import unmodelled_object
from netverify.load.policies import network_policy
from netverify.load.services import service
from netverify.load.site import Site
from netverify.load.validation import validate
from netverify.load.workloads import WorkloadSet, pod_owner, pod_workload, template_workloads
from netverify.model.cluster import NAMESPACE_NAME_LABEL, Cluster, Namespace, Service
from netverify.model.anp import AdminPolicy, Node
from netverify.model.cilium import CILIUM_GROUP, CiliumResources
from netverify.model.semantics import CHAINS
from netverify.model.kinds import MODELLED, UnmodelledObject, group_of, lookup
from netverify.model.policy import NetworkPolicy
from netverify.model.span import Span

CONTROLLERS = {
    "Deployment": ("apps/", "extensions/"),
    "StatefulSet": ("apps/",),
    "DaemonSet": ("apps/", "extensions/"),
    "ReplicaSet": ("apps/", "extensions/"),
    "ReplicationController": ("v1",),
    "Job": ("batch/",),
}
CORE = ("v1",)
NETWORK_POLICY_VERSIONS = ("networking.k8s.io/v1", "networking.k8s.io/v1beta1", "extensions/v1beta1")
M = TypeVar("M", bound=BaseModel)
_READ_KINDS = frozenset({"Namespace", "Pod", "CronJob", "Service", "NetworkPolicy", *CONTROLLERS})


def _read_versions(kind: str) -> tuple[str, ...]:
    if kind == "NetworkPolicy":
        return NETWORK_POLICY_VERSIONS
    if kind == "CronJob":
        return ("batch/*",)
    return tuple(p + "*" if p.endswith("/") else p for p in CONTROLLERS.get(kind, CORE))


def _read_groups(kind: str) -> frozenset[str]:
    return frozenset(group_of(v) or "" for v in _read_versions(kind))  # `apps/*` -> apps, `v1` -> the core group


def _accepts(api_version: str | None, prefixes: tuple[str, ...]) -> bool:
    # No apiVersion at all (hand-written snippets, some List items): trust the kind.
    return api_version is None or any(api_version == p or (p.endswith("/") and api_version.startswith(p)) for p in prefixes)


@dataclass
class ClusterBuilder:
    default_namespace: str
    declared: dict[str, Namespace] = field(default_factory=dict)
    used: dict[str, None] = field(default_factory=dict)  # an ordered set
    workloads: WorkloadSet = field(default_factory=WorkloadSet)
    services: list[Service] = field(default_factory=list)
    policies: list[NetworkPolicy] = field(default_factory=list)
    skipped: dict[str, int] = field(default_factory=dict)
    unmodelled: list[UnmodelledObject] = field(default_factory=list)
    admin_policies: list[AdminPolicy] = field(default_factory=list)
    nodes: list[Node] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    calico: CalicoCollector = field(default_factory=CalicoCollector)  # Calico kinds and ServiceAccounts
    seen: dict[tuple[str, str, str], Span] = field(default_factory=dict)
    # (kind, metadata.namespace, metadata.name) -> the first object's data and where it is: a second, identical
    # object (one dump taken twice, a file listed twice) is the same object, read once
    # Per (kind, namespace, name): a digest of the first object's fields and where it is. Not the object itself:
    # holding every parsed manifest until the end doubled the peak memory of a load.
    firsts: dict[tuple[str, str, str], tuple[bytes, str]] = field(default_factory=dict)
    lenient: bool = False  # unknown fields are warnings, not errors (--lenient)
    cilium: CiliumReader | None = None  # CNPs, CCNPs and CiliumCIDRGroups (read at build, once groups are known)

    def add(self, obj: RawObject) -> None:
        kind, version = obj.kind, obj.api_version
        site = Site(obj.file, obj.data)
        if self._identical_again(obj, site):
            return
        if kind == "Namespace" and _accepts(version, CORE):
            self._namespace(self._read(NamespaceModel, obj, site), site)
        elif kind == "Pod" and _accepts(version, CORE):
            pod = self._read(PodModel, obj, site)
            namespace, _ = self._identify("Pod", pod.metadata, site)
            self.workloads.add(pod_workload(namespace, pod, site, self.warnings), self.warnings)
        elif kind in CONTROLLERS and _accepts(version, CONTROLLERS[kind]):
            ctl = self._read(ControllerModel, obj, site)
            template = ctl.spec.template if ctl.spec else None
            self._controller(kind, ctl.metadata, template, site, site.at("spec", "template"), ctl.spec)
        elif kind == "CronJob" and _accepts(version, ("batch/",)):
            cron = self._read(CronJobModel, obj, site)
            job = cron.spec.jobTemplate if cron.spec else None
            template = job.spec.template if job and job.spec else None
            self._controller(kind, cron.metadata, template, site, site.at("spec", "jobTemplate", "spec", "template"),
                             job.spec if job else None)
        elif kind == "Service" and _accepts(version, CORE):
            svc = self._read(ServiceModel, obj, site)
            namespace, name = self._identify("Service", svc.metadata, site)
            self.services.append(service(namespace, name, svc, site))
        elif kind == "NetworkPolicy" and _accepts(version, NETWORK_POLICY_VERSIONS):
            pol = self._read(NetworkPolicyModel, obj, site)
            namespace, name = self._identify("NetworkPolicy", pol.metadata, site)
            self.policies.append(network_policy(pol, namespace, name, site, self.warnings))
        elif kind in CALICO_KINDS and is_calico_group(version):
            self.calico.add(obj, self)
            info = lookup(group_of(version), kind)
            if info is not None and (info.group, info.kind) not in MODELLED:
                # Read, but not yet decided by the engines: it stays an object of a kind not modelled (unknown).
                self.unmodelled.append(unmodelled_object(info.group, kind, info.namespaced, obj,
                                                         self.default_namespace))
        elif kind == "ServiceAccount" and _accepts(version, CORE):
            self.calico.add_service_account(obj, self)
        elif (cilium := cilium_kind(kind, version, site)) is not None:
            self._cilium(cilium, obj, site)
        elif (entry := cluster_scoped_kind(kind, version, site)) is not None:
            self._cluster_scoped(entry, obj, site)
        elif (info := lookup(group_of(version), kind)) is not None:
            self.unmodelled.append(unmodelled_object(info.group, kind, info.namespaced, obj, self.default_namespace))
        elif kind in _READ_KINDS and group_of(version) in _read_groups(kind):
            # A kind netverify reads, in its own API group, at a version it does not know: skipping it could drop
            # a policy that decides traffic or a workload a verdict is about, so it is bad input, not a note.
            raise site.at("apiVersion").error(
                f"{kind} {version} is not a version netverify reads (it reads {', '.join(_read_versions(kind))})"
            )
        else:
            label = kind if kind not in _READ_KINDS else f"{kind} ({version})"
            self.skipped[label] = self.skipped.get(label, 0) + 1

    def _identical_again(self, obj: RawObject, site: Site) -> bool:
        """Whether `obj` is, field for field, an object read before: then it is noted and not read again. Two
        objects of one name that differ in anything are not: they reach the duplicate check (an error)."""
        meta = obj.data.get("metadata") if isinstance(obj.data, dict) else None
        if not isinstance(meta, dict) or not isinstance(meta.get("name"), str):
            return False
        namespace = meta.get("namespace")
        key = (obj.kind, namespace if isinstance(namespace, str) else "", meta["name"])
        first = self.firsts.get(key)
        digest = fingerprint(obj.data)
        if first is None:
            self.firsts[key] = (digest, site.where())
            return False
        if first[0] != digest:
            return False
        what = f"{obj.kind} {key[1]}/{key[2]}" if key[1] else f"{obj.kind} {key[2]}"
        self.warnings.append(f"{site.where()}: {what} is identical to the one at {first[1]}: read once")
        return True

    def _read(self, model: type[M], obj: RawObject, site: Site) -> M:
        """`obj` as `model`: first every key checked against the API type, then the types of what we read."""
        check_known_fields(obj.kind, obj.data, site, lenient=self.lenient, warnings=self.warnings)
        return validate(model, obj.data, obj.file)

    def _cluster_scoped(self, entry: ClusterScopedKind, obj: RawObject, site: Site) -> None:
        """An admin policy or a Node (load/cluster_scoped.py's table)."""
        check_known_fields(obj.kind, obj.data, site, lenient=self.lenient, warnings=self.warnings, root=entry.root)
        model = validate(entry.model, obj.data, obj.file)
        meta: ObjectMeta = model.metadata
        name = self._name(meta, site)
        self._check_name(entry.kind, name, site.at("metadata", "name"))
        check_labels(meta.labels, site.at("metadata", "labels"))
        if meta.namespace:
            here = site.at("metadata", "namespace")
            self.warnings.append(f"{here.where()}: {here.field}: {entry.kind} is cluster-scoped; namespace "
                                 f"{meta.namespace} ignored")
        self._check_duplicate(entry.kind, "", name, site)
        record = entry.build(model, name, obj.api_version or entry.versions[0], site,
                             Reading(self.lenient, self.warnings))
        if isinstance(record, Node):
            self.nodes.append(record)
            return
        self.admin_policies.append(record)
        info = lookup(group_of(record.api_version), entry.kind)
        if info is not None and (info.group, info.kind) not in MODELLED:
            # Read, but not yet decided by the engines: it stays an object of a kind not modelled (unknown).
            self.unmodelled.append(unmodelled_object(info.group, entry.kind, False, obj, self.default_namespace))

    def _cilium(self, kind: str, obj: RawObject, site: Site) -> None:
        """A CiliumNetworkPolicy (namespaced), CiliumClusterwideNetworkPolicy or CiliumCIDRGroup (cluster-scoped)."""
        check_known_fields(kind, obj.data, site, lenient=self.lenient, warnings=self.warnings,
                           root=CILIUM_ROOTS[kind])
        if self.cilium is None:
            self.cilium = CiliumReader(Reading(self.lenient, self.warnings))
        version = obj.api_version or "cilium.io/v2"
        if "cilium" not in CHAINS:
            # Read, but no layer decides them yet: they also stay objects of a kind not modelled (unknown), so
            # no result silently ignores them. The cilium layer's CHAINS row turns this off.
            self.unmodelled.append(unmodelled_object(CILIUM_GROUP, kind, kind == "CiliumNetworkPolicy", obj,
                                                     self.default_namespace))
        if kind == "CiliumNetworkPolicy":
            policy = validate(CiliumPolicyModel, obj.data, obj.file)
            namespace, name = self._identify(kind, policy.metadata, site)
            self.cilium.add_policy(PendingPolicy(policy, kind, namespace, name, version, site))
            return
        model: CiliumPolicyModel | CidrGroupModel = validate(
            CidrGroupModel if kind == "CiliumCIDRGroup" else CiliumPolicyModel, obj.data, obj.file)
        meta = model.metadata
        name = self._name(meta, site)
        self._check_name(kind, name, site.at("metadata", "name"))
        check_labels(meta.labels, site.at("metadata", "labels"))
        if meta.namespace:
            here = site.at("metadata", "namespace")
            self.warnings.append(f"{here.where()}: {here.field}: {kind} is cluster-scoped; namespace "
                                 f"{meta.namespace} ignored")
        self._check_duplicate(kind, "", name, site)
        if isinstance(model, CidrGroupModel):
            self.cilium.add_group(model, name, site)
        else:
            self.cilium.add_policy(PendingPolicy(model, kind, None, name, version, site))

    def _controller(
        self, kind: str, meta: ObjectMeta, template: PodTemplateModel | None, site: Site, template_site: Site,
        spec: ControllerSpec | None,
    ) -> None:
        namespace, name = self._identify(kind, meta, site)
        if template is not None and template.metadata is not None:
            check_labels(template.metadata.labels, template_site.at("metadata", "labels"))
        owner = pod_owner(meta)
        groups = template_workloads(
            namespace, name, kind, template.metadata if template else None, template.spec if template else None,
            template_site, site, self.warnings, spec, owner.kind if owner is not None else None,
        )
        owner_ref = f"{namespace}/{owner.name}[{owner.kind}]" if owner is not None and owner.kind else None
        self.workloads.add_template(groups, owner=owner_ref)

    def _check_name(self, kind: str, name: str, site: Site) -> None:
        """A name the API server refuses is an error. With --lenient it is a warning: a workload's, Service's or
        policy's name only identifies it (a namespace's name is a label value, always checked)."""
        try:
            check_object_name(kind, name, site)
        except InputError as exc:
            if not self.lenient:
                raise
            self.warnings.append(f"{site.where()}: {site.field}: {exc.message}; read anyway (--lenient)")

    def _namespace(self, model: NamespaceModel, site: Site) -> None:
        name = self._name(model.metadata, site)
        check_object_name("Namespace", name, site.at("metadata", "name"))
        check_labels(model.metadata.labels, site.at("metadata", "labels"))
        self._check_duplicate("Namespace", "", name, site)
        labels = dict(model.metadata.labels or {})
        written = labels.get(NAMESPACE_NAME_LABEL)
        if written is not None and written != name:
            self.warnings.append(
                f"{site.at('metadata', 'labels', NAMESPACE_NAME_LABEL).where()}: namespace {name} labels {NAMESPACE_NAME_LABEL}={written}; "
                f"the API server sets it to {name}"
            )
        labels[NAMESPACE_NAME_LABEL] = name
        self.declared[name] = Namespace(name, labels, site.span())

    def _identify(self, kind: str, meta: ObjectMeta, site: Site) -> tuple[str, str]:
        name = self._name(meta, site)
        self._check_name(kind, name, site.at("metadata", "name"))
        if meta.namespace:
            check_namespace_name(meta.namespace, site.at("metadata", "namespace"))
        check_labels(meta.labels, site.at("metadata", "labels"))
        namespace = meta.namespace or self.default_namespace
        self._check_duplicate(kind, namespace, name, site)
        self.used[namespace] = None
        return namespace, name

    @staticmethod
    def _name(meta: ObjectMeta, site: Site) -> str:
        if not meta.name:
            raise site.at("metadata", "name").error("every object needs metadata.name")
        return meta.name

    def _check_duplicate(self, kind: str, namespace: str, name: str, site: Site) -> None:
        key = (kind, namespace, name)
        first = self.seen.get(key)
        if first is not None:
            what = f"{kind} {namespace}/{name}" if namespace else f"{kind} {name}"
            raise site.at("metadata", "name").error(f"duplicate {what} (first at {first})")
        self.seen[key] = site.span()

    def build(self) -> Cluster:
        namespaces = dict(self.declared)
        for name in self.used:
            if name not in namespaces:
                namespaces[name] = Namespace(name, {NAMESPACE_NAME_LABEL: name}, None)
        nodes = settle_host_network(self.workloads, self.nodes)
        # Read first: reading Cilium's policies can add warnings.
        cilium = self.cilium.build() if self.cilium is not None else CiliumResources()
        return Cluster(
            namespaces=namespaces,
            workloads=self.workloads.workloads(),
            services=tuple(self.services),
            policies=tuple(self.policies),
            skipped_kinds=dict(self.skipped),
            unmodelled=tuple(self.unmodelled),
            warnings=tuple(self.warnings),
            admin_policies=tuple(self.admin_policies),
            nodes=nodes,
            service_accounts=tuple(self.calico.service_accounts),
            calico=self.calico.resources(),
            cilium=cilium,
        )
