"""`--cni NAME` on every command that loads a cluster: which CNI's layer order applies (load/cni.py)."""

from __future__ import annotations

from enum import Enum
from typing import Annotated, Optional

import typer

from netverify.cli_guard import lazy
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


def run_semantics(requested: CniName | None, ipblock_matches_pods: bool, *clusters: Cluster) -> Semantics:
    """The run's Semantics: the CNI chosen (as cni_notes says) where its layer chain is modelled."""
    choice = lazy("netverify.load.cni", "choose_cni")(clusters, requested.value if requested else None)
    cni = choice.cni if choice.cni in CHAINS else "generic"  # an unmodelled chain: kinds are judged fail-closed
    return Semantics(cni=cni, ipblock_matches_pods=ipblock_matches_pods)


def cni_notes(requested: CniName | None, *clusters: Cluster) -> tuple[str, ...]:
    """The note naming the CNI chosen; bad usage (exit 2) when kinds of two CNIs are present without --cni."""
    choice = lazy("netverify.load.cni", "choose_cni")(clusters, requested.value if requested else None)
    return (choice.note,)
