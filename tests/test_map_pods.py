"""`map --granularity pod`: one row per pod (docs/semantics.md, "map"; spec: "map --granularity pod").

Every row is checked against the reference evaluator on the pod it names (its own labels, ports and address),
so a pod shown with another pod's address, or pods of one workload merged, would fail here.
"""

from __future__ import annotations

import ipaddress
import json

from typer.testing import CliRunner

from netverify.analyses.map import connectivity_map
from netverify.cli import app
from netverify.eval.concrete import evaluate
from netverify.load.manifests import load_cluster_from_texts
from netverify.model.flow import ExternalEndpoint, Flow, PodEndpoint
from netverify.model.ports import Protocol

PODS = """
apiVersion: v1
kind: PodList
items:
- apiVersion: v1
  kind: Pod
  metadata:
    name: web-abc
    namespace: shop
    labels: {app: web}
    ownerReferences: [{apiVersion: apps/v1, kind: ReplicaSet, name: web-7d, uid: u1, controller: true}]
  spec: {containers: [{name: c, image: x}]}
  status: {podIP: 10.0.0.1}
- apiVersion: v1
  kind: Pod
  metadata:
    name: web-def
    namespace: shop
    labels: {app: web}
    ownerReferences: [{apiVersion: apps/v1, kind: ReplicaSet, name: web-7d, uid: u1, controller: true}]
  spec: {containers: [{name: c, image: x}]}
  status: {podIP: 10.0.0.2}
- apiVersion: v1
  kind: Pod
  metadata: {name: db, namespace: shop, labels: {app: db}}
  spec: {containers: [{name: c, image: x, ports: [{containerPort: 5432}]}]}
  status: {podIP: 10.0.0.3}
"""

# Only the web pod at 10.0.0.1 may reach the database (ipBlocks match pod addresses with the flag).
BY_ADDRESS = """
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: db, namespace: shop}
spec:
  podSelector: {matchLabels: {app: db}}
  ingress: [{from: [{ipBlock: {cidr: 10.0.0.1/32}}], ports: [{port: 5432}]}]
"""

DEPLOYMENT = """
apiVersion: apps/v1
kind: Deployment
metadata: {name: api, namespace: shop}
spec:
  replicas: 3
  selector: {matchLabels: {app: api}}
  template:
    metadata: {labels: {app: api}}
    spec: {containers: [{name: c, image: x}]}
"""


def _rows(cmap) -> dict[tuple[str, str], dict[str, str]]:
    return {(c.src.label, c.dst.label): {p.value: str(r) for p, r in c.protocols.items()} for c in cmap.connections}


def _pod_endpoint(cluster, name: str) -> PodEndpoint:
    for w in cluster.workloads:
        for pod, ips in w.listed_pods:
            if pod == name:
                return PodEndpoint(w.namespace, cluster.namespace_labels(w.namespace), w.labels, w.ports,
                                   ips[0] if ips else None, w)
    raise AssertionError(name)


def test_pods_of_one_owner_are_one_row_each_with_their_own_address():
    cluster = load_cluster_from_texts([("pods.yaml", PODS), ("np.yaml", BY_ADDRESS)])
    rows = _rows(connectivity_map(cluster, ipblock_matches_pods=True, granularity="pod"))
    assert rows[("shop/web-abc[Pod]", "shop/db[Pod]")] == {"TCP": "5432"}
    assert ("shop/web-def[Pod]", "shop/db[Pod]") not in rows  # its address is outside the ipBlock
    # two pods of one workload reach each other; a pod's traffic to itself is not listed
    assert ("shop/web-abc[Pod]", "shop/web-def[Pod]") in rows
    assert not any(src == dst for src, dst in rows)
    # the workload view merges both pods: some pod of web-7d reaches the database
    merged = _rows(connectivity_map(cluster, ipblock_matches_pods=True))
    assert merged[("shop/web-7d[ReplicaSet]", "shop/db[Pod]")] == {"TCP": "5432"}


def test_every_pod_row_agrees_with_the_evaluator_on_that_pod():
    cluster = load_cluster_from_texts([("pods.yaml", PODS), ("np.yaml", BY_ADDRESS)])
    rows = _rows(connectivity_map(cluster, ipblock_matches_pods=True, granularity="pod"))
    names = ["web-abc", "web-def", "db"]
    for src in names:
        for dst in names:
            if src == dst:
                continue
            for port in (80, 5432):
                flow = Flow(_pod_endpoint(cluster, src), _pod_endpoint(cluster, dst), Protocol.TCP, port)
                allowed = evaluate(cluster, flow, ipblock_matches_pods=True).allowed
                shown = rows.get((f"shop/{src}[Pod]", f"shop/{dst}[Pod]"), {}).get("TCP", "")
                in_row = shown == "1-65535" or str(port) in shown.split(", ")
                assert in_row == allowed, (src, dst, port, shown)
    # an outside address: the ipBlock's address is a pod's, no outside range reaches the database
    outside = ExternalEndpoint(ipaddress.ip_address("192.0.2.1"))
    assert not evaluate(cluster, Flow(outside, _pod_endpoint(cluster, "db"), Protocol.TCP, 5432)).allowed


def test_template_pods_are_named_by_replica_and_reach_each_other():
    cluster = load_cluster_from_texts([("d.yaml", DEPLOYMENT)])
    cmap = connectivity_map(cluster, granularity="pod")
    rows = _rows(cmap)
    assert set(rows) >= {("shop/api-0[Pod]", "shop/api-1[Pod]"), ("shop/api-1[Pod]", "shop/api-0[Pod]")}
    assert "shop/api-2[Pod]" not in {s for s, _ in rows}  # further replicas connect alike; a note says so
    assert any("shop/api[Deployment]" in n and "template" in n for n in cmap.notes)
    # a workload with one replica has no pair of its own
    single = load_cluster_from_texts([("d.yaml", DEPLOYMENT.replace("replicas: 3", "replicas: 1"))])
    assert not any(c.src.label.startswith("shop/api") and c.dst.label.startswith("shop/api")
                   for c in connectivity_map(single, granularity="pod").connections)


def test_workload_granularity_is_unchanged_by_default():
    cluster = load_cluster_from_texts([("pods.yaml", PODS)])
    labels = {c.src.label for c in connectivity_map(cluster).connections}
    assert "shop/web-7d[ReplicaSet]" in labels and not any(label.endswith("[Pod]") and "web" in label
                                                          for label in labels)


def test_cli_granularity_pod_json_names_pods(tmp_path):
    (tmp_path / "pods.yaml").write_text(PODS)
    result = CliRunner().invoke(app, ["map", "-f", str(tmp_path), "--granularity", "pod", "--format", "json"])
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    ends = {(c["src"]["name"], c["src"]["kind"]) for c in doc["connections"] if c["src"]["type"] == "workload"}
    assert ends == {("web-abc", "Pod"), ("web-def", "Pod"), ("db", "Pod")}
    bad = CliRunner().invoke(app, ["map", "-f", str(tmp_path), "--granularity", "pods"])
    assert bad.exit_code == 2


def test_pod_rows_keep_every_other_protocol_as_the_evaluator_decides_it():
    # The pod rows used to drop `other_protocols` (ICMP and the rest), so an open pair read "TCP all; UDP all;
    # SCTP all" instead of "all", and JSON said other_protocols: false.
    cluster = load_cluster_from_texts([("pods.yaml", PODS), ("np.yaml", BY_ADDRESS)])
    cmap = connectivity_map(cluster, ipblock_matches_pods=True, granularity="pod")
    checked = 0
    for c in cmap.connections:
        if not (c.src.label.endswith("[Pod]") and c.dst.label.endswith("[Pod]")):
            continue
        src, dst = (_pod_endpoint(cluster, n.label.split("/")[1].split("[")[0]) for n in (c.src, c.dst))
        allowed = evaluate(cluster, Flow(src, dst, Protocol.ICMP, 0, icmp_type=8, icmp_code=0),
                           ipblock_matches_pods=True).allowed
        assert c.other_protocols == allowed, (c.src.label, c.dst.label)
        checked += 1
    assert checked >= 2
    assert any(c.other_protocols for c in cmap.connections)  # web-abc <-> web-def: no policy selects them
