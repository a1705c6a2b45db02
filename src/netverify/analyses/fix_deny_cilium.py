"""Deny candidates for `prove --suggest-fix` in CiliumNetworkPolicy / CiliumClusterwideNetworkPolicy:
a new `ingressDeny` / `egressDeny` rule (https://docs.cilium.io/en/stable/security/policy/language/#deny-policies:
a deny wins over every allow of every policy that selects the endpoint).

Where the counterexample goes through the Cilium layer allowed (its decision chain, SideVerdict.chain):
  - in the CNP/CCNP whose allow rule let it through (rank 5 with the property's ports, 6 for every port);
  - in another CNP/CCNP that selects the pod and has rules in that direction (ranks 7 and 8).
The deny names the property's other end as written (fix_deny._peer): pods as a `fromEndpoints` / `toEndpoints`
selector over Cilium's identity labels (the namespace by name as `k8s:io.kubernetes.pod.namespace`, namespace
labels as `io.cilium.k8s.namespace.labels.<key>`, every namespace as `k8s:io.kubernetes.pod.namespace` Exists,
so that a namespaced policy does not limit it to its own namespace), an address block as `fromCIDRSet` /
`toCIDRSet`; the property's ports as `toPorts` (numbers and ranges of TCP, UDP or SCTP; else only the all-ports
deny). Text: the new rule goes in front of the first item of the spec's `ingressDeny:` block list, or, when the
spec has none, under a new `ingressDeny:` key written right before the `ingress:` key of the allow rule's list,
its items at that list's dash column. Only block sequence items and block keys are edited (a flow list, a
JSON manifest: no candidate). Each is only a candidate: analyses/fix_search.py re-reads and re-proves it
under the run's semantics (`--cni cilium`).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping

from netverify.analyses.fix_deny import _peer
from netverify.analyses.fix_deny_rules import DenyPeer, portable
from netverify.analyses.fix_edit import Edit
from netverify.analyses.fix_text import can_insert_before, flow, insert_items_before
from netverify.analyses.fix_text import selector_yaml
from netverify.errors import InputError
from netverify.eval.cilium import selecting
from netverify.findings import ConnectionWitness, EndpointWitness, SideVerdict
from netverify.model.cilium import NAMESPACE_LABEL, NAMESPACE_LABELS_PREFIX, CiliumPolicy
from netverify.model.flow import PodEndpoint
from netverify.model.labels import LabelSelector, Requirement
from netverify.model.policy import Direction, PortMatch
from netverify.model.properties import Property
from netverify.smt.resolve import resolve_endpoint, resolve_ports

RANK_IN_ALLOWING = 5
RANK_IN_SELECTING = 7
_LIST_KEY = re.compile(r"^(?P<indent> *)(?P<key>ingress|egress|ingressDeny|egressDeny):\s*(#.*)?$")


def cilium_deny_candidates(cluster, prop: Property, cx: ConnectionWitness | None,
                           texts: Mapping[str, str]) -> list[Edit]:
    if cx is None or prop.expect != "unreachable" or not cluster.cilium.policies:
        return []
    try:
        src, dst = resolve_endpoint(prop.src, "from", cluster), resolve_endpoint(prop.dst, "to", cluster)
        ports = resolve_ports(prop, dst)
    except InputError:
        return []
    if ports.empty_reason is not None:
        return []
    numbered = ports.entries and portable(ports.entries) and not any(isinstance(p.port, str) for p in ports.entries)
    variants = [ports.entries, ()] if numbered else [()]
    found: list[Edit] = []
    for side, other, own in ((cx.ingress, src, cx.dst), (cx.egress, dst, cx.src)):
        peer = _peer(other)
        if peer is None:
            continue
        for rank, policy in _places(cluster, side, own):
            for v, entries in enumerate(variants):
                edit = _edit(policy, side.direction, peer, entries, texts, rank + min(v, 1))
                if edit is not None:
                    found.append(edit)
    unique: dict[tuple[str, int, str], Edit] = {}
    for e in found:
        unique.setdefault((e.file, e.line, e.description), e)
    return sorted(unique.values(), key=lambda e: e.rank)


def _places(cluster, side: SideVerdict, own: EndpointWitness) -> Iterator[tuple[int, CiliumPolicy]]:
    by_key = {p.key: p for p in cluster.cilium.policies}
    used: set[str] = set()
    for decision in side.chain:
        for d in (decision, *decision.alternatives):
            if d.layer != "cilium" or d.action != "allow":
                continue
            for ref in d.by:
                policy = by_key.get(ref.policy)
                if policy is not None and policy.key not in used and ref.action != "deny":
                    used.add(policy.key)
                    yield RANK_IN_ALLOWING, policy
    if own.namespace is None:
        return
    pod = PodEndpoint(own.namespace, own.namespace_labels, own.labels)
    for policy in selecting(cluster, pod):
        if policy.key in by_key and policy.key not in used and policy.rules(side.direction):
            used.add(policy.key)
            yield RANK_IN_SELECTING, policy


def cilium_peer(peer: DenyPeer, direction: Direction) -> dict:
    side = "from" if direction == "ingress" else "to"
    if peer.ip_block is not None:
        block: dict = {"cidr": str(peer.ip_block.cidr)}
        if peer.ip_block.excepts:
            block["except"] = [str(e) for e in peer.ip_block.excepts]
        return {f"{side}CIDRSet": [block]}
    reqs: list[Requirement] = []
    if peer.namespace is not None:
        reqs.append(Requirement("k8s:" + NAMESPACE_LABEL, "In", frozenset({peer.namespace})))
    elif peer.namespace_selector is not None and peer.namespace_selector.requirements:
        reqs += [Requirement(NAMESPACE_LABELS_PREFIX + r.key, r.operator, r.values)
                 for r in peer.namespace_selector.requirements]
    else:
        reqs.append(Requirement("k8s:" + NAMESPACE_LABEL, "Exists", frozenset()))
    if peer.pod_selector is not None:
        reqs += peer.pod_selector.requirements
    return {f"{side}Endpoints": [selector_yaml(LabelSelector(tuple(reqs)))]}


def cilium_ports(ports: tuple[PortMatch, ...]) -> list[dict]:
    out = []
    for p in ports:
        entry: dict = {"port": "0" if p.port is None else str(p.port), "protocol": str(p.protocol)}
        if p.end_port is not None and p.end_port != p.port:
            entry["endPort"] = p.end_port
        out.append(entry)
    return [{"ports": out}]


def _edit(policy: CiliumPolicy, direction: Direction, peer: DenyPeer, ports: tuple[PortMatch, ...],
          texts: Mapping[str, str], rank: int) -> Edit | None:
    # an allow rule's list first (the `ingress:` key the new `ingressDeny:` goes in front of), else a deny's
    rules = sorted(policy.rules(direction), key=lambda r: r.deny)
    if not rules or policy.span.file not in texts:
        return None
    rule: dict = cilium_peer(peer, direction)
    if ports:
        rule["toPorts"] = cilium_ports(ports)
    placed = _placement(texts[policy.span.file], rules[0].span.line, direction)
    if placed is None:
        return None
    line, apply = placed
    on = "" if not ports else " on " + ", ".join(str(p) for p in ports)
    what = "from" if direction == "ingress" else "to"
    description = f"add an {direction}Deny {what} {peer}{on} to {policy.key}"
    return Edit(description, policy.span.file, line, lambda t: apply(t, [rule]), inserts=True,
                slot=f"cilium-deny:{policy.key}:{direction}", rank=rank)


def _placement(text: str, rule_line: int, direction: Direction):
    """(line, apply): where the deny goes for the spec whose `ingress`/`egress` list has the item on
    `rule_line`, and how to write it there; None where the text is not block YAML netverify can place it in."""
    if not can_insert_before(text, rule_line):
        return None
    lines = text.split("\n")
    dash = len(lines[rule_line - 1]) - len(lines[rule_line - 1].lstrip(" "))
    key_at = _list_key(lines, rule_line - 1, dash)
    if key_at is None:
        return None
    m = _LIST_KEY.match(lines[key_at])
    assert m is not None
    indent = len(m.group("indent"))
    deny_key = direction + "Deny"
    if m.group("key") == deny_key:  # the first rule of the direction is itself a deny: in front of it
        return rule_line, lambda t, items: insert_items_before(t, rule_line, items)
    for i in _siblings(lines, key_at, indent):
        sib = _LIST_KEY.match(lines[i])
        if sib and sib.group("key") == deny_key:
            first = next((j for j in range(i + 1, len(lines)) if lines[j].strip()), None)
            if first is None or not can_insert_before(text, first + 1):
                return None
            return first + 1, lambda t, items, at=first + 1: insert_items_before(t, at, items)
    if any(re.match(rf"^ {{{indent}}}{deny_key}:", lines[i]) for i in _siblings(lines, key_at, indent)):
        return None  # a flow-style deny list already there: not edited

    def new_key(t: str, items: list[dict], at: int = key_at, col: int = dash) -> str:
        out = t.split("\n")
        new = [" " * indent + deny_key + ":"]
        for item in items:
            pairs = [flow({k: v})[1:-1] for k, v in item.items()]
            new.append(" " * col + "- " + pairs[0])
            new += [" " * (col + 2) + p for p in pairs[1:]]
        out[at:at] = new
        return "\n".join(out)

    return key_at + 1, new_key


def _list_key(lines: list[str], item: int, dash: int) -> int | None:
    """The index of the `ingress:`-like key line whose block list has the item at index `item`."""
    for i in range(item - 1, -1, -1):
        line = lines[i]
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        indent = len(line) - len(line.lstrip(" "))
        if indent > dash or (indent == dash and line.lstrip().startswith("-")):
            continue
        return i if _LIST_KEY.match(line) else None
    return None


def _siblings(lines: list[str], key_at: int, indent: int) -> Iterator[int]:
    """Indices of the lines at `indent` in the mapping that holds the key on `key_at` (both ways)."""
    for step in (-1, 1):
        i = key_at + step
        while 0 <= i < len(lines):
            line = lines[i]
            if line.strip() and not line.lstrip().startswith("#"):
                col = len(line) - len(line.lstrip(" "))
                if col < indent or (col == indent and line.lstrip().startswith("-")) or line.startswith("---"):
                    break
                if col == indent:
                    yield i
            i += step
