"""`map --granularity pod`: the map's rows per pod instead of per workload (docs/semantics.md, "map").

The map is computed per (workload entry, address) end (`map_variants.VariantTable`); every pod an entry stands
for is judged alike except for its address. So a pod's rows are its entry's rows at the pod's own addresses (at
every address the entry may have when the pod's is not known). An entry's pods are the Pod objects of the
manifests it stands for; without any, the pods its template makes: a StatefulSet's by their real names, any
other's as `<workload>-<i>` for i below its replica count (at most `MAX_TEMPLATE_PODS`: further replicas are
alike, a note says so). Two pods of one workload are two ends, so their connections are listed; a pod's
connections to itself are not.
"""

from __future__ import annotations

from netverify.analyses.map_variants import End, VariantTable, _strip
from netverify.eval.addresses import AddressPlan
from netverify.eval.portset import PortSet
from netverify.findings import Connection, MapNode, WorkloadNode
from netverify.model.cluster import Workload
from netverify.model.ipblock import IPAddress
from netverify.model.ports import PortRanges, Protocol

POD_KIND = "Pod"
MAX_TEMPLATE_PODS = 2  # replicas of one template are alike: two show every pair a third would add

TEMPLATE_PODS_NOTE = (
    "--granularity pod: {refs} have no Pod objects in the manifests; their pods are shown as made from the "
    "template (`<workload>-<i>`, at most {most} each: further replicas connect alike)"
)


def pods_of(w: Workload) -> list[tuple[str, tuple[IPAddress, ...]]]:
    """The pods of an entry, by name, with their known addresses (empty: not known)."""
    if w.listed_pods:
        return list(dict.fromkeys(w.listed_pods))
    if w.pods:
        return [(name, ()) for name in w.pods]
    return [(f"{w.name}-{i}", ()) for i in range(max(1, min(w.replicas, MAX_TEMPLATE_PODS)))]


def _pod_ends(end: End, unknown_only: bool = False) -> list[tuple[MapNode, tuple]]:
    """The nodes (with sort keys) an end of the table stands for at pod granularity (`unknown_only`: only the
    pods whose addresses are not known)."""
    if end[0] is None:
        r = end[1]
        return [(r.node(), (1, r.version, r.first))]  # type: ignore[union-attr]
    w, ip = end
    out = []
    for name, ips in pods_of(w):
        if unknown_only and ips:
            continue
        if ip is None or not ips or ip in ips:
            out.append((WorkloadNode(w.namespace, name, POD_KIND), (0, w.namespace, name)))
    return out


def pod_connections(table: VariantTable, plan: AddressPlan | None = None
                    ) -> tuple[tuple[Connection, ...], list[tuple[str, str]]]:
    """The table's rows per pod pair (and pod / IP range), the union over the addresses each pod may have;
    and the (src, dst) labels of rows that depend on the address of a pod whose IP is not known (its
    workload's row does, and that pod has no known address)."""
    merged: dict[tuple, PortSet] = {}
    nodes: dict[tuple, tuple[tuple, MapNode, tuple, MapNode]] = {}
    for key, ports in table.rows.items():
        src, dst = table._ends[key]
        for s_node, s_key in _pod_ends(src):
            for d_node, d_key in _pod_ends(dst):
                if s_node == d_node:
                    continue  # a pod's traffic to itself is not policy's business
                k = (s_key, d_key)
                merged[k] = ports if k not in merged else merged[k].union(ports)
                nodes[k] = (s_key, s_node, d_key, d_node)
    rows = []
    mappings: dict[PortSet, dict[Protocol, PortRanges]] = {}
    for k, ports in merged.items():
        s_key, s_node, d_key, d_node = nodes[k]
        mapping = mappings.setdefault(ports, dict(ports.as_mapping()))
        rows.append((s_key, d_key, Connection(s_node, d_node, mapping, ports.other)))
    rows.sort(key=lambda row: (row[0], row[1]))
    dependent: list[tuple[str, str]] = []
    if plan is not None and plan.enabled:
        seen: set[tuple] = set()
        for key in table.rows:
            src, dst = (_strip(e) for e in table._ends[key])
            pair = (id(src[0]) if src[0] is not None else src[1], id(dst[0]) if dst[0] is not None else dst[1])
            if pair in seen:
                continue
            seen.add(pair)
            if not table._depends(src, dst):
                continue
            for s_node, _ in _pod_ends(src, unknown_only=dst[0] is None or bool(dst[0].ips)):
                for d_node, _ in _pod_ends(dst, unknown_only=src[0] is None or bool(src[0].ips)):
                    if s_node != d_node:
                        dependent.append((s_node.label, d_node.label))
    return tuple(row[2] for row in rows), sorted(dict.fromkeys(dependent))


def template_pods_note(workloads: tuple[Workload, ...]) -> tuple[str, ...]:
    refs = list(dict.fromkeys(w.ref for w in workloads if not w.listed_pods and not w.pods))
    return (TEMPLATE_PODS_NOTE.format(refs=", ".join(refs), most=MAX_TEMPLATE_PODS),) if refs else ()
