"""`exposure`: for every existing workload, who can reach it — decided for every pod that could exist, not
just the pods the manifests hold.

For a workload W and each of its declared ports (every port when it declares none), audiences are asked from
the widest down, each as a property that `prove` decides exactly (so every policy kind and CNI chain prove
models comes with it, and an unmodelled kind makes the answer unknown):
- "any pod in any namespace" (namespaces that do not exist yet included): every such pod reaches W;
- otherwise each existing namespace ("every pod of namespace X"), and each peer of a NetworkPolicy rule that
  admits traffic to W ("every pod matching …"), when every pod of it reaches W;
- otherwise, whether some pod can reach W at all (a witness), or none can;
- the internet: every outside address, or some (a witness).
"every pod … reaches" is a `reachable` proof over all possible pods of that audience (their own egress
policies included); each entry names the rules that let a witness connection through.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from dataclasses import dataclass

from netverify.analyses.prove import prove
from netverify.findings import ConnectionWitness, Exposure, ExposureReport, PropertyResult, WorkloadExposure
from netverify.model.cluster import Cluster, Workload
from netverify.model.ipblock import IPBlock
from netverify.model.labels import LabelSelector
from netverify.model.policy import PortMatch
from netverify.model.properties import EndpointSpec, PropertiesFile, Property
from netverify.model.responsible import deciding_refs
from netverify.model.semantics import Semantics
from netverify.model.span import Span
from netverify.model.verdict import RuleRef

_SPAN = Span("<exposure>")
INTERNET = "the internet (every address outside the cluster)"


@dataclass(frozen=True, slots=True)
class _Audience:
    label: str
    spec: EndpointSpec
    within: tuple[str, ...] = ()  # audiences that contain this one: proven for them, it need not be said


class _Asker:
    """Asks prove one property at a time over one cluster (prove judges unmodelled kinds itself)."""

    def __init__(self, cluster: Cluster, timeout_ms: int, semantics: Semantics | None, ignore_kinds) -> None:
        self.cluster, self.timeout_ms, self.semantics, self.ignore_kinds = cluster, timeout_ms, semantics, ignore_kinds
        self.caveats: dict[str, None] = {}

    def ask(self, src: EndpointSpec, dst: EndpointSpec, ports: tuple[PortMatch, ...], expect: str) -> PropertyResult:
        prop = Property("exposure", src, dst, ports, expect, "any", _SPAN)  # type: ignore[arg-type]
        report = prove(self.cluster, PropertiesFile("<exposure>", (), (prop,)), timeout_ms=self.timeout_ms,
                       semantics=self.semantics, ignore_kinds=self.ignore_kinds)
        self.caveats.update(dict.fromkeys(report.results[0].caveats))
        return report.results[0]


def exposure(cluster: Cluster, *, focus: Iterable[Workload] | None = None, timeout_ms: int = 30000,
             semantics: Semantics | None = None, ignore_kinds=frozenset()) -> ExposureReport:
    asker = _Asker(cluster, timeout_ms, semantics, ignore_kinds)
    targets = tuple(focus) if focus is not None else cluster.workloads
    seen: dict[str, None] = {}
    out = []
    for w in targets:
        if w.id in seen:
            continue  # a workload whose pods differ is one target: its spec names all of them
        seen[w.id] = None
        dst = EndpointSpec(_SPAN, namespace=w.namespace, workload=f"{w.kind}/{w.name}")
        entries: list[Exposure] = []
        for label, ports in _port_groups(w):
            entries += _pods(asker, cluster, w, dst, label, ports)
            entries += _internet(asker, dst, label, ports)
        out.append(WorkloadExposure(w.ref, tuple(entries)))
    note = ("exposure: who can open connections to each workload's declared ports (every port when it declares "
            "none), decided for every pod that could exist, their own egress policies included")
    return ExposureReport(tuple(out), (note, *report_notes(cluster)), tuple(asker.caveats))


def report_notes(cluster: Cluster) -> tuple[str, ...]:
    if not cluster.workloads:
        return ("no workloads in the manifests: nothing to expose",)
    return ()


def _port_groups(w: Workload) -> list[tuple[str, tuple[PortMatch, ...]]]:
    if not w.ports:
        return [("every port", ())]
    seen = dict.fromkeys((p.protocol, p.port) for p in w.ports)
    return [(f"{proto}/{port}", (PortMatch(proto, port, None, _SPAN),)) for proto, port in seen]


def _entry(audience: str, port: str, result: PropertyResult, when_proven: str, when_violated: str) -> Exposure:
    if result.status == "unknown":
        return Exposure(audience, port, "unknown", reason=result.reason)
    status = when_proven if result.status == "proven" else when_violated
    witness = result.witness if result.status == "proven" else result.counterexample
    return Exposure(audience, port, status, _rules(witness) if status != "none" else (), witness)


def _rules(witness: ConnectionWitness | None) -> tuple[RuleRef, ...]:
    if witness is None:
        return ()
    return tuple(dict.fromkeys((*deciding_refs(witness.egress), *deciding_refs(witness.ingress),
                                *witness.egress.allowed_by, *witness.ingress.allowed_by)))


def _pods(asker: _Asker, cluster: Cluster, w: Workload, dst: EndpointSpec, port: str,
          ports: tuple[PortMatch, ...]) -> list[Exposure]:
    anyone = EndpointSpec(_SPAN)
    some = asker.ask(anyone, dst, ports, "possible")
    if some.status != "proven":
        return [_entry("any pod", port, some, "some", "none")]  # none can (or unknown)
    every = asker.ask(anyone, dst, ports, "reachable")
    if every.status == "proven":
        return [_entry("any pod in any namespace", port, some, "every", "some")]
    if every.status == "unknown":
        return [_entry("any pod in any namespace", port, every, "every", "some")]
    found = []
    for audience in _audiences(cluster, w):
        if any(e.audience in audience.within and e.status == "every" for e in found):
            continue
        result = asker.ask(audience.spec, dst, ports, "reachable")
        if result.status == "proven":
            witness = asker.ask(audience.spec, dst, ports, "possible")
            found.append(_entry(audience.label, port, witness, "every", "some"))
        elif result.status == "unknown":
            found.append(_entry(audience.label, port, result, "every", "some"))
    if not any(e.status == "every" for e in found):
        found.append(_entry("some pods (not all of any audience above)", port, some, "some", "none"))
    return found


def _audiences(cluster: Cluster, w: Workload) -> list[_Audience]:
    """Every existing namespace, then each peer of a NetworkPolicy ingress rule of a policy selecting `w`."""
    out = [_Audience(f"every pod of namespace {ns}", EndpointSpec(_SPAN, namespace=ns))
           for ns in sorted(cluster.namespaces)]
    for policy in cluster.policies_in(w.namespace):
        if not policy.pod_selector.matches(w.labels):
            continue
        for rule in policy.rules("ingress"):
            for peer in rule.peers:
                if peer.ip_block is not None:
                    continue  # addresses: asked as the internet below
                if peer.namespace_selector is None:
                    spec = EndpointSpec(_SPAN, namespace=policy.namespace, pod_selector=peer.pod_selector)
                    label = f"every pod {_sel(peer.pod_selector)} of namespace {policy.namespace}"
                    within: tuple[str, ...] = (f"every pod of namespace {policy.namespace}",)
                else:
                    spec = EndpointSpec(_SPAN, namespace_selector=peer.namespace_selector,
                                        pod_selector=peer.pod_selector)
                    label = (f"every pod {_sel(peer.pod_selector)} of namespaces "
                             f"{_sel(peer.namespace_selector)}")
                    within = ()
                candidates = [_Audience(label, spec, within)]
                if peer.namespace_selector is not None:  # and per existing namespace it admits from
                    candidates += [
                        _Audience(f"every pod {_sel(peer.pod_selector)} of namespace {ns.name}",
                                  EndpointSpec(_SPAN, namespace=ns.name, pod_selector=peer.pod_selector),
                                  (label, f"every pod of namespace {ns.name}"))
                        for ns in sorted(cluster.namespaces.values(), key=lambda n: n.name)
                        if peer.namespace_selector.matches(ns.labels)]
                out += [a for a in candidates if all(a.label != b.label for b in out)]
    return out


def _sel(selector: LabelSelector | None) -> str:
    return "{}" if selector is None or selector.is_everything else "{" + str(selector) + "}"


def _internet(asker: _Asker, dst: EndpointSpec, port: str, ports: tuple[PortMatch, ...]) -> list[Exposure]:
    entries = []
    for cidr in ("0.0.0.0/0", "::/0"):
        outside = EndpointSpec(_SPAN, ip_block=IPBlock(ipaddress.ip_network(cidr)))
        some = asker.ask(outside, dst, ports, "possible")
        if some.status != "proven":
            if some.status == "unknown":
                entries.append(_entry(f"{INTERNET}, {cidr}", port, some, "some", "none"))
            continue
        every = asker.ask(outside, dst, ports, "reachable")
        entries.append(_entry(f"{INTERNET}, {cidr}", port, some if every.status == "proven" else every,
                              "every" if every.status == "proven" else "some", "some"))
    return entries
