"""examples/cilium-deny (the README's Cilium example): an ingressDeny of a CiliumClusterwideNetworkPolicy that the
payments team's allow-everything CiliumNetworkPolicy cannot reopen, proven for every pod that could exist; and
the deny is no blanket."""

from __future__ import annotations

import importlib.util
import json
from dataclasses import replace
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
from netverify.model.semantics import Semantics

needs_cilium_modelled = pytest.mark.skipif(
    ("cilium.io", "CiliumClusterwideNetworkPolicy") not in MODELLED,
    reason="the kinds table (model/kinds.py MODELLED) does not list the Cilium kinds as modelled yet")
needs_cilium_smt = pytest.mark.skipif(
    importlib.util.find_spec("netverify.smt.cilium") is None,
    reason="the Cilium layer has no SMT encoder yet (smt/cilium.py, issue 12's core item): prove cannot run")
pytestmark = needs_cilium_modelled

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "cilium-deny"
CILIUM = Semantics(cni="cilium")


@needs_cilium_smt
def test_the_readme_command_exits_0_with_both_proven():
    out = CliRunner().invoke(app, ["prove", str(EXAMPLE / "properties.yaml"), "--format", "json"])
    assert out.exit_code == 0, out.output
    doc = json.loads(out.stdout)
    assert {r["name"]: r["status"] for r in doc["results"]} == {
        "sandbox-never-reaches-payments": "proven", "checkout-reaches-the-ledger": "proven"}
    assert any(n.startswith("CNI: cilium (inferred") for n in doc["notes"])


@needs_cilium_smt
def test_without_the_deny_the_allow_lets_the_sandbox_in():
    """The proof stands on the ingressDeny: without the clusterwide policy the allow admits the sandbox."""
    cluster = load_cluster([str(EXAMPLE / "manifests")])
    kept = tuple(p for p in cluster.cilium.policies if p.kind != "CiliumClusterwideNetworkPolicy")
    assert len(kept) == len(cluster.cilium.policies) - 1
    cluster = replace(cluster, cilium=replace(cluster.cilium, policies=kept))
    report = prove(cluster, load_properties(str(EXAMPLE / "properties.yaml")), semantics=CILIUM)
    assert report.results[0].status == "violated"


def test_explain_names_the_deny_rule_in_its_file():
    e = explain(load_cluster([str(EXAMPLE / "manifests")]), "sandbox/notebook", "payments/ledger", Protocol.TCP,
                50051, semantics=CILIUM)
    assert not e.allowed
    [entry] = e.ingress.chain
    assert (entry.layer, entry.action) == ("cilium", "deny")
    assert [(r.kind, r.span.file.endswith("deny.yaml")) for r in entry.by] == [
        ("CiliumClusterwideNetworkPolicy", True)]


def test_explain_of_checkout_names_the_allow():
    e = explain(load_cluster([str(EXAMPLE / "manifests")]), "checkout/cart", "payments/ledger", Protocol.TCP,
                50051, semantics=CILIUM)
    assert e.allowed
    [entry] = e.ingress.chain
    assert (entry.layer, entry.action) == ("cilium", "allow")
    assert [r.kind for r in entry.by] == ["CiliumNetworkPolicy"]


def test_the_readme_shows_what_explain_prints(monkeypatch):
    """The README's explain transcript is this command's output, line for line (run where the README runs it)."""
    monkeypatch.chdir(EXAMPLE.parent.parent)
    readme = (EXAMPLE.parent.parent / "README.md").read_text()
    block = readme.split("$ netverify explain sandbox/notebook payments/ledger --port 50051/TCP -f "
                         "examples/cilium-deny/manifests\n", 1)[1].split("```", 1)[0]
    out = CliRunner(env={"COLUMNS": "250"}).invoke(app, ["explain", "sandbox/notebook", "payments/ledger", "--port",
                                                         "50051/TCP", "-f", "examples/cilium-deny/manifests"])
    assert out.exit_code == 1, out.output  # explain: 1 blocked
    assert out.stdout.strip().splitlines() == block.strip().splitlines()
