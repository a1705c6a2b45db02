"""`netverify exposure`: who can reach each workload, decided for every pod that could exist."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from netverify.analyses.exposure import exposure
from netverify.cli import app
from netverify.load.manifests import load_cluster, load_cluster_from_texts

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "shop"

BASE = """\
apiVersion: v1
kind: Namespace
metadata: {name: shop}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: open, namespace: shop}
spec:
  selector: {matchLabels: {app: open}}
  template:
    metadata: {labels: {app: open}}
    spec: {containers: [{name: c, image: x, ports: [{containerPort: 80}]}]}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: api, namespace: shop}
spec:
  selector: {matchLabels: {app: api}}
  template:
    metadata: {labels: {app: api}}
    spec: {containers: [{name: c, image: x, ports: [{containerPort: 8080}]}]}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: locked, namespace: shop}
spec:
  selector: {matchLabels: {app: locked}}
  template:
    metadata: {labels: {app: locked}}
    spec: {containers: [{name: c, image: x, ports: [{containerPort: 5432}]}]}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: locked, namespace: shop}
spec:
  podSelector: {matchLabels: {app: locked}}
  policyTypes: [Ingress]
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: api-from-partners, namespace: shop}
spec:
  podSelector: {matchLabels: {app: api}}
  policyTypes: [Ingress]
  ingress:
  - from: [{namespaceSelector: {matchLabels: {team: partner}}}]
"""


def _entries(report, workload):
    (w,) = [w for w in report.workloads if w.workload == workload]
    return {(e.port, e.audience): e for e in w.entries}


def test_the_bundled_examples_planted_bug_shows_as_kube_system_reaching_postgres():
    report = exposure(load_cluster([str(EXAMPLE)]), focus=None)
    entries = _entries(report, "data/postgres[StatefulSet]")
    planted = entries[("TCP/5432", "every pod {role=backend} of namespace kube-system")]
    assert planted.status == "every"
    assert [(r.policy, r.span.line) for r in planted.by] == [("data/allow-postgres-from-backends", 17)]


def test_an_unisolated_workload_is_open_to_every_pod_and_the_internet():
    entries = _entries(exposure(load_cluster_from_texts([("m.yaml", BASE)])), "shop/open[Deployment]")
    assert entries[("TCP/80", "any pod in any namespace")].status == "every"
    internet = [e for (port, audience), e in entries.items() if audience.startswith("the internet")]
    assert internet and all(e.status == "every" for e in internet)


def test_an_isolated_workload_with_no_rule_is_reached_by_nobody():
    entries = _entries(exposure(load_cluster_from_texts([("m.yaml", BASE)])), "shop/locked[Deployment]")
    assert [e.status for e in entries.values()] == ["none"]


def test_namespaces_that_do_not_exist_yet_are_an_audience_too():
    # No namespace is labelled team=partner today: every pod of such a namespace, once created, reaches api.
    entries = _entries(exposure(load_cluster_from_texts([("m.yaml", BASE)])), "shop/api[Deployment]")
    partners = entries[("TCP/8080", "every pod {} of namespaces {team=partner}")]
    assert partners.status == "every"
    assert partners.witness is not None and partners.witness.src.namespace_labels.get("team") == "partner"
    assert [r.policy for r in partners.by] == ["shop/api-from-partners"]
    assert not any(audience == "any pod in any namespace" for _, audience in entries)


def test_cli_json_and_a_kind_not_modelled_fails_closed(tmp_path):
    (tmp_path / "m.yaml").write_text(BASE)
    ok = CliRunner().invoke(app, ["exposure", "-f", str(tmp_path), "--format", "json", "--focus", "shop/locked"])
    assert ok.exit_code == 0, ok.stdout
    data = json.loads(ok.stdout)
    assert [w["workload"] for w in data["workloads"]] == ["shop/locked[Deployment]"]
    assert data["workloads"][0]["exposure"][0]["status"] == "none"
    (tmp_path / "extra.yaml").write_text("apiVersion: k8s.cni.cncf.io/v1beta1\nkind: MultiNetworkPolicy\n"
                                         "metadata: {name: m, namespace: shop}\nspec: {podSelector: {}}\n")
    unknown = CliRunner().invoke(app, ["exposure", "-f", str(tmp_path), "--focus", "shop/locked"])
    assert unknown.exit_code == 3
    assert "UNKNOWN" in unknown.stdout and "MultiNetworkPolicy" in unknown.stdout


def test_a_misspelt_focus_is_exit_2_with_did_you_mean(tmp_path):
    (tmp_path / "m.yaml").write_text(BASE)
    result = CliRunner().invoke(app, ["exposure", "-f", str(tmp_path), "--focus", "shop/lokced"])
    assert result.exit_code == 2
    assert "did you mean shop/locked" in result.stderr
