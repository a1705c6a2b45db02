"""Calico selectors as three-valued formulas over a symbolic pod (smt twin of eval/calico_selector.py).

A match is a pair M3(t, f) of exclusive Bools: t = surely matches, f = surely does not, neither = cannot tell
(the ServiceAccount of a pod not created yet, or an account object not in the input). Kleene logic: NOT swaps
t and f, AND is (∧t, ∨f), OR is (∨t, ∧f).

Keys are read as eval/calico_selector.py's Subject reads them: a pod's own labels (symbolic), its namespace's
(`pcns.*`, `projectcalico.org/namespace`: the namespace's name label; fixed for an existing namespace,
symbolic for a new one), its ServiceAccount's (`pcsa.*`, `projectcalico.org/serviceaccount`: fixed per
existing workload, unknown for a new pod), after the pod's own label of the same full key if it carries one
(eval/calico_selector.own_first). An atom over symbolic labels is exact over the label universe:
its formula is the disjunction of the universe indices whose value passes it (string tests included: the
universe holds a representative per combination, smt/string_values.py).
"""

from __future__ import annotations

from dataclasses import dataclass

import z3

from netverify.eval.calico_selector import (
    NAME_KEY, NAMESPACE_KEY, NS_PREFIX, ORCHESTRATOR_KEY, SA_PREFIX, SERVICE_ACCOUNT_KEY, Subject, match3, own_first,
)
from netverify.eval.calico_match import pod_subject
from netverify.eval.concrete import endpoint_of
from netverify.model.calico_selector import All, And, Expr, Global, Not, Or, matches
from netverify.model.cluster import NAMESPACE_NAME_LABEL, Cluster
from netverify.smt.session import SolverSession
from netverify.smt.symbols import NamespaceTable, SymbolicLabels, SymbolicPod


@dataclass(frozen=True)
class M3:
    t: z3.BoolRef
    f: z3.BoolRef

    def unknown(self, s: SolverSession) -> z3.BoolRef:
        return s.and_([s.not_(self.t), s.not_(self.f)])


def const3(s: SolverSession, value: bool | None) -> M3:
    if value is None:
        return M3(s.false(), s.false())
    return M3(s.const(value), s.const(not value))


def and3(s: SolverSession, parts: list[M3]) -> M3:
    return M3(s.and_(p.t for p in parts), s.or_(p.f for p in parts))


def or3(s: SolverSession, parts: list[M3]) -> M3:
    return M3(s.or_(p.t for p in parts), s.and_(p.f for p in parts))


def not3(m: M3) -> M3:
    return M3(m.f, m.t)


def bool3(s: SolverSession, b: z3.BoolRef) -> M3:
    return M3(b, s.not_(b))


def pod_key(key: str) -> tuple[str, str] | None:
    """Where a key (already prefixed) of an endpoint selector reads from: ("pod", k), ("ns", k), ("sa", key)
    or ("const", value) for Calico's orchestrator label."""
    if key.startswith(NS_PREFIX):
        inner = key[len(NS_PREFIX):]
        return "ns", NAMESPACE_NAME_LABEL if inner == NAME_KEY else inner
    if key == NAMESPACE_KEY:
        return "ns", NAMESPACE_NAME_LABEL
    if key.startswith(SA_PREFIX) or key == SERVICE_ACCOUNT_KEY:
        return "sa", key
    if key == ORCHESTRATOR_KEY:
        return "const", "k8s"
    return "pod", key


class CalicoSelectorEncoder:
    def __init__(self, session: SolverSession, cluster: Cluster, table: NamespaceTable) -> None:
        self.session = session
        self.cluster = cluster
        self.table = table
        self._cache: dict[tuple, M3] = {}
        self._subjects: dict[int, Subject] = {}

    def expr(self, expr: Expr, pod: SymbolicPod, prefix: str = "") -> M3:
        key = (id(pod), expr, prefix)
        if key not in self._cache:
            self._cache[key] = self._expr(expr, pod, prefix)
        return self._cache[key]

    def _expr(self, expr: Expr, pod: SymbolicPod, prefix: str) -> M3:
        s = self.session
        if isinstance(expr, All):
            return const3(s, True)  # for a pod, `all()` holds in a namespace context too (it is in one)
        if isinstance(expr, Global):
            return const3(s, False)
        if isinstance(expr, Not):
            return not3(self.expr(expr.operand, pod, prefix))
        if isinstance(expr, And):
            return and3(s, [self.expr(e, pod, prefix) for e in expr.operands])
        if isinstance(expr, Or):
            return or3(s, [self.expr(e, pod, prefix) for e in expr.operands])
        full = prefix + expr.key
        where, key = pod_key(full)
        if where == "const":
            return const3(s, matches(_rekeyed(expr, "k"), {"k": key}))
        if where == "pod":
            return bool3(s, self.label_atom(expr, pod.labels, key))
        inherited = bool3(s, self.namespace_atom(expr, pod, key)) if where == "ns" else \
            self.account_atom(expr, pod, prefix)
        if not own_first(full) or full not in pod.labels.universe.keys:
            return inherited
        # The pod's own label of the full key comes first (eval/calico_selector.own_first).
        has, own = pod.labels.has[full], self.label_atom(expr, pod.labels, full)
        return M3(z3.If(has, own, inherited.t), z3.If(has, s.not_(own), inherited.f))

    def label_atom(self, atom: Expr, labels: SymbolicLabels, key: str) -> z3.BoolRef:
        """The atom read at `key` of a symbolic label map: which universe indices pass it."""
        s = self.session
        probe = _rekeyed(atom, "k")
        kv = labels.universe.keys.get(key)
        if kv is None:
            return s.const(matches(probe, {}))  # the universe holds every key a selector reads: never carried
        present = s.or_(s.eq(labels.val[key], i) for i in range(kv.fresh_index + 1)
                        if matches(probe, {"k": kv.value(i)}))
        return s.or_([s.and_([labels.has[key], present]),
                      s.and_([s.not_(labels.has[key]), s.const(matches(probe, {}))])])

    def namespace_atom(self, atom: Expr, pod: SymbolicPod, key: str) -> z3.BoolRef:
        """The atom read at label `key` of the pod's namespace (an existing one's labels, or a new one's)."""
        s = self.session
        probe = _rekeyed(atom, "k")
        parts = []
        for i, name in enumerate(self.table.names):
            if name not in pod.namespaces:
                continue
            value = self.table.labels[i].get(key)
            if matches(probe, {} if value is None else {"k": value}):
                parts.append(s.eq(pod.ns, i))
        if pod.may_be_fresh:
            parts.append(s.and_([s.eq(pod.ns, self.table.fresh_index), self.label_atom(atom, pod.ns_labels, key)]))
        return s.or_(parts)

    def account_atom(self, atom: Expr, pod: SymbolicPod, prefix: str) -> M3:
        """An atom on the pod's ServiceAccount: known for a replica of an existing workload."""
        s = self.session
        yes, no = [], []
        for i, w in enumerate(self.cluster.workloads):
            if w.namespace not in pod.namespaces or w.host_network:
                continue
            subject = self._subjects.get(i)
            if subject is None:
                subject = self._subjects[i] = pod_subject(self.cluster, endpoint_of(self.cluster, w))
            answer = match3(atom, subject, prefix)
            if answer is not None:
                (yes if answer else no).append(s.eq(pod.workload, i))
        return M3(s.or_(yes), s.or_(no))


def _rekeyed(atom: Expr, key: str) -> Expr:
    """The same test on another key (atoms are matched against a one-key label map)."""
    from dataclasses import replace
    return replace(atom, key=key)  # type: ignore[type-var]
