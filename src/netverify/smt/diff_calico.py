"""The symbolic diff under Calico's chain: the vocabulary both versions need, and a region's reasons as formulas.

Both versions are encoded by smt/calico.py (the encoding prove uses, through the CNI chain) over the same
symbolic endpoints. Two things make that exact for two versions at once:
- the label universe holds the selector values and string tests of both versions (smt/calico_vocab.py);
- a pod's `workload` index is HEAD's (the endpoints are HEAD's pods or new ones), and the Calico selector
  encoder reads ServiceAccounts through it: BASE is encoded over HEAD's workloads (`over_workloads_of`), with
  BASE's own policies, namespaces and ServiceAccount objects, as the evaluator judges HEAD's pod in BASE.

A region (smt/diff_problem.py) names, per side HEAD newly opens, the HEAD rules that open it: the Allow rule
that decided, or (the chain ran to the profile's allow) the Pass rules and pass-default tiers that led there,
or, when none of HEAD's policies selects the pod for that direction, None ("open"). A rule fires when its
policy selects the pod for the side's direction and the rule matches (reach is not part of it: a region only
groups added connections); an admin rule of kube-admin / kube-baseline fires when it is the first of its policy
to match. A whole-policy reference (a tier default's Pass) fires when the policy selects the pod. The concrete
twins are in analyses/diff_calico.py.
"""

from __future__ import annotations

from dataclasses import replace

import z3

from netverify.eval.calico import Member, members_of, policy_ref, tiers_of
from netverify.model.cluster import Cluster
from netverify.model.policy import Direction
from netverify.model.verdict import RuleRef
from netverify.smt.calico import CalicoEncoder
from netverify.smt.calico_vocab import CalicoVocabulary, vocabulary
from netverify.smt.session import SolverSession
from netverify.smt.symbols import SymbolicConnection, SymbolicEndpoint, SymbolicPod


def vocabulary_of(*clusters: Cluster) -> CalicoVocabulary:
    """Every version's Calico vocabulary in one (values, string tests and port names of each)."""
    out = CalicoVocabulary()
    for c in clusters:
        v = vocabulary(c)
        for key, values in v.values.items():
            out.values.setdefault(key, set()).update(values)
        for key, tests in v.string_tests.items():
            mine = out.string_tests.setdefault(key, [])
            mine += [t for t in tests if t not in mine]
        out.port_names |= v.port_names
    return out


def over_workloads_of(version: Cluster, head: Cluster) -> Cluster:
    """`version` judged over HEAD's workloads (the index space of the symbolic pods' `workload`)."""
    return version if version.workloads is head.workloads else replace(version, workloads=head.workloads)


def member_of(cluster: Cluster, ref: RuleRef) -> Member | None:
    """The tier member (Calico policy, converted NetworkPolicy or admin policy) `ref` names."""
    for tier, _ in tiers_of(cluster):
        for m in members_of(cluster, tier.name):
            if m.admin is not None:
                if (m.admin.key, m.admin.kind) == (ref.policy, ref.kind):
                    return m
            elif m.calico is not None:
                mine = policy_ref(m.calico, ref.direction)
                if (mine.policy, mine.kind) == (ref.policy, ref.kind):
                    return m
    return None


def ref_fires(session: SolverSession, encoder: CalicoEncoder, ref: RuleRef, pod: SymbolicEndpoint,
              other: SymbolicEndpoint, conn: SymbolicConnection, dst: SymbolicEndpoint) -> z3.BoolRef:
    s = session
    m = member_of(encoder.cluster, ref)
    if m is None or not isinstance(pod, SymbolicPod):
        return s.false()
    if m.admin is not None:
        rules = m.admin.rules(ref.direction)
        reach = encoder.admin.in_pod_set(m.admin.subject, pod) if rules else s.false()
        if ref.rule is None:
            return reach
        for i, rule in enumerate(rules):
            yes, maybe = encoder.admin.rule(rule, other, conn, dst)
            if i == ref.rule:
                return s.and_([reach, yes])
            reach = s.and_([reach, s.not_(yes), s.not_(maybe)])
        return s.false()
    p = m.calico
    assert p is not None
    if ref.direction not in p.types:
        return s.false()
    chosen = encoder.selects(p, pod).t
    if ref.rule is None:
        return chosen
    rules = [r for r in p.rules(ref.direction) if r.index == ref.rule]  # a converted NP rule is several
    return s.and_([chosen, s.or_(encoder.rule(p, r, pod, ref.direction, other, conn).t for r in rules)])


def unselected(session: SolverSession, encoder: CalicoEncoder, direction: Direction,
               pod: SymbolicEndpoint) -> z3.BoolRef:
    """No policy of any tier surely or possibly selects the pod for `direction`: every tier says nomatch."""
    s = session
    if not isinstance(pod, SymbolicPod):
        return s.true()
    may = []
    for members in encoder.members.values():
        for m in members:
            if m.admin is not None:
                if m.admin.rules(direction):
                    may.append(encoder.admin.in_pod_set(m.admin.subject, pod))
            elif m.calico is not None and direction in m.calico.types:
                may.append(s.not_(encoder.selects(m.calico, pod).f))
    return s.not_(s.or_(may))


def undecided_query(session: SolverSession, problem) -> z3.BoolRef:
    """HEAD may allow the connection (no side surely denies) without surely allowing it, and BASE does not
    surely allow it: a newly allowed connection netverify cannot rule in or out."""
    head = problem.head.chain.connection(problem.src, problem.dst, problem.conn)
    return session.and_([session.not_(head.deny), session.not_(problem.allowed_head),
                         session.not_(problem.allowed_base)])


def undecided_guard(session: SolverSession, problem) -> z3.BoolRef:
    """A guard that, assumed, asks for `undecided_query`'s connection (the search's own checks leave it free)."""
    guard = session.guard("calico-undecided")
    session.add(z3.Implies(guard, undecided_query(session, problem)))
    return guard
