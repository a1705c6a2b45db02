"""Live clusters (`-f cluster:`): read through the kubernetes client from a stand-in API server on loopback.

What a user sees: the cluster reads as its manifests would (same model), every page of a long list is read,
a policy kind the account may not list makes results unknown (naming the kind and the verb), other kinds are
a note, and an unreachable/slow/failing server or refused credentials is one clear error, exit 2.
"""

from __future__ import annotations

import dataclasses
import json
import sys
from pathlib import Path

import pytest
import yaml

pytest.importorskip("kubernetes", reason="netverify[live] (the kubernetes client) is not installed")

from fake_apiserver import FakeApiServer, FakeCluster, Served  # noqa: E402

from netverify.analyses.prove import prove  # noqa: E402
from netverify.errors import UsageError  # noqa: E402
from netverify.load.live_client import LiveTarget  # noqa: E402
from netverify.load.manifests import load_cluster  # noqa: E402
from netverify.load.properties import load_properties  # noqa: E402
from netverify.load.sources import load_source  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
SHOP = ROOT / "examples" / "shop"


def shop_cluster() -> FakeCluster:
    """The example's manifests, served as a cluster would serve them."""
    cluster = FakeCluster()
    for path in sorted(SHOP.rglob("*.yaml")):
        for doc in yaml.safe_load_all(path.read_text()):
            if doc:
                cluster.add(doc)
    return cluster


def _no_spans(value):
    """A model object with every span (file:line) blanked: live objects have other names and no lines."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        changes = {f.name: (None if f.name == "span" else _no_spans(getattr(value, f.name)))
                   for f in dataclasses.fields(value) if f.init}
        return type(value)(**changes)
    if isinstance(value, tuple):
        return tuple(_no_spans(v) for v in value)
    if isinstance(value, dict):
        return {k: _no_spans(v) for k, v in value.items()}
    return value


@pytest.fixture
def shop_server(tmp_path: Path):
    with FakeApiServer(shop_cluster()) as server:
        yield server, server.kubeconfig(tmp_path)


@dataclasses.dataclass
class Ran:
    returncode: int
    stdout: str
    stderr: str


def run_cli(*args: str) -> Ran:
    """The CLI in this process (the stand-in server runs in a thread of it)."""
    from typer.testing import CliRunner

    from netverify.cli import app

    result = CliRunner().invoke(app, list(args))
    return Ran(result.exit_code, result.stdout, result.stderr)


# ---- what is read ----------------------------------------------------------------------------------


def test_a_cluster_reads_as_its_manifests_do(shop_server) -> None:
    server, kubeconfig = shop_server
    from_files = load_cluster([str(SHOP)])
    live = load_cluster(["cluster:"], live=LiveTarget(kubeconfig=str(kubeconfig), page_size=3))
    assert _no_spans(live.policies) == _no_spans(from_files.policies)
    assert _no_spans(live.namespaces) == _no_spans(from_files.namespaces)
    assert sorted(map(repr, _no_spans(live.workloads))) == sorted(map(repr, _no_spans(from_files.workloads)))
    assert _no_spans(live.services) == _no_spans(from_files.services)
    # Every object is named by where it came from: the context, its kind, namespace and name.
    spans = {str(p.span) for p in live.policies}
    assert "cluster:kind-test:NetworkPolicy/data/allow-postgres-from-backends" in spans
    assert all(str(w.span).startswith("cluster:kind-test:") for w in live.workloads)


def test_every_page_of_a_long_list_is_read(tmp_path: Path) -> None:
    cluster = FakeCluster()
    for i in range(7):
        cluster.add({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": f"p{i}", "namespace": "ns",
                     "labels": {"app": f"a{i}"}}, "spec": {"containers": [{"name": "c", "image": "x"}]},
                     "status": {"podIP": f"10.0.0.{i}"}})
    with FakeApiServer(cluster) as server:
        live = load_cluster(["cluster:"], live=LiveTarget(kubeconfig=str(server.kubeconfig(tmp_path)), page_size=3))
    assert sorted(w.name for w in live.workloads) == [f"p{i}" for i in range(7)]
    pages = cluster.list_requests("Pod")
    assert [q.get("continue") for q in pages] == [None, "3", "6"]
    assert all(q["limit"] == "3" for q in pages)


def test_policy_kinds_the_cluster_serves_are_read_with_no_code_per_kind(tmp_path: Path) -> None:
    """A kind of model/kinds.py's table that the cluster serves (a CRD) is listed and judged like a file's."""
    cluster = FakeCluster()
    # (Cilium's and Calico's kinds are modelled now: a kind the table judges but netverify does not model)
    cluster.resources.append(Served("k8s.cni.cncf.io", "v1beta1", "MultiNetworkPolicy", "multi-networkpolicies",
                                    True))
    cluster.add({"apiVersion": "k8s.cni.cncf.io/v1beta1", "kind": "MultiNetworkPolicy",
                 "metadata": {"name": "l7", "namespace": "web"}, "spec": {"podSelector": {}}})
    with FakeApiServer(cluster) as server:
        live = load_cluster(["cluster:"], live=LiveTarget(kubeconfig=str(server.kubeconfig(tmp_path))))
    (obj,) = live.unmodelled
    assert (obj.kind, obj.namespace, obj.name) == ("MultiNetworkPolicy", "web", "l7")
    assert str(obj.span) == "cluster:kind-test:MultiNetworkPolicy/web/l7"


def test_an_object_served_by_two_groups_is_read_once(tmp_path: Path) -> None:
    """Old clusters serve NetworkPolicies as extensions/v1beta1 too: the same objects (same uid), not duplicates."""
    cluster = FakeCluster()
    cluster.resources.append(Served("extensions", "v1beta1", "NetworkPolicy", "networkpolicies", True))
    policy = {"metadata": {"name": "deny", "namespace": "a", "uid": "u-1"}, "spec": {"podSelector": {}}}
    cluster.add({"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy", **policy})
    cluster.add({"apiVersion": "extensions/v1beta1", "kind": "NetworkPolicy", **policy})
    with FakeApiServer(cluster) as server:
        live = load_cluster(["cluster:"], live=LiveTarget(kubeconfig=str(server.kubeconfig(tmp_path))))
    assert [p.name for p in live.policies] == ["deny"]
    assert cluster.list_requests("NetworkPolicy")  # both were asked for


def test_a_refused_discovery_of_a_policy_group_fails_closed(tmp_path: Path) -> None:
    cluster = shop_cluster()
    cluster.resources.append(Served("cilium.io", "v2", "CiliumNetworkPolicy", "ciliumnetworkpolicies", True))
    cluster.failures["/apis/cilium.io/v2"] = 403
    with FakeApiServer(cluster) as server:
        report, live = _prove_live(server, server.kubeconfig(tmp_path), tmp_path)
    assert {(u.kind, u.verb, u.resource_name) for u in live.unlisted} >= {
        ("CiliumNetworkPolicy", "get", "ciliumnetworkpolicies.cilium.io")}
    assert all(r.status == "unknown" for r in report.results if r.status != "vacuous")


def test_cluster_and_files_combine_and_a_context_is_chosen_by_name(shop_server, tmp_path: Path) -> None:
    server, _ = shop_server
    kubeconfig = server.kubeconfig(tmp_path, context="prod", extra_contexts=("staging",))
    extra = tmp_path / "extra.yaml"
    extra.write_text("apiVersion: v1\nkind: Pod\nmetadata: {name: debug, namespace: web}\n"
                     "spec: {containers: [{name: c, image: x}]}\n")
    live = load_cluster(["cluster:staging", str(extra)], live=LiveTarget(kubeconfig=str(kubeconfig)))
    assert any(w.name == "debug" and w.span.file == str(extra) for w in live.workloads)
    assert any(str(p.span).startswith("cluster:staging:NetworkPolicy/") for p in live.policies)


# ---- refused lists: fail closed for policy kinds ----------------------------------------------------


def _prove_live(server, kubeconfig: Path, tmp_path: Path, ignored=frozenset()):
    props_file = tmp_path / "props.yaml"
    props_file.write_text((ROOT / "properties" / "isolation.yaml").read_text().replace(
        "manifests: [../examples/shop]", "manifests: ['cluster:']"))
    props = load_properties(str(props_file))
    assert props.manifests == ("cluster:",)
    cluster = load_cluster(list(props.manifests), live=LiveTarget(kubeconfig=str(kubeconfig)))
    return prove(cluster, props, ignore_kinds=ignored), cluster  # prove judges refused lists itself


def test_a_refused_network_policy_list_makes_every_result_unknown(shop_server, tmp_path: Path) -> None:
    server, kubeconfig = shop_server
    server.cluster.failures[server.cluster.resource("NetworkPolicy").path] = 403
    report, cluster = _prove_live(server, kubeconfig, tmp_path)
    assert cluster.policies == ()  # nothing was read, and nothing may be concluded from that
    judged = [r for r in report.results if r.status != "vacuous"]
    assert judged and all(r.status == "unknown" for r in judged)
    for r in judged:
        assert "NetworkPolicy" in r.reason and "list networkpolicies.networking.k8s.io" in r.reason
        assert r.counterexample is None and r.witness is None


def test_the_cli_exits_3_on_a_refused_policy_list_and_names_kind_and_verb(shop_server) -> None:
    server, kubeconfig = shop_server
    server.cluster.failures[server.cluster.resource("NetworkPolicy").path] = 403
    proc = run_cli("map", "-f", "cluster:", "--kubeconfig", str(kubeconfig))
    assert proc.returncode == 3, proc.stderr
    assert "UNKNOWN" in proc.stdout + proc.stderr
    assert "may not list networkpolicies.networking.k8s.io (HTTP 403)" in proc.stdout + proc.stderr


def test_prove_through_the_cli_is_unknown_on_a_refused_policy_list(shop_server, tmp_path: Path) -> None:
    # prove judges refused lists itself (library and CLI alike): a merge once dropped the CLI's judging.
    server, kubeconfig = shop_server
    server.cluster.failures[server.cluster.resource("NetworkPolicy").path] = 403
    props = tmp_path / "props.yaml"
    props.write_text((ROOT / "properties" / "isolation.yaml").read_text().replace("../examples/shop", "\"cluster:\""))
    proc = run_cli("prove", str(props), "--kubeconfig", str(kubeconfig), "--format", "json")
    assert proc.returncode == 3, proc.stderr
    statuses = {r["status"] for r in json.loads(proc.stdout)["results"]}
    assert statuses <= {"unknown", "vacuous"} and "unknown" in statuses


def test_a_refused_unmodelled_policy_kind_fails_closed_unless_its_risk_is_accepted(tmp_path: Path) -> None:
    cluster = shop_cluster()
    cluster.resources.append(Served("cilium.io", "v2", "CiliumNetworkPolicy", "ciliumnetworkpolicies", True))
    cluster.failures["/apis/cilium.io/v2/ciliumnetworkpolicies"] = 403
    with FakeApiServer(cluster) as server:
        kubeconfig = server.kubeconfig(tmp_path)
        report, _ = _prove_live(server, kubeconfig, tmp_path)
        assert all(r.status == "unknown" for r in report.results if r.status != "vacuous")
        assert all("CiliumNetworkPolicy" in r.reason for r in report.results if r.status == "unknown")
        accepted, _ = _prove_live(server, kubeconfig, tmp_path, frozenset({("cilium.io", "CiliumNetworkPolicy")}))
    statuses = {r.status for r in accepted.results}
    assert "unknown" not in statuses and "proven" in statuses
    assert all(any("--ignore-kind" in c for c in r.caveats) for r in accepted.results if r.status != "vacuous")


def test_a_refused_list_of_a_kind_without_policy_is_a_note(shop_server) -> None:
    server, kubeconfig = shop_server
    server.cluster.failures[server.cluster.resource("Node").path] = 403
    proc = run_cli("map", "-f", "cluster:", "--kubeconfig", str(kubeconfig))
    assert proc.returncode == 0, proc.stderr
    assert "may not list nodes (HTTP 403)" in proc.stderr


# ---- errors: one clear message, exit 2 --------------------------------------------------------------


@pytest.mark.parametrize(("plant", "expected"), [
    ("500", "GET /api/v1/services failed: HTTP 500"),
    ("slow", "did not answer /api/v1/services within 0.5 s"),
    ("token", "refused the credentials (HTTP 401"),
    ("down", "cannot reach the API server at http://127.0.0.1:"),
    ("context", "no context 'prd' in"),
])
def test_a_server_that_fails_is_one_clear_error_exit_2(tmp_path: Path, plant: str, expected: str) -> None:
    cluster = shop_cluster()
    services = cluster.resource("Service").path
    if plant == "500":
        cluster.failures[services] = 500
    if plant == "slow":
        cluster.delays[services] = 2.0
    with FakeApiServer(cluster) as server:
        kubeconfig = server.kubeconfig(tmp_path, context="prod", token="expired" if plant == "token" else
                                       "test-token")
        if plant == "down":
            server.httpd.socket.close()  # the port stops accepting connections
        spec = "cluster:prd" if plant == "context" else "cluster:"
        proc = run_cli("map", "-f", spec, "--kubeconfig", str(kubeconfig), "--request-timeout", "0.5")
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert expected in proc.stderr
    assert "Traceback" not in proc.stderr and len(proc.stderr.strip().splitlines()) == 1
    if plant == "context":
        assert "did you mean 'prod'?" in proc.stderr


def test_without_the_kubernetes_client_the_error_says_what_to_install(monkeypatch, tmp_path: Path) -> None:
    monkeypatch.setitem(sys.modules, "kubernetes", None)  # as if not installed: importing it fails
    with pytest.raises(UsageError, match=r"netverify\[live\]"):
        load_cluster(["cluster:"], live=LiveTarget(kubeconfig=str(tmp_path / "kubeconfig")))


# ---- commands ---------------------------------------------------------------------------------------


def test_prove_and_diff_read_the_live_cluster(shop_server, tmp_path: Path) -> None:
    server, kubeconfig = shop_server
    proc = run_cli("prove", str(ROOT / "properties" / "isolation.yaml"), "--kubeconfig", str(kubeconfig), "--format", "json")
    assert proc.returncode == 1  # the example's planted mistake, found in the files (the cluster is not read)
    proc = run_cli("map", "--context", "kind-test", "--kubeconfig", str(kubeconfig), "--format", "json")
    assert proc.returncode == 0, proc.stderr  # --context alone means -f cluster:
    assert json.loads(proc.stdout)["connections"]
    # What the PR would change on the running cluster.
    proc = run_cli("diff", "cluster:", str(ROOT / "examples" / "shop-pr"), "--kubeconfig", str(kubeconfig),
                   "--scope", "existing")
    assert proc.returncode == 1, proc.stderr
    assert "newly allowed: TCP 8080" in proc.stdout
    assert "cluster:kind-test:" not in proc.stderr


def test_load_source_reads_a_cluster_spec(shop_server) -> None:
    _, kubeconfig = shop_server
    cluster = load_source("cluster:kind-test", live=LiveTarget(kubeconfig=str(kubeconfig)))
    assert cluster.policies and cluster.unlisted == ()


def test_a_refused_admin_network_policy_list_fails_closed_whether_or_not_it_is_modelled(monkeypatch,
                                                                                         tmp_path: Path) -> None:
    """ANP, BANP and ClusterNetworkPolicy are read by the loader: refused, they decide, even once they leave the
    table of kinds not modelled."""
    import netverify.load.live as live

    monkeypatch.setattr(live, "KINDS", {k: v for k, v in live.KINDS.items() if k[0] != "policy.networking.k8s.io"})
    cluster = shop_cluster()
    cluster.resources.append(Served("policy.networking.k8s.io", "v1alpha1", "AdminNetworkPolicy",
                                    "adminnetworkpolicies", False))
    cluster.failures["/apis/policy.networking.k8s.io/v1alpha1/adminnetworkpolicies"] = 403
    with FakeApiServer(cluster) as server:
        report, live_cluster = _prove_live(server, server.kubeconfig(tmp_path), tmp_path)
    (refused,) = live_cluster.unlisted
    assert (refused.kind, refused.effect) == ("AdminNetworkPolicy", "decides")
    judged = [r for r in report.results if r.status != "vacuous"]
    assert judged and all(r.status == "unknown" and "adminnetworkpolicies.policy.networking.k8s.io" in r.reason
                          for r in judged)
