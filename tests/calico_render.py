"""Calico policies as model records <-> the YAML a user writes: a hypothesis strategy of valid policies (as
Calico's API server accepts them) and a writer, so tests can go through the loader instead of around it.

`policies()` draws CalicoPolicy records whose every field the writer can spell; `policy_document(p, version)`
writes one as a projectcalico.org/v3 or crd.projectcalico.org/v1 object. `without_spans(x)` compares records
regardless of where they were written.
"""

from __future__ import annotations

import dataclasses
import ipaddress
from typing import Any

from hypothesis import strategies as st

from calico_selector_strategies import expressions, texts
from netverify.load.calico_rules import PROTOCOL_NUMBERS
from netverify.model.calico import CalicoPolicy, CalicoPort, CalicoRule, EntityRule, IcmpMatch
from netverify.model.calico_selector import CalicoSelector
from netverify.model.ipblock import IPBlock
from netverify.model.span import NO_SPAN

ACTIONS = {"allow": "Allow", "deny": "Deny", "log": "Log", "pass": "Pass"}
NAMES = {number: name for name, number in PROTOCOL_NUMBERS.items()}
NETS4 = ("10.0.0.0/8", "10.1.0.0/16", "192.168.1.0/24", "0.0.0.0/0", "1.2.3.4/32")


@st.composite
def _selector(draw: st.DrawFn) -> CalicoSelector:
    expr = draw(expressions(max_leaves=4))
    return CalicoSelector(expr, draw(texts(expr)), NO_SPAN)


def _ports(with_numbers: bool) -> st.SearchStrategy[tuple[CalicoPort, ...]]:
    named = st.sampled_from(["http", "metrics", "dns-tcp"]).map(lambda n: CalicoPort(None, None, n, NO_SPAN))
    if not with_numbers:
        return st.lists(named, max_size=2).map(tuple)
    number = st.integers(1, 65535).map(lambda p: CalicoPort(p, p, None, NO_SPAN))
    ranged = st.tuples(st.integers(1, 65535), st.integers(0, 100)).map(
        lambda t: CalicoPort(t[0], min(65535, t[0] + t[1]), None, NO_SPAN))
    return st.lists(st.one_of(named, number, ranged), max_size=3).map(tuple)


@st.composite
def _entity(draw: st.DrawFn, with_numbers: bool, ports_allowed: bool) -> EntityRule:
    nets = tuple(IPBlock(ipaddress.ip_network(n)) for n in draw(st.lists(st.sampled_from(NETS4), max_size=2,
                                                                          unique=True)))
    not_nets = tuple(IPBlock(ipaddress.ip_network(n)) for n in draw(
        st.lists(st.sampled_from([n for n in NETS4 if n != "0.0.0.0/0"]), max_size=1)))
    optional = st.one_of(st.none(), _selector())
    return EntityRule(
        nets=nets, not_nets=not_nets, selector=draw(optional), not_selector=draw(optional),
        namespace_selector=draw(optional),
        ports=draw(_ports(with_numbers)) if ports_allowed else (),
        not_ports=draw(_ports(with_numbers)) if ports_allowed else (),
    )


@st.composite
def _rule(draw: st.DrawFn, direction: str, index: int) -> CalicoRule:
    protocol = draw(st.one_of(st.none(), st.sampled_from([6, 17, 132, 1, 58, 136, 47])))
    with_numbers = protocol in (6, 17, 132)
    ports_allowed = protocol is None or with_numbers
    icmp = draw(st.one_of(st.none(), st.builds(IcmpMatch, st.integers(0, 254), st.one_of(st.none(),
                                                                                          st.integers(0, 255)))))
    return CalicoRule(
        direction=direction, index=index, action=draw(st.sampled_from(list(ACTIONS))), protocol=protocol,  # type: ignore[arg-type]
        not_protocol=draw(st.one_of(st.none(), st.sampled_from([6, 17, 1, 200]))),
        icmp=icmp if protocol in (1, 58) else None, not_icmp=draw(st.one_of(st.none(), st.builds(
            IcmpMatch, st.integers(0, 254), st.none()))),
        ip_version=None,
        source=draw(_entity(with_numbers, ports_allowed)), destination=draw(_entity(with_numbers, ports_allowed)),
        span=NO_SPAN,
    )


@st.composite
def policies(draw: st.DrawFn, namespace: str | None = None) -> CalicoPolicy:
    """A valid (Global)NetworkPolicy in tier default: explicit types, orders with ties, every match field."""
    ingress = tuple(draw(_rule("ingress", i)) for i in range(draw(st.integers(0, 2))))
    egress = tuple(draw(_rule("egress", i)) for i in range(draw(st.integers(0, 2))))
    types = draw(st.sampled_from([("ingress",), ("egress",), ("ingress", "egress")]))
    return CalicoPolicy(
        kind="GlobalNetworkPolicy" if namespace is None else "NetworkPolicy", api_version="projectcalico.org/v3",
        namespace=namespace, name=draw(st.sampled_from(["a", "b", "allow-x", "p.q"])), tier="default",
        order=draw(st.one_of(st.none(), st.sampled_from([0.0, 1.0, 1.5, 100.0, 1000.0]))),
        selector=draw(_selector()), namespace_selector=None, service_account_selector=None,
        types=types, ingress=ingress, egress=egress, span=NO_SPAN,
    )


def _entity_yaml(e: EntityRule) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if e.nets:
        out["nets"] = [str(n.cidr) for n in e.nets]
    if e.not_nets:
        out["notNets"] = [str(n.cidr) for n in e.not_nets]
    for key, sel in (("selector", e.selector), ("notSelector", e.not_selector),
                     ("namespaceSelector", e.namespace_selector)):
        if sel is not None:
            out[key] = sel.text
    for key, ports in (("ports", e.ports), ("notPorts", e.not_ports)):
        if ports:
            out[key] = [p.name if p.name else (p.lo if p.lo == p.hi else f"{p.lo}:{p.hi}") for p in ports]
    return out


def _rule_yaml(r: CalicoRule) -> dict[str, Any]:
    out: dict[str, Any] = {"action": ACTIONS[r.action]}
    if r.protocol is not None:
        out["protocol"] = NAMES.get(r.protocol, r.protocol)
    if r.not_protocol is not None:
        out["notProtocol"] = r.not_protocol
    for key, icmp in (("icmp", r.icmp), ("notICMP", r.not_icmp)):
        if icmp is not None:
            out[key] = {"type": icmp.type, **({"code": icmp.code} if icmp.code is not None else {})}
    for key, entity in (("source", r.source), ("destination", r.destination)):
        written = _entity_yaml(entity)
        if written:
            out[key] = written
    return out


def policy_document(p: CalicoPolicy, version: str = "projectcalico.org/v3") -> dict[str, Any]:
    name = f"default.{p.name}" if version.startswith("crd.") and p.tier == "default" else p.name
    meta: dict[str, Any] = {"name": name, **({"namespace": p.namespace} if p.namespace else {})}
    spec: dict[str, Any] = {"selector": p.selector.text, "types": [t.capitalize() for t in p.types]}
    if p.order is not None:
        spec["order"] = p.order
    if p.ingress:
        spec["ingress"] = [_rule_yaml(r) for r in p.ingress]
    if p.egress:
        spec["egress"] = [_rule_yaml(r) for r in p.egress]
    return {"apiVersion": version, "kind": p.kind, "metadata": meta, "spec": spec}


def without_spans(value: Any) -> Any:
    """`value` with every Span replaced by NO_SPAN, recursively through the records."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        changes = {f.name: without_spans(getattr(value, f.name)) for f in dataclasses.fields(value)}
        changes = {k: (NO_SPAN if k == "span" else v) for k, v in changes.items()}
        return dataclasses.replace(value, **changes)
    if isinstance(value, tuple):
        return tuple(without_spans(v) for v in value)
    return value
