"""Terse property builders for the prove tests (model objects, no loader needed)."""

from __future__ import annotations

import ipaddress

from builders import SPAN, sel
from netverify.model.ipblock import IPBlock
from netverify.model.properties import EndpointSpec, PropertiesFile, Property


def pods(namespace: str | None = None, labels=None, *, ns_labels=None, selector=None) -> EndpointSpec:
    return EndpointSpec(
        span=SPAN, namespace=namespace, namespace_selector=sel(ns_labels) if ns_labels is not None else None,
        pod_selector=selector if selector is not None else (sel(labels) if labels is not None else None),
    )


def addresses(cidr: str, *excepts: str) -> EndpointSpec:
    block = IPBlock(ipaddress.ip_network(cidr), tuple(ipaddress.ip_network(e) for e in excepts))
    return EndpointSpec(span=SPAN, ip_block=block)


def service(name: str, namespace: str) -> EndpointSpec:
    return EndpointSpec(span=SPAN, namespace=namespace, service=name)


def workload_ep(name: str, namespace: str) -> EndpointSpec:
    return EndpointSpec(span=SPAN, namespace=namespace, workload=name)


def prop(src, dst, expect="unreachable", scope="any", ports=(), name="p", allow_vacuous=False) -> Property:
    return Property(name, src, dst, tuple(ports), expect, scope, SPAN, allow_vacuous=allow_vacuous)


def props(*properties: Property) -> PropertiesFile:
    return PropertiesFile("props.yaml", (), tuple(properties))
