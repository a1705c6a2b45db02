"""What a user sees of Calico: explain walking the tiers, map (folded from the evaluator, exact with string
tests), diff, reports locating Calico rules at file:line, staged-policy notes, and cases from Calico's docs.

Docs cited per case: https://docs.tigera.io/calico/latest/reference/resources/ (tier, globalnetworkpolicy,
networkpolicy, globalnetworkset) and .../network-policy/policy-tiers/tiered-policy.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from netverify.analyses.explain import explain
from netverify.analyses.map import connectivity_map
from netverify.cli import app
from netverify.eval.concrete import endpoint_of, evaluate
from netverify.load.manifests import load_cluster, load_cluster_from_texts
from netverify.model.flow import Flow
from netverify.model.kinds import CALICO_READ, MODELLED
from netverify.model.ports import Protocol
from netverify.model.semantics import Semantics
from netverify.report.words import side_lines

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "calico-tiers"
CALICO = Semantics(cni="calico")
TCP = Protocol.TCP
runner = CliRunner(env={"COLUMNS": "250"})  # output as a wide terminal shows it (the README blocks)
# Until the kinds table lists Calico's kinds as modelled, results they reach are unknown (fail closed) unless
# --ignore-kind accepts them: these runs accept them, so they show the Calico chain's verdicts.
ACCEPT = [] if CALICO_READ <= MODELLED else ["--ignore-kind", "GlobalNetworkPolicy", "--ignore-kind", "Tier",
                                              "--ignore-kind", "NetworkPolicy", "--ignore-kind", "GlobalNetworkSet",
                                              "--ignore-kind", "StagedNetworkPolicy"]

NAMESPACES = """
apiVersion: v1
kind: Namespace
metadata: {name: prod, labels: {env: prod}}
---
apiVersion: v1
kind: Namespace
metadata: {name: dev, labels: {env: dev}}
"""


def deployment(ns: str, name: str, labels: dict, port: int | None = None, account: str | None = None) -> str:
    ports = f"\n        ports: [{{containerPort: {port}}}]" if port else ""
    sa = f"\n      serviceAccountName: {account}" if account else ""
    return f"""
---
apiVersion: apps/v1
kind: Deployment
metadata: {{name: {name}, namespace: {ns}}}
spec:
  selector: {{matchLabels: {json.dumps(labels)}}}
  template:
    metadata: {{labels: {json.dumps(labels)}}}
    spec:{sa}
      containers:
      - name: c
        image: x{ports}
"""


def cluster(*texts: str):
    return load_cluster_from_texts([(f"m{i}.yaml", t) for i, t in enumerate(texts)])


def verdict(c, src: str, dst: str, port: int = 80):
    s, d = (endpoint_of(c, c.workloads_named(x)[0]) for x in (src, dst))
    return evaluate(c, Flow(s, d, TCP, port), semantics=CALICO)


# ---- explain walks the tiers (the README's example) --------------------------------------------------------

def test_explain_walks_the_tiers_to_the_deny_that_overrides_the_networkpolicy_allow():
    c = load_cluster([str(EXAMPLE / "manifests")])
    e = explain(c, "sandbox/notebook", "payments/ledger", TCP, 50051, semantics=CALICO)
    assert not e.allowed
    ingress = side_lines(e.ingress)
    assert ingress[0] == "BLOCKED"
    assert ingress[1].startswith("1 Calico tier security: deny by GlobalNetworkPolicy/security.sandbox-isolation "
                                 "ingress[0]")
    assert ingress[1].endswith("security-tier.yaml:20)")
    assert len(ingress) == 2  # the Deny is final: the default tier, which would allow, is never reached
    egress = side_lines(e.egress)
    assert egress[-1].endswith("the namespace's profile (kns.<namespace>) allows")


def test_explain_pass_goes_on_to_the_default_tier():
    c = load_cluster([str(EXAMPLE / "manifests")])
    e = explain(c, "checkout/api", "payments/ledger", TCP, 50051, semantics=CALICO)
    assert e.allowed
    lines = side_lines(e.ingress)
    assert "pass by GlobalNetworkPolicy/security.sandbox-isolation ingress[1]" in lines[1]
    assert lines[1].endswith(": on to the next tier")
    assert lines[-1].startswith("3 Calico tier default: allow by payments/allow-all-ingress ingress[0]")


def test_explain_names_the_tier_default_and_the_policies_that_selected_the_pod():
    # tier doc: "defaultAction ... the action to take when no rule of a policy in the tier matches" (Deny)
    policy = """
apiVersion: projectcalico.org/v3
kind: NetworkPolicy
metadata: {name: db-from-api, namespace: prod}
spec:
  selector: app == 'db'
  ingress: [{action: Allow, source: {selector: app == 'api'}}]
"""
    c = cluster(NAMESPACES, deployment("prod", "db", {"app": "db"}, 5432), deployment("prod", "web", {"app": "web"}),
                policy)
    lines = side_lines(explain(c, "prod/web", "prod/db", TCP, 5432, semantics=CALICO).ingress)
    assert "Calico tier default: deny (the tier's default action): selected by NetworkPolicy/prod/db-from-api" in \
        " ".join(lines)
    assert "no rule of theirs matched" in " ".join(lines)


# ---- map: the evaluator folded, exact where selectors test strings ----------------------------------------

STRING_TESTS = """
apiVersion: projectcalico.org/v3
kind: GlobalNetworkPolicy
metadata: {name: web-only}
spec:
  selector: app == 'db'
  types: [Ingress]
  ingress:
  - action: Allow
    protocol: TCP
    source: {selector: "app starts with 'web-' && !(app ends with '-canary')"}
    destination: {ports: ["5000:5999"]}
"""


def test_map_under_calico_tells_apart_values_only_string_tests_distinguish():
    # Without exact label keys these four would share one class (no equality names their app values).
    c = cluster(NAMESPACES, deployment("prod", "db", {"app": "db"}, 5432),
                *(deployment("prod", name, {"app": name}) for name in ("web-shop", "web-shop-canary", "xweb-shop")), STRING_TESTS)
    cmap = connectivity_map(c, semantics=CALICO)
    rows = {(x.src.label, x.dst.label): {p.value: str(r) for p, r in x.protocols.items()} for x in cmap.connections}
    assert rows[("prod/web-shop[Deployment]", "prod/db[Deployment]")] == {"TCP": "5000-5999"}
    assert ("prod/web-shop-canary[Deployment]", "prod/db[Deployment]") not in rows
    assert ("prod/xweb-shop[Deployment]", "prod/db[Deployment]") not in rows
    # and every pair at every port cell agrees with the evaluator
    for (src, dst), protocols in rows.items():
        if src.startswith("prod/") and dst.startswith("prod/"):
            for port in (4999, 5000, 5999, 6000):
                allowed = verdict(c, src.split("[")[0], dst.split("[")[0], port).allowed
                shown = protocols.get("TCP", "")
                assert allowed == (shown == "1-65535" or (shown == "5000-5999" and 5000 <= port <= 5999)), \
                    (src, dst, port)


def test_map_cli_infers_calico_and_folds_its_chain(tmp_path):
    (tmp_path / "m.yaml").write_text(NAMESPACES + deployment("prod", "db", {"app": "db"}, 5432)
                                     + deployment("prod", "web-shop", {"app": "web-shop"}) + "---\n" + STRING_TESTS)
    result = runner.invoke(app, ["map", "-f", str(tmp_path), "--format", "json", *ACCEPT])
    doc = json.loads(result.stdout)
    to_db = [x for x in doc["connections"] if x["dst"].get("name") == "db"]
    assert [x["src"].get("name") for x in to_db] == ["web-shop"]
    assert to_db[0]["protocols"] == {"TCP": [[5000, 5999]]}


# ---- Calico's documentation examples -------------------------------------------------------------------

def test_doc_global_network_set_labels_outside_addresses_for_rule_selectors():
    # globalnetworkset doc: a set of nets with labels, matched by a policy rule's selector
    objects = """
apiVersion: projectcalico.org/v3
kind: GlobalNetworkSet
metadata: {name: a-name-for-the-set, labels: {role: external-database}}
spec: {nets: [198.51.100.0/28, 203.0.113.0/24]}
---
apiVersion: projectcalico.org/v3
kind: GlobalNetworkPolicy
metadata: {name: egress-to-the-database}
spec:
  selector: app == 'api'
  types: [Egress]
  egress:
  - action: Allow
    destination: {selector: role == 'external-database'}
"""
    c = cluster(NAMESPACES, deployment("prod", "api", {"app": "api"}), objects)
    e_in = explain(c, "prod/api", "203.0.113.7", TCP, 5432, semantics=CALICO)
    e_out = explain(c, "prod/api", "192.0.2.1", TCP, 5432, semantics=CALICO)
    assert e_in.allowed and not e_out.allowed
    assert "egress-to-the-database egress[0]" in " ".join(side_lines(e_in.egress))


def test_doc_has_selects_by_key_and_service_accounts_by_name():
    # networkpolicy doc: `has(k)` selects endpoints with label k; serviceAccounts.names matches the pod's account
    objects = """
apiVersion: projectcalico.org/v3
kind: NetworkPolicy
metadata: {name: db-from-the-api-account, namespace: prod}
spec:
  selector: has(database)
  ingress:
  - action: Allow
    source:
      serviceAccounts: {names: [api-service-account]}
---
apiVersion: v1
kind: ServiceAccount
metadata: {name: api-service-account, namespace: prod}
"""
    c = cluster(NAMESPACES, deployment("prod", "db", {"database": "pg"}, 5432),
                deployment("prod", "api", {"app": "api"}, account="api-service-account"),
                deployment("prod", "web", {"app": "web"}), objects)
    assert verdict(c, "prod/api", "prod/db", 5432).allowed
    assert not verdict(c, "prod/web", "prod/db", 5432).allowed  # its account is `default`


def test_doc_tiers_pass_hands_to_the_next_tier_and_deny_is_final():
    # tiered-policy doc: a Pass rule skips the rest of the tier; the next tier's policies decide
    objects = """
apiVersion: projectcalico.org/v3
kind: Tier
metadata: {name: platform}
spec: {order: 50}
---
apiVersion: projectcalico.org/v3
kind: GlobalNetworkPolicy
metadata: {name: platform.pass-prod}
spec:
  tier: platform
  selector: all()
  types: [Ingress]
  ingress:
  - {action: Pass, source: {namespaceSelector: env == 'prod'}}
  - {action: Deny}
---
apiVersion: projectcalico.org/v3
kind: NetworkPolicy
metadata: {name: deny-web, namespace: prod}
spec:
  order: 10
  selector: app == 'db'
  ingress: [{action: Deny, source: {selector: app == 'web'}}, {action: Allow}]
"""
    c = cluster(NAMESPACES, deployment("prod", "db", {"app": "db"}, 5432), deployment("prod", "web", {"app": "web"}),
                deployment("prod", "api", {"app": "api"}), deployment("dev", "tool", {"app": "tool"}), objects)
    assert not verdict(c, "dev/tool", "prod/db").allowed  # the platform tier's Deny is final
    assert not verdict(c, "prod/web", "prod/db").allowed  # passed on, then denied in the default tier
    assert verdict(c, "prod/api", "prod/db").allowed


# ---- staged policies, reports, diff -------------------------------------------------------------------------

def test_staged_policy_is_noted_and_decides_nothing(tmp_path):
    staged = """
apiVersion: projectcalico.org/v3
kind: StagedNetworkPolicy
metadata: {name: try-deny, namespace: prod}
spec:
  selector: all()
  ingress: [{action: Deny}]
"""
    (tmp_path / "m.yaml").write_text(NAMESPACES + deployment("prod", "db", {"app": "db"}, 5432)
                                     + deployment("prod", "web", {"app": "web"}) + "---\n" + staged)
    result = runner.invoke(app, ["explain", "prod/web", "prod/db", "--port", "5432/TCP", "-f", str(tmp_path),
                                 "--format", "json", *ACCEPT])
    doc = json.loads(result.stdout)
    assert doc["allowed"] is True
    assert any("StagedNetworkPolicy prod/try-deny" in n and "not enforce" in n for n in doc["notes"])


def test_sarif_and_text_locate_the_calico_rule_at_file_and_line(tmp_path):
    props = tmp_path / "props.yaml"
    props.write_text(f"""
manifests: [{EXAMPLE / 'manifests'}]
properties:
  - name: sandbox-reaches-ledger
    from: {{namespace: sandbox}}
    to: {{namespace: payments}}
    ports: [{{protocol: TCP, port: 50051}}]
    expect: reachable
    scope: existing
""")
    text = runner.invoke(app, ["prove", str(props), *ACCEPT])
    assert text.exit_code == 1, text.output
    assert "Calico tier security: deny by GlobalNetworkPolicy/security.sandbox-isolation ingress[0]" in text.stdout
    sarif = json.loads(runner.invoke(app, ["prove", str(props), "--format", "sarif", *ACCEPT]).stdout)
    [result] = sarif["runs"][0]["results"]
    where = result["locations"][0]["physicalLocation"]
    assert where["artifactLocation"]["uri"].endswith("calico-tiers/manifests/security-tier.yaml")
    assert where["region"]["startLine"] == 20


def test_diff_under_calico_compares_existing_workloads_and_searches_new_pods(tmp_path):
    base = tmp_path / "base"
    base.mkdir()
    for f in (EXAMPLE / "manifests").iterdir():
        (base / f.name).write_text(f.read_text().replace("action: Deny", "action: Pass"))
    result = runner.invoke(app, ["diff", str(base), str(EXAMPLE / "manifests"), "--format", "json", *ACCEPT])
    doc = json.loads(result.stdout)
    changed = {(c["src"]["name"], c["dst"]["name"]) for c in doc["changes"]}
    assert ("notebook", "ledger") in changed
    # pods that may not exist yet are searched under Calico's chain (tests/test_diff_calico.py): the Deny only
    # closes things, so nothing is newly allowed for any pod and the default gate (`added`) passes
    assert doc["summary"]["symbolic_status"] == "done"
    assert not doc["added_classes"]
    assert result.exit_code == 0, result.output


@pytest.mark.skipif(not CALICO_READ <= MODELLED, reason="Calico kinds are not in the modelled kinds table yet "
                    "(model/kinds.py): the example's results are unknown until they are")
def test_example_properties_are_proven_without_accepting_any_risk():
    result = runner.invoke(app, ["prove", str(EXAMPLE / "properties.yaml")])
    assert result.exit_code == 0, result.output
    assert result.stdout.count("PROVEN") == 2


def test_without_the_security_tier_the_networkpolicy_lets_the_sandbox_in(tmp_path):
    for f in (EXAMPLE / "manifests").iterdir():
        if f.name != "security-tier.yaml":
            (tmp_path / f.name).write_text(f.read_text())
    c = load_cluster([str(tmp_path)])
    assert explain(c, "sandbox/notebook", "payments/ledger", TCP, 50051, semantics=CALICO).allowed


def test_the_readme_explain_block_is_what_the_command_prints(monkeypatch):
    root = EXAMPLE.parents[1]
    readme = (root / "README.md").read_text()
    command = "$ netverify explain sandbox/notebook payments/ledger --port 50051/TCP -f examples/calico-tiers/manifests"
    block = readme[readme.index(command) + len(command):].split("```", 1)[0].strip("\n")
    monkeypatch.chdir(root)
    out = runner.invoke(app, command.split()[2:] + ACCEPT)
    printed = out.stdout.strip("\n")
    if ACCEPT:  # the accepted-risk line the run adds until Calico's kinds are modelled
        printed = "\n".join(line for line in printed.splitlines() if not line.startswith(("UNKNOWN", "caveat")))
    assert printed == block


@pytest.mark.parametrize("fmt", ["text", "markdown", "junit", "html", "json"])
def test_every_format_shows_the_calico_tier_that_decided(tmp_path, fmt):
    props = tmp_path / "props.yaml"
    props.write_text(f"""
manifests: [{EXAMPLE / 'manifests'}]
properties:
  - name: sandbox-reaches-ledger
    from: {{namespace: sandbox}}
    to: {{namespace: payments}}
    ports: [{{protocol: TCP, port: 50051}}]
    expect: reachable
    scope: existing
""")
    out = runner.invoke(app, ["prove", str(props), "--format", fmt, *ACCEPT])
    assert out.exit_code == 1, out.output
    if fmt == "json":
        [result] = json.loads(out.stdout)["results"]
        [entry] = result["counterexample"]["ingress"]["chain"]
        assert (entry["layer"], entry["action"], entry["by"][0]["line"]) == ("calico:security", "deny", 20)
    else:
        assert "Calico tier security: deny by GlobalNetworkPolicy/security.sandbox-isolation ingress[0]" in out.stdout
        assert "security-tier.yaml:20" in out.stdout
