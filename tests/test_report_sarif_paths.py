"""SARIF URIs relative to the repository root (uriBaseId %SRCROOT%), so code scanning can place every result:
found with git or given with --sarif-root; `git:REF:path` names map to their path."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from typer.testing import CliRunner

import report_fixtures as fx
from netverify.cli import app
from netverify.report import SourceRoot, render
from netverify.report.sarif_paths import SRCROOT, artifact_location
from test_cli_end_to_end import ALLOW_WEB, SHOP, write

runner = CliRunner()


def test_a_relative_name_is_made_relative_to_the_root_not_the_current_directory():
    where = SourceRoot(root="/repo", cwd="/repo/deploy")
    assert artifact_location("k8s/a b.yaml", where) == {"uri": "deploy/k8s/a%20b.yaml", "uriBaseId": SRCROOT}
    assert artifact_location("../props.yaml", where) == {"uri": "props.yaml", "uriBaseId": SRCROOT}
    assert artifact_location("/repo/x.yaml", where) == {"uri": "x.yaml", "uriBaseId": SRCROOT}


def test_a_git_source_maps_to_its_path_from_the_repository_top():
    where = SourceRoot(root="/repo", cwd="/repo/deploy", git_top="/repo")
    assert artifact_location("git:origin/main:k8s/db.yaml", where) == {"uri": "k8s/db.yaml", "uriBaseId": SRCROOT}
    inner = SourceRoot(root="/repo/k8s", cwd="/repo", git_top="/repo")  # --sarif-root a folder of the repo
    assert artifact_location("git:abc123:k8s/db.yaml", inner) == {"uri": "db.yaml", "uriBaseId": SRCROOT}


def test_outside_the_root_is_an_absolute_file_uri_and_non_files_have_none():
    where = SourceRoot(root="/repo", cwd="/repo")
    assert artifact_location("/elsewhere/a.yaml", where) == {"uri": "file:///elsewhere/a.yaml"}
    assert artifact_location("<stdin>", where) is None and artifact_location("-", where) is None


def test_the_run_says_what_srcroot_stands_for():
    doc = json.loads(render(fx.PROVE, "sarif", sarif_root=SourceRoot(root="/repo", cwd="/repo")))
    assert doc["runs"][0]["originalUriBaseIds"] == {SRCROOT: {"uri": "file:///repo/"}}
    located = doc["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]
    assert located["uriBaseId"] == SRCROOT


def _git(cwd: Path, *args: str) -> None:
    subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@t", *args], cwd=cwd, check=True,
                   capture_output=True)


@pytest.fixture
def repo(tmp_path) -> Path:
    if shutil.which("git") is None:
        pytest.skip("needs git")
    root = tmp_path / "repo"
    write(root / "deploy" / "k8s" / "shop.yaml", SHOP)
    _git(root, "init", "-q")
    _git(root, "add", ".")
    _git(root, "commit", "-qm", "base")
    write(root / "deploy" / "k8s" / "shop.yaml", SHOP + ALLOW_WEB)
    return root


def _uris(doc: dict) -> set[str]:
    return {loc["physicalLocation"]["artifactLocation"]["uri"]
            for r in doc["runs"][0]["results"] for loc in r.get("locations", [])}


def test_diff_from_a_subfolder_points_at_paths_from_the_repository_root(repo, monkeypatch):
    monkeypatch.chdir(repo / "deploy")
    result = runner.invoke(app, ["diff", "git:HEAD:deploy/k8s", "k8s", "--fail-on", "never",
                                 "--report", "sarif=out.sarif"])
    assert result.exit_code == 0, result.stderr
    doc = json.loads((repo / "deploy" / "out.sarif").read_text())
    assert _uris(doc) == {"deploy/k8s/shop.yaml"}
    assert doc["runs"][0]["originalUriBaseIds"][SRCROOT]["uri"] == (repo.resolve().as_uri() + "/")


def test_removed_connections_located_in_the_git_base_map_to_their_path(repo, monkeypatch):
    monkeypatch.chdir(repo / "deploy")
    _git(repo, "commit", "-qam", "head")
    write(repo / "deploy" / "k8s" / "shop.yaml", SHOP)  # the working copy drops the rule HEAD has
    result = runner.invoke(app, ["diff", "git:HEAD:deploy/k8s", "k8s", "--fail-on", "never", "--format", "sarif"])
    assert result.exit_code == 0, result.stderr
    assert _uris(json.loads(result.stdout)) == {"deploy/k8s/shop.yaml"}  # was `git%3AHEAD%3Adeploy/...`


def test_sarif_root_option_sets_the_root(repo, monkeypatch):
    monkeypatch.chdir(repo)
    result = runner.invoke(app, ["diff", "git:HEAD:deploy/k8s", "deploy/k8s", "--fail-on", "never",
                                 "--format", "sarif", "--sarif-root", "deploy"])
    assert result.exit_code == 0, result.stderr
    assert _uris(json.loads(result.stdout)) == {"k8s/shop.yaml"}
    bad = runner.invoke(app, ["diff", "git:HEAD:deploy/k8s", "deploy/k8s", "--sarif-root", "deploy/k8s/shop.yaml"])
    assert bad.exit_code == 2
