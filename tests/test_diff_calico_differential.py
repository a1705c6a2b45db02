"""The symbolic diff under Calico's chain against the concrete evaluator, on random pairs of versions (hypothesis).

BASE and HEAD share workloads, namespaces and ServiceAccounts and differ in their Calico objects (tiers,
policies of every action, network sets), Kubernetes NetworkPolicies and admin policies (tests/differential_calico.py).
For random concrete connections (new pods in new or existing namespaces, existing pods, outside addresses,
source ports, ICMP, other protocols) the evaluator's verdict on both versions decides:
- every class's witness is allowed by HEAD and not by BASE (the search re-checks it; so does this test);
- an added connection lies in one of the classes the search lists when it ends `done` (classes are regions:
  the search's formulas and analyses/diff_calico.py's twins must agree, else this fails);
- a connection HEAD cannot decide that BASE does not surely allow makes the search `unknown`, never `done`.
The default run draws a few pairs; `-m slow` (or NETVERIFY_RANDOM=1 with the default run) draws more.
"""

from __future__ import annotations

import dataclasses

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from differential_calico import calico_clusters, calico_flows
from netverify.analyses.diff import diff
from netverify.analyses.diff_classes import _Versions, added_classes, in_region
from netverify.model.flow import ExternalEndpoint, PodEndpoint
from netverify.model.semantics import Semantics
from netverify.smt.symbols import NamespaceTable

CALICO = Semantics(cni="calico")
DEFAULT = settings(max_examples=4, deadline=None, suppress_health_check=[HealthCheck.too_slow])
SLOW = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
MAX_CLASSES = 12


@st.composite
def versions_st(draw):
    base = draw(calico_clusters())
    other = draw(calico_clusters())
    head = dataclasses.replace(base, calico=other.calico, policies=other.policies,
                               admin_policies=other.admin_policies if draw(st.booleans()) else base.admin_policies)
    return base, head


def _in_domain(flow, families: set[int]) -> bool:
    """Connections the search ranges over: a pod at one end at least, one family in use, two pods never at
    one address."""
    if isinstance(flow.src, ExternalEndpoint) and isinstance(flow.dst, ExternalEndpoint):
        return False
    if flow.src.ip is not None and flow.dst.ip is not None and flow.src.ip.version != flow.dst.ip.version:
        return False
    if any(ep.ip is not None and ep.ip.version not in families for ep in (flow.src, flow.dst)):
        return False
    if isinstance(flow.src, PodEndpoint) and isinstance(flow.dst, PodEndpoint) and flow.src.ip == flow.dst.ip:
        return False
    return True


def check(data) -> None:
    base, head = data.draw(versions_st())
    search = added_classes(base, head, max_witnesses=MAX_CLASSES, timeout_ms=20000, semantics=CALICO)
    names = frozenset(set(NamespaceTable.of(base).names) | set(NamespaceTable.of(head).names))
    v = _Versions(base, head, names, True, CALICO)
    for a in search.classes:
        assert a.witness.allowed  # HEAD's verdict on the witness; BASE's was re-checked inside the search
    families = {ip.version for c in (base, head) for w in c.workloads for ip in w.ips} or {4}
    for flow in data.draw(st.lists(calico_flows(head), min_size=1, max_size=8)):
        if not _in_domain(flow, families):
            continue
        head_v, base_v = v.head_verdict(flow), v.base_verdict(flow)
        if base_v.allowed:
            continue
        if head_v.allowed:
            if search.status == "done" and not search.more:
                assert any(in_region(v, r, flow) for r in search.regions), (flow, search.regions)
        elif "unknown" in head_v.outcomes and not head_v.may_be(False):
            assert search.status == "unknown", (flow, head_v.unknown_reason)


def check_report(data) -> None:
    """The whole report (existing workloads and classes): every class shown is allowed by HEAD, and an
    unknown search says why."""
    base, head = data.draw(versions_st())
    report = diff(base, head, semantics=CALICO, timeout_ms=20000, max_witnesses=MAX_CLASSES)
    for a in (*report.added_classes, *report.repeated_classes):
        assert a.witness.allowed
    assert report.symbolic_status in ("done", "unknown")
    if report.symbolic_status == "unknown":
        assert report.notes


@DEFAULT
@given(st.data())
def test_calico_diff_classes_cover_every_added_connection(data):
    check(data)


@settings(max_examples=3, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_calico_diff_report_witnesses_are_allowed(data):
    check_report(data)


@pytest.mark.slow
@SLOW
@given(st.data())
def test_calico_diff_classes_cover_every_added_connection_many(data):
    check(data)
