"""`explain`: one connection's verdict with both sides, for workloads and addresses."""

from __future__ import annotations

import pytest

from builders import cluster, cport, ipblock, peer, policy, port, rule, workload
from netverify.analyses.explain import explain
from netverify.errors import UsageError
from netverify.model.ports import Protocol
from netverify.model.span import Span
from netverify.model.verdict import RuleRef

TCP = Protocol.TCP

WEB = workload("web", "shop", {"app": "web"})
DB = workload("db", "shop", {"app": "db"}, [cport(5432, "pg")], kind="StatefulSet", ips=["10.0.0.9"])
DENY = policy("deny", "shop", {})
ALLOW_PG = policy("db", "shop", {"app": "db"}, ingress=[rule(peer({"app": "web"}), ports=[port("pg")])])
C = cluster(WEB, DB, DENY, ALLOW_PG)


def test_allowed_connection_names_the_isolating_policies_and_the_admitting_rule():
    e = explain(C, "shop/web", "shop/db", TCP, 5432)
    assert e.allowed and e.src == "shop/web[Deployment]" and e.dst == "shop/db[StatefulSet]"
    assert e.protocol is TCP and e.port == 5432
    assert not e.egress.isolated and e.egress.allowed
    assert e.ingress.isolated
    assert e.ingress.isolated_by == (RuleRef("shop/deny", "ingress", None, Span("deny.yaml", 1)),
                                     RuleRef("shop/db", "ingress", None, Span("db.yaml", 1)))
    assert e.ingress.allowed_by == (RuleRef("shop/db", "ingress", 0, Span("db.yaml", 10)),)
    assert e.notes == ()


def test_blocked_connection_has_no_admitting_rule():
    e = explain(C, "shop/web", "shop/db", TCP, 5433)
    assert not e.allowed and e.ingress.isolated and e.ingress.allowed_by == ()
    e2 = explain(C, "shop/db", "shop/web", TCP, 80)
    assert not e2.allowed and [r.policy for r in e2.ingress.isolated_by] == ["shop/deny"]


@pytest.mark.parametrize("ref", ["shop/db", "shop/db[StatefulSet]", "shop/StatefulSet/db"])
def test_every_workload_spelling(ref):
    assert explain(C, "shop/web", ref, TCP, 5432).dst == "shop/db[StatefulSet]"


def test_external_source_and_destination():
    c = cluster(WEB, policy("ext", "shop", {"app": "web"}, ingress=[rule(ipblock("192.168.0.0/16"))]))
    assert explain(c, "192.168.1.1", "shop/web", TCP, 80).allowed
    blocked = explain(c, "8.8.8.8", "shop/web", TCP, 80)
    assert not blocked.allowed and blocked.src == "8.8.8.8" and not blocked.egress.isolated
    assert explain(c, "shop/web", "2001:db8::1", TCP, 443).allowed


def test_an_address_a_workload_holds_is_that_workload():
    e = explain(C, "shop/web", "10.0.0.9", TCP, 5432)
    assert e.allowed and e.dst == "shop/db[StatefulSet] (10.0.0.9)"


def test_ipblock_matches_pods_flag_is_passed_on():
    c = cluster(WEB, DB, policy("p", "shop", {"app": "web"}, ingress=[rule(ipblock("10.0.0.0/24"))]))
    assert not explain(c, "shop/db", "shop/web", TCP, 80).allowed
    assert explain(c, "shop/db", "shop/web", TCP, 80, ipblock_matches_pods=True).allowed


@pytest.mark.parametrize("bad", ["shop/nosuch", "nosuch", "10.0.0.300", ""])
def test_unknown_endpoint_is_a_usage_error(bad):
    with pytest.raises(UsageError):
        explain(C, bad, "shop/db", TCP, 5432)
    with pytest.raises(UsageError):
        explain(C, "shop/web", bad, TCP, 5432)


def test_notes_for_self_traffic_host_network_and_two_external_ends():
    assert "itself" in explain(C, "shop/web", "shop/web", TCP, 80).notes[0]
    agent = workload("agent", "shop", host_network=True)
    notes = explain(cluster(WEB, agent), "shop/agent", "shop/web", TCP, 80).notes
    assert len(notes) == 1 and "host network" in notes[0]
    assert explain(C, "1.1.1.1", "8.8.8.8", TCP, 53).notes == ("both ends are outside the cluster: no NetworkPolicy applies",)


def test_a_name_shared_by_two_kinds_needs_the_kind():
    c = cluster(workload("db", "shop", kind="Deployment"), workload("db", "shop", kind="StatefulSet"), WEB)
    with pytest.raises(UsageError, match="ambiguous"):
        explain(c, "shop/web", "shop/db", TCP, 80)
    assert explain(c, "shop/web", "shop/db[StatefulSet]", TCP, 80).dst == "shop/db[StatefulSet]"


def test_ipblock_matches_pods_notes_a_pod_without_an_ip():
    assert explain(C, "shop/web", "shop/db", TCP, 5432).notes == ()
    notes = explain(C, "shop/web", "shop/db", TCP, 5432, ipblock_matches_pods=True).notes
    (note,) = notes
    assert note.startswith("shop/web[Deployment] has no known pod IP: every address its pods may get (IPv4)")
