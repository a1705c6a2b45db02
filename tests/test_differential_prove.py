"""Differential tests: prove (SMT) against the concrete evaluator on random policy sets.

- scope existing: the verdict equals a brute-force evaluation over every fitting workload pair (and every
  boundary address of an ipBlock endpoint) on every port that can make a difference; prove re-checks each
  counterexample with the evaluator itself (a disagreement raises).
- scope any: a random concrete pod pair that fits and is allowed must refute `unreachable`; one that fits and
  is blocked must refute `reachable`; and `any` proven implies `existing` proven (or vacuous).
"""

from __future__ import annotations

import dataclasses
import ipaddress
import itertools
import math

import pytest
from hypothesis import HealthCheck, given, reject, settings
from hypothesis import strategies as st

from address_oracle import families, one_pod_address, replicas, same_family, stand_in
from connection_candidates import connection_candidates, connection_flow
from differential_strategies import clusters, concrete_flows, endpoint_specs, property_ports
from netverify.analyses.prove import prove
from netverify.eval.concrete import endpoint_of, evaluate
from netverify.model.cluster import Cluster
from netverify.analyses.witness import Target
from netverify.model.cluster import ContainerPort
from netverify.model import progress
from netverify.model.flow import ExternalEndpoint, Flow, PodEndpoint
from netverify.model.ports import PROTOCOLS, Protocol
from netverify.smt.resolve import resolve_endpoint, resolve_ports
from pod_manifest_rules import assert_valid_witness
from progress_recorder import Recorder
from prove_helpers import prop, props
from selector_values import mentioned_values
from witness_checks import assert_witness_is_truthful

EXPECTS = ["unreachable", "reachable", "possible"]
DEFAULT = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
# Two long runs of 5000 examples each: at least 10,000 random cases against the concrete evaluator.
# Label assignments an oracle tries at most (two slots of three values); an example with more is drawn again:
# each assignment is a whole oracle run, and since the oracles read every policy kind's selectors (ANP, Calico,
# Cilium name control-plane labels too) some examples had hundreds, minutes each.
MAX_ASSIGNMENTS = 9
SLOW = settings(max_examples=5000, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _port_candidates(c: Cluster, p) -> list[int]:
    """Every port where some entry's answer can change, plus the extremes: enough to decide exactly."""
    out = {1, 65535}
    entries = [e for pol in c.policies for r in (*pol.ingress, *pol.egress) for e in r.ports] + list(p.ports)
    for e in entries:
        if isinstance(e.port, int):
            hi = e.end_port if e.end_port is not None else e.port
            out.update({e.port - 1, e.port, hi, hi + 1})
    out.update(cp.port for w in c.workloads for cp in w.ports)
    out.update(sp.target_port for svc in c.services for sp in svc.ports if isinstance(sp.target_port, int))
    return sorted(n for n in out if 1 <= n <= 65535)


def _address_candidates(c: Cluster, block) -> list:
    """The first address of every region the ipBlocks cut the space into, inside `block`."""
    nets = [block.cidr, *block.excepts]
    for pol in c.policies:
        for r in (*pol.ingress, *pol.egress):
            for peer in r.peers:
                if peer.ip_block is not None:
                    nets += [peer.ip_block.cidr, *peer.ip_block.excepts]
    v = block.version
    points = {0}
    for n in nets:
        if n.version == v:
            points.add(int(n.network_address))
            points.add(int(n.broadcast_address) + 1)
    ips = (ipaddress.ip_address(p) if v == 4 else ipaddress.IPv6Address(p) for p in points if p < 2**block.cidr.max_prefixlen)
    return [ip for ip in ips if block.contains(ip)]


def _assignments(c: Cluster, p, candidates):
    """Every way the labels only the cluster knows can be: one value per workload entry and key, among the
    values selectors of any policy kind name and one they do not (the placeholder stands for it)."""
    mentioned = mentioned_values(c, p)
    slots = [(i, k) for i, w in candidates for k in sorted(w.unknown_labels) if k in mentioned]
    choices = [sorted(mentioned[k]) + [c.workloads[i].labels[k]] for i, k in slots]
    if math.prod(len(v) for v in choices) > MAX_ASSIGNMENTS:
        reject()  # each assignment is a whole oracle run: thousands of them make one example take minutes
    for combination in itertools.product(*choices):
        chosen = dict(zip(slots, combination))
        yield {
            i: dataclasses.replace(w, labels={k: chosen.get((i, k), v) for k, v in w.labels.items()},
                                   unknown_labels=frozenset())
            for i, w in candidates
        }


def _ends(c: Cluster, spec, flag: bool, extra, known) -> list[tuple[bool, list]]:
    """(unknown, alternatives) per end, for the label values `known` gives: a known end is one endpoint; a pod
    whose IP the manifests do not give is every address it may get, and a verdict about it must hold for all."""
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


def oracle(c: Cluster, p, *, ipblock_matches_pods: bool) -> set[str]:
    """The statuses prove may give, over every way the unknown label values can be and every address a pod
    without known IPs may get: the sought connection for every label assignment, at every address of some
    pair, is violated (proven for `possible`); none for any assignment and address is proven (refuted); a
    verdict that changes with the label values or holds only at some addresses is unknown."""
    src, dst = resolve_endpoint(p.src, "from", c), resolve_endpoint(p.dst, "to", c)
    candidates = [(i, w) for i, w in enumerate(c.workloads) if src.fits_workload(w, c) or dst.fits_workload(w, c)]
    outcomes = [_oracle_once(c, p, src, dst, known, ipblock_matches_pods=ipblock_matches_pods)
                for known in _assignments(c, p, candidates)]
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
    if undecided and not all(certain):
        allowed.add("unknown")  # nothing sought for certain, and some connection is undecided
    if dependent or len(set(certain)) > 1 or (len(real) != len(outcomes) and any(certain)):
        # retries that exclude one address-dependent pair at a time may run out first; or the labels decide
        allowed.add("unknown")
    return allowed


def _pairs(c, s_alts, d_alts, s_unknown: bool, d_unknown: bool, extra) -> list[tuple]:
    """The address pairs a connection between the two ends may use: of one family, and two pods never at one
    address (a pair there stands for the unknown end at another address matched alike, or for none)."""
    out = []
    for s, d in itertools.product(s_alts, d_alts):
        if not same_family(s, d):
            continue
        if one_pod_address(s, d):
            moved = stand_in(s.ip, [c], extra) if s_unknown or d_unknown else None
            if moved is None:
                continue
            s, d = (s, dataclasses.replace(d, ip=moved)) if d_unknown else (dataclasses.replace(s, ip=moved), d)
        out.append((s, d))
    return out


def _oracle_once(c: Cluster, p, src, dst, known, *, ipblock_matches_pods: bool):
    """(certain, dependent): some connection has the sought verdict at every address of its pair, some only at
    some of them; or 'vacuous', for label values `known`."""
    ports = resolve_ports(p, dst)
    extra = [s.ip_block for s in (src, dst) if s.is_external]
    srcs = _ends(c, src, ipblock_matches_pods, extra, known)
    dsts = _ends(c, dst, ipblock_matches_pods, extra, known)
    if not srcs or not dsts:
        return "vacuous"
    want_allowed = p.expect != "reachable"
    fits = certain = dependent = undecided = False
    for (s_unknown, s_alts), (d_unknown, d_alts) in itertools.product(srcs, dsts):
        sw, dw = getattr(s_alts[0], "workload", None), getattr(d_alts[0], "workload", None)
        if sw is not None and sw is dw and sw.kind == "Pod":
            continue  # a bare pod with itself is not a connection
        pairs = _pairs(c, s_alts, d_alts, s_unknown, d_unknown, extra)
        if not pairs:
            continue  # no address of one family: no connection
        for candidate in connection_candidates(_port_candidates(c, p), p.ports):
            if (first := connection_flow(*pairs[0], candidate)) is None or not ports.fits(first):
                continue
            flows = [f for f in (connection_flow(s, d, candidate) for s, d in pairs) if f is not None]
            fits = True
            verdicts = [evaluate(c, f, ipblock_matches_pods=ipblock_matches_pods) for f in flows]
            hits = [v.may_be(want_allowed) for v in verdicts]
            certain |= all(hits)
            dependent |= any(hits) and not all(hits)
            # NetworkPolicy's undefined effect on host-network pods leaves a connection undecided.
            undecided |= any("unknown" in v.outcomes for v in verdicts)
    if not fits:
        return "vacuous"
    return certain, dependent, undecided


def _check_existing(data) -> None:
    c = data.draw(clusters())
    p = prop(data.draw(endpoint_specs(c)), data.draw(endpoint_specs(c)), data.draw(st.sampled_from(EXPECTS)),
             "existing", data.draw(property_ports))
    ipm = data.draw(st.booleans())
    watching = Recorder()  # a run someone watches (--progress) proves what an unwatched one does
    with progress.using(watching):
        [result] = prove(c, props(p), ipblock_matches_pods=ipm).results  # re-checks every counterexample itself
    assert watching.step("proving properties")["done"] == 1
    if result.status == "unknown" and "too many to try" in (result.reason or ""):
        return  # a verdict resting on more value combinations than prove tries stays unknown, soundly
    assert result.status in oracle(c, p, ipblock_matches_pods=ipm), result.reason
    if result.status == "unknown":
        # The last: a host-network replica whose unknown label value the solver sets is re-checked as a pod of
        # its own (smt/extract.py picks_unknown_value), so the undefined host-network verdict is reported with
        # this generic reason; unknown stays sound. Known, left to the witness work of issue 9.
        assert any(why in result.reason for why in ("depends on the pod address", "depends on the value of",
                                                      "effect on host-network pods",
                                                      "a rule of a kind netverify cannot evaluate decides it"))
    shown = result.counterexample or result.witness
    if shown is not None:
        assert shown.allowed == (p.expect != "reachable")
        assert_witness_is_truthful(c, shown)
        _assert_reported_witness_rechecks_and_is_minimal(c, p, shown, ipm)
        assert_valid_witness(shown, set(c.namespaces))


def _as_endpoint(c, w) -> object:
    if w.workload is not None:  # checked against the workload by assert_witness_is_truthful
        # the entry it is a pod of (a workload whose pods differ is several entries of one ref)
        [workload] = [x for x in c.workloads if x.ref == w.workload and dict(x.labels) == dict(w.labels)][:1]
        ip = ipaddress.ip_address(w.ip) if w.ip else None
        return dataclasses.replace(endpoint_of(c, workload), ip=ip)
    if w.namespace is None:
        return ExternalEndpoint(ipaddress.ip_address(w.ip))
    ports = tuple(ContainerPort(name, number, Protocol(proto)) for name, number, proto in w.container_ports)
    ip = ipaddress.ip_address(w.ip) if w.ip else None
    return PodEndpoint(w.namespace, dict(w.namespace_labels), dict(w.labels), ports, ip)


def _assert_reported_witness_rechecks_and_is_minimal(c, p, shown, ipm) -> None:
    """What the user reads is itself a counterexample, and no single label of a new pod in it can be dropped
    (an existing workload's pod keeps all its labels: it is that pod)."""
    dst = resolve_endpoint(p.dst, "to", c)
    target = Target(c, resolve_endpoint(p.src, "from", c), dst, resolve_ports(p, dst), p.expect != "reachable", ipm)
    flow = Flow(_as_endpoint(c, shown.src), _as_endpoint(c, shown.dst), shown.protocol, shown.port,
                shown.src_port, shown.icmp_type, shown.icmp_code)
    assert target.holds(flow), flow
    for role in ("src", "dst"):
        ep = getattr(flow, role)
        if isinstance(ep, PodEndpoint) and getattr(shown, role).workload is None:
            for key in ep.labels:
                smaller = dataclasses.replace(ep, labels={k: v for k, v in ep.labels.items() if k != key})
                assert not target.holds(dataclasses.replace(flow, **{role: smaller})), (role, key, flow)


def _check_any(data) -> None:
    c = data.draw(clusters())
    src, dst, ports = data.draw(endpoint_specs(c)), data.draw(endpoint_specs(c)), data.draw(property_ports)
    ipm = data.draw(st.booleans())
    results = {
        (expect, scope): prove(c, props(prop(src, dst, expect, scope, ports)), ipblock_matches_pods=ipm).results[0]
        for expect in ("unreachable", "reachable") for scope in ("any", "existing")
    }
    for result in results.values():  # what the solver invents can exist: names, labels, Pod YAML
        for shown in (result.counterexample, result.witness):
            if shown is not None:
                assert_valid_witness(shown, set(c.namespaces))
    for r in results.values():
        if r.counterexample is not None:
            assert_witness_is_truthful(c, r.counterexample)
    for expect in ("unreachable", "reachable"):
        if results[(expect, "any")].status == "proven":
            assert results[(expect, "existing")].status in ("proven", "vacuous")
    p = prop(src, dst, "unreachable", "any", ports)
    rs, rd, rp = resolve_endpoint(src, "from", c), resolve_endpoint(dst, "to", c), resolve_ports(p, resolve_endpoint(dst, "to", c))
    in_use = families([c], [s.ip_block for s in (rs, rd) if s.is_external])
    for flow in data.draw(st.lists(concrete_flows(c), min_size=1, max_size=6)):
        if not (rs.fits(flow.src) and rd.fits(flow.dst) and rp.fits(flow)):
            continue
        # No such connection: one family per connection (a pod's address counts only under the flag), and
        # pods have addresses of the families in use.
        modelled = [e.ip for e in (flow.src, flow.dst) if ipm or isinstance(e, ExternalEndpoint)]
        if len({ip.version for ip in modelled}) > 1:
            continue
        if ipm and not {flow.src.ip.version, flow.dst.ip.version} <= in_use:
            continue
        if ipm and one_pod_address(flow.src, flow.dst):
            continue  # two pods never share an address: no such connection
        allowed = evaluate(c, flow, ipblock_matches_pods=ipm).allowed
        refuted = "unreachable" if allowed else "reachable"
        assert results[(refuted, "any")].status == "violated", (flow, results[(refuted, "any")])


@DEFAULT
@given(st.data())
def test_scope_existing_agrees_with_the_concrete_evaluator(data):
    _check_existing(data)


@DEFAULT
@given(st.data())
def test_scope_any_is_refuted_by_every_concrete_pod_that_gets_through(data):
    _check_any(data)


@pytest.mark.slow
@SLOW
@given(st.data())
def test_scope_existing_agrees_with_the_concrete_evaluator_long_run(data):
    _check_existing(data)


@pytest.mark.slow
@SLOW
@given(st.data())
def test_scope_any_is_refuted_by_every_concrete_pod_that_gets_through_long_run(data):
    _check_any(data)
