"""CSV of the connectivity map: one row per (source, destination, protocol) with allowed port ranges."""

from __future__ import annotations

import csv
import io

from netverify.findings import ConnectivityMap, IPRangeNode, MapNode
from netverify.model.ports import PROTOCOLS

HEADER = ("src", "src_type", "src_cidrs", "dst", "dst_type", "dst_cidrs", "protocol", "ports")


def _node(node: MapNode) -> tuple[str, str, str]:
    cidrs = " ".join(node.cidrs) if isinstance(node, IPRangeNode) else ""
    return node.label, node.type, cidrs


def render_map(cmap: ConnectivityMap, *, color: bool = False) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(HEADER)
    for c in cmap.connections:
        for proto in PROTOCOLS:
            ranges = c.protocols.get(proto)
            if ranges:
                writer.writerow((*_node(c.src), *_node(c.dst), str(proto), str(ranges)))
        if c.other_protocols:  # every other IP protocol (ICMP included), on every port / type
            writer.writerow((*_node(c.src), *_node(c.dst), "other", "all"))
    return buf.getvalue()
