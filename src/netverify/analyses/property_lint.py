"""Probable typos in a property: a label or namespace nothing in the manifests knows.

Under `scope: any` a property about `ap: frontend` (meant: `app`) is about pods nobody has written a policy
for, and is usually PROVEN — truly, but about the wrong pods. The verdict stands (it is correct for what is
written); the result carries a warning, and `prove --strict` fails on it.

The rule (docs/semantics.md, "Warnings on properties"): for an endpoint that selects pods (not a service,
workload or ipBlock),
- a label key of `podSelector` is *known* when a workload or pod carries it, a Service selects on it, or a
  policy's podSelector (its own or a peer's) names it; for `namespaceSelector`, when a namespace carries it or
  a peer's namespaceSelector names it;
- a value of a known key (matchLabels, or In/NotIn values) is known when it is carried or named with that key
  in the same places;
- `namespace: NAME` is known when the namespace is declared, holds an object (workload, Service, policy), or
  a policy's namespaceSelector names it by `kubernetes.io/metadata.name`.
Anything else gets a warning with the nearest known name. A label meant for pods that do not exist yet and that
no policy mentions is warned about too, on purpose: no policy can tell such pods apart from any other pod, so
such a property is only worth having if it is spelled like something the policies refer to.
"""

from __future__ import annotations

import dataclasses
import difflib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from netverify.findings import PropertyWarning, ProveReport
from netverify.model.cluster import NAMESPACE_NAME_LABEL, Cluster
from netverify.model.labels import LabelSelector
from netverify.model.properties import EndpointSpec, PropertiesFile, Property

_SIDES = (("from", "src"), ("to", "dst"))


@dataclass(frozen=True)
class LabelUniverse:
    """Every key with every value that objects carry or policies mention, for pods and for namespaces."""

    pod: Mapping[str, frozenset[str]]
    namespace: Mapping[str, frozenset[str]]
    namespace_names: frozenset[str]

    @classmethod
    def of(cls, cluster: Cluster) -> LabelUniverse:
        pod: dict[str, set[str]] = {}
        ns: dict[str, set[str]] = {}
        for w in cluster.workloads:
            _add_labels(pod, w.labels)
        for s in cluster.services:
            _add_labels(pod, s.selector or {})
        for n in cluster.namespaces.values():
            _add_labels(ns, n.labels)
        for p in cluster.policies:
            _add_mentioned(pod, p.pod_selector)
            for rule in (*p.ingress, *p.egress):
                for peer in rule.peers:
                    _add_mentioned(pod, peer.pod_selector)
                    _add_mentioned(ns, peer.namespace_selector)
        names = set(cluster.namespaces) | {w.namespace for w in cluster.workloads}
        names |= {s.namespace for s in cluster.services} | {p.namespace for p in cluster.policies}
        names |= ns.get(NAMESPACE_NAME_LABEL, set())
        return cls(_freeze(pod), _freeze(ns), frozenset(names))


def lint_property(universe: LabelUniverse, prop: Property) -> tuple[PropertyWarning, ...]:
    out: list[PropertyWarning] = []
    for side, attr in _SIDES:
        out += _lint_endpoint(universe, getattr(prop, attr), side)
    return tuple(out)


def with_property_warnings(report: ProveReport, cluster: Cluster, props: PropertiesFile) -> ProveReport:
    """The report with each result's warnings attached (results are matched by property name, unique)."""
    universe = LabelUniverse.of(cluster)
    warnings = {p.name: lint_property(universe, p) for p in props.properties}
    results = tuple(dataclasses.replace(r, warnings=r.warnings + warnings[r.name]) if warnings.get(r.name) else r
                    for r in report.results)
    return dataclasses.replace(report, results=results)


def _lint_endpoint(universe: LabelUniverse, ep: EndpointSpec, side: str) -> list[PropertyWarning]:
    if ep.ip_block is not None or ep.service is not None or ep.workload is not None:
        return []  # an ipBlock names no labels; a missing service or workload is already an input error
    out: list[PropertyWarning] = []
    if ep.namespace is not None and ep.namespace not in universe.namespace_names:
        meant = _closest(ep.namespace, universe.namespace_names)
        out.append(PropertyWarning(
            "namespace", f"{side}.namespace", ep.namespace, meant,
            f"{side}.namespace: namespace {ep.namespace!r} is not declared, holds no object and no policy "
            f"selects it by name{_hint(meant)}", ep.span))
    out += _lint_selector(universe.namespace, ep.namespace_selector, f"{side}.namespaceSelector", ep,
                          "no namespace carries it and no policy's namespaceSelector names it")
    out += _lint_selector(universe.pod, ep.pod_selector, f"{side}.podSelector", ep,
                          "no pod carries it and no Service or policy selects on it")
    return out


def _lint_selector(known: Mapping[str, frozenset[str]], selector: LabelSelector | None, field: str,
                   ep: EndpointSpec, why: str) -> list[PropertyWarning]:
    out: list[PropertyWarning] = []
    for r in selector.requirements if selector is not None else ():
        if r.key not in known:
            meant = _closest(r.key, known)
            out.append(PropertyWarning("label-key", field, r.key, meant,
                                       f"{field}: label key {r.key!r}: {why}{_hint(meant)}", ep.span))
            continue
        for value in sorted(r.values - known[r.key]):
            meant = _closest(value, known[r.key])
            out.append(PropertyWarning("label-value", field, f"{r.key}={value}", meant,
                                       f"{field}: label {r.key}={value}: {why}{_hint(meant)}", ep.span))
    return out


def _closest(word: str, candidates: Iterable[str]) -> str | None:
    found = difflib.get_close_matches(word, sorted(candidates), n=1, cutoff=0.6)
    return found[0] if found else None


def _hint(meant: str | None) -> str:
    return f" (did you mean {meant!r}?)" if meant is not None else ""


def _add_labels(into: dict[str, set[str]], labels: Mapping[str, str]) -> None:
    for k, v in labels.items():
        into.setdefault(k, set()).add(v)


def _add_mentioned(into: dict[str, set[str]], selector: LabelSelector | None) -> None:
    if selector is not None:
        for k, vs in selector.mentioned().items():
            into.setdefault(k, set()).update(vs)


def _freeze(d: dict[str, set[str]]) -> dict[str, frozenset[str]]:
    return {k: frozenset(v) for k, v in d.items()}
