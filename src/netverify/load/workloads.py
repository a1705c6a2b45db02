"""Pod templates and Pods → model.Workload; Pods of one owner are one workload."""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from dataclasses import dataclass, field, replace

from netverify.load.k8s_schema import ObjectMeta, OwnerReference, PodModel, PodSpecModel
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
    )


def pod_owner(meta: ObjectMeta) -> OwnerReference | None:
    refs = meta.ownerReferences or []
    owner = next((r for r in refs if r.controller), refs[0] if refs else None)
    if owner is None or owner.kind in _SELF_OWNERS:
        return None
    return owner


def pod_workload(namespace: str, pod: PodModel, site: Site, warnings: list[str]) -> Workload:
    meta = pod.metadata
    owner = pod_owner(meta)
    name, kind = (meta.name or "", "Pod") if owner is None else (owner.name, owner.kind or OWNER_KIND_UNKNOWN)
    workload = template_workload(namespace, name, kind, meta, pod.spec, site, site, warnings)
    return replace(workload, ips=pod_ips(pod, site))


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


# Labels the controller sets differently on each replica by design: not a sign of replicas that differ.
PER_REPLICA_LABELS = frozenset({
    "statefulset.kubernetes.io/pod-name",
    "apps.kubernetes.io/pod-index",
    "batch.kubernetes.io/job-completion-index",
})


def _alike(a: Mapping[str, str], b: Mapping[str, str]) -> bool:
    return {k: v for k, v in a.items() if k not in PER_REPLICA_LABELS} == {
        k: v for k, v in b.items() if k not in PER_REPLICA_LABELS
    }


@dataclass(slots=True)
class WorkloadSet:
    """Workloads in reading order. Pods of a workload add their IPs to it; a controller owned by another
    controller in the manifests (a Deployment's ReplicaSet, a CronJob's Job) is part of its owner."""

    by_ref: dict[str, Workload] = field(default_factory=dict)
    ips: dict[str, dict[IPAddress, None]] = field(default_factory=dict)  # ordered sets, per workload
    from_template: set[str] = field(default_factory=set)
    owner_of: dict[str, str] = field(default_factory=dict)  # controller ref -> its owner's ref
    warned: set[str] = field(default_factory=set)

    def add(self, workload: Workload, warnings: list[str], *, template: bool = False, owner: str | None = None) -> None:
        """`template`: the workload comes from a controller's pod template (it wins over what its pods say);
        `owner`: that controller's own controlling owner, as a ref."""
        ref = workload.ref
        if owner is not None:
            self.owner_of[ref] = owner
        seen = self.by_ref.get(ref)
        if seen is None:
            self.by_ref[ref] = workload
            self.ips[ref] = dict.fromkeys(workload.ips)
            if template:
                self.from_template.add(ref)
            return
        self.ips[ref].update(dict.fromkeys(workload.ips))
        if template and ref not in self.from_template:
            # Its pods came first (pods.yaml sorts before workloads.yaml): the template describes them all.
            self.from_template.add(ref)
            self.by_ref[ref] = workload
            return
        if template:
            return
        if not _alike(seen.labels, workload.labels) and ref not in self.warned:
            self.warned.add(ref)
            warnings.append(f"{workload.span}: {ref}: replicas have different labels; using those at {seen.span}")

    def workloads(self) -> tuple[Workload, ...]:
        out: list[Workload] = []
        ips = {ref: dict(found) for ref, found in self.ips.items()}
        for ref in self.by_ref:
            root = self._root(ref)
            if root != ref:
                ips[root].update(ips[ref])
        for ref, w in self.by_ref.items():
            if self._root(ref) != ref:
                continue
            out.append(w if len(ips[ref]) == len(w.ips) else replace(w, ips=tuple(ips[ref])))
        return tuple(out)

    def _root(self, ref: str) -> str:
        """The top-most controller in the manifests that `ref` belongs to (itself when none)."""
        seen = {ref}
        while (owner := self.owner_of.get(ref)) is not None and owner in self.from_template and owner not in seen:
            seen.add(owner)
            ref = owner
        return ref
