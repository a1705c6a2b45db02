"""Symbolic endpoints and connections: the z3 variables one property talks about.

A pod is a namespace choice (an existing namespace by index, or a fresh one with symbolic labels), labels
over the universe (per key: present? and which value), the named container ports rules ask about, and,
only when ipBlocks can match pods, an address. An external endpoint is only an address.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

import z3

from netverify.model.calico_profile_names import profile_target
from netverify.model.cluster import NAMESPACE_NAME_LABEL, Cluster, Workload
from netverify.model.k8s_names import is_dns_subdomain, is_label_key, is_label_value, is_namespace_name
from netverify.model.ipblock import IPAddress, IPBlock
from netverify.model.ports import (
    MAX_ICMP,
    MAX_PORT,
    MAX_PROTOCOL,
    MIN_PORT,
    MIN_PROTOCOL,
    PORT_PROTOCOL_NUMBERS,
    PROTOCOLS,
    Protocol,
)
from netverify.smt.session import SolverSession
from netverify.smt.universe import KeyValues, LabelUniverse


def protocol_index(protocol: Protocol) -> int:
    """The solver's value for a protocol: its IP protocol number (0-255), so "any protocol" is all 256."""
    return Protocol(protocol).number


def read_protocol(number: int) -> Protocol:
    return Protocol.of(number)


@dataclass(frozen=True)
class NamespaceTable:
    """Existing namespaces by index; index len(names) is "a namespace not created yet"."""

    names: tuple[str, ...]
    labels: tuple[Mapping[str, str], ...]
    positions: Mapping[str, int] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "positions", {n: i for i, n in enumerate(self.names)})

    @staticmethod
    def of(cluster: Cluster) -> NamespaceTable:
        names = set(cluster.namespaces)
        names.update(w.namespace for w in cluster.workloads)
        names.update(p.namespace for p in cluster.policies)
        names.update(s.namespace for s in cluster.services)
        # Calico's namespaced objects name namespaces too (a new namespace never takes such a name).
        names.update(o.namespace for o in (*cluster.calico.policies, *cluster.calico.network_sets) if o.namespace)
        # A kns.<ns> / ksa.<ns>.<sa> Profile is Calico's own, made from a namespace that exists.
        names.update(t[0] for t in map(profile_target, (p.name for p in cluster.calico.profiles)) if t)
        ordered = tuple(sorted(names))
        return NamespaceTable(ordered, tuple(dict(cluster.namespace_labels(n)) for n in ordered))

    @property
    def fresh_index(self) -> int:
        return len(self.names)

    def index(self, name: str) -> int | None:
        return self.positions.get(name)


class SymbolicLabels:
    """A label map over the universe: per key a Bool (present) and an Int (which value; last = fresh)."""

    def __init__(self, session: SolverSession, universe: LabelUniverse, prefix: str) -> None:
        self.session = session
        self.universe = universe
        self.has = {k: session.bool(f"{prefix}.has[{k}]") for k in universe.keys}
        self.val = {k: session.int(f"{prefix}.val[{k}]") for k in universe.keys}

    def domain(self, carried: Mapping[str, frozenset[str]] | None = None) -> list[z3.BoolRef]:
        """Values in range, and no key or value the API server would reject (a selector may name one; no
        pod can carry it) unless `carried`: invalid values an object read from the manifests does carry."""
        out = [z3.And(v >= 0, v <= self.universe.keys[k].fresh_index) for k, v in self.val.items()]
        for key, kv in self.universe.keys.items():
            allowed = (carried or {}).get(key, frozenset())
            if not is_label_key(key) and not allowed:
                out.append(z3.Not(self.has[key]))
                continue
            out += [self.val[key] != i for i, v in enumerate(kv.values) if not is_label_value(v) and v not in allowed]
        return out

    def equals(self, labels: Mapping[str, str], free: frozenset[str] = frozenset()) -> z3.BoolRef:
        """Exactly `labels` (on the universe); a key in `free` is present with any value (one the cluster knows)."""
        s = self.session
        parts = []
        for key, index in self.universe.project(labels).items():
            if key in free and index is not None:
                parts.append(self.has[key])
            elif index is None:
                parts.append(s.not_(self.has[key]))
            else:
                parts += [self.has[key], s.eq(self.val[key], index)]
        return s.and_(parts)

    def read(self, model: z3.ModelRef) -> dict[str, str]:
        out = {}
        for key, kv in self.universe.keys.items():
            if z3.is_true(model.eval(self.has[key], model_completion=True)):
                out[key] = kv.value(model.eval(self.val[key], model_completion=True).as_long())
        return out


class SymbolicIP:
    """An IPv4 or IPv6 address (a version choice plus both bit-vectors); `present` false: no address known."""

    def __init__(self, session: SolverSession, prefix: str) -> None:
        self.session = session
        self.present = session.bool(f"{prefix}.ip.present")
        self.v6 = session.bool(f"{prefix}.ip.v6")
        self.bits4 = session.bitvec(f"{prefix}.ip.v4", 32)
        self.bits6 = session.bitvec(f"{prefix}.ip.v6bits", 128)

    def _in_network(self, net: ipaddress.IPv4Network | ipaddress.IPv6Network) -> z3.BoolRef:
        width = 32 if net.version == 4 else 128
        bits = self.bits4 if net.version == 4 else self.bits6
        version = z3.Not(self.v6) if net.version == 4 else self.v6
        if net.prefixlen == 0:
            return version
        top = z3.Extract(width - 1, width - net.prefixlen, bits)
        prefix = int(net.network_address) >> (width - net.prefixlen)
        return z3.And(version, top == z3.BitVecVal(prefix, net.prefixlen, self.session.ctx))

    def in_block(self, block: IPBlock) -> z3.BoolRef:
        parts = [self.present, self._in_network(block.cidr)]
        parts += [z3.Not(self._in_network(e)) for e in block.excepts]
        return z3.And(parts)

    def equals(self, ip: IPAddress | None) -> z3.BoolRef:
        if ip is None:
            return z3.Not(self.present)
        if ip.version == 4:
            return z3.And(self.present, z3.Not(self.v6), self.bits4 == int(ip))
        return z3.And(self.present, self.v6, self.bits6 == int(ip))

    def of_families(self, families: tuple[int, ...]) -> z3.BoolRef:
        """Some address of one of the IP versions `families`."""
        if set(families) == {4}:
            return z3.And(self.present, z3.Not(self.v6))
        if set(families) == {6}:
            return z3.And(self.present, self.v6)
        return self.present

    def same_family(self, other: SymbolicIP) -> z3.BoolRef:
        """A connection uses one address of each end, of one family (an end without an address fits any)."""
        return z3.Implies(z3.And(self.present, other.present), self.v6 == other.v6)

    def read(self, model: z3.ModelRef) -> IPAddress | None:
        if not z3.is_true(model.eval(self.present, model_completion=True)):
            return None
        if z3.is_true(model.eval(self.v6, model_completion=True)):
            return ipaddress.IPv6Address(model.eval(self.bits6, model_completion=True).as_long())
        return ipaddress.IPv4Address(model.eval(self.bits4, model_completion=True).as_long())


@dataclass(frozen=True)
class NamedPortVars:
    """One container port called `name` on the pod, if `has`: its number and protocol. A pod has a tuple of
    these per name: two containers may name a port alike (the API server only warns), and a named-port rule
    then matches each of them."""

    has: z3.BoolRef
    number: z3.ArithRef
    protocol: z3.ArithRef


def port_slots(names: Iterable[str], workloads: Iterable[Workload]) -> dict[str, int]:
    """How many ports per name a pod needs to be exact: as many as any of `workloads` has under that name
    (an existing pod has exactly its own), and at least one. One is enough for a pod not created yet: a
    connection has one protocol and one port, so whether a name matches depends only on whether the pod
    has that very (name, protocol, number), which one slot can say either way."""
    slots = dict.fromkeys(names, 1)
    for w in workloads:
        for name in slots:
            slots[name] = max(slots[name], len(named_entries(w, name)))
    return slots


def named_entries(workload: Workload, name: str) -> tuple[tuple[int, int], ...]:
    """The distinct (number, protocol index) pairs `workload` gives port `name`, in a fixed order."""
    return tuple(sorted({(cp.port, protocol_index(cp.protocol)) for cp in workload.ports if cp.name == name}))


@dataclass(frozen=True)
class SymbolicServiceAccount:
    """A pod's spec.serviceAccountName (Cilium identities select on it) over the names selectors mention;
    the last index is a name none of them mentions."""

    value: z3.ArithRef
    names: KeyValues

    def equals(self, name: str) -> z3.BoolRef:
        return self.value == self.names.index(name)

    def domain(self, carried: Iterable[str] = ()) -> list[z3.BoolRef]:
        """In range, and no name a ServiceAccount cannot have (a DNS subdomain) unless a workload read from the
        manifests carries it."""
        keep = set(carried)
        out = [self.value >= 0, self.value <= self.names.fresh_index]
        out += [self.value != i for i, v in enumerate(self.names.values) if not is_dns_subdomain(v) and v not in keep]
        return out

    def read(self, model: z3.ModelRef) -> str:
        return self.names.value(model.eval(self.value, model_completion=True).as_long())


@dataclass
class SymbolicPod:
    role: str  # "src" / "dst": names the variables
    ns: z3.ArithRef
    ns_labels: SymbolicLabels  # the labels of the namespace when it is a fresh one
    labels: SymbolicLabels
    named_ports: dict[str, tuple[NamedPortVars, ...]]  # per name, every port the pod may call so
    ip: SymbolicIP
    workload: z3.ArithRef  # index into cluster.workloads when the pod is a replica of one; -1 otherwise
    namespaces: frozenset[str] = frozenset()  # existing namespaces it may be in
    may_be_fresh: bool = True  # whether it may be in a namespace not created yet
    fresh_name: str | None = None  # the fresh namespace's name when the property names one
    service_account: SymbolicServiceAccount | None = None  # only where Cilium identities are modelled

    @property
    def is_external(self) -> bool:
        return False


@dataclass
class SymbolicExternal:
    role: str
    ip: SymbolicIP
    block: IPBlock | None = None

    @property
    def is_external(self) -> bool:
        return True


SymbolicEndpoint = SymbolicPod | SymbolicExternal


@dataclass
class SymbolicConnection:
    """protocol: the IP protocol number 0-255. A port protocol (TCP, UDP, SCTP, UDPLite) has a destination
    `port` and a `src_port` (1-65535); ICMP / ICMPv6 an `icmp_type` and `icmp_code` (0-255); what a protocol
    does not carry is fixed at 0, so one connection has one model (model/flow.py Flow)."""

    protocol: z3.ArithRef
    port: z3.ArithRef
    extra: list[z3.BoolRef] = field(default_factory=list)
    src_port: z3.ArithRef | None = None
    icmp_type: z3.ArithRef | None = None
    icmp_code: z3.ArithRef | None = None
    # Whether some formula (a property entry, a layer's rule) reads the source port / the ICMP type and code:
    # only then does a counterexample show them (a value nothing reads would be noise, not a fact).
    reads_src_port: bool = False
    reads_icmp: bool = False

    @staticmethod
    def new(session: SolverSession, prefix: str = "conn") -> SymbolicConnection:
        return SymbolicConnection(session.int(f"{prefix}.protocol"), session.int(f"{prefix}.port"),
                                  src_port=session.int(f"{prefix}.src_port"),
                                  icmp_type=session.int(f"{prefix}.icmp_type"),
                                  icmp_code=session.int(f"{prefix}.icmp_code"))

    def has_ports(self) -> z3.BoolRef:
        return z3.Or([self.protocol == n for n in sorted(PORT_PROTOCOL_NUMBERS)])

    def is_icmp(self) -> z3.BoolRef:
        return z3.Or(self.protocol == Protocol.ICMP.number, self.protocol == Protocol.ICMPv6.number)

    def domain(self) -> list[z3.BoolRef]:
        out = [self.protocol >= MIN_PROTOCOL, self.protocol <= MAX_PROTOCOL]
        ported = self.has_ports()
        for var in (self.port, self.src_port):
            if var is not None:
                out.append(z3.If(ported, z3.And(var >= MIN_PORT, var <= MAX_PORT), var == 0))
        icmp = self.is_icmp()
        for var in (self.icmp_type, self.icmp_code):
            if var is not None:
                out.append(z3.If(icmp, z3.And(var >= 0, var <= MAX_ICMP), var == 0))
        return out


def new_pod(
    session: SolverSession, role: str, universe: LabelUniverse, port_names: tuple[str, ...],
    slots: Mapping[str, int] | None = None,
) -> SymbolicPod:
    """`slots`: ports per name (port_slots); one per name when not given."""
    named = {
        name: tuple(
            NamedPortVars(
                session.bool(f"{role}.port[{name}#{i}].has"),
                session.int(f"{role}.port[{name}#{i}].number"),
                session.int(f"{role}.port[{name}#{i}].protocol"),
            )
            for i in range((slots or {}).get(name, 1))
        )
        for name in port_names
    }
    return SymbolicPod(
        role=role,
        ns=session.int(f"{role}.ns"),
        ns_labels=SymbolicLabels(session, universe, f"{role}.nslabels"),
        labels=SymbolicLabels(session, universe, f"{role}.labels"),
        named_ports=named,
        ip=SymbolicIP(session, role),
        workload=session.int(f"{role}.workload"),
    )


def carried_invalid_labels(universe: LabelUniverse, workloads: Iterable[Workload]) -> dict[str, frozenset[str]]:
    """Per universe key, the values no pod could be given today but some workload read from the manifests
    carries (a lenient read): a pod the solver picks may be one of those, so they stay possible."""
    invalid = {k: {v for v in kv.values if not is_label_value(v)} for k, kv in universe.keys.items()}
    invalid = {k: vs for k, vs in invalid.items() if vs or not is_label_key(k)}
    if not invalid:
        return {}
    found: dict[str, set[str]] = {}
    for w in workloads:
        for key, values in invalid.items():
            value = w.labels.get(key)
            if key in w.unknown_labels:
                continue  # UNKNOWN_LABEL_VALUE stands for a valid value the cluster knows, never an invalid one
            if value is not None and (value in values or not is_label_key(key)):
                found.setdefault(key, set()).add(value)
    return {k: frozenset(vs) for k, vs in found.items()}


def pod_domain(
    pod: SymbolicPod, table: NamespaceTable, universe: LabelUniverse,
    carried: Mapping[str, frozenset[str]] | None = None,
) -> list[z3.BoolRef]:
    """What every pod satisfies: a namespace in range, labels in the universe, a fresh namespace carrying
    its name label with a name no existing namespace has and that can be a namespace's name (a selector
    value like `Monitoring_NS` names no namespace, new or old), valid label keys and values (`carried`: see
    carried_invalid_labels), well-formed named ports."""
    out = [pod.ns >= 0, pod.ns <= table.fresh_index]
    out += pod.labels.domain(carried) + pod.ns_labels.domain()  # a new namespace carries only valid labels
    name_key = universe.keys.get(NAMESPACE_NAME_LABEL)
    if name_key is not None:
        out.append(pod.ns_labels.has[NAMESPACE_NAME_LABEL])
        taken = [name_key.index(n) for n in table.names if name_key.index(n) != name_key.fresh_index]
        out += [pod.ns_labels.val[NAMESPACE_NAME_LABEL] != i for i in taken]
        impossible = [i for i, v in enumerate(name_key.values) if not is_namespace_name(v)]
        out += [pod.ns_labels.val[NAMESPACE_NAME_LABEL] != i for i in impossible]
    for vars_ in (v for per_name in pod.named_ports.values() for v in per_name):
        # A container port is TCP, UDP or SCTP (core/v1 ContainerPort.protocol).
        out += [vars_.number >= 1, vars_.number <= 65535, z3.Or([vars_.protocol == protocol_index(p) for p in PROTOCOLS])]
    return out


def icmp_family(conn: SymbolicConnection, ips: Iterable[SymbolicIP]) -> list[z3.BoolRef]:
    """ICMP is IPv4's and ICMPv6 IPv6's (RFC 792, RFC 4443): an address outside the cluster has that family.
    Callers pass the outside ends only: a pod may have an address of each family in use (dual stack) whatever
    the one modelled for ipBlocks is, so its family does not restrict the protocol."""
    out = []
    for ip in ips:
        out.append(z3.Implies(z3.And(ip.present, conn.protocol == Protocol.ICMP.number), z3.Not(ip.v6)))
        out.append(z3.Implies(z3.And(ip.present, conn.protocol == Protocol.ICMPv6.number), ip.v6))
    return out
