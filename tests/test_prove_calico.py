"""prove under --cni calico (smt/calico.py): proofs for every pod that could exist, counterexamples re-checked
by the evaluator, and the unknowns Calico fields leave."""

from __future__ import annotations

import dataclasses
import itertools

from hypothesis import given, settings
from hypothesis import strategies as st

from builders import ALLOW_ALL, cluster, cport, expr, namespace, policy, port, sel, workload
from calico_builders import cpolicy, cport as calport, crule, entity, netset, service_account, tier, with_calico
from netverify.analyses.prove import prove
from netverify.analyses.witness_fit import same_pod
from netverify.eval.concrete import endpoint_of
from netverify.model.calico import IcmpMatch, ServiceAccountMatch
from netverify.model.calico_selector import Contains, EndsWith, Equals, Has, StartsWith
from netverify.model.policy import PortMatch
from netverify.model.ports import Protocol
from netverify.model.semantics import Semantics
from netverify.smt.string_values import passes, representatives
from builders import SPAN
from prove_helpers import addresses, pods, prop, props

CALICO = Semantics(cni="calico")
NS = [namespace("web", {"team": "web"}), namespace("data", {"team": "data"})]
DB = workload("db", "data", {"app": "db"}, [cport(5432, "pg")], ips=["10.1.0.5"])
FRONT = workload("front", "web", {"app": "front"}, ips=["10.2.0.7"])
OPEN_DB = policy("open", "data", {"app": "db"}, ingress=[ALLOW_ALL])


def run(c, p):
    return prove(c, props(p), semantics=CALICO).results[0]


def test_a_global_deny_in_a_tier_overrides_a_networkpolicy_allow_for_every_pod():
    gnp = cpolicy("no-web-to-db", None, Equals("app", "db"), tier="security", order=10,
                  ingress=[crule("deny", source=entity(namespace_selector=Equals("team", "web")))])
    c = with_calico(cluster(*NS, DB, FRONT, OPEN_DB), tier("security", 100), gnp)
    assert run(c, prop(pods("web"), pods("data", {"app": "db"}))).status == "proven"
    # Without the tier's policy the NetworkPolicy lets any pod of web in: a counterexample, re-checked.
    r = run(cluster(*NS, DB, FRONT, OPEN_DB), prop(pods("web"), pods("data", {"app": "db"})))
    assert r.status == "violated" and r.counterexample.ingress.chain[-1].by[0].policy == "data/open"


def test_pass_to_the_default_tier_and_its_deny():
    passing = cpolicy("hand-on", None, tier="security", ingress=[crule("pass")])
    isolate = policy("iso", "data", {"app": "db"}, ingress=[])
    c = with_calico(cluster(*NS, DB, FRONT, isolate), tier("security", 100), passing)
    assert run(c, prop(pods(), pods("data", {"app": "db"}))).status == "proven"
    r = run(c, prop(pods(), pods("data", {"app": "db"}), expect="reachable"))
    assert r.status == "violated"
    assert [d.action for d in r.counterexample.ingress.chain] == ["pass", "nomatch", "deny"]


def test_string_tests_get_values_that_pass_and_fail_them():
    # Deny sources whose app contains "ab": a proof that every labelled pod reaches db would be wrong (a pod
    # app=xabx is denied); the label universe must hold such a value for the solver to find it.
    gnp = cpolicy("deny-ab", None, Equals("app", "db"), tier="security",
                  ingress=[crule("deny", source=entity(Contains("app", "ab")))])
    c = with_calico(cluster(*NS, DB, FRONT, OPEN_DB), tier("security", 100, "pass"), gnp)
    r = run(c, prop(pods(selector=sel(None, expr("app", "Exists"))), pods("data", {"app": "db"}), expect="reachable"))
    assert r.status == "violated" and "ab" in r.counterexample.src.labels["app"]
    r2 = run(c, prop(pods(selector=sel(None, expr("app", "Exists"))), pods("data", {"app": "db"})))
    assert r2.status == "violated" and "ab" not in r2.counterexample.src.labels["app"]


def test_starts_and_ends_with_together():
    gnp = cpolicy("deny", None, Equals("app", "db"), tier="security",
                  ingress=[crule("deny", source=entity(StartsWith("app", "web"))),
                           crule("allow", source=entity(EndsWith("app", "end")))])
    c = with_calico(cluster(*NS, DB, FRONT), tier("security", 100), gnp)
    # Allowed only for a pod whose app ends with "end" and does not start with "web" (else the tier's Deny).
    r = run(c, prop(pods(selector=sel(None, expr("app", "Exists"))), pods("data", {"app": "db"})))
    app = r.counterexample.src.labels["app"]
    assert r.status == "violated" and app.endswith("end") and not app.startswith("web")


def test_network_sets_label_outside_addresses_and_nets_match_pods():
    partners = netset("partners", {"role": "partner"}, "203.0.113.0/24")
    gnp = cpolicy("partners-only", None, Equals("app", "db"), tier="security",
                  ingress=[crule("allow", source=entity(Equals("role", "partner"))), crule("deny")])
    c = with_calico(cluster(*NS, DB, FRONT), tier("security", 100), partners, gnp)
    assert run(c, prop(addresses("203.0.113.0/24"), pods("data", {"app": "db"}), expect="reachable")).status == "proven"
    r = run(c, prop(addresses("198.51.100.0/24"), pods("data", {"app": "db"}), expect="reachable"))
    assert r.status == "violated"
    by_net = cpolicy("front-net", None, Equals("app", "db"), tier="security",
                     ingress=[crule("deny", source=entity(nets_=["10.2.0.0/16"]))])
    c2 = with_calico(cluster(*NS, DB, FRONT, OPEN_DB), tier("security", 100), by_net)
    assert run(c2, prop(pods("web", {"app": "front"}), pods("data", {"app": "db"}), scope="existing")).status == "proven"


def test_source_ports_are_part_of_the_connection():
    gnp = cpolicy("low-src", None, Equals("app", "db"), tier="security",
                  ingress=[crule("deny", protocol=6, source=entity(ports=[calport(1, 1023)]))])
    c = with_calico(cluster(*NS, DB, FRONT, OPEN_DB), tier("security", 100, "pass"), gnp)
    r = run(c, prop(pods("web"), pods("data", {"app": "db"}), expect="reachable", ports=[port(5432)]))
    assert r.status == "violated" and 1 <= r.counterexample.src_port <= 1023
    high = PortMatch(Protocol.TCP, 5432, None, SPAN, src_port=1024, src_end_port=65535)
    assert run(c, prop(pods("web"), pods("data", {"app": "db"}), expect="reachable", ports=[high])).status == "proven"


def test_icmp_type_and_protocols_without_ports():
    gnp = cpolicy("ping-only", None, Equals("app", "db"), tier="security",
                  ingress=[crule("allow", protocol=1, source=entity()), crule("deny")])
    gnp = dataclasses.replace(gnp, ingress=(dataclasses.replace(gnp.ingress[0], icmp=IcmpMatch(8, None)),
                                            gnp.ingress[1]))
    c = with_calico(cluster(*NS, DB, FRONT), tier("security", 100), gnp)
    r = run(c, prop(pods("web"), pods("data", {"app": "db"})))
    assert r.status == "violated" and r.counterexample.protocol == Protocol.ICMP
    assert r.counterexample.icmp_type == 8


def test_service_account_not_in_the_input_is_unknown_not_refuted():
    # Regression: prove's search for undecided connections ran only with admin policies or host-network
    # pods, so a `possible` property over a pod whose ServiceAccount object is missing was refuted.
    db = dataclasses.replace(DB, service_account="db-sa")
    gnp = cpolicy("gold", None, Equals("app", "db"), tier="security", service_account_selector=Has("level"),
                  ingress=[crule("deny")])
    c = with_calico(cluster(*NS, db, FRONT, OPEN_DB), tier("security", 100), gnp)
    r = run(c, prop(pods("web", {"app": "front"}), pods("data", {"app": "db"}), expect="possible", scope="existing"))
    assert r.status == "unknown" and "ServiceAccount" in r.reason
    known = with_calico(c, service_account("data", "db-sa", {"level": "gold"}))
    r2 = run(known, prop(pods("web", {"app": "front"}), pods("data", {"app": "db"}), scope="existing"))
    assert r2.status == "proven"


def test_service_accounts_by_name_for_existing_pods():
    front = dataclasses.replace(FRONT, service_account="frontend")
    gnp = cpolicy("sa", None, Equals("app", "db"), tier="security", ingress=[
        crule("allow", source=entity(service_accounts=ServiceAccountMatch(("frontend",), None))), crule("deny")])
    c = with_calico(cluster(*NS, DB, front), tier("security", 100), gnp)
    r = run(c, prop(pods("web", {"app": "front"}), pods("data", {"app": "db"}), expect="reachable", scope="existing"))
    assert r.status == "proven"
    # A pod not created yet runs as an account netverify cannot know: unknown, never proven.
    assert run(c, prop(pods("web"), pods("data", {"app": "db"}), expect="reachable")).status == "unknown"


def test_two_host_network_replicas_on_one_node_are_two_pods():
    # Regression (found by tests/test_differential_calico.py): one address made them "one pod at both ends",
    # and the witness of a violated property was refused.
    host = dataclasses.replace(workload("agent", "web", {"app": "agent"}, ips=["10.200.0.2"]), host_network=True)
    a = endpoint_of(cluster(host), host)
    assert not same_pod(a, a)
    bare = dataclasses.replace(host, kind="Pod")
    assert same_pod(endpoint_of(cluster(bare), bare), endpoint_of(cluster(bare), bare))


_TESTS = st.lists(st.builds(lambda k, s: k("k", s), st.sampled_from([Contains, StartsWith, EndsWith]),
                            st.text("abx", min_size=0, max_size=3)), max_size=4)


@settings(max_examples=200, deadline=None)
@given(_TESTS, st.lists(st.text("abx", max_size=4), max_size=3))
def test_representatives_cover_every_combination_a_value_can_pass(tests, named):
    reps = representatives(tests, named)
    assert not reps & set(named)
    have = {tuple(passes(t, v) for t in tests) for v in reps}
    for n in range(7):
        for letters in itertools.product("abxy", repeat=n):
            value = "".join(letters)
            if value not in named:
                assert tuple(passes(t, value) for t in tests) in have, (value, tests)


MANIFESTS = """\
apiVersion: v1
kind: Namespace
metadata: {name: shop, labels: {team: shop}}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: db, namespace: shop}
spec:
  selector: {matchLabels: {app: db}}
  template:
    metadata: {labels: {app: db}}
    spec: {containers: [{name: db, image: postgres, ports: [{containerPort: 5432, name: pg}]}]}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: allow-all-to-db, namespace: shop}
spec:
  podSelector: {matchLabels: {app: db}}
  ingress: [{}]
---
apiVersion: projectcalico.org/v3
kind: Tier
metadata: {name: security}
spec: {order: 100}
---
apiVersion: projectcalico.org/v3
kind: GlobalNetworkSet
metadata: {name: scanners, labels: {role: scanner}}
spec: {nets: [198.51.100.0/24]}
---
apiVersion: projectcalico.org/v3
kind: GlobalNetworkPolicy
metadata: {name: security.block-scanners}
spec:
  tier: security
  order: 10
  selector: has(app)
  types: [Ingress]
  ingress:
  - action: Deny
    source: {selector: role == "scanner"}
  - action: Pass
"""


def test_loaded_calico_manifests_a_global_deny_beats_a_networkpolicy_allow():
    """From Calico's docs: tiers (https://docs.tigera.io/calico/latest/network-policy/policy-tiers/tiered-policy),
    GlobalNetworkSet (https://docs.tigera.io/calico/latest/reference/resources/globalnetworkset), `has()`."""
    from netverify.load.manifests import load_cluster_from_texts
    c = load_cluster_from_texts([("calico.yaml", MANIFESTS)])
    r = run(c, prop(addresses("198.51.100.0/24"), pods("shop", {"app": "db"})))
    assert r.status == "proven"
    other = run(c, prop(addresses("203.0.113.0/24"), pods("shop", {"app": "db"}), expect="reachable"))
    assert other.status == "proven"  # Pass hands it to the default tier, where the NetworkPolicy admits it
    shown = run(c, prop(addresses("0.0.0.0/0"), pods("shop", {"app": "db"})))
    assert shown.status == "violated"
    chain = shown.counterexample.ingress.chain
    assert [d.layer for d in chain][:2] == ["calico:security", "calico:kube-admin"]
    assert chain[0].action == "pass" and chain[-1].by[0].policy == "shop/allow-all-to-db"
