"""A property's endpoints and ports resolved against the cluster, with their concrete meaning.

No z3 here: the encoder turns these into formulas, and the witness code uses the same `fits` to check a
concrete pod, so the two cannot drift apart. A service or workload the cluster lacks is bad input.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from netverify.errors import InputError
from netverify.model.cluster import Cluster, Service, Workload
from netverify.model.flow import Endpoint, ExternalEndpoint, Flow, PodEndpoint
from netverify.model.ipblock import IPBlock
from netverify.model.labels import LabelSelector, selector_from_match_labels
from netverify.model.policy import PortMatch
from netverify.model.properties import EndpointSpec, Property
from netverify.model.span import Span

DEFAULT_NAMESPACE = "default"


@dataclass(frozen=True)
class ResolvedEndpoint:
    role: str  # "from" / "to", as written in the properties file
    span: Span
    ip_block: IPBlock | None = None
    namespace: str | None = None
    namespace_selector: LabelSelector | None = None
    pod_selector: LabelSelector | None = None
    workload: Workload | None = None  # the pods of this existing workload (labels, ports, namespace fixed)
    workload_entries: tuple[Workload, ...] = ()  # every entry of that workload (several when its pods differ)
    service: Service | None = None
    empty_reason: str | None = None  # set when it can match nothing by construction

    def __post_init__(self) -> None:
        if self.workload is not None and not self.workload_entries:
            object.__setattr__(self, "workload_entries", (self.workload,))

    @property
    def is_external(self) -> bool:
        return self.ip_block is not None

    def selectors(self) -> list[LabelSelector]:
        return [s for s in (self.namespace_selector, self.pod_selector) if s is not None]

    def fits_namespace(self, name: str, labels: Mapping[str, str]) -> bool:
        if self.namespace is not None and name != self.namespace:
            return False
        return self.namespace_selector is None or self.namespace_selector.matches(labels)

    def fits_workload(self, workload: Workload, cluster: Cluster) -> bool:
        if self.is_external or self.empty_reason is not None:
            return False
        if self.workload is not None:
            return workload in self.workload_entries
        if not self.fits_namespace(workload.namespace, cluster.namespace_labels(workload.namespace)):
            return False
        if self.pod_selector is None:
            return True
        if self.pod_selector.matches(workload.labels):
            return True
        # A label whose value only the cluster knows may have the value the selector asks for: the SMT decides.
        return any(r.key in workload.unknown_labels for r in self.pod_selector.requirements)

    def fits(self, endpoint: Endpoint) -> bool:
        if isinstance(endpoint, ExternalEndpoint) or self.is_external:
            return (
                isinstance(endpoint, ExternalEndpoint) and self.ip_block is not None
                and self.ip_block.contains(endpoint.ip)
            )
        if self.empty_reason is not None:
            return False
        if self.workload is not None:
            return any(
                endpoint.namespace == w.namespace and w.has_pod_labels(endpoint.labels)
                and set(endpoint.ports) == set(w.ports)
                for w in self.workload_entries
            )
        if not self.fits_namespace(endpoint.namespace, endpoint.namespace_labels):
            return False
        return self.pod_selector is None or self.pod_selector.matches(endpoint.labels)


@dataclass(frozen=True)
class PortSpec:
    """The connections a property talks about, as port entries on the destination (empty: every one)."""

    entries: tuple[PortMatch, ...]
    empty_reason: str | None = None

    def fits(self, flow: Flow) -> bool:
        if self.empty_reason is not None:
            return False
        if not self.entries:
            return True
        return any(entry_fits(e, flow) for e in self.entries)

    def port_names(self) -> set[str]:
        return {e.port for e in self.entries if isinstance(e.port, str)}

    @property
    def reads_src_port(self) -> bool:
        return any(e.src_port is not None for e in self.entries)

    @property
    def reads_icmp(self) -> bool:
        return any(e.icmp_type is not None or e.icmp_code is not None for e in self.entries)


def entry_fits(entry: PortMatch, flow: Flow) -> bool:
    if entry.protocol != flow.protocol:
        return False
    if entry.src_port is not None:
        end = entry.src_end_port if entry.src_end_port is not None else entry.src_port
        if flow.src_port is None or not entry.src_port <= flow.src_port <= end:
            return False
    if entry.icmp_type is not None and flow.icmp_type != entry.icmp_type:
        return False
    if entry.icmp_code is not None and flow.icmp_code != entry.icmp_code:
        return False
    if entry.port is None:
        return True
    if isinstance(entry.port, str):
        if not isinstance(flow.dst, PodEndpoint):
            return False
        return any(
            cp.name == entry.port and cp.protocol == entry.protocol and cp.port == flow.port for cp in flow.dst.ports
        )
    if entry.end_port is not None:
        return entry.port <= flow.port <= entry.end_port
    return flow.port == entry.port


def resolve_endpoint(spec: EndpointSpec, role: str, cluster: Cluster) -> ResolvedEndpoint:
    if spec.ip_block is not None:
        return ResolvedEndpoint(role, spec.span, ip_block=spec.ip_block)
    if spec.service is not None:
        namespace = spec.namespace or DEFAULT_NAMESPACE
        service = cluster.service(namespace, spec.service)
        if service is None:
            raise InputError(spec.span.file, spec.span.line or None, f"{role}.service",
                             f"no Service {spec.service!r} in namespace {namespace!r}")
        if not service.selector:
            return ResolvedEndpoint(role, spec.span, namespace=namespace, service=service,
                                    empty_reason=f"Service {namespace}/{service.name} has no selector")
        return ResolvedEndpoint(role, spec.span, namespace=namespace, service=service,
                                pod_selector=selector_from_match_labels(service.selector))
    if spec.workload is not None:
        namespace = spec.namespace or DEFAULT_NAMESPACE
        entries = _find_workload(cluster, namespace, spec.workload, spec.span, role)
        return ResolvedEndpoint(role, spec.span, namespace=namespace, workload=entries[0], workload_entries=entries)
    return ResolvedEndpoint(
        role, spec.span, namespace=spec.namespace, namespace_selector=spec.namespace_selector,
        pod_selector=spec.pod_selector,
    )


def _find_workload(cluster: Cluster, namespace: str, ref: str, span: Span, role: str) -> tuple[Workload, ...]:
    """Every entry of the one workload `ref` names (several when its pods differ)."""
    kind, _, name = ref.rpartition("/")
    found = [
        w for w in cluster.workloads
        if w.namespace == namespace and w.name == name and (not kind or w.kind.lower() == kind.lower())
    ]
    if not found:
        raise InputError(span.file, span.line or None, f"{role}.workload",
                         f"no workload {ref!r} in namespace {namespace!r}")
    kinds = sorted({w.kind for w in found})
    if len(kinds) > 1:
        raise InputError(span.file, span.line or None, f"{role}.workload",
                         f"{ref!r} in namespace {namespace!r} is ambiguous ({', '.join(kinds)}): write KIND/NAME")
    return tuple(found)


def resolve_ports(prop: Property, dst: ResolvedEndpoint) -> PortSpec:
    """The property's ports; towards a Service they are service ports, translated to its targetPorts."""
    if dst.service is None:
        return PortSpec(prop.ports)
    service = dst.service
    entries: list[PortMatch] = []
    for sp in service.ports:
        # Each property entry naming the service port keeps its source ports on the target port.
        naming = [e for e in prop.ports if _names_service_port(e, sp)] if prop.ports else [None]
        for e in naming:
            entry = PortMatch(sp.protocol, sp.target_port, None, prop.span, *((e.src_port, e.src_end_port) if e else ()))
            if entry not in entries:
                entries.append(entry)
    if not entries:
        return PortSpec((), empty_reason=f"no port of Service {service.namespace}/{service.name} matches the ports")
    return PortSpec(tuple(entries))


def _names_service_port(entry: PortMatch, sp) -> bool:
    if entry.protocol != sp.protocol:
        return False
    if entry.port is None:
        return True
    if isinstance(entry.port, str):
        return entry.port == sp.name
    if entry.end_port is not None:
        return entry.port <= sp.port <= entry.end_port
    return entry.port == sp.port
