"""`netverify explain` as a user runs it (issue 14 item 8): exit 0 allowed / 1 blocked, bare workload names, the
missing workload named before any port question, port ranges and named ports, and "did you mean" where a name
is almost right."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest
from typer.testing import CliRunner

from netverify.cli import app

SHOP = str(Path(__file__).resolve().parent.parent / "examples" / "shop")


def run(*args: str):
    return CliRunner().invoke(app, list(args))


def explain(*args: str):
    return run("explain", *args, "-f", SHOP)


def test_exit_0_when_allowed_and_1_when_blocked_as_help_says():
    allowed = explain("web/frontend", "api/orders", "--port", "8080")
    assert allowed.exit_code == 0 and "ALLOWED" in allowed.stdout
    blocked = explain("web/static", "api/orders", "--port", "8080")
    assert blocked.exit_code == 1 and "BLOCKED" in blocked.stdout
    assert "Exit 0 allowed, 1 blocked" in " ".join(run("explain", "--help").stdout.split())


def test_bare_names_work_when_unique():
    result = explain("frontend", "orders", "--port", "8080/TCP")
    assert result.exit_code == 0
    assert result.stdout.startswith("web/frontend[Deployment] -> api/orders[Deployment] on TCP/8080: ALLOWED")


def test_a_bare_name_in_two_namespaces_is_ambiguous_and_lists_both(tmp_path):
    manifests = tmp_path / "m.yaml"
    manifests.write_text(textwrap.dedent("""\
        apiVersion: apps/v1
        kind: Deployment
        metadata: {name: api, namespace: blue}
        spec: {template: {metadata: {labels: {app: api}}, spec: {containers: [{name: c, ports: [{containerPort: 80}]}]}}}
        ---
        apiVersion: apps/v1
        kind: Deployment
        metadata: {name: api, namespace: green}
        spec: {template: {metadata: {labels: {app: api}}, spec: {containers: [{name: c, ports: [{containerPort: 80}]}]}}}
        """))
    result = run("explain", "api", "green/api", "-f", str(manifests))
    assert result.exit_code == 2
    assert "'api' is ambiguous" in result.output and "blue/api[Deployment], green/api[Deployment]" in result.output


def test_a_missing_workload_is_reported_before_any_port_question():
    no_port = explain("web/frontend", "api/nosuch")
    assert no_port.exit_code == 2
    assert "destination 'api/nosuch': not a workload" in no_port.output and "--port" not in no_port.output.split(":")[0]
    bad_port = explain("nosuch", "api/orders", "--port", "not a port!")
    assert bad_port.exit_code == 2 and "source 'nosuch'" in bad_port.output and "not a port" not in bad_port.output


def test_a_port_range_shows_each_run_of_ports_with_its_own_verdict():
    result = explain("frontend", "orders", "--port", "8079-8090")
    assert result.exit_code == 1  # blocked on some port asked about
    heads = [line for line in result.stdout.splitlines() if " -> " in line]
    assert heads == [
        "web/frontend[Deployment] -> api/orders[Deployment] on TCP/8079: BLOCKED",
        "web/frontend[Deployment] -> api/orders[Deployment] on TCP/8080: ALLOWED",
        "web/frontend[Deployment] -> api/orders[Deployment] on TCP/8081-8090: BLOCKED",
    ]
    as_json = json.loads(explain("frontend", "orders", "--port", "8079-8090", "--format", "json").stdout)
    assert [(p["port"], p.get("port_end"), p["allowed"]) for p in as_json["ports"]] == [
        (8079, None, False), (8080, None, True), (8081, 8090, False)]
    one_run = explain("frontend", "orders", "--port", "8081-8090/TCP")
    assert one_run.exit_code == 1 and "on TCP/8081-8090: BLOCKED" in one_run.stdout


def test_a_named_port_is_the_destinations_container_port_of_that_name():
    result = explain("frontend", "orders", "--port", "http")
    assert result.exit_code == 0 and "on TCP/8080 (http): ALLOWED" in result.stdout
    postgres = explain("api/orders", "data/postgres", "--port", "postgres", "--format", "json")
    assert json.loads(postgres.stdout)["port"] == 5432 and json.loads(postgres.stdout)["port_name"] == "postgres"
    typo = explain("frontend", "orders", "--port", "htp")
    assert typo.exit_code == 2 and "no container port named 'htp'" in typo.output and "did you mean 'http'?" in typo.output


@pytest.mark.parametrize(("args", "meant"), [
    (("explain", "web/frontnd", "api/orders", "-f", SHOP), "did you mean 'web/frontend'?"),
    (("explain", "wb/frontend", "api/orders", "-f", SHOP), "no namespace 'wb'; did you mean 'web'?"),
    (("explain", "frontnd", "api/orders", "-f", SHOP), "did you mean 'frontend'?"),
    (("map", "-f", SHOP, "--focus", "web/frontnd"), "did you mean 'web/frontend'?"),
    (("map", "-f", SHOP, "--format", "jsn"), "did you mean json?"),
    (("explain", "frontend", "orders", "--port", "8080/TPC", "-f", SHOP), "did you mean TCP?"),
    (("diff", SHOP, SHOP, "--fail-on", "add"), "did you mean 'added'?"),
    (("diff", SHOP, SHOP, "--scope", "existng"), "did you mean 'existing'?"),
    (("map", "-f", SHOP, "--formt", "json"), "--format"),  # options: the closest named
])
def test_did_you_mean_for_names_values_and_options(args, meant):
    result = run(*args)
    assert result.exit_code == 2
    assert meant in " ".join(result.output.replace("│", " ").split())


def test_did_you_mean_for_a_properties_key_and_an_enum_value(tmp_path):
    props = tmp_path / "p.yaml"
    props.write_text(f"manifests: [{SHOP}]\nproperties:\n  - name: x\n    from: {{namespace: web}}\n"
                     "    to: {namespace: data}\n    expect: unreachabel\n    scop: any\n")
    result = run("prove", str(props))
    assert result.exit_code == 2
    assert "properties[0].expect: expected 'unreachable', 'reachable' or 'possible', got 'unreachabel' " \
           "(did you mean 'unreachable'?)" in result.output
    assert "unknown key 'scop' (did you mean 'scope'?)" in result.output
