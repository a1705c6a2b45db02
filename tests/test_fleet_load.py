"""The fleet file (load/fleet.py): what it says, and every mistake in it as bad input (file, line, field)."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from netverify.errors import InputError, InputErrors
from netverify.load.fleet import load_fleet, load_fleet_cluster

ROOT = Path(__file__).resolve().parent.parent
SHOP = ROOT / "examples" / "shop"
ISOLATION = ROOT / "properties" / "isolation.yaml"


def _write(tmp_path: Path, text: str) -> str:
    path = tmp_path / "fleet.yaml"
    path.write_text(text)
    return str(path)


def _errors(path: str) -> list[InputError]:
    with pytest.raises(InputError) as caught:
        load_fleet(path)
    exc = caught.value
    return list(exc.errors) if isinstance(exc, InputErrors) else [exc]


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    (tmp_path / "props.yaml").write_text(ISOLATION.read_text().replace("manifests: [../examples/shop]\n", ""))
    (tmp_path / "m").symlink_to(SHOP)
    return tmp_path


def test_paths_are_relative_to_the_fleet_file_shared_properties_come_first(tree):
    (tree / "own.yaml").write_text(yaml.safe_dump({"properties": [
        {"name": "own", "from": {"namespace": "web"}, "to": {"namespace": "web"}, "expect": "possible"}]}))
    path = _write(tree, "properties: props.yaml\nclusters:\n  - name: a\n    manifests: [m]\n"
                        "    properties: [own.yaml]\n  - name: b.2\n    manifests: m\n")
    fleet = load_fleet(path)
    a, b = fleet.clusters
    assert (a.name, a.manifests, a.properties) == ("a", (str(tree / "m"),), (str(tree / "props.yaml"),
                                                                             str(tree / "own.yaml")))
    assert a.span.line == 3 and b.span.line == 6
    loaded = load_fleet_cluster(a, repo=fleet.repo)
    names = [p.name for p in loaded.properties.properties]
    assert names[-1] == "own" and len(names) == 11
    assert loaded.cluster.policies  # the shop's manifests, read through the fleet file's path


def test_a_misspelt_key_names_the_key_meant(tree):
    (error,) = _errors(_write(tree, "clusters:\n  - name: a\n    manifest: [m]\n    properties: props.yaml\n"))
    assert (error.line, error.field) == (3, "clusters[0].manifest")
    assert "did you mean 'manifests'" in error.message


def test_every_mistake_of_the_file_at_once_with_its_line(tree):
    errors = _errors(_write(tree, "\n".join([
        "properties: [props.yaml, missing.yaml]",
        "clusters:",
        "  - name: a",
        "    manifests: [m, nowhere]",
        "  - name: a",
        "    manifests: [m]",
        "  - name: 'bad name!'",
        "    manifests: [m]",
        "  - name: both",
        "    manifests: [m]",
        "    context: prod",
        "  - name: lonely-kubeconfig",
        "    manifests: [m]",
        "    kubeconfig: ~/.kube/config",
        "  - name: bad-git",
        "    manifests: ['git:']",
        "",
    ])))
    found = {(e.line, e.field): e.message for e in errors}
    assert "missing.yaml: no such file or directory" in found[(1, "properties[1]")]
    assert "nowhere: no such file or directory" in found[(4, "clusters[0].manifests[1]")]
    assert "duplicate cluster name 'a' (first at line 3)" in found[(5, "clusters[1].name")]
    assert "letters, digits" in found[(7, "clusters[2].name")]
    assert "not both" in found[(11, "clusters[3].context")]
    assert "goes with `context:`" in found[(14, "clusters[4].kubeconfig")]
    assert "expected git:REF" in found[(16, "clusters[5].manifests[0]")]
    assert len(errors) == 7


def test_a_cluster_without_manifests_or_properties_is_bad_input(tree):
    errors = _errors(_write(tree, "clusters:\n  - name: a\n"))
    messages = " | ".join(e.message for e in errors)
    assert "give `manifests:`" in messages and "has no properties" in messages
    assert all(e.line == 2 for e in errors)


def test_no_clusters_is_bad_input(tree):
    (error,) = _errors(_write(tree, "properties: props.yaml\nclusters: []\n"))
    assert error.field == "clusters" and "nothing to check" in error.message


def test_a_cluster_takes_the_manifests_its_own_properties_file_lists(tree):
    (tree / "own.yaml").write_text(ISOLATION.read_text().replace("../examples/shop", "m"))
    fleet = load_fleet(_write(tree, "clusters:\n  - name: a\n    properties: [own.yaml]\n"))
    loaded = load_fleet_cluster(fleet.clusters[0], repo=fleet.repo)
    assert loaded.cluster.policies and not loaded.cluster.warnings


def test_manifests_a_properties_file_lists_beside_the_fleet_files_are_not_read_and_a_note_says_so(tree):
    (tree / "own.yaml").write_text(ISOLATION.read_text().replace("../examples/shop", "nowhere"))
    fleet = load_fleet(_write(tree, "clusters:\n  - name: a\n    manifests: m\n    properties: [own.yaml]\n"))
    loaded = load_fleet_cluster(fleet.clusters[0], repo=fleet.repo)
    assert any("own.yaml are not read" in w for w in loaded.cluster.warnings)


def test_a_property_name_used_twice_in_one_cluster_is_bad_input(tree):
    fleet = load_fleet(_write(tree, "properties: props.yaml\nclusters:\n"
                                    "  - name: a\n    manifests: m\n    properties: [props.yaml]\n"))
    with pytest.raises(InputError) as caught:
        load_fleet_cluster(fleet.clusters[0], repo=fleet.repo)
    assert "is also defined at" in caught.value.message and "cluster 'a'" in caught.value.message


def test_a_kubeconfig_context_is_read_as_a_live_cluster(tree):
    # The cluster entry's context is read through the live-cluster loader, as `-f cluster:CONTEXT` is: the
    # stand-in API server serves the example, and the fleet's cluster is that example (never an empty one).
    pytest.importorskip("kubernetes", reason="netverify[live] (the kubernetes client) is not installed")
    from fake_apiserver import FakeApiServer
    from test_live_cluster import SHOP, shop_cluster

    from netverify.load.manifests import load_cluster

    with FakeApiServer(shop_cluster()) as server:
        kubeconfig = server.kubeconfig(tree)
        fleet = load_fleet(_write(tree, f"clusters:\n  - name: live\n    context: kind-test\n"
                                        f"    kubeconfig: {kubeconfig}\n    properties: props.yaml\n"))
        loaded = load_fleet_cluster(fleet.clusters[0], repo=fleet.repo)
    files = load_cluster([str(SHOP)])
    assert sorted(p.key for p in loaded.cluster.policies) == sorted(p.key for p in files.policies)
    assert {w.ref for w in loaded.cluster.workloads} == {w.ref for w in files.workloads}


def test_git_sources_are_read_from_the_fleet_files_repository(tree):
    import subprocess

    repo = tree / "repo"
    (repo / "deploy").mkdir(parents=True)
    for f in SHOP.rglob("*.yaml"):
        target = repo / "deploy" / f.relative_to(SHOP)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(f.read_text())
    (repo / "props.yaml").write_text((tree / "props.yaml").read_text())
    (repo / "fleet.yaml").write_text("clusters:\n  - name: a\n    manifests: git:HEAD:deploy\n"
                                     "    properties: props.yaml\n")
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@t", "-C", str(repo)]
    subprocess.run([*git, "init", "-q"], check=True)
    subprocess.run([*git, "add", "."], check=True)
    subprocess.run([*git, "commit", "-qm", "x"], check=True)
    fleet = load_fleet(str(repo / "fleet.yaml"))
    loaded = load_fleet_cluster(fleet.clusters[0], repo=fleet.repo)
    assert loaded.cluster.policies
    assert all(p.span.file.startswith("git:HEAD:deploy/") for p in loaded.cluster.policies)
