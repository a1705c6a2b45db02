"""Kinds a live cluster refused to list (model/listing.py): which results they make unknown. Fail closed.

Objects of a kind that could not be listed may exist anywhere, so no reach narrows it down:
- a kind netverify models (NetworkPolicy, ...) or a `decides` kind of model/kinds.py could change any verdict:
  every result that depends on policy is unknown, naming the kind and the RBAC verb to grant;
- a `narrows` kind (L7 authorization) can only block more: a claim of blocked traffic stands with a caveat;
- `--ignore-kind` on a table kind accepts that risk (caveat), as for objects that were read;
- any other kind (Pods, Services, Nodes, ...) changes no policy: a note says what is missing.
Vacuity does not depend on policy, so a vacuous result stays vacuous.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Collection, Sequence

from netverify.findings import ConnectivityMap, DiffReport, Explanation, PropertyResult, ProveReport
from netverify.model.cluster import Cluster
from netverify.model.kinds import KINDS, KindKey
from netverify.model.listing import UnlistedKind
from netverify.model.properties import PropertiesFile

GRANT_HINT = "grant it (docs/live-cluster.md has the read-only ClusterRole) and rerun"


def _split(unlisted: Sequence[UnlistedKind], ignored: Collection[KindKey]):
    deciding, narrowing, accepted, other = [], [], [], []
    for u in unlisted:
        effect = u.effect
        if effect is None or effect == "none":
            other.append(u)
        elif (u.group, u.kind) in ignored and (u.group, u.kind) in KINDS:  # --ignore-kind names table kinds only
            accepted.append(u)
        elif effect == "decides":
            deciding.append(u)
        else:
            narrowing.append(u)
    return deciding, narrowing, accepted, other


def _labels(items: Sequence[UnlistedKind]) -> str:
    return "; ".join(u.label for u in items)


def unknown_reason(unlisted: Sequence[UnlistedKind], ignored: Collection[KindKey], claims_allowed: bool) -> str | None:
    deciding, narrowing, _, _ = _split(unlisted, ignored)
    parts = [f"{_labels(deciding)}: its objects could allow or deny this traffic"] if deciding else []
    if narrowing and claims_allowed:
        parts.append(f"{_labels(narrowing)}: its objects could block this traffic (L7 authorization)")
    return f"policy kind not readable: {'; '.join(parts)}; {GRANT_HINT}" if parts else None


def caveats(unlisted: Sequence[UnlistedKind], ignored: Collection[KindKey], claims_allowed: bool) -> tuple[str, ...]:
    _, narrowing, accepted, _ = _split(unlisted, ignored)
    out = []
    if accepted:
        out.append(f"accepted risk (--ignore-kind): not readable, could change this result: {_labels(accepted)}")
    if narrowing and not claims_allowed:
        out.append(f"not readable, can only block more (L7 authorization): {_labels(narrowing)}")
    return tuple(out)


def notes(unlisted: Sequence[UnlistedKind], ignored: Collection[KindKey]) -> tuple[str, ...]:
    deciding, narrowing, accepted, other = _split(unlisted, ignored)
    out = []
    if deciding or narrowing or accepted:
        out.append(f"policy kinds the account may not read: {_labels([*deciding, *narrowing, *accepted])}; "
                   f"results they could change are unknown (exit 3); {GRANT_HINT}")
    if other:
        out.append(f"not read (the account may not list them): {_labels(other)}; workloads and Services of these "
                   f"kinds are missing from results about existing workloads; {GRANT_HINT}")
    return tuple(out)


def _claims_allowed(r: PropertyResult) -> bool:
    return r.status == ("violated" if r.expect == "unreachable" else "proven")


def judge_prove(report: ProveReport, cluster: Cluster, props: PropertiesFile,
                ignored: Collection[KindKey]) -> ProveReport:
    if not cluster.unlisted:
        return report
    results = []
    for r in report.results:
        if r.status not in ("vacuous", "unknown"):
            claims = _claims_allowed(r)
            reason = unknown_reason(cluster.unlisted, ignored, claims)
            r = dataclasses.replace(r, caveats=(*r.caveats, *caveats(cluster.unlisted, ignored, claims)))
            if reason is not None:
                r = dataclasses.replace(r, status="unknown", reason=reason, counterexample=None, witness=None)
        results.append(r)
    return dataclasses.replace(report, results=tuple(results),
                               notes=(*report.notes, *notes(cluster.unlisted, ignored)))


def _judged(result, unlisted: Sequence[UnlistedKind], ignored: Collection[KindKey], claims: bool):
    if not unlisted:
        return result
    return dataclasses.replace(
        result, unknown_reason=result.unknown_reason or unknown_reason(unlisted, ignored, claims),
        caveats=(*result.caveats, *caveats(unlisted, ignored, claims)),
        notes=(*result.notes, *notes(unlisted, ignored)))


def judge_map(cmap: ConnectivityMap, cluster: Cluster, ignored: Collection[KindKey]) -> ConnectivityMap:
    return _judged(cmap, cluster.unlisted, ignored, bool(cmap.connections))


def judge_explanation(e: Explanation, cluster: Cluster, src: str, dst: str,
                      ignored: Collection[KindKey]) -> Explanation:
    return _judged(e, cluster.unlisted, ignored, e.allowed)


def judge_diff(d: DiffReport, base: Cluster, head: Cluster, ignored: Collection[KindKey]) -> DiffReport:
    return _judged(d, tuple(dict.fromkeys((*base.unlisted, *head.unlisted))), ignored, True)
