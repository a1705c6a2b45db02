"""A rule's (or a property's) port entries as a formula over the connection and the destination."""

from __future__ import annotations

import z3

from netverify.model.policy import PortMatch
from netverify.smt.session import SolverSession
from netverify.smt.symbols import SymbolicConnection, SymbolicEndpoint, protocol_index


def port_match(session: SolverSession, entry: PortMatch, conn: SymbolicConnection, dst: SymbolicEndpoint) -> z3.BoolRef:
    proto = protocol_index(entry.protocol)
    same_protocol = conn.protocol == proto
    if entry.port is None:
        return same_protocol
    if isinstance(entry.port, str):
        # A named port resolves on the destination pod: name and protocol must both match there.
        if dst.is_external:
            return session.false()
        vars_ = dst.named_ports.get(entry.port)
        if vars_ is None:
            return session.false()
        return z3.And(same_protocol, vars_.has, vars_.protocol == proto, conn.port == vars_.number)
    if entry.end_port is not None:
        return z3.And(same_protocol, conn.port >= entry.port, conn.port <= entry.end_port)
    return z3.And(same_protocol, conn.port == entry.port)


def ports_match(
    session: SolverSession, entries: tuple[PortMatch, ...], conn: SymbolicConnection, dst: SymbolicEndpoint
) -> z3.BoolRef:
    """Empty entries: every port and protocol."""
    if not entries:
        return session.true()
    return session.or_(port_match(session, e, conn, dst) for e in entries)
