"""Which CNI enforces the manifests' policies: `--cni NAME`, or inferred from the kinds present.

How layers combine is the CNI's choice (docs/semantics.md, "Layers"; model/semantics.py). Calico kinds
(projectcalico.org, crd.projectcalico.org) say calico, Cilium kinds (cilium.io) say cilium; otherwise the order
the policy.networking.k8s.io API defines (`generic`). Kinds of both without `--cni` cannot be one cluster's
policies as they stand: refusing to guess is the only sound answer (exit 2, naming the kinds and files).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from netverify.errors import UsageError
from netverify.model.cilium import CIDR_GROUP_KIND, CILIUM_GROUP
from netverify.model.cluster import Cluster
from netverify.model.kinds import UnmodelledObject
from netverify.model.semantics import CNIS, Cni

CNI_GROUPS: dict[str, Cni] = {
    "projectcalico.org": "calico",
    "crd.projectcalico.org": "calico",
    "cilium.io": "cilium",
}


@dataclass(frozen=True, slots=True)
class CniChoice:
    cni: Cni
    inferred: bool
    evidence: tuple[str, ...] = ()  # "Kind.group (file)" of the kinds that said so, or that --cni overrides

    @property
    def note(self) -> str:
        if not self.inferred:
            extra = f"; objects of other CNIs' kinds present: {', '.join(self.evidence)}" if self.evidence else ""
            return f"CNI: {self.cni} (--cni){extra}"
        if self.evidence:
            return f"CNI: {self.cni} (inferred from {', '.join(self.evidence)}; --cni NAME says otherwise)"
        return f"CNI: {self.cni} (inferred: no Calico or Cilium kinds)"


def choose_cni(clusters: Iterable[Cluster], requested: str | None) -> CniChoice:
    """`requested` (a --cni value) or the CNI the kinds of `clusters` (diff: base and head) point to."""
    found: dict[Cni, dict[str, None]] = {}
    for cluster in clusters:
        for obj in cluster.unmodelled:
            cni = CNI_GROUPS.get(obj.group)
            if cni is not None:
                found.setdefault(cni, {})[_evidence(obj)] = None
        if "calico" not in found:  # Calico's kinds, once modelled, are only in cluster.calico
            for evidence in _calico_evidence(cluster):
                found.setdefault("calico", {})[evidence] = None
        # Cilium's kinds are modelled (Cluster.cilium), so they are not among the unmodelled objects.
        for record in (*cluster.cilium.policies, *cluster.cilium.cidr_groups):
            kind = getattr(record, "kind", CIDR_GROUP_KIND)
            found.setdefault("cilium", {})[f"{kind}.{CILIUM_GROUP} ({record.span.file})"] = None
    if requested is not None:
        if requested not in CNIS:
            raise UsageError(f"--cni {requested!r}: use one of {', '.join(CNIS)}")
        others = [e for cni, seen in found.items() if cni != requested for e in seen]
        return CniChoice(requested, False, tuple(others))  # type: ignore[arg-type]
    if len(found) > 1:
        listed = "; ".join(f"{cni}: {', '.join(seen)}" for cni, seen in sorted(found.items()))
        raise UsageError(
            f"the manifests hold policy kinds of more than one CNI ({listed}); a cluster has one: say which "
            f"enforces them with --cni {'|'.join(CNIS)}"
        )
    if found:
        [(cni, seen)] = found.items()
        return CniChoice(cni, True, tuple(seen))
    return CniChoice("generic", True)


def _evidence(obj: UnmodelledObject) -> str:
    return f"{obj.kind}.{obj.group} ({obj.span.file})"


def _calico_evidence(cluster: Cluster) -> list[str]:
    """"Kind.group (file)" of the Calico objects read (the built-in tiers, which have no file, say nothing)."""
    calico = cluster.calico
    out = [f"{p.kind}.{p.api_version.split('/', 1)[0]} ({p.span.file})" for p in calico.policies]
    out += [f"Tier ({t.span.file})" for t in calico.tiers if t.span is not None]
    out += [f"{'NetworkSet' if s.namespace else 'GlobalNetworkSet'} ({s.span.file})" for s in calico.network_sets]
    out += [f"Profile ({p.span.file})" for p in calico.profiles]
    out += [f"HostEndpoint ({h.span.file})" for h in calico.host_endpoints]
    return out
