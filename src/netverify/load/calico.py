"""Calico's objects -> model.calico records, validated as Calico's API server does.

Kinds and versions: projectcalico.org/v3 (Calico's API server) and crd.projectcalico.org/v1 (the CRDs it stores
them in, what `kubectl get` prints without the API server); both carry the v3 spec. Sources: projectcalico/calico
api/pkg/apis/projectcalico/v3, api/pkg/defaults (types defaulting), libcalico-go/lib/validator/v3/validator.go
(names, tiers, the policy specs), libcalico-go/lib/backend/model (a v1 name `default.x` is the v3 name `x`;
the `projectcalico.org/metadata` annotation carries the v3 name), and the CEL rules on the types. Docs:
https://docs.tigera.io/calico/latest/reference/resources/ (networkpolicy, globalnetworkpolicy,
stagednetworkpolicy, stagedglobalnetworkpolicy, stagedkubernetesnetworkpolicy, tier, networkset,
globalnetworkset, profile, hostendpoint).

Fields the engines do not model but that can decide a verdict are kept in `unmodelled` with where they are
(doNotTrack, preDNAT, applyOnForward when true; a rule's http; allowedEgressDomains), so a layer can answer
unknown for exactly what they could decide.
"""

from __future__ import annotations

import ipaddress
import json
import math
import re
from typing import Any

from netverify.load.calico_rules import RuleContext, calico_rules, protocol
from netverify.load.calico_schema import (
    CalicoPolicyModel, HostEndpointModel, NetworkSetModel, ProfileModel, StagedKubernetesPolicyModel, TierModel,
)
from netverify.load.calico_selector import parse_selector
from netverify.load.names import check_labels
from netverify.load.policies import network_policy
from netverify.load.site import Site
from netverify.load.k8s_schema import NetworkPolicyModel
from netverify.load.validation import validate
from netverify.model.calico import (
    CALICO_CRD_GROUP, CALICO_GROUP, DEFAULT_TIER, CalicoPolicy, CalicoTier, HostEndpoint, NetworkSet, Profile,
    TierDefault,
)
from netverify.model.calico_selector import All, CalicoSelector
from netverify.model.fields import Unmodelled
from netverify.model.ipblock import IPBlock
from netverify.model.policy import Direction

V3 = f"{CALICO_GROUP}/v3"
CRD_V1 = f"{CALICO_CRD_GROUP}/v1"
VERSIONS = (V3, CRD_V1)
METADATA_ANNOTATION = "projectcalico.org/metadata"  # the v3 metadata of an object stored as a v1 CRD
NAMESPACE_LABEL = "projectcalico.org/namespace"
# Tiers Calico makes itself, with the order and default action its CEL rules fix (tier.go).
BUILTIN_TIERS: dict[str, tuple[float, TierDefault]] = {
    "kube-admin": (1_000.0, "pass"),
    DEFAULT_TIER: (1_000_000.0, "deny"),
    "kube-baseline": (10_000_000.0, "pass"),
}
K8S_POLICY_ORDER = 1000.0  # a Kubernetes NetworkPolicy as Calico sees it (conversion: order 1000, default tier)

NAMESPACED = frozenset({"NetworkPolicy", "StagedNetworkPolicy", "StagedKubernetesNetworkPolicy", "NetworkSet"})
POLICY_KINDS = frozenset({"NetworkPolicy", "GlobalNetworkPolicy", "StagedNetworkPolicy", "StagedGlobalNetworkPolicy"})
KINDS = frozenset({*POLICY_KINDS, "StagedKubernetesNetworkPolicy", "Tier", "NetworkSet", "GlobalNetworkSet",
                   "Profile", "HostEndpoint"})

_LABEL = "[a-z0-9]([-a-z0-9]*[a-z0-9])?"
_SUBDOMAIN = f"{_LABEL}(\\.{_LABEL})*"
_NAME = re.compile(f"^{_SUBDOMAIN}$")
_TIER_NAME = re.compile(f"^{_LABEL}$")
_NP_NAME = re.compile(f"^(({_LABEL})(\\.{_LABEL})?|((?:knp|ossg)\\.default\\.({_SUBDOMAIN})))$")
_GNP_NAME = re.compile(f"^({_LABEL}\\.)?{_LABEL}$")
_INTERFACE = re.compile(r"^[a-zA-Z0-9_.-]{1,15}$")
_PORT_NAME = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
MAX_NAME = 253


def is_calico_group(api_version: str | None) -> bool:
    return api_version is not None and api_version.split("/", 1)[0] in (CALICO_GROUP, CALICO_CRD_GROUP) \
        and "/" in api_version


def check_version(kind: str, api_version: str, site: Site) -> None:
    """A Calico kind at a version of its group that is not read is bad input (it could decide traffic)."""
    group = api_version.split("/", 1)[0]
    expected = V3 if group == CALICO_GROUP else CRD_V1
    if api_version != expected:
        raise site.at("apiVersion").error(
            f"{kind} {api_version} is not a version netverify reads (it reads {expected})"
        )


def v3_name(kind: str, name: str, api_version: str, meta: Any, tier: str | None) -> str:
    """The v3 name of an object: a v1 CRD of a default-tier policy is stored as `default.<name>`, and since
    Calico 3.30 the v3 name travels in the projectcalico.org/metadata annotation."""
    if api_version != CRD_V1 or kind not in POLICY_KINDS:
        return name
    annotations = meta.get("annotations") if isinstance(meta, dict) else None
    text = annotations.get(METADATA_ANNOTATION) if isinstance(annotations, dict) else None
    if isinstance(text, str) and text:
        try:
            written = json.loads(text)
        except ValueError:
            written = None
        if isinstance(written, dict) and isinstance(written.get("name"), str) and written["name"]:
            return written["name"]
    if (tier or DEFAULT_TIER) == DEFAULT_TIER and name.startswith(DEFAULT_TIER + "."):
        return name[len(DEFAULT_TIER) + 1:]
    return name


def check_name(kind: str, name: str, site: Site) -> None:
    if len(name) > MAX_NAME:
        raise site.error(f"a {kind} name is at most {MAX_NAME} characters; this one has {len(name)}")
    if kind in ("NetworkPolicy", "StagedNetworkPolicy"):
        ok, rule = _NP_NAME.match(name), "lowercase letters, digits and '-', with at most one '.'"
    elif kind in ("GlobalNetworkPolicy", "StagedGlobalNetworkPolicy"):
        ok, rule = _GNP_NAME.match(name), "lowercase letters, digits and '-', with at most one '.'"
    elif kind == "Tier":
        ok, rule = _TIER_NAME.match(name) and len(name) <= 63, "an RFC 1123 label (no '.'), at most 63 characters"
    else:
        ok, rule = _NAME.match(name), "a DNS subdomain: lowercase letters, digits, '-' and '.'"
    if not ok:
        raise site.error(f"{name!r} is not a valid {kind} name: {rule}")


def _order(value: float | None, site: Site) -> float | None:
    if value is not None and not math.isfinite(value):
        raise site.error(f"order {value} is not a number Calico can store")
    return float(value) if value is not None else None


def _tier_name(written: str | None, site: Site) -> str:
    if not written:
        return DEFAULT_TIER
    if not _TIER_NAME.match(written) or len(written) > 63:
        raise site.error(f"{written!r} is not a valid tier name: an RFC 1123 label (no '.'), at most 63 characters")
    return written


def _types(written: list[str] | None, has_ingress: bool, has_egress: bool, site: Site) -> tuple[Direction, ...]:
    """api/pkg/defaults: [Ingress] without egress rules, [Egress] with egress rules only, else both."""
    if not written:
        if not has_egress:
            return ("ingress",)
        return ("egress",) if not has_ingress else ("ingress", "egress")
    out: list[Direction] = []
    for i, value in enumerate(written):
        if value not in ("Ingress", "Egress"):
            hint = f" (did you mean {value.capitalize()!r}?)" if value.capitalize() in ("Ingress", "Egress") else ""
            raise site.at(i).error(f"{value!r} is not a policy type: use Ingress or Egress{hint}")
        direction: Direction = "ingress" if value == "Ingress" else "egress"
        if direction in out:
            raise site.at(i).error(f"{value!r} is listed more than once")
        out.append(direction)
    return tuple(out)


def _selector(text: str | None, site: Site, *, what: str) -> CalicoSelector | None:
    if text is None or not text.strip(" \t"):
        return None
    if "global(" in text:
        raise site.error(f"global() can only be used in a rule's namespaceSelector, not in {what}")
    return parse_selector(text, site)


def calico_policy(
    kind: str, model: CalicoPolicyModel, namespace: str | None, name: str, api_version: str, site: Site,
    warnings: list[str],
) -> CalicoPolicy:
    spec, here = model.spec, site.at("spec")
    staged = kind.startswith("Staged")
    is_global = namespace is None
    tier = _tier_name(spec.tier, here.at("tier"))
    if name.startswith(("knp.default.", "ossg.default.")):
        warnings.append(f"{site.at('metadata', 'name').where()}: metadata.name: {name} is the name Calico gives its "
                        "own copy of a Kubernetes NetworkPolicy; read as a Calico policy")
    prefix = name.split(".", 1)[0] if "." in name else None
    if prefix is not None and prefix != tier and not name.startswith(("knp.default.", "ossg.default.")):
        # Calico before 3.32 (libcalico-go names.ValidateTieredPolicyName) refused a prefix other than the tier.
        warnings.append(f"{site.at('metadata', 'name').where()}: metadata.name: {name} starts with {prefix}. but "
                        f"the policy is in tier {tier}; Calico before 3.32 refuses such a name (the prefix must be "
                        "the tier)")
    if spec.stagedAction not in (None, "Set", "Delete", "Learn", "Ignore"):
        raise here.at("stagedAction").error(f"{spec.stagedAction!r} is not a staged action: use Set, Delete, Learn "
                                            "or Ignore")
    for i, hint in enumerate(spec.performanceHints or ()):
        if hint != "AssumeNeededOnEveryNode":
            raise here.at("performanceHints", i).error(f"{hint!r} is not a performance hint: the only one is "
                                                       "AssumeNeededOnEveryNode")
    ctx = RuleContext(kind, namespace)
    ingress = calico_rules("ingress", spec.ingress, here.at("ingress"), ctx)
    egress = calico_rules("egress", spec.egress, here.at("egress"), ctx)
    _check_global_flags(spec, here, bool(spec.egress), is_global)
    if spec.stagedAction == "Delete" and (spec.ingress or spec.egress or spec.selector or spec.types
                                          or spec.order is not None):
        raise here.error("a staged policy with stagedAction Delete has no fields but tier")
    selector = _selector(spec.selector, here.at("selector"), what="a policy's selector")
    unmodelled = [Unmodelled(f"spec.{flag}", here.at(flag).span())
                  for flag in ("doNotTrack", "preDNAT", "applyOnForward") if getattr(spec, flag)]
    return CalicoPolicy(
        kind=kind, api_version=api_version, namespace=namespace, name=name, tier=tier,
        order=_order(spec.order, here.at("order")),
        selector=selector or CalicoSelector(All(), spec.selector or "", here.at("selector").span()),
        namespace_selector=_selector(spec.namespaceSelector, here.at("namespaceSelector"),
                                     what="a policy's namespaceSelector") if is_global else None,
        service_account_selector=_selector(spec.serviceAccountSelector, here.at("serviceAccountSelector"),
                                           what="a policy's serviceAccountSelector"),
        types=_types(spec.types, bool(spec.ingress), bool(spec.egress), here.at("types")),
        ingress=ingress, egress=egress, span=site.span(), staged=staged, unmodelled=tuple(unmodelled),
    )


def _check_global_flags(spec: Any, site: Site, has_egress: bool, is_global: bool) -> None:
    """GlobalNetworkPolicySpec's CEL rules on doNotTrack / preDNAT / applyOnForward."""
    if not is_global:
        return
    if spec.doNotTrack and spec.preDNAT:
        raise site.at("preDNAT").error("preDNAT and doNotTrack cannot both be true")
    if spec.preDNAT and (has_egress or "Egress" in (spec.types or ())):
        raise site.at("preDNAT").error("a preDNAT policy cannot have egress rules or the Egress type")
    if (spec.doNotTrack or spec.preDNAT) and not spec.applyOnForward:
        raise site.at("applyOnForward").error("applyOnForward must be true when preDNAT or doNotTrack is")


def staged_kubernetes_policy(
    model: StagedKubernetesPolicyModel, data: Any, namespace: str, name: str, api_version: str, site: Site,
    warnings: list[str],
) -> CalicoPolicy:
    """A StagedKubernetesNetworkPolicy: a Kubernetes NetworkPolicy body, checked as one, never enforced. The
    chain skips staged policies; the record keeps what a note needs (name, namespace, types)."""
    spec = model.spec
    action = spec.stagedAction if spec is not None else None
    if action not in (None, "Set", "Delete", "Learn", "Ignore"):
        raise site.at("spec", "stagedAction").error(f"{action!r} is not a staged action: use Set, Delete, Learn or "
                                                    "Ignore")
    body = network_policy(validate(NetworkPolicyModel, data, site.file), namespace, name, site, warnings)
    types: tuple[Direction, ...] = tuple(d for d in ("ingress", "egress") if d in body.policy_types)
    return CalicoPolicy(
        kind="StagedKubernetesNetworkPolicy", api_version=api_version, namespace=namespace, name=name,
        tier=DEFAULT_TIER, order=K8S_POLICY_ORDER, selector=CalicoSelector(All(), "", site.at("spec").span()),
        namespace_selector=None, service_account_selector=None, types=types, ingress=(), egress=(),
        span=site.span(), staged=True,
    )


def tier(model: TierModel, name: str, site: Site) -> CalicoTier:
    spec, here = model.spec, site.at("spec")
    order = _order(spec.order, here.at("order"))
    action = spec.defaultAction
    if action is not None and action not in ("Deny", "Pass"):
        raise here.at("defaultAction").error(f"{action!r} is not a tier default action: use Deny or Pass")
    default: TierDefault = "pass" if action == "Pass" else "deny"
    fixed = BUILTIN_TIERS.get(name)
    if fixed is not None:
        fixed_order, fixed_action = fixed
        if action is not None and default != fixed_action or order is not None and order != fixed_order:
            raise here.error(f"the {name!r} tier has order {fixed_order:g} and default action "
                             f"{fixed_action.capitalize()} (Calico fixes them)")
        order, default = fixed_order, fixed_action
    return CalicoTier(name=name, order=order, default_action=default, span=site.span())


def network_set(model: NetworkSetModel, namespace: str | None, name: str, site: Site,
                warnings: list[str]) -> NetworkSet:
    labels = dict(model.metadata.labels or {})
    if NAMESPACE_LABEL in labels:
        raise site.at("metadata", "labels", NAMESPACE_LABEL).error(
            f"{NAMESPACE_LABEL} is not a valid label on a network set (Calico sets it itself)")
    here = site.at("spec")
    nets = tuple(IPBlock(_set_net(text, here.at("nets", i), warnings)) for i, text in enumerate(model.spec.nets or ()))
    unmodelled = ()
    if model.spec.allowedEgressDomains:
        unmodelled = (Unmodelled("spec.allowedEgressDomains", here.at("allowedEgressDomains").span()),)
    return NetworkSet(namespace=namespace, name=name, labels=labels, nets=nets, span=site.span(),
                      unmodelled=unmodelled)


def _set_net(text: str, site: Site, warnings: list[str]):  # -> IPNetwork
    """A network set's `nets` (the `cidr` validator): a CIDR or a bare address (a /32 or /128)."""
    if "/" not in text:
        try:
            address = ipaddress.ip_address(text)
        except ValueError:
            raise site.error(f"{text!r} is neither a CIDR nor an IP address") from None
        return ipaddress.ip_network(f"{address}/{address.max_prefixlen}")
    try:
        network = ipaddress.ip_network(text, strict=False)
    except ValueError as exc:
        raise site.error(f"{text!r} is not a valid CIDR ({exc})") from None
    if ipaddress.ip_address(text.split("/", 1)[0]) != network.network_address:
        warnings.append(f"{site.where()}: {site.field}: {text} has host bits set; read as {network}")
    return network


def profile(model: ProfileModel, name: str, site: Site) -> Profile:
    here = site.at("spec")
    labels = dict(model.spec.labelsToApply or {})
    check_labels(labels, here.at("labelsToApply"))
    ctx = RuleContext("Profile", None, is_profile=True)
    return Profile(
        name=name, labels_to_apply=labels,
        ingress=calico_rules("ingress", model.spec.ingress, here.at("ingress"), ctx),
        egress=calico_rules("egress", model.spec.egress, here.at("egress"), ctx),
        span=site.span(),
    )


def host_endpoint(model: HostEndpointModel, name: str, site: Site) -> HostEndpoint:
    spec, here = model.spec, site.at("spec")
    if spec.node and not _NAME.match(spec.node):
        raise here.at("node").error(f"{spec.node!r} is not a valid node name")
    if spec.interfaceName and not _INTERFACE.match(spec.interfaceName):
        raise here.at("interfaceName").error(
            f"{spec.interfaceName!r} is not an interface name: at most 15 letters, digits, '_', '.' or '-'")
    if not spec.interfaceName and not spec.expectedIPs:
        raise here.error("a HostEndpoint needs interfaceName or expectedIPs")
    ips: list[str] = []
    for i, text in enumerate(spec.expectedIPs or ()):
        try:
            ips.append(str(ipaddress.ip_address(text)))
        except ValueError:
            raise here.at("expectedIPs", i).error(f"{text!r} is not an IP address") from None
    for i, written in enumerate(spec.profiles or ()):
        if not _NAME.match(written):
            raise here.at("profiles", i).error(f"{written!r} is not a valid profile name")
    for i, port in enumerate(spec.ports or ()):
        at = here.at("ports", i)
        if not _PORT_NAME.match(port.name) or len(port.name) > 15:
            raise at.at("name").error(f"{port.name!r} is not a port name (an IANA service name)")
        if not 1 <= port.port <= 65535:
            raise at.at("port").error(f"port {port.port} is out of range: a port is 1 to 65535")
        protocol(port.protocol, at.at("protocol"))
    return HostEndpoint(
        name=name, node=spec.node or "", interface_name=spec.interfaceName or "", expected_ips=tuple(ips),
        labels=dict(model.metadata.labels or {}), profiles=tuple(spec.profiles or ()), span=site.span(),
    )

