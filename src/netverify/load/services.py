"""Service → model.Service (selector and port → targetPort mapping)."""

from __future__ import annotations

from netverify.load.k8s_schema import ServiceModel
from netverify.load.names import check_labels, is_dns_label
from netverify.load.ports import check_port_name, check_port_number
from netverify.load.site import Site
from netverify.model.cluster import Service, ServicePort
from netverify.model.ports import Protocol


def service(namespace: str, name: str, model: ServiceModel, site: Site) -> Service:
    spec = model.spec
    ports: list[ServicePort] = []
    for i, port in enumerate((spec.ports if spec else None) or ()):
        here = site.at("spec", "ports", i)
        check_port_number(port.port, here.at("port"))
        if port.name and not is_dns_label(port.name):
            raise here.at("name").error(
                f"{port.name!r} is not a valid Service port name: an RFC 1123 label (lowercase letters, digits, '-')"
            )
        target = port.targetPort if port.targetPort is not None else port.port
        if isinstance(target, int):
            check_port_number(target, here.at("targetPort"))
        else:
            check_port_name(target, here.at("targetPort"))
        ports.append(ServicePort(port.name, port.port, target, Protocol(port.protocol or "TCP")))
    check_labels(spec.selector if spec else None, site.at("spec", "selector"))
    # An empty selector is no selector: the API says endpoints are then managed by something else.
    selector = dict(spec.selector) if spec and spec.selector else None
    return Service(namespace, name, selector, tuple(ports), site.span())
