"""Fold the CNI's chain of layers (model/semantics.py CHAINS) into one side's verdict.

Every layer of the chain is asked in order until the fold stops (the first allow, deny or unknown that every
same-priority resolution reaches); the chain records what each layer consulted said. See model/decision.py.
"""

from __future__ import annotations

from netverify.eval import anp, calico, networkpolicy
from netverify.eval import anp, cilium, networkpolicy
from netverify.eval.layer import Side
from netverify.model.cluster import Cluster
from netverify.model.decision import CONTINUES, LayerDecision
from netverify.model.flow import ExternalEndpoint
from netverify.model.semantics import Semantics, chain_of
from netverify.model.verdict import SideVerdict


def side_verdict(cluster: Cluster, side: Side, semantics: Semantics) -> SideVerdict:
    if isinstance(side.pod, ExternalEndpoint):
        return SideVerdict(side.direction, False, (), ())  # no policy governs an address outside the cluster
    chain: list[LayerDecision] = []
    np_view = (False, (), ())
    for layer in chain_of(semantics):
        if layer == "networkpolicy":
            decision, np_view = networkpolicy.decide(cluster, side, ipblock_matches_pods=semantics.ipblock_matches_pods)
            entries: tuple[LayerDecision, ...] = (decision,)
        elif layer in ("admin", "baseline"):
            entries = anp.decide(cluster, layer, side)
        elif layer == "calico":
            entries = calico.decide(cluster, side)
        elif layer == cilium.LAYER:
            entries = (cilium.decide(cluster, side),)
        else:  # pragma: no cover - a CHAINS row names a layer without an evaluator
            raise ValueError(f"no evaluator for layer {layer!r}")
        for entry in entries:
            chain.append(entry)
            if not entry.actions & CONTINUES:
                return SideVerdict(side.direction, *np_view, chain=tuple(chain))
    return SideVerdict(side.direction, *np_view, chain=tuple(chain))
