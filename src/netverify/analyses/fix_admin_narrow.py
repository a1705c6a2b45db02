"""Narrowings of an admin Allow for `prove --suggest-fix`: an AdminNetworkPolicy, BaselineAdminNetworkPolicy or
ClusterNetworkPolicy Allow (v1alpha2 Accept) rule that lets the counterexample through, on either side.

As the NetworkPolicy narrowings of analyses/fix.py do, for each of the rule's peers that admits the
counterexample's other end (a `namespaces` or `pods` peer):
  1. limit its namespaces to those of the existing pods it admits today, minus the counterexample's (the
     selector's own requirements kept: the edit only narrows);
  2. require a label every existing pod it admits carries and the counterexample's pod does not (a
     `namespaces` peer becomes a `pods` peer with the same namespaces);
  3. narrow the rule's ports (drop the entries that admit the counterexample's port; some must remain);
  4. drop the peer (when the rule has others).
What the narrowed Allow no longer matches goes on to the rules and layers after it, which let through no more
than the Allow did: the edit only takes connections away (analyses/fix_learn.py relies on that). A peer is
edited only where it is a block sequence item (`- namespaces: ...`, `- pods: ...`) and its value is rewritten
whole in flow style; a flow list or a JSON manifest gets no edit. Each edit is only a candidate: the search
re-reads the edited text and re-proves (analyses/fix_search.py).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import replace

from netverify.analyses.fix_deny_rules import anp_port, cnp_port
from netverify.analyses.fix_edit import Edit
from netverify.analyses.fix_learn import target_key
from netverify.analyses.fix_text import drop_item, selector_yaml, set_key
from netverify.eval.anp import in_pod_set, rule_ref
from netverify.eval.concrete import endpoint_of
from netverify.findings import ConnectionWitness, EndpointWitness, SideVerdict
from netverify.model.anp import CNP_KIND, AdminPeer, AdminPolicy, AdminPort, AdminRule
from netverify.model.cluster import Cluster
from netverify.model.flow import PodEndpoint
from netverify.model.labels import LabelSelector, Requirement
from netverify.model.policy import PortMatch

NAME_LABEL = "kubernetes.io/metadata.name"
_PEER_ITEM = re.compile(r"^\s*-\s+(?P<key>namespaces|pods):")


def admin_allow_narrowings(cluster: Cluster, cx: ConnectionWitness, texts: Mapping[str, str]) -> list[Edit]:
    """The narrowings, best first (ranks 1-4, as the NetworkPolicy ones)."""
    found: list[Edit] = []
    for side, other in ((cx.ingress, cx.src), (cx.egress, cx.dst)):
        if other.namespace is None:
            continue  # an address: its peers (networks, nodes) are not narrowed here
        pod = PodEndpoint(other.namespace, other.namespace_labels, other.labels)
        for policy, rule in _allows(cluster, side):
            if policy.span.file not in texts:
                continue
            text, target = texts[policy.span.file], target_key(rule_ref(policy, rule))
            edits = [e for peer in rule.peers if peer.pods is not None and in_pod_set(peer.pods, pod)
                     for e in _peer_edits(cluster, rule, peer, other, text)]
            edits += _port_edits(policy, rule, cx, text)
            found += [replace(e, target=target) for e in edits]
    unique: dict[tuple[str, int, str], Edit] = {}
    for e in found:
        unique.setdefault((e.file, e.line, e.description), e)
    return sorted(unique.values(), key=lambda e: e.rank)


def _allows(cluster: Cluster, side: SideVerdict) -> Iterator[tuple[AdminPolicy, AdminRule]]:
    by_key = {p.key: p for p in cluster.admin_policies}
    for decision in side.chain:
        for d in (decision, *decision.alternatives):
            if d.action != "allow":
                continue
            for ref in d.by:
                policy = by_key.get(ref.policy)
                if policy is None or policy.kind != ref.kind or ref.rule is None:
                    continue
                rules = policy.rules(side.direction)
                if ref.rule < len(rules) and rules[ref.rule].action == "allow":
                    yield policy, rules[ref.rule]


def _peer_edits(cluster: Cluster, rule: AdminRule, peer: AdminPeer, other: EndpointWitness, text: str
                ) -> list[Edit]:
    assert peer.pods is not None
    file, line = peer.span.file, peer.span.line
    lines = text.split("\n")
    m = _PEER_ITEM.match(lines[line - 1]) if 1 <= line <= len(lines) else None
    if m is None:
        return []
    key, pods = m.group("key"), peer.pods
    admitted = [w for w in cluster.workloads if in_pod_set(pods, endpoint_of(cluster, w))
                and not (w.namespace == other.namespace and _same_labels(w.labels, other.labels))]
    out: list[Edit] = []

    def write(ns: LabelSelector, pod_sel: LabelSelector) -> Callable[[str], str]:
        if key == "namespaces" and not pod_sel.requirements:
            return lambda t: set_key(t, line, "namespaces", selector_yaml(ns))
        value = {"namespaceSelector": selector_yaml(ns), "podSelector": selector_yaml(pod_sel)}
        return lambda t: _as_pods(set_key(t, line, key, value), line)

    keep = sorted({w.namespace for w in admitted} - {other.namespace or ""})
    if keep:
        ns = LabelSelector((*pods.namespace_selector.requirements, Requirement(NAME_LABEL, "In", frozenset(keep))))
        out.append(Edit(f"limit the admin peer's namespaces to {', '.join(keep)}", file, line,
                        write(ns, pods.pod_selector), rank=1))
    if admitted:
        common = set.intersection(*(set(w.labels.items()) for w in admitted))
        for k, v in sorted(common):
            if other.labels.get(k) == v or v == "<unknown>" or "pod-template-hash" in k:
                continue
            sel = LabelSelector((*pods.pod_selector.requirements, Requirement(k, "In", frozenset({v}))))
            out.append(Edit(f"require {k}={v} of the admin peer's pods", file, line,
                            write(pods.namespace_selector, sel), rank=2))
    if len(rule.peers) > 1:
        out.append(Edit("drop the admin peer", file, line, lambda t: drop_item(t, line), rank=4))
    return out


def _as_pods(text: str, line: int) -> str:
    """The peer's key on `line` spelled `pods` (a `namespaces` peer given a podSelector)."""
    lines = text.split("\n")
    lines[line - 1] = re.sub(r"^(\s*-\s+)namespaces:", r"\1pods:", lines[line - 1], count=1)
    return "\n".join(lines)


def _same_labels(a: Mapping[str, str], b: Mapping[str, str]) -> bool:
    return all(b.get(k) == v for k, v in a.items() if v != "<unknown>")


def _port_edits(policy: AdminPolicy, rule: AdminRule, cx: ConnectionWitness, text: str) -> list[Edit]:
    if not rule.ports:
        return []
    keep = tuple(p for p in rule.ports if not _admits(p, cx))
    if not keep or len(keep) == len(rule.ports):
        return []
    key = "protocols" if policy.kind == CNP_KIND else "ports"
    line = rule.span.line
    written = [(cnp_port if policy.kind == CNP_KIND else anp_port)(_as_match(p)) for p in keep]
    lines = text.split("\n")
    if not (1 <= line <= len(lines) and re.match(r"^\s*-\s", lines[line - 1])):
        return []  # not a block sequence item: its keys cannot be found by indentation
    return [Edit(f"narrow the admin rule's {key} to {', '.join(str(p) for p in keep)}", rule.span.file, line,
                 lambda t: set_key(t, line, key, written), rank=3)]


def _admits(p: AdminPort, cx: ConnectionWitness) -> bool:
    if isinstance(p.port, str):
        return True  # a name (that may be the counterexample's port on its pod): dropped with it
    return p.protocol == cx.protocol and p.port <= cx.port <= (p.end_port or p.port)


def _as_match(p: AdminPort) -> PortMatch:
    return PortMatch(p.protocol, p.port, p.end_port, p.span)  # type: ignore[arg-type]
