"""The classes of connection a differential oracle must try: every protocol a policy or property can tell
apart, the ports, source ports and ICMP types / codes they cut at (tests/test_differential_prove.py and
tests/test_differential_anp.py)."""

from __future__ import annotations

from netverify.model.flow import ExternalEndpoint, Flow
from netverify.model.ports import PROTOCOLS, Protocol


def connection_candidates(port_numbers, entries) -> list[tuple[Protocol, int, int | None, int | None, int | None]]:
    """(protocol, port, source port, ICMP type, ICMP code) for every class of connection a policy or a property
    entry can tell apart: each protocol named anywhere plus representatives of the rest, the given destination
    ports, the source ports and ICMP types / codes entries cut at (and one beyond). Exact for NetworkPolicy and
    admin policies, which tell apart only TCP/UDP/SCTP ports and "another protocol"."""
    named = {e.protocol for e in entries}
    protocols = sorted({*PROTOCOLS, Protocol.UDPLite, Protocol.ICMP, Protocol.ICMPv6, Protocol.of(0),
                        Protocol.of(47), *named}, key=lambda p: p.number)
    # Only a property entry reads source ports and ICMP fields (policies here cannot): one value each unless
    # an entry cuts there.
    src_ports, types, codes = {1}, {0}, {0}
    for e in entries:
        if e.src_port is not None:
            hi = e.src_end_port if e.src_end_port is not None else e.src_port
            src_ports.update({e.src_port - 1, e.src_port, hi, hi + 1, 65535})
        if e.icmp_type is not None:
            types.update({e.icmp_type, e.icmp_type + 1})
        if e.icmp_code is not None:
            codes.update({e.icmp_code, e.icmp_code + 1})
    out = []
    for proto in protocols:
        if proto.has_ports:
            # UDPLite is "another protocol" to NetworkPolicy: its ports matter only where a property names it.
            numbers = port_numbers if proto in PROTOCOLS or proto in named else port_numbers[:1]
            out += [(proto, n, sp, None, None) for n in numbers for sp in sorted(src_ports) if 1 <= sp <= 65535]
        elif proto.is_icmp:
            out += [(proto, 0, None, t, c) for t in sorted(types) for c in sorted(codes)]
        else:
            out.append((proto, 0, None, None, None))
    return out


def connection_flow(src, dst, candidate) -> Flow | None:
    """The concrete flow, or None when the protocol cannot reach an outside address (ICMP is IPv4's, ICMPv6
    IPv6's; a pod may have both families: smt/symbols.icmp_family)."""
    proto, number, sp, t, c = candidate
    families = {e.ip.version for e in (src, dst) if isinstance(e, ExternalEndpoint)}
    if (proto is Protocol.ICMP and 6 in families) or (proto is Protocol.ICMPv6 and 4 in families):
        return None
    return Flow(src, dst, proto, number, sp, t, c)
