"""Naming the rules a change is due to, on witness flows checked by the concrete evaluator."""

from __future__ import annotations

from builders import cluster, ipblock, peer, policy, port, rule, workload

from netverify.analyses.diff_maps import RawChange, ip_range_node
from netverify.analyses.diff_rules import attribute, witness_ports
from netverify.findings import WorkloadNode
from netverify.model.ports import PortRanges, Protocol

TCP, UDP = Protocol.TCP, Protocol.UDP
WEB, DB = workload("web", "shop"), workload("db", "shop")
WEB_N, DB_N = WorkloadNode("shop", "web", "Deployment"), WorkloadNode("shop", "db", "Deployment")


def only(proto: Protocol, lo: int, hi: int | None = None) -> dict:
    return {proto: PortRanges.of([(lo, hi or lo)])}


def test_added_names_the_head_rule_on_the_side_base_blocked() -> None:
    egress_open = policy("web-out", "shop", {"app": "web"}, egress=[rule()])
    base = cluster(WEB, DB, egress_open, policy("db-in", "shop", {"app": "db"}, ingress=[rule(peer({"app": "api"}))]))
    head = cluster(WEB, DB, egress_open, policy("db-in", "shop", {"app": "db"},
                                                  ingress=[rule(peer({"app": "api"})), rule(peer({}), ports=[port(5432)])]))
    added_by, removed_by = attribute(base, head, RawChange(WEB_N, DB_N, only(TCP, 5432), {}))
    # The egress rule admits it in both versions, so it is not what changed.
    assert [(r.policy, r.direction, r.rule, str(r.span)) for r in added_by] == [("shop/db-in", "ingress", 1, "db-in.yaml:11")]
    assert removed_by == ()


def test_removed_names_the_base_rule_that_admitted_it() -> None:
    base = cluster(WEB, DB, policy("db-in", "shop", {"app": "db"}, ingress=[rule(peer({"app": "web"}))]))
    head = cluster(WEB, DB, policy("db-in", "shop", {"app": "db"}, ingress=[rule(peer({"app": "web"}), ports=[port(80)])]))
    added_by, removed_by = attribute(base, head, RawChange(WEB_N, DB_N, {}, {TCP: PortRanges.of([(1, 79), (81, 65535)]), UDP: PortRanges.all()}))
    assert added_by == ()
    assert [(r.policy, r.rule) for r in removed_by] == [("shop/db-in", 0)]


def test_removed_by_a_new_isolating_policy_names_that_policy() -> None:
    base = cluster(WEB, DB)
    head = cluster(WEB, DB, policy("deny-all", "shop", {}))
    _, removed_by = attribute(base, head, RawChange(WEB_N, DB_N, {}, {TCP: PortRanges.all()}))
    assert [(r.policy, r.rule) for r in removed_by] == [("shop/deny-all", None)]


def test_ip_range_changes_are_attributed_with_an_address_of_the_range() -> None:
    base = cluster(WEB, policy("web-out", "shop", {"app": "web"}, egress=[rule(ipblock("10.0.0.0/8"))]))
    head = cluster(WEB, policy("web-out", "shop", {"app": "web"}, egress=[rule(ipblock("10.0.0.0/8")), rule(ipblock("192.168.0.0/16"))]))
    added_by, _ = attribute(base, head, RawChange(WEB_N, ip_range_node(4, 0xC0A80000, 0xC0A8FFFF), {TCP: PortRanges.all()}, {}))
    assert [(r.policy, r.direction, r.rule) for r in added_by] == [("shop/web-out", "egress", 1)]


def test_a_workload_new_in_head_gets_every_rule_that_admits_it() -> None:
    head = cluster(WEB, DB, policy("db-in", "shop", {"app": "db"}, ingress=[rule(peer({}))]))
    base = cluster(DB, policy("db-in", "shop", {"app": "db"}, ingress=[rule(peer({}))]))
    added_by, _ = attribute(base, head, RawChange(WEB_N, DB_N, only(TCP, 1, 65535), {}))
    assert [(r.policy, r.rule) for r in added_by] == [("shop/db-in", 0)]


def test_witness_ports_take_the_first_port_of_each_range() -> None:
    assert list(witness_ports({UDP: PortRanges.of([(53, 53)]), TCP: PortRanges.of([(80, 90), (443, 443)])})) == [
        (TCP, 80), (TCP, 443), (UDP, 53)]
