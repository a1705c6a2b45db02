"""The symbolic diff under Calico's chain against the concrete evaluator, on random pairs of versions (hypothesis).

BASE and HEAD share workloads, namespaces and ServiceAccounts and differ in their Calico objects (tiers,
policies of every action, network sets), Kubernetes NetworkPolicies and admin policies (tests/differential_calico.py).
For random concrete connections (new pods in new or existing namespaces, existing pods, outside addresses,
source ports, ICMP, other protocols) the evaluator's verdict on both versions decides:
- every class's witness is allowed by HEAD and not by BASE (the search re-checks it; so does this test);
- an added connection (a drawn one, or between existing workloads' pods) lies in one of the classes the search
  lists when it ran to its end (classes are regions: the search's formulas and analyses/diff_calico.py's twins
  must agree, else this fails);
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
from netverify.eval.concrete import endpoint_of
from netverify.model.flow import ExternalEndpoint, Flow, PodEndpoint
from netverify.model.ports import Protocol
from netverify.model.semantics import Semantics
from netverify.smt.symbols import NamespaceTable

CALICO = Semantics(cni="calico")
DEFAULT = settings(max_examples=3, deadline=None, suppress_health_check=[HealthCheck.too_slow])
SLOW = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
MAX_CLASSES = 12
UNDECIDED = "--cni calico: whether HEAD newly allows"  # analyses/diff_calico.undecided's note


@st.composite
def versions_st(draw):
    """HEAD: BASE with one Calico policy edited (a rule's action, a rule dropped, a policy added or dropped), as
    a change under review is, or another cluster's Calico objects and NetworkPolicies altogether."""
    base = draw(calico_clusters())
    other = draw(calico_clusters())
    policies = list(base.calico.policies)
    kind = draw(st.sampled_from(["action", "drop-rule", "add", "drop", "all"]))
    if kind in ("action", "drop-rule") and policies:
        i = draw(st.integers(0, len(policies) - 1))
        p = policies[i]
        direction = draw(st.sampled_from(["ingress", "egress"]))
        rules = list(p.rules(direction))
        if rules:
            j = draw(st.integers(0, len(rules) - 1))
            if kind == "action":
                rules[j] = dataclasses.replace(rules[j], action=draw(st.sampled_from(["allow", "deny", "pass", "log"])))
            else:
                del rules[j]
            policies[i] = dataclasses.replace(p, **{direction: tuple(rules)})
    elif kind == "add" and other.calico.policies:
        policies.append(draw(st.sampled_from(other.calico.policies)))
    elif kind == "drop" and policies:
        del policies[draw(st.integers(0, len(policies) - 1))]
    if kind == "all":
        return base, dataclasses.replace(
            base, calico=other.calico, policies=other.policies,
            admin_policies=other.admin_policies if draw(st.booleans()) else base.admin_policies)
    return base, dataclasses.replace(base, calico=dataclasses.replace(base.calico, policies=tuple(policies)))


def _workload_flows(c):
    """Connections between existing workloads' pods (each address, a few ports and protocols, ICMP)."""
    for a in c.workloads:
        for b in c.workloads:
            if a is b and a.kind == "Pod":
                continue  # a bare Pod talking to itself is not a connection
            for x in [dataclasses.replace(endpoint_of(c, a), ip=ip) for ip in a.ips]:
                for y in [dataclasses.replace(endpoint_of(c, b), ip=ip) for ip in b.ips]:
                    for proto, port, src in ((Protocol.TCP, 1, 1), (Protocol.TCP, 5, 3), (Protocol.UDP, 2, 1),
                                             (Protocol.SCTP, 6, 8)):
                        yield Flow(x, y, proto, port, src)
                    yield Flow(x, y, Protocol.ICMP, 0, None, 0, 0)


def _complete(search) -> bool:
    """The search ran to its end (unsat for every shape): its only notes are Calico's undecided ones."""
    return not search.more and all(n.startswith(UNDECIDED) for n in search.notes)


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
    drawn = data.draw(st.lists(calico_flows(head), min_size=1, max_size=8))
    for flow in (*drawn, *(_workload_flows(head) if _complete(search) else ())):
        if not _in_domain(flow, families):
            continue
        head_v, base_v = v.head_verdict(flow), v.base_verdict(flow)
        if base_v.allowed:
            continue
        if head_v.allowed:
            if _complete(search):
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
