"""`lint`'s NetworkPolicy checks that read the manifests as written (no solver): the seeds' mistakes,
selectors that select nothing, named ports nobody defines, ipBlocks over pod addresses, missing namespaces.

Semantics these rest on: https://kubernetes.io/docs/concepts/services-networking/network-policies/ (policyTypes
defaulting; "Behavior of to and from selectors": separate items are OR, one item with both selectors is AND;
an empty namespaceSelector selects every namespace) and the NetworkPolicy API reference (`ports[].port` names).
"""

from __future__ import annotations

from collections.abc import Iterator

from netverify.findings import LintFinding
from netverify.model.cluster import Cluster, Workload
from netverify.model.labels import LabelSelector
from netverify.model.policy import NetworkPolicy, Peer, Rule


def np_findings(cluster: Cluster) -> Iterator[LintFinding]:
    for p in cluster.policies:
        yield from _policy_types(p)
        yield from _peers(cluster, p)
        yield from _selects_nothing(cluster, p)
        yield from _named_ports(cluster, p)
        yield from _ipblocks(cluster, p)
        ns = cluster.namespaces.get(p.namespace)
        if ns is None or ns.span is None:
            yield LintFinding("namespace-missing", f"{p.key}: namespace {p.namespace} is not declared in the "
                              "manifests (the policy applies once it exists)", p.span)


def _policy_types(p: NetworkPolicy) -> Iterator[LintFinding]:
    if "policyTypes" not in p.declared:
        if "egress" in p.declared and not p.egress:
            yield LintFinding("empty-rules-without-policy-types", f"{p.key}: `egress: []` without policyTypes "
                              "does not isolate egress: the API server defaults policyTypes to [Ingress] when there "
                              "are no egress rules; write policyTypes: [Ingress, Egress] to deny all egress", p.span)
        if "ingress" in p.declared and not p.ingress:
            yield LintFinding("empty-rules-without-policy-types", f"{p.key}: `ingress: []` without policyTypes "
                              "isolates ingress and admits nothing (deny all ingress); say it with policyTypes: "
                              "[Ingress] to make it explicit", p.span)
        return
    for direction in ("ingress", "egress"):
        rules = p.rules(direction)
        if rules and direction not in p.policy_types:
            yield LintFinding("rules-outside-policy-types", f"{p.key}: {len(rules)} {direction} rule(s) are "
                              f"ignored: policyTypes does not list {direction.capitalize()}", rules[0].span,
                              (p.span,))


def _peers(cluster: Cluster, p: NetworkPolicy) -> Iterator[LintFinding]:
    for rule in (*p.ingress, *p.egress):
        for peer in rule.peers:
            if _meant_or(cluster, p, peer):
                yield LintFinding("and-or-peers", f"{p.key} {rule.direction}[{rule.index}]: one item, AND: pods "
                                  f"{{{peer.pod_selector}}} of namespaces {{{peer.namespace_selector}}} — no existing "
                                  f"pod is both, while pods {{{peer.pod_selector}}} exist in {p.namespace}; for "
                                  "either of them write two items", peer.span)
        pods_only = [x for x in rule.peers if x.pod_selector is not None and x.namespace_selector is None]
        ns_only = [x for x in rule.peers if x.namespace_selector is not None and x.pod_selector is None]
        if pods_only and ns_only:
            a, b = pods_only[0], ns_only[0]
            yield LintFinding("and-or-peers", f"{p.key} {rule.direction}[{rule.index}]: two items, OR: pods "
                              f"{{{a.pod_selector}}} of {p.namespace}, or every pod of namespaces "
                              f"{{{b.namespace_selector}}}; for pods {{{a.pod_selector}}} of those namespaces write "
                              "both selectors in one item", a.span, (b.span,))
        for peer in rule.peers:
            if (peer.namespace_selector is not None and peer.namespace_selector.is_everything
                    and peer.pod_selector is not None and not peer.pod_selector.is_everything):
                yield LintFinding("every-namespace-peer", f"{p.key} {rule.direction}[{rule.index}]: "
                                  f"`namespaceSelector: {{}}` admits pods {{{peer.pod_selector}}} of every namespace, "
                                  "kube-system and namespaces not created yet included; name the namespaces",
                                  peer.span)


def _meant_or(cluster: Cluster, p: NetworkPolicy, peer: Peer) -> bool:
    """An AND item that admits no existing pod while its podSelector alone matches pods of the policy's
    namespace: the two selectors were probably meant as two items."""
    if peer.pod_selector is None or peer.namespace_selector is None or peer.namespace_selector.is_everything:
        return False
    if peer.namespace_selector.matches(cluster.namespace_labels(p.namespace)):
        return False
    both = any(peer.namespace_selector.matches(cluster.namespace_labels(w.namespace))
               and peer.pod_selector.matches(w.labels) for w in cluster.workloads)
    return not both and any(peer.pod_selector.matches(w.labels) for w in _pods_in(cluster, p.namespace))


def satisfiable(selector: LabelSelector) -> bool:
    """Whether some label set matches (a conjunction fails only on a key whose requirements contradict)."""
    by_key: dict[str, list] = {}
    for r in selector.requirements:
        by_key.setdefault(r.key, []).append(r)
    for reqs in by_key.values():
        must_exist = any(r.operator in ("In", "Exists") for r in reqs)
        if must_exist and any(r.operator == "DoesNotExist" for r in reqs):
            return False
        allowed = None
        for r in reqs:
            if r.operator == "In":
                allowed = set(r.values) if allowed is None else allowed & set(r.values)
        banned = set().union(*(r.values for r in reqs if r.operator == "NotIn"))
        if allowed is not None and not (allowed - banned):
            return False
    return True


def _pods_in(cluster: Cluster, namespace: str) -> list[Workload]:
    return [w for w in cluster.workloads if w.namespace == namespace]


def _selects_nothing(cluster: Cluster, p: NetworkPolicy) -> Iterator[LintFinding]:
    if not any(p.pod_selector.matches(w.labels) for w in _pods_in(cluster, p.namespace)):
        could = "" if satisfiable(p.pod_selector) else "; no pod that could exist matches it either"
        yield LintFinding("selector-selects-nothing", f"{p.key}: podSelector {{{p.pod_selector}}} selects no "
                          f"existing pod of {p.namespace}{could}", p.span)
    for rule in (*p.ingress, *p.egress):
        for peer in rule.peers:
            if peer.ip_block is None and not _peer_matches_any(cluster, p, peer):
                sels = [s for s in (peer.namespace_selector, peer.pod_selector) if s is not None]
                could = "" if all(satisfiable(s) for s in sels) else "; no pod that could exist matches it either"
                yield LintFinding("selector-selects-nothing", f"{p.key} {rule.direction}[{rule.index}]: the peer "
                                  f"matches no existing pod{could}", peer.span)


def _peer_matches_any(cluster: Cluster, p: NetworkPolicy, peer: Peer) -> bool:
    for w in cluster.workloads:
        if peer.namespace_selector is None:
            in_ns = w.namespace == p.namespace
        else:
            in_ns = peer.namespace_selector.matches(cluster.namespace_labels(w.namespace))
        if in_ns and (peer.pod_selector is None or peer.pod_selector.matches(w.labels)):
            return True
    return False


def _named_ports(cluster: Cluster, p: NetworkPolicy) -> Iterator[LintFinding]:
    for rule in (*p.ingress, *p.egress):
        for port in rule.ports:
            if not isinstance(port.port, str):
                continue
            dests = _destinations(cluster, p, rule)
            same = [w for w in dests if any(c.name == port.port and c.protocol == port.protocol for c in w.ports)]
            if same:
                continue
            other = sorted({str(c.protocol) for w in dests for c in w.ports if c.name == port.port})
            where = f" (defined for {', '.join(other)} only)" if other else ""
            yield LintFinding("named-port-undefined", f"{p.key} {rule.direction}[{rule.index}]: no destination pod "
                              f"defines port {port.port!r} for {port.protocol}{where}: the rule admits nothing on "
                              "it today", port.span)


def _destinations(cluster: Cluster, p: NetworkPolicy, rule: Rule) -> list[Workload]:
    if rule.direction == "ingress":  # the named port is the selected pod's own
        return [w for w in _pods_in(cluster, p.namespace) if p.pod_selector.matches(w.labels)]
    return list(cluster.workloads)  # egress: any destination's


def _ipblocks(cluster: Cluster, p: NetworkPolicy) -> Iterator[LintFinding]:
    for rule in (*p.ingress, *p.egress):
        for peer in rule.peers:
            if peer.ip_block is None:
                continue
            covered = sorted({f"{w.namespace}/{w.name}" for w in cluster.workloads for ip in w.ips
                              if not w.host_network and peer.ip_block.contains(ip)})
            if covered:
                shown = ", ".join(covered[:5]) + (" ..." if len(covered) > 5 else "")
                yield LintFinding("ipblock-covers-pods", f"{p.key} {rule.direction}[{rule.index}]: ipBlock "
                                  f"{peer.ip_block} covers addresses of pods ({shown}); whether it matches them is "
                                  "the CNI's choice (netverify assumes not unless --ipblock-matches-pods)", peer.span)
