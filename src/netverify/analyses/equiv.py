"""`equiv A B`: are two versions of the policies equivalent — for the existing workloads, and for every pod
that could exist? `--contains`: does A allow nothing B does not (A within B)?

Two diffs answer it (analyses/diff.py, the same machinery `diff` uses, so every policy kind and every witness
re-check comes with it): diff(base=B, head=A) finds what A allows beyond B, diff(base=A, head=B) what B allows
beyond A. Existing workloads are compared pair by pair on both connectivity maps; every possible pod by the
symbolic search for classes of connections one version allows and the other does not, each with a witness
the concrete evaluator re-checked. A refactor ("30 policies merged into 5") is equivalent when both are empty.
"""

from __future__ import annotations

import dataclasses

from netverify.analyses.diff import diff
from netverify.findings import DiffReport, EquivReport
from netverify.model.cluster import Cluster
from netverify.model.semantics import Semantics


def equivalence(a: Cluster, b: Cluster, *, contains: bool = False, symbolic: bool = True,
                max_witnesses: int = 20, timeout_ms: int = 30000, ipblock_matches_pods: bool = False,
                a_name: str = "A", b_name: str = "B", semantics: Semantics | None = None) -> EquivReport:
    def one_way(base: Cluster, head: Cluster, base_name: str, head_name: str) -> DiffReport:
        d = diff(base, head, symbolic=symbolic, max_witnesses=max_witnesses, timeout_ms=timeout_ms,
                 ipblock_matches_pods=ipblock_matches_pods, base_name=base_name, head_name=head_name,
                 semantics=semantics)
        # only what `head` allows beyond `base` is this side's; the other direction is the other side's
        # workloads only in `head` are differences too (equiv compares two versions, not a change to gate on)
        kept = tuple(dataclasses.replace(c, removed={}, removed_by=()) for c in (*d.changes, *d.new_workloads)
                     if c.added)
        notes = tuple(n for n in d.notes if not n.startswith("workloads only in"))  # said once, below
        # equiv answers two questions (existing workloads, every possible pod): a class whose witness is a
        # listed pair still answers the second, so it stays listed there
        return dataclasses.replace(d, changes=kept, new_workloads=(), notes=notes,
                                   added_classes=(*d.added_classes, *d.repeated_classes), repeated_classes=())

    a_only = one_way(b, a, b_name, a_name)
    b_only = None if contains else one_way(a, b, a_name, b_name)
    return lift_notes(EquivReport(a_name, b_name, a_only, b_only, _notes(a, b, a_name, b_name)))


def lift_notes(report: EquivReport) -> EquivReport:
    """The sides' notes said once, on the report (renderers read only `report.notes`)."""
    sides = [d for d in (report.a_only, report.b_only) if d is not None]
    notes = tuple(dict.fromkeys((*report.notes, *(n for d in sides for n in d.notes))))
    strip = (lambda d: None if d is None else dataclasses.replace(d, notes=()))
    return dataclasses.replace(report, a_only=strip(report.a_only), b_only=strip(report.b_only), notes=notes)


def _notes(a: Cluster, b: Cluster, a_name: str, b_name: str) -> tuple[str, ...]:
    """Equivalence compares policies over the same workloads; workloads in one version only are said."""
    in_a, in_b = {w.ref for w in a.workloads}, {w.ref for w in b.workloads}
    notes = []
    if in_a - in_b:
        notes.append(f"workloads only in {a_name} (their connections count as differences): "
                     + ", ".join(sorted(in_a - in_b)))
    if in_b - in_a:
        notes.append(f"workloads only in {b_name} (their connections count as differences): "
                     + ", ".join(sorted(in_b - in_a)))
    return tuple(notes)


def judged(report: EquivReport, judge, a: Cluster, b: Cluster, ignored) -> EquivReport:
    """Apply a diff judge (unmodelled / unlisted kinds: fail closed) to each side, with that side's clusters."""
    a_only = judge(report.a_only, b, a, ignored)
    b_only = None if report.b_only is None else judge(report.b_only, a, b, ignored)
    return lift_notes(dataclasses.replace(report, a_only=a_only, b_only=b_only))
