"""Differential tests for the Calico layer: prove (SMT: smt/calico.py, smt/calico_selector.py, the label
universe's string-test values) against the concrete evaluator (eval/calico.py) under --cni calico, on random
clusters with tiers, Calico policies of every action, selector expressions, network sets, ServiceAccounts,
Kubernetes NetworkPolicies and admin policies (tests/differential_calico.py).

- scope existing: the status equals a brute-force evaluation over every fitting workload pair, every boundary
  address and every port that can make a difference (unknown: a connection the layer cannot decide makes a
  would-be proof unknown);
- scope any: a random concrete pod pair that fits refutes `unreachable` when the evaluator allows it and
  `reachable` when it blocks it, and is never covered by a proof when it is undecided;
- every counterexample prove shows is re-checked by the evaluator (prove does it, and this test again).
"""

from __future__ import annotations

import itertools

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from differential_calico import calico_clusters, calico_flows
from connection_candidates import connection_candidates, connection_flow
from differential_strategies import SPAN, endpoint_specs, property_ports
from netverify.analyses.prove import prove
from netverify.eval.concrete import evaluate
from netverify.model.cluster import Cluster
from netverify.model.flow import Flow, PodEndpoint
from netverify.model.policy import PortMatch
from netverify.model.ports import Protocol
from netverify.model.semantics import Semantics
from netverify.model.verdict import Verdict
from netverify.smt.resolve import resolve_endpoint, resolve_ports
from prove_helpers import prop, props
from test_differential_anp import _ends, _extra, _hit
from test_differential_prove import _assignments, _pairs
from witness_checks import assert_witness_is_truthful

CALICO = Semantics(cni="calico")
EXPECTS = ["unreachable", "reachable", "possible"]
DEFAULT = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
SLOW = settings(max_examples=5000, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _port_candidates(c: Cluster, p) -> list[int]:
    out = {1, 65535}
    entries = [e for pol in c.policies for r in (*pol.ingress, *pol.egress) for e in r.ports]
    entries += [e for a in c.admin_policies for r in (*a.ingress, *a.egress) for e in r.ports or ()]
    entries += list(p.ports)
    for e in entries:
        if isinstance(e.port, int):
            hi = e.end_port if e.end_port is not None else e.port
            out.update({e.port - 1, e.port, hi, hi + 1})
    for pol in c.calico.policies:
        for r in (*pol.ingress, *pol.egress):
            for e in (*r.destination.ports, *r.destination.not_ports):
                if e.name is None:
                    out.update({e.lo - 1, e.lo, e.hi, e.hi + 1})
    out.update(cp.port for w in c.workloads for cp in w.ports)
    out.update(sp.target_port for svc in c.services for sp in svc.ports if isinstance(sp.target_port, int))
    return sorted(n for n in out if 1 <= n <= 65535)


def _calico_cuts(c: Cluster) -> list[PortMatch]:
    """Calico's source ports and ICMP types / codes as pseudo property entries: where connection_candidates
    must cut (the shared candidates know only what property entries read)."""
    out = []
    for pol in c.calico.policies:
        for r in (*pol.ingress, *pol.egress):
            for e in (*r.source.ports, *r.source.not_ports):
                if e.name is None:
                    out.append(PortMatch(Protocol.TCP, None, None, SPAN, src_port=e.lo, src_end_port=e.hi))
                else:  # a named source port: the source's container port numbers
                    out += [PortMatch(Protocol.TCP, None, None, SPAN, src_port=cp.port)
                            for w in c.workloads for cp in w.ports]
            for m in (r.icmp, r.not_icmp):
                if m is not None:
                    out.append(PortMatch(Protocol.ICMP, None, None, SPAN, icmp_type=m.type, icmp_code=m.code))
    return out


def _oracle_once(c, p, src, dst, known):
    ports = resolve_ports(p, dst)
    extra = _extra(c, (src, dst))
    srcs, dsts = _ends(c, src, True, extra, known), _ends(c, dst, True, extra, known)
    if not srcs or not dsts:
        return "vacuous"
    fits = certain = dependent = undecided = False
    for (s_unknown, s_alts), (d_unknown, d_alts) in itertools.product(srcs, dsts):
        sw, dw = getattr(s_alts[0], "workload", None), getattr(d_alts[0], "workload", None)
        if sw is not None and sw is dw and sw.kind == "Pod":
            continue
        pairs = _pairs(c, s_alts, d_alts, s_unknown, d_unknown, extra)
        if not pairs:
            continue
        for candidate in connection_candidates(_port_candidates(c, p), (*p.ports, *_calico_cuts(c))):
            if (first := connection_flow(*pairs[0], candidate)) is None or not ports.fits(first):
                continue
            fits = True
            flows = [f for f in (connection_flow(s, d, candidate) for s, d in pairs) if f is not None]
            verdicts = [evaluate(c, f, semantics=CALICO) for f in flows]
            hits = [_hit(v, p.expect) for v in verdicts]
            certain |= bool(hits) and all(hits)
            dependent |= any(hits) and not all(hits)
            undecided |= any("unknown" in v.outcomes for v in verdicts)
    if not fits:
        return "vacuous"
    return certain, dependent, undecided


def oracle(c: Cluster, p) -> set[str]:
    src, dst = resolve_endpoint(p.src, "from", c), resolve_endpoint(p.dst, "to", c)
    candidates = [(i, w) for i, w in enumerate(c.workloads) if src.fits_workload(w, c) or dst.fits_workload(w, c)]
    outcomes = [_oracle_once(c, p, src, dst, known) for known in _assignments(c, p, candidates)]
    if all(o == "vacuous" for o in outcomes):
        return {"vacuous"}
    found = "proven" if p.expect == "possible" else "violated"
    none = "violated" if p.expect == "possible" else "proven"
    real = [o for o in outcomes if o != "vacuous"]
    certain = [o[0] for o in real]
    dependent = any(o[1] for o in real)
    undecided = any(o[2] for o in real)
    allowed: set[str] = set()
    if all(certain) and len(real) == len(outcomes):
        allowed.add(found)
    if not any(certain) and not dependent and not undecided:
        allowed.add(none)
    if dependent or len(set(certain)) > 1 or (len(real) != len(outcomes) and any(certain)):
        allowed.add("unknown")
    if undecided and not all(certain):
        allowed.add("unknown")  # nothing sought for certain; some connection is undecided
    return allowed


def _check_existing(data) -> None:
    c = data.draw(calico_clusters())
    p = prop(data.draw(endpoint_specs(c)), data.draw(endpoint_specs(c)), data.draw(st.sampled_from(EXPECTS)),
             "existing", data.draw(property_ports))
    [result] = prove(c, props(p), semantics=CALICO).results  # re-checks every counterexample itself
    if result.status == "unknown" and "too many to try" in (result.reason or ""):
        return
    want = oracle(c, p)
    assert result.status in want, (result.status, want, result.reason)
    shown = result.counterexample or result.witness
    if shown is not None:
        verdict = Verdict(shown.egress, shown.ingress)
        assert verdict.allowed if p.expect == "possible" else verdict.may_be(p.expect != "reachable")
        assert_witness_is_truthful(c, shown)


def _check_any(data) -> None:
    c = data.draw(calico_clusters())
    src, dst, ports = data.draw(endpoint_specs(c)), data.draw(endpoint_specs(c)), data.draw(property_ports)
    results = {expect: prove(c, props(prop(src, dst, expect, "any", ports)), semantics=CALICO).results[0]
               for expect in ("unreachable", "reachable")}
    for r in results.values():
        for shown in (r.counterexample, r.witness):
            if shown is not None:
                assert_witness_is_truthful(c, shown)
    p = prop(src, dst, "unreachable", "any", ports)
    rs, rd = resolve_endpoint(src, "from", c), resolve_endpoint(dst, "to", c)
    rp = resolve_ports(p, rd)
    in_use = {b.version for b in _extra(c, (rs, rd))} | {ip.version for w in c.workloads for ip in w.ips}
    in_use |= {pe.ip_block.version for pol in c.policies for r in (*pol.ingress, *pol.egress) for pe in r.peers
               if pe.ip_block is not None}
    in_use = in_use or {4}
    for flow in data.draw(st.lists(calico_flows(c), min_size=1, max_size=6)):
        if not (rs.fits(flow.src) and rd.fits(flow.dst) and rp.fits(flow)):
            continue
        if flow.src.ip.version != flow.dst.ip.version or not {flow.src.ip.version} <= in_use:
            continue
        if isinstance(flow.src, PodEndpoint) and isinstance(flow.dst, PodEndpoint) and flow.src.ip == flow.dst.ip:
            continue  # two pods never share an address
        verdict = evaluate(c, flow, semantics=CALICO)
        if verdict.may_be(True):
            assert results["unreachable"].status == "violated", (flow, results["unreachable"])
        if verdict.may_be(False):
            assert results["reachable"].status == "violated", (flow, results["reachable"])
        if "unknown" in verdict.outcomes:
            assert all(results[e].status != "proven" for e in ("unreachable", "reachable")), flow


@DEFAULT
@given(st.data())
def test_calico_scope_existing_agrees_with_the_concrete_evaluator(data):
    _check_existing(data)


@DEFAULT
@given(st.data())
def test_calico_scope_any_is_refuted_by_every_concrete_pod(data):
    _check_any(data)


@pytest.mark.slow
@SLOW
@given(st.data())
def test_calico_scope_existing_long_run(data):
    _check_existing(data)


@pytest.mark.slow
@SLOW
@given(st.data())
def test_calico_scope_any_long_run(data):
    _check_any(data)

