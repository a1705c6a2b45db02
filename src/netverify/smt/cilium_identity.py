"""Cilium identities as formulas (smt twin of eval/cilium_identity.py).

A pod's identity labels are not variables of their own: each key Cilium adds is read from what the pod
already is — `io.kubernetes.pod.namespace` from its namespace (the `kubernetes.io/metadata.name` label every
namespace carries), `io.cilium.k8s.namespace.labels.K` from its namespace's label K (a pod's own label of
that full key is dropped: model/cilium_label_filter.py), `io.cilium.k8s.policy.serviceaccount` from the
pod's service account variable (symbols.SymbolicServiceAccount), `io.cilium.k8s.policy.cluster` from the
cluster name (a constant). Every other key is the pod's own label, unless Cilium leaves it out of identities
(another `io.cilium.k8s*` key, or one the default label filter ignores, like pod-template-hash): then the key is
absent from every identity and the requirement a constant. The universe holds every key and value these
translations name (`universe_selectors`), so matching stays exact.

Matches are (yes, maybe) pairs of exclusive Bools, the three-valued match of the evaluator.
"""

from __future__ import annotations

from collections.abc import Iterable

import z3

from netverify.eval.cilium import policies_of
from netverify.eval.cilium_identity import RESERVED_PREFIX
from netverify.model.cilium import (
    CLUSTER_LABEL,
    NAMESPACE_LABEL,
    NAMESPACE_LABELS_PREFIX,
    SERVICE_ACCOUNT_LABEL,
    CiliumPolicy,
    in_identities,
)
from netverify.model.cilium_label_filter import release_dependent
from netverify.model.cluster import NAMESPACE_NAME_LABEL, Cluster
from netverify.model.labels import LabelSelector, Requirement
from netverify.smt.selectors import SelectorEncoder
from netverify.smt.session import SolverSession
from netverify.smt.symbols import SymbolicPod
from netverify.smt.universe import KeyValues, fresh_value

YesMaybe = tuple[z3.BoolRef, z3.BoolRef]


def policy_selectors(policy: CiliumPolicy) -> list[LabelSelector]:
    out = [policy.endpoint_selector] if policy.endpoint_selector is not None else []
    for r in (*policy.ingress, *policy.egress):
        out += list(r.endpoints or ()) + list(r.requires)
    return out


def _translated(req: Requirement) -> list[Requirement]:
    """The universe requirements one identity requirement reads."""
    if req.key == NAMESPACE_LABEL:
        return [Requirement(NAMESPACE_NAME_LABEL, req.operator, req.values)]
    if req.key in (SERVICE_ACCOUNT_LABEL, CLUSTER_LABEL) or not in_identities(req.key):
        return []
    if req.key.startswith(NAMESPACE_LABELS_PREFIX):
        return [Requirement(req.key[len(NAMESPACE_LABELS_PREFIX):], req.operator, req.values)]
    return [req]


def universe_selectors(policies: Iterable[CiliumPolicy]) -> list[LabelSelector]:
    """Selectors over the keys and values the identity matches of `policies` read (problem._universe)."""
    return [LabelSelector(tuple(t for r in s.requirements for t in _translated(r)))
            for p in policies for s in policy_selectors(p)]


def port_names(cluster: Cluster) -> set[str]:
    """The named ports the cluster's Cilium rules use."""
    return {e.port for p in policies_of(cluster) for r in (*p.ingress, *p.egress) for pr in r.ports for e in pr.ports
            if isinstance(e.port, str)}


def service_account_names(cluster: Cluster, policies: Iterable[CiliumPolicy]) -> KeyValues:
    """The service accounts selectors name, in a fixed order; the fresh one stands for every other name."""
    named = sorted({v for p in policies for s in policy_selectors(p) for r in s.requirements
                    if r.key == SERVICE_ACCOUNT_LABEL for v in r.values})
    taken = set(named) | {w.service_account for w in cluster.workloads}
    return KeyValues(SERVICE_ACCOUNT_LABEL, tuple(named), fresh_value(taken, base="other-sa"))


class IdentityEncoder:
    def __init__(self, session: SolverSession, selectors: SelectorEncoder, cluster_name: str) -> None:
        self.session = session
        self.selectors = selectors
        self.cluster_name = cluster_name
        self._cache: dict[tuple[int, LabelSelector], z3.BoolRef] = {}

    def matches(self, selector: LabelSelector, pod: SymbolicPod, left_out: bool = False) -> z3.BoolRef:
        """The pod's identity labels match `selector` (the pod taken as a pod-network pod); `left_out`: under a
        Cilium release that leaves the RELEASE_DEPENDENT labels out of identities."""
        key = (id(pod), selector, left_out)
        if key not in self._cache:
            self._cache[key] = self.session.and_(self._requirement(r, pod, left_out) for r in selector.requirements)
        return self._cache[key]

    def matches3(self, selector: LabelSelector, pod: SymbolicPod) -> YesMaybe:
        """(yes, maybe): matched under every Cilium release, or under some only (eval/cilium_identity.release_match)."""
        kept = self.matches(selector, pod)
        if not any(release_dependent(r.key) for r in selector.requirements):
            return kept, self.session.false()
        left_out = self.matches(selector, pod, left_out=True)
        s = self.session
        return s.and_([kept, left_out]), z3.Xor(kept, left_out)

    def _requirement(self, req: Requirement, pod: SymbolicPod, left_out: bool = False) -> z3.BoolRef:
        s = self.session
        if left_out and release_dependent(req.key):
            return s.const(req.matches({}))
        if req.key == CLUSTER_LABEL:
            return s.const(req.matches({CLUSTER_LABEL: self.cluster_name}))
        if req.key == SERVICE_ACCOUNT_LABEL:
            if req.operator in ("Exists", "DoesNotExist"):
                return s.const(req.operator == "Exists")
            sa = pod.service_account
            assert sa is not None, "a Cilium problem gives every pod a service account"
            named = s.or_(sa.value == sa.names.index(v) for v in sorted(req.values)
                          if sa.names.index(v) != sa.names.fresh_index)
            return named if req.operator == "In" else s.not_(named)
        if req.key == NAMESPACE_LABEL:
            if req.operator in ("Exists", "DoesNotExist"):
                return s.const(req.operator == "Exists")  # every pod has a namespace
            return self.selectors.namespace(LabelSelector(tuple(_translated(req))), pod)
        if not in_identities(req.key):
            return s.const(req.matches({}))  # no identity carries the key
        if req.key.startswith(NAMESPACE_LABELS_PREFIX):
            # The namespace's label alone: a namespace selector reads an absent key as the identity does.
            return self.selectors.namespace(LabelSelector(tuple(_translated(req))), pod)
        return self.selectors.labels(LabelSelector((req,)), pod.labels)


def reserved_may_match(selector: LabelSelector) -> bool:
    """Whether netverify cannot rule out that the selector selects a reserved identity (a node, the world):
    eval/cilium_identity.selector_match."""
    return selector.matches({}) or any(r.key.startswith(RESERVED_PREFIX) for r in selector.requirements)
