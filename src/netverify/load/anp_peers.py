"""Subjects and peers of AdminNetworkPolicy, BaselineAdminNetworkPolicy and ClusterNetworkPolicy → model.anp.

Validated as the CRDs do (kubernetes-sigs/network-policy-api config/crd, apis/v1alpha1/shared_types.go and
apis/v1alpha2/clusternetworkpolicy_types.go): a subject or peer sets exactly one field (MinProperties=1,
MaxProperties=1); `networks` holds 1..25 distinct CIDRs (isCIDR, at most 43 characters); `domainNames` 1..25
distinct names of the CRD's pattern, and only in Allow/Accept rules (the types' doc comments: "DomainNames is
only supported for Allow/Accept rules"); `pods` needs both selectors in v1alpha1 and `podSelector` in v1alpha2.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from netverify.load.anp_schema import AdminPeerSpec, NamespacedPodSpec, SubjectSpec
from netverify.load.ipblocks import parse_cidr
from netverify.load.labels import label_selector
from netverify.load.site import Site
from netverify.model.anp import AdminAction, AdminPeer, PodSet
from netverify.model.ipblock import IPBlock
from netverify.model.labels import EVERYTHING

MAX_NETWORKS = 25
MAX_DOMAIN_NAMES = 25
MAX_CIDR_LENGTH = 43
# The CRD's pattern, as written (its `A-z` also admits `[\]^_` and the backtick; the API server does too).
DOMAIN_NAME = re.compile(r"^(\*\.)?([a-zA-z0-9]([-a-zA-Z0-9_]*[a-zA-Z0-9])?\.)+[a-zA-z0-9]([-a-zA-Z0-9_]*[a-zA-Z0-9])?\.?$")


@dataclass
class Reading:
    """How strictly to read, and where warnings go (the cluster builder's)."""

    lenient: bool
    warnings: list[str] = field(default_factory=list)

    def warn(self, site: Site, message: str) -> None:
        self.warnings.append(f"{site.where()}: {site.field}: {message}")


def exactly_one(site: Site, what: str, present: dict[str, object]) -> str:
    """The one field of `present` that is set (not None); anything else is the API server's MinProperties /
    MaxProperties refusal."""
    written = [name for name, value in present.items() if value is not None]
    if len(written) == 1:
        return written[0]
    choices = ", ".join(present)
    if not written:
        raise site.error(f"{what} must set exactly one of {choices}; it sets none")
    raise site.error(f"{what} must set exactly one of {choices}; it sets {' and '.join(written)}")


def check_count(items: Sequence[object], site: Site, what: str, *, most: int, least: int = 0) -> None:
    if len(items) < least:
        raise site.error(f"{what} needs at least {least} item{'s' if least > 1 else ''} (an empty list is refused)")
    if len(items) > most:
        raise site.error(f"{what} has {len(items)} items; the API allows at most {most}")


def check_distinct(items: Sequence[str], site: Site, what: str) -> None:
    """A `listType=set` list: the API server refuses a repeated value."""
    seen: set[str] = set()
    for i, item in enumerate(items):
        if item in seen:
            raise site.at(i).error(f"{item!r} is repeated in {what} (a set: each value once)")
        seen.add(item)


def subject(spec: SubjectSpec, site: Site, *, namespace_selector_required: bool, reading: Reading) -> PodSet:
    chosen = exactly_one(site, "a subject", {"namespaces": spec.namespaces, "pods": spec.pods})
    if chosen == "namespaces":
        return PodSet(label_selector(spec.namespaces, site.at("namespaces")), EVERYTHING, site.span())
    assert spec.pods is not None
    return pod_set(spec.pods, site.at("pods"), namespace_selector_required=namespace_selector_required,
                   reading=reading)


def pod_set(spec: NamespacedPodSpec, site: Site, *, namespace_selector_required: bool, reading: Reading) -> PodSet:
    namespaces = spec.namespaceSelector
    if namespaces is None and namespace_selector_required:
        _missing_selector(site, "namespaceSelector", "namespaces", reading)
    if spec.podSelector is None:
        _missing_selector(site, "podSelector", "pods", reading)
    return PodSet(
        label_selector(namespaces, site.at("namespaceSelector")),
        label_selector(spec.podSelector, site.at("podSelector")),
        site.span(),
    )


def _missing_selector(site: Site, key: str, selects: str, reading: Reading) -> None:
    message = f"pods.{key} is required (write {key}: {{}} to select all {selects})"
    if not reading.lenient:
        raise site.error(f"{message}; --lenient reads a missing one as empty")
    reading.warn(site, f"{message}; read as empty (--lenient)")


def peer(
    spec: AdminPeerSpec, site: Site, action: AdminAction, *, namespace_selector_required: bool, reading: Reading
) -> AdminPeer:
    """One `from`/`to` item. Which fields a direction (and BANP) may have was checked as unknown fields."""
    chosen = exactly_one(site, "a peer", {
        "namespaces": spec.namespaces, "pods": spec.pods, "nodes": spec.nodes, "networks": spec.networks,
        "domainNames": spec.domainNames,
    })
    here = site.at(chosen)
    pods = nodes = None
    networks: tuple[IPBlock, ...] = ()
    domains: tuple[str, ...] = ()
    if chosen == "namespaces":
        pods = PodSet(label_selector(spec.namespaces, here), EVERYTHING, site.span())
    elif chosen == "pods":
        assert spec.pods is not None
        pods = pod_set(spec.pods, here, namespace_selector_required=namespace_selector_required, reading=reading)
    elif chosen == "nodes":
        nodes = label_selector(spec.nodes, here)
    elif chosen == "networks":
        networks = _networks(spec.networks or [], here, reading)
    else:
        domains = _domain_names(spec.domainNames or [], here, action)
    return AdminPeer(pods, nodes, networks, domains, site.span())


def _networks(written: list[str], site: Site, reading: Reading) -> tuple[IPBlock, ...]:
    check_count(written, site, "networks", most=MAX_NETWORKS, least=1)
    check_distinct(written, site, "networks")
    blocks: list[IPBlock] = []
    for i, text in enumerate(written):
        here = site.at(i)
        if len(text) > MAX_CIDR_LENGTH:
            raise here.error(f"a CIDR is at most {MAX_CIDR_LENGTH} characters; this one has {len(text)}")
        network = parse_cidr(text, here, reading.warnings)  # host bits set: isCIDR admits it; read masked
        if isinstance(network, ipaddress.IPv6Network) and network.network_address.ipv4_mapped is not None:
            raise here.error(f"{text!r} is an IPv4-mapped IPv6 CIDR, which the API's isCIDR refuses; "
                             "write the IPv4 CIDR")
        blocks.append(IPBlock(network))
    return tuple(blocks)


def _domain_names(written: list[str], site: Site, action: AdminAction) -> tuple[str, ...]:
    if action != "allow":
        raise site.error("domainNames peers are only supported in Allow (v1alpha2: Accept) rules; "
                         "deny by a lower-precedence rule instead")
    check_count(written, site, "domainNames", most=MAX_DOMAIN_NAMES, least=1)
    check_distinct(written, site, "domainNames")
    for i, name in enumerate(written):
        if not DOMAIN_NAME.match(name):
            raise site.at(i).error(
                f"{name!r} is not a domain name the API accepts: labels of letters, digits, '-' and '_' joined "
                "by '.', at least two labels, optionally starting with '*.' (no partial wildcards)"
            )
    return tuple(written)
