"""One property's question, encoded: two symbolic endpoints, a connection, what fits and what is allowed.

Only what the property needs is built: the policies of the namespaces an endpoint may be in (the other
endpoint enters only through those policies' peers). Guards switch on the preferences used to pick
readable counterexamples: pods of existing workloads first, then pods in existing namespaces.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from typing import Literal

import z3

from netverify.eval.addresses import families_in_use
from netverify.eval.admin_addresses import addresses_matter, admin_blocks, node_addresses
from netverify.model.cluster import NAMESPACE_NAME_LABEL, Cluster, Workload
from netverify.model.labels import LabelSelector
from netverify.model.ports import Protocol
from netverify.model.semantics import Semantics
from netverify.smt.addresses import ReplicaAddresses
from netverify.smt.calico_vocab import CalicoVocabulary, vocabulary
from netverify.eval.cilium import policies_of
from netverify.smt import cilium_identity
from netverify.smt.compose import ChainEncoder
from netverify.smt.endpoints import EndpointEncoder
from netverify.smt.layer import HostPods, SymOutcome
from netverify.smt.peers import PeerEncoder
from netverify.smt.policies import SideEncoder
from netverify.smt.ports import ports_match
from netverify.smt.resolve import PortSpec, ResolvedEndpoint
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
    named_entries,
    new_pod,
    pod_domain,
    port_slots,
    icmp_family,
    protocol_index,
)
from netverify.smt.universe import LabelUniverse

Scope = Literal["any", "existing"]

# Addresses no reader takes for an ordinary host (this network, loopback, link-local, multicast and reserved).
_SPECIAL_V4 = ("0.0.0.0/8", "127.0.0.0/8", "169.254.0.0/16", "224.0.0.0/3")
_SPECIAL_V6 = ("::/127", "fe80::/10", "ff00::/8")


def _in_network(bits: z3.BitVecRef, net: ipaddress.IPv4Network | ipaddress.IPv6Network) -> z3.BoolRef:
    width = bits.size()
    return z3.Extract(width - 1, width - net.prefixlen, bits) == int(net.network_address) >> (width - net.prefixlen)


MAX_PREFERRED_GROUPS = 200  # beyond this many distinct existing workloads, scope any does not prefer them


@dataclass(frozen=True)
class Candidates:
    """Existing workloads an endpoint may be a replica of (index into cluster.workloads)."""

    items: tuple[tuple[int, Workload], ...]

    @property
    def namespaces(self) -> frozenset[str]:
        return frozenset(w.namespace for _, w in self.items)


class ConnectionProblem:
    def __init__(
        self,
        session: SolverSession,
        cluster: Cluster,
        src: ResolvedEndpoint,
        dst: ResolvedEndpoint,
        ports: PortSpec,
        *,
        scope: Scope,
        ipblock_matches_pods: bool = False,
        semantics: Semantics | None = None,
    ) -> None:
        self.session = session
        self.cluster = cluster
        self.src_spec, self.dst_spec, self.ports = src, dst, ports
        self.scope = scope
        self.semantics = semantics or Semantics(ipblock_matches_pods=ipblock_matches_pods)
        ipblock_matches_pods = self.semantics.ipblock_matches_pods
        self.ipblock_matches_pods = ipblock_matches_pods
        self._ip_matters: bool | None = None
        self.table = NamespaceTable.of(cluster)
        self.candidates = {
            "src": self._candidates(src),
            "dst": self._candidates(dst),
        }
        src_ns = self._namespaces(src, self.candidates["src"])
        dst_ns = self._namespaces(dst, self.candidates["dst"])
        self.policies = [p for ns in sorted(src_ns | dst_ns) for p in cluster.policies_in(ns)]
        self.calico_vocabulary = vocabulary(cluster) if self.semantics.cni == "calico" else CalicoVocabulary()
        self.cilium = self.semantics.cni == "cilium"  # Cilium identities read service accounts, namespace labels
        self.universe = self._universe()
        self.service_accounts = cilium_identity.service_account_names(cluster, policies_of(cluster)) if self.cilium else None
        self.selectors = SelectorEncoder(session, self.table)
        self.port_names = self._port_names()
        self.src = self._endpoint("src", src, src_ns, self.port_names)
        self.dst = self._endpoint("dst", dst, dst_ns, self.port_names)
        self.conn = SymbolicConnection.new(session)
        self.conn.reads_src_port, self.conn.reads_icmp = ports.reads_src_port, ports.reads_icmp
        blocks = [spec.ip_block for spec in (src, dst) if spec.is_external and spec.ip_block is not None]
        blocks += admin_blocks(cluster)
        # Pod addresses are modelled under the flag, and whenever an admin peer or a host-network pod read as
        # node traffic can be matched by its address (eval/admin_addresses.py).
        self.addresses = (ReplicaAddresses(session, families_in_use([cluster], blocks))
                          if addresses_matter(cluster, ipblock_matches_pods) else None)
        self.endpoints = EndpointEncoder(session, self.table, self.selectors, self.addresses)
        self.peers = PeerEncoder(session, self.selectors, ipblock_matches_pods=ipblock_matches_pods)
        self.sides = SideEncoder(session, cluster, self.table, self.selectors, self.peers)
        self.hosts = HostPods()

        session.add(*self.conn.domain())
        for ep in (self.src, self.dst):
            if isinstance(ep, SymbolicPod):
                carried = carried_invalid_labels(self.universe, (w for _, w in self.candidates[ep.role].items))
                session.add(*pod_domain(ep, self.table, self.universe, carried))
                # With the flag every pod has an address (one of a family in use); without, none is modelled.
                session.add(ep.ip.equals(None) if self.addresses is None else self.addresses.pod(ep.ip))
            else:
                session.add(ep.ip.present)
        session.add(self.src.ip.same_family(self.dst.ip))
        session.add(*icmp_family(self.conn, (ep.ip for ep in (self.src, self.dst) if ep.is_external)))
        self.fits_src = self.endpoints.fits(src, self.src)
        self.fits_dst = self.endpoints.fits(dst, self.dst)
        self.fits_ports = ports_match(session, ports.entries, self.conn, self.dst)
        if ports.empty_reason is not None:
            self.fits_ports = session.false()
        self.prefer_workloads = session.guard("workloads")
        self.prefer_namespaces = session.guard("namespaces")
        self.prefer_served_port = session.guard("served-port")
        self.prefer_ordinary_ips = session.guard("ordinary-ips")
        # A readable witness uses a protocol with a name (ICMP rather than protocol 0) where any protocol will do.
        session.add(z3.Implies(self.prefer_served_port, z3.Or([self.conn.protocol == p.number for p in Protocol])))
        self._add_existing_choice()
        self._add_ordinary_ips()
        self._add_same_fresh_namespace()
        self._add_new_pods_off_nodes()
        self.chain = ChainEncoder(session, cluster, self.sides, self.hosts, self.semantics)
        self._outcome: SymOutcome | None = None

    # ---- what the solver may choose -----------------------------------------------------------

    def _candidates(self, spec: ResolvedEndpoint) -> Candidates:
        # Only the workloads of namespaces the endpoint fits are tried: scanning every workload for every
        # property was a quarter of `prove` after load at 1,000 policies (benchmarks/run.py).
        by_ns = self.cluster.workload_indices_by_namespace
        if spec.workload is not None:
            pool = by_ns.get(spec.workload.namespace, ())
        else:
            pool = sorted(i for ns, members in by_ns.items()
                          if spec.fits_namespace(ns, self.cluster.namespace_labels(ns)) for i in members)
        workloads = self.cluster.workloads
        return Candidates(tuple((i, workloads[i]) for i in pool if spec.fits_workload(workloads[i], self.cluster)))

    def _namespaces(self, spec: ResolvedEndpoint, candidates: Candidates) -> frozenset[str]:
        if spec.is_external:
            return frozenset()
        if self.scope == "existing" or spec.workload is not None:
            return candidates.namespaces
        return frozenset(n for n, labels in zip(self.table.names, self.table.labels) if spec.fits_namespace(n, labels))

    def _may_be_fresh(self, spec: ResolvedEndpoint) -> bool:
        if self.scope == "existing" or spec.workload is not None or spec.service is not None:
            return False
        return spec.namespace is None or self.table.index(spec.namespace) is None

    def _universe(self) -> LabelUniverse:
        selectors: list[LabelSelector] = []
        for p in self.policies:
            selectors.append(p.pod_selector)
            for rule in (*p.ingress, *p.egress):
                for peer in rule.peers:
                    selectors += [s for s in (peer.pod_selector, peer.namespace_selector) if s is not None]
        for ap in self.cluster.admin_policies:  # cluster-scoped: they apply in every namespace, new ones too
            selectors += [ap.subject.namespace_selector, ap.subject.pod_selector]
            for rule in (*ap.ingress, *ap.egress):
                for peer in rule.peers:
                    if peer.pods is not None:
                        selectors += [peer.pods.namespace_selector, peer.pods.pod_selector]
        if self.cilium:  # cluster-wide as well: a CCNP applies in every namespace
            selectors += cilium_identity.universe_selectors(policies_of(self.cluster))
        selectors += self.src_spec.selectors() + self.dst_spec.selectors()
        named = {s.namespace for s in (self.src_spec, self.dst_spec) if s.namespace is not None}
        named -= set(self.table.names)
        extra = {**self.calico_vocabulary.values}
        extra[NAMESPACE_NAME_LABEL] = set(extra.get(NAMESPACE_NAME_LABEL, ())) | named
        return LabelUniverse.of(
            selectors, extra=extra, reserved={NAMESPACE_NAME_LABEL: self.table.names},
            string_tests=self.calico_vocabulary.string_tests,
        )

    def _port_names(self) -> tuple[str, ...]:
        names = set(self.ports.port_names()) | self.calico_vocabulary.port_names
        for p in self.policies:
            for rule in (*p.ingress, *p.egress):
                names.update(e.port for e in rule.ports if isinstance(e.port, str))
        for ap in self.cluster.admin_policies:
            for rule in (*ap.ingress, *ap.egress):
                names.update(e.port for e in rule.ports or () if isinstance(e.port, str))
        names.update(cilium_identity.port_names(self.cluster) if self.cilium else ())
        return tuple(sorted(names))

    def _endpoint(
        self, role: str, spec: ResolvedEndpoint, namespaces: frozenset[str], port_names: tuple[str, ...]
    ) -> SymbolicEndpoint:
        if spec.is_external:
            return SymbolicExternal(role, SymbolicIP(self.session, role), spec.ip_block)
        # Slots for every pod the endpoint may be a replica of (a pinned workload is its own candidate).
        slots = port_slots(port_names, (w for _, w in self.candidates[role].items))
        pod = new_pod(self.session, role, self.universe, port_names, slots)
        pod.namespaces = namespaces
        pod.may_be_fresh = self._may_be_fresh(spec)
        if self.service_accounts is not None:
            pod.service_account = SymbolicServiceAccount(self.session.int(f"{role}.sa"), self.service_accounts)
            self.session.add(*pod.service_account.domain(w.service_account for _, w in self.candidates[role].items))
        if pod.may_be_fresh and spec.namespace is not None:
            pod.fresh_name = spec.namespace
        return pod

    def _pod_ip_matters(self) -> bool:
        if self._ip_matters is None:
            self._ip_matters = (self.ipblock_matches_pods or self.cluster.has_host_network) and any(
                peer.ip_block is not None for p in self.policies for r in (*p.ingress, *p.egress) for peer in r.peers
            ) or any(peer.networks or peer.nodes is not None
                     for ap in self.cluster.admin_policies for r in (*ap.ingress, *ap.egress) for peer in r.peers)
        return self._ip_matters

    def _classes(self, candidates: Candidates, ip_matters: bool) -> list[tuple[int, Workload, int]]:
        """One representative per group of workloads the encoding cannot tell apart (same namespace,
        labels projected on the universe, named ports, addresses under the flag), with the group size."""
        groups: dict[tuple, list[tuple[int, Workload]]] = {}
        for i, w in candidates.items:
            ports = tuple((n, named_entries(w, n)) for n in self.port_names)  # every port of each name
            # Wherever pod addresses are modelled two ends never share one (ReplicaAddresses.two_pods): a
            # representative must have its group's very addresses, even where no ipBlock or network reads them.
            ips = (w.ips, w.host_network) if self.addresses is not None else ()
            # A label whose value only the cluster knows is one free value per workload entry: never shared.
            own = i if any(k in self.universe.keys for k in w.unknown_labels) else None
            # A host-network pod is judged apart (no subject, no pod peer; its Node for `nodes` peers).
            host = (w.host_network, w.node_name if w.host_network else None)
            # Calico selectors read a pod's ServiceAccount: a representative must have its group's.
            account = w.service_account if self.semantics.cni == "calico" else None
            key = (w.namespace, tuple(self.universe.project(w.labels).items()), ports, ips, own, host, account)
            if self.service_accounts is not None:  # Cilium selects on the service account too
                key += (self.service_accounts.index(w.service_account),)
            groups.setdefault(key, []).append((i, w))
        # A controller's replicas can talk to each other; a bare Pod is alone: prefer showing a controller.
        return [(*min(members, key=lambda m: m[1].kind == "Pod"), len(members)) for members in groups.values()]

    def _add_existing_choice(self) -> None:
        s = self.session
        ip_matters = self._pod_ip_matters()
        pods = [ep for ep in (self.src, self.dst) if isinstance(ep, SymbolicPod)]
        classes = {pod.role: self._classes(self.candidates[pod.role], ip_matters) for pod in pods}
        self.classes = classes
        if self.scope == "any" and any(len(c) > MAX_PREFERRED_GROUPS for c in classes.values()):
            # Preferring existing workloads only makes counterexamples readable; on a big cluster it would
            # cost more than the question itself. The witness code still names a workload that fits.
            s.add(z3.Not(self.prefer_workloads))
        for pod in pods:
            spec = self.src_spec if pod.role == "src" else self.dst_spec
            pinned = [w for w in spec.workload_entries if w.host_network] if spec.workload is not None else []
            # A pod the property pins to a host-network workload is one, whatever `workload` says (extract.py).
            self.hosts.options[pod.role] = ([(s.true(), pinned[0])] if pinned else
                                            [(s.eq(pod.workload, i), w) for i, w, _ in classes[pod.role]
                                             if w.host_network])
            if self.scope == "any" and len(classes[pod.role]) > MAX_PREFERRED_GROUPS:
                # Host-network pods stay possible: no new pod behaves like one.
                host = [(i, w) for i, w, _ in classes[pod.role] if w.host_network]
                s.add(s.or_([s.eq(pod.workload, -1), self.endpoints.existing_choice(pod, host, ip_matters)]))
                s.add(z3.Implies(self.prefer_namespaces, pod.ns < self.table.fresh_index))
                if ip_matters:
                    s.add(pod.ip.present)
                continue
            choice = self.endpoints.existing_choice(pod, [(i, w) for i, w, _ in classes[pod.role]], ip_matters)
            if self.scope == "existing":
                s.add(choice)
            else:
                s.add(z3.Implies(self.prefer_workloads, choice))
                s.add(z3.Implies(z3.Not(self.prefer_workloads), pod.workload == -1))
                if ip_matters:
                    s.add(z3.Implies(pod.workload == -1, pod.ip.present))
            s.add(z3.Implies(self.prefer_namespaces, pod.ns < self.table.fresh_index))
        if isinstance(self.dst, SymbolicPod):
            # A readable witness uses a port the destination declares; a workload declaring none serves any.
            s.add(z3.Implies(self.prefer_served_port, s.and_(
                z3.Implies(s.eq(self.dst.workload, i), s.or_(
                    s.and_([s.eq(self.conn.protocol, protocol_index(c.protocol)), s.eq(self.conn.port, c.port)])
                    for c in w.ports))
                for i, w, _ in classes["dst"] if w.ports)))
        self.distinct_pods = s.true()
        if len(pods) == 2:
            self._same_unknown_values(classes)
            # A bare Pod is one pod: it talking to itself is not a connection. Replicas of a controller are.
            dst_lonely_pods = {i for i, w, size in classes["dst"] if w.kind == "Pod" and size == 1}
            self.distinct_pods = s.and_(
                z3.Not(z3.And(self.src.workload == i, self.dst.workload == i))
                for i, w, size in classes["src"]
                if w.kind == "Pod" and size == 1 and i in dst_lonely_pods
            )
            # hostNetwork pods are told apart by `workload` index; where an existing pod may stand as
            # `workload == -1` (a pinned end without the preference, or too many groups to index), a
            # hostNetwork workload there leaves the addresses free.
            unindexed = self.scope == "any" and any(len(c) > MAX_PREFERRED_GROUPS for c in classes.values())
            loose_host = any(w.host_network for spec in (self.src_spec, self.dst_spec) for w in spec.workload_entries)
            loose_host |= unindexed and any(w.host_network for c in self.candidates.values() for _, w in c.items)
            if self.addresses is not None and not loose_host:
                host = [i for role in ("src", "dst") for i, w, _ in classes[role] if w.host_network]
                self.distinct_pods = s.and_([self.distinct_pods, self.addresses.two_pods(self.src, self.dst, host)])

    def _same_unknown_values(self, classes: dict[str, list[tuple[int, Workload, int]]]) -> None:
        """Two pods of one workload entry carry the same value for a label only the cluster knows (the hash
        of their template, their Job's uid): one value per entry, as docs/semantics.md says."""
        dst = {i for i, _, _ in classes["dst"]}
        for i, w, _ in classes["src"]:
            keys = [k for k in sorted(w.unknown_labels) if k in self.universe.keys]
            if i in dst and keys:
                same = [self.src.labels.val[k] == self.dst.labels.val[k] for k in keys]
                self.session.add(z3.Implies(z3.And(self.src.workload == i, self.dst.workload == i), z3.And(same)))

    def _add_ordinary_ips(self) -> None:
        """Prefer an outside address (and a new pod's) a reader takes for a host: not 0.0.0.0/8, loopback,
        link-local, multicast or reserved, not ending in .0 or .255, not a block's network or broadcast address."""
        nets = [peer.ip_block for p in self.policies for r in (*p.ingress, *p.egress) for peer in r.peers
                if peer.ip_block is not None]
        for ep in (self.src, self.dst):
            if not isinstance(ep, (SymbolicExternal, SymbolicPod)):
                continue
            blocks = [ep.block, *nets] if isinstance(ep, SymbolicExternal) and ep.block is not None else nets
            bits = ep.ip.bits4
            avoid = [_in_network(bits, ipaddress.ip_network(n)) for n in _SPECIAL_V4]
            avoid += [z3.Extract(7, 0, bits) == 0, z3.Extract(7, 0, bits) == 255]
            for b in blocks:
                for net in (b.cidr, *b.excepts):
                    if net.version == 4 and net.num_addresses > 2:
                        avoid += [bits == int(net.network_address), bits == int(net.broadcast_address)]
            v4 = z3.And(z3.Not(ep.ip.v6), z3.Not(z3.Or(avoid)))
            v6 = z3.And(ep.ip.v6, z3.Not(z3.Or([_in_network(ep.ip.bits6, ipaddress.ip_network(n)) for n in _SPECIAL_V6])))
            ordinary = z3.Or(v4, v6)
            if isinstance(ep, SymbolicPod):
                # A pod not created yet gets an address a pod could have (an existing one's is its own or, when the
                # manifests give none, not shown: analyses/prove_addresses.py).
                ordinary = z3.Implies(z3.And(ep.workload == -1, ep.ip.present), ordinary)
            self.session.add(z3.Implies(self.prefer_ordinary_ips, ordinary))

    def _add_same_fresh_namespace(self) -> None:
        """Two pods in the same not-yet-created namespace (same name) see the same namespace labels."""
        if not (isinstance(self.src, SymbolicPod) and isinstance(self.dst, SymbolicPod)):
            return
        if not (self.src.may_be_fresh and self.dst.may_be_fresh):
            return
        kv = self.universe.keys[NAMESPACE_NAME_LABEL]
        fresh = self.table.fresh_index
        a, b = self.src.ns_labels, self.dst.ns_labels
        same = z3.And(
            self.src.ns == fresh, self.dst.ns == fresh,
            a.val[NAMESPACE_NAME_LABEL] == b.val[NAMESPACE_NAME_LABEL],
            a.val[NAMESPACE_NAME_LABEL] != kv.fresh_index,
        )
        equal = [a.has[k] == b.has[k] for k in self.universe.keys]
        equal += [z3.Implies(a.has[k], a.val[k] == b.val[k]) for k in self.universe.keys]
        self.session.add(z3.Implies(same, z3.And(equal)))

    def _add_new_pods_off_nodes(self) -> None:
        """A pod not created yet is pod-network: its address is no node's (a host-network pod is an existing
        workload's). Only where addresses are modelled."""
        ips = node_addresses(self.cluster)
        if self.addresses is None or not ips:
            return
        for ep, spec in ((self.src, self.src_spec), (self.dst, self.dst_spec)):
            if isinstance(ep, SymbolicPod) and spec.workload is None:
                off = self.session.and_([self.session.not_(ep.ip.equals(a)) for a in ips])
                self.session.add(z3.Implies(ep.workload == -1, off))

    # ---- the question -------------------------------------------------------------------------

    @property
    def outcome(self) -> SymOutcome:
        """allowed / denied / unknown for the connection, under the model's same-priority choices."""
        if self._outcome is None:
            self._outcome = self.chain.connection(self.src, self.dst, self.conn)
        return self._outcome

    @property
    def allowed(self) -> z3.BoolRef:
        return self.outcome.allow

    @property
    def denied(self) -> z3.BoolRef:
        return self.outcome.deny

    @property
    def unknown(self) -> z3.BoolRef:
        return self.outcome.unknown

    @property
    def fits(self) -> z3.BoolRef:
        return self.session.and_([self.fits_src, self.fits_dst, self.fits_ports, self.distinct_pods])
