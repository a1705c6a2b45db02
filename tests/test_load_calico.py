"""Calico objects read into Cluster.calico (issue 11): both apiVersions, defaulting as Calico's API server does.

Sources for each expectation: projectcalico/calico api/pkg/apis/projectcalico/v3 and api/pkg/defaults, and
https://docs.tigera.io/calico/latest/reference/resources/ (the page of each kind).
"""

from __future__ import annotations

import dataclasses
import ipaddress
import textwrap

import pytest

from netverify.load.cni import choose_cni
from netverify.load.manifests import load_cluster_from_texts
from netverify.model.calico_selector import All, And, Equals, Global, Has, In, Not
from netverify.model.cluster import Cluster
from netverify.model.kinds import CALICO_READ, MODELLED

GROUPS = [("projectcalico.org/v3", ""), ("crd.projectcalico.org/v1", "default.")]


def load(text: str) -> Cluster:
    return load_cluster_from_texts([("calico.yaml", textwrap.dedent(text))])


def doc(api_version: str, kind: str, meta: str, spec: str) -> str:
    return f"apiVersion: {api_version}\nkind: {kind}\nmetadata: {meta}\nspec:\n{textwrap.indent(textwrap.dedent(spec), '  ')}---\n"


@pytest.mark.parametrize("api_version,prefix", GROUPS)
def test_a_network_policy_reads_at_both_api_versions_with_the_v3_name(api_version, prefix):
    cluster = load(doc(api_version, "NetworkPolicy", f"{{name: {prefix}allow-db, namespace: shop}}", """\
        order: 100
        selector: app == "db" && !has(legacy)
        ingress:
        - action: Allow
          protocol: TCP
          source: {selector: 'app in {"api", "web"}'}
          destination: {ports: [5432, "6000:6010", metrics]}
        """))
    [policy] = cluster.calico.policies
    assert (policy.kind, policy.namespace, policy.name, policy.tier, policy.order) == (
        "NetworkPolicy", "shop", "allow-db", "default", 100.0)
    assert policy.api_version == api_version
    assert policy.selector.expr == And((Equals("app", "db"), Not(Has("legacy"))))
    [rule] = policy.ingress
    assert (rule.action, rule.protocol, rule.direction, rule.index) == ("allow", 6, "ingress", 0)
    assert rule.source.selector is not None and rule.source.selector.expr == In("app", frozenset({"api", "web"}))
    assert [(p.lo, p.hi, p.name) for p in rule.destination.ports] == [
        (5432, 5432, None), (6000, 6010, None), (None, None, "metrics")]
    assert rule.span.line == 8 and policy.span.file == "calico.yaml"


def test_the_v3_name_in_the_metadata_annotation_wins_over_the_crd_name():
    cluster = load(doc("crd.projectcalico.org/v1", "GlobalNetworkPolicy",
                       "{name: default.x, annotations: {projectcalico.org/metadata: '{\"name\": \"real\"}'}}",
                       "selector: all()\n"))
    assert [p.name for p in cluster.calico.policies] == ["real"]


@pytest.mark.parametrize("rules,types", [
    ("", ("ingress",)),
    ("ingress: [{action: Allow}]\n", ("ingress",)),
    ("egress: [{action: Allow}]\n", ("egress",)),  # Calico: Egress only, unlike Kubernetes
    ("ingress: [{action: Allow}]\negress: [{action: Deny}]\n", ("ingress", "egress")),
    ("types: [Egress, Ingress]\n", ("egress", "ingress")),
    ("types: []\negress: [{action: Allow}]\n", ("egress",)),
])
def test_types_default_as_calicos_api_server_does(rules, types):
    cluster = load(doc("projectcalico.org/v3", "GlobalNetworkPolicy", "{name: p}", rules or "order: 1\n"))
    assert cluster.calico.policies[0].types == types


def test_omitted_selector_and_order_and_tier():
    [policy] = load(doc("projectcalico.org/v3", "GlobalNetworkPolicy", "{name: p}", "types: [Ingress]\n")).calico.policies
    assert policy.order is None and policy.tier == "default" and policy.namespace is None
    assert policy.selector.expr == All() and policy.namespace_selector is None
    assert not policy.staged and policy.unmodelled == ()


def test_a_rule_reads_every_match_field():
    [policy] = load(doc("projectcalico.org/v3", "GlobalNetworkPolicy", "{name: p}", """\
        namespaceSelector: team == "a"
        serviceAccountSelector: role == "x"
        egress:
        - action: Pass
          protocol: 17
          notProtocol: UDPLite
          ipVersion: 4
          source: {ports: [53], notPorts: ["1:1023"]}
          destination:
            nets: [10.0.0.0/8]
            notNets: [10.1.0.0/16]
            selector: all()
            notSelector: has(blocked)
            namespaceSelector: global()
            serviceAccounts: {names: [api], selector: team == "a"}
        - action: Log
          protocol: ICMP
          icmp: {type: 8, code: 0}
          notICMP: {type: 3}
        - action: Deny
          destination: {services: {name: db, namespace: shop}}
        """)).calico.policies
    first, second, third = policy.egress
    assert (first.action, first.protocol, first.not_protocol, first.ip_version) == ("pass", 17, 136, 4)
    assert [(p.lo, p.hi) for p in first.source.not_ports] == [(1, 1023)]
    dest = first.destination
    assert dest.nets[0].cidr == ipaddress.ip_network("10.0.0.0/8")
    assert dest.not_nets[0].cidr == ipaddress.ip_network("10.1.0.0/16")
    assert dest.selector is not None and dest.selector.expr == All()
    assert dest.namespace_selector is not None and dest.namespace_selector.expr == Global()
    assert dest.service_accounts is not None and dest.service_accounts.names == ("api",)
    assert policy.namespace_selector is not None and policy.service_account_selector is not None
    assert (second.action, second.protocol, second.icmp.type, second.icmp.code, second.not_icmp.code) == (
        "log", 1, 8, 0, None)
    assert third.destination.services is not None and third.destination.services.name == "db"
    assert first.source.selector is None  # absent: no selector test (an `all()` would match endpoints only)


def test_a_namespaced_services_match_defaults_to_the_policys_namespace():
    [policy] = load(doc("projectcalico.org/v3", "NetworkPolicy", "{name: p, namespace: shop}",
                        "egress: [{action: Allow, destination: {services: {name: db}}}]\n")).calico.policies
    assert policy.egress[0].destination.services.namespace == "shop"


def test_unmodelled_fields_are_kept_with_where_they_are():
    [policy] = load(doc("projectcalico.org/v3", "GlobalNetworkPolicy", "{name: p}", """\
        applyOnForward: true
        preDNAT: true
        ingress:
        - action: Allow
          http: {methods: [GET], paths: [{prefix: /api}]}
        """)).calico.policies
    assert [u.field for u in policy.unmodelled] == ["spec.preDNAT", "spec.applyOnForward"]
    assert [u.field for u in policy.ingress[0].unmodelled] == ["spec.ingress[0].http"]
    assert policy.ingress[0].unmodelled[0].span.line == 9


def test_tiers_declared_and_built_in():
    cluster = load(doc("projectcalico.org/v3", "Tier", "{name: security}", "order: 100\ndefaultAction: Pass\n")
                   + doc("projectcalico.org/v3", "GlobalNetworkPolicy", "{name: security.p}", "tier: security\n"))
    tiers = {t.name: (t.order, t.default_action, t.span is None) for t in cluster.calico.tiers}
    assert tiers == {
        "security": (100.0, "pass", False),
        "kube-admin": (1000.0, "pass", True), "default": (1_000_000.0, "deny", True),
        "kube-baseline": (10_000_000.0, "pass", True),
    }
    assert cluster.calico.policies[0].tier == "security"


def test_a_tier_without_order_or_default_action():
    cluster = load(doc("projectcalico.org/v3", "Tier", "{name: t}", "{}\n"))
    [declared] = [t for t in cluster.calico.tiers if t.name == "t"]
    assert (declared.order, declared.default_action) == (None, "deny")


def test_network_sets_profiles_host_endpoints_and_service_accounts():
    cluster = load(
        doc("projectcalico.org/v3", "GlobalNetworkSet", "{name: ext, labels: {role: external}}",
            "nets: [1.2.3.4, 8.8.0.0/16, '2001:db8::/32']\n")
        + doc("crd.projectcalico.org/v1", "NetworkSet", "{name: partners, namespace: shop}", "nets: [5.6.7.0/24]\n")
        + doc("projectcalico.org/v3", "Profile", "{name: kns.shop}",
              "ingress: [{action: Allow}]\negress: [{action: Allow}]\nlabelsToApply: {pcns.team: a}\n")
        + doc("projectcalico.org/v3", "HostEndpoint", "{name: n1-eth0, labels: {role: node}}",
              "node: n1\ninterfaceName: eth0\nexpectedIPs: [192.168.0.1]\nprofiles: [kns.shop]\n"
              "ports: [{name: ssh, protocol: TCP, port: 22}]\n")
        + "apiVersion: v1\nkind: ServiceAccount\nmetadata: {name: api, namespace: shop, labels: {team: a}}\n"
    )
    ext, partners = cluster.calico.network_sets
    assert (ext.namespace, ext.labels, [str(n.cidr) for n in ext.nets]) == (
        None, {"role": "external"}, ["1.2.3.4/32", "8.8.0.0/16", "2001:db8::/32"])
    assert (partners.namespace, partners.name) == ("shop", "partners")
    [prof] = cluster.calico.profiles
    assert prof.labels_to_apply == {"pcns.team": "a"} and prof.ingress[0].action == "allow"
    [hep] = cluster.calico.host_endpoints
    assert (hep.node, hep.interface_name, hep.expected_ips, hep.profiles) == ("n1", "eth0", ("192.168.0.1",),
                                                                              ("kns.shop",))
    [account] = cluster.service_accounts
    assert (account.namespace, account.name, account.labels) == ("shop", "api", {"team": "a"})
    assert "shop" in cluster.namespaces


def test_staged_policies_are_read_as_staged_with_a_note():
    cluster = load(
        doc("projectcalico.org/v3", "StagedNetworkPolicy", "{name: s, namespace: shop}",
            "stagedAction: Set\ningress: [{action: Deny}]\n")
        + doc("projectcalico.org/v3", "StagedGlobalNetworkPolicy", "{name: g}", "egress: [{action: Deny}]\n")
        + doc("projectcalico.org/v3", "StagedKubernetesNetworkPolicy", "{name: k, namespace: shop}",
              "podSelector: {matchLabels: {app: x}}\npolicyTypes: [Egress]\n")
    )
    assert [(p.kind, p.staged, p.types) for p in cluster.calico.policies] == [
        ("StagedNetworkPolicy", True, ("ingress",)), ("StagedGlobalNetworkPolicy", True, ("egress",)),
        ("StagedKubernetesNetworkPolicy", True, ("egress",))]
    assert len(cluster.calico.notes) == 3 and all("not enforce" in n for n in cluster.calico.notes)


def test_calico_objects_point_choose_cni_to_calico():
    cluster = load(doc("projectcalico.org/v3", "GlobalNetworkSet", "{name: ext}", "nets: [1.2.3.4/32]\n"))
    choice = choose_cni([cluster], None)
    assert choice.cni == "calico" and choice.inferred
    # Once the kinds are modelled they are no unmodelled objects: cluster.calico alone must say calico.
    modelled = dataclasses.replace(cluster, unmodelled=())
    choice = choose_cni([modelled], None)
    assert choice.cni == "calico" and choice.evidence == ("GlobalNetworkSet (calico.yaml)",)


def test_until_the_calico_layers_model_them_calico_objects_stay_unknown():
    """Read into cluster.calico, and — while CALICO_READ is not in MODELLED — kept as unmodelled objects, so
    every result they reach is unknown rather than silently computed without them."""
    cluster = load(doc("projectcalico.org/v3", "GlobalNetworkPolicy", "{name: p}", "ingress: [{action: Allow}]\n"))
    assert cluster.calico.policies
    if CALICO_READ <= MODELLED:
        assert cluster.unmodelled == ()
    else:
        assert [(o.group, o.kind, o.name) for o in cluster.unmodelled] == [
            ("projectcalico.org", "GlobalNetworkPolicy", "p")]


def test_a_cluster_without_calico_objects_has_empty_resources():
    cluster = load("apiVersion: v1\nkind: Namespace\nmetadata: {name: shop}\n")
    assert not cluster.calico and cluster.service_accounts == ()


def test_an_unquoted_port_range_is_a_range_not_a_base_60_number():
    """YAML 1.1 (PyYAML) reads `1:2` as 62; the Kubernetes decoder keeps the text, so Calico sees a range."""
    [policy] = load(doc("projectcalico.org/v3", "GlobalNetworkPolicy", "{name: p}", """\
        ingress:
        - action: Allow
          protocol: TCP
          destination: {ports: [1:2, 80:90, 8080]}
        """)).calico.policies
    assert [(p.lo, p.hi) for p in policy.ingress[0].destination.ports] == [(1, 2), (80, 90), (8080, 8080)]


def test_a_name_prefixed_with_another_tier_is_read_with_a_warning():
    """Calico 3.32 dropped the `tier.name` rule (projectcalico/calico#11232); older versions refuse it."""
    cluster = load(doc("projectcalico.org/v3", "Tier", "{name: security}", "order: 1\n")
                   + doc("projectcalico.org/v3", "GlobalNetworkPolicy", "{name: platform.p}", "tier: security\n")
                   + doc("projectcalico.org/v3", "GlobalNetworkPolicy", "{name: security.q}", "tier: security\n"))
    assert [p.name for p in cluster.calico.policies] == ["platform.p", "security.q"]
    [warning] = [w for w in cluster.warnings if "before 3.32" in w]
    assert "platform.p" in warning and "calico.yaml:" in warning
