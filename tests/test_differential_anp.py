"""Differential tests for the admin tiers: prove (SMT: smt/anp.py, smt/compose.py) against the concrete
evaluator (eval/anp.py, eval/compose.py) on random clusters with ANP/BANP/CNP, Nodes and host-network pods.

- scope existing: the status equals a brute-force evaluation over every fitting workload pair, every boundary
  address and every port that can make a difference, with same-priority ambiguity (a counterexample is a
  connection some resolution allows or blocks; `possible` needs one allowed under every resolution) and
  unknown (a connection a layer cannot decide makes a would-be proof unknown);
- scope any: a random concrete pod pair that fits refutes `unreachable` when some resolution allows it and
  `reachable` when some blocks it, and is never covered by a proof when it is undecided;
- the same-priority overlap finding agrees with the evaluator on random pods: a connection the evaluator
  finds ambiguous in one priority group means an overlap of two of its members is reported.
"""

from __future__ import annotations

import dataclasses
import ipaddress
import itertools

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from address_oracle import replicas, same_family
from connection_candidates import connection_candidates, connection_flow
from differential_strategies import admin_clusters, admin_concrete_flows, endpoint_specs, property_ports
from netverify.analyses.prove import prove
from netverify.analyses.witness import Target
from netverify.eval.admin_addresses import addresses_matter, admin_blocks
from netverify.eval.concrete import evaluate
from netverify.model.cluster import Cluster
from netverify.model.flow import ExternalEndpoint, Flow, PodEndpoint
from netverify.model.ipblock import IPBlock
from netverify.model.ports import PROTOCOLS
from netverify.model.verdict import Verdict
from netverify.smt.resolve import resolve_endpoint, resolve_ports
from pod_manifest_rules import assert_valid_witness
from prove_helpers import prop, props
from test_differential_prove import _as_endpoint, _assignments, _pairs
from witness_checks import assert_witness_is_truthful

EXPECTS = ["unreachable", "reachable", "possible"]
DEFAULT = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
SLOW = settings(max_examples=5000, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _admin_ports(c: Cluster):
    return [e for p in c.admin_policies for r in (*p.ingress, *p.egress) for e in r.ports or ()]


def _port_candidates(c: Cluster, p) -> list[int]:
    out = {1, 65535}
    entries = [e for pol in c.policies for r in (*pol.ingress, *pol.egress) for e in r.ports]
    entries += _admin_ports(c) + list(p.ports)
    for e in entries:
        if isinstance(e.port, int):
            hi = e.end_port if e.end_port is not None else e.port
            out.update({e.port - 1, e.port, hi, hi + 1})
    out.update(cp.port for w in c.workloads for cp in w.ports)
    out.update(sp.target_port for svc in c.services for sp in svc.ports if isinstance(sp.target_port, int))
    return sorted(n for n in out if 1 <= n <= 65535)


def _cuts(c: Cluster) -> list:
    nets = [peer.ip_block.cidr for pol in c.policies for r in (*pol.ingress, *pol.egress) for peer in r.peers
            if peer.ip_block is not None]
    nets += [e for pol in c.policies for r in (*pol.ingress, *pol.egress) for peer in r.peers
             if peer.ip_block is not None for e in peer.ip_block.excepts]
    nets += [b.cidr for b in admin_blocks(c)]
    nets += [ipaddress.ip_network(a) for n in c.nodes for a in n.addresses]
    return nets


def _address_candidates(c: Cluster, block) -> list:
    nets = [block.cidr, *block.excepts, *_cuts(c)]
    v = block.version
    points = {0}
    for n in nets:
        if n.version == v:
            points.update({int(n.network_address), int(n.broadcast_address) + 1})
    ips = (ipaddress.ip_address(x) if v == 4 else ipaddress.IPv6Address(x) for x in points
           if x < 2 ** block.cidr.max_prefixlen)
    return [ip for ip in ips if block.contains(ip)]


def _extra(c: Cluster, specs) -> list[IPBlock]:
    return [s.ip_block for s in specs if s.is_external] + list(admin_blocks(c)) + [
        IPBlock(ipaddress.ip_network(a)) for n in c.nodes for a in n.addresses]


def _ends(c: Cluster, spec, flag: bool, extra, known) -> list[tuple[bool, list]]:
    if spec.is_external:
        return [(False, [ExternalEndpoint(ip)]) for ip in _address_candidates(c, spec.ip_block)]
    if spec.workload is not None:
        members = [known[i] for i, w in enumerate(c.workloads) if spec.fits_workload(w, c)]
    else:
        members = [w for w in known.values() if spec.fits_workload(w, c)]
    out = []
    for w in members:
        if flag and not w.ips:
            out.append((True, replicas(c, w, flag, extra=extra)))
        else:
            out += [(False, [r]) for r in replicas(c, w, flag)]
    return out


def _hit(verdict: Verdict, expect: str) -> bool:
    if expect == "possible":
        return verdict.allowed  # allowed whatever the implementation picks
    return verdict.may_be(expect != "reachable")


def _oracle_once(c, p, src, dst, known, flag):
    ports = resolve_ports(p, dst)
    extra = _extra(c, (src, dst))
    srcs, dsts = _ends(c, src, flag, extra, known), _ends(c, dst, flag, extra, known)
    if not srcs or not dsts:
        return "vacuous"
    fits = certain = dependent = undecided = loose = False
    for (s_unknown, s_alts), (d_unknown, d_alts) in itertools.product(srcs, dsts):
        sw, dw = getattr(s_alts[0], "workload", None), getattr(d_alts[0], "workload", None)
        if sw is not None and sw is dw and sw.kind == "Pod":
            continue
        # Of one family, and two pods never at one address (test_differential_prove's rule, issue 9).
        pairs = _pairs(c, s_alts, d_alts, s_unknown, d_unknown, extra)
        if not pairs:
            continue
        for candidate in connection_candidates(_port_candidates(c, p), p.ports):
            if (first := connection_flow(*pairs[0], candidate)) is None or not ports.fits(first):
                continue
            flows = [f for f in (connection_flow(s, d, candidate) for s, d in pairs) if f is not None]
            fits = True
            verdicts = [evaluate(c, f, ipblock_matches_pods=p.ipm) for f in flows]
            hits = [_hit(v, p.expect) for v in verdicts]
            certain |= all(hits)
            dependent |= any(hits) and not all(hits)
            undecided |= any("unknown" in v.outcomes for v in verdicts)
            loose |= p.expect == "possible" and any(v.may_be(True) and not v.allowed for v in verdicts)
    if not fits:
        return "vacuous"
    return certain, dependent, undecided, loose


def oracle(c: Cluster, p) -> set[str]:
    src, dst = resolve_endpoint(p.src, "from", c), resolve_endpoint(p.dst, "to", c)
    flag = addresses_matter(c, p.ipm)
    candidates = [(i, w) for i, w in enumerate(c.workloads) if src.fits_workload(w, c) or dst.fits_workload(w, c)]
    outcomes = [_oracle_once(c, p, src, dst, known, flag) for known in _assignments(c, p, candidates)]
    if all(o == "vacuous" for o in outcomes):
        return {"vacuous"}
    found = "proven" if p.expect == "possible" else "violated"
    none = "violated" if p.expect == "possible" else "proven"
    real = [o for o in outcomes if o != "vacuous"]
    certain = [o[0] for o in real]
    dependent = any(o[1] for o in real)
    undecided = any(o[2] for o in real)
    loose = any(o[3] for o in real)
    allowed: set[str] = set()
    if all(certain) and len(real) == len(outcomes):
        allowed.add(found)
    if not any(certain) and not dependent and not undecided and not loose:
        allowed.add(none)
    if dependent or len(set(certain)) > 1 or (len(real) != len(outcomes) and any(certain)):
        allowed.add("unknown")
    if (undecided or loose) and not all(certain):
        allowed.add("unknown")  # nothing sought for certain; some connection is undecided or only maybe
    if loose and p.expect == "possible":
        allowed.add("unknown")  # the solver may show an ambiguous connection first
    return allowed


def _draw_property(data, c, scope):
    p = prop(data.draw(endpoint_specs(c)), data.draw(endpoint_specs(c)), data.draw(st.sampled_from(EXPECTS)),
             scope, data.draw(property_ports))
    return p, data.draw(st.booleans())


def _check_existing(data) -> None:
    c = data.draw(admin_clusters())
    p, ipm = _draw_property(data, c, "existing")
    [result] = prove(c, props(p), ipblock_matches_pods=ipm).results  # re-checks every counterexample itself
    if result.status == "unknown" and "too many to try" in (result.reason or ""):
        return
    want = oracle(c, _WithFlag(p, ipm))
    assert result.status in want, (result.status, want, result.reason)
    shown = result.counterexample or result.witness
    if shown is not None:
        verdict = Verdict(shown.egress, shown.ingress)
        assert verdict.allowed if p.expect == "possible" else verdict.may_be(p.expect != "reachable")
        assert_witness_is_truthful(c, shown)
        assert_valid_witness(shown, set(c.namespaces))
        dst = resolve_endpoint(p.dst, "to", c)
        target = Target(c, resolve_endpoint(p.src, "from", c), dst, resolve_ports(p, dst), p.expect != "reachable",
                        ipm, every_resolution=p.expect == "possible")
        flow = Flow(_as_endpoint(c, shown.src), _as_endpoint(c, shown.dst), shown.protocol, shown.port,
                    shown.src_port, shown.icmp_type, shown.icmp_code)
        extra = [e.ip_block for e in (resolve_endpoint(p.src, "from", c), dst) if e.is_external]
        for at in _at_every_address(c, flow, extra):
            assert target.holds(at), at


def _at_every_address(c: Cluster, flow: Flow, extra) -> list[Flow]:
    """The shown flow at every address its ends may have: a replica of a workload the manifests give no IP for is
    shown without one (prove reports it only when the verdict holds at each address the pod may get), so the
    witness must hold at each of them (address_oracle's probes: every boundary of every block), two pods never
    at one address."""
    def choices(ep):
        if isinstance(ep, PodEndpoint) and ep.ip is None and ep.workload is not None and not ep.workload.ips:
            return [r.ip for r in replicas(c, ep.workload, True, [c], extra)]
        return [ep.ip]
    out = []
    for a, b in itertools.product(choices(flow.src), choices(flow.dst)):
        src, dst = dataclasses.replace(flow.src, ip=a), dataclasses.replace(flow.dst, ip=b)
        if same_family(src, dst) and not (a is not None and a == b and not isinstance(src, ExternalEndpoint)
                                          and not isinstance(dst, ExternalEndpoint)):
            out.append(dataclasses.replace(flow, src=src, dst=dst))
    return out


class _WithFlag:
    """A property and the run's --ipblock-matches-pods, for the oracle."""

    def __init__(self, p, ipm):
        self._p, self.ipm = p, ipm

    def __getattr__(self, name):
        return getattr(self._p, name)


def _check_any(data) -> None:
    c = data.draw(admin_clusters())
    src, dst, ports = data.draw(endpoint_specs(c)), data.draw(endpoint_specs(c)), data.draw(property_ports)
    ipm = data.draw(st.booleans())
    results = {
        (expect, scope): prove(c, props(prop(src, dst, expect, scope, ports)), ipblock_matches_pods=ipm).results[0]
        for expect in ("unreachable", "reachable") for scope in ("any", "existing")
    }
    for r in results.values():
        for shown in (r.counterexample, r.witness):
            if shown is not None:
                assert_valid_witness(shown, set(c.namespaces))
                assert_witness_is_truthful(c, shown)
    for expect in ("unreachable", "reachable"):
        if results[(expect, "any")].status == "proven":
            assert results[(expect, "existing")].status in ("proven", "vacuous")
    p = prop(src, dst, "unreachable", "any", ports)
    rs, rd = resolve_endpoint(src, "from", c), resolve_endpoint(dst, "to", c)
    rp = resolve_ports(p, rd)
    matter = addresses_matter(c, ipm)
    in_use = {b.version for b in _extra(c, (rs, rd))} | {ip.version for w in c.workloads for ip in w.ips}
    in_use |= {pe.ip_block.version for pol in c.policies for r in (*pol.ingress, *pol.egress) for pe in r.peers
               if pe.ip_block is not None}
    in_use = in_use or {4}
    node_ips = {a for n in c.nodes for a in n.addresses}
    for flow in data.draw(st.lists(admin_concrete_flows(c), min_size=1, max_size=6)):
        if not (rs.fits(flow.src) and rd.fits(flow.dst) and rp.fits(flow)):
            continue
        modelled = [e.ip for e in (flow.src, flow.dst) if matter or isinstance(e, ExternalEndpoint)]
        if len({ip.version for ip in modelled}) > 1:
            continue
        if matter and not {flow.src.ip.version, flow.dst.ip.version} <= in_use:
            continue
        if matter and any(isinstance(e, PodEndpoint) and e.ip in node_ips for e in (flow.src, flow.dst)):
            continue  # a new pod is pod-network: no node's address
        verdict = evaluate(c, flow, ipblock_matches_pods=ipm)
        if verdict.may_be(True):
            assert results[("unreachable", "any")].status == "violated", (flow, results[("unreachable", "any")])
        if verdict.may_be(False):
            assert results[("reachable", "any")].status == "violated", (flow, results[("reachable", "any")])
        if "unknown" in verdict.outcomes:
            assert all(results[(e, "any")].status != "proven" for e in ("unreachable", "reachable")), flow


def _check_overlaps(data) -> None:
    from netverify.analyses.ambiguity import overlaps
    c = data.draw(admin_clusters())
    found = {(o.direction, frozenset({o.first.policy, o.second.policy})) for o in overlaps(c)}
    for o in overlaps(c):
        assert o.first.policy != o.second.policy
    for flow in data.draw(st.lists(admin_concrete_flows(c), min_size=1, max_size=6)):
        verdict = evaluate(c, flow)
        for side in (verdict.egress, verdict.ingress):
            for entry in side.chain:
                if entry.ambiguous and "unknown" not in entry.actions:
                    members = {a.by[0].policy for a in entry.alternatives}
                    assert any(d == side.direction and pair <= members for d, pair in found), (flow, entry)


@DEFAULT
@given(st.data())
def test_admin_tiers_scope_existing_agree_with_the_concrete_evaluator(data):
    _check_existing(data)


@DEFAULT
@given(st.data())
def test_admin_tiers_scope_any_is_refuted_by_every_concrete_pod(data):
    _check_any(data)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_same_priority_overlaps_cover_every_ambiguity_the_evaluator_sees(data):
    _check_overlaps(data)


@pytest.mark.slow
@SLOW
@given(st.data())
def test_admin_tiers_scope_existing_long_run(data):
    _check_existing(data)


@pytest.mark.slow
@SLOW
@given(st.data())
def test_admin_tiers_scope_any_long_run(data):
    _check_any(data)
