"""`netverify fleet` proves each cluster under the CNI `prove` would choose for it alone (`--cni`, else inferred
from that cluster's kinds) and takes `--cilium-cluster NAME` as prove does (docs/semantics.md rule 114)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import yaml
from typer.testing import CliRunner

from netverify.cli import app

ROOT = Path(__file__).resolve().parent.parent

CLUSTER_SELECTOR = """apiVersion: v1
kind: Namespace
metadata: {name: shop}
---
apiVersion: v1
kind: Pod
metadata: {name: web, namespace: shop, labels: {app: web}}
spec: {containers: [{name: c, image: x}]}
---
apiVersion: v1
kind: Pod
metadata: {name: db, namespace: shop, labels: {app: db}}
spec: {containers: [{name: c, image: x, ports: [{containerPort: 5432}]}]}
---
apiVersion: cilium.io/v2
kind: CiliumNetworkPolicy
metadata: {name: from-prod, namespace: shop}
spec:
  endpointSelector: {matchLabels: {app: db}}
  ingress:
  - fromEndpoints:
    - matchLabels: {io.cilium.k8s.policy.cluster: prod}
"""

WEB_TO_DB = {"properties": [{"name": "web-reaches-db", "from": {"namespace": "shop", "workload": "Pod/web"},
                             "to": {"namespace": "shop", "workload": "Pod/db"}, "ports": [{"protocol": "TCP", "port": 5432}],
                             "expect": "reachable", "scope": "existing"}]}


def _cilium_fleet(tmp_path: Path) -> Path:
    (tmp_path / "m.yaml").write_text(CLUSTER_SELECTOR)
    (tmp_path / "props.yaml").write_text(yaml.safe_dump(WEB_TO_DB))
    fleet = tmp_path / "fleet.yaml"
    fleet.write_text(yaml.safe_dump({"clusters": [{"name": "c1", "manifests": ["m.yaml"],
                                                   "properties": ["props.yaml"]}]}))
    return fleet


def _statuses(stdout: str) -> dict[str, str]:
    doc = json.loads(stdout)
    return {r["name"]: r["status"] for c in doc["clusters"] for r in c["results"]}


def test_fleet_takes_cilium_cluster_as_prove_does(tmp_path):
    fleet = _cilium_fleet(tmp_path)
    for name, status, code in (("prod", "proven", 0), ("default", "violated", 1)):
        args = ["fleet", str(fleet), "--format", "json"] + (["--cilium-cluster", name] if name != "default" else [])
        out = CliRunner().invoke(app, args)
        assert out.exit_code == code, out.output
        assert _statuses(out.stdout) == {"web-reaches-db": status}
        prove = CliRunner().invoke(app, ["prove", str(tmp_path / "props.yaml"), "-f", str(tmp_path / "m.yaml"),
                                         "--format", "json", "--cilium-cluster", name])
        assert {r["name"]: r["status"] for r in json.loads(prove.stdout)["results"]} == {"web-reaches-db": status}


def test_fleet_refuses_a_cilium_cluster_name_cilium_refuses(tmp_path):
    out = CliRunner().invoke(app, ["fleet", str(_cilium_fleet(tmp_path)), "--cilium-cluster", "Not_A_Name"])
    assert out.exit_code == 2, out.output
    assert "a Cilium cluster name is" in out.output and "Traceback" not in out.output


def test_fleet_infers_each_clusters_cni_as_prove_does(tmp_path):
    """The Calico example proves under Calico's tiers in a fleet, as `prove` alone proves it (before, the fleet
    ran the generic chain and the Calico kinds left every result unknown)."""
    shutil.copytree(ROOT / "examples" / "calico-tiers", tmp_path / "calico")
    fleet = tmp_path / "fleet.yaml"
    fleet.write_text(yaml.safe_dump({"clusters": [{"name": "calico", "properties": ["calico/properties.yaml"]}]}))
    out = CliRunner().invoke(app, ["fleet", str(fleet), "--format", "json"])
    assert out.exit_code == 0, out.output
    assert set(_statuses(out.stdout).values()) == {"proven"}
    doc = json.loads(out.stdout)
    assert any(n.startswith("CNI: calico") for n in doc["clusters"][0]["notes"])


def test_fleet_cni_option_says_which_cni_enforces_the_kinds(tmp_path):
    """`--cni generic`: the Cilium policy is not enforced (the user says so, a note names it), as under prove;
    inferred, Cilium's chain would deny web (it is not in cluster prod)."""
    fleet = _cilium_fleet(tmp_path)
    out = CliRunner().invoke(app, ["fleet", str(fleet), "--format", "json", "--cni", "generic"])
    assert out.exit_code == 0, out.output
    assert _statuses(out.stdout) == {"web-reaches-db": "proven"}
    [notes] = [c["notes"] for c in json.loads(out.stdout)["clusters"]]
    assert any(n.startswith("CNI: generic (--cni)") and "CiliumNetworkPolicy" in n for n in notes)
