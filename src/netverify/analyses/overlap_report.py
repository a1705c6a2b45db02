"""Same-priority overlaps on every `prove` run whose input has ties (analyses/ambiguity.py decides them).

The API leaves a connection matched by two policies of one tier and priority with different actions to the
implementation (upstream network-policy-api #216, #222). prove already proves only what holds under every
resolution; this adds the latent ambiguity itself as a finding, per pair and direction, with a witness
connection decided over every pod that could exist (SARIF rule NV301, a section in every other format).
"""

from __future__ import annotations

from dataclasses import replace

from netverify.analyses.ambiguity import overlaps, same_priority_pairs
from netverify.findings import ProveReport
from netverify.model.cluster import Cluster
from netverify.model.semantics import Semantics


def with_overlaps(report: ProveReport, cluster: Cluster, *, ipblock_matches_pods: bool = False,
                  semantics: Semantics | None = None) -> ProveReport:
    """`semantics` (the run's CNI) wins over `ipblock_matches_pods` when given."""
    if not same_priority_pairs(cluster):
        return report
    found = overlaps(cluster, semantics=semantics or Semantics(ipblock_matches_pods=ipblock_matches_pods))
    return replace(report, overlaps=found) if found else report
