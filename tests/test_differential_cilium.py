"""Differential tests for the Cilium layer: prove under --cni cilium (SMT: smt/cilium.py, smt/cilium_identity.py)
against the concrete evaluator (eval/cilium.py) on random clusters of CNPs, CCNPs and NetworkPolicies
(cilium_strategies.py), with Nodes, host-network pods and service accounts.

- scope existing: the status equals a brute-force evaluation over every fitting workload pair, every boundary
  address (of the property's blocks, the CIDR sets and the Nodes' addresses) and every port that can make a
  difference; a connection the evaluator cannot decide makes a would-be proof unknown;
- scope any: a random concrete pod pair (new pods with any service account) that fits refutes `unreachable`
  when allowed and `reachable` when blocked, and is never covered by a proof when it is undecided;
- every counterexample and witness re-checks under the Cilium semantics and is truthful.
The default run is small; the slow one runs 2 x 5,000 cases.
"""

from __future__ import annotations

import dataclasses
import ipaddress
import itertools

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from address_oracle import replicas
from cilium_strategies import cilium_clusters, cilium_concrete_flows, cilium_rules
from builders import SPAN
from connection_candidates import connection_candidates, connection_flow
from differential_strategies import endpoint_specs, property_ports
from netverify.analyses.prove import prove
from netverify.analyses.witness import Target
from netverify.eval.admin_addresses import addresses_matter
from netverify.eval.cilium import policies_of
from netverify.eval.concrete import endpoint_of, evaluate
from netverify.model.cluster import Cluster, ContainerPort
from netverify.model.flow import ExternalEndpoint, Flow, PodEndpoint
from netverify.model.policy import PortMatch
from netverify.model.ports import Protocol
from netverify.model.semantics import Semantics
from netverify.model.verdict import Verdict
from netverify.smt.resolve import resolve_endpoint, resolve_ports
from pod_manifest_rules import assert_valid_witness
from prove_helpers import prop, props
from test_differential_prove import _assignments, _pairs
from witness_checks import assert_witness_is_truthful

CILIUM = Semantics(cni="cilium")
EXPECTS = ["unreachable", "reachable", "possible"]
DEFAULT = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
SLOW = settings(max_examples=5000, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _cilium_ports(c: Cluster):
    return [e for p in policies_of(c) for r in (*p.ingress, *p.egress) for pr in r.ports for e in pr.ports]


def _port_candidates(c: Cluster, p) -> list[int]:
    out = {1, 65535}
    for e in [*_cilium_ports(c), *p.ports]:
        if isinstance(e.port, int) and e.port:
            hi = e.end_port if e.end_port is not None else e.port
            out.update({e.port - 1, e.port, hi, hi + 1})
    out.update(cp.port for w in c.workloads for cp in w.ports)
    out.update(sp.target_port for svc in c.services for sp in svc.ports if isinstance(sp.target_port, int))
    return sorted(n for n in out if 1 <= n <= 65535)


def _icmp_entries(c: Cluster) -> list[PortMatch]:
    """The ICMP types Cilium rules name, as entries that make connection_candidates cut there."""
    return [PortMatch(Protocol.ICMP if f.family == "IPv4" else Protocol.ICMPv6, None, None, SPAN, icmp_type=f.type)
            for p in policies_of(c) for r in (*p.ingress, *p.egress) for f in r.icmps]


def _cuts(c: Cluster) -> list:
    nets = [n for p in policies_of(c) for r in (*p.ingress, *p.egress) for peer in r.cidrs
            for b in (*peer.blocks, *peer.excepts) for n in (b.cidr, *b.excepts)]
    nets += [pe.ip_block.cidr for pol in c.policies for r in (*pol.ingress, *pol.egress) for pe in r.peers
             if pe.ip_block is not None]
    return nets + [ipaddress.ip_network(a) for n in c.nodes for a in n.addresses]


def _address_candidates(c: Cluster, block) -> list:
    points = {0}
    for n in [block.cidr, *block.excepts, *_cuts(c)]:
        if n.version == block.version:
            points.update({int(n.network_address), int(n.broadcast_address), int(n.broadcast_address) + 1})
    make = ipaddress.IPv4Address if block.version == 4 else ipaddress.IPv6Address
    return [make(x) for x in sorted(points) if x < 2 ** block.cidr.max_prefixlen and block.contains(make(x))]


def _ends(c: Cluster, spec, flag: bool, known, extra=()) -> list[tuple[bool, list]]:
    """The property's own ipBlocks count among the families in use (`extra`), as in the generic oracle
    (test_differential_prove._ends): an IPv6 `from` makes IPv6 addresses possible for pods of unknown IPs."""
    if spec.is_external:
        return [(False, [ExternalEndpoint(ip)]) for ip in _address_candidates(c, spec.ip_block)]
    if spec.workload is not None:
        members = [known[i] for i, w in enumerate(c.workloads) if spec.fits_workload(w, c)]
    else:
        members = [w for w in known.values() if spec.fits_workload(w, c)]
    out = []
    for w in members:
        if flag and not w.ips:
            out.append((True, replicas(c, w, flag, [c], extra)))
        else:
            out += [(False, [r]) for r in replicas(c, w, flag, [c], extra)]
    return out


def _hit(verdict: Verdict, expect: str) -> bool:
    return verdict.allowed if expect == "possible" else verdict.may_be(expect != "reachable")


def _oracle_once(c, p, src, dst, known, flag):
    ports = resolve_ports(p, dst)
    extra = [s.ip_block for s in (src, dst) if s.is_external]
    srcs, dsts = _ends(c, src, flag, known, extra), _ends(c, dst, flag, known, extra)
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
        for candidate in connection_candidates(_port_candidates(c, p), (*p.ports, *_icmp_entries(c))):
            if (first := connection_flow(*pairs[0], candidate)) is None or not ports.fits(first):
                continue
            fits = True
            flows = [f for f in (connection_flow(s, d, candidate) for s, d in pairs) if f is not None]
            verdicts = [evaluate(c, f, semantics=CILIUM) for f in flows]
            hits = [_hit(v, p.expect) for v in verdicts]
            certain |= all(hits)
            dependent |= any(hits) and not all(hits)
            undecided |= any("unknown" in v.outcomes for v in verdicts)
    if not fits:
        return "vacuous"
    return certain, dependent, undecided


def oracle(c: Cluster, p) -> set[str]:
    src, dst = resolve_endpoint(p.src, "from", c), resolve_endpoint(p.dst, "to", c)
    flag = addresses_matter(c, False)
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
    allowed: set[str] = set()
    if all(certain) and len(real) == len(outcomes):
        allowed.add(found)
    if not any(certain) and not dependent and not undecided:
        allowed.add(none)
    if dependent or len(set(certain)) > 1 or (len(real) != len(outcomes) and any(certain)):
        allowed.add("unknown")
    if undecided and not all(certain):
        allowed.add("unknown")
    return allowed


def as_endpoint(c: Cluster, w) -> object:
    """A reported endpoint as the evaluator's (its service account too)."""
    if w.workload is not None:
        [workload] = [x for x in c.workloads if x.ref == w.workload and dict(x.labels) == dict(w.labels)][:1]
        return dataclasses.replace(endpoint_of(c, workload), ip=ipaddress.ip_address(w.ip) if w.ip else None)
    if w.namespace is None:
        return ExternalEndpoint(ipaddress.ip_address(w.ip))
    ports = tuple(ContainerPort(name, number, Protocol(proto)) for name, number, proto in w.container_ports)
    return PodEndpoint(w.namespace, dict(w.namespace_labels), dict(w.labels), ports,
                       ipaddress.ip_address(w.ip) if w.ip else None, service_account=w.service_account)


def _check_shown(c, p, shown) -> None:
    verdict = Verdict(shown.egress, shown.ingress)
    assert verdict.allowed if p.expect == "possible" else verdict.may_be(p.expect != "reachable")
    assert_witness_is_truthful(c, shown)
    assert_valid_witness(shown, set(c.namespaces))
    dst = resolve_endpoint(p.dst, "to", c)
    target = Target(c, resolve_endpoint(p.src, "from", c), dst, resolve_ports(p, dst), p.expect != "reachable",
                    False, every_resolution=p.expect == "possible", semantics=CILIUM)
    flow = Flow(as_endpoint(c, shown.src), as_endpoint(c, shown.dst), shown.protocol, shown.port,
                shown.src_port, shown.icmp_type, shown.icmp_code)
    assert target.holds(flow), flow


def _check_existing(data) -> None:
    c = data.draw(cilium_clusters())
    p = prop(data.draw(endpoint_specs(c)), data.draw(endpoint_specs(c)), data.draw(st.sampled_from(EXPECTS)),
             "existing", data.draw(property_ports))
    [result] = prove(c, props(p), semantics=CILIUM).results  # re-checks every counterexample itself
    if result.status == "unknown" and "too many to try" in (result.reason or ""):
        return
    want = oracle(c, p)
    assert result.status in want, (result.status, want, result.reason)
    shown = result.counterexample or result.witness
    if shown is not None:
        _check_shown(c, p, shown)


def _check_any(data) -> None:
    c = data.draw(cilium_clusters())
    src, dst, ports = data.draw(endpoint_specs(c)), data.draw(endpoint_specs(c)), data.draw(property_ports)
    results = {expect: prove(c, props(prop(src, dst, expect, "any", ports)), semantics=CILIUM).results[0]
               for expect in ("unreachable", "reachable")}
    for expect, r in results.items():
        for shown in (r.counterexample, r.witness):
            if shown is not None:
                _check_shown(c, prop(src, dst, expect, "any", ports), shown)
    rs, rd = resolve_endpoint(src, "from", c), resolve_endpoint(dst, "to", c)
    rp = resolve_ports(prop(src, dst, "unreachable", "any", ports), rd)
    matter = addresses_matter(c, False)
    node_ips = {a for n in c.nodes for a in n.addresses}
    for flow in data.draw(st.lists(cilium_concrete_flows(c), min_size=1, max_size=6)):
        if matter:
            flow = dataclasses.replace(flow, **{r: dataclasses.replace(e, ip=None) for r in ("src", "dst")
                                                if isinstance(e := getattr(flow, r), PodEndpoint)})
            if any(isinstance(e, PodEndpoint) for e in (flow.src, flow.dst)):
                continue  # with pod addresses modelled, a new pod needs one of the plan's: left to scope existing
        if not (rs.fits(flow.src) and rd.fits(flow.dst) and rp.fits(flow)):
            continue
        if isinstance(flow.src, ExternalEndpoint) and isinstance(flow.dst, ExternalEndpoint):
            if flow.src.ip.version != flow.dst.ip.version:
                continue
        if any(isinstance(e, PodEndpoint) and e.ip in node_ips for e in (flow.src, flow.dst)):
            continue
        verdict = evaluate(c, flow, semantics=CILIUM)
        if verdict.may_be(True):
            assert results["unreachable"].status == "violated", (flow, verdict, results["unreachable"])
        if verdict.may_be(False):
            assert results["reachable"].status == "violated", (flow, verdict, results["reachable"])
        if "unknown" in verdict.outcomes:
            assert all(r.status != "proven" for r in results.values()), (flow, verdict.unknown_reason)


@DEFAULT
@given(st.data())
def test_cilium_scope_existing_agrees_with_the_concrete_evaluator(data):
    _check_existing(data)


@DEFAULT
@given(st.data())
def test_cilium_scope_any_is_refuted_by_every_concrete_pod(data):
    _check_any(data)


@pytest.mark.slow
@SLOW
@given(st.data())
def test_cilium_scope_existing_long_run(data):
    _check_existing(data)


@pytest.mark.slow
@SLOW
@given(st.data())
def test_cilium_scope_any_long_run(data):
    _check_any(data)


def test_the_generator_draws_every_rule_form():
    """The rule strategy reaches deny rules, entities, CIDR sets with excepts, endPort and ANY (if it lost one of
    them, the differential tests above would no longer cover it)."""
    seen: set[str] = set()

    @settings(max_examples=300, database=None, derandomize=True, deadline=None)
    @given(st.booleans().flatmap(cilium_rules))
    def collect(r):
        seen.update({"deny"} if r.deny else set())
        seen.update({"entities"} if r.entities else set())
        seen.update({"except"} if any(peer.excepts for peer in r.cidrs) else set())
        for pr in r.ports:
            seen.update({"endPort" for e in pr.ports if e.end_port is not None})
            seen.update({"ANY" for e in pr.ports if e.protocol == "ANY"})

    collect()
    assert {"deny", "entities", "except", "endPort", "ANY"} <= seen, seen
