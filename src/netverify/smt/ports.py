"""A rule's (or a property's) port entries as a formula over the connection and the destination."""

from __future__ import annotations

import z3

from netverify.model.policy import PortMatch
from netverify.smt.session import SolverSession
from netverify.smt.symbols import SymbolicConnection, SymbolicEndpoint, protocol_index


def port_match(session: SolverSession, entry: PortMatch, conn: SymbolicConnection, dst: SymbolicEndpoint) -> z3.BoolRef:
    narrowing = _narrowing(session, entry, conn)
    if not narrowing:
        return _destination_match(session, entry, conn, dst)
    return session.and_([_destination_match(session, entry, conn, dst), *narrowing])


def _narrowing(session: SolverSession, entry: PortMatch, conn: SymbolicConnection) -> list[z3.BoolRef]:
    """A property entry's source port range and ICMP type / code (a NetworkPolicy entry has none)."""
    out = []
    if entry.src_port is not None:
        assert conn.src_port is not None, "a source port needs a connection with one (SymbolicConnection.new)"
        end = entry.src_end_port if entry.src_end_port is not None else entry.src_port
        out += [conn.src_port >= entry.src_port, conn.src_port <= end]
    for wanted, var in ((entry.icmp_type, conn.icmp_type), (entry.icmp_code, conn.icmp_code)):
        if wanted is not None:
            assert var is not None, "an ICMP type needs a connection with one (SymbolicConnection.new)"
            out.append(session.eq(var, wanted))
    return out


def _destination_match(session: SolverSession, entry: PortMatch, conn: SymbolicConnection,
                       dst: SymbolicEndpoint) -> z3.BoolRef:
    proto = protocol_index(entry.protocol)
    same_protocol = session.eq(conn.protocol, proto)
    if entry.port is None:
        return same_protocol
    if isinstance(entry.port, str):
        # A named port resolves on the destination pod: name and protocol must both match there.
        if dst.is_external:
            return session.false()
        # Any of the pod's ports of that name will do (two containers may use one name).
        return session.and_([same_protocol, session.or_(
            session.and_([v.has, session.eq(v.protocol, proto), conn.port == v.number])
            for v in dst.named_ports.get(entry.port, ())
        )])
    if entry.end_port is not None:
        return session.and_([same_protocol, conn.port >= entry.port, conn.port <= entry.end_port])
    return session.and_([same_protocol, session.eq(conn.port, entry.port)])


PortCache = dict[tuple, z3.BoolRef]


def ports_match(
    session: SolverSession, entries: tuple[PortMatch, ...], conn: SymbolicConnection, dst: SymbolicEndpoint,
    cache: PortCache | None = None,
) -> z3.BoolRef:
    """Empty entries: every port and protocol. `cache`: formulas of entries already seen (many rules share
    the same `TCP/53` entry), keyed by what the entry means, not where it is written."""
    if not entries:
        return session.true()
    if cache is None:
        return session.or_(port_match(session, e, conn, dst) for e in entries)
    parts = []
    for e in entries:
        key = (e.protocol, e.port, e.end_port, e.src_port, e.src_end_port, e.icmp_type, e.icmp_code, id(conn), id(dst))
        if key not in cache:
            cache[key] = port_match(session, e, conn, dst)
        parts.append(cache[key])
    return session.or_(parts)
