"""`explain --port A-B` and named ports: one verdict per port, runs of ports that agree rule for rule shown once."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import replace

from netverify.findings import Explanation, PortExplanations
from netverify.model.ports import Protocol

ExplainOne = Callable[[Protocol, int], Explanation]


def _same(a: Explanation, b: Explanation) -> bool:
    """The same verdict and the same rules, whatever the port: one line of output can stand for both."""
    return replace(a, port=0, port_end=None) == replace(b, port=0, port_end=None)


def explain_ports(ports: Iterable[tuple[Protocol, int]], explain_one: ExplainOne,
                  port_name: str | None = None) -> Explanation | PortExplanations:
    """Each (protocol, port) explained; neighbouring ports of one protocol that agree merge into one run
    (`port`..`port_end`). One run is an Explanation, as for one port; several are PortExplanations."""
    runs: list[Explanation] = []
    for protocol, port in ports:
        e = replace(explain_one(protocol, port), port_name=port_name)
        last = runs[-1] if runs else None
        if (last is not None and last.protocol == protocol and (last.port_end or last.port) + 1 == port
                and _same(last, e)):
            runs[-1] = replace(last, port_end=port)
        else:
            runs.append(e)
    return runs[0] if len(runs) == 1 else PortExplanations(tuple(runs))
