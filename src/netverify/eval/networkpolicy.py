"""NetworkPolicy (networking.k8s.io/v1) as a layer: isolation, and the union of the selecting policies' rules.

allow: some selecting policy's rule admits the connection; deny: the pod is isolated and no rule admits it;
nomatch: no policy selects the pod for the direction (the next layer decides).

Host-network pods. https://kubernetes.io/docs/concepts/services-networking/network-policies/#networkpolicy-and-hostnetwork-pods
leaves NetworkPolicy's effect on them undefined between two behaviours: the plugin applies policies to them
like to any pod, or it cannot tell their traffic from the node's and ignores them (selectors never match
them, their traffic is the node IP's, which ipBlocks may match). When the two behaviours give this layer
different answers, the layer says unknown rather than pick one.
"""

from __future__ import annotations

from dataclasses import replace

from netverify.eval.concrete import isolating_policies, port_matches, peer_matches
from netverify.eval.layer import Side, is_host_network
from netverify.model.cluster import Cluster
from netverify.model.decision import LayerDecision
from netverify.model.flow import ExternalEndpoint, PodEndpoint
from netverify.model.policy import Rule
from netverify.model.verdict import RuleRef

LAYER = "networkpolicy"


def view(cluster: Cluster, side: Side, *, ipblock_matches_pods: bool, as_node: bool = False
         ) -> tuple[bool, tuple[RuleRef, ...], tuple[RuleRef, ...]]:
    """(isolated, isolated_by, allowed_by). as_node: host-network pods are treated as node traffic."""
    pod = side.pod
    if isinstance(pod, ExternalEndpoint) or (as_node and is_host_network(pod)):
        return False, (), ()
    policies = isolating_policies(cluster, side.direction, pod)
    if not policies:
        return False, (), ()
    other = side.other
    if as_node and is_host_network(other):
        # The node's traffic: no selector names it; an ipBlock sees the node address it comes from.
        other = ExternalEndpoint(other.ip) if other.ip is not None else None
    isolated_by = tuple(RuleRef(p.key, side.direction, None, p.span) for p in policies)
    allowed_by = tuple(
        RuleRef(p.key, side.direction, r.index, r.span)
        for p in policies for r in p.rules(side.direction)
        if _admits(r, p.namespace, other, side, ipblock_matches_pods)
    )
    return True, isolated_by, allowed_by


def _admits(rule: Rule, namespace: str, other, side: Side, ipblock_matches_pods: bool) -> bool:
    if other is None:
        # A host-network peer with no known address: only a rule without peers (everything) admits it.
        peer_ok = not rule.peers
    else:
        peer_ok = not rule.peers or any(
            peer_matches(p, namespace, other, ipblock_matches_pods=ipblock_matches_pods) for p in rule.peers)
    return peer_ok and (not rule.ports or any(port_matches(e, side.protocol, side.port, side.dst)
                                              for e in rule.ports))


def _decision(isolated: bool, isolated_by, allowed_by) -> LayerDecision:
    if not isolated:
        return LayerDecision(LAYER, "nomatch")
    if allowed_by:
        return LayerDecision(LAYER, "allow", allowed_by)
    return LayerDecision(LAYER, "deny", isolated_by)


def decide(cluster: Cluster, side: Side, *, ipblock_matches_pods: bool
           ) -> tuple[LayerDecision, tuple[bool, tuple[RuleRef, ...], tuple[RuleRef, ...]]]:
    """The layer's decision and the NetworkPolicy view reports show (the policies-apply-to-it behaviour)."""
    seen = view(cluster, side, ipblock_matches_pods=ipblock_matches_pods)
    decision = _decision(*seen)
    host = [ep for ep in (side.pod, side.other) if is_host_network(ep)]
    if not host:
        return decision, seen
    as_node = _decision(*view(cluster, side, ipblock_matches_pods=ipblock_matches_pods, as_node=True))
    if as_node.action == decision.action:
        return decision, seen
    names = ", ".join(dict.fromkeys(ep.workload.ref for ep in host if isinstance(ep, PodEndpoint)))
    reason = (f"NetworkPolicy's effect on host-network pods ({names}) is undefined: applied like to any pod it "
              f"says {decision.action}, ignored (node traffic) it says {as_node.action}")
    return replace(decision, action="unknown", reason=reason, by=decision.by or as_node.by), seen
