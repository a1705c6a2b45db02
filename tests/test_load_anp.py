"""Valid AdminNetworkPolicy, BaselineAdminNetworkPolicy (v1alpha1), ClusterNetworkPolicy (v1alpha2) and Node
objects → the records of model/anp.py, every policy, rule, peer and port at its file:line."""

from __future__ import annotations

import ipaddress
import textwrap
from pathlib import Path

from netverify.load.manifests import load_cluster, load_cluster_from_texts
from netverify.model.labels import EVERYTHING, LabelSelector, Requirement
from netverify.model.ports import Protocol
from netverify.model.span import Span

CONFORMANCE = Path(__file__).resolve().parents[1] / ".." / "shared" / "conformance"

ANP = """\
apiVersion: policy.networking.k8s.io/v1alpha1
kind: AdminNetworkPolicy
metadata:
  name: deny-db
spec:
  priority: 10
  subject:
    namespaces:
      matchLabels: {team: db}
  ingress:
  - name: deny-frontend
    action: Deny
    from:
    - pods:
        namespaceSelector: {}
        podSelector: {matchLabels: {app: frontend}}
    ports:
    - portNumber: {port: 5432}
    - portRange: {start: 1000, end: 2000, protocol: UDP}
    - namedPort: db
  - action: Pass
    from: [{namespaces: {matchLabels: {team: ops}}}]
  egress:
  - action: Allow
    to:
    - networks: [10.0.0.0/8, "fd00::/8"]
    - nodes: {matchLabels: {zone: a}}
    - domainNames: ["*.example.com"]
"""

BANP = """\
apiVersion: policy.networking.k8s.io/v1alpha1
kind: BaselineAdminNetworkPolicy
metadata: {name: default}
spec:
  subject: {pods: {namespaceSelector: {}, podSelector: {matchLabels: {app: db}}}}
  ingress:
  - action: Deny
    from: [{namespaces: {}}]
"""

CNP = """\
apiVersion: policy.networking.k8s.io/v1alpha2
kind: ClusterNetworkPolicy
metadata: {name: web}
spec:
  tier: Baseline
  priority: 5
  subject: {pods: {podSelector: {matchLabels: {app: web}}}}
  egress:
  - name: dns
    action: Accept
    to: [{pods: {podSelector: {}}}]
    protocols:
    - tcp: {destinationPort: {number: 443}}
    - udp: {destinationPort: {range: {start: 53, end: 54}}}
    - sctp: {destinationPort: {number: 9}}
    - destinationNamedPort: http
"""


def load(*texts: str, lenient: bool = False):
    from netverify.load.limits import LoadLimits

    return load_cluster_from_texts([("m.yaml", "---\n".join(textwrap.dedent(t) for t in texts))],
                                   limits=LoadLimits(lenient=lenient))


def labels(**kv: str) -> LabelSelector:
    return LabelSelector(tuple(Requirement(k, "In", frozenset({v})) for k, v in kv.items()))


def test_an_admin_network_policy_becomes_one_record_with_every_rule_peer_and_port_at_its_line():
    [p] = load(ANP).admin_policies
    assert (p.kind, p.name, p.tier, p.priority, p.span) == ("AdminNetworkPolicy", "deny-db", "admin", 10,
                                                           Span("m.yaml", 1))
    assert (p.subject.namespace_selector, p.subject.pod_selector) == (labels(team="db"), EVERYTHING)
    deny, passing = p.ingress
    assert (deny.name, deny.action, deny.index, deny.span.line) == ("deny-frontend", "deny", 0, 11)
    [peer] = deny.peers
    assert peer.pods is not None and peer.pods.pod_selector == labels(app="frontend") and peer.span.line == 14
    assert [(str(x), x.span.line) for x in deny.ports or ()] == [
        ("TCP/5432", 18), ("UDP/1000-2000", 19), ("named port db", 20)]
    assert passing.action == "pass" and passing.ports is None
    assert passing.peers[0].pods is not None and passing.peers[0].pods.namespace_selector == labels(team="ops")
    [allow] = p.egress
    networks, nodes, domains = allow.peers
    assert [str(b) for b in networks.networks] == ["10.0.0.0/8", "fd00::/8"]
    assert nodes.nodes == labels(zone="a") and nodes.pods is None
    assert domains.domain_names == ("*.example.com",)


def test_the_baseline_policy_is_tier_baseline_priority_0_and_a_cluster_network_policy_keeps_its_tier():
    banp, cnp = load(BANP, CNP).admin_policies
    assert (banp.tier, banp.priority, banp.ingress[0].action) == ("baseline", 0, "deny")
    assert banp.subject.pod_selector == labels(app="db")
    assert (cnp.kind, cnp.api_version, cnp.tier, cnp.priority) == (
        "ClusterNetworkPolicy", "policy.networking.k8s.io/v1alpha2", "baseline", 5)
    [rule] = cnp.egress
    assert rule.action == "allow"  # Accept
    assert [(x.protocol, x.port, x.end_port) for x in rule.ports or ()] == [
        (Protocol.TCP, 443, None), (Protocol.UDP, 53, 54), (Protocol.SCTP, 9, None), (None, "http", None)]
    # v1alpha2: a `pods` peer without namespaceSelector means every namespace.
    assert rule.peers[0].pods is not None and rule.peers[0].pods.namespace_selector == EVERYTHING


NODE_AND_HOST_POD = """\
apiVersion: v1
kind: Node
metadata: {name: n1, labels: {zone: a}}
status:
  addresses: [{type: InternalIP, address: 10.1.1.1}, {type: Hostname, address: n1},
              {type: ExternalIP, address: "2001:db8::1"}]
---
apiVersion: v1
kind: Pod
metadata: {name: agent, namespace: sys}
spec: {hostNetwork: true, nodeName: n1, containers: [{name: c}]}
---
apiVersion: v1
kind: Pod
metadata: {name: agent2, namespace: sys, labels: {a: b}}
spec: {hostNetwork: true, nodeName: n1, containers: [{name: c}]}
status: {podIP: 10.1.1.7}
"""


def test_nodes_are_read_with_their_ip_addresses_and_host_network_pods_take_their_nodes():
    cluster = load(NODE_AND_HOST_POD)
    [node] = cluster.nodes
    assert (node.name, dict(node.labels), node.span.line) == ("n1", {"zone": "a"}, 1)
    # Hostname is not an address; a host-network pod's podIP is one of its node's addresses.
    assert node.addresses == tuple(map(ipaddress.ip_address, ("10.1.1.1", "2001:db8::1", "10.1.1.7")))
    agent, agent2 = cluster.workloads
    assert (agent.node_name, agent.ips) == ("n1", node.addresses)
    assert agent2.ips == (ipaddress.ip_address("10.1.1.7"),)
    assert "Node" not in str(cluster.skipped_kinds)


def test_admin_policies_are_modelled_records_not_objects_of_a_kind_not_modelled():
    cluster = load(ANP, BANP, CNP)
    assert len(cluster.admin_policies) == 3 and cluster.unmodelled == ()


def test_a_cluster_network_policy_without_api_version_may_be_antreas_so_it_stays_unmodelled():
    cluster = load(CNP.replace("apiVersion: policy.networking.k8s.io/v1alpha2\n", ""))
    assert cluster.admin_policies == () and [(u.group, u.kind) for u in cluster.unmodelled] == [
        ("crd.antrea.io", "ClusterNetworkPolicy")]


def test_the_upstream_conformance_inputs_load():
    suite = CONFORMANCE / "network-policy-api" / "anp-v1alpha1"
    base = load_cluster([str(suite / "base" / "pods-and-nodes.yaml")])
    assert {n.name for n in base.nodes} == {"conformance-node-1", "conformance-node-2"}
    centaurs = [w for w in base.workloads if w.host_network]
    assert {(w.node_name, str(w.ips[0])) for w in centaurs} == {
        ("conformance-node-1", "172.18.0.2"), ("conformance-node-2", "172.18.0.3")}
    for step in sorted((suite / "tests").glob("*/step-*.yaml")):
        assert load_cluster([str(step)]).admin_policies, step


def test_every_field_the_admin_schema_reads_is_a_field_of_its_crd_type_and_every_reference_resolves():
    # A field read under a name the CRD does not have would be refused by the strict check before it is read.
    from netverify.load import anp_schema as s
    from netverify.load.known_fields import FIELDS

    types = {
        s.AnpModel: ["AdminNetworkPolicy"], s.BanpModel: ["BaselineAdminNetworkPolicy"],
        s.CnpModel: ["ClusterNetworkPolicy"], s.NodeModel: ["V1Node"],
        s.AnpSpecModel: ["AdminNetworkPolicySpec"], s.BanpSpecModel: ["BaselineAdminNetworkPolicySpec"],
        s.CnpSpecModel: ["ClusterNetworkPolicySpec"], s.SubjectSpec: ["AdminNetworkPolicySubject"],
        s.NamespacedPodSpec: ["NamespacedPod"], s.AdminPeerSpec: ["AdminNetworkPolicyEgressPeer"],
        s.AnpRuleSpec: ["AdminNetworkPolicyIngressRule", "AdminNetworkPolicyEgressRule"],
        s.CnpRuleSpec: ["ClusterNetworkPolicyIngressRule", "ClusterNetworkPolicyEgressRule"],
        s.AnpPortSpec: ["AdminNetworkPolicyPort"], s.PortNumberSpec: ["Port"], s.PortRangeSpec: ["PortRange"],
        s.CnpProtocolSpec: ["ClusterNetworkPolicyProtocol"], s.CnpProtocolPortsSpec: ["ClusterNetworkPolicyProtocolPorts"],
        s.CnpPortSpec: ["ClusterNetworkPolicyPort"], s.CnpPortRangeSpec: ["ClusterNetworkPolicyPortRange"],
        s.NodeStatusSpec: ["V1NodeStatus"], s.NodeAddressSpec: ["V1NodeAddress"],
    }
    for model, names in types.items():
        for name, info in model.model_fields.items():
            assert any((info.alias or name) in FIELDS[t] for t in names), (model.__name__, name)
    for fields in FIELDS.values():
        for holds in fields.values():
            assert holds == "" or holds.removeprefix("[]") in FIELDS
