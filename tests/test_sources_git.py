"""`git:REF[:PATH]` sources: read from the repository's history without touching the working copy."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from netverify.errors import InputError, UsageError
from netverify.load.sources import GitSpec, load_source, read_git_manifests


def git(repo: Path, *args: str) -> str:
    return subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@example.com", "-c", "commit.gpgsign=false", *args],
        cwd=repo, check=True, capture_output=True, text=True,
    ).stdout


def write(repo: Path, rel: str, text: str) -> None:
    path = repo / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """Two commits: v1 has k8s/{a.yaml,sub/b.yml,notes.txt}; v2 changes a.yaml and adds c.json."""
    git(tmp_path, "init", "-q", "-b", "main")
    write(tmp_path, "k8s/a.yaml", "kind: A\nversion: 1\n")
    write(tmp_path, "k8s/sub/b.yml", "kind: B\n")
    write(tmp_path, "k8s/notes.txt", "not a manifest\n")
    write(tmp_path, "other/z.yaml", "kind: Z\n")
    git(tmp_path, "add", ".")
    git(tmp_path, "commit", "-q", "-m", "v1")
    git(tmp_path, "tag", "v1")
    write(tmp_path, "k8s/a.yaml", "kind: A\nversion: 2\n")
    write(tmp_path, "k8s/c.json", '{"kind": "C"}\n')
    git(tmp_path, "add", ".")
    git(tmp_path, "commit", "-q", "-m", "v2")
    return tmp_path


def read(spec: str, cwd: Path) -> dict[str, str]:
    return {m.name: m.text for m in read_git_manifests(GitSpec.parse(spec), spec, cwd=cwd)}


def test_directory_at_an_old_revision_lists_its_manifests_recursively_and_skips_other_files(repo: Path) -> None:
    assert read("git:v1:k8s", repo) == {
        "git:v1:k8s/a.yaml": "kind: A\nversion: 1\n",
        "git:v1:k8s/sub/b.yml": "kind: B\n",
    }


def test_reads_the_commit_not_the_working_copy(repo: Path) -> None:
    write(repo, "k8s/a.yaml", "kind: A\nversion: uncommitted\n")
    (repo / "k8s/sub/b.yml").unlink()
    assert read("git:HEAD:k8s", repo) == {
        "git:HEAD:k8s/a.yaml": "kind: A\nversion: 2\n",
        "git:HEAD:k8s/c.json": '{"kind": "C"}\n',
        "git:HEAD:k8s/sub/b.yml": "kind: B\n",
    }


def test_relative_revision_and_single_file(repo: Path) -> None:
    assert read("git:HEAD~1:k8s/a.yaml", repo) == {"git:HEAD~1:k8s/a.yaml": "kind: A\nversion: 1\n"}


def test_no_path_means_the_whole_tree(repo: Path) -> None:
    assert sorted(read("git:v1", repo)) == ["git:v1:k8s/a.yaml", "git:v1:k8s/sub/b.yml", "git:v1:other/z.yaml"]


def test_paths_are_from_the_root_unless_they_start_with_dot(repo: Path) -> None:
    sub = repo / "k8s"
    assert list(read("git:v1:k8s/sub", sub)) == ["git:v1:k8s/sub/b.yml"]
    assert list(read("git:v1:./sub", sub)) == ["git:v1:k8s/sub/b.yml"]
    assert sorted(read("git:v1:../other", sub)) == ["git:v1:other/z.yaml"]


def test_paths_are_not_globs(repo: Path) -> None:
    with pytest.raises(UsageError):
        read("git:v1:k8s/*.yaml", repo)


@pytest.mark.parametrize(
    ("spec", "needle"),
    [
        ("git:no-such-branch:k8s", "unknown git revision 'no-such-branch'"),
        ("git:v1:k8s/c.json", "no path 'k8s/c.json' in v1"),
        ("git:v1:missing", "no path 'missing' in v1"),
        ("git:", "expected git:REF"),
        ("git::k8s", "expected git:REF"),
        ("git:--output=x:k8s", "cannot start with '-'"),
        ("git:v1:../../outside", "leaves the repository"),
    ],
)
def test_bad_refs_and_paths_are_usage_errors(repo: Path, spec: str, needle: str) -> None:
    with pytest.raises(UsageError) as info:
        read(spec, repo / "k8s")
    assert needle in str(info.value)
    assert str(info.value).startswith(spec)


def test_outside_a_repository_is_a_usage_error(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="not inside a git repository"):
        read("git:HEAD:k8s", tmp_path)


# ---- load_source: whole clusters, from history or from disk ------------------------------------

POLICY = """\
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: db-in
  namespace: shop
spec:
  podSelector:
    matchLabels: {{app: db}}
  ingress:
  - from:
    - podSelector:
        matchLabels: {{app: {peer}}}
"""
DEPLOYMENT = """\
apiVersion: apps/v1
kind: Deployment
metadata: {name: db, namespace: shop}
spec:
  selector: {matchLabels: {app: db}}
  template:
    metadata: {labels: {app: db}}
    spec: {containers: [{name: db, image: postgres}]}
"""


@pytest.fixture
def manifest_repo(tmp_path: Path) -> Path:
    git(tmp_path, "init", "-q", "-b", "main")
    write(tmp_path, "k8s/db.yaml", DEPLOYMENT)
    write(tmp_path, "k8s/policies/db-in.yaml", POLICY.format(peer="api"))
    write(tmp_path, "k8s/.ci/not-a-manifest.yaml", "steps: [1, 2]\n")
    git(tmp_path, "add", ".")
    git(tmp_path, "commit", "-q", "-m", "v1")
    write(tmp_path, "k8s/policies/db-in.yaml", POLICY.format(peer="web"))
    git(tmp_path, "commit", "-q", "-am", "v2")
    return tmp_path


def test_load_source_reads_a_cluster_from_history_with_spans_naming_the_revision(manifest_repo: Path) -> None:
    old = load_source("git:HEAD~1:k8s", repo=manifest_repo)
    new = load_source("git:HEAD:k8s", repo=manifest_repo)
    (old_policy,), (new_policy,) = old.policies, new.policies
    assert str(old_policy.ingress[0].peers[0].pod_selector) == "app=api"
    assert str(new_policy.ingress[0].peers[0].pod_selector) == "app=web"
    assert old_policy.span.file == "git:HEAD~1:k8s/policies/db-in.yaml"
    assert old_policy.ingress[0].span.line == 10  # the `- from:` line in that file
    assert [w.ref for w in old.workloads] == ["shop/db[Deployment]"]
    assert old.workloads[0].span.file == "git:HEAD~1:k8s/db.yaml"
    assert not old.warnings  # k8s/.ci is a dot folder: not searched, as on disk


def test_load_source_from_a_path_on_disk(manifest_repo: Path) -> None:
    cluster = load_source(str(manifest_repo / "k8s"))
    assert str(cluster.policies[0].ingress[0].peers[0].pod_selector) == "app=web"


def test_load_source_of_a_missing_path_is_a_usage_error(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="no such file or directory"):
        load_source(str(tmp_path / "nope"))


def test_bad_yaml_in_history_is_an_input_error_naming_the_revision_file_and_line(manifest_repo: Path) -> None:
    write(manifest_repo, "k8s/broken.yaml", "kind: Namespace\nmetadata: {name: [unclosed\n")
    git(manifest_repo, "add", ".")
    git(manifest_repo, "commit", "-q", "-m", "broken")
    with pytest.raises(InputError) as info:
        load_source("git:HEAD:k8s", repo=manifest_repo)
    assert info.value.file == "git:HEAD:k8s/broken.yaml"
    assert info.value.line is not None and info.value.line >= 2
