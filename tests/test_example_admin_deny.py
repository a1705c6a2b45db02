"""examples/admin-deny (the README's AdminNetworkPolicy example): a cluster-wide Deny that a NetworkPolicy
admitting everything cannot override, proven for every pod that could exist; and the Deny is no blanket."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from netverify.analyses.explain import explain
from netverify.analyses.prove import prove
from netverify.cli import app
from netverify.load.manifests import load_cluster
from netverify.load.properties import load_properties
from netverify.model.kinds import MODELLED
from netverify.model.ports import Protocol

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "admin-deny"


def test_the_example_proves_both_properties():
    cluster = load_cluster([str(EXAMPLE / "manifests")])
    report = prove(cluster, load_properties(str(EXAMPLE / "properties.yaml")))
    assert {r.name: r.status for r in report.results} == {
        "sandbox-never-reaches-payments": "proven", "checkout-reaches-the-ledger": "proven"}


def test_without_the_admin_policy_the_networkpolicy_lets_the_sandbox_in():
    """The proof stands on the ANP: the same cluster without it is violated (the NetworkPolicy admits all)."""
    from dataclasses import replace
    cluster = load_cluster([str(EXAMPLE / "manifests")])
    report = prove(replace(cluster, admin_policies=()), load_properties(str(EXAMPLE / "properties.yaml")))
    assert report.results[0].status == "violated"


def test_explain_names_the_admin_rule_at_its_line():
    e = explain(load_cluster([str(EXAMPLE / "manifests")]), "sandbox/notebook", "payments/ledger", Protocol.TCP, 50051)
    assert not e.allowed
    [entry] = e.ingress.chain
    assert (entry.layer, entry.action, entry.by[0].span.line) == ("admin", "deny", 13)


@pytest.mark.skipif(("policy.networking.k8s.io", "AdminNetworkPolicy") not in MODELLED,
                    reason="the kinds table does not list AdminNetworkPolicy as modelled yet (results unknown)")
def test_the_readme_command_exits_0_with_both_proven():
    out = CliRunner().invoke(app, ["prove", str(EXAMPLE / "properties.yaml"), "--format", "json"])
    assert out.exit_code == 0, out.output
    assert json.loads(out.stdout)["summary"]["proven"] == 2
