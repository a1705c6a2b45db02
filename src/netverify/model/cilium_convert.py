"""Kubernetes NetworkPolicies as Cilium enforces them: each one a Cilium rule, in one union with CNPs and CCNPs.

Cilium's agent converts every networking.k8s.io/v1 NetworkPolicy into a rule of its own policy repository
(cilium/cilium pkg/k8s/network_policy.go, ParseNetworkPolicy), and from then on its selectors are read over
the pod's identity labels like any CNP's. The conversion, field by field:
- podSelector → endpointSelector, plus `io.kubernetes.pod.namespace = <policy namespace>`;
- a peer's podSelector alone → an endpoint selector with the policy's namespace added; a namespaceSelector
  → its keys under `io.cilium.k8s.namespace.labels.` (an empty one → `io.kubernetes.pod.namespace` Exists:
  every pod of every namespace), together with the peer's podSelector;
- ipBlock → a CIDR set with its excepts (CIDR rules never match pods: model/cilium.py);
- a rule without peers matches every source/destination (the wildcard selector): here the `all` entity;
- ports → toPorts (no port: every port of the protocol; endPort kept);
- policyTypes Ingress/Egress without rules → one empty rule: it matches nothing, but gives the direction
  rules, so the selected pods are default-deny there (Cilium's way to write isolation).
"""

from __future__ import annotations

from netverify.model.cilium import (
    NAMESPACE_LABEL,
    NAMESPACE_LABELS_PREFIX,
    CidrPeer,
    CiliumPolicy,
    CiliumPort,
    CiliumPortRule,
    CiliumRule,
)
from netverify.model.labels import LabelSelector, Requirement
from netverify.model.policy import Direction, NetworkPolicy, Peer, PortMatch, Rule

NETWORK_POLICY_KIND = "NetworkPolicy"


def _own_namespace(namespace: str) -> Requirement:
    return Requirement(NAMESPACE_LABEL, "In", frozenset({namespace}))


def peer_selector(peer: Peer, namespace: str) -> LabelSelector | None:
    """The endpoint selector Cilium makes of a NetworkPolicy peer (None: an ipBlock peer)."""
    if peer.namespace_selector is not None:
        reqs = tuple(Requirement(NAMESPACE_LABELS_PREFIX + r.key, r.operator, r.values)
                     for r in peer.namespace_selector.requirements)
        if not reqs:
            reqs = (Requirement(NAMESPACE_LABEL, "Exists"),)
        pod = peer.pod_selector.requirements if peer.pod_selector is not None else ()
        return LabelSelector(reqs + pod)
    if peer.pod_selector is not None:
        return LabelSelector(peer.pod_selector.requirements + (_own_namespace(namespace),))
    return None


def _port(entry: PortMatch) -> CiliumPort:
    port = 0 if entry.port is None else entry.port
    return CiliumPort(port, entry.end_port, str(entry.protocol), entry.span)  # type: ignore[arg-type]


def _rules(policy: NetworkPolicy, direction: Direction) -> tuple[CiliumRule, ...]:
    out: list[CiliumRule] = []
    for rule in policy.rules(direction):
        ports = tuple(CiliumPortRule((_port(e),), (), e.span) for e in rule.ports)
        if not rule.peers:
            out.append(_rule(rule, direction, None, (), ("all",), (), ports))
            continue
        for peer in rule.peers:
            selector = peer_selector(peer, policy.namespace)
            cidrs = () if peer.ip_block is None else (CidrPeer((peer.ip_block,), (), None, peer.span),)
            out.append(_rule(rule, direction, None if selector is None else (selector,), cidrs, (), peer, ports))
    if not out and policy.isolates(direction):
        out.append(CiliumRule(direction, 0, False, None, (), (), (), (), (), policy.span))
    return tuple(out)


def _rule(rule: Rule, direction: Direction, endpoints, cidrs, entities, peer, ports) -> CiliumRule:
    span = peer.span if isinstance(peer, Peer) else rule.span
    # The index stays the NetworkPolicy rule's: reports point at `ingress[i]` as the user wrote it.
    return CiliumRule(direction, rule.index, False, endpoints, (), tuple(entities), tuple(cidrs), ports, (), span)


def converted(policy: NetworkPolicy) -> CiliumPolicy:
    """`policy` as the Cilium rule the agent makes of it."""
    selector = LabelSelector(policy.pod_selector.requirements + (_own_namespace(policy.namespace),))
    return CiliumPolicy(
        kind=NETWORK_POLICY_KIND, api_version="networking.k8s.io/v1", namespace=policy.namespace, name=policy.name,
        index=None, endpoint_selector=selector, node_selector=None,
        ingress=_rules(policy, "ingress") if policy.isolates("ingress") else (),
        egress=_rules(policy, "egress") if policy.isolates("egress") else (),
        default_deny={"ingress": None, "egress": None}, span=policy.span,
    )
