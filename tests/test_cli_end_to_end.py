"""The real pipeline through the CLI (load -> analyse -> render -> exit code) on small manifests.

Each test skips while the loader or analysis it needs is not in the tree yet.
"""

from __future__ import annotations

import importlib
import json
import textwrap
from pathlib import Path

import pytest
from typer.testing import CliRunner

from netverify.cli import app

runner = CliRunner()


def needs(*modules: str) -> None:
    for module in modules:
        try:
            importlib.import_module(module)
        except ModuleNotFoundError:
            pytest.skip(f"{module} is not in the tree yet")


SHOP = """\
apiVersion: v1
kind: Namespace
metadata: {name: shop}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: frontend, namespace: shop}
spec:
  selector: {matchLabels: {app: frontend}}
  template:
    metadata: {labels: {app: frontend}}
    spec: {containers: [{name: web, image: nginx, ports: [{containerPort: 80, name: http}]}]}
---
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: db, namespace: shop}
spec:
  selector: {matchLabels: {app: db}}
  template:
    metadata: {labels: {app: db}}
    spec: {containers: [{name: db, image: mysql, ports: [{containerPort: 3306, name: mysql}]}]}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: settings, namespace: shop}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: default-deny, namespace: shop}
spec:
  podSelector: {}
  policyTypes: [Ingress]
"""

ALLOW_WEB = """\
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: allow-web, namespace: shop}
spec:
  podSelector: {matchLabels: {app: db}}
  ingress:
    - from: [{podSelector: {matchLabels: {app: frontend}}}]
      ports: [{protocol: TCP, port: 3306}]
"""


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text))
    return path


@pytest.fixture
def shop(tmp_path) -> Path:
    write(tmp_path / "head" / "shop.yaml", SHOP + ALLOW_WEB)
    write(tmp_path / "base" / "shop.yaml", SHOP)
    return tmp_path


def props(tmp_path: Path, body: str) -> Path:
    return write(tmp_path / "props.yaml", "manifests: [head]\nproperties:\n" + textwrap.indent(body, "  "))


ONLY_FRONTEND = """\
- name: only-frontend-reaches-db
  from: {namespace: shop, podSelector: {matchExpressions: [{key: app, operator: NotIn, values: [frontend]}]}}
  to: {namespace: shop, podSelector: {matchLabels: {app: db}}}
  expect: unreachable
"""
FRONTEND_NEVER_DB = """\
- name: frontend-never-reaches-db
  from: {namespace: shop, podSelector: {matchLabels: {app: frontend}}}
  to: {namespace: shop, podSelector: {matchLabels: {app: db}}}
  ports: [{protocol: TCP, port: 3306}]
  expect: unreachable
"""
TYPO = """\
- name: typo
  from: {namespace: shop, podSelector: {matchLabels: {app: fronted}}}
  to: {namespace: shop, podSelector: {matchLabels: {app: db}}}
  expect: unreachable
  scope: existing
"""


def run(*args):
    return runner.invoke(app, [str(a) for a in args])


def test_prove_all_proven_exits_0(shop):
    needs("netverify.load.properties", "netverify.load.manifests", "netverify.analyses.prove")
    result = run("prove", props(shop, ONLY_FRONTEND))
    assert result.exit_code == 0, result.stderr + result.stdout
    assert "PROVEN" in result.stdout


def test_prove_violated_exits_1_with_a_counterexample_at_the_rule(shop):
    needs("netverify.load.properties", "netverify.load.manifests", "netverify.analyses.prove")
    result = run("prove", props(shop, ONLY_FRONTEND + FRONTEND_NEVER_DB), "--format", "json")
    assert result.exit_code == 1, result.stderr
    data = json.loads(result.stdout)
    assert data["summary"] == {"proven": 1, "violated": 1, "vacuous": 0, "unknown": 0}
    ce = data["results"][1]["counterexample"]
    assert (ce["protocol"], ce["port"]) == ("TCP", 3306)
    assert [r["policy"] for r in ce["ingress"]["allowed_by"]] == ["shop/allow-web"]
    assert ce["ingress"]["allowed_by"][0]["file"].endswith("shop.yaml")
    assert any("ConfigMap" in n for n in data["notes"])


def test_prove_vacuous_exits_1(shop):
    needs("netverify.load.properties", "netverify.load.manifests", "netverify.analyses.prove")
    result = run("prove", props(shop, TYPO))
    assert result.exit_code == 1, result.stderr
    assert "VACUOUS" in result.stdout


def test_prove_sarif_points_at_the_policy_rule(shop):
    needs("netverify.load.properties", "netverify.load.manifests", "netverify.analyses.prove")
    result = run("prove", props(shop, FRONTEND_NEVER_DB), "--format", "sarif")
    assert result.exit_code == 1, result.stderr
    sarif_result = json.loads(result.stdout)["runs"][0]["results"][0]
    assert sarif_result["ruleId"] == "NV001"
    where = sarif_result["locations"][0]["physicalLocation"]
    assert where["artifactLocation"]["uri"].endswith("shop.yaml") and where["region"]["startLine"] > 30


def test_bad_manifest_exits_2_naming_file_and_line_with_nothing_on_stdout(shop):
    needs("netverify.load.manifests", "netverify.analyses.map")
    bad = write(shop / "bad.yaml", ALLOW_WEB.replace("port: 3306", "port: 0"))
    result = run("map", "-f", bad)
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr.startswith(f"{bad}:") and "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_bad_properties_exit_2(shop):
    needs("netverify.load.properties", "netverify.load.manifests", "netverify.analyses.prove")
    path = props(shop, FRONTEND_NEVER_DB.replace("unreachable", "sometimes"))
    result = run("prove", path)
    assert result.exit_code == 2 and result.stdout == ""
    assert "props.yaml:" in result.stderr


def test_map_lists_the_allowed_pair(shop):
    needs("netverify.load.manifests", "netverify.analyses.map")
    result = run("map", "-f", shop / "head", "--format", "json")
    assert result.exit_code == 0, result.stderr
    connections = json.loads(result.stdout)["connections"]
    pairs = {(c["src"].get("name"), c["dst"].get("name")): c["protocols"] for c in connections}
    assert pairs[("frontend", "db")] == {"TCP": [[3306, 3306]]}
    for fmt in ("text", "csv", "markdown", "dot"):
        assert run("map", "-f", shop / "head", "--format", fmt).exit_code == 0


def test_explain_allowed_and_blocked(shop):
    needs("netverify.load.manifests", "netverify.analyses.explain")
    allowed = run("explain", "shop/frontend", "shop/db", "--port", "3306/TCP", "-f", shop / "head", "--format", "json")
    assert allowed.exit_code == 0, allowed.stderr
    assert json.loads(allowed.stdout)["allowed"] is True
    blocked = run("explain", "shop/frontend", "shop/db", "--port", "5432/TCP", "-f", shop / "head")
    assert blocked.exit_code == 1 and "BLOCKED" in blocked.stdout  # explain: 0 allowed, 1 blocked


def test_diff_gate_on_added(shop):
    needs("netverify.load.sources", "netverify.analyses.diff")
    result = run("diff", shop / "base", shop / "head", "--fail-on", "added", "--format", "json")
    assert result.exit_code == 1, result.stderr
    data = json.loads(result.stdout)
    assert data["summary"]["has_added"] is True
    same = run("diff", shop / "head", shop / "head", "--fail-on", "changed")
    assert same.exit_code == 0, same.stderr


def test_prove_unknown_exits_3_even_with_a_violation(shop):
    needs("netverify.load.properties", "netverify.load.manifests", "netverify.analyses.prove")
    result = run("prove", props(shop, ONLY_FRONTEND + FRONTEND_NEVER_DB), "--rlimit", "1", "--format", "junit")
    assert result.exit_code == 3, result.stderr
    assert "<error" in result.stdout


def test_explain_defaults_to_the_destination_container_port(shop):
    needs("netverify.load.manifests", "netverify.analyses.explain")
    result = run("explain", "shop/frontend", "shop/db", "-f", shop / "head", "--format", "json")
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert (data["protocol"], data["port"], data["allowed"]) == ("TCP", 3306, True)


def test_explain_unknown_workload_is_a_usage_error(shop):
    needs("netverify.load.manifests", "netverify.analyses.explain")
    result = run("explain", "shop/nope", "shop/db", "--port", "3306", "-f", shop / "head")
    assert result.exit_code == 2 and result.stdout == "" and "shop/nope" in result.stderr


def test_real_sarif_is_schema_valid(shop):
    needs("netverify.load.properties", "netverify.load.manifests", "netverify.analyses.prove",
          "netverify.load.sources", "netverify.analyses.diff")
    schema_path = Path(__file__).resolve().parents[2] / "shared" / "schemas" / "sarif-schema-2.1.0.json"
    if not schema_path.exists():
        pytest.skip(f"SARIF schema not found at {schema_path}")
    jsonschema = pytest.importorskip("jsonschema")
    schema = json.loads(schema_path.read_text())
    proved = run("prove", props(shop, FRONTEND_NEVER_DB + TYPO), "--format", "sarif")
    diffed = run("diff", shop / "base", shop / "head", "--format", "sarif")
    for result in (proved, diffed):
        jsonschema.validate(json.loads(result.stdout), schema)
    assert {r["ruleId"] for r in json.loads(diffed.stdout)["runs"][0]["results"]} == {"NV101"}


def test_stdin_manifests(shop):
    needs("netverify.load.manifests", "netverify.analyses.map")
    result = runner.invoke(app, ["map", "-f", "-", "--format", "json"], input=SHOP + ALLOW_WEB)
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["connections"]
