"""Policy kinds other than networking.k8s.io NetworkPolicy: what each can do to an L3/L4 verdict.

One table (mirrored in docs/semantics.md, "Policy kinds"): (API group, kind) -> effect.
- `decides`: can allow or deny L3/L4 traffic (a result it could affect is unknown while it is not modelled);
- `narrows`: L7 authorization, can only block more (claims of blocked traffic stand, with a caveat; claims of
  allowed traffic are unknown);
- `none`: cannot change a verdict (kept so the output can say why it is harmless).
`reach` says which connections an object can affect: `cluster` (any) or `namespace` (only connections with an
endpoint in the object's own namespace: true of kinds that, like NetworkPolicy, select only pods of their
namespace). A kind whose reach is in doubt is `cluster`. Any API version of the group counts.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

from netverify.model.span import Span

Effect = Literal["decides", "narrows", "none"]
Reach = Literal["cluster", "namespace"]
KindKey = tuple[str, str]  # (API group, kind); the core group is ""

# The kinds netverify models. As the ANP, Calico and Cilium issues land, their rows move here.
MODELLED: frozenset[KindKey] = frozenset({
    ("networking.k8s.io", "NetworkPolicy"), ("extensions", "NetworkPolicy"),
    # issue 10: read by load/anp.py and load/cnp.py, decided by the admin/baseline layers (eval/, smt/)
    ("policy.networking.k8s.io", "AdminNetworkPolicy"), ("policy.networking.k8s.io", "BaselineAdminNetworkPolicy"),
    ("policy.networking.k8s.io", "ClusterNetworkPolicy"),
})
# issue 11: the Calico kinds load/calico*.py reads into Cluster.calico. The calico layer (eval/calico.py,
# smt/calico.py) decides them under --cni calico; each object read is still kept as an UnmodelledObject
# (results it reaches are unknown) until the CLI runs the calico chain for them and tests/test_unmodelled_kinds.py
# takes another kind as its example: then `MODELLED = MODELLED | CALICO_READ` ends that.
CALICO_READ: frozenset[KindKey] = frozenset(
    (group, kind) for group in ("projectcalico.org", "crd.projectcalico.org") for kind in (
        "NetworkPolicy", "GlobalNetworkPolicy", "StagedNetworkPolicy", "StagedGlobalNetworkPolicy",
        "StagedKubernetesNetworkPolicy", "Tier", "NetworkSet", "GlobalNetworkSet", "Profile", "HostEndpoint",
    )
)


@dataclass(frozen=True, slots=True)
class KindInfo:
    group: str
    kind: str
    effect: Effect
    namespaced: bool  # the object lives in a namespace (else cluster-scoped)
    reach: Reach
    note: str = ""

    @property
    def name(self) -> str:
        return f"{self.kind}.{self.group}"


def _rows() -> dict[KindKey, KindInfo]:
    rows: list[KindInfo] = []
    cluster = dict(namespaced=False, reach="cluster")
    own_ns = dict(namespaced=True, reach="namespace")
    anywhere = dict(namespaced=True, reach="cluster")  # namespaced, but can matter beyond its namespace
    for group in ("projectcalico.org", "crd.projectcalico.org"):
        rows += [
            KindInfo(group, "NetworkPolicy", "decides", **own_ns, note="ordered Allow/Deny/Pass/Log rules"),
            KindInfo(group, "GlobalNetworkPolicy", "decides", **cluster),
            KindInfo(group, "Tier", "decides", **cluster, note="orders policies; its default action decides"),
            KindInfo(group, "NetworkSet", "decides", **own_ns,
                     note="labelled addresses for the Calico policies of its namespace"),
            KindInfo(group, "GlobalNetworkSet", "decides", **cluster),
            KindInfo(group, "HostEndpoint", "decides", **cluster, note="no policy = deny at the interface"),
            KindInfo(group, "Profile", "decides", **cluster, note="applies to endpoints no policy selects"),
        ]
        for kind, scope in (("StagedNetworkPolicy", own_ns), ("StagedGlobalNetworkPolicy", cluster),
                            ("StagedKubernetesNetworkPolicy", own_ns)):
            rows.append(KindInfo(group, kind, "none", **scope, note="staged: previewed, never enforced"))
    rows += [
        KindInfo("cilium.io", "CiliumNetworkPolicy", "decides", **own_ns, note="allow and deny rules, L3-L7"),
        KindInfo("cilium.io", "CiliumClusterwideNetworkPolicy", "decides", **cluster),
        KindInfo("cilium.io", "CiliumCIDRGroup", "decides", **cluster, note="CIDR sets policies refer to"),
        KindInfo("cilium.io", "CiliumEgressGatewayPolicy", "none", **cluster,
                 note="SNAT after policy: changes the source address outside systems see, not a verdict here"),
        KindInfo("k8s.cni.cncf.io", "MultiNetworkPolicy", "decides", **own_ns,
                 note="NetworkPolicy semantics on secondary networks"),
        KindInfo("security.istio.io", "AuthorizationPolicy", "narrows", **anywhere,
                 note="in the mesh root namespace (mesh config, not in the manifests) it applies mesh-wide"),
        KindInfo("security.istio.io", "PeerAuthentication", "narrows", **anywhere,
                 note="STRICT mTLS refuses plaintext clients; mesh-wide in the root namespace"),
        KindInfo("policy.linkerd.io", "Server", "narrows", **own_ns,
                 note="a port a Server selects denies what no authorization allows"),
        KindInfo("policy.linkerd.io", "ServerAuthorization", "narrows", **own_ns),
        KindInfo("policy.linkerd.io", "AuthorizationPolicy", "narrows", **own_ns),
        KindInfo("k8s.ovn.org", "EgressFirewall", "decides", **own_ns,
                 note="ordered Allow/Deny for egress of its namespace's pods to outside the cluster"),
    ]
    for group in ("crd.antrea.io", "security.antrea.tanzu.vmware.com", "core.antrea.tanzu.vmware.com"):
        rows += [
            KindInfo(group, "NetworkPolicy", "decides", **own_ns, note="tiered Allow/Drop/Reject/Pass rules"),
            KindInfo(group, "ClusterNetworkPolicy", "decides", **cluster),
            KindInfo(group, "Tier", "decides", **cluster),
            KindInfo(group, "ClusterGroup", "decides", **cluster, note="groups policies refer to"),
            KindInfo(group, "Group", "decides", **anywhere, note="groups policies refer to"),
        ]
    return {(r.group, r.kind): r for r in rows}


KINDS: Mapping[KindKey, KindInfo] = _rows()
_SEVERITY = {"decides": 2, "narrows": 1, "none": 0}


def group_of(api_version: str | None) -> str | None:
    """`projectcalico.org/v3` -> `projectcalico.org`; `v1` -> `` (core); None when there is no apiVersion."""
    if api_version is None:
        return None
    return api_version.rsplit("/", 1)[0] if "/" in api_version else ""


def lookup(group: str | None, kind: str) -> KindInfo | None:
    """The table's row; without an apiVersion, the most far-reaching row of that kind (never NetworkPolicy,
    which is read as the Kubernetes kind then)."""
    if group is not None:
        return KINDS.get((group, kind))
    if kind == "NetworkPolicy":
        return None
    rows = [r for r in KINDS.values() if r.kind == kind]
    if not rows:
        return None
    return max(rows, key=lambda r: (_SEVERITY[r.effect], r.reach == "cluster"))


@dataclass(frozen=True, slots=True)
class UnmodelledObject:
    """An object of a kind in the table, as read: enough to name it and judge what it can affect."""

    kind: str
    group: str  # as the table names it (for an object without apiVersion: the row it was judged by)
    namespace: str | None  # None for cluster-scoped kinds
    name: str
    span: Span

    @property
    def info(self) -> KindInfo:
        return KINDS[(self.group, self.kind)]

    @property
    def effect(self) -> Effect:
        return self.info.effect

    @property
    def label(self) -> str:
        where = f"{self.namespace}/{self.name}" if self.namespace is not None else self.name
        return f"{self.info.name} {where} ({self.span})"
