"""`netverify equiv A B`: equivalence of two policy versions for existing workloads and every possible pod,
`--contains` for A within B, every report format, fail-closed on kinds that are not modelled."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from typer.testing import CliRunner

from netverify.analyses.equiv import equivalence
from netverify.cli import app
from netverify.load.manifests import load_cluster_from_texts
from test_cli_reports import _schema_valid

WORKLOADS = """\
apiVersion: v1
kind: Namespace
metadata: {name: shop}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: shop}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec: {containers: [{name: c, image: x, ports: [{containerPort: 80}, {containerPort: 443}]}]}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: frontend, namespace: shop}
spec:
  selector: {matchLabels: {app: frontend}}
  template:
    metadata: {labels: {app: frontend}}
    spec: {containers: [{name: c, image: x}]}
"""

ONE_POLICY = """\
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: web, namespace: shop}
spec:
  podSelector: {matchLabels: {app: web}}
  policyTypes: [Ingress]
  ingress:
  - from: [{podSelector: {matchLabels: {app: frontend}}}]
    ports: [{port: 80}, {port: 443}]
"""

# The same policy refactored into two, one per port: equivalent for every pod.
TWO_POLICIES = """\
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: web-http, namespace: shop}
spec:
  podSelector: {matchLabels: {app: web}}
  policyTypes: [Ingress]
  ingress:
  - from: [{podSelector: {matchLabels: {app: frontend}}}]
    ports: [{port: 80}]
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: web-https, namespace: shop}
spec:
  podSelector: {matchLabels: {app: web}}
  policyTypes: [Ingress]
  ingress:
  - from: [{podSelector: {matchLabels: {app: frontend}}}]
    ports: [{port: 443}]
"""

# Narrower: only port 443.
HTTPS_ONLY = ONE_POLICY.replace("ports: [{port: 80}, {port: 443}]", "ports: [{port: 443}]")

# Differs only for pods no existing workload is: the peer also admits pods labelled role=canary.
WITH_CANARY = ONE_POLICY.replace(
    "  - from: [{podSelector: {matchLabels: {app: frontend}}}]",
    "  - from: [{podSelector: {matchLabels: {app: frontend}}}, {podSelector: {matchLabels: {role: canary}}}]",
)

MULTI_NETWORK = """\
apiVersion: k8s.cni.cncf.io/v1beta1
kind: MultiNetworkPolicy
metadata: {name: m, namespace: shop}
spec: {podSelector: {}}
"""

runner = CliRunner()


def _tree(root: Path, name: str, *docs: str) -> str:
    folder = root / name
    folder.mkdir()
    (folder / "workloads.yaml").write_text(WORKLOADS)
    for i, doc in enumerate(docs):
        (folder / f"policy{i}.yaml").write_text(doc)
    return str(folder)


def _run(*args: str):
    return runner.invoke(app, ["equiv", *args])


def test_a_refactor_into_two_policies_is_equivalent_for_every_pod(tmp_path):
    result = _run(_tree(tmp_path, "a", ONE_POLICY), _tree(tmp_path, "b", TWO_POLICIES))
    assert result.exit_code == 0, result.stdout
    assert "YES: equivalent" in result.stdout
    assert "every possible pod:  equivalent" in result.stdout


def test_a_narrowed_port_is_a_difference_only_a_allows_with_the_rule_and_a_witness(tmp_path):
    a, b = _tree(tmp_path, "a", ONE_POLICY), _tree(tmp_path, "b", HTTPS_ONLY)
    result = _run(a, b)
    assert result.exit_code == 1
    only_a = result.stdout.split("only A allows", 1)[1]
    assert "shop/frontend[Deployment] -> shop/web[Deployment]: TCP 80" in only_a
    assert "policy0.yaml:8" in only_a  # the rule of A that allows it
    assert "witness:" in only_a
    assert "only B allows" not in result.stdout


def test_contains_asks_one_direction_only(tmp_path):
    wide, narrow = _tree(tmp_path, "wide", ONE_POLICY), _tree(tmp_path, "narrow", HTTPS_ONLY)
    assert _run(narrow, wide, "--contains").exit_code == 0  # narrow allows nothing wide does not
    result = _run(wide, narrow, "--contains")
    assert result.exit_code == 1
    assert "A within B" in result.stdout


def test_a_difference_for_future_pods_only_is_found_by_the_symbolic_search(tmp_path):
    a, b = _tree(tmp_path, "a", ONE_POLICY), _tree(tmp_path, "b", WITH_CANARY)
    result = _run(a, b)
    assert result.exit_code == 1
    assert "existing workloads:  equivalent" in result.stdout
    assert "every possible pod:  DIFFERENT" in result.stdout
    assert "role=canary" in result.stdout.split("only B allows", 1)[1]
    existing = _run(a, b, "--scope", "existing")
    assert existing.exit_code == 0
    assert "not checked" in existing.stdout


def test_the_library_report_keeps_the_sides_apart():
    a = load_cluster_from_texts([("w.yaml", WORKLOADS), ("p.yaml", ONE_POLICY)])
    b = load_cluster_from_texts([("w.yaml", WORKLOADS), ("p.yaml", HTTPS_ONLY)])
    report = equivalence(a, b)
    assert [c.dst.label for c in report.a_only.changes] == ["shop/web[Deployment]"]
    assert report.b_only is not None and not report.b_only.changes and not report.b_only.added_classes
    assert report.a_only.added_classes  # the same difference, for pods that may not exist yet
    assert all(not c.removed for c in report.a_only.changes)


def test_json_sarif_junit_and_markdown_say_the_same(tmp_path):
    a, b = _tree(tmp_path, "a", ONE_POLICY), _tree(tmp_path, "b", HTTPS_ONLY)
    out = tmp_path / "out"
    result = _run(a, b, "--format", "json", "--report", f"sarif={out}/e.sarif", "--report", f"junit={out}/e.xml",
                  "--report", f"markdown={out}/e.md")
    assert result.exit_code == 1, result.stdout
    data = json.loads(result.stdout)
    assert data["verdict"] == "different" and data["existing_equal"] is False
    assert data["every_pod"] == "differ"
    assert [(p["dst"]["name"], p["ports"]) for p in data["a_only"]["pairs"]] == [("web", {"TCP": [[80, 80]]})]
    assert data["b_only"]["pairs"] == []
    sarif = json.loads((out / "e.sarif").read_text())
    _schema_valid(sarif)
    results = sarif["runs"][0]["results"]
    assert {r["ruleId"] for r in results} == {"NV401"}
    assert any("policy0.yaml" in r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in results)
    suite = ET.parse(out / "e.xml").getroot().find("testsuite")
    assert suite is not None and suite.get("failures") == "2"  # only A: existing pair + class; only B: none
    assert "❌" in (out / "e.md").read_text()


def test_a_policy_kind_that_is_not_modelled_makes_equivalence_unknown(tmp_path):
    result = _run(_tree(tmp_path, "a", ONE_POLICY), _tree(tmp_path, "b", TWO_POLICIES, MULTI_NETWORK))
    assert result.exit_code == 3
    assert "UNKNOWN" in result.stdout and "MultiNetworkPolicy" in result.stdout


@pytest.mark.parametrize("missing", ["a", "b"])
def test_a_missing_version_is_a_clear_error(tmp_path, missing):
    there = _tree(tmp_path, "there", ONE_POLICY)
    args = (str(tmp_path / "nowhere"), there) if missing == "a" else (there, str(tmp_path / "nowhere"))
    result = _run(*args)
    assert result.exit_code == 2
    assert "nowhere" in result.stderr and "Traceback" not in result.stderr
