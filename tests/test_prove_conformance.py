"""Conformance through prove: np-guard/netpol-analyzer's expected connectivity (core cases, NetworkPolicy v1).

For a listed workload pair, `reachable` (scope existing) on exactly each allowed port range is proven and
`unreachable` on every other port is proven; for an unlisted pair, `unreachable` is proven. Address ranges
are checked the same way at their first and last address (every address of a range behaves alike), and
the first address of every gap between listed ranges must reach (or be reached by) nothing. The default run
samples a few pairs and ranges per case; the slow run checks every pair and more ranges.
"""

from __future__ import annotations

import ipaddress
import json
import random
from pathlib import Path

import pytest

from netverify.analyses.prove import prove
from conformance_load import as_netverify_names, load_case
from netverify.model.ipblock import IPBlock
from netverify.model.ports import PROTOCOLS, PortRanges, Protocol
from netverify.model.policy import PortMatch
from netverify.model.properties import EndpointSpec, PropertiesFile, Property
from netverify.model.span import Span

CORE = Path(__file__).resolve().parents[2] / "shared" / "conformance" / "netpol-analyzer" / "core"
CASES = sorted(p.name for p in CORE.iterdir()) if CORE.is_dir() else []
SAMPLED_PAIRS = 6
SLOW_ADDRESSES = 400
SPAN = Span("conformance.yaml", 1)

pytestmark = pytest.mark.skipif(not CASES, reason=f"conformance data not found at {CORE}")


def _endpoint(workload: dict) -> EndpointSpec:
    name = workload["id"].split("/", 1)[1]
    return EndpointSpec(span=SPAN, namespace=workload["namespace"], workload=f"{workload['kind']}/{name}")


def _allowed(entry: dict | None) -> dict[Protocol, PortRanges]:
    if entry is None:
        return {}
    parsed = entry["conns_parsed"]
    return {p: PortRanges.of(map(tuple, parsed.get(str(p), []))) for p in PROTOCOLS}


def _ports(proto: Protocol, ranges: PortRanges) -> tuple[PortMatch, ...]:
    return tuple(PortMatch(proto, lo, hi if hi > lo else None, SPAN) for lo, hi in ranges.ranges)


def _properties(case: str, sample: int | None) -> list[Property]:
    expected = as_netverify_names(json.loads((CORE / case / "expected.json").read_text()), CORE / case / "manifests")
    workloads = {w["id"]: w for w in expected["workloads"]}
    listed = {(a["src"], a["dst"]): a for a in expected["allowed"]
              if a["src_type"] == "workload" and a["dst_type"] == "workload"}
    pairs = [(s, d) for s in sorted(workloads) for d in sorted(workloads) if s != d]
    if sample is not None:
        pairs = random.Random(case).sample(pairs, min(sample, len(pairs)))
    props: list[Property] = []
    for s, d in pairs:
        src, dst = _endpoint(workloads[s]), _endpoint(workloads[d])
        props += _port_properties(f"{s}->{d}", src, dst, _allowed(listed.get((s, d))))
    return props


def _address(ip: int) -> EndpointSpec:
    block = IPBlock(ipaddress.ip_network((ip, 32)))
    return EndpointSpec(span=SPAN, ip_block=block)


def _port_properties(name: str, src: EndpointSpec, dst: EndpointSpec, allowed: dict) -> list[Property]:
    out = []
    for proto in PROTOCOLS:
        yes = allowed.get(proto, PortRanges())
        no = PortRanges.all().minus(yes)
        if yes:
            out.append(Property(f"{name} {proto} {yes} reachable", src, dst, _ports(proto, yes), "reachable",
                                "existing", SPAN))
        if no:
            out.append(Property(f"{name} {proto} {no} unreachable", src, dst, _ports(proto, no), "unreachable",
                                "existing", SPAN))
    return out


def _ip_properties(case: str, sample: int | None) -> list[Property]:
    expected = as_netverify_names(json.loads((CORE / case / "expected.json").read_text()), CORE / case / "manifests")
    workloads = {w["id"]: w for w in expected["workloads"]}
    entries = [a for a in expected["allowed"] if {a["src_type"], a["dst_type"]} == {"ip", "workload"}]
    covered: dict[tuple[str, str], list[tuple[int, int]]] = {}  # (workload, "from"/"to" it) -> ranges
    checks: list[tuple[int, str, str, dict]] = []
    for a in entries:
        inbound = a["src_type"] == "ip"
        wid = a["dst"] if inbound else a["src"]
        for lo, hi in a["src_ip_ranges" if inbound else "dst_ip_ranges"]:
            lo, hi = int(ipaddress.IPv4Address(lo)), int(ipaddress.IPv4Address(hi))
            covered.setdefault((wid, "in" if inbound else "out"), []).append((lo, hi))
            for ip in {lo, hi}:
                checks.append((ip, wid, "in" if inbound else "out", _allowed(a)))
    for wid in workloads:
        for way in ("in", "out"):
            nxt = 0
            for lo, hi in sorted(covered.get((wid, way), [])):
                if lo > nxt:
                    checks.append((nxt, wid, way, {}))
                nxt = max(nxt, hi + 1)
            if nxt <= 2**32 - 1:
                checks.append((nxt, wid, way, {}))
    if sample is not None:
        checks = random.Random(case).sample(checks, min(sample, len(checks)))
    props: list[Property] = []
    for ip, wid, way, allowed in checks:
        addr, w = _address(ip), _endpoint(workloads[wid])
        src, dst = (addr, w) if way == "in" else (w, addr)
        props += _port_properties(f"{ipaddress.IPv4Address(ip)} {way} {wid}", src, dst, allowed)
    return props


def _check(case: str, sample: int | None) -> None:
    cluster = load_case(CORE / case / "manifests")
    props = _properties(case, sample) + _ip_properties(case, sample if sample is not None else SLOW_ADDRESSES)
    report = prove(cluster, PropertiesFile(f"{case}.yaml", (), tuple(props)))
    wrong = [(r.name, r.status, r.reason) for r in report.results
             if r.status != "proven" and not _host_network_departure(cluster, r)]
    assert wrong == []


def _host_network_departure(cluster, result) -> bool:
    """netpol-analyzer applies NetworkPolicy to host-network pods like to any pod; Kubernetes leaves that
    undefined (https://kubernetes.io/docs/concepts/services-networking/network-policies/#networkpolicy-and-hostnetwork-pods),
    so netverify says unknown where the two readings differ (docs/semantics.md). Only then is its answer excused."""
    host = [w.ref for w in cluster.workloads if w.host_network]
    reason = result.reason or ""
    return (result.status == "unknown" and "NetworkPolicy's effect on host-network pods" in reason
            and any(ref in reason for ref in host))


@pytest.mark.parametrize("case", CASES)
def test_core_case_sampled_pairs(case):
    _check(case, SAMPLED_PAIRS)


@pytest.mark.slow
@pytest.mark.parametrize("case", CASES)
def test_core_case_every_pair(case):
    _check(case, None)
