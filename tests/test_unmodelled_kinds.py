"""Policy kinds that decide traffic but are not modelled: results they could affect are unknown (exit 3), never
proven; `--ignore-kind` accepts the risk with a caveat in every format; kinds that cannot change a verdict stay
a note (issue 9 item 1)."""

from __future__ import annotations

import json
import textwrap
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from typer.testing import CliRunner

from netverify.cli import app

runner = CliRunner()

SHOP = """\
apiVersion: v1
kind: Namespace
metadata: {name: shop}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: shop}
spec:
  template:
    metadata: {labels: {app: web}}
    spec: {containers: [{name: c, image: x, ports: [{containerPort: 80}]}]}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: db, namespace: shop}
spec:
  template:
    metadata: {labels: {app: db}}
    spec: {containers: [{name: c, image: x, ports: [{containerPort: 5432}]}]}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: deny-all, namespace: shop}
spec: {podSelector: {}, policyTypes: [Ingress, Egress]}
"""

# A kind netverify does not model that can allow what the NetworkPolicies deny (Calico's kinds, once the
# example here, are modelled now: issue 11).
CALICO_ALLOW_ALL = """\
apiVersion: k8s.cni.cncf.io/v1beta1
kind: MultiNetworkPolicy
metadata: {name: allow-all, namespace: shop}
spec:
  podSelector: {}
  policyTypes: [Ingress, Egress]
  ingress: [{}]
  egress: [{}]
"""

ANP_ALLOW = """\
apiVersion: policy.networking.k8s.io/v1alpha1
kind: AdminNetworkPolicy
metadata: {name: allow-db}
spec:
  priority: 10
  subject: {namespaces: {}}
  ingress: [{name: all, action: Allow, from: [{namespaces: {}}]}]
"""

ANTREA_ACNP = """\
apiVersion: crd.antrea.io/v1beta1
kind: ClusterNetworkPolicy
metadata: {name: allow-all}
spec:
  priority: 1
  appliedTo: [{podSelector: {}}]
  ingress: [{action: Allow}]
"""

# A namespaced kind netverify does not model (CiliumNetworkPolicy was the example until issue 12 modelled it).
NAMESPACED = """\
apiVersion: k8s.cni.cncf.io/v1beta1
kind: MultiNetworkPolicy
metadata: {{name: allow, namespace: {namespace}}}
spec:
  podSelector: {{}}
  ingress: [{{}}]
"""

ISTIO_AP = """\
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: {name: deny-post, namespace: shop}
spec:
  action: DENY
  rules: [{to: [{operation: {methods: [POST]}}]}]
"""

UNREACHABLE = """\
  - name: web-never-db
    from: {namespace: shop, podSelector: {matchLabels: {app: web}}}
    to: {namespace: shop, podSelector: {matchLabels: {app: db}}}
    expect: unreachable
"""

OPEN_SHOP = """\
apiVersion: v1
kind: Namespace
metadata: {name: shop}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: shop}
spec:
  template:
    metadata: {labels: {app: web}}
    spec: {containers: [{name: c, image: x}]}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: db, namespace: shop}
spec:
  template:
    metadata: {labels: {app: db}}
    spec: {containers: [{name: c, image: x, ports: [{containerPort: 5432}]}]}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: db-only-from-web, namespace: shop}
spec:
  podSelector: {matchLabels: {app: db}}
  ingress: [{from: [{podSelector: {matchLabels: {app: web}}}]}]
"""

REACHABLE = """\
  - name: web-reaches-db
    from: {namespace: shop, podSelector: {matchLabels: {app: web}}}
    to: {namespace: shop, podSelector: {matchLabels: {app: db}}}
    expect: reachable
  - name: outsiders-never-db
    from: {namespace: other}
    to: {namespace: shop, podSelector: {matchLabels: {app: db}}}
    expect: unreachable
"""


def _case(tmp_path: Path, extra: str | None, props: str = UNREACHABLE, shop: str = SHOP) -> list[str]:
    (tmp_path / "shop.yaml").write_text(shop, encoding="utf-8")
    names = ["shop.yaml"]
    if extra is not None:
        (tmp_path / "extra.yaml").write_text(extra, encoding="utf-8")
        names.append("extra.yaml")
    (tmp_path / "props.yaml").write_text(
        f"manifests: {json.dumps(names)}\nproperties:\n" + textwrap.dedent(props), encoding="utf-8")
    return ["prove", str(tmp_path / "props.yaml")]


def _json(args: list[str]) -> tuple[int, dict]:
    result = runner.invoke(app, [*args, "--format", "json"])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    return result.exit_code, json.loads(result.stdout)


def _statuses(doc: dict) -> dict[str, str]:
    return {r["name"]: r["status"] for r in doc["results"]}


# ---- the exact input of "Done means" ---------------------------------------------------------------------


def test_a_kind_not_modelled_allowing_all_makes_prove_unknown_exit_3_naming_kind_and_file(tmp_path):
    args = _case(tmp_path, CALICO_ALLOW_ALL)
    code, doc = _json(args)
    assert code == 3
    [r] = doc["results"]
    assert r["status"] == "unknown" and r["counterexample"] is None
    assert "MultiNetworkPolicy" in r["reason"] and "extra.yaml:1" in r["reason"]
    text = runner.invoke(app, args)
    assert text.exit_code == 3 and "UNKNOWN" in text.stdout and "MultiNetworkPolicy" in text.stdout
    sarif = json.loads(runner.invoke(app, [*args, "--format", "sarif"]).stdout)
    [res] = sarif["runs"][0]["results"]
    assert res["ruleId"] == "NV003" and "MultiNetworkPolicy" in res["message"]["text"]
    junit = ET.fromstring(runner.invoke(app, [*args, "--format", "junit"]).stdout)
    error = junit.find(".//testcase/error")
    assert error is not None and "extra.yaml" in error.get("message", "")
    markdown = runner.invoke(app, [*args, "--format", "markdown"]).stdout
    assert "unknown (fails closed)" in markdown and "MultiNetworkPolicy" in markdown


def test_without_that_policy_the_same_property_is_proven(tmp_path):
    code, doc = _json(_case(tmp_path, None))
    assert code == 0 and _statuses(doc) == {"web-never-db": "proven"}


def test_an_admin_network_policy_is_modelled_so_no_longer_a_reason_for_unknown(tmp_path):
    # issue 10: the kind moved to MODELLED; its verdicts are the admin layers' (tests/test_prove_anp.py).
    code, doc = _json(_case(tmp_path, ANP_ALLOW))
    assert "AdminNetworkPolicy" not in str(doc["results"][0].get("reason")) and "AdminNetworkPolicy" not in str(
        doc["notes"])


def test_a_calico_kind_under_the_crd_group_is_modelled_too_and_is_not_a_kubernetes_network_policy(tmp_path):
    # Calico's kinds are modelled (issue 11): a crd.projectcalico.org NetworkPolicy is decided by the Calico
    # chain, inferred from it. It allows ingress only; the Kubernetes deny-all still isolates egress.
    calico_np = ("apiVersion: crd.projectcalico.org/v1\nkind: NetworkPolicy\n"
                 "metadata: {name: allow, namespace: shop}\nspec: {selector: all(), ingress: [{action: Allow}]}\n")
    code, doc = _json(_case(tmp_path, calico_np))
    assert code == 0 and _statuses(doc) == {"web-never-db": "proven"}
    assert any(n.startswith("CNI: calico (inferred from NetworkPolicy.crd.projectcalico.org") for n in doc["notes"])


def test_a_namespaced_kind_reaches_only_connections_with_an_end_in_its_namespace(tmp_path):
    props = UNREACHABLE + """\
  - name: anyone-never-db
    from: {podSelector: {matchLabels: {app: web}}}
    to: {namespace: shop, podSelector: {matchLabels: {app: db}}}
    expect: unreachable
"""
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    code, doc = _json(_case(elsewhere, NAMESPACED.format(namespace="other"), props))
    # shop -> shop cannot touch `other`; a source in any namespace can be in `other`.
    assert _statuses(doc) == {"web-never-db": "proven", "anyone-never-db": "unknown"} and code == 3
    here = tmp_path / "here"
    here.mkdir()
    code, doc = _json(_case(here, NAMESPACED.format(namespace="shop"), props))
    assert _statuses(doc) == {"web-never-db": "unknown", "anyone-never-db": "unknown"} and code == 3
    assert "MultiNetworkPolicy.k8s.cni.cncf.io shop/allow" in doc["results"][0]["reason"]


def test_an_istio_authorization_policy_only_narrows_blocks_stand_with_a_caveat_allowed_claims_are_unknown(tmp_path):
    code, doc = _json(_case(tmp_path, ISTIO_AP, REACHABLE, OPEN_SHOP))
    by_name = {r["name"]: r for r in doc["results"]}
    assert by_name["outsiders-never-db"]["status"] == "proven"
    assert any("AuthorizationPolicy" in c for c in by_name["outsiders-never-db"]["caveats"])
    assert by_name["web-reaches-db"]["status"] == "unknown"
    assert "AuthorizationPolicy" in by_name["web-reaches-db"]["reason"]
    assert code == 3


def test_an_istio_policy_makes_a_refuted_unreachable_unknown(tmp_path):
    props = UNREACHABLE.replace("web-never-db", "web-never-db-open")
    code, doc = _json(_case(tmp_path, ISTIO_AP, props, OPEN_SHOP))
    assert _statuses(doc) == {"web-never-db-open": "unknown"} and code == 3


# ---- --ignore-kind: the risk accepted, a caveat in every format ------------------------------------------


def test_ignore_kind_computes_as_today_with_a_caveat_in_every_format(tmp_path):
    args = [*_case(tmp_path, CALICO_ALLOW_ALL), "--ignore-kind", "MultiNetworkPolicy"]
    code, doc = _json(args)
    [r] = doc["results"]
    assert code == 0 and r["status"] == "proven"
    assert r["caveats"] and "--ignore-kind MultiNetworkPolicy" in r["caveats"][0] and "extra.yaml" in r["caveats"][0]
    text = runner.invoke(app, args)
    assert text.exit_code == 0 and "caveat: accepted risk" in text.stdout
    sarif = json.loads(runner.invoke(app, [*args, "--format", "sarif"]).stdout)
    notes = sarif["runs"][0]["invocations"][0]["toolExecutionNotifications"]
    assert any(n["level"] == "warning" and "MultiNetworkPolicy" in n["message"]["text"] for n in notes)
    junit = ET.fromstring(runner.invoke(app, [*args, "--format", "junit"]).stdout)
    props = junit.findall(".//testcase/properties/property")
    assert [p.get("name") for p in props] == ["caveat"] and "MultiNetworkPolicy" in props[0].get("value")
    markdown = runner.invoke(app, [*args, "--format", "markdown"]).stdout
    assert "caveat" in markdown and "MultiNetworkPolicy" in markdown


def test_a_violated_result_under_ignore_kind_carries_the_caveat_as_a_sarif_result_property(tmp_path):
    args = [*_case(tmp_path, CALICO_ALLOW_ALL, shop=OPEN_SHOP), "--ignore-kind", "MultiNetworkPolicy.k8s.cni.cncf.io"]
    result = runner.invoke(app, [*args, "--format", "sarif"])
    assert result.exit_code == 1
    [res] = json.loads(result.stdout)["runs"][0]["results"]
    assert res["ruleId"] == "NV001" and "MultiNetworkPolicy" in res["properties"]["caveats"][0]


@pytest.mark.parametrize("value, expected", [
    ("GlobalNetworkPolcy", "did you mean GlobalNetworkPolicy"),
    ("GlobalNetworkPolicy.cilium.io", "not a policy kind"),
    ("NetworkPolicy.networking.k8s.io", "is modelled"),
])
def test_an_ignore_kind_that_names_no_unmodelled_kind_is_a_usage_error(tmp_path, value, expected):
    result = runner.invoke(app, [*_case(tmp_path, CALICO_ALLOW_ALL), "--ignore-kind", value])
    assert result.exit_code == 2 and expected in result.stderr and "Traceback" not in result.output


def test_ignoring_one_kind_leaves_another_unknown(tmp_path):
    both = CALICO_ALLOW_ALL + "---\n" + ANTREA_ACNP
    code, doc = _json([*_case(tmp_path, both), "--ignore-kind", "MultiNetworkPolicy"])
    [r] = doc["results"]
    assert code == 3 and "ClusterNetworkPolicy.crd.antrea.io" in r["reason"] and "MultiNetworkPolicy" not in r["reason"]
    assert "MultiNetworkPolicy" in r["caveats"][0]


# ---- map, explain, diff ---------------------------------------------------------------------------------


def test_map_explain_and_diff_print_their_result_with_the_warning_and_exit_3(tmp_path):
    (tmp_path / "base").mkdir()
    (tmp_path / "head").mkdir()
    for folder in ("base", "head"):
        (tmp_path / folder / "shop.yaml").write_text(SHOP, encoding="utf-8")
    (tmp_path / "head" / "calico.yaml").write_text(CALICO_ALLOW_ALL, encoding="utf-8")
    head = str(tmp_path / "head")
    commands = [["map", "-f", head], ["explain", "shop/web", "shop/db", "-f", head],
                ["diff", str(tmp_path / "base"), head]]
    for args in commands:
        text = runner.invoke(app, args)
        assert text.exit_code == 3, (args, text.output)
        assert text.stdout.startswith("UNKNOWN") and "calico.yaml" in text.stdout, args
        code, doc = _json(args)
        assert code == 3 and "MultiNetworkPolicy" in doc["unknown_reason"], args
        accepted = runner.invoke(app, [*args, "--ignore-kind", "MultiNetworkPolicy", "--format", "json"])
        blocked = args[0] == "explain" and not json.loads(accepted.stdout)["allowed"]
        assert accepted.exit_code == (1 if blocked else 0), (args, accepted.output)  # explain: 1 blocked
        assert json.loads(accepted.stdout)["unknown_reason"] is None
        assert "MultiNetworkPolicy" in json.loads(accepted.stdout)["caveats"][0]
    sarif = json.loads(runner.invoke(app, [*commands[2], "--format", "sarif"]).stdout)
    assert [r["ruleId"] for r in sarif["runs"][0]["results"]] == ["NV004"]
    junit = ET.fromstring(runner.invoke(app, [*commands[2], "--format", "junit"]).stdout)
    assert junit.find(".//testcase/error") is not None
    markdown = runner.invoke(app, [*commands[0], "--format", "markdown"]).stdout
    assert "unknown (fails closed)" in markdown


def test_a_namespaced_kind_where_no_workload_lives_leaves_the_map_standing(tmp_path):
    (tmp_path / "shop.yaml").write_text(SHOP, encoding="utf-8")
    (tmp_path / "mnp.yaml").write_text(NAMESPACED.format(namespace="empty"), encoding="utf-8")
    result = runner.invoke(app, ["map", "-f", str(tmp_path), "--format", "json"])
    assert result.exit_code == 0 and json.loads(result.stdout)["unknown_reason"] is None


def test_explain_of_a_block_stands_under_a_narrowing_kind_and_an_allow_is_unknown(tmp_path):
    (tmp_path / "shop.yaml").write_text(OPEN_SHOP, encoding="utf-8")
    (tmp_path / "istio.yaml").write_text(ISTIO_AP, encoding="utf-8")
    allowed = runner.invoke(app, ["explain", "shop/web", "shop/db", "-f", str(tmp_path), "--format", "json"])
    assert allowed.exit_code == 3 and "AuthorizationPolicy" in json.loads(allowed.stdout)["unknown_reason"]
    blocked = runner.invoke(app, ["explain", "8.8.8.8", "shop/db", "-f", str(tmp_path), "--port", "5432",
                                  "--format", "json"])
    doc = json.loads(blocked.stdout)
    assert blocked.exit_code == 1 and doc["allowed"] is False and doc["unknown_reason"] is None  # blocked: 1
    assert "AuthorizationPolicy" in doc["caveats"][0]


# ---- kinds that cannot change a verdict --------------------------------------------------------------------


def test_a_config_map_stays_a_plain_note(tmp_path):
    config_map = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: settings, namespace: shop}\ndata: {a: b}\n"
    args = _case(tmp_path, config_map)
    result = runner.invoke(app, args)
    assert result.exit_code == 0 and "PROVEN" in result.stdout
    assert "note: skipped 1 object of kinds netverify does not read: ConfigMap (1)" in result.stderr
    code, doc = _json(args)
    assert doc["results"][0]["caveats"] == []


def test_a_staged_calico_policy_is_never_enforced_so_it_changes_nothing(tmp_path):
    staged = ("apiVersion: projectcalico.org/v3\nkind: StagedGlobalNetworkPolicy\nmetadata: {name: allow-all}\n"
              "spec:\n  order: 10\n  selector: all()\n  types: [Ingress, Egress]\n  ingress: [{action: Allow}]\n"
              "  egress: [{action: Allow}]\n")
    code, doc = _json(_case(tmp_path, staged))
    assert code == 0 and _statuses(doc) == {"web-never-db": "proven"}
    assert any("does not enforce" in n and "StagedGlobalNetworkPolicy" in n for n in doc["notes"])


# ---- the table ---------------------------------------------------------------------------------------------


def test_the_kinds_table_in_the_docs_is_the_one_in_code():
    from netverify.model.kinds import KINDS

    text = (Path(__file__).resolve().parent.parent / "docs" / "semantics.md").read_text(encoding="utf-8")
    section = text[text.index("## Policy kinds"):text.index("\n## ", text.index("## Policy kinds") + 1)]
    documented = {}
    for line in section.splitlines():
        if not line.startswith("| ") or line.startswith("| kind ") or line.startswith("| ---"):
            continue
        kind, groups, effect, reach, _why = [c.strip() for c in line.strip().strip("|").split(" | ")]
        for group in groups.split(", "):
            documented[(group, kind)] = (effect, reach)
    assert documented == {key: (info.effect, info.reach) for key, info in KINDS.items()}


def test_an_object_without_api_version_is_judged_by_the_most_far_reaching_row_of_its_kind():
    from netverify.model.kinds import lookup

    assert lookup(None, "NetworkPolicy") is None  # read as the Kubernetes kind
    assert lookup(None, "MultiNetworkPolicy").effect == "decides"
    assert lookup(None, "Tier").reach == "cluster"
    assert lookup("projectcalico.org", "StagedNetworkPolicy").effect == "none"
    assert lookup("networking.k8s.io", "NetworkPolicy") is None and lookup("", "ConfigMap") is None


def test_csv_and_dot_maps_say_unknown_and_caveats_beside_the_table(tmp_path):
    (tmp_path / "shop.yaml").write_text(SHOP, encoding="utf-8")
    (tmp_path / "calico.yaml").write_text(CALICO_ALLOW_ALL, encoding="utf-8")
    for fmt in ("csv", "dot"):
        unknown = runner.invoke(app, ["map", "-f", str(tmp_path), "--format", fmt])
        assert unknown.exit_code == 3 and "note: UNKNOWN: this result may be wrong" in unknown.stderr
        accepted = runner.invoke(app, ["map", "-f", str(tmp_path), "--format", fmt, "--ignore-kind", "MultiNetworkPolicy"])
        assert accepted.exit_code == 0 and "note: caveat: accepted risk" in accepted.stderr
