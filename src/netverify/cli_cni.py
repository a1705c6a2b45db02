"""`--cni NAME` on every command that loads a cluster: which CNI's layer order applies (load/cni.py)."""

from __future__ import annotations

from enum import Enum
from typing import Annotated, Optional

import typer

from netverify.cli_guard import lazy
from netverify.model.cluster import Cluster


class CniName(str, Enum):
    generic = "generic"
    calico = "calico"
    cilium = "cilium"


CniOption = Annotated[
    Optional[CniName],
    typer.Option("--cni", help="The CNI that enforces the policies (how the layers combine). Default: inferred "
                 "from the kinds present (Calico kinds: calico, Cilium kinds: cilium, else generic); kinds of "
                 "two CNIs need it."),
]

CiliumClusterOption = Annotated[
    str,
    typer.Option("--cilium-cluster", metavar="NAME",
                 help="Cilium's cluster name (its cluster-name setting): the io.cilium.k8s.policy.cluster label "
                 "every pod's identity carries, which Cilium policies can select. Default: default."),
]


def with_cilium_cluster(cluster: Cluster, name: str) -> Cluster:
    """`cluster` with its Cilium identities in cluster `name`; a name Cilium refuses is bad usage (exit 2)."""
    return lazy("netverify.load.cilium", "with_cluster_name")(cluster, name)


def cni_notes(requested: CniName | None, *clusters: Cluster) -> tuple[str, ...]:
    """The note naming the CNI chosen; bad usage (exit 2) when kinds of two CNIs are present without --cni."""
    choice = lazy("netverify.load.cni", "choose_cni")(clusters, requested.value if requested else None)
    return (choice.note,)
