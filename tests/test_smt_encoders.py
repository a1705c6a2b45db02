"""Each encoder agrees with the model's concrete meaning: selectors, namespace selectors, ipBlocks, ports."""

from __future__ import annotations

import ipaddress

from hypothesis import given, settings
from hypothesis import strategies as st

from builders import cport, cluster, namespace, port, sel, workload
from netverify.eval.concrete import port_matches
from netverify.model.ipblock import IPBlock
from netverify.model.labels import OPERATORS, LabelSelector, Requirement
from netverify.model.ports import PROTOCOLS
from netverify.smt.ports import port_match
from netverify.smt.selectors import SelectorEncoder
from netverify.smt.session import SolverSession
from netverify.smt.symbols import (
    NamespaceTable,
    SymbolicConnection,
    SymbolicIP,
    SymbolicLabels,
    new_pod,
    pod_domain,
    protocol_index,
)
from netverify.smt.universe import LabelUniverse

KEYS = ["app", "tier", "env"]
VALUES = ["a", "b", "c", "d"]

requirements = st.builds(
    lambda key, op, values: Requirement(key, op, frozenset(values) if op in ("In", "NotIn") else frozenset()),
    st.sampled_from(KEYS),
    st.sampled_from(OPERATORS),
    st.sets(st.sampled_from(VALUES[:3]), min_size=1, max_size=2),
)
selectors = st.builds(lambda rs: LabelSelector(tuple(rs)), st.lists(requirements, max_size=3))
label_maps = st.dictionaries(st.sampled_from(KEYS + ["other"]), st.sampled_from(VALUES), max_size=4)


def _holds(session: SolverSession, formula, *pins) -> bool:
    answer = session.check(*pins, formula)
    assert answer.verdict != "unknown"
    return answer.sat


@settings(max_examples=150, deadline=None)
@given(selectors, label_maps)
def test_label_selector_formula_matches_exactly_like_the_model(selector, labels):
    s = SolverSession()
    universe = LabelUniverse.of([selector])
    sym = SymbolicLabels(s, universe, "pod")
    s.add(*sym.domain())
    formula = SelectorEncoder(s, NamespaceTable((), ())).labels(selector, sym)
    assert _holds(s, formula, sym.equals(labels)) == selector.matches(labels)


@settings(max_examples=100, deadline=None)
@given(selectors)
def test_a_selector_is_satisfiable_iff_some_label_map_over_the_universe_matches(selector):
    # The universe (mentioned values + one fresh value + absent, per key) is exact: brute force agrees.
    s = SolverSession()
    universe = LabelUniverse.of([selector])
    sym = SymbolicLabels(s, universe, "pod")
    s.add(*sym.domain())
    formula = SelectorEncoder(s, NamespaceTable((), ())).labels(selector, sym)
    maps = [{}]
    for key, kv in universe.keys.items():
        maps = [m | extra for m in maps for extra in [{}] + [{key: v} for v in (*kv.values, kv.fresh)]]
    assert _holds(s, formula) == any(selector.matches(m) for m in maps)


@settings(max_examples=80, deadline=None)
@given(selectors, label_maps, st.booleans())
def test_namespace_selector_uses_fixed_labels_of_existing_and_symbolic_labels_of_fresh(selector, labels, fresh):
    c = cluster(namespace("shop", labels), workload("w", "shop"))
    table = NamespaceTable.of(c)
    s = SolverSession()
    universe = LabelUniverse.of([selector], extra={"kubernetes.io/metadata.name": ["new"]})
    pod = new_pod(s, "src", universe, ())
    pod.namespaces = frozenset(table.names)
    s.add(*pod_domain(pod, table, universe))
    enc = SelectorEncoder(s, table)
    ns_labels = {**labels, "kubernetes.io/metadata.name": "shop"}
    if fresh:
        ns_labels = {**labels, "kubernetes.io/metadata.name": "new"}
        pin = [pod.ns == table.fresh_index, pod.ns_labels.equals(ns_labels)]
    else:
        pin = [pod.ns == table.index("shop")]
    assert _holds(s, enc.namespace(selector, pod), *pin) == selector.matches(ns_labels)


def test_a_fresh_namespace_never_takes_an_existing_name():
    c = cluster(namespace("shop"), workload("w", "shop"))
    table = NamespaceTable.of(c)
    s = SolverSession()
    universe = LabelUniverse.of([sel({"kubernetes.io/metadata.name": "shop"})])
    pod = new_pod(s, "src", universe, ())
    s.add(*pod_domain(pod, table, universe))
    kv = universe.keys["kubernetes.io/metadata.name"]
    assert not _holds(s, pod.ns_labels.val["kubernetes.io/metadata.name"] == kv.index("shop"))


networks4 = st.builds(
    lambda addr, plen: ipaddress.ip_network((addr, plen), strict=False),
    st.integers(0, 2**32 - 1), st.integers(0, 32),
)
addresses = st.one_of(
    st.builds(ipaddress.IPv4Address, st.integers(0, 2**32 - 1)),
    st.builds(ipaddress.IPv6Address, st.integers(0, 2**128 - 1)),
)


@settings(max_examples=150, deadline=None)
@given(networks4, st.lists(st.integers(0, 8), max_size=2), addresses)
def test_ipblock_formula_contains_exactly_the_models_addresses(cidr, extra_bits, ip):
    excepts = tuple(
        ipaddress.ip_network((int(cidr.network_address), min(32, cidr.prefixlen + b)), strict=False)
        for b in extra_bits
    )
    block = IPBlock(cidr, excepts)
    s = SolverSession()
    sym = SymbolicIP(s, "x")
    assert _holds(s, sym.in_block(block), sym.equals(ip)) == block.contains(ip)


def test_ipv6_blocks_and_a_missing_address():
    block = IPBlock(ipaddress.ip_network("2001:db8::/32"), (ipaddress.ip_network("2001:db8:1::/48"),))
    s = SolverSession()
    sym = SymbolicIP(s, "x")
    assert _holds(s, sym.in_block(block), sym.equals(ipaddress.ip_address("2001:db8:2::1")))
    assert not _holds(s, sym.in_block(block), sym.equals(ipaddress.ip_address("2001:db8:1::1")))
    assert not _holds(s, sym.in_block(block), sym.equals(None))


port_entries = st.one_of(
    st.builds(lambda p, n: port(n, p), st.sampled_from([str(p) for p in PROTOCOLS]), st.integers(1, 20)),
    st.builds(lambda p, n, k: port(n, p, end=n + k), st.sampled_from([str(p) for p in PROTOCOLS]),
              st.integers(1, 20), st.integers(0, 5)),
    st.builds(lambda p, n: port(n, p), st.sampled_from([str(p) for p in PROTOCOLS]), st.sampled_from(["http", "dns"])),
    st.builds(lambda p: port(None, p), st.sampled_from([str(p) for p in PROTOCOLS])),
)
container_ports = st.lists(  # names may clash: two containers can name a port alike
    st.builds(lambda n, name, p: cport(n, name, p), st.integers(1, 20), st.sampled_from(["http", "dns", None]),
              st.sampled_from([str(p) for p in PROTOCOLS])),
    max_size=4, unique=True,
)


@settings(max_examples=150, deadline=None)
@given(port_entries, container_ports, st.sampled_from(PROTOCOLS), st.integers(1, 25))
def test_port_entry_formula_matches_the_evaluator_named_ports_resolved_on_the_destination(entry, ports, proto, number):
    from builders import pod

    s = SolverSession()
    universe = LabelUniverse.of([])
    named = {name: [c for c in ports if c.name == name] for name in ("dns", "http")}
    dst = new_pod(s, "dst", universe, ("dns", "http"), {n: max(1, len(cs)) for n, cs in named.items()})
    conn = SymbolicConnection(s.int("proto"), s.int("port"))
    pins = [conn.protocol == protocol_index(proto), conn.port == number]
    for name, slots in dst.named_ports.items():
        for i, vars_ in enumerate(slots):
            if i >= len(named[name]):
                pins.append(vars_.has == False)  # noqa: E712 - a z3 term, not a Python comparison
            else:
                cp = named[name][i]
                pins += [vars_.has, vars_.number == cp.port, vars_.protocol == protocol_index(cp.protocol)]
    expected = port_matches(entry, proto, number, pod("x", ports=ports))
    assert _holds(s, port_match(s, entry, conn, dst), *pins) == expected
