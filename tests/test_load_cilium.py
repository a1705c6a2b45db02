"""Valid CiliumNetworkPolicy, CiliumClusterwideNetworkPolicy and CiliumCIDRGroup objects → model/cilium.py
records: selectors as Cilium compares them (namespace scoping, label sources), peers, ports, ICMP, L7 kinds,
fields not modelled kept with their place, and `cidrGroupRef` resolved whatever the order of the files."""

from __future__ import annotations

import ipaddress
from pathlib import Path

import pytest

from netverify.load.cni import choose_cni
from netverify.load.manifests import load_cluster_from_texts
from netverify.model.cilium import CLUSTER_LABEL, NAMESPACE_LABEL, CiliumPort, IcmpField, identity_labels
from netverify.model.ipblock import IPBlock
from netverify.model.labels import LabelSelector, Requirement
from netverify.model.span import Span

CONFORMANCE = Path(__file__).resolve().parents[1] / ".." / "shared" / "conformance" / "cilium-connectivity"

CNP = """\
apiVersion: cilium.io/v2
kind: CiliumNetworkPolicy
metadata:
  name: db
  namespace: shop
spec:
  endpointSelector:
    matchLabels:
      app: db
  ingressDeny:
  - fromEndpoints:
    - matchLabels:
        k8s:app: frontend
    toPorts:
    - ports:
      - port: "5432"
        protocol: TCP
  ingress:
  - fromEntities: [world, cluster]
  - fromCIDRSet:
    - cidr: 10.0.0.0/8
      except: [10.1.0.0/16]
    - cidrGroupRef: corp
  egress:
  - toEndpoints: [{}]
    toPorts:
    - ports: [{port: "8000", endPort: 8100, protocol: TCP}, {port: HTTP-Alt, protocol: TCP}]
      rules:
        http: [{method: GET}]
  - icmps:
    - fields: [{type: EchoRequest}, {family: IPv6, type: 128}, {type: 3}]
  - toPorts: [{}]
    toCIDR: [192.0.2.0/24]
"""

GROUP = """\
apiVersion: cilium.io/v2alpha1
kind: CiliumCIDRGroup
metadata: {name: corp, labels: {site: hq}}
spec:
  externalCIDRs: [198.51.100.0/24, "2001:db8::/32"]
"""

CCNP = """\
apiVersion: cilium.io/v2
kind: CiliumClusterwideNetworkPolicy
metadata: {name: base}
specs:
- endpointSelector: {}
  enableDefaultDeny: {ingress: false}
  ingress:
  - fromEndpoints: [{matchLabels: {app: x}}]
  - fromRequires: [{matchLabels: {env: prod}}]
- nodeSelector: {}
  ingress: [{fromEntities: [host]}]
"""


def _cilium(*texts: str):
    return load_cluster_from_texts([(f"f{i}.yaml", t) for i, t in enumerate(texts)]).cilium


def _req(key: str, op: str = "In", *values: str) -> Requirement:
    return Requirement(key, op, frozenset(values))  # type: ignore[arg-type]


def test_a_cnp_subject_and_peers_are_limited_to_its_namespace_and_k8s_prefixes_are_dropped() -> None:
    [policy] = _cilium(CNP, GROUP).policies
    assert policy.key == "CiliumNetworkPolicy/shop/db" and policy.namespace == "shop" and policy.index is None
    assert set(policy.endpoint_selector.requirements) == {_req("app", "In", "db"), _req(NAMESPACE_LABEL, "In", "shop")}
    deny = next(r for r in policy.ingress if r.deny)
    [peer] = deny.endpoints
    assert set(peer.requirements) == {_req("app", "In", "frontend"), _req(NAMESPACE_LABEL, "In", "shop")}
    assert deny.ports[0].ports == (CiliumPort(5432, None, "TCP", Span("f0.yaml", 16)),)
    assert deny.span == Span("f0.yaml", 11) and deny.index == 0
    # `toEndpoints: [{}]` in a CNP: every pod of the policy's namespace.
    assert policy.egress[0].endpoints == (LabelSelector((_req(NAMESPACE_LABEL, "In", "shop"),)),)


def test_entities_cidrs_and_cidr_groups_are_read_with_excepts_and_the_groups_blocks() -> None:
    [policy] = _cilium(CNP, GROUP).policies
    allow = [r for r in policy.ingress if not r.deny]
    assert allow[0].entities == ("world", "cluster") and allow[0].endpoints is None
    plain, group = allow[1].cidrs
    assert [str(b) for b in plain.blocks] == ["10.0.0.0/8"] and plain.excepts == (IPBlock(ipaddress.ip_network("10.1.0.0/16")),)
    assert group.group == "corp" and [str(b) for b in group.blocks] == ["198.51.100.0/24", "2001:db8::/32"]
    assert not allow[1].unmodelled


def test_a_cidr_group_ref_resolves_whatever_the_order_of_the_files() -> None:
    [policy] = _cilium(GROUP, CNP).policies
    assert [str(b) for b in policy.ingress[1].cidrs[1].blocks] == ["198.51.100.0/24", "2001:db8::/32"]


def test_a_cidr_group_ref_to_no_group_of_the_manifests_is_kept_as_not_modelled() -> None:
    [policy] = _cilium(CNP).policies
    rule = policy.ingress[1]
    assert rule.cidrs[1].blocks == () and rule.cidrs[1].group == "corp"
    [note] = rule.unmodelled
    assert "cidrGroupRef" in note.field and "corp" in note.field and note.span.line == 23


def test_a_cidr_group_selector_takes_the_blocks_of_the_groups_it_selects() -> None:
    text = CNP.replace("- cidrGroupRef: corp", "- cidrGroupSelector: {matchLabels: {site: hq}}")
    [policy] = _cilium(text, GROUP).policies
    assert [str(b) for b in policy.ingress[1].cidrs[1].blocks] == ["198.51.100.0/24", "2001:db8::/32"]
    [other] = _cilium(text.replace("site: hq", "site: branch"), GROUP).policies
    assert other.ingress[1].cidrs[1].blocks == () and other.ingress[1].unmodelled


def test_ports_ranges_named_ports_icmp_types_and_l7_kinds() -> None:
    [policy] = _cilium(CNP, GROUP).policies
    l7, icmp, any_port = policy.egress
    ranged, named = l7.ports[0].ports
    assert (ranged.port, ranged.end_port, ranged.protocol) == (8000, 8100, "TCP")
    assert named.port == "http-alt"  # Cilium compares port names in lower case
    assert l7.ports[0].l7 == ("http",)
    assert icmp.icmps == (IcmpField("IPv4", 8), IcmpField("IPv6", 128), IcmpField("IPv4", 3)) and not icmp.ports
    assert any_port.ports[0].ports == () and any_port.ports[0].l7 == ()  # `toPorts: [{}]`: every port
    assert [str(b) for b in any_port.cidrs[0].blocks] == ["192.0.2.0/24"]


def test_a_protocol_left_out_is_any_and_port_zero_is_every_port() -> None:
    text = CNP.replace('- port: "5432"\n        protocol: TCP', '- port: "0"')
    [policy] = _cilium(text, GROUP).policies
    port = next(r for r in policy.ingress if r.deny).ports[0].ports[0]
    assert (port.port, port.end_port, port.protocol) == (0, None, "ANY")


def test_a_ccnp_scopes_peers_to_endpoints_with_a_namespace_and_reads_specs_and_default_deny() -> None:
    first, host = _cilium(CCNP).policies
    assert first.key == "CiliumClusterwideNetworkPolicy/base[0]" and first.namespace is None
    assert first.endpoint_selector == LabelSelector(())
    exists = _req(NAMESPACE_LABEL, "Exists")
    assert set(first.ingress[0].endpoints[0].requirements) == {_req("app", "In", "x"), exists}
    assert set(first.ingress[1].requires[0].requirements) == {_req("env", "In", "prod"), exists}
    assert first.default_deny == {"ingress": False, "egress": None}
    # A host policy: no endpoint selector, kept as not modelled.
    assert host.endpoint_selector is None and host.node_selector == LabelSelector(())
    assert [u.field for u in host.unmodelled] == ["specs[1].nodeSelector (a host policy: it applies to nodes)"]


def test_a_peer_naming_a_namespace_or_namespace_labels_is_not_limited_to_the_policys_namespace() -> None:
    text = CNP.replace("k8s:app: frontend", "k8s:io.kubernetes.pod.namespace: web")
    [policy] = _cilium(text, GROUP).policies
    assert next(r for r in policy.ingress if r.deny).endpoints[0].requirements == (_req(NAMESPACE_LABEL, "In", "web"),)
    text = CNP.replace("k8s:app: frontend", "io.cilium.k8s.namespace.labels.team: a")
    [policy] = _cilium(text, GROUP).policies
    assert next(r for r in policy.ingress if r.deny).endpoints[0].requirements == (
        _req("io.cilium.k8s.namespace.labels.team", "In", "a"),)


def test_selectors_over_identity_labels_match_what_a_pod_carries() -> None:
    text = CNP.replace("k8s:app: frontend", "io.cilium.k8s.policy.serviceaccount: api")
    [policy] = _cilium(text, GROUP).policies
    [peer] = next(r for r in policy.ingress if r.deny).endpoints
    labels = identity_labels({"app": "x"}, "shop", {"team": "a"}, "api", "default")
    assert peer.matches(labels) and not peer.matches({**labels, "io.cilium.k8s.policy.serviceaccount": "web"})
    assert labels[CLUSTER_LABEL] == "default"


def test_a_reserved_label_selector_matches_no_pod_and_is_kept_as_not_modelled() -> None:
    text = CNP.replace("k8s:app: frontend", 'reserved:host: ""')
    [policy] = _cilium(text, GROUP).policies
    deny = next(r for r in policy.ingress if r.deny)
    [peer] = deny.endpoints
    assert peer.requirements == (_req("reserved:host", "In", ""),)  # nothing added, matches no pod
    assert not peer.matches(identity_labels({}, "shop", {}, "default", "default"))
    assert "reserved:host" in deny.unmodelled[0].field


def test_an_explicitly_empty_peer_list_selects_no_peer() -> None:
    text = CNP.replace("  - fromEntities: [world, cluster]", "  - fromEntities: []")
    [policy] = _cilium(text, GROUP).policies
    rule = policy.ingress[0]
    assert rule.endpoints == () and rule.entities == () and rule.cidrs == ()


@pytest.mark.parametrize("field, yaml", [
    ("toFQDNs", "toFQDNs: [{matchName: example.com}]"),
    ("toServices", "toServices: [{k8sService: {serviceName: a, namespace: b}}]"),
    ("toGroups", "toGroups: [{aws: {securityGroupsIds: [sg-1]}}]"),
    ("toNodes", "toNodes: [{matchLabels: {a: b}}]"),
    ("authentication", "authentication: {mode: required}"),
])
def test_egress_fields_not_modelled_are_kept_with_their_place(field: str, yaml: str) -> None:
    text = CNP + f"  - {yaml}\n"
    [policy] = _cilium(text, GROUP).policies
    rule = policy.egress[-1]
    assert [u.field for u in rule.unmodelled] == [f"spec.egress[3].{field}"] and rule.unmodelled[0].span.line == 34


def test_specs_and_spec_together_are_one_policy_each() -> None:
    text = CNP + "specs:\n- endpointSelector: {}\n  egress: [{toEntities: [world]}]\n"
    first, second = _cilium(text, GROUP).policies
    assert (first.index, second.index) == (None, 0) and second.key == "CiliumNetworkPolicy/shop/db[0]"


def test_cilium_kinds_point_choose_cni_to_cilium() -> None:
    cluster = load_cluster_from_texts([("c.yaml", CCNP)])
    choice = choose_cni([cluster], None)
    assert choice.cni == "cilium" and choice.inferred


@pytest.mark.skipif(not CONFORMANCE.is_dir(), reason="../shared/conformance/cilium-connectivity is not present")
def test_every_cilium_connectivity_manifest_loads() -> None:
    for path in sorted((CONFORMANCE / "manifests").glob("*.yaml")):
        cluster = load_cluster_from_texts([(path.name, path.read_text())], default_namespace="cilium-test")
        assert cluster.cilium.policies or cluster.policies, path.name


def test_the_cilium_cluster_option_names_the_cluster_of_every_identity() -> None:
    from netverify.load.cilium import with_cluster_name

    cluster = load_cluster_from_texts([("c.yaml", CCNP)])
    assert cluster.cilium.cluster_name == "default"
    named = with_cluster_name(cluster, "prod-eu-1")
    assert named.cilium.cluster_name == "prod-eu-1" and named.cilium.policies == cluster.cilium.policies


@pytest.mark.parametrize("command", ["map", "explain", "prove", "diff"])
def test_every_command_that_loads_a_cluster_takes_the_cilium_cluster_option(tmp_path, monkeypatch, command):
    import netverify.load.cilium as cilium_loader
    from typer.testing import CliRunner

    from netverify.cli import app

    seen: list[str] = []
    real = cilium_loader.with_cluster_name
    monkeypatch.setattr(cilium_loader, "with_cluster_name", lambda c, name: seen.append(name) or real(c, name))
    pods = tmp_path / "pods.yaml"
    pod = ("apiVersion: v1\nkind: Pod\nmetadata: {{name: {0}, labels: {{app: {0}}}}}\n"
           "spec: {{containers: [{{name: c}}]}}\n")
    pods.write_text(pod.format("a") + "---\n" + pod.format("b"))
    props = tmp_path / "props.yaml"
    props.write_text("properties:\n- name: x\n  from: {namespace: default, workload: a}\n"
                     "  to: {namespace: default, workload: b}\n  expect: reachable\n")
    args = {"map": ["map", "-f", str(pods)], "prove": ["prove", str(props), "-f", str(pods)],
            "explain": ["explain", "default/a", "default/b", "--port", "80/TCP", "-f", str(pods)],
            "diff": ["diff", str(pods), str(pods)]}[command]
    result = CliRunner().invoke(app, [*args, "--cilium-cluster", "prod-eu-1"])
    assert result.exit_code in (0, 1, 3), result.output
    assert seen and set(seen) == {"prod-eu-1"}
