"""The symbolic diff's regions under Cilium's chain: which HEAD rules open a side, as formulas.

A region (smt/diff_problem.py) names, per side HEAD newly opens, the HEAD rules that admit it, or that HEAD
leaves the pod open. Under Cilium both read the union (smt/cilium.py): an allow rule admits when a policy
selecting the pod (its endpointSelector over the identity labels) has it, and the rule's peers and L4 match; a
pod is open when no policy with rules in that direction and default deny selects it. `fromRequires` and
fields netverify does not model are not part of a rule's region (the union decides those; a region only groups
added connections). The concrete twins are in analyses/diff_cilium.py.
"""

from __future__ import annotations

import z3

from netverify.eval.cilium import default_denies, policies_of
from netverify.model.cilium import CiliumPolicy, CiliumRule
from netverify.model.cluster import Cluster
from netverify.model.policy import Direction
from netverify.model.verdict import RuleRef
from netverify.smt.cilium import CiliumEncoder
from netverify.smt.session import SolverSession
from netverify.smt.symbols import SymbolicConnection, SymbolicEndpoint, SymbolicPod


def find_rule(cluster: Cluster, ref: RuleRef) -> tuple[CiliumPolicy, CiliumRule] | None:
    """The policy and rule `ref` names among the policies Cilium enforces (CNP, CCNP, converted NP)."""
    policy = next((p for p in policies_of(cluster) if p.key == ref.policy), None)
    if policy is None or ref.rule is None:
        return None
    deny = ref.action == "deny"
    rule = next((r for r in policy.rules(ref.direction) if r.index == ref.rule and r.deny == deny), None)
    return None if rule is None else (policy, rule)


def _selected(session: SolverSession, encoder: CiliumEncoder, policy: CiliumPolicy, pod: SymbolicPod) -> z3.BoolRef:
    if policy.endpoint_selector is None:
        return session.false()
    return session.and_([session.not_(encoder.hosts.is_host(session, pod)),
                         encoder.identity.matches(policy.endpoint_selector, pod)])


def rule_fires(session: SolverSession, encoder: CiliumEncoder, ref: RuleRef, pod: SymbolicEndpoint,
               other: SymbolicEndpoint, conn: SymbolicConnection, dst: SymbolicEndpoint) -> z3.BoolRef:
    found = find_rule(encoder.cluster, ref)
    if found is None or not isinstance(pod, SymbolicPod):
        return session.false()
    policy, rule = found
    yes, _ = encoder.rule(rule, other, conn, dst, (session.true(), session.false()))
    return session.and_([_selected(session, encoder, policy, pod), yes])


def default_deny(session: SolverSession, encoder: CiliumEncoder, direction: Direction,
                 pod: SymbolicEndpoint) -> z3.BoolRef:
    """A policy with rules in `direction` that default-denies there selects the pod."""
    if not isinstance(pod, SymbolicPod):
        return session.false()
    return session.or_(_selected(session, encoder, p, pod) for p in encoder.policies if default_denies(p, direction))
