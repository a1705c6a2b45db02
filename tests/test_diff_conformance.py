"""diff against independent data: np-guard/netpol-analyzer's expected connectivity of two versions.

For pairs of conformance cases (many are the peer's own semantic-diff topologies), the expected change is
computed from the two expected lists (per workload pair, and per workload and IP address with both
partitions refined) and compared with what `diff` reports. And since existing workloads are pods that could
exist, a newly allowed existing connection must also show up as a symbolic class.
"""

from __future__ import annotations

import dataclasses

import ipaddress
import json
from pathlib import Path

import pytest

from netverify.analyses.diff import diff
from netverify.findings import DiffReport, IPRangeNode
from netverify.analyses.diff_maps import OTHER_PROTOCOLS_KEY
from netverify.model.ports import PROTOCOLS, PortRanges, Protocol

CORE = Path(__file__).resolve().parents[2] / "shared" / "conformance" / "netpol-analyzer" / "core"
if not CORE.is_dir():
    pytest.skip(f"conformance data not found at {CORE} (the shared folder next to the repo)", allow_module_level=True)

from conformance_load import load_case  # noqa: E402

PAIRS = [
    ("semanticDiff-same-topologies-old1", "semanticDiff-same-topologies-new1"),
    ("semanticDiff-same-topologies-old1", "semanticDiff-same-topologies-new1a"),
    ("semanticDiff-same-topologies-old2", "semanticDiff-same-topologies-new2"),
    ("semanticDiff-same-topologies-old3", "semanticDiff-same-topologies-new3"),
    ("semanticDiff-orig-topologies-no-policy", "semanticDiff-orig-topologies-policy-a"),
    ("semanticDiff-different-topologies-policy-a", "semanticDiff-different-topologies-policy-a-with-ipblock"),
    ("semanticDiff-different-topologies-policy-b", "semanticDiff-different-topologies-policy-b-with-ipblock"),
    ("semanticDiff-different-topologies-policy-a", "semanticDiff-different-topologies-policy-b"),
    ("ipblockstest", "ipblockstest_2"),
    ("ipblockstest_2", "ipblockstest_3"),
    ("ipblockstest_3", "ipblockstest_4"),
    ("multiple_topology_resources_1", "multiple_topology_resources_2"),
    ("multiple_topology_resources_3", "multiple_topology_resources_4"),
    ("test_with_named_ports", "test_with_named_ports_changed_netpol"),
    ("test_with_named_ports_changed_netpol", "test_with_named_ports_changed_netpol_2"),
    ("with_end_port_example", "with_end_port_example_new"),
    ("netpol_named_port_test", "netpol_named_port_test_2"),
]
PAIRS += [(b, a) for a, b in PAIRS]
# Thousands of changed pairs against hundreds of ipBlock peers: attributing each takes most of a minute.
SLOW = {"ipblockstest_4"}
CASES = [pytest.param(a, b, id=f"{a}->{b}", marks=[pytest.mark.slow] if {a, b} & SLOW else []) for a, b in PAIRS]

Ports = dict[Protocol, PortRanges]

# Where NCA departs from the Kubernetes API on protocols: NCA models TCP, UDP and SCTP only and calls a rule that
# lists every port of the three "All Connections", but such a rule admits no ICMP and no other protocol
# (https://kubernetes.io/docs/concepts/services-networking/network-policies/: a rule's ports name TCP, UDP or
# SCTP; a rule without ports admits every protocol). netverify follows the API, so these cases differ from NCA in
# other protocols only: compared on TCP/UDP/SCTP, and the other-protocols change must be there.
NCA_PORTS_ARE_ALL = {"with_end_port_example"}  # enable-all-protocols-with-all-ports: TCP, UDP, SCTP 1-65535


def _ports(parsed: dict) -> Ports:
    """NCA's "All Connections" (`all`) is every protocol, ICMP and the rest too: diff's other-protocols key."""
    out = {p: PortRanges.of(tuple(r) for r in parsed.get(p.value, [])) for p in PROTOCOLS if parsed.get(p.value)}
    return {**out, OTHER_PROTOCOLS_KEY: PortRanges.all()} if parsed.get("all") else out


def _minus(a: Ports, b: Ports) -> Ports:
    out = {p: a.get(p, PortRanges()).minus(b.get(p, PortRanges())) for p in (*PROTOCOLS, OTHER_PROTOCOLS_KEY)}
    return {p: r for p, r in out.items() if r}


def _int(ip: str) -> int:
    return int(ipaddress.IPv4Address(ip))


def expected(case: str) -> tuple[dict, dict]:
    """(workload pairs -> ports, (workload, side of the IP) -> [((lo, hi), ports)]) from expected.json."""
    doc = json.loads((CORE / case / "expected.json").read_text())
    pairs, ips = {}, {}
    for a in doc["allowed"]:
        ports = _ports(a["conns_parsed"])
        if a["src_type"] == "workload" and a["dst_type"] == "workload":
            pairs[(a["peer_src"], a["peer_dst"])] = ports
        elif a["src_type"] == "ip" and a["dst_type"] == "workload":
            ips.setdefault((a["peer_dst"], "src"), []).extend(((_int(lo), _int(hi)), ports) for lo, hi in a["src_ip_ranges"])
        elif a["src_type"] == "workload" and a["dst_type"] == "ip":
            ips.setdefault((a["peer_src"], "dst"), []).extend(((_int(lo), _int(hi)), ports) for lo, hi in a["dst_ip_ranges"])
    return pairs, ips


def _at(entries: list, address: int) -> Ports:
    return next((ports for (lo, hi), ports in entries if lo <= address <= hi), {})


def _drop_other(report: DiffReport) -> DiffReport:
    def keep(m):
        return {p: r for p, r in m.items() if p in PROTOCOLS}
    changes = tuple(dataclasses.replace(c, added=keep(c.added), removed=keep(c.removed)) for c in report.changes)
    return dataclasses.replace(report, changes=tuple(c for c in changes if c.added or c.removed))


def compare(report: DiffReport, base_case: str, head_case: str) -> None:
    if {base_case, head_case} & NCA_PORTS_ARE_ALL:
        assert any(OTHER_PROTOCOLS_KEY in (*c.added, *c.removed) for c in report.changes)
        report = _drop_other(report)
    (bp, bi), (hp, hi) = expected(base_case), expected(head_case)
    want_pairs = {}
    for key in set(bp) | set(hp):
        added, removed = _minus(hp.get(key, {}), bp.get(key, {})), _minus(bp.get(key, {}), hp.get(key, {}))
        if added or removed:
            want_pairs[key] = (added, removed)
    got_pairs, got_ips = {}, {}
    for c in report.changes:
        if isinstance(c.src, IPRangeNode):
            got_ips.setdefault((c.dst.label, "src"), []).append(((_int(c.src.start), _int(c.src.end)), c))
        elif isinstance(c.dst, IPRangeNode):
            got_ips.setdefault((c.src.label, "dst"), []).append(((_int(c.dst.start), _int(c.dst.end)), c))
        else:
            got_pairs[(c.src.label, c.dst.label)] = (dict(c.added), dict(c.removed))
    assert got_pairs == want_pairs

    for key in set(bi) | set(hi) | set(got_ips):
        base_e, head_e, got = bi.get(key, []), hi.get(key, []), got_ips.get(key, [])
        cuts = sorted({p for (lo, h), _ in [*base_e, *head_e, *got] for p in (lo, h + 1)} | {0})
        for address in cuts:
            if address > 0xFFFFFFFF:
                continue
            b, h = _at(base_e, address), _at(head_e, address)
            change = next((c for (lo, hi_), c in got if lo <= address <= hi_), None)
            want = (_minus(h, b), _minus(b, h))
            have = (dict(change.added), dict(change.removed)) if change else ({}, {})
            assert have == want, f"{key} at {ipaddress.IPv4Address(address)}"


@pytest.mark.parametrize(("base_case", "head_case"), CASES)
def test_diff_matches_the_difference_of_the_expected_connectivity(base_case: str, head_case: str) -> None:
    base = load_case(CORE / base_case / "manifests")
    head = load_case(CORE / head_case / "manifests")
    report = diff(base, head, max_witnesses=5, timeout_ms=20000)
    compare(report, base_case, head_case)
    assert report.symbolic_status == "done"
    same_world = ({w.ref for w in base.workloads} == {w.ref for w in head.workloads}
                  and {n: dict(ns.labels) for n, ns in base.namespaces.items()}
                  == {n: dict(ns.labels) for n, ns in head.namespaces.items()})
    if same_world and any(c.added for c in report.changes):
        assert report.added_classes, "an existing workload pair is newly allowed, so some class of pods is too"
