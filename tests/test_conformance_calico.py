"""Calico conformance: network-config-analyzer's Calico schemes (../shared/conformance/network-config-analyzer-calico/).

Every connectivity map NCA's suite expects goes through `map --granularity pod` under `--cni calico` and is
compared endpoint pair by endpoint pair, and address by address for the IP rows, over the endpoints NCA lists
(its README: NCA keeps at most two pods per owner and labels). Every decoded query netverify can express is
decided from netverify's maps over the same pods (test_query_*). The inputs are NCA's, read as its README and
tests/nca_calico.py say.

NCA is a model of Calico, not Calico (DEVIATIONS.md). Where its answer departs from Calico's documented
behaviour, netverify follows Calico: DEPARTURES lists each such map, why, and the Calico reference, and the
test checks that the maps differ exactly there. NOT_COMPARED lists each map that is not compared, with why.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pytest

import nca_calico as nca
from netverify.analyses.map import connectivity_map
from netverify.analyses.map_calico import SOURCE_PORT_NOTE, SourcePortDecide, source_port_starts
from netverify.analyses.map_pods import pods_of
from netverify.findings import ConnectivityMap
from netverify.load.manifests import load_cluster_from_texts
from netverify.model.cluster import Cluster
from netverify.model.semantics import Semantics

pytestmark = pytest.mark.skipif(not nca.ROOT.is_dir(), reason=f"conformance data not found at {nca.ROOT}")

CALICO = Semantics(cni="calico")


@dataclass(frozen=True)
class Departure:
    """A map where NCA's answer is not Calico's: netverify's differs from NCA's on exactly `pairs` endpoint pairs
    (and no address row), each of the kind `check` accepts."""

    pairs: int
    why: str
    reference: str


def _tie_order(line: str, cmap: ConnectivityMap) -> bool:
    # NCA lets the file-order-first policy's Pass reach the allow-all profile; by name the Deny has(k8s-app) of
    # testcase18-equivTo-... runs first and drops ingress from k8s-app pods into kube-system.
    return "-> kube-system/" in line and line.endswith("netverify nothing")


def _address_dependent(line: str, cmap: ConnectivityMap) -> bool:
    # The rows say "what some address allows" and the map names them as address-dependent.
    src, _, rest = line.partition(" -> ")
    dst = rest.split(":")[0]
    return (f"{src}[Pod]", f"{dst}[Pod]") in cmap.address_dependent


DEPARTURES: dict[str, tuple[Departure, object]] = {
    "calico_testcases_example_policies_testcase18-pass_testcase18-scheme/connectivity_map__np-pod-based-policies":
        (Departure(180, "four kube-system NetworkPolicies without `order` tie; Calico applies them in name order, "
                   "NCA in file order (its NetworkPolicy.__lt__ compares order only)",
                   "https://docs.tigera.io/calico/latest/reference/resources/networkpolicy (spec.order: "
                   "\"policies with equal order are applied in alphanumerical order based on the Policy Name\"); "
                   "projectcalico/calico felix/calc/policy_sorter.go PolKVLess"), _tie_order),
    "calico_testcases_example_policies_testcase16-nets_testcase16-scheme/connectivity_map_testcase16__"
    "equiv-ranges-containment-games_kube-system_testcase16-nets-almost-all-range-smaller":
        (Departure(252, "`nets` match pod addresses too; these pods have no address in the input, so Calico's answer "
                   "depends on it (Deny TCP to 0.0.0.0/2, then Allow TCP to 0.0.0.0/0): netverify shows what some "
                   "address allows and names each such row as address-dependent; NCA never matches pods by nets",
                   "https://docs.tigera.io/calico/latest/reference/resources/networkpolicy#entityrule (nets: "
                   "\"match packets with IP in any of the listed CIDRs\", pods' included); "
                   "api/pkg/apis/projectcalico/v3/policy_common.go EntityRule.Nets"), _address_dependent),
}

NOT_COMPARED: dict[str, str] = {
    "calico_testcases_example_policies_testcase15-ports_testcase15-with-ingress-scheme/"
    "connectivity_map__global-not-simple-with-ingress":
        "its connections carry HTTP host/path from Ingress objects (an ingress-controller layer netverify does not "
        "model); not expanded upstream",
    "calico_testcases_example_policies_testcase15-ports_testcase15-with-ingress-scheme/"
    "connectivity_map__global-simple-with-ingress": "as global-not-simple-with-ingress: Ingress objects' HTTP layer",
    "calico_testcases_example_policies_testcase15-ports_testcase15-with-ingress-scheme/connectivity_map__ip":
        "as global-not-simple-with-ingress: Ingress objects' HTTP layer",
    "calico_testcases_example_policies_testcase19-profiles_testcase19-scheme/"
    "connectivity_map_with_labels_to_apply__np9-cnc-fe-between-namespaces-with-label-to-apply":
        "kns.<ns> Profiles written by hand, with rules and labelsToApply other than Calico generates (etcd "
        "datastore only): netverify's Calico layer does not model a Profile's own rules or labels and is unknown "
        "where they decide (eval/calico_profiles.py), where NCA applies them (DEVIATIONS.md: Calico drops what no "
        "profile accepts, felix/rules/endpoints.go)",
}


def _key(path: Path) -> str:
    return f"{path.parent.parent.name}/{path.stem}"


@cache
def load(scheme: str, files: str, policy_filter: str | None) -> Cluster:
    return load_cluster_from_texts(nca.config_texts(nca.ROOT / scheme, json.loads(files), policy_filter))


def cluster_of(scheme: Path, files: dict, policy_filter: str | None) -> Cluster:
    return load(scheme.name, json.dumps(files, sort_keys=True), policy_filter)


@cache
def _map(scheme: str, files: str, policy_filter: str | None) -> ConnectivityMap:
    return connectivity_map(load(scheme, files, policy_filter), granularity="pod", families=(4, 6),
                            semantics=CALICO)


def map_of(scheme: Path, files: dict, policy_filter: str | None) -> ConnectivityMap:
    return _map(scheme.name, json.dumps(files, sort_keys=True), policy_filter)


def pod_ids(cluster: Cluster) -> set[str]:
    return {f"{w.namespace}/{name}" for w in cluster.workloads for name, _ in pods_of(w)}


MAPS = [p for p in nca.map_answers() if json.loads(p.read_text()).get("expanded")]
UNEXPANDED = [p for p in nca.map_answers() if not json.loads(p.read_text()).get("expanded")]


def test_every_map_is_compared_or_listed():
    assert MAPS or not nca.ROOT.is_dir()
    for path in UNEXPANDED:
        assert _key(path) in NOT_COMPARED, f"{_key(path)}: not expanded upstream; list it with the reason"
    assert set(NOT_COMPARED) <= {_key(p) for p in nca.map_answers()}, "a listed map no longer exists"
    assert set(DEPARTURES) <= {_key(p) for p in MAPS}


@pytest.mark.parametrize("path", [p for p in MAPS if _key(p) not in NOT_COMPARED], ids=_key)
def test_connectivity_map(path: Path):
    answer = json.loads(path.read_text())
    scheme = path.parent.parent
    cluster = cluster_of(scheme, answer["config_files"], answer.get("policy_filter"))
    endpoints = [e["id"] for e in answer["endpoints"]]
    missing = set(endpoints) - pod_ids(cluster)
    assert not missing, f"NCA endpoints netverify does not show as pods: {sorted(missing)[:5]}"
    policy_text = " ".join((scheme / rel).read_text() for rel in answer["config_files"].get("networkPolicyList", ()))
    assert not any(name in policy_text for name in nca.LONG_PORT_NAMES), "a dropped port name is named by a policy"
    cmap = map_of(scheme, answer["config_files"], answer.get("policy_filter"))
    assert cmap.unknown_reason is None, cmap.unknown_reason
    found = nca.differences(nca.expected_table(answer), nca.actual_table(cmap, set(endpoints)), endpoints)
    departure = DEPARTURES.get(_key(path))
    if departure is None:
        assert found == [], "\n".join(found[:20])
        return
    expected, check = departure
    assert len(found) == expected.pairs, "\n".join(found[:20])
    assert all(check(line, cmap) for line in found), [line for line in found if not check(line, cmap)][:5]



# ---- queries ------------------------------------------------------------------------------------------
# Decided from netverify's maps over NCA's pods (pairs and address rows), per NCA's number meaning:
# equivalence (pairs i<j whose maps differ), twoWayContainment (3/2/1/0 per pair), containment (configs i>=1
# whose map is within config 0's), vacuity (configs whose map equals the map without their policies),
# permits (spec configs i>=1 whose map is not within config 0's) and forbids (spec configs i>=1 whose map
# meets config 0's).
QUERY_TYPES = {"equivalence", "twoWayContainment", "containment", "vacuity", "permits", "forbids"}

# Query types netverify cannot express, with why.
NOT_EXPRESSIBLE_TYPES = {
    "sanity": "NCA's lint of policies (empty, redundant, conflicting rules): no netverify property states it",
    "redundancy": "whether a policy or rule changes nothing: a lint over rules, not a property of connections",
    "emptiness": "policies or rules that select nothing: a lint over rules (netverify warns on vacuous properties)",
    "interferes": "needs NCA's 'captured endpoints' of a config: which pods a policy selects, not what they reach",
    "pairwiseInterferes": "as interferes, for every ordered pair of policies",
    "disjointness": "policy pairs that select a common endpoint: a lint over selections, not connections",
    "allCaptured": "endpoints no policy selects: a lint over selections, not connections",
    "semanticDiff": "NCA's textual report of differences (no decoded verdict)",
    "connectivityMap": "compared as maps above (test_connectivity_map)",
}

ICMP_ONLY = ("the configs differ in ICMP only; netverify's map lists TCP, UDP and SCTP (ICMP and the other IP "
             "protocols are issue 11's protocol item, branch proto)")
PROFILES = ("kns.<ns> Profiles written by hand with labelsToApply other than Calico generates (etcd datastore "
            "only): netverify is unknown where a selector reads such a label (see NOT_COMPARED, testcase19)")
EXPLICIT = ("NCA's permits/forbids read the spec config's *explicitly* allowed connections (allowed by a rule, not "
            "by the default allow of endpoints no policy captures); netverify's map has no such notion, here the "
            "spec allows everything by default and nothing explicitly")
HOST_ENDPOINTS = ("HostEndpoints are NCA endpoints (`None/<name>`) but no row of netverify's map: a HostEndpoint "
                  "governs node traffic, which netverify does not model (fail closed where it decides pod traffic)")
ISTIO = ("the configs hold Istio (AuthorizationPolicy, Sidecar, ...) or Ingress objects: layers netverify does "
         "not model")
BARE_ADDRESS = ("netverify's loader refuses a `nets` entry without a prefix length ('0.0.0.0', 'aa00::ffff'); "
                "Calico's API reads it as a /32 or /128 (libcalico-go lib/net IPNet.UnmarshalJSON, ParseCIDROrIP): "
                "reported for the loader")
MIXED_FAMILIES = "input Calico's API server refuses: a rule whose nets mix IPv4 and IPv6 CIDRs (validator.go)"
GLOBAL_COMBINED = "input Calico's API server refuses: global() combined with other selector terms"

QUERY_EXCEPTIONS: dict[tuple[str, str], str] = {
    ("testcase14-icmp_testcase14-scheme", "non_equiv_only_between_namespaces_match_also_within_default"): ICMP_ONLY,
    ("testcase14-icmp_testcase14-scheme", "non_equiv_match_icmp_notICMP"): ICMP_ONLY,
    ("testcase14-icmp_testcase14-scheme", "icmp_no_type_no_contained_in_icmp_limited"): ICMP_ONLY,
    ("testcase1_testcase1-scheme", "non_equiv_local_and_global_different_protocol"): ICMP_ONLY,
    ("testcase1_testcase1-scheme", "non_equiv_locals_different_protocol"): ICMP_ONLY,
    ("testcase19-profiles_testcase19-scheme", "equiv_with_artificial_labels_to_apply"): PROFILES,
    ("testcase19-profiles_testcase19-scheme", "non_equiv_with_missing_label_to_apply"): PROFILES,
    ("testcase19-profiles_testcase19-scheme", "equiv_via_policies_via_labels_to_apply"): PROFILES,
    ("testcase22-forbids-permits_testcase22-scheme", "empty-policy-profiles-allow-all-is-permited"): EXPLICIT,
    ("testcase22-forbids-permits_testcase22-scheme", "empty-policy-profiles-allow-all-is-forbidden"): EXPLICIT,
    **{("testcase16-nets_testcase16-scheme", name): BARE_ADDRESS for name in (
        "no_equiv_all_range_with_almost_all_with_deny", "no_equiv_all_range_with_almost_all_with_deny-ipv6",
        "contain_equiv_almost_all_range_and_smaller", "contain_equiv_almost_all_range_and_smaller-ipv6",
        "contaiment_nets_not_nets_games")},
    **{("testcase16-nets_testcase16-scheme", name): MIXED_FAMILIES for name in (
        "equiv_all_range1", "equiv_all_range1_yaml", "equiv_all_range1_json", "contained_all_ranges_not_specifiying",
        "contaiment1", "contaiment1-ipv6", "contained_no_fields_all_range", "no_contained_all_range_no_field")},
    ("testcase24-selector-expression_testcase24-new-scheme", "equiv"): GLOBAL_COMBINED,
    ("testcase24-selector-expression_testcase24-scheme", "equiv"): GLOBAL_COMBINED,
    ("testcase24-selector-expression_testcase24-scheme", "nonEquiv"): GLOBAL_COMBINED,
}
_PREFIX = "calico_testcases_example_policies_"


def _queries() -> list[dict]:
    path = nca.ROOT / "queries.jsonl"
    if not path.is_file():
        return []
    return [q for q in map(json.loads, path.read_text().splitlines()) if q.get("decoded")]


def _query_id(q: dict) -> str:
    return f"{q['scheme_dir'].removeprefix(_PREFIX)}::{q['name']}"


def _holds(q: dict, *kinds: str) -> bool:
    """Whether an input of the query's configs holds an object of one of `kinds`."""
    return any(obj.get("kind") in kinds for files in q["config_files"].values() for group in files.values()
               for rel in group for obj in nca.documents(nca.ROOT / q["scheme_dir"] / rel))


def test_every_decoded_query_is_decided_or_listed():
    for q in _queries():
        assert q["type"] in QUERY_TYPES or q["type"] in NOT_EXPRESSIBLE_TYPES, q["type"]
    known = {(q["scheme_dir"].removeprefix(_PREFIX), q["name"]) for q in _queries()}
    assert set(QUERY_EXCEPTIONS) <= known, set(QUERY_EXCEPTIONS) - known


def _table(q: dict, config: str, without_policies: bool = False):
    base_filter = nca.split_config(config)[1]
    scheme = nca.ROOT / q["scheme_dir"]
    files = q["config_files"][config]
    policy_filter = "\x00no policy" if without_policies else base_filter
    cmap = map_of(scheme, files, policy_filter)
    return nca.actual_table(cmap, pod_ids(cluster_of(scheme, files, policy_filter))), cmap.unknown_reason


_COMPARED_PER_SOURCE_PORT = ("equivalence", "twoWayContainment", "containment", "permits")


def _source_port_tables(q: dict) -> list[list]:
    """Per config, its tables for one source port of each cell the configs' Calico rules cut source ports into
    (the same ports for every config): a map row shows what *some* source port allows (map_calico), so where a
    verdict depends on the source port, two configs compare exactly only source port by source port."""
    clusters = [cluster_of(nca.ROOT / q["scheme_dir"], q["config_files"][c], nca.split_config(c)[1])
                for c in q["configs"]]
    starts = sorted({sp for c in clusters for sp in source_port_starts(c, ())})
    return [[nca.actual_table(connectivity_map(c, granularity="pod", families=(4, 6), semantics=CALICO,
                                               decide=SourcePortDecide(c, CALICO, (sp,))), pod_ids(c))
             for sp in starts] for c in clusters]


def netverify_number(q: dict) -> tuple[int, str | None]:
    """NCA's number for the query, from netverify's maps; and why netverify cannot tell, if it cannot."""
    tables = [_table(q, c) for c in q["configs"]]
    unknown = next((why for _, why in tables if why), None)
    maps = [t for t, _ in tables]
    endpoints = sorted({ep for t in maps for pair in t.pairs for ep in pair} | {ep for t in maps for ep, _ in t.ip_rows}
                       | {ep for c in q["configs"] for ep in pod_ids(cluster_of(
                           nca.ROOT / q["scheme_dir"], q["config_files"][c], nca.split_config(c)[1]))})
    depends = any(n.startswith(SOURCE_PORT_NOTE.split(":")[0])
                  for c in q["configs"]
                  for n in map_of(nca.ROOT / q["scheme_dir"], q["config_files"][c], nca.split_config(c)[1]).notes)
    per_port = _source_port_tables(q) if depends and q["type"] in _COMPARED_PER_SOURCE_PORT else None

    def le(a, b) -> bool:
        if per_port is not None:  # a, b are indices then
            return all(nca.contained(x, y, endpoints) for x, y in zip(per_port[a], per_port[b]))
        return nca.contained(a, b, endpoints)

    if per_port is not None:
        maps = list(range(len(maps)))

    k, kind = len(maps), q["type"]
    pairs = [(i, j) for i in range(k) for j in range(i + 1, k)]
    if kind == "equivalence":
        return sum(1 for i, j in pairs if not (le(maps[i], maps[j]) and le(maps[j], maps[i]))), unknown
    if kind == "twoWayContainment":
        def score(a, b) -> int:
            x, y = le(a, b), le(b, a)
            return 3 if x and y else 2 if x else 1 if y else 0
        return sum(score(maps[i], maps[j]) for i, j in pairs), unknown
    if kind == "containment":
        return sum(1 for i in range(1, k) if le(maps[i], maps[0])), unknown
    if kind == "permits":
        return sum(1 for i in range(1, k) if not le(maps[i], maps[0])), unknown
    if kind == "forbids":
        return sum(1 for i in range(1, k) if nca.meet(maps[i], maps[0], endpoints)), unknown
    assert kind == "vacuity"
    bare = [_table(q, c, without_policies=True)[0] for c in q["configs"]]
    return sum(1 for a, b in zip(maps, bare) if le(a, b) and le(b, a)), unknown


def _query_params(fast: bool) -> list:
    out = []
    for q in _queries():
        if q["type"] not in QUERY_TYPES:
            continue
        # The default suite decides the queries of the small schemes; the slow run decides all of them.
        small = any(s in q["scheme_dir"] for s in ("testcase10_", "testcase2_", "testcase25-"))
        if small == fast:
            out.append(pytest.param(q, id=_query_id(q)))
    return out


def _check_query(q: dict) -> None:
    listed = QUERY_EXCEPTIONS.get((q["scheme_dir"].removeprefix(_PREFIX), q["name"]))
    if listed is None and _holds(q, "AuthorizationPolicy", "Sidecar", "Ingress", "Gateway", "VirtualService"):
        listed = ISTIO
    if listed is None and _holds(q, "HostEndpoint"):
        listed = HOST_ENDPOINTS
    if listed is not None:
        pytest.skip(listed)
    number, unknown = netverify_number(q)
    if unknown is not None:
        pytest.skip(f"netverify says unknown for a config of this query (never a guess): {unknown[:300]}")
    assert number == q["expected"], f"{q['decoded']}: NCA {q['expected']}, netverify {number}"


@pytest.mark.parametrize("q", _query_params(fast=True))
def test_query(q: dict):
    _check_query(q)


@pytest.mark.slow
@pytest.mark.parametrize("q", _query_params(fast=False))
def test_query_slow(q: dict):
    _check_query(q)
