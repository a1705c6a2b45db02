"""diff's BASE at a git ref where the path does not exist yet (a pull request that adds the manifests folder) is
an empty version with a note; a missing HEAD, or a missing path on disk, stays an error (issue 14 item 6)."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def _git(repo: Path, *args: str) -> None:
    subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@example.com", "-c", "commit.gpgsign=false",
                    *args], cwd=repo, check=True, capture_output=True)


def _repo_adding_k8s(tmp_path: Path) -> Path:
    """A repository whose only commit has no k8s/ folder; the working copy adds it."""
    _git(tmp_path, "init", "-q", "-b", "main")
    (tmp_path / "README.md").write_text("app\n")
    _git(tmp_path, "add", ".")
    _git(tmp_path, "commit", "-q", "-m", "first")
    shutil.copytree(EXAMPLES / "shop", tmp_path / "k8s")
    return tmp_path


def _netverify(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "netverify.cli", *args], cwd=cwd, capture_output=True, text=True)


def test_a_base_path_missing_at_the_base_ref_is_an_empty_base_with_a_note(tmp_path):
    repo = _repo_adding_k8s(tmp_path)
    run = _netverify(repo, "diff", "git:HEAD:k8s", "k8s", "--scope", "existing", "--format", "json")
    # every workload is new and, without policies before, was open to everything: HEAD's policies only narrow,
    # so nothing is newly allowed and the default gate passes; the workloads' connections are listed apart
    assert run.returncode == 0, run.stderr
    report = json.loads(run.stdout)
    assert not report["summary"]["has_added"] and report["changes"] == []
    ends = {(e["namespace"], e["name"]) for c in report["new_workloads"] for e in (c["src"], c["dst"]) if "name" in e}
    assert ("api", "orders") in ends and ("web", "frontend") in ends
    note = next(n for n in report["notes"] if "git:HEAD:k8s" in n)
    assert "'k8s' does not exist at HEAD" in note and "BASE is empty" in note
    text = _netverify(repo, "diff", "git:HEAD:k8s", "k8s", "--scope", "existing", "--fail-on", "new-workloads")
    assert text.returncode == 1 and "does not exist at HEAD: BASE is empty" in text.stderr
    assert "connections of workloads only in HEAD" in text.stdout


def test_a_missing_head_or_an_unknown_ref_stays_an_error(tmp_path):
    repo = _repo_adding_k8s(tmp_path)
    head = _netverify(repo, "diff", "k8s", "git:HEAD:k8s")
    assert head.returncode == 2 and "no path 'k8s' in HEAD" in head.stderr and "Traceback" not in head.stderr
    ref = _netverify(repo, "diff", "git:no-such-ref:k8s", "k8s")
    assert ref.returncode == 2 and "unknown git revision 'no-such-ref'" in ref.stderr
    disk = _netverify(repo, "diff", "no-such-folder", "k8s")
    assert disk.returncode == 2 and "no-such-folder: no such file or directory" in disk.stderr
