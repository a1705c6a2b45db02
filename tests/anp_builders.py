"""Terse builders for AdminNetworkPolicy / BANP / ClusterNetworkPolicy records and Nodes in tests (until and
besides the loader: the evaluator, SMT and differential tests build clusters from the model directly).
A policy `name` lives in `name.yaml` at line 1, its ingress rule i at line 10+i, its egress rule i at 30+i."""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Mapping
from dataclasses import replace

from builders import SPAN, SelectorLike, _selector, sel
from netverify.model.anp import ANP_KIND, BANP_KIND, AdminPeer, AdminPolicy, AdminPort, AdminRule, Node, PodSet
from netverify.model.ipblock import IPBlock
from netverify.model.ports import Protocol
from netverify.model.span import Span


def pods(pods: SelectorLike = None, namespaces: SelectorLike = None) -> PodSet:
    return PodSet(_selector(namespaces) or sel(), _selector(pods) or sel(), SPAN)


def pod_peer(pods_: SelectorLike = None, namespaces: SelectorLike = None) -> AdminPeer:
    return AdminPeer(pods(pods_, namespaces), None, (), (), SPAN)


def nodes_peer(selector: SelectorLike = None) -> AdminPeer:
    return AdminPeer(None, _selector(selector) or sel(), (), (), SPAN)


def networks_peer(*cidrs: str) -> AdminPeer:
    return AdminPeer(None, None, tuple(IPBlock(ipaddress.ip_network(c)) for c in cidrs), (), SPAN)


def domains_peer(*names: str) -> AdminPeer:
    return AdminPeer(None, None, (), tuple(names), SPAN)


def aport(number: int | str, protocol: str | None = "TCP", end: int | None = None) -> AdminPort:
    if isinstance(number, str):
        protocol = None
    return AdminPort(Protocol(protocol) if protocol else None, number, end, SPAN)


def arule(action: str, *peers: AdminPeer, ports: Iterable[AdminPort] | None = None, name: str = "") -> AdminRule:
    """A rule; direction, index and span are set by `admin`."""
    return AdminRule("ingress", 0, name, action, tuple(peers),  # type: ignore[arg-type]
                     tuple(ports) if ports is not None else None, SPAN)


def admin(name: str, priority: int, subject: PodSet | None = None, *, ingress: Iterable[AdminRule] = (),
          egress: Iterable[AdminRule] = (), tier: str = "admin", kind: str | None = None) -> AdminPolicy:
    file = f"{name}.yaml"
    ing = tuple(replace(r, direction="ingress", index=i, span=Span(file, 10 + i)) for i, r in enumerate(ingress))
    eg = tuple(replace(r, direction="egress", index=i, span=Span(file, 30 + i)) for i, r in enumerate(egress))
    kind = kind or (ANP_KIND if tier == "admin" else BANP_KIND)
    version = "policy.networking.k8s.io/v1alpha1"
    return AdminPolicy(kind, version, name, tier, priority, subject or pods(), ing, eg, Span(file, 1))  # type: ignore


def baseline(subject: PodSet | None = None, **kw) -> AdminPolicy:
    return admin("default", 0, subject, tier="baseline", **kw)


def node(name: str, labels: Mapping[str, str] | None = None, *addresses: str) -> Node:
    return Node(name, dict(labels or {}), tuple(ipaddress.ip_address(a) for a in addresses), Span("nodes.yaml", 1))


def acluster(*objects):
    """builders.cluster with AdminPolicy and Node objects too."""
    from builders import cluster
    rest = [o for o in objects if not isinstance(o, (AdminPolicy, Node))]
    return replace(cluster(*rest), admin_policies=tuple(o for o in objects if isinstance(o, AdminPolicy)),
                   nodes=tuple(o for o in objects if isinstance(o, Node)))
