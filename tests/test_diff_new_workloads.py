"""diff as a gate (issue 14 item 6): workloads only in HEAD under BASE's policies have their own section, which
`--fail-on added` (the default) does not fail and `--fail-on new-workloads` does; what the change itself opens
for them is a change like any other; the same change is shown once."""

from __future__ import annotations

import itertools
import json
import shutil
import textwrap
import xml.etree.ElementTree as ET
from pathlib import Path

from builders import cluster, cport, namespace, peer, policy, port, rule, workload
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from netverify.analyses.diff import diff
from netverify.analyses.diff_new_workloads import with_new_workloads
from netverify.cli import app
from netverify.eval.concrete import endpoint_of, evaluate
from netverify.model.flow import Flow
from netverify.model.ports import Protocol

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
CHECKOUT = textwrap.dedent("""\
    apiVersion: apps/v1
    kind: Deployment
    metadata: {name: checkout, namespace: web}
    spec:
      selector: {matchLabels: {app: checkout}}
      template:
        metadata: {labels: {app: checkout, tier: web}}
        spec: {containers: [{name: c, image: i, ports: [{name: http, containerPort: 8080}]}]}
    """)
# the same PR also lets checkout call orders: a policy change, never hidden among the new workload's connections
OPEN_ORDERS = textwrap.dedent("""\
    apiVersion: networking.k8s.io/v1
    kind: NetworkPolicy
    metadata: {name: allow-orders-from-checkout, namespace: api}
    spec:
      podSelector: {matchLabels: {app: orders}}
      ingress:
        - from: [{namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: web}},
                  podSelector: {matchLabels: {app: checkout}}}]
          ports: [{port: http}]
    """)


def _versions(tmp_path: Path, *extra: str) -> tuple[str, str]:
    base, head = tmp_path / "base", tmp_path / "head"
    shutil.copytree(EXAMPLES / "shop", base)
    shutil.copytree(EXAMPLES / "shop", head)
    for i, text in enumerate(extra):
        (head / f"added-{i}.yaml").write_text(text)
    return str(base), str(head)


def _label(node: dict) -> str:
    return f"{node['namespace']}/{node['name']}[{node['kind']}]"


def _run(*args: str):
    return CliRunner().invoke(app, ["diff", *args])


def test_a_new_deployment_under_existing_policies_is_its_own_section_and_passes_the_default_gate(tmp_path):
    base, head = _versions(tmp_path, CHECKOUT)
    result = _run(base, head, "--wide")  # long temporary paths: the lines whole
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "no change in allowed connections" in out
    section = out.split("connections of workloads only in HEAD (BASE's policies allow them too):", 1)[1]
    assert "web/checkout[Deployment] -> kube-system/coredns[Deployment]" in section
    assert "+ allowed: TCP 53; UDP 53" in section and "by web/allow-dns egress[0]" in section
    assert _run(base, head, "--fail-on", "new-workloads").exit_code == 1
    assert _run(base, head, "--fail-on", "changed").exit_code == 0


def test_what_the_change_opens_for_a_new_workload_is_added_and_fails_the_default_gate(tmp_path):
    base, head = _versions(tmp_path, CHECKOUT, OPEN_ORDERS)
    result = _run(base, head, "--format", "json")
    assert result.exit_code == 1, result.output
    report = json.loads(result.stdout)
    added = {(_label(c["src"]), _label(c["dst"])): c["added"] for c in report["changes"]}
    assert added[("web/checkout[Deployment]", "api/orders[Deployment]")] == {"TCP": [[8080, 8080]]}
    assert {(_label(c["src"]), _label(c["dst"])) for c in report["new_workloads"]} == {
        ("web/checkout[Deployment]", "kube-system/coredns[Deployment]")}


def test_every_report_format_carries_the_new_workloads_section(tmp_path):
    base, head = _versions(tmp_path, CHECKOUT)
    out = tmp_path / "out"
    out.mkdir()
    args = [f"--report={fmt}={out / fmt}" for fmt in ("json", "markdown", "sarif", "junit", "html")]
    assert _run(base, head, *args).exit_code == 0
    pair = ("web/checkout[Deployment]", "kube-system/coredns[Deployment]")
    as_json = json.loads((out / "json").read_text())
    assert [(_label(c["src"]), _label(c["dst"])) for c in as_json["new_workloads"]] == [pair]
    assert as_json["changes"] == [] and as_json["summary"]["new_workload_pairs"] == 1
    markdown = (out / "markdown").read_text()
    assert "**Connections of workloads only in HEAD" in markdown
    assert f"| `{pair[0]}` | `{pair[1]}` | TCP 53; UDP 53 |" in markdown
    results = json.loads((out / "sarif").read_text())["runs"][0]["results"]
    assert [(r["ruleId"], r["level"]) for r in results] == [("NV103", "note")]
    assert "dns.yaml" in results[0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
    suite = ET.fromstring((out / "junit").read_text())
    suite = suite if suite.tag == "testsuite" else suite.find("testsuite")
    cases = [c for c in suite.iter("testcase") if c.get("classname") == "netverify.diff.new-workload"]
    assert [c.get("name") for c in cases] == [f"{pair[0]} -> {pair[1]}"]
    assert suite.get("failures") == "0" and cases[0].find("failure") is None
    html = (out / "html").read_text()
    assert 'id="nv-new-workloads"' in html and "web/checkout[Deployment]" in html


def test_the_same_change_is_shown_once_as_the_pair_not_again_as_a_class_it_witnesses():
    result = _run(str(EXAMPLES / "shop"), str(EXAMPLES / "shop-pr"))
    assert result.exit_code == 1, result.output
    assert result.stdout.count("web/static[Deployment] -> api/orders[Deployment]") == 1
    assert "new connection class" not in result.stdout
    as_json = json.loads(_run(str(EXAMPLES / "shop"), str(EXAMPLES / "shop-pr"), "--format", "json").stdout)
    assert as_json["added_classes"] == [] and as_json["summary"]["has_added"]


# ---- the whole class, against the concrete evaluator ------------------------------------------------------

NAMESPACES = [namespace("a", {"team": "x"}), namespace("b")]
OLD = [workload("w1", "a", {"app": "x"}, [cport(80, "http")]), workload("w2", "b", {"app": "y"})]
NEW = [workload("n1", "a", {"app": "y"}, [cport(80, "http")]), workload("n2", "c", {"app": "x"})]
PEERS = [peer({"app": "x"}), peer(None, {"team": "x"}), peer({}, {}), peer({"app": "y"}, {})]
PORTS = [[], [port(80)], [port("http")], [port(53, "UDP")]]


@st.composite
def _policy(draw, name: str):
    rules = [rule(*draw(st.lists(st.sampled_from(PEERS), max_size=2)), ports=draw(st.sampled_from(PORTS)))
             for _ in range(draw(st.integers(0, 2)))]
    return policy(name, draw(st.sampled_from(["a", "b", "c"])), draw(st.sampled_from([{}, {"app": "x"}, {"app": "y"}])),
                  ingress=rules, egress=rules[:1], types=draw(st.sampled_from([None, ["Ingress", "Egress"]])))


@st.composite
def _versions_with_new_workloads(draw):
    pool = [draw(_policy(f"p{i}")) for i in range(3)]
    base = [p for p in pool if draw(st.booleans())]
    head = [draw(_policy(p.name)) if draw(st.booleans()) else p for p in pool if draw(st.booleans())]
    new = [w for w in NEW if draw(st.booleans())] or NEW[:1]
    c_ns = [namespace("c", draw(st.sampled_from([{}, {"team": "x"}])))]
    return cluster(*NAMESPACES, *OLD, *base), cluster(*NAMESPACES, *c_ns, *OLD, *new, *head)


def _allowed(c, src, dst, proto: Protocol, number: int) -> bool:
    return evaluate(c, Flow(endpoint_of(c, src), endpoint_of(c, dst), proto, number)).allowed


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_versions_with_new_workloads())
def test_a_new_workloads_connection_is_added_exactly_when_the_base_policies_would_block_it(pair):
    base, head = pair
    report = diff(base, head, symbolic=False)
    as_if = with_new_workloads(base, head, frozenset(w.ref for w in NEW))
    shown = {(c.src.label, c.dst.label): c for c in report.changes}
    apart = {(c.src.label, c.dst.label): c for c in report.new_workloads}
    new_refs = {w.ref for w in head.workloads} - {w.ref for w in base.workloads}
    for src, dst in itertools.permutations(head.workloads, 2):
        if src.ref not in new_refs and dst.ref not in new_refs:
            continue
        for proto, number in ((Protocol.TCP, 80), (Protocol.TCP, 443), (Protocol.UDP, 53)):
            now = _allowed(head, src, dst, proto, number)
            before = _allowed(as_if, src, dst, proto, number)
            change, kept = shown.get((src.ref, dst.ref)), apart.get((src.ref, dst.ref))
            opened = change is not None and number in change.added.get(proto, ())
            listed = kept is not None and number in kept.added.get(proto, ())
            # what BASE's policies would block is a change the default gate sees; the rest is the section's
            assert opened == (now and not before), (src.ref, dst.ref, proto, number)
            assert listed == (now and before), (src.ref, dst.ref, proto, number)
            if opened:
                assert report.has_added
