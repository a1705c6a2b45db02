"""`map`: every allowed connection between the existing workloads, and between workloads and IP ranges (spec §6).

The work happens on workload classes (`map_classes`) joined rule by rule (`map_engine`); this module turns
class-level results into rows (`map_variants`): workload pairs (never a workload with itself), IP ranges merged
where every workload treats them alike, sorted, optionally focused on one workload. With --ipblock-matches-pods
a workload's rows are the union over the addresses its pods have or may get, one family per connection.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from netverify.analyses.ipranges import IPRange, Partition, merge_adjacent
from netverify.analyses.map_calico import (
    OTHER_PROTOCOLS_NOTE, SOURCE_PORT_NOTE, calico_address_plan, calico_map_engine, uses_calico,
)
from netverify.analyses.cilium_l7 import with_l7_map_note
from netverify.analyses.map_admin import admin_address_plan, admin_map_engine, admin_map_notes
from netverify.analyses.map_engine import ALL, MapEngine
from netverify.analyses.map_fold import Decide, FoldEngine
from netverify.analyses.map_groups import candidate_groups, collapse, grouped_from_classes
from netverify.analyses.map_pods import pod_connections, template_pods_note
from netverify.analyses.label_notes import unknown_value_notes
from netverify.analyses.map_variants import VariantTable
from netverify.analyses.refs import did_you_mean, find_workload_entries
from netverify.errors import UsageError
from netverify.eval.addresses import AddressPlan, families_in_use, same_family
from netverify.eval.portset import PortSet
from netverify.findings import ConnectivityMap
from netverify.model.cluster import Cluster, Workload
from netverify.model.semantics import Semantics

HOST_NETWORK_NOTE = (
    "host-network pods are outside the model: {names} use the node's network, which NetworkPolicy does not "
    "govern; their rows show what policies would do for an ordinary pod with their labels"
)

DISTINCT_PODS_NOTE = (
    "the pods of {ref} differ in labels: shown one by one ({names})"
)

NO_IP_NOTE = (
    "--ipblock-matches-pods: {count} of {total} workloads have no known pod IP (no status.podIP in the "
    "manifests); their pods may have any address of the families in use ({families}), so one address of each "
    "range the ipBlocks cut was tried"
)

ADDRESS_DEPENDENT_NOTE = (
    "--ipblock-matches-pods: these rows depend on the address of a pod whose IP is not in the manifests and show "
    "what some address allows: {rows}"
)
CALICO_ADDRESS_NOTE = (
    "Calico `nets` (and NetworkPolicy ipBlocks, which Calico converts to nets) match pod addresses too: these "
    "rows depend on the address of a pod whose IP is not in the manifests and show what some address allows: {rows}"
)
_MAX_LISTED = 20
Granularity = Literal["workload", "pod"]
GRANULARITIES: tuple[Granularity, ...] = ("workload", "pod")


@dataclass(frozen=True, slots=True)
class _IPRow:
    range: IPRange
    by_class: dict[int, PortSet]


def _ip_rows(sides: list[dict[int, PortSet] | None], partition: Partition) -> list[_IPRow]:
    """Per IP range, what each class may do with it; adjacent ranges alike for every class are merged."""
    per_range: list[dict[int, PortSet]] = [{} for _ in partition.ranges]
    for i, ranges in enumerate(sides):
        if ranges is not None:
            for k, ports in ranges.items():
                per_range[k][i] = ports
    rows: list[_IPRow] = []
    run: list[IPRange] = []
    run_conns: dict[int, PortSet] = {}
    for r, conns in zip(partition.ranges, per_range):
        if run and run_conns == conns and run[-1].version == r.version:
            run.append(r)
            continue
        if run:
            rows.append(_IPRow(merge_adjacent(run), run_conns))
        run, run_conns = [r], conns
    if run:
        rows.append(_IPRow(merge_adjacent(run), run_conns))
    open_classes = [i for i, s in enumerate(sides) if s is None]
    for row in rows:
        for i in open_classes:
            row.by_class[i] = ALL
    return rows


NO_WORKLOADS_NOTE = ("no workloads in the manifests (no Pod, Deployment, StatefulSet, DaemonSet, ReplicaSet, "
                     "ReplicationController, Job or CronJob): the map has no rows")


def _resolve_focus(cluster: Cluster, focus: str | None) -> tuple[Workload, ...] | None:
    if focus is None:
        return None
    found = find_workload_entries(cluster, focus, "--focus")
    if not found:
        raise UsageError(f"--focus {focus!r}: no such workload{did_you_mean(cluster, focus)} "
                         "(use ns/name, name, ns/name[Kind] or ns/Kind/name)")
    return found


def connectivity_map(
    cluster: Cluster, *, ipblock_matches_pods: bool = False, focus: str | None = None,
    plan: AddressPlan | None = None, families: tuple[int, ...] | None = None, variants: bool = False,
    decide: Decide | None = None, granularity: Granularity = "workload", semantics: Semantics | None = None,
    grouped: bool = False,
) -> ConnectivityMap:
    """`variants`: one node per address a workload's pods may have (`name@address`; diff compares those), else
    one per workload, its rows the union over its pods' addresses. `semantics` (the CNI's chain) wins over
    `ipblock_matches_pods` when given (Calico's chain is folded from the evaluator, map_calico).
    `granularity="pod"`: one node per pod (map_pods), pods of one workload reaching each other included.
    `grouped`: rows between groups of workloads alike in every connection (map_groups; `expand` gives back the
    per-pair rows); straight from the classes where each workload is one class, else collapsed from the rows."""
    per_pod = granularity == "pod"
    target = _resolve_focus(cluster, focus)
    if uses_calico(cluster, semantics):
        # Calico's tiers decide by first match: fold the evaluator per class pair (map_calico, map_fold).
        semantics = semantics or Semantics(cni="calico", ipblock_matches_pods=ipblock_matches_pods)
        plan = plan or calico_address_plan([cluster])
        engine: MapEngine | FoldEngine = calico_map_engine(cluster, semantics, plan, families, decide)
    elif cluster.admin_policies or (semantics is not None and semantics.cni != "generic"):
        # First match with Deny and Pass (or another CNI's chain, such as Cilium's deny-wins union) is no union
        # of NetworkPolicy grants: fold the evaluator per class pair (map_fold).
        semantics = semantics or Semantics(ipblock_matches_pods=ipblock_matches_pods)
        ipblock_matches_pods = semantics.ipblock_matches_pods
        plan = plan or admin_address_plan([cluster], ipblock_matches_pods=ipblock_matches_pods)
        engine = admin_map_engine(cluster, ipblock_matches_pods, plan, families, decide, semantics)
    else:
        plan = plan or AddressPlan.of([cluster], ipblock_matches_pods=ipblock_matches_pods)
        engine = MapEngine(cluster, ipblock_matches_pods, plan, families)
    classes = engine.classes
    if grouped and not per_pod and not variants and target is None and all(
            ip is None for c in classes for ip in c.addresses):
        # every workload is in one class: the class-level answers are the grouped rows, no pair is materialised
        rows = grouped_from_classes(classes, engine.class_pairs(), _ip_rows_of(engine))
        return _finish(cluster, engine, semantics, rows, [], ipblock_matches_pods, lambda *w: True,
                       grouped=True)

    def keep(*workloads: Workload) -> bool:
        return target is None or any(w is t for w in workloads for t in target)

    table = VariantTable(cluster, classes)
    for i, j, ports in engine.class_pairs():
        if not same_family(classes[i].endpoint, classes[j].endpoint):
            continue  # a connection uses addresses of one family at both ends
        for a, ip_a in table.members(i):
            for b, ip_b in table.members(j):
                if (a is not b or per_pod) and keep(a, b):
                    table.add((a, ip_a), (b, ip_b), ports)
    for direction in ("ingress", "egress"):
        for row in _ip_rows(engine.ip_sides(direction), engine.partitions[direction]):
            ip_end = (None, row.range)
            for i, ports in row.by_class.items():
                own = classes[i].endpoint.ip
                if own is not None and own.version != row.range.version:
                    continue
                for w, ip in table.members(i):
                    if keep(w):
                        # ingress: the address is the source
                        table.add(ip_end, (w, ip), ports) if direction == "ingress" else table.add((w, ip), ip_end, ports)
    connections, dependent = table.connections(variants, plan)
    extra_notes: tuple[str, ...] = ()
    if per_pod:
        connections, pod_dependent = pod_connections(table, plan if not variants else None)
        dependent = [f"{a} -> {b}" for a, b in pod_dependent]
        extra_notes = template_pods_note(cluster.workloads)
    if grouped:
        connections = collapse(connections, candidate_groups(classes))
    return _finish(cluster, engine, semantics, connections, dependent, ipblock_matches_pods, keep,
                   grouped=grouped, extra_notes=extra_notes)


def _ip_rows_of(engine: MapEngine | FoldEngine):
    for direction in ("ingress", "egress"):
        for row in _ip_rows(engine.ip_sides(direction), engine.partitions[direction]):
            yield direction, row.range, row.by_class


def _finish(cluster: Cluster, engine: MapEngine | FoldEngine, semantics: Semantics | None, connections,
            dependent: list[str], ipblock_matches_pods: bool, keep, *, grouped: bool,
            extra_notes: tuple[str, ...] = ()) -> ConnectivityMap:
    """Notes, trust and the record, alike for per-pair and grouped rows."""
    notes = _notes(cluster, ipblock_matches_pods) + extra_notes
    # Rows evaluate labels only the cluster knows as "a value no policy names": where a policy names values of
    # such a label, the real value could change rows (label_notes), so the map is unknown (exit 3).
    dependent_labels = unknown_value_notes(cluster, cluster.workloads)
    reason = None
    calico = uses_calico(cluster, semantics)
    if isinstance(engine, FoldEngine):
        admin_notes, reason = admin_map_notes(engine, keep, dependent if not (ipblock_matches_pods or calico) else [])
        notes += admin_notes
    if dependent and calico:
        notes += (CALICO_ADDRESS_NOTE.format(rows=_listed(dependent)),)
    if isinstance(engine, FoldEngine) and getattr(engine.decide, "depends", 0):
        notes += (SOURCE_PORT_NOTE.format(count=engine.decide.depends),)
    if isinstance(engine, FoldEngine) and getattr(engine.decide, "some_other", 0):
        notes += (OTHER_PROTOCOLS_NOTE.format(count=engine.decide.some_other),)
    elif dependent and (ipblock_matches_pods or not isinstance(engine, FoldEngine)):
        shown = ", ".join(dependent[:_MAX_LISTED]) + (f" and {len(dependent) - _MAX_LISTED} more"
                                                       if len(dependent) > _MAX_LISTED else "")
        notes += (ADDRESS_DEPENDENT_NOTE.format(rows=shown),)
    if dependent_labels:
        reason = ("rows may depend on the value of labels the control plane sets and the manifests do not show: "
                  + "; ".join(dependent_labels))
    if not cluster.workloads:
        notes = (NO_WORKLOADS_NOTE, *notes)
    cmap = ConnectivityMap(connections, notes, unknown_reason=reason, no_workloads=not cluster.workloads,
                           address_dependent=tuple(tuple(d.split(" -> ", 1)) for d in dependent),  # type: ignore[misc]
                           grouped=grouped)
    return with_l7_map_note(cmap, cluster, semantics)


def _listed(rows: list[str]) -> str:
    return ", ".join(rows[:_MAX_LISTED]) + (f" and {len(rows) - _MAX_LISTED} more" if len(rows) > _MAX_LISTED else "")


def _notes(cluster: Cluster, ipblock_matches_pods: bool) -> tuple[str, ...]:
    notes = []
    host = [w.ref for w in cluster.workloads if w.host_network]
    if host:
        notes.append(HOST_NETWORK_NOTE.format(names=", ".join(host)))
    split: dict[str, list[str]] = {}
    for w in cluster.workloads:
        if w.distinct:
            split.setdefault(w.ref, []).append(w.display_name)
    notes += [DISTINCT_PODS_NOTE.format(ref=ref, names=", ".join(names)) for ref, names in split.items()]
    notes += unknown_value_notes(cluster, cluster.workloads)
    if ipblock_matches_pods:
        without_ip = sum(1 for w in cluster.workloads if not w.ips)
        if without_ip:
            families = " and ".join(f"IPv{v}" for v in families_in_use([cluster]))
            notes.append(NO_IP_NOTE.format(count=without_ip, total=len(cluster.workloads), families=families))
    return tuple(notes)
