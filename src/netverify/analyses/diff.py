"""`diff`: what HEAD newly allows or blocks compared with BASE.

Two layers:
- existing workloads (and IP ranges): both connectivity maps compared pair by pair (`diff_maps`), each change
  attributed to the rules behind it with the concrete evaluator (`diff_rules`);
- every pod that could exist (`symbolic=True`): classes of connections HEAD allows and BASE does not, each
  with a re-checked, minimised witness (`diff_classes`). A solver that gives up makes the status `unknown`,
  which a gate must treat as a failure.
"""

from __future__ import annotations

from netverify.analyses.diff_classes import added_classes
from netverify.analyses.diff_focus import change_focus
from netverify.analyses.diff_focus_map import focused_map
from netverify.analyses.diff_maps import compare_maps
from netverify.analyses.diff_rules import Replicas, attribute
from netverify.analyses.diff_variants import DEPENDS_NOTE, address_dependent, merge_variants
from netverify.analyses.map import connectivity_map
from netverify.analyses.map_admin import admin_address_plan
from netverify.analyses.map_calico import calico_address_plan
from netverify.eval.addresses import families_in_use
from netverify.analyses.diff_new_workloads import (
    already_allowed,
    new_workload_refs,
    only_what_was_there,
    with_new_workloads,
    workload_ref_of,
)
from netverify.findings import AddedClass, DiffReport, PairChange
from netverify.model.cluster import Cluster
from netverify.model.semantics import Semantics


def diff(
    base: Cluster,
    head: Cluster,
    *,
    symbolic: bool = True,
    max_witnesses: int = 20,
    timeout_ms: int = 30000,
    ipblock_matches_pods: bool = False,
    base_name: str = "BASE",
    head_name: str = "HEAD",
    semantics: Semantics | None = None,
    incremental: bool = True,
) -> DiffReport:
    """`semantics` (the CNI's chain and its choices) wins over `ipblock_matches_pods` when given. Under Calico
    the existing workloads are compared by the evaluator's Calico chain and pods that may not exist yet by the
    symbolic search over Calico's encoding (smt/diff_calico.py); a connection HEAD may newly allow that the
    Calico layer cannot decide makes the search unknown (analyses/diff_calico.undecided).
    `incremental=False` computes everything even for a small change (tests compare the two)."""
    calico = semantics is not None and semantics.cni == "calico"
    semantics = semantics or Semantics(ipblock_matches_pods=ipblock_matches_pods)
    ipblock_matches_pods = semantics.ipblock_matches_pods
    # Both versions over the same address classes and families, compared per pod address (`diff_variants`).
    # (admin `networks` CIDRs match pod addresses whatever the flag says: they cut pod addresses too)
    plan = (calico_address_plan([base, head]) if calico
            else admin_address_plan([base, head], ipblock_matches_pods=ipblock_matches_pods))
    families = tuple(sorted({4, *families_in_use([base, head]), *(plan.families if plan.enabled else ())}))
    # BASE as if it had HEAD's new workloads: their connections change only where the policies do
    new = new_workload_refs(base, head)
    base_with_new = with_new_workloads(base, head, new)
    # A small change: only the pairs it can touch are computed (diff_focus); else both maps whole.
    focus = None if calico or not incremental else change_focus(base_with_new, head, semantics, new)
    if focus is not None:
        base_map = focused_map(base_with_new, focus, plan=plan, families=families, semantics=semantics)
        head_map = focused_map(head, focus, plan=plan, families=families, semantics=semantics)
    else:
        base_map = connectivity_map(base_with_new, ipblock_matches_pods=ipblock_matches_pods, plan=plan,
                                    families=families, variants=True, semantics=semantics)
        head_map = connectivity_map(head, ipblock_matches_pods=ipblock_matches_pods, plan=plan,
                                    families=families, variants=True, semantics=semantics)
    raws = compare_maps(base_map, head_map)
    base_replicas, head_replicas = Replicas(base_with_new), Replicas(head)
    changes = merge_variants(
        (raw, *attribute(base_replicas, head_replicas, raw, semantics=semantics))
        for raw in only_what_was_there(raws, new)
    )
    # what HEAD allows them is named against the real BASE, where they do not exist: every admitting rule
    real_base = Replicas(base)
    new_workloads = tuple(merge_variants(
        (raw, *attribute(real_base, head_replicas, raw, ipblock_matches_pods=ipblock_matches_pods,
                         semantics=semantics))
        for raw in already_allowed(base_map, raws, new)
    ))
    notes = _workload_notes(base, head)
    dependent = address_dependent(raws, (base, head), plan.unknown_addresses) if plan.enabled else []
    if dependent:
        notes += (DEPENDS_NOTE.format(names=", ".join(dependent)),)
    if not symbolic:
        return DiffReport(base_name, head_name, tuple(changes), symbolic_status="skipped", notes=notes,
                          new_workloads=new_workloads)
    if max_witnesses <= 0:
        notes += ("pods that may not exist yet were not checked (--max-witnesses 0)",)
        return DiffReport(base_name, head_name, tuple(changes), symbolic_status="skipped", notes=notes,
                          new_workloads=new_workloads)
    search = added_classes(base, head, max_witnesses=max_witnesses, timeout_ms=timeout_ms,
                           ipblock_matches_pods=ipblock_matches_pods, semantics=semantics)
    if search.more:
        notes += (f"more classes of newly allowed connections exist than the {max_witnesses} listed "
                  "(raise --max-witnesses to see them)",)
    shown = tuple(a for a in search.classes if not _shown_as_a_pair(a, changes))
    return DiffReport(base_name, head_name, tuple(changes), shown, search.more, search.status,
                      notes + search.notes, new_workloads=new_workloads,
                      repeated_classes=tuple(a for a in search.classes if a not in shown))


def _shown_as_a_pair(a: AddedClass, changes: list[PairChange]) -> bool:
    """A class whose witness is two existing workloads on a port their pair change already lists as newly allowed
    is that change again: shown once, as the pair (which names the same opening rules)."""
    w = a.witness
    return w.src.workload is not None and w.dst.workload is not None and any(
        (workload_ref_of(c.src), workload_ref_of(c.dst)) == (w.src.workload, w.dst.workload)
        and w.port in c.added.get(w.protocol, ()) for c in changes)


def _workload_notes(base: Cluster, head: Cluster) -> tuple[str, ...]:
    """Workloads that exist in one version only: their connections count as all added or all removed."""
    before, after = {w.ref for w in base.workloads}, {w.ref for w in head.workloads}
    notes = []
    if after - before:
        notes.append("workloads only in HEAD (what BASE's policies would already allow them is listed apart, "
                     "as connections of new workloads): " + ", ".join(sorted(after - before)))
    if before - after:
        notes.append("workloads only in BASE (their connections are all gone): " + ", ".join(sorted(before - after)))
    return tuple(notes)
