"""Differential: a fleet of random clusters and properties, proven in random chunks finishing in a random order
(the Ray engine's driver on an in-process stand-in, with random workers dying), against `prove` on each
cluster whole and against the concrete evaluator (the oracle of test_differential_prove).

The class of bug this catches: a result put back at the wrong property or cluster, lost, duplicated, or a
dead task's properties reported as anything but unknown.
"""

from __future__ import annotations

import dataclasses
import random

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from builders import SPAN
from differential_strategies import clusters, endpoint_specs, property_ports
from fleet_fixtures import FakeRay
from netverify.analyses.fleet import FleetWork, prove_chunk
from netverify.analyses.fleet_ray import drive
from netverify.analyses.prove import prove
from netverify.model.fleet import Fleet, FleetCluster, LoadedCluster
from netverify.model.properties import PropertiesFile
from prove_helpers import prop
from test_differential_prove import oracle

DEFAULT = settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
SLOW = settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
EXPECTS = ["unreachable", "reachable", "possible"]


@st.composite
def fleets(draw):
    loaded = []
    for i in range(draw(st.integers(1, 3))):
        c = draw(clusters())
        props = [prop(draw(endpoint_specs(c)), draw(endpoint_specs(c)), draw(st.sampled_from(EXPECTS)), "existing",
                      draw(property_ports), name=f"p{j}") for j in range(draw(st.integers(1, 4)))]
        loaded.append(LoadedCluster(f"k{i}", c, PropertiesFile(f"k{i}.yaml", (), tuple(props))))
    return loaded


def _check(data) -> None:
    loaded = data.draw(fleets())
    by_name = {lc.name: lc for lc in loaded}
    ipm = data.draw(st.booleans())
    fleet = Fleet("fleet.yaml", ".", tuple(FleetCluster(lc.name, SPAN, ("m",), (lc.properties.path,), 0)
                                          for lc in loaded))
    work = FleetWork(load=lambda spec: by_name[spec.name], finish=lambda report, lc: report,
                     options={"ipblock_matches_pods": ipm}, chunk_size=data.draw(st.integers(1, 3)))
    dead = data.draw(st.sets(st.tuples(st.sampled_from(list(by_name)), st.integers(0, 3)), max_size=2))

    def dies(fn, args):  # these (cluster, first property index) chunks lose their worker on every try
        return fn is prove_chunk and (args[0].name, args[1][0]) in dead

    report = drive(FakeRay(random.Random(data.draw(st.integers(0, 2**16))), dies), fleet, work,
                   window=data.draw(st.integers(1, 4)))
    assert [s.name for s in report.sections] == [lc.name for lc in loaded]
    for s, lc in zip(report.sections, loaded):
        whole = prove(lc.cluster, lc.properties, ipblock_matches_pods=ipm).results
        lost = {i for name, first in dead if name == lc.name
                for i in range(first, min(first + work.chunk_size, len(whole))) if first % work.chunk_size == 0}
        assert [r.name for r in s.report.results] == [r.name for r in whole]
        for i, (got, alone) in enumerate(zip(s.report.results, whole)):
            if i in lost:
                assert got.status == "unknown" and "died" in got.reason
                continue
            assert dataclasses.replace(got, duration_ms=0) == dataclasses.replace(alone, duration_ms=0)
            p = lc.properties.properties[i]
            if not (got.status == "unknown" and "too many to try" in (got.reason or "")):
                assert got.status in oracle(lc.cluster, p, ipblock_matches_pods=ipm), got.reason


@DEFAULT
@given(st.data())
def test_a_fleet_in_chunks_in_any_order_is_prove_per_cluster_and_agrees_with_the_evaluator(data):
    _check(data)


@pytest.mark.slow
@SLOW
@given(st.data())
def test_a_fleet_in_chunks_in_any_order_long_run(data):
    _check(data)
