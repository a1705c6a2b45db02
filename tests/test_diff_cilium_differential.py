"""`diff` under Cilium's chain against the concrete evaluator, on random pairs of versions (hypothesis).

BASE and HEAD share the workloads and differ in their Cilium policies. What the evaluator says is newly allowed
between two existing workloads must be a change of the existing-workload comparison, and then the symbolic
search (every pod that could exist, existing ones included) must find at least one class and end `done`;
every class it reports was re-checked by the evaluator on both versions inside the search (a disagreement
raises), and its witness is allowed by HEAD here too.
"""

from __future__ import annotations

from dataclasses import replace

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from builders import flow
from cilium_surface_strategies import CILIUM, PROBE_PORTS, cilium_cluster_st
from netverify.analyses.diff import diff
from netverify.eval.concrete import endpoint_of, evaluate
from netverify.model.ports import PROTOCOLS


@st.composite
def versions_st(draw):
    base = draw(cilium_cluster_st())
    other = draw(cilium_cluster_st())
    head = replace(base, cilium=other.cilium)
    return base, head


def _newly_allowed_pairs(base, head) -> set[tuple[str, str]]:
    out = set()
    for a in head.workloads:
        for b in head.workloads:
            if a is b:
                continue
            for x in [replace(endpoint_of(head, a), ip=ip) for ip in a.ips]:
                for y in [replace(endpoint_of(head, b), ip=ip) for ip in b.ips]:
                    for proto in PROTOCOLS:
                        for n in PROBE_PORTS:
                            f = flow(x, y, n, proto.value)
                            if evaluate(head, f, semantics=CILIUM).allowed and \
                                    not evaluate(base, f, semantics=CILIUM).may_be(True):
                                out.add((a.ref, b.ref))
    return out


def _agrees(base, head) -> None:
    report = diff(base, head, semantics=CILIUM, timeout_ms=20000)
    concrete = _newly_allowed_pairs(base, head)
    changed = {(c.src.label, c.dst.label) for c in report.changes if c.added}
    assert concrete <= changed, concrete - changed
    if concrete:
        assert report.symbolic_status == "done" and report.added_classes, report.notes
    for added in report.added_classes:
        assert added.witness.allowed


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(versions_st())
def test_diff_under_cilium_agrees_with_the_evaluator(versions):
    _agrees(*versions)


@pytest.mark.slow
@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(versions_st())
def test_diff_under_cilium_agrees_with_the_evaluator_many(versions):
    _agrees(*versions)
