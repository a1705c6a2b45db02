"""`prove --suggest-fix --cni cilium` (analyses/fix_deny_cilium.py): an `ingressDeny` / `egressDeny` in the
CiliumNetworkPolicy whose allow lets a forbidden connection through, naming the property's other end, with its
ports first; each suggestion applied and re-proven here under Cilium's semantics."""

from __future__ import annotations

from pathlib import Path

import yaml

from netverify.analyses.fix import suggest_fixes
from netverify.analyses.fix_deny_cilium import cilium_deny_candidates
from netverify.analyses.prove import prove
from netverify.load.manifests import load_cluster_from_texts
from netverify.load.properties import load_properties
from netverify.model.semantics import Semantics
from test_suggest_fix_deny import PROPS as DENY_PROPS
from test_suggest_fix_deny import apply_diff

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "cilium-deny"
CILIUM = Semantics(cni="cilium")

PROPS = DENY_PROPS.replace("{manifests}", "cluster.yaml, allow.yaml")  # the same two properties


def _suggest(tmp_path: Path, allow: str, ports: str = ""):
    (tmp_path / "cluster.yaml").write_text((EXAMPLE / "manifests" / "cluster.yaml").read_text())
    (tmp_path / "allow.yaml").write_text(allow)
    (tmp_path / "p.yaml").write_text(PROPS.format(ports=ports))
    props = load_properties(str(tmp_path / "p.yaml"))
    texts = {m: Path(m).read_text() for m in props.manifests}
    cluster = load_cluster_from_texts(texts.items())
    report = prove(cluster, props, semantics=CILIUM)
    fixes = suggest_fixes(cluster, props, report.results, texts, lambda t: load_cluster_from_texts(t.items()),
                          lambda c, p: prove(c, p, semantics=CILIUM).results, CILIUM)
    return props, texts, cluster, report, fixes


def _reproven(props, texts, fix) -> dict[str, str]:
    edited = load_cluster_from_texts(apply_diff(texts, fix.diff).items())
    return {r.name: r.status for r in prove(edited, props, semantics=CILIUM).results}


ALLOW = (EXAMPLE / "manifests" / "allow.yaml").read_text()


def test_a_cilium_allow_that_lets_the_sandbox_in_gets_an_ingress_deny_with_the_propertys_ports_first(tmp_path):
    props, texts, _, report, (fix,) = _suggest(tmp_path, ALLOW, "    ports: [{protocol: TCP, port: 50051}]\n")
    assert [r.status for r in report.results] == ["violated", "proven"]
    assert fix.status == "found", fix.reason
    assert fix.edits[0].startswith("add an ingressDeny from every pod of namespaces env=sandbox on TCP/50051 to "
                                   "CiliumNetworkPolicy/payments/allow-all-ingress")
    (cnp,) = yaml.safe_load_all(apply_diff(texts, fix.diff)[str(tmp_path / "allow.yaml")])
    assert cnp["spec"]["ingressDeny"] == [{
        "fromEndpoints": [{"matchLabels": {"io.cilium.k8s.namespace.labels.env": "sandbox"}}],
        "toPorts": [{"ports": [{"port": "50051", "protocol": "TCP"}]}]}]
    assert cnp["spec"]["ingress"] == [{"fromEntities": ["all"]}]  # the allow is left as it was
    assert _reproven(props, texts, fix) == {"sandbox-never-reaches-payments": "proven",
                                            "checkout-reaches-the-ledger": "proven"}


def test_an_existing_ingress_deny_list_gets_the_new_rule_in_front_and_every_port_without_property_ports(tmp_path):
    allow = ALLOW.rstrip("\n") + "\n  ingressDeny:\n    - fromEntities: [world]\n"
    props, texts, _, _, (fix,) = _suggest(tmp_path, allow)
    assert fix.status == "found", fix.reason
    (cnp,) = yaml.safe_load_all(apply_diff(texts, fix.diff)[str(tmp_path / "allow.yaml")])
    assert cnp["spec"]["ingressDeny"] == [
        {"fromEndpoints": [{"matchLabels": {"io.cilium.k8s.namespace.labels.env": "sandbox"}}]},
        {"fromEntities": ["world"]}]
    assert _reproven(props, texts, fix)["sandbox-never-reaches-payments"] == "proven"


def test_no_cilium_deny_in_a_flow_list_nor_where_no_cilium_policy_decides(tmp_path):
    flow_list = ALLOW.replace("  ingress:\n    - fromEntities: [all]\n", "  ingress: [{fromEntities: [all]}]\n")
    props, texts, cluster, report, _ = _suggest(tmp_path, flow_list)
    prop = props.properties[0]
    assert report.results[0].status == "violated"
    assert cilium_deny_candidates(cluster, prop, report.results[0].counterexample, texts) == []
    # generic semantics: Cilium's policies are not what decides (no Cilium layer in the chain)
    generic = prove(cluster, props)
    cx = generic.results[0].counterexample
    assert cx is None or cilium_deny_candidates(cluster, prop, cx, texts) == []


def test_cli_suggests_the_cilium_deny_under_cni_cilium(tmp_path):
    import json

    from typer.testing import CliRunner

    from netverify.cli import app

    (tmp_path / "cluster.yaml").write_text((EXAMPLE / "manifests" / "cluster.yaml").read_text())
    (tmp_path / "allow.yaml").write_text(ALLOW)
    (tmp_path / "p.yaml").write_text(PROPS.format(ports=""))
    out = CliRunner().invoke(app, ["prove", str(tmp_path / "p.yaml"), "--cni", "cilium", "--suggest-fix",
                                   "--format", "json"])
    assert out.exit_code == 1, out.output  # still violated in the manifests as they are
    (fix,) = json.loads(out.stdout)["fixes"]
    assert fix["status"] == "found" and fix["still_proven"] == ["checkout-reaches-the-ledger"]
    assert "+  ingressDeny:" in fix["diff"]
