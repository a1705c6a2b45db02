"""Terse builders for Cilium records (model/cilium.py) in tests, built the way the loader stores them: label
keys without `k8s:`/`any:`, and in a CNP every endpoint selector (the subject and the peers) carries the
`io.kubernetes.pod.namespace` requirement Cilium adds. A policy `name` lives in `name.yaml` at line 1, its
ingress rule i at line 10+i, its egress rule i at 30+i."""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from dataclasses import replace

from builders import SPAN, SelectorLike, _selector, sel
from netverify.model.cilium import (
    CCNP_KIND,
    CNP_KIND,
    NAMESPACE_LABEL,
    CidrPeer,
    CiliumPolicy,
    CiliumPort,
    CiliumPortRule,
    CiliumResources,
    CiliumRule,
    IcmpField,
)
from netverify.model.cluster import Cluster
from netverify.model.fields import Unmodelled
from netverify.model.ipblock import IPBlock
from netverify.model.labels import LabelSelector, Requirement
from netverify.model.span import Span


def in_namespace(selector: SelectorLike, namespace: str | None) -> LabelSelector:
    """`selector` as a CNP of `namespace` stores it (None: a CCNP's, unchanged); a selector naming the
    namespace label itself is kept as written (Cilium adds nothing then)."""
    s = _selector(selector) or sel()
    if namespace is None or any(r.key == NAMESPACE_LABEL for r in s.requirements):
        return s
    return LabelSelector(s.requirements + (Requirement(NAMESPACE_LABEL, "In", frozenset({namespace})),))


def cport_(port: int | str = 0, protocol: str = "TCP", end: int | None = None) -> CiliumPort:
    return CiliumPort(port, end, protocol, SPAN)  # type: ignore[arg-type]


def to_ports(*ports: CiliumPort, l7: Iterable[str] = ()) -> CiliumPortRule:
    return CiliumPortRule(tuple(ports), tuple(l7), SPAN)


def cidr(block: str, *excepts: str) -> CidrPeer:
    return CidrPeer((IPBlock(ipaddress.ip_network(block)),), tuple(IPBlock(ipaddress.ip_network(e)) for e in excepts),
                    None, SPAN)


def crule(*, endpoints: Iterable[SelectorLike] | None = None, entities: Iterable[str] = (),
          cidrs: Iterable[CidrPeer] = (), ports: Iterable[CiliumPortRule] = (), deny: bool = False,
          requires: Iterable[SelectorLike] = (), icmps: Iterable[IcmpField] = (),
          unmodelled: Iterable[str] = ()) -> CiliumRule:
    """A rule; its direction, index, span and namespace scoping are set by `cnp`/`ccnp`. `endpoints` None:
    the field is absent."""
    eps = None if endpoints is None else tuple(_selector(s) or sel() for s in endpoints)
    return CiliumRule("ingress", 0, deny, eps, tuple(_selector(s) or sel() for s in requires), tuple(entities),
                      tuple(cidrs), tuple(ports), tuple(icmps), SPAN,
                      tuple(Unmodelled(f, SPAN) for f in unmodelled))


def _place(rules, direction: str, file: str, base: int, namespace: str | None) -> tuple[CiliumRule, ...]:
    out = []
    for i, r in enumerate(rules or ()):
        eps = None if r.endpoints is None else tuple(in_namespace(s, namespace) for s in r.endpoints)
        reqs = tuple(in_namespace(s, namespace) for s in r.requires)
        out.append(replace(r, direction=direction, index=i, span=Span(file, base + i), endpoints=eps, requires=reqs))
    return tuple(out)


def _policy(kind: str, name: str, namespace: str | None, pods: SelectorLike, ingress, egress, ingress_deny,
            egress_deny, default_deny) -> CiliumPolicy:
    file = f"{name}.yaml"
    ing = _place(ingress, "ingress", file, 10, namespace)
    ing += _place(ingress_deny, "ingress", file, 20, namespace)
    ing = tuple(r if i < len(ingress or ()) else replace(r, deny=True) for i, r in enumerate(ing))
    eg = _place(egress, "egress", file, 30, namespace)
    eg += _place(egress_deny, "egress", file, 40, namespace)
    eg = tuple(r if i < len(egress or ()) else replace(r, deny=True) for i, r in enumerate(eg))
    return CiliumPolicy(kind, "cilium.io/v2", namespace, name, None, in_namespace(pods, namespace), None, ing, eg,
                        dict(default_deny or {"ingress": None, "egress": None}), Span(file, 1))


def cnp(name: str, namespace: str = "default", pods: SelectorLike = None, *, ingress=None, egress=None,
        ingress_deny=None, egress_deny=None, default_deny=None) -> CiliumPolicy:
    return _policy(CNP_KIND, name, namespace, pods, ingress, egress, ingress_deny, egress_deny, default_deny)


def ccnp(name: str, pods: SelectorLike = None, *, ingress=None, egress=None, ingress_deny=None, egress_deny=None,
         default_deny=None) -> CiliumPolicy:
    return _policy(CCNP_KIND, name, None, pods, ingress, egress, ingress_deny, egress_deny, default_deny)


def with_cilium(cluster: Cluster, *policies: CiliumPolicy, cluster_name: str = "default", nodes=()) -> Cluster:
    return replace(cluster, cilium=CiliumResources(tuple(policies), (), cluster_name),
                   nodes=tuple(nodes) or cluster.nodes)
