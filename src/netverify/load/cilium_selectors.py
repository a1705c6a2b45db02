"""Cilium endpoint selectors → model.LabelSelector over identity labels, with Cilium's namespace scoping.

Sources: pkg/k8s/apis/cilium.io/utils (ParseToCiliumRule, getEndpointSelector), pkg/labels (label sources),
https://docs.cilium.io/en/stable/security/policy/kubernetes/#namespaces and .../language/#label-sources.
- A key may carry a label source, `source:key`. Pods' identity labels all come from Kubernetes, so keys with no
  source, `any:` or `k8s:` are stored bare and match them. Any other source (`reserved:`, `cidr:`, `fqdn:`,
  `container:`, ...) names labels no pod has: such a key is kept as written (so it matches no pod, and
  `DoesNotExist` on it matches every pod, as in Cilium) and the selector is reported as selecting identities
  netverify does not model, so a layer can say unknown where they could decide.
- The subject (endpointSelector) of a CiliumNetworkPolicy always gets `io.kubernetes.pod.namespace=<ns>`; a
  `k8s:io.kubernetes.pod.namespace` the user wrote in matchLabels is replaced by it (with a warning when it
  names another namespace), any other namespace requirement stays beside it.
- A peer selector (from/toEndpoints, from/toRequires) without a namespace key is limited, in a CNP, to the
  policy's namespace (unless it tests `io.cilium.k8s.namespace.labels.*`), and in a CCNP to endpoints that have
  a namespace (`io.kubernetes.pod.namespace` Exists), unless the subject selects `reserved:init`. Peer selectors
  with a `reserved:` key get nothing added.
- Since Cilium 1.19 (`policy-default-local-cluster`, default true) a peer selector without a cluster key is
  limited to the local cluster. Every pod of the manifests is in that cluster, so netverify adds nothing for it;
  it does mean a peer selector never matches identities without a cluster label (world, host, ...). A selector
  that tests the cluster key with NotIn or DoesNotExist escapes that limit and is reported as not modelled.
"""

from __future__ import annotations

from dataclasses import dataclass

from netverify.load.k8s_schema import LabelSelectorSpec
from netverify.load.labels import check_label_key, check_label_value
from netverify.load.site import Site
from netverify.model.fields import Unmodelled
from netverify.model.cilium import CLUSTER_LABEL, NAMESPACE_LABEL, NAMESPACE_LABELS_PREFIX, in_identities
from netverify.model.cilium_label_filter import release_dependent
from netverify.model.labels import LabelSelector, Requirement

POD_SOURCES = frozenset({"any", "k8s"})  # label sources a pod's identity labels match
RESERVED_SOURCE = "reserved"
INIT_KEY = "reserved:init"


@dataclass(frozen=True, slots=True)
class ReadSelector:
    """A selector as Cilium compares it, and the keys of sources netverify does not model (e.g. `reserved:host`)."""

    selector: LabelSelector
    foreign_keys: tuple[str, ...] = ()
    k8s_namespace: frozenset[str] | None = None  # matchLabels `k8s:io.kubernetes.pod.namespace` (subject only)
    left_out: tuple[str, ...] = ()  # keys Cilium leaves out of every identity (model/cilium_label_filter.py)
    release_keys: tuple[str, ...] = ()  # keys kept by some Cilium releases and left out by others

    @property
    def has_reserved(self) -> bool:
        return any(k.startswith(RESERVED_SOURCE + ":") for k in self.foreign_keys)

    def has_key(self, key: str) -> bool:
        return any(r.key == key for r in self.selector.requirements)


def split_source(key: str) -> tuple[str | None, str]:
    """`k8s:app` -> (k8s, app); `app` -> (None, app). Label keys themselves never hold ':'."""
    source, colon, name = key.partition(":")
    return (source, name) if colon else (None, key)


def read_selector(spec: LabelSelectorSpec | None, site: Site) -> ReadSelector:
    """`spec` with its keys in Cilium's form; validated as the API server validates a LabelSelector."""
    if spec is None:
        return ReadSelector(LabelSelector(()))
    requirements: list[Requirement] = []
    foreign: list[str] = []
    k8s_namespace: set[str] | None = None
    for key, value in (spec.matchLabels or {}).items():
        here = site.at("matchLabels", key)
        stored = _key(key, here, foreign)
        check_label_value(value, here)
        if key == "k8s:" + NAMESPACE_LABEL:
            k8s_namespace = {value}
            continue  # kept aside: the subject of a CNP replaces it (see subject_selector)
        requirements.append(Requirement(stored, "In", frozenset({value})))
    for i, expr in enumerate(spec.matchExpressions or ()):
        here = site.at("matchExpressions", i)
        stored = _key(expr.key, here.at("key"), foreign)
        values = expr.values or []
        if expr.operator in ("In", "NotIn") and not values:
            raise here.at("values").error(f"operator {expr.operator} needs at least one value")
        if expr.operator in ("Exists", "DoesNotExist") and values:
            raise here.at("values").error(f"operator {expr.operator} takes no values")
        for j, value in enumerate(values):
            check_label_value(value, here.at("values", j))
        requirements.append(Requirement(stored, expr.operator, frozenset(values)))
    if k8s_namespace is not None:
        # Outside a CNP subject the k8s: form is an ordinary requirement (its replacement happens there).
        requirements.append(Requirement(NAMESPACE_LABEL, "In", frozenset(k8s_namespace)))
    keys = list(dict.fromkeys(r.key for r in requirements))
    return ReadSelector(LabelSelector(tuple(requirements)), tuple(foreign),
                        frozenset(k8s_namespace) if k8s_namespace is not None else None,
                        tuple(k for k in keys if ":" not in k and not in_identities(k)),  # ":": foreign, noted apart
                        tuple(k for k in keys if release_dependent(k)))


def identity_warnings(read: ReadSelector, site: Site, warnings: list[str] | None) -> None:
    """Tell the user about a requirement on a label no identity has, or on one only some Cilium releases keep
    (eval/cilium_identity.release_match: such a match is three-valued)."""
    if read.left_out and warnings is not None:
        warnings.append(f"{site.where()}: {site.field}: Cilium leaves {', '.join(read.left_out)} out of every "
                        "pod's identity (its default label filter, and a pod's own io.cilium.k8s* labels): "
                        "requirements on it read the label as absent")
    if read.release_keys and warnings is not None:
        warnings.append(f"{site.where()}: {site.field}: Cilium releases from cilium/cilium#43725 on leave "
                        f"{', '.join(read.release_keys)} out of identities, earlier ones keep it: where that decides "
                        "a verdict, it is unknown")


def _key(written: str, site: Site, foreign: list[str]) -> str:
    source, name = split_source(written)
    if source is not None and not source:
        raise site.error(f"{written!r} is not a valid label key: a label source before ':' cannot be empty")
    check_label_key(name, site)
    if source is None or source in POD_SOURCES:
        return name
    foreign.append(written)
    return written  # matches no pod's identity labels


def subject_selector(spec: LabelSelectorSpec, site: Site, namespace: str | None, warnings: list[str]) -> ReadSelector:
    """endpointSelector: in a CNP limited to the policy's namespace (ParseToCiliumRule)."""
    read = read_selector(spec, site)
    if namespace is None:
        return read
    requirements = list(read.selector.requirements)
    if read.k8s_namespace is not None:
        requirements.remove(Requirement(NAMESPACE_LABEL, "In", read.k8s_namespace))
    named = set(read.k8s_namespace or ())
    named |= {v for r in requirements if r.key == NAMESPACE_LABEL and r.operator == "In" for v in r.values}
    if named - {namespace}:
        here = site.at("matchLabels")
        warnings.append(f"{here.where()}: {here.field}: a CiliumNetworkPolicy's endpointSelector always applies "
                        f"in its own namespace ({namespace}); the namespace {', '.join(sorted(named))} it names "
                        "does not widen it")
    requirements.append(Requirement(NAMESPACE_LABEL, "In", frozenset({namespace})))
    return ReadSelector(LabelSelector(tuple(requirements)), read.foreign_keys, None, read.left_out,
                        read.release_keys)


def peer_selector(spec: LabelSelectorSpec, site: Site, namespace: str | None, subject_init: bool,
                  notes: list[Unmodelled], warnings: list[str] | None = None) -> LabelSelector:
    """A from/toEndpoints or from/toRequires item, scoped as getEndpointSelector scopes it."""
    read = read_selector(spec, site)
    identity_warnings(read, site, warnings)
    if read.foreign_keys:
        notes.append(Unmodelled(f"{site.field} (selects by {', '.join(read.foreign_keys)}: labels of identities "
                                "that are not pods)", site.span()))
    if any(r.key == CLUSTER_LABEL and r.operator in ("NotIn", "DoesNotExist") for r in read.selector.requirements):
        notes.append(Unmodelled(f"{site.field} (tests {CLUSTER_LABEL} with NotIn/DoesNotExist: can select "
                                "identities other than the cluster's pods)", site.span()))
    if read.has_reserved:
        return read.selector
    requirements = list(read.selector.requirements)
    if not read.has_key(NAMESPACE_LABEL):
        if namespace is None:
            if not subject_init:
                requirements.append(Requirement(NAMESPACE_LABEL, "Exists"))
        elif not any(r.key.startswith(NAMESPACE_LABELS_PREFIX) for r in requirements):
            requirements.append(Requirement(NAMESPACE_LABEL, "In", frozenset({namespace})))
    return LabelSelector(tuple(requirements))
