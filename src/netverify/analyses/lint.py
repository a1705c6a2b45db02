"""`lint`: mistakes in the policies, located at file:line — the ones read from the manifests (lint_np.py) and the
ones only a solver can find for every pod that could exist (lint_proven.py: DNS under egress isolation,
redundant policies and rules, same-priority admin overlaps).

Kinds netverify does not model are judged as `prove` judges them: a finding that such an object could make
wrong is not claimed (the proven checks skip, with a note), and the report carries the reason.
"""

from __future__ import annotations

from collections.abc import Collection

from netverify.analyses.lint_np import np_findings
from netverify.analyses.lint_proven import dns_findings, overlap_findings, redundancy_findings
from netverify.analyses.unmodelled import exposure as kind_exposure
from netverify.analyses.unmodelled import kind_notes
from netverify.findings import LintFinding, LintReport
from netverify.model.cluster import Cluster
from netverify.model.kinds import KindKey
from netverify.model.semantics import Semantics

_ORDER = {"error": 0, "warning": 1, "note": 2}


def lint(cluster: Cluster, *, semantics: Semantics | None = None, redundancy: bool = True,
         timeout_ms: int = 30000, ignore_kinds: Collection[KindKey] = frozenset()) -> LintReport:
    semantics = semantics or Semantics()
    notes: list[str] = []
    found: list[LintFinding] = list(np_findings(cluster))
    found += dns_findings(cluster)
    found += overlap_findings(cluster, semantics)
    if redundancy:
        found += redundancy_findings(cluster, timeout_ms, semantics.ipblock_matches_pods, notes, ignore_kinds,
                                     semantics)
    else:
        notes.append("lint: redundancy not checked")
    found.sort(key=lambda f: (_ORDER[f.severity], f.span.file, f.span.line, f.rule_id))
    unknown_reason, caveats = None, ()
    if cluster.unmodelled:
        exp = kind_exposure(cluster.unmodelled, ignore_kinds, (None,))
        unknown_reason, caveats = exp.unknown_reason(True), exp.caveats(True)
        notes += kind_notes(cluster.unmodelled, ignore_kinds)
    return LintReport(tuple(found), tuple(dict.fromkeys(notes)), unknown_reason, caveats)
