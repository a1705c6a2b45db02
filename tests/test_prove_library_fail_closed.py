"""The library's `prove()` is as fail-closed as the CLI (issue 9 item 1): a policy kind netverify does not model
makes every result it could change unknown, unless `ignore_kinds` accepts the risk; `prove --jobs` the same."""

from __future__ import annotations

import dataclasses

from builders import SPAN, cluster, policy, workload
from netverify.analyses.parallel import prove_parallel
from netverify.analyses.prove import prove
from netverify.model.kinds import UnmodelledObject
from prove_helpers import pods, prop, props

ALLOW_ALL_GNP = UnmodelledObject("GlobalNetworkPolicy", "projectcalico.org", None, "allow-all", SPAN)


def _isolated_db():
    c = cluster(workload("web", "n", {"app": "web"}), workload("db", "n", {"app": "db"}),
                policy("deny-db", "n", {"app": "db"}, ingress=[]))
    return dataclasses.replace(c, unmodelled=(ALLOW_ALL_GNP,))


def _web_never_reaches_db(name="p"):
    return prop(pods("n", {"app": "web"}), pods("n", {"app": "db"}), "unreachable", "existing", name=name)


def test_a_calico_allow_all_makes_the_library_result_unknown_not_proven():
    [result] = prove(_isolated_db(), props(_web_never_reaches_db())).results
    assert result.status == "unknown"
    assert "GlobalNetworkPolicy" in result.reason and "allow-all" in result.reason


def test_ignoring_the_kind_keeps_the_proof_with_a_caveat():
    report = prove(_isolated_db(), props(_web_never_reaches_db()),
                   ignore_kinds=frozenset({("projectcalico.org", "GlobalNetworkPolicy")}))
    [result] = report.results
    assert result.status == "proven"
    assert len(result.caveats) == 1 and "allow-all" in result.caveats[0]


def test_prove_in_worker_processes_judges_once_like_one_process():
    properties = props(*(_web_never_reaches_db(f"p{i}") for i in range(3)))
    ignored = frozenset({("projectcalico.org", "GlobalNetworkPolicy")})
    for kinds, status in ((frozenset(), "unknown"), (ignored, "proven")):
        one = prove(_isolated_db(), properties, ignore_kinds=kinds)
        many = prove_parallel(_isolated_db(), properties, jobs=2, ignore_kinds=kinds)
        assert [r.status for r in many.results] == [status] * 3
        assert [(r.reason, r.caveats) for r in many.results] == [(r.reason, r.caveats) for r in one.results]
        assert many.notes == one.notes and len(one.notes) == (0 if kinds else 1)  # once, not once per worker


def test_prove_in_worker_processes_fails_closed_on_a_kind_the_cluster_would_not_list():
    """A live cluster that refused to list NetworkPolicies may hold one that opens web -> db: `prove --jobs`
    answers unknown as one process does, never the proof its loaded policies alone would give."""
    from netverify.model.listing import UnlistedKind

    refused = UnlistedKind("cluster:ctx", "networking.k8s.io", "NetworkPolicy", "networkpolicies", "list", 403,
                           effect="decides")
    isolated = dataclasses.replace(_isolated_db(), unmodelled=(), unlisted=(refused,))
    properties = props(*(_web_never_reaches_db(f"p{i}") for i in range(2)))
    one = prove(isolated, properties)
    many = prove_parallel(isolated, properties, jobs=2)
    assert [r.status for r in one.results] == ["unknown"] * 2
    assert [(r.status, r.reason) for r in many.results] == [(r.status, r.reason) for r in one.results]
