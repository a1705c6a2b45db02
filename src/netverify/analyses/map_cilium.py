"""What Cilium policies make the map tell apart: address cuts, port cuts, selectors and named ports.

The map folds the evaluator per class pair and port cell (map_fold); it is exact only if no rule can tell two
members of a class, two ports of a cell or two addresses of a range apart. For Cilium (model/cilium.py) that is:
- addresses: every `fromCIDR`/`toCIDR`/`*CIDRSet` block and except (CIDR groups are resolved into blocks by the
  loader); entities need no cut of their own (`world` is every address outside the cluster, `host`/`remote-node`
  are the Nodes' addresses, which map_fold.admin_blocks cuts already);
- ports: every numbered `toPorts` port or range, for its protocol (ANY: every protocol);
- labels: endpoint selectors and `fromEndpoints`/`toEndpoints`/`*Requires` peers; the service account when a
  selector names `io.cilium.k8s.policy.serviceaccount` (it is no pod label, so the class signature adds it).
"""

from __future__ import annotations

from collections.abc import Iterator

from netverify.model.cilium import CiliumPolicy, CiliumRule
from netverify.model.cluster import Cluster
from netverify.model.ipblock import IPBlock
from netverify.model.labels import LabelSelector
from netverify.model.ports import PROTOCOLS, Protocol


def _rules(policy: CiliumPolicy) -> Iterator[CiliumRule]:
    yield from policy.ingress
    yield from policy.egress


def cilium_blocks(cluster: Cluster) -> tuple[IPBlock, ...]:
    out: list[IPBlock] = []
    for policy in cluster.cilium.policies:
        for rule in _rules(policy):
            for peer in rule.cidrs:
                out += peer.blocks
                out += peer.excepts
    return tuple(dict.fromkeys(out))


def cilium_port_ranges(cluster: Cluster) -> Iterator[tuple[tuple[Protocol, ...], int, int]]:
    """(protocols, first, last) of every numbered `toPorts` port; port 0 is every port (no cut)."""
    for policy in cluster.cilium.policies:
        for rule in _rules(policy):
            for item in rule.ports:
                for p in item.ports:
                    if isinstance(p.port, int) and p.port != 0:
                        protocols = PROTOCOLS if p.protocol == "ANY" else (Protocol(p.protocol),)
                        yield protocols, p.port, p.end_port if p.end_port is not None else p.port


def cilium_port_names(cluster: Cluster) -> set[str]:
    return {p.port for policy in cluster.cilium.policies for rule in _rules(policy) for item in rule.ports
            for p in item.ports if isinstance(p.port, str)}


def cilium_selectors(cluster: Cluster) -> Iterator[LabelSelector]:
    for policy in cluster.cilium.policies:
        if policy.endpoint_selector is not None:
            yield policy.endpoint_selector
        for rule in _rules(policy):
            yield from rule.endpoints or ()
            yield from rule.requires
