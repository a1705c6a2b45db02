"""What the Calico layer needs of an encoding's vocabulary: label keys and values, string tests, port names.

Selector keys are read where smt/calico_selector.py reads them: a pod's own key, or a namespace label
(`pcns.*`, `projectcalico.org/namespace`); ServiceAccount keys are fixed per workload and need no universe.
A key with string tests also names every value the cluster's workloads and namespaces carry for it: an
existing pod's value must be its own universe entry (its own answer to each test), not the fresh one's.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field, replace

from netverify.eval.calico_match import entity_parts, policy_parts
from netverify.model.calico_selector import (
    And, Contains, EndsWith, Equals, Expr, In, Not, NotEquals, NotIn, Or, StartsWith, StringTest,
)
from netverify.model.cluster import Cluster
from netverify.eval.calico_selector import own_first
from netverify.smt.calico_selector import pod_key


@dataclass
class CalicoVocabulary:
    values: dict[str, set[str]] = field(default_factory=dict)  # universe key -> values named
    string_tests: dict[str, list[StringTest]] = field(default_factory=dict)  # universe key -> tests
    port_names: set[str] = field(default_factory=set)

    def __bool__(self) -> bool:
        return bool(self.values or self.string_tests or self.port_names)


def _atoms(expr: Expr) -> Iterator[Expr]:
    if isinstance(expr, Not):
        yield from _atoms(expr.operand)
    elif isinstance(expr, (And, Or)):
        for e in expr.operands:
            yield from _atoms(e)
    elif hasattr(expr, "key"):
        yield expr


def _parts(cluster: Cluster):
    from netverify.model.calico_k8s import as_calico
    for p in (*cluster.calico.policies, *map(as_calico, cluster.policies)):
        yield from policy_parts(p)
        for rule in (*p.ingress, *p.egress):
            for er in (rule.source, rule.destination):
                yield from entity_parts(er, p.namespace) or ()
                if er.not_selector is not None:
                    yield er.not_selector.expr, ""


def _name(out: CalicoVocabulary, atom: Expr, key: str) -> None:
    """Record the values and string tests `atom` names at universe key `key`."""
    named = out.values.setdefault(key, set())
    if isinstance(atom, (Equals, NotEquals)):
        named.add(atom.value)
    elif isinstance(atom, (In, NotIn)):
        named.update(atom.values)
    elif isinstance(atom, (Contains, StartsWith, EndsWith)):
        tests = out.string_tests.setdefault(key, [])
        test = replace(atom, key=key)
        if test not in tests:
            tests.append(test)


def vocabulary(cluster: Cluster) -> CalicoVocabulary:
    out = CalicoVocabulary()
    if not cluster.calico and not cluster.policies:
        return out
    for expr, prefix in _parts(cluster):
        for atom in _atoms(expr):
            full = prefix + atom.key  # type: ignore[attr-defined]
            where, key = pod_key(full)
            keys = [key] if where in ("pod", "ns") else []
            if own_first(full):
                keys.append(full)  # a pod's own label of the full key comes first
            for key in keys:
                _name(out, atom, key)

    for key in out.string_tests:
        named = out.values[key]
        named.update(w.labels[key] for w in cluster.workloads if key in w.labels and key not in w.unknown_labels)
        named.update(ns.labels[key] for ns in cluster.namespaces.values() if key in ns.labels)
    for p in cluster.calico.policies:
        for rule in (*p.ingress, *p.egress):
            for er in (rule.source, rule.destination):
                out.port_names.update(e.name for e in (*er.ports, *er.not_ports) if e.name is not None)
    return out
