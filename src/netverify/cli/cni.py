"""`--cni NAME` on every command that loads a cluster: which CNI's layer order applies (load/cni.py)."""

from __future__ import annotations

from enum import Enum
from typing import Annotated, Optional

import typer

from netverify.cli.guard import lazy
from netverify.model.cluster import Cluster
from netverify.model.semantics import CHAINS, Semantics


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
    return (choice.note, *_unenforced_notes(choice.cni, clusters))


def _unenforced_notes(cni: str, clusters: tuple[Cluster, ...]) -> tuple[str, ...]:
    """Kinds the chosen CNI does not enforce are skipped, and the result says so (docs/semantics.md)."""
    if cni != "cilium":
        return ()
    unenforced = lazy("netverify.eval.cilium", "unenforced_kinds")
    skipped = sorted({k for c in clusters for k in unenforced(c)})
    if not skipped:
        return ()
    return (f"Cilium does not enforce {', '.join(skipped)}: under --cni cilium those objects are skipped (they "
            "decide nothing here)",)


def cni_semantics(requested: CniName | None, ipblock_matches_pods: bool, *clusters: Cluster) -> Semantics:
    """The Semantics the analyses run under: the chosen CNI's chain (model/semantics.py CHAINS). A CNI whose row
    is not there yet runs the generic chain, as every CNI did before its layers existed; its own kinds are then
    unmodelled and make every result they could change unknown."""
    choice = lazy("netverify.load.cni", "choose_cni")(clusters, requested.value if requested else None)
    return Semantics(choice.cni if choice.cni in CHAINS else "generic", ipblock_matches_pods)
