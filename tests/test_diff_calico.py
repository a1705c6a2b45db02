"""`diff` and `equiv` under Calico's chain for every pod that could exist (issue 11; issue 15 item 2).

The symbolic search encodes both versions with the Calico encoding prove uses (smt/calico.py through the CNI
chain); every class's witness is re-checked by the evaluator under Calico on both versions, and names the
Calico rule (file:line) that opens it. Docs: https://docs.tigera.io/calico/latest/reference/resources/tier
(order, defaultAction), .../globalnetworkpolicy (Allow, Deny, Pass, Log), .../networkpolicy#entityrule.
"""

from __future__ import annotations

import json

from typer.testing import CliRunner

from netverify.analyses.diff import diff
from netverify.analyses.equiv import equivalence
from netverify.cli import app
from netverify.load.manifests import load_cluster_from_texts
from netverify.model.semantics import Semantics
from test_calico_surface import EXAMPLE, NAMESPACES, deployment

CALICO = Semantics(cni="calico")
runner = CliRunner(env={"COLUMNS": "250"})

WORKLOADS = NAMESPACES + deployment("prod", "db", {"app": "db"}, 5432) + deployment("prod", "api", {"app": "api"}) \
    + deployment("dev", "web", {"app": "web"})

TIER = """
---
apiVersion: projectcalico.org/v3
kind: Tier
metadata: {name: security}
spec: {order: 100}
"""


def gnp(name: str, body: str, tier: str = "security", order: int = 10) -> str:
    return f"""
---
apiVersion: projectcalico.org/v3
kind: GlobalNetworkPolicy
metadata: {{name: {tier}.{name}}}
spec:
  tier: {tier}
  order: {order}
{body}"""


DB_ONLY_FROM_API = gnp("db", """  selector: app == 'db'
  types: [Ingress]
  ingress:
  - action: Allow
    protocol: TCP
    source: {selector: app == 'api'}
  - action: Deny
""")
DB_FROM_API_OR_AUDITOR = gnp("db", """  selector: app == 'db'
  types: [Ingress]
  ingress:
  - action: Allow
    protocol: TCP
    source: {selector: app == 'api'}
  - action: Allow
    protocol: TCP
    source: {selector: role == 'auditor'}
  - action: Deny
""")


def load(*texts: str):
    return load_cluster_from_texts([(f"v{i}.yaml", t) for i, t in enumerate(texts)])


def _added(d):
    return (*d.added_classes, *d.repeated_classes)


def test_a_gnp_change_opens_a_connection_only_a_future_pod_has():
    base = load(WORKLOADS, TIER, DB_ONLY_FROM_API)
    head = load(WORKLOADS, TIER, DB_FROM_API_OR_AUDITOR)
    d = diff(base, head, semantics=CALICO)
    assert d.symbolic_status == "done", d.notes
    assert not d.changes  # no existing pod has role=auditor: only a future pod gains anything
    # classes by namespace pair (as under every CNI), each opened by the new Allow rule for auditors
    assert d.added_classes
    for added in d.added_classes:
        w = added.witness
        assert w.src.labels.get("role") == "auditor" and w.src.workload is None and w.allowed
        assert w.dst.labels.get("app") == "db"
        [opened] = added.opened_by
        assert (opened.policy, opened.kind, opened.direction, opened.rule, opened.action) == (
            "GlobalNetworkPolicy/security.db", "GlobalNetworkPolicy", "ingress", 1, "allow")
    assert any(a.witness.dst.workload == "prod/db[Deployment]" for a in d.added_classes)
    assert str(opened.span) == "v2.yaml:15"  # the Allow rule that admits auditors, as explain names it


def test_a_deny_added_in_a_higher_tier_closes_things_and_adds_no_class():
    # the default tier's NetworkPolicy admits everything into prod; HEAD's security tier denies dev's pods
    allow_all = """
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: allow-all, namespace: prod}
spec: {podSelector: {}, ingress: [{}]}
"""
    deny_dev = gnp("no-dev", """  selector: all()
  types: [Ingress]
  ingress:
  - action: Deny
    source: {namespaceSelector: env == 'dev'}
  - action: Pass
""")
    base = load(WORKLOADS, allow_all)
    head = load(WORKLOADS, allow_all, TIER, deny_dev)
    d = diff(base, head, semantics=CALICO)
    assert d.symbolic_status == "done", d.notes
    assert not _added(d)
    assert any(c.removed for c in d.changes)  # dev/web -> prod/* is newly blocked


def test_a_deny_turned_into_pass_opens_the_connections_the_next_tier_allows():
    # the example's security tier, BASE with Pass instead of its Deny: HEAD's Pass -> Deny closes,
    # the other way round opens sandbox's pods to payments (through the NetworkPolicy that allows all)
    manifests = {f.name: f.read_text() for f in (EXAMPLE / "manifests").iterdir()}
    head = load_cluster_from_texts(
        [(k, v.replace("action: Deny", "action: Pass")) for k, v in sorted(manifests.items())])
    base = load_cluster_from_texts(sorted(manifests.items()))
    d = diff(base, head, semantics=CALICO)
    assert d.symbolic_status == "done", d.notes
    added = _added(d)
    assert added
    assert any(a.witness.dst.workload == "payments/ledger[Deployment]" for a in added)
    for a in added:
        assert a.witness.src.namespace == "sandbox" and a.witness.allowed
        # into payments the NetworkPolicy rule Calico enforces opens it; elsewhere the profile allows
        # after the Pass
        want = ([("payments/allow-all-ingress", 0, "allow")] if a.witness.dst.namespace == "payments"
                else [("GlobalNetworkPolicy/security.sandbox-isolation", 0, "pass")])
        assert [(r.policy, r.rule, r.action) for r in a.opened_by] == want, a.summary
    # and the reverse is only newly blocked
    back = diff(head, base, semantics=CALICO)
    assert back.symbolic_status == "done" and not _added(back)


def test_a_pass_to_the_profile_opens_what_no_later_tier_selects():
    # BASE denies the db's ingress in the security tier; HEAD passes it on, and no later tier selects the db:
    # the profile allows. The Pass rule is what opens it.
    deny = gnp("db", "  selector: app == 'db'\n  types: [Ingress]\n  ingress: [{action: Deny}]\n")
    passes = gnp("db", "  selector: app == 'db'\n  types: [Ingress]\n  ingress: [{action: Pass}]\n")
    base, head = load(WORKLOADS, TIER, deny), load(WORKLOADS, TIER, passes)
    d = diff(base, head, semantics=CALICO)
    assert d.symbolic_status == "done", d.notes
    added = _added(d)
    assert added
    for a in added:
        assert a.witness.dst.labels.get("app") == "db" and a.witness.allowed
        assert [(r.policy, r.rule, r.action) for r in a.opened_by] == [("GlobalNetworkPolicy/security.db", 0,
                                                                        "pass")]


def test_what_heads_calico_layer_cannot_decide_makes_the_search_unknown():
    # a new pod's ServiceAccount is not in the input: whether `serviceAccounts` admits it cannot be told
    by_account = gnp("db", """  selector: app == 'db'
  types: [Ingress]
  ingress:
  - action: Allow
    source: {serviceAccounts: {names: [auditor]}}
  - action: Deny
""")
    base, head = load(WORKLOADS, TIER, DB_ONLY_FROM_API), load(WORKLOADS, TIER, by_account)
    d = diff(base, head, semantics=CALICO)
    assert d.symbolic_status == "unknown"
    assert any("cannot be decided" in n for n in d.notes), d.notes


def test_the_cli_diff_under_calico_lists_the_class_and_fails_the_gate(tmp_path):
    (tmp_path / "base").mkdir()
    (tmp_path / "head").mkdir()
    (tmp_path / "base" / "all.yaml").write_text(WORKLOADS + TIER + DB_ONLY_FROM_API)
    (tmp_path / "head" / "all.yaml").write_text(WORKLOADS + TIER + DB_FROM_API_OR_AUDITOR)
    result = runner.invoke(app, ["diff", str(tmp_path / "base"), str(tmp_path / "head"), "--format", "json"])
    doc = json.loads(result.stdout)
    assert doc["summary"]["symbolic_status"] == "done"
    assert result.exit_code == 1, result.output
    assert "role" in json.dumps(doc["added_classes"])


# ---- equiv under Calico -----------------------------------------------------------------------------------

SPLIT = gnp("db-api", """  selector: app == 'db'
  types: [Ingress]
  ingress:
  - action: Allow
    protocol: TCP
    source: {selector: app == 'api'}
""", order=10) + gnp("db-rest", """  selector: app == 'db'
  types: [Ingress]
  ingress:
  - action: Deny
""", order=20)

NARROWED = gnp("db", """  selector: app == 'db'
  types: [Ingress]
  ingress:
  - action: Allow
    protocol: TCP
    source: {selector: app == 'api'}
    destination: {ports: [5432]}
  - action: Deny
""")


def test_equiv_under_calico_one_gnp_split_into_two_in_the_same_tier_is_equivalent():
    a, b = load(WORKLOADS, TIER, DB_ONLY_FROM_API), load(WORKLOADS, TIER, SPLIT)
    report = equivalence(a, b, semantics=CALICO)
    assert report.every_pod_status == "equal", [n for n in report.notes]
    assert not report.differ


def test_equiv_under_calico_a_narrowed_rule_is_not_equivalent_and_has_a_witness():
    a, b = load(WORKLOADS, TIER, DB_ONLY_FROM_API), load(WORKLOADS, TIER, NARROWED)
    report = equivalence(a, b, semantics=CALICO)
    assert report.differ and report.every_pod_status == "differ"
    ports = {(x.witness.dst.workload, x.witness.port) for x in report.a_only.added_classes}
    assert ports and all(port != 5432 for _, port in ports), ports
    assert any(dst == "prod/db[Deployment]" for dst, _ in ports)  # api's pods reach db on another port in A
    assert all(x.witness.allowed for x in report.a_only.added_classes)
    assert report.b_only is not None and not _added(report.b_only)  # B allows nothing A does not
