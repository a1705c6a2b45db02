"""`diff(base, head)`: pair changes of existing workloads, and classes of new connections for any pod."""

from __future__ import annotations

import ipaddress

import pytest
from builders import cluster, cport, ipblock, namespace, peer, policy, port, rule, workload

from netverify.analyses import diff_classes
from netverify.smt import diff_problem
from netverify.analyses.diff import diff
from netverify.eval.concrete import evaluate
from netverify.findings import ConnectionWitness, DiffReport, IPRangeNode, WorkloadNode
from netverify.model.cluster import ContainerPort
from netverify.model.flow import ExternalEndpoint, Flow, PodEndpoint
from netverify.model.ports import PortRanges, Protocol
from netverify.smt.session import CheckResult

TCP = Protocol.TCP
DB = workload("db", "shop", {"app": "db"}, [cport(5432, "pg")])
API = workload("api", "shop", {"app": "api"})
WEB = workload("web", "web", {"app": "web"})
DB_IN = policy("db-in", "shop", {"app": "db"}, ingress=[rule(peer({"app": "api"}), ports=[port(5432)])])
WIDE_DB_IN = policy("db-in", "shop", {"app": "db"}, ingress=[
    rule(peer({"app": "api"}), ports=[port(5432)]),
    rule(peer(None, {}), ports=[port("pg")]),  # every namespace, by the named port
])


def as_flow(w: ConnectionWitness, base_or_head) -> Flow:
    """The witness as a concrete flow in one version (namespace labels as that version has them)."""
    def endpoint(e):
        if e.namespace is None:
            return ExternalEndpoint(ipaddress.ip_address(e.ip))
        ns_labels = base_or_head.namespace_labels(e.namespace) if e.namespace_exists else e.namespace_labels
        ports = tuple(ContainerPort(n, p, Protocol(proto)) for n, p, proto in e.container_ports)
        return PodEndpoint(e.namespace, dict(ns_labels), dict(e.labels), tuple(ports))
    return Flow(endpoint(w.src), endpoint(w.dst), w.protocol, w.port)


def assert_every_class_is_new(report: DiffReport, base, head) -> None:
    for c in report.added_classes + report.repeated_classes:
        assert evaluate(head, as_flow(c.witness, head)).allowed, c.summary
        assert not evaluate(base, as_flow(c.witness, base)).allowed, c.summary


def test_no_change_reports_nothing() -> None:
    c = cluster(DB, API, WEB, DB_IN)
    report = diff(c, c)
    assert report.changes == () and report.added_classes == ()
    assert report.symbolic_status == "done" and not report.has_changed and not report.has_added


def test_a_widened_rule_is_reported_for_workloads_and_for_pods_that_may_exist() -> None:
    base, head = cluster(DB, API, WEB, DB_IN), cluster(DB, API, WEB, WIDE_DB_IN)
    report = diff(base, head)
    (change,) = report.changes
    assert change.src == WorkloadNode("web", "web", "Deployment") and change.dst == WorkloadNode("shop", "db", "Deployment")
    assert change.added == {TCP: PortRanges.of([(5432, 5432)])} and change.removed == {}
    assert [(r.policy, r.rule, str(r.span)) for r in change.added_by] == [("shop/db-in", 1, "db-in.yaml:11")]
    assert report.has_added and report.symbolic_status == "done" and not report.more_classes
    assert report.added_classes
    every = report.added_classes + report.repeated_classes
    for c in every:
        assert [(r.policy, r.rule) for r in c.opened_by] == [("shop/db-in", 1)]
        assert c.witness.dst.labels == {"app": "db"} and c.witness.port == 5432
    sources = {(c.witness.src.namespace, c.witness.src.namespace_exists) for c in every}
    # One class per source namespace: the two that exist, and one not created yet.
    assert {(ns, exists) for ns, exists in sources if exists} == {("shop", True), ("web", True)}
    assert sum(1 for _, exists in sources if not exists) == 1
    # web's class has the pair web -> db as its witness: that change is shown once, as the pair
    (repeated,) = report.repeated_classes
    assert (repeated.witness.src.workload, repeated.witness.dst.workload) == ("web/web[Deployment]", "shop/db[Deployment]")
    new_ns = next(c for c in report.added_classes if not c.witness.src.namespace_exists)
    assert new_ns.witness.src.labels == {}  # minimal: no label is needed
    assert "kind: Namespace" in new_ns.witness.pod_manifests and "kind: Pod" in new_ns.witness.pod_manifests
    assert_every_class_is_new(report, base, head)


def test_a_rule_only_future_pods_match_shows_up_only_symbolically() -> None:
    debug = policy("db-in", "shop", {"app": "db"}, ingress=[
        rule(peer({"app": "api"}), ports=[port(5432)]), rule(peer({"role": "debug"}), ports=[port(22)])])
    base, head = cluster(DB, API, WEB, DB_IN), cluster(DB, API, WEB, debug)
    report = diff(base, head)
    assert report.changes == ()
    (c,) = report.added_classes
    assert c.witness.src.labels == {"role": "debug"} and c.witness.src.namespace == "shop"
    assert (c.witness.protocol, c.witness.port) == (TCP, 22)
    assert c.witness.src.workload is None
    assert report.has_added
    assert_every_class_is_new(report, base, head)


def test_a_narrowed_rule_only_removes() -> None:
    base = cluster(DB, API, WEB, policy("db-in", "shop", {"app": "db"}, ingress=[rule(peer({"app": "api"}))]))
    head = cluster(DB, API, WEB, DB_IN)
    report = diff(base, head)
    (change,) = report.changes
    assert change.added == {} and change.removed[TCP] == PortRanges.of([(1, 5431), (5433, 65535)])
    assert [(r.policy, r.rule) for r in change.removed_by] == [("shop/db-in", 0)]
    assert report.added_classes == ()
    assert report.has_changed and not report.has_added


def test_new_namespace_labels_open_a_namespace_selector() -> None:
    trusted = policy("db-in", "shop", {"app": "db"}, ingress=[rule(peer(None, {"team": "trusted"}))])
    base = cluster(namespace("web"), DB, WEB, trusted)
    head = cluster(namespace("web", {"team": "trusted"}), DB, WEB, trusted)
    report = diff(base, head)
    (change,) = report.changes
    assert change.src == WorkloadNode("web", "web", "Deployment") and change.added[TCP].is_all
    assert [(r.policy, r.rule) for r in change.added_by] == [("shop/db-in", 0)]
    assert {c.witness.src.namespace for c in report.added_classes + report.repeated_classes} == {"web"}
    assert_every_class_is_new(report, base, head)


def test_egress_opened_to_an_ip_range() -> None:
    locked = policy("web-out", "web", {"app": "web"}, egress=[rule(ipblock("10.0.0.0/8"))])
    opened = policy("web-out", "web", {"app": "web"}, egress=[rule(ipblock("10.0.0.0/8")), rule(ipblock("192.168.0.0/16"), ports=[port(443)])])
    base, head = cluster(WEB, locked), cluster(WEB, opened)
    report = diff(base, head)
    (change,) = report.changes
    assert isinstance(change.dst, IPRangeNode) and change.dst.cidrs == ("192.168.0.0/16",)
    assert change.added == {TCP: PortRanges.of([(443, 443)])}
    assert [(r.policy, r.direction, r.rule) for r in change.added_by] == [("web/web-out", "egress", 1)]
    (c,) = report.added_classes
    assert c.witness.dst.namespace is None and ipaddress.ip_address(c.witness.dst.ip) in ipaddress.ip_network("192.168.0.0/16")
    assert_every_class_is_new(report, base, head)


def test_a_removed_policy_opens_everything_and_says_the_side_is_no_longer_isolated() -> None:
    base, head = cluster(DB, API, DB_IN), cluster(DB, API)
    report = diff(base, head)
    assert report.added_classes and all(c.opened_by == () for c in report.added_classes)
    assert all("no longer isolated" in c.summary for c in report.added_classes)
    assert_every_class_is_new(report, base, head)


def test_enumeration_stops_at_max_witnesses_and_says_more_exist() -> None:
    base, head = cluster(DB, API, WEB, DB_IN), cluster(DB, API, WEB, WIDE_DB_IN)
    report = diff(base, head, max_witnesses=1)
    assert len(report.added_classes + report.repeated_classes) == 1 and report.more_classes
    assert any("--max-witnesses" in n for n in report.notes)
    full = diff(base, head, max_witnesses=3)
    assert len(full.added_classes + full.repeated_classes) == 3 and not full.more_classes


def test_symbolic_off_is_skipped() -> None:
    report = diff(cluster(DB, API, WEB, DB_IN), cluster(DB, API, WEB, WIDE_DB_IN), symbolic=False)
    assert report.symbolic_status == "skipped" and report.added_classes == () and report.changes


def test_solver_unknown_makes_the_symbolic_status_unknown(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(diff_classes.SolverSession, "check", lambda self, *a, **k: CheckResult("unknown", reason="solver timeout after 1 ms"))
    report = diff(cluster(DB, API, WEB, DB_IN), cluster(DB, API, WEB, WIDE_DB_IN))
    assert report.symbolic_status == "unknown"
    assert any("timeout" in n for n in report.notes)
    assert report.changes  # the concrete part does not depend on the solver


def test_workloads_in_one_version_only_are_noted() -> None:
    report = diff(cluster(DB, API), cluster(DB, API, WEB), symbolic=False)
    assert any("only in HEAD" in n and "web/web[Deployment]" in n for n in report.notes)
    # no policy isolates db: BASE's policies would allow web too, so it is a new workload's connection, no change
    pair = (WorkloadNode("web", "web", "Deployment"), WorkloadNode("shop", "db", "Deployment"))
    assert pair in {(c.src, c.dst) for c in report.new_workloads} and report.changes == ()
    assert not report.has_added



def test_without_the_solver_s_workload_preference_witnesses_still_use_existing_workloads(monkeypatch: pytest.MonkeyPatch) -> None:
    # Large clusters skip encoding every workload; the witness is then fitted to workloads concretely.
    monkeypatch.setattr(diff_problem, "MAX_WORKLOAD_CANDIDATES", 0)
    base, head = cluster(DB, API, WEB, DB_IN), cluster(DB, API, WEB, WIDE_DB_IN)
    report = diff(base, head)
    existing = [c for c in report.added_classes if c.witness.src.namespace_exists]
    assert existing
    for c in existing:
        assert c.witness.dst.workload == "shop/db[Deployment]" and c.witness.port == 5432  # the real `pg` port
    assert_every_class_is_new(report, base, head)
