"""From a solver's flow to a counterexample a human can act on.

The flow is re-checked with the concrete evaluator first (a disagreement is a bug and is raised loudly),
then minimised: a new pod's labels, namespace labels, container ports and address are dropped one by one
while the endpoints still fit and the evaluator still gives the same answer. A replica of an existing
workload is never minimised: it is that workload's pod, and a witness names a workload only for its pods.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

from netverify.errors import InternalDisagreement
from netverify.analyses.witness_fit import is_replica, same_pod
from netverify.eval.concrete import evaluate
from netverify.findings import ConnectionWitness, EndpointWitness
from netverify.model.cluster import NAMESPACE_NAME_LABEL, Cluster
from netverify.model.semantics import Semantics
from netverify.model.flow import Endpoint, Flow, PodEndpoint
from netverify.model.ports import describe_connection
from netverify.model.verdict import SideVerdict, Verdict
from netverify.smt.resolve import PortSpec, ResolvedEndpoint
from netverify.analyses.podyaml import pod_manifests


@dataclass(frozen=True)
class Target:
    """What the flow must show: it fits the property and is allowed (`want_allowed`) or blocked.

    Same-priority ambiguity: a flow some resolution allows (blocks) shows "allowed" ("blocked"), the solver's
    choice being one the evaluator lists; `every_resolution` (a `possible` witness) asks for allowed under all.
    """

    cluster: Cluster
    src: ResolvedEndpoint
    dst: ResolvedEndpoint
    ports: PortSpec
    want_allowed: bool
    ipblock_matches_pods: bool
    every_resolution: bool = False
    semantics: Semantics | None = None

    def verdict(self, flow: Flow) -> Verdict:
        return evaluate(self.cluster, flow, ipblock_matches_pods=self.ipblock_matches_pods, semantics=self.semantics)

    def shows(self, verdict: Verdict) -> bool:
        if self.want_allowed and self.every_resolution:
            return verdict.allowed
        return verdict.may_be(self.want_allowed)

    def holds(self, flow: Flow) -> bool:
        return (
            self.src.fits(flow.src) and self.dst.fits(flow.dst) and self.ports.fits(flow)
            and self.shows(self.verdict(flow))
        )


def recheck(target: Target, flow: Flow, what: str) -> None:
    """The SMT model says `flow` fits and is allowed/blocked: the concrete evaluator must say the same."""
    verdict = target.verdict(flow)
    problems = []
    if not target.src.fits(flow.src):
        problems.append("the source does not fit the property's `from`")
    if not target.dst.fits(flow.dst):
        problems.append("the destination does not fit the property's `to`")
    if not target.ports.fits(flow):
        problems.append("the port does not fit the property's ports")
    if not target.shows(verdict):
        problems.append(
            f"the SMT model says {'allowed' if target.want_allowed else 'blocked'}, the concrete evaluator says "
            f"{'allowed' if verdict.allowed else 'blocked'} (egress: {side_text(verdict.egress)}; "
            f"ingress: {side_text(verdict.ingress)})"
        )
    if problems:
        raise InternalDisagreement(
            f"internal error: the solver's {what} does not re-check: {'; '.join(problems)}. Flow: {flow_text(flow)}. "
            "This is a bug in netverify; please report it with the manifests and properties."
        )


def minimise(target: Target, flow: Flow) -> Flow:
    while True:  # one side's drops can make more of the other side's droppable
        before = flow
        for role in ("src", "dst"):
            flow = _minimise_endpoint(target, flow, role)
        if flow == before:
            return flow


def _minimise_endpoint(target: Target, flow: Flow, role: str) -> Flow:
    def with_pod(pod: PodEndpoint) -> Flow:
        return replace(flow, **{role: pod})

    pod = getattr(flow, role)
    if not isinstance(pod, PodEndpoint) or pod.workload is not None:
        return flow  # an existing workload's pod has all its labels and ports: dropping one would lie
    steps: list[Callable[[PodEndpoint], list[PodEndpoint]]] = [
        lambda p: [replace(p, labels={k: v for k, v in p.labels.items() if k != key}) for key in sorted(p.labels)],
        lambda p: [replace(p, ports=tuple(c for c in p.ports if c != cp)) for cp in p.ports],
        lambda p: [replace(p, ip=None)] if p.ip is not None else [],
    ]
    if pod.namespace not in target.cluster.namespaces and pod.namespace not in _existing_namespaces(target.cluster):
        steps.insert(0, lambda p: [
            replace(p, namespace_labels={k: v for k, v in p.namespace_labels.items() if k != key})
            for key in sorted(p.namespace_labels) if key != NAMESPACE_NAME_LABEL
        ])
    changed = True
    while changed:  # until no single drop of any kind keeps the counterexample
        changed = False
        for step in steps:
            for candidate in step(pod):
                if target.holds(with_pod(candidate)):
                    pod, flow, changed = candidate, with_pod(candidate), True
                    break
    return flow


def _existing_namespaces(cluster: Cluster) -> set[str]:
    return set(cluster.namespaces) | {w.namespace for w in cluster.workloads} | {p.namespace for p in cluster.policies}


def build_witness(target: Target, flow: Flow) -> ConnectionWitness:
    """The record of `flow`: an endpoint names the workload it is a replica of (see witness_fit), or none."""
    if same_pod(flow.src, flow.dst) or not (is_replica(flow.src) and is_replica(flow.dst)):
        raise InternalDisagreement(
            f"internal error: the witness {flow_text(flow)} names a workload for a pod that is not one of its "
            "replicas, or one pod at both ends. This is a bug in netverify; please report it."
        )
    verdict = target.verdict(flow)
    existing = _existing_namespaces(target.cluster)
    new_namespaces = {
        ep.namespace for ep in (flow.src, flow.dst) if isinstance(ep, PodEndpoint) and ep.namespace not in existing
    }

    def endpoint(role: str) -> EndpointWitness:
        ep = getattr(flow, role)
        if not isinstance(ep, PodEndpoint):
            return EndpointWitness(None, {}, {}, None, str(ep.ip))
        return EndpointWitness(
            namespace=ep.namespace,
            namespace_labels=dict(ep.namespace_labels),
            labels=dict(ep.labels),
            workload=ep.workload.ref if ep.workload is not None else None,
            ip=str(ep.ip) if ep.ip is not None else None,
            namespace_exists=ep.namespace not in new_namespaces,
            container_ports=tuple((cp.name, cp.port, str(cp.protocol)) for cp in ep.ports if cp.name),
            service_account=ep.service_account if ep.workload is None else None,
        )

    return ConnectionWitness(
        src=endpoint("src"), dst=endpoint("dst"), protocol=flow.protocol, port=flow.port,
        egress=verdict.egress, ingress=verdict.ingress,
        pod_manifests=pod_manifests(flow.src, flow.dst, new_namespaces),
        # Only what the protocol carries (a witness polished from ICMP to a served TCP port drops the type).
        src_port=flow.src_port if flow.protocol.has_ports else None,
        icmp_type=flow.icmp_type if flow.protocol.is_icmp else None,
        icmp_code=flow.icmp_code if flow.protocol.is_icmp else None,
    )


# ---- words -------------------------------------------------------------------------------------


def endpoint_text(ep: Endpoint) -> str:
    if not isinstance(ep, PodEndpoint):
        return str(ep.ip)
    labels = ",".join(f"{k}={v}" for k, v in sorted(ep.labels.items()))
    sa = f" (serviceAccount {ep.service_account})" if ep.service_account is not None and ep.workload is None else ""
    return f"{ep.namespace}/{{{labels}}}{sa}"


def flow_text(flow: Flow) -> str:
    service = describe_connection(flow.protocol, flow.port, flow.src_port, flow.icmp_type, flow.icmp_code)
    return f"{endpoint_text(flow.src)} -> {endpoint_text(flow.dst)} {service}"


def _decision_text(d) -> str:
    where = d.layer if d.priority is None else f"{d.layer} priority {d.priority}"
    if d.ambiguous:
        picks = "; ".join(f"{a.action} by {', '.join(str(r) for r in a.by)}" for a in d.alternatives)
        return f"{where}: ambiguous, same-priority policies disagree ({picks})"
    by = f" by {', '.join(str(r) for r in d.by)}" if d.by and d.action != "nomatch" else ""
    why = f" ({d.reason})" if d.reason else ""
    return f"{where}: {d.action}{by}{why}"


def side_text(side: SideVerdict) -> str:
    if any(d.layer != "networkpolicy" or d.action == "unknown" for d in side.chain):
        # Another layer (or an undecidable one) took part: the whole chain, in order.
        return "; ".join(_decision_text(d) for d in side.chain) or "no policy applies"
    if not side.isolated:
        return "not isolated"
    by = ", ".join(r.policy for r in side.isolated_by)
    if side.allowed_by:
        return f"isolated by {by}, admitted by " + ", ".join(str(r) for r in side.allowed_by)
    return f"isolated by {by} and no rule admits it"


def verdict_reason(flow: Flow, verdict: Verdict) -> str:
    state = ("allowed" if verdict.allowed else "blocked" if verdict.outcomes == {"deny"} else
             "undecided" if verdict.outcomes == {"unknown"} else
             f"ambiguous ({', '.join(sorted(verdict.outcomes))} by the implementation's choice)")
    sides = []
    for side in (verdict.egress, verdict.ingress):
        if verdict.allowed or not side.allowed or len(side.outcomes) > 1:
            sides.append(f"{side.direction} {side_text(side)}")
    return f"{flow_text(flow)} is {state}: " + "; ".join(sides)
