"""Laws the reference evaluator obeys on random clusters: policies only add, order never matters, and the
verdict is the conjunction of two sides that are decided by exactly the selecting policies."""

from __future__ import annotations

from dataclasses import replace

from hypothesis import given, settings
from hypothesis import strategies as st

from builders import ext, flow, policy, pod, rule
from cluster_strategies import NAMESPACES, cluster_st, labels_st, rule_st
from netverify.eval.concrete import endpoint_of, evaluate, selects

endpoint_st = st.one_of(
    st.builds(lambda ns, labels, ip: pod(ns, labels, ip=ip), st.sampled_from(NAMESPACES), labels_st,
              st.sampled_from([None, "10.1.2.3", "192.168.1.1"])),
    st.sampled_from(["10.0.0.1", "10.1.2.3", "10.200.0.1", "192.168.5.5", "8.8.8.8", "2001:db8::1"]).map(ext),
)
proto_port_st = st.tuples(st.sampled_from(["TCP", "UDP", "SCTP"]), st.sampled_from([53, 80, 443, 1000, 8080]))


def _with_ns_labels(c, e):
    """A random pod gets its namespace's labels from the cluster, as a real pod would."""
    if hasattr(e, "namespace"):
        return replace(e, namespace_labels=c.namespace_labels(e.namespace))
    return e


def _endpoints(c, data):
    pool = [endpoint_of(c, w) for w in c.workloads]
    src = data.draw(st.one_of(st.sampled_from(pool), endpoint_st))
    dst = data.draw(st.one_of(st.sampled_from(pool), endpoint_st))
    return _with_ns_labels(c, src), _with_ns_labels(c, dst)


@settings(max_examples=120, deadline=None)
@given(cluster_st(), st.data(), proto_port_st, st.booleans())
def test_policy_order_never_matters(c, data, pp, flag):
    src, dst = _endpoints(c, data)
    f = flow(src, dst, pp[1], pp[0])
    shuffled = replace(c, policies=tuple(data.draw(st.permutations(c.policies))))
    a, b = evaluate(c, f, ipblock_matches_pods=flag), evaluate(shuffled, f, ipblock_matches_pods=flag)
    assert a.allowed == b.allowed
    assert set(a.ingress.allowed_by) == set(b.ingress.allowed_by)
    assert set(a.egress.isolated_by) == set(b.egress.isolated_by)


@settings(max_examples=120, deadline=None)
@given(cluster_st(), st.data(), proto_port_st, rule_st, st.booleans())
def test_adding_a_rule_never_blocks_what_was_allowed(c, data, pp, extra, flag):
    src, dst = _endpoints(c, data)
    f = flow(src, dst, pp[1], pp[0])
    before = evaluate(c, f, ipblock_matches_pods=flag)
    if not c.policies:
        return
    k = data.draw(st.integers(0, len(c.policies) - 1))
    p = c.policies[k]
    widened = policy(p.name, p.namespace, p.pod_selector, ingress=[*p.ingress, extra], egress=[*p.egress, extra],
                     types=p.policy_types)
    after = evaluate(replace(c, policies=c.policies[:k] + (widened,) + c.policies[k + 1:]), f, ipblock_matches_pods=flag)
    if before.allowed:
        assert after.allowed
    assert after.ingress.isolated == before.ingress.isolated and after.egress.isolated == before.egress.isolated


@settings(max_examples=120, deadline=None)
@given(cluster_st(), st.data(), proto_port_st, st.booleans())
def test_sides_are_decided_by_exactly_the_selecting_policies(c, data, pp, flag):
    src, dst = _endpoints(c, data)
    v = evaluate(c, flow(src, dst, pp[1], pp[0]), ipblock_matches_pods=flag)
    assert v.allowed == (v.egress.allowed and v.ingress.allowed)
    for side, who in ((v.egress, src), (v.ingress, dst)):
        expected = {p.key for p in c.policies
                    if hasattr(who, "namespace") and selects(p, who) and p.isolates(side.direction)}
        assert {r.policy for r in side.isolated_by} == expected
        assert side.isolated == bool(expected)
        assert {r.policy for r in side.allowed_by} <= expected
        assert all(r.rule is not None and r.direction == side.direction for r in side.allowed_by)
        if not side.isolated:
            assert side.allowed and side.allowed_by == ()


@settings(max_examples=80, deadline=None)
@given(cluster_st(), st.data(), proto_port_st)
def test_an_allow_all_policy_opens_the_destination(c, data, pp):
    src, dst = _endpoints(c, data)
    if not hasattr(dst, "namespace"):
        return
    opened = replace(c, policies=(*c.policies, policy("zz-open", dst.namespace, {}, ingress=[rule()])))
    v = evaluate(opened, flow(src, dst, pp[1], pp[0]))
    assert v.ingress.isolated and v.ingress.allowed
    assert any(r.policy == f"{dst.namespace}/zz-open" for r in v.ingress.allowed_by)
