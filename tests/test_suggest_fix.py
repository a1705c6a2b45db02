"""`prove --suggest-fix`: the smallest edit after which a violated property holds and every property that held
still holds, both re-proven on the edited manifest text; and the text edits themselves."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from netverify.analyses.fix import suggest_fixes
from netverify.analyses.fix_text import drop_item, set_key
from netverify.analyses.prove import prove
from netverify.cli import app
from netverify.load.files import read_sources
from netverify.load.limits import DEFAULT_LIMITS
from netverify.load.manifests import load_cluster_from_texts
from netverify.load.properties import load_properties

ROOT = Path(__file__).resolve().parents[1]

SHOP = """\
apiVersion: v1
kind: Namespace
metadata: {name: shop}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: frontend, namespace: shop}
spec:
  selector: {matchLabels: {app: frontend}}
  template:
    metadata: {labels: {app: frontend}}
    spec: {containers: [{name: c, image: x}]}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: db, namespace: shop}
spec:
  selector: {matchLabels: {app: db}}
  template:
    metadata: {labels: {app: db}}
    spec: {containers: [{name: c, image: x, ports: [{containerPort: 80}, {containerPort: 5432}]}]}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: db, namespace: shop}
spec:
  podSelector: {matchLabels: {app: db}}
  ingress:
    - from:
        - podSelector: {matchLabels: {app: frontend}}
      ports:
        - {port: 80}
        - {port: 5432}
"""

PROPS = """\
manifests: [shop.yaml]
properties:
  - name: frontend-never-reaches-db-port
    from: {namespace: shop, podSelector: {matchLabels: {app: frontend}}}
    to: {namespace: shop, podSelector: {matchLabels: {app: db}}}
    ports: [{port: 5432}]
    expect: unreachable
  - name: frontend-reaches-db-http
    from: {namespace: shop, podSelector: {matchLabels: {app: frontend}}}
    to: {namespace: shop, podSelector: {matchLabels: {app: db}}}
    ports: [{port: 80}]
    expect: reachable
"""


def _fixes(tmp_path: Path, props_text: str = PROPS):
    (tmp_path / "shop.yaml").write_text(SHOP)
    (tmp_path / "p.yaml").write_text(props_text)
    props = load_properties(str(tmp_path / "p.yaml"))
    texts = dict(read_sources(list(props.manifests)))
    cluster = load_cluster_from_texts(texts.items())
    report = prove(cluster, props)
    return suggest_fixes(cluster, props, report.results, texts, lambda t: load_cluster_from_texts(t.items()),
                         lambda c, p: prove(c, p).results)


def test_the_bundled_examples_planted_violation_gets_the_natural_fix_and_the_nine_others_stay_proven():
    props = load_properties(str(ROOT / "properties" / "isolation.yaml"))
    texts = dict(read_sources([str(ROOT / m) if not Path(m).is_absolute() else m for m in props.manifests]))
    cluster = load_cluster_from_texts(texts.items())
    report = prove(cluster, props)
    (fix,) = suggest_fixes(cluster, props, report.results, texts, lambda t: load_cluster_from_texts(t.items()),
                           lambda c, p: prove(c, p).results)
    assert fix.property == "postgres-only-from-api" and fix.status == "found"
    assert "-        - namespaceSelector: {}" in fix.diff
    assert "+        - namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: api}}" in fix.diff
    assert len(fix.still_proven) == 9


def test_narrowing_the_ports_is_the_fix_when_the_peer_itself_is_right(tmp_path):
    (fix,) = _fixes(tmp_path)
    assert fix.status == "found", fix.reason
    assert fix.edits and "narrow the rule's ports" in fix.edits[0]
    assert "+      ports: [{protocol: TCP, port: 80}]" in fix.diff
    assert fix.still_proven == ("frontend-reaches-db-http",)


def test_no_fix_when_every_candidate_breaks_a_property_that_held(tmp_path):
    # The only candidate (drop port 5432 from the rule) would break the second property, which held.
    props = """\
manifests: [shop.yaml]
properties:
  - name: edge-frontends-never-reach-db-port
    from: {namespace: shop, podSelector: {matchLabels: {app: frontend, tier: edge}}}
    to: {namespace: shop, podSelector: {matchLabels: {app: db}}}
    ports: [{port: 5432}]
    expect: unreachable
  - name: some-frontend-reaches-db-port
    from: {namespace: shop, podSelector: {matchLabels: {app: frontend}}}
    to: {namespace: shop, podSelector: {matchLabels: {app: db}}}
    ports: [{port: 5432}]
    expect: possible
"""
    (fix,) = _fixes(tmp_path, props)
    assert fix.property == "edge-frontends-never-reach-db-port"
    assert fix.status == "none"
    assert "candidate edit" in (fix.reason or "")


def test_a_violated_reachable_property_gets_no_suggestion_with_the_reason(tmp_path):
    props = PROPS.replace("ports: [{port: 80}]", "ports: [{port: 8443}]")
    fixes = _fixes(tmp_path, props)
    reach = [f for f in fixes if f.property == "frontend-reaches-db-http"]
    assert reach and reach[0].status == "none" and "unreachable" in (reach[0].reason or "")


def test_set_key_replaces_a_block_and_adds_a_missing_key_keeping_comments():
    text = ("    - from:\n        # who\n        - namespaceSelector:\n            matchLabels: {a: b}\n"
            "          podSelector: {}\n      ports: []\n")
    replaced = set_key(text, 3, "namespaceSelector", {"matchLabels": {"x": "y"}})
    assert replaced == ("    - from:\n        # who\n        - namespaceSelector: {matchLabels: {x: y}}\n"
                        "          podSelector: {}\n      ports: []\n")
    pods_only = "        - podSelector: {matchLabels: {a: b}}\n      ports: []\n"
    added = set_key(pods_only, 1, "namespaceSelector", {})
    assert added == "        - podSelector: {matchLabels: {a: b}}\n          namespaceSelector: {}\n      ports: []\n"
    two = "        - podSelector: {}\n        - namespaceSelector: {}\n      ports: []\n"
    assert drop_item(two, 1) == "        - namespaceSelector: {}\n      ports: []\n"


def test_cli_json_carries_the_fix_and_stdin_manifests_say_why_not(tmp_path):
    (tmp_path / "shop.yaml").write_text(SHOP)
    (tmp_path / "p.yaml").write_text(PROPS)
    result = CliRunner().invoke(app, ["prove", str(tmp_path / "p.yaml"), "--suggest-fix", "--format", "json"])
    assert result.exit_code == 1  # the property is still violated in the manifests as they are
    (fix,) = json.loads(result.stdout)["fixes"]
    assert fix["status"] == "found" and fix["still_proven"] == ["frontend-reaches-db-http"]
    (tmp_path / "p2.yaml").write_text(PROPS.replace("manifests: [shop.yaml]\n", ""))
    piped = CliRunner().invoke(app, ["prove", str(tmp_path / "p2.yaml"), "-f", "-", "--suggest-fix",
                                     "--format", "json"], input=SHOP)
    data = json.loads(piped.stdout)
    assert "fixes" not in data and any("--suggest-fix needs manifest files" in n for n in data["notes"])


def test_the_re_proofs_run_on_the_cluster_as_the_run_prepared_it(tmp_path):
    # `--cilium-cluster prod` renames the cluster's Cilium identities after loading; each edited cluster the
    # search re-proves must get the same, or the re-proof judges another cluster than the proof did.
    from netverify.cli.cni import with_cilium_cluster
    from netverify.cli.fix import with_fixes

    (tmp_path / "shop.yaml").write_text(SHOP)
    (tmp_path / "p.yaml").write_text(PROPS)
    props = load_properties(str(tmp_path / "p.yaml"))
    cluster = with_cilium_cluster(load_cluster_from_texts(dict(read_sources(list(props.manifests))).items()),
                                  "prod")
    seen: list[str] = []

    def prove_all(c, p):
        seen.append(c.cilium.cluster_name)
        return prove(c, p)

    report = with_fixes(prove(cluster, props), cluster, props, list(props.manifests), namespace="default",
                        limits=DEFAULT_LIMITS, prove_all=prove_all, prepare=lambda c: with_cilium_cluster(c, "prod"))
    assert report.fixes and report.fixes[0].status == "found"
    assert seen and set(seen) == {"prod"}
