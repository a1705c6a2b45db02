"""Every IP protocol as a connection's protocol (model/ports.py) and how NetworkPolicy / AdminNetworkPolicy
judge protocols without ports (eval): a rule without `ports` admits every protocol, ICMP included; a rule with
ports admits only its TCP/UDP/SCTP ports; isolation applies to every protocol."""

from __future__ import annotations

import pickle

import pytest
from anp_builders import acluster, admin, aport, arule, pod_peer
from builders import cluster, peer, pod, policy, port, rule

from netverify.eval.concrete import evaluate
from netverify.model.flow import Flow
from netverify.model.policy import PortMatch
from netverify.model.ports import PROTOCOLS, Protocol, describe_connection, parse_protocol
from netverify.model.span import Span

A = pod("default", {"app": "a"})
B = pod("default", {"app": "b"})


def icmp(src=A, dst=B) -> Flow:
    return Flow(src, dst, Protocol.ICMP, 0, icmp_type=8, icmp_code=0)


def test_every_protocol_number_is_a_protocol_and_names_stay_canonical():
    assert Protocol.of(6) is Protocol.TCP and Protocol("17") is Protocol.UDP and Protocol(132) is Protocol.SCTP
    assert Protocol.of(1) is Protocol.ICMP and Protocol.of(58) is Protocol.ICMPv6 and Protocol.of(136) is Protocol.UDPLite
    gre = Protocol.of(47)
    assert gre is Protocol("47") and gre.number == 47 and str(gre) == "47" and gre.label == "protocol 47"
    assert pickle.loads(pickle.dumps(gre)) is gre  # the fleet sends findings between processes
    assert {p.number for p in map(Protocol.of, range(256))} == set(range(256))
    for bad in (-1, 256, "tcp", "", True):
        with pytest.raises(ValueError):
            Protocol(bad)


def test_what_each_protocol_carries():
    assert [p for p in map(Protocol.of, range(256)) if p.has_ports] == [
        Protocol.TCP, Protocol.UDP, Protocol.SCTP, Protocol.UDPLite]
    assert [p for p in map(Protocol.of, range(256)) if p.is_icmp] == [Protocol.ICMP, Protocol.ICMPv6]
    assert PROTOCOLS == (Protocol.TCP, Protocol.UDP, Protocol.SCTP)  # what a Kubernetes port entry can name


@pytest.mark.parametrize("written,expected", [
    ("tcp", Protocol.TCP), ("Udp", Protocol.UDP), ("SCTP", Protocol.SCTP), ("icmp", Protocol.ICMP),
    ("ICMPv6", Protocol.ICMPv6), ("udplite", Protocol.UDPLite), ("47", Protocol.of(47)), (0, Protocol.of(0)),
    (255, Protocol.of(255)), ("256", None), (-3, None), ("gre", None), ("4 7", None), (False, None),
])
def test_parse_protocol_accepts_names_in_any_case_and_numbers(written, expected):
    assert parse_protocol(written) is expected


def test_describe_connection_names_only_what_the_protocol_carries():
    assert describe_connection(Protocol.TCP, 80) == "TCP/80"
    assert describe_connection(Protocol.UDP, 53, 5353) == "UDP/53 from port 5353"
    assert describe_connection(Protocol.ICMP, 0, 40000, 8, 0) == "ICMP type 8 code 0"
    assert describe_connection(Protocol.of(47), 80, 1, 2, 3) == "protocol 47"
    entry = PortMatch(Protocol.TCP, 80, None, Span("p.yaml", 1), src_port=1024, src_end_port=2047)
    assert str(entry) == "TCP/80 from port 1024-2047"
    assert str(PortMatch(Protocol.ICMPv6, None, None, Span("p.yaml", 1), icmp_type=128)) == "ICMPv6 type 128"


def test_np_rule_without_ports_admits_every_protocol():
    c = cluster(policy("allow-a", pods={"app": "b"}, ingress=[rule(peer({"app": "a"}))]))
    for proto in (Protocol.ICMP, Protocol.ICMPv6, Protocol.of(47), Protocol.UDPLite, Protocol.of(0)):
        assert evaluate(c, Flow(A, B, proto, 0 if not proto.has_ports else 9, icmp_type=3)).allowed


def test_np_rule_with_every_port_of_tcp_udp_sctp_admits_no_other_protocol():
    every = [port(None, p) for p in ("TCP", "UDP", "SCTP")]
    c = cluster(policy("ports", pods={"app": "b"}, ingress=[rule(peer({"app": "a"}), ports=every)]))
    assert evaluate(c, Flow(A, B, Protocol.SCTP, 9)).allowed
    for proto in (Protocol.ICMP, Protocol.of(47), Protocol.UDPLite):
        assert not evaluate(c, Flow(A, B, proto, 9 if proto.has_ports else 0)).allowed


def test_np_isolation_denies_icmp_and_an_unisolated_pod_allows_it():
    deny_all = policy("deny", pods={"app": "b"}, ingress=[])
    assert not evaluate(cluster(deny_all), icmp()).allowed
    assert evaluate(cluster(deny_all), icmp(B, A)).allowed


def test_anp_rule_without_ports_decides_icmp_and_one_with_ports_does_not():
    deny_any = admin("deny-any", 10, ingress=[arule("deny", pod_peer({"app": "a"}))])
    deny_tcp = admin("deny-tcp", 10, ingress=[arule("deny", pod_peer({"app": "a"}), ports=[aport(80)])])
    assert not evaluate(acluster(deny_any), icmp()).allowed
    assert evaluate(acluster(deny_tcp), icmp()).allowed
    assert not evaluate(acluster(deny_tcp), Flow(A, B, Protocol.TCP, 80)).allowed


def test_every_side_sees_the_source_port_and_icmp_fields():
    from netverify.eval.layer import Side
    f = Flow(A, B, Protocol.UDP, 53, src_port=5353)
    egress, ingress = Side.of(f, "egress"), Side.of(f, "ingress")
    assert (egress.pod, egress.other, ingress.pod, ingress.other) == (A, B, B, A)
    assert egress.src_port == ingress.src_port == 5353 and egress.dst is ingress.dst is B
    assert Side.of(icmp(), "ingress").icmp_type == 8 and Side.of(icmp(), "egress").icmp_code == 0
