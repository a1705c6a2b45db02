"""The symbolic diff against the concrete evaluator on random policy pairs.

Sound: every class witness is allowed by HEAD and blocked by BASE (the search re-checks this itself and raises
InternalDisagreement otherwise). Complete: when the enumeration finishes, every concrete connection HEAD allows
and BASE blocks lies in one of the classes it reported.
"""

from __future__ import annotations

import itertools
from dataclasses import replace

from builders import cluster, cport, ext, flow, ipblock, namespace, peer, policy, pod, port, rule, workload
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from netverify.analyses.diff_classes import _Versions, added_classes, in_region
from netverify.model.flow import ExternalEndpoint, PodEndpoint
from pod_manifest_rules import assert_valid_witness

NAMESPACES = [namespace("a", {"team": "x"}), namespace("b")]
# w1 names two ports `http` (two containers may); `Monitoring_NS` is no namespace's name, old or new.
WORKLOADS = [workload("w1", "a", {"app": "x"}, [cport(80, "http"), cport(85, "http")]), workload("w2", "b", {"app": "y"})]

PEERS = [peer({"app": "x"}), peer(None, {"team": "x"}), peer({}, {}), peer({"app": "y"}, {}), ipblock("10.0.0.0/8"),
         peer({}, {"kubernetes.io/metadata.name": "Monitoring_NS"})]
PORTS = [[], [port(80)], [port(80, end=90)], [port("http")], [port(53, "UDP")]]


@st.composite
def rules(draw):
    peers = draw(st.lists(st.sampled_from(PEERS), max_size=2))
    return rule(*peers, ports=draw(st.sampled_from(PORTS)))


@st.composite
def policies(draw, name: str):
    ns = draw(st.sampled_from(["a", "b"]))
    pods = draw(st.sampled_from([{}, {"app": "x"}, {"app": "y"}]))
    ingress = draw(st.lists(rules(), max_size=2))
    egress = draw(st.lists(rules(), max_size=1))
    types = draw(st.sampled_from([None, ["Ingress"], ["Ingress", "Egress"], ["Egress"]]))
    return policy(name, ns, pods, ingress=ingress, egress=egress, types=types)


@st.composite
def versions(draw):
    pool = [draw(policies(f"p{i}")) for i in range(3)]
    base = [p for p in pool if draw(st.booleans())]
    head = [draw(policies(p.name)) if draw(st.booleans()) else p for p in pool if draw(st.booleans())]
    # Namespace labels may change too.
    head_ns = [namespace("a", {"team": "x"}), namespace("b", draw(st.sampled_from([{}, {"team": "x"}])))]
    return cluster(*NAMESPACES, *WORKLOADS, *base), cluster(*head_ns, *WORKLOADS, *head)


def sample_flows():
    pods = [
        pod(ns, labels, ns_labels=ns_labels, ports=ports)
        for ns, ns_labels in (("a", {"team": "x"}), ("b", {}), ("new", {}), ("new2", {"team": "x"}))
        for labels in ({}, {"app": "x"}, {"app": "y"})
        for ports in ((), (cport(80, "http"),), (cport(85, "http"), cport(80, "http", "UDP")))
    ]
    ends = pods + [ext("10.1.2.3"), ext("8.8.8.8")]
    for src, dst in itertools.product(ends, ends):
        if src is dst or (isinstance(src, ExternalEndpoint) and isinstance(dst, ExternalEndpoint)):
            continue
        for number, proto in ((80, "TCP"), (85, "TCP"), (443, "TCP"), (53, "UDP")):
            yield flow(src, dst, number, proto)


FLOWS = list(sample_flows())


def with_cluster_ns_labels(f, c):
    """A sampled pod in an existing namespace carries that version's namespace labels."""
    def ep(e):
        if isinstance(e, PodEndpoint) and e.namespace in c.namespaces:
            return replace(e, namespace_labels=dict(c.namespace_labels(e.namespace)))
        return e
    return replace(f, src=ep(f.src), dst=ep(f.dst))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(versions())
def test_every_added_connection_is_in_a_reported_class(pair) -> None:
    base, head = pair
    search = added_classes(base, head, max_witnesses=100, timeout_ms=20000)
    assert search.status == "done" and not search.more
    v = _Versions(base, head, frozenset(n.name for n in NAMESPACES), False)
    for f in FLOWS:
        f = with_cluster_ns_labels(f, head)
        if v.added(f):
            assert any(in_region(v, r, f) for r in search.regions), f
    for c in search.classes:  # what the solver invents can exist
        assert_valid_witness(c.witness, set(head.namespaces))
    # Classes are distinct: no witness lies in an earlier class.
    for i in range(len(search.classes)):
        assert search.regions[i] not in search.regions[:i]
