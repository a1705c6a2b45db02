"""Pod templates and Pods → model.Workload; Pods of one owner are one workload, one entry per distinct pod."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field, replace

from netverify.load.k8s_schema import ControllerSpec, ObjectMeta, OwnerReference, PodModel, PodSpecModel
from netverify.load.pod_labels import POD_TEMPLATE_HASH, control_plane_groups
from netverify.load.ports import check_iana_service_name
from netverify.load.site import Site
from netverify.model.cluster import ContainerPort, Workload
from netverify.model.ipblock import IPAddress
from netverify.model.ports import MAX_PORT, MIN_PORT, Protocol

# Owners that do not make a pod part of a workload: a static (mirror) pod is owned by its Node.
_SELF_OWNERS = frozenset({"Node"})
# An ownerReference without a kind still names the workload; the conformance data (netpol-analyzer) shows it as
# a Pod, the only kind it can be sure of.
OWNER_KIND_UNKNOWN = "Pod"


def template_workload(
    namespace: str, name: str, kind: str, meta: ObjectMeta | None, spec: PodSpecModel | None, site: Site,
    object_site: Site, warnings: list[str],
) -> Workload:
    return Workload(
        namespace=namespace,
        name=name,
        kind=kind,
        labels=dict((meta.labels if meta else None) or {}),
        ports=container_ports(spec, site.at("spec"), warnings),
        span=object_site.span(),
        host_network=bool(spec and spec.hostNetwork),
        node_name=spec.nodeName if spec and spec.nodeName else None,
        service_account=(spec and (spec.serviceAccountName or spec.serviceAccount)) or "default",
    )


def pod_owner(meta: ObjectMeta) -> OwnerReference | None:
    refs = meta.ownerReferences or []
    owner = next((r for r in refs if r.controller), refs[0] if refs else None)
    if owner is None or owner.kind in _SELF_OWNERS:
        return None
    return owner


def deployment_of(owner: OwnerReference, labels: dict[str, str] | None) -> str | None:
    """The Deployment a pod's ReplicaSet stands for: the Deployment controller names each ReplicaSet
    `<deployment>-<pod-template-hash>` and labels its pods with that hash, so a pod owned by a ReplicaSet
    whose name is some name plus `-` plus the pod's own `pod-template-hash` is that Deployment's; its name then
    survives a rollout (a new ReplicaSet, a new hash). Anything else stays the ReplicaSet it names."""
    value = (labels or {}).get(POD_TEMPLATE_HASH)
    if owner.kind != "ReplicaSet" or not value or not owner.name.endswith(f"-{value}"):
        return None
    return owner.name[: -len(value) - 1] or None


def pod_workload(namespace: str, pod: PodModel, site: Site, warnings: list[str]) -> Workload:
    meta = pod.metadata
    owner = pod_owner(meta)
    name, kind = (meta.name or "", "Pod") if owner is None else (owner.name, owner.kind or OWNER_KIND_UNKNOWN)
    deployment = deployment_of(owner, meta.labels) if owner is not None else None
    if deployment is not None:
        name, kind = deployment, "Deployment"
    workload = template_workload(namespace, name, kind, meta, pod.spec, site, site, warnings)
    # A pod of a controller is one of its pods, by name; a bare Pod is a workload of its own.
    names = (meta.name,) if owner is not None and meta.name else ()
    ips = pod_ips(pod, site)
    return replace(workload, ips=ips, pods=names, listed_pods=((meta.name, ips),) if meta.name else ())


def pod_ips(pod: PodModel, site: Site) -> tuple[IPAddress, ...]:
    status = pod.status
    if status is None:
        return ()
    written: list[tuple[str, Site]] = []
    if status.podIP:
        written.append((status.podIP, site.at("status", "podIP")))
    for i, entry in enumerate(status.podIPs or ()):
        if entry.ip:
            written.append((entry.ip, site.at("status", "podIPs", i, "ip")))
    ips: list[IPAddress] = []
    for text, here in written:
        try:
            ip = ipaddress.ip_address(text)
        except ValueError:
            raise here.error(f"{text!r} is not an IP address") from None
        if ip not in ips:
            ips.append(ip)
    return tuple(ips)


def container_ports(spec: PodSpecModel | None, site: Site, warnings: list[str]) -> tuple[ContainerPort, ...]:
    if spec is None:
        return ()
    ports: list[ContainerPort] = []
    for group in ("containers", "initContainers"):
        for i, container in enumerate(getattr(spec, group) or ()):
            for j, port in enumerate(container.ports or ()):
                here = site.at(group, i, "ports", j)
                if port.containerPort is None:
                    warnings.append(f"{here.where()}: {here.field}: no containerPort (a mistyped key?); port ignored")
                    continue
                if not MIN_PORT <= port.containerPort <= MAX_PORT:
                    raise here.at("containerPort").error(
                        f"port {port.containerPort} is out of range ({MIN_PORT}-{MAX_PORT})"
                    )
                if port.name:
                    check_iana_service_name(port.name, here.at("name"))
                entry = ContainerPort(port.name or None, port.containerPort, Protocol(port.protocol or "TCP"))
                if entry not in ports:
                    ports.append(entry)
    return tuple(ports)


def template_workloads(
    namespace: str, name: str, kind: str, meta: ObjectMeta | None, spec: PodSpecModel | None, site: Site,
    object_site: Site, warnings: list[str], controller: ControllerSpec | None, owner_kind: str | None,
) -> tuple[Workload, ...]:
    """A controller's pods: its template plus the labels the control plane adds, one entry per distinct pod."""
    base = template_workload(namespace, name, kind, meta, spec, site, object_site, warnings)
    if controller is not None and controller.replicas is not None and kind != "StatefulSet":
        base = replace(base, replicas=max(controller.replicas, 0))  # a StatefulSet's groups name each replica
    groups = control_plane_groups(kind, name, controller, base.labels, owner_kind)
    return tuple(
        replace(base, labels=g.labels, unknown_labels=g.unknown, pods=g.pods, distinct=len(groups) > 1)
        for g in groups
    )


def _covers(group: Workload, pod: Workload) -> bool:
    """The dumped pod is one the template group stands for: the same labels, any value for unknown ones."""
    if set(pod.labels) != set(group.labels):
        return False
    return all(pod.labels[k] == v for k, v in group.labels.items() if k not in group.unknown_labels)


@dataclass(slots=True)
class WorkloadSet:
    """Workloads in reading order. A controller owned by another controller in the manifests (a Deployment's
    ReplicaSet, a CronJob's Job) is part of its owner. Pods read from a dump join their owner: a pod its
    template's pods stand for adds its IPs to them; any other pod is a pod of its own, with the labels it
    carries, and pods alike in labels and ports are one entry. A workload whose pods differ is several
    entries, each `distinct` (never every replica with the first one's labels)."""

    templates: dict[str, tuple[Workload, ...]] = field(default_factory=dict)
    pods: dict[str, list[Workload]] = field(default_factory=dict)
    order: dict[str, None] = field(default_factory=dict)  # refs, an ordered set
    owner_of: dict[str, str] = field(default_factory=dict)  # controller ref -> its owner's ref

    def add(self, workload: Workload, warnings: list[str], *, template: bool = False, owner: str | None = None) -> None:
        """One dumped pod (or, with `template`, a controller's only pod group); `owner`: a controller's own
        controlling owner, as a ref."""
        if template:
            self.add_template((workload,), owner=owner)
            return
        self.order.setdefault(workload.ref, None)
        self.pods.setdefault(workload.ref, []).append(workload)

    def add_template(self, groups: tuple[Workload, ...], *, owner: str | None = None) -> None:
        ref = groups[0].ref
        if owner is not None:
            self.owner_of[ref] = owner
        self.order.setdefault(ref, None)
        self.templates.setdefault(ref, groups)

    def workloads(self) -> tuple[Workload, ...]:
        members: dict[str, list[str]] = {}
        for ref in self.order:
            members.setdefault(self._root(ref), []).append(ref)
        out: list[Workload] = []
        for root in self.order:  # in reading order of the workloads themselves
            if root not in members:
                continue
            pods = [p for ref in members[root] for p in self.pods.get(ref, ())]
            out += _entries(self.templates.get(root, ()), pods)
        return tuple(out)

    def _root(self, ref: str) -> str:
        """The top-most controller in the manifests that `ref` belongs to (itself when none)."""
        seen = {ref}
        while (owner := self.owner_of.get(ref)) is not None and owner in self.templates and owner not in seen:
            seen.add(owner)
            ref = owner
        return ref


def _entries(groups: tuple[Workload, ...], pods: list[Workload]) -> list[Workload]:
    """A workload's entries: its template's pod groups, each dumped pod joined to the group it is one of."""
    entries = list(groups)
    ips = [dict.fromkeys(g.ips) for g in entries]
    shape = groups[0] if groups else (pods[0] if pods else None)
    for pod in pods:
        assert shape is not None
        pod = replace(pod, name=shape.name, kind=shape.kind)
        at = next((i for i, g in enumerate(entries) if i < len(groups) and pod.pods and g.pods == pod.pods), None)
        if at is not None:
            entries[at] = pod  # a dumped pod a StatefulSet names: the labels it carries are known
            ips[at] = dict.fromkeys(pod.ips)
            continue
        at = next((i for i, g in enumerate(entries) if i < len(groups) and _covers(g, pod)), None)
        if at is not None:
            entries[at] = replace(entries[at], listed_pods=entries[at].listed_pods + pod.listed_pods)
        if at is None:
            at = next((i for i, g in enumerate(entries) if i >= len(groups) and (g.labels, g.ports, g.host_network)
                       == (pod.labels, pod.ports, pod.host_network)), None)
            if at is not None:  # pods alike but on other nodes: the entry is on no one node
                node = entries[at].node_name if entries[at].node_name == pod.node_name else None
                entries[at] = replace(entries[at], pods=entries[at].pods + pod.pods, node_name=node,
                                      listed_pods=entries[at].listed_pods + pod.listed_pods)
        if at is None:
            at = len(entries)
            entries.append(pod)
            ips.append({})
        ips[at].update(dict.fromkeys(pod.ips))
    distinct = len(entries) > 1
    return [
        replace(w, ips=tuple(found), distinct=distinct) if (w.distinct, w.ips) != (distinct, tuple(found)) else w
        for w, found in zip(entries, ips)
    ]
