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
        "user-written Profiles with rules and labelsToApply (etcd datastore only): netverify's Calico layer ends "
        "the chain with the kns.<ns> allow of the Kubernetes datastore and does not apply labelsToApply, so it is "
        "neither NCA's answer nor Calico's here (DEVIATIONS.md: Calico drops what no profile accepts, "
        "felix/rules/endpoints.go)",
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

