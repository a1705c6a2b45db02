"""`prove --suggest-fix` narrowing an admin Allow (analyses/fix_admin_narrow.py): the peer of an
AdminNetworkPolicy / ClusterNetworkPolicy Allow that admits a forbidden connection gets the namespaces (or a pod
label) its existing pods have, or the rule its ports; each suggestion re-proven here by the test itself."""

from __future__ import annotations

from pathlib import Path

import yaml

from netverify.analyses.fix_admin_narrow import admin_allow_narrowings
from netverify.model.semantics import Semantics
from test_suggest_fix_deny import ADMIN_EXAMPLE, _reproven, _suggest, _write, apply_diff

# The payments team admits only checkout; the platform's ANP lets every namespace in ahead of it.
PAYMENTS_NP = """\
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: only-checkout, namespace: payments}
spec:
  podSelector: {}
  policyTypes: [Ingress]
  ingress:
    - from:
        - namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: checkout}}
"""

ANP = """\
apiVersion: policy.networking.k8s.io/v1alpha1
kind: AdminNetworkPolicy
metadata: {name: pci}
spec:
  priority: 10
  subject:
    namespaces: {matchLabels: {compliance: pci}}
  ingress:
    - name: allow-all
      action: Allow
      from:
        - namespaces: {}
      ports:
        - portNumber: {protocol: TCP, port: 50051}
        - portNumber: {protocol: TCP, port: 8080}
"""


def _files(admin: str) -> dict[str, str]:
    return {"cluster.yaml": (ADMIN_EXAMPLE / "cluster.yaml").read_text(), "policies.yaml": PAYMENTS_NP,
            "admin.yaml": admin}


def test_an_admin_allow_admitting_a_forbidden_namespace_gets_its_namespaces_limited(tmp_path: Path):
    props, texts, _, report, (fix,) = _suggest(_write(tmp_path, _files(ANP)))
    assert {r.name: r.status for r in report.results}["sandbox-never-reaches-payments"] == "violated"
    assert fix.status == "found", fix.reason
    assert fix.edits == (f"limit the admin peer's namespaces to checkout, payments ({tmp_path / 'admin.yaml'}:12)",)
    (anp,) = yaml.safe_load_all(apply_diff(texts, fix.diff)[str(tmp_path / "admin.yaml")])
    (rule,) = anp["spec"]["ingress"]
    assert rule["action"] == "Allow" and rule["from"] == [
        {"namespaces": {"matchExpressions": [{"key": "kubernetes.io/metadata.name", "operator": "In",
                                              "values": ["checkout", "payments"]}]}}]
    assert _reproven(props, texts, fix) == {"sandbox-never-reaches-payments": "proven",
                                            "checkout-reaches-the-ledger": "proven"}


def test_the_admin_rules_ports_are_narrowed_when_the_property_names_the_other_port(tmp_path: Path):
    props, texts, cluster, report, _ = _suggest(_write(tmp_path, _files(ANP), "    ports: [{port: 8080}]\n"))
    (r, _held) = report.results
    descriptions = [e.description for e in admin_allow_narrowings(cluster, r.counterexample, texts)]
    assert "narrow the admin rule's ports to TCP/50051" in descriptions
    edit = next(e for e in admin_allow_narrowings(cluster, r.counterexample, texts) if "ports" in e.description)
    (anp,) = yaml.safe_load_all(edit.apply(texts[str(tmp_path / "admin.yaml")]))
    assert anp["spec"]["ingress"][0]["ports"] == [{"portNumber": {"protocol": "TCP", "port": 50051}}]


def test_no_narrowing_of_a_flow_list_peer_nor_of_a_pass(tmp_path: Path):
    flow_list = ANP.replace("      from:\n        - namespaces: {}\n", "      from: [{namespaces: {}}]\n")
    _, texts, cluster, report, _ = _suggest(_write(tmp_path, _files(flow_list)))
    edits = admin_allow_narrowings(cluster, report.results[0].counterexample, texts)
    assert [e.description for e in edits] == ["narrow the admin rule's ports to TCP/8080"]  # no peer edit
    # a Pass (not an Allow) that sends the sandbox on to the NetworkPolicies: nothing of it is narrowed
    passing = ANP.replace("action: Allow", "action: Pass")
    _, texts, cluster, report, _ = _suggest(_write(tmp_path, {**_files(passing),
                                                              "policies.yaml": (ADMIN_EXAMPLE / "policies.yaml")
                                                              .read_text()}))
    cx = report.results[0].counterexample
    assert cx is not None and admin_allow_narrowings(cluster, cx, texts) == []


def test_a_cluster_network_policy_accept_gets_its_protocols_narrowed_in_its_own_api_version(tmp_path: Path):
    cnp = """\
apiVersion: policy.networking.k8s.io/v1alpha2
kind: ClusterNetworkPolicy
metadata: {name: pci}
spec:
  tier: Admin
  priority: 10
  subject:
    namespaces: {matchLabels: {compliance: pci}}
  ingress:
    - name: accept-all
      action: Accept
      from:
        - namespaces: {}
      protocols:
        - tcp: {destinationPort: {number: 50051}}
        - tcp: {destinationPort: {number: 8080}}
"""
    _, texts, cluster, report, _ = _suggest(_write(tmp_path, _files(cnp), "    ports: [{port: 8080}]\n"),
                                            Semantics())
    edits = admin_allow_narrowings(cluster, report.results[0].counterexample, texts)
    edit = next(e for e in edits if "protocols" in e.description)
    (policy,) = yaml.safe_load_all(edit.apply(texts[str(tmp_path / "admin.yaml")]))
    assert policy["spec"]["ingress"][0]["protocols"] == [{"tcp": {"destinationPort": {"number": 50051}}}]
