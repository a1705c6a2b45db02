"""NetworkPolicy as a layer of the chain (smt twin of eval/networkpolicy.py).

allow: some selecting policy's rule admits it; deny: isolated, none admits it; else nomatch. With host-network
pods in play, the layer is also encoded as the "ignored, node traffic" reading (selectors never match a
host-network pod, an ipBlock sees its node address, a host-network pod is never isolated): where the two
readings differ the layer says unknown (docs/semantics.md, host-network pods).
"""

from __future__ import annotations

import z3

from netverify.model.policy import Direction, Peer
from netverify.smt.layer import HostPods, SymDecision
from netverify.smt.peers import PeerEncoder
from netverify.smt.policies import SideEncoder
from netverify.smt.symbols import SymbolicConnection, SymbolicEndpoint, SymbolicPod


class HostAsNodePeers(PeerEncoder):
    """Peers under the "node traffic" reading: a host-network other end is only its (node) address."""

    def __init__(self, base: PeerEncoder, hosts: HostPods) -> None:
        super().__init__(base.session, base.selectors, ipblock_matches_pods=base.ipblock_matches_pods)
        self.hosts = hosts

    def _matches(self, peer: Peer, policy_namespace: str, other: SymbolicEndpoint) -> z3.BoolRef:
        plain = super()._matches(peer, policy_namespace, other)
        if not isinstance(other, SymbolicPod) or not self.hosts.of(other):
            return plain
        as_node = other.ip.in_block(peer.ip_block) if peer.ip_block is not None else self.session.false()
        return z3.If(self.hosts.is_host(self.session, other), as_node, plain)


class NetworkPolicyLayer:
    def __init__(self, sides: SideEncoder, hosts: HostPods) -> None:
        self.sides = sides
        self.session = sides.session
        self.hosts = hosts
        self.as_node = SideEncoder(sides.session, sides.cluster, sides.table, sides.selectors,
                                   HostAsNodePeers(sides.peers, hosts)) if hosts.any else None

    def _reading(self, sides: SideEncoder, pod: SymbolicPod, direction: Direction, other: SymbolicEndpoint,
                 conn: SymbolicConnection, dst: SymbolicEndpoint) -> tuple[z3.BoolRef, z3.BoolRef]:
        """(isolated, admitted) over the namespaces the pod may be in."""
        s = self.session
        isolated, admitted = [], []
        for namespace in sorted(pod.namespaces):
            policies = [p for p in sides.cluster.policies_in(namespace) if p.isolates(direction)]
            if not policies:
                continue
            here = sides.selectors.in_namespace(pod, namespace)
            isolated.append(s.and_([here, s.or_(sides.selects(p, pod) for p in policies)]))
            admitted.append(s.and_([here, s.or_(
                s.and_([sides.selects(p, pod), sides.rule(p, r, other, conn, dst)])
                for p in policies for r in p.rules(direction))]))
        return s.or_(isolated), s.or_(admitted)

    def decide(self, pod: SymbolicEndpoint, direction: Direction, other: SymbolicEndpoint,
               conn: SymbolicConnection, dst: SymbolicEndpoint) -> SymDecision:
        s = self.session
        if not isinstance(pod, SymbolicPod):
            return SymDecision.nomatch(s)
        isolated, admitted = self._reading(self.sides, pod, direction, other, conn, dst)
        allow, deny = admitted, s.and_([isolated, s.not_(admitted)])
        if self.as_node is None or not (self.hosts.of(pod) or self.hosts.of(other)):
            return SymDecision(allow, deny, s.false(), s.false())
        iso_b, adm_b = self._reading(self.as_node, pod, direction, other, conn, dst)
        host = self.hosts.is_host(s, pod)  # never isolated when read as node traffic
        allow_b = s.and_([s.not_(host), adm_b])
        deny_b = s.and_([s.not_(host), iso_b, s.not_(adm_b)])
        nomatch_a = s.not_(isolated)
        nomatch_b = s.or_([host, s.not_(iso_b)])
        both_allow, both_deny = s.and_([allow, allow_b]), s.and_([deny, deny_b])
        agree = s.or_([both_allow, both_deny, s.and_([nomatch_a, nomatch_b])])
        return SymDecision(both_allow, both_deny, s.false(), s.not_(agree))
