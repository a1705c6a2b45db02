"""CSV of the connectivity map: one row per (source, destination, protocol) with allowed port ranges."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator

from netverify.findings import ConnectivityMap, IPRangeNode, MapNode
from netverify.model.ports import PROTOCOLS

HEADER = ("src", "src_type", "src_cidrs", "dst", "dst_type", "dst_cidrs", "protocol", "ports")


def _node(node: MapNode) -> tuple[str, str, str]:
    cidrs = " ".join(node.cidrs) if isinstance(node, IPRangeNode) else ""
    return node.label, node.type, cidrs


def render_map(cmap: ConnectivityMap, *, color: bool = False) -> str:
    return "".join(map_chunks(cmap))


def map_chunks(cmap: ConnectivityMap, batch: int = 2000) -> Iterator[str]:
    """The CSV in pieces of `batch` connections, written as the rows are produced (a map may be lazy)."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(HEADER)
    for n, c in enumerate(cmap.connections, 1):
        for proto in PROTOCOLS:
            ranges = c.protocols.get(proto)
            if ranges:
                writer.writerow((*_node(c.src), *_node(c.dst), str(proto), str(ranges)))
        if c.other_protocols:  # every other IP protocol (ICMP included), on every port / type
            writer.writerow((*_node(c.src), *_node(c.dst), "other", "all"))
        if n % batch == 0:
            yield buf.getvalue()
            buf.seek(0)
            buf.truncate()
    yield buf.getvalue()
