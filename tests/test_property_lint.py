"""Probable typos in properties (issue 9 item 8): a label key, a label value or a namespace that nothing in the
manifests carries or mentions is warned about in every format; the verdict never changes; --strict fails on it.

The rule under test (docs/semantics.md, "Warnings on properties") is in analyses/property_lint.py.
"""

from __future__ import annotations

import ipaddress
import json
import xml.etree.ElementTree as ET
from dataclasses import replace
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from builders import cluster, expr, namespace, peer, policy, rule, sel, workload
from differential_strategies import clusters, endpoint_specs
from netverify.analyses.property_lint import LabelUniverse, lint_property, with_property_warnings
from netverify.analyses.prove import prove
from netverify.cli import app
from netverify.cli.outcome import strict_exit_code
from netverify.findings import ProveReport
from netverify.load.manifests import load_cluster
from netverify.load.properties import load_properties
from netverify.model.cluster import Service
from netverify.model.ipblock import IPBlock
from netverify.model.properties import EndpointSpec, Property
from netverify.model.span import Span

import report_fixtures as fx

DATA = Path(__file__).parent / "data" / "property_typos"
TYPOS = str(DATA / "typos.yaml")
CLEAN = str(DATA / "clean.yaml")
runner = CliRunner()

SHOP = cluster(
    namespace("database", {"team": "data"}),
    workload("frontend", "web", {"app": "frontend"}),
    workload("postgres", "database", {"app": "postgres"}),
    policy("db-ingress", "database", {}, ingress=[rule(peer({"app": "frontend"}, {"kubernetes.io/metadata.name": "web"}))]),
    policy("canary", "web", {}, ingress=[rule(peer({"track": "canary"}))]),
    Service("database", "pg", {"role": "primary"}, (), Span("svc.yaml", 1)),
)
UNIVERSE = LabelUniverse.of(SHOP)
SPAN = Span("props.yaml", 4)


def ep(**kw) -> EndpointSpec:
    return EndpointSpec(span=SPAN, **kw)


def prop(src: EndpointSpec, dst: EndpointSpec | None = None) -> Property:
    return Property("p", src, dst or ep(namespace="database"), (), "unreachable", "any", Span("props.yaml", 3))


def warned(src: EndpointSpec, dst: EndpointSpec | None = None) -> list[tuple[str, str, str, str | None]]:
    return [(w.kind, w.field, w.name, w.suggestion) for w in lint_property(UNIVERSE, prop(src, dst))]


# ---- the rule ---------------------------------------------------------------------------------------------


def test_a_misspelt_label_key_is_warned_with_the_nearest_key():
    assert warned(ep(pod_selector=sel({"ap": "frontend"}))) == [("label-key", "from.podSelector", "ap", "app")]


def test_a_misspelt_label_value_is_warned_with_the_nearest_value_of_that_key():
    assert warned(ep(pod_selector=sel({"app": "frontnd"}))) == [
        ("label-value", "from.podSelector", "app=frontnd", "frontend")]


def test_a_namespace_nothing_knows_is_warned_with_the_nearest_namespace():
    assert warned(ep(namespace="web"), ep(namespace="databse")) == [
        ("namespace", "to.namespace", "databse", "database")]


def test_in_and_notin_values_are_checked_and_exists_checks_the_key_only():
    written = sel(None, expr("app", "NotIn", "frontend", "postgrse"), expr("tier", "Exists"))
    assert warned(ep(pod_selector=written)) == [
        ("label-value", "from.podSelector", "app=postgrse", "postgres"),
        ("label-key", "from.podSelector", "tier", None)]


def test_namespace_selectors_are_checked_against_namespace_labels_not_pod_labels():
    assert warned(ep(namespace_selector=sel({"team": "dta"}))) == [
        ("label-value", "from.namespaceSelector", "team=dta", "data")]
    # `app` is a pod label: on a namespace it is nothing anyone carries.
    assert warned(ep(namespace_selector=sel({"app": "frontend"}))) == [
        ("label-key", "from.namespaceSelector", "app", None)]


def test_what_objects_carry_or_policies_and_services_mention_is_never_warned():
    quiet = [
        ep(pod_selector=sel({"app": "postgres"})),  # a workload carries it
        ep(pod_selector=sel({"track": "canary"})),  # only a policy mentions it: a label for pods to come
        ep(pod_selector=sel({"role": "primary"})),  # only a Service selects on it
        ep(namespace="web"),  # not declared, but a workload lives there
        ep(namespace_selector=sel({"kubernetes.io/metadata.name": "web"})),
        ep(namespace_selector=sel({"team": "data"})),
    ]
    for written in quiet:
        assert warned(written) == [], written


def test_a_new_label_that_no_policy_mentions_is_warned_on_purpose():
    # Documented rule: no policy can tell pods with `tier=canary` from any other pod, so the property is only
    # meaningful if the label is spelled like something the manifests know. It stays a warning, not an error.
    assert warned(ep(pod_selector=sel({"tier": "canary"}))) == [("label-key", "from.podSelector", "tier", None)]


def test_a_namespace_a_policy_selects_by_name_is_known():
    selected = replace(SHOP, policies=SHOP.policies + (
        policy("to-monitoring", "web", {}, egress=[rule(peer(None, {"kubernetes.io/metadata.name": "monitoring"}))]),))
    assert lint_property(LabelUniverse.of(selected), prop(ep(namespace="monitoring"))) == ()
    assert warned(ep(namespace="monitoring")) == [("namespace", "from.namespace", "monitoring", None)]


def test_ipblock_service_and_workload_endpoints_are_not_linted():
    assert warned(ep(ip_block=IPBlock(ipaddress.ip_network("10.0.0.0/8"), ()))) == []
    assert warned(ep(namespace="databse", service="pg")) == []
    assert warned(ep(namespace="databse", workload="postgres")) == []


# ---- the verdict stands, every format says it ----------------------------------------------------------------


def _proved(path: str) -> tuple[ProveReport, ProveReport]:
    props = load_properties(path)
    manifests = load_cluster(list(props.manifests))
    report = prove(manifests, props, timeout_ms=30000)
    return report, with_property_warnings(report, manifests, props)


def test_the_three_typos_stay_proven_and_each_carries_its_warning():
    before, after = _proved(TYPOS)
    assert [r.status for r in after.results] == [r.status for r in before.results] == ["proven"] * 3
    assert [[(w.kind, w.suggestion, w.span.line) for w in r.warnings] for r in after.results] == [
        [("label-key", "app", 4)], [("namespace", "database", 9)], [("label-value", "frontend", 12)]]


def test_a_file_without_typos_has_no_warnings():
    _, after = _proved(CLEAN)
    assert [r.status for r in after.results] == ["proven", "proven"]
    assert all(r.warnings == () for r in after.results)


def run(*args: str):
    return runner.invoke(app, ["prove", TYPOS, *args])


def test_text_shows_each_warning_under_its_property():
    result = run()
    assert result.exit_code == 0, result.output
    for hint in ("did you mean 'app'?", "did you mean 'database'?", "did you mean 'frontend'?"):
        assert hint in result.stdout
    assert "typos.yaml:4" in result.stdout and "typos.yaml:9" in result.stdout and "typos.yaml:12" in result.stdout


def test_json_has_a_warnings_list_per_result():
    result = run("--format", "json")
    assert result.exit_code == 0
    results = json.loads(result.stdout)["results"]
    assert [r["status"] for r in results] == ["proven"] * 3
    assert [[(w["kind"], w["name"], w["suggestion"], w["location"]["line"]) for w in r["warnings"]]
            for r in results] == [[("label-key", "ap", "app", 4)], [("namespace", "databse", "database", 9)],
                                  [("label-value", "app=frontnd", "frontend", 12)]]


def test_sarif_has_a_warning_result_at_each_typo():
    result = run("--format", "sarif")
    assert result.exit_code == 0
    results = json.loads(result.stdout)["runs"][0]["results"]
    assert [(r["ruleId"], r["level"], r["locations"][0]["physicalLocation"]["region"]["startLine"])
            for r in results] == [("NV201", "warning", 4), ("NV201", "warning", 9), ("NV201", "warning", 12)]
    assert "did you mean 'app'?" in results[0]["message"]["text"]


def test_sarif_with_warnings_is_valid_against_the_schema():
    schema = Path(__file__).resolve().parents[2] / "shared" / "schemas" / "sarif-schema-2.1.0.json"
    if not schema.exists():
        pytest.skip(f"SARIF schema not found at {schema} (../shared is absent)")
    jsonschema = pytest.importorskip("jsonschema")
    from netverify.report import render
    jsonschema.validate(json.loads(render(fx.WARNED, "sarif")), json.loads(schema.read_text()))


def test_markdown_lists_the_warnings():
    result = run("--format", "markdown")
    assert result.exit_code == 0
    assert "**Warnings**" in result.stdout
    assert result.stdout.count("did you mean") == 3


def test_junit_puts_the_warnings_in_each_passing_case():
    result = run("--format", "junit")
    assert result.exit_code == 0
    cases = ET.fromstring(result.stdout).iter("testcase")
    outs = {c.get("name"): (c.findtext("system-out") or "") for c in cases}
    assert "did you mean 'app'?" in outs["key-typo"]
    assert "did you mean 'database'?" in outs["namespace-typo"]
    assert "did you mean 'frontend'?" in outs["value-typo"]


# ---- --strict ------------------------------------------------------------------------------------------------


def test_strict_turns_warnings_into_exit_1():
    assert run().exit_code == 0
    assert run("--strict").exit_code == 1
    assert runner.invoke(app, ["prove", "--strict", CLEAN]).exit_code == 0


@pytest.mark.parametrize(("code", "expected"), [(0, 1), (1, 1), (3, 3)])
def test_strict_never_lowers_a_code_and_unknown_still_wins(code, expected):
    warned_report = fx.WARNED
    assert strict_exit_code(code, warned_report, strict=True) == expected
    assert strict_exit_code(code, warned_report, strict=False) == code
    assert strict_exit_code(code, fx.ALL_PROVEN, strict=True) == code


# ---- on random clusters (the differential generator) ----------------------------------------------------------


def _carried_or_mentioned(c, kind: str) -> dict[str, set[str]]:
    """Straight from the objects, written apart from property_lint: what pods / namespaces know."""
    known: dict[str, set[str]] = {}

    def add(labels):
        for k, v in labels.items():
            known.setdefault(k, set()).add(v)

    def mention(selector):
        for r in selector.requirements if selector is not None else ():
            known.setdefault(r.key, set()).update(r.values)

    for p in c.policies:
        for peer_ in (pr for rl in (*p.ingress, *p.egress) for pr in rl.peers):
            mention(peer_.pod_selector if kind == "pod" else peer_.namespace_selector)
        if kind == "pod":
            mention(p.pod_selector)
    for labels in ([w.labels for w in c.workloads] + [s.selector or {} for s in c.services] if kind == "pod"
                   else [n.labels for n in c.namespaces.values()]):
        add(labels)
    return known


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_every_warning_is_true_and_known_labels_are_never_warned(data):
    c = data.draw(clusters(), label="cluster")
    src = data.draw(endpoint_specs(c), label="src")
    dst = data.draw(endpoint_specs(c), label="dst")
    warnings = lint_property(LabelUniverse.of(c), prop(src, dst))
    pods, namespaces = _carried_or_mentioned(c, "pod"), _carried_or_mentioned(c, "namespace")
    for w in warnings:
        known = pods if w.field.endswith("podSelector") else namespaces
        if w.kind == "label-key":
            assert w.name not in known, w
        elif w.kind == "label-value":
            key, value = w.name.split("=", 1)
            assert key in known and value not in known[key], w
        else:
            used = set(c.namespaces) | {o.namespace for o in (*c.workloads, *c.services, *c.policies)}
            assert w.name not in used | namespaces.get("kubernetes.io/metadata.name", set()), w
        if w.suggestion is not None:
            assert w.suggestion != w.name.split("=")[-1]
    # A property written with labels an existing workload carries, in its namespace, is never warned.
    w = data.draw(st.sampled_from(c.workloads), label="workload")
    carried = ep(namespace=w.namespace, pod_selector=sel(dict(w.labels)))
    assert lint_property(LabelUniverse.of(c), prop(carried, carried)) == ()
