"""Item 9.4: two containers naming a port alike. A named-port rule matches each of them (name and protocol),
in the SMT encoding as in the concrete evaluator, in prove, explain and map, and in the witness's Pod YAML.
"""

from __future__ import annotations

import pytest
import yaml

from netverify.analyses.explain import explain
from netverify.analyses.map import connectivity_map
from netverify.analyses.prove import prove
from netverify.load.manifests import load_cluster_from_texts
from netverify.model.ports import Protocol, PortRanges
from prove_helpers import pods, prop, props
from builders import port
from pod_manifest_rules import assert_valid_pod_manifests

# Container `a` has dns/UDP 53 and svc/TCP 80, container `b` has dns/TCP 53 and svc/TCP 8080.
MANIFESTS = """
apiVersion: apps/v1
kind: Deployment
metadata: {name: multi, namespace: app}
spec:
  selector: {matchLabels: {app: multi}}
  template:
    metadata: {labels: {app: multi}}
    spec:
      containers:
      - name: a
        image: x
        ports:
        - {name: dns, containerPort: 53, protocol: UDP}
        - {name: svc, containerPort: 80}
      - name: b
        image: x
        ports:
        - {name: dns, containerPort: 53, protocol: TCP}
        - {name: svc, containerPort: 8080}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: client, namespace: app}
spec:
  selector: {matchLabels: {app: client}}
  template:
    metadata: {labels: {app: client}}
    spec: {containers: [{name: c, image: x}]}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: multi-named-ports, namespace: app}
spec:
  podSelector: {matchLabels: {app: multi}}
  policyTypes: [Ingress]
  ingress:
  - from: [{podSelector: {matchLabels: {app: client}}}]
    ports:
    - {port: dns, protocol: TCP}
    - {port: svc}
"""

CLIENT = pods("app", {"app": "client"})
MULTI = pods("app", {"app": "multi"})
TCP, UDP = Protocol.TCP, Protocol.UDP


def cluster():
    return load_cluster_from_texts([("m.yaml", MANIFESTS)])


def status(expect, number, protocol="TCP", scope="existing", dst=MULTI):
    [result] = prove(cluster(), props(prop(CLIENT, dst, expect, scope, [port(number, protocol)]))).results
    return result


PORTS = [
    (53, "TCP", True),     # dns/TCP is the second container's: the SMT once saw only the first (UDP)
    (80, "TCP", True),
    (8080, "TCP", True),   # svc/8080 is the second container's
    (53, "UDP", False),    # the rule names dns/TCP only
]


@pytest.mark.parametrize(("number", "protocol", "open_"), PORTS)
def test_prove_matches_every_port_of_the_name(number, protocol, open_):
    assert status("reachable" if open_ else "unreachable", number, protocol).status == "proven"
    refuted = status("unreachable" if open_ else "reachable", number, protocol)
    assert refuted.status == "violated"
    shown = refuted.counterexample
    assert (shown.protocol, shown.port) == (Protocol(protocol), number)
    assert status("possible", number, protocol).status == ("proven" if open_ else "violated")


@pytest.mark.parametrize(("number", "protocol", "open_"), PORTS)
def test_prove_for_every_pod_that_could_exist(number, protocol, open_):
    # A new pod labelled app=multi may lack the port, so only "unreachable" can be proven, when closed.
    assert status("unreachable", number, protocol, "any").status == ("violated" if open_ else "proven")
    assert status("possible", number, protocol, "any").status == ("proven" if open_ else "violated")


def test_explain_and_map_agree_with_prove():
    c = cluster()
    for number, protocol, open_ in [(53, TCP, True), (8080, TCP, True), (80, TCP, True), (53, UDP, False)]:
        assert explain(c, "app/client", "app/multi", protocol, number).allowed is open_
    row = next(x for x in connectivity_map(c).connections
               if (x.src.label, x.dst.label) == ("app/client[Deployment]", "app/multi[Deployment]"))
    assert row.protocols == {TCP: PortRanges.of([(53, 53), (80, 80), (8080, 8080)])}


def test_a_new_pod_reached_on_both_ports_of_a_name_gets_manifests_the_api_server_accepts():
    # Any pod of `app` labelled app=multi is open on svc: a new one with svc on 8080 refutes this.
    result = status("unreachable", 8080, "TCP", "any", dst=pods("app", {"app": "multi"}))
    assert result.status == "violated"
    docs = list(yaml.safe_load_all(result.counterexample.pod_manifests))
    assert_valid_pod_manifests(result.counterexample.pod_manifests, existing_namespaces={"app"})
    dst = next(d for d in docs if d["kind"] == "Pod" and d["metadata"]["name"].endswith("dst"))
    ports = [(p.get("name"), p["containerPort"], p["protocol"]) for c in dst["spec"]["containers"]
             for p in c.get("ports", ())]
    assert ("svc", 8080, "TCP") in ports


PROPERTIES = """\
manifests: [m.yaml]
properties:
- name: dns-over-tcp
  from: {namespace: app, podSelector: {matchLabels: {app: client}}}
  to: {namespace: app, podSelector: {matchLabels: {app: multi}}}
  ports: [{port: dns, protocol: TCP}]
  expect: reachable
  scope: existing
- name: no-svc-8080
  from: {namespace: app, podSelector: {matchLabels: {app: client}}}
  to: {namespace: app, podSelector: {matchLabels: {app: multi}}}
  ports: [{port: 8080}]
  expect: unreachable
- name: dns-over-udp-closed
  from: {namespace: app, podSelector: {matchLabels: {app: client}}}
  to: {namespace: app, podSelector: {matchLabels: {app: multi}}}
  ports: [{port: dns, protocol: UDP}]
  expect: unreachable
"""


def test_the_cli_says_the_same_in_prove_explain_and_map(tmp_path):
    import json

    from typer.testing import CliRunner

    from netverify.cli import app

    (tmp_path / "m.yaml").write_text(MANIFESTS)
    (tmp_path / "props.yaml").write_text(PROPERTIES)
    runner = CliRunner()
    proved = runner.invoke(app, ["prove", str(tmp_path / "props.yaml"), "--format", "json"])
    assert proved.exit_code == 1, proved.stderr
    status = {r["name"]: r["status"] for r in json.loads(proved.stdout)["results"]}
    assert status == {"dns-over-tcp": "proven", "no-svc-8080": "violated", "dns-over-udp-closed": "proven"}
    m = str(tmp_path / "m.yaml")
    for port_, allowed in (("53/TCP", True), ("8080/TCP", True), ("53/UDP", False)):
        explained = runner.invoke(app, ["explain", "app/client", "app/multi", "-p", port_, "-f", m, "--format", "json"])
        assert explained.exit_code == (0 if allowed else 1), explained.stderr  # explain: 0 allowed, 1 blocked
        assert json.loads(explained.stdout)["allowed"] is allowed, port_
    mapped = runner.invoke(app, ["map", "-f", m, "--format", "json"])
    assert mapped.exit_code == 0, mapped.stderr
    [row] = [c for c in json.loads(mapped.stdout)["connections"]
             if (c["src"].get("name"), c["dst"].get("name")) == ("client", "multi")]
    assert row["protocols"] == {"TCP": [[53, 53], [80, 80], [8080, 8080]]}
