"""The policy examples of Cilium's documentation, proven through the CLI as a user runs them.

Each case is one example policy from docs.cilium.io (the URL is on the case; the YAML is the one the docs show,
from cilium/cilium examples/policies/), a small cluster around it, and properties whose expected status follows
from the page's own words. `scope: any` properties are proved for every pod that could exist (the SMT encoding),
`existing` ones for the workloads here; a `reachable` proof is re-checked by the concrete evaluator and a
counterexample of a violated one too, so both engines are exercised.
"""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from netverify.cli import app
from netverify.model.kinds import MODELLED

needs_cilium_modelled = pytest.mark.skipif(
    ("cilium.io", "CiliumNetworkPolicy") not in MODELLED,
    reason="the kinds table (model/kinds.py MODELLED) does not list CiliumNetworkPolicy as modelled yet")
needs_cilium_smt = pytest.mark.skipif(
    importlib.util.find_spec("netverify.smt.cilium") is None,
    reason="the Cilium layer has no SMT encoder yet (smt/cilium.py, issue 12's core item): prove cannot run")
pytestmark = [needs_cilium_modelled, needs_cilium_smt]

# Namespaces app and other; pods with the roles the examples select on; one Node (its address is the `host` /
# `remote-node` entity, so every other outside address is `world`).
CLUSTER = """
apiVersion: v1
kind: Namespace
metadata: {name: app, labels: {team: app}}
---
apiVersion: v1
kind: Namespace
metadata: {name: other, labels: {team: other}}
---
apiVersion: v1
kind: Node
metadata: {name: node-1}
status:
  addresses: [{type: InternalIP, address: 192.168.0.10}]
""" + "".join(f"""---
apiVersion: v1
kind: Pod
metadata: {{name: {name}, namespace: {ns}, labels: {labels}}}
spec:
  nodeName: node-1
  containers: [{{name: c, image: agnhost, ports: [{{name: http, containerPort: 80}}]}}]
status: {{podIP: {ip}}}
""" for name, ns, labels, ip in [
    ("frontend", "app", "{role: frontend}", "10.0.1.1"),
    ("backend", "app", "{role: backend}", "10.0.1.2"),
    ("public", "app", "{role: public}", "10.0.1.3"),
    ("service", "app", "{app: myService}", "10.0.1.4"),
    ("crawler", "app", "{role: crawler}", "10.0.1.5"),
    ("client", "app", "{role: client}", "10.0.1.6"),
    ("intruder", "other", "{role: frontend}", "10.0.2.1"),
])


def pod(name: str, ns: str = "app") -> dict:
    return {"namespace": ns, "podSelector": {"matchLabels": {"probe": name}}}


def role(name: str, ns: str = "app") -> dict:
    """Every pod with this role in `ns`, existing or not (what a `scope: any` property is about)."""
    return {"namespace": ns, "podSelector": {"matchLabels": {"role": name}}}


def addresses(cidr: str) -> dict:
    return {"ipBlock": {"cidr": cidr}}


def prop(name: str, src: dict, dst: dict, expect: str, ports: list[dict] | None = None,
         scope: str = "existing") -> dict:
    out = {"name": name, "from": src, "to": dst, "expect": expect, "scope": scope}
    if ports is not None:
        out["ports"] = ports
    return out


def tcp(port: int) -> list[dict]:
    return [{"protocol": "TCP", "port": port}]


def run(tmp_path: Path, policy: str, properties: list[dict]) -> dict[str, str]:
    """Each property's status from one `prove --format json` run; every Pod also carries `probe: <name>`."""
    docs = [d for d in yaml.safe_load_all(CLUSTER) if d]
    for d in docs:
        if d["kind"] == "Pod":
            d["metadata"]["labels"]["probe"] = d["metadata"]["name"]
    (tmp_path / "cluster.yaml").write_text(yaml.safe_dump_all(docs))
    (tmp_path / "policy.yaml").write_text(policy)
    (tmp_path / "props.yaml").write_text(yaml.safe_dump(
        {"manifests": ["cluster.yaml", "policy.yaml"], "properties": properties}))
    out = CliRunner().invoke(app, ["prove", str(tmp_path / "props.yaml"), "--format", "json", "-n", "app"])
    assert out.exit_code in (0, 1, 3), out.output
    return {r["name"]: r["status"] for r in json.loads(out.stdout)["results"]}


def test_layer3_endpoints_based_l3_rule(tmp_path):
    """https://docs.cilium.io/en/stable/security/policy/language/ ("Endpoints Based", l3-rule): backend
    accepts only frontend, and a CNP's fromEndpoints is limited to its own namespace."""
    policy = """apiVersion: cilium.io/v2
kind: CiliumNetworkPolicy
metadata: {name: l3-rule}
spec:
  endpointSelector:
    matchLabels: {role: backend}
  ingress:
  - fromEndpoints:
    - matchLabels: {role: frontend}
"""
    got = run(tmp_path, policy, [
        prop("frontend-in", pod("frontend"), pod("backend"), "reachable", tcp(80)),
        prop("others-out", {"namespace": "app", "podSelector": {"matchExpressions": [
            {"key": "role", "operator": "NotIn", "values": ["frontend"]}]}}, {"namespace": "app",
            "podSelector": {"matchLabels": {"role": "backend"}}}, "unreachable", scope="any"),
        prop("frontend-of-another-namespace-out", {"namespace": "other"},
             {"namespace": "app", "podSelector": {"matchLabels": {"role": "backend"}}}, "unreachable", scope="any"),
        prop("unselected-stay-open", pod("intruder", "other"), pod("public"), "reachable", tcp(80)),
    ])
    assert got == {"frontend-in": "proven", "others-out": "proven", "frontend-of-another-namespace-out": "proven",
                   "unselected-stay-open": "proven"}


def test_deny_policy_external_lockdown(tmp_path):
    """https://docs.cilium.io/en/stable/security/policy/language/#deny-policies (external-lockdown): every
    endpoint allows ingress from all entities but denies world; the deny wins, cluster traffic stays."""
    policy = """apiVersion: cilium.io/v2
kind: CiliumClusterwideNetworkPolicy
metadata: {name: external-lockdown}
spec:
  endpointSelector: {}
  ingressDeny:
  - fromEntities: [world]
  ingress:
  - fromEntities: [all]
"""
    got = run(tmp_path, policy, [
        prop("world-out", addresses("203.0.113.0/24"), {}, "unreachable", scope="any"),
        prop("node-in", addresses("192.168.0.10/32"), pod("backend"), "reachable", tcp(80)),
        prop("pods-in", pod("intruder", "other"), pod("backend"), "reachable", tcp(80)),
    ])
    assert got == {"world-out": "proven", "node-in": "proven", "pods-in": "proven"}


def test_egress_deny_wins_over_egress_to_all(tmp_path):
    """https://docs.cilium.io/en/stable/security/policy/language/#deny-policies (deny-egress-example):
    frontend may reach every entity except backend."""
    policy = """apiVersion: cilium.io/v2
kind: CiliumNetworkPolicy
metadata: {name: deny-egress-example}
spec:
  endpointSelector:
    matchLabels: {role: frontend}
  egress:
  - toEntities: [all]
  egressDeny:
  - toEndpoints:
    - matchLabels: {role: backend}
"""
    got = run(tmp_path, policy, [
        prop("to-backend-denied", {"namespace": "app", "podSelector": {"matchLabels": {"role": "frontend"}}},
             {"namespace": "app", "podSelector": {"matchLabels": {"role": "backend"}}}, "unreachable", scope="any"),
        prop("to-public", pod("frontend"), pod("public"), "reachable", tcp(80)),
        prop("to-world", pod("frontend"), addresses("198.51.100.7/32"), "reachable", tcp(443)),
        prop("backend-of-another-namespace", pod("frontend"), pod("intruder", "other"), "reachable", tcp(80)),
    ])
    assert got == {"to-backend-denied": "proven", "to-public": "proven", "to-world": "proven",
                   "backend-of-another-namespace": "proven"}


def test_cidr_rule_with_except_matches_outside_addresses_only(tmp_path):
    """https://docs.cilium.io/en/stable/security/policy/language/#ip-cidr-based (cidr-rule): 20.1.1.1/32 and
    10.0.0.0/8 except 10.96.0.0/12; CIDR rules select addresses outside the cluster, so pods at 10.0.1.x are not
    reached through 10.0.0.0/8."""
    policy = """apiVersion: cilium.io/v2
kind: CiliumNetworkPolicy
metadata: {name: cidr-rule}
spec:
  endpointSelector:
    matchLabels: {app: myService}
  egress:
  - toCIDR:
    - 20.1.1.1/32
  - toCIDRSet:
    - cidr: 10.0.0.0/8
      except:
      - 10.96.0.0/12
"""
    got = run(tmp_path, policy, [
        prop("to-20.1.1.1", pod("service"), addresses("20.1.1.1/32"), "reachable", tcp(443)),
        prop("to-10.200", pod("service"), addresses("10.200.0.0/16"), "reachable", tcp(443)),
        prop("except-out", pod("service"), addresses("10.96.0.0/12"), "unreachable"),
        prop("elsewhere-out", pod("service"), addresses("20.1.1.2/32"), "unreachable"),
        prop("pods-in-10/8-out", pod("service"), pod("backend"), "unreachable"),
    ])
    assert got == {"to-20.1.1.1": "proven", "to-10.200": "proven", "except-out": "proven",
                   "elsewhere-out": "proven", "pods-in-10/8-out": "proven"}


def test_layer4_l3_l4_combined(tmp_path):
    """https://docs.cilium.io/en/stable/security/policy/language/#layer-4-examples (l4-rule): frontend to
    backend on TCP 80 only."""
    policy = """apiVersion: cilium.io/v2
kind: CiliumNetworkPolicy
metadata: {name: l4-rule}
spec:
  endpointSelector:
    matchLabels: {role: backend}
  ingress:
  - fromEndpoints:
    - matchLabels: {role: frontend}
    toPorts:
    - ports:
      - port: "80"
        protocol: TCP
"""
    got = run(tmp_path, policy, [
        prop("tcp-80", pod("frontend"), pod("backend"), "reachable", tcp(80)),
        prop("tcp-8080", pod("frontend"), pod("backend"), "unreachable", tcp(8080)),
        prop("udp-80", pod("frontend"), pod("backend"), "unreachable", [{"protocol": "UDP", "port": 80}]),
        prop("client-80", pod("client"), pod("backend"), "unreachable", tcp(80)),
    ])
    assert got == {"tcp-80": "proven", "tcp-8080": "proven", "udp-80": "proven", "client-80": "proven"}


def test_layer4_port_range_and_cidr_l4(tmp_path):
    """https://docs.cilium.io/en/stable/security/policy/language/#layer-4-examples (l4-port-range-rule: TCP
    80-444 to anyone; cidr-l4-rule: 192.0.2.0/24 on TCP 80 only)."""
    policy = """apiVersion: cilium.io/v2
kind: CiliumNetworkPolicy
metadata: {name: l4-port-range-rule}
spec:
  endpointSelector:
    matchLabels: {app: myService}
  egress:
    - toPorts:
      - ports:
        - port: "80"
          endPort: 444
          protocol: TCP
---
apiVersion: cilium.io/v2
kind: CiliumNetworkPolicy
metadata: {name: cidr-l4-rule}
spec:
  endpointSelector:
    matchLabels: {role: crawler}
  egress:
  - toCIDR:
    - 192.0.2.0/24
    toPorts:
    - ports:
      - port: "80"
        protocol: TCP
"""
    got = run(tmp_path, policy, [
        prop("range-444", pod("service"), pod("backend"), "reachable", tcp(444)),
        prop("range-80-world", pod("service"), addresses("8.8.8.8/32"), "reachable", tcp(80)),
        prop("range-445", pod("service"), pod("backend"), "unreachable", tcp(445)),
        prop("range-79", pod("service"), addresses("8.8.8.8/32"), "unreachable", tcp(79)),
        prop("crawler-80", pod("crawler"), addresses("192.0.2.0/24"), "reachable", tcp(80)),
        prop("crawler-443", pod("crawler"), addresses("192.0.2.0/24"), "unreachable", tcp(443)),
        prop("crawler-pods", pod("crawler"), pod("backend"), "unreachable", tcp(80)),
    ])
    assert got == {k: "proven" for k in got} and len(got) == 7


def test_deny_table_l4_deny_beside_l3_allow(tmp_path):
    """https://docs.cilium.io/en/stable/security/policy/deny/ (the enforcement table, its third column): an
    L3 allow of the client with an L4 deny of 80/TCP: port 80 denied, port 81 allowed."""
    policy = """apiVersion: cilium.io/v2
kind: CiliumNetworkPolicy
metadata: {name: allow-client}
spec:
  endpointSelector:
    matchLabels: {role: backend}
  ingress:
  - fromEndpoints:
    - matchLabels: {role: client}
---
apiVersion: cilium.io/v2
kind: CiliumNetworkPolicy
metadata: {name: deny-80}
spec:
  endpointSelector:
    matchLabels: {role: backend}
  ingressDeny:
  - toPorts:
    - ports:
      - port: "80"
        protocol: TCP
"""
    got = run(tmp_path, policy, [
        prop("curl-81", pod("client"), pod("backend"), "reachable", tcp(81)),
        prop("curl-80", {"namespace": "app"}, role("backend"), "unreachable", tcp(80), scope="any"),
    ])
    assert got == {"curl-81": "proven", "curl-80": "proven"}


def test_entity_cluster_is_every_pod_not_the_world(tmp_path):
    """https://docs.cilium.io/en/stable/security/policy/language/#entities-based: `cluster` is every endpoint
    of the local cluster (pods of any namespace, the nodes); `world` is not in it."""
    policy = """apiVersion: cilium.io/v2
kind: CiliumNetworkPolicy
metadata: {name: from-cluster}
spec:
  endpointSelector:
    matchLabels: {role: public}
  ingress:
  - fromEntities: [cluster]
"""
    got = run(tmp_path, policy, [
        prop("pod-of-another-namespace", pod("intruder", "other"), pod("public"), "reachable", tcp(80)),
        prop("any-new-pod", {}, role("public"), "reachable", tcp(80), scope="any"),
        prop("world-out", addresses("203.0.113.0/24"), role("public"), "unreachable", scope="any"),
    ])
    assert got == {"pod-of-another-namespace": "proven", "any-new-pod": "proven", "world-out": "proven"}
