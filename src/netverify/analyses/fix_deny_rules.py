"""The Deny rules `prove --suggest-fix` writes, as the YAML mappings each kind reads.

A Deny names a class of peers (DenyPeer: the property's other end, not the counterexample's one pod) and
optionally the property's ports. Written forms:
- AdminNetworkPolicy / BaselineAdminNetworkPolicy (policy.networking.k8s.io/v1alpha1): `name`, `action: Deny`,
  `from`/`to` with a `namespaces` or `pods` peer (or, egress only, `networks`), `ports` as `portNumber`,
  `portRange`, `namedPort` (https://network-policy-api.sigs.k8s.io/reference/spec/);
- ClusterNetworkPolicy (v1alpha2): the same peers, `protocols` as `tcp|udp|sctp: {destinationPort: ...}` or
  `destinationNamedPort`;
- Calico NetworkPolicy / GlobalNetworkPolicy: `action: Deny`, `protocol`, `source`/`destination` with
  `namespaceSelector`, `selector`, `nets`/`notNets`, `destination.ports`, the selectors in Calico's syntax
  (https://docs.tigera.io/calico/latest/reference/resources/networkpolicy#selectors); one rule per protocol.
None: the class or the ports cannot be written in that kind (the candidate is skipped).
"""

from __future__ import annotations

from dataclasses import dataclass

from netverify.analyses.fix_text import selector_yaml
from netverify.model.anp import CNP_KIND, AdminPolicy
from netverify.model.ipblock import IPBlock
from netverify.model.labels import LabelSelector, Requirement
from netverify.model.policy import Direction, PortMatch
from netverify.model.ports import PROTOCOLS

NAME_LABEL = "kubernetes.io/metadata.name"
CALICO_NAMESPACE_LABEL = "projectcalico.org/namespace"  # a pod's namespace, written by Calico on its endpoint
MAX_RULE_NAME = 100  # both admin API versions
MAX_PORT = 65535


@dataclass(frozen=True, slots=True)
class DenyPeer:
    """Whom a Deny names. Pods: of the namespace `namespace` (by name), else of the namespaces
    `namespace_selector` matches (None: every namespace), that `pod_selector` matches (None: every pod).
    An address block: `ip_block`."""

    namespace: str | None = None
    namespace_selector: LabelSelector | None = None
    pod_selector: LabelSelector | None = None
    ip_block: IPBlock | None = None

    def __str__(self) -> str:
        if self.ip_block is not None:
            return str(self.ip_block)
        where = (f"namespace {self.namespace}" if self.namespace is not None else
                 f"namespaces {self.namespace_selector}" if self.namespace_selector is not None else
                 "every namespace")
        pods = "every pod" if self.pod_selector is None else f"pods {self.pod_selector}"
        return f"{pods} of {where}"

    def namespaces(self) -> LabelSelector:
        if self.namespace is not None:
            return LabelSelector((Requirement(NAME_LABEL, "In", frozenset({self.namespace})),))
        return self.namespace_selector or LabelSelector()


def portable(ports: tuple[PortMatch, ...]) -> bool:
    """Whether every entry is a destination port (or range, name, or all ports) of TCP, UDP or SCTP: what a
    Deny's ports can say (no source ports, no ICMP types, no other protocols)."""
    return all(p.protocol in PROTOCOLS and p.src_port is None and p.icmp_type is None and p.icmp_code is None
               for p in ports)


def rule_name(prop: str) -> str:
    return f"deny-{prop}"[:MAX_RULE_NAME]


def admin_deny(policy: AdminPolicy, direction: Direction, peer: DenyPeer, ports: tuple[PortMatch, ...],
               prop: str) -> list[dict] | None:
    v2 = policy.kind == CNP_KIND
    if peer.ip_block is not None:
        if direction == "ingress" or peer.ip_block.excepts or any(p.is_named for p in ports):
            return None  # networks: egress only, no exceptions, and never beside a named port
        written: dict = {"networks": [str(peer.ip_block.cidr)]}
    elif peer.pod_selector is None:
        written = {"namespaces": selector_yaml(peer.namespaces())}
    else:
        written = {"pods": {"namespaceSelector": selector_yaml(peer.namespaces()),
                            "podSelector": selector_yaml(peer.pod_selector)}}
    rule: dict = {"name": rule_name(prop), "action": "Deny", ("from" if direction == "ingress" else "to"): [written]}
    if ports:
        rule["protocols" if v2 else "ports"] = [cnp_port(p) if v2 else anp_port(p) for p in ports]
    return [rule]


def anp_port(p: PortMatch) -> dict:
    if isinstance(p.port, str):
        return {"namedPort": p.port}
    start, end = (1, MAX_PORT) if p.port is None else (p.port, p.end_port or p.port)
    if start == end:
        return {"portNumber": {"protocol": str(p.protocol), "port": start}}
    return {"portRange": {"protocol": str(p.protocol), "start": start, "end": end}}


def cnp_port(p: PortMatch) -> dict:
    if isinstance(p.port, str):
        return {"destinationNamedPort": p.port}
    start, end = (1, MAX_PORT) if p.port is None else (p.port, p.end_port or p.port)
    dest = {"number": start} if start == end else {"range": {"start": start, "end": end}}
    return {str(p.protocol).lower(): {"destinationPort": dest}}


def calico_deny(direction: Direction, peer: DenyPeer, ports: tuple[PortMatch, ...]) -> list[dict]:
    entity: dict = {}
    if peer.ip_block is not None:
        entity["nets"] = [str(peer.ip_block.cidr)]
        if peer.ip_block.excepts:
            entity["notNets"] = [str(e) for e in peer.ip_block.excepts]
    else:
        # Always a namespaceSelector: without one a namespaced policy's selector means its own namespace only.
        # A named namespace is matched by the label Calico writes on the endpoint itself: a pod's own labels come
        # before the ones its namespace's profile gives it (eval/calico_selector.own_first), so a pod labelled
        # `pcns.projectcalico.org/name` would escape a namespaceSelector on the name.
        entity["namespaceSelector"] = "all()" if peer.namespace is not None else calico_selector(peer.namespace_selector)
        parts = [f"{CALICO_NAMESPACE_LABEL} == {_quote(peer.namespace)}"] if peer.namespace is not None else []
        if peer.pod_selector is not None and peer.pod_selector.requirements:
            parts.append(calico_selector(peer.pod_selector))
        if parts:
            entity["selector"] = parts[0] if len(parts) == 1 else " && ".join(f"({p})" for p in parts)
    side = "source" if direction == "ingress" else "destination"
    if not ports:
        return [{"action": "Deny", side: entity}]
    rules = []
    for protocol in dict.fromkeys(p.protocol for p in ports):  # one rule per protocol, in the property's order
        rule: dict = {"action": "Deny", "protocol": str(protocol), side: dict(entity)}
        numbers = [_calico_port(p) for p in ports if p.protocol == protocol]
        if None not in numbers:  # an entry with every port of the protocol: the protocol alone says it
            rule.setdefault("destination", {})["ports"] = numbers
        rules.append(rule)
    return rules


def _calico_port(p: PortMatch) -> int | str | None:
    if p.port is None or isinstance(p.port, str):
        return p.port
    return p.port if not p.end_port or p.end_port == p.port else f"{p.port}:{p.end_port}"


def calico_selector(selector: LabelSelector | None) -> str:
    """A label selector in Calico's selector syntax (same meaning: NotIn and !has match a missing key)."""
    if selector is None or not selector.requirements:
        return "all()"
    parts = []
    for r in selector.requirements:
        values = ", ".join(_quote(v) for v in sorted(r.values))
        if r.operator == "In":
            parts.append(f"{r.key} == {values}" if len(r.values) == 1 else f"{r.key} in {{{values}}}")
        elif r.operator == "NotIn":
            parts.append(f"{r.key} not in {{{values}}}")
        elif r.operator == "Exists":
            parts.append(f"has({r.key})")
        else:
            parts.append(f"!has({r.key})")
    return " && ".join(parts)


def _quote(value: str) -> str:
    # label values are [A-Za-z0-9_.-] (a namespace name too): no quote inside to escape
    return f"'{value}'"
