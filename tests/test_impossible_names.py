"""Item 9.5: names and values that cannot exist. A namespace name is an RFC 1123 label, so a selector on
`kubernetes.io/metadata.name: Monitoring_NS` (or `monitoring.prod`, or 64 characters) selects no namespace,
old or new; what the solver invents is valid; every witness's Pod YAML is one the API server accepts.
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from builders import cluster, cport, namespace, peer, policy, rule, workload
from netverify.analyses.diff import diff
from netverify.analyses.podyaml import pod_manifests
from netverify.analyses.prove import prove
from netverify.eval.concrete import evaluate
from netverify.load.manifests import load_cluster_from_texts
from netverify.model.cluster import NAMESPACE_NAME_LABEL
from netverify.model.flow import Flow, PodEndpoint
from netverify.model.k8s_names import is_dns_label, is_label_value, is_namespace_name
from netverify.model.ports import Protocol
from netverify.smt.universe import fresh_value
from pod_manifest_rules import assert_valid_pod_manifests, manifest_problems
from prove_helpers import pods, prop, props

IMPOSSIBLE = ["Monitoring_NS", "monitoring.prod", "x" * 64, "-monitoring", ""]

POLICY = """
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {{name: from-monitoring, namespace: app}}
spec:
  podSelector: {{matchLabels: {{app: db}}}}
  policyTypes: [Ingress]
  ingress:
  - from: [{{namespaceSelector: {{matchLabels: {{kubernetes.io/metadata.name: {value}}}}}}}]
---
apiVersion: apps/v1
kind: Deployment
metadata: {{name: db, namespace: app}}
spec:
  selector: {{matchLabels: {{app: db}}}}
  template:
    metadata: {{labels: {{app: db}}}}
    spec: {{containers: [{{name: db, image: x}}]}}
"""
DB = pods("app", {"app": "db"})


@pytest.mark.parametrize("value", ["Monitoring_NS", "monitoring.prod"])
def test_a_namespace_selector_on_an_impossible_name_admits_no_pod_old_or_new(value):
    c = load_cluster_from_texts([("m.yaml", POLICY.format(value=value))])
    for scope in ("any", "existing"):
        [result] = prove(c, props(prop(pods(), DB, "unreachable", scope))).results
        assert result.status == "proven", result.reason
    [possible] = prove(c, props(prop(pods(), DB, "possible", "any"))).results
    assert possible.status == "violated"


@pytest.mark.parametrize("value", IMPOSSIBLE)
def test_a_property_endpoint_in_an_impossible_namespace_is_vacuous(value):
    c = cluster(namespace("app"), workload("db", "app", {"app": "db"}))
    src = pods(ns_labels={NAMESPACE_NAME_LABEL: value})
    [result] = prove(c, props(prop(src, DB, "unreachable", "any", allow_vacuous=True))).results
    assert result.status == "vacuous", result.reason
    [reachable] = prove(c, props(prop(src, DB, "reachable", "any", allow_vacuous=True))).results
    assert reachable.status == "vacuous" and reachable.counterexample is None


def test_a_valid_name_the_selector_names_is_still_a_namespace_that_may_come():
    c = cluster(namespace("app"), workload("db", "app", {"app": "db"}),
                policy("db", "app", {"app": "db"}, ingress=[rule(peer({}, {NAMESPACE_NAME_LABEL: "monitoring"}))]))
    [result] = prove(c, props(prop(pods(), DB, "unreachable", "any"))).results
    assert result.status == "violated" and result.counterexample.src.namespace == "monitoring"
    assert not result.counterexample.src.namespace_exists
    assert_valid_pod_manifests(result.counterexample.pod_manifests, existing_namespaces={"app"})


@pytest.mark.parametrize("value", IMPOSSIBLE[:3])
def test_diff_finds_no_new_connection_from_an_impossible_namespace(value):
    db = workload("db", "app", {"app": "db"})
    base = cluster(namespace("app"), db, policy("db", "app", {"app": "db"}, types=["Ingress"]))
    head = cluster(namespace("app"), db, policy("db", "app", {"app": "db"},
                                                ingress=[rule(peer({}, {NAMESPACE_NAME_LABEL: value}))]))
    report = diff(base, head)
    assert report.symbolic_status == "done" and not report.has_added and report.added_classes == ()


def test_the_evaluator_agrees_for_every_valid_name_a_new_namespace_could_have():
    # The reference semantics: a peer on `Monitoring_NS` matches only a namespace labelled so, and no valid
    # namespace name is; so the pods that could ever exist (valid names) are never admitted.
    c = cluster(namespace("app"), workload("db", "app", {"app": "db"}),
                policy("db", "app", {"app": "db"}, ingress=[rule(peer({}, {NAMESPACE_NAME_LABEL: "Monitoring_NS"}))]))
    dst = PodEndpoint("app", {NAMESPACE_NAME_LABEL: "app"}, {"app": "db"}, ())
    for name in ("monitoring-ns", "monitoring", "monitoring-prod"):
        src = PodEndpoint(name, {NAMESPACE_NAME_LABEL: name}, {}, ())
        assert not evaluate(c, Flow(src, dst, Protocol.TCP, 80)).allowed


def test_property_namespaces_longer_than_a_dns_label_are_bad_input(tmp_path):
    from netverify.errors import InputError
    from netverify.load.properties import load_properties

    path = tmp_path / "props.yaml"
    path.write_text("properties:\n- name: p\n  from: {namespace: " + "a" * 64 + "}\n  to: {namespace: b}\n"
                    "  expect: unreachable\n")
    with pytest.raises(InputError) as err:
        load_properties(str(path))
    assert err.value.field.endswith("namespace") and err.value.line == 3


@settings(max_examples=200, deadline=None)
@given(st.sets(st.from_regex(r"other(-[0-9]{1,3})?|new-namespace(-[0-9]{1,2})?", fullmatch=True), max_size=30),
       st.sampled_from(["other", "new-namespace"]))
def test_fresh_values_are_valid_names_and_label_values(taken, base):
    value = fresh_value(taken, base)
    assert value not in taken and is_dns_label(value) and is_label_value(value)


def test_ports_sharing_a_name_go_to_different_containers_in_the_pod_yaml():
    ports = (cport(53, "dns", "UDP"), cport(80, "svc"), cport(53, "dns", "TCP"), cport(8080, "svc"), cport(9000))
    pod = PodEndpoint("fresh-ns", {NAMESPACE_NAME_LABEL: "fresh-ns", "team": "a"}, {"app": "multi"}, ports)
    text = pod_manifests(pod, pod, {"fresh-ns"})
    assert_valid_pod_manifests(text, endpoints=[pod])  # both pods load back with every port


def test_the_rule_checker_flags_what_the_api_server_rejects():
    bad = (
        "apiVersion: v1\nkind: Pod\nmetadata: {name: Bad_Name, namespace: Monitoring_NS, labels: {app: x y}}\n"
        "spec:\n  containers:\n  - name: main\n    image: x\n    ports:\n"
        "    - {name: dns, containerPort: 53, protocol: UDP}\n    - {name: dns, containerPort: 53, protocol: TCP}\n"
        "    - {name: a-very-long-port-name, containerPort: 1}\n"
    )
    problems = "\n".join(manifest_problems(bad))
    for what in ("pod name", "namespace 'Monitoring_NS'", "label value", "repeats a port name", "IANA_SVC_NAME",
                 "neither exists"):
        assert what in problems, what
    assert not is_namespace_name("Monitoring_NS") and not is_namespace_name("monitoring.prod")


def _open_to(selector_labels, *objects):
    return cluster(namespace("app"), workload("db", "app", {"app": "db"}), *objects,
                   policy("db", "app", {"app": "db"}, ingress=[rule(peer(selector_labels, {}))]))


@pytest.mark.parametrize("value", ["x" * 64, "-web", "web app"])
def test_a_pod_selector_on_a_label_value_no_pod_can_carry_admits_no_new_pod(value):
    c = _open_to({"app": value})
    [result] = prove(c, props(prop(pods(), DB, "unreachable", "any"))).results
    assert result.status == "proven", result.reason


def test_a_workload_read_with_such_a_value_still_counts():
    # The loader does not yet reject every invalid label on a workload: one that carries it is a real pod.
    c = _open_to({"app": "web app"}, workload("odd", "app", {"app": "web app"}))
    [result] = prove(c, props(prop(pods(), DB, "unreachable", "any"))).results
    assert result.status == "violated" and result.counterexample.src.labels == {"app": "web app"}


@pytest.mark.parametrize("value", ["Monitoring_NS", "monitoring.prod"])
def test_the_cli_proves_it_and_never_prints_a_pod_in_such_a_namespace(tmp_path, value):
    from typer.testing import CliRunner

    from netverify.cli import app

    (tmp_path / "m.yaml").write_text(POLICY.format(value=value))
    (tmp_path / "props.yaml").write_text(
        "manifests: [m.yaml]\nproperties:\n- name: nobody-reaches-db\n  from: {}\n"
        "  to: {namespace: app, podSelector: {matchLabels: {app: db}}}\n  expect: unreachable\n"
    )
    result = CliRunner().invoke(app, ["prove", str(tmp_path / "props.yaml")])
    assert result.exit_code == 0, result.stdout + result.stderr
    assert f"namespace {value}" not in result.stdout
