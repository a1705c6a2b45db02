"""`lint`'s checks beyond single fields: egress isolation without DNS (over the rules that apply), redundant policies and rules (removing
one changes no connection of any pod that could exist: `equiv` of the cluster with and without it; Calico's
in analyses/lint_calico.py), and same-priority admin overlaps (analyses/ambiguity.py).

Each check is exact or says nothing: a question the solver could not decide becomes a note, never a finding.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Collection, Iterator

from netverify.analyses.ambiguity import overlaps
from netverify.analyses.equiv import equivalence
from netverify.analyses.lint_calico import calico_redundancy
from netverify.analyses.lint_np import satisfiable
from netverify.findings import LintFinding
from netverify.model.anp import AdminPolicy
from netverify.model.cluster import Cluster, Workload
from netverify.model.kinds import KindKey
from netverify.model.policy import NetworkPolicy, Rule
from netverify.model.ports import Protocol
from netverify.model.semantics import Semantics



def dns_findings(cluster: Cluster) -> Iterator[LintFinding]:
    """Workloads isolated for egress where no egress rule of the policies selecting them admits UDP/53 to any
    destination (a rule without ports, or with UDP 53 or a named port, and a peer that can match something):
    every name lookup fails. Said once per set of isolating policies. (Whether the DNS server's own ingress
    admits them is a property to prove, not this check.)"""
    by_policies: dict[tuple[NetworkPolicy, ...], list[Workload]] = {}
    seen: set[str] = set()
    for w in cluster.workloads:
        if w.ref in seen:
            continue
        seen.add(w.ref)
        selecting = tuple(p for p in cluster.policies_in(w.namespace) if p.pod_selector.matches(w.labels))
        isolating = tuple(p for p in selecting if p.isolates("egress"))
        if isolating and not any(_admits_dns(r) for p in isolating for r in p.egress):
            by_policies.setdefault(isolating, []).append(w)
    for isolating, workloads in by_policies.items():
        refs = [w.ref for w in workloads]
        shown = ", ".join(refs[:5]) + (f" and {len(refs) - 5} more" if len(refs) > 5 else "")
        yield LintFinding("egress-without-dns", f"{shown}: isolated for egress by "
                          f"{', '.join(p.key for p in isolating)}, and no egress rule admits UDP/53 to any "
                          "destination: name lookups fail", isolating[0].span, tuple(p.span for p in isolating[1:]))


def _admits_dns(rule: Rule) -> bool:
    ports_ok = not rule.ports or any(
        p.protocol == Protocol.UDP and (p.port is None or isinstance(p.port, str)
                                        or p.port <= 53 <= (p.end_port or p.port)) for p in rule.ports)
    peers_ok = not rule.peers or any(
        peer.ip_block is not None or all(satisfiable(s) for s in (peer.pod_selector, peer.namespace_selector)
                                         if s is not None) for peer in rule.peers)
    return ports_ok and peers_ok


def redundancy_findings(cluster: Cluster, timeout_ms: int, ipblock_matches_pods: bool, notes: list[str],
                        ignore_kinds: Collection[KindKey] = frozenset(), semantics: Semantics | None = None
                        ) -> Iterator[LintFinding]:
    """A policy, or a rule, whose removal changes no connection of any pod that could exist."""
    if any(o.effect == "decides" and (o.group, o.kind) not in ignore_kinds for o in cluster.unmodelled):
        notes.append("lint: redundancy not checked: policy kinds netverify does not model are present")
        return
    for p in cluster.policies:
        without = dataclasses.replace(cluster, policies=tuple(q for q in cluster.policies if q is not p))
        verdict = _same(cluster, without, timeout_ms, ipblock_matches_pods, semantics)
        if verdict == "same":
            yield LintFinding("redundant-policy", f"{p.key}: removing it changes no connection of any pod that "
                              "could exist (the other policies already decide everything it does)", p.span)
            continue
        if verdict == "unknown":
            notes.append(f"lint: whether {p.key} is redundant was not decided")
            continue
        for direction in ("ingress", "egress"):
            rules = p.rules(direction)
            if len(rules) < 2:
                continue  # the only rule of a direction: removing it makes the direction deny all
            for rule in rules:
                edited = dataclasses.replace(p, **{direction: tuple(r for r in rules if r is not rule)})
                changed = dataclasses.replace(cluster, policies=tuple(edited if q is p else q
                                                                      for q in cluster.policies))
                if _same(cluster, changed, timeout_ms, ipblock_matches_pods, semantics) == "same":
                    yield LintFinding("redundant-rule", f"{p.key} {direction}[{rule.index}]: removing it changes no "
                                      "connection of any pod that could exist: the other rules cover it", rule.span)
    for a in cluster.admin_policies:
        yield from _admin_rules(cluster, a, timeout_ms, ipblock_matches_pods, semantics)
    if semantics is not None and semantics.cni == "calico":  # Calico's ordered tiers, policies and rules
        yield from calico_redundancy(
            cluster, lambda a, b: _same(a, b, timeout_ms, ipblock_matches_pods, semantics), notes)


def _admin_rules(cluster: Cluster, a: AdminPolicy, timeout_ms: int, ipblock_matches_pods: bool,
                 semantics: Semantics | None = None) -> Iterator[LintFinding]:
    """An ordered policy's rule that is never reached, or whose action the later rules and layers repeat."""
    for direction in ("ingress", "egress"):
        rules = a.rules(direction)
        for rule in rules:
            edited = dataclasses.replace(a, **{direction: tuple(r for r in rules if r is not rule)})
            changed = dataclasses.replace(cluster, admin_policies=tuple(edited if q is a else q
                                                                        for q in cluster.admin_policies))
            if _same(cluster, changed, timeout_ms, ipblock_matches_pods, semantics) == "same":
                yield LintFinding("redundant-rule", f"{a.key} {direction}[{rule.index}]"
                                  f"{' ' + repr(rule.name) if rule.name else ''}: removing it changes no connection "
                                  "of any pod that could exist (never reached, or what follows decides the same)",
                                  rule.span)


def _same(a: Cluster, b: Cluster, timeout_ms: int, ipblock_matches_pods: bool,
          semantics: Semantics | None = None) -> str:
    report = equivalence(a, b, max_witnesses=1, timeout_ms=timeout_ms, ipblock_matches_pods=ipblock_matches_pods,
                         semantics=semantics)
    if report.differ:
        return "differ"
    return "same" if report.every_pod_status == "equal" else "unknown"


def overlap_findings(cluster: Cluster, semantics: Semantics | None) -> Iterator[LintFinding]:
    for o in overlaps(cluster, semantics=semantics):
        yield LintFinding("same-priority-overlap", f"{o.first.policy} and {o.second.policy} ({o.tier} tier, "
                          f"priority {o.priority}, {o.direction}) both match a connection with different actions: "
                          "the API lets the CNI apply either; give them distinct priorities",
                          o.first.span, (o.second.span,), o.witness)
