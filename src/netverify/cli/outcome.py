"""From result records to exit codes (spec §2), and the facts about a cluster every report should mention."""

from __future__ import annotations

import dataclasses
from typing import Literal

from netverify.cli.guard import EXIT_FAILED, EXIT_OK, EXIT_UNKNOWN
from netverify.findings import ConnectivityMap, DiffReport, Explanation, ProveReport
from netverify.model.cluster import Cluster
from netverify.model.properties import PropertiesFile

FailOn = Literal["added", "changed", "new-workloads", "never"]


def prove_exit_code(report: ProveReport) -> int:
    """Unknown wins over violated: a gate must fail closed when the solver could not decide."""
    if any(r.status == "unknown" for r in report.results):
        return EXIT_UNKNOWN
    if any(r.fails for r in report.results):
        return EXIT_FAILED
    return EXIT_OK


def strict_exit_code(code: int, report: ProveReport, strict: bool) -> int:
    """`--strict`: a run that would pass (0) fails (1) when a property carries a warning (a probable typo).
    It never lowers a code: unknown (3) and violated (1) stay what they are."""
    if strict and code == EXIT_OK and any(r.warnings for r in report.results):
        return EXIT_FAILED
    return code


def diff_exit_code(report: DiffReport, fail_on: FailOn) -> int:
    if report.symbolic_status == "unknown" or report.unknown_reason is not None:
        return EXIT_UNKNOWN
    if fail_on == "added" and report.has_added:
        return EXIT_FAILED
    if fail_on == "changed" and report.has_changed:
        return EXIT_FAILED
    # connections of workloads only in HEAD that BASE's policies allow too: a gate only when asked for
    if fail_on == "new-workloads" and (report.has_added or report.new_workloads):
        return EXIT_FAILED
    return EXIT_OK


def result_exit_code(result: ConnectivityMap | Explanation) -> int:
    """map and explain report facts, not properties: only an untrusted result (unknown) changes the exit code."""
    return EXIT_UNKNOWN if result.unknown_reason is not None else EXIT_OK


def with_allow_vacuous(report: ProveReport, props: PropertiesFile) -> ProveReport:
    """The property file says whether vacuity is acceptable; make sure the results carry it."""
    allowed = {p.name for p in props.properties if p.allow_vacuous}
    if not allowed:
        return report
    results = tuple(dataclasses.replace(r, allow_vacuous=True) if r.name in allowed else r for r in report.results)
    return dataclasses.replace(report, results=results)


def cluster_notes(cluster: Cluster) -> tuple[str, ...]:
    notes: list[str] = []
    if not (cluster.namespaces or cluster.workloads or cluster.services or cluster.policies):
        # An empty file or a wrong path reads as "nothing is isolated": say so rather than look like a result.
        notes.append("the manifests hold no Namespace, workload, Service or NetworkPolicy")
    if cluster.skipped_kinds:
        total = sum(cluster.skipped_kinds.values())
        kinds = ", ".join(f"{kind} ({n})" for kind, n in sorted(cluster.skipped_kinds.items()))
        notes.append(f"skipped {total} object{'' if total == 1 else 's'} of kinds netverify does not read: {kinds}")
    notes.extend(cluster.warnings)
    notes.extend(cluster.calico.notes)  # staged Calico policies: previews, not enforced (load/calico_builder.py)
    undeclared = sorted(name for name, ns in cluster.namespaces.items() if ns.span is None)
    if undeclared:
        # Their real labels may be more than the name label the model gives them: selectors on them may differ.
        notes.append("namespaces used but not declared carry only their kubernetes.io/metadata.name label here: "
                     + ", ".join(undeclared))
    host = sorted(w.ref for w in cluster.workloads if w.host_network)
    if host:
        notes.append("host-network pods are outside the model (node traffic is not checked): " + ", ".join(host))
    return tuple(notes)


def add_notes(result, notes: tuple[str, ...]):
    """Cluster notes first, then the analysis' own; each said once."""
    merged = tuple(dict.fromkeys((*notes, *result.notes)))
    return dataclasses.replace(result, notes=merged)
