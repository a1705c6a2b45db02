"""`explain --port`: one port (`3306/TCP`), a range (`8080-8090`, `8080-8090/UDP`) or a container port name of the
destination (`postgres`, `dns/UDP`), and explain's exit code (0 allowed, 1 blocked, 3 not decided)."""

from __future__ import annotations

import difflib
import re

from netverify.analyses.refs import find_workload
from netverify.cli.args import default_port, parse_port
from netverify.cli.guard import EXIT_FAILED, EXIT_OK, EXIT_UNKNOWN
from netverify.errors import UsageError
from netverify.findings import Explanation, PortExplanations
from netverify.model.cluster import Cluster
from netverify.model.ports import MAX_PORT, MIN_PORT, Protocol

# Explaining is one evaluation per port: a range beyond this is a map question (`netverify map --focus`).
MAX_EXPLAINED_PORTS = 4096
_RANGE = re.compile(r"^\s*(\d+)\s*-\s*(\d+)\s*$")
_NAME = re.compile(r"^[a-z0-9]([a-z0-9-]*[a-z0-9])?$")  # an IANA service name, as a container port name is


def _protocol(text: str, written: str) -> Protocol:
    try:
        return Protocol(text.strip().upper())
    except ValueError:
        near = difflib.get_close_matches(text.strip().upper(), [p.value for p in Protocol], n=1, cutoff=0.5)
        hint = f" (did you mean {near[0]}?)" if near else ""
        raise UsageError(f"--port {written!r}: unknown protocol {text.strip()!r}{hint}; use TCP, UDP or SCTP") from None


def ports_to_explain(text: str | None, cluster: Cluster, dst: str) -> tuple[list[tuple[Protocol, int]], str | None]:
    """(every (protocol, port) to explain, the port name when `text` is one)."""
    if text is None:
        return [default_port(cluster, dst)], None
    value, slash, proto_text = text.partition("/")
    if slash and value.strip().upper() in {p.value for p in Protocol}:  # TCP/8080-8090, as `3306/TCP` is TCP/3306
        value, proto_text = proto_text, value
    protocol = _protocol(proto_text, text) if slash else None
    if (m := _RANGE.match(value)) is not None:
        lo, hi = int(m.group(1)), int(m.group(2))
        if not MIN_PORT <= lo <= hi <= MAX_PORT:
            raise UsageError(f"--port {text!r}: a range is FIRST-LAST with {MIN_PORT} <= FIRST <= LAST <= {MAX_PORT}")
        if hi - lo + 1 > MAX_EXPLAINED_PORTS:
            raise UsageError(f"--port {text!r}: at most {MAX_EXPLAINED_PORTS} ports at a time (netverify map "
                             "--focus shows every port)")
        return [(protocol or Protocol.TCP, p) for p in range(lo, hi + 1)], None
    name = value.strip()
    if name.isdigit() or not _NAME.match(name):
        return [parse_port(text)], None
    return _named(cluster, dst, name, protocol, text), name


def _named(cluster: Cluster, dst: str, name: str, protocol: Protocol | None, written: str) -> list[tuple[Protocol, int]]:
    """A container port name resolves on the destination's pods (as a policy's named port does): every port of
    that name, a name two containers share included."""
    workload = find_workload(cluster, dst, "destination")
    if workload is None:
        raise UsageError(f"--port {written!r}: a port name needs a destination workload; {dst} is an address "
                         "(give a number, e.g. --port 5432)")
    found = sorted({(p.protocol, p.port) for p in workload.ports if p.name == name
                    and (protocol is None or p.protocol == protocol)}, key=lambda e: (list(Protocol).index(e[0]), e[1]))
    if not found:
        names = sorted({p.name for p in workload.ports if p.name})
        near = difflib.get_close_matches(name, names, n=1, cutoff=0.6)
        hint = f"did you mean {near[0]!r}? " if near else ""
        raise UsageError(f"--port {written!r}: {workload.ref} has no container port named {name!r}"
                         + (f" for {protocol}" if protocol else "") + f" ({hint}its ports: "
                         + (", ".join(f"{p.name}={p.port}/{p.protocol}" for p in workload.ports if p.name) or "none named")
                         + ")")
    return found


def explain_exit_code(result: Explanation | PortExplanations) -> int:
    """0: allowed (every port, every pod asked about); 1: blocked (some port or pod); 3: not decided (a kind not
    modelled, an unknown address, or same-priority admin policies that leave it to the CNI)."""
    parts = result.parts if isinstance(result, PortExplanations) else (result,)
    if any(e.unknown_reason is not None or e.address_unknown or e.decision in ("ambiguous", "unknown") for e in parts):
        return EXIT_UNKNOWN
    if all(e.allowed and not e.depends_on_address for e in parts):
        return EXIT_OK
    return EXIT_FAILED
