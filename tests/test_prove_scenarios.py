"""prove on the tutorial scenarios, with the verdicts Kubernetes dictates (model objects, no loader)."""

from __future__ import annotations

import dataclasses

import pytest
import yaml

from builders import (
    SPAN, cluster, cport, expr, ipblock, namespace, peer, policy, port, rule, sel, workload,
)
from netverify.analyses.prove import prove
from netverify.analyses.witness import Target, recheck
from netverify.errors import InputError, InternalDisagreement
from netverify.model.cluster import Service, ServicePort
from netverify.model.ports import Protocol
from netverify.smt.resolve import PortSpec, resolve_endpoint
from prove_helpers import addresses, pods, prop, props, service, workload_ep


def run(c, p, **kw):
    [result] = prove(c, props(p), **kw).results
    return result


SHOP = (
    namespace("shop", {"team": "shop"}),
    namespace("ops", {"team": "ops"}),
    workload("frontend", "shop"),
    workload("api", "shop"),
    workload("db", "shop", ports=[cport(3306, "mysql")]),
    workload("monitor", "ops"),
)
FE = pods("shop", {"app": "frontend"})
DB = pods("shop", {"app": "db"})
DENY_ALL = policy("deny-all", "shop", {})


# ---- default deny, deny then allow --------------------------------------------------------------


@pytest.mark.parametrize("scope", ["any", "existing"])
def test_default_deny_blocks_every_source(scope):
    c = cluster(*SHOP, DENY_ALL)
    assert run(c, prop(pods(), DB, "unreachable", scope)).status == "proven"
    result = run(c, prop(pods(), DB, "reachable", scope))
    assert result.status == "violated"
    cx = result.counterexample
    assert cx.ingress.isolated and not cx.ingress.allowed_by
    assert [r.policy for r in cx.ingress.isolated_by] == ["shop/deny-all"]
    assert "no rule admits it" in result.reason


def test_without_policies_everything_is_reachable_and_the_witness_is_an_existing_pair():
    c = cluster(*SHOP)
    assert run(c, prop(FE, DB, "reachable", "any")).status == "proven"
    result = run(c, prop(FE, DB, "unreachable", "any"))
    assert result.status == "violated"
    cx = result.counterexample
    assert (cx.src.workload, cx.dst.workload) == ("shop/frontend[Deployment]", "shop/db[Deployment]")
    assert cx.src.labels == {"app": "frontend"} and cx.dst.labels == {"app": "db"}
    assert not cx.egress.isolated and not cx.ingress.isolated


def test_deny_then_allow_opens_only_the_allowed_port():
    allow = policy("db-from-fe", "shop", {"app": "db"},
                   ingress=[rule(peer({"app": "frontend"}), ports=[port(3306)])])
    c = cluster(*SHOP, DENY_ALL, allow)
    on_3306, on_80 = [port(3306)], [port(80)]
    result = run(c, prop(FE, DB, "unreachable", "any", on_3306))
    assert result.status == "violated"
    assert result.counterexample.port == 3306 and result.counterexample.protocol == Protocol.TCP
    assert [(r.policy, r.rule) for r in result.counterexample.ingress.allowed_by] == [("shop/db-from-fe", 0)]
    assert run(c, prop(FE, DB, "unreachable", "any", on_80)).status == "proven"
    assert run(c, prop(FE, DB, "reachable", "any", on_3306)).status == "proven"
    assert run(c, prop(FE, DB, "reachable", "existing", on_3306)).status == "proven"
    assert run(c, prop(pods("shop", {"app": "api"}), DB, "unreachable", "any")).status == "proven"
    assert run(c, prop(FE, DB, "possible", "existing")).witness.port == 3306


# ---- peers: AND vs OR, podSelector alone is namespace-local --------------------------------------


def test_pod_and_namespace_selector_in_one_peer_is_and_in_two_peers_is_or():
    and_peer = policy("db", "shop", {"app": "db"}, ingress=[rule(peer({"app": "monitor"}, {"team": "ops"}))])
    or_peers = policy("db", "shop", {"app": "db"}, ingress=[rule(peer({"app": "monitor"}), peer(None, {"team": "ops"}))])
    outsider = pods(ns_labels={"team": "ops"}, selector=sel({}, expr("app", "NotIn", "monitor")))
    assert run(cluster(*SHOP, and_peer), prop(outsider, DB, "unreachable")).status == "proven"
    result = run(cluster(*SHOP, or_peers), prop(outsider, DB, "unreachable"))
    assert result.status == "violated"
    assert result.counterexample.src.namespace == "ops"


def test_a_pod_selector_alone_matches_only_the_policys_own_namespace():
    c = cluster(*SHOP, workload("frontend", "ops"),
                policy("db", "shop", {"app": "db"}, ingress=[rule(peer({"app": "frontend"}))]))
    assert run(c, prop(pods("ops", {"app": "frontend"}), DB, "unreachable")).status == "proven"
    assert run(c, prop(pods(None, {"app": "frontend"}), DB, "possible")).status == "proven"
    result = run(c, prop(pods(None, {"app": "frontend"}), DB, "reachable", "existing"))
    assert result.status == "violated" and result.counterexample.src.workload == "ops/frontend[Deployment]"


# ---- ipBlocks ------------------------------------------------------------------------------------


def test_ipblock_with_except():
    egress = policy("fe-out", "shop", {"app": "frontend"},
                    egress=[rule(ipblock("10.0.0.0/8", "10.1.0.0/16"))], types=["Egress"])
    c = cluster(*SHOP, egress)
    assert run(c, prop(FE, addresses("10.1.0.0/16"), "unreachable")).status == "proven"
    assert run(c, prop(FE, addresses("10.2.0.0/16"), "reachable")).status == "proven"
    result = run(c, prop(FE, addresses("10.0.0.0/8"), "reachable"))
    assert result.status == "violated"
    assert result.counterexample.dst.ip.startswith("10.1.")
    assert result.counterexample.dst.namespace is None
    assert run(c, prop(FE, addresses("192.168.0.0/16"), "unreachable", "existing")).status == "proven"


def test_ipblocks_match_pod_addresses_only_when_asked():
    c = cluster(*SHOP, DENY_ALL, policy("db", "shop", {"app": "db"}, ingress=[rule(ipblock("10.0.0.0/8"))]))
    assert run(c, prop(FE, DB, "unreachable")).status == "proven"
    result = run(c, prop(FE, DB, "unreachable"), ipblock_matches_pods=True)
    assert result.status == "violated"
    assert result.counterexample.src.ip.startswith("10.")
    assert "10." in result.counterexample.pod_manifests  # says which address the pod needs


# ---- named ports ---------------------------------------------------------------------------------


def test_named_ports_resolve_on_the_destination_pod():
    web = workload("web", "shop", ports=[cport(8080, "http")])
    c = cluster(*SHOP, web, policy("web", "shop", {"app": "web"}, ingress=[rule(ports=[port("http")])]))
    web_ep = pods("shop", {"app": "web"})
    assert run(c, prop(FE, web_ep, "reachable", "existing", [port(8080)])).status == "proven"
    assert run(c, prop(FE, web_ep, "unreachable", "existing", [port(80)])).status == "proven"
    assert run(c, prop(FE, web_ep, "unreachable", "existing", [port(8080, "UDP")])).status == "proven"
    # a future web pod may give "http" another number
    result = run(c, prop(FE, web_ep, "unreachable", "any", [port(9090)]))
    assert result.status == "violated"
    assert ("http", 9090, "TCP") in result.counterexample.dst.container_ports
    manifest = list(yaml.safe_load_all(result.counterexample.pod_manifests))
    dst_pod = next(d for d in manifest if d["metadata"]["name"] == "netverify-dst")
    assert dst_pod["spec"]["containers"][0]["ports"] == [{"name": "http", "containerPort": 9090, "protocol": "TCP"}]


# ---- egress isolation defaults -------------------------------------------------------------------


def test_egress_empty_without_policy_types_does_not_isolate_egress():
    no_types = policy("fe", "shop", {"app": "frontend"}, egress=[])  # effective types: Ingress only
    assert run(cluster(*SHOP, no_types), prop(FE, addresses("0.0.0.0/0"), "reachable")).status == "proven"
    typed = policy("fe", "shop", {"app": "frontend"}, egress=[], types=["Egress"])
    assert run(cluster(*SHOP, typed), prop(FE, addresses("0.0.0.0/0"), "unreachable")).status == "proven"
    assert run(cluster(*SHOP, typed), prop(FE, DB, "unreachable")).status == "proven"


# ---- the label collision a future pod can exploit -------------------------------------------------


def test_label_collision_lets_a_future_pod_in_scope_any_violated_scope_existing_proven():
    admin = policy("db", "shop", {"app": "db"}, ingress=[rule(peer({"role": "admin"}, {}))])
    c = cluster(*SHOP, DENY_ALL, admin, workload("admin", "ops", {"app": "tools", "role": "admin"}))
    fe_anywhere = pods(None, {"app": "frontend"})
    assert run(c, prop(fe_anywhere, DB, "unreachable", "existing")).status == "proven"
    result = run(c, prop(fe_anywhere, DB, "unreachable", "any"))
    assert result.status == "violated"
    assert result.counterexample.src.labels == {"app": "frontend", "role": "admin"}
    assert result.counterexample.src.namespace_exists  # an existing namespace is preferred


def test_a_namespace_not_created_yet_is_a_counterexample_with_its_namespace_yaml():
    fresh = policy("db", "shop", {"app": "db"}, ingress=[rule(peer(None, {"env": "dev"}))])
    c = cluster(*SHOP, DENY_ALL, fresh)
    result = run(c, prop(pods(), DB, "unreachable"))
    assert result.status == "violated"
    src = result.counterexample.src
    assert not src.namespace_exists and src.namespace_labels["env"] == "dev"
    assert src.namespace not in ("shop", "ops")
    docs = list(yaml.safe_load_all(result.counterexample.pod_manifests))
    assert docs[0]["kind"] == "Namespace" and docs[0]["metadata"]["labels"]["env"] == "dev"


def test_a_namespace_named_in_the_property_but_absent_is_a_fresh_namespace_with_that_name():
    by_name = policy("db", "shop", {"app": "db"},
                     ingress=[rule(peer(None, {"kubernetes.io/metadata.name": "payments"}))])
    c = cluster(*SHOP, DENY_ALL, by_name)
    result = run(c, prop(pods("payments"), DB, "unreachable"))
    assert result.status == "violated"
    assert result.counterexample.src.namespace == "payments" and not result.counterexample.src.namespace_exists
    assert run(c, prop(pods("staging"), DB, "unreachable")).status == "proven"


# ---- vacuity, unknown, budgets -----------------------------------------------------------------


def test_vacuous_endpoints_name_the_side():
    c = cluster(*SHOP, DENY_ALL)
    typo = run(c, prop(pods("shop", {"app": "frontnd"}), DB, "unreachable", "existing"))
    assert typo.status == "vacuous" and "source" in typo.reason
    contradiction = pods("shop", selector=sel({"app": "db"}, expr("app", "NotIn", "db")))
    result = run(c, prop(FE, contradiction, "unreachable", "any"))
    assert result.status == "vacuous" and "destination" in result.reason
    allowed = run(c, prop(FE, contradiction, "unreachable", "any", allow_vacuous=True))
    assert allowed.status == "vacuous" and allowed.allow_vacuous and not allowed.fails


def test_a_bare_pod_talking_to_itself_is_not_a_connection_but_two_replicas_are():
    c = cluster(workload("solo", "default", kind="Pod"), workload("web", "default"))
    solo = workload_ep("solo", "default")
    assert run(c, prop(solo, solo, "unreachable", "existing")).status == "vacuous"
    web = workload_ep("web", "default")
    assert run(c, prop(web, web, "unreachable", "existing")).status == "violated"


@pytest.mark.parametrize("limits", [{"timeout_ms": 1}, {"rlimit": 1}])
def test_tiny_solver_limits_give_unknown_never_proven(limits):
    many = [policy(f"p{i}", "shop", {"app": f"a{i}"}, ingress=[rule(peer({"app": f"b{i}"}, {"team": f"t{i}"}))])
            for i in range(40)]
    c = cluster(*SHOP, *many)
    result = run(c, prop(pods(), pods(), "unreachable", "any"), **limits)
    assert result.status == "unknown"
    assert "timeout" in result.reason or "resource limit" in result.reason


def test_an_exhausted_run_budget_leaves_the_remaining_properties_unknown():
    c = cluster(*SHOP)
    report = prove(c, props(*(prop(FE, DB, name=f"p{i}") for i in range(3))), max_time_s=1e-9)
    assert [r.status for r in report.results] == ["unknown"] * 3
    assert all("--max-time" in r.reason for r in report.results)


def test_a_refuted_possible_says_why_none_is():
    c = cluster(*SHOP, DENY_ALL)
    result = run(c, prop(FE, DB, "possible", "any"))
    assert result.status == "violated" and result.counterexample is None
    assert "shop/deny-all" in result.reason and "no rule admits it" in result.reason


# ---- services and workloads ----------------------------------------------------------------------


def test_service_ports_are_translated_to_target_ports_named_or_numbered():
    web = workload("web", "shop", ports=[cport(8080, "http")])
    svc = Service("shop", "web", {"app": "web"}, (ServicePort("http", 80, "http", Protocol.TCP),), SPAN)
    c = cluster(*SHOP, web, DENY_ALL, policy("web", "shop", {"app": "web"}, ingress=[rule(ports=[port(8080)])]))
    c = dataclasses.replace(c, services=(svc,))
    assert run(c, prop(FE, service("web", "shop"), "reachable", "existing", [port(80)])).status == "proven"
    result = run(c, prop(FE, service("web", "shop"), "unreachable", "existing", [port(80)]))
    assert result.status == "violated" and result.counterexample.port == 8080
    assert run(c, prop(FE, service("web", "shop"), "unreachable", "existing", [port(81)])).status == "vacuous"


def test_missing_service_or_workload_is_bad_input():
    c = cluster(*SHOP)
    with pytest.raises(InputError, match="no Service"):
        prove(c, props(prop(FE, service("nope", "shop"))))
    with pytest.raises(InputError, match="no workload"):
        prove(c, props(prop(workload_ep("nope", "shop"), DB)))


def test_workload_endpoints_pin_the_workloads_pods():
    c = cluster(*SHOP, DENY_ALL, policy("db", "shop", {"app": "db"}, ingress=[rule(peer({"app": "api"}))]))
    api, db = workload_ep("api", "shop"), workload_ep("Deployment/db", "shop")
    assert run(c, prop(api, db, "reachable", "any")).status == "proven"
    assert run(c, prop(workload_ep("frontend", "shop"), db, "unreachable", "any")).status == "proven"


# ---- the re-check guards against encoder bugs ------------------------------------------------------


def test_a_counterexample_the_evaluator_disagrees_with_is_raised_loudly():
    from builders import flow, pod

    c = cluster(*SHOP, DENY_ALL)
    target = Target(c, resolve_endpoint(FE, "from", c), resolve_endpoint(DB, "to", c), PortSpec(()), True, False)
    blocked = flow(pod("shop", {"app": "frontend"}), pod("shop", {"app": "db"}), 80)
    with pytest.raises(InternalDisagreement, match="concrete evaluator says blocked"):
        recheck(target, blocked, "counterexample")


def test_ipv6_blocks_and_addresses():
    egress = policy("fe-out", "shop", {"app": "frontend"},
                    egress=[rule(ipblock("::/0", "2001:db8::/32"))], types=["Egress"])
    c = cluster(*SHOP, egress)
    assert run(c, prop(FE, addresses("2001:db8::/32"), "unreachable")).status == "proven"
    assert run(c, prop(FE, addresses("2001:db9::/32"), "reachable")).status == "proven"
    assert run(c, prop(FE, addresses("10.0.0.0/8"), "unreachable")).status == "proven"  # v4 is not in ::/0
    result = run(c, prop(FE, addresses("2001:d00::/24"), "reachable"))
    assert result.status == "violated" and result.counterexample.dst.ip.startswith("2001:db8:")


def test_a_pod_in_an_unnamed_new_namespace_never_borrows_the_other_pods_new_namespace_name():
    c = cluster(*SHOP)
    src = dataclasses.replace(pods("new"), namespace_selector=sel({"env": "x"}))
    dst = pods(selector=None)
    dst = dataclasses.replace(dst, namespace_selector=sel({"env": "x"}, expr("kubernetes.io/metadata.name", "NotIn", "new")))
    result = run(c, prop(src, dst, "unreachable"))
    assert result.status == "violated"
    assert result.counterexample.src.namespace == "new" and result.counterexample.dst.namespace != "new"
