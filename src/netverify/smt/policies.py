"""One side of a connection (egress at the source, ingress at the destination) as a formula.

A side is isolated iff a policy of the pod's namespace selects it with that direction in its effective
policyTypes; an isolated side allows exactly the union of those policies' rules. Only the policies of
namespaces the pod may be in are encoded; a namespace not created yet has none.
"""

from __future__ import annotations

import z3

from netverify.model.cluster import Cluster
from netverify.model.policy import Direction, NetworkPolicy, Rule
from netverify.smt.peers import PeerEncoder
from netverify.smt.ports import ports_match
from netverify.smt.selectors import SelectorEncoder
from netverify.smt.session import SolverSession
from netverify.smt.symbols import NamespaceTable, SymbolicConnection, SymbolicEndpoint, SymbolicPod


class SideEncoder:
    def __init__(
        self, session: SolverSession, cluster: Cluster, table: NamespaceTable, selectors: SelectorEncoder,
        peers: PeerEncoder,
    ) -> None:
        self.session = session
        self.cluster = cluster
        self.table = table
        self.selectors = selectors
        self.peers = peers
        self._ports: dict = {}

    def allowed(
        self, pod: SymbolicEndpoint, direction: Direction, other: SymbolicEndpoint, conn: SymbolicConnection,
        dst: SymbolicEndpoint,
    ) -> z3.BoolRef:
        if pod.is_external:
            return self.session.true()  # an address outside the cluster has no policies
        parts = []
        for namespace in sorted(pod.namespaces):
            policies = [p for p in self.cluster.policies_in(namespace) if p.isolates(direction)]
            if not policies:
                continue
            here = self.selectors.in_namespace(pod, namespace)
            isolated = self.session.or_(self.selects(p, pod) for p in policies)
            admitted = self.session.or_(
                self.session.and_([self.selects(p, pod), self.rule(p, r, other, conn, dst)])
                for p in policies
                for r in p.rules(direction)
            )
            parts.append(z3.Implies(here, self.session.or_([self.session.not_(isolated), admitted])))
        return self.session.and_(parts)

    def selects(self, policy: NetworkPolicy, pod: SymbolicPod) -> z3.BoolRef:
        return self.selectors.labels(policy.pod_selector, pod.labels)

    def rule(
        self, policy: NetworkPolicy, rule: Rule, other: SymbolicEndpoint, conn: SymbolicConnection,
        dst: SymbolicEndpoint,
    ) -> z3.BoolRef:
        return self.session.and_([
            self.peers.any_matches(rule.peers, policy.namespace, other),
            ports_match(self.session, rule.ports, conn, dst, self._ports),
        ])
