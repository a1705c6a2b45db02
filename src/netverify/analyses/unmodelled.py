"""Policy kinds netverify reads but does not model (model/kinds.py): which results they could affect, which of
those become unknown, and which carry a caveat. The one place that decides this, for every command.

- A `decides` kind (Calico, Cilium, ANP, ...) could change any verdict it reaches: such a result is unknown.
- A `narrows` kind (L7 authorization) can only block more: a result that claims a block stands with a caveat,
  a result that claims allowed traffic is unknown.
- `--ignore-kind` accepts the risk: the result is computed as if the kind were absent and says so (caveat).
- Reach: a cluster-wide kind reaches every connection; a kind that (like NetworkPolicy) only acts on pods of
  its own namespace reaches a connection only if one end can be in that namespace.
"""

from __future__ import annotations

import dataclasses
import difflib
import ipaddress
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass

from netverify.analyses.refs import find_workload
from netverify.errors import UsageError
from netverify.findings import ConnectivityMap, DiffReport, Explanation, PropertyResult, ProveReport
from netverify.model.cluster import Cluster
from netverify.model.kinds import KINDS, MODELLED, KindKey, UnmodelledObject
from netverify.model.properties import EndpointSpec, PropertiesFile
from netverify.smt.resolve import resolve_endpoint

_SHOWN = 5  # objects named in one reason; the rest are counted

Namespaces = frozenset[str] | None  # the namespaces an end can be in; None: any


def parse_ignore_kinds(values: Sequence[str]) -> frozenset[KindKey]:
    """`--ignore-kind Kind` (every group with that kind) or `Kind.group`; an unknown name is a usage error."""
    chosen: set[KindKey] = set()
    for value in values:
        text = value.strip()
        kind, _, group = text.partition(".")
        matches = [key for key, info in KINDS.items()
                   if info.kind.lower() == kind.lower() and (not group or info.group.lower() == group.lower())]
        if not matches:
            modelled = [k for g, k in MODELLED if k.lower() == kind.lower() and (not group or g == group.lower())]
            if modelled and group:
                raise UsageError(f"--ignore-kind {value!r}: {kind}.{group} is modelled; there is nothing to ignore")
            names = sorted({i.kind for i in KINDS.values()} | {i.name for i in KINDS.values()})
            close = difflib.get_close_matches(text, names, n=2, cutoff=0.6)
            hint = f" (did you mean {' or '.join(close)}?)" if close else ""
            raise UsageError(f"--ignore-kind {value!r}: not a policy kind netverify knows{hint}; "
                             "give Kind or Kind.group, as listed in docs/semantics.md (Policy kinds)")
        chosen.update(matches)
    return frozenset(chosen)


@dataclass(frozen=True)
class Exposure:
    """The unmodelled objects that reach one result, by what they can do to it."""

    deciding: tuple[UnmodelledObject, ...] = ()
    narrowing: tuple[UnmodelledObject, ...] = ()
    ignored: tuple[UnmodelledObject, ...] = ()

    def unknown_reason(self, claims_allowed: bool) -> str | None:
        """Why the result cannot be trusted, or None. A claim of blocked traffic survives narrowing kinds."""
        parts = []
        if self.deciding:
            parts.append(f"{_names(self.deciding)} can allow or deny this traffic")
        if self.narrowing and claims_allowed:
            parts.append(f"{_names(self.narrowing)} can block this traffic (L7 authorization)")
        if not parts:
            return None
        kinds = sorted({o.kind for o in (*self.deciding, *self.narrowing)})
        return (f"policy kinds not modelled: {'; '.join(parts)}, and netverify models only networking.k8s.io "
                f"NetworkPolicy; to accept the risk: {' '.join(f'--ignore-kind {k}' for k in kinds)}")

    def caveats(self, claims_allowed: bool) -> tuple[str, ...]:
        out = []
        if self.ignored:
            kinds = sorted({o.kind for o in self.ignored})
            out.append(f"accepted risk ({', '.join(f'--ignore-kind {k}' for k in kinds)}): "
                       f"not modelled, could change this result: {_names(self.ignored)}")
        if self.narrowing and not claims_allowed:
            out.append(f"not modelled, can only block more (L7 authorization): {_names(self.narrowing)}; "
                       "a block stands, but traffic shown allowed here may still be refused")
        return tuple(out)


def _names(objects: Sequence[UnmodelledObject]) -> str:
    shown = ", ".join(o.label for o in objects[:_SHOWN])
    return shown + (f" and {len(objects) - _SHOWN} more" if len(objects) > _SHOWN else "")


def exposure(objects: Iterable[UnmodelledObject], ignored: Collection[KindKey], ends: Sequence[Namespaces]) -> Exposure:
    """The objects that reach a connection whose ends can be in `ends` (None: any namespace)."""
    deciding, narrowing, accepted = [], [], []
    for o in objects:
        if o.effect == "none" or not _reaches(o, ends):
            continue
        if (o.group, o.kind) in ignored:
            accepted.append(o)
        elif o.effect == "decides":
            deciding.append(o)
        else:
            narrowing.append(o)
    return Exposure(tuple(deciding), tuple(narrowing), tuple(accepted))


def _reaches(o: UnmodelledObject, ends: Sequence[Namespaces]) -> bool:
    if o.info.reach == "cluster" or o.namespace is None:
        return True
    return any(end is None or o.namespace in end for end in ends)


# ---- per command ---------------------------------------------------------------------------------


def kind_notes(objects: Iterable[UnmodelledObject], ignored: Collection[KindKey]) -> tuple[str, ...]:
    objects = list(objects)
    notes = []
    active = [o for o in objects if o.effect != "none" and (o.group, o.kind) not in ignored]
    if active:
        notes.append(f"policy kinds netverify does not model: {_names(active)}; results they could affect are "
                     "unknown (exit 3) unless --ignore-kind accepts the risk")
    inert = [o for o in objects if o.effect == "none"]
    if inert:
        notes.append(f"read but without effect on any verdict: {_names(inert)} ("
                     + "; ".join(sorted({o.info.note for o in inert if o.info.note})) + ")")
    return tuple(notes)


def _claims_allowed(r: PropertyResult) -> bool:
    """Does the result rest on some traffic being allowed? (unreachable refuted; reachable, possible proven)."""
    return r.status == ("violated" if r.expect == "unreachable" else "proven")


def _end_namespaces(spec: EndpointSpec, role: str, scope: str, cluster: Cluster) -> Namespaces:
    end = resolve_endpoint(spec, role, cluster)
    if end.is_external:
        return frozenset()
    if end.workload is not None:
        return frozenset({end.workload.namespace})
    if end.service is not None:
        return frozenset({end.service.namespace})
    if end.namespace is not None:
        return frozenset({end.namespace})
    # scope existing ranges over the workloads in the manifests only; scope any over every namespace.
    return frozenset(w.namespace for w in cluster.workloads) if scope == "existing" else None


def judge_prove(report: ProveReport, cluster: Cluster, props: PropertiesFile,
                ignored: Collection[KindKey]) -> ProveReport:
    if not cluster.unmodelled:
        return report
    by_name = {p.name: p for p in props.properties}
    results = []
    for r in report.results:
        prop = by_name.get(r.name)
        if prop is None or r.status in ("vacuous", "unknown"):  # vacuity does not depend on any policy
            results.append(r)
            continue
        ends = (_end_namespaces(prop.src, "from", prop.scope, cluster),
                _end_namespaces(prop.dst, "to", prop.scope, cluster))
        exp = exposure(cluster.unmodelled, ignored, ends)
        claims = _claims_allowed(r)
        reason = exp.unknown_reason(claims)
        caveats = (*r.caveats, *exp.caveats(claims))
        if reason is not None:
            r = dataclasses.replace(r, status="unknown", reason=reason, counterexample=None, witness=None)
        results.append(dataclasses.replace(r, caveats=caveats))
    return dataclasses.replace(report, results=tuple(results),
                               notes=(*report.notes, *kind_notes(cluster.unmodelled, ignored)))


def judge_map(cmap: ConnectivityMap, cluster: Cluster, ignored: Collection[KindKey]) -> ConnectivityMap:
    if not cluster.unmodelled:
        return cmap
    # Every row has a workload at one end at least: a namespace-bound kind elsewhere reaches no row.
    exp = exposure(cluster.unmodelled, ignored, (frozenset(w.namespace for w in cluster.workloads),))
    claims = bool(cmap.connections)
    return dataclasses.replace(cmap, unknown_reason=exp.unknown_reason(claims) or cmap.unknown_reason,
                               caveats=exp.caveats(claims),
                               notes=(*cmap.notes, *kind_notes(cluster.unmodelled, ignored)))


def _explained_namespaces(cluster: Cluster, text: str, role: str) -> Namespaces:
    workload = find_workload(cluster, text, role)
    if workload is not None:
        return frozenset({workload.namespace})
    try:
        ip = ipaddress.ip_address(text.strip())
    except ValueError:
        return None
    return frozenset(w.namespace for w in cluster.workloads if ip in w.ips)


def judge_explanation(e: Explanation, cluster: Cluster, src: str, dst: str,
                      ignored: Collection[KindKey]) -> Explanation:
    if not cluster.unmodelled:
        return e
    ends = (_explained_namespaces(cluster, src, "source"), _explained_namespaces(cluster, dst, "destination"))
    exp = exposure(cluster.unmodelled, ignored, ends)
    return dataclasses.replace(e, unknown_reason=exp.unknown_reason(e.allowed) or e.unknown_reason,
                               caveats=exp.caveats(e.allowed),
                               notes=(*e.notes, *kind_notes(cluster.unmodelled, ignored)))


def judge_diff(d: DiffReport, base: Cluster, head: Cluster, ignored: Collection[KindKey]) -> DiffReport:
    objects = (*base.unmodelled, *head.unmodelled)
    if not objects:
        return d
    # A change claims traffic allowed on one side and blocked on the other; future pods may be anywhere.
    exp = exposure(objects, ignored, (None,))
    return dataclasses.replace(d, unknown_reason=exp.unknown_reason(True), caveats=exp.caveats(True),
                               notes=(*d.notes, *kind_notes(objects, ignored)))
