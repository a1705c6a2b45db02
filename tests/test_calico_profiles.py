"""Calico Profiles in the input (eval/calico_profiles.py): the kns.<ns> / ksa.<ns>.<sa> profiles as Calico
generates them change nothing; one whose rules or labels differ is unknown where they could decide (prove, map,
explain); a Profile of any other name applies to no pod and is a note."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from builders import cluster, namespace, workload
from calico_builders import cpolicy, crule, entity, profile, service_account, tier, with_calico
from netverify.analyses.prove import prove
from netverify.cli import app
from netverify.eval.concrete import endpoint_of, evaluate
from netverify.load.manifests import load_cluster_from_texts
from netverify.model.calico_selector import Equals
from netverify.model.flow import Flow
from netverify.model.ports import Protocol
from netverify.model.semantics import Semantics
from prove_helpers import pods, prop, props

CALICO = Semantics(cni="calico")
NS = [namespace("web", {"team": "web"}), namespace("data", {"team": "data"})]
DB = workload("db", "data", {"app": "db"}, ips=["10.1.0.5"])
FRONT = workload("front", "web", {"app": "front"}, ips=["10.2.0.7"])
# security tier: Deny into db from namespaces labelled team=web (reads pcns.team)
NO_WEB = cpolicy("no-web-to-db", None, Equals("app", "db"), tier="security", order=10,
                 ingress=[crule("deny", source=entity(namespace_selector=Equals("team", "web")))])


def generated(ns: str, labels: dict[str, str]) -> dict[str, str]:
    """The labelsToApply Calico's NamespaceToProfile gives namespace `ns`."""
    return {**{f"pcns.{k}": v for k, v in labels.items()}, f"pcns.kubernetes.io/metadata.name": ns,
            "pcns.projectcalico.org/name": ns}


def status(c, p) -> tuple[str, str | None]:
    r = prove(c, props(p), semantics=CALICO).results[0]
    return r.status, r.reason


def base(*objects):
    return with_calico(cluster(*NS, DB, FRONT), tier("security", 100), NO_WEB, *objects)


WEB_TO_DB = prop(pods("web"), pods("data", {"app": "db"}))
DATA_TO_WEB = prop(pods("data"), pods("web"), expect="reachable", scope="existing")


def test_generated_profiles_change_nothing():
    c = base(profile("kns.web", generated("web", {"team": "web"})),
             profile("kns.data", generated("data", {"team": "data"})),
             profile("ksa.web.default", {"pcsa.projectcalico.org/name": "default"}, ingress=[], egress=[]))
    assert status(c, WEB_TO_DB)[0] == "proven"
    assert status(c, DATA_TO_WEB)[0] == "proven"


def test_a_namespace_profile_with_other_rules_is_unknown_where_the_tiers_leave_the_side():
    denying = profile("kns.web", generated("web", {"team": "web"}), ingress=[crule("deny")])
    c = base(denying)
    # data -> web reaches the end of the tiers at web's ingress: the profile's rules would decide there.
    got, reason = status(c, DATA_TO_WEB)
    assert got == "unknown" and "kns.web" in reason and "rules" in reason
    # web -> db is denied by the security tier before any profile: still proven.
    assert status(c, WEB_TO_DB)[0] == "proven"
    # The evaluator: web's ingress is unknown, its egress (the same profile's plain allow) is not.
    web = endpoint_of(c, c.workloads[1])
    db = endpoint_of(c, c.workloads[0])
    assert evaluate(c, Flow(db, web, Protocol.TCP, 80), semantics=CALICO).unknown_reason is not None


def test_profile_labels_a_selector_reads_are_unknown_and_others_change_nothing():
    # pcns.team differs, and the security tier's namespaceSelector reads it: the Deny may not fire.
    relabelled = profile("kns.web", generated("web", {"team": "elsewhere"}))
    got, reason = status(base(relabelled), WEB_TO_DB)
    assert got == "unknown" and "kns.web" in reason and "pcns.team" in reason
    # A label no selector reads: exact, proven.
    extra = profile("kns.web", {**generated("web", {"team": "web"}), "pcns.unread": "x"})
    assert status(base(extra), WEB_TO_DB)[0] == "proven"


def test_an_account_profile_with_labels_the_account_lacks_is_unknown_where_read():
    sa_policy = cpolicy("only-tier-a", None, Equals("app", "db"), tier="security", order=1,
                        service_account_selector=Equals("tier", "a"), ingress=[crule("deny")])
    c = with_calico(cluster(*NS, DB, FRONT), tier("security", 100), sa_policy, service_account("data", "default"),
                    profile("ksa.data.default", {"pcsa.tier": "a", "pcsa.projectcalico.org/name": "default"},
                            ingress=[], egress=[]))
    got, reason = status(c, prop(pods("web"), pods("data", {"app": "db"}), expect="reachable", scope="existing"))
    assert got == "unknown" and "ksa.data.default" in reason and "pcsa.tier" in reason


PROFILE_DENY = """apiVersion: v1
kind: Namespace
metadata: {name: web, labels: {team: web}}
---
apiVersion: v1
kind: Pod
metadata: {name: front, namespace: web, labels: {app: front}}
spec: {containers: [{name: c, image: x}]}
---
apiVersion: v1
kind: Pod
metadata: {name: back, namespace: web, labels: {app: back}}
spec: {containers: [{name: c, image: x, ports: [{containerPort: 80}]}]}
---
apiVersion: projectcalico.org/v3
kind: Profile
metadata: {name: kns.web}
spec:
  ingress: [{action: Deny}]
  egress: [{action: Allow}]
  labelsToApply: {pcns.team: web, pcns.kubernetes.io/metadata.name: web, pcns.projectcalico.org/name: web}
---
apiVersion: projectcalico.org/v3
kind: Profile
metadata: {name: my-own}
spec:
  ingress: [{action: Deny}]
"""

PROPS = """properties:
  - name: front-reaches-back
    from: {namespace: web, workload: Pod/front}
    to: {namespace: web, workload: Pod/back}
    ports: [{protocol: TCP, port: 80}]
    expect: reachable
    scope: existing
"""


def test_through_the_cli_prove_and_map_are_unknown_naming_the_profile_and_note_the_unused_one(tmp_path):
    (tmp_path / "m.yaml").write_text(PROFILE_DENY)
    (tmp_path / "p.yaml").write_text(PROPS)
    out = CliRunner().invoke(app, ["prove", str(tmp_path / "p.yaml"), "-f", str(tmp_path / "m.yaml"),
                                   "--cni", "calico", "--format", "json"])
    assert out.exit_code == 3, out.output
    doc = json.loads(out.stdout)
    [result] = doc["results"]
    assert result["status"] == "unknown" and "Profile kns.web" in result["reason"]
    assert any("Profile my-own" in n and "applies to no pod" in n for n in doc["notes"])
    mapped = CliRunner().invoke(app, ["map", "-f", str(tmp_path / "m.yaml"), "--cni", "calico"])
    assert mapped.exit_code == 3 and "Profile kns.web" in mapped.output, mapped.output


def test_a_profile_of_another_name_is_a_note_and_decides_nothing():
    c = load_cluster_from_texts([("m.yaml", PROFILE_DENY.split("---\napiVersion: projectcalico.org/v3\nkind: "
                                                             "Profile\nmetadata: {name: kns.web}")[0]
                                  + "---\n" + PROFILE_DENY.rsplit("---\n", 1)[1])])
    assert [p.name for p in c.calico.profiles] == ["my-own"]
    assert any("my-own" in n for n in c.calico.notes)
    front, back = (endpoint_of(c, w) for w in c.workloads)
    assert evaluate(c, Flow(front, back, Protocol.TCP, 80), semantics=CALICO).allowed is True
