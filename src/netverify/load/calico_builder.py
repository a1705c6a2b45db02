"""Calico objects and core v1 ServiceAccounts as the cluster builder meets them -> CalicoResources.

One entry for the builder (`CalicoCollector.add`), so load/cluster_builder.py needs one branch for every Calico
kind. Names, namespaces, labels and duplicates are checked as for every object (the builder's helpers); a
Calico object read at both apiVersions is one object (a v1 CRD name `default.x` is the v3 name `x`), so the
second is a duplicate. After every file is read, each policy's tier must exist (Calico refuses a policy in a
tier that does not: https://docs.tigera.io/calico/latest/reference/resources/tier); the tiers Calico makes
itself (default, kube-admin, kube-baseline) are added when the manifests do not declare them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

from netverify.errors import InputError
from netverify.load.calico import (
    BUILTIN_TIERS, NAMESPACED, calico_policy, check_name, check_version, host_endpoint, network_set, profile,
    staged_kubernetes_policy, tier, v3_name,
)
from netverify.load.calico_fields import CALICO_ROOTS, SERVICE_ACCOUNT_ROOT
from netverify.load.calico_schema import (
    CalicoPolicyModel, HostEndpointModel, NetworkSetModel, ProfileModel, ServiceAccountModel,
    StagedKubernetesPolicyModel, TierModel,
)
from netverify.load.documents import RawObject
from netverify.load.known_fields import check_known_fields
from netverify.load.names import check_labels, check_namespace_name, check_object_name
from netverify.load.site import Site
from netverify.load.validation import validate
from netverify.model.calico_profile_names import profile_target
from netverify.model.calico import (
    CalicoPolicy, CalicoResources, CalicoTier, HostEndpoint, NetworkSet, Profile,
)
from netverify.model.cluster import ServiceAccount

_MODELS: dict[str, Any] = {
    "NetworkPolicy": CalicoPolicyModel, "GlobalNetworkPolicy": CalicoPolicyModel,
    "StagedNetworkPolicy": CalicoPolicyModel, "StagedGlobalNetworkPolicy": CalicoPolicyModel,
    "StagedKubernetesNetworkPolicy": StagedKubernetesPolicyModel, "Tier": TierModel,
    "NetworkSet": NetworkSetModel, "GlobalNetworkSet": NetworkSetModel, "Profile": ProfileModel,
    "HostEndpoint": HostEndpointModel,
}


class Builder(Protocol):
    """What the collector needs of load/cluster_builder.ClusterBuilder."""

    default_namespace: str
    lenient: bool
    warnings: list[str]
    used: dict[str, None]

    def _check_duplicate(self, kind: str, namespace: str, name: str, site: Site) -> None: ...


@dataclass
class CalicoCollector:
    policies: list[CalicoPolicy] = field(default_factory=list)
    tiers: list[CalicoTier] = field(default_factory=list)
    network_sets: list[NetworkSet] = field(default_factory=list)
    profiles: list[Profile] = field(default_factory=list)
    host_endpoints: list[HostEndpoint] = field(default_factory=list)
    service_accounts: list[ServiceAccount] = field(default_factory=list)
    tier_sites: dict[str, Site] = field(default_factory=dict)  # policy key -> where its tier is named

    def add(self, obj: RawObject, builder: Builder) -> None:
        """A Calico object (`obj.api_version` in a Calico group, `obj.kind` in calico.KINDS)."""
        kind, version = obj.kind, obj.api_version
        assert version is not None
        site = Site(obj.file, obj.data)
        check_version(kind, version, site)
        check_known_fields(kind, obj.data, site, lenient=builder.lenient, warnings=builder.warnings,
                           root=CALICO_ROOTS[kind])
        model = validate(_MODELS[kind], obj.data, obj.file)
        meta = model.metadata
        if not meta.name:
            raise site.at("metadata", "name").error("every object needs metadata.name")
        check_labels(meta.labels, site.at("metadata", "labels"))
        name_site = site.at("metadata", "name")
        spec_tier = getattr(getattr(model, "spec", None), "tier", None)
        name = v3_name(kind, meta.name, version, obj.data.get("metadata"), spec_tier)
        try:
            check_name(kind, name, name_site)
        except InputError as exc:
            if not builder.lenient:
                raise
            # As for every kind (cluster_builder._check_name): a name only identifies the object.
            builder.warnings.append(f"{name_site.where()}: {name_site.field}: {exc.message}; read anyway (--lenient)")
        namespace = self._namespace(kind, meta.namespace, site, builder)
        builder._check_duplicate(f"{kind}.projectcalico.org", namespace or "", name, site)
        w = builder.warnings
        if kind == "StagedKubernetesNetworkPolicy":
            assert namespace is not None
            self.policies.append(staged_kubernetes_policy(model, obj.data, namespace, name, version, site, w))
        elif kind in ("NetworkPolicy", "GlobalNetworkPolicy", "StagedNetworkPolicy", "StagedGlobalNetworkPolicy"):
            policy = calico_policy(kind, model, namespace, name, version, site, w)
            self.policies.append(policy)
            self.tier_sites[policy.key] = site.at("spec", "tier")
        elif kind == "Tier":
            self.tiers.append(tier(model, name, site))
        elif kind in ("NetworkSet", "GlobalNetworkSet"):
            self.network_sets.append(network_set(model, namespace, name, site, w))
        elif kind == "Profile":
            self.profiles.append(profile(model, name, site))
        else:
            self.host_endpoints.append(host_endpoint(model, name, site))

    @staticmethod
    def _namespace(kind: str, written: str | None, site: Site, builder: Builder) -> str | None:
        if kind in NAMESPACED:
            if written:
                check_namespace_name(written, site.at("metadata", "namespace"))
            namespace = written or builder.default_namespace
            builder.used[namespace] = None
            return namespace
        if written:
            here = site.at("metadata", "namespace")
            builder.warnings.append(f"{here.where()}: {here.field}: {kind} is cluster-scoped; namespace {written} "
                                    "ignored")
        return None

    def add_service_account(self, obj: RawObject, builder: Builder) -> None:
        site = Site(obj.file, obj.data)
        check_known_fields("ServiceAccount", obj.data, site, lenient=builder.lenient, warnings=builder.warnings,
                           root=SERVICE_ACCOUNT_ROOT)
        model = validate(ServiceAccountModel, obj.data, obj.file)
        meta = model.metadata
        if not meta.name:
            raise site.at("metadata", "name").error("every object needs metadata.name")
        check_object_name("ServiceAccount", meta.name, site.at("metadata", "name"))
        if meta.namespace:
            check_namespace_name(meta.namespace, site.at("metadata", "namespace"))
        check_labels(meta.labels, site.at("metadata", "labels"))
        namespace = meta.namespace or builder.default_namespace
        builder._check_duplicate("ServiceAccount", namespace, meta.name, site)
        builder.used[namespace] = None
        self.service_accounts.append(ServiceAccount(namespace, meta.name, dict(meta.labels or {}), site.span()))

    def resources(self) -> CalicoResources:
        if not (self.policies or self.tiers or self.network_sets or self.profiles or self.host_endpoints):
            return CalicoResources()
        tiers = {t.name: t for t in self.tiers}
        for policy in self.policies:
            if policy.tier not in tiers and policy.tier not in BUILTIN_TIERS:
                raise self.tier_sites[policy.key].error(
                    f"tier {policy.tier!r} does not exist: Calico refuses a policy in a tier that is not declared "
                    f"(add its Tier object to the manifests; declared: {', '.join(sorted(tiers)) or 'none'})"
                )
        for name, (order, action) in BUILTIN_TIERS.items():
            tiers.setdefault(name, CalicoTier(name, order, action, None))
        notes = tuple(
            f"{p.kind} {p.namespace + '/' if p.namespace else ''}{p.name} ({p.span}) is staged: a preview that "
            "Calico does not enforce; it is not part of any verdict"
            for p in self.policies if p.staged
        ) + tuple(
            f"Profile {p.name} ({p.span}) applies to no pod: Calico gives a pod's workload endpoint only the profiles "
            "it generates (kns.<namespace>, ksa.<namespace>.<serviceaccount>); it decides no pod traffic"
            for p in self.profiles if profile_target(p.name) is None
        )
        return CalicoResources(
            policies=tuple(self.policies), tiers=tuple(tiers.values()), network_sets=tuple(self.network_sets),
            profiles=tuple(self.profiles), host_endpoints=tuple(self.host_endpoints), notes=notes,
        )

