"""Loading a conformance case as a user would: strictly, except the few the API server itself would refuse.

The netpol-analyzer cases are that tool's own test inputs, copied unchanged; they were never sent to an API
server, and a few hold what one rejects. netverify reads those only under --lenient, with a warning that names
the problem: each is listed here with the words that warning must contain, and
tests/test_load_conformance.py checks that each is an error without --lenient.
"""

from __future__ import annotations

from pathlib import Path

from netverify.load.limits import LoadLimits
from netverify.load.manifests import load_cluster
from netverify.model.cluster import Cluster

REJECTED_BY_API_SERVER: dict[str, str] = {
    # a misspelt key: the port is not read, as netpol-analyzer's expectations assume
    "netpol_named_port_test": "unknown field 'containerport'",
    "netpol_named_port_test_2": "unknown field 'containerport'",
    # '_' in a NetworkPolicy name (not a DNS subdomain)
    "example_pods_w_same_owner_and_labels_gap_with_good_match_expression": "not a valid NetworkPolicy name",
    "example_pods_w_same_owner_and_labels_gap_with_good_match_expression2": "not a valid NetworkPolicy name",
    "example_pods_w_same_owner_and_labels_gap_with_policy_selector_not_in_gap": "not a valid NetworkPolicy name",
}


def load_case(manifests: Path) -> Cluster:
    """The cluster of `manifests` (a case's `manifests/` folder)."""
    says = REJECTED_BY_API_SERVER.get(manifests.parent.name)
    if says is None:
        return load_cluster([str(manifests)])
    cluster = load_cluster([str(manifests)], limits=LoadLimits(lenient=True))
    assert any(says in w for w in cluster.warnings), cluster.warnings
    return cluster
