"""Admin policies (ANP/BANP v1alpha1, CNP v1alpha2) and Nodes the API server refuses: each is exit 2 naming the
file, the line and the field, and saying what is wrong (asserted by meaning, in netverify's own words).

The rules come from the CRDs and types of kubernetes-sigs/network-policy-api (v1alpha1 at 40eeb18096dd, v1alpha2
at HEAD): OpenAPI bounds (priority, list lengths, port numbers, enums, MinProperties/MaxProperties) and the CEL
rules (BANP named `default`, named ports not with networks/nodes/domainNames peers, start < end, isCIDR).
"""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from netverify.cli import app
from netverify.errors import InputError
from netverify.load.limits import LoadLimits
from netverify.load.manifests import load_cluster_from_texts
from netverify.model.labels import EVERYTHING

runner = CliRunner()
LENIENT = LoadLimits(lenient=True)

V1 = "policy.networking.k8s.io/v1alpha1"
V2 = "policy.networking.k8s.io/v1alpha2"


def anp(spec: str, *, name: str = "p", kind: str = "AdminNetworkPolicy", version: str = V1) -> str:
    return f"apiVersion: {version}\nkind: {kind}\nmetadata:\n  name: {name}\nspec:\n{spec}"


SUBJECT = "  subject: {namespaces: {}}\n"
A = "  priority: 1\n" + SUBJECT  # an ANP's spec up to its rules


def banp(rules: str, name: str = "default") -> str:
    return anp(SUBJECT + rules, name=name, kind="BaselineAdminNetworkPolicy")


def cnp(rules: str, *, tier: str = "Admin", priority: int = 1, subject: str = SUBJECT) -> str:
    return anp(f"  tier: {tier}\n  priority: {priority}\n" + subject + rules, kind="ClusterNetworkPolicy", version=V2)


def many(n: int, item: str) -> str:
    return "[" + ", ".join([item] * n) + "]"


def distinct(n: int, fmt: str) -> str:
    return "[" + ", ".join(fmt.format(i) for i in range(n)) + "]"


INGRESS_ALLOW = "  ingress:\n  - action: Allow\n    from: [{namespaces: {}}]\n"
NODE = "apiVersion: v1\nkind: Node\nmetadata: {name: n1}\nstatus:\n  addresses:\n"

# name: (manifest, the text on the line the error must name, field, what the message must say)
CASES: dict[str, tuple[str, str, str, str]] = {
    # priority: 0..1000 (v1alpha1 ANP and v1alpha2 CNP alike)
    "anp-priority-high": (anp("  priority: 1001\n" + SUBJECT), "priority", "spec.priority", "out of range"),
    "anp-priority-negative": (anp("  priority: -1\n" + SUBJECT), "priority", "spec.priority", "0 to 1000"),
    "cnp-priority-high": (cnp("", priority=1001), "priority", "spec.priority", "0 to 1000"),
    "anp-priority-missing": (anp(SUBJECT), "spec:", "spec.priority", "missing"),
    "anp-priority-string": (anp("  priority: \"1\"\n" + SUBJECT), "priority", "spec.priority", "integer"),
    "anp-no-spec": (f"apiVersion: {V1}\nkind: AdminNetworkPolicy\nmetadata: {{name: p}}\n", "apiVersion", "spec",
                    "missing"),
    # rules per direction: v1alpha1 100, v1alpha2 25
    "anp-101-ingress-rules": (anp(A + "  ingress: " + many(101, "{action: Allow, from: [{namespaces: {}}]}") + "\n"),
                              "ingress", "spec.ingress", "at most 100"),
    "banp-101-egress-rules": (banp("  egress: " + many(101, "{action: Deny, to: [{namespaces: {}}]}") + "\n"),
                              "egress", "spec.egress", "at most 100"),
    "cnp-26-egress-rules": (cnp("  egress: " + many(26, "{action: Deny, to: [{namespaces: {}}]}") + "\n"),
                            "egress", "spec.egress", "at most 25"),
    # peers per rule: 1..100 (v1alpha1), 1..25 (v1alpha2)
    "anp-101-peers": (anp(A + "  ingress:\n  - action: Allow\n    from: " + many(101, "{namespaces: {}}") + "\n"),
                      "from:", "spec.ingress[0].from", "at most 100"),
    "anp-no-peers": (anp(A + "  ingress:\n  - action: Allow\n    from: []\n"), "from:", "spec.ingress[0].from",
                     "at least 1"),
    "anp-peers-missing": (anp(A + "  ingress:\n  - action: Allow\n"), "- action", "spec.ingress[0].from",
                          "needs 'from'"),
    "cnp-26-peers": (cnp("  egress:\n  - action: Deny\n    to: " + many(26, "{namespaces: {}}") + "\n"), "to:",
                     "spec.egress[0].to", "at most 25"),
    # ports per rule: 1..100 (v1alpha1 ports), 1..25 (v1alpha2 protocols)
    "anp-no-ports": (anp(A + INGRESS_ALLOW + "    ports: []\n"), "ports", "spec.ingress[0].ports", "at least 1"),
    "anp-101-ports": (anp(A + INGRESS_ALLOW + "    ports: " + many(101, "{portNumber: {port: 80}}") + "\n"),
                      "ports", "spec.ingress[0].ports", "at most 100"),
    "cnp-26-protocols": (cnp("  ingress:\n  - action: Deny\n    from: [{namespaces: {}}]\n    protocols: "
                             + many(26, "{tcp: {destinationPort: {number: 80}}}") + "\n"),
                         "protocols", "spec.ingress[0].protocols", "at most 25"),
    # the BANP singleton
    "banp-name": (banp("", name="baseline"), "name: baseline", "metadata.name", "must be named 'default'"),
    # actions
    "banp-pass": (banp("  ingress:\n  - action: Pass\n    from: [{namespaces: {}}]\n"), "action",
                  "spec.ingress[0].action", "not an action of BaselineAdminNetworkPolicy"),
    "anp-accept": (anp(A + "  ingress:\n  - action: Accept\n    from: [{namespaces: {}}]\n"), "action",
                   "spec.ingress[0].action", "calls it 'Allow'"),
    "cnp-allow": (cnp("  ingress:\n  - action: Allow\n    from: [{namespaces: {}}]\n"), "action",
                  "spec.ingress[0].action", "calls it 'Accept'"),
    "anp-action-case": (anp(A + "  ingress:\n  - action: deny\n    from: [{namespaces: {}}]\n"), "action",
                        "spec.ingress[0].action", "did you mean 'Deny'"),
    "anp-action-missing": (anp(A + "  ingress:\n  - from: [{namespaces: {}}]\n"), "- from", "spec.ingress[0].action",
                           "missing"),
    # tier
    "cnp-tier-case": (cnp("", tier="admin"), "tier", "spec.tier", "did you mean 'Admin'"),
    "cnp-tier-unknown": (cnp("", tier="Developer"), "tier", "spec.tier", "Admin or Baseline"),
    "cnp-tier-missing": (anp("  priority: 1\n" + SUBJECT, kind="ClusterNetworkPolicy", version=V2), "spec:",
                         "spec.tier", "missing"),
    # exactly one field: subject, peer, port, protocol, destinationPort
    "subject-two": (anp("  priority: 1\n  subject: {namespaces: {}, pods: {namespaceSelector: {}, podSelector: {}}}\n"),
                    "subject", "spec.subject", "exactly one of namespaces, pods; it sets namespaces and pods"),
    "subject-none": (anp("  priority: 1\n  subject: {}\n"), "subject", "spec.subject", "it sets none"),
    "peer-two": (anp(A + "  egress:\n  - action: Deny\n    to: [{namespaces: {}, networks: [10.0.0.0/8]}]\n"), "to:",
                 "spec.egress[0].to[0]", "sets namespaces and networks"),
    "peer-none": (anp(A + "  ingress:\n  - action: Deny\n    from: [{}]\n"), "from:", "spec.ingress[0].from[0]",
                  "sets none"),
    "port-two": (anp(A + INGRESS_ALLOW + "    ports: [{portNumber: {port: 80}, namedPort: http}]\n"), "ports",
                 "spec.ingress[0].ports[0]", "sets portNumber and namedPort"),
    "port-none": (anp(A + INGRESS_ALLOW + "    ports: [{}]\n"), "ports", "spec.ingress[0].ports[0]", "sets none"),
    "cnp-protocol-two": (cnp("  ingress:\n  - action: Deny\n    from: [{namespaces: {}}]\n    protocols:\n"
                             "    - {tcp: {destinationPort: {number: 1}}, udp: {destinationPort: {number: 1}}}\n"),
                         "- {tcp", "spec.ingress[0].protocols[0]", "sets tcp and udp"),
    "cnp-tcp-without-port": (cnp("  ingress:\n  - action: Deny\n    from: [{namespaces: {}}]\n    protocols:\n"
                                 "    - tcp: {}\n"), "- tcp", "spec.ingress[0].protocols[0].tcp",
                             "needs a destinationPort"),
    "cnp-port-number-and-range": (cnp("  ingress:\n  - action: Deny\n    from: [{namespaces: {}}]\n    protocols:\n"
                                      "    - tcp: {destinationPort: {number: 1, range: {start: 1, end: 2}}}\n"),
                                  "- tcp", "spec.ingress[0].protocols[0].tcp.destinationPort",
                                  "sets number and range"),
    # port numbers and ranges
    "anp-port-zero": (anp(A + INGRESS_ALLOW + "    ports: [{portNumber: {port: 0}}]\n"), "ports",
                      "spec.ingress[0].ports[0].portNumber.port", "out of range"),
    "anp-port-65536": (anp(A + INGRESS_ALLOW + "    ports: [{portRange: {start: 1, end: 65536}}]\n"), "ports",
                       "spec.ingress[0].ports[0].portRange.end", "out of range"),
    "anp-range-equal": (anp(A + INGRESS_ALLOW + "    ports: [{portRange: {start: 80, end: 80}}]\n"), "ports",
                        "spec.ingress[0].ports[0].portRange.end", "less than its end"),
    "cnp-range-reversed": (cnp("  ingress:\n  - action: Deny\n    from: [{namespaces: {}}]\n    protocols:\n"
                               "    - udp: {destinationPort: {range: {start: 90, end: 80}}}\n"), "- udp",
                           "spec.ingress[0].protocols[0].udp.destinationPort.range.end", "less than its end"),
    "cnp-number-zero": (cnp("  ingress:\n  - action: Deny\n    from: [{namespaces: {}}]\n    protocols:\n"
                            "    - sctp: {destinationPort: {number: 0}}\n"), "- sctp",
                        "spec.ingress[0].protocols[0].sctp.destinationPort.number", "out of range"),
    # protocols (v1alpha1 names them)
    "anp-protocol-unknown": (anp(A + INGRESS_ALLOW + "    ports: [{portNumber: {port: 80, protocol: ICMP}}]\n"),
                             "ports", "spec.ingress[0].ports[0].portNumber.protocol", "TCP, UDP or SCTP"),
    "anp-protocol-case": (anp(A + INGRESS_ALLOW + "    ports: [{portRange: {start: 1, end: 2, protocol: udp}}]\n"),
                          "ports", "spec.ingress[0].ports[0].portRange.protocol", "did you mean 'UDP'"),
    # networks: isCIDR, at most 43 characters, 1..25 distinct
    "networks-not-cidr": (anp(A + "  egress:\n  - action: Deny\n    to:\n    - networks: [10.0.0.0/33]\n"),
                          "networks", "spec.egress[0].to[0].networks[0]", "not a valid CIDR"),
    "networks-no-prefix": (anp(A + "  egress:\n  - action: Deny\n    to:\n    - networks: [10.0.0.1]\n"), "networks",
                           "spec.egress[0].to[0].networks[0]", "not a CIDR"),
    "networks-26": (anp(A + "  egress:\n  - action: Deny\n    to:\n    - networks: "
                        + distinct(26, "10.0.{}.0/24") + "\n"), "networks", "spec.egress[0].to[0].networks",
                    "at most 25"),
    "networks-empty": (anp(A + "  egress:\n  - action: Deny\n    to:\n    - networks: []\n"), "networks",
                       "spec.egress[0].to[0].networks", "at least 1"),
    "networks-repeated": (cnp("  egress:\n  - action: Deny\n    to:\n    - networks: [10.0.0.0/8, 10.0.0.0/8]\n"),
                          "networks", "spec.egress[0].to[0].networks[1]", "repeated"),
    "networks-too-long": (anp(A + "  egress:\n  - action: Deny\n    to:\n"
                              "    - networks: ['0000:0000:0000:0000:0000:ffff:255.255.255.255/128']\n"), "networks",
                          "spec.egress[0].to[0].networks[0]", "at most 43 characters"),
    "networks-ipv4-mapped": (anp(A + "  egress:\n  - action: Deny\n    to:\n    - networks: ['::ffff:10.0.0.0/104']\n"),
                             "networks", "spec.egress[0].to[0].networks[0]", "IPv4-mapped"),
    # the CEL rule: no named port beside networks/nodes/domainNames peers
    "anp-named-port-with-networks": (anp(A + "  egress:\n  - action: Allow\n    to:\n    - pods: {namespaceSelector: {}, "
                                         "podSelector: {}}\n    - networks: [10.0.0.0/8]\n    ports:\n"
                                         "    - portNumber: {port: 80}\n    - namedPort: dns\n"), "namedPort",
                                     "spec.egress[0].ports[1]", "networks peer (to[1])"),
    "banp-named-port-with-nodes": (banp("  egress:\n  - action: Allow\n    to: [{nodes: {}}]\n    ports:\n"
                                        "    - namedPort: dns\n"), "namedPort", "spec.egress[0].ports[0]",
                                   "nodes peer"),
    "cnp-named-port-with-domains": (cnp("  egress:\n  - action: Accept\n    to: [{domainNames: [example.com]}]\n"
                                        "    protocols:\n    - destinationNamedPort: web\n"), "destinationNamedPort",
                                    "spec.egress[0].protocols[0]", "domainNames peer"),
    # domainNames: pattern, 1..25, only with Allow/Accept
    "domains-with-deny": (cnp("  egress:\n  - action: Deny\n    to: [{domainNames: [example.com]}]\n"), "to:",
                          "spec.egress[0].to[0].domainNames", "only supported in Allow"),
    "domains-one-label": (anp(A + "  egress:\n  - action: Allow\n    to:\n    - domainNames: [localhost]\n"),
                          "domainNames", "spec.egress[0].to[0].domainNames[0]", "not a domain name"),
    "domains-partial-wildcard": (cnp("  egress:\n  - action: Accept\n    to:\n    - domainNames: ['*foo.example.com']\n"),
                                 "domainNames", "spec.egress[0].to[0].domainNames[0]", "no partial wildcards"),
    "domains-26": (cnp("  egress:\n  - action: Accept\n    to:\n    - domainNames: " + distinct(26, "h{}.example.com")
                       + "\n"), "domainNames", "spec.egress[0].to[0].domainNames", "at most 25"),
    # rule names
    "rule-name-long": (anp(A + "  ingress:\n  - name: " + "n" * 101 + "\n    action: Allow\n    from: [{namespaces: {}}]\n"),
                       "- name", "spec.ingress[0].name", "at most 100 characters"),
    # unknown fields (strict, like every kind netverify reads)
    "anp-unknown-field": (anp("  pritority: 1\n  priority: 1\n" + SUBJECT), "pritority", "spec.pritority",
                          "did you mean 'priority'"),
    "ingress-nodes-peer": (anp(A + "  ingress:\n  - action: Allow\n    from: [{nodes: {}}]\n"), "from:",
                           "spec.ingress[0].from[0].nodes", "unknown field 'nodes'"),
    "banp-domain-names": (banp("  egress:\n  - action: Allow\n    to: [{domainNames: [example.com]}]\n"), "to:",
                          "spec.egress[0].to[0].domainNames", "unknown field 'domainNames'"),
    "cnp-v1alpha1-ports": (cnp("  ingress:\n  - action: Deny\n    from: [{namespaces: {}}]\n    ports: []\n"), "ports",
                           "spec.ingress[0].ports", "unknown field 'ports'"),
    "node-address-typo": (NODE.replace("addresses", "adresses") + "  - {type: InternalIP, address: 10.0.0.1}\n",
                          "adresses", "status.adresses", "did you mean 'addresses'"),
    # required selectors of `pods` (v1alpha1: both; v1alpha2: podSelector)
    "anp-pods-without-pod-selector": (anp(A + "  ingress:\n  - action: Allow\n    from:\n    - pods: {namespaceSelector: {}}\n"),
                                      "- pods", "spec.ingress[0].from[0].pods", "podSelector is required"),
    "anp-pods-without-namespace-selector": (anp("  priority: 1\n  subject:\n    pods: {podSelector: {}}\n"), "pods:",
                                            "spec.subject.pods", "namespaceSelector is required"),
    "cnp-pods-without-pod-selector": (cnp("", subject="  subject:\n    pods: {namespaceSelector: {}}\n"), "pods:",
                                      "spec.subject.pods", "podSelector is required"),
    # versions of the group netverify does not read
    "anp-v1beta1": (anp(A, version="policy.networking.k8s.io/v1beta1"), "apiVersion", "apiVersion",
                    "not a version netverify reads (it reads policy.networking.k8s.io/v1alpha1)"),
    "cnp-v1alpha1": (cnp("").replace(V2, V1), "apiVersion", "apiVersion", "it reads policy.networking.k8s.io/v1alpha2"),
    # nodes
    "node-address-not-ip": (NODE + "  - {type: InternalIP, address: node-1.local}\n", "node-1.local",
                            "status.addresses[0].address", "not an IP address"),
    "node-address-type": (NODE + "  - {type: PublicIP, address: 1.2.3.4}\n", "PublicIP", "status.addresses[0].type",
                          "not a node address type"),
    # names: cluster-scoped objects are unique by kind and name
    # (two that differ: an identical one is the same object, read once with a note, docs/semantics.md rule 81)
    "anp-duplicate": (anp(A) + "---\n" + anp("  priority: 2\n" + SUBJECT), "name: p", "metadata.name",
                      "duplicate AdminNetworkPolicy p"),
}
# The duplicate is reported at the second object's name: the marker's second occurrence.
_OCCURRENCE = {"anp-duplicate": 2}
# Rules --lenient relaxes: a missing required selector is read as empty (DEVIATIONS.md of netpol-analyzer's data).
LENIENT_SELECTORS = {"anp-pods-without-pod-selector", "anp-pods-without-namespace-selector",
                     "cnp-pods-without-pod-selector"}
UNKNOWN_FIELDS = {"anp-unknown-field", "ingress-nodes-peer", "banp-domain-names", "cnp-v1alpha1-ports",
                  "node-address-typo"}


def expected_line(case: str) -> int:
    text, marker, _, _ = CASES[case]
    hits = [i + 1 for i, line in enumerate(text.splitlines()) if marker in line]
    return hits[_OCCURRENCE.get(case, 1) - 1]


def error_of(text: str, **kw) -> InputError:
    with pytest.raises(InputError) as caught:
        load_cluster_from_texts([("m.yaml", text)], **kw)
    return caught.value


@pytest.mark.parametrize("case", sorted(CASES))
def test_each_refused_object_names_file_line_and_field(case):
    text, _, field, says = CASES[case]
    err = error_of(text)
    assert (err.file, err.line, err.field) == ("m.yaml", expected_line(case), field), str(err)
    assert says in err.message, err.message


@pytest.mark.parametrize("case", sorted(CASES))
def test_each_refused_object_is_exit_2_through_the_cli(tmp_path, case):
    text, _, field, says = CASES[case]
    path = tmp_path / "m.yaml"
    path.write_text(text)
    result = runner.invoke(app, ["map", "-f", str(path)])
    assert result.exit_code == 2, result.output
    assert f"{path}:{expected_line(case)}: error: {field}: " in result.stderr and says in result.stderr
    assert "Traceback" not in result.output


@pytest.mark.parametrize("case", sorted(set(CASES) - LENIENT_SELECTORS - UNKNOWN_FIELDS))
def test_lenient_excuses_no_other_rule(case):
    text, _, field, says = CASES[case]
    err = error_of(text, limits=LENIENT)
    assert (err.line, err.field) == (expected_line(case), field) and says in err.message


@pytest.mark.parametrize("case", sorted(LENIENT_SELECTORS))
def test_lenient_reads_a_missing_required_selector_as_empty_with_a_warning(case):
    text, _, field, _ = CASES[case]
    cluster = load_cluster_from_texts([("m.yaml", text)], limits=LENIENT)
    [policy] = cluster.admin_policies
    pods = policy.subject if field == "spec.subject.pods" else policy.ingress[0].peers[0].pods
    assert pods is not None and EVERYTHING in (pods.pod_selector, pods.namespace_selector)
    assert any(w.startswith(f"m.yaml:{expected_line(case)}: {field}: ") and "read as empty" in w
               for w in cluster.warnings), cluster.warnings


@pytest.mark.parametrize("case", sorted(UNKNOWN_FIELDS - {"cnp-v1alpha1-ports"}))
def test_lenient_reads_an_unknown_field_with_a_warning(case):
    text, _, field, _ = CASES[case]
    cluster = load_cluster_from_texts([("m.yaml", text)], limits=LENIENT)
    assert any(f"{field}: unknown field" in w for w in cluster.warnings), cluster.warnings


def test_a_cidr_with_host_bits_is_read_as_its_network_with_a_warning():
    # isCIDR admits an address with a prefix; the network it names is what a data plane matches.
    text = anp(A + "  egress:\n  - action: Deny\n    to:\n    - networks: [10.1.2.3/8]\n")
    cluster = load_cluster_from_texts([("m.yaml", text)])
    [peer] = cluster.admin_policies[0].egress[0].peers
    assert [str(b) for b in peer.networks] == ["10.0.0.0/8"]
    assert any("spec.egress[0].to[0].networks[0]" in w and "host bits" in w for w in cluster.warnings)


def test_an_admin_policy_in_a_namespace_is_read_as_cluster_scoped_with_a_warning():
    text = anp(A).replace("  name: p\n", "  name: p\n  namespace: shop\n")
    cluster = load_cluster_from_texts([("m.yaml", text)])
    assert cluster.admin_policies[0].name == "p" and "shop" not in cluster.namespaces
    assert any("metadata.namespace" in w and "cluster-scoped" in w for w in cluster.warnings)
