"""NetworkPolicy `ports` entries (and the same shape in properties files) → model.PortMatch."""

from __future__ import annotations

from netverify.load.k8s_schema import PolicyPortSpec
from netverify.load.site import Site
from netverify.model.k8s_names import is_port_name
from netverify.model.policy import PortMatch
from netverify.model.ports import MAX_PORT, MIN_PORT, Protocol

def port_match(spec: PolicyPortSpec, site: Site) -> PortMatch:
    protocol = Protocol(spec.protocol or "TCP")
    port = spec.port
    if port is None:
        if spec.endPort is not None:
            raise site.at("endPort").error("endPort needs a numeric port")
        return PortMatch(protocol, None, None, site.span())
    if isinstance(port, str):
        if spec.endPort is not None:
            raise site.at("endPort").error(f"endPort cannot be used with a named port ({port!r})")
        check_port_name(port, site.at("port"))
        return PortMatch(protocol, port, None, site.span())
    check_port_number(port, site.at("port"))
    if spec.endPort is not None:
        check_port_number(spec.endPort, site.at("endPort"))
        if spec.endPort < port:
            raise site.at("endPort").error(f"endPort {spec.endPort} is below port {port}")
    return PortMatch(protocol, port, spec.endPort, site.span())


def check_port_number(port: int, site: Site) -> None:
    if not MIN_PORT <= port <= MAX_PORT:
        raise site.error(f"port {port} is out of range ({MIN_PORT}-{MAX_PORT})")


def check_port_name(name: str, site: Site) -> None:
    if name.isdigit():
        raise site.error(f"{name!r} is a quoted number: write the port without quotes")
    check_iana_service_name(name, site)


def check_iana_service_name(name: str, site: Site) -> None:
    """A port name (IANA_SVC_NAME): what containers' ports and named ports in policies must be."""
    if not is_port_name(name):
        raise site.error(
            f"{name!r} is not a valid port name: at most 15 lowercase letters, digits and '-', with a letter, "
            "no '--', not starting or ending with '-'"
        )
