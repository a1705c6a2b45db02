"""The GitHub Action's main step end to end, with the real netverify, on the example in a git repository whose
working copy is the pull request (examples/shop -> examples/shop-pr): prove and diff each load once and write
every report; the SARIF places results by path from the repository root; the comment step posts the markdown.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from test_action_pr_comment import PR, env, github, pr_comment  # noqa: F401 - fixtures
from test_integrations import action_run_script

ROOT = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.skipif(shutil.which("bash") is None or shutil.which("git") is None,
                                reason="needs bash and git")

COUNTING = """#!/usr/bin/env bash
echo "$1" >> "$NV_CALLS"
exec "{python}" -m netverify.cli "$@"
"""


def _git(cwd: Path, *args: str) -> None:
    subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@t", *args], cwd=cwd, check=True,
                   capture_output=True)


@pytest.fixture
def pull_request(tmp_path) -> Path:
    repo = tmp_path / "repo"
    shutil.copytree(ROOT / "examples" / "shop", repo / "examples" / "shop")
    shutil.copytree(ROOT / "properties", repo / "properties")
    _git(repo, "init", "-q")
    _git(repo, "add", ".")
    _git(repo, "commit", "-qm", "base")
    shutil.rmtree(repo / "examples" / "shop")
    shutil.copytree(ROOT / "examples" / "shop-pr", repo / "examples" / "shop")  # the pull request's change
    return repo


def run_action(repo: Path, tmp_path: Path) -> tuple[dict[str, str], list[str], str]:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir(exist_ok=True)
    shim = bin_dir / "netverify"
    shim.write_text(COUNTING.replace("{python}", sys.executable))
    shim.chmod(0o755)
    os.symlink(sys.executable, bin_dir / "python")
    outputs, summary, calls = tmp_path / "out.txt", tmp_path / "summary.md", tmp_path / "calls.txt"
    for f in (outputs, summary, calls):
        f.write_text("")
    env_vars = {
        **os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}", "RUNNER_TEMP": str(tmp_path / "runner"),
        "GITHUB_OUTPUT": str(outputs), "GITHUB_STEP_SUMMARY": str(summary), "NV_CALLS": str(calls),
        "NV_PROPERTIES": "properties/isolation.yaml", "NV_MANIFESTS": "examples/shop", "NV_PROVE_FILES": "",
        "NV_BASE": "HEAD", "NV_DIFF": "true", "NV_FAIL_ON": "added",
    }
    proc = subprocess.run(["bash", "-c", action_run_script()], cwd=repo, env=env_vars, text=True, capture_output=True)
    assert proc.returncode == 0, proc.stderr
    out = dict(line.split("=", 1) for line in outputs.read_text().splitlines() if "=" in line)
    return out, calls.read_text().split(), summary.read_text()


def _uris(doc: dict) -> set[str]:
    return {loc["physicalLocation"]["artifactLocation"]["uri"]
            for r in doc["runs"][0]["results"] for loc in r.get("locations", [])}


def test_prove_and_diff_each_load_once_and_write_every_report(pull_request, tmp_path, github, env):  # noqa: F811
    out, calls, summary = run_action(pull_request, tmp_path)
    assert calls == ["prove", "diff"]
    assert out["exit-code"] == "1"  # the example's planted violation, and the PR's newly allowed connection
    reports = Path(out["report-dir"])
    for name in ("prove.md", "prove.sarif", "prove.html", "diff-1.md", "diff-1.html", "diff.sarif"):
        assert (reports / name).stat().st_size > 0, name
    assert "netverify prove: failed" in summary and "netverify diff" in summary
    prove_sarif = json.loads((reports / "prove.sarif").read_text())
    assert "examples/shop/policies/data.yaml" in _uris(prove_sarif)
    diff_sarif = json.loads((reports / "diff.sarif").read_text())
    assert _uris(diff_sarif) and all(u.startswith("examples/shop/") for u in _uris(diff_sarif))

    # The comment step, as action.yml runs it, against the stand-in API.
    assert pr_comment.main(["--pr", str(PR), str(reports / "prove.md"), str(reports / "diff-1.md")]) == 0
    (comment,) = github.comments
    assert "netverify prove: failed" in comment["body"] and "netverify diff" in comment["body"]


def test_bad_input_in_the_pull_request_reaches_every_report(pull_request, tmp_path):
    (pull_request / "examples" / "shop" / "web.yaml").write_text("kind: Deployment\nmetadata: {name: [oops]}\n")
    out, calls, summary = run_action(pull_request, tmp_path)
    assert calls == ["prove", "diff"] and out["exit-code"] == "2"
    reports = Path(out["report-dir"])
    assert "bad input" in (reports / "prove.md").read_text() and "bad input" in summary
    note = json.loads((reports / "diff.sarif").read_text())["runs"][0]["results"][0]
    assert note["ruleId"] == "NV005"
    assert note["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "examples/shop/web.yaml"
