"""Wiring of the map for clusters with admin tiers: classes, address plan, ranges and the evaluator to fold.

Only the evaluator's composition (`eval`) says what a connection gets; this module chooses what to ask it.
Pod addresses matter as soon as an admin rule has a `networks` peer: those CIDRs match pod addresses too (the
API says so, whatever --ipblock-matches-pods says of NetworkPolicy ipBlocks), so a pod whose IP the manifests
do not give is tried once per range those CIDRs cut, and its rows are the union (named as address-dependent).
"""

from __future__ import annotations

from collections.abc import Iterable

from netverify.analyses.ipranges import Partition
from netverify.analyses.map_classes import workload_classes
from netverify.analyses.map_fold import Decide, FoldEngine, Outcome, admin_blocks
from netverify.eval.addresses import AddressPlan, families_in_use, policy_blocks, range_starts
from netverify.eval.portset import PortSet
from netverify.eval.concrete import evaluate
from netverify.model.cluster import Cluster
from netverify.model.flow import Flow
from netverify.model.ipblock import IPBlock
from netverify.model.policy import Direction
from netverify.model.semantics import Semantics


def network_blocks(cluster: Cluster) -> tuple[IPBlock, ...]:
    return tuple(dict.fromkeys(b for p in cluster.admin_policies for r in (*p.ingress, *p.egress)
                               for peer in r.peers for b in peer.networks))


def admin_address_plan(clusters: Iterable[Cluster], *, ipblock_matches_pods: bool,
                       extra: Iterable[IPBlock] = ()) -> AddressPlan:
    """`AddressPlan.of`, with admin `networks` CIDRs (which always match pods) cutting pod addresses too."""
    clusters, extra = tuple(clusters), tuple(extra)
    networks = tuple(b for c in clusters for b in network_blocks(c))
    if not networks:
        return AddressPlan.of(clusters, ipblock_matches_pods=ipblock_matches_pods, extra=extra)
    families = tuple(sorted(set(families_in_use(clusters, extra)) | {b.version for b in networks}))
    nps = tuple(b for c in clusters for b in policy_blocks(c)) if ipblock_matches_pods else ()
    blocks = tuple(dict.fromkeys((*nps, *networks, *extra)))
    return AddressPlan(True, families, blocks, range_starts(blocks, families))


def evaluator_decide(cluster: Cluster, ipblock_matches_pods: bool, semantics: Semantics | None = None) -> Decide:
    """The reference evaluator's verdict on one connection, as the map folds it."""
    semantics = semantics or Semantics(ipblock_matches_pods=ipblock_matches_pods)

    def decide(flow: Flow) -> Outcome:
        verdict = evaluate(cluster, flow, semantics=semantics)
        return Outcome(verdict.may_be(True), verdict.may_be(False), verdict.unknown_reason)
    return decide


def admin_map_engine(cluster: Cluster, ipblock_matches_pods: bool, plan: AddressPlan,
                     families: tuple[int, ...] | None = None, decide: Decide | None = None,
                     semantics: Semantics | None = None) -> FoldEngine:
    classes = workload_classes(cluster, ipblock_matches_pods, plan)
    versions = tuple(sorted({4, *(families or families_in_use([cluster])),
                             *(b.version for b in network_blocks(cluster))}))
    extra = admin_blocks(cluster)
    blocks: dict[Direction, list[IPBlock]] = {"ingress": list(extra), "egress": list(extra)}
    for p in cluster.policies:
        for d in ("ingress", "egress"):
            blocks[d] += [peer.ip_block for r in p.rules(d) for peer in r.peers if peer.ip_block is not None]
    partitions = {d: Partition(bs, versions) for d, bs in blocks.items()}
    return FoldEngine(cluster, classes, partitions, decide or evaluator_decide(cluster, ipblock_matches_pods, semantics))


AMBIGUOUS_NOTE = (
    "ambiguous: admin policies of one priority match these connections with different actions, and the API "
    "leaves the choice to the CNI; each is shown as allowed (some resolution lets it through): {rows}"
)
ADMIN_ADDRESS_NOTE = (
    "admin `networks` CIDRs match pod addresses too: these rows depend on the address of a pod whose IP is not "
    "in the manifests and show what some address allows: {rows}"
)
_MAX_LISTED = 20


def _listed(rows: list[str]) -> str:
    return ", ".join(rows[:_MAX_LISTED]) + (f" and {len(rows) - _MAX_LISTED} more" if len(rows) > _MAX_LISTED else "")


def _ports(ports: PortSet) -> str:
    return "; ".join(f"{p} {'all' if r.is_all else r}" for p, r in ports.as_mapping().items())


def _end(engine: FoldEngine, end, direction: str) -> list[str]:
    if isinstance(end, tuple):
        return [engine.partitions[direction].ranges[end[1]].node().label]
    return [w.pod_ref for w in engine.classes[end].workloads]


def ambiguous_rows(engine: FoldEngine, keep) -> list[str]:
    """`src -> dst: ports` per connection whose verdict depends on how same-priority ties are resolved."""
    rows: list[str] = []
    for (src, dst), ports in engine.ambiguous.items():
        direction = "ingress" if isinstance(src, tuple) else "egress"
        srcs, dsts = _end(engine, src, direction), _end(engine, dst, direction)
        workloads = [w for e in (src, dst) if not isinstance(e, tuple) for w in engine.classes[e].workloads]
        if not keep(*workloads):
            continue
        rows += [f"{a} -> {b}: {_ports(ports)}" for a in srcs for b in dsts if a != b or src != dst]
    return sorted(dict.fromkeys(rows))


def admin_map_notes(engine: FoldEngine, keep, dependent: list[str]) -> tuple[tuple[str, ...], str | None]:
    """The notes a folded map adds (ambiguous rows, address-dependent rows) and why it is unknown, if it is."""
    notes: list[str] = []
    ambiguous = ambiguous_rows(engine, keep)
    if ambiguous:
        notes.append(AMBIGUOUS_NOTE.format(rows=_listed(ambiguous)))
    if dependent:
        notes.append(ADMIN_ADDRESS_NOTE.format(rows=_listed(dependent)))
    reason = None
    if engine.unknown_reasons:
        reason = "some rows cannot be decided from the input: " + "; ".join(engine.unknown_reasons[:5])
    return tuple(notes), reason
