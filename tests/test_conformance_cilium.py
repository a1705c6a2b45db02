"""Cilium's own `cilium connectivity test` policies (L3/L4), probe by probe.

../shared/conformance/cilium-connectivity holds 18 of cilium-cli's tests (144 probes): the workloads
(cluster.yaml), each test's policies (manifests/, unchanged upstream YAML that names no namespace: read with
`--namespace cilium-test`) and the verdicts the suite's Go code expects (expected.json). Replayed as its README
says: each test stands alone (cluster.yaml plus that test's policies); every Pod carries
`probe.netverify.test/pod: <name>`; one property per probe (scope existing; allowed -> reachable, denied ->
unreachable; a PodToCIDR destination is `ipBlock: <dst_ip>/32`); one `netverify prove --format json --cni
cilium` run per test. A probe passes when its property is proven.

The oracle annotation on the pods (`netverify.oracle/cilium-identity-labels`) is not read by netverify: it
derives the identity labels itself (model/cilium.identity_labels); test_identity_labels_match_the_oracle checks
that the derivation agrees with it.

Skipped, each with its reason:
- the whole module when ../shared is absent (the data is not part of this repository), or while the kinds table
  does not list CiliumNetworkPolicy as modelled (every result would be unknown by design);
- the ClientToClient probes (ICMP echo, 36 of 144, as `protocol: ICMP, icmpType: 8`) only where a property
  cannot name ICMP (a build without the protocols item; test_icmp_probes then says so); test_tcp_probes skips
  the two tests whose probes are all ICMP (test_icmp_probes runs them).
"""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from netverify.cli import app
from netverify.model.kinds import MODELLED

needs_cilium_modelled = pytest.mark.skipif(
    ("cilium.io", "CiliumNetworkPolicy") not in MODELLED,
    reason="the kinds table (model/kinds.py MODELLED) does not list CiliumNetworkPolicy as modelled yet")

needs_cilium_smt = pytest.mark.skipif(
    importlib.util.find_spec("netverify.smt.cilium") is None,
    reason="the Cilium layer has no SMT encoder yet (smt/cilium.py, issue 12's core item): prove cannot run")

SUITE = Path(__file__).resolve().parents[2] / "shared" / "conformance" / "cilium-connectivity"
if not (SUITE / "expected.json").is_file():
    pytest.skip(f"Cilium connectivity conformance data not found at {SUITE} (the shared folder next to the repo)",
                allow_module_level=True)

NAMESPACE = "cilium-test"
PROBE_LABEL = "probe.netverify.test/pod"
EXPECT = {"allowed": "reachable", "denied": "unreachable"}
ORACLE = "netverify.oracle/cilium-identity-labels"
EXPECTED = json.loads((SUITE / "expected.json").read_text())
CASES = {case["test"]: case for case in EXPECTED["cases"]}


ICMP_ECHO = {"protocol": "ICMP", "icmpType": 8}  # cilium-cli's ClientToClient is a ping: an ICMP echo request


def _icmp_expressible() -> bool:
    """Whether a property can name an ICMP echo (the protocols item of issues 11/12 adds it)."""
    from netverify.load.properties_schema import StrictPort

    try:
        StrictPort.model_validate(ICMP_ECHO)
    except ValueError:
        return False
    return True


def is_icmp(probe: dict) -> bool:
    return probe["protocol"] == "ICMP"


def state_documents() -> list[dict]:
    """cluster.yaml with every Pod carrying the probe label."""
    docs = [d for d in yaml.safe_load_all((SUITE / "cluster.yaml").read_text()) if d]
    for doc in docs:
        if doc["kind"] == "Pod":
            doc["metadata"].setdefault("labels", {})[PROBE_LABEL] = doc["metadata"]["name"]
    return docs


def _endpoint(probe: dict, side: str) -> dict:
    if side == "dst" and probe["dst_ip"] is not None:
        return {"ipBlock": {"cidr": f"{probe['dst_ip']}/32"}}
    namespace, name = probe[side].split("/", 1)
    return {"namespace": namespace, "podSelector": {"matchLabels": {PROBE_LABEL: name}}}


def _ports(probe: dict) -> list[dict]:
    if is_icmp(probe):
        return [dict(ICMP_ECHO)]
    return [{"protocol": probe["protocol"], "port": probe["port"]}]


def properties_for(probes: list[dict]) -> dict:
    return {"manifests": ["state.yaml"], "properties": [
        {"name": f"p{i}", "from": _endpoint(p, "src"), "to": _endpoint(p, "dst"), "ports": _ports(p),
         "expect": EXPECT[p["expected"]], "scope": "existing"}
        for i, p in enumerate(probes)
    ]}


def prove_case(tmp_path: Path, test: str, probes: list[dict]) -> tuple[dict[str, dict], str]:
    """(each property's result by name, the raw output) of one `prove --format json` run over `probes`."""
    (tmp_path / "state.yaml").write_text(yaml.safe_dump_all(state_documents(), sort_keys=False))
    (tmp_path / "props.yaml").write_text(yaml.safe_dump(properties_for(probes), sort_keys=False))
    policies = [a for p in CASES[test]["policies"] for a in ("-f", str(SUITE / p))]
    out = CliRunner().invoke(app, ["prove", str(tmp_path / "props.yaml"), *policies, "--format", "json",
                                   "--namespace", NAMESPACE, "--cni", "cilium"])
    assert out.exit_code in (0, 1, 3), f"exit {out.exit_code}: {out.output[-2000:]}"
    return {r["name"]: r for r in json.loads(out.stdout)["results"]}, out.output


def failing_probes(probes: list[dict], results: dict[str, dict]) -> list[str]:
    wrong = []
    for i, probe in enumerate(probes):
        r = results[f"p{i}"]
        if r["status"] != "proven":
            why = r.get("reason") or (r.get("counterexample") or {}).get("summary") or ""
            wrong.append(f"{probe['scenario']} {probe['src']} -> {probe['dst']} {probe['protocol']}/{probe['port']}"
                         f" expected {probe['expected']} (egress {probe['egress_result']}, ingress "
                         f"{probe['ingress_result']}): {r['status']} {why}")
    return wrong


def probe_flow(cluster, probe: dict):
    """The probe as one concrete connection between the suite's pods (or to its external address)."""
    import ipaddress

    from netverify.eval.concrete import endpoint_of
    from netverify.model.flow import ExternalEndpoint, Flow
    from netverify.model.ports import Protocol

    by_name = {f"{w.namespace}/{w.name}": w for w in cluster.workloads}
    src = endpoint_of(cluster, by_name[probe["src"]])
    dst = (ExternalEndpoint(ipaddress.ip_address(probe["dst_ip"])) if probe["dst_ip"] is not None
           else endpoint_of(cluster, by_name[probe["dst"]]))
    if is_icmp(probe):  # a ping: an echo request, code 0
        return Flow(src, dst, Protocol("ICMP"), 0, icmp_type=ICMP_ECHO["icmpType"], icmp_code=0)
    return Flow(src, dst, Protocol(probe["protocol"]), probe["port"])


@needs_cilium_modelled
@pytest.mark.parametrize("test", list(CASES))
def test_tcp_probes_by_the_evaluator(test: str) -> None:
    """The reference evaluator alone, probe by probe (what prove's witnesses are re-checked against): the TCP
    and PodToCIDR probes, and the ICMP ones once a connection can be ICMP."""
    from netverify.eval.concrete import evaluate
    from netverify.load.manifests import load_cluster
    from netverify.model.semantics import Semantics

    cluster = load_cluster([str(SUITE / "cluster.yaml"), *(str(SUITE / p) for p in CASES[test]["policies"])],
                           default_namespace=NAMESPACE)
    wrong = []
    for probe in CASES[test]["probes"]:
        if is_icmp(probe) and not _icmp_expressible():
            continue
        verdict = evaluate(cluster, probe_flow(cluster, probe), semantics=Semantics(cni="cilium"))
        got = "allowed" if verdict.allowed else "denied" if verdict.outcomes == {"deny"} else "unknown"
        if got != probe["expected"]:
            wrong.append(f"{probe['src']} -> {probe['dst']} {probe['protocol']}/{probe['port']}: expected "
                         f"{probe['expected']}, got {got} ({verdict.unknown_reason or ''})")
    assert not wrong, "\n".join(wrong)


@needs_cilium_modelled
@needs_cilium_smt
@pytest.mark.parametrize("test", list(CASES))
def test_tcp_probes(tmp_path: Path, test: str) -> None:
    probes = [p for p in CASES[test]["probes"] if not is_icmp(p)]
    if not probes:
        pytest.skip(f"{test} has ICMP probes only (test_icmp_probes)")
    results, _ = prove_case(tmp_path, test, probes)
    wrong = failing_probes(probes, results)
    assert not wrong, f"{len(wrong)} of {len(probes)} probes wrong:\n" + "\n".join(wrong)


@needs_cilium_modelled
@needs_cilium_smt
@pytest.mark.parametrize("test", [t for t, c in CASES.items() if any(is_icmp(p) for p in c["probes"])])
def test_icmp_probes(tmp_path: Path, test: str) -> None:
    if not _icmp_expressible():
        pytest.skip("a property cannot name ICMP yet (properties ports protocol: ICMP, the protocols item)")
    probes = [p for p in CASES[test]["probes"] if is_icmp(p)]
    results, _ = prove_case(tmp_path, test, probes)
    wrong = failing_probes(probes, results)
    assert not wrong, f"{len(wrong)} of {len(probes)} probes wrong:\n" + "\n".join(wrong)


def test_the_suite_is_whole() -> None:
    """18 tests and 144 probes (92 allowed, 52 denied; 36 of them ICMP), as the README says: a probe lost in
    the replay would pass silently."""
    probes = [p for c in CASES.values() for p in c["probes"]]
    assert len(CASES) == 18 and len(probes) == EXPECTED["probe_count"] == 144
    assert sum(p["expected"] == "allowed" for p in probes) == 92
    assert sum(is_icmp(p) for p in probes) == 36
    assert all(len(c["probes"]) == c["allowed"] + c["denied"] for c in CASES.values())


def test_identity_labels_match_the_oracle() -> None:
    """netverify's identity labels of each workload are the ones the suite's converter wrote down."""
    from netverify.load.manifests import load_cluster
    from netverify.model.cilium import identity_labels

    cluster = load_cluster([str(SUITE / "cluster.yaml")])
    oracle = {(d["metadata"]["namespace"], d["metadata"]["name"]): json.loads(d["metadata"]["annotations"][ORACLE])
              for d in yaml.safe_load_all((SUITE / "cluster.yaml").read_text()) if d and d["kind"] == "Pod"}
    seen = {}
    for w in cluster.workloads:
        seen[(w.namespace, w.name)] = identity_labels(w.labels, w.namespace, cluster.namespaces[w.namespace].labels,
                                                      w.service_account, "default")
    assert seen == oracle
