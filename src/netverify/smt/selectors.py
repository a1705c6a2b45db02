"""Label selectors as formulas over symbolic labels, and namespace selectors over a pod's namespace choice.

Formulas are cached per (selector, label map): the same selector appears in many policies and rules.
"""

from __future__ import annotations

import z3

from netverify.model.labels import LabelSelector, Requirement
from netverify.smt.session import SolverSession
from netverify.smt.symbols import NamespaceTable, SymbolicLabels, SymbolicPod


class SelectorEncoder:
    def __init__(self, session: SolverSession, table: NamespaceTable) -> None:
        self.session = session
        self.table = table
        self._labels: dict[tuple[int, LabelSelector], z3.BoolRef] = {}
        self._namespaces: dict[tuple[int, LabelSelector], z3.BoolRef] = {}
        self._matching: dict[LabelSelector, frozenset[int]] = {}
        self._by_label: dict[tuple[str, str], frozenset[int]] | None = None
        self._by_key: dict[str, frozenset[int]] = {}

    def labels(self, selector: LabelSelector, labels: SymbolicLabels) -> z3.BoolRef:
        key = (id(labels), selector)
        if key not in self._labels:
            self._labels[key] = self.session.and_(self._requirement(r, labels) for r in selector.requirements)
        return self._labels[key]

    def _requirement(self, req: Requirement, labels: SymbolicLabels) -> z3.BoolRef:
        kv = labels.universe.keys.get(req.key)
        if kv is None:
            # The universe holds every key a selector mentions; a key outside it is never present.
            return self.session.const(req.operator in ("NotIn", "DoesNotExist"))
        has, val = labels.has[req.key], labels.val[req.key]
        if req.operator == "Exists":
            return has
        if req.operator == "DoesNotExist":
            return self.session.not_(has)
        named = self.session.or_(self.session.eq(val, kv.index(v)) for v in sorted(req.values) if kv.index(v) != kv.fresh_index)
        if req.operator == "In":
            return self.session.and_([has, named])
        return self.session.or_([self.session.not_(has), self.session.not_(named)])  # NotIn: absent keys match too

    def namespace(self, selector: LabelSelector, pod: SymbolicPod) -> z3.BoolRef:
        """The pod's namespace matches: an existing one by its fixed labels, or a fresh one by its symbolic labels."""
        key = (id(pod), selector)
        if key not in self._namespaces:
            existing = [
                self.session.eq(pod.ns, i)
                for i in sorted(self.matching_namespaces(selector))
                if self.table.names[i] in pod.namespaces
            ]
            fresh = self.session.false()
            if pod.may_be_fresh:
                fresh = self.session.and_([
                    self.session.eq(pod.ns, self.table.fresh_index), self.labels(selector, pod.ns_labels)
                ])
            self._namespaces[key] = self.session.or_([*existing, fresh])
        return self._namespaces[key]

    def matching_namespaces(self, selector: LabelSelector) -> frozenset[int]:
        """Indices of the existing namespaces the selector matches, by set algebra over an inverted index
        (a thousand namespaces times thousands of selectors is too many label-by-label matches)."""
        found = self._matching.get(selector)
        if found is None:
            if self._by_label is None:
                self._build_index()
            everything = frozenset(range(len(self.table.names)))
            found = everything
            for req in selector.requirements:
                named = frozenset().union(*(self._by_label.get((req.key, v), frozenset()) for v in req.values))
                having = self._by_key.get(req.key, frozenset())
                found &= {"In": named, "NotIn": everything - named, "Exists": having,
                          "DoesNotExist": everything - having}[req.operator]
            self._matching[selector] = found
        return found

    def _build_index(self) -> None:
        by_label: dict[tuple[str, str], set[int]] = {}
        by_key: dict[str, set[int]] = {}
        for i, labels in enumerate(self.table.labels):
            for k, v in labels.items():
                by_label.setdefault((k, v), set()).add(i)
                by_key.setdefault(k, set()).add(i)
        self._by_label = {k: frozenset(v) for k, v in by_label.items()}
        self._by_key = {k: frozenset(v) for k, v in by_key.items()}

    def in_namespace(self, pod: SymbolicPod, name: str) -> z3.BoolRef:
        index = self.table.index(name)
        if index is None or name not in pod.namespaces:
            return self.session.false()
        return self.session.eq(pod.ns, index)
