"""The bundled example (examples/shop, examples/shop-pr) and its properties file are well-formed.

These tests look at the files only (YAML, kinds, cross references); proving the properties is tested
with the analyses.
"""

from __future__ import annotations

import filecmp
import json
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
SHOP = ROOT / "examples" / "shop"
SHOP_PR = ROOT / "examples" / "shop-pr"
PROPERTIES = ROOT / "properties" / "isolation.yaml"

APP_NAMESPACES = {"web", "api", "data", "monitoring"}
WORKLOAD_KINDS = {"Deployment", "StatefulSet"}


def manifest_files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.suffix in {".yaml", ".yml", ".json"})


def load_docs(root: Path) -> list[tuple[Path, dict]]:
    docs = []
    for path in manifest_files(root):
        with path.open() as fh:
            for doc in yaml.safe_load_all(fh):
                if doc is not None:
                    docs.append((path, doc))
    return docs


def by_kind(docs, kind):
    return [d for _, d in docs if d["kind"] == kind]


def ns_of(doc) -> str:
    return doc["metadata"].get("namespace", "default")


def template_labels(doc) -> dict:
    return doc["spec"]["template"]["metadata"]["labels"]


def container_ports(doc) -> list[dict]:
    return [p for c in doc["spec"]["template"]["spec"]["containers"] for p in c.get("ports", [])]


def matches(selector: dict, labels: dict) -> bool:
    """matchLabels and matchExpressions (the four operators), enough for these files."""
    if any(labels.get(k) != v for k, v in (selector.get("matchLabels") or {}).items()):
        return False
    for e in selector.get("matchExpressions") or []:
        key, op, values = e["key"], e["operator"], e.get("values", [])
        ok = {
            "In": key in labels and labels[key] in values,
            "NotIn": key not in labels or labels[key] not in values,
            "Exists": key in labels,
            "DoesNotExist": key not in labels,
        }[op]
        if not ok:
            return False
    return True


@pytest.fixture(scope="module")
def shop():
    return load_docs(SHOP)


@pytest.mark.parametrize("root", [SHOP, SHOP_PR], ids=["shop", "shop-pr"])
def test_every_document_is_a_named_object(root):
    docs = load_docs(root)
    assert docs
    seen = set()
    for path, doc in docs:
        assert isinstance(doc, dict), path
        assert doc.get("apiVersion") and doc.get("kind"), path
        name = doc["metadata"]["name"]
        key = (doc["kind"], ns_of(doc) if doc["kind"] != "Namespace" else "", name)
        assert key not in seen, f"duplicate {key} in {path}"
        seen.add(key)


def test_expected_kinds_and_layout(shop):
    kinds = {d["kind"] for _, d in shop}
    assert kinds == {"Namespace", "Deployment", "StatefulSet", "Service", "NetworkPolicy"}
    names = {p.relative_to(SHOP).as_posix() for p in manifest_files(SHOP)}
    assert {"namespaces.yaml", "web.yaml", "api.yaml", "data.yaml", "monitoring.yaml", "kube-system.yaml"} <= names
    assert any(n.startswith("policies/") for n in names)
    # one concern per file: NetworkPolicies live under policies/ and nowhere else
    for path, doc in shop:
        assert (doc["kind"] == "NetworkPolicy") == (path.parent.name == "policies"), path


def test_namespaces_carry_team_and_env(shop):
    namespaces = {d["metadata"]["name"]: d["metadata"].get("labels", {}) for d in by_kind(shop, "Namespace")}
    assert set(namespaces) == APP_NAMESPACES | {"kube-system"}
    for name in APP_NAMESPACES:
        assert {"team", "env"} <= set(namespaces[name]), name
    # every namespaced object lives in a declared namespace
    for _, doc in shop:
        if doc["kind"] != "Namespace":
            assert ns_of(doc) in namespaces, doc["metadata"]["name"]


def test_coredns_in_kube_system(shop):
    dns = [d for d in by_kind(shop, "Deployment") if ns_of(d) == "kube-system"]
    assert len(dns) == 1
    assert template_labels(dns[0])["k8s-app"] == "kube-dns"
    ports = {(p["containerPort"], p.get("protocol", "TCP")) for p in container_ports(dns[0])}
    assert {(53, "UDP"), (53, "TCP")} <= ports


def test_workloads_have_app_labels_and_named_ports(shop):
    workloads = [d for _, d in shop if d["kind"] in WORKLOAD_KINDS]
    assert {ns_of(w) for w in workloads} == APP_NAMESPACES | {"kube-system"}
    for w in workloads:
        labels = template_labels(w)
        assert "app" in labels or "k8s-app" in labels, w["metadata"]["name"]
        assert matches(w["spec"]["selector"], labels), w["metadata"]["name"]
        ports = container_ports(w)
        assert ports and all(p.get("name") for p in ports), w["metadata"]["name"]


def test_services_select_workloads_and_named_target_ports_resolve(shop):
    workloads = [d for _, d in shop if d["kind"] in WORKLOAD_KINDS]
    for svc in by_kind(shop, "Service"):
        selected = [w for w in workloads if ns_of(w) == ns_of(svc)
                    and matches({"matchLabels": svc["spec"]["selector"]}, template_labels(w))]
        assert selected, svc["metadata"]["name"]
        for port in svc["spec"]["ports"]:
            target = port["targetPort"]
            assert isinstance(target, str), "the example uses named target ports"
            for w in selected:
                assert any(p["name"] == target and p.get("protocol", "TCP") == port.get("protocol", "TCP")
                           for p in container_ports(w)), (svc["metadata"]["name"], target)


def test_default_deny_both_directions_in_every_app_namespace(shop):
    deny = {ns_of(p) for p in by_kind(shop, "NetworkPolicy")
            if p["spec"]["podSelector"] == {} and set(p["spec"].get("policyTypes", [])) == {"Ingress", "Egress"}
            and not p["spec"].get("ingress") and not p["spec"].get("egress")}
    assert deny == APP_NAMESPACES


def test_no_policy_in_kube_system(shop):
    assert all(ns_of(p) != "kube-system" for p in by_kind(shop, "NetworkPolicy"))


def policy_ports(policy):
    for direction in ("ingress", "egress"):
        for rule in policy["spec"].get(direction) or []:
            for port in rule.get("ports") or []:
                yield port


def test_named_policy_ports_exist_on_some_workload(shop):
    names = {(p["name"], p.get("protocol", "TCP"))
             for d in shop if d[1]["kind"] in WORKLOAD_KINDS for p in container_ports(d[1])}
    named = [(p["port"], p.get("protocol", "TCP"))
             for pol in by_kind(shop, "NetworkPolicy") for p in policy_ports(pol) if isinstance(p["port"], str)]
    assert {"http", "grpc", "postgres", "metrics"} <= {n for n, _ in named}
    assert set(named) <= names


def test_policy_features_used(shop):
    peers = [peer for pol in by_kind(shop, "NetworkPolicy") for direction in ("ingress", "egress")
             for rule in pol["spec"].get(direction) or [] for peer in rule.get("from", rule.get("to")) or []]
    assert any("ipBlock" in p and p["ipBlock"].get("except") for p in peers)
    assert any("namespaceSelector" in p and "podSelector" in p for p in peers)
    assert any(p.get("namespaceSelector") == {} for p in peers)
    dns = [p for p in peers if p.get("podSelector", {}).get("matchLabels") == {"k8s-app": "kube-dns"}]
    assert {ns_of(pol) for pol in by_kind(shop, "NetworkPolicy")
            if any(peer in dns for rule in pol["spec"].get("egress") or [] for peer in rule.get("to") or [])} \
        == APP_NAMESPACES


def test_planted_mistake_is_invisible_in_existing_workloads(shop):
    """role=backend is admitted from any namespace, yet only api workloads carry it today."""
    data_ingress = [peer for pol in by_kind(shop, "NetworkPolicy") if ns_of(pol) == "data"
                    for rule in pol["spec"].get("ingress") or [] for peer in rule.get("from") or []]
    assert {"namespaceSelector": {}, "podSelector": {"matchLabels": {"role": "backend"}}} in data_ingress
    backends = [w for _, w in shop if w["kind"] in WORKLOAD_KINDS and template_labels(w).get("role") == "backend"]
    assert backends and {ns_of(w) for w in backends} == {"api"}


def test_shop_and_shop_pr_differ_in_exactly_one_policy_file():
    left = {p.relative_to(SHOP) for p in SHOP.rglob("*") if p.is_file()}
    right = {p.relative_to(SHOP_PR) for p in SHOP_PR.rglob("*") if p.is_file()}
    assert left == right
    differing = [p for p in sorted(left) if not filecmp.cmp(SHOP / p, SHOP_PR / p, shallow=False)]
    assert len(differing) == 1
    changed = differing[0]
    before = list(yaml.safe_load_all((SHOP / changed).read_text()))
    after = list(yaml.safe_load_all((SHOP_PR / changed).read_text()))
    assert len(before) == len(after)
    changed_docs = [(b, a) for b, a in zip(before, after) if b != a]
    assert len(changed_docs) == 1
    b, a = changed_docs[0]
    assert b["kind"] == a["kind"] == "NetworkPolicy"
    assert b["metadata"] == a["metadata"]


# --- properties/isolation.yaml ---------------------------------------------------------------------

@pytest.fixture(scope="module")
def props():
    return yaml.safe_load(PROPERTIES.read_text())


def test_properties_file_points_at_the_example(props):
    assert [(PROPERTIES.parent / m).resolve() for m in props["manifests"]] == [SHOP]


def test_properties_are_well_formed(props):
    items = props["properties"]
    assert 6 <= len(items) <= 10
    names = [p["name"] for p in items]
    assert len(set(names)) == len(names)
    for p in items:
        assert set(p) <= {"name", "description", "from", "to", "ports", "expect", "scope", "allow_vacuous"}, p["name"]
        assert p["description"].strip(), p["name"]
        assert p["expect"] in {"unreachable", "reachable", "possible"}
        assert p.get("scope", "any") in {"any", "existing"}
    assert {p["expect"] for p in items} == {"unreachable", "reachable", "possible"}
    assert {p.get("scope", "any") for p in items} == {"any", "existing"}


def test_properties_name_existing_namespaces_services_and_workloads(props, shop):
    namespaces = {d["metadata"]["name"] for d in by_kind(shop, "Namespace")}
    services = {(ns_of(s), s["metadata"]["name"]) for s in by_kind(shop, "Service")}
    workloads = {(ns_of(w), w["kind"], w["metadata"]["name"]) for _, w in shop if w["kind"] in WORKLOAD_KINDS}
    for p in props["properties"]:
        for end in (p["from"], p["to"]):
            if "namespace" in end:
                assert end["namespace"] in namespaces, p["name"]
            if "service" in end:
                assert (end["namespace"], end["service"]) in services, p["name"]
            if "workload" in end:
                kind, _, name = end["workload"].rpartition("/")
                assert any(ns == end["namespace"] and n == name and kind in ("", k)
                           for ns, k, n in workloads), p["name"]


def test_every_property_has_a_comment_saying_why():
    lines = PROPERTIES.read_text().splitlines()
    for i, line in enumerate(lines):
        if line.startswith("  - name:"):
            assert lines[i - 1].strip().startswith("#"), line


# --- the example proves what its comments say ------------------------------------------------------

def test_prove_isolation_gives_the_documented_verdicts(tmp_path):
    """Nine properties hold; the planted mistake is the one violation, refuted by a pod that does not exist
    yet: role=backend outside api reaches postgres on 5432."""
    pytest.importorskip("z3")
    out = tmp_path / "prove.json"
    run = subprocess.run([sys.executable, "-m", "netverify.cli", "prove", "properties/isolation.yaml",
                          "--format", "json", "--output", str(out)], cwd=ROOT, capture_output=True, text=True)
    assert run.returncode == 1, run.stderr
    report = json.loads(out.read_text())
    status = {r["name"]: r["status"] for r in report["results"]}
    assert [n for n, s in status.items() if s != "proven"] == ["postgres-only-from-api"]
    assert status["postgres-only-from-api"] == "violated"
    assert report["summary"] == {"proven": 9, "violated": 1, "vacuous": 0, "unknown": 0}
    cex = next(r for r in report["results"] if r["name"] == "postgres-only-from-api")["counterexample"]
    assert cex["src"]["labels"].get("role") == "backend" and cex["src"]["namespace"] not in ("api", "monitoring")
    assert cex["src"]["workload"] is None  # a pod that does not exist yet
    assert cex["dst"]["namespace"] == "data" and (cex["protocol"], cex["port"]) == ("TCP", 5432)
    assert [a["policy"] for a in cex["ingress"]["allowed_by"]] == ["data/allow-postgres-from-backends"]
