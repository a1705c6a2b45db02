"""Words for the map's grouped view (analyses/map_groups.py): the summary line and the groups' members."""

from __future__ import annotations

from collections.abc import Iterable

from netverify.findings import Connection, ConnectivityMap, WorkloadGroupNode

MEMBERS_LISTED = 8  # per group; --expand (or --format json --grouped) gives every member


def groups_of(cmap: ConnectivityMap) -> list[WorkloadGroupNode]:
    """The groups the rows name, by label."""
    found: dict[str, WorkloadGroupNode] = {}
    for c in cmap.connections:
        for n in (c.src, c.dst):
            if isinstance(n, WorkloadGroupNode):
                found.setdefault(n.label, n)
    return [found[k] for k in sorted(found)]


def pair_count(rows: Iterable[Connection]) -> int:
    """The workload pairs the rows stand for (a group's row to itself: each member to every other one)."""
    total = 0
    for c in rows:
        s = len(c.src.members) if isinstance(c.src, WorkloadGroupNode) else 1
        d = len(c.dst.members) if isinstance(c.dst, WorkloadGroupNode) else 1
        total += s * d - (s if isinstance(c.src, WorkloadGroupNode) and c.src == c.dst else 0)
    return total


def summary(rows: tuple[Connection, ...], groups: list[WorkloadGroupNode]) -> str:
    n = len(rows)
    if not groups:
        return f"{n} pair{'' if n == 1 else 's'} with allowed connections"
    pairs = pair_count(rows)
    return (f"{n} row{'' if n == 1 else 's'} for {pairs} pair{'' if pairs == 1 else 's'} with allowed connections; "
            f"{len(groups)} group{'' if len(groups) == 1 else 's'} (×N) of workloads alike in every connection, "
            "--expand lists every pair")


def member_lines(groups: list[WorkloadGroupNode]) -> list[str]:
    """`ns/name ×N: a[Deployment], b[Deployment], ... and K more`, one per group."""
    out = []
    for g in groups:
        names = [f"{m.name}[{m.kind}]" for m in g.members[:MEMBERS_LISTED]]
        more = len(g.members) - MEMBERS_LISTED
        out.append(f"{g.label}: {', '.join(names)}{f' and {more} more' if more > 0 else ''}")
    return out
