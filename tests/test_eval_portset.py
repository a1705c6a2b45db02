"""rule_ports (interval sets) agrees with port_matches (one port at a time)."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from builders import cport, ext, pod, port
from netverify.eval.concrete import port_matches
from netverify.eval.portset import NOTHING, PortSet, rule_ports
from netverify.model.ports import PROTOCOLS, PortRanges, Protocol

protocols = st.sampled_from(["TCP", "UDP", "SCTP"])
numbers = st.integers(1, 65535)
entry_st = st.one_of(
    st.builds(lambda p: port(None, p), protocols),
    st.builds(lambda n, p: port(n, p), numbers, protocols),
    st.builds(lambda n, w, p: port(n, p, end=min(65535, n + w)), numbers, st.integers(0, 3000), protocols),
    st.builds(lambda name, p: port(name, p), st.sampled_from(["http", "dns", "none"]), protocols),
)
cports_st = st.lists(st.builds(cport, numbers, st.sampled_from(["http", "dns", None]), protocols), max_size=3)


@settings(max_examples=300, deadline=None)
@given(st.lists(entry_st, max_size=3), cports_st, st.booleans(), st.lists(numbers, max_size=10))
def test_rule_ports_is_the_set_of_ports_port_matches_admits(entries, cports, external, probes):
    dst = ext("1.2.3.4") if external else pod("ns", ports=cports)
    got = rule_ports(entries, None if external else tuple(cports))
    interesting = set(probes) | {1, 65535}
    for e in entries:
        if isinstance(e.port, int):
            interesting |= {e.port - 1, e.port, e.port + 1, (e.end_port or e.port) + 1}
    interesting |= {c.port for c in cports}
    for proto in PROTOCOLS:
        for n in interesting:
            if 1 <= n <= 65535:
                want = not entries or any(port_matches(e, proto, n, dst) for e in entries)
                assert (n in got.get(proto)) == want, (proto, n)


def test_no_entries_is_everything_and_set_operations():
    assert rule_ports((), None) == PortSet.everything()
    web = rule_ports([port(80), port(53, "UDP")], ())
    assert web.as_mapping() == {Protocol.TCP: PortRanges(((80, 80),)), Protocol.UDP: PortRanges(((53, 53),))}
    assert web.union(NOTHING) == web and web.intersect(PortSet.everything()) == web
    assert not web.intersect(rule_ports([port(81)], ()))
    assert web.intersect(rule_ports([port(1, end=100)], ())).as_mapping() == {Protocol.TCP: PortRanges(((80, 80),))}
    assert PortSet.everything().union(web) == PortSet.everything()
    assert not NOTHING and NOTHING.as_mapping() == {}


ranges_st = st.lists(st.tuples(numbers, st.integers(0, 2000)), max_size=4).map(
    lambda xs: PortRanges.of((lo, min(65535, lo + w)) for lo, w in xs))


@given(st.tuples(ranges_st, ranges_st, ranges_st), st.tuples(ranges_st, ranges_st, ranges_st))
def test_portset_union_and_intersection_agree_with_port_ranges(a, b):
    x, y = PortSet(a), PortSet(b)
    for k, proto in enumerate(PROTOCOLS):
        assert x.intersect(y).get(proto) == a[k].intersect(b[k])
        assert x.union(y).get(proto) == a[k].union(b[k])
