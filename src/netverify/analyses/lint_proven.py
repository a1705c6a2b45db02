"""`lint`'s checks that need the solver: egress isolation without DNS, redundant policies and rules (removing
one changes no connection of any pod that could exist: `equiv` of the cluster with and without it), and
same-priority admin overlaps (analyses/ambiguity.py).

Each check is exact or says nothing: a question the solver could not decide becomes a note, never a finding.
"""

from __future__ import annotations

import dataclasses
import ipaddress
from collections.abc import Collection, Iterator

from netverify.analyses.ambiguity import overlaps
from netverify.analyses.equiv import equivalence
from netverify.analyses.prove import prove
from netverify.findings import LintFinding
from netverify.model.anp import AdminPolicy
from netverify.model.cluster import Cluster, Workload
from netverify.model.ipblock import IPBlock
from netverify.model.kinds import KindKey
from netverify.model.policy import NetworkPolicy, PortMatch
from netverify.model.ports import Protocol
from netverify.model.properties import EndpointSpec, PropertiesFile, Property
from netverify.model.semantics import Semantics
from netverify.model.span import Span

_SPAN = Span("<lint>")
_DNS = (PortMatch(Protocol.UDP, 53, None, _SPAN),)


def dns_findings(cluster: Cluster, timeout_ms: int, semantics: Semantics | None, notes: list[str]
                 ) -> Iterator[LintFinding]:
    """Workloads isolated for egress that can reach no DNS server (UDP/53 to any pod or outside address),
    said once per set of isolating policies."""
    by_policies: dict[tuple[NetworkPolicy, ...], list[Workload]] = {}
    for w in cluster.workloads:
        isolating = tuple(p for p in cluster.policies_in(w.namespace)
                          if p.isolates("egress") and p.pod_selector.matches(w.labels))
        if isolating and w.ref not in {x.ref for ws in by_policies.values() for x in ws}:
            by_policies.setdefault(isolating, []).append(w)
    for isolating, workloads in by_policies.items():
        blind = []
        for w in workloads:
            src = EndpointSpec(_SPAN, namespace=w.namespace, workload=f"{w.kind}/{w.name}")
            answers = [_possible(cluster, src, dst, timeout_ms, semantics) for dst in (
                EndpointSpec(_SPAN), EndpointSpec(_SPAN, ip_block=IPBlock(ipaddress.ip_network("0.0.0.0/0"))))]
            if "unknown" in answers and "proven" not in answers:
                notes.append(f"lint: whether {w.ref} can reach DNS was not decided")
            elif "proven" not in answers:
                blind.append(w.ref)
        if blind:
            names = ", ".join(p.key for p in isolating)
            yield LintFinding("egress-without-dns", f"{', '.join(blind)}: isolated for egress by {names}, and no "
                              "rule lets them reach DNS (UDP/53) on any pod or outside address: name lookups fail",
                              isolating[0].span, tuple(p.span for p in isolating[1:]))


def _possible(cluster: Cluster, src: EndpointSpec, dst: EndpointSpec, timeout_ms: int,
              semantics: Semantics | None) -> str:
    prop = Property("dns", src, dst, _DNS, "possible", "any", _SPAN)
    report = prove(cluster, PropertiesFile("<lint>", (), (prop,)), timeout_ms=timeout_ms, semantics=semantics)
    return report.results[0].status


def redundancy_findings(cluster: Cluster, timeout_ms: int, ipblock_matches_pods: bool, notes: list[str],
                        ignore_kinds: Collection[KindKey] = frozenset()) -> Iterator[LintFinding]:
    """A policy, or a rule, whose removal changes no connection of any pod that could exist."""
    if any(o.effect == "decides" and (o.group, o.kind) not in ignore_kinds for o in cluster.unmodelled):
        notes.append("lint: redundancy not checked: policy kinds netverify does not model are present")
        return
    for p in cluster.policies:
        without = dataclasses.replace(cluster, policies=tuple(q for q in cluster.policies if q is not p))
        verdict = _same(cluster, without, timeout_ms, ipblock_matches_pods)
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
                if _same(cluster, changed, timeout_ms, ipblock_matches_pods) == "same":
                    yield LintFinding("redundant-rule", f"{p.key} {direction}[{rule.index}]: removing it changes no "
                                      "connection of any pod that could exist: the other rules cover it", rule.span)
    for a in cluster.admin_policies:
        yield from _admin_rules(cluster, a, timeout_ms, ipblock_matches_pods)


def _admin_rules(cluster: Cluster, a: AdminPolicy, timeout_ms: int, ipblock_matches_pods: bool
                 ) -> Iterator[LintFinding]:
    """An ordered policy's rule that is never reached, or whose action the later rules and layers repeat."""
    for direction in ("ingress", "egress"):
        rules = a.rules(direction)
        for rule in rules:
            edited = dataclasses.replace(a, **{direction: tuple(r for r in rules if r is not rule)})
            changed = dataclasses.replace(cluster, admin_policies=tuple(edited if q is a else q
                                                                        for q in cluster.admin_policies))
            if _same(cluster, changed, timeout_ms, ipblock_matches_pods) == "same":
                yield LintFinding("redundant-rule", f"{a.key} {direction}[{rule.index}]"
                                  f"{' ' + repr(rule.name) if rule.name else ''}: removing it changes no connection "
                                  "of any pod that could exist (never reached, or what follows decides the same)",
                                  rule.span)


def _same(a: Cluster, b: Cluster, timeout_ms: int, ipblock_matches_pods: bool) -> str:
    report = equivalence(a, b, max_witnesses=1, timeout_ms=timeout_ms, ipblock_matches_pods=ipblock_matches_pods)
    if report.differ:
        return "differ"
    return "same" if report.every_pod_status == "equal" else "unknown"


def overlap_findings(cluster: Cluster, semantics: Semantics | None) -> Iterator[LintFinding]:
    for o in overlaps(cluster, semantics=semantics):
        yield LintFinding("same-priority-overlap", f"{o.first.policy} and {o.second.policy} ({o.tier} tier, "
                          f"priority {o.priority}, {o.direction}) both match a connection with different actions: "
                          "the API lets the CNI apply either; give them distinct priorities",
                          o.first.span, (o.second.span,), o.witness)
