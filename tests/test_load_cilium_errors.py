"""Cilium objects the API server (the CRDs) or Cilium's rule sanitizer refuses: each is exit 2 naming the file,
the line and the field, and saying what is wrong (asserted by meaning, in netverify's own words).

The rules: cilium/cilium pkg/k8s/apis/cilium.io/v2 (cnp_types.go, ccnp_types.go, cidrgroups_types.go: CEL
`spec or specs`, no nodeSelector in a CNP), pkg/policy/api (l4.go, icmp.go, entity.go, cidr.go enums, bounds and
patterns; rule_validation.go: one kind of L3 peer per rule, icmps not with toPorts, L7 restrictions, excepts
inside their CIDR, host policies without L7).
"""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from netverify.cli import app
from netverify.errors import InputError
from netverify.load.limits import LoadLimits
from netverify.load.manifests import load_cluster_from_texts

runner = CliRunner()
LENIENT = LoadLimits(lenient=True)


def cnp(body: str, *, kind: str = "CiliumNetworkPolicy", version: str = "cilium.io/v2", name: str = "p") -> str:
    namespace = "  namespace: shop\n" if kind == "CiliumNetworkPolicy" else ""
    return f"apiVersion: {version}\nkind: {kind}\nmetadata:\n  name: {name}\n{namespace}{body}"


SEL = "spec:\n  endpointSelector: {}\n"


def egress(rule: str) -> str:
    return cnp(SEL + "  egress:\n  - " + rule + "\n")


def ingress(rule: str) -> str:
    return cnp(SEL + "  ingress:\n  - " + rule + "\n")


def port(p: str) -> str:
    return egress("toPorts: [{ports: [" + p + "]}]")


def many(n: int, item: str) -> str:
    return "[" + ", ".join([item] * n) + "]"


GROUP = "apiVersion: cilium.io/v2\nkind: CiliumCIDRGroup\nmetadata: {name: g}\nspec:\n"

# name: (manifest, the text on the line the error must name, field, what the message must say)
CASES: dict[str, tuple[str, str, str, str]] = {
    # unknown fields (strict field validation)
    "unknown-field": (cnp(SEL + "  ingres: []\n"), "ingres", "spec.ingres", "did you mean 'ingress'"),
    "l7-in-a-deny-rule": (cnp(SEL + "  egressDeny:\n  - toPorts: [{ports: [{port: '80'}], rules: {http: [{}]}}]\n"),
                          "rules", "spec.egressDeny[0].toPorts[0].rules", "unknown field"),
    "fqdn-in-a-deny-rule": (cnp(SEL + "  egressDeny:\n  - toFQDNs: [{matchName: a.com}]\n"), "toFQDNs",
                            "spec.egressDeny[0].toFQDNs", "unknown field"),
    # the object and its rules
    "no-spec": (cnp(""), "apiVersion", "", "needs spec or specs"),
    "no-subject": (cnp("spec:\n  ingress: [{}]\n"), "spec:", "spec", "needs endpointSelector"),
    "two-subjects": (cnp("spec:\n  endpointSelector: {}\n  nodeSelector: {}\n", kind="CiliumClusterwideNetworkPolicy"),
                     "nodeSelector", "spec.nodeSelector", "both endpointSelector and nodeSelector"),
    "cnp-node-selector": (cnp("spec:\n  nodeSelector: {}\n"), "nodeSelector", "spec.nodeSelector",
                          "cannot have nodeSelector"),
    "specs-item-no-subject": (cnp("specs:\n- endpointSelector: {}\n- ingress: [{}]\n"), "- ingress", "specs[1]",
                              "needs endpointSelector"),
    "default-deny-not-bool": (cnp(SEL + "  enableDefaultDeny: {ingress: 'no'}\n"), "enableDefaultDeny",
                              "spec.enableDefaultDeny.ingress", "true or false"),
    "v3": (cnp(SEL, version="cilium.io/v3"), "apiVersion", "apiVersion", "it reads cilium.io/v2"),
    # two different objects of one name (an identical one is read once, with a note: docs/semantics.md)
    "duplicate": (cnp(SEL) + "---\n" + cnp("spec:\n  endpointSelector: {matchLabels: {app: x}}\n"), "name: p",
                  "metadata.name", "duplicate CiliumNetworkPolicy shop/p"),
    # peers
    "two-l3-peers": (ingress("{fromEndpoints: [{}], fromCIDR: [10.0.0.0/8]}"), "fromEndpoints",
                     "spec.ingress[0].fromEndpoints", "fromCIDR and fromEndpoints in one rule"),
    "icmps-with-ports": (egress("{icmps: [{fields: [{type: 8}]}], toPorts: [{}]}"), "icmps", "spec.egress[0].icmps",
                         "cannot be combined with toPorts"),
    "services-with-ports": (egress("{toServices: [{k8sService: {serviceName: a}}], toPorts: [{}]}"), "toServices",
                            "spec.egress[0].toPorts", "toServices with toPorts"),
    "unknown-entity": (egress("toEntities: [wrold]"), "wrold", "spec.egress[0].toEntities[0]",
                       "did you mean 'world'"),
    "bad-label-key": (egress("toEndpoints: [{matchLabels: {'bad key': a}}]"), "bad key",
                      "spec.egress[0].toEndpoints[0].matchLabels.bad key", "not a valid label key"),
    "empty-label-source": (egress("toEndpoints: [{matchLabels: {':app': a}}]"), ":app",
                           "spec.egress[0].toEndpoints[0].matchLabels.:app", "label source"),
    "in-without-values": (egress("toEndpoints: [{matchExpressions: [{key: a, operator: In}]}]"), "matchExpressions",
                          "spec.egress[0].toEndpoints[0].matchExpressions[0].values", "needs at least one value"),
    # CIDRs
    "cidr-not-cidr": (egress("toCIDR: [10.0.0.300/8]"), "toCIDR", "spec.egress[0].toCIDR[0]", "not a valid CIDR"),
    "cidr-bare-address": (egress("toCIDR: [10.0.0.1]"), "toCIDR", "spec.egress[0].toCIDR[0]", "10.0.0.1/32"),
    "except-outside": (egress("toCIDRSet: [{cidr: 10.0.0.0/8, except: [11.0.0.0/16]}]"), "toCIDRSet",
                       "spec.egress[0].toCIDRSet[0].except[0]", "not inside cidr 10.0.0.0/8"),
    "except-other-family": (egress("toCIDRSet: [{cidr: 10.0.0.0/8, except: ['fd00::/64']}]"), "toCIDRSet",
                            "spec.egress[0].toCIDRSet[0].except[0]", "not inside cidr"),
    "cidr-set-two-of": (egress("toCIDRSet: [{cidr: 10.0.0.0/8, cidrGroupRef: g}]"), "toCIDRSet",
                        "spec.egress[0].toCIDRSet[0]", "exactly one of cidr, cidrGroupRef, cidrGroupSelector"),
    "cidr-set-none-of": (egress("toCIDRSet: [{except: [10.0.0.0/16]}]"), "toCIDRSet", "spec.egress[0].toCIDRSet[0]",
                         "it sets none"),
    "group-ref-name": (egress("toCIDRSet: [{cidrGroupRef: Bad_Name}]"), "toCIDRSet",
                       "spec.egress[0].toCIDRSet[0].cidrGroupRef", "not a CiliumCIDRGroup name"),
    "group-no-cidrs": (GROUP + "  {}\n", "spec", "spec.externalCIDRs", "needs spec.externalCIDRs"),
    "group-bad-cidr": (GROUP + "  externalCIDRs: [1.2.3.4/33]\n", "externalCIDRs", "spec.externalCIDRs[0]",
                       "not a valid CIDR"),
    # ports
    "port-missing": (port("{protocol: TCP}"), "toPorts", "spec.egress[0].toPorts[0].ports[0].port", "must be given"),
    "port-unquoted": (port("{port: 80}"), "toPorts", "spec.egress[0].toPorts[0].ports[0].port", "quote it"),
    "port-too-high": (port("{port: '65536'}"), "toPorts", "spec.egress[0].toPorts[0].ports[0].port",
                      "out of range"),
    "port-octal": (port("{port: '010'}"), "toPorts", "spec.egress[0].toPorts[0].ports[0].port", "octal (port 8)"),
    "port-garbage": (port("{port: '80/tcp'}"), "toPorts", "spec.egress[0].toPorts[0].ports[0].port",
                     "neither a port number nor a port name"),
    "end-port-named": (port("{port: http, endPort: 90}"), "toPorts", "spec.egress[0].toPorts[0].ports[0].endPort",
                       "needs a numeric port"),
    "end-port-below": (port("{port: '90', endPort: 80}"), "toPorts", "spec.egress[0].toPorts[0].ports[0].endPort",
                       "below port 90"),
    "end-port-with-zero": (port("{port: '0', endPort: 80}"), "toPorts",
                           "spec.egress[0].toPorts[0].ports[0].endPort", "port 0"),
    "end-port-too-high": (port("{port: '1', endPort: 70000}"), "toPorts",
                          "spec.egress[0].toPorts[0].ports[0].endPort", "out of range"),
    "protocol-case": (port("{port: '80', protocol: tcp}"), "toPorts",
                      "spec.egress[0].toPorts[0].ports[0].protocol", "did you mean 'TCP'"),
    "protocol-icmp": (port("{port: '8', protocol: ICMP}"), "toPorts",
                      "spec.egress[0].toPorts[0].ports[0].protocol", "icmps"),
    "41-ports": (egress("toPorts: [{ports: " + many(41, "{port: '80'}") + "}]"), "toPorts",
                 "spec.egress[0].toPorts[0].ports", "at most 40"),
    # L7
    "two-l7-kinds": (egress("toPorts: [{ports: [{port: '80', protocol: TCP}], rules: {http: [{}], kafka: [{}]}}]"),
                     "toPorts", "spec.egress[0].toPorts[0].rules", "http and kafka"),
    "dns-on-ingress": (ingress("toPorts: [{ports: [{port: '53', protocol: UDP}], rules: {dns: [{matchName: a}]}}]"),
                       "toPorts", "spec.ingress[0].toPorts[0].rules.dns", "not allowed on ingress"),
    "http-on-udp": (egress("toPorts: [{ports: [{port: '80', protocol: UDP}], rules: {http: [{}]}}]"), "toPorts",
                    "spec.egress[0].toPorts[0].ports[0].protocol", "only apply to TCP"),
    "l7-port-zero": (egress("toPorts: [{ports: [{port: '0', protocol: TCP}], rules: {http: [{}]}}]"), "toPorts",
                     "spec.egress[0].toPorts[0].rules", "port is 0"),
    "l7-without-proto": (egress("toPorts: [{ports: [{port: '80', protocol: TCP}], rules: {l7: [{a: b}]}}]"),
                         "toPorts", "spec.egress[0].toPorts[0].rules.l7", "l7proto"),
    "dns-without-ports": (egress("toPorts: [{rules: {dns: [{matchName: a}]}}]"), "toPorts",
                          "spec.egress[0].toPorts[0].ports", "need their port"),
    "listener-on-ingress": (ingress("toPorts: [{listener: {name: l, envoyConfig: {name: e}}}]"), "toPorts",
                            "spec.ingress[0].toPorts[0].listener", "not allowed on ingress"),
    "host-policy-l7": (cnp("spec:\n  nodeSelector: {}\n  egress:\n  - toPorts: [{ports: [{port: '80', protocol: TCP}], "
                           "rules: {http: [{}]}}]\n", kind="CiliumClusterwideNetworkPolicy"), "nodeSelector",
                       "spec.nodeSelector", "do not support L7 rules"),
    # ICMP
    "icmp-family": (egress("icmps: [{fields: [{family: ipv4, type: 8}]}]"), "icmps",
                    "spec.egress[0].icmps[0].fields[0].family", "did you mean 'IPv4'"),
    "icmp-type-name": (egress("icmps: [{fields: [{type: EchoRequst}]}]"), "icmps",
                       "spec.egress[0].icmps[0].fields[0].type", "not an IPv4 ICMP type name"),
    "icmp-type-of-other-family": (egress("icmps: [{fields: [{type: PacketTooBig}]}]"), "icmps",
                                  "spec.egress[0].icmps[0].fields[0].type", "IPv6 type: set family"),
    "icmp-type-range": (egress("icmps: [{fields: [{type: 256}]}]"), "icmps",
                        "spec.egress[0].icmps[0].fields[0].type", "out of range"),
    "icmp-type-missing": (egress("icmps: [{fields: [{family: IPv4}]}]"), "icmps",
                          "spec.egress[0].icmps[0].fields[0].type", "needs its type"),
    "41-icmp-fields": (egress("icmps: [{fields: " + many(41, "{type: 8}") + "}]"), "icmps",
                       "spec.egress[0].icmps[0].fields", "at most 40"),
}
_OCCURRENCE = {"duplicate": 2}
UNKNOWN_FIELDS = {"unknown-field", "l7-in-a-deny-rule", "fqdn-in-a-deny-rule"}


def expected_line(case: str) -> int:
    text, marker, _, _ = CASES[case]
    hits = [i + 1 for i, line in enumerate(text.splitlines()) if marker in line]
    return hits[_OCCURRENCE.get(case, 1) - 1]


def error_of(text: str, **kw) -> InputError:
    with pytest.raises(InputError) as caught:
        load_cluster_from_texts([("m.yaml", text)], **kw)
    return caught.value


@pytest.mark.parametrize("case", sorted(CASES))
def test_each_refused_cilium_object_names_file_line_and_field(case):
    text, _, field, says = CASES[case]
    err = error_of(text)
    assert (err.file, err.line, err.field or "") == ("m.yaml", expected_line(case), field), str(err)
    assert says in err.message, err.message


@pytest.mark.parametrize("case", ["unknown-field", "two-l3-peers", "port-unquoted", "icmp-type-name", "v3"])
def test_a_refused_cilium_object_is_exit_2_through_the_cli(tmp_path, case):
    text, _, field, says = CASES[case]
    path = tmp_path / "m.yaml"
    path.write_text(text)
    result = runner.invoke(app, ["map", "-f", str(path)])
    assert result.exit_code == 2, result.output
    assert f"{path}:{expected_line(case)}: error: {field}: " in result.stderr and says in result.stderr
    assert "Traceback" not in result.output


@pytest.mark.parametrize("case", sorted(set(CASES) - UNKNOWN_FIELDS))
def test_lenient_excuses_no_cilium_rule(case):
    text, _, field, says = CASES[case]
    err = error_of(text, limits=LENIENT)
    assert (err.line, err.field or "") == (expected_line(case), field) and says in err.message


def test_lenient_reads_an_unknown_cilium_field_with_a_warning():
    cluster = load_cluster_from_texts([("m.yaml", CASES["unknown-field"][0])], limits=LENIENT)
    assert any("spec.ingres: unknown field" in w for w in cluster.warnings), cluster.warnings


def test_a_cidr_with_host_bits_is_read_as_its_network_with_a_warning():
    cluster = load_cluster_from_texts([("m.yaml", egress("toCIDR: [10.1.2.3/8]"))])
    [peer] = cluster.cilium.policies[0].egress[0].cidrs
    assert [str(b) for b in peer.blocks] == ["10.0.0.0/8"]
    assert any("spec.egress[0].toCIDR[0]" in w and "host bits" in w for w in cluster.warnings)


def test_a_ccnp_in_a_namespace_is_read_as_cluster_scoped_with_a_warning():
    text = cnp(SEL, kind="CiliumClusterwideNetworkPolicy").replace("  name: p\n", "  name: p\n  namespace: shop\n")
    cluster = load_cluster_from_texts([("m.yaml", text)])
    assert cluster.cilium.policies[0].namespace is None and "shop" not in cluster.namespaces
    assert any("metadata.namespace" in w and "cluster-scoped" in w for w in cluster.warnings)


def test_a_cnp_subject_naming_another_namespace_is_warned_about():
    text = cnp("spec:\n  endpointSelector: {matchLabels: {'k8s:io.kubernetes.pod.namespace': web}}\n")
    cluster = load_cluster_from_texts([("m.yaml", text)])
    [policy] = cluster.cilium.policies
    assert str(policy.endpoint_selector) == "io.kubernetes.pod.namespace=shop"
    assert any("own namespace (shop)" in w for w in cluster.warnings), cluster.warnings


@pytest.mark.parametrize("name", ["Prod", "a_b", "-a", "x" * 33, ""])
def test_a_cilium_cluster_name_cilium_refuses_is_exit_2(tmp_path, name):
    path = tmp_path / "m.yaml"
    path.write_text(egress("toEntities: [world]"))
    result = runner.invoke(app, ["map", "-f", str(path), "--cilium-cluster", name])
    assert result.exit_code == 2 and "--cilium-cluster" in result.stderr and "Traceback" not in result.output
