"""Map internals: which workloads share a class, and how ipBlocks cut the address space."""

from __future__ import annotations

import ipaddress

from builders import cluster, cport, expr, ipblock, peer, policy, port, rule, sel, workload
from netverify.analyses.ipranges import Partition
from netverify.analyses.map_classes import workload_classes


def groups(c, flag=False):
    return sorted(sorted(w.name for w in k.workloads) for k in workload_classes(c, flag))


def test_labels_no_selector_mentions_do_not_split_classes():
    a = workload("a", labels={"app": "web", "pod-template-hash": "111"})
    b = workload("b", labels={"app": "web", "pod-template-hash": "222"})
    c = workload("c", labels={"app": "db"})
    pol = policy("p", "default", {"app": "db"}, ingress=[rule(peer({"app": "web"}))])
    assert groups(cluster(a, b, c, pol)) == [["a", "b"], ["c"]]


def test_values_no_selector_names_are_alike_but_presence_is_not():
    x = workload("x", labels={"app": "one"})
    y = workload("y", labels={"app": "two"})
    z = workload("z", labels={})
    pol = policy("p", "default", sel(None, expr("app", "Exists")), ingress=[rule(peer({"app": "db"}))])
    assert groups(cluster(x, y, z, pol)) == [["x", "y"], ["z"]]


def test_namespaces_and_named_ports_split_classes():
    a = workload("a", "n1", {"app": "x"}, [cport(80, "http")])
    b = workload("b", "n1", {"app": "x"}, [cport(8080, "http")])
    c = workload("c", "n1", {"app": "x"}, [cport(9090, "metrics")])  # no rule names it
    d = workload("d", "n2", {"app": "x"}, [cport(80, "http")])
    pol = policy("p", "n1", {}, ingress=[rule(ports=[port("http")])])
    assert groups(cluster(a, b, c, d, pol)) == [["a"], ["b"], ["c"], ["d"]]
    assert groups(cluster(a, b, c, d)) == [["a", "b", "c"], ["d"]]


def test_pod_ips_split_classes_only_with_ipblock_matches_pods_and_only_across_cuts():
    a = workload("a", ips=["10.0.0.1"])
    b = workload("b", ips=["10.0.0.2"])
    c = workload("c", ips=["192.168.0.1"])
    pol = policy("p", "default", {}, ingress=[rule(ipblock("10.0.0.0/8"))])
    assert groups(cluster(a, b, c, pol)) == [["a", "b", "c"]]
    assert groups(cluster(a, b, c, pol), flag=True) == [["a", "b"], ["c"]]


def test_partition_cuts_at_every_cidr_and_except_boundary():
    blocks = [ipblock("10.0.0.0/8", "10.1.0.0/16").ip_block, ipblock("0.0.0.0/0").ip_block]
    p = Partition(blocks)
    assert [(r.node().start, r.node().end) for r in p.ranges] == [
        ("0.0.0.0", "9.255.255.255"), ("10.0.0.0", "10.0.255.255"), ("10.1.0.0", "10.1.255.255"),
        ("10.2.0.0", "10.255.255.255"), ("11.0.0.0", "255.255.255.255")]
    assert p.inside(blocks[0]) == [1, 3]
    assert p.inside(blocks[1]) == [0, 1, 2, 3, 4]
    assert p.index_of(ipaddress.ip_address("10.1.2.3")) == 2


def test_partition_of_ipv6_and_the_whole_space():
    p = Partition([ipblock("2001:db8::/32").ip_block], (4, 6))
    assert [(r.version, r.node().start) for r in p.ranges] == [(4, "0.0.0.0"), (6, "::"), (6, "2001:db8::"), (6, "2001:db9::")]
    assert Partition([]).ranges[0].node().cidrs == ("0.0.0.0/0",)
    edge = Partition([ipblock("255.255.255.255/32").ip_block])
    assert [r.node().end for r in edge.ranges] == ["255.255.255.254", "255.255.255.255"]
