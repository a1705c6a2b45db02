"""`map` under Calico and the IP protocols other than TCP, UDP and SCTP (docs/semantics.md rule 134): Calico
rules tell them apart (`protocol`, `notProtocol`, `icmp`, `notICMP`), so a row claims "every other protocol" only
where each one they tell apart is allowed, an ICMP type rule is decided (not unknown), and a note counts the
connections that allow some of them only."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from netverify.cli import app

PODS = """apiVersion: v1
kind: Pod
metadata: {name: a, namespace: default, labels: {app: a}}
spec: {containers: [{name: c, image: x}]}
---
apiVersion: v1
kind: Pod
metadata: {name: b, namespace: default, labels: {app: b}}
spec: {containers: [{name: c, image: x}]}
---
apiVersion: projectcalico.org/v3
kind: GlobalNetworkPolicy
metadata: {name: into-b}
spec:
  selector: app == 'b'
  types: [Ingress]
  ingress:
  - action: Allow
"""


def _map(tmp_path, rule: str):
    (tmp_path / "m.yaml").write_text(PODS + rule)
    out = CliRunner().invoke(app, ["map", "-f", str(tmp_path / "m.yaml"), "--format", "json"])
    doc = json.loads(out.stdout)
    rows = {(c["src"].get("name"), c["dst"].get("name")): c for c in doc["connections"]}
    return out.exit_code, rows, doc["notes"]


def test_an_icmp_type_rule_is_decided_and_no_row_claims_protocols_it_does_not_allow(tmp_path):
    code, rows, notes = _map(tmp_path, "    protocol: ICMP\n    icmp: {type: 8}\n")
    assert code == 0  # was unknown: the stand-in ICMP flow had no type for the rule to match
    assert ("a", "b") not in rows  # only ICMP echo is allowed into b: not every other protocol, no port
    assert rows[("b", "a")]["other_protocols"] is True  # a is not isolated: everything
    assert any("allow some of them only" in n for n in notes)


def test_a_protocol_rule_does_not_make_the_row_claim_every_other_protocol(tmp_path):
    code, rows, notes = _map(tmp_path, "    protocol: ICMP\n")
    assert code == 0
    # Before: ICMP stood for every other protocol, so the row claimed GRE and the rest were allowed too.
    assert ("a", "b") not in rows or rows[("a", "b")]["other_protocols"] is False
    assert any("allow some of them only" in n for n in notes)


def test_not_protocol_keeps_every_other_protocol_but_the_one_named(tmp_path):
    code, rows, _ = _map(tmp_path, "    notProtocol: UDP\n")
    assert code == 0
    row = rows[("a", "b")]
    assert row["other_protocols"] is True and "UDP" not in row["protocols"] and "TCP" in row["protocols"]
