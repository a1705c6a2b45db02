"""The result records every analysis returns and every renderer reads. Pure data, no logic beyond views.

Analyses (prove, map, diff, explain) build these; report/* renders them; the CLI maps them to exit codes.
"""

from __future__ import annotations

from collections.abc import Mapping
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
class ProveReport:
    properties_file: str
    results: tuple[PropertyResult, ...]
    notes: tuple[str, ...] = ()  # skipped kinds, warnings, modelling caveats
    overlaps: tuple[SamePriorityOverlap, ...] = ()  # same-priority admin policies a connection makes ambiguous

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


@dataclass(frozen=True, slots=True)
class IPRangeNode:
    start: str
    end: str
    cidrs: tuple[str, ...]
    type: Literal["ip"] = "ip"

    @property
    def label(self) -> str:
        return f"{self.start}-{self.end}" if self.start != self.end else self.start


MapNode = WorkloadNode | IPRangeNode


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
    connections: tuple[Connection, ...]
    notes: tuple[str, ...] = ()
    unknown_reason: str | None = None  # set: the map may be wrong (e.g. a policy kind not modelled), exit 3
    caveats: tuple[str, ...] = ()  # accepted risks the map stands on


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

    @property
    def has_added(self) -> bool:
        return any(c.added for c in self.changes) or bool(self.added_classes)

    @property
    def has_changed(self) -> bool:
        return bool(self.changes) or bool(self.added_classes)


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
