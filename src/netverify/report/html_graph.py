"""The HTML report's connectivity graph as data: namespaces as groups, workloads (and IP ranges, and pods that
do not exist yet) as nodes, edges labelled with ports. report/assets/report.js draws it with cytoscape.js.

Built only from the result records and the words every format shares (report/words.py), so a field added to
a record reaches the graph through the same phrasing as the text and markdown reports.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from netverify.findings import (
    ConnectionWitness,
    ConnectivityMap,
    DiffReport,
    EndpointWitness,
    IPRangeNode,
    MapNode,
    ProveReport,
    WorkloadGroupNode,
    WorkloadNode,
)
from netverify.report import words

OUTSIDE = "outside the cluster"
# Above this many workload nodes the page opens grouped by namespace (one node per namespace, one edge per
# namespace pair): a graph of hundreds of workloads is a hairball; the filters narrow it, then ungroup.
GROUP_ABOVE = 60


@dataclass
class Graph:
    nodes: dict[str, dict[str, Any]] = field(default_factory=dict)
    edges: list[dict[str, Any]] = field(default_factory=list)

    def _group(self, name: str, label: str) -> str:
        gid = f"ns:{name}"
        self.nodes.setdefault(gid, {"id": gid, "label": label, "kind": "namespace", "namespace": name})
        return gid

    def map_node(self, node: MapNode) -> str:
        if isinstance(node, WorkloadNode):
            return self._node(f"w:{node.label}", f"{node.name} [{node.kind}]", "workload", node.namespace)
        if isinstance(node, WorkloadGroupNode):  # workloads alike in every connection (map's grouped view)
            return self._node(f"g:{node.label}", node.name, "workload", node.namespace)
        assert isinstance(node, IPRangeNode)
        label = ", ".join(node.cidrs) if node.cidrs else node.label
        return self._node(f"ip:{node.label}", label, "ip", None)

    def endpoint(self, e: EndpointWitness) -> str:
        if e.namespace is None:
            return self._node(f"ip:{e.ip or 'external'}", words.endpoint_short(e), "ip", None)
        if e.workload:
            ns, _, rest = e.workload.partition("/")
            name, _, kind = rest.partition("[")
            return self._node(f"w:{e.workload}", f"{name} [{kind.rstrip(']')}]", "workload", ns)
        return self._node(f"pod:{e.namespace}/{words.labels_text(e.labels)}",
                          f"new pod {words.labels_text(e.labels)}", "pod", e.namespace)

    def _node(self, nid: str, label: str, kind: str, namespace: str | None) -> str:
        parent = self._group(namespace, namespace) if namespace is not None else self._group("", OUTSIDE)
        self.nodes.setdefault(nid, {"id": nid, "label": label, "kind": kind, "parent": parent,
                                    "namespace": namespace if namespace is not None else ""})
        return nid

    def edge(self, src: str, dst: str, label: str, kind: str, title: str) -> None:
        self.edges.append({"id": f"e{len(self.edges)}", "source": src, "target": dst, "label": label,
                           "kind": kind, "title": title})

    def connection(self, c: ConnectionWitness, kind: str, title: str) -> None:
        self.edge(self.endpoint(c.src), self.endpoint(c.dst), c.service, kind,
                  f"{title}: {words.connection_headline(c)}")

    def data(self) -> dict[str, Any]:
        members = [n for n in self.nodes.values() if n["kind"] != "namespace"]
        return {
            "nodes": list(self.nodes.values()),
            "edges": self.edges,
            "namespaces": sorted({n["namespace"] for n in members}),
            "grouped": sum(1 for n in members if n["kind"] == "workload") > GROUP_ABOVE,
        }


def map_graph(cmap: ConnectivityMap) -> dict[str, Any]:
    g = Graph()
    for c in cmap.connections:
        g.edge(g.map_node(c.src), g.map_node(c.dst), words.ports_text(c.protocols, c.other_protocols), "allowed",
               f"{c.src.label} -> {c.dst.label}: {words.ports_text(c.protocols, c.other_protocols)}")
    return g.data()


def prove_graph(report: ProveReport) -> dict[str, Any]:
    g = Graph()
    for r in report.results:
        if r.counterexample is not None:
            g.connection(r.counterexample, "violated", f"{r.name} ({words.status_word(r).lower()})")
        elif r.witness is not None:
            g.connection(r.witness, "witness", f"{r.name} (witness)")
    return g.data()


def diff_graph(d: DiffReport) -> dict[str, Any]:
    g = Graph()
    for c in d.changes:
        src, dst = g.map_node(c.src), g.map_node(c.dst)
        if c.added:
            g.edge(src, dst, f"+ {words.ports_text(c.added)}", "added",
                   f"{words.change_title(c)}: newly allowed {words.ports_text(c.added)}")
        if c.removed:
            g.edge(src, dst, f"- {words.ports_text(c.removed)}", "removed",
                   f"{words.change_title(c)}: newly blocked {words.ports_text(c.removed)}")
    for c in d.new_workloads:
        g.edge(g.map_node(c.src), g.map_node(c.dst), words.ports_text(c.added), "new-workload",
               f"{words.change_title(c)}: a workload only in HEAD, allowed {words.ports_text(c.added)}")
    for a in d.added_classes:
        g.connection(a.witness, "added", f"new class: {a.summary}")
    return g.data()
