"""The reference semantics (spec §4): is one concrete connection allowed, and by which rules.

A connection is allowed iff the source side allows it as egress and the destination side as ingress. A side is
isolated iff some policy of the pod's namespace selects it with that direction in its effective policyTypes;
an isolated side allows exactly the union of those policies' rules in that direction.
"""

from __future__ import annotations

from netverify.model.cluster import Cluster, Workload
from netverify.model.flow import Endpoint, ExternalEndpoint, Flow, PodEndpoint
from netverify.model.policy import Direction, NetworkPolicy, Peer, PortMatch, Rule
from netverify.model.ports import Protocol
from netverify.model.verdict import RuleRef, SideVerdict, Verdict


def selects(policy: NetworkPolicy, pod: PodEndpoint) -> bool:
    """A policy applies only to pods of its own namespace that its podSelector matches."""
    return pod.namespace == policy.namespace and policy.pod_selector.matches(pod.labels)


def peer_matches(peer: Peer, policy_namespace: str, endpoint: Endpoint, *, ipblock_matches_pods: bool) -> bool:
    if peer.ip_block is not None:
        if isinstance(endpoint, ExternalEndpoint):
            return peer.ip_block.contains(endpoint.ip)
        # The API reference intends ipBlocks for traffic leaving/entering the cluster; some CNIs apply them
        # to pod IPs too, which the flag models.
        return ipblock_matches_pods and endpoint.ip is not None and peer.ip_block.contains(endpoint.ip)
    if isinstance(endpoint, ExternalEndpoint):
        return False
    if peer.namespace_selector is None:
        if endpoint.namespace != policy_namespace:
            return False
    elif not peer.namespace_selector.matches(endpoint.namespace_labels):
        return False
    return peer.pod_selector is None or peer.pod_selector.matches(endpoint.labels)


def port_matches(entry: PortMatch, protocol: Protocol, port: int, dst: Endpoint) -> bool:
    if entry.protocol != protocol:
        return False
    if entry.port is None:
        return True
    if isinstance(entry.port, str):
        # A named port means whatever number the destination pod gives that name for this protocol.
        if not isinstance(dst, PodEndpoint):
            return False
        return any(cp.name == entry.port and cp.protocol == protocol and cp.port == port for cp in dst.ports)
    if entry.end_port is None:
        return port == entry.port
    return entry.port <= port <= entry.end_port


def rule_admits(
    rule: Rule, policy_namespace: str, peer: Endpoint, protocol: Protocol, port: int, dst: Endpoint,
    *, ipblock_matches_pods: bool,
) -> bool:
    peer_ok = not rule.peers or any(
        peer_matches(p, policy_namespace, peer, ipblock_matches_pods=ipblock_matches_pods) for p in rule.peers
    )
    return peer_ok and (not rule.ports or any(port_matches(e, protocol, port, dst) for e in rule.ports))


def isolating_policies(cluster: Cluster, direction: Direction, pod: PodEndpoint) -> tuple[NetworkPolicy, ...]:
    return tuple(p for p in cluster.policies_in(pod.namespace) if p.isolates(direction) and selects(p, pod))


def side_verdict(
    cluster: Cluster,
    direction: Direction,
    pod: Endpoint,
    peer: Endpoint,
    protocol: Protocol,
    port: int,
    dst: Endpoint,
    *,
    ipblock_matches_pods: bool,
) -> SideVerdict:
    """`pod`'s decision for `direction` about traffic with `peer`; `dst` is the destination (named ports)."""
    if isinstance(pod, ExternalEndpoint):
        return SideVerdict(direction, False, (), ())  # no policy governs an address outside the cluster
    policies = isolating_policies(cluster, direction, pod)
    if not policies:
        return SideVerdict(direction, False, (), ())
    isolated_by = tuple(RuleRef(p.key, direction, None, p.span) for p in policies)
    allowed_by = tuple(
        RuleRef(p.key, direction, r.index, r.span)
        for p in policies
        for r in p.rules(direction)
        if rule_admits(r, p.namespace, peer, protocol, port, dst, ipblock_matches_pods=ipblock_matches_pods)
    )
    return SideVerdict(direction, True, isolated_by, allowed_by)


def evaluate(cluster: Cluster, flow: Flow, *, ipblock_matches_pods: bool = False) -> Verdict:
    """The verdict on one connection. Traffic from a pod to itself is not special-cased: callers skip it."""
    proto, port, dst = flow.protocol, flow.port, flow.dst
    egress = side_verdict(
        cluster, "egress", flow.src, flow.dst, proto, port, dst, ipblock_matches_pods=ipblock_matches_pods
    )
    ingress = side_verdict(
        cluster, "ingress", flow.dst, flow.src, proto, port, dst, ipblock_matches_pods=ipblock_matches_pods
    )
    return Verdict(egress, ingress)


def endpoint_of(cluster: Cluster, workload: Workload) -> PodEndpoint:
    """A replica of an existing workload (its first IP, if any is known)."""
    return PodEndpoint(
        namespace=workload.namespace,
        namespace_labels=cluster.namespace_labels(workload.namespace),
        labels=workload.labels,
        ports=workload.ports,
        ip=workload.ips[0] if workload.ips else None,
        workload=workload,
    )
