"""Turn a model into one concrete flow: the pods (or addresses), the protocol and the port."""

from __future__ import annotations

from dataclasses import dataclass, replace

import z3

from netverify.model.cluster import NAMESPACE_NAME_LABEL, ContainerPort, Workload
from netverify.model.flow import Endpoint, ExternalEndpoint, Flow, PodEndpoint
from netverify.model.semantics import CHAINS, chain_of
from netverify.smt.problem import ConnectionProblem
from netverify.smt.symbols import SymbolicConnection, SymbolicEndpoint, SymbolicPod, read_protocol
from netverify.smt.universe import fresh_value


@dataclass(frozen=True)
class ExtractedFlow:
    flow: Flow
    src_namespace_exists: bool
    dst_namespace_exists: bool
    # `flow` with each end the model describes as a replica but `flow` shows as a new pod (picks_unknown_value)
    # as that replica, its unknown-valued labels unknown (witness_fit.holds_every_value tries their values).
    # None: no end was shown so.
    as_replicas: Flow | None = None


def _int(model: z3.ModelRef, term: z3.ArithRef) -> int:
    return model.eval(term, model_completion=True).as_long()


def extract_flow(problem: ConnectionProblem, model: z3.ModelRef) -> ExtractedFlow:
    taken: set[str] = set(problem.table.names)
    kv = problem.universe.keys[NAMESPACE_NAME_LABEL]
    taken.update(kv.values)
    src, src_exists, src_replica = _endpoint(problem, problem.src, model, taken)
    if isinstance(src, PodEndpoint):
        taken.add(src.namespace)
    dst, dst_exists, dst_replica = _endpoint(problem, problem.dst, model, taken)
    flow = connection_flow(problem.conn, model, src, dst)
    as_replicas = None
    if src_replica is not None or dst_replica is not None:
        as_replicas = replace(flow, src=src_replica or src, dst=dst_replica or dst)
    return ExtractedFlow(flow, src_exists, dst_exists, as_replicas)


def connection_flow(conn: SymbolicConnection, model: z3.ModelRef, src: Endpoint, dst: Endpoint) -> Flow:
    """The connection the model picks, with only what its protocol carries: a source port for a port
    protocol, a type and code for ICMP / ICMPv6 (model/flow.py Flow)."""
    protocol = read_protocol(_int(model, conn.protocol))
    src_port = (_int(model, conn.src_port) if protocol.has_ports and conn.src_port is not None and conn.reads_src_port
                else None)
    icmp = protocol.is_icmp and conn.icmp_type is not None and conn.icmp_code is not None and conn.reads_icmp
    return Flow(src, dst, protocol, _int(model, conn.port), src_port,
                _int(model, conn.icmp_type) if icmp else None, _int(model, conn.icmp_code) if icmp else None)


def picks_unknown_value(problem: ConnectionProblem, ep: SymbolicPod, w: Workload, model: z3.ModelRef) -> bool:
    """The model gives a label whose value only the cluster knows a value some selector names: the pod it
    describes may not be the workload's (which has the value it has), so it is shown as a pod of its own."""
    for key in w.unknown_labels:
        kv = problem.universe.keys.get(key)
        if kv is not None and _int(model, ep.labels.val[key]) != kv.fresh_index:
            return True
    return False


def host_labels_unread(problem, w: Workload) -> bool:
    """A host-network workload whose labels no layer of the chain reads: Cilium gives it the identity host /
    remote-node, Calico no workload endpoint, admin policies never select it; only NetworkPolicy applies to it
    like to any pod (eval/networkpolicy.py). Then the value the model gave one of its unknown-valued labels
    decides nothing, and the pod the model describes is that workload's (its node's address): no new pod is
    host-network (smt/layer.py HostPods), so showing a new pod instead would name another verdict. Where
    NetworkPolicy reads the labels, a decided verdict on the host pod is the one a new pod with those labels gets
    (as a pod the policy applies like to any pod, and the model's verdict agrees with it), so the new pod stays."""
    if not w.host_network:
        return False
    semantics = getattr(problem, "semantics", None)
    return semantics is not None and semantics.cni in CHAINS and "networkpolicy" not in chain_of(semantics)


def _replica(problem, ep: SymbolicPod, w: Workload) -> z3.BoolRef:
    encoder = getattr(problem, "endpoints", None)
    return encoder.is_replica(ep, w, None) if encoder is not None else z3.BoolVal(False)


def _endpoint(
    problem: ConnectionProblem, ep: SymbolicEndpoint, model: z3.ModelRef, taken: set[str]
) -> tuple[Endpoint, bool, PodEndpoint | None]:
    """The end the model describes, whether its namespace exists, and the replica it is when it is shown as a
    new pod (picks_unknown_value)."""
    if not isinstance(ep, SymbolicPod):
        ip = ep.ip.read(model)
        assert ip is not None
        return ExternalEndpoint(ip), True, None
    ip = ep.ip.read(model)
    index = _int(model, ep.workload)
    # A pod the property pins to a workload is that workload's replica, whatever the guards chose.
    spec = getattr(problem, f"{ep.role}_spec", None)  # other problems (diff) pin no workload
    pinned = getattr(spec, "workload", None)
    if pinned is not None and index < 0:
        index = next((i for i, w in enumerate(problem.cluster.workloads) if any(w is e for e in spec.workload_entries)
                      and z3.is_true(model.eval(_replica(problem, ep, w), model_completion=True))), -1)
    replica = None
    if index >= 0:
        w = problem.cluster.workloads[index]
        replica = PodEndpoint(w.namespace, dict(problem.cluster.namespace_labels(w.namespace)), dict(w.labels),
                              tuple(w.ports), ip, w)
        if host_labels_unread(problem, w) or not picks_unknown_value(problem, ep, w, model):
            return replica, True, None
    ports = tuple(dict.fromkeys(  # every slot in use, each (name, number, protocol) once
        ContainerPort(name, _int(model, v.number), read_protocol(_int(model, v.protocol)))
        for name, slots in sorted(ep.named_ports.items()) for v in slots
        if z3.is_true(model.eval(v.has, model_completion=True))
    ))
    labels = ep.labels.read(model)
    ns_index = _int(model, ep.ns)
    sa = ep.service_account.read(model) if ep.service_account is not None else None
    if sa is not None and (sa == "default" or (sa == ep.service_account.names.fresh
                                              and "default" not in ep.service_account.names.values)):
        sa = None  # what no selector tells from `default`: the pod names no service account
    if sa is None and replica is not None:
        # A replica shown as a new pod keeps the account the model gave it (its workload's): a new pod naming no
        # account has one the Calico evaluator cannot know (eval/calico_match.pod_subject).
        sa = replica.workload.service_account
    if ns_index < problem.table.fresh_index:
        name = problem.table.names[ns_index]
        return PodEndpoint(name, dict(problem.table.labels[ns_index]), labels, ports, ip, service_account=sa), True, \
            replica
    ns_labels = ep.ns_labels.read(model)
    kv = problem.universe.keys[NAMESPACE_NAME_LABEL]
    if ns_labels.get(NAMESPACE_NAME_LABEL, kv.fresh) == kv.fresh:
        # The fresh slot: a name no selector mentions and no namespace (nor the other pod's) has.
        name = fresh_value(taken, base="new-namespace")
    else:
        name = ns_labels[NAMESPACE_NAME_LABEL]
    ns_labels[NAMESPACE_NAME_LABEL] = name
    return PodEndpoint(name, ns_labels, labels, ports, ip, service_account=sa), False, replica
