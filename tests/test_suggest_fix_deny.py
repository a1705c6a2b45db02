"""`prove --suggest-fix` where the kind has a Deny (analyses/fix_deny.py): a new Deny in front of the admin or
Calico rule that lets a forbidden connection through, naming the property's other end; each suggestion is
applied here to the manifests' text and re-proven independently of the search."""

from __future__ import annotations

import json
import re
from pathlib import Path

import yaml
from typer.testing import CliRunner

from netverify.analyses.fix import suggest_fixes
from netverify.analyses.fix_deny import deny_candidates
from netverify.analyses.prove import prove
from netverify.cli import app
from netverify.load.files import read_sources
from netverify.load.manifests import load_cluster_from_texts
from netverify.load.properties import load_properties
from netverify.model.semantics import Semantics

ROOT = Path(__file__).resolve().parents[1]
ADMIN_EXAMPLE = ROOT / "examples" / "admin-deny" / "manifests"
CALICO_EXAMPLE = ROOT / "examples" / "calico-tiers" / "manifests"

# The ANP lets every namespace in, before the payments team's own NetworkPolicy is consulted.
ANP_ALLOW = """\
apiVersion: policy.networking.k8s.io/v1alpha1
kind: AdminNetworkPolicy
metadata:
  name: pci
spec:
  priority: 10
  subject:
    namespaces:
      matchLabels: {compliance: pci}
  ingress:
    - name: allow-all
      action: Allow
      from:
        - namespaces: {}
"""

PROPS = """\
manifests: [{manifests}]
properties:
  - name: sandbox-never-reaches-payments
    from: {{namespaceSelector: {{matchLabels: {{env: sandbox}}}}}}
    to: {{namespace: payments}}
{ports}    expect: unreachable
  - name: checkout-reaches-the-ledger
    from: {{namespace: checkout}}
    to: {{namespace: payments, podSelector: {{matchLabels: {{app: ledger}}}}}}
    ports: [{{protocol: TCP, port: 50051}}]
    expect: reachable
    scope: existing
"""


# Under Calico the sandbox is named by namespace: no Calico selector can tell a namespace's labels from a pod's
# own `pcns.*` label (eval/calico_selector.own_first), so a Deny by namespaceSelector never holds for every pod.
CALICO_PROPS = PROPS.replace("{{namespaceSelector: {{matchLabels: {{env: sandbox}}}}}}", "{{namespace: sandbox}}")


def _write(tmp_path: Path, files: dict[str, str], ports: str = "", props_text: str = PROPS) -> Path:
    for name, text in files.items():
        (tmp_path / name).write_text(text)
    props = tmp_path / "p.yaml"
    props.write_text(props_text.format(manifests=", ".join(files), ports=ports))
    return props


def _admin_files(admin: str = ANP_ALLOW) -> dict[str, str]:
    return {"cluster.yaml": (ADMIN_EXAMPLE / "cluster.yaml").read_text(),
            "policies.yaml": (ADMIN_EXAMPLE / "policies.yaml").read_text(), "admin.yaml": admin}


def _calico_files(security: str) -> dict[str, str]:
    return {"cluster.yaml": (CALICO_EXAMPLE / "cluster.yaml").read_text(),
            "payments.yaml": (CALICO_EXAMPLE / "payments.yaml").read_text(), "security.yaml": security}


def _suggest(props_path: Path, semantics: Semantics = Semantics()):
    props = load_properties(str(props_path))
    texts = dict(read_sources(list(props.manifests)))
    cluster = load_cluster_from_texts(texts.items())
    report = prove(cluster, props, semantics=semantics)
    fixes = suggest_fixes(cluster, props, report.results, texts, lambda t: load_cluster_from_texts(t.items()),
                          lambda c, p: prove(c, p, semantics=semantics).results)
    return props, texts, cluster, report, fixes


def apply_diff(texts: dict[str, str], diff: str) -> dict[str, str]:
    """The texts with a unified diff (as the fix prints it) applied: the test's own reading of the suggestion."""
    out = dict(texts)
    for part in re.split(r"^--- a/", diff, flags=re.M)[1:]:
        header, _, body = part.partition("\n")
        name = header.strip()
        old = out[name].splitlines(True)
        new: list[str] = []
        at = 0
        for hunk in re.split(r"^@@ ", body.partition("\n")[2], flags=re.M)[1:]:
            head, _, lines = hunk.partition("\n")
            start = int(re.match(r"-(\d+)", head).group(1)) - 1
            new += old[at:start]
            at = start
            for line in lines.splitlines(True):
                if line.startswith("+"):
                    new.append(line[1:])
                elif line.startswith("-"):
                    at += 1
                elif line.startswith(" "):
                    new.append(old[at])
                    at += 1
        out[name] = "".join(new + old[at:])
    return out


def _reproven(props, texts, fix, semantics: Semantics = Semantics()) -> dict[str, str]:
    edited = apply_diff(texts, fix.diff)
    results = prove(load_cluster_from_texts(edited.items()), props, semantics=semantics).results
    return {r.name: r.status for r in results}


def test_an_admin_allow_that_lets_a_forbidden_pair_through_gets_a_deny_in_front_of_it(tmp_path):
    props, texts, _, report, fixes = _suggest(_write(tmp_path, _admin_files()))
    assert {r.name: r.status for r in report.results}["sandbox-never-reaches-payments"] == "violated"
    (fix,) = fixes
    assert fix.status == "found", fix.reason
    assert fix.edits[0].startswith("add a Deny from every pod of namespaces env=sandbox before "
                                   "AdminNetworkPolicy/pci ingress[0] 'allow-all'")
    assert fix.still_proven == ("checkout-reaches-the-ledger",)
    edited = apply_diff(texts, fix.diff)
    (anp,) = yaml.safe_load_all(edited[str(tmp_path / "admin.yaml")])
    deny, allow = anp["spec"]["ingress"]  # the Deny goes right before the Allow, in the same list
    assert deny == {"name": "deny-sandbox-never-reaches-payments", "action": "Deny",
                    "from": [{"namespaces": {"matchLabels": {"env": "sandbox"}}}]}
    assert allow["name"] == "allow-all"
    assert _reproven(props, texts, fix) == {"sandbox-never-reaches-payments": "proven",
                                            "checkout-reaches-the-ledger": "proven"}


def test_the_deny_is_narrowed_to_the_propertys_ports_first_and_names_its_pods(tmp_path):
    files = _admin_files()
    props_path = _write(tmp_path, files, ports="    ports: [{protocol: TCP, port: 50051}]\n")
    text = props_path.read_text().replace("{namespaceSelector: {matchLabels: {env: sandbox}}}",
                                          "{namespace: sandbox, podSelector: {matchLabels: {app: notebook}}}")
    props_path.write_text(text)
    props, texts, _, _, (fix,) = _suggest(props_path)
    assert fix.status == "found", fix.reason
    assert "on TCP/50051" in fix.edits[0]
    (anp,) = yaml.safe_load_all(apply_diff(texts, fix.diff)[str(tmp_path / "admin.yaml")])
    assert anp["spec"]["ingress"][0]["from"] == [{"pods": {
        "namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "sandbox"}},
        "podSelector": {"matchLabels": {"app": "notebook"}}}}]
    assert anp["spec"]["ingress"][0]["ports"] == [{"portNumber": {"protocol": "TCP", "port": 50051}}]
    assert set(_reproven(props, texts, fix).values()) == {"proven"}


CNP_ALLOW = """\
apiVersion: policy.networking.k8s.io/v1alpha2
kind: ClusterNetworkPolicy
metadata: {name: pci}
spec:
  tier: Admin
  priority: 10
  subject:
    namespaces: {matchLabels: {compliance: pci}}
  ingress:
  - action: Accept
    from:
    - namespaces: {}
"""


def test_a_cluster_network_policy_accept_gets_a_deny_in_its_own_api_version(tmp_path):
    props_path = _write(tmp_path, _admin_files(CNP_ALLOW), ports="    ports: [{protocol: TCP, port: 50051}]\n")
    props, texts, _, _, (fix,) = _suggest(props_path)
    assert fix.status == "found", fix.reason
    (cnp,) = yaml.safe_load_all(apply_diff(texts, fix.diff)[str(tmp_path / "admin.yaml")])
    deny, accept = cnp["spec"]["ingress"]
    assert deny["action"] == "Deny" and accept["action"] == "Accept"
    assert deny["protocols"] == [{"tcp": {"destinationPort": {"number": 50051}}}]
    assert set(_reproven(props, texts, fix).values()) == {"proven"}


# The security tier lets every namespace in; the Pass hands the rest to the default tier.
GNP_ALLOW = """\
apiVersion: projectcalico.org/v3
kind: Tier
metadata: {name: security}
spec: {order: 100}
---
apiVersion: projectcalico.org/v3
kind: GlobalNetworkPolicy
metadata: {name: security.open}
spec:
  tier: security
  order: 10
  selector: all()
  types: [Ingress]
  ingress:
  - action: Allow
    source:
      namespaceSelector: all()
  - action: Pass
"""


def test_cli_json_a_calico_global_allow_gets_a_deny_re_proven_under_calicos_semantics(tmp_path):
    props_path = _write(tmp_path, _calico_files(GNP_ALLOW), ports="    ports: [{protocol: TCP, port: 50051}]\n",
                        props_text=CALICO_PROPS)
    result = CliRunner().invoke(app, ["prove", str(props_path), "--cni", "calico", "--suggest-fix",
                                      "--format", "json"])
    assert result.exit_code == 1, result.output  # still violated as the manifests are
    (fix,) = json.loads(result.stdout)["fixes"]
    assert fix["status"] == "found", fix["reason"]
    assert fix["still_proven"] == ["checkout-reaches-the-ledger"]
    assert ("+  - action: Deny\n+    protocol: TCP\n"
            "+    source: {namespaceSelector: all(), selector: projectcalico.org/namespace == 'sandbox'}\n"
            "+    destination: {ports: [50051]}\n   - action: Allow\n") in fix["diff"]
    props = load_properties(str(props_path))
    texts = dict(read_sources(list(props.manifests)))
    edited = apply_diff(texts, fix["diff"])
    results = prove(load_cluster_from_texts(edited.items()), props, semantics=Semantics("calico")).results
    assert {r.status for r in results} == {"proven"}
    text = CliRunner().invoke(app, ["prove", str(props_path), "--cni", "calico", "--suggest-fix"])
    assert "suggested fix for sandbox-never-reaches-payments: add a Deny" in text.stdout


def test_a_calico_pass_is_preceded_by_a_deny_when_the_default_tier_admits_the_connection(tmp_path):
    # The connection passes the security tier and the payments team's allow-all admits it: a NetworkPolicy
    # has no Deny and no peer to narrow, so the Deny goes in front of the Pass.
    passing = GNP_ALLOW.replace("  - action: Allow\n    source:\n      namespaceSelector: all()\n", "")
    props, texts, _, _, (fix,) = _suggest(_write(tmp_path, _calico_files(passing), props_text=CALICO_PROPS),
                                          Semantics("calico"))
    assert fix.status == "found", fix.reason
    assert "before GlobalNetworkPolicy/security.open ingress[0]" in fix.edits[0]
    assert set(_reproven(props, texts, fix, Semantics("calico")).values()) == {"proven"}


# Every namespace's pods take all ingress from the admin tier, so a Deny there for sandbox would block
# sandbox -> checkout too, which a property needs; the sandbox's own egress policy is where it fits.
WIDE_ALLOW = """\
apiVersion: policy.networking.k8s.io/v1alpha1
kind: AdminNetworkPolicy
metadata: {name: everyone}
spec:
  priority: 10
  subject: {namespaces: {}}
  ingress:
    - name: allow-all
      action: Allow
      from: [{namespaces: {}}]
---
apiVersion: policy.networking.k8s.io/v1alpha1
kind: AdminNetworkPolicy
metadata: {name: sandbox-egress}
spec:
  priority: 20
  subject: {namespaces: {matchLabels: {env: sandbox}}}
  egress:
    - name: dns
      action: Allow
      to: [{namespaces: {matchLabels: {kubernetes.io/metadata.name: kube-system}}}]
      ports: [{portNumber: {protocol: UDP, port: 53}}]
"""

SANDBOX_TO_CHECKOUT = """\
  - name: sandbox-reaches-checkout
    from: {namespace: sandbox}
    to: {namespace: checkout}
    ports: [{protocol: TCP, port: 50051}]
    expect: reachable
    scope: existing
"""


def test_a_deny_that_would_break_a_property_that_held_is_rejected_and_the_next_is_chosen(tmp_path):
    props_path = _write(tmp_path, _admin_files(WIDE_ALLOW), ports="    ports: [{protocol: TCP, port: 50051}]\n")
    props_path.write_text(props_path.read_text() + SANDBOX_TO_CHECKOUT)
    props, texts, cluster, report, (fix,) = _suggest(props_path)
    violated = next(r for r in report.results if r.status == "violated")
    first = deny_candidates(cluster, props.properties[0], violated.counterexample, texts)[0]
    assert "before AdminNetworkPolicy/everyone ingress[0]" in first.description  # tried first, breaks the other
    assert fix.status == "found", fix.reason
    assert fix.edits[0].startswith("add a Deny to every pod of namespace payments on TCP/50051 before "
                                   "AdminNetworkPolicy/sandbox-egress egress[0] 'dns'")
    assert set(fix.still_proven) == {"checkout-reaches-the-ledger", "sandbox-reaches-checkout"}
    assert set(_reproven(props, texts, fix).values()) == {"proven"}


def test_a_rule_written_in_a_flow_list_gets_no_deny_rather_than_a_broken_file(tmp_path):
    flow = ANP_ALLOW.replace("  ingress:\n    - name: allow-all\n      action: Allow\n      from:\n"
                             "        - namespaces: {}\n",
                             "  ingress: [{name: allow-all, action: Allow, from: [{namespaces: {}}]}]\n")
    _, _, _, _, (fix,) = _suggest(_write(tmp_path, _admin_files(flow)))
    assert fix.status == "none" and "preceded by a Deny" in (fix.reason or "")


def test_networkpolicies_alone_get_no_deny_and_the_old_edits(tmp_path):
    from test_suggest_fix import PROPS as NP_PROPS, SHOP
    (tmp_path / "shop.yaml").write_text(SHOP)
    (tmp_path / "p.yaml").write_text(NP_PROPS)
    props, texts, cluster, report, (fix,) = _suggest(tmp_path / "p.yaml")
    violated = next(r for r in report.results if r.status == "violated")
    assert deny_candidates(cluster, props.properties[0], violated.counterexample, texts) == []
    assert fix.status == "found" and fix.edits[0].startswith("narrow the rule's ports")
