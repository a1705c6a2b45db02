"""The incremental diff (analyses/diff_focus, diff_focus_map) equals the full recomputation.

On random clusters and one random small change (a NetworkPolicy added, removed or edited, a workload added,
removed or relabelled, an admin policy added, removed or edited, now and then a namespace relabelled, which
falls back to the full maps), `diff` with the focused maps gives the same DiffReport as `diff(...,
incremental=False)`: the same changes with the same rules, the same new-workload rows, the same classes. The
targeted cases below check that the focus really is small where it should be (so the equality is not the
full computation compared with itself) and that it falls back where its bounds do not hold.
"""

from __future__ import annotations

import dataclasses

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from builders import cluster, cport, namespace, peer, policy, port, rule, workload
from differential_strategies import admin_policies, clusters, policies, workload_entries
from netverify.analyses.diff import diff
from netverify.analyses.diff_focus import change_focus, same_content
from netverify.model.semantics import Semantics

CHANGES = ["policy-added", "policy-removed", "policy-edited", "workload-added", "workload-removed",
           "workload-relabelled", "admin-added", "admin-removed", "admin-edited", "namespace-relabelled"]


def _replace_at(items: tuple, i: int, new) -> tuple:
    return items[:i] + (new,) + items[i + 1:]


@st.composite
def changed_versions(draw):
    """(BASE, HEAD, what changed): HEAD is BASE with one small change."""
    base = draw(clusters())
    if draw(st.integers(0, 4)) > 0:  # host-network pods send diff to the full maps: mostly without them
        base = dataclasses.replace(base, workloads=tuple(w for w in base.workloads if not w.host_network))
    if draw(st.booleans()):
        base = dataclasses.replace(base, admin_policies=tuple(draw(admin_policies(i))
                                                              for i in range(draw(st.integers(0, 2)))))
    change = draw(st.sampled_from(CHANGES))
    head = base
    if change == "policy-added":
        head = dataclasses.replace(base, policies=base.policies + (draw(policies(50)),))
    elif change == "policy-removed" and base.policies:
        i = draw(st.integers(0, len(base.policies) - 1))
        head = dataclasses.replace(base, policies=base.policies[:i] + base.policies[i + 1:])
    elif change == "policy-edited" and base.policies:
        i = draw(st.integers(0, len(base.policies) - 1))
        old = base.policies[i]
        new = dataclasses.replace(draw(policies(i)), name=old.name, namespace=old.namespace)
        if draw(st.booleans()):  # keep the selector: only the rules change (the focus by peers)
            new = dataclasses.replace(new, pod_selector=old.pod_selector, policy_types=old.policy_types)
        head = dataclasses.replace(base, policies=_replace_at(base.policies, i, new))
    elif change == "workload-added":
        head = dataclasses.replace(base, workloads=base.workloads + tuple(draw(workload_entries("wnew"))))
    elif change == "workload-removed" and base.workloads:
        ref = draw(st.sampled_from([w.ref for w in base.workloads]))
        head = dataclasses.replace(base, workloads=tuple(w for w in base.workloads if w.ref != ref))
    elif change == "workload-relabelled" and base.workloads:
        i = draw(st.integers(0, len(base.workloads) - 1))
        w = base.workloads[i]
        labels = {**w.labels, draw(st.sampled_from(["app", "tier", "role"])): draw(st.sampled_from(["a", "b", "z"]))}
        head = dataclasses.replace(base, workloads=_replace_at(base.workloads, i, dataclasses.replace(w, labels=labels)))
    elif change == "admin-added":
        head = dataclasses.replace(base, admin_policies=base.admin_policies + (draw(admin_policies(7)),))
    elif change == "admin-removed" and base.admin_policies:
        head = dataclasses.replace(base, admin_policies=base.admin_policies[1:])
    elif change == "admin-edited" and base.admin_policies:
        old = base.admin_policies[0]
        new = dataclasses.replace(draw(admin_policies(0)), name=old.name, kind=old.kind, tier=old.tier)
        head = dataclasses.replace(base, admin_policies=_replace_at(base.admin_policies, 0, new))
    elif change == "namespace-relabelled":
        name = draw(st.sampled_from(sorted(base.namespaces)))
        ns = base.namespaces[name]
        relabelled = dataclasses.replace(ns, labels={**ns.labels, "team": draw(st.sampled_from(["a", "b", "z"]))})
        head = dataclasses.replace(base, namespaces={**base.namespaces, name: relabelled})
    return base, head, change


def _same_both_ways(base, head, **options) -> None:
    incremental = diff(base, head, **options)
    full = diff(base, head, incremental=False, **options)
    assert incremental.changes == full.changes
    assert incremental.new_workloads == full.new_workloads
    assert incremental == full


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(changed_versions(), st.booleans())
def test_incremental_existing_workloads_equal_the_full_maps(versions, ipblock_matches_pods) -> None:
    base, head, _ = versions
    _same_both_ways(base, head, symbolic=False, ipblock_matches_pods=ipblock_matches_pods)


@settings(max_examples=4, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(changed_versions())
def test_incremental_report_with_classes_equals_the_full_one(versions) -> None:
    base, head, _ = versions
    _same_both_ways(base, head, max_witnesses=3)


@pytest.mark.slow
@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(changed_versions(), st.booleans())
def test_incremental_report_equals_the_full_one_slow(versions, ipblock_matches_pods) -> None:
    base, head, _ = versions
    _same_both_ways(base, head, max_witnesses=3, ipblock_matches_pods=ipblock_matches_pods)


# ---- targeted cases ----------------------------------------------------------------------------------------

def _cluster(*extra):
    return cluster(
        namespace("shop"), namespace("other"),
        workload("web", "shop", {"app": "web"}, [cport(80, "http")], ips=["10.0.0.1"]),
        workload("api", "shop", {"app": "api"}, [cport(8080, "http")], ips=["10.0.0.2"]),
        workload("db", "shop", {"app": "db"}, [cport(5432)], ips=["10.0.0.3"]),
        workload("job", "other", {"app": "job"}, ips=["10.0.1.1"]),
        policy("deny", "shop", types=["Ingress"]),
        policy("allow-api", "shop", {"app": "api"}, ingress=[rule(peer({"app": "web"}), ports=[port(8080)])]),
        *extra,
    )


def test_an_edited_rule_focuses_on_its_peers_only() -> None:
    base = _cluster()
    edited = policy("allow-api", "shop", {"app": "api"}, ingress=[rule(peer({"app": "web"}), ports=[port(9090)])])
    head = dataclasses.replace(base, policies=(base.policies[0], edited))
    focus = change_focus(base, head, Semantics())
    assert focus is not None
    assert focus.needs("shop/web[Deployment]", "shop/api[Deployment]")
    assert not focus.needs("shop/web[Deployment]", "shop/db[Deployment]")
    assert not focus.needs("other/job[Deployment]", "shop/api[Deployment]")  # isolation kept by `deny`
    report = diff(base, head, symbolic=False)
    assert [(c.src.label, c.dst.label) for c in report.changes] == [("shop/web[Deployment]", "shop/api[Deployment]")]
    _same_both_ways(base, head, symbolic=False)


def test_a_removed_default_deny_recomputes_the_pods_it_isolated_alone() -> None:
    base = _cluster()
    head = dataclasses.replace(base, policies=base.policies[1:])
    focus = change_focus(base, head, Semantics())
    assert focus is not None
    # api stays isolated for ingress (allow-api); web and db do not: their whole columns
    assert {"shop/web[Deployment]", "shop/db[Deployment]"} <= focus.cols
    assert "shop/api[Deployment]" not in focus.cols
    assert "other/job[Deployment]" not in focus.rows | focus.cols
    assert not focus.needs("other/job[Deployment]", "shop/api[Deployment]")
    _same_both_ways(base, head, symbolic=False)


def test_an_added_policy_and_an_added_workload_are_focused() -> None:
    base = _cluster()
    added = policy("allow-db", "shop", {"app": "db"}, ingress=[rule(peer({"app": "api"}), ports=[port(5432)])])
    head = dataclasses.replace(base, policies=base.policies + (added,))
    focus = change_focus(base, head, Semantics())
    assert focus is not None and focus.needs("shop/api[Deployment]", "shop/db[Deployment]")
    assert not focus.needs("shop/web[Deployment]", "shop/db[Deployment]")
    _same_both_ways(base, head, symbolic=False)
    new = workload("cache", "shop", {"app": "cache"}, [cport(6379)], ips=["10.0.0.9"])
    head = dataclasses.replace(base, workloads=base.workloads + (new,))
    report = diff(base, head, symbolic=False)
    full = diff(base, head, symbolic=False, incremental=False)
    assert report == full
    assert change_focus(base, head, Semantics()) is not None


def test_namespace_labels_calico_and_host_network_fall_back_to_the_full_maps() -> None:
    base = _cluster()
    ns = base.namespaces["other"]
    relabelled = dataclasses.replace(base, namespaces={**base.namespaces,
                                                       "other": dataclasses.replace(ns, labels={**ns.labels, "t": "x"})})
    assert change_focus(base, relabelled, Semantics()) is None
    assert change_focus(base, base, Semantics(cni="calico")) is None
    host = dataclasses.replace(base.workloads[0], host_network=True)
    with_host = dataclasses.replace(base, workloads=(host, *base.workloads[1:]))
    assert change_focus(with_host, with_host, Semantics()) is None


def test_same_content_ignores_where_a_policy_was_written() -> None:
    a = _cluster().policies[1]
    moved = dataclasses.replace(a, span=dataclasses.replace(a.span, file="elsewhere.yaml", line=99),
                                ingress=tuple(dataclasses.replace(r, span=dataclasses.replace(r.span, line=77))
                                              for r in a.ingress))
    assert a != moved and same_content(a, moved)
    assert not same_content(a, dataclasses.replace(moved, name="other"))
