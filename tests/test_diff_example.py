"""The bundled pull request: examples/shop-pr widens one rule of examples/shop by mistake.

The diff must name that rule (file:line) and show a pod that could newly connect; the CLI gate must fail on
it, from directories and from git history alike.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from netverify.analyses.diff import diff
from netverify.load.sources import load_source

ROOT = Path(__file__).resolve().parent.parent
SHOP, SHOP_PR = ROOT / "examples" / "shop", ROOT / "examples" / "shop-pr"
WIDENED = ("api/allow-orders-from-frontend", "ingress", 0)


def widened_rule_line() -> int:
    """The line of the `- from:` item of the widened rule in shop-pr, found in the file, not hard-coded."""
    lines = (SHOP_PR / "policies" / "api.yaml").read_text().splitlines()
    start = next(i for i, line in enumerate(lines) if "name: allow-orders-from-frontend" in line)
    return next(i for i in range(start, len(lines)) if lines[i].strip().startswith("- from:")) + 1


def netverify(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "netverify.cli", *args], cwd=cwd, capture_output=True, text=True)


def test_the_diff_names_the_widened_rule_and_a_new_pod_that_gets_through() -> None:
    report = diff(load_source(str(SHOP)), load_source(str(SHOP_PR)))
    assert report.symbolic_status == "done" and report.has_added
    where = f"{SHOP_PR / 'policies' / 'api.yaml'}:{widened_rule_line()}"
    added_by = {(r.policy, r.direction, r.rule, str(r.span)) for c in report.changes for r in c.added_by}
    assert (*WIDENED, where) in added_by
    assert all(not c.removed for c in report.changes)  # the PR only widens
    # the one class has the pair static -> orders as its witness: shown once, as that pair
    assert report.repeated_classes and not report.added_classes
    opened = {(r.policy, r.direction, r.rule) for a in report.repeated_classes for r in a.opened_by}
    assert WIDENED in opened
    witness = report.repeated_classes[0].witness
    assert witness.dst.namespace == "api" and witness.dst.labels.get("app") == "orders"
    assert "kind: Pod" in witness.pod_manifests


def test_the_cli_gate_fails_on_the_widened_rule_and_passes_when_told_never() -> None:
    added = netverify("diff", "examples/shop", "examples/shop-pr", "--fail-on", "added")
    assert added.returncode == 1, added.stderr
    assert "allow-orders-from-frontend" in added.stdout
    never = netverify("diff", "examples/shop", "examples/shop-pr", "--fail-on", "never")
    assert never.returncode == 0, never.stderr
    same = netverify("diff", "examples/shop", "examples/shop", "--fail-on", "changed")
    assert same.returncode == 0, same.stderr


def test_the_default_gate_is_fail_on_added() -> None:
    assert netverify("diff", "examples/shop", "examples/shop-pr").returncode == 1


@pytest.mark.skipif(shutil.which("git") is None, reason="needs git")
def test_diff_against_git_history_points_at_the_working_copy_file(tmp_path: Path) -> None:
    def git(*args: str) -> None:
        subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@example.com", "-c", "commit.gpgsign=false",
                        *args], cwd=tmp_path, check=True, capture_output=True)

    git("init", "-q", "-b", "main")
    shutil.copytree(SHOP, tmp_path / "k8s")
    git("add", ".")
    git("commit", "-q", "-m", "base")
    shutil.rmtree(tmp_path / "k8s")
    shutil.copytree(SHOP_PR, tmp_path / "k8s")  # the pull request, not committed

    result = netverify("diff", "git:HEAD:k8s", "k8s", "--fail-on", "added", "--format", "json", cwd=tmp_path)
    assert result.returncode == 1, result.stderr
    report = json.loads(result.stdout)
    assert report["base"] == "git:HEAD:k8s" and report["head"] == "k8s"
    spans = {(r["policy"], r["file"], r["line"]) for c in report["changes"] for r in c["added_by"]}
    assert (WIDENED[0], "k8s/policies/api.yaml", widened_rule_line()) in spans

    unchanged = netverify("diff", "git:HEAD:k8s", "git:main:k8s", "--fail-on", "changed", cwd=tmp_path)
    assert unchanged.returncode == 0, unchanged.stderr
    bad_ref = netverify("diff", "git:no-such-ref:k8s", "k8s", cwd=tmp_path)
    assert bad_ref.returncode == 2 and "no-such-ref" in bad_ref.stderr
