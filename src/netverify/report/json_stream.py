"""`map --format json`, written as the rows are produced: the same bytes as `json.render_map`, in chunks.

At 100,000 pods the map has some 800,000 rows; building them all as dicts and then one string took 3.8 GB.
Here each row is written from cached pieces (a node's JSON once per node, a port set's once per port set)
and handed on in batches, so memory holds one batch, the nodes and the port sets, and the rows themselves
may come from a lazy expansion of the grouped map (analyses/map_groups.ExpandedRows).
"""

from __future__ import annotations

import json
from collections.abc import Iterator

from netverify.findings import Connection, ConnectivityMap, MapNode
from netverify.report.json import _write, map_tail_dict, node_dict, protocols_dict

_BATCH = 2000  # rows per chunk handed to the writer


class _RowWriter:
    """One connection as `json.dumps`-equal text at the indent of a row of `connections`."""

    def __init__(self) -> None:
        self._nodes: dict[MapNode, str] = {}
        # keyed by id, with the mapping kept alive beside its text so the id cannot be reused meanwhile
        self._ports: dict[int, tuple[object, str]] = {}

    def _node(self, node: MapNode) -> str:
        found = self._nodes.get(node)
        if found is None:
            out: list[str] = []
            _write(node_dict(node), 3, out)
            found = self._nodes[node] = "".join(out)
        return found

    def _protocols(self, c: Connection) -> str:
        found = self._ports.get(id(c.protocols))
        if found is None or found[0] is not c.protocols:
            out: list[str] = []
            _write(protocols_dict(c.protocols), 3, out)
            found = self._ports[id(c.protocols)] = (c.protocols, "".join(out))
        return found[1]

    def row(self, c: Connection) -> str:
        return ("{\n      \"src\": " + self._node(c.src) + ",\n      \"dst\": " + self._node(c.dst)
                + ",\n      \"protocols\": " + self._protocols(c)
                + ",\n      \"other_protocols\": " + ("true" if c.other_protocols else "false") + "\n    }")


def map_chunks(cmap: ConnectivityMap) -> Iterator[str]:
    """`json.render_map(cmap)` in pieces, the rows produced one by one (never all held at once)."""
    writer = _RowWriter()
    batch: list[str] = ["{\n  \"connections\": "]
    first = True
    for c in cmap.connections:
        batch.append(("[\n    " if first else ",\n    ") + writer.row(c))
        first = False
        if len(batch) >= _BATCH:
            yield "".join(batch)
            batch = []
    batch.append("[]" if first else "\n  ]")
    tail = map_tail_dict(cmap)
    for k, v in tail.items():
        batch.append(",\n  " + json.dumps(k, ensure_ascii=False) + ": ")
        _write(v, 1, batch)
    batch.append("\n}\n")
    yield "".join(batch)
