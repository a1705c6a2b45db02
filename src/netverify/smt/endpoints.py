"""What it means for a symbolic endpoint to fit a property's endpoint, and to be an existing workload's pod."""

from __future__ import annotations

import z3

from netverify.model.cluster import NAMESPACE_NAME_LABEL, Workload
from netverify.smt.addresses import ReplicaAddresses
from netverify.smt.resolve import ResolvedEndpoint
from netverify.smt.selectors import SelectorEncoder
from netverify.smt.session import SolverSession
from netverify.smt.symbols import NamespaceTable, SymbolicEndpoint, SymbolicPod, named_entries


class EndpointEncoder:
    def __init__(self, session: SolverSession, table: NamespaceTable, selectors: SelectorEncoder,
                 addresses: ReplicaAddresses | None = None) -> None:
        self.session = session
        self.table = table
        self.selectors = selectors
        self.addresses = addresses  # None: pod addresses are not modelled (no --ipblock-matches-pods)

    def in_allowed_namespace(self, pod: SymbolicPod) -> z3.BoolRef:
        choices = [pod.ns == i for i, n in enumerate(self.table.names) if n in pod.namespaces]
        if pod.may_be_fresh:
            fresh = pod.ns == self.table.fresh_index
            if pod.fresh_name is not None:
                kv = pod.ns_labels.universe.keys[NAMESPACE_NAME_LABEL]
                fresh = z3.And(fresh, pod.ns_labels.val[NAMESPACE_NAME_LABEL] == kv.index(pod.fresh_name))
            choices.append(fresh)
        return self.session.or_(choices)

    def fits(self, spec: ResolvedEndpoint, ep: SymbolicEndpoint) -> z3.BoolRef:
        if spec.is_external:
            return ep.ip.in_block(spec.ip_block)
        if spec.empty_reason is not None:
            return self.session.false()
        assert isinstance(ep, SymbolicPod)
        parts = [self.in_allowed_namespace(ep)]
        if spec.workload is not None:
            # A workload whose pods differ is several entries: the pod is one of any of them.
            parts.append(self.session.or_(self.is_replica(ep, w, None) for w in spec.workload_entries))
        if spec.namespace_selector is not None:
            parts.append(self.selectors.namespace(spec.namespace_selector, ep))
        if spec.pod_selector is not None:
            parts.append(self.selectors.labels(spec.pod_selector, ep.labels))
        return self.session.and_(parts)

    def is_replica(self, pod: SymbolicPod, workload: Workload, ip_matters: bool | None) -> z3.BoolRef:
        """The pod is one of the workload's replicas: its namespace, labels, named ports (and known IPs)."""
        index = self.table.index(workload.namespace)
        if index is None or workload.namespace not in pod.namespaces:
            return self.session.false()
        s = self.session
        parts = [s.eq(pod.ns, index), pod.labels.equals(workload.labels, workload.unknown_labels)]
        for name, slots in pod.named_ports.items():
            # Exactly the workload's ports of that name, one per slot, the other slots empty.
            entries = named_entries(workload, name)
            if len(entries) > len(slots):
                raise AssertionError(f"{workload.ref}: {len(entries)} ports named {name!r}, {len(slots)} slots")
            for i, vars_ in enumerate(slots):
                if i < len(entries):
                    number, protocol = entries[i]
                    parts += [vars_.has, s.eq(vars_.number, number), s.eq(vars_.protocol, protocol)]
                else:
                    parts.append(s.not_(vars_.has))
        if pod.service_account is not None:
            parts.append(pod.service_account.equals(workload.service_account))
        if self.addresses is not None:
            # One of its known IPs, else any address of the families in use (never "no address").
            parts.append(self.addresses.replica(pod.ip, workload))
        return self.session.and_(parts)

    def existing_choice(
        self, pod: SymbolicPod, candidates: list[tuple[int, Workload]], ip_matters: bool
    ) -> z3.BoolRef:
        """The pod is a replica of one of the candidate workloads, `pod.workload` says which."""
        return self.session.or_(
            self.session.and_([self.session.eq(pod.workload, i), self.is_replica(pod, w, ip_matters)])
            for i, w in candidates
        )
