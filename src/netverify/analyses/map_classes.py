"""Workload classes for the map: workloads that no policy can tell apart, and an index to find them by label.

A class is one (namespace, labels projected on what selectors mention, container ports named by rules[, ipBlock
cut of an address]) signature; replicas of one workload, and workloads differing only in labels nobody selects on,
share one. Every match is confirmed with `eval.concrete` on the class's representative pod.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace

from netverify.analyses.ipranges import Partition
from netverify.analyses.map_cilium import cilium_port_names, cilium_selectors
from netverify.eval.addresses import AddressPlan
from netverify.eval.concrete import endpoint_of, peer_matches
from netverify.model.cilium import SERVICE_ACCOUNT_LABEL
from netverify.model.cluster import Cluster, Workload
from netverify.model.flow import PodEndpoint
from netverify.model.ipblock import IPAddress
from netverify.model.labels import LabelSelector
from netverify.model.policy import Peer


@dataclass(frozen=True, slots=True)
class WorkloadClass:
    """Workloads that no policy can tell apart."""

    endpoint: PodEndpoint
    workloads: tuple[Workload, ...]
    named_ports: frozenset  # the container ports a named-port rule can resolve to
    # the address each workload's pods have in this class (parallel to `workloads`; None: not modelled): with
    # --ipblock-matches-pods a workload is in one class per ipBlock cut its pods' addresses may fall in
    addresses: tuple[IPAddress | None, ...] = ()


_OTHER = object()  # any label value that no selector names: selectors cannot tell such values apart


class Signature:
    """What policies can see of a workload: labels projected on the keys and values that selectors mention,
    the container ports that named-port rules name, and (with ipblock_matches_pods) which ipBlock cut each
    address of its pods falls in. Workloads with equal signatures get equal verdicts everywhere.
    """

    def __init__(self, cluster: Cluster, ipblock_matches_pods: bool, plan: AddressPlan | None = None,
                 exact_keys: frozenset[str] = frozenset(), by_account: bool = False,
                 port_names: frozenset[str] = frozenset()):
        """`exact_keys`: label keys whose every value counts (Calico selectors' string tests, map_calico);
        `by_account`: the pod's service account counts too (Calico `serviceAccounts`); `port_names`: more
        named ports rules name (Calico's)."""
        self.values: dict[str, set[str]] = {}
        self.exact_keys = exact_keys
        self.by_account = by_account
        self.port_names: set[str] = set(port_names)
        for p in cluster.policies:
            self._mention(p.pod_selector)
            for r in (*p.ingress, *p.egress):
                self.port_names.update(e.port for e in r.ports if isinstance(e.port, str))
                for peer in r.peers:
                    if peer.pod_selector is not None:
                        self._mention(peer.pod_selector)
        for admin in cluster.admin_policies:
            # Admin subjects and `pods` peers select by pod labels too (namespace labels: the class's namespace).
            self._mention(admin.subject.pod_selector)
            for r in (*admin.ingress, *admin.egress):
                self.port_names.update(ap.port for ap in r.ports or () if isinstance(ap.port, str))
                for admin_peer in r.peers:
                    if admin_peer.pods is not None:
                        self._mention(admin_peer.pods.pod_selector)
        for selector in cilium_selectors(cluster):  # Cilium's selectors read identity labels (map_cilium)
            self._mention(selector)
        self.port_names |= cilium_port_names(cluster)
        self.plan = plan or AddressPlan.of([cluster], ipblock_matches_pods=ipblock_matches_pods)
        self.cuts = Partition(self.plan.blocks, self.plan.families) if self.plan.enabled else None

    def _mention(self, selector: LabelSelector) -> None:
        for key, values in selector.mentioned().items():
            self.values.setdefault(key, set()).update(values)

    def named_ports(self, w: Workload) -> frozenset:
        return frozenset(cp for cp in w.ports if cp.name in self.port_names)

    def of(self, w: Workload) -> tuple:
        return self.variants(w)[0][0]

    def variants(self, w: Workload) -> list[tuple[tuple, IPAddress | None]]:
        """(signature, address) per ipBlock cut that an address its pods may have falls in (every known IP,
        else one address per cut); one variant without an address when addresses are not modelled."""
        labels = frozenset(
            (k, v if k in self.exact_keys or v in self.values[k] else _OTHER) for k, v in w.labels.items()
            if k in self.values or k in self.exact_keys
        )
        # a host-network pod is never an admin subject or `pods` peer, and its node decides `nodes` peers
        base = (w.namespace, labels, self.named_ports(w), w.host_network, w.node_name if w.host_network else None,
                w.service_account if self.by_account or SERVICE_ACCOUNT_LABEL in self.values else None)
        if self.cuts is None:
            return [((*base, None), None)]
        by_cut: dict[int, IPAddress | None] = {}
        for ip in self.plan.addresses(w):
            assert ip is not None
            by_cut.setdefault(self.cuts.index_of(ip), ip)
        return [((*base, cut), ip) for cut, ip in by_cut.items()]


def workload_classes(cluster: Cluster, ipblock_matches_pods: bool, plan: AddressPlan | None = None,
                     exact_keys: frozenset[str] = frozenset(), by_account: bool = False,
                     port_names: frozenset[str] = frozenset()) -> list[WorkloadClass]:
    signature = Signature(cluster, ipblock_matches_pods, plan, exact_keys, by_account, port_names)
    groups: dict[tuple, list[tuple[Workload, IPAddress | None]]] = {}
    for w in cluster.workloads:
        for key, ip in signature.variants(w):
            groups.setdefault(key, []).append((w, ip))
    return [
        WorkloadClass(replace(endpoint_of(cluster, ms[0][0]), ip=ms[0][1]), tuple(w for w, _ in ms),
                      signature.named_ports(ms[0][0]), tuple(ip for _, ip in ms))
        for ms in groups.values()
    ]


class ClassIndex:
    """Classes by namespace and by label, to find a selector's candidates without scanning every class."""

    def __init__(self, classes: list[WorkloadClass], cluster: Cluster, ipblock_matches_pods: bool):
        self.classes = classes
        self.cluster = cluster
        self.flag = ipblock_matches_pods
        self.by_namespace: dict[str, list[int]] = {}
        self.by_label: dict[tuple[str, str, str], list[int]] = {}  # (namespace, key, value)
        self.by_key: dict[tuple[str, str], list[int]] = {}  # (namespace, key)
        for i, c in enumerate(classes):
            ns = c.endpoint.namespace
            self.by_namespace.setdefault(ns, []).append(i)
            for k, v in c.endpoint.labels.items():
                self.by_label.setdefault((ns, k, v), []).append(i)
                self.by_key.setdefault((ns, k), []).append(i)
        self._namespaces_cache: dict[LabelSelector, list[str]] = {}
        self._peer_cache: dict[tuple, list[int]] = {}

    def namespaces_matching(self, selector: LabelSelector) -> list[str]:
        found = self._namespaces_cache.get(selector)
        if found is None:
            found = [ns for ns in self.by_namespace if selector.matches(self.cluster.namespace_labels(ns))]
            self._namespaces_cache[selector] = found
        return found

    def candidates(self, namespaces: Iterable[str], selector: LabelSelector | None) -> list[int]:
        """A superset of the classes in `namespaces` that `selector` matches (callers confirm each one)."""
        out: list[int] = []
        for ns in namespaces:
            narrowest = self.by_namespace.get(ns, [])
            for r in selector.requirements if selector is not None else ():
                if r.operator == "In":
                    found = [i for v in r.values for i in self.by_label.get((ns, r.key, v), ())]
                elif r.operator == "Exists":
                    found = self.by_key.get((ns, r.key), [])
                else:
                    continue
                if len(found) < len(narrowest):
                    narrowest = found
            out += narrowest
        return out

    def peer_classes(self, peer: Peer, policy_namespace: str) -> list[int]:
        """The classes a peer matches; peers repeat across policies, so each distinct one is matched once."""
        own = policy_namespace if peer.namespace_selector is None or peer.ip_block is not None else None
        key = (peer.pod_selector, peer.namespace_selector, peer.ip_block, own)
        found = self._peer_cache.get(key)
        if found is not None:
            return found
        if peer.ip_block is not None:
            pool: Iterable[int] = range(len(self.classes)) if self.flag else ()
        elif peer.namespace_selector is None:
            pool = self.candidates([policy_namespace], peer.pod_selector)
        else:
            pool = self.candidates(self.namespaces_matching(peer.namespace_selector), peer.pod_selector)
        found = sorted({
            i for i in pool
            if peer_matches(peer, policy_namespace, self.classes[i].endpoint, ipblock_matches_pods=self.flag)
        })
        self._peer_cache[key] = found
        return found
