"""Cilium (cilium.io/v2 CNP and CCNP, and Kubernetes NetworkPolicy as Cilium converts it) as one layer.

Sources: https://docs.cilium.io/en/stable/security/policy/ (language, deny policies, intro "Policy
Enforcement Modes"), cilium/cilium pkg/policy/api (rule.go, ingress.go, egress.go, l4.go, entity.go),
pkg/policy/distillery (deny wins over allow), pkg/k8s/network_policy.go (model/cilium_convert.py).

For one side, the policies whose endpointSelector selects the pod's identity labels form one union; there is no
order or priority:
- some deny rule (ingressDeny / egressDeny) matches → deny;
- else some allow rule matches → allow;
- else a selecting policy has rules in the direction (allow or deny, even `[{}]`) and does not set
  `enableDefaultDeny.<direction>: false` → deny (default deny);
- else nomatch (no policy enforces anything there: the connection is allowed).
A match netverify cannot decide (model/fields.py Unmodelled, `fromRequires`, reserved identities, nodes not in
the input) is None: a deny that may match leaves the side unknown unless another deny surely matches; an allow
that may match leaves it unknown where the rest would deny. L7 rules (`rules: http/kafka/dns`) narrow what an
allow lets through to what the proxy accepts: the side is allowed, with `reason` saying so.
Host-network pods are no Cilium endpoints: only host policies (CCNP nodeSelector, not modelled) apply to them.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from netverify.eval.cilium_identity import (
    Identity,
    Match,
    all_of,
    any_of,
    cidr_match,
    entities_match,
    identity_of,
    pod_identity_labels,
    release_match,
    selector_match,
)
from netverify.eval.layer import Side, is_host_network
from netverify.model.cilium import CiliumPolicy, CiliumPort, CiliumPortRule, CiliumRule
from netverify.model.cilium_convert import converted
from netverify.model.cluster import Cluster
from netverify.model.decision import LayerDecision
from netverify.model.flow import Endpoint, PodEndpoint
from netverify.model.policy import NetworkPolicy
from netverify.model.ports import PROTOCOLS, Protocol
from netverify.model.verdict import RuleRef

LAYER = "cilium"


def policies_of(cluster: Cluster) -> tuple[CiliumPolicy, ...]:
    """Every policy Cilium enforces: the CNPs and CCNPs, then each NetworkPolicy converted (a conversion is
    made once per NetworkPolicy: the evaluator asks per side)."""
    return tuple(cluster.cilium.policies) + tuple(_converted(p) for p in cluster.policies)


@lru_cache(maxsize=4096)
def _converted(policy: NetworkPolicy) -> CiliumPolicy:
    return converted(policy)


def selecting(cluster: Cluster, pod: PodEndpoint) -> tuple[CiliumPolicy, ...]:
    """The policies that surely select the pod."""
    return tuple(p for p, m in _selection(cluster, pod) if m is True)


def maybe_selecting(cluster: Cluster, pod: PodEndpoint) -> tuple[CiliumPolicy, ...]:
    """The policies that select the pod under some Cilium releases only (eval/cilium_identity.release_match)."""
    return tuple(p for p, m in _selection(cluster, pod) if m is None)


def _selection(cluster: Cluster, pod: PodEndpoint) -> list[tuple[CiliumPolicy, Match]]:
    labels = pod_identity_labels(pod, cluster.cilium.cluster_name)
    return [(p, release_match(p.endpoint_selector, labels)) for p in policies_of(cluster)
            if p.endpoint_selector is not None]


def default_denies(policy: CiliumPolicy, direction) -> bool:
    return bool(policy.rules(direction)) and policy.default_deny.get(direction) is not False


# ---- L4 ---------------------------------------------------------------------------------------------

def port_match(entry: CiliumPort, protocol: Protocol, port: int, dst: Endpoint) -> Match:
    """A `toPorts` port. On TCP, UDP and SCTP: the protocol (ANY is each of them), port 0 every port, a range
    with endPort, a name the destination pod's container port of that name and protocol. On another protocol
    only ANY with port 0 may apply (what Cilium's datapath does with it there is not modelled: maybe)."""
    if protocol not in PROTOCOLS:
        return None if entry.protocol == "ANY" and entry.port == 0 else False
    if entry.protocol != "ANY" and entry.protocol != str(protocol):
        return False
    if isinstance(entry.port, str):
        return isinstance(dst, PodEndpoint) and any(
            cp.name == entry.port and cp.protocol == protocol and cp.port == port for cp in dst.ports)
    if entry.port == 0:
        return True
    high = entry.end_port if entry.end_port is not None else entry.port
    return entry.port <= port <= high


def port_rule_match(rule: CiliumPortRule, side: Side) -> Match:
    if not rule.ports:  # a toPorts item without ports: every port (its L7 rules apply); other protocols: maybe
        return True if side.protocol in PROTOCOLS else None
    return any_of(port_match(e, side.protocol, side.port, side.dst) for e in rule.ports)


ICMP_FAMILIES = {Protocol.ICMP: "IPv4", Protocol.ICMPv6: "IPv6"}


def icmp_match(rule: CiliumRule, side: Side) -> bool:
    """`icmps`: ICMP (family IPv4) / ICMPv6 (IPv6) messages of the listed types, any code."""
    family = ICMP_FAMILIES.get(side.protocol)
    return family is not None and any(f.family == family and f.type == side.icmp_type for f in rule.icmps)


def l4_match(rule: CiliumRule, side: Side) -> tuple[Match, tuple[CiliumPortRule, ...]]:
    """Whether the rule's toPorts/icmps admit the connection, and the toPorts items that surely do. Neither
    given: every protocol and port (an L3-only rule)."""
    if not rule.ports and not rule.icmps:
        return True, ()
    answers = [(pr, port_rule_match(pr, side)) for pr in rule.ports]
    through = tuple(pr for pr, m in answers if m is True)
    return any_of([*(m for _, m in answers), icmp_match(rule, side)]), through


# ---- L3 ---------------------------------------------------------------------------------------------

def has_l3(rule: CiliumRule) -> bool:
    return bool(rule.endpoints or rule.entities or rule.cidrs)


def peer_match(rule: CiliumRule, other: Identity) -> Match:
    """The rule's peers. None of endpoints/entities/CIDRs: every peer when toPorts or icmps say something
    (an L4-only rule), no peer for an empty rule `{}` (what a NetworkPolicy's isolation becomes)."""
    if not has_l3(rule):
        return bool(rule.ports or rule.icmps)
    return any_of([
        *(selector_match(s, other) for s in rule.endpoints or ()),
        entities_match(rule.entities, other),
        *(cidr_match(c, other) for c in rule.cidrs),
    ])


@dataclass(frozen=True, slots=True)
class RuleMatch:
    match: Match
    l7: tuple[str, ...] = ()  # the L7 kinds of the toPorts items it matches through, when all of them have some
    field: str | None = None  # why it may match (match None)


def rule_match(rule: CiliumRule, side: Side, other: Identity, requires: Match) -> RuleMatch:
    l4, through = l4_match(rule, side)
    if l4 is False:
        return RuleMatch(False)
    peers = peer_match(rule, other)
    if rule.unmodelled:
        # An unmodelled peer (toFQDNs, toServices, ...) may match any peer; other fields narrow the rule.
        if rule.deny and l4 is True and peers is True and requires is True:
            return RuleMatch(True)  # the modelled peers alone already deny
        return RuleMatch(None, field=", ".join(u.field for u in rule.unmodelled))
    if peers is False:
        return RuleMatch(False)
    if l4 is None:
        return RuleMatch(None, field=f"toPorts protocol ANY (or no ports) on {side.protocol.label}")
    if peers is None:
        return RuleMatch(None, field=(
            "a peer that may be a node or a reserved identity (host/remote-node alone, kube-apiserver, cluster "
            "or host without Node objects, a selector a labelless identity satisfies)"))
    if requires is not True:
        return RuleMatch(None, field="fromRequires/toRequires")
    l7 = () if not through or any(not pr.l7 for pr in through) else tuple(dict.fromkeys(k for pr in through
                                                                                          for k in pr.l7))
    return RuleMatch(True, l7)


def requires_match(policies: tuple[CiliumPolicy, ...], side: Side, other: Identity) -> Match:
    """Every `fromRequires`/`toRequires` of every selecting policy (they apply to all rules of the endpoint,
    pkg/policy/api/ingress.go); netverify treats a rule matched without them all met as undecided."""
    return all_of(selector_match(s, other) for p in policies for r in p.rules(side.direction)
                  for s in r.requires)


def ref_of(policy: CiliumPolicy, rule: CiliumRule) -> RuleRef:
    return RuleRef(policy.key, rule.direction, rule.index, rule.span, kind=policy.kind,
                   action="deny" if rule.deny else "allow")


# ---- the union ----------------------------------------------------------------------------------------

def _host_decision(cluster: Cluster, side: Side) -> LayerDecision:
    hosts = [p for p in cluster.cilium.policies if p.endpoint_selector is None and p.rules(side.direction)]
    if not hosts:
        return LayerDecision(LAYER, "nomatch")
    refs = tuple(RuleRef(p.key, side.direction, None, p.span, kind=p.kind) for p in hosts)
    return LayerDecision(LAYER, "unknown", refs, reason=(
        f"{hosts[0].key} is a host policy (nodeSelector), which netverify does not model; it may apply to the "
        f"host-network pod ({hosts[0].span})"))


def decide(cluster: Cluster, side: Side) -> LayerDecision:
    pod = side.pod
    if not isinstance(pod, PodEndpoint):
        return LayerDecision(LAYER, "nomatch")
    if is_host_network(pod):
        return _host_decision(cluster, side)
    selection = _selection(cluster, pod)
    policies = tuple(p for p, m in selection if m is True)
    other = identity_of(cluster, side.other)
    requires = requires_match(policies, side, other)
    deny, deny_maybe, allow, allow_maybe, l7_only = [], [], [], [], []
    for p in (p for p, m in selection if m is None and p.rules(side.direction)):  # maybe_selecting
        deny_maybe.append((RuleRef(p.key, side.direction, None, p.span, kind=p.kind),
                           "its endpointSelector names a label only some Cilium releases keep in identities"))
    for p in policies:
        if p.unmodelled:
            deny_maybe.append((RuleRef(p.key, side.direction, None, p.span, kind=p.kind),
                               ", ".join(u.field for u in p.unmodelled)))
        for r in p.rules(side.direction):
            m = rule_match(r, side, other, requires)
            if m.match is False:
                continue
            ref = ref_of(p, r)
            if m.match is None:
                (deny_maybe if r.deny else allow_maybe).append((ref, m.field))
            elif r.deny:
                deny.append(ref)
            else:
                allow.append(ref)
                l7_only.append(m.l7)
    if deny:
        return LayerDecision(LAYER, "deny", tuple(deny))
    isolating = tuple(RuleRef(p.key, side.direction, None, p.span, kind=p.kind)
                      for p in policies if default_denies(p, side.direction))
    # What the side ends in without the denies that may match; they matter only where that is no deny.
    undecided = allow_maybe if not allow and isolating else []
    if not allow and not undecided and isolating:
        return LayerDecision(LAYER, "deny", isolating)
    if deny_maybe or undecided:
        ref, field = (deny_maybe or undecided)[0]
        return LayerDecision(LAYER, "unknown", (ref,), reason=f"{ref.policy} {side.direction}"
                             f"{'' if ref.rule is None else f'[{ref.rule}]'} uses {field}, which netverify does "
                             f"not model and which could decide this connection ({ref.span})")
    if allow:
        reason = None
        if all(l7_only):
            kinds = ", ".join(dict.fromkeys(k for ks in l7_only for k in ks))
            reason = f"allowed subject to L7 rules ({kinds}): the proxy lets through only what they accept"
        return LayerDecision(LAYER, "allow", tuple(allow), reason=reason)
    return LayerDecision(LAYER, "nomatch")


def unenforced_kinds(cluster: Cluster) -> tuple[str, ...]:
    """Policy kinds in the input that Cilium does not enforce (AdminNetworkPolicy, BaselineAdminNetworkPolicy,
    ClusterNetworkPolicy): under --cni cilium they decide nothing, and reports say they were skipped."""
    return tuple(dict.fromkeys(p.kind for p in cluster.admin_policies))
