"""`netverify lint`: each check finds its mistake at file:line, says nothing on the corrected manifest, and the
gate, the formats and fail-closed judging behave as documented (docs/lint.md)."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from typer.testing import CliRunner

from netverify.analyses.lint import lint
from netverify.cli import app
from netverify.load.manifests import load_cluster, load_cluster_from_texts
from test_cli_reports import _schema_valid

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "shop"

WORKLOADS = """\
apiVersion: v1
kind: Namespace
metadata: {name: shop}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: shop}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec: {containers: [{name: c, image: x, ports: [{name: http, containerPort: 80}]}]}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: api, namespace: shop}
spec:
  selector: {matchLabels: {app: api}}
  template:
    metadata: {labels: {app: api}}
    spec: {containers: [{name: c, image: x}]}
---
apiVersion: v1
kind: Pod
metadata: {name: db, namespace: shop, labels: {app: db}}
spec: {containers: [{name: c, image: x}]}
status: {podIP: 10.1.0.7}
"""


def _policy(body: str, name: str = "p", namespace: str = "shop") -> str:
    return (f"apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {{name: {name}, namespace: "
            f"{namespace}}}\nspec:\n{body}")


def _checks(policies: str, **kw) -> list[tuple[str, int]]:
    cluster = load_cluster_from_texts([("w.yaml", WORKLOADS), ("p.yaml", policies)])
    report = lint(cluster, redundancy=kw.pop("redundancy", False), **kw)
    return [(f.check, f.span.line) for f in report.findings if f.span.file == "p.yaml"]


def test_egress_empty_list_without_policy_types_does_not_isolate_egress():
    found = _checks(_policy("  podSelector: {}\n  egress: []\n"))
    assert ("empty-rules-without-policy-types", 1) in found
    assert not [c for c, _ in _checks(_policy("  podSelector: {}\n  policyTypes: [Egress]\n  egress: []\n"))
                if c == "empty-rules-without-policy-types"]


def test_rules_for_a_direction_policy_types_leaves_out_are_an_error():
    body = "  podSelector: {}\n  policyTypes: [Ingress]\n  ingress: [{}]\n  egress:\n  - to: [{podSelector: {}}]\n"
    assert ("rules-outside-policy-types", 9) in _checks(_policy(body))


def test_separate_pod_and_namespace_items_are_flagged_as_or():
    body = ("  podSelector: {matchLabels: {app: web}}\n  ingress:\n  - from:\n"
            "    - podSelector: {matchLabels: {app: api}}\n    - namespaceSelector: {matchLabels: {team: x}}\n")
    assert ("and-or-peers", 8) in _checks(_policy(body))
    one_item = body.replace("    - namespaceSelector", "      namespaceSelector")
    # and the reverse: one item (AND) that admits no existing pod, while its podSelector alone matches here
    assert ("and-or-peers", 8) in _checks(_policy(one_item))
    monitoring = "---\napiVersion: v1\nkind: Namespace\nmetadata: {name: mon, labels: {team: x}}\n---\n" \
        "apiVersion: v1\nkind: Pod\nmetadata: {name: agent, namespace: mon, labels: {app: api}}\n" \
        "spec: {containers: [{name: c, image: x}]}\n"
    assert "and-or-peers" not in [c for c, _ in _checks(_policy(one_item) + monitoring)]


def test_the_bundled_examples_planted_bug_is_found():
    report = lint(load_cluster([str(EXAMPLE)]), redundancy=False)
    planted = [f for f in report.findings if f.check == "every-namespace-peer"]
    assert [(Path(f.span.file).name, f.span.line) for f in planted] == [("data.yaml", 18)]


def test_egress_isolation_without_dns_is_found_and_a_dns_rule_silences_it():
    deny = _policy("  podSelector: {matchLabels: {app: web}}\n  policyTypes: [Egress]\n")
    assert ("egress-without-dns", 1) in _checks(deny)
    dns = deny + "  egress:\n  - ports: [{port: 53, protocol: UDP}]\n"
    assert "egress-without-dns" not in [c for c, _ in _checks(dns)]


def test_selectors_that_select_nothing_and_can_never_select_anything():
    body = ("  podSelector:\n    matchExpressions:\n    - {key: app, operator: In, values: [web]}\n"
            "    - {key: app, operator: NotIn, values: [web]}\n")
    cluster = load_cluster_from_texts([("w.yaml", WORKLOADS), ("p.yaml", _policy(body))])
    (finding,) = [f for f in lint(cluster, redundancy=False).findings if f.check == "selector-selects-nothing"]
    assert "no pod that could exist" in finding.message
    typo = _policy("  podSelector: {matchLabels: {app: wbe}}\n")
    cluster = load_cluster_from_texts([("w.yaml", WORKLOADS), ("p.yaml", typo)])
    (finding,) = [f for f in lint(cluster, redundancy=False).findings if f.check == "selector-selects-nothing"]
    assert "could exist" not in finding.message  # a pod labelled app=wbe could exist


def test_a_named_port_no_destination_defines():
    body = "  podSelector: {matchLabels: {app: web}}\n  ingress:\n  - ports: [{port: htpp}]\n"
    assert ("named-port-undefined", 7) in _checks(_policy(body))
    assert "named-port-undefined" not in [c for c, _ in _checks(_policy(body.replace("htpp", "http")))]


def test_an_ipblock_over_a_known_pod_address():
    body = "  podSelector: {}\n  ingress:\n  - from: [{ipBlock: {cidr: 10.1.0.0/16}}]\n"
    assert ("ipblock-covers-pods", 7) in _checks(_policy(body))


def test_a_policy_in_an_undeclared_namespace():
    assert ("namespace-missing", 1) in _checks(_policy("  podSelector: {}\n", namespace="ghost"))


def test_a_redundant_policy_and_a_rule_covered_by_another_are_proven():
    covering = ("  podSelector: {matchLabels: {app: web}}\n  ingress:\n  - from: [{podSelector: {}}]\n"
                "  - from: [{podSelector: {matchLabels: {app: api}}}]\n")
    found = _checks(_policy(covering), redundancy=True)
    assert ("redundant-rule", 8) in found  # the second rule admits a subset of what the first does
    assert ("redundant-rule", 7) not in found
    twice = _policy(covering) + "---\n" + _policy(covering, name="q")
    assert {c for c, _ in _checks(twice, redundancy=True)} >= {"redundant-policy"}


def test_an_admin_rule_that_is_never_reached():
    anp = """\
apiVersion: policy.networking.k8s.io/v1alpha1
kind: AdminNetworkPolicy
metadata: {name: a}
spec:
  priority: 10
  subject: {namespaces: {}}
  ingress:
  - {name: deny-all, action: Deny, from: [{namespaces: {}}]}
  - {name: allow-shop, action: Allow, from: [{namespaces: {matchLabels: {kubernetes.io/metadata.name: shop}}}]}
"""
    found = _checks(anp, redundancy=True)
    assert ("redundant-rule", 9) in found
    assert ("redundant-rule", 8) not in found


def test_same_priority_admin_overlap_with_a_witness():
    anp = """\
apiVersion: policy.networking.k8s.io/v1alpha1
kind: AdminNetworkPolicy
metadata: {name: a}
spec:
  priority: 5
  subject: {namespaces: {}}
  ingress: [{action: Deny, from: [{namespaces: {}}]}]
---
apiVersion: policy.networking.k8s.io/v1alpha1
kind: AdminNetworkPolicy
metadata: {name: b}
spec:
  priority: 5
  subject: {namespaces: {}}
  ingress: [{action: Allow, from: [{namespaces: {}}]}]
"""
    cluster = load_cluster_from_texts([("w.yaml", WORKLOADS), ("p.yaml", anp)])
    (finding,) = [f for f in lint(cluster, redundancy=False).findings if f.check == "same-priority-overlap"]
    assert finding.rule_id == "NV301" and finding.witness is not None and finding.related


def _cli(tmp_path: Path, policies: str, *args: str):
    (tmp_path / "w.yaml").write_text(WORKLOADS)
    (tmp_path / "p.yaml").write_text(policies)
    return CliRunner().invoke(app, ["lint", "-f", str(tmp_path), "--no-redundancy", *args])


@pytest.mark.parametrize("fail_on, code", [("error", 0), ("warning", 1), ("never", 0)])
def test_fail_on_gates_by_severity(tmp_path, fail_on, code):
    result = _cli(tmp_path, _policy("  podSelector: {}\n  egress: []\n"), "--fail-on", fail_on)
    assert result.exit_code == code, result.stdout
    assert f"{tmp_path / 'p.yaml'}:1: warning NV501" in result.stdout


def test_an_error_finding_fails_the_default_gate_and_every_format_carries_it(tmp_path):
    body = "  podSelector: {}\n  policyTypes: [Ingress]\n  ingress: [{}]\n  egress:\n  - to: [{podSelector: {}}]\n"
    out = tmp_path / "out"
    result = _cli(tmp_path, _policy(body), "--format", "json", "--report", f"sarif={out}/l.sarif",
                  "--report", f"junit={out}/l.xml", "--report", f"markdown={out}/l.md")
    assert result.exit_code == 1
    data = json.loads(result.stdout)
    assert any(f["rule_id"] == "NV502" and f["line"] == 9 for f in data["findings"])
    sarif = json.loads((out / "l.sarif").read_text())
    _schema_valid(sarif)
    assert any(r["ruleId"] == "NV502" for r in sarif["runs"][0]["results"])
    suite = ET.parse(out / "l.xml").getroot().find("testsuite")
    assert suite is not None and int(suite.get("failures", "0")) >= 1
    assert "NV502" in (out / "l.md").read_text()


def test_a_kind_not_modelled_makes_lint_unknown(tmp_path):
    extra = ("---\napiVersion: k8s.cni.cncf.io/v1beta1\nkind: MultiNetworkPolicy\n"
             "metadata: {name: m, namespace: shop}\nspec: {podSelector: {}}\n")
    result = _cli(tmp_path, _policy("  podSelector: {}\n") + extra)
    assert result.exit_code == 3
    assert "MultiNetworkPolicy" in result.stdout


def test_redundancy_is_skipped_with_a_note_above_the_automatic_limit(tmp_path, monkeypatch):
    import netverify.cli.lint as cli_lint

    monkeypatch.setattr(cli_lint, "REDUNDANCY_AUTO_MAX", 0)
    (tmp_path / "w.yaml").write_text(WORKLOADS)
    (tmp_path / "p.yaml").write_text(_policy("  podSelector: {}\n"))
    result = CliRunner().invoke(app, ["lint", "-f", str(tmp_path), "--format", "json"])
    assert any("redundancy not checked: more than 0 policies" in n for n in json.loads(result.stdout)["notes"])
    forced = CliRunner().invoke(app, ["lint", "-f", str(tmp_path), "--format", "json", "--redundancy"])
    assert not any("redundancy not checked" in n for n in json.loads(forced.stdout)["notes"])


def test_a_careful_policy_set_close_to_every_mistake_has_no_findings():
    # Each policy sits next to one check's trigger without meeting it: policyTypes written for every direction
    # with rules, one AND item that admits an existing pod, a namespaceSelector with labels, DNS allowed under
    # egress isolation, selectors that select, a named port the destination defines, an ipBlock outside the pod
    # addresses, a declared namespace, rules that each admit something the other does not.
    policies = _policy(
        "  podSelector: {matchLabels: {app: web}}\n  policyTypes: [Ingress, Egress]\n"
        "  ingress:\n  - from: [{podSelector: {matchLabels: {app: api}}, namespaceSelector: "
        "{matchLabels: {kubernetes.io/metadata.name: shop}}}]\n    ports: [{port: http}]\n"
        "  - from: [{ipBlock: {cidr: 192.168.0.0/16}}]\n    ports: [{port: 443}]\n"
        "  egress:\n  - ports: [{port: 53, protocol: UDP}]\n")
    cluster = load_cluster_from_texts([("w.yaml", WORKLOADS), ("p.yaml", policies)])
    report = lint(cluster, redundancy=True)
    assert [(f.check, f.span.line) for f in report.findings] == []
