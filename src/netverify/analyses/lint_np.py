"""`lint`'s NetworkPolicy checks that read the manifests as written (no solver): the seeds' mistakes,
selectors that select nothing, named ports nobody defines, ipBlocks over pod addresses, missing namespaces.

Semantics these rest on: https://kubernetes.io/docs/concepts/services-networking/network-policies/ (policyTypes
defaulting; "Behavior of to and from selectors": separate items are OR, one item with both selectors is AND;
an empty namespaceSelector selects every namespace) and the NetworkPolicy API reference (`ports[].port` names).
"""

from __future__ import annotations

import bisect
from collections.abc import Iterator

from netverify.findings import LintFinding
from netverify.model.cluster import Cluster, Workload
from netverify.model.labels import LabelSelector
from netverify.model.policy import NetworkPolicy, Peer, Rule


class WorkloadIndex:
    """Which workloads a selector matches, per namespace, computed once per selector (the checks ask the same
    selectors for many policies: without it, lint is quadratic in policies x workloads)."""

    def __init__(self, cluster: Cluster) -> None:
        self.cluster = cluster
        self.by_ns: dict[str, list[Workload]] = {}
        for w in cluster.workloads:
            self.by_ns.setdefault(w.namespace, []).append(w)
        self._ns: dict[LabelSelector, list[str]] = {}
        self._pods: dict[tuple[str, LabelSelector | None], list[Workload]] = {}
        ips: dict[int, list[tuple[int, str]]] = {}
        for w in cluster.workloads:
            if not w.host_network:
                for ip in w.ips:
                    ips.setdefault(ip.version, []).append((int(ip), f"{w.namespace}/{w.name}"))
        self.ips = {v: sorted(xs) for v, xs in ips.items()}
        self.named_ports: dict[str, set] = {}
        for w in cluster.workloads:
            for c in w.ports:
                if c.name:
                    self.named_ports.setdefault(c.name, set()).add(c.protocol)

    def namespaces(self, selector: LabelSelector) -> list[str]:
        if selector not in self._ns:
            self._ns[selector] = [ns for ns in self.by_ns if selector.matches(self.cluster.namespace_labels(ns))]
        return self._ns[selector]

    def pods(self, namespace: str, selector: LabelSelector | None) -> list[Workload]:
        key = (namespace, selector)
        if key not in self._pods:
            ws = self.by_ns.get(namespace, [])
            self._pods[key] = ws if selector is None else [w for w in ws if selector.matches(w.labels)]
        return self._pods[key]

    def peer_pods(self, policy: NetworkPolicy, peer: Peer) -> Iterator[Workload]:
        spaces = [policy.namespace] if peer.namespace_selector is None else self.namespaces(peer.namespace_selector)
        for ns in spaces:
            yield from self.pods(ns, peer.pod_selector)

    def covered(self, block, enough: int = 6) -> list[str]:
        """Up to `enough` workloads (by name) with a pod address in `block` (minus its excepts)."""
        xs = self.ips.get(block.version, [])
        lo = bisect.bisect_left(xs, (int(block.cidr.network_address), ""))
        hi = bisect.bisect_right(xs, (int(block.cidr.broadcast_address), "\uffff"))
        holes = [(int(e.network_address), int(e.broadcast_address)) for e in block.excepts]
        names: dict[str, None] = {}
        i = lo
        while i < hi and len(names) < enough:
            value, name = xs[i]
            hole = next((h for h in holes if h[0] <= value <= h[1]), None)
            if hole is not None:  # skip the whole except range at once
                i = bisect.bisect_right(xs, (hole[1], "\uffff"), i, hi)
                continue
            names[name] = None
            i += 1
        return sorted(names)


def np_findings(cluster: Cluster) -> Iterator[LintFinding]:
    index = WorkloadIndex(cluster)
    for p in cluster.policies:
        yield from _policy_types(p)
        yield from _peers(index, p)
        yield from _selects_nothing(index, p)
        yield from _named_ports(index, p)
        yield from _ipblocks(index, p)
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


def _peers(index: WorkloadIndex, p: NetworkPolicy) -> Iterator[LintFinding]:
    for rule in (*p.ingress, *p.egress):
        for peer in rule.peers:
            if _meant_or(index, p, peer):
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


def _meant_or(index: WorkloadIndex, p: NetworkPolicy, peer: Peer) -> bool:
    """An AND item that admits no existing pod while its podSelector alone matches pods of the policy's
    namespace: the two selectors were probably meant as two items."""
    if peer.pod_selector is None or peer.namespace_selector is None or peer.namespace_selector.is_everything:
        return False
    if peer.namespace_selector.matches(index.cluster.namespace_labels(p.namespace)):
        return False
    both = next(index.peer_pods(p, peer), None) is not None
    return not both and bool(index.pods(p.namespace, peer.pod_selector))


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


def _selects_nothing(index: WorkloadIndex, p: NetworkPolicy) -> Iterator[LintFinding]:
    if not index.pods(p.namespace, p.pod_selector):
        could = "" if satisfiable(p.pod_selector) else "; no pod that could exist matches it either"
        yield LintFinding("selector-selects-nothing", f"{p.key}: podSelector {{{p.pod_selector}}} selects no "
                          f"existing pod of {p.namespace}{could}", p.span)
    for rule in (*p.ingress, *p.egress):
        for peer in rule.peers:
            if peer.ip_block is None and next(index.peer_pods(p, peer), None) is None:
                sels = [s for s in (peer.namespace_selector, peer.pod_selector) if s is not None]
                could = "" if all(satisfiable(s) for s in sels) else "; no pod that could exist matches it either"
                yield LintFinding("selector-selects-nothing", f"{p.key} {rule.direction}[{rule.index}]: the peer "
                                  f"matches no existing pod{could}", peer.span)


def _named_ports(index: WorkloadIndex, p: NetworkPolicy) -> Iterator[LintFinding]:
    for rule in (*p.ingress, *p.egress):
        for port in rule.ports:
            if not isinstance(port.port, str):
                continue
            defined = _defined(index, p, rule, port.port)
            if port.protocol in defined:
                continue
            other = sorted(str(x) for x in defined)
            where = f" (defined for {', '.join(other)} only)" if other else ""
            yield LintFinding("named-port-undefined", f"{p.key} {rule.direction}[{rule.index}]: no destination pod "
                              f"defines port {port.port!r} for {port.protocol}{where}: the rule admits nothing on "
                              "it today", port.span)


def _defined(index: WorkloadIndex, p: NetworkPolicy, rule: Rule, name: str) -> set:
    """The protocols for which the rule's possible destinations define container port `name`."""
    if rule.direction == "ingress":  # the named port is the selected pod's own
        return {c.protocol for w in index.pods(p.namespace, p.pod_selector) for c in w.ports if c.name == name}
    return index.named_ports.get(name, set())  # egress: any destination's


def _ipblocks(index: WorkloadIndex, p: NetworkPolicy) -> Iterator[LintFinding]:
    for rule in (*p.ingress, *p.egress):
        for peer in rule.peers:
            if peer.ip_block is None:
                continue
            covered = index.covered(peer.ip_block)
            if covered:
                shown = ", ".join(covered[:5]) + (", ..." if len(covered) > 5 else "")
                yield LintFinding("ipblock-covers-pods", f"{p.key} {rule.direction}[{rule.index}]: ipBlock "
                                  f"{peer.ip_block} covers addresses of pods ({shown}); whether it matches them is "
                                  "the CNI's choice (netverify assumes not unless --ipblock-matches-pods)", peer.span)
