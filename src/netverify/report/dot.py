"""Graphviz DOT of the connectivity map: namespaces as clusters, IP ranges as ellipses, ports on edges."""

from __future__ import annotations

from netverify.findings import ConnectivityMap, IPRangeNode, MapNode, WorkloadGroupNode, WorkloadNode
from netverify.report import words


def quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def _node_line(node: MapNode) -> str:
    if isinstance(node, WorkloadNode):
        label = f"{node.name}\n[{node.kind}]"
        return f"{quote(node.label)} [label={quote(label)}];"
    if isinstance(node, WorkloadGroupNode):  # workloads alike in every connection (map --grouped)
        shown = ", ".join(m.name for m in node.members[:3]) + (", ..." if len(node.members) > 3 else "")
        return f"{quote(node.label)} [shape=box3d, label={quote(node.name + chr(10) + shown)}];"
    label = node.label + "\n" + "\n".join(node.cidrs)
    return f"{quote(node.label)} [shape=ellipse, label={quote(label)}];"


def render_map(cmap: ConnectivityMap, *, color: bool = False) -> str:
    nodes: dict[str, MapNode] = {}
    for c in cmap.connections:
        nodes.setdefault(c.src.label, c.src)
        nodes.setdefault(c.dst.label, c.dst)
    by_namespace: dict[str, list[WorkloadNode | WorkloadGroupNode]] = {}
    addresses: list[IPRangeNode] = []
    for node in nodes.values():
        if isinstance(node, (WorkloadNode, WorkloadGroupNode)):
            by_namespace.setdefault(node.namespace, []).append(node)
        else:
            addresses.append(node)
    out = ["digraph netverify {", "  rankdir=LR;", "  node [shape=box];"]
    for i, ns in enumerate(sorted(by_namespace)):
        out += [f"  subgraph cluster_{i} {{", f"    label={quote(ns)};"]
        out += [f"    {_node_line(n)}" for n in sorted(by_namespace[ns], key=lambda n: n.label)]
        out.append("  }")
    out += [f"  {_node_line(n)}" for n in addresses]
    out += [f"  {quote(c.src.label)} -> {quote(c.dst.label)} [label={quote(words.ports_text(c.protocols, c.other_protocols))}];"
            for c in cmap.connections]
    out.append("}")
    return "\n".join(out) + "\n"
