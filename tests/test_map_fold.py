"""The map where admin policies exist folds the evaluator per class pair (analyses/map_fold.py).

Two engines must give one map: on NetworkPolicy-only input, with an admin policy that selects nothing added
(so the fold runs), the folded map equals the grant join of map_engine, row for row.
"""

from __future__ import annotations

from dataclasses import replace

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from builders import SPAN, cluster, cport, policy, rule, peer, port, sel, workload
from cluster_strategies import cluster_st
from netverify.analyses.map import connectivity_map
from netverify.analyses.map_fold import port_cells
from netverify.analyses.map_classes import workload_classes
from netverify.model.anp import ANP_KIND, AdminPolicy, PodSet
from netverify.model.ports import Protocol

INERT = AdminPolicy(
    kind=ANP_KIND, api_version="policy.networking.k8s.io/v1alpha1", name="selects-nothing", tier="admin",
    priority=1, subject=PodSet(sel({"no-such-namespace-label": "x"}), sel(), SPAN), ingress=(), egress=(),
    span=SPAN)


def rows(cmap):
    return {(c.src.label, c.dst.label): {p.value: str(r) for p, r in c.protocols.items()} for c in cmap.connections}


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cluster_st(), st.booleans())
def test_fold_equals_the_join_on_networkpolicy_input(c, flag):
    joined = connectivity_map(c, ipblock_matches_pods=flag)
    folded = connectivity_map(replace(c, admin_policies=(INERT,)), ipblock_matches_pods=flag)
    assert rows(folded) == rows(joined)


def test_port_cells_split_at_every_number_range_and_container_port():
    c = cluster(workload("db", "shop", {"app": "db"}, ports=(cport(5432, "pg"),)),
                policy("p", "shop", ingress=[rule(peer(pods={}), ports=[port(80), port(1000, end=2000)])]))
    cells = port_cells(c, workload_classes(c, False))
    tcp = cells[Protocol.TCP]
    assert (80, 80) in tcp and (1000, 2000) in tcp and (5432, 5432) in tcp
    assert tcp[0][0] == 1 and tcp[-1][1] == 65535
    assert all(a[1] + 1 == b[0] for a, b in zip(tcp, tcp[1:]))
