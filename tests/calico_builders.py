"""Terse builders for Calico model records in tests (the evaluator, SMT and differential tests build clusters
from the model directly). A policy `name` lives in `name.yaml` at line 1, its ingress rule i at 10+i, its
egress rule i at 30+i. Selectors are given as Calico expression trees (model/calico_selector.py) or None."""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Mapping
from dataclasses import replace

from netverify.model.calico import (
    CalicoPolicy, CalicoPort, CalicoResources, CalicoRule, CalicoTier, EntityRule, NetworkSet, Profile,
    ServiceAccountMatch,
)
from netverify.model.calico_selector import All, CalicoSelector, Expr
from netverify.model.cluster import ServiceAccount
from netverify.model.ipblock import IPBlock
from netverify.model.span import Span

SPAN = Span("calico.yaml", 1)


def csel(expr: Expr | None) -> CalicoSelector | None:
    return None if expr is None else CalicoSelector(expr, str(expr), SPAN)


def nets(*cidrs: str) -> tuple[IPBlock, ...]:
    return tuple(IPBlock(ipaddress.ip_network(c)) for c in cidrs)


def cport(lo: int | str, hi: int | None = None) -> CalicoPort:
    if isinstance(lo, str):
        return CalicoPort(None, None, lo, SPAN)
    return CalicoPort(lo, hi if hi is not None else lo, None, SPAN)


def entity(selector: Expr | None = None, *, not_selector: Expr | None = None, namespace_selector: Expr | None = None,
           nets_: Iterable[str] = (), not_nets: Iterable[str] = (), ports: Iterable[CalicoPort] = (),
           not_ports: Iterable[CalicoPort] = (), service_accounts: ServiceAccountMatch | None = None) -> EntityRule:
    return EntityRule(nets(*nets_), nets(*not_nets), csel(selector), csel(not_selector), csel(namespace_selector),
                      tuple(ports), tuple(not_ports), service_accounts)


def crule(action: str = "allow", *, protocol: int | None = None, not_protocol: int | None = None,
          source: EntityRule | None = None, destination: EntityRule | None = None, ip_version: int | None = None,
          unmodelled=()) -> CalicoRule:
    return CalicoRule("ingress", 0, action, protocol, not_protocol, None, None, ip_version,  # type: ignore[arg-type]
                      source or EntityRule(), destination or EntityRule(), SPAN, tuple(unmodelled))


def cpolicy(name: str, namespace: str | None = "default", selector: Expr | None = None, *, tier: str = "default",
            order: float | None = None, ingress: Iterable[CalicoRule] = (), egress: Iterable[CalicoRule] = (),
            types: Iterable[str] | None = None, namespace_selector: Expr | None = None,
            service_account_selector: Expr | None = None, staged: bool = False, unmodelled=()) -> CalicoPolicy:
    """`types` None: Calico's default (Ingress, plus Egress when there are egress rules)."""
    file = f"{name}.yaml"
    ing = tuple(replace(r, direction="ingress", index=i, span=Span(file, 10 + i)) for i, r in enumerate(ingress))
    eg = tuple(replace(r, direction="egress", index=i, span=Span(file, 30 + i)) for i, r in enumerate(egress))
    if types is None:
        types = ("ingress", "egress") if eg else ("ingress",)
    kind = "NetworkPolicy" if namespace is not None else "GlobalNetworkPolicy"
    return CalicoPolicy(kind, "projectcalico.org/v3", namespace, name, tier, order,
                        CalicoSelector(selector or All(), str(selector or "all()"), SPAN), csel(namespace_selector),
                        csel(service_account_selector), tuple(types), ing, eg, Span(file, 1),  # type: ignore[arg-type]
                        staged, tuple(unmodelled))


def tier(name: str, order: float | None, default: str = "deny") -> CalicoTier:
    return CalicoTier(name, order, default, Span(f"tier-{name}.yaml", 1))  # type: ignore[arg-type]


def netset(name: str, labels: Mapping[str, str], *cidrs: str, namespace: str | None = None) -> NetworkSet:
    return NetworkSet(namespace, name, dict(labels), nets(*cidrs), SPAN)


def service_account(namespace: str, name: str, labels: Mapping[str, str] | None = None) -> ServiceAccount:
    return ServiceAccount(namespace, name, dict(labels or {}), SPAN)


def profile(name: str, labels: Mapping[str, str] | None = None, *, ingress: Iterable[CalicoRule] | None = None,
            egress: Iterable[CalicoRule] | None = None) -> Profile:
    """A Profile; rules None: the single allow Calico generates for a kns.<namespace> profile."""
    file = f"profile-{name}.yaml"
    ing = tuple(replace(r, direction="ingress", index=i, span=Span(file, 10 + i))
                for i, r in enumerate(ingress if ingress is not None else [crule("allow")]))
    eg = tuple(replace(r, direction="egress", index=i, span=Span(file, 30 + i))
               for i, r in enumerate(egress if egress is not None else [crule("allow")]))
    return Profile(name, dict(labels or {}), ing, eg, Span(file, 1))


def with_calico(base, *objects):
    """`base` (a Cluster) with Calico policies, tiers, network sets and ServiceAccounts added."""
    res = base.calico
    res = CalicoResources(
        res.policies + tuple(o for o in objects if isinstance(o, CalicoPolicy)),
        res.tiers + tuple(o for o in objects if isinstance(o, CalicoTier)),
        res.network_sets + tuple(o for o in objects if isinstance(o, NetworkSet)),
        res.profiles + tuple(o for o in objects if isinstance(o, Profile)), res.host_endpoints)
    accounts = base.service_accounts + tuple(o for o in objects if isinstance(o, ServiceAccount))
    return replace(base, calico=res, service_accounts=accounts)
