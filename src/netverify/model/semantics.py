"""Which network plugin enforces the policies, and the choices that follow from it.

The layers a connection passes and their order are the CNI's choice (docs/semantics.md, "Layers"). `generic`
is the order the policy.networking.k8s.io API defines (admin tier, NetworkPolicy, baseline tier, allow), which
OVN-Kubernetes, Antrea, kube-network-policies and Calico's kube-admin/kube-baseline tiers follow for these kinds.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Cni = Literal["generic", "calico", "cilium"]
CNIS: tuple[Cni, ...] = ("generic", "calico", "cilium")


@dataclass(frozen=True, slots=True)
class Semantics:
    """What a run assumes of the cluster's data plane.

    ipblock_matches_pods: whether NetworkPolicy ipBlocks match pod addresses too (CNI-dependent; the API
    intends them for addresses outside the cluster). AdminNetworkPolicy `networks` always match pod addresses
    (the API says so), whatever this flag says."""

    cni: Cni = "generic"
    ipblock_matches_pods: bool = False

    def __post_init__(self) -> None:
        # Calico `nets` match every address, pods' included, and Calico enforces a NetworkPolicy ipBlock as
        # `nets` (model/calico_k8s.py): under Calico pod addresses always count.
        if self.cni == "calico" and not self.ipblock_matches_pods:
            object.__setattr__(self, "ipblock_matches_pods", True)


# The layers each CNI consults for one side, in order (model/decision.py folds their answers; the end of the
# chain allows). Names are the layer modules' (eval/<layer>.py, smt/<layer>.py via eval/compose.LAYERS). A CNI
# without a row here is not modelled yet: its own issue adds the row and its layers.
#   admin:         AdminNetworkPolicy and ClusterNetworkPolicy tier Admin, by priority (lower first)
#   networkpolicy: networking.k8s.io NetworkPolicy (isolation, union of allow rules)
#   baseline:      BaselineAdminNetworkPolicy and ClusterNetworkPolicy tier Baseline, by priority
#   calico:        Calico's tiers by (order, name), kube-admin (the admin tier's policies), default (Calico
#                  policies and every NetworkPolicy converted), kube-baseline, user tiers (eval/calico.py);
#                  the profile allows at the end
#   cilium:        Cilium's one union of NetworkPolicy (as Cilium converts it), CNP and CCNP: deny wins, then
#                  allow, then default deny (eval/cilium.py). Cilium enforces no AdminNetworkPolicy, BANP or
#                  ClusterNetworkPolicy: under --cni cilium they are skipped (eval/cilium.unenforced_kinds).
CHAINS: dict[str, tuple[str, ...]] = {
    "generic": ("admin", "networkpolicy", "baseline"),
    "calico": ("calico",),
    "cilium": ("cilium",),
}


def chain_of(semantics: Semantics) -> tuple[str, ...]:
    try:
        return CHAINS[semantics.cni]
    except KeyError:
        raise ValueError(f"no layer chain is modelled for --cni {semantics.cni} yet") from None
