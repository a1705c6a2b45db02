"""benchmarks/generate.py: deterministic, the requested sizes, realistic shapes, every selector operator."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
_spec = importlib.util.spec_from_file_location("nv_bench_generate", ROOT / "benchmarks" / "generate.py")
gen = importlib.util.module_from_spec(_spec)
sys.modules[_spec.name] = gen
_spec.loader.exec_module(gen)

SMALL = (60, 400)  # policies, pods: fast, yet every feature shows up


def files(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def load_dir(root: Path) -> list[dict]:
    docs: list[dict] = []
    for p in sorted(root.iterdir()):
        if p.suffix == ".yaml":
            docs += [d for d in yaml.load_all(p.read_text(), Loader=yaml.CSafeLoader) if d]
        else:
            data = json.loads(p.read_text())
            assert data["kind"] == "List" and data["apiVersion"] == "v1"
            docs += data["items"]
    return docs


load_dir.cache = {}


def kinds(docs, kind):
    return [d for d in docs if d["kind"] == kind]


def selectors(policy):
    spec = policy["spec"]
    yield spec["podSelector"]
    for direction, key in (("ingress", "from"), ("egress", "to")):
        for rule in spec.get(direction) or []:
            for peer in rule.get(key) or []:
                for part in ("podSelector", "namespaceSelector"):
                    if part in peer:
                        yield peer[part]


def port_entries(policy):
    for direction in ("ingress", "egress"):
        for rule in policy["spec"].get(direction) or []:
            yield from rule.get("ports") or []


@pytest.fixture(scope="module", params=["yaml", "json"])
def small(request, tmp_path_factory):
    out = tmp_path_factory.mktemp(f"gen-{request.param}")
    summary = gen.generate(SMALL, seed=11, out_dir=out, fmt=request.param, properties=30, mutate=3)
    load_dir.cache[out / "manifests"] = load_dir(out / "manifests")
    return request.param, out, summary


def manifests(out: Path) -> list[dict]:
    """The fixture's documents, parsed once."""
    return load_dir.cache[out / "manifests"]


def test_same_seed_same_bytes(tmp_path):
    for fmt in ("yaml", "json"):
        a = gen.generate(SMALL, seed=3, out_dir=tmp_path / f"a-{fmt}", fmt=fmt, properties=20, mutate=2)
        b = gen.generate(SMALL, seed=3, out_dir=tmp_path / f"b-{fmt}", fmt=fmt, properties=20, mutate=2)
        fa, fb = files(tmp_path / f"a-{fmt}"), files(tmp_path / f"b-{fmt}")
        assert fa == fb
        assert {k for k in a if k != "out_dir"} and {**a, "out_dir": None} == {**b, "out_dir": None}


def test_other_seed_other_cluster(tmp_path):
    gen.generate(SMALL, seed=1, out_dir=tmp_path / "a", properties=10)
    gen.generate(SMALL, seed=2, out_dir=tmp_path / "b", properties=10)
    assert files(tmp_path / "a" / "manifests") != files(tmp_path / "b" / "manifests")


def test_requested_counts(small):
    fmt, out, summary = small
    docs = manifests(out)
    assert len(kinds(docs, "Pod")) == summary["pods"] == SMALL[1]
    assert len(kinds(docs, "NetworkPolicy")) == summary["policies"] == SMALL[0]
    assert len(kinds(docs, "Namespace")) == summary["namespaces"]
    assert summary["namespaces"] >= 3
    props = yaml.safe_load((out / "properties.yaml").read_text())
    assert len(props["properties"]) == summary["properties"] == 30
    assert sorted((out / "manifests").iterdir()) == sorted(
        out / "manifests" / f"{n}.{fmt}" for n in ("namespaces", "workloads", "pods", "services", "policies"))


@pytest.mark.parametrize("preset", ["small"])
def test_preset_counts(preset, tmp_path):
    summary = gen.generate(preset, seed=0, out_dir=tmp_path, properties=5)
    assert (summary["policies"], summary["pods"]) == gen.PRESETS[preset] == (100, 1000)
    assert gen.PRESETS["medium"] == (1_000, 10_000) and gen.PRESETS["large"] == (10_000, 100_000)


def test_every_selector_operator_and_peer_shape_is_used(small):
    _, out, _ = small
    policies = kinds(manifests(out), "NetworkPolicy")
    ops = {e["operator"] for p in policies for s in selectors(p) for e in s.get("matchExpressions") or []}
    assert ops == {"In", "NotIn", "Exists", "DoesNotExist"}
    peers = [peer for p in policies for d, k in (("ingress", "from"), ("egress", "to"))
             for rule in p["spec"].get(d) or [] for peer in rule.get(k) or []]
    assert any("namespaceSelector" in x and "podSelector" in x for x in peers)
    assert any(x.get("namespaceSelector") == {} and "podSelector" in x for x in peers)  # the label-collision shape
    assert any("podSelector" in x and "namespaceSelector" not in x for x in peers)
    assert any(x.get("ipBlock", {}).get("except") for x in peers)
    entries = [e for p in policies for e in port_entries(p)]
    assert any("endPort" in e and e["endPort"] > e["port"] for e in entries)
    assert any(isinstance(e.get("port"), str) for e in entries)
    assert {e.get("protocol", "TCP") for e in entries} >= {"TCP", "UDP"}
    # per-namespace default-deny (both directions) and DNS egress to kube-system
    namespaces = {d["metadata"]["name"] for d in kinds(manifests(out), "Namespace")}
    deny = {p["metadata"]["namespace"] for p in policies
            if p["spec"]["podSelector"] == {} and p["spec"].get("policyTypes") == ["Ingress", "Egress"]}
    assert deny == namespaces - {"kube-system"}
    assert not any(p["metadata"]["namespace"] == "kube-system" for p in policies)


def test_selector_operators_are_well_formed(small):
    _, out, _ = small
    for p in kinds(manifests(out), "NetworkPolicy"):
        for s in selectors(p):
            for e in s.get("matchExpressions") or []:
                if e["operator"] in ("In", "NotIn"):
                    assert e["values"], p["metadata"]
                else:
                    assert "values" not in e, p["metadata"]


def test_pods_belong_to_their_controllers(small):
    _, out, _ = small
    docs = manifests(out)
    by_uid = {d["metadata"]["uid"]: d for d in docs if d["kind"] in ("ReplicaSet", "StatefulSet", "Deployment")}
    namespaces = {d["metadata"]["name"]: d["metadata"]["labels"] for d in kinds(docs, "Namespace")}
    for ns, labels in namespaces.items():
        assert labels["kubernetes.io/metadata.name"] == ns
        if ns != "kube-system":
            assert {"team", "env"} <= set(labels)
    assert any(d["kind"] == "Deployment" for d in docs) and any(d["kind"] == "StatefulSet" for d in docs)
    ips = set()
    for pod in kinds(docs, "Pod"):
        (owner,) = pod["metadata"]["ownerReferences"]
        assert owner["controller"] is True
        ctrl = by_uid[owner["uid"]]
        assert (ctrl["kind"], ctrl["metadata"]["name"], ctrl["metadata"]["namespace"]) == (
            owner["kind"], owner["name"], pod["metadata"]["namespace"])
        assert ctrl["kind"] in ("ReplicaSet", "StatefulSet")
        template = ctrl["spec"]["template"]["metadata"]["labels"]
        assert template.items() <= pod["metadata"]["labels"].items()
        assert all(p.get("name") for c in pod["spec"]["containers"] for p in c["ports"])
        ips.add(pod["status"]["podIP"])
    assert len(ips) == len(kinds(docs, "Pod"))
    for rs in kinds(docs, "ReplicaSet"):
        (owner,) = rs["metadata"]["ownerReferences"]
        assert by_uid[owner["uid"]]["kind"] == "Deployment"


def test_services_target_named_ports_of_their_pods(small):
    _, out, _ = small
    docs = manifests(out)
    pods = kinds(docs, "Pod")
    for svc in kinds(docs, "Service"):
        sel = svc["spec"]["selector"]
        chosen = [p for p in pods if p["metadata"]["namespace"] == svc["metadata"]["namespace"]
                  and sel.items() <= p["metadata"]["labels"].items()]
        assert chosen, svc["metadata"]
        for port in svc["spec"]["ports"]:
            assert all(any(cp["name"] == port["targetPort"] for c in p["spec"]["containers"] for cp in c["ports"])
                       for p in chosen)


def test_properties_mix_kinds_scopes_and_outcomes(small):
    _, out, _ = small
    props = yaml.safe_load((out / "properties.yaml").read_text())
    assert props["manifests"] == ["manifests"]
    items = props["properties"]
    expected = json.loads((out / "expected.json").read_text())
    assert [p["name"] for p in items] == list(expected)
    assert len(set(expected)) == len(items)
    assert {p["expect"] for p in items} == {"unreachable", "reachable", "possible"}
    assert {p["scope"] for p in items} == {"any", "existing"}
    assert set(expected.values()) == {"proven", "violated"}
    for p in items:
        assert set(p) <= {"name", "description", "from", "to", "ports", "expect", "scope"}
        assert p["description"]


def test_mutated_head_changes_only_policies(small):
    fmt, out, summary = small
    base, head = files(out / "manifests"), files(out / "head" / "manifests")
    assert set(base) == set(head)
    assert [n for n in base if base[n] != head[n]] == [f"policies.{fmt}"]
    changes = json.loads((out / "mutations.json").read_text())
    assert len(changes) == summary["mutations"] == 3
    before = {(p["metadata"]["namespace"], p["metadata"]["name"]): p
              for p in kinds(manifests(out), "NetworkPolicy")}
    after = {(p["metadata"]["namespace"], p["metadata"]["name"]): p
             for p in kinds(load_dir(out / "head" / "manifests"), "NetworkPolicy")}
    assert before.keys() == after.keys()
    changed = sorted("/".join(k) for k in before if before[k] != after[k])
    assert changed == sorted(c["policy"] for c in changes)


def test_fast_yaml_writer_matches_libyaml():
    g = gen._Gen(*SMALL, seed=5)
    g.build()
    namespaces, controllers, pod_groups, services = gen._emit(g)
    for docs in (namespaces, controllers, services, g.policies, [pod for pod, _ in pod_groups]):
        assert gen._BlockWriter().dump_all(docs) == gen._yaml_slow(docs)


def test_bad_sizes_are_rejected(tmp_path):
    with pytest.raises(ValueError):
        gen.generate((10, 2), seed=0, out_dir=tmp_path)
    with pytest.raises(ValueError):
        gen.generate("huge", seed=0, out_dir=tmp_path)
    with pytest.raises(SystemExit) as exc:
        gen.main(["small", "--pods", "10"])
    assert exc.value.code == 2
