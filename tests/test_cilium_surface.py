"""What a user sees of the Cilium layer: explain's words for the union (which of deny, allow or default deny
decided, each rule at file:line), map folded from the evaluator, diff, and the reports.

The semantics are eval's (eval/cilium.py, tests/test_differential_cilium.py); these tests pin the surface.
"""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from netverify.cli import app
from netverify.model.decision import LayerDecision
from netverify.model.kinds import MODELLED
from netverify.model.span import Span
from netverify.model.verdict import RuleRef, SideVerdict
from netverify.report import words
from netverify.report import json as json_report

needs_cilium = pytest.mark.skipif(
    ("cilium.io", "CiliumNetworkPolicy") not in MODELLED,
    reason="the kinds table (model/kinds.py MODELLED) does not list CiliumNetworkPolicy as modelled yet")

DENY_RULE = RuleRef("CiliumNetworkPolicy/shop/lock", "ingress", 0, Span("lock.yaml", 9),
                    kind="CiliumNetworkPolicy", action="deny")
ALLOW_RULE = RuleRef("CiliumClusterwideNetworkPolicy/open", "ingress", 1, Span("open.yaml", 12),
                     kind="CiliumClusterwideNetworkPolicy", action="allow")
SELECTING = RuleRef("CiliumNetworkPolicy/shop/lock", "ingress", None, Span("lock.yaml", 3),
                    kind="CiliumNetworkPolicy", action="deny")


def side(decision: LayerDecision) -> SideVerdict:
    return SideVerdict("ingress", False, (), (), chain=(decision,))


# ---- words for the union (every renderer shows a side through words.side_lines) -------------------------------


def test_a_deny_rule_is_named_as_the_manifest_spells_it_at_its_line():
    lines = words.side_lines(side(LayerDecision("cilium", "deny", (DENY_RULE,))))
    assert lines == ["BLOCKED", "1 Cilium: deny by CiliumNetworkPolicy/shop/lock ingressDeny[0] (lock.yaml:9) "
                     "(a deny rule wins over every allow rule)"]


def test_default_deny_names_the_selecting_policies():
    lines = words.side_lines(side(LayerDecision("cilium", "deny", (SELECTING,))))
    assert lines[0] == "BLOCKED"
    assert lines[1] == "1 Cilium: default deny: selected by CiliumNetworkPolicy/shop/lock (lock.yaml:3), and no " \
                       "allow rule matches"


def test_an_allow_names_the_rule_and_an_unselected_pod_says_so():
    allowed = words.side_lines(side(LayerDecision("cilium", "allow", (ALLOW_RULE,))))
    assert allowed == ["allowed", "1 Cilium: allow by CiliumClusterwideNetworkPolicy/open ingress[1] (open.yaml:12)"]
    open_ = words.side_lines(side(LayerDecision("cilium", "nomatch")))
    assert open_[0] == "allowed" and "no policy with rules for this direction selects the pod" in open_[1]
    assert open_[2] == "2 end of the chain: allowed (no layer decided)"


def test_json_carries_the_cilium_entry_with_kind_action_and_line():
    doc = json_report.side_dict(side(LayerDecision("cilium", "deny", (DENY_RULE,))))
    assert doc["decision"] == "deny"
    [entry] = doc["chain"]
    assert entry["layer"] == "cilium" and entry["action"] == "deny"
    assert entry["by"] == [{"policy": "CiliumNetworkPolicy/shop/lock", "rule": 0, "file": "lock.yaml", "line": 9,
                            "direction": "ingress", "kind": "CiliumNetworkPolicy", "rule_name": None,
                            "action": "deny"}]


# ---- explain, map and diff over model objects (the evaluator decides; these pin what the commands show) ------

from builders import cluster as k8s_cluster  # noqa: E402
from builders import cport, namespace, workload  # noqa: E402
from cilium_builders import ccnp, cnp, cport_, crule, to_ports, with_cilium  # noqa: E402
from netverify.analyses.diff import diff  # noqa: E402
from netverify.analyses.explain import explain  # noqa: E402
from netverify.analyses.map import connectivity_map  # noqa: E402
from netverify.model.ports import Protocol  # noqa: E402
from netverify.model.semantics import Semantics  # noqa: E402
from netverify.report import text  # noqa: E402

CILIUM = Semantics(cni="cilium")
SHOP = k8s_cluster(namespace("shop"), namespace("lab", {"env": "sandbox"}),
                   workload("web", "shop", {"app": "web"}, [cport(8080, "http")], ips=["10.0.0.1"]),
                   workload("db", "shop", {"app": "db"}, [cport(5432, "pg")], ips=["10.0.0.2"]),
                   workload("probe", "lab", {"app": "probe"}, ips=["10.0.1.1"]))
ALLOW_ALL_IN = ccnp("open", {}, ingress=[crule(entities=["all"])])
DENY_LAB = cnp("lock", "shop", {"app": "db"},
               ingress_deny=[crule(endpoints=[{"io.kubernetes.pod.namespace": "lab"}])])


def test_explain_under_cilium_names_the_deny_rule_at_its_line():
    c = with_cilium(SHOP, ALLOW_ALL_IN, DENY_LAB)
    e = explain(c, "lab/probe", "shop/db", Protocol.TCP, 5432, semantics=CILIUM)
    assert not e.allowed
    out = text.render_explain(e)
    assert "1 Cilium: deny by CiliumNetworkPolicy/shop/lock ingressDeny[0] (lock.yaml:20)" in out
    allowed = explain(c, "shop/web", "shop/db", Protocol.TCP, 5432, semantics=CILIUM)
    assert allowed.allowed
    assert "allow by CiliumClusterwideNetworkPolicy/open ingress[0] (open.yaml:10)" in text.render_explain(allowed)


def test_explain_without_the_cilium_chain_is_the_generic_one():
    """The CNI decides: the same cluster under the generic chain never consults the Cilium layer."""
    e = explain(with_cilium(SHOP, ALLOW_ALL_IN, DENY_LAB), "lab/probe", "shop/db", Protocol.TCP, 5432)
    assert all(d.layer != "cilium" for d in e.ingress.chain)


def _pairs(cmap) -> set[tuple[str, str]]:
    return {(getattr(r.src, "name", "ip"), getattr(r.dst, "name", "ip")) for r in cmap.connections}


def test_map_folds_the_cilium_union_deny_over_allow():
    c = with_cilium(SHOP, ALLOW_ALL_IN, DENY_LAB)
    rows = _pairs(connectivity_map(c, semantics=CILIUM))
    assert ("probe", "db") not in rows  # denied whatever the allow says
    assert {("probe", "web"), ("web", "db")} <= rows


def test_map_tells_service_accounts_apart_when_a_cilium_selector_names_them():
    """Two workloads alike but for their service account: a selector on it must not fold them into one class."""
    from dataclasses import replace
    a = replace(workload("a", "shop", {"app": "x"}, ips=["10.0.0.5"]), service_account="alpha")
    b = replace(workload("b", "shop", {"app": "x"}, ips=["10.0.0.6"]), service_account="beta")
    only_alpha = cnp("sa", "shop", {"app": "db"},
                     ingress=[crule(endpoints=[{"io.cilium.k8s.policy.serviceaccount": "alpha"}])])
    c = with_cilium(k8s_cluster(namespace("shop"), a, b, workload("db", "shop", {"app": "db"}, ips=["10.0.0.2"])),
                    only_alpha)
    rows = _pairs(connectivity_map(c, semantics=CILIUM))
    assert ("a", "db") in rows and ("b", "db") not in rows


def test_diff_under_cilium_compares_the_existing_workloads_and_every_future_pod():
    """Removing the deny opens lab -> db: the existing pair is a change, and the symbolic search finds the class
    of every pod in lab (or anywhere else the deny covered), opened by the clusterwide allow, re-checked."""
    base = with_cilium(SHOP, ALLOW_ALL_IN, DENY_LAB)
    head = with_cilium(SHOP, ALLOW_ALL_IN)
    report = diff(base, head, semantics=CILIUM)
    added = [c for c in report.changes if c.added]
    assert [(c.src.name, c.dst.name) for c in added] == [("probe", "db")]
    assert report.symbolic_status == "done" and (report.added_classes or report.repeated_classes)
    for added_class in report.added_classes:
        assert added_class.witness.src.namespace == "lab"
        assert [r.policy for r in added_class.opened_by] == ["CiliumClusterwideNetworkPolicy/open"]


def test_diff_under_cilium_sees_a_new_deny_close_nothing_new_open():
    """Adding the deny opens nothing: no class, the search is complete (done)."""
    report = diff(with_cilium(SHOP, ALLOW_ALL_IN), with_cilium(SHOP, ALLOW_ALL_IN, DENY_LAB), semantics=CILIUM)
    assert report.symbolic_status == "done" and not report.added_classes
    assert [(c.src.name, c.dst.name) for c in report.changes if c.removed] == [("probe", "db")]


def test_diff_under_cilium_reads_service_accounts_of_future_pods():
    """An allow by service account opens db to every future pod of that account, which the class names."""
    only_sa = cnp("sa-in", "shop", {"app": "db"},
                  ingress=[crule(endpoints=[{"io.cilium.k8s.policy.serviceaccount": "reporter"}])])
    closed = cnp("sa-in", "shop", {"app": "db"}, ingress=[crule(endpoints=[{"app": "nobody"}])])
    report = diff(with_cilium(SHOP, closed), with_cilium(SHOP, only_sa), semantics=CILIUM)
    assert report.symbolic_status == "done" and (report.added_classes or report.repeated_classes)
    assert all(c.witness.dst.namespace == "shop" for c in report.added_classes)


def test_l7_allow_reads_subject_to_l7_rules_in_explain():
    l7 = cnp("http-only", "shop", {"app": "db"},
             ingress=[crule(endpoints=[{"app": "web"}], ports=[to_ports(cport_(5432), l7=["http"])])])
    e = explain(with_cilium(SHOP, l7), "shop/web", "shop/db", Protocol.TCP, 5432, semantics=CILIUM)
    assert e.allowed
    assert "subject to L7 rules (http)" in text.render_explain(e)


# ---- L7 rules in prove's results (analyses/cilium_l7.py) ------------------------------------------------------

from netverify.analyses.cilium_l7 import with_l7_caveats  # noqa: E402
from netverify.findings import PropertyResult, ProveReport  # noqa: E402

L7_CLUSTER = with_cilium(SHOP, cnp("http-only", "shop", {"app": "db"}, ingress=[
    crule(endpoints=[{"app": "web"}], ports=[to_ports(cport_(5432), l7=["http"])])]))


def _result(status: str, expect: str) -> PropertyResult:
    return PropertyResult(f"{status}-{expect}", status, expect, "any", 1, Span("props.yaml", 3))  # type: ignore[arg-type]


def test_l7_rules_leave_an_unreachable_proof_standing_with_a_caveat_and_a_reachable_one_subject_to_them():
    report = ProveReport("props.yaml", (_result("proven", "unreachable"), _result("proven", "reachable"),
                                        _result("violated", "unreachable"), _result("unknown", "reachable")))
    got = {r.name: (r.status, r.caveats) for r in with_l7_caveats(report, L7_CLUSTER, CILIUM).results}
    assert got["proven-unreachable"][0] == "proven" and "stands" in got["proven-unreachable"][1][0]
    assert got["proven-reachable"][1][0].startswith("subject to L7 rules")
    assert "CiliumNetworkPolicy/shop/http-only ingress[0] (http; http-only.yaml:10)" in got["proven-reachable"][1][0]
    assert "allowed at L3/L4" in got["violated-unreachable"][1][0]
    assert got["unknown-reachable"] == ("unknown", ())


def test_no_l7_caveat_without_l7_rules_or_under_another_chain():
    report = ProveReport("props.yaml", (_result("proven", "reachable"),))
    assert with_l7_caveats(report, with_cilium(SHOP, ALLOW_ALL_IN), CILIUM) == report
    assert with_l7_caveats(report, L7_CLUSTER, Semantics()) == report


# ---- through the CLI -------------------------------------------------------------------------------------------

CLUSTER_SELECTOR = """apiVersion: v1
kind: Namespace
metadata: {name: shop}
---
apiVersion: v1
kind: Pod
metadata: {name: web, namespace: shop, labels: {app: web}}
spec: {containers: [{name: c, image: x}]}
---
apiVersion: v1
kind: Pod
metadata: {name: db, namespace: shop, labels: {app: db}}
spec: {containers: [{name: c, image: x, ports: [{containerPort: 5432}]}]}
---
apiVersion: cilium.io/v2
kind: CiliumNetworkPolicy
metadata: {name: from-prod, namespace: shop}
spec:
  endpointSelector: {matchLabels: {app: db}}
  ingress:
  - fromEndpoints:
    - matchLabels: {io.cilium.k8s.policy.cluster: prod}
"""


@needs_cilium
@pytest.mark.parametrize(("name", "allowed"), [("prod", True), ("default", False)])
def test_cilium_cluster_names_the_cluster_identities_carry(tmp_path, name, allowed):
    (tmp_path / "m.yaml").write_text(CLUSTER_SELECTOR)
    args = ["explain", "shop/web", "shop/db", "--port", "5432/TCP", "-f", str(tmp_path / "m.yaml"),
            "--format", "json"]
    out = CliRunner().invoke(app, [*args, "--cilium-cluster", name] if name != "default" else args)
    assert out.exit_code == (0 if allowed else 1), out.output  # explain: 0 allowed, 1 blocked
    doc = json.loads(out.stdout)
    assert doc["allowed"] is allowed
    [entry] = doc["ingress"]["chain"]
    assert (entry["layer"], entry["action"]) == ("cilium", "allow" if allowed else "deny")


@needs_cilium
def test_explain_json_and_text_locate_the_cilium_rule(tmp_path):
    (tmp_path / "m.yaml").write_text(CLUSTER_SELECTOR)
    base = ["explain", "shop/web", "shop/db", "--port", "5432/TCP", "-f", str(tmp_path / "m.yaml"),
            "--cilium-cluster", "prod"]
    doc = json.loads(CliRunner().invoke(app, [*base, "--format", "json"]).stdout)
    [rule] = doc["ingress"]["chain"][0]["by"]
    assert (rule["kind"], rule["policy"], rule["line"]) == ("CiliumNetworkPolicy",
                                                           "CiliumNetworkPolicy/shop/from-prod", 21)  # the `- fromEndpoints` item
    out = CliRunner().invoke(app, [*base, "--wide"]).stdout  # one line per entry, unwrapped
    assert f"1 Cilium: allow by CiliumNetworkPolicy/shop/from-prod ingress[0] ({tmp_path / 'm.yaml'}:21)" in out


ANP_BESIDE_PODS = """apiVersion: policy.networking.k8s.io/v1alpha1
kind: AdminNetworkPolicy
metadata: {name: deny-all}
spec:
  priority: 10
  subject: {namespaces: {}}
  ingress:
  - {name: d, action: Deny, from: [{namespaces: {}}]}
---
apiVersion: v1
kind: Pod
metadata: {name: a, namespace: default, labels: {app: a}}
spec: {containers: [{name: c, image: x, ports: [{containerPort: 80}]}]}
---
apiVersion: v1
kind: Pod
metadata: {name: b, namespace: default, labels: {app: b}}
spec: {containers: [{name: c, image: x, ports: [{containerPort: 80}]}]}
"""


@pytest.mark.parametrize("command", ["explain", "map"])
def test_kinds_cilium_does_not_enforce_are_skipped_with_a_note(tmp_path, command):
    (tmp_path / "m.yaml").write_text(ANP_BESIDE_PODS)
    args = {"explain": ["explain", "default/a", "default/b", "--port", "80/TCP"], "map": ["map"]}[command]
    out = CliRunner().invoke(app, [*args, "-f", str(tmp_path / "m.yaml"), "--cni", "cilium", "--format", "json"])
    assert out.exit_code == 0, out.output
    doc = json.loads(out.stdout)
    assert any("Cilium does not enforce AdminNetworkPolicy" in n for n in doc["notes"])
    generic = json.loads(CliRunner().invoke(app, [*args, "-f", str(tmp_path / "m.yaml"), "--format", "json"]).stdout)
    assert not any("does not enforce" in n for n in generic["notes"])


# ---- a prove counterexample in every report -----------------------------------------------------------------

from prove_helpers import pods as pod_ep  # noqa: E402
from prove_helpers import prop as property_  # noqa: E402
from prove_helpers import props  # noqa: E402
from netverify.analyses.prove import prove  # noqa: E402
from netverify.report import junit, markdown, sarif  # noqa: E402


def _cilium_violation():
    c = with_cilium(SHOP, ALLOW_ALL_IN, DENY_LAB)
    return prove(c, props(property_(pod_ep("lab"), pod_ep("shop", {"app": "db"}), "reachable", "existing",
                                    name="lab-reaches-db")), semantics=CILIUM)


@needs_cilium
def test_sarif_locates_the_cilium_deny_rule_of_a_counterexample():
    report = _cilium_violation()
    assert report.results[0].status == "violated"
    [result] = json.loads(sarif.render_prove(report))["runs"][0]["results"]
    loc = result["locations"][0]["physicalLocation"]
    assert (loc["artifactLocation"]["uri"], loc["region"]["startLine"]) == ("lock.yaml", 20)


@needs_cilium
def test_every_format_shows_the_cilium_deny_of_a_counterexample():
    report = _cilium_violation()
    line = "1 Cilium: deny by CiliumNetworkPolicy/shop/lock ingressDeny[0] (lock.yaml:20)"
    assert line in text.render_prove(report)
    assert "lock.yaml:20" in markdown.render_prove(report) and "lock.yaml:20" in junit.render_prove(report)
    side = json.loads(json_report.render_prove(report))["results"][0]["counterexample"]["ingress"]
    assert side["decision"] == "deny" and side["chain"][0]["by"][0]["line"] == 20
    from netverify.report import html
    assert "lock.yaml:20" in html.render_prove(report)


def test_map_notes_rows_through_an_l7_allow():
    cmap = connectivity_map(L7_CLUSTER, semantics=CILIUM)
    assert ("web", "db") in _pairs(cmap)
    assert any("subject to those rules" in n and "http-only.yaml:10" in n for n in cmap.notes)
    assert not any("L7" in n for n in connectivity_map(with_cilium(SHOP, ALLOW_ALL_IN), semantics=CILIUM).notes)
