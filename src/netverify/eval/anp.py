"""AdminNetworkPolicy tiers as layers: `admin` (ANP, ClusterNetworkPolicy tier Admin) and `baseline` (BANP,
ClusterNetworkPolicy tier Baseline). Sources: https://network-policy-api.sigs.k8s.io/reference/spec/,
kubernetes-sigs/network-policy-api apis/v1alpha1/adminnetworkpolicy_types.go, shared_types.go,
apis/v1alpha2/clusternetworkpolicy_types.go.

For one side, the tier's policies whose subject selects the pod and that have rules in the side's direction
are consulted by priority, lower first. Inside a policy the first matching rule decides (allow, deny or
pass); a policy with no matching rule says nothing. One entry per priority: policies of equal priority that
match with different actions leave the choice to the implementation, and the entry lists every outcome
(`alternatives`). A policy with no rules in a direction says nothing there. Host-network pods are never
subjects, and `pods`/`namespaces` peers never match them.

A match is three-valued here: True, False, or None when netverify cannot tell (a `domainNames` peer: what a
name resolves to is not in the input; a `nodes` peer about an address when no Node is known; a `networks`
peer about a pod whose address is not known). A rule that may match fires `unknown`.
"""

from __future__ import annotations

from itertools import groupby

from netverify.eval.layer import Side, is_host_network
from netverify.model.anp import AdminPeer, AdminPolicy, AdminPort, AdminRule, Node, PodSet, Tier
from netverify.model.cluster import Cluster, Workload
from netverify.model.decision import LayerDecision
from netverify.model.flow import Endpoint, ExternalEndpoint, PodEndpoint
from netverify.model.labels import LabelSelector
from netverify.model.ports import Protocol
from netverify.model.verdict import RuleRef

Match = bool | None  # None: cannot tell


def in_pod_set(pods: PodSet, ep: Endpoint) -> bool:
    """A pod-network pod the PodSet's namespace and pod selectors match (host-network pods never are)."""
    return (isinstance(ep, PodEndpoint) and not is_host_network(ep)
            and pods.namespace_selector.matches(ep.namespace_labels) and pods.pod_selector.matches(ep.labels))


def node_candidates(cluster: Cluster, workload: Workload) -> tuple[Node, ...]:
    """The Nodes a host-network pod may run on: its spec.nodeName's, else any Node of the input."""
    if workload.node_name is None:
        return cluster.nodes
    return tuple(n for n in cluster.nodes if n.name == workload.node_name)


def host_nodes_match(cluster: Cluster, selector: LabelSelector, workload: Workload) -> Match:
    """Whether a `nodes` peer matches a host-network pod of `workload`: its Node is selected (None: it may
    run on Nodes the selector tells apart, or on a Node the input does not hold)."""
    answers = {selector.matches(n.labels) for n in node_candidates(cluster, workload)}
    if not answers:
        return True if selector.is_everything else None
    return answers.pop() if len(answers) == 1 else None


def nodes_match(cluster: Cluster, selector: LabelSelector, ep: Endpoint) -> Match:
    """A `nodes` peer: the addresses of the selected Nodes, which host-network pods on them share."""
    if isinstance(ep, ExternalEndpoint):
        if any(ep.ip in n.addresses for n in cluster.nodes if selector.matches(n.labels)):
            return True
        # With Nodes in the input they are all the nodes there are; without, any address may be a node's.
        return False if cluster.nodes else None
    if not is_host_network(ep):
        return False  # a pod-network pod's address is no node's
    assert isinstance(ep, PodEndpoint) and ep.workload is not None
    return host_nodes_match(cluster, selector, ep.workload)


def networks_match(peer: AdminPeer, ep: Endpoint) -> Match:
    """`networks` CIDRs match every address, pod addresses included (the API says so)."""
    if ep.ip is None:
        return None
    return any(b.contains(ep.ip) for b in peer.networks)


def peer_match(cluster: Cluster, peer: AdminPeer, ep: Endpoint) -> Match:
    if peer.pods is not None:
        return in_pod_set(peer.pods, ep)
    if peer.nodes is not None:
        return nodes_match(cluster, peer.nodes, ep)
    if peer.networks:
        return networks_match(peer, ep)
    if peer.domain_names:
        return None  # a name may resolve to any address; DNS is not in the input
    return False  # the loader refuses an empty peer; matching nothing is the API's fail-closed rule for Allow


def port_match(entry: AdminPort, protocol: Protocol, port: int, dst: Endpoint) -> bool:
    if isinstance(entry.port, str):
        # A named port is the destination pod's container port of that name, with the connection's protocol.
        return isinstance(dst, PodEndpoint) and any(
            cp.name == entry.port and cp.protocol == protocol and cp.port == port for cp in dst.ports)
    if entry.protocol != protocol:
        return False
    high = entry.end_port if entry.end_port is not None else entry.port
    return entry.port <= port <= high


def _any(matches) -> Match:
    out: Match = False
    for m in matches:
        if m is True:
            return True
        if m is None:
            out = None
    return out


def rule_match(cluster: Cluster, rule: AdminRule, side: Side) -> Match:
    if rule.ports is not None and not any(port_match(e, side.protocol, side.port, side.dst) for e in rule.ports):
        return False
    return _any(peer_match(cluster, p, side.other) for p in rule.peers)


def rule_ref(policy: AdminPolicy, rule: AdminRule) -> RuleRef:
    return RuleRef(policy.key, rule.direction, rule.index, rule.span, kind=policy.kind, rule_name=rule.name,
                   action=rule.action)


def unknown_field(rule: AdminRule, side: Side, cluster: Cluster) -> str:
    """Which peer field leaves the rule's match open."""
    for p in rule.peers:
        if p.domain_names:
            return "domainNames"
        if p.nodes is not None and peer_match(cluster, p, side.other) is None:
            return "nodes"
        if p.networks and peer_match(cluster, p, side.other) is None:
            return "networks"
    return "peers"


def policy_decision(cluster: Cluster, policy: AdminPolicy, side: Side, layer: str) -> LayerDecision:
    """The first matching rule's action; nomatch when none matches; unknown from a rule that may match."""
    for rule in policy.rules(side.direction):
        m = rule_match(cluster, rule, side)
        if m is False:
            continue
        ref = rule_ref(policy, rule)
        if m is None:
            why = {"domainNames": "which addresses the domain names resolve to is not in the input",
                   "nodes": "which Node the address or host-network pod belongs to is not in the input",
                   "networks": "the pod's address is not known"}
            field = unknown_field(rule, side, cluster)
            return LayerDecision(layer, "unknown", (ref,), reason=(
                f"{ref.policy} {rule.direction}[{rule.index}] uses {field}: {why.get(field, 'not modelled')} "
                f"({rule.span})"), priority=policy.priority)
        return LayerDecision(layer, rule.action, (ref,), priority=policy.priority)
    return LayerDecision(layer, "nomatch", priority=policy.priority)


def subjects(cluster: Cluster, tier: Tier, side: Side) -> list[AdminPolicy]:
    """The tier's policies that apply to the side's pod, by priority then name."""
    pod = side.pod
    if not isinstance(pod, PodEndpoint) or is_host_network(pod):
        return []
    found = [p for p in cluster.admin_policies
             if p.tier == tier and p.rules(side.direction) and in_pod_set(p.subject, pod)]
    return sorted(found, key=lambda p: (p.priority, p.key))


def decide(cluster: Cluster, tier: Tier, side: Side) -> tuple[LayerDecision, ...]:
    """One entry per priority whose policies apply to the pod (what each said), in order; every one is
    returned (the fold stops where the chain stops)."""
    layer = tier
    out = []
    for priority, group in groupby(subjects(cluster, tier, side), key=lambda p: p.priority):
        members = [policy_decision(cluster, p, side, layer) for p in group]
        matched = [d for d in members if d.action != "nomatch"]
        if not matched:
            out.append(LayerDecision(layer, "nomatch", priority=priority))
        elif len({d.action for d in matched}) == 1:
            first = matched[0]
            by = tuple(r for d in matched for r in d.by)
            out.append(LayerDecision(layer, first.action, by, first.reason, priority=priority))
        else:
            first = matched[0]
            out.append(LayerDecision(layer, first.action, first.by, first.reason, tuple(matched), priority))
        if "nomatch" not in out[-1].actions:
            # Pass skips the rest of the tier ("all further rules in the current tier"); allow/deny/unknown
            # stop the chain anyway: no later priority of this tier is reached in any resolution.
            break
    return tuple(out)
