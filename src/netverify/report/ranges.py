"""Adjacent address ranges a workload reaches alike are one row, for people: the map cuts the address space at
every ipBlock boundary, the same for every workload (json and csv keep that), but a reader wants
`0.0.0.0/0  all`, not five neighbouring ranges that all say `all`."""

from __future__ import annotations

import ipaddress

from netverify.findings import Connection, IPRangeNode, MapNode
from netverify.model.ports import PROTOCOLS


def ip_range_node(version: int, first: int, last: int) -> IPRangeNode:
    cls = ipaddress.IPv4Address if version == 4 else ipaddress.IPv6Address
    lo, hi = cls(first), cls(last)
    return IPRangeNode(str(lo), str(hi), tuple(str(n) for n in ipaddress.summarize_address_range(lo, hi)))


def _bounds(node: IPRangeNode) -> tuple[int, int, int]:
    start, end = ipaddress.ip_address(node.start), ipaddress.ip_address(node.end)
    return start.version, int(start), int(end)


def _same(a: Connection, b: Connection) -> bool:
    return all(a.protocols.get(p) == b.protocols.get(p) for p in PROTOCOLS) and \
        a.other_protocols == b.other_protocols


def merge_adjacent_ranges(connections: tuple[Connection, ...]) -> tuple[Connection, ...]:
    """Rows between one workload and neighbouring ranges of one IP version with equal ports merged into one row
    (at the place of the first); every other row unchanged, in its order."""
    groups: dict[tuple[str, str], list[int]] = {}
    for i, c in enumerate(connections):
        if isinstance(c.dst, IPRangeNode) and not isinstance(c.src, IPRangeNode):
            groups.setdefault((c.src.label, "dst"), []).append(i)
        elif isinstance(c.src, IPRangeNode) and not isinstance(c.dst, IPRangeNode):
            groups.setdefault((c.dst.label, "src"), []).append(i)
    replaced: dict[int, Connection | None] = {}
    for (_, side), members in groups.items():
        def ip_end(c: Connection) -> IPRangeNode:
            node: MapNode = c.dst if side == "dst" else c.src
            assert isinstance(node, IPRangeNode)
            return node

        ordered = sorted(members, key=lambda i: _bounds(ip_end(connections[i])))
        run = [ordered[0]]
        for i in [*ordered[1:], None]:
            last = connections[run[-1]]
            if i is not None:
                (v1, _, hi), (v2, lo, _) = _bounds(ip_end(last)), _bounds(ip_end(connections[i]))
                if v1 == v2 and hi + 1 == lo and _same(last, connections[i]):
                    run.append(i)
                    continue
            if len(run) > 1:
                v, lo, _ = _bounds(ip_end(connections[run[0]]))
                hi = _bounds(ip_end(last))[2]
                node = ip_range_node(v, lo, hi)
                first = connections[min(run)]
                merged = Connection(first.src, node, first.protocols, first.other_protocols) if side == "dst" \
                    else Connection(node, first.dst, first.protocols, first.other_protocols)
                replaced.update({j: None for j in run})
                replaced[min(run)] = merged
            run = [i] if i is not None else []
    return tuple(replaced.get(i, c) for i, c in enumerate(connections) if replaced.get(i, c) is not None)
