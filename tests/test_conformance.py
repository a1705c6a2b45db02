"""Conformance with np-guard/netpol-analyzer's connectivity lists (../shared/conformance, see its README).

For every case: load its manifests, build the map, and compare with the expected list per ordered pair of
workloads (full port set per protocol; an absent pair allows nothing) and per workload and IP address (both
partitions refined to their common boundaries, compared range by range).
"""

from __future__ import annotations

import ipaddress
import json
from collections.abc import Iterable, Mapping
from pathlib import Path

import pytest

SHARED = Path(__file__).resolve().parents[2] / "shared"
CONFORMANCE = SHARED / "conformance" / "netpol-analyzer"
if not (CONFORMANCE / "core").is_dir():
    pytest.skip(f"conformance data not found at {CONFORMANCE} (the shared folder next to the repo)",
                allow_module_level=True)

from netverify.analyses.map import connectivity_map  # noqa: E402
from netverify.findings import ConnectivityMap, IPRangeNode, WorkloadNode  # noqa: E402
from conformance_load import load_case  # noqa: E402

PROTOCOL_NAMES = ("TCP", "UDP", "SCTP")
V4_TOP = (1 << 32) - 1

# (workload id, workload id) -> {protocol: frozenset of (lo, hi)}; IP sides: (workload id, "src"|"dst") -> intervals
Ports = Mapping[str, tuple[tuple[int, int], ...]]


def _canonical(ranges: Iterable[Iterable[int]]) -> tuple[tuple[int, int], ...]:
    merged: list[list[int]] = []
    for lo, hi in sorted((int(a), int(b)) for a, b in ranges):
        if merged and lo <= merged[-1][1] + 1:
            merged[-1][1] = max(merged[-1][1], hi)
        else:
            merged.append([lo, hi])
    return tuple((lo, hi) for lo, hi in merged)


def _ports(by_protocol: Mapping[str, Iterable[Iterable[int]]]) -> dict[str, tuple[tuple[int, int], ...]]:
    out = {p: _canonical(by_protocol.get(p, ())) for p in PROTOCOL_NAMES}
    return {p: r for p, r in out.items() if r}


class Flattened:
    """A connectivity list reduced to comparable facts."""

    def __init__(self) -> None:
        self.pairs: dict[tuple[str, str], dict[str, tuple[tuple[int, int], ...]]] = {}
        # (workload id, side of the IP end) -> [(first, last, ports)]
        self.ips: dict[tuple[str, str], list[tuple[int, int, dict]]] = {}

    def add_ip(self, workload: str, side: str, first: int, last: int, ports: dict) -> None:
        self.ips.setdefault((workload, side), []).append((first, last, ports))

    def ports_at(self, workload: str, side: str, address: int) -> dict:
        for first, last, ports in self.ips.get((workload, side), ()):
            if first <= address <= last:
                return ports
        return {}


def _v4(text: str) -> int:
    return int(ipaddress.IPv4Address(text))


def expected_facts(expected: dict, drop_ingress_controller: bool) -> Flattened:
    facts = Flattened()
    for row in expected["allowed"]:
        types = (row["src_type"], row["dst_type"])
        if "ingress-controller" in types:
            if drop_ingress_controller:
                continue
            raise AssertionError(f"unexpected ingress-controller row {row}")
        ports = _ports(row["conns_parsed"])
        if types == ("workload", "workload"):
            facts.pairs[(row["src"], row["dst"])] = ports
        elif types == ("ip", "workload"):
            for lo, hi in row["src_ip_ranges"]:
                facts.add_ip(row["dst"], "src", _v4(lo), _v4(hi), ports)
        elif types == ("workload", "ip"):
            for lo, hi in row["dst_ip_ranges"]:
                facts.add_ip(row["src"], "dst", _v4(lo), _v4(hi), ports)
        else:
            raise AssertionError(f"unexpected row types {types}")
    return facts


def actual_facts(cmap: ConnectivityMap) -> Flattened:
    facts = Flattened()
    for c in cmap.connections:
        ports = _ports({p.value: r.ranges for p, r in c.protocols.items()})
        src, dst = c.src, c.dst
        if isinstance(src, WorkloadNode) and isinstance(dst, WorkloadNode):
            facts.pairs[(f"{src.namespace}/{src.name}", f"{dst.namespace}/{dst.name}")] = ports
        elif isinstance(src, IPRangeNode) and isinstance(dst, WorkloadNode):
            facts.add_ip(f"{dst.namespace}/{dst.name}", "src", *_bounds(src), ports)
        elif isinstance(src, WorkloadNode) and isinstance(dst, IPRangeNode):
            facts.add_ip(f"{src.namespace}/{src.name}", "dst", *_bounds(dst), ports)
        else:
            raise AssertionError(f"IP-to-IP row in a map: {c}")
    return facts


def _bounds(node: IPRangeNode) -> tuple[int, int]:
    lo, hi = ipaddress.ip_address(node.start), ipaddress.ip_address(node.end)
    assert lo.version == 4, f"IPv6 range {node.label} where the peer only knows IPv4"
    return int(lo), int(hi)


def differences(want: Flattened, got: Flattened) -> list[str]:
    out = []
    for key in sorted(set(want.pairs) | set(got.pairs)):
        w, g = want.pairs.get(key, {}), got.pairs.get(key, {})
        if w != g:
            out.append(f"{key[0]} -> {key[1]}: expected {w or 'nothing'}, got {g or 'nothing'}")
    for key in sorted(set(want.ips) | set(got.ips)):
        # The refinement of both partitions: every range boundary either side uses.
        cuts = {0, V4_TOP + 1}
        for first, last, _ in (*want.ips.get(key, ()), *got.ips.get(key, ())):
            cuts |= {first, last + 1}
        points = sorted(cuts)
        for first, nxt in zip(points, points[1:]):
            w, g = want.ports_at(*key, first), got.ports_at(*key, first)
            if w != g:
                rng = f"{ipaddress.IPv4Address(first)}-{ipaddress.IPv4Address(nxt - 1)}"
                ends = (rng, key[0]) if key[1] == "src" else (key[0], rng)
                out.append(f"{ends[0]} -> {ends[1]}: expected {w or 'nothing'}, got {g or 'nothing'}")
    return out


def workload_ids(expected: dict) -> set[str]:
    return {w["id"] for w in expected["workloads"] if w.get("kind") != "IngressController"}


def run_case(case: Path, *, drop_ingress_controller: bool = False) -> None:
    expected = json.loads((case / "expected.json").read_text())
    cluster = load_case(case / "manifests")
    cmap = connectivity_map(cluster)
    ours = {w.id for w in cluster.workloads}
    theirs = {w for w in workload_ids(expected) if "/" in w}
    assert theirs <= ours, f"workloads the peer sees and we do not: {sorted(theirs - ours)}"
    diffs = differences(expected_facts(expected, drop_ingress_controller), actual_facts(cmap))
    assert not diffs, f"{len(diffs)} differences:\n" + "\n".join(diffs[:40])


def _cases(folder: str) -> list[str]:
    root = CONFORMANCE / folder
    return sorted(p.name for p in root.iterdir() if (p / "expected.json").is_file()) if root.is_dir() else []


# Cases where we believe the peer's output departs from the upstream API semantics: {case: reason}.
_LABELS_GAP = (
    "the peer gives every pod of one owner the same labels; its pods here carry different labels, which "
    "netverify models as distinct pods (docs/semantics.md, \"Replicas\"; issue 9 item 3)"
)
CORE_DISAGREEMENTS: dict[str, str] = {
    case: _LABELS_GAP for case in (
        "example_pods_w_same_owner_and_labels_gap_no_policy",
        "example_pods_w_same_owner_and_labels_gap_with_good_match_expression",
        "example_pods_w_same_owner_and_labels_gap_with_good_match_expression2",
        "example_pods_w_same_owner_and_labels_gap_with_policy_selector_not_in_gap",
    )
}


@pytest.mark.parametrize("case", _cases("core"))
def test_core(case: str) -> None:
    if case in CORE_DISAGREEMENTS:
        pytest.xfail(CORE_DISAGREEMENTS[case])
    run_case(CONFORMANCE / "core" / case)


@pytest.mark.parametrize("case", _cases("ingress"))
def test_ingress_without_ingress_controller_rows(case: str) -> None:
    """Ingress/Route are not modelled: the `{ingress-controller}` rows are dropped, the rest must match."""
    run_case(CONFORMANCE / "ingress" / case, drop_ingress_controller=True)


@pytest.mark.parametrize("case", _cases("anp"))
@pytest.mark.xfail(reason="AdminNetworkPolicy / BaselineAdminNetworkPolicy are not modelled yet", strict=False)
def test_anp(case: str) -> None:
    run_case(CONFORMANCE / "anp" / case)
