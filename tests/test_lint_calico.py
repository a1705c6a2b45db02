"""`lint` under Calico (issue 15 item 1, "for the ordered kinds (ANP, Calico), rules that can never be reached"):
Calico policies and rules whose removal changes no connection of any pod that could exist, found by `equiv`
under Calico's chain with and without them and located at file:line; each check with a near miss that must not
fire. Order semantics: https://docs.tigera.io/calico/latest/reference/resources/tier (tiers by order, the
tier's defaultAction), .../globalnetworkpolicy#rule (rules in order; Allow, Deny, Pass, Log).
"""

from __future__ import annotations

import pytest

from netverify.analyses.lint import lint
from netverify.load.manifests import load_cluster_from_texts
from netverify.model.semantics import Semantics
from test_diff_calico import TIER, WORKLOADS, gnp

CALICO = Semantics(cni="calico")


def _findings(policies: str):
    cluster = load_cluster_from_texts([("w.yaml", WORKLOADS), ("p.yaml", policies)])
    report = lint(cluster, semantics=CALICO)
    return [(f.check, f.span.line, f.message) for f in report.findings if f.span.file == "p.yaml"], report


def _line(text: str, needle: str, nth: int = 0) -> int:
    lines = [i + 1 for i, line in enumerate(text.splitlines()) if needle in line]
    return lines[nth]


def _redundant(found) -> dict[int, str]:
    return {line: message for check, line, message in found if check in ("redundant-rule", "redundant-policy")}


SHADOWED = TIER + gnp("db", """  selector: app == 'db'
  types: [Ingress]
  ingress:
  - action: Deny
    source: {selector: app == 'web'}
  - action: Allow
    source: {selector: app == 'web' && role == 'admin'}
  - action: Allow
    source: {selector: app == 'api'}
  - action: Deny
    source: {selector: app == 'batch'}
""")


def test_an_allow_after_a_deny_with_a_wider_match_never_decides_and_a_deny_the_default_repeats():
    found, _ = _findings(SHADOWED)
    redundant = _redundant(found)
    deny, shadowed, reached, repeated = (_line(SHADOWED, "- action:", i) for i in range(4))
    # the Allow for web admins comes after the Deny of every web pod: it never decides a connection
    assert "ingress[1] (allow)" in redundant[shadowed] and "never decides" in redundant[shadowed]
    # the last Deny is what the security tier's default (Deny) does anyway: redundant, but it decides
    assert "ingress[3] (deny)" in redundant[repeated] and "what follows it" in redundant[repeated]
    # near misses: the Deny that shadows (without it web admins get in), the Allow for api's pods (it opens
    # what the tier's default would close)
    assert set(redundant) == {shadowed, repeated}, redundant


LATER_TIER = """
---
apiVersion: projectcalico.org/v3
kind: Tier
metadata: {name: teams}
spec: {order: 200}
""" + gnp("db-from-api", """  selector: app == 'db'
  types: [Ingress]
  ingress:
  - action: Allow
    source: {selector: app == 'api'}
""", tier="teams") + gnp("web-from-api", """  selector: app == 'web'
  types: [Ingress]
  ingress:
  - action: Allow
    source: {selector: app == 'api'}
""", tier="teams")
CLOSED_TIER = TIER + gnp("db-closed", """  selector: app == 'db'
  types: [Ingress]
  ingress: [{action: Deny}]
""")


def test_a_policy_in_a_tier_after_one_that_denies_everything_for_its_pods_is_never_reached():
    text = CLOSED_TIER + LATER_TIER
    found, _ = _findings(text)
    policies = {m.split(" ")[0]: line for check, line, m in found if check == "redundant-policy"}
    # the security tier denies every connection into the db: the teams tier's policy for the db never runs
    assert policies.get("GlobalNetworkPolicy/teams.db-from-api") == _line(text, "name: teams.db-from-api") - 2
    # near misses: the same policy for web (which no earlier tier closes), and the Deny that closes the db
    assert "GlobalNetworkPolicy/teams.web-from-api" not in policies
    assert "GlobalNetworkPolicy/security.db-closed" not in policies
    # (its one Deny rule repeats the tier's default Deny for the pods the policy selects: it decides, though)
    assert "what follows it" in _redundant(found)[_line(text, "ingress: [{action: Deny}]")]


@pytest.mark.slow
def test_near_miss_a_deny_before_a_pass_default_is_not_redundant():
    # in a tier whose default is Pass, the Deny is what stops the profile's allow
    tier = TIER.replace("spec: {order: 100}", "spec: {order: 100, defaultAction: Pass}")
    text = tier + gnp("db", """  selector: app == 'db'
  types: [Ingress]
  ingress:
  - action: Deny
    source: {selector: app == 'web'}
""")
    found, _ = _findings(text)
    assert not _redundant(found), found
