"""Before `prove` says proven (or refutes `possible`): is some connection that fits one netverify cannot decide?

A layer says unknown where the input does not determine the answer (a `domainNames` peer, NetworkPolicy on a
host-network pod, a `nodes` peer without Node objects): such a connection is neither a counterexample nor
covered by a proof. The search is a solver session of its own, `fits ∧ unknown`; the connection found is
evaluated concretely and the evaluator's reason (the rule and field) is the result's reason.
"""

from __future__ import annotations

from collections.abc import Callable

from netverify.eval.concrete import evaluate
from netverify.model.cluster import Cluster
from netverify.model.semantics import Semantics
from netverify.smt.extract import extract_flow
from netverify.smt.problem import ConnectionProblem, Scope
from netverify.smt.resolve import PortSpec, ResolvedEndpoint
from netverify.smt.session import CheckResult, SolverSession


def may_be_unknown(cluster: Cluster) -> bool:
    """Only admin policies, host-network pods, Calico objects (eval/calico.py: services, ServiceAccounts,
    unmodelled fields) and Cilium policies can make a layer say unknown (NetworkPolicy alone cannot, Cilium's
    conversion of it neither)."""
    return bool(cluster.admin_policies) or cluster.has_host_network or bool(cluster.calico) or \
        bool(cluster.cilium.policies)


def unknown_connection(
    cluster: Cluster, src: ResolvedEndpoint, dst: ResolvedEndpoint, ports: PortSpec, *, scope: Scope,
    semantics: Semantics, timeout_ms: int, rlimit: int | None,
    check: Callable[[SolverSession], CheckResult],
) -> str | None:
    """Why the property is unknown, or None when every connection that fits is decided."""
    if not may_be_unknown(cluster):
        return None
    session = SolverSession(timeout_ms=timeout_ms, rlimit=rlimit)
    problem = ConnectionProblem(session, cluster, src, dst, ports, scope=scope, semantics=semantics)
    session.add(problem.fits, problem.unknown)
    answer = check(session)
    if answer.verdict == "unknown":
        return f"deciding whether a connection rests on something netverify cannot evaluate: {answer.reason}"
    if answer.unsat:
        return None
    flow = extract_flow(problem, answer.model).flow
    verdict = evaluate(cluster, flow, semantics=semantics)
    why = verdict.unknown_reason or "a rule of a kind netverify cannot evaluate decides it"
    return f"some connection that fits cannot be decided: {why}"
