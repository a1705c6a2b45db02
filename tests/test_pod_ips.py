"""Pod IPs under --ipblock-matches-pods (issue 9, item 6): a pod whose IP the manifests do not give has some
address of the families in use, never "no IP"; every IP of a workload counts (every pod, both families of a
dual-stack pod); a connection uses one family at both ends; IPv6 rows appear whenever a pod or an ipBlock has
IPv6. Each command: prove, map, explain, diff.
"""

from __future__ import annotations

import json
import textwrap

from typer.testing import CliRunner

from builders import cluster, ipblock, policy, port, rule, workload
from netverify.analyses.diff import diff
from netverify.analyses.explain import explain
from netverify.analyses.map import connectivity_map
from netverify.analyses.prove import prove
from netverify.cli import app
from netverify.model.ports import Protocol
from netverify.model.properties import EndpointSpec
from prove_helpers import prop, props
from builders import SPAN

runner = CliRunner()
TCP = Protocol.TCP

# The "Done means" input: Deployments without status (no pod IPs), a policy with an ipBlock.
DEPLOYMENTS = """\
apiVersion: v1
kind: Namespace
metadata: {name: shop}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: frontend, namespace: shop}
spec:
  selector: {matchLabels: {app: frontend}}
  template:
    metadata: {labels: {app: frontend}}
    spec: {containers: [{name: web, image: nginx}]}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: db, namespace: shop}
spec:
  selector: {matchLabels: {app: db}}
  template:
    metadata: {labels: {app: db}}
    spec: {containers: [{name: db, image: postgres, ports: [{containerPort: 5432}]}]}
"""


def _db_from(cidr: str) -> str:
    return textwrap.dedent(f"""\
        ---
        apiVersion: networking.k8s.io/v1
        kind: NetworkPolicy
        metadata: {{name: db-from-block, namespace: shop}}
        spec:
          podSelector: {{matchLabels: {{app: db}}}}
          ingress:
          - from: [{{ipBlock: {{cidr: {cidr}}}}}]
        """)


PROPERTIES = """\
manifests: [deploy]
properties:
  - name: frontend-never-reaches-db
    from: {namespace: shop, workload: frontend}
    to: {namespace: shop, workload: db}
    expect: unreachable
    scope: existing
"""


def _write(tmp_path, cidr: str):
    (tmp_path / "deploy").mkdir(exist_ok=True)
    (tmp_path / "deploy" / "all.yaml").write_text(DEPLOYMENTS + _db_from(cidr))
    (tmp_path / "props.yaml").write_text(PROPERTIES)
    return tmp_path


def _cli(*args):
    return runner.invoke(app, [str(a) for a in args])


def test_prove_deployments_without_status_a_block_admitting_every_address_is_a_certain_violation(tmp_path):
    d = _write(tmp_path, "0.0.0.0/0")
    result = _cli("prove", d / "props.yaml", "--ipblock-matches-pods", "--format", "json")
    assert result.exit_code == 1, result.stdout
    (r,) = json.loads(result.stdout)["results"]
    assert r["status"] == "violated"
    assert r["counterexample"]["src"]["workload"] == "shop/frontend[Deployment]"
    # without the flag an ipBlock matches no pod: proven
    assert _cli("prove", d / "props.yaml").exit_code == 0


def test_prove_deployments_without_status_a_block_admitting_some_addresses_is_unknown_not_proven(tmp_path):
    d = _write(tmp_path, "10.0.0.0/8")
    result = _cli("prove", d / "props.yaml", "--ipblock-matches-pods", "--format", "json")
    assert result.exit_code == 3, result.stdout
    (r,) = json.loads(result.stdout)["results"]
    assert r["status"] == "unknown"
    assert "shop/frontend[Deployment]" in r["reason"] and "pod address" in r["reason"]


def test_map_deployments_without_status_show_what_some_address_allows_and_say_it_depends(tmp_path):
    d = _write(tmp_path, "10.0.0.0/8")
    result = _cli("map", "-f", d / "deploy", "--ipblock-matches-pods", "--format", "json")
    assert result.exit_code == 0, result.stdout
    out = json.loads(result.stdout)
    pairs = {(c["src"].get("name"), c["dst"].get("name")) for c in out["connections"]}
    assert ("frontend", "db") in pairs
    assert any("shop/frontend[Deployment] -> shop/db[Deployment]" in n and "depend" in n for n in out["notes"])


def test_map_a_block_admitting_every_address_needs_no_dependence_note(tmp_path):
    d = _write(tmp_path, "0.0.0.0/0")
    out = json.loads(_cli("map", "-f", d / "deploy", "--ipblock-matches-pods", "--format", "json").stdout)
    assert ("frontend", "db") in {(c["src"].get("name"), c["dst"].get("name")) for c in out["connections"]}
    assert not any("depend" in n for n in out["notes"])


def test_explain_deployments_without_status_depends_on_the_address_and_exits_3(tmp_path):
    d = _write(tmp_path, "10.0.0.0/8")
    args = ("explain", "shop/frontend", "shop/db", "--port", "5432/TCP", "-f", d / "deploy", "--ipblock-matches-pods")
    result = _cli(*args, "--format", "json")
    assert result.exit_code == 3, result.stdout
    out = json.loads(result.stdout)
    lines = out["depends_on_address"]
    assert any(line.startswith("allowed: shop/frontend[Deployment] (10.") for line in lines)
    assert any(line.startswith("blocked:") for line in lines)
    assert "DEPENDS ON THE POD ADDRESSES" in _cli(*args).stdout


def test_explain_a_block_admitting_every_address_is_allowed(tmp_path):
    d = _write(tmp_path, "0.0.0.0/0")
    result = _cli("explain", "shop/frontend", "shop/db", "--port", "5432/TCP", "-f", d / "deploy",
                  "--ipblock-matches-pods", "--format", "json")
    assert result.exit_code == 0, result.stdout
    assert json.loads(result.stdout)["allowed"] is True


def test_diff_deployments_without_status_a_block_moved_is_a_change(tmp_path):
    base, head = tmp_path / "base", tmp_path / "head"
    base.mkdir(), head.mkdir()
    (base / "all.yaml").write_text(DEPLOYMENTS + _db_from("192.168.0.0/16"))
    (head / "all.yaml").write_text(DEPLOYMENTS + _db_from("10.0.0.0/8"))
    result = _cli("diff", base, head, "--ipblock-matches-pods", "--format", "json")
    assert result.exit_code == 1, result.stdout
    out = json.loads(result.stdout)
    change = next(c for c in out["changes"] if c["src"].get("name") == "frontend" and c["dst"].get("name") == "db")
    assert change["added"] and change["removed"]  # some addresses gain what others lose
    assert any("shop/frontend[Deployment]" in n and "address" in n for n in out["notes"])
    # without the flag no ipBlock matches a pod: nothing changed between the workloads
    plain = json.loads(_cli("diff", base, head, "--format", "json").stdout)
    assert not any(c["src"].get("name") == "frontend" and c["dst"].get("name") == "db" for c in plain["changes"])


# ---- every IP of a workload counts ------------------------------------------------------------------------

TWO_PODS = workload("w", ips=["192.168.0.1", "10.0.0.2"])  # only the second pod is in the block
DB = workload("db")
DB_FROM_10 = policy("db", "default", {"app": "db"}, ingress=[rule(ipblock("10.0.0.0/8"))])


def _rows(cmap):
    return {(c.src.label, c.dst.label) for c in cmap.connections}


def test_map_a_workload_whose_second_pod_is_in_the_block_reaches():
    c = cluster(TWO_PODS, DB, DB_FROM_10)
    assert ("default/w[Deployment]", "default/db[Deployment]") in _rows(connectivity_map(c, ipblock_matches_pods=True))


def test_explain_a_workload_whose_second_pod_is_in_the_block_names_each_pod_address():
    db = workload("db", ips=["10.9.9.9"])
    e = explain(cluster(TWO_PODS, db, DB_FROM_10), "default/w", "default/db", TCP, 80, ipblock_matches_pods=True)
    assert e.depends_on_address == (
        "blocked: default/w[Deployment] (192.168.0.1) -> default/db[Deployment]",
        "allowed: default/w[Deployment] (10.0.0.2) -> default/db[Deployment]",
    )
    assert not e.address_unknown  # both pods are known: a fact, not an unknown


def test_prove_a_workload_whose_second_pod_is_in_the_block_is_violated():
    c = cluster(TWO_PODS, DB, DB_FROM_10)
    src = EndpointSpec(span=SPAN, namespace="default", workload="w")
    dst = EndpointSpec(span=SPAN, namespace="default", workload="db")
    (r,) = prove(c, props(prop(src, dst, "unreachable", "existing")), ipblock_matches_pods=True).results
    assert r.status == "violated"
    assert r.counterexample.src.ip == "10.0.0.2"


def test_diff_a_block_moving_between_two_pods_of_one_workload_is_added_and_removed():
    base = cluster(TWO_PODS, DB, policy("db", "default", {"app": "db"}, ingress=[rule(ipblock("192.168.0.0/16"))]))
    head = cluster(TWO_PODS, DB, DB_FROM_10)
    report = diff(base, head, symbolic=False, ipblock_matches_pods=True)
    (change,) = [c for c in report.changes if (c.src.label, c.dst.label) == ("default/w[Deployment]", "default/db[Deployment]")]
    assert change.added and change.removed
    assert any(r.policy == "default/db" for r in change.added_by)


# ---- dual stack -------------------------------------------------------------------------------------------

DUAL = workload("a", ips=["10.0.0.1", "fd00::1"])


def test_map_a_dual_stack_pod_reaches_over_ipv6_when_only_its_ipv6_address_is_in_the_block():
    c = cluster(DUAL, DB, policy("db", "default", {"app": "db"}, ingress=[rule(ipblock("fd00::/8"))]))
    assert ("default/a[Deployment]", "default/db[Deployment]") in _rows(connectivity_map(c, ipblock_matches_pods=True))


def test_map_shows_ipv6_rows_when_a_pod_has_ipv6_even_without_ipv6_blocks():
    c = cluster(DUAL, policy("eg", "default", {"app": "a"}, egress=[rule(ipblock("0.0.0.0/0"))]))
    rows = _rows(connectivity_map(c))
    assert ("default/a[Deployment]", "0.0.0.0-255.255.255.255") in rows
    assert not any(dst.startswith("::") for src, dst in rows if src == "default/a[Deployment]")  # v6 is blocked
    open_v6 = _rows(connectivity_map(cluster(DUAL)))
    assert ("default/a[Deployment]", ":: - ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff".replace(" ", "")) in open_v6


def test_diff_a_dual_stack_pod_newly_open_to_ipv6_egress_is_a_change():
    base = cluster(DUAL, policy("eg", "default", {"app": "a"}, egress=[rule(ipblock("0.0.0.0/0"))]))
    head = cluster(DUAL, policy("eg", "default", {"app": "a"}, egress=[rule()]))
    for flag in (False, True):
        report = diff(base, head, symbolic=False, ipblock_matches_pods=flag)
        added = [c for c in report.changes if c.src.label == "default/a[Deployment]" and c.added]
        assert any(c.dst.label.startswith("::") for c in added), (flag, report.changes)
        assert report.has_added


def test_prove_a_v4_only_pod_never_connects_to_an_ipv6_address_but_a_dual_stack_one_does():
    v4 = workload("v4", ips=["10.0.0.1"])
    eg = policy("eg", "default", {}, egress=[rule(ipblock("2001:db8::/32"), ports=[port(443)])])
    to_v6 = EndpointSpec(span=SPAN, ip_block=ipblock("2001:db8::/32").ip_block)
    c = cluster(v4, DUAL, eg)
    src_v4 = EndpointSpec(span=SPAN, namespace="default", workload="v4")
    src_dual = EndpointSpec(span=SPAN, namespace="default", workload="a")
    (r,) = prove(c, props(prop(src_v4, to_v6, "possible", "existing")), ipblock_matches_pods=True).results
    assert r.status in ("vacuous", "violated")  # an IPv4-only pod has no IPv6 address to connect from
    (r,) = prove(c, props(prop(src_dual, to_v6, "possible", "existing")), ipblock_matches_pods=True).results
    assert r.status == "proven"
    assert r.witness.src.ip in (None, "fd00::1")  # the minimised witness may drop an address that no rule needs
