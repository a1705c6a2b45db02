"""`prove`: every property of a properties file proven, refuted with a counterexample, vacuous or unknown.

Per property, one solver session (spec §5):
- unreachable: sat(fits ∧ allowed) is a counterexample; unsat proves it.
- reachable:   sat(fits ∧ ¬allowed) is a counterexample; unsat proves it.
- possible:    sat(fits ∧ allowed) is a witness that proves it; unsat refutes it.
An endpoint that can match nothing makes the property vacuous. A solver timeout or resource limit makes it
unknown, never proven. Every model is re-checked with the concrete evaluator before it is reported.
"""

from __future__ import annotations

import time
from collections.abc import Collection
from dataclasses import dataclass

from netverify.analyses.cilium_l7 import with_l7_caveats
from netverify.analyses.prove_unknown import unknown_connection
from netverify.analyses.prove_addresses import (
    MAX_ADDRESS_RETRIES, address_dependence, avoiding, dependence_reason, plan_for, without_unknown_addresses,
)
from netverify.analyses.unknown_labels import fixed_roles, flow_roles, fresh_guard, settle
from netverify.analyses.unlisted import judge_prove as judge_unlisted
from netverify.analyses.unmodelled import judge_prove
from netverify.analyses.witness import Target, build_witness, minimise, recheck, verdict_reason
from netverify.analyses.witness_fit import as_the_model_has_it, polish, two_pods, unknown_value_variants
from netverify.errors import InputError, InputErrors
from netverify.findings import ConnectionWitness, PropertyResult, ProveReport, Status
from netverify.model.cluster import Cluster
from netverify.model.flow import Flow
from netverify.model import progress
from netverify.model.kinds import KindKey
from netverify.model.properties import PropertiesFile, Property
from netverify.model.semantics import Semantics
from netverify.smt.extract import extract_flow
from netverify.smt.problem import ConnectionProblem
from netverify.smt.resolve import PortSpec, ResolvedEndpoint, resolve_endpoint, resolve_ports
from netverify.smt.session import CheckResult, SolverSession

DEFAULT_RLIMIT: int | None = None  # no resource limit unless asked: the timeout bounds each check
PREFERENCE_TIMEOUT_MS = 5000  # looking for a more readable counterexample is worth only so much time

_SIDE_WORDS = {"from": "source (from)", "to": "destination (to)"}


@dataclass(frozen=True)
class _Resolved:
    prop: Property
    src: ResolvedEndpoint
    dst: ResolvedEndpoint
    ports: PortSpec


class _Budget:
    """The whole run's time budget (`max_time_s`); each check gets at most what is left."""

    def __init__(self, max_time_s: float | None) -> None:
        self.deadline = None if max_time_s is None else time.monotonic() + max_time_s

    def remaining_ms(self) -> int | None:
        if self.deadline is None:
            return None
        return int((self.deadline - time.monotonic()) * 1000)

    @property
    def exhausted(self) -> bool:
        left = self.remaining_ms()
        return left is not None and left <= 0


def prove(
    cluster: Cluster,
    properties: PropertiesFile,
    *,
    timeout_ms: int = 30000,
    rlimit: int | None = DEFAULT_RLIMIT,
    ipblock_matches_pods: bool = False,
    max_time_s: float | None = None,
    ignore_kinds: Collection[KindKey] = frozenset(),
    semantics: Semantics | None = None,
) -> ProveReport:
    """Every property's result, fail-closed: one that an object of a policy kind netverify does not model
    could change is unknown unless `ignore_kinds` accepts that kind's risk (then it carries a caveat); see
    analyses/unmodelled.py. The library and the CLI judge alike: no caller gets an unjudged proof.
    `semantics` (the CNI's chain and its choices) wins over `ipblock_matches_pods` when given."""
    report = prove_network_policies(cluster, properties, timeout_ms=timeout_ms, rlimit=rlimit,
                                    ipblock_matches_pods=ipblock_matches_pods, max_time_s=max_time_s,
                                    semantics=semantics)
    report = with_l7_caveats(report, cluster, semantics)  # Cilium L7 rules narrow, never widen (cilium_l7)
    # Kinds not modelled, then kinds a live cluster would not list: both fail closed.
    return judge_unlisted(judge_prove(report, cluster, properties, ignore_kinds), cluster, properties, ignore_kinds)


def prove_network_policies(
    cluster: Cluster,
    properties: PropertiesFile,
    *,
    timeout_ms: int = 30000,
    rlimit: int | None = DEFAULT_RLIMIT,
    ipblock_matches_pods: bool = False,
    max_time_s: float | None = None,
    semantics: Semantics | None = None,
) -> ProveReport:
    """The verdicts of the modelled policy kinds alone, as if no unmodelled kind existed: not a result to show
    (`prove` judges these); parts of one run (prove_parallel's workers) and tests use it."""
    semantics = semantics or Semantics(ipblock_matches_pods=ipblock_matches_pods)
    ipblock_matches_pods = semantics.ipblock_matches_pods
    # Resolve everything first: a property naming a missing Service/workload is bad input, reported
    # before anything is solved (nothing half-reported).
    resolved = _resolve_all(cluster, properties.properties)
    budget = _Budget(max_time_s)
    results = []
    with progress.current().task("proving properties", total=len(resolved), unit="properties") as task:
        for item in resolved:
            if budget.exhausted:
                results.append(_result(item.prop, "unknown", 0,
                                       reason="the run's time budget (--max-time) ran out before this property"))
            else:
                prover = _PropertyProver(cluster, item, timeout_ms=timeout_ms, rlimit=rlimit,
                                         ipblock_matches_pods=ipblock_matches_pods, budget=budget,
                                         semantics=semantics)
                results.append(prover.run())
            task.advance()
    return ProveReport(properties.path, tuple(results))


def _resolve_all(cluster: Cluster, props: tuple[Property, ...]) -> list[_Resolved]:
    """Every property resolved, or every property's resolution error at once (InputErrors)."""
    resolved, errors = [], []
    for p in props:
        try:
            resolved.append(_resolve(cluster, p))
        except InputError as exc:
            errors.append(exc)
    InputErrors.raise_if_any(errors)
    return resolved


def _resolve(cluster: Cluster, prop: Property) -> _Resolved:
    src = resolve_endpoint(prop.src, "from", cluster)
    dst = resolve_endpoint(prop.dst, "to", cluster)
    return _Resolved(prop, src, dst, resolve_ports(prop, dst))


def _result(prop: Property, status: Status, duration_ms: int, **kw) -> PropertyResult:
    return PropertyResult(
        name=prop.name, status=status, expect=prop.expect, scope=prop.scope, duration_ms=duration_ms,
        span=prop.span, description=prop.description, allow_vacuous=prop.allow_vacuous, **kw,
    )


class _PropertyProver:
    def __init__(self, cluster: Cluster, item: _Resolved, *, timeout_ms: int, rlimit: int | None,
                 ipblock_matches_pods: bool, budget: _Budget, semantics: Semantics | None = None) -> None:
        self.cluster = cluster
        self.item = item
        self.prop = item.prop
        self.budget = budget
        self.started = time.monotonic()
        self.session = SolverSession(timeout_ms=timeout_ms, rlimit=rlimit)
        self.ipblock_matches_pods = ipblock_matches_pods
        self.semantics = semantics or Semantics(ipblock_matches_pods=ipblock_matches_pods)
        self.timeout_ms, self.rlimit = timeout_ms, rlimit
        self.problem = ConnectionProblem(
            self.session, cluster, item.src, item.dst, item.ports, scope=self.prop.scope,
            semantics=self.semantics,
        )
        self.example: CheckResult | None = None  # a model of `fits` alone, to explain a refuted `possible`
        self.example_rests_on_unknown_values = False

    def _done(self, status: Status, **kw) -> PropertyResult:
        return _result(self.prop, status, int((time.monotonic() - self.started) * 1000), **kw)

    def _check_in(self, session: SolverSession, *assumptions) -> CheckResult:
        """A check of another session under this run's budget."""
        left = self.budget.remaining_ms()
        if left is not None and left <= 0:
            return CheckResult("unknown", reason="the run's time budget (--max-time) ran out")
        return session.check(*assumptions, timeout_ms=left)

    def _allowed_only_under_some_resolution(self, answer: CheckResult) -> str | None:
        """`possible` needs a connection allowed whatever the implementation picks among same-priority
        policies: a witness allowed under one choice only proves nothing."""
        target = self._target(want_allowed=True)
        flow = self._flow(target, answer)
        verdict = target.verdict(flow)
        if verdict.allowed or not verdict.may_be(True):
            return None
        return ("the connection found is allowed only under some resolution of same-priority policies: "
                + verdict_reason(flow, verdict))

    def _check(self, *assumptions, cap_ms: int | None = None) -> CheckResult:
        left = self.budget.remaining_ms()
        if left is not None and left <= 0:
            return CheckResult("unknown", reason="the run's time budget (--max-time) ran out")
        caps = [c for c in (left, cap_ms) if c is not None]
        return self.session.check(*assumptions, timeout_ms=min(caps) if caps else None)

    def run(self) -> PropertyResult:
        vacuous = self._vacuity()
        if isinstance(vacuous, PropertyResult):
            return vacuous
        if vacuous is not None:
            # Still vacuous, never "proven": allow_vacuous only keeps it from failing the gate (spec §5).
            return self._done("vacuous", reason=vacuous)
        want_allowed = self.prop.expect != "reachable"
        # A counterexample is a connection some resolution of same-priority policies allows (blocks); what
        # netverify cannot decide is searched for apart (analyses/prove_unknown.py) before a proof is claimed.
        goal = self.problem.allowed if want_allowed else self.problem.denied
        self.session.add(self.problem.fits, goal)
        answer = self._check()
        if answer.verdict == "unknown":
            return self._done("unknown", reason=answer.reason)
        if answer.unsat:
            undecided = unknown_connection(self.cluster, self.item.src, self.item.dst, self.item.ports,
                                           scope=self.prop.scope, semantics=self.semantics,
                                           timeout_ms=self.timeout_ms, rlimit=self.rlimit,
                                           check=self._check_in)
            if undecided is not None:
                return self._done("unknown", reason=undecided)
            if self.prop.expect == "possible":
                return self._done("violated", reason=self._why_none())
            return self._done("proven")
        settled, answer, refs = self._settled(answer, want_allowed)
        if settled.unknown_reason is not None:
            return self._done("unknown", reason=settled.unknown_reason)
        if settled.answer is not None:
            # A model on values no selector names: asking again (readable tiers, other pairs) would free them.
            answer = settled.answer
            if refs:
                return self._done("unknown", reason=dependence_reason(refs))
        else:
            answer = self._not_hinging_on_an_address(answer, want_allowed)
            if isinstance(answer, str):
                return self._done("unknown", reason=answer)
        if self.prop.expect == "possible":
            only_some = self._allowed_only_under_some_resolution(answer)
            if only_some is not None:
                return self._done("unknown", reason=only_some)
        witness, reason = self._witness(answer, want_allowed, readable=True)
        if settled.note is not None:
            reason = f"{reason}; {settled.note}"
        if self.prop.expect == "possible":
            return self._done("proven", witness=witness)
        return self._done("violated", counterexample=witness, reason=reason)

    # ---- vacuity ----------------------------------------------------------------------------------

    def _vacuity(self) -> str | PropertyResult | None:
        """Why the property can match nothing (a reason), an unknown result, or None when it can."""
        p, item = self.problem, self.item
        for spec in (item.src, item.dst):
            side = _SIDE_WORDS[spec.role]
            if spec.empty_reason is not None:
                return f"the {side} matches nothing: {spec.empty_reason}"
            if self.prop.scope == "existing" and not spec.is_external and not p.candidates[_role(spec)].items:
                return f"the {side} matches no existing workload"
        if item.ports.empty_reason is not None:
            return f"the ports match nothing: {item.ports.empty_reason}"
        for spec, fits in ((item.src, p.fits_src), (item.dst, p.fits_dst)):
            side = _SIDE_WORDS[spec.role]
            answer = self._check(fits)
            if answer.verdict == "unknown":
                return self._done("unknown", reason=f"deciding whether the {side} can match anything: {answer.reason}")
            if answer.unsat:
                what = "no existing workload" if self.prop.scope == "existing" else "no pod or address"
                return f"the {side} can match {what}: its selectors contradict each other or the cluster"
        answer = self._check(p.fits)
        if answer.verdict == "unknown":
            return self._done("unknown", reason=f"deciding whether any connection fits: {answer.reason}")
        fresh = fresh_guard(p) if answer.sat else None
        if fresh is not None:
            # The example of a blocked connection shows existing pods only with values they surely may have.
            settled = self._check(p.fits, fresh)
            self.example_rests_on_unknown_values = not settled.sat
            answer = settled if settled.sat else answer
        if answer.unsat:
            return "no connection fits the property: the ports cannot be used towards that destination, " \
                   "or the only pair is a pod with itself, or the two ends have no address of one family"
        self.example = answer
        return None

    def _why_none(self) -> str:
        assert self.example is not None and self.example.model is not None  # set by _vacuity when not vacuous
        target = self._target(want_allowed=False)
        flow = self._flow(target, self.example)
        if self.example_rests_on_unknown_values and not target.holds(flow):
            return "no connection that fits is allowed, whatever the values of labels only the cluster knows"
        recheck(target, flow, "example of a blocked connection")
        flow = minimise(target, two_pods(target, flow))
        return "no connection that fits is allowed; for example " + verdict_reason(flow, target.verdict(flow))

    # ---- counterexamples and witnesses -----------------------------------------------------------

    def _target(self, *, want_allowed: bool) -> Target:
        item = self.item
        return Target(self.cluster, item.src, item.dst, item.ports, want_allowed, self.ipblock_matches_pods,
                      every_resolution=self.prop.expect == "possible", semantics=self.semantics)

    def _readable_model(self, first: CheckResult) -> CheckResult:
        """Prefer pods of existing workloads, then pods in existing namespaces, over pods not created yet;
        within each, a port the destination serves and ordinary outside addresses (soft: only tiers)."""
        p = self.problem
        nice = (p.prefer_served_port, p.prefer_ordinary_ips)
        if self.prop.scope == "existing":
            tiers = [nice]
        else:
            tiers = [(p.prefer_workloads, *nice), (p.prefer_workloads,), (p.prefer_namespaces, *nice),
                     (p.prefer_namespaces,), nice]
        for guards in tiers:
            answer = self._check(*guards, cap_ms=PREFERENCE_TIMEOUT_MS)
            if answer.sat:
                return answer
        return first

    def _not_hinging_on_an_address(self, first: CheckResult, want_allowed: bool) -> CheckResult | str:
        """A (readable) model whose verdict holds at every address its pods without known IPs may get; else
        another one (that pair of workloads excluded), a few times; else why the result is unknown."""
        answer = self._readable_model(first)
        plan = plan_for(self.cluster, self.item.src, self.item.dst, self.ipblock_matches_pods)
        target = self._target(want_allowed=want_allowed)
        for _ in range(MAX_ADDRESS_RETRIES):
            refs = self._address_dependence(target, answer, plan)
            if not refs:
                return answer
            if self.prop.scope == "any":
                # A pod not created yet is no existing workload: its address is not a fact the manifests miss.
                fresh = self._check(self.session.not_(self.problem.prefer_workloads), cap_ms=PREFERENCE_TIMEOUT_MS)
                if fresh.sat and not self._address_dependence(target, fresh, plan):
                    return fresh
            p, model = self.problem, answer.model
            pair = [ep.workload == model.eval(ep.workload, model_completion=True)
                    for ep in (p.src, p.dst) if not ep.is_external]
            self.session.add(self.session.not_(self.session.and_(pair)))
            retry = self._check()
            if not retry.sat:
                break
            answer = self._readable_model(retry)
        return dependence_reason(refs)


    def _settled(self, answer: CheckResult, want_allowed: bool):
        """settle's answer, the first model, and the workloads without known IPs the verdict of a settled model
        hinges on (the model shown, and the one for each combination of values when none holds for all). Under
        scope any such a model is asked again with those workloads at neither end (any such model is a
        counterexample too, with other pods), a few times; the last one is then reported as it is."""
        target = self._target(want_allowed=want_allowed)
        settled = settle(self.problem, target, self._check)
        retries = MAX_ADDRESS_RETRIES if self.prop.scope == "any" else 0
        while True:
            if settled.unknown_reason is not None or settled.answer is None:
                return settled, answer, ()
            refs = next((r for each in (settled.answer, *settled.each)
                         if (r := self._address_dependence(target, each))), ())
            if not refs or retries == 0:
                return settled, answer, refs
            retries -= 1
            avoid = avoiding(self.problem, refs)
            again = self._check(avoid)
            if not again.sat:
                return settled, answer, refs
            self.session.add(avoid)
            settled, answer = settle(self.problem, target, self._check), again

    def _address_dependence(self, target: Target, answer: CheckResult, plan=None) -> tuple[str, ...]:
        """The workloads without known IPs the model's verdict hinges on, whatever the values of the labels
        only the cluster knows are (every combination of both must keep the verdict)."""
        if plan is None:
            plan = plan_for(self.cluster, self.item.src, self.item.dst, self.ipblock_matches_pods)
        flow = self._flow(target, answer)
        for variant in unknown_value_variants(target, flow, flow_roles(flow, fixed_roles(self.problem))):
            if not target.holds(variant):
                continue  # not a counterexample for these values (settle found one for each): no address claim
            refs = address_dependence(target, variant, plan)
            if refs:
                return refs
        return ()

    def _flow(self, target: Target, answer: CheckResult) -> Flow:
        """The model's connection as the evaluator is to see it (witness_fit.as_the_model_has_it)."""
        extracted = extract_flow(self.problem, answer.model)
        return as_the_model_has_it(target, extracted.flow, extracted.as_replicas)

    def _witness(self, first: CheckResult, want_allowed: bool, readable: bool = False) -> tuple[ConnectionWitness, str]:
        answer = first if readable else self._readable_model(first)
        target = self._target(want_allowed=want_allowed)
        flow = self._flow(target, answer)
        recheck(target, flow, "witness" if self.prop.expect == "possible" else "counterexample")
        # Real workloads (kept whole), two pods, a served port, ordinary addresses; then the new pods minimised.
        flow = minimise(target, polish(target, flow))
        return without_unknown_addresses(build_witness(target, flow), flow), verdict_reason(flow, target.verdict(flow))


def _role(spec: ResolvedEndpoint) -> str:
    return "src" if spec.role == "from" else "dst"
