"""Wiring of the map under Calico (`--cni calico`): the evaluator's Calico chain folded per class pair.

Calico decides by tiers and first match with Deny, Pass and Log (eval/calico.py), so the map asks the reference
evaluator (`eval.concrete.evaluate` with the run's Semantics) once per (class pair, port cell), as for admin tiers
(map_fold); there is no third engine. What this module adds is what Calico lets policies see:
- labels: a selector's string tests (`contains`, `starts with`, `ends with`) and `in`/`==` tell values apart that
  no equality lists, so every label key a Calico selector names keeps its exact value in the class signature
  (classes stay exact: two workloads share a class only if every selector sees them alike);
- service accounts: `serviceAccounts` / `serviceAccountSelector` match the pod's account and its labels, so the
  account is part of the signature;
- addresses: Calico `nets`/`notNets` match pod addresses too (https://docs.tigera.io/calico/latest/reference/
  resources/networkpolicy#entityrule), and so do NetworkPolicy ipBlocks, which Calico converts to `nets`
  (libcalico-go/lib/backend/k8s/conversion/conversion.go): their CIDRs and the NetworkSets' cut pod addresses
  and the address rows alike; a pod whose IP is not known is tried once per range (rows named as
  address-dependent, as for admin `networks`);
- ports: Calico `ports`/`notPorts` ranges cut the port cells; `source.ports` cut the source ports, one of each
  cell is asked and a row shows what some source port allows (a note counts what depends on it). Rows list
  TCP, UDP and SCTP ports, as every map does, and "every other protocol" only where each protocol Calico rules
  tell apart (each named protocol, ICMP types and codes, one named by none) is allowed; a note counts the
  connections that allow some of them only.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import replace

from netverify.analyses.ipranges import Partition
from netverify.analyses.map_classes import workload_classes
from netverify.analyses.map_fold import Decide, FoldEngine, Outcome, admin_blocks, port_cells
from netverify.eval.addresses import AddressPlan, families_in_use, policy_blocks, range_starts
from netverify.eval.concrete import evaluate
from netverify.model import calico_selector as cs
from netverify.model.calico import CalicoRule, EntityRule
from netverify.model.cluster import Cluster
from netverify.model.flow import Flow
from netverify.model.ipblock import IPBlock
from netverify.model.ports import MAX_ICMP, MAX_PORT, MIN_PORT, Protocol
from netverify.model.semantics import Semantics


def uses_calico(cluster: Cluster, semantics: Semantics | None) -> bool:
    """The run's CNI is Calico (without Semantics: Calico objects are present; what load/cni.py infers)."""
    if semantics is not None:
        return semantics.cni == "calico"
    return bool(cluster.calico.policies or cluster.calico.profiles)


def _rules(cluster: Cluster) -> Iterator[CalicoRule]:
    for p in cluster.calico.policies:
        yield from (*p.ingress, *p.egress)
    for profile in cluster.calico.profiles:
        yield from (*profile.ingress, *profile.egress)


def _entities(cluster: Cluster) -> Iterator[EntityRule]:
    for r in _rules(cluster):
        yield r.source
        yield r.destination


def selector_keys(expr: cs.Expr) -> set[str]:
    """Every label key a selector tests."""
    if isinstance(expr, (cs.All, cs.Global)):
        return set()
    if isinstance(expr, cs.Not):
        return selector_keys(expr.operand)
    if isinstance(expr, (cs.And, cs.Or)):
        return {k for e in expr.operands for k in selector_keys(e)}
    return {expr.key}


def _selectors(cluster: Cluster) -> Iterator[cs.CalicoSelector]:
    for p in cluster.calico.policies:
        yield from (s for s in (p.selector, p.service_account_selector) if s is not None)
    for e in _entities(cluster):
        yield from (s for s in (e.selector, e.not_selector) if s is not None)
        if e.service_accounts is not None and e.service_accounts.selector is not None:
            yield e.service_accounts.selector


def exact_label_keys(cluster: Cluster) -> frozenset[str]:
    """The pod label keys whose values Calico selectors can tell apart beyond the equalities they list."""
    return frozenset(k for s in _selectors(cluster) for k in selector_keys(s.expr))


def calico_blocks(cluster: Cluster) -> tuple[IPBlock, ...]:
    """Every CIDR a Calico rule or NetworkSet names, and the NetworkPolicy ipBlocks (Calico `nets` too)."""
    out = [b for e in _entities(cluster) for b in (*e.nets, *e.not_nets)]
    out += [b for s in cluster.calico.network_sets for b in s.nets]
    out += list(policy_blocks(cluster))
    return tuple(dict.fromkeys(out))


def calico_address_plan(clusters: Iterable[Cluster], extra: Iterable[IPBlock] = ()) -> AddressPlan:
    """Pod addresses are modelled whenever a CIDR could match one (under Calico every CIDR may)."""
    clusters, extra = tuple(clusters), tuple(extra)
    blocks = tuple(dict.fromkeys((*(b for c in clusters for b in calico_blocks(c)), *extra)))
    if not blocks:
        return AddressPlan(False)  # no CIDR anywhere: addresses decide nothing
    families = tuple(sorted(set(families_in_use(clusters, blocks))))
    return AddressPlan(True, families, blocks, range_starts(blocks, families))


def _calico_port_cuts(cluster: Cluster) -> list[tuple[int, int]]:
    out = []
    for e in _entities(cluster):
        for p in (*e.ports, *e.not_ports):
            if p.lo is not None and p.hi is not None:
                out.append((p.lo, p.hi))
    return out


def calico_port_names(cluster: Cluster) -> frozenset[str]:
    return frozenset(p.name for e in _entities(cluster) for p in (*e.ports, *e.not_ports) if p.name is not None)


def calico_port_cells(cluster: Cluster, classes) -> dict:
    """map_fold's cells, cut further by every Calico port range (for every protocol: a rule's protocol may be
    any of them)."""
    base = port_cells(cluster, classes)
    extra = _calico_port_cuts(cluster)
    if not extra:
        return base
    out = {}
    for protocol, cells in base.items():
        points = {lo for lo, _ in cells}
        for lo, hi in extra:
            points.add(max(lo, MIN_PORT))
            if hi < MAX_PORT:
                points.add(hi + 1)
        starts = sorted(points)
        out[protocol] = tuple(zip(starts, [s - 1 for s in starts[1:]] + [MAX_PORT]))
    return out


def source_port_starts(cluster: Cluster, classes) -> tuple[int, ...]:
    """One source port per cell that Calico `source.ports`/`notPorts` (numbers, ranges, and the container ports
    named ones resolve to) cut 1-65535 into; (1,) when no rule matches source ports."""
    entries = [p for r in _rules(cluster) for p in (*r.source.ports, *r.source.not_ports)]
    if not entries:
        return (MIN_PORT,)
    points = {MIN_PORT}
    for p in entries:
        if p.lo is not None and p.hi is not None:
            points.add(max(p.lo, MIN_PORT))
            if p.hi < MAX_PORT:
                points.add(p.hi + 1)
    if any(p.name is not None for p in entries):
        for c in classes:
            for cp in c.endpoint.ports:
                points.add(cp.port)
                if cp.port < MAX_PORT:
                    points.add(cp.port + 1)
    return tuple(sorted(points))


def other_protocol_flows(cluster: Cluster) -> tuple[tuple[int, int | None, int | None], ...]:
    """(protocol number, ICMP type, ICMP code) representatives of "every other IP protocol" as Calico rules tell
    them apart: each protocol a `protocol`/`notProtocol` names, ICMP and ICMPv6 with each type and code an
    `icmp`/`notICMP` names and one none names, and a protocol none names. Empty when no rule tells them apart
    (then ICMP stands for them all, map_fold)."""
    named = {n for r in _rules(cluster) for n in (r.protocol, r.not_protocol) if n is not None} - {6, 17, 132}
    matches = [m for r in _rules(cluster) for m in (r.icmp, r.not_icmp) if m is not None]
    if not named and not matches:
        return ()
    types = sorted({m.type for m in matches})
    icmp: list[tuple[int | None, int | None]] = [(next(t for t in range(MAX_ICMP, -1, -1) if t not in types), 0)]
    for t in types:
        codes = sorted({m.code for m in matches if m.type == t and m.code is not None})
        icmp += [(t, c) for c in codes] + [(t, next(c for c in range(MAX_ICMP, -1, -1) if c not in codes))]
    fresh = next(n for n in (47, *range(2, 256)) if n not in named and n not in (1, 58, 6, 17, 132))
    out = [(family, t, c) for family in (1, 58) for t, c in icmp]
    out += [(n, None, None) for n in sorted(named - {1, 58})] + [(fresh, None, None)]
    return tuple(out)


class SourcePortDecide:
    """The evaluator's verdict on one connection under `semantics`, as the map folds it: for a port protocol
    the connection is allowed when some source port allows it (one port per source-port cell is asked), and
    `depends` counts connections whose verdict differs between source ports (a note says rows show what some
    source port allows)."""

    def __init__(self, cluster: Cluster, semantics: Semantics, starts: tuple[int, ...]):
        self.cluster, self.semantics, self.starts = cluster, semantics, starts
        self.depends = 0
        self.others = other_protocol_flows(cluster)
        self.some_other = 0  # connections some but not all other protocols may use (a note counts them)

    def __call__(self, flow: Flow) -> Outcome:
        if self.others and not Protocol(flow.protocol).has_ports:
            # The stand-in for every other protocol: allowed only if every protocol Calico tells apart is (a row
            # never claims a protocol it does not allow); blocked if some is.
            outcomes = [self._one(replace(flow, protocol=Protocol(n), port=0, icmp_type=t, icmp_code=c))
                        for n, t, c in self.others]
            allow = all(o.may_allow for o in outcomes)
            if not allow and any(o.may_allow for o in outcomes):
                self.some_other += 1
            unknown = next((o.unknown for o in outcomes if o.unknown is not None), None)
            return Outcome(allow, (not allow) or any(o.ambiguous for o in outcomes), unknown)
        outcomes = [self._one(replace(flow, src_port=sp)) for sp in self.starts]
        allow = any(o.may_allow for o in outcomes)
        unknown = next((o.unknown for o in outcomes if o.unknown is not None), None)
        if len({o.may_allow for o in outcomes}) > 1:
            self.depends += 1
        # same-priority ambiguity stays ambiguity; a source-port difference is not one
        ambiguous = any(o.ambiguous for o in outcomes)
        return Outcome(allow, (not allow) or ambiguous, unknown)

    def _one(self, flow: Flow) -> Outcome:
        verdict = evaluate(self.cluster, flow, semantics=self.semantics)
        return Outcome(verdict.may_be(True), verdict.may_be(False), verdict.unknown_reason)


SOURCE_PORT_NOTE = (
    "Calico rules match source ports: each row shows the destination ports some source port may use; {count} "
    "connections are allowed from some source ports only"
)


OTHER_PROTOCOLS_NOTE = (
    "Calico rules tell IP protocols other than TCP, UDP and SCTP apart (protocol, notProtocol, icmp, notICMP): a "
    "row shows every other protocol only where each of them is allowed; {count} connections allow some of them "
    "only (not shown; explain --port ICMP or protocol/N tells them)"
)


def semantics_decide(cluster: Cluster, semantics: Semantics, classes=()) -> SourcePortDecide:
    """The reference evaluator's verdict on one connection under `semantics`, as the map folds it."""
    return SourcePortDecide(cluster, semantics, source_port_starts(cluster, classes))


def calico_map_engine(cluster: Cluster, semantics: Semantics, plan: AddressPlan,
                      families: tuple[int, ...] | None = None, decide: Decide | None = None) -> FoldEngine:
    classes = workload_classes(cluster, semantics.ipblock_matches_pods, plan,
                               exact_keys=exact_label_keys(cluster), by_account=True,
                               port_names=calico_port_names(cluster))
    blocks = list(dict.fromkeys((*calico_blocks(cluster), *admin_blocks(cluster))))
    versions = tuple(sorted({4, *(families or families_in_use([cluster], blocks))}))
    partitions = {d: Partition(blocks, versions) for d in ("ingress", "egress")}
    engine = FoldEngine(cluster, classes, partitions, decide or semantics_decide(cluster, semantics, classes))
    engine.cells = calico_port_cells(cluster, classes)
    return engine

