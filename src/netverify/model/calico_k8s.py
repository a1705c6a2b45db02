"""A Kubernetes NetworkPolicy as the Calico policy Calico enforces it as.

Calico converts every networking.k8s.io NetworkPolicy into a policy of the `default` tier at order 1000
whose rules all Allow (projectcalico/calico libcalico-go/lib/backend/k8s/conversion/conversion.go,
`K8sNetworkPolicyToCalico`; https://docs.tigera.io/calico/latest/reference/resources/networkpolicy):
- the podSelector becomes the policy selector, policyTypes its `types`;
- a peer's podSelector becomes the rule `selector` (in a namespaced policy limited to its namespace), a
  namespaceSelector the rule `namespaceSelector` (`{}`: every namespace);
- an ipBlock becomes `nets: [cidr]` and `notNets: except` — Calico `nets` match pod addresses too;
- each (peer, port entry) pair becomes one Allow rule with that entry's protocol and port (a rule's peers and
  ports are "any of"; Allow rules are a union, so one rule per pair is the same policy).
The converted rules keep the k8s rule's index and span: reports name the NetworkPolicy rule that admitted.
"""

from __future__ import annotations

from dataclasses import replace
from functools import lru_cache

from netverify.model.calico import DEFAULT_TIER, CalicoPort, CalicoPolicy, CalicoRule, EntityRule
from netverify.model.calico_selector import All, And, CalicoSelector, Expr, Has, In, Not, NotIn
from netverify.model.ipblock import IPBlock
from netverify.model.labels import LabelSelector
from netverify.model.policy import NetworkPolicy, Peer, PortMatch, Rule

K8S_KIND = "KubernetesNetworkPolicy"  # the kind Calico files a converted NetworkPolicy under (ties by kind)
K8S_ORDER = 1000.0


def selector_expr(selector: LabelSelector) -> Expr:
    """A metav1.LabelSelector as a Calico selector expression (same meaning: NotIn matches an absent key)."""
    parts: list[Expr] = []
    for r in selector.requirements:
        if r.operator == "In":
            parts.append(In(r.key, r.values))
        elif r.operator == "NotIn":
            parts.append(NotIn(r.key, r.values))
        elif r.operator == "Exists":
            parts.append(Has(r.key))
        else:
            parts.append(Not(Has(r.key)))
    if not parts:
        return All()
    return parts[0] if len(parts) == 1 else And(tuple(parts))


def _calico_selector(selector: LabelSelector, span) -> CalicoSelector:
    return CalicoSelector(selector_expr(selector), str(selector), span)


def _entity(peer: Peer | None) -> EntityRule:
    if peer is None:
        return EntityRule()
    if peer.ip_block is not None:
        block = peer.ip_block
        return EntityRule(nets=(IPBlock(block.cidr),), not_nets=tuple(IPBlock(e) for e in block.excepts),
                          span=peer.span)
    sel = _calico_selector(peer.pod_selector, peer.span) if peer.pod_selector is not None else None
    ns = _calico_selector(peer.namespace_selector, peer.span) if peer.namespace_selector is not None else None
    return EntityRule(selector=sel, namespace_selector=ns, span=peer.span)


def _port(entry: PortMatch) -> tuple[int, tuple[CalicoPort, ...]]:
    number = entry.protocol.number
    if entry.port is None:
        return number, ()
    if isinstance(entry.port, str):
        return number, (CalicoPort(None, None, entry.port, entry.span),)
    hi = entry.end_port if entry.end_port is not None else entry.port
    return number, (CalicoPort(entry.port, hi, None, entry.span),)


def _rules(rule: Rule) -> list[CalicoRule]:
    out = []
    for peer in rule.peers or (None,):
        for entry in rule.ports or (None,):
            protocol, ports = _port(entry) if entry is not None else (None, ())
            other = _entity(peer)
            # Ports are the destination's in both directions: the pod's own (ingress), the peer's (egress).
            if rule.direction == "ingress":
                source, destination = other, EntityRule(ports=ports)
            else:
                source, destination = EntityRule(), replace(other, ports=ports)
            out.append(CalicoRule(rule.direction, rule.index, "allow", protocol, None, None, None, None,
                                  source, destination, rule.span))
    return out


@lru_cache(maxsize=4096)
def as_calico(np: NetworkPolicy) -> CalicoPolicy:
    ingress = tuple(r for rule in np.ingress for r in _rules(rule))
    egress = tuple(r for rule in np.egress for r in _rules(rule))
    types = tuple(d for d in ("ingress", "egress") if np.isolates(d))  # type: ignore[arg-type]
    return CalicoPolicy(K8S_KIND, "networking.k8s.io/v1", np.namespace, np.name, DEFAULT_TIER, K8S_ORDER,
                        _calico_selector(np.pod_selector, np.span), None, None, types,  # type: ignore[arg-type]
                        ingress, egress, np.span)
