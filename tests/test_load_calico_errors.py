"""Calico objects Calico's API server refuses are InputErrors naming file, line and field (exit 2), never a
traceback. Each case cites the check it mirrors: libcalico-go/lib/validator/v3/validator.go (V), the CEL
rules on api/pkg/apis/projectcalico/v3 types (CEL), api/pkg/lib/numorstring (N), or the CRD schema (S).
"""

from __future__ import annotations

import textwrap

import pytest
from typer.testing import CliRunner

from netverify.cli import app
from netverify.errors import InputError
from netverify.load.limits import LoadLimits
from netverify.load.manifests import load_cluster_from_texts

runner = CliRunner()


def gnp(spec: str, name: str = "p", kind: str = "GlobalNetworkPolicy", version: str = "projectcalico.org/v3",
        meta: str = "") -> str:
    return (f"apiVersion: {version}\nkind: {kind}\nmetadata:\n  name: {name}\n{meta}spec:\n"
            + textwrap.indent(textwrap.dedent(spec), "  "))


def rule(text: str, direction: str = "ingress") -> str:
    return gnp(f"{direction}:\n" + textwrap.indent(textwrap.dedent(text), "  "))


def error_of(text: str, **kw) -> InputError:
    with pytest.raises(InputError) as caught:
        load_cluster_from_texts([("bad.yaml", text)], **kw)
    err = caught.value
    assert err.file == "bad.yaml" and err.line and str(err).startswith(f"bad.yaml:{err.line}: error: ")
    return err


CASES = {
    # (yaml, field, words in the message)
    "unread version": (gnp("{}\n", version="projectcalico.org/v2"), "apiVersion", ["reads projectcalico.org/v3"]),
    "unknown spec field, did you mean (S)": (gnp("selecter: all()\n"), "spec.selecter", ["did you mean 'selector'"]),
    "namespaceSelector on a NetworkPolicy (S)": (
        gnp("namespaceSelector: all()\n", kind="NetworkPolicy", meta="  namespace: shop\n"),
        "spec.namespaceSelector", ["unknown field"]),
    "unknown rule field (S)": (rule("- action: Allow\n  sources: {}\n"), "spec.ingress[0].sources",
                               ["did you mean 'source'"]),
    "NetworkPolicy name with two dots (V)": (gnp("{}\n", name="a.b.c", kind="NetworkPolicy",
                                                 meta="  namespace: shop\n"), "metadata.name", ["at most one '.'"]),
    "uppercase name (V)": (gnp("{}\n", name="allowAll"), "metadata.name", ["not a valid GlobalNetworkPolicy name"]),
    "tier name with a dot (V)": (gnp("tier: a.b\n"), "spec.tier", ["not a valid tier name"]),
    "tier that does not exist": (gnp("tier: security\n"), "spec.tier", ["tier 'security' does not exist"]),
    "tier default action (V)": ("apiVersion: projectcalico.org/v3\nkind: Tier\nmetadata: {name: t}\n"
                                "spec: {defaultAction: Allow}\n", "spec.defaultAction", ["Deny or Pass"]),
    "built-in tier order (CEL)": ("apiVersion: projectcalico.org/v3\nkind: Tier\nmetadata: {name: default}\n"
                                  "spec: {order: 5}\n", "spec", ["1e+06", "Deny"]),
    "tier name too long (V)": ("apiVersion: projectcalico.org/v3\nkind: Tier\nmetadata: {name: " + "t" * 64 + "}\n"
                               "spec: {}\n", "metadata.name", ["at most 63"]),
    "action (S), did you mean": (rule("- action: allow\n"), "spec.ingress[0].action", ["did you mean 'Allow'"]),
    "protocol name, did you mean (V)": (rule("- action: Allow\n  protocol: tcp\n"), "spec.ingress[0].protocol",
                                        ["did you mean 'TCP'"]),
    "protocol 0 (V)": (rule("- action: Allow\n  protocol: 0\n"), "spec.ingress[0].protocol", ["1 to 255"]),
    "protocol 256 (N)": (rule("- action: Allow\n  notProtocol: 256\n"), "spec.ingress[0].notProtocol", ["1 to 255"]),
    "numeric port without protocol (V)": (rule("- action: Allow\n  destination: {ports: [80]}\n"),
                                          "spec.ingress[0].destination.ports[0]", ["must set protocol"]),
    "ports with ICMP (V)": (rule("- action: Allow\n  protocol: ICMP\n  source: {ports: [http]}\n"),
                            "spec.ingress[0].source.ports", ["TCP, UDP or SCTP"]),
    "port 0 (V)": (rule("- action: Allow\n  protocol: TCP\n  destination: {ports: [0]}\n"),
                   "spec.ingress[0].destination.ports[0]", ["1 to 65535"]),
    "port 65536 (N)": (rule("- action: Allow\n  protocol: TCP\n  destination: {ports: ['65536']}\n"),
                       "spec.ingress[0].destination.ports[0]", ["1 to 65535"]),
    "reversed range (N)": (rule("- action: Allow\n  protocol: TCP\n  destination: {notPorts: ['90:80']}\n"),
                           "spec.ingress[0].destination.notPorts[0]", ["not be greater"]),
    "bad port name (N)": (rule("- action: Allow\n  destination: {ports: ['a b']}\n"),
                          "spec.ingress[0].destination.ports[0]", ["port name"]),
    "ipVersion (S)": (rule("- action: Allow\n  ipVersion: 5\n"), "spec.ingress[0].ipVersion", ["4 or 6"]),
    "ICMP with ipVersion 6 (CEL)": (rule("- action: Allow\n  protocol: ICMP\n  ipVersion: 6\n"),
                                    "spec.ingress[0].protocol", ["requires ipVersion 4"]),
    "icmp without ICMP protocol (CEL)": (rule("- action: Allow\n  protocol: TCP\n  icmp: {type: 8}\n"),
                                         "spec.ingress[0].icmp", ["ICMP or ICMPv6"]),
    "icmp code without type (CEL)": (rule("- action: Allow\n  protocol: ICMP\n  icmp: {code: 1}\n"),
                                     "spec.ingress[0].icmp.code", ["needs an ICMP type"]),
    "icmp type 255 (S)": (rule("- action: Allow\n  protocol: ICMP\n  notICMP: {type: 255}\n"),
                          "spec.ingress[0].notICMP.type", ["0 to 254"]),
    "bare address in nets (V)": (rule("- action: Allow\n  source: {nets: [10.0.0.1]}\n"),
                                 "spec.ingress[0].source.nets[0]", ["not a CIDR", "10.0.0.1/32"]),
    "bare IPv6 address in notNets (V)": (rule("- action: Allow\n  destination: {notNets: ['2001:db8::1']}\n"),
                                         "spec.ingress[0].destination.notNets[0]", ["not a CIDR", "2001:db8::1/128"]),
    "bare word in nets (V)": (rule("- action: Allow\n  source: {nets: [anywhere]}\n"),
                              "spec.ingress[0].source.nets[0]", ["'anywhere' is not a CIDR"]),
    "host bits in nets (V)": (rule("- action: Allow\n  source: {nets: [10.0.0.1/8]}\n"),
                              "spec.ingress[0].source.nets[0]", ["host bits", "10.0.0.0/8"]),
    "IPv4 and IPv6 in one rule (V)": (
        rule("- action: Allow\n  source: {nets: [10.0.0.0/8]}\n  destination: {notNets: ['::/1']}\n"),
        "spec.ingress[0].destination.notNets[0]", ["both IPv4 and IPv6"]),
    "nets against ipVersion (V)": (rule("- action: Allow\n  ipVersion: 6\n  source: {nets: [10.0.0.0/8]}\n"),
                                   "spec.ingress[0].source.nets[0]", ["ipVersion is 6"]),
    "catch-all notNets (V)": (rule("- action: Allow\n  source: {notNets: [0.0.0.0/0]}\n"),
                              "spec.ingress[0].source.notNets[0]", ["matches no traffic"]),
    "policy selector syntax, located": (gnp("selector: app = 'x'\n"), "spec.selector",
                                        ["column 5", "did you mean '=='"]),
    "rule selector misspelt function": (rule("- action: Allow\n  source: {selector: hass(app)}\n"),
                                        "spec.ingress[0].source.selector", ["did you mean 'has()'"]),
    "global() in a policy selector (CEL)": (gnp("selector: global()\n"), "spec.selector", ["global()"]),
    "global() in a rule selector (CEL)": (rule("- action: Allow\n  source: {selector: global()}\n"),
                                          "spec.ingress[0].source.selector", ["namespaceSelector"]),
    "global() with more in a namespaceSelector (V)": (
        rule("- action: Allow\n  source: {namespaceSelector: 'global() || all()'}\n"),
        "spec.ingress[0].source.namespaceSelector", ["cannot be combined"]),
    "services in an egress source (V)": (
        rule("- action: Allow\n  source: {services: {name: db, namespace: shop}}\n", "egress"),
        "spec.egress[0].source.services", ["not allowed in the source"]),
    "services without a name (CEL)": (rule("- action: Allow\n  source: {services: {namespace: shop}}\n"),
                                      "spec.ingress[0].source.services.name", ["must name a Service"]),
    "services with a selector (CEL)": (
        rule("- action: Allow\n  source: {selector: all(), services: {name: db, namespace: shop}}\n"),
        "spec.ingress[0].source.services", ["cannot be combined with selector"]),
    "services with destination ports (CEL)": (
        rule("- action: Allow\n  protocol: TCP\n  destination: {ports: [80], services: {name: db, namespace: s}}\n",
             "egress"), "spec.egress[0].destination.services", ["ports and notPorts"]),
    "global services without namespace (V)": (rule("- action: Allow\n  source: {services: {name: db}}\n"),
                                              "spec.ingress[0].source.services.namespace", ["namespace"]),
    "http on a Deny rule (CEL)": (rule("- action: Deny\n  http: {methods: [GET]}\n"), "spec.ingress[0].http",
                                  ["only allowed on Allow"]),
    "http in egress (V)": (rule("- action: Allow\n  http: {methods: [GET]}\n", "egress"), "spec.egress[0].http",
                           ["egress"]),
    "http with UDP (CEL)": (rule("- action: Allow\n  protocol: UDP\n  http: {methods: [GET]}\n"),
                            "spec.ingress[0].protocol", ["TCP"]),
    "http path (V)": (rule("- action: Allow\n  http: {paths: [{exact: api}]}\n"), "spec.ingress[0].http.paths[0]",
                      ["start with '/'"]),
    "http methods twice (V)": (rule("- action: Allow\n  http: {methods: [GET, GET]}\n"),
                               "spec.ingress[0].http.methods", ["more than once"]),
    "types value (S)": (gnp("types: [ingress]\n"), "spec.types[0]", ["did you mean 'Ingress'"]),
    "types twice (V)": (gnp("types: [Egress, Egress]\n"), "spec.types[1]", ["more than once"]),
    "preDNAT and doNotTrack (CEL)": (gnp("preDNAT: true\ndoNotTrack: true\napplyOnForward: true\n"),
                                     "spec.preDNAT", ["cannot both"]),
    "preDNAT with egress (CEL)": (gnp("preDNAT: true\napplyOnForward: true\negress: [{action: Allow}]\n"),
                                  "spec.preDNAT", ["egress"]),
    "doNotTrack without applyOnForward (CEL)": (gnp("doNotTrack: true\n"), "spec.applyOnForward",
                                                ["must be true"]),
    "order not a number": (gnp("order: .nan\n"), "spec.order", ["not a number"]),
    "order a string (S)": (gnp("order: '10'\n"), "spec.order", ["expected"]),
    "staged action (S)": (gnp("stagedAction: Remove\n", kind="StagedGlobalNetworkPolicy"), "spec.stagedAction",
                          ["Set, Delete"]),
    "staged Delete with fields (V)": (gnp("stagedAction: Delete\norder: 1\n", kind="StagedGlobalNetworkPolicy"),
                                      "spec", ["Delete"]),
    "performance hint (V)": (gnp("performanceHints: [Fast]\n"), "spec.performanceHints[0]",
                             ["AssumeNeededOnEveryNode"]),
    "staged Kubernetes policy body": (
        gnp("podSelector: {matchLabels: {app: x}}\ningress: [{from: [{ipBlock: {cidr: nonsense}}]}]\n",
            kind="StagedKubernetesNetworkPolicy", meta="  namespace: shop\n"),
        "spec.ingress[0].from[0].ipBlock.cidr", ["CIDR"]),
    "network set namespace label (V)": (
        "apiVersion: projectcalico.org/v3\nkind: GlobalNetworkSet\nmetadata:\n  name: s\n  labels:\n"
        "    projectcalico.org/namespace: x\nspec: {nets: [1.2.3.4/32]}\n",
        "metadata.labels.projectcalico.org/namespace", ["not a valid label"]),
    "network set net (V)": ("apiVersion: projectcalico.org/v3\nkind: NetworkSet\nmetadata: {name: s, namespace: a}\n"
                            "spec:\n  nets: [300.0.0.1]\n", "spec.nets[0]", ["neither a CIDR nor an IP"]),
    "host endpoint without interface or IPs (V)": (
        "apiVersion: projectcalico.org/v3\nkind: HostEndpoint\nmetadata: {name: h}\nspec: {node: n1}\n",
        "spec", ["interfaceName or expectedIPs"]),
    "host endpoint IP (V)": ("apiVersion: projectcalico.org/v3\nkind: HostEndpoint\nmetadata: {name: h}\n"
                             "spec:\n  expectedIPs: [10.0.0.300]\n", "spec.expectedIPs[0]", ["not an IP address"]),
    "host endpoint port (V)": ("apiVersion: projectcalico.org/v3\nkind: HostEndpoint\nmetadata: {name: h}\n"
                               "spec:\n  interfaceName: eth0\n  ports: [{name: ssh, protocol: TCP, port: 0}]\n",
                               "spec.ports[0].port", ["1 to 65535"]),
    "profile labels (V)": ("apiVersion: projectcalico.org/v3\nkind: Profile\nmetadata: {name: p}\n"
                           "spec:\n  labelsToApply: {'bad key!': x}\n", "spec.labelsToApply.bad key!",
                           ["not a valid label key"]),
    "missing name": ("apiVersion: projectcalico.org/v3\nkind: Tier\nmetadata: {}\nspec: {}\n", "metadata.name",
                     ["needs metadata.name"]),
    "the same policy at both versions": (
        gnp("{}\n", name="x") + "---\n" + gnp("{}\n", name="default.x", version="crd.projectcalico.org/v1"),
        "metadata.name", ["duplicate GlobalNetworkPolicy.projectcalico.org x"]),
    "service account name": ("apiVersion: v1\nkind: ServiceAccount\nmetadata: {name: Bad_Name}\n", "metadata.name",
                             ["not a valid ServiceAccount name"]),
    "service account unknown field": ("apiVersion: v1\nkind: ServiceAccount\nmetadata: {name: a}\nsecret: []\n",
                                      "secret", ["did you mean 'secrets'"]),
}


@pytest.mark.parametrize("case", list(CASES))
def test_each_refused_calico_input_is_a_located_error(case):
    text, field, words = CASES[case]
    err = error_of(text)
    assert err.field == field, err.render()
    for word in words:
        assert word in err.message, err.render()


def test_with_lenient_a_bad_name_is_a_warning_and_the_object_is_read():
    cluster = load_cluster_from_texts([("p.yaml", gnp("{}\n", name="allowAll"))], limits=LoadLimits(lenient=True))
    assert [p.name for p in cluster.calico.policies] == ["allowAll"]
    assert any("allowAll" in w and "--lenient" in w for w in cluster.warnings)


def test_a_bad_calico_file_exits_2_on_the_command_line_without_a_traceback(tmp_path):
    (tmp_path / "bad.yaml").write_text(rule("- action: allow\n"), encoding="utf-8")
    result = runner.invoke(app, ["map", "-f", str(tmp_path / "bad.yaml")])
    assert result.exit_code == 2
    assert "bad.yaml:7: error: spec.ingress[0].action" in result.output and "Traceback" not in result.output
