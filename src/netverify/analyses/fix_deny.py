"""Deny candidates for `prove --suggest-fix`, where the kind has a Deny: AdminNetworkPolicy,
BaselineAdminNetworkPolicy, ClusterNetworkPolicy, and Calico NetworkPolicy / GlobalNetworkPolicy.

Where the counterexample goes through, on either side (its decision chain, SideVerdict.chain):
  - an admin or Calico rule that allowed it or passed it on: a new Deny right before that rule;
  - a Calico tier that passed it on by its default action (its policies selected the pod, none of their rules
    matched), and an admin policy that selects the pod without a rule that matched: a new Deny before the
    policy's first rule of that direction (only when the direction has rules: the list is in the text).
The Deny names the property's other end as written (namespace, namespaceSelector, podSelector, a workload's
or Service's pods, an address block), so that it covers the whole class the property forbids, not only the
counterexample's one pod; with the property's ports when it has any (tried first: it takes less away), and
with every port. Each is only a candidate: analyses/fix.py re-reads the edited text and re-proves the violated
property and every property that held, under the same semantics (CNI chain) as the run.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import replace

from netverify.analyses.fix_deny_rules import DenyPeer, admin_deny, calico_deny, portable
from netverify.analyses.fix_edit import Edit
from netverify.analyses.fix_text import can_insert_before, insert_items_before
from netverify.eval.anp import in_pod_set
from netverify.errors import InputError
from netverify.findings import ConnectionWitness, EndpointWitness, SideVerdict
from netverify.model.anp import CNP_KIND, AdminPolicy
from netverify.model.calico import CalicoPolicy
from netverify.model.cluster import Cluster
from netverify.model.flow import PodEndpoint
from netverify.model.labels import selector_from_match_labels
from netverify.model.policy import Direction, PortMatch
from netverify.model.properties import Property
from netverify.smt.resolve import ResolvedEndpoint, resolve_endpoint, resolve_ports

Policy = AdminPolicy | CalicoPolicy
MAX_ADMIN_RULES = {CNP_KIND: 25}  # rules per direction; v1alpha1 kinds: 100
RANK_BEFORE_RULE = 5  # after the NetworkPolicy narrowings of analyses/fix.py (ranks 1-4)
RANK_FIRST_RULE = 7


def deny_candidates(cluster: Cluster, prop: Property, cx: ConnectionWitness | None,
                    texts: Mapping[str, str]) -> list[Edit]:
    """The Deny edits, best first (see the module's docstring)."""
    if cx is None or prop.expect != "unreachable":
        return []
    try:
        src, dst = resolve_endpoint(prop.src, "from", cluster), resolve_endpoint(prop.dst, "to", cluster)
        ports = resolve_ports(prop, dst)
    except InputError:  # the run already resolved them; a cluster that does not is no place for a suggestion
        return []
    if ports.empty_reason is not None:
        return []
    # the property's ports first (it takes less away), then every port
    variants = [ports.entries, ()] if ports.entries and portable(ports.entries) else [()]
    found: list[tuple[int, int, Edit]] = []
    for side, other, own in ((cx.ingress, src, cx.dst), (cx.egress, dst, cx.src)):
        peer = _peer(other)
        if peer is None:
            continue
        for rank, policy, line in _places(cluster, side, own):
            for v, entries in enumerate(variants):
                edit = _edit(policy, side.direction, line, peer, entries, prop.name, texts)
                if edit is not None:
                    found.append((rank + min(v, 1), len(found), replace(edit, rank=rank + min(v, 1))))
    seen: set[tuple[str, int, str]] = set()
    out = []
    for _, _, e in sorted(found, key=lambda x: x[:2]):
        if (e.file, e.line, e.description) not in seen:
            seen.add((e.file, e.line, e.description))
            out.append(e)
    return out


def _peer(end: ResolvedEndpoint) -> DenyPeer | None:
    if end.empty_reason is not None:
        return None
    if end.ip_block is not None:
        return DenyPeer(ip_block=end.ip_block)
    if end.workload is not None:
        # the labels every entry of the workload has, each known (a value only the cluster knows is left out)
        common = set.intersection(*({(k, v) for k, v in w.labels.items() if k not in w.unknown_labels}
                                    for w in end.workload_entries))
        return DenyPeer(namespace=end.namespace, pod_selector=selector_from_match_labels(dict(common)))
    return DenyPeer(end.namespace, end.namespace_selector, end.pod_selector)


def _places(cluster: Cluster, side: SideVerdict, own: EndpointWitness) -> Iterator[tuple[int, Policy, int]]:
    """(rank, policy, line): where a Deny could go in front, in the chain's order."""
    by_key: dict[str, Policy] = {p.key: p for p in (*cluster.admin_policies, *cluster.calico.policies)
                                 if not getattr(p, "staged", False)}
    used: set[str] = set()
    for decision in side.chain:
        for d in (decision, *decision.alternatives):
            if d.action not in ("allow", "pass"):
                continue
            for ref in d.by:
                policy = by_key.get(ref.policy)
                if policy is None or (ref.action or d.action) not in ("allow", "pass"):
                    continue
                rules = policy.rules(side.direction)
                if ref.rule is not None and ref.rule < len(rules):
                    used.add(policy.key)
                    yield RANK_BEFORE_RULE, policy, rules[ref.rule].span.line
                elif ref.rule is None and rules:  # a tier's default Pass for a policy that selected the pod
                    used.add(policy.key)
                    yield RANK_FIRST_RULE, policy, rules[0].span.line
    if own.namespace is None:
        return
    pod = PodEndpoint(own.namespace, own.namespace_labels, own.labels)
    for a in cluster.admin_policies:
        rules = a.rules(side.direction)
        if a.key not in used and rules and in_pod_set(a.subject, pod):
            yield RANK_FIRST_RULE, a, rules[0].span.line


def _edit(policy: Policy, direction: Direction, line: int, peer: DenyPeer, ports: tuple[PortMatch, ...],
          prop: str, texts: Mapping[str, str]) -> Edit | None:
    file = policy.span.file
    if file not in texts or not can_insert_before(texts[file], line):
        return None
    if isinstance(policy, AdminPolicy):
        if len(policy.rules(direction)) >= MAX_ADMIN_RULES.get(policy.kind, 100):
            return None
        items = admin_deny(policy, direction, peer, ports, prop)
    else:
        items = calico_deny(direction, peer, ports)
    if items is None:
        return None
    rule = next(r for r in policy.rules(direction) if r.span.line == line)
    on = "" if not ports else " on " + ", ".join(str(p) for p in ports)
    what = "from" if direction == "ingress" else "to"
    named = f" {rule.name!r}" if getattr(rule, "name", "") else ""
    description = f"add a Deny {what} {peer}{on} before {policy.key} {direction}[{rule.index}]{named}"
    return Edit(description, file, line, lambda t, i=items: insert_items_before(t, line, i), inserts=True,
                slot=f"deny:{file}:{line}")
