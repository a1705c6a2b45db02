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
from conformance_load import as_netverify_names, load_case  # noqa: E402

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
    expected = as_netverify_names(json.loads((case / "expected.json").read_text()), case / "manifests")
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


# ---- anp/: AdminNetworkPolicy and BaselineAdminNetworkPolicy v1alpha1 ---------------------------------------
# Where netpol-analyzer's answers depart from the API (../shared/conformance/netpol-analyzer/anp/DEVIATIONS.md;
# references to kubernetes-sigs/network-policy-api@40eeb18096dd apis/v1alpha1/: anp = adminnetworkpolicy_types.go,
# shared = shared_types.go). netverify follows the API; each case below says how it is checked instead.

# A `pods` subject or peer without its required podSelector or namespaceSelector (shared:36-46: neither is
# +optional; the CRD lists both as required). The API server refuses them, so does netverify; the case is run
# with --lenient, which reads the missing selector as empty (netpol-analyzer's reading) with a warning.
ANP_MISSING_SELECTOR = frozenset({
    "anp_demo", "anp_test_3_pass_traffic", "anp_test_8", "anp_test_8_swapping_rules", "anp_test_9",
    "anp_test_9_swapping_rules", "anp_test_10", "anp_test_10_swapping_rules", "anp_test_11",
    "anp_test_11_swapping_rules", "anp_test_12", "anp_test_12_swapping_rules",
    "anp_test_combining_test_6_and_test_10", "anp_test_multiple_anps", "exposure_test_with_anp_12",
    "exposure_test_with_anp_13", "exposure_test_with_anp_14", "exposure_test_with_anp_15",
    "exposure_test_with_anp_16", "example_pods_w_same_owner_and_labels_gap_anp_good",
    "example_pods_w_same_owner_and_labels_gap_banp_good",
})

# Refused by the API server (CEL on AdminNetworkPolicyEgressRule, anp:152-153: namedPort with a networks peer),
# read by netpol-analyzer anyway: netverify refuses it (file, line, field), even under --lenient.
ANP_REFUSED = {"anp_test_named_ports_multiple_peers": r"a named port \(namedPort: dns\) cannot be used"}

# Pairs whose answer depends on addresses the manifests do not give (pod IPs for `networks`, which match pod
# addresses too, anp:235-242; Node addresses and labels for `nodes`, anp:225-234). netverify says so (rows named
# as address-dependent, or the map unknown); under netpol-analyzer's tacit assumptions made explicit (no pod holds
# one of the policies' addresses, and there is a Node but no address in the rows is one of its) it must give
# netpol-analyzer's answer exactly.
ANP_ADDRESS_DEPENDENT = {
    "anp_and_banp_using_networks_and_nodes_test": "anp:235-242 (networks match pods), anp:225-234 (nodes)",
    "anp_and_banp_using_networks_test": "anp:235-242 (networks match pods)",
    "anp_and_banp_using_networks_with_ipv6_test": "anp:235-242 (networks match pods)",
    "anp_banp_test_multiple_warnings": "anp:225-234 (nodes); banp:202-211",
}
# netpol-analyzer drops IPv6 `networks` with a warning (DEVIATIONS.md, "IPv6 CIDRs"): its IPv4-only rows say
# nothing of IPv6, so netverify's IPv6 rows (which those CIDRs decide) are left out of the comparison.
ANP_IPV6_DROPPED = frozenset({"anp_and_banp_using_networks_with_ipv6_test", "anp_banp_test_multiple_warnings"})


def _anp_cluster(case: str):
    manifests = CONFORMANCE / "anp" / case / "manifests"
    if case not in ANP_MISSING_SELECTOR:
        return load_case(manifests)
    from netverify.load.limits import LoadLimits
    from netverify.load.manifests import load_cluster
    with pytest.raises(Exception, match="is required"):
        load_cluster([str(manifests)])
    cluster = load_cluster([str(manifests)], limits=LoadLimits(lenient=True))
    assert any("read as empty (--lenient)" in w for w in cluster.warnings), cluster.warnings
    return cluster


def _npa_assumptions(cluster):
    """netpol-analyzer's tacit address model, stated: every pod has an address no policy CIDR holds, and the
    cluster has a Node that no `nodes` selector picks, at an address no policy names."""
    from dataclasses import replace
    from netverify.model.anp import Node
    from netverify.model.span import Span
    workloads = tuple(replace(w, ips=(ipaddress.ip_address(f"100.64.{i // 250}.{i % 250 + 1}"),))
                      for i, w in enumerate(cluster.workloads))
    node = Node("npa-assumed-node", {"netverify.test/assumed": "yes"}, (ipaddress.ip_address("100.127.255.254"),),
                Span("<npa assumption>", 0))
    return replace(cluster, workloads=workloads, nodes=(node,))


def _without_ipv6(cmap: ConnectivityMap) -> ConnectivityMap:
    from dataclasses import replace
    keep = tuple(c for c in cmap.connections
                 if not any(isinstance(n, IPRangeNode) and ":" in n.start for n in (c.src, c.dst)))
    return replace(cmap, connections=keep)


def fold_replicas(facts: Flattened, cluster) -> tuple[Flattened, list[str]]:
    """The peer's granularity: one workload for pods netverify shows one by one (a StatefulSet's replicas carry
    per-pod labels). The peer assumes replicas alike, so every pod of a workload must have the same rows; then
    one pod's rows are the workload's, and traffic between pods of one workload is dropped."""
    base = {f"{w.namespace}/{w.display_name}": w.id for w in cluster.workloads}
    pods: dict[str, list[str]] = {}
    for entry, wid in base.items():
        pods.setdefault(wid, []).append(entry)
    out, wrong = Flattened(), []
    for (a, b), ports in facts.pairs.items():
        if base.get(a, a) != base.get(b, b):
            out.pairs.setdefault((base.get(a, a), base.get(b, b)), ports)
    for wa, entries_a in pods.items():
        for wb, entries_b in pods.items():
            if wa != wb:
                seen = {str(facts.pairs.get((x, y), {})) for x in entries_a for y in entries_b}
                if len(seen) > 1:
                    wrong.append(f"{wa} -> {wb}: its pods differ ({sorted(seen)})")
    for (entry, side), rows in facts.ips.items():
        wid = base.get(entry, entry)
        if (wid, side) not in out.ips:
            out.ips[(wid, side)] = rows
        elif out.ips[(wid, side)] != rows:
            wrong.append(f"{wid} ({side} addresses): its pods differ")
    return out, wrong


def _compare(case: str, cluster, cmap: ConnectivityMap) -> list[str]:
    expected = json.loads((CONFORMANCE / "anp" / case / "expected.json").read_text())
    theirs = {w for w in workload_ids(expected) if "/" in w}
    assert theirs <= {w.id for w in cluster.workloads}
    if case in ANP_IPV6_DROPPED:
        cmap = _without_ipv6(cmap)
    got, wrong = fold_replicas(actual_facts(cmap), cluster)
    return wrong + differences(expected_facts(expected, False), got)


@pytest.mark.parametrize("case", _cases("anp"))
def test_anp(case: str) -> None:
    if case in ANP_REFUSED:
        from netverify.load.limits import LoadLimits
        from netverify.load.manifests import load_cluster
        for limits in (None, LoadLimits(lenient=True)):
            with pytest.raises(Exception, match=ANP_REFUSED[case]):
                load_cluster([str(CONFORMANCE / "anp" / case / "manifests")], **({"limits": limits} if limits else {}))
        return
    cluster = _anp_cluster(case)
    cmap = connectivity_map(cluster)
    if case in ANP_ADDRESS_DEPENDENT:
        # as given: the rows that depend on addresses are said to (or the map is unknown), never guessed
        assert cmap.unknown_reason or any("depend on the address" in n for n in cmap.notes), (
            ANP_ADDRESS_DEPENDENT[case], cmap.notes)
        cluster = _npa_assumptions(cluster)
        cmap = connectivity_map(cluster)
    assert cmap.unknown_reason is None, cmap.unknown_reason
    diffs = _compare(case, cluster, cmap)
    assert not diffs, f"{len(diffs)} differences:\n" + "\n".join(diffs[:40])
