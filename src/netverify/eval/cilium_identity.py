"""Who the other end of a connection is to Cilium: a pod's identity labels, a node, or the world.

Cilium matches peers by security identity (https://docs.cilium.io/en/stable/security/policy/language/,
"Layer 3 Examples"; pkg/policy/api/entity.go). netverify's endpoints map onto identities as follows:
- a pod on the pod network: its identity labels (model/cilium.py identity_labels: its labels, namespace,
  namespace labels, service account, cluster name);
- a host-network pod, or an outside address that is a Node's (Node objects): the node — `host` when it is
  the node the judged pod runs on, `remote-node` for another (netverify does not model which node a pod
  runs on: either alone matches "maybe", both together match);
- any other outside address: `world` (`world-ipv4` / `world-ipv6` by family). The property names it outside
  the cluster; without Node objects it may still be a node's, so entities naming nodes (`host`,
  `remote-node`, `cluster`) cannot tell and match "maybe".
A match is three-valued: True, False, or None (netverify cannot tell), as in eval/anp.py.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Literal

from netverify.eval.layer import is_host_network
from netverify.model.cilium import CidrPeer, identity_labels
from netverify.model.cilium_label_filter import release_dependent
from netverify.model.cluster import Cluster
from netverify.model.flow import Endpoint, ExternalEndpoint, PodEndpoint
from netverify.model.ipblock import IPAddress
from netverify.model.labels import LabelSelector

Match = bool | None
RESERVED_PREFIX = "reserved:"


@dataclass(frozen=True, slots=True)
class Identity:
    """kind pod: `labels` are its identity labels; node: `node` names the Node when known; world: an outside
    address (`maybe_node`: the input has no Node objects, so it may be a node's)."""

    kind: Literal["pod", "node", "world"]
    labels: Mapping[str, str]
    ip: IPAddress | None = None
    node: str | None = None
    maybe_node: bool = False


def service_account_of(ep: PodEndpoint) -> str:
    """The pod's service account: a replica's is its workload's; a pod not read from the manifests may say
    (PodEndpoint.service_account), else `default` (what the API server gives a pod that names none)."""
    if ep.service_account is not None:
        return ep.service_account
    return ep.workload.service_account if ep.workload is not None else "default"


def pod_identity_labels(ep: PodEndpoint, cluster_name: str) -> dict[str, str]:
    return identity_labels(ep.labels, ep.namespace, ep.namespace_labels, service_account_of(ep), cluster_name)


def identity_of(cluster: Cluster, ep: Endpoint) -> Identity:
    if isinstance(ep, ExternalEndpoint):
        for node in cluster.nodes:
            if ep.ip in node.addresses:
                return Identity("node", {}, ep.ip, node.name)
        return Identity("world", {}, ep.ip, maybe_node=not cluster.nodes)
    if is_host_network(ep):
        assert ep.workload is not None
        return Identity("node", {}, ep.ip, ep.workload.node_name)
    return Identity("pod", pod_identity_labels(ep, cluster.cilium.cluster_name), ep.ip)


def release_match(selector: LabelSelector, labels: Mapping[str, str]) -> Match:
    """The selector over identity labels; None when the answer differs between Cilium releases that keep a
    label the selector names and releases that leave it out (model/cilium_label_filter.RELEASE_DEPENDENT)."""
    kept = selector.matches(labels)
    if not any(release_dependent(r.key) for r in selector.requirements):
        return kept
    left_out = selector.matches({k: v for k, v in labels.items() if not release_dependent(k)})
    return kept if kept == left_out else None


def selector_match(selector: LabelSelector, other: Identity) -> Match:
    """An endpoint selector. A pod: its identity labels. A node or the world has reserved labels only: a
    selector naming a `reserved:` key, or one that an identity without labels satisfies ({} in a CCNP, only
    NotIn/DoesNotExist), may select it — netverify does not model reserved identities' labels: maybe."""
    if other.kind == "pod":
        return release_match(selector, other.labels)  # a pod carries no reserved: label
    if selector.matches({}) or any(r.key.startswith(RESERVED_PREFIX) for r in selector.requirements):
        return None
    return False


def entity_match(entity: str, other: Identity) -> Match:
    """pkg/policy/api/entity.go EntitySelectorMapping; `cluster` is every identity of this cluster (its
    pods, nodes and Cilium's own endpoints), `all` everything. Which node a pod runs on is not modelled, so
    `host` (the pod's own node) or `remote-node` (another) alone cannot tell a node apart."""
    if entity == "all":
        return True
    if other.kind == "pod":
        return entity == "cluster"  # a workload's pod is never host, health, init, ingress or unmanaged
    if other.kind == "node":
        if entity == "cluster":
            return True
        if entity in ("host", "remote-node"):
            return None
        if entity == "kube-apiserver":
            return None  # the API server may run on any node; which is not in the input
        return False
    # An outside address.
    if entity in ("world", "world-ipv4", "world-ipv6"):
        assert other.ip is not None
        return entity == "world" or other.ip.version == (4 if entity == "world-ipv4" else 6)
    if entity in ("cluster", "host", "remote-node"):
        return None if other.maybe_node else False
    if entity == "kube-apiserver":
        return None  # a managed control plane's API server is an outside address the input does not name
    return False


def entities_match(entities: Iterable[str], other: Identity) -> Match:
    """Any of the entities; `host` and `remote-node` together are every node, whichever the pod runs on."""
    entities = tuple(entities)
    if other.kind == "node" and {"host", "remote-node"} <= set(entities):
        return True
    return any_of(entity_match(e, other) for e in entities)


def cidr_match(peer: CidrPeer, other: Identity) -> bool:
    """CIDR rules select outside addresses only: never a pod, nor a node (Cilium's default
    policy-cidr-match-mode; https://docs.cilium.io/en/stable/security/policy/language/#ip-cidr-based)."""
    if other.kind != "world":
        return False
    assert other.ip is not None
    return any(b.contains(other.ip) for b in peer.blocks) and not any(e.contains(other.ip) for e in peer.excepts)


def any_of(matches: Iterable[Match]) -> Match:
    out: Match = False
    for m in matches:
        if m is True:
            return True
        if m is None:
            out = None
    return out


def all_of(matches: Iterable[Match]) -> Match:
    out: Match = True
    for m in matches:
        if m is False:
            return False
        if m is None:
            out = None
    return out
