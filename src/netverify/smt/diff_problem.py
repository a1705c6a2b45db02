"""The diff question, encoded: one symbolic connection, allowed by HEAD and not by BASE.

Both versions are encoded over the same symbolic endpoints with the shared side/peer/selector encoders. The
label universe is every selector of both versions; the namespaces are those of either version, each seen with
that version's labels (a namespace one version lacks has only its automatic label there), plus one that no
version has created yet. Classes found so far are excluded by `Region`s: a region fixes the namespaces,
and, per side HEAD newly opens, the HEAD rules that open it (or that HEAD leaves it unisolated).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import z3

from netverify.eval.addresses import families_in_use
from netverify.eval.cilium import policies_of
from netverify.eval.admin_addresses import addresses_matter, admin_blocks, admin_peers, node_addresses
from netverify.model.cluster import NAMESPACE_NAME_LABEL, Cluster, Workload
from netverify.model.labels import LabelSelector
from netverify.model.policy import Direction
from netverify.model.semantics import Semantics
from netverify.model.verdict import RuleRef
from netverify.smt.addresses import ReplicaAddresses
from netverify.smt import diff_calico, diff_cilium
from netverify.smt.cilium_identity import service_account_names, universe_selectors
from netverify.smt.compose import ChainEncoder
from netverify.smt.endpoints import EndpointEncoder
from netverify.smt.layer import HostPods
from netverify.smt.peers import PeerEncoder
from netverify.smt.policies import SideEncoder
from netverify.smt.selectors import SelectorEncoder
from netverify.smt.session import SolverSession
from netverify.smt.symbols import (
    NamespaceTable,
    SymbolicConnection,
    SymbolicEndpoint,
    SymbolicExternal,
    SymbolicIP,
    SymbolicPod,
    SymbolicServiceAccount,
    carried_invalid_labels,
    icmp_family,
    new_pod,
    pod_domain,
    port_slots,
)
from netverify.smt.universe import LabelUniverse

Shape = Literal["pod-pod", "pod-ip", "ip-pod"]
SHAPES: tuple[Shape, ...] = ("pod-pod", "pod-ip", "ip-pod")

OPEN = None
MAX_WORKLOAD_CANDIDATES = 200  # a side's reason when HEAD does not isolate it at all


@dataclass(frozen=True)
class SideReason:
    """Why HEAD allows one side that BASE blocks: these HEAD rules admit it, or (rules None) nothing isolates it."""

    direction: Direction
    rules: frozenset[RuleRef] | None


@dataclass(frozen=True)
class Region:
    """A class of added connections: the namespaces (None: not created yet; "" for an address) and, per side
    HEAD newly opens, why. Protocols and ports are not part of it: the witness shows one of them."""

    src_namespace: str | None
    dst_namespace: str | None
    reasons: tuple[SideReason, ...]


def _selectors(cluster: Cluster) -> list[LabelSelector]:
    out: list[LabelSelector] = []
    for ap in cluster.admin_policies:
        out += [ap.subject.namespace_selector, ap.subject.pod_selector]
        out += [s for r in (*ap.ingress, *ap.egress) for peer in r.peers if peer.pods is not None
                for s in (peer.pods.namespace_selector, peer.pods.pod_selector)]
    for p in cluster.policies:
        out.append(p.pod_selector)
        for rule in (*p.ingress, *p.egress):
            for peer in rule.peers:
                out += [s for s in (peer.pod_selector, peer.namespace_selector) if s is not None]
    return out


def _port_names(*clusters: Cluster) -> tuple[str, ...]:
    return tuple(sorted({
        e.port for c in clusters for p in c.policies for r in (*p.ingress, *p.egress) for e in r.ports
        if isinstance(e.port, str)
    } | {
        e.port for c in clusters for p in c.admin_policies for r in (*p.ingress, *p.egress) for e in r.ports or ()
        if isinstance(e.port, str)
    }))


class _Version:
    """One version's encoders over the shared endpoints (its chain of layers as prove encodes it)."""

    def __init__(self, session: SolverSession, cluster: Cluster, table: NamespaceTable, ipblock_matches_pods: bool,
                 hosts: HostPods, prefix: str, semantics: Semantics | None = None):
        self.cluster = cluster
        self.table = table
        self.selectors = SelectorEncoder(session, table)
        self.peers = PeerEncoder(session, self.selectors, ipblock_matches_pods=ipblock_matches_pods)
        self.sides = SideEncoder(session, cluster, table, self.selectors, self.peers)
        self.chain = ChainEncoder(session, cluster, self.sides, hosts,
                                  semantics or Semantics(ipblock_matches_pods=ipblock_matches_pods), prefix)


class DiffProblem:
    """`allowed_head ∧ ¬allowed_base` for one shape of endpoints (pod or address at each end).

    Exposes `cluster` (HEAD), `table` (HEAD's view of the namespaces), `universe`, `src`, `dst` and `conn`, the
    names the SMT package's flow extraction reads.
    """

    def __init__(self, session: SolverSession, base: Cluster, head: Cluster, shape: Shape, *,
                 ipblock_matches_pods: bool = False, semantics: Semantics | None = None) -> None:
        self.session = session
        self.semantics = semantics or Semantics(ipblock_matches_pods=ipblock_matches_pods)
        # Cilium identities: selectors read identity labels, and pods have a service account (smt/cilium.py)
        self.cilium = self.semantics.cni == "cilium"
        # Calico: both versions' selector values and string tests, over HEAD's workloads (smt/diff_calico.py)
        self.calico = self.semantics.cni == "calico"
        vocab = diff_calico.vocabulary_of(base, head) if self.calico else None
        cilium_policies = [*policies_of(base), *policies_of(head)] if self.cilium else []
        self.shape = shape
        self.cluster = head
        self.base_workloads = base.workloads
        names = tuple(sorted(set(NamespaceTable.of(base).names) | set(NamespaceTable.of(head).names)))
        self.table = NamespaceTable(names, tuple(dict(head.namespace_labels(n)) for n in names))
        self.base_table = NamespaceTable(names, tuple(dict(base.namespace_labels(n)) for n in names))
        extra: dict = {**vocab.values} if vocab is not None else {}
        extra[NAMESPACE_NAME_LABEL] = set(extra.get(NAMESPACE_NAME_LABEL, ()))  # a new namespace has its name label
        self.universe = LabelUniverse.of(
            _selectors(base) + _selectors(head) + universe_selectors(cilium_policies),
            extra=extra, reserved={NAMESPACE_NAME_LABEL: names},
            string_tests=vocab.string_tests if vocab is not None else None,
        )
        self.ip_matters = ipblock_matches_pods and any(
            peer.ip_block is not None
            for c in (base, head) for p in c.policies for r in (*p.ingress, *p.egress) for peer in r.peers
        ) or any(peer.networks or peer.nodes is not None for c in (base, head) for peer in admin_peers(c))
        matter = any(addresses_matter(c, ipblock_matches_pods) for c in (base, head))
        self.addresses = (ReplicaAddresses(session, families_in_use([base, head], admin_blocks(base) + admin_blocks(head)))
                          if matter else None)
        self.service_accounts = service_account_names(head, cilium_policies) if self.cilium else None
        port_names = tuple(sorted({*_port_names(base, head), *(
            e.port for p in cilium_policies for r in (*p.ingress, *p.egress) for pr in r.ports for e in pr.ports
            if isinstance(e.port, str)), *(vocab.port_names if vocab is not None else ())}))
        self.src = self._endpoint("src", external=shape == "ip-pod", port_names=port_names)
        self.dst = self._endpoint("dst", external=shape == "pod-ip", port_names=port_names)
        self.conn = SymbolicConnection.new(session)
        session.add(*self.conn.domain())
        session.add(self.src.ip.same_family(self.dst.ip))
        session.add(*icmp_family(self.conn, (ep.ip for ep in (self.src, self.dst) if ep.is_external)))
        self._same_fresh_namespace()
        # Host-network pods are HEAD's workloads (the endpoints are HEAD's pods or new ones), in both versions.
        self.hosts = HostPods()
        self._candidates = self._workload_candidates()
        for ep in (self.src, self.dst):
            if isinstance(ep, SymbolicPod):
                self.hosts.options[ep.role] = [(session.eq(ep.workload, i), w) for i, w in self._candidates
                                               if w.host_network]
        self.head = _Version(session, head, self.table, ipblock_matches_pods, self.hosts, "head.", self.semantics)
        self.base = _Version(session, diff_calico.over_workloads_of(base, head) if self.calico else base,
                             self.base_table, ipblock_matches_pods, self.hosts, "base.",
                             self.semantics)
        self.allowed_head = self._allowed(self.head)
        self.allowed_base = self._allowed(self.base)
        self.query = session.and_([self.allowed_head, session.not_(self.allowed_base)])
        self.prefer_existing_namespaces = session.guard("existing-namespaces")
        self.prefer_workloads = session.guard("workloads")
        self._preferences()
        self._off_nodes(head, base)

    def _preferences(self) -> None:
        """Guards for readable witnesses: pods of HEAD's workloads first, then pods in existing namespaces."""
        s = self.session
        pods = [ep for ep in (self.src, self.dst) if isinstance(ep, SymbolicPod)]
        endpoints = EndpointEncoder(s, self.table, self.head.selectors, self.addresses)
        candidates = self._candidates
        self.has_workload_preference = bool(candidates)
        for pod in pods:
            s.add(z3.Implies(self.prefer_existing_namespaces, pod.ns < self.table.fresh_index))
            choice = endpoints.existing_choice(pod, candidates, self.ip_matters) if candidates else s.false()
            s.add(z3.Implies(self.prefer_workloads, choice))
            s.add(z3.Implies(z3.Not(self.prefer_workloads), pod.workload == -1))
            if self.ip_matters:
                s.add(z3.Implies(pod.workload == -1, pod.ip.present))
            if self.calico:
                # A workload's label only the cluster knows takes "a value no selector names" (what the witness
                # shows): with a named value the pod would be shown as a new pod, which has neither the
                # workload's ServiceAccount nor its hostNetwork. A new pod with that value is searched anyway.
                for i, w in candidates:
                    for k in sorted(w.unknown_labels & set(self.universe.keys)):
                        s.add(z3.Implies(pod.workload == i, pod.labels.val[k] == self.universe.keys[k].fresh_index))
        if len(pods) == 2:
            # A bare Pod is one pod: it talking to itself is not a connection. Replicas of a controller are.
            for i, w in candidates:
                if w.kind == "Pod":
                    s.add(z3.Not(z3.And(self.src.workload == i, self.dst.workload == i)))
            # Two pods never share a pod-network address; hostNetwork pods are told apart by index, so without
            # candidates (too many workloads) a hostNetwork workload leaves the addresses free.
            unindexed_host = not candidates and any(w.host_network for w in (*self.base_workloads,
                                                                               *self.cluster.workloads))
            if self.addresses is not None and not unindexed_host:
                s.add(self.addresses.two_pods(self.src, self.dst, [i for i, w in candidates if w.host_network]))

    def _workload_candidates(self) -> list[tuple[int, Workload]]:
        """One workload per distinct (namespace, labels as selectors see them, named ports, IPs), or none when
        there are too many: encoding thousands of replicas costs more than the nicer witness is worth (the
        analysis then fits an existing workload to the witness concretely)."""
        seen: dict[tuple, tuple[int, Workload]] = {}
        for i, w in enumerate(self.cluster.workloads):
            ports = tuple(sorted((c.name, c.port, str(c.protocol)) for c in w.ports if c.name))
            signature = (w.namespace, tuple(sorted(self.universe.project(w.labels).items())), ports,
                         w.ips if self.addresses is not None else (), w.host_network, w.node_name,
                         w.service_account if self.service_accounts is not None or self.calico else None)
            seen.setdefault(signature, (i, w))
        return list(seen.values()) if len(seen) <= MAX_WORKLOAD_CANDIDATES else []

    def _endpoint(self, role: str, *, external: bool, port_names: tuple[str, ...]) -> SymbolicEndpoint:
        s = self.session
        if external:
            ep = SymbolicExternal(role, SymbolicIP(s, role))
            s.add(ep.ip.present)
            return ep
        pod = new_pod(s, role, self.universe, port_names, port_slots(port_names, self.cluster.workloads))
        pod.namespaces = frozenset(self.table.names)
        pod.may_be_fresh = True
        carried = carried_invalid_labels(self.universe, (*self.base_workloads, *self.cluster.workloads))
        s.add(*pod_domain(pod, self.table, self.universe, carried))
        if self.service_accounts is not None:
            pod.service_account = SymbolicServiceAccount(s.int(f"{role}.sa"), self.service_accounts)
            s.add(*pod.service_account.domain(w.service_account for w in (*self.base_workloads,
                                                                          *self.cluster.workloads)))
        # With the flag every pod has an address of a family in use; without, none is modelled.
        s.add(pod.ip.equals(None) if self.addresses is None else self.addresses.pod(pod.ip))
        return pod

    def _same_fresh_namespace(self) -> None:
        """Two pods in the same not-yet-created namespace (same name) see the same namespace labels."""
        if not (isinstance(self.src, SymbolicPod) and isinstance(self.dst, SymbolicPod)):
            return
        kv = self.universe.keys[NAMESPACE_NAME_LABEL]
        fresh = self.table.fresh_index
        a, b = self.src.ns_labels, self.dst.ns_labels
        same = z3.And(self.src.ns == fresh, self.dst.ns == fresh,
                      a.val[NAMESPACE_NAME_LABEL] == b.val[NAMESPACE_NAME_LABEL],
                      a.val[NAMESPACE_NAME_LABEL] != kv.fresh_index)
        equal = [a.has[k] == b.has[k] for k in self.universe.keys]
        equal += [z3.Implies(a.has[k], a.val[k] == b.val[k]) for k in self.universe.keys]
        self.session.add(z3.Implies(same, z3.And(equal)))

    def _allowed(self, version: _Version) -> z3.BoolRef:
        # Allowed whatever the implementation picks among same-priority policies: the evaluator's `allowed`.
        return version.chain.surely_allowed(self.src, self.dst, self.conn)

    def _off_nodes(self, *clusters: Cluster) -> None:
        """A new pod is pod-network: its address is no node's."""
        ips = tuple(dict.fromkeys(a for c in clusters for a in node_addresses(c)))
        if self.addresses is None or not ips:
            return
        for ep in (self.src, self.dst):
            if isinstance(ep, SymbolicPod):
                off = self.session.and_([self.session.not_(ep.ip.equals(a)) for a in ips])
                self.session.add(z3.Implies(ep.workload == -1, off))

    # ---- regions --------------------------------------------------------------------------------

    def _namespace_is(self, ep: SymbolicEndpoint, namespace: str | None) -> z3.BoolRef:
        if not isinstance(ep, SymbolicPod):
            return self.session.true()
        if namespace is None:
            return ep.ns == self.table.fresh_index
        index = self.table.index(namespace)
        return ep.ns == index if index is not None else self.session.false()

    def _side_pods(self, direction: Direction) -> tuple[SymbolicEndpoint, SymbolicEndpoint]:
        return (self.src, self.dst) if direction == "egress" else (self.dst, self.src)

    def _head_rule_admits(self, ref: RuleRef) -> z3.BoolRef:
        pod, other = self._side_pods(ref.direction)
        if not isinstance(pod, SymbolicPod):
            return self.session.false()
        policy = next((p for p in self.head.cluster.policies if p.key == ref.policy), None)
        if policy is None or ref.rule is None or ref.rule >= len(policy.rules(ref.direction)):
            return self.session.false()
        rule = policy.rules(ref.direction)[ref.rule]
        return self.session.and_([
            self.head.selectors.in_namespace(pod, policy.namespace),
            self.head.sides.selects(policy, pod),
            self.head.sides.rule(policy, rule, other, self.conn, self.dst),
        ])

    def _head_isolated(self, direction: Direction) -> z3.BoolRef:
        pod, _ = self._side_pods(direction)
        if not isinstance(pod, SymbolicPod):
            return self.session.false()
        return self.session.or_(
            self.session.and_([self.head.selectors.in_namespace(pod, p.namespace), self.head.sides.selects(p, pod)])
            for p in self.head.cluster.policies if p.isolates(direction)
        )

    def region(self, region: Region) -> z3.BoolRef:
        parts = [
            self._namespace_is(self.src, region.src_namespace),
            self._namespace_is(self.dst, region.dst_namespace),
        ]
        for reason in region.reasons:
            if self.cilium:
                parts.append(self._head_cilium_reason(reason))
            elif self.calico:
                parts.append(self._head_calico_reason(reason))
            elif reason.rules is OPEN:
                parts.append(self.session.not_(self._head_isolated(reason.direction)))
            else:
                parts.append(self.session.or_(
                    self._head_rule_admits(r) if r.kind == "NetworkPolicy" else self._head_admin_rule_fires(r)
                    for r in sorted(reason.rules, key=str)))
        return self.session.and_(parts)

    def _head_cilium_reason(self, reason: SideReason) -> z3.BoolRef:
        """Under Cilium's chain: HEAD's allow rules that admit the side, or HEAD leaves the pod open."""
        s, encoder = self.session, self.head.chain.cilium
        assert encoder is not None
        pod, other = self._side_pods(reason.direction)
        if reason.rules is OPEN:
            return s.not_(diff_cilium.default_deny(s, encoder, reason.direction, pod))
        return s.or_(diff_cilium.rule_fires(s, encoder, r, pod, other, self.conn, self.dst)
                     for r in sorted(reason.rules, key=str))

    def _head_calico_reason(self, reason: SideReason) -> z3.BoolRef:
        """Under Calico's chain: HEAD's rules that open the side, or no HEAD policy selects the pod."""
        s, encoder = self.session, self.head.chain.calico
        assert encoder is not None
        pod, other = self._side_pods(reason.direction)
        if reason.rules is OPEN:
            return diff_calico.unselected(s, encoder, reason.direction, pod)
        return s.or_(diff_calico.ref_fires(s, encoder, r, pod, other, self.conn, self.dst)
                     for r in sorted(reason.rules, key=str))

    def _head_admin_rule_fires(self, ref: RuleRef) -> z3.BoolRef:
        """HEAD's admin rule `ref` is the first of its policy to match the side (the twin of
        diff_classes.ref_fires; whether an earlier priority decided first is not part of it)."""
        s = self.session
        pod, other = self._side_pods(ref.direction)
        policy = next((p for p in self.head.cluster.admin_policies if p.key == ref.policy), None)
        if not isinstance(pod, SymbolicPod) or policy is None or ref.rule is None:
            return s.false()
        admin = self.head.chain.admin
        reach = admin.in_pod_set(policy.subject, pod)
        for i, rule in enumerate(policy.rules(ref.direction)):
            yes, maybe = admin.rule(rule, other, self.conn, self.dst)
            if i == ref.rule:
                return s.and_([reach, yes])
            reach = s.and_([reach, s.not_(yes), s.not_(maybe)])
        return s.false()

    def exclude(self, region: Region) -> None:
        self.session.add(self.session.not_(self.region(region)))

