"""A properties file's `ports` entry → model.PortMatch: any IP protocol, source ports, ICMP type and code.

The NetworkPolicy shape (protocol TCP/UDP/SCTP, port, endPort: load/ports.py) plus what a property may ask
about beyond it: the protocols Calico and Cilium name (UDPLite, ICMP, ICMPv6, numbers 0-255, names in any
letter case as they accept them), a source port range, an ICMP type and code. A field the protocol does not
carry (a port of ICMP, a type of TCP) is an error: it would silently match nothing.
"""

from __future__ import annotations

import difflib

from netverify.load.ports import check_port_number, port_match
from netverify.load.properties_schema import StrictPort
from netverify.load.site import Site
from netverify.model.policy import PortMatch
from netverify.model.ports import MAX_ICMP, PROTOCOLS, Protocol, parse_protocol

_NAMES = [p.value for p in Protocol]


def property_port(spec: StrictPort, site: Site) -> PortMatch:
    protocol = _protocol(spec.protocol, site.at("protocol"))
    if protocol.has_ports:
        if protocol not in PROTOCOLS and isinstance(spec.port, str):
            raise site.at("port").error(f"a named port is a container port, which is TCP, UDP or SCTP, never "
                                        f"{protocol}: write the number")
        base = port_match(spec.model_copy(update={"protocol": None}), site)
        entry = PortMatch(protocol, base.port, base.end_port, base.span)
        return _with_source_ports(entry, spec, site)
    for field in ("port", "endPort", "sourcePort", "sourceEndPort"):
        if getattr(spec, field) is not None:
            instead = "; use icmpType / icmpCode" if protocol.is_icmp else ""
            raise site.at(field).error(f"{protocol.label} has no ports{instead}")
    if not protocol.is_icmp:
        for field in ("icmpType", "icmpCode"):
            if getattr(spec, field) is not None:
                raise site.at(field).error(f"{field} is for ICMP and ICMPv6 only, not {protocol.label}")
        return PortMatch(protocol, None, None, site.span())
    if spec.icmpCode is not None and spec.icmpType is None:
        raise site.at("icmpCode").error("icmpCode needs icmpType (a code means something only within a type)")
    for field in ("icmpType", "icmpCode"):
        value = getattr(spec, field)
        if value is not None and not 0 <= value <= MAX_ICMP:
            raise site.at(field).error(f"{field} {value} is out of range (0-{MAX_ICMP})")
    return PortMatch(protocol, None, None, site.span(), icmp_type=spec.icmpType, icmp_code=spec.icmpCode)


def _protocol(written: str | int | None, site: Site) -> Protocol:
    if written is None:
        return Protocol.TCP
    found = parse_protocol(written)
    if found is not None:
        return found
    near = difflib.get_close_matches(str(written).upper(), [n.upper() for n in _NAMES], n=1)
    hint = f" (did you mean {_NAMES[[n.upper() for n in _NAMES].index(near[0])]!r}?)" if near else ""
    raise site.error(f"{written!r} is not a protocol: use TCP, UDP, SCTP, UDPLite, ICMP, ICMPv6 or an IP protocol "
                     f"number 0-255{hint}")


def _with_source_ports(entry: PortMatch, spec: StrictPort, site: Site) -> PortMatch:
    if spec.icmpType is not None or spec.icmpCode is not None:
        field = "icmpType" if spec.icmpType is not None else "icmpCode"
        raise site.at(field).error(f"{field} is for ICMP and ICMPv6 only, not {entry.protocol}")
    if spec.sourcePort is None:
        if spec.sourceEndPort is not None:
            raise site.at("sourceEndPort").error("sourceEndPort needs sourcePort")
        return entry
    check_port_number(spec.sourcePort, site.at("sourcePort"))
    end = spec.sourceEndPort
    if end is not None:
        check_port_number(end, site.at("sourceEndPort"))
        if end < spec.sourcePort:
            raise site.at("sourceEndPort").error(f"sourceEndPort {end} is below sourcePort {spec.sourcePort}")
    return PortMatch(entry.protocol, entry.port, entry.end_port, entry.span, spec.sourcePort, end)
