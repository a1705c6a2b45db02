"""`map`: every allowed connection between the existing workloads, and between workloads and IP ranges (spec §6).

The work happens on workload classes (`map_classes`) joined rule by rule (`map_engine`); this module turns
class-level results into rows: workload pairs (never a workload with itself), IP ranges merged where every
workload treats them alike, sorted, optionally focused on one workload.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from netverify.analyses.ipranges import IPRange, Partition, merge_adjacent
from netverify.analyses.map_engine import ALL, MapEngine
from netverify.analyses.label_notes import unknown_value_notes
from netverify.analyses.refs import find_workload_entries
from netverify.errors import UsageError
from netverify.eval.portset import PortSet
from netverify.findings import Connection, ConnectivityMap, WorkloadNode
from netverify.model.cluster import Cluster, Workload
from netverify.model.ports import PortRanges, Protocol

HOST_NETWORK_NOTE = (
    "host-network pods are outside the model: {names} use the node's network, which NetworkPolicy does not "
    "govern; their rows show what policies would do for an ordinary pod with their labels"
)

DISTINCT_PODS_NOTE = (
    "the pods of {ref} differ in labels: shown one by one ({names})"
)

NO_IP_NOTE = (
    "--ipblock-matches-pods: {count} of {total} workloads have no known pod IP (no status.podIP in the "
    "manifests), so no ipBlock matches them"
)


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


def _resolve_focus(cluster: Cluster, focus: str | None) -> tuple[Workload, ...] | None:
    if focus is None:
        return None
    found = find_workload_entries(cluster, focus, "--focus")
    if not found:
        raise UsageError(f"--focus {focus!r}: no such workload (use ns/name, ns/name[Kind] or ns/Kind/name)")
    return found


def connectivity_map(cluster: Cluster, *, ipblock_matches_pods: bool = False, focus: str | None = None) -> ConnectivityMap:
    target = _resolve_focus(cluster, focus)
    engine = MapEngine(cluster, ipblock_matches_pods)
    classes = engine.classes
    nodes = {
        # A workload whose pods differ shows each pod group (`name/pod`), see DISTINCT_PODS_NOTE.
        id(w): (WorkloadNode(w.namespace, w.display_name, w.kind), (0, w.namespace, w.display_name, w.kind))
        for w in cluster.workloads
    }

    def keep(*workloads: Workload) -> bool:
        return target is None or any(w is t for w in workloads for t in target)

    mappings: dict[PortSet, Mapping[Protocol, PortRanges]] = {}

    def as_mapping(ports: PortSet) -> Mapping[Protocol, PortRanges]:
        found = mappings.get(ports)
        if found is None:
            found = mappings[ports] = ports.as_mapping()
        return found

    rows: list[tuple[tuple, tuple, Connection]] = []
    for i, j, ports in engine.class_pairs():
        protocols = as_mapping(ports)
        for a in classes[i].workloads:
            src, src_key = nodes[id(a)]
            for b in classes[j].workloads:
                if a is not b and keep(a, b):
                    dst, dst_key = nodes[id(b)]
                    rows.append((src_key, dst_key, Connection(src, dst, protocols)))
    for direction in ("ingress", "egress"):
        for row in _ip_rows(engine.ip_sides(direction), engine.partitions[direction]):
            ip_node, ip_key = row.range.node(), (1, row.range.version, row.range.first)
            for i, ports in row.by_class.items():
                protocols = as_mapping(ports)
                for w in classes[i].workloads:
                    if keep(w):
                        node, key = nodes[id(w)]
                        if direction == "ingress":  # the address is the source
                            rows.append((ip_key, key, Connection(ip_node, node, protocols)))
                        else:
                            rows.append((key, ip_key, Connection(node, ip_node, protocols)))
    rows.sort(key=lambda row: (row[0], row[1]))
    return ConnectivityMap(tuple(row[2] for row in rows), _notes(cluster, ipblock_matches_pods))


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
            notes.append(NO_IP_NOTE.format(count=without_ip, total=len(cluster.workloads)))
    return tuple(notes)
