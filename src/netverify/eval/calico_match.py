"""Does one Calico rule match one side of a connection (three-valued: None = cannot tell)?

A rule's `source` matches the connection's source and its `destination` the destination, whichever side the
rule is judged at (https://docs.tigera.io/calico/latest/reference/resources/networkpolicy#entityrule). Every
field given must match:
- `nets` / `notNets`: the endpoint's address, pod addresses included;
- `selector`, `serviceAccounts`, `namespaceSelector`: one selector over endpoints and network sets
  (eval/calico_selector.py); in a namespaced policy limited to its namespace unless `namespaceSelector` is
  given — as soon as any of them or `notSelector` is (projectcalico/calico
  libcalico-go/lib/backend/syncersv1/updateprocessors/rules.go, getEndpointSelector). An address matches a
  selector when a network set that the selector matches holds it; so does a pod's address (Felix matches by IP);
- `notSelector`: no such match (never limited to the namespace);
- `ports` / `notPorts`: the destination port (destination) or the source port (source): numbers, `lo:hi`
  ranges, or a named port of that endpoint's containers with the connection's protocol;
- `services` (a Service's endpoints): not modelled, the match is unknown.
Host-network pods have no workload endpoint: selectors never match them by labels; with HostEndpoints in the
input a selector may match them by the host endpoint's labels, which netverify does not model (unknown).
"""

from __future__ import annotations

from netverify.eval.calico_selector import (
    NAMESPACE_KEY, NS_PREFIX, ORCHESTRATOR_KEY, SA_PREFIX, SERVICE_ACCOUNT_KEY, UNKNOWN, Match, Subject, all3, any3,
    match3, not3,
)
from netverify.eval.layer import Side, is_host_network
from netverify.model.calico_selector import Equals, Expr, In
from netverify.model.calico import CalicoPolicy, CalicoPort, CalicoRule, EntityRule, IcmpMatch, NetworkSet
from netverify.model.cluster import Cluster
from netverify.model.flow import Endpoint, ExternalEndpoint, PodEndpoint
from netverify.model.ports import Protocol



def protocol_number(protocol: Protocol) -> int:
    return Protocol(protocol).number


def set_subject(cluster: Cluster, ns: NetworkSet) -> Subject:
    own = dict(ns.labels)
    if ns.namespace is None:
        return Subject(own, None)
    own[NAMESPACE_KEY] = ns.namespace
    return Subject(own, ns.namespace, cluster.namespace_labels(ns.namespace))


def pod_subject(cluster: Cluster, pod: PodEndpoint) -> Subject:
    """The pod's workload endpoint as selectors see it (the ServiceAccount of a pod not created yet is
    unknown unless the pod names it; so are the labels of an account whose object is not in the input)."""
    own = {**pod.labels, NAMESPACE_KEY: pod.namespace, ORCHESTRATOR_KEY: "k8s"}
    if pod.workload is None and pod.service_account is None:
        return Subject(own, pod.namespace, pod.namespace_labels, UNKNOWN, UNKNOWN)
    account = pod.workload.service_account if pod.workload is not None else pod.service_account
    found = next((sa for sa in cluster.service_accounts
                  if sa.namespace == pod.namespace and sa.name == account), None)
    return Subject(own, pod.namespace, pod.namespace_labels, account,
                   dict(found.labels) if found is not None else UNKNOWN)


Parts = list[tuple[Expr, str]]  # (selector, key prefix) conjuncts, read by match3 / smt's encoder


def entity_parts(er: EntityRule, policy_namespace: str | None) -> Parts | None:
    """The entity's combined selector as conjuncts, or None when the entity names no selector (then its
    endpoints are not limited to the policy's namespace)."""
    if er.selector is None and er.service_accounts is None and er.namespace_selector is None \
            and er.not_selector is None:
        return None
    parts: Parts = []
    if er.namespace_selector is not None:
        parts.append((er.namespace_selector.expr, NS_PREFIX))
    elif policy_namespace is not None:
        parts.append((Equals(NAMESPACE_KEY, policy_namespace), ""))
    sa = er.service_accounts
    if sa is not None:
        if sa.selector is not None:
            parts.append((sa.selector.expr, SA_PREFIX))
        if sa.names:
            parts.append((In(SERVICE_ACCOUNT_KEY, frozenset(sa.names)), ""))
    if er.selector is not None:
        parts.append((er.selector.expr, ""))
    return parts


def policy_parts(policy: CalicoPolicy) -> Parts:
    """Which workload endpoints the policy applies to, as conjuncts."""
    parts: Parts = [(policy.selector.expr, "")]
    if policy.namespace is not None:
        parts.append((Equals(NAMESPACE_KEY, policy.namespace), ""))
    if policy.namespace_selector is not None:
        parts.append((policy.namespace_selector.expr, NS_PREFIX))
    if policy.service_account_selector is not None:
        parts.append((policy.service_account_selector.expr, SA_PREFIX))
    return parts


def parts_match(parts: Parts, subject: Subject) -> Match:
    return all3(match3(e, subject, prefix) for e, prefix in parts)


def endpoint_matches(cluster: Cluster, parts: Parts, ep: Endpoint) -> Match:
    """A selector over an endpoint: its own workload endpoint, or its address in a network set the selector
    matches."""
    own: Match = False
    if isinstance(ep, PodEndpoint):
        if not is_host_network(ep):
            own = parts_match(parts, pod_subject(cluster, ep))
        elif cluster.calico.host_endpoints:
            own = None  # a HostEndpoint's labels may stand for it
    by_address = []
    for ns in cluster.calico.network_sets:
        m = parts_match(parts, set_subject(cluster, ns))
        if m is False:
            continue
        if ep.ip is None:
            by_address.append(None)
        elif any(b.contains(ep.ip) for b in ns.nets):
            by_address.append(m)
    return any3([own, *by_address])


def nets_match(nets, ep: Endpoint) -> Match:
    if ep.ip is None:
        return None
    return any(b.contains(ep.ip) for b in nets)


def port_match(entry: CalicoPort, number: int | None, ep: Endpoint, side: Side) -> Match:
    if number is None:
        return None  # the connection's source port was not chosen
    if entry.name is None:
        return entry.lo <= number <= entry.hi
    return isinstance(ep, PodEndpoint) and any(
        cp.name == entry.name and cp.protocol == side.protocol and cp.port == number for cp in ep.ports)


def entity_match(cluster: Cluster, er: EntityRule, policy_namespace: str | None, ep: Endpoint,
                 port: int | None, side: Side) -> Match:
    parts: list[Match] = []
    if er.nets:
        parts.append(nets_match(er.nets, ep))
    if er.not_nets:
        parts.append(not3(nets_match(er.not_nets, ep)))
    if er.ports or er.not_ports:
        if not Protocol(side.protocol).has_ports:
            return False  # ports only match protocols with ports (the API server requires such a protocol)
        if er.ports:
            parts.append(any3(port_match(e, port, ep, side) for e in er.ports))
        if er.not_ports:
            parts.append(not3(any3(port_match(e, port, ep, side) for e in er.not_ports)))
    combined = entity_parts(er, policy_namespace)
    if combined:
        parts.append(endpoint_matches(cluster, combined, ep))
    if er.not_selector is not None:
        parts.append(not3(endpoint_matches(cluster, [(er.not_selector.expr, "")], ep)))
    if er.services is not None:
        parts.append(None)
    return all3(parts)


def _icmp(m: IcmpMatch, side: Side) -> Match:
    if not Protocol(side.protocol).is_icmp:
        return False  # only ICMP and ICMPv6 messages have a type and a code
    kind, code = side.icmp_type, side.icmp_code
    if kind is None or (m.code is not None and code is None):
        return None
    return kind == m.type and (m.code is None or code == m.code)


def _ip_version(side: Side) -> int | None:
    for ep in (side.pod, side.other):
        if ep.ip is not None:
            return ep.ip.version
    return None


def rule_match(cluster: Cluster, policy: CalicoPolicy, rule: CalicoRule, side: Side) -> Match:
    """Whether the rule's modelled fields match (its unmodelled fields are the caller's to judge)."""
    number = protocol_number(side.protocol)
    if rule.protocol is not None and number != rule.protocol:
        return False
    if rule.not_protocol is not None and number == rule.not_protocol:
        return False
    parts: list[Match] = []
    if rule.icmp is not None:
        parts.append(_icmp(rule.icmp, side))
    if rule.not_icmp is not None:
        parts.append(not3(_icmp(rule.not_icmp, side)))
    if rule.ip_version is not None:
        version = _ip_version(side)
        parts.append(None if version is None else version == rule.ip_version)
    src, dst = (side.pod, side.other) if side.direction == "egress" else (side.other, side.pod)
    parts.append(entity_match(cluster, rule.source, policy.namespace, src, side.src_port, side))
    parts.append(entity_match(cluster, rule.destination, policy.namespace, dst, side.port, side))
    return all3(parts)


def selects(cluster: Cluster, policy: CalicoPolicy, pod: Endpoint) -> Match:
    """Whether the policy applies to the pod (its workload endpoint): a namespaced policy only in its
    namespace; `namespaceSelector` and `serviceAccountSelector` of a global one narrow it."""
    if not isinstance(pod, PodEndpoint):
        return False
    if is_host_network(pod):
        return None if cluster.calico.host_endpoints else False
    return parts_match(policy_parts(policy), pod_subject(cluster, pod))


def is_external(ep: Endpoint) -> bool:
    return isinstance(ep, ExternalEndpoint)


def calico_blocks(cluster: Cluster):
    """Every CIDR Calico objects name (rule nets / notNets, network sets): they cut the address space."""
    res = cluster.calico
    out = [b for p in res.policies for r in (*p.ingress, *p.egress) for er in (r.source, r.destination)
           for b in (*er.nets, *er.not_nets)]
    out += [b for ns in res.network_sets for b in ns.nets]
    return tuple(dict.fromkeys(out))
