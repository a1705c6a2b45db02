"""CiliumNetworkPolicy and CiliumClusterwideNetworkPolicy (cilium.io/v2), CiliumCIDRGroup (cilium.io/v2,
v2alpha1) → model.cilium records, validated as the API server (the CRDs) and Cilium's rule sanitizer do.

Sources: pkg/k8s/apis/cilium.io/v2 cnp_types.go / ccnp_types.go (CEL: `spec` or `specs` must be given; a CNP's
rules cannot have nodeSelector), pkg/policy/api/rule_validation.go (Rule.Sanitize: exactly one of
endpointSelector and nodeSelector; host policies take no L7 rules), cidrgroups_types.go (externalCIDRs
required), https://docs.cilium.io/en/stable/security/policy/ .
One object is one CiliumPolicy per rule: `spec` (index None) and each item of `specs` (index i). Policies are
read once every CiliumCIDRGroup of the manifests is known (`CiliumReader.build`), so a `cidrGroupRef` resolves
whatever the order of the files; one that names no group of the manifests is kept as not modelled.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass, field

from netverify.errors import UsageError

from netverify.load.anp_peers import Reading
from netverify.load.cilium_rules import RuleContext, cidr, rules
from netverify.load.cilium_schema import CidrGroupModel, CiliumPolicyModel, CiliumSpecModel
from netverify.load.cilium_selectors import INIT_KEY, identity_warnings, read_selector, subject_selector
from netverify.load.site import Site
from netverify.model.cilium import (
    CCNP_KIND, CIDR_GROUP_KIND, CILIUM_GROUP, CNP_KIND, CidrGroup, CiliumPolicy, CiliumResources,
)
from netverify.model.fields import Unmodelled
from netverify.model.cluster import Cluster
from netverify.model.ipblock import IPBlock
from netverify.model.kinds import group_of

V2 = "cilium.io/v2"
POLICY_VERSIONS = (V2,)
CIDR_GROUP_VERSIONS = (V2, "cilium.io/v2alpha1")
MAX_CLUSTER_NAME = 32
_CLUSTER_NAME = re.compile(r"^([a-z0-9][-a-z0-9]*)?[a-z0-9]$")


@dataclass(frozen=True)
class PendingPolicy:
    model: CiliumPolicyModel
    kind: str
    namespace: str | None
    name: str
    api_version: str
    site: Site


@dataclass
class CiliumReader:
    """Collects the Cilium objects of one cluster version; `build` reads the policies against the groups."""

    reading: Reading
    pending: list[PendingPolicy] = field(default_factory=list)
    groups: list[CidrGroup] = field(default_factory=list)

    def add_policy(self, pending: PendingPolicy) -> None:
        self.pending.append(pending)

    def add_group(self, model: CidrGroupModel, name: str, site: Site) -> None:
        self.groups.append(cidr_group(model, name, site, self.reading))

    def build(self) -> CiliumResources:
        by_name = {g.name: g for g in self.groups}
        policies = tuple(p for pending in self.pending for p in cilium_policies(pending, by_name, self.reading))
        return CiliumResources(policies=policies, cidr_groups=tuple(self.groups))


def cidr_group(model: CidrGroupModel, name: str, site: Site, reading: Reading) -> CidrGroup:
    written = model.spec.externalCIDRs
    here = site.at("spec", "externalCIDRs")
    if written is None:
        raise here.error("required field is missing: a CiliumCIDRGroup needs spec.externalCIDRs (a list of CIDRs)")
    blocks = tuple(IPBlock(cidr(text, here.at(i), reading)) for i, text in enumerate(written))
    return CidrGroup(name, dict(model.metadata.labels or {}), blocks, site.span())


def cilium_policies(pending: PendingPolicy, groups: dict[str, CidrGroup], reading: Reading) -> list[CiliumPolicy]:
    model, site = pending.model, pending.site
    if model.spec is None and model.specs is None:
        raise site.error(f"a {pending.kind} needs spec or specs (its rules)")
    out: list[CiliumPolicy] = []
    if model.spec is not None:
        out.append(_policy(pending, None, model.spec, site.at("spec"), groups, reading))
    for i, spec in enumerate(model.specs or ()):
        out.append(_policy(pending, i, spec, site.at("specs", i), groups, reading))
    return out


def _policy(pending: PendingPolicy, index: int | None, spec: CiliumSpecModel, site: Site,
            groups: dict[str, CidrGroup], reading: Reading) -> CiliumPolicy:
    namespace = pending.namespace
    if spec.endpointSelector is None and spec.nodeSelector is None:
        raise site.error("a rule needs endpointSelector (the pods it applies to) or, in a "
                         "CiliumClusterwideNetworkPolicy, nodeSelector")
    if spec.endpointSelector is not None and spec.nodeSelector is not None:
        raise site.at("nodeSelector").error("a rule cannot have both endpointSelector and nodeSelector")
    if spec.nodeSelector is not None and pending.kind == CNP_KIND:
        raise site.at("nodeSelector").error("a CiliumNetworkPolicy cannot have nodeSelector (host policies are "
                                            "CiliumClusterwideNetworkPolicies)")
    unmodelled: list[Unmodelled] = []
    endpoint_selector = node_selector = None
    subject_init = False
    if spec.endpointSelector is not None:
        here = site.at("endpointSelector")
        subject = subject_selector(spec.endpointSelector, here, namespace, reading.warnings)
        endpoint_selector = subject.selector
        subject_init = INIT_KEY in subject.foreign_keys
        if subject.foreign_keys:
            unmodelled.append(Unmodelled(f"{here.field} (selects by {', '.join(subject.foreign_keys)}: labels of "
                                         "identities that are not pods)", here.span()))
        identity_warnings(subject, here, reading.warnings)
    else:
        here = site.at("nodeSelector")
        node_selector = read_selector(spec.nodeSelector, here).selector
        unmodelled.append(Unmodelled(f"{here.field} (a host policy: it applies to nodes)", here.span()))
    ctx = RuleContext(namespace, subject_init, reading, groups)
    ingress = (*rules("ingress", False, spec.ingress, site.at("ingress"), ctx),
               *rules("ingress", True, spec.ingressDeny, site.at("ingressDeny"), ctx))
    egress = (*rules("egress", False, spec.egress, site.at("egress"), ctx),
              *rules("egress", True, spec.egressDeny, site.at("egressDeny"), ctx))
    if node_selector is not None:
        l7 = next((r for r in (*ingress, *egress) if any(p.l7 for p in r.ports)), None)
        if l7 is not None:
            raise site.at("nodeSelector").error(
                f"host policies (nodeSelector) do not support L7 rules (the rule at line {l7.span.line} has them)")
    default_deny = spec.enableDefaultDeny
    return CiliumPolicy(
        kind=pending.kind, api_version=pending.api_version, namespace=namespace, name=pending.name, index=index,
        endpoint_selector=endpoint_selector, node_selector=node_selector, ingress=ingress, egress=egress,
        default_deny={"ingress": default_deny.ingress if default_deny else None,
                      "egress": default_deny.egress if default_deny else None},
        span=site.span(), unmodelled=tuple(unmodelled),
    )


def with_cluster_name(cluster: Cluster, name: str) -> Cluster:
    """`--cilium-cluster NAME`: validated as Cilium validates cluster-name (pkg/clustermesh/types: at most 32
    lowercase letters, digits and '-', starting and ending with a letter or digit)."""
    if len(name) > MAX_CLUSTER_NAME or not _CLUSTER_NAME.fullmatch(name):
        raise UsageError(f"--cilium-cluster {name!r}: a Cilium cluster name is 1 to {MAX_CLUSTER_NAME} lowercase "
                         "letters, digits and '-', starting and ending with a letter or digit")
    if name == cluster.cilium.cluster_name:
        return cluster
    return dataclasses.replace(cluster, cilium=dataclasses.replace(cluster.cilium, cluster_name=name))


def cilium_kind(kind: str, api_version: str | None, site: Site) -> str | None:
    """`kind` when the builder should read it as a Cilium object; None when it is another group's kind. Raises
    at apiVersion for a cilium.io version netverify does not read (skipping it could drop a policy)."""
    if kind not in (CNP_KIND, CCNP_KIND, CIDR_GROUP_KIND):
        return None
    if api_version is None:
        return kind  # these kind names are Cilium's alone
    versions = CIDR_GROUP_VERSIONS if kind == CIDR_GROUP_KIND else POLICY_VERSIONS
    if api_version in versions:
        return kind
    if group_of(api_version) == CILIUM_GROUP:
        raise site.at("apiVersion").error(
            f"{kind} {api_version} is not a version netverify reads (it reads {', '.join(versions)})")
    return None
