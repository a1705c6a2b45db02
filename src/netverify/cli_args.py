"""Parsing command-line values that are more than a plain string."""

from __future__ import annotations

from netverify.analyses.refs import find_workload
from netverify.errors import UsageError
from netverify.model.cluster import Cluster
from netverify.model.ports import Protocol


def parse_port(text: str) -> tuple[Protocol, int]:
    """`3306/TCP`, `TCP/3306`, `udp/53` or `3306` (TCP) -> (protocol, port)."""
    parts = text.strip().split("/")
    if len(parts) == 1:
        parts.append("TCP")
    if len(parts) != 2:
        raise UsageError(f"--port {text!r}: expected PORT/PROTOCOL, e.g. 3306/TCP")
    number, proto = (parts[0], parts[1]) if parts[0].strip().isdigit() else (parts[1], parts[0])
    try:
        protocol = Protocol(proto.strip().upper())
    except ValueError:
        raise UsageError(f"--port {text!r}: unknown protocol {proto!r}; use TCP, UDP or SCTP") from None
    if not number.strip().isdigit() or not 1 <= int(number) <= 65535:
        raise UsageError(f"--port {text!r}: the port must be a number from 1 to 65535")
    return protocol, int(number)


def default_port(cluster: Cluster, dst: str) -> tuple[Protocol, int]:
    """Without --port, explain the destination workload's first declared container port."""
    workload = find_workload(cluster, dst, "destination")
    if workload is None or not workload.ports:
        raise UsageError(
            f"--port is needed: {dst} is not a workload with a declared container port (e.g. --port 3306/TCP)"
        )
    first = workload.ports[0]
    return first.protocol, first.port
