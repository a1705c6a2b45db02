"""Verdicts on existing pods whose labels include values only the cluster knows (hashes, uids).

A pod that must exist as it is (every pod under scope existing; a pod pinned to a workload under any scope)
has one real value for such a label, which the manifests do not show. A counterexample is reported only when
it holds whatever that value is; when the verdict depends on it, the result is unknown, naming the label:
1. ask again with every such value at "a value no selector names"; a model whose flow holds for every value
   of its own pods' labels (checked with the concrete evaluator) is a counterexample that exists;
2. otherwise, with few combinations, ask for each combination: a counterexample for every one means the
   property is violated whatever the values are; one combination without any means the verdict depends on it.
Pods that could be created later may take any value: the extraction shows them as pods of their own. Not so a
host-network workload's pod in a role any pod may take: a pod created later is a pod-network pod, so such a
pod is settled as one that must exist (smt/unknown_values.settled_members).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass

from netverify.analyses.witness import Target
from netverify.analyses.witness_fit import holds_every_value
from netverify.model.flow import Flow
from netverify.smt.extract import extract_flow
from netverify.smt.problem import ConnectionProblem
from netverify.smt.session import CheckResult
from netverify.smt.unknown_values import UnknownValue, assignment_guard, unknown_values

MAX_COMBINATIONS = 64  # beyond this many value combinations, a verdict that depends on them stays unknown


@dataclass(frozen=True)
class Settled:
    answer: CheckResult | None = None  # the model to report (None: keep the one there is)
    unknown_reason: str | None = None
    note: str | None = None  # appended to the result's reason
    each: tuple[CheckResult, ...] = ()  # one model per combination of values (when no one model holds for all)


def fixed_roles(problem: ConnectionProblem) -> tuple[str, ...]:
    """Roles whose pod must be an existing workload's pod as it is."""
    out = []
    for role, spec, ep in (("src", problem.src_spec, problem.src), ("dst", problem.dst_spec, problem.dst)):
        if ep.is_external:
            continue
        if problem.scope == "existing" or spec.workload is not None:
            out.append(role)
    return tuple(out)


def fresh_guard(problem: ConnectionProblem):
    """A guard fixing every relevant unknown value to "a value no selector names", or None if there are none."""
    roles = fixed_roles(problem)
    values = unknown_values(problem, roles)
    if not values:
        return None
    return assignment_guard(problem, roles, {(v.index, v.key): v.fresh for v in values})


def settle(problem: ConnectionProblem, target: Target, check: Callable[..., CheckResult]) -> Settled:
    """Called once `fits ∧ goal` is satisfiable with free values: a model that does not rest on unknown values."""
    roles = fixed_roles(problem)
    values = unknown_values(problem, roles)
    if not values:
        return Settled()
    fresh = assignment_guard(problem, roles, {(v.index, v.key): v.fresh for v in values})
    extras = [[problem.prefer_workloads], [problem.prefer_namespaces], []] if problem.scope == "any" else [[]]
    answer = None
    for extra in extras:
        answer = check(fresh, *extra)
        if answer.verdict != "unsat":
            break
    assert answer is not None
    if answer.verdict == "unknown":
        return Settled(unknown_reason=answer.reason)
    if answer.unsat:
        return Settled(unknown_reason=_depends(values))
    flow = extract_flow(problem, answer.model).flow
    if holds_for_every_value(target, flow, flow_roles(flow, roles)):
        return Settled(answer=answer)
    combinations = 1
    for v in values:
        combinations *= v.choices
    if combinations > MAX_COMBINATIONS:
        return Settled(unknown_reason=_depends(values) + f" ({combinations} combinations of values: too many to try)")
    models = []
    for combination in itertools.product(*(range(v.choices) for v in values)):
        each = check(assignment_guard(problem, roles, {(v.index, v.key): c for v, c in zip(values, combination)}))
        if each.verdict == "unknown":
            return Settled(unknown_reason=each.reason)
        if each.unsat:
            return Settled(unknown_reason=_depends(values))
        models.append(each)
    names = _names(values)
    return Settled(answer=answer, each=tuple(models), note=(
        f"whatever the values of {names} (set by the control plane, not in the manifests), some such connection "
        "exists; this one is for a value no policy names"
    ))


def flow_roles(flow: Flow, roles: tuple[str, ...]) -> tuple[str, ...]:
    """`roles` and the ends of the flow that are a host-network workload's pod (smt/unknown_values.py
    settled_members): both exist as they are, whatever the scope."""
    return tuple(r for r in ("src", "dst") if r in roles or getattr(getattr(getattr(flow, r), "workload", None),
                                                                     "host_network", False))


def holds_for_every_value(target: Target, flow: Flow, roles: tuple[str, ...]) -> bool:
    """The flow keeps its verdict whatever values its existing pods' unknown-valued labels have."""
    return holds_every_value(target, flow, roles)


def _names(values: list[UnknownValue]) -> str:
    by_workload: dict[str, list[str]] = {}
    for v in values:
        by_workload.setdefault(v.workload.pod_ref, []).append(v.key)
    return "; ".join(f"label {', '.join(sorted(set(keys)))} of {ref}" for ref, keys in by_workload.items())


def _depends(values: list[UnknownValue]) -> str:
    return (
        f"the verdict depends on the value of {_names(values)}, which the control plane sets and the manifests "
        "do not show (hashes, uids, generated names); a dump of the pods (kubectl get pods -o yaml) settles it"
    )
