"""Classes of connections HEAD allows and BASE does not, for every pod that could exist.

Per shape of endpoints (pod→pod, pod→address, address→pod) one solver session asks for
`allowed_head ∧ ¬allowed_base`. Each model becomes a flow, is re-checked by the concrete evaluator on both
versions, and names its class (`Region`: namespaces and the HEAD rules that open each side BASE
blocks). The witness is minimised inside its class, the class is excluded, and the solver is asked again,
until nothing is left or `max_witnesses` classes are found (then `more` says whether others exist).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Literal

from netverify.analyses import diff_calico, diff_cilium
from netverify.analyses.witness import build_witness, flow_text, minimise
from netverify.analyses.witness_fit import polish
from netverify.errors import InternalDisagreement
from netverify.eval.anp import in_pod_set, policy_decision
from netverify.eval.concrete import evaluate, isolating_policies, rule_admits, selects
from netverify.eval.layer import Side
from netverify.findings import AddedClass, ConnectionWitness, EndpointWitness
from netverify.model.cluster import Cluster
from netverify.model.flow import Endpoint, Flow, PodEndpoint
from netverify.model.responsible import deciding_refs, takes_part
from netverify.model.semantics import Semantics
from netverify.model.verdict import RuleRef, Verdict
from netverify.smt.diff_problem import SHAPES, DiffProblem, Region, SideReason
from netverify.smt.extract import extract_flow
from netverify.smt.session import CheckResult, SolverSession


@dataclass(frozen=True)
class ClassSearch:
    classes: tuple[AddedClass, ...]
    more: bool
    status: Literal["done", "unknown"]
    notes: tuple[str, ...] = ()
    regions: tuple[Region, ...] = ()  # the class of each entry of `classes`, same order


@dataclass(frozen=True)
class _Versions:
    """Evaluates one flow in both versions; `namespaces` are the existing ones (either version's)."""

    base: Cluster
    head: Cluster
    namespaces: frozenset[str]
    ipblock_matches_pods: bool
    semantics: Semantics | None = None  # None: the generic chain

    def in_base(self, flow: Flow) -> Flow:
        """The same pods as BASE sees them: an existing namespace carries BASE's labels there."""
        def endpoint(ep: Endpoint) -> Endpoint:
            if isinstance(ep, PodEndpoint) and ep.namespace in self.namespaces:
                return replace(ep, namespace_labels=dict(self.base.namespace_labels(ep.namespace)))
            return ep
        return replace(flow, src=endpoint(flow.src), dst=endpoint(flow.dst))

    def head_verdict(self, flow: Flow) -> Verdict:
        return evaluate(self.head, flow, ipblock_matches_pods=self.ipblock_matches_pods, semantics=self.semantics)

    def base_verdict(self, flow: Flow) -> Verdict:
        return evaluate(self.base, self.in_base(flow), ipblock_matches_pods=self.ipblock_matches_pods,
                        semantics=self.semantics)

    def added(self, flow: Flow) -> bool:
        return self.head_verdict(flow).allowed and not self.base_verdict(flow).allowed


def _namespace_of(ep: Endpoint, existing: frozenset[str]) -> str | None:
    if not isinstance(ep, PodEndpoint):
        return ""
    return ep.namespace if ep.namespace in existing else None


def _side(flow: Flow, direction: str) -> Side:
    return Side.of(flow, "egress" if direction == "egress" else "ingress")


def np_isolated(cluster: Cluster, side: Side) -> bool:
    """Whether a NetworkPolicy isolates the side's pod, whether or not an admin tier decided first."""
    return isinstance(side.pod, PodEndpoint) and bool(isolating_policies(cluster, side.direction, side.pod))


def ref_fires(cluster: Cluster, ref: RuleRef, side: Side, ipblock_matches_pods: bool) -> bool:
    """The concrete twin of DiffProblem's region rules: a NetworkPolicy rule of a selecting policy admits the
    side; an admin rule is the first of its policy to match it."""
    if not isinstance(side.pod, PodEndpoint):
        return False
    if ref.kind == "NetworkPolicy":
        policy = next((p for p in cluster.policies if p.key == ref.policy), None)
        if policy is None or ref.rule is None or not selects(policy, side.pod):
            return False
        rule = policy.rules(side.direction)[ref.rule]
        return rule_admits(rule, policy.namespace, side.other, side.protocol, side.port, side.dst,
                           ipblock_matches_pods=ipblock_matches_pods)
    admin = next((p for p in cluster.admin_policies if p.key == ref.policy), None)
    if admin is None or not in_pod_set(admin.subject, side.pod):
        return False
    d = policy_decision(cluster, admin, side, admin.tier)
    return d.action not in ("nomatch", "unknown") and d.by[0].rule == ref.rule


def _admitting(cluster: Cluster, now, side: Side, ipblock_matches_pods: bool) -> frozenset[RuleRef] | None:
    """Why HEAD lets a side through: the rules that admit it (admin Allow/Pass on its chain, NetworkPolicy
    rules), or None when nothing isolates it and no admin rule decided (open)."""
    if not takes_part(now):
        return frozenset(now.allowed_by) if now.isolated else None
    refs = {r for r in deciding_refs(now) if r.rule is not None and (r.kind == "NetworkPolicy" or
                                                                     r.action in ("allow", "pass"))}
    refs = {r for r in refs if ref_fires(cluster, r, side, ipblock_matches_pods)}
    if refs or np_isolated(cluster, side):
        return frozenset(refs)
    return None


def _cilium(v: _Versions) -> bool:
    return v.semantics is not None and v.semantics.cni == "cilium"


def _calico(v: _Versions) -> bool:
    return v.semantics is not None and v.semantics.cni == "calico"


def region_of(v: _Versions, flow: Flow) -> Region:
    head, base = v.head_verdict(flow), v.base_verdict(flow)
    reasons = []
    for now, then in ((head.egress, base.egress), (head.ingress, base.ingress)):
        if not then.allowed:
            side = _side(flow, now.direction)
            why = (diff_cilium.admitting(v.head, deciding_refs(now), side) if _cilium(v)
                   else diff_calico.admitting(v.head, now, side) if _calico(v)
                   else _admitting(v.head, now, side, v.ipblock_matches_pods))
            reasons.append(SideReason(now.direction, why))
    return Region(_namespace_of(flow.src, v.namespaces), _namespace_of(flow.dst, v.namespaces), tuple(reasons))


def in_region(v: _Versions, region: Region, flow: Flow) -> bool:
    """The concrete twin of DiffProblem.region."""
    if (_namespace_of(flow.src, v.namespaces), _namespace_of(flow.dst, v.namespaces)) != (
            region.src_namespace if isinstance(flow.src, PodEndpoint) else "",
            region.dst_namespace if isinstance(flow.dst, PodEndpoint) else ""):
        return False
    for reason in region.reasons:
        side = _side(flow, reason.direction)
        if _calico(v):
            if not diff_calico.in_reason(v.head, reason.rules, side):
                return False
            continue
        if _cilium(v):
            if reason.rules is None:
                if diff_cilium.default_deny(v.head, side):
                    return False
            elif not any(diff_cilium.rule_fires(v.head, r, side) for r in reason.rules):
                return False
            continue
        if reason.rules is None:
            if np_isolated(v.head, side):
                return False
        elif not any(ref_fires(v.head, r, side, v.ipblock_matches_pods) for r in reason.rules):
            return False
    return True


@dataclass(frozen=True)
class _ClassTarget:
    """What witness minimisation keeps true: added, inside its class, outside every class found before."""

    versions: _Versions
    region: Region
    earlier: tuple[Region, ...]

    @property
    def cluster(self) -> Cluster:
        return self.versions.head

    def verdict(self, flow: Flow) -> Verdict:
        return self.versions.head_verdict(flow)

    def holds(self, flow: Flow) -> bool:
        return (self.versions.added(flow) and in_region(self.versions, self.region, flow)
                and not any(in_region(self.versions, r, flow) for r in self.earlier))


def _recheck(v: _Versions, flow: Flow) -> None:
    head, base = v.head_verdict(flow), v.base_verdict(flow)
    if head.allowed and not base.allowed:
        return
    raise InternalDisagreement(
        f"internal error: the solver says HEAD allows and BASE blocks {flow_text(flow)}, the concrete evaluator "
        f"says HEAD {'allows' if head.allowed else 'blocks'} and BASE {'allows' if base.allowed else 'blocks'} it. "
        "This is a bug in netverify; please report it with both versions of the manifests."
    )


def _opened_by(region: Region, witness: ConnectionWitness) -> tuple[RuleRef, ...]:
    out: list[RuleRef] = []
    for reason in region.reasons:
        side = witness.egress if reason.direction == "egress" else witness.ingress
        out += [r for r in (*deciding_refs(side), *side.allowed_by) if reason.rules is not None and r in reason.rules]
    return tuple(dict.fromkeys(out))


def _endpoint_words(e: EndpointWitness) -> str:
    if e.namespace is None:
        return e.ip or "an address"
    labels = ",".join(f"{k}={v}" for k, v in sorted(e.labels.items()))
    pod = f"{e.namespace}/{{{labels}}}"
    if e.workload:
        return f"{pod} (e.g. {e.workload})"
    if not e.namespace_exists:
        return f"{pod} in a namespace not created yet"
    return pod


def class_summary(region: Region, witness: ConnectionWitness) -> str:
    how = []
    for reason in region.reasons:
        how.append(f"{reason.direction} no longer isolated" if reason.rules is None else f"{reason.direction} opened")
    return (f"{_endpoint_words(witness.src)} -> {_endpoint_words(witness.dst)} "
            f"{witness.protocol}/{witness.port} ({', '.join(how)})")


def _check_preferring(session: SolverSession, problem: DiffProblem) -> CheckResult:
    """Existing workloads, else existing namespaces, else anything: the first tier that has a model.

    Only the last, unrestricted check decides sat/unsat/unknown; a preferred tier that times out just falls through.
    """
    tiers = [(problem.prefer_existing_namespaces,)]
    if problem.has_workload_preference:
        tiers.insert(0, (problem.prefer_workloads, problem.prefer_existing_namespaces))
    for assumptions in tiers:
        result = session.check(*assumptions)
        if result.sat:
            return result
    return session.check()


def added_classes(base: Cluster, head: Cluster, *, max_witnesses: int = 20, timeout_ms: int = 30000,
                  ipblock_matches_pods: bool = False, semantics: Semantics | None = None) -> ClassSearch:
    found: list[AddedClass] = []
    regions: list[Region] = []
    undecided: list[str] = []  # Calico: connections HEAD may newly allow that it cannot decide (status unknown)
    for shape in SHAPES:
        session = SolverSession(timeout_ms=timeout_ms)
        problem = DiffProblem(session, base, head, shape, ipblock_matches_pods=ipblock_matches_pods,
                              semantics=semantics)
        versions = _Versions(base, head, frozenset(problem.table.names), ipblock_matches_pods, semantics)
        if _calico(versions) and (note := diff_calico.undecided(session, problem, versions, shape)):
            undecided.append(note)
        session.add(problem.query)
        while True:
            result = _check_preferring(session, problem)
            if result.verdict == "unknown":
                note = f"symbolic diff ({shape}) gave up: {result.reason}; the classes listed may be incomplete"
                return ClassSearch(tuple(found), False, "unknown", (*undecided, note), tuple(regions))
            if result.unsat:
                break
            if len(found) >= max_witnesses:
                return ClassSearch(tuple(found), True, "unknown" if undecided else "done", tuple(undecided),
                                   tuple(regions))
            flow = extract_flow(problem, result.model).flow  # type: ignore[arg-type]  # duck-typed problem
            _recheck(versions, flow)
            region = region_of(versions, flow)
            # Calico's regions are built so that a witness always lies in its own (analyses/diff_calico.py);
            # Cilium's twins can name a region its own flow misses (a service account the region does not
            # read, found by test_diff_cilium_differential), where the class is shown as before.
            if _calico(versions) and not in_region(versions, region, flow):
                raise InternalDisagreement(f"internal error: {flow_text(flow)} is not in the class it names "
                                           f"({region}); this is a bug in netverify, please report it")
            target = _ClassTarget(versions, region, tuple(regions))
            if target.holds(flow):
                flow = minimise(target, polish(target, flow))  # type: ignore[arg-type]
            witness = build_witness(target, flow)  # type: ignore[arg-type]
            found.append(AddedClass(witness, _opened_by(region, witness), class_summary(region, witness)))
            regions.append(region)
            problem.exclude(region)
    return ClassSearch(tuple(found), False, "unknown" if undecided else "done", tuple(undecided), tuple(regions))
