"""The encoded problem: only what the property needs, fresh namespaces, extraction of concrete flows."""

from __future__ import annotations

import yaml

from builders import cluster, namespace, peer, policy, rule, sel, workload
from netverify.analyses.prove import prove
from netverify.smt.problem import ConnectionProblem
from netverify.smt.resolve import PortSpec, resolve_endpoint
from netverify.smt.session import SolverSession
from prove_helpers import pods, prop, props

C = cluster(
    namespace("shop", {"team": "shop"}), namespace("ops"), namespace("lab"),
    workload("db", "shop"), workload("tool", "ops"),
    policy("shop-deny", "shop", {}), policy("ops-deny", "ops", {}), policy("lab-deny", "lab", {}),
)


def _problem(src, dst, scope="any"):
    s = SolverSession()
    return ConnectionProblem(s, C, resolve_endpoint(src, "from", C), resolve_endpoint(dst, "to", C), PortSpec(()),
                             scope=scope)


def test_only_the_policies_of_namespaces_an_endpoint_may_be_in_are_encoded():
    p = _problem(pods("shop"), pods("shop", {"app": "db"}))
    assert [x.key for x in p.policies] == ["shop/shop-deny"]
    p = _problem(pods("shop"), pods(ns_labels={"team": "shop"}))
    assert [x.key for x in p.policies] == ["shop/shop-deny"]
    p = _problem(pods("shop"), pods(), scope="existing")  # existing pods live in shop and ops only
    assert sorted(x.key for x in p.policies) == ["ops/ops-deny", "shop/shop-deny"]


def test_the_universe_holds_every_mentioned_value_and_a_fresh_one():
    c = cluster(namespace("shop"), policy("p", "shop", {"app": "db"}, ingress=[rule(peer({"app": "web"}))]))
    s = SolverSession()
    spec = resolve_endpoint(pods("shop", {"tier": "x"}), "from", c)
    p = ConnectionProblem(s, c, spec, resolve_endpoint(pods("shop"), "to", c), PortSpec(()), scope="any")
    app = p.universe.keys["app"]
    assert app.values == ("db", "web") and app.fresh not in app.values
    assert p.universe.keys["tier"].values == ("x",)


def test_two_pods_in_new_namespaces_get_distinct_names_and_one_namespace_manifest_each():
    c = cluster(namespace("shop"), workload("db", "shop"), policy("deny", "shop", {}))
    open_db = cluster(namespace("shop"), workload("db", "shop"))
    # with nothing in the way, a pod of a new namespace reaches a pod of another new namespace
    result = prove(open_db, props(prop(pods(ns_labels={"env": "x"}), pods(ns_labels={"env": "y"}))))
    cx = result.results[0].counterexample
    assert result.results[0].status == "violated"
    assert not cx.src.namespace_exists and not cx.dst.namespace_exists
    assert cx.src.namespace != cx.dst.namespace
    kinds = [d["kind"] for d in yaml.safe_load_all(cx.pod_manifests)]
    assert kinds.count("Namespace") == 2 and kinds.count("Pod") == 2
    assert prove(c, props(prop(pods(), pods("shop")))).results[0].status == "proven"


def test_counterexample_labels_of_new_pods_are_minimised_to_what_matters():
    c = cluster(
        namespace("shop"), workload("db", "shop", {"app": "db", "tier": "data", "version": "1"}),
        policy("db", "shop", {"app": "db"}, ingress=[rule(peer(sel({"role": "admin"}), {}))]),
    )
    result = prove(c, props(prop(pods(), pods("shop", {"app": "db"})))).results[0]
    cx = result.counterexample
    assert cx.src.labels == {"role": "admin"}  # a new pod: minimised
    # An existing workload's pod keeps every label it has: it is that pod (issue 9, item 9).
    assert cx.dst.labels == {"app": "db", "tier": "data", "version": "1"}
    assert cx.dst.workload == "shop/db[Deployment]"
