"""`explain` on a workload whose pods differ considers every pod group, not the first one only (issue 9 item 3):
a verdict that changes with a label value only the cluster knows, or with an unknown address, in any group is
unknown; one that differs between groups asks for one pod."""

from __future__ import annotations

import dataclasses
import ipaddress

import pytest

from builders import cluster, ipblock, policy, rule, sel, workload
from netverify.analyses.explain import explain
from netverify.errors import UsageError
from netverify.model.cluster import UNKNOWN_LABEL_VALUE
from netverify.model.ports import Protocol

HASH = "controller-revision-hash"


def _db(*, ips=((), ())):
    """A StatefulSet db of two pods that differ in their index label; both carry a hash only the cluster knows."""
    base = workload("db", "shop", {"app": "db"}, kind="StatefulSet")
    return tuple(
        dataclasses.replace(base, labels={"app": "db", "apps.kubernetes.io/pod-index": str(i), HASH: UNKNOWN_LABEL_VALUE},
                            unknown_labels=frozenset({HASH}), pods=(f"db-{i}",), distinct=True,
                            ips=tuple(ipaddress.ip_address(a) for a in ips[i]))
        for i in range(2)
    )


def test_a_verdict_that_hinges_on_a_label_value_of_the_second_pod_group_is_unknown():
    # db-1 is isolated if its hash is "abc"; db-0 never is. Before, only db-0's values were tried: "allowed".
    only_db1 = sel({"apps.kubernetes.io/pod-index": "1", HASH: "abc"})
    c = cluster(workload("web", "shop", {"app": "web"}), *_db(), policy("iso", "shop", only_db1, ingress=[]))
    e = explain(c, "shop/web", "shop/db", Protocol.TCP, 80)
    assert e.unknown_reason is not None and HASH in e.unknown_reason and "db-1" in e.unknown_reason


def test_a_verdict_that_hinges_on_the_unknown_address_of_the_second_pod_group_is_unknown():
    # db-0's two known addresses get both verdicts, and db-1 (no known IP) too: db-1's real verdict is unknown.
    # Before, only db-0 was looked at: "depends on the address" but not unknown.
    c = cluster(workload("web", "shop", {"app": "web"}, ips=["10.0.0.9"]), *_db(ips=(("10.0.0.1", "10.0.0.2"), ())),
                policy("out", "shop", {"app": "web"}, egress=[rule(ipblock("10.0.0.1/32"))]))
    e = explain(c, "shop/web", "shop/db", Protocol.TCP, 80, ipblock_matches_pods=True)
    assert e.depends_on_address and e.address_unknown
    assert any("db-1" in line for line in e.depends_on_address)


def test_pod_groups_with_different_verdicts_still_ask_for_one_pod():
    only_db1 = sel({"apps.kubernetes.io/pod-index": "1"})
    c = cluster(workload("web", "shop", {"app": "web"}), *_db(), policy("iso", "shop", only_db1, ingress=[]))
    with pytest.raises(UsageError, match="differ in labels"):
        explain(c, "shop/web", "shop/db", Protocol.TCP, 80)
