"""Differential test of the unmodelled-kinds decision (analyses/unmodelled.py) against an independent reading of
docs/semantics.md, "Policy kinds", on random clusters, properties and objects of kinds netverify does not model:

- the NetworkPolicy verdict is the same with or without them (they are not modelled, they only judge it);
- a result is unknown iff a deciding kind that is not ignored reaches it, or a narrowing one reaches a result
  that claims allowed traffic; vacuous and solver-unknown results are left alone;
- a result that stands is the NetworkPolicy verdict, with a caveat iff an ignored kind or a narrowing kind
  (beside a claim of a block) reaches it.
"""

from __future__ import annotations

import dataclasses

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from differential_strategies import clusters, endpoint_specs, property_ports, unmodelled_objects
from netverify.analyses.prove import prove, prove_network_policies
from prove_helpers import prop, props

DEFAULT = settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
SLOW = settings(max_examples=3000, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _namespaces(spec, scope, c):
    """Where an end can be, read off the property as written (None: anywhere)."""
    if spec.ip_block is not None:
        return set()
    if spec.namespace is not None:  # also the namespace of a workload or Service endpoint
        return {spec.namespace}
    return {w.namespace for w in c.workloads} if scope == "existing" else None


def _reaches(o, ends) -> bool:
    return o.info.reach == "cluster" or any(end is None or o.namespace in end for end in ends)


def _check(data) -> None:
    c = data.draw(clusters())
    p = prop(data.draw(endpoint_specs(c)), data.draw(endpoint_specs(c)),
             data.draw(st.sampled_from(["unreachable", "reachable", "possible"])),
             data.draw(st.sampled_from(["any", "existing"])), data.draw(property_ports))
    objects = data.draw(unmodelled_objects())
    kinds = sorted({(o.group, o.kind) for o in objects})
    ignored = frozenset(data.draw(st.sets(st.sampled_from(kinds)))) if kinds else frozenset()
    [plain] = prove(c, props(p)).results
    with_objects = dataclasses.replace(c, unmodelled=tuple(objects))
    report = prove_network_policies(with_objects, props(p))
    assert report.results[0].status == plain.status  # not modelled: never part of the NetworkPolicy verdict
    [judged] = prove(with_objects, props(p), ignore_kinds=ignored).results  # the library judges, as the CLI
    if plain.status in ("vacuous", "unknown"):
        assert judged.status == plain.status
        return
    claims_allowed = plain.status == ("violated" if p.expect == "unreachable" else "proven")
    ends = (_namespaces(p.src, p.scope, c), _namespaces(p.dst, p.scope, c))
    reaching = [o for o in objects if o.effect != "none" and _reaches(o, ends)]
    active = [o for o in reaching if (o.group, o.kind) not in ignored]
    deciding = any(o.effect == "decides" for o in active)
    narrowing = any(o.effect == "narrows" for o in active)
    assert (judged.status == "unknown") == (deciding or (narrowing and claims_allowed)), (judged, objects, ends)
    if judged.status == "unknown":
        assert judged.counterexample is None and judged.witness is None
        assert all(o.label in judged.reason for o in active[:5] if o.effect == "decides" or claims_allowed)
        return
    assert judged.status == plain.status
    accepted = any((o.group, o.kind) in ignored for o in reaching)
    assert bool(judged.caveats) == (accepted or (narrowing and not claims_allowed)), (judged, objects, ends)


@DEFAULT
@given(st.data())
def test_results_an_unmodelled_kind_reaches_are_unknown_or_carry_a_caveat(data):
    _check(data)


@pytest.mark.slow
@SLOW
@given(st.data())
def test_results_an_unmodelled_kind_reaches_are_unknown_or_carry_a_caveat_long_run(data):
    _check(data)
