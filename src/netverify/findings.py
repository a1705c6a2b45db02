"""The result records every analysis returns and every renderer reads. Pure data, no logic beyond views.

Analyses (prove, map, diff, explain) build these; report/* renders them; the CLI maps them to exit codes.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

from netverify.model.ports import PROTOCOLS, PortRanges, Protocol, describe_connection
from netverify.model.span import Span
from netverify.model.verdict import RuleRef, SideVerdict

Status = Literal["proven", "violated", "vacuous", "unknown"]
Expect = Literal["unreachable", "reachable", "possible"]
Scope = Literal["any", "existing"]


@dataclass(frozen=True, slots=True)
class EndpointWitness:
    """A concrete pod (or external address) that takes part in a counterexample or witness."""

    namespace: str | None  # None for an external address
    namespace_labels: Mapping[str, str]
    labels: Mapping[str, str]
    workload: str | None  # `ns/name[Kind]` of an existing workload that fits, else None
    ip: str | None
    namespace_exists: bool = True
    container_ports: tuple[tuple[str, int, str], ...] = ()  # (name, port, protocol) a named-port rule needs
    service_account: str | None = None  # a new pod's spec.serviceAccountName, where a Cilium identity reads it


@dataclass(frozen=True, slots=True)
class ConnectionWitness:
    """One concrete connection, re-checked by the concrete evaluator, with the rules that decide it."""

    src: EndpointWitness
    dst: EndpointWitness
    protocol: Protocol
    port: int  # the destination port (0 for a protocol without ports)
    egress: SideVerdict
    ingress: SideVerdict
    pod_manifests: str
    src_port: int | None = None  # port protocols: the source port the connection uses
    icmp_type: int | None = None  # ICMP / ICMPv6: the message's type and code
    icmp_code: int | None = None

    @property
    def service(self) -> str:
        """What the connection uses, as reports print it: `TCP/80`, `ICMP type 8 code 0`, `protocol 47`."""
        return describe_connection(self.protocol, self.port, self.src_port, self.icmp_type, self.icmp_code)

    @property
    def allowed(self) -> bool:
        return self.egress.allowed and self.ingress.allowed


@dataclass(frozen=True, slots=True)
class PropertyWarning:
    """Something in a property that is probably a typo (analyses/property_lint.py); never changes a verdict."""

    kind: Literal["label-key", "label-value", "namespace"]
    field: str  # where in the property, e.g. `from.podSelector`
    name: str  # what is written: a key, `key=value`, or a namespace name
    suggestion: str | None  # the nearest existing one, when something is near
    message: str
    span: Span  # the endpoint in the properties file


@dataclass(frozen=True, slots=True)
class PropertyResult:
    name: str
    status: Status
    expect: Expect
    scope: Scope
    duration_ms: int
    span: Span  # where the property is written
    description: str | None = None
    counterexample: ConnectionWitness | None = None  # violated
    witness: ConnectionWitness | None = None  # proven `possible`
    reason: str | None = None  # unknown / vacuous / refuted possible: why
    allow_vacuous: bool = False  # copied from the property: a vacuous result then does not fail
    warnings: tuple[PropertyWarning, ...] = ()  # probable typos in the property (see property_lint)
    caveats: tuple[str, ...] = ()  # accepted risks the result stands on (--ignore-kind, narrowing-only kinds)

    @property
    def fails(self) -> bool:
        """A failure for a gate (exit 1): violated, or vacuous where the property does not allow it."""
        return self.status == "violated" or (self.status == "vacuous" and not self.allow_vacuous)


@dataclass(frozen=True, slots=True)
class FixSuggestion:
    """`prove --suggest-fix` for one violated property (analyses/fix.py): status found (edits, the unified diff
    of the manifests, and the properties re-proven to still hold after it) or none (with the reason)."""

    property: str
    status: Literal["found", "none"]
    edits: tuple[str, ...] = ()
    diff: str = ""
    still_proven: tuple[str, ...] = ()
    reason: str | None = None


@dataclass(frozen=True, slots=True)
class ProveReport:
    properties_file: str
    results: tuple[PropertyResult, ...]
    notes: tuple[str, ...] = ()  # skipped kinds, warnings, modelling caveats
    overlaps: tuple[SamePriorityOverlap, ...] = ()  # same-priority admin policies a connection makes ambiguous
    fixes: tuple[FixSuggestion, ...] = ()  # --suggest-fix: one per violated property

    def count(self, status: Status) -> int:
        return sum(1 for r in self.results if r.status == status)


# ---- map ---------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class WorkloadNode:
    namespace: str
    name: str
    kind: str
    type: Literal["workload"] = "workload"

    @property
    def label(self) -> str:
        return f"{self.namespace}/{self.name}[{self.kind}]"

    @property
    def shown(self) -> str:
        return self.label


@dataclass(frozen=True, slots=True)
class IPRangeNode:
    start: str
    end: str
    cidrs: tuple[str, ...]
    type: Literal["ip"] = "ip"

    @property
    def label(self) -> str:
        return f"{self.start}-{self.end}" if self.start != self.end else self.start

    @property
    def shown(self) -> str:
        """For people: the CIDR when the range is exactly one (`10.0.0.0/8`, `0.0.0.0/0`), else `label`."""
        return self.cidrs[0] if self.start != self.end and len(self.cidrs) == 1 else self.label


@dataclass(frozen=True, slots=True)
class WorkloadGroupNode:
    """Workloads alike in every connection (same peers, same ports, both directions), shown as one row end:
    `ns12/{tier=web} ×312`. A row from a group to itself stands for every member to every *other* member."""

    namespace: str
    name: str  # `{labels all members share} ×N` (made unique within the map by analyses/map_groups.py)
    members: tuple[WorkloadNode, ...]  # two or more, sorted as the per-pair rows are
    type: Literal["group"] = "group"

    @property
    def label(self) -> str:
        return f"{self.namespace}/{self.name}"

    @property
    def shown(self) -> str:
        return self.label


MapNode = WorkloadNode | IPRangeNode | WorkloadGroupNode


@dataclass(frozen=True, slots=True)
class Connection:
    """Everything allowed from src to dst, per protocol, as merged port ranges (absent protocol: nothing)."""

    src: MapNode
    dst: MapNode
    protocols: Mapping[Protocol, PortRanges]  # TCP, UDP, SCTP (model/ports.PROTOCOLS)
    # Every other IP protocol (ICMP, ICMPv6, UDPLite, ...) on every port / type: NetworkPolicy and admin policies
    # admit all of them or none (eval/portset.py PortSet.other).
    other_protocols: bool = False

    @property
    def is_all(self) -> bool:
        return self.other_protocols and all(self.protocols.get(p, PortRanges()).is_all for p in PROTOCOLS)


@dataclass(frozen=True, slots=True)
class ConnectivityMap:
    # per (workload, workload or IP range) pair; `grouped`: per pair of groups (WorkloadGroupNode ends), which
    # analyses/map_groups.expand turns back into exactly the per-pair rows (a lazy Sequence at scale)
    connections: Sequence[Connection]
    notes: tuple[str, ...] = ()
    unknown_reason: str | None = None  # set: the map may be wrong (e.g. a policy kind not modelled), exit 3
    caveats: tuple[str, ...] = ()  # accepted risks the map stands on
    no_workloads: bool = False  # the manifests hold no workload: nothing to map (not "nothing allowed")
    # (src label, dst label) of each row whose ports depend on the address of a pod the manifests give none for
    # (the row shows what some address allows; the notes name them too)
    address_dependent: tuple[tuple[str, str], ...] = ()
    grouped: bool = False


# ---- explain -----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Explanation:
    src: str
    dst: str
    protocol: Protocol
    port: int
    allowed: bool
    egress: SideVerdict
    ingress: SideVerdict
    notes: tuple[str, ...] = ()
    unknown_reason: str | None = None  # set: the verdict may be wrong (e.g. a policy kind not modelled), exit 3
    caveats: tuple[str, ...] = ()  # accepted risks the verdict stands on
    # --ipblock-matches-pods: the verdict per pair of addresses when it differs between them (`allowed` and
    # the sides are the first pair's); `address_unknown` when that is because a pod's IP is not known (exit 3)
    depends_on_address: tuple[str, ...] = ()
    address_unknown: bool = False
    # allow / deny / ambiguous (same-priority admin policies disagree: the CNI picks) / unknown; None: `allowed`
    decision: str | None = None
    # `--port A-B` (or a named port): the same verdict, rule for rule, for every port from `port` to `port_end`
    port_end: int | None = None
    port_name: str | None = None  # `--port postgres`: the destination's container port it names

    @property
    def port_label(self) -> str:
        if not Protocol(self.protocol).has_ports:  # ICMP and the others: no port to print
            return describe_connection(self.protocol)
        ports = f"{self.port}-{self.port_end}" if self.port_end not in (None, self.port) else str(self.port)
        return f"{self.protocol}/{ports}" + (f" ({self.port_name})" if self.port_name else "")


@dataclass(frozen=True, slots=True)
class PortExplanations:
    """`explain --port A-B` (or a named port with several ports) where the verdict or its rules differ between
    ports: one explanation per run of ports that agree, in port order."""

    parts: tuple[Explanation, ...]

    @property
    def notes(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(n for e in self.parts for n in e.notes))

    @property
    def unknown_reason(self) -> str | None:
        return next((e.unknown_reason for e in self.parts if e.unknown_reason), None)

    @property
    def caveats(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(c for e in self.parts for c in e.caveats))


# ---- diff --------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PairChange:
    """A workload pair (or IP range) whose allowed set changed between BASE and HEAD."""

    src: MapNode
    dst: MapNode
    added: Mapping[Protocol, PortRanges]
    removed: Mapping[Protocol, PortRanges]
    added_by: tuple[RuleRef, ...] = ()  # HEAD rules that admit an added connection
    removed_by: tuple[RuleRef, ...] = ()  # BASE rules that admitted a removed connection


@dataclass(frozen=True, slots=True)
class AddedClass:
    """A class of connections HEAD allows and BASE does not, for pods that may not exist yet."""

    witness: ConnectionWitness
    opened_by: tuple[RuleRef, ...]
    summary: str


@dataclass(frozen=True, slots=True)
class DiffReport:
    base: str
    head: str
    changes: tuple[PairChange, ...]
    added_classes: tuple[AddedClass, ...] = ()
    more_classes: bool = False  # enumeration stopped at --max-witnesses
    symbolic_status: Literal["done", "skipped", "unknown"] = "done"
    notes: tuple[str, ...] = field(default_factory=tuple)
    unknown_reason: str | None = None  # set: the diff may be wrong (e.g. a policy kind not modelled), exit 3
    caveats: tuple[str, ...] = ()  # accepted risks the diff stands on
    # connections of workloads only in HEAD that BASE's policies would already allow (analyses/diff_new_workloads):
    # no policy change opened them; they fail only `--fail-on new-workloads`
    new_workloads: tuple[PairChange, ...] = ()
    # classes whose witness is a pair listed in `changes` on a port it newly allows: that change again, so not
    # rendered (the same change is shown once); kept so that callers can see the class exists
    repeated_classes: tuple[AddedClass, ...] = ()

    @property
    def has_added(self) -> bool:
        return any(c.added for c in self.changes) or bool(self.added_classes)

    @property
    def has_changed(self) -> bool:
        return bool(self.changes) or bool(self.added_classes)


@dataclass(frozen=True, slots=True)
class EquivReport:
    """`equiv A B`: the connections only one of two versions allows, for the existing workloads and for every
    pod that could exist. Each side is a diff: `a_only` is diff(base=B, head=A), whose added connections and
    classes are what A allows and B does not; `b_only` the other way round, None for `--contains` (A within B
    asks only about `a_only`)."""

    a: str
    b: str
    a_only: DiffReport
    b_only: DiffReport | None
    notes: tuple[str, ...] = ()

    @property
    def contains(self) -> bool:
        return self.b_only is None

    @property
    def sides(self) -> tuple[DiffReport, ...]:
        return (self.a_only,) if self.b_only is None else (self.a_only, self.b_only)

    @property
    def unknown_reason(self) -> str | None:
        return next((d.unknown_reason for d in self.sides if d.unknown_reason), None)

    @property
    def caveats(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(c for d in self.sides for c in d.caveats))

    @property
    def existing_differ(self) -> bool:
        return any(c.added for d in self.sides for c in d.changes)

    @property
    def every_pod_status(self) -> Literal["equal", "differ", "unknown", "skipped"]:
        """For every possible pod: a class found is a difference even when the other search gave up."""
        if any(d.added_classes for d in self.sides):
            return "differ"
        if any(d.symbolic_status == "unknown" for d in self.sides):
            return "unknown"
        if any(d.symbolic_status == "skipped" for d in self.sides):
            return "skipped"
        return "equal"

    @property
    def differ(self) -> bool:
        return self.existing_differ or self.every_pod_status == "differ"


@dataclass(frozen=True, slots=True)
class Exposure:
    """`exposure`: one audience of one workload port (analyses/exposure.py). status: every (every pod of the
    audience reaches it), some (a witness does, not all), none (no pod of any namespace can), unknown (with
    `reason`)."""

    audience: str
    port: str
    status: str
    by: tuple[RuleRef, ...] = ()
    witness: ConnectionWitness | None = None
    reason: str | None = None


@dataclass(frozen=True, slots=True)
class WorkloadExposure:
    workload: str
    entries: tuple[Exposure, ...]


@dataclass(frozen=True, slots=True)
class ExposureReport:
    workloads: tuple[WorkloadExposure, ...]
    notes: tuple[str, ...] = ()
    caveats: tuple[str, ...] = ()  # accepted risks (--ignore-kind) the answers stand on

    @property
    def unknown_reason(self) -> str | None:
        return next((e.reason or "unknown" for w in self.workloads for e in w.entries if e.status == "unknown"),
                    None)


Severity = Literal["error", "warning", "note"]

# `lint`'s checks: (name, SARIF rule id, default severity, what it finds). Ids are a contract: never renumbered.
LINT_CHECKS: tuple[tuple[str, str, Severity, str], ...] = (
    ("empty-rules-without-policy-types", "NV501", "warning",
     "`ingress: []` or `egress: []` without policyTypes: the API server's defaulting decides what it isolates."),
    ("rules-outside-policy-types", "NV502", "error",
     "A policy has rules for a direction its policyTypes leaves out: those rules never apply."),
    ("and-or-peers", "NV503", "warning",
     "A podSelector-only peer next to a namespaceSelector-only peer in separate items (OR) where one item (AND) "
     "was probably meant."),
    ("every-namespace-peer", "NV504", "warning",
     "`namespaceSelector: {}` with a podSelector admits that label from every namespace, kube-system and "
     "namespaces not created yet included."),
    ("egress-without-dns", "NV505", "warning",
     "Pods isolated for egress with no rule that lets them reach DNS (UDP/53) anywhere."),
    ("selector-selects-nothing", "NV506", "warning",
     "A selector matches no existing pod or namespace (and, when said, no pod that could exist)."),
    ("named-port-undefined", "NV507", "warning",
     "A named port no destination pod defines (or defines for another protocol)."),
    ("ipblock-covers-pods", "NV508", "warning",
     "An ipBlock covers known pod addresses: whether it matches pods depends on the CNI."),
    ("namespace-missing", "NV509", "warning", "A policy in a namespace the manifests do not declare."),
    ("redundant-policy", "NV510", "note",
     "Removing the policy changes no connection of any pod that could exist (proven)."),
    ("redundant-rule", "NV511", "note",
     "Removing the rule changes no connection of any pod that could exist: the other rules cover it (proven)."),
    ("same-priority-overlap", "NV301", "warning",
     "Two admin policies of one tier and priority match a connection with different actions."),
)
LINT_CHECK = {name: (rule_id, severity, short) for name, rule_id, severity, short in LINT_CHECKS}


@dataclass(frozen=True, slots=True)
class LintFinding:
    """One finding of `lint`: a check (LINT_CHECKS) at the place it is about, with a witness where one applies."""

    check: str
    message: str
    span: Span
    related: tuple[Span, ...] = ()
    witness: ConnectionWitness | None = None

    @property
    def rule_id(self) -> str:
        return LINT_CHECK[self.check][0]

    @property
    def severity(self) -> Severity:
        return LINT_CHECK[self.check][1]


@dataclass(frozen=True, slots=True)
class LintReport:
    findings: tuple[LintFinding, ...]
    notes: tuple[str, ...] = ()
    unknown_reason: str | None = None  # set: a check could not be decided (a kind not modelled, solver time)
    caveats: tuple[str, ...] = ()

    def count(self, severity: Severity) -> int:
        return sum(1 for f in self.findings if f.severity == severity)


# ---- a run that stopped before it had a result -------------------------------------------------


@dataclass(frozen=True, slots=True)
class RunProblem:
    """One thing that stopped the run: a bad input (file, line, field) or a usage or internal error (no file)."""

    message: str
    file: str | None = None
    line: int | None = None
    field: str | None = None
    text: str = ""  # the line netverify prints for it on stderr (`file:line: error: field: message`)


@dataclass(frozen=True, slots=True)
class FailedRun:
    """What the requested reports (`--report FORMAT=PATH`) say when the run has no result to show: CI shows
    the error where people look for the result. Never a pass: exit 2 (bad input or usage) or 3 (our fault)."""

    command: str  # prove, map, explain or diff
    problems: tuple[RunProblem, ...]
    exit_code: int
    kind: Literal["input", "internal"] = "input"


# ---- fleet -------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class FleetSection:
    """One cluster of a fleet: its prove report, as `prove` would give it for that cluster alone."""

    name: str
    source: str  # what the cluster was read from, in words
    report: ProveReport
    unknown_reason: str | None = None  # set: the cluster could not be proven at all (e.g. its loader died)

    @property
    def unknown(self) -> bool:
        return self.unknown_reason is not None or any(r.status == "unknown" for r in self.report.results)


@dataclass(frozen=True, slots=True)
class FleetReport:
    fleet_file: str
    engine: str  # "local" or "ray"
    sections: tuple[FleetSection, ...]  # in the fleet file's order
    notes: tuple[str, ...] = ()

    def count(self, status: Status) -> int:
        return sum(s.report.count(status) for s in self.sections)
# ---- same-priority overlaps (issue 10) -----------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SamePriorityOverlap:
    """Two policies of one tier and priority that both match `witness` with different actions: the API leaves
    the outcome to the implementation (analyses/ambiguity.py). `first`/`second` are the rules that fire."""

    tier: str
    priority: int
    direction: str
    first: RuleRef
    second: RuleRef
    witness: ConnectionWitness
