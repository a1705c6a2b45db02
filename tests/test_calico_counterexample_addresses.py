"""A counterexample names only what is true of its pods (docs/semantics.md rule 132): under Calico, whose `nets`
match pod addresses, an existing pod the manifests give no IP for is shown without one (the verdict holds at
every address it may get, else the result is unknown), and a pod not created yet gets an address a pod could
have, never 0.0.0.0 or 255.255.255.255."""

from __future__ import annotations

import ipaddress
import json

from typer.testing import CliRunner

from netverify.cli import app

MANIFESTS = """apiVersion: apps/v1
kind: Deployment
metadata: {name: a, namespace: default}
spec:
  selector: {matchLabels: {app: a}}
  template:
    metadata: {labels: {app: a}}
    spec: {containers: [{name: c, image: x}]}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: b, namespace: default}
spec:
  selector: {matchLabels: {app: b}}
  template:
    metadata: {labels: {app: b}}
    spec: {containers: [{name: c, image: x, ports: [{containerPort: 80}]}]}
---
apiVersion: projectcalico.org/v3
kind: GlobalNetworkPolicy
metadata: {name: deny-some}
spec:
  selector: app == 'b'
  types: [Ingress]
  ingress:
  - action: Deny
    protocol: {protocol}
    source: {nets: [10.0.0.0/8]}
  - action: Allow
"""

PROPERTIES = """properties:
  - name: a-never-reaches-b
    from: {namespace: default, podSelector: {matchLabels: {app: a}}}
    to: {namespace: default, podSelector: {matchLabels: {app: b}}}
    ports: [{protocol: TCP, port: 80}]
    expect: unreachable
    scope: existing
  - name: any-never-reaches-b
    from: {namespace: default}
    to: {namespace: default, podSelector: {matchLabels: {app: b}}}
    ports: [{protocol: TCP, port: 80}]
    expect: unreachable
    scope: any
"""


def _results(tmp_path, protocol: str) -> dict[str, dict]:
    (tmp_path / "m.yaml").write_text(MANIFESTS.replace("{protocol}", protocol))
    (tmp_path / "p.yaml").write_text(PROPERTIES)
    out = CliRunner().invoke(app, ["prove", str(tmp_path / "p.yaml"), "-f", str(tmp_path / "m.yaml"), "--cni",
                                   "calico", "--format", "json"])
    assert out.exit_code in (1, 3), out.output
    return {r["name"]: r for r in json.loads(out.stdout)["results"]}


def test_existing_pods_without_an_ip_in_the_manifests_are_shown_without_one(tmp_path):
    # The Deny is UDP only: TCP/80 from a to b is allowed at every address, a counterexample naming no address.
    got = _results(tmp_path, "UDP")
    for name in ("a-never-reaches-b", "any-never-reaches-b"):
        r = got[name]
        assert r["status"] == "violated", r
        ends = r["counterexample"]["src"], r["counterexample"]["dst"]
        assert all(e["workload"] is not None and e["ip"] is None for e in ends), ends


def test_a_new_pod_gets_an_ordinary_address_outside_the_denied_range(tmp_path):
    # TCP from 10.0.0.0/8 is denied: an existing pod without an IP is address-dependent (unknown); a new pod is
    # a counterexample at an address outside 10/8 that a pod could have.
    got = _results(tmp_path, "TCP")
    assert got["a-never-reaches-b"]["status"] == "unknown"
    r = got["any-never-reaches-b"]
    assert r["status"] == "violated", r
    src = r["counterexample"]["src"]
    assert src["workload"] is None and src["ip"] is not None
    ip = ipaddress.ip_address(src["ip"])
    assert ip not in ipaddress.ip_network("10.0.0.0/8")
    assert not (ip.is_unspecified or ip.is_reserved or ip.is_multicast or ip.is_loopback or ip.is_link_local)
    assert ip != ipaddress.ip_address("255.255.255.255") and not str(ip).endswith((".0", ".255"))
