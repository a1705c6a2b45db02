"""What a small change can touch: the workload pairs whose allowed connections may differ between BASE and HEAD.

`diff` compares two connectivity maps; when the change is small (a policy added, removed or edited, a workload
added) almost every pair is the same in both, and building both maps whole costs far more than the answer. Here
the change is read off the two versions, and the pairs it can affect are bounded by the semantics (spec §4):

- a side (egress of a source, ingress of a destination) of a pod is decided by the policies that select the pod,
  so a pod no changed policy selects, in either version, keeps both its sides;
- a pod a changed NetworkPolicy selects keeps its isolation in a direction when some other policy isolates it
  there in both versions; then only what the changed policies' rules grant can differ, so only the ends their
  peers match (in BASE or HEAD) and, for ipBlock peers, the pod's IP rows; else its whole row (or column);
- a workload that changed (labels, ports, addresses, or only in one version) is its whole row and column;
- under admin tiers (ANP, BANP, CNP) the NetworkPolicy layer's verdict is one input of the chain, the others
  unchanged when the admin policies are; a changed admin policy's subject pods (either version) are whole rows
  and columns.

Everything else falls back to the full computation (`None`), because the bounds above do not hold for it:
namespace labels (every namespaceSelector may flip), Nodes (admin `nodes` peers, host-network addresses),
host-network pods, Calico's kinds and chain (tiers, order, GlobalNetworkSets, profiles) and Cilium's (CCNPs,
entities, identities that span namespaces) — and a change touching more than a quarter of the workloads, where
the full maps are as cheap. The focused maps are exact for the pairs they keep (`diff_focus_map`); tests compare
the incremental diff with the full recomputation on random changes (tests/test_diff_incremental.py).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from netverify.eval.anp import in_pod_set
from netverify.eval.concrete import endpoint_of, peer_matches, selects
from netverify.model.cluster import Cluster, Workload
from netverify.model.flow import PodEndpoint
from netverify.model.policy import Direction, NetworkPolicy
from netverify.model.semantics import Semantics

# Above this share of the workloads touched, the two full maps cost about what the focused ones do.
LARGE_CHANGE_SHARE = 0.25
SMALL_CLUSTER = 100  # workloads
DIRECTIONS: tuple[Direction, Direction] = ("ingress", "egress")


_FIELDS: dict[type, tuple[str, ...] | None] = {}


def same_content(a: object, b: object) -> bool:
    """Equal in everything but where it was written (`span` fields): a policy moved down a file, or read from
    another directory, is unchanged. Objects without a `span` field compare with `==`: where one holds a span
    deeper down, a moved copy counts as changed, which only costs recomputation."""
    if a is b:
        return True
    if type(a) is not type(b):
        return False
    if isinstance(a, (tuple, list)):
        return len(a) == len(b) and all(map(same_content, a, b))  # type: ignore[arg-type]
    t = type(a)
    if t not in _FIELDS:
        names = [f.name for f in dataclasses.fields(a)] if dataclasses.is_dataclass(a) else []
        _FIELDS[t] = tuple(n for n in names if n != "span") if "span" in names else None
    names = _FIELDS[t]
    if names is None:
        return a == b
    return all(same_content(getattr(a, n), getattr(b, n)) for n in names)


@dataclass(frozen=True)
class Focus:
    """The pairs to recompute, by workload ref (`ns/name[Kind]`).

    `rows`/`cols`: refs whose whole egress row (as a source) / ingress column (as a destination) may change,
    IP ranges included. `pairs`: further (source, destination) pairs. `ip_rows`/`ip_cols`: refs whose IP rows
    as a source (to ranges) / as a destination (from ranges) may change."""

    rows: frozenset[str]
    cols: frozenset[str]
    pairs: Mapping[str, frozenset[str]]  # source ref -> destination refs
    ip_rows: frozenset[str]
    ip_cols: frozenset[str]

    def needs(self, src: str, dst: str) -> bool:
        return src in self.rows or dst in self.cols or dst in self.pairs.get(src, ())

    def needs_ip(self, ref: str, direction: Direction) -> bool:
        """`direction` of the workload's side: egress is its row towards ranges, ingress its column from them."""
        return ref in (self.ip_rows if direction == "egress" else self.ip_cols)


def _by_ref(workloads: Iterable[Workload]) -> dict[str, list[Workload]]:
    out: dict[str, list[Workload]] = {}
    for w in workloads:
        out.setdefault(w.ref, []).append(w)
    return out


def _by_key(items: Iterable) -> dict[str, object]:
    return {p.key: p for p in items}


def _changed_keys(base: Iterable, head: Iterable) -> list[str]:
    b, h = _by_key(base), _by_key(head)
    return sorted(k for k in b.keys() | h.keys() if k not in b or k not in h or not same_content(b[k], h[k]))


class _Builder:
    """Collects the focus while walking the changes; one version's workloads are matched in that version."""

    def __init__(self, base: Cluster, head: Cluster, ipblock_matches_pods: bool) -> None:
        self.versions = (base, head)
        self.ipblock_matches_pods = ipblock_matches_pods
        self.rows: set[str] = set()
        self.cols: set[str] = set()
        self.pairs: dict[str, set[str]] = {}
        self.ip_rows: set[str] = set()
        self.ip_cols: set[str] = set()
        self._endpoints: tuple[dict[int, PodEndpoint], dict[int, PodEndpoint]] = ({}, {})
        self.names = sorted({w.namespace for c in self.versions for w in c.workloads})

    def whole(self, ref: str, direction: Direction | None = None) -> None:
        if direction in (None, "egress"):
            self.rows.add(ref)
            self.ip_rows.add(ref)
        if direction in (None, "ingress"):
            self.cols.add(ref)
            self.ip_cols.add(ref)

    def policy(self, key: str) -> None:
        """A NetworkPolicy that differs (or exists in one version only)."""
        found = [(c, next((p for p in c.policies_in(key.split("/", 1)[0]) if p.key == key), None))
                 for c in self.versions]
        for direction in DIRECTIONS:
            # per selected pod: the other ends the changed rules (either version) may grant it
            for v, (cluster, policy) in enumerate(found):
                if policy is None:
                    continue
                selected = [cluster.workloads[i] for i in cluster.workload_indices_by_namespace.get(policy.namespace, ())
                            if selects(policy, self.endpoint(v, i))]
                if not selected:
                    continue
                others, ips, everyone = self._peers(policy, direction)
                for w in selected:
                    if everyone or self._isolation_changes(w, direction):
                        self.whole(w.ref, direction)
                        continue
                    if ips:
                        (self.ip_rows if direction == "egress" else self.ip_cols).add(w.ref)
                    for other in others:
                        src, dst = (w.ref, other) if direction == "egress" else (other, w.ref)
                        self.pairs.setdefault(src, set()).add(dst)

    def _peers(self, policy: NetworkPolicy, direction: Direction) -> tuple[set[str], bool, bool]:
        """(workload refs some rule's peers match in either version, whether an ipBlock peer is there, whether a
        rule admits everyone)."""
        others: set[str] = set()
        ips = False
        for rule in policy.rules(direction):
            if not rule.peers:
                return others, True, True
            for peer in rule.peers:
                if peer.ip_block is not None:
                    ips = True
                    if self.ipblock_matches_pods:  # an ipBlock may then match any pod's address
                        return others, True, True
                    continue
                for v, cluster in enumerate(self.versions):
                    namespaces = ([policy.namespace] if peer.namespace_selector is None else
                                  [n for n in self.names if peer.namespace_selector.matches(cluster.namespace_labels(n))])
                    for n in namespaces:
                        for i in cluster.workload_indices_by_namespace.get(n, ()):
                            if peer_matches(peer, policy.namespace, self.endpoint(v, i), ipblock_matches_pods=False):
                                others.add(cluster.workloads[i].ref)
        return others, ips, False

    def endpoint(self, version: int, i: int) -> PodEndpoint:
        found = self._endpoints[version].get(i)
        if found is None:
            cluster = self.versions[version]
            found = self._endpoints[version][i] = endpoint_of(cluster, cluster.workloads[i])
        return found

    def _isolation_changes(self, w: Workload, direction: Direction) -> bool:
        def isolated(cluster: Cluster) -> bool:
            ep = endpoint_of(cluster, w)
            return any(p.isolates(direction) and selects(p, ep) for p in cluster.policies_in(w.namespace))
        base, head = self.versions
        return isolated(base) != isolated(head)

    def admin(self, key: str) -> None:
        """An admin policy that differs: every pod its subject holds, in either version, whole."""
        for cluster in self.versions:
            for admin in cluster.admin_policies:
                if admin.key == key:
                    for w in cluster.workloads:
                        if in_pod_set(admin.subject, endpoint_of(cluster, w)):
                            self.whole(w.ref)

    def focus(self) -> Focus:
        return Focus(frozenset(self.rows), frozenset(self.cols),
                     {k: frozenset(v) for k, v in self.pairs.items()},
                     frozenset(self.ip_rows), frozenset(self.ip_cols))


def _unbounded(base: Cluster, head: Cluster, semantics: Semantics) -> bool:
    """What the bounds above do not cover: the full computation decides."""
    if semantics.cni != "generic" or base.calico or head.calico or base.cilium or head.cilium:
        return True  # Calico tiers/order/GlobalNetworkSets/profiles, Cilium CCNPs/entities: not bounded here
    if base.has_host_network or head.has_host_network:
        return True  # host-network pods take Nodes' addresses, which ipBlocks and admin `nodes` peers see
    if not same_content(base.nodes, head.nodes):
        return True
    names = set(base.namespaces) | set(head.namespaces) | {w.namespace for c in (base, head) for w in c.workloads}
    return any(dict(base.namespace_labels(n)) != dict(head.namespace_labels(n)) for n in names)


def change_focus(base: Cluster, head: Cluster, semantics: Semantics,
                 new: frozenset[str] = frozenset()) -> Focus | None:
    """The pairs that may differ between `base` (BASE with HEAD's new workloads) and `head`, and every pair of
    the new workloads `new` (diff lists what BASE's policies would already allow them); None: compute all."""
    if _unbounded(base, head, semantics):
        return None
    builder = _Builder(base, head, semantics.ipblock_matches_pods)
    for ref in new:
        builder.whole(ref)
    before, after = _by_ref(base.workloads), _by_ref(head.workloads)
    for ref in before.keys() | after.keys():
        if not same_content(before.get(ref), after.get(ref)):
            builder.whole(ref)
    for key in _changed_keys(base.policies, head.policies):
        builder.policy(key)
    for key in _changed_keys(base.admin_policies, head.admin_policies):
        builder.admin(key)
    focus = builder.focus()
    # pairs to visit, against the n² a full map may visit
    n = max(len(after), len(before), 1)
    visits = len(focus.rows | focus.cols) * n + sum(len(v) for v in focus.pairs.values())
    # (small clusters keep the focus whatever its share: any path is cheap there, and tests exercise this one)
    return None if n > SMALL_CLUSTER and visits > LARGE_CHANGE_SHARE * n * n else focus
