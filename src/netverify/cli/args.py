"""Parsing command-line values that are more than a plain string."""

from __future__ import annotations

from netverify.analyses.refs import find_workload
from netverify.errors import UsageError
from netverify.model.cluster import Cluster
from netverify.model.ports import Protocol, parse_protocol


def parse_port(text: str) -> tuple[Protocol, int]:
    """`3306/TCP`, `TCP/3306`, `udp/53`, `UDPLite/53` or `3306` (TCP) -> (protocol, port); `ICMP`, `ICMPv6`
    or `protocol/47` (any IP protocol by number) -> (protocol, 0) for a protocol without ports."""
    parts = text.strip().split("/")
    if len(parts) == 2 and parts[0].strip().lower() == "protocol":
        found = parse_protocol(parts[1].strip()) if parts[1].strip().isdigit() else None
        if found is None:
            raise UsageError(f"--port {text!r}: protocol/NUMBER takes an IP protocol number 0-255")
        return _portless(found, text)
    if len(parts) == 1 and not parts[0].strip().isdigit():
        found = parse_protocol(parts[0])
        if found is not None and not found.has_ports:
            return found, 0
        raise UsageError(f"--port {text!r}: expected PORT/PROTOCOL (e.g. 3306/TCP), ICMP, ICMPv6 or protocol/NUMBER")
    if len(parts) == 1:
        parts.append("TCP")
    if len(parts) != 2:
        raise UsageError(f"--port {text!r}: expected PORT/PROTOCOL, e.g. 3306/TCP")
    number, proto = (parts[0], parts[1]) if parts[0].strip().isdigit() else (parts[1], parts[0])
    protocol = parse_protocol(proto) if not proto.strip().isdigit() else None
    if protocol is None:
        raise UsageError(f"--port {text!r}: unknown protocol {proto!r}; use TCP, UDP, SCTP or UDPLite with a port, "
                         "ICMP, ICMPv6 or protocol/NUMBER without")
    if not protocol.has_ports:
        raise UsageError(f"--port {text!r}: {protocol.label} has no ports; write --port {protocol}")
    if not number.strip().isdigit() or not 1 <= int(number) <= 65535:
        raise UsageError(f"--port {text!r}: the port must be a number from 1 to 65535")
    return protocol, int(number)


def _portless(protocol: Protocol, text: str) -> tuple[Protocol, int]:
    if protocol.has_ports:
        raise UsageError(f"--port {text!r}: {protocol} has ports; write --port PORT/{protocol}")
    return protocol, 0


def default_port(cluster: Cluster, dst: str) -> tuple[Protocol, int]:
    """Without --port, explain the destination workload's first declared container port."""
    workload = find_workload(cluster, dst, "destination")
    if workload is None or not workload.ports:
        raise UsageError(
            f"--port is needed: {dst} is not a workload with a declared container port (e.g. --port 3306/TCP)"
        )
    first = workload.ports[0]
    return first.protocol, first.port
