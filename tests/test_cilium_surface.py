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
