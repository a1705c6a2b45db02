"""`ipBlock: {cidr, except}` → model.IPBlock, validated like the API server does."""

from __future__ import annotations

import ipaddress

from netverify.load.k8s_schema import IPBlockSpec
from netverify.load.site import Site
from netverify.model.ipblock import IPBlock, IPNetwork


def ip_block(spec: IPBlockSpec, site: Site, warnings: list[str] | None) -> IPBlock:
    """`warnings` None: a CIDR with host bits set is an error instead of a warning."""
    cidr = parse_cidr(spec.cidr, site.at("cidr"), warnings)
    excepts: list[IPNetwork] = []
    for i, text in enumerate(spec.except_ or ()):
        here = site.at("except", i)
        network = parse_cidr(text, here, warnings)
        # The API server demands a strict subset: same version, inside cidr, and a longer prefix.
        if network.version != cidr.version:
            raise here.error(f"{text} is IPv{network.version} but cidr {cidr} is IPv{cidr.version}")
        if not network.subnet_of(cidr) or network.prefixlen <= cidr.prefixlen:  # type: ignore[arg-type]
            raise here.error(f"{text} is not a strict subset of cidr {cidr}")
        excepts.append(network)
    return IPBlock(cidr, tuple(excepts))


def parse_cidr(text: str, site: Site, warnings: list[str] | None) -> IPNetwork:
    if "/" not in text:
        raise site.error(f"{text!r} is not a CIDR (write an address with a prefix length, e.g. {text}/32)")
    try:
        network = ipaddress.ip_network(text, strict=False)
    except ValueError as exc:
        raise site.error(f"{text!r} is not a valid CIDR ({exc})") from None
    if ipaddress.ip_address(text.split("/", 1)[0]) != network.network_address:
        if warnings is None:
            raise site.error(f"{text} has host bits set: write the network address, {network}")
        warnings.append(f"{site.where()}: {site.field}: {text} has host bits set; read as {network}")
    return network
