"""Readers of the cluster-scoped kinds the cluster builder reads besides Namespace: the admin policies of
policy.networking.k8s.io (AdminNetworkPolicy, BaselineAdminNetworkPolicy v1alpha1; ClusterNetworkPolicy v1alpha2)
and core v1 Node. One table, so the builder needs one branch for all of them.

A kind of that group at a version netverify does not read is bad input, not a note (as for NetworkPolicy): it
could decide traffic. An object without apiVersion is trusted by its kind where the kind is unique
(AdminNetworkPolicy, BaselineAdminNetworkPolicy, Node); `ClusterNetworkPolicy` alone is also Antrea's kind.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from netverify.load.anp import V1ALPHA1, admin_network_policy, baseline_admin_network_policy
from netverify.load.anp_fields import ADMIN_ROOTS, NODE_ROOT
from netverify.load.anp_peers import Reading
from netverify.load.anp_schema import AnpModel, BanpModel, CnpModel, NodeModel
from netverify.load.cnp import V1ALPHA2, cluster_network_policy
from netverify.load.nodes import node
from netverify.load.site import Site
from netverify.model.anp import ADMIN_GROUP, ANP_KIND, BANP_KIND, CNP_KIND, AdminPolicy, Node
from netverify.model.kinds import group_of


@dataclass(frozen=True)
class ClusterScopedKind:
    kind: str
    versions: tuple[str, ...]  # the apiVersions read
    model: Any  # the pydantic model of the object
    root: str  # its type in known_fields' table
    build: Callable[..., AdminPolicy | Node]  # (model, name, api_version, site, reading)
    trusted_without_version: bool


def _node(model: NodeModel, name: str, api_version: str, site: Site, reading: Reading) -> Node:
    return node(model, name, site)


_KINDS: dict[str, ClusterScopedKind] = {
    k.kind: k for k in (
        ClusterScopedKind(ANP_KIND, (V1ALPHA1,), AnpModel, ADMIN_ROOTS[(V1ALPHA1, ANP_KIND)], admin_network_policy,
                          True),
        ClusterScopedKind(BANP_KIND, (V1ALPHA1,), BanpModel, ADMIN_ROOTS[(V1ALPHA1, BANP_KIND)],
                          baseline_admin_network_policy, True),
        ClusterScopedKind(CNP_KIND, (V1ALPHA2,), CnpModel, ADMIN_ROOTS[(V1ALPHA2, CNP_KIND)], cluster_network_policy,
                          False),
        ClusterScopedKind("Node", ("v1",), NodeModel, NODE_ROOT, _node, True),
    )
}


def cluster_scoped_kind(kind: str, api_version: str | None, site: Site) -> ClusterScopedKind | None:
    """The reader of `kind` at `api_version`; None when the builder should look elsewhere (another group's kind
    of the same name). Raises at apiVersion for a version of the kind's own group that is not read."""
    entry = _KINDS.get(kind)
    if entry is None:
        return None
    if api_version is None:
        return entry if entry.trusted_without_version else None
    if api_version in entry.versions:
        return entry
    if group_of(api_version) == group_of(entry.versions[0]):
        raise site.at("apiVersion").error(
            f"{kind} {api_version} is not a version netverify reads (it reads {', '.join(entry.versions)})"
        )
    return None


def is_admin_kind(entry: ClusterScopedKind) -> bool:
    return group_of(entry.versions[0]) == ADMIN_GROUP
