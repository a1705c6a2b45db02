"""Cilium identities as formulas (smt twin of eval/cilium_identity.py).

A pod's identity labels are not variables of their own: each key Cilium adds is read from what the pod
already is — `io.kubernetes.pod.namespace` from its namespace (the `kubernetes.io/metadata.name` label every
namespace carries), `io.cilium.k8s.namespace.labels.K` from its namespace's label K (else the pod's own label
of that full key, as model/cilium.identity_labels keeps it), `io.cilium.k8s.policy.serviceaccount` from the
pod's service account variable (symbols.SymbolicServiceAccount), `io.cilium.k8s.policy.cluster` from the
cluster name (a constant). Every other key is the pod's own label. The universe holds every key and value
these translations name (`universe_selectors`), so matching stays exact.

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
)
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
    if req.key.startswith(NAMESPACE_LABELS_PREFIX):
        return [Requirement(req.key[len(NAMESPACE_LABELS_PREFIX):], req.operator, req.values), req]
    if req.key in (SERVICE_ACCOUNT_LABEL, CLUSTER_LABEL):
        return []
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

    def matches(self, selector: LabelSelector, pod: SymbolicPod) -> z3.BoolRef:
        """The pod's identity labels match `selector` (the pod taken as a pod-network pod)."""
        key = (id(pod), selector)
        if key not in self._cache:
            self._cache[key] = self.session.and_(self._requirement(r, pod) for r in selector.requirements)
        return self._cache[key]

    def _requirement(self, req: Requirement, pod: SymbolicPod) -> z3.BoolRef:
        s = self.session
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
        if req.key.startswith(NAMESPACE_LABELS_PREFIX):
            own = req.key[len(NAMESPACE_LABELS_PREFIX):]
            ns_has = self.selectors.namespace(LabelSelector((Requirement(own, "Exists"),)), pod)
            ns_req, pod_req = _translated(req)
            return z3.If(ns_has, self.selectors.namespace(LabelSelector((ns_req,)), pod),
                         self.selectors.labels(LabelSelector((pod_req,)), pod.labels))
        return self.selectors.labels(LabelSelector((req,)), pod.labels)


def reserved_may_match(selector: LabelSelector) -> bool:
    """Whether netverify cannot rule out that the selector selects a reserved identity (a node, the world):
    eval/cilium_identity.selector_match."""
    return selector.matches({}) or any(r.key.startswith(RESERVED_PREFIX) for r in selector.requirements)
