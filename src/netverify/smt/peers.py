"""One `from`/`to` item as a formula over the other endpoint of the connection."""

from __future__ import annotations

import z3

from netverify.model.policy import Peer
from netverify.smt.selectors import SelectorEncoder
from netverify.smt.session import SolverSession
from netverify.smt.symbols import SymbolicEndpoint


class PeerEncoder:
    def __init__(self, session: SolverSession, selectors: SelectorEncoder, *, ipblock_matches_pods: bool) -> None:
        self.session = session
        self.selectors = selectors
        self.ipblock_matches_pods = ipblock_matches_pods
        self._cache: dict[tuple, z3.BoolRef] = {}

    def matches(self, peer: Peer, policy_namespace: str, other: SymbolicEndpoint) -> z3.BoolRef:
        # The same peer is written in many policies (e.g. "the monitoring namespace"): build it once.
        own = policy_namespace if peer.namespace_selector is None else None
        key = (peer.pod_selector, peer.namespace_selector, peer.ip_block, own, id(other))
        if key not in self._cache:
            self._cache[key] = self._matches(peer, policy_namespace, other)
        return self._cache[key]

    def _matches(self, peer: Peer, policy_namespace: str, other: SymbolicEndpoint) -> z3.BoolRef:
        if peer.ip_block is not None:
            if other.is_external or self.ipblock_matches_pods:
                return other.ip.in_block(peer.ip_block)
            return self.session.false()  # by default an ipBlock names addresses outside the cluster
        if other.is_external:
            return self.session.false()  # selectors name pods only
        parts = []
        if peer.namespace_selector is None:
            parts.append(self.selectors.in_namespace(other, policy_namespace))  # podSelector alone: own namespace
        else:
            parts.append(self.selectors.namespace(peer.namespace_selector, other))
        if peer.pod_selector is not None:
            parts.append(self.selectors.labels(peer.pod_selector, other.labels))
        return self.session.and_(parts)

    def any_matches(self, peers: tuple[Peer, ...], policy_namespace: str, other: SymbolicEndpoint) -> z3.BoolRef:
        """Empty peers: every endpoint (pods and addresses alike)."""
        if not peers:
            return self.session.true()
        return self.session.or_(self.matches(p, policy_namespace, other) for p in peers)
