"""`explain --port A-B` and `--port NAME` against the concrete evaluator on random policy sets: every port asked
about is in exactly one run, in order; every port of a run gets the run's verdict; neighbouring runs of one
protocol differ (a run is as long as it can be); a name is every container port of the destination that has it."""

from __future__ import annotations

from dataclasses import replace

from differential_strategies import PORT_NAMES, clusters
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from netverify.analyses.explain import explain
from netverify.analyses.explain_ports import explain_ports
from netverify.cli.ports import ports_to_explain
from netverify.errors import UsageError
from netverify.eval.concrete import endpoint_of, evaluate
from netverify.findings import PortExplanations
from netverify.model.flow import Flow
from netverify.model.ports import Protocol


def _pair(data, c):
    refs = sorted({w.ref for w in c.workloads})
    assume(len(refs) >= 2)
    src, dst = data.draw(st.sampled_from(refs)), data.draw(st.sampled_from(refs))
    assume(src != dst)
    return src, dst


def _explained(c, src, dst, ports, name=None):
    try:
        result = explain_ports(ports, lambda p, n: explain(c, src, dst, p, n), name)
    except UsageError:  # a workload whose pods differ and get different verdicts: explain asks for one pod
        assume(False)
    return result.parts if isinstance(result, PortExplanations) else (result,)


def _allowed(c, src, dst, protocol, number) -> bool:
    s, d = c.workloads_named(src)[0], c.workloads_named(dst)[0]
    return evaluate(c, Flow(endpoint_of(c, s), endpoint_of(c, d), protocol, number)).allowed


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(clusters(), st.data())
def test_each_run_of_ports_has_the_verdict_of_every_port_in_it(c, data):
    src, dst = _pair(data, c)
    assume(all(not w.distinct for w in c.workloads))
    protocol = data.draw(st.sampled_from(list(Protocol)))
    lo = data.draw(st.integers(1, 8))
    hi = data.draw(st.integers(lo, lo + 6))
    parts = _explained(c, src, dst, [(protocol, p) for p in range(lo, hi + 1)])
    covered = [p for e in parts for p in range(e.port, (e.port_end or e.port) + 1)]
    assert covered == list(range(lo, hi + 1))
    for e in parts:
        assert e.protocol == protocol
        for number in range(e.port, (e.port_end or e.port) + 1):
            assert _allowed(c, src, dst, protocol, number) == e.allowed, (number, e)
    for a, b in zip(parts, parts[1:]):  # maximal: two neighbours that agreed would have been one run
        assert replace(a, port=0, port_end=None) != replace(b, port=0, port_end=None)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(clusters(), st.data())
def test_a_named_port_is_every_container_port_of_that_name_on_the_destination(c, data):
    src, dst = _pair(data, c)
    assume(all(not w.distinct for w in c.workloads))
    name = data.draw(st.sampled_from(PORT_NAMES))
    workload = c.workloads_named(dst)[0]
    named = sorted((p.protocol, p.port) for p in workload.ports if p.name == name)
    if not named:
        try:
            ports_to_explain(name, c, dst)
        except UsageError as exc:
            assert f"no container port named {name!r}" in str(exc)
            return
        raise AssertionError("a name the destination does not have must be bad usage")
    ports, port_name = ports_to_explain(name, c, dst)
    assert sorted(ports) == named and port_name == name
    for e in _explained(c, src, dst, ports, port_name):
        assert e.port_name == name
        for number in range(e.port, (e.port_end or e.port) + 1):
            assert _allowed(c, src, dst, e.protocol, number) == e.allowed
