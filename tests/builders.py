"""Terse builders for model objects in tests: policies, peers, ports, workloads, pods, clusters.

Shared by the evaluator, map, explain and SMT tests; keep it general. Selectors are given as a dict (matchLabels)
and/or `expr(...)` requirements, or as a ready LabelSelector. Spans are synthetic but distinct: a policy `name`
lives in `name.yaml` at line 1, its ingress rule i at line 10+i, its egress rule i at line 30+i.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Mapping
from dataclasses import replace
from typing import Union

from netverify.model.cluster import NAMESPACE_NAME_LABEL, Cluster, ContainerPort, Namespace, Service, Workload
from netverify.model.flow import Endpoint, ExternalEndpoint, Flow, PodEndpoint
from netverify.model.ipblock import IPBlock
from netverify.model.labels import LabelSelector, Requirement
from netverify.model.policy import NetworkPolicy, Peer, PortMatch, Rule
from netverify.model.ports import Protocol
from netverify.model.span import Span

SelectorLike = Union[LabelSelector, Mapping[str, str], None]
SPAN = Span("test.yaml", 1)

def expr(key: str, operator: str, *values: str) -> Requirement:
    return Requirement(key, operator, frozenset(values))  # type: ignore[arg-type]

def sel(match_labels: Mapping[str, str] | None = None, *requirements: Requirement) -> LabelSelector:
    reqs = [Requirement(k, "In", frozenset({v})) for k, v in sorted((match_labels or {}).items())]
    return LabelSelector(tuple(reqs) + tuple(requirements))

def _selector(s: SelectorLike) -> LabelSelector | None:
    if s is None or isinstance(s, LabelSelector):
        return s
    return sel(s)

def peer(pods: SelectorLike = None, namespaces: SelectorLike = None) -> Peer:
    """podSelector and/or namespaceSelector; `peer({})` = every pod of the policy's namespace."""
    if pods is None and namespaces is None:
        raise ValueError("a selector peer needs pods= or namespaces= (use {} for everything)")
    return Peer(_selector(pods), _selector(namespaces), None, SPAN)

def ipblock(cidr: str, *excepts: str) -> Peer:
    block = IPBlock(ipaddress.ip_network(cidr), tuple(ipaddress.ip_network(e) for e in excepts))
    return Peer(None, None, block, SPAN)

def port(number: int | str | None = None, protocol: str = "TCP", end: int | None = None) -> PortMatch:
    return PortMatch(Protocol(protocol), number, end, SPAN)

def rule(*peers: Peer, ports: Iterable[PortMatch] = ()) -> Rule:
    """A rule; its direction, index and span are set by `policy`."""
    return Rule("ingress", 0, tuple(peers), tuple(ports), SPAN)

ALLOW_ALL = rule()

def policy(
    name: str,
    namespace: str = "default",
    pods: SelectorLike = None,
    *,
    ingress: Iterable[Rule] | None = None,
    egress: Iterable[Rule] | None = None,
    types: Iterable[str] | None = None,
) -> NetworkPolicy:
    """`types` None = the effective default: ingress, plus egress iff there is at least one egress rule.

    `ingress=None` and `ingress=[]` are the same (no rule); pass `types` to isolate a direction without rules.
    """
    file = f"{name}.yaml"
    ing = tuple(replace(r, direction="ingress", index=i, span=Span(file, 10 + i)) for i, r in enumerate(ingress or ()))
    eg = tuple(replace(r, direction="egress", index=i, span=Span(file, 30 + i)) for i, r in enumerate(egress or ()))
    if types is None:
        effective = {"ingress"} | ({"egress"} if eg else set())
    else:
        effective = {t.lower() for t in types}
    return NetworkPolicy(namespace, name, _selector(pods) or sel(), frozenset(effective), ing, eg, Span(file, 1))

def namespace(name: str, labels: Mapping[str, str] | None = None) -> Namespace:
    return Namespace(name, {**(labels or {}), NAMESPACE_NAME_LABEL: name}, Span("ns.yaml", 1))

def cport(number: int, name: str | None = None, protocol: str = "TCP") -> ContainerPort:
    return ContainerPort(name, number, Protocol(protocol))

def workload(
    name: str,
    namespace: str = "default",
    labels: Mapping[str, str] | None = None,
    ports: Iterable[ContainerPort] = (),
    *,
    kind: str = "Deployment",
    ips: Iterable[str] = (),
    host_network: bool = False,
) -> Workload:
    return Workload(
        namespace, name, kind, dict(labels if labels is not None else {"app": name}), tuple(ports),
        Span("workloads.yaml", 1), tuple(ipaddress.ip_address(i) for i in ips), host_network,
    )

def cluster(*objects: Namespace | Workload | NetworkPolicy | Service) -> Cluster:
    """A cluster of these objects; namespaces used but not declared exist with only their automatic label."""
    namespaces = {o.name: o for o in objects if isinstance(o, Namespace)}
    for o in objects:
        if not isinstance(o, Namespace) and o.namespace not in namespaces:
            namespaces[o.namespace] = Namespace(o.namespace, {NAMESPACE_NAME_LABEL: o.namespace}, None)
    return Cluster(
        namespaces=namespaces,
        workloads=tuple(o for o in objects if isinstance(o, Workload)),
        services=tuple(o for o in objects if isinstance(o, Service)),
        policies=tuple(o for o in objects if isinstance(o, NetworkPolicy)),
    )

def pod(
    namespace: str = "default",
    labels: Mapping[str, str] | None = None,
    *,
    ns_labels: Mapping[str, str] | None = None,
    ports: Iterable[ContainerPort] = (),
    ip: str | None = None,
) -> PodEndpoint:
    """A pod that need not exist; its namespace labels always include the automatic name label."""
    return PodEndpoint(
        namespace, {**(ns_labels or {}), NAMESPACE_NAME_LABEL: namespace}, dict(labels or {}), tuple(ports),
        ipaddress.ip_address(ip) if ip else None,
    )

def ext(ip: str) -> ExternalEndpoint:
    return ExternalEndpoint(ipaddress.ip_address(ip))

def flow(src: Endpoint, dst: Endpoint, number: int, protocol: str = "TCP") -> Flow:
    return Flow(src, dst, Protocol(protocol), number)
