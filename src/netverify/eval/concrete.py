"""The reference semantics (spec §4): is one concrete connection allowed, and by which rules.

A connection is allowed iff the source side allows it as egress and the destination side as ingress. Each side
is decided by the CNI's chain of layers (eval/compose.py: admin tier, NetworkPolicy, baseline tier, allow).
In the NetworkPolicy layer (eval/networkpolicy.py) a side is isolated iff some policy of the pod's namespace
selects it with that direction in its effective policyTypes; an isolated side allows exactly the union of
those policies' rules in that direction. This module keeps the NetworkPolicy matching helpers.
"""

from __future__ import annotations

from netverify.model.cluster import Cluster, Workload
from netverify.model.flow import Endpoint, ExternalEndpoint, Flow, PodEndpoint
from netverify.model.policy import Direction, NetworkPolicy, Peer, PortMatch, Rule
from netverify.model.ports import Protocol
from netverify.model.semantics import Semantics
from netverify.model.verdict import SideVerdict, Verdict


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
    semantics: Semantics | None = None,
) -> SideVerdict:
    """`pod`'s decision for `direction` about traffic with `peer`; `dst` is the destination (named ports).
    The CNI's chain of layers decides (eval/compose.py); `semantics` None: the generic chain."""
    from netverify.eval.compose import side_verdict as fold_side  # the layers import this module's helpers
    from netverify.eval.layer import Side

    semantics = semantics or Semantics(ipblock_matches_pods=ipblock_matches_pods)
    return fold_side(cluster, Side(direction, pod, peer, protocol, port, dst), semantics)


def evaluate(cluster: Cluster, flow: Flow, *, ipblock_matches_pods: bool = False,
             semantics: Semantics | None = None) -> Verdict:
    """The verdict on one connection. Traffic from a pod to itself is not special-cased: callers skip it.
    `semantics` (the CNI and its choices) wins over `ipblock_matches_pods` when given."""
    from netverify.eval.compose import side_verdict as fold_side  # the layers import this module's helpers
    from netverify.eval.layer import Side

    semantics = semantics or Semantics(ipblock_matches_pods=ipblock_matches_pods)
    # Each side sees the whole connection (source port, ICMP type and code too: Calico and Cilium match them).
    return Verdict(fold_side(cluster, Side.of(flow, "egress"), semantics),
                   fold_side(cluster, Side.of(flow, "ingress"), semantics))


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
