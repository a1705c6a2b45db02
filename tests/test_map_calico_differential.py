"""`map` under Calico against the reference evaluator, on generated Calico clusters (tests/differential_calico.py:
tiers with order ties, every action, selector expressions with string tests, nets/notNets over pod addresses,
ports/notPorts, source ports, network sets, ServiceAccounts, NetworkPolicies, admin policies).

A map row between two workloads must hold a port exactly when some pod of each (at some address its pods may
have) connects on it from some source port, as `eval` says. Classes that merged workloads a selector tells
apart (a string test, a service account, an address cut), a port or source-port cell split wrongly, or a fold
that read the generic chain would each show here. The default suite draws a few clusters; the slow run
(`-m slow`) 300 clusters with 5 pairs each (1,500 cases; each cluster maps every class pair).
"""

from __future__ import annotations

from types import SimpleNamespace

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import pytest

from differential_calico import calico_clusters
from netverify.analyses.map import connectivity_map
from netverify.analyses.map_calico import calico_address_plan, source_port_starts
from netverify.eval.addresses import same_family, share_a_pod_address
from netverify.eval.concrete import endpoint_of, evaluate
from netverify.model.flow import Flow
from netverify.model.ports import PROTOCOLS
from netverify.model.semantics import Semantics

CALICO = Semantics(cni="calico")
DEFAULT = settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])
SLOW = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
PAIRS_PER_CLUSTER = 5


def _label(w) -> str:
    return f"{w.namespace}/{w.display_name}[{w.kind}]"


def _expected(c, a, b, protocol, port, starts) -> bool | None:
    """Some pod of a reaches some pod of b on (protocol, port) from some source port; None: unknown."""
    plan = calico_address_plan([c])
    found = False
    for ea in plan.replicas(a, endpoint_of(c, a)):
        for eb in plan.replicas(b, endpoint_of(c, b)):
            if not same_family(ea, eb) or share_a_pod_address(ea, eb):
                continue
            for sp in starts:
                v = evaluate(c, Flow(ea, eb, protocol, port, src_port=sp), semantics=CALICO)
                if v.unknown_reason is not None:
                    return None
                found = found or v.allowed
    return found


def check(data) -> None:
    c = data.draw(calico_clusters())
    if len(c.workloads) < 2:
        return
    cmap = connectivity_map(c, semantics=CALICO)
    if cmap.unknown_reason is not None:
        return  # the map says unknown: it claims no row
    rows = {(x.src.label, x.dst.label): x.protocols for x in cmap.connections}
    classes = [SimpleNamespace(endpoint=endpoint_of(c, w)) for w in c.workloads]
    starts = source_port_starts(c, classes)
    ports = sorted({1, 2, 53, 80, 443, 8080, 65535, *(cp.port for w in c.workloads for cp in w.ports)})
    for _ in range(PAIRS_PER_CLUSTER):
        a, b = data.draw(st.permutations(c.workloads))[:2]
        protocol = data.draw(st.sampled_from(PROTOCOLS))
        port = data.draw(st.sampled_from(ports))
        expected = _expected(c, a, b, protocol, port, starts)
        if expected is None:
            continue
        shown = rows.get((_label(a), _label(b)), {}).get(protocol)
        assert (shown is not None and port in shown) == expected, (_label(a), _label(b), protocol, port, shown)


@DEFAULT
@given(st.data())
def test_map_rows_are_the_evaluators_verdicts(data):
    check(data)


@pytest.mark.slow
@SLOW
@given(st.data())
def test_map_rows_are_the_evaluators_verdicts_slow(data):
    check(data)
