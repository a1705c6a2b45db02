"""Comparing two connectivity maps: workload pairs by ref, IP ranges address by address."""

from __future__ import annotations

from netverify.analyses.diff_maps import compare_maps, ip_range_node
from netverify.findings import Connection, ConnectivityMap, IPRangeNode, WorkloadNode
from netverify.model.ports import PortRanges, Protocol

TCP, UDP = Protocol.TCP, Protocol.UDP
A = WorkloadNode("shop", "a", "Deployment")
B = WorkloadNode("shop", "b", "Deployment")


def ports(*ranges: tuple[int, int]) -> PortRanges:
    return PortRanges.of(ranges)


def ip(start: str, end: str) -> IPRangeNode:
    return IPRangeNode(start, end, ())


def cmap(*conns: Connection) -> ConnectivityMap:
    return ConnectivityMap(tuple(conns))


def test_identical_maps_have_no_changes() -> None:
    m = cmap(Connection(A, B, {TCP: ports((80, 80))}), Connection(A, ip("0.0.0.0", "255.255.255.255"), {UDP: ports((53, 53))}))
    assert compare_maps(m, m) == []


def test_workload_pair_added_and_removed_ports_per_protocol() -> None:
    base = cmap(Connection(A, B, {TCP: ports((80, 80), (443, 443))}))
    head = cmap(Connection(A, B, {TCP: ports((80, 90)), UDP: ports((53, 53))}))
    (change,) = compare_maps(base, head)
    assert (change.src, change.dst) == (A, B)
    assert change.added == {TCP: ports((81, 90)), UDP: ports((53, 53))}
    assert change.removed == {TCP: ports((443, 443))}


def test_a_pair_that_disappears_is_all_removed() -> None:
    base = cmap(Connection(A, B, {TCP: PortRanges.all()}))
    (change,) = compare_maps(base, cmap())
    assert change.added == {} and change.removed == {TCP: PortRanges.all()}


def test_equivalent_but_differently_cut_ip_partitions_are_equal() -> None:
    whole = cmap(Connection(A, ip("10.0.0.0", "10.255.255.255"), {TCP: ports((443, 443))}))
    split = cmap(
        Connection(A, ip("10.0.0.0", "10.127.255.255"), {TCP: ports((443, 443))}),
        Connection(A, ip("10.128.0.0", "10.255.255.255"), {TCP: ports((443, 443))}),
    )
    assert compare_maps(whole, split) == []


def test_ip_ranges_are_refined_and_merged_back() -> None:
    # BASE: A may reach 10.0.0.0/8 on 443. HEAD: also 10.1.0.0/16 and 10.2.0.0/16 on 22, and 10/8 minus 10.9/16.
    base = cmap(Connection(A, ip("10.0.0.0", "10.255.255.255"), {TCP: ports((443, 443))}))
    head = cmap(
        Connection(A, ip("10.0.0.0", "10.0.255.255"), {TCP: ports((443, 443))}),
        Connection(A, ip("10.1.0.0", "10.2.255.255"), {TCP: ports((22, 22), (443, 443))}),
        Connection(A, ip("10.3.0.0", "10.8.255.255"), {TCP: ports((443, 443))}),
        Connection(A, ip("10.10.0.0", "10.255.255.255"), {TCP: ports((443, 443))}),
    )
    changes = compare_maps(base, head)
    assert [(c.dst.start, c.dst.end, c.added, c.removed) for c in changes] == [
        ("10.1.0.0", "10.2.255.255", {TCP: ports((22, 22))}, {}),
        ("10.9.0.0", "10.9.255.255", {}, {TCP: ports((443, 443))}),
    ]
    assert changes[0].dst.cidrs == ("10.1.0.0/16", "10.2.0.0/16")
    assert all(c.src == A for c in changes)


def test_ip_sources_and_destinations_are_kept_apart() -> None:
    everything = ip("0.0.0.0", "255.255.255.255")
    base = cmap(Connection(everything, A, {TCP: ports((80, 80))}))
    head = cmap(Connection(A, everything, {TCP: ports((80, 80))}))
    changes = compare_maps(base, head)
    assert [(type(c.src).__name__, type(c.dst).__name__, bool(c.added), bool(c.removed)) for c in changes] == [
        ("IPRangeNode", "WorkloadNode", False, True),
        ("WorkloadNode", "IPRangeNode", True, False),
    ]


def test_ipv6_ranges_are_compared_separately_from_ipv4() -> None:
    v6 = ip("::", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff")
    base = cmap(Connection(A, v6, {TCP: ports((80, 80))}))
    head = cmap(Connection(A, v6, {TCP: ports((80, 80))}), Connection(A, ip("1.2.3.4", "1.2.3.4"), {TCP: ports((80, 80))}))
    (change,) = compare_maps(base, head)
    assert (change.dst.start, change.dst.end, change.dst.cidrs) == ("1.2.3.4", "1.2.3.4", ("1.2.3.4/32",))


def test_ip_range_node_has_the_minimal_cidr_cover() -> None:
    assert ip_range_node(4, 0, 2**32 - 1).cidrs == ("0.0.0.0/0",)
    assert ip_range_node(4, 0, int.from_bytes(bytes([9, 255, 255, 255]), "big")).cidrs == ("0.0.0.0/5", "8.0.0.0/7")
