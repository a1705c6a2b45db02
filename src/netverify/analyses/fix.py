"""`prove --suggest-fix`: for a violated `unreachable` property, the smallest edit of the policies after which it
holds and every property that held still holds — both re-proven on the edited manifests, re-read from text.

Candidate edits come from the counterexample: each NetworkPolicy rule that lets it through, and each of that
rule's peers that admits its other end. In order of preference (the most natural first):
  1. restrict the peer's namespaceSelector to the namespaces of the existing pods it admits today, minus the
     counterexample's (the usual intent of `namespaceSelector: {}`);
  2. require a label on the peer's podSelector that every existing pod it admits carries and the
     counterexample's pod does not;
  3. narrow the rule's ports (drop the entry that admits the counterexample's port);
  4. drop the peer (when the rule has others);
  5. where the kind has a Deny (admin policies, Calico): a new Deny rule for the property's other end in front
     of the admin or Calico rule that allows or passes the counterexample, or at the top of a policy that
     selects its pod (analyses/fix_deny.py; after the narrowings, which keep the rule's intent where it is).
Each edit costs by its rank (and its place among its rank); analyses/fix_search.py chooses the edit sets of least
total cost with z3 Optimize and re-proves each on the edited text, learning from each failure; see docs/fix.md.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace

from netverify.analyses.fix_admin_narrow import admin_allow_narrowings
from netverify.analyses.fix_deny import deny_candidates
from netverify.analyses.fix_deny_cilium import cilium_deny_candidates
from netverify.analyses.fix_edit import Edit
from netverify.analyses.fix_learn import target_key
from netverify.analyses.fix_search import Prover, Reload, SearchRun, search
from netverify.analyses.lint_np import WorkloadIndex
from netverify.analyses.fix_text import drop_item, ports_yaml, selector_yaml, set_key
from netverify.findings import ConnectionWitness, EndpointWitness, FixSuggestion, PropertyResult
from netverify.eval.concrete import peer_matches
from netverify.model.cluster import Cluster
from netverify.model.flow import PodEndpoint
from netverify.model.labels import LabelSelector, Requirement
from netverify.model.policy import NetworkPolicy, Peer, Rule
from netverify.model.properties import PropertiesFile
from netverify.model.semantics import Semantics

NAME_LABEL = "kubernetes.io/metadata.name"


def suggest_fixes(cluster: Cluster, props: PropertiesFile, results: tuple[PropertyResult, ...],
                  texts: Mapping[str, str], reload: Reload, prove: Prover, semantics: Semantics | None = None
                  ) -> tuple[FixSuggestion, ...]:
    """`semantics`: the run's (what the search's concrete checks use); None: each CNI's, where it matters."""
    held = {r.name for r in results if r.status == "proven"}
    out = []
    for r in results:
        if r.status != "violated":
            continue
        if r.expect != "unreachable" or r.counterexample is None:
            out.append(FixSuggestion(r.name, "none", reason="only `unreachable` properties get suggestions "
                                     "(a missing allow is a new rule, which is not among the edits)"))
            continue
        prop = next((p for p in props.properties if p.name == r.name), None)
        if prop is None:
            out.append(FixSuggestion(r.name, "none", reason="the property is not in the properties file"))
            continue

        def edits_for(cx: ConnectionWitness, p=prop) -> list[Edit]:
            # the Deny edits rank after every narrowing (docs/fix.md: a narrowing keeps the rule's intent where
            # it is written; a Deny adds a rule, and is where the kind has one the only way to undo an admin,
            # Calico or Cilium allow)
            return candidates_of(cluster, cx, texts) + _denies(cluster, p, cx, texts)

        out.append(search(SearchRun(cluster, props, held, texts, reload, prove, semantics), r,
                          edits_for(r.counterexample), edits_for))
    return tuple(out)


def _denies(cluster: Cluster, prop, cx: ConnectionWitness, texts: Mapping[str, str]) -> list[Edit]:
    both = deny_candidates(cluster, prop, cx, texts) + cilium_deny_candidates(cluster, prop, cx, texts)
    return sorted(both, key=lambda e: e.rank)


def candidates(cluster: Cluster, r: PropertyResult, texts: Mapping[str, str]) -> list[Edit]:
    assert r.counterexample is not None
    return candidates_of(cluster, r.counterexample, texts)


def candidates_of(cluster: Cluster, cx: ConnectionWitness, texts: Mapping[str, str]) -> list[Edit]:
    """The narrowings for one counterexample (NetworkPolicy rules, admin Allow rules), best first."""
    both = _np_narrowings(cluster, cx, texts) + admin_allow_narrowings(cluster, cx, texts)
    return sorted(both, key=lambda e: e.rank)


def _np_narrowings(cluster: Cluster, cx: ConnectionWitness, texts: Mapping[str, str]) -> list[Edit]:
    found: list[tuple[int, Edit]] = []
    index = WorkloadIndex(cluster)
    for side, other in ((cx.ingress, cx.src), (cx.egress, cx.dst)):
        for ref in side.allowed_by:
            policy = next((p for p in cluster.policies if p.key == ref.policy), None)
            if policy is None or ref.rule is None or ref.span.file not in texts:
                continue
            rule = policy.rules(ref.direction)[ref.rule]
            edits: list[tuple[int, Edit]] = []
            for peer in rule.peers:
                if _admits(policy, peer, other):
                    edits += _peer_edits(index, policy, rule, peer, other)
            edits += _port_edits(rule, cx.protocol, cx.port, policy)
            found += [(rank, replace(e, rank=rank, target=target_key(ref))) for rank, e in edits]
    unique: dict[tuple[str, int, str], tuple[int, Edit]] = {}
    for rank, e in found:
        unique.setdefault((e.file, e.line, e.description), (rank, e))
    return [e for _, e in sorted(unique.values(), key=lambda x: x[0])]


def _admits(policy: NetworkPolicy, peer: Peer, other: EndpointWitness) -> bool:
    """Whether the peer admits the counterexample's other end (a pod: an address is never edited here)."""
    if peer.ip_block is not None or other.namespace is None:
        return False
    pod = PodEndpoint(other.namespace, other.namespace_labels, other.labels)
    return peer_matches(peer, policy.namespace, pod, ipblock_matches_pods=False)


def _peer_edits(index: WorkloadIndex, policy: NetworkPolicy, rule: Rule, peer: Peer, other: EndpointWitness
                ) -> list[tuple[int, Edit]]:
    file, line = peer.span.file, peer.span.line
    admitted = [w for w in index.peer_pods(policy, peer)
                if not (w.namespace == other.namespace and _same_labels(w.labels, other.labels))]
    edits: list[tuple[int, Edit]] = []
    if peer.namespace_selector is not None:
        keep = sorted({w.namespace for w in admitted} - {other.namespace or ""})
        if keep:
            # with the selector's own requirements kept: the edit only ever narrows (fix_learn.py relies on it)
            sel = LabelSelector((*peer.namespace_selector.requirements, Requirement(NAME_LABEL, "In", frozenset(keep))))
            value = selector_yaml(sel)
            edits.append((1, Edit(f"limit the peer's namespaceSelector to {', '.join(keep)}", file, line,
                                  lambda t, v=value: set_key(t, line, "namespaceSelector", v))))
    if admitted:
        common = set(admitted[0].labels.items())
        for w in admitted[1:]:
            common &= set(w.labels.items())
        for key, value in sorted(common):
            if other.labels.get(key) == value or value == "<unknown>" or "pod-template-hash" in key:
                continue
            old = peer.pod_selector.requirements if peer.pod_selector is not None else ()
            sel = LabelSelector((*old, Requirement(key, "In", frozenset({value}))))
            edits.append((2, Edit(f"require {key}={value} in the peer's podSelector", file, line,
                                  lambda t, v=selector_yaml(sel): set_key(t, line, "podSelector", v,
                                                                           after="namespaceSelector"))))
    if len(rule.peers) > 1:
        edits.append((4, Edit("drop the peer", file, line, lambda t: drop_item(t, line))))
    return edits


def _same_labels(a: Mapping[str, str], b: Mapping[str, str]) -> bool:
    return all(b.get(k) == v for k, v in a.items() if v != "<unknown>")


def _port_edits(rule: Rule, protocol, port: int, policy: NetworkPolicy) -> list[tuple[int, Edit]]:
    if not rule.ports:
        return []
    keep = tuple(p for p in rule.ports if not _port_admits(p, protocol, port))
    if not keep or len(keep) == len(rule.ports):
        return []
    line = rule.span.line
    value = ports_yaml(keep)
    return [(3, Edit(f"narrow the rule's ports to {', '.join(str(p) for p in keep)}", rule.span.file, line,
                     lambda t, v=value: set_key(t, line, "ports", v)))]


def _port_admits(p, protocol, port: int) -> bool:
    if p.protocol != protocol:
        return False
    if p.port is None or isinstance(p.port, str):
        return True  # every port, or a name (that resolved to this port for the counterexample)
    return p.port <= port <= (p.end_port or p.port)
