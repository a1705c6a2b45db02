"""Labels whose value only the cluster knows (hashes, uids): fixing them to one value, to settle a verdict.

The encoding keeps such a label free (present, any value of the universe). A proof over free values holds
for every value. A counterexample on an existing pod must not rest on a value the pod may not have: the
analysis fixes the values of the pods that must exist (`assignment_guard`) and asks again for every
combination (docs/semantics.md, "Labels Kubernetes adds").
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import z3

from netverify.model.cluster import Workload
from netverify.smt.problem import ConnectionProblem
from netverify.smt.symbols import SymbolicPod


@dataclass(frozen=True)
class UnknownValue:
    """One label of one workload entry (index into cluster.workloads) with a value only the cluster knows."""

    index: int
    workload: Workload
    key: str
    choices: int  # how many values the universe tells apart for it (the last is "a value no selector names")

    @property
    def fresh(self) -> int:
        return self.choices - 1


def _members(problem: ConnectionProblem, role: str) -> list[tuple[int, Workload]]:
    spec = problem.src_spec if role == "src" else problem.dst_spec
    if spec.workload is not None:
        return [(i, w) for i, w in enumerate(problem.cluster.workloads) if any(w is e for e in spec.workload_entries)]
    return [(i, w) for i, w, _ in problem.classes.get(role, ())]


def settled_members(problem: ConnectionProblem, roles: tuple[str, ...]) -> list[tuple[str, int, Workload]]:
    """The workload entries whose unknown values must be fixed: every member of a role whose pod must exist
    (`roles`), and in the other roles the host-network workloads. A pod created later is a pod-network pod, so
    a model that gives a host-network workload's pod a value it may not have describes no pod that could be
    created either: that pod exists, and its verdict must not rest on the value."""
    out = []
    for role in ("src", "dst"):
        pod = problem.src if role == "src" else problem.dst
        if not isinstance(pod, SymbolicPod):
            continue
        out.extend((role, i, w) for i, w in _members(problem, role) if role in roles or w.host_network)
    return out


def unknown_values(problem: ConnectionProblem, roles: tuple[str, ...]) -> list[UnknownValue]:
    """The unknown-valued labels some selector looks at, on the workloads the pods of `roles` may be."""
    found: dict[tuple[int, str], UnknownValue] = {}
    for _, i, w in settled_members(problem, roles):
        for key in sorted(w.unknown_labels):
            kv = problem.universe.keys.get(key)
            if kv is not None:
                found.setdefault((i, key), UnknownValue(i, w, key, kv.fresh_index + 1))
    return list(found.values())


def assignment_guard(
    problem: ConnectionProblem, roles: tuple[str, ...], values: Mapping[tuple[int, str], int]
) -> z3.BoolRef:
    """A guard under which a pod that is workload entry i of `settled_members` has value index values[i, key]."""
    s = problem.session
    guard = s.guard("unknown-values")
    for role, i, w in settled_members(problem, roles):
        pod = problem.src if role == "src" else problem.dst
        pinned = (problem.src_spec if role == "src" else problem.dst_spec).workload is not None
        fixed = [pod.labels.val[k] == values[(i, k)] for k in sorted(w.unknown_labels) if (i, k) in values]
        if not fixed:
            continue
        is_it = problem.endpoints.is_replica(pod, w, None) if pinned else pod.workload == i
        s.add(z3.Implies(guard, z3.Implies(is_it, z3.And(fixed))))
    return guard
