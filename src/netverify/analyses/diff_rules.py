"""Which rules a change is due to: the concrete evaluator on witness flows of each added or removed range.

For an added connection, the HEAD rules that admit it on the sides BASE blocked (a side BASE already allowed
did not cause the change). For a removed one, the BASE rules that admitted it on the sides HEAD blocks; when
BASE left that side open, nothing admitted it, so the HEAD policies that now isolate it are named instead.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from dataclasses import replace

from netverify.analyses.diff_maps import Protocols, RawChange
from netverify.analyses.map_variants import address_of_variant, workload_of_variant
from netverify.eval.concrete import endpoint_of as replica_of
from netverify.eval.concrete import evaluate
from netverify.findings import IPRangeNode, MapNode
from netverify.model.cluster import Cluster
from netverify.model.flow import Endpoint, ExternalEndpoint, Flow
from netverify.model.ports import Protocol
from netverify.model.responsible import deciding_refs, takes_part
from netverify.model.semantics import Semantics
from netverify.model.verdict import RuleRef, SideVerdict, Verdict

# One witness per (protocol, port range) is enough to name every rule in practice and keeps large maps cheap.
_MAX_WITNESSES_PER_CHANGE = 16


class Replicas:
    """Concrete endpoints for map nodes in one version, looked up by ref once (maps can be large)."""

    def __init__(self, cluster: Cluster) -> None:
        self.cluster = cluster
        self._workloads = {w.ref: w for w in cluster.workloads}
        self._endpoints: dict[str, Endpoint | None] = {}

    def endpoint(self, node: MapNode) -> Endpoint | None:
        """None when the workload does not exist in this version; an IP range is its first address."""
        if isinstance(node, IPRangeNode):
            return ExternalEndpoint(ipaddress.ip_address(node.start))
        if node.label not in self._endpoints:
            # A `name@address` node (diff per pod address) is the workload's pod at that address.
            w = self._workloads.get(workload_of_variant(node).label)
            address = address_of_variant(node)
            ep = None if w is None else replica_of(self.cluster, w)
            if ep is not None and address is not None:
                ep = replace(ep, ip=ipaddress.ip_address(address))
            self._endpoints[node.label] = ep
        return self._endpoints[node.label]


def witness_ports(protocols: Protocols) -> Iterable[tuple[Protocol, int]]:
    """One port per (protocol, range): the first of each, in a stable order."""
    firsts = [(proto, lo) for proto in Protocol if proto in protocols for lo, _ in protocols[proto].ranges]
    return firsts[:_MAX_WITNESSES_PER_CHANGE]


def _verdict(version: Replicas, src: MapNode, dst: MapNode, proto: Protocol, port: int,
             semantics: Semantics) -> Verdict | None:
    s, d = version.endpoint(src), version.endpoint(dst)
    if s is None or d is None:
        return None
    return evaluate(version.cluster, Flow(s, d, proto, port), semantics=semantics)


def _opened_by(now: Verdict, then: Verdict | None) -> list[RuleRef]:
    """HEAD's admitting rules on the sides BASE blocked (every side when the pair did not exist in BASE)."""
    out: list[RuleRef] = []
    for side_now, side_then in ((now.egress, then and then.egress), (now.ingress, then and then.ingress)):
        if side_then is None or not side_then.allowed:
            out += _admitted_by(side_now)
    return out


def _admitted_by(side: SideVerdict) -> tuple[RuleRef, ...]:
    """What lets a side through: with admin tiers, every rule its chain went through (a Pass, then the
    NetworkPolicy rule; or the admin Allow); else the NetworkPolicy rules that admit it."""
    return deciding_refs(side) if takes_part(side) else side.allowed_by


def attribute(base: Cluster | Replicas, head: Cluster | Replicas, change: RawChange, *,
              ipblock_matches_pods: bool = False, semantics: Semantics | None = None,
              ) -> tuple[tuple[RuleRef, ...], tuple[RuleRef, ...]]:
    """(added_by, removed_by) for one changed pair. Pass `Replicas` to share lookups across many changes.
    `semantics` (the CNI's chain) wins over `ipblock_matches_pods` when given."""
    semantics = semantics or Semantics(ipblock_matches_pods=ipblock_matches_pods)
    base = base if isinstance(base, Replicas) else Replicas(base)
    head = head if isinstance(head, Replicas) else Replicas(head)
    added_by: list[RuleRef] = []
    for proto, port in witness_ports(change.added):
        now = _verdict(head, change.src, change.dst, proto, port, semantics)
        then = _verdict(base, change.src, change.dst, proto, port, semantics)
        if now is not None:
            added_by += _opened_by(now, then)
    removed_by: list[RuleRef] = []
    for proto, port in witness_ports(change.removed):
        then = _verdict(base, change.src, change.dst, proto, port, semantics)
        now = _verdict(head, change.src, change.dst, proto, port, semantics)
        if then is None:
            continue
        for side_then, side_now in ((then.egress, now and now.egress), (then.ingress, now and now.ingress)):
            if side_now is not None and side_now.allowed == side_then.allowed:
                continue
            if side_now is not None and takes_part(side_now):
                # HEAD's chain decided it: name what admitted it in BASE, then the admin rule that blocks it now
                removed_by += [*_admitted_by(side_then), *deciding_refs(side_now)]
            elif side_then.isolated or takes_part(side_then):
                removed_by += _admitted_by(side_then)
            elif side_now is not None:
                removed_by += side_now.isolated_by  # BASE left it open; HEAD's isolating policy closed it
    return _unique(added_by), _unique(removed_by)


def _unique(refs: Iterable[RuleRef]) -> tuple[RuleRef, ...]:
    return tuple(dict.fromkeys(refs))

