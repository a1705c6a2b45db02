"""docs/live-cluster.md and the kubectl plugin: the ClusterRole shown is the one the code needs, every command
shown parses, and `kubectl netverify` runs netverify."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from netverify.load.live import wanted_kinds
from netverify.load.live_rbac import cluster_role, plural
import test_integrations as integrations

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "live-cluster.md"
BIN = Path(sys.executable).parent


def _yaml_blocks(markdown: str) -> list[list[dict]]:
    blocks, current = [], None
    for line in markdown.splitlines():
        if line.startswith("```yaml"):
            current = []
        elif line.startswith("```") and current is not None:
            blocks.append([d for d in yaml.safe_load_all("\n".join(current)) if d])
            current = None
        elif current is not None:
            current.append(line)
    return blocks


def test_the_documented_cluster_role_is_exactly_what_netverify_lists() -> None:
    docs = [d for block in _yaml_blocks(DOC.read_text()) for d in block]
    (role,) = [d for d in docs if d.get("kind") == "ClusterRole"]
    assert role == cluster_role()
    granted = {(g, r) for rule in role["rules"] for g in rule["apiGroups"] for r in rule["resources"]}
    assert {(g, plural(g, k)) for g, k in wanted_kinds()} <= granted
    assert all(set(rule["verbs"]) == {"get", "list"} for rule in role["rules"])  # read-only
    (binding,) = [d for d in docs if d.get("kind") == "ClusterRoleBinding"]
    assert binding["roleRef"]["name"] == role["metadata"]["name"]


def test_the_role_covers_the_core_kinds_and_the_policy_kinds_of_the_table() -> None:
    kinds = set(wanted_kinds())
    assert {("", "Pod"), ("", "Node"), ("apps", "Deployment"), ("batch", "CronJob"),
            ("networking.k8s.io", "NetworkPolicy"), ("policy.networking.k8s.io", "AdminNetworkPolicy"),
            ("cilium.io", "CiliumNetworkPolicy")} <= kinds
    assert plural("networking.k8s.io", "NetworkPolicy") == "networkpolicies"
    assert plural("security.istio.io", "PeerAuthentication") == "peerauthentications"


def _doc_commands() -> list[list[str]]:
    return [integrations._argv(m.group(0)) for line in integrations._code_lines(DOC.read_text())
            for m in integrations._COMMAND.finditer(line)]


def test_the_doc_shows_every_command_with_a_cluster() -> None:
    shown = _doc_commands()
    assert {argv[0] for argv in shown} == {"prove", "map", "explain", "diff"}


@pytest.mark.parametrize("argv", _doc_commands(), ids=" ".join)
def test_every_command_the_doc_shows_parses(argv: list[str]) -> None:
    integrations.test_every_shown_command_line_parses_against_the_cli(str(DOC), argv)


def test_the_kubectl_plugin_entry_point_is_netverify_under_kubectls_name() -> None:
    plugin = BIN / "kubectl-netverify"
    if not plugin.exists():
        pytest.skip("kubectl-netverify is not installed in this environment (pip install -e . installs it)")
    proc = subprocess.run([str(plugin), "--version"], capture_output=True, text=True)
    assert proc.returncode == 0 and proc.stdout.startswith("netverify ")
    helped = subprocess.run([str(plugin), "map", "--help"], capture_output=True, text=True,
                            env={**os.environ, "COLUMNS": "200"})
    assert "kubectl netverify map" in helped.stdout


@pytest.mark.skipif(shutil.which("kubectl") is None, reason="kubectl is not installed")
def test_kubectl_runs_the_plugin(tmp_path: Path) -> None:
    plugin = BIN / "kubectl-netverify"
    if not plugin.exists():
        pytest.skip("kubectl-netverify is not installed in this environment")
    (tmp_path / "kubectl-netverify").symlink_to(plugin)
    env = {**os.environ, "PATH": f"{tmp_path}{os.pathsep}{os.environ['PATH']}", "KUBECONFIG": str(tmp_path / "none")}
    proc = subprocess.run(["kubectl", "netverify", "--version"], capture_output=True, text=True, env=env)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("netverify ")
