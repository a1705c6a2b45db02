"""Differential test of the refused-list decision (analyses/unlisted.py) against an independent reading of
docs/live-cluster.md on random clusters and properties: a kind the account may not list could hold objects
anywhere, so

- a result is unknown iff a NetworkPolicy-like kind (modelled, or `decides` in model/kinds.py) that is not
  accepted with --ignore-kind was refused, or a `narrows` kind was refused and the result claims allowed traffic;
  a modelled kind can never be ignored; vacuous and solver-unknown results are left alone;
- a result that stands is the NetworkPolicy verdict, with a caveat iff an ignored kind (or a narrowing kind beside
  a claim of a block) was refused; a refused kind without policy (Pods, Nodes) changes no result.
"""

from __future__ import annotations

import dataclasses

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from differential_strategies import clusters, endpoint_specs, property_ports, unlisted_kinds
from netverify.analyses.prove import prove
from netverify.model.kinds import KINDS, MODELLED
from prove_helpers import prop, props

DEFAULT = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
SLOW = settings(max_examples=2000, deadline=None, suppress_health_check=[HealthCheck.too_slow])


POLICY_READ = {("networking.k8s.io", "NetworkPolicy"), ("policy.networking.k8s.io", "AdminNetworkPolicy"),
               ("policy.networking.k8s.io", "BaselineAdminNetworkPolicy"),
               ("policy.networking.k8s.io", "ClusterNetworkPolicy")}


def _effect(u) -> str | None:
    """docs/live-cluster.md: a policy kind netverify reads decides (and only a table kind can be ignored)."""
    row = KINDS.get((u.group, u.kind))
    if row is not None:
        return row.effect
    if (u.group, u.kind) in MODELLED or (u.group, u.kind) in POLICY_READ:
        return "modelled"
    return None


def _check(data) -> None:
    c = data.draw(clusters())
    p = prop(data.draw(endpoint_specs(c)), data.draw(endpoint_specs(c)),
             data.draw(st.sampled_from(["unreachable", "reachable", "possible"])),
             data.draw(st.sampled_from(["any", "existing"])), data.draw(property_ports))
    refused = data.draw(unlisted_kinds())
    ignored = frozenset(data.draw(st.sets(st.sampled_from(sorted({(u.group, u.kind) for u in refused}))))
                        ) if refused else frozenset()
    [plain] = prove(c, props(p)).results
    with_refused = dataclasses.replace(c, unlisted=tuple(refused))
    [judged] = prove(with_refused, props(p), ignore_kinds=ignored).results  # prove judges refused lists itself
    if plain.status in ("vacuous", "unknown"):
        assert judged.status == plain.status
        return
    claims_allowed = plain.status == ("violated" if p.expect == "unreachable" else "proven")
    active = [u for u in refused if _effect(u) == "modelled" or (_effect(u) in ("decides", "narrows")
                                                                  and (u.group, u.kind) not in ignored)]
    deciding = [u for u in active if _effect(u) in ("modelled", "decides")]
    narrowing = [u for u in active if _effect(u) == "narrows"]
    assert (judged.status == "unknown") == bool(deciding or (narrowing and claims_allowed)), (judged, refused)
    if judged.status == "unknown":
        assert judged.counterexample is None and judged.witness is None
        for u in deciding:
            assert f"may not list {u.resource_name}" in judged.reason
        return
    assert judged.status == plain.status and judged.counterexample == plain.counterexample
    accepted = [u for u in refused if _effect(u) in ("decides", "narrows") and (u.group, u.kind) in ignored]
    assert bool(judged.caveats) == bool(accepted or (narrowing and not claims_allowed)), (judged, refused)


@DEFAULT
@given(st.data())
def test_results_a_refused_policy_list_could_change_are_unknown(data):
    _check(data)


@pytest.mark.slow
@SLOW
@given(st.data())
def test_results_a_refused_policy_list_could_change_are_unknown_long_run(data):
    _check(data)
