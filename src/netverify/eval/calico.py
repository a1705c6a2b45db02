"""Calico's tiers as one layer of the chain (CHAINS["calico"]): what Felix does for one side of a connection.

Sources: https://docs.tigera.io/calico/latest/reference/resources/tier, .../networkpolicy,
.../globalnetworkpolicy, https://docs.tigera.io/calico/latest/network-policy/policy-tiers/tiered-policy, and
projectcalico/calico felix/calc/policy_sorter.go (TierLess, PolKVLess), api/pkg/apis/projectcalico/v3/tier.go.

- Tiers run by `order` (omitted: after every number), ties by name. Calico has `kube-admin` (1000, default
  Pass: AdminNetworkPolicy, ClusterNetworkPolicy tier Admin, order = priority), `default` (1,000,000, default
  Deny: Calico policies without a tier, and every Kubernetes NetworkPolicy as an Allow-only policy at order
  1000, model/calico_k8s.py) and `kube-baseline` (10,000,000, default Pass: BaselineAdminNetworkPolicy,
  ClusterNetworkPolicy tier Baseline); a Tier object of one of those names in the input wins.
- In a tier the policies that select the pod for the side's direction (per `types`) run by `order`, then by
  `name/namespace/kind` as strings (PolKVLess); staged policies are not enforced and are skipped.
- A policy's rules run in order: Allow and Deny end the chain, Pass leaves the tier (the next tier decides),
  Log goes on. When no rule of any selecting policy ends the tier, the tier's default action applies if some
  policy of the tier selected the pod; else the next tier decides. After the last tier the profile (kns.<ns>)
  allows: the end of the chain.
- HostEndpoints: a host-network pod has no workload endpoint (no policy selects it, no selector matches it by
  labels); with HostEndpoints in the input, a HostEndpoint's policies may apply to it instead (unknown), and a
  policy with applyOnForward / preDNAT / doNotTrack may judge traffic the host forwards (every side unknown).
  Profiles apply to pods only as Calico's own kns.* / ksa.* profiles, which allow: the end of the chain; one in
  the input that differs from what Calico generates is unknown where it could decide (eval/calico_profiles.py).
- Unknown (fail closed): a rule whose match netverify cannot tell (services, a ServiceAccount not in the
  input, an address not known) or whose unmodelled fields (http, ...) could decide; a policy with unmodelled
  fields (doNotTrack, preDNAT, applyOnForward) that selects the pod; a selection netverify cannot tell.
One LayerDecision per tier consulted, layer `calico:<tier>`.
"""

from __future__ import annotations

import math
import weakref
from collections import OrderedDict
from dataclasses import dataclass

from netverify.eval import anp, calico_profiles
from netverify.eval.calico_match import rule_match, selects
from netverify.eval.calico_selector import Match
from netverify.eval.layer import Side, is_host_network
from netverify.model.anp import AdminPolicy
from netverify.model.calico import DEFAULT_TIER, CalicoPolicy, CalicoTier
from netverify.model.calico_k8s import K8S_KIND, as_calico
from netverify.model.cluster import Cluster
from netverify.model.decision import LayerDecision
from netverify.model.flow import PodEndpoint
from netverify.model.verdict import RuleRef

LAYER = "calico"
KUBE_ADMIN, KUBE_BASELINE = "kube-admin", "kube-baseline"
BUILTIN_TIERS = (
    CalicoTier(KUBE_ADMIN, 1000.0, "pass", None),
    CalicoTier(DEFAULT_TIER, 1_000_000.0, "deny", None),
    CalicoTier(KUBE_BASELINE, 10_000_000.0, "pass", None),
)
ADMIN_KINDS = {"admin": "KubernetesAdminNetworkPolicy", "baseline": "KubernetesBaselineAdminNetworkPolicy"}


@dataclass(frozen=True)
class Member:
    """One policy of a tier: a Calico policy (Kubernetes NetworkPolicies converted) or an admin policy."""

    sort_key: tuple[float, str]
    calico: CalicoPolicy | None = None
    admin: AdminPolicy | None = None


def tiers_of(cluster: Cluster) -> tuple[tuple[CalicoTier, bool], ...]:
    """Every tier, in Felix's order, with whether it is defined (a policy naming a tier no Tier defines
    sorts after every defined one, TierLess)."""
    cached = _cached(cluster)
    if "//tiers" not in cached:
        cached["//tiers"] = _tiers(cluster)
    return cached["//tiers"]


def _tiers(cluster: Cluster) -> tuple[tuple[CalicoTier, bool], ...]:
    named = {t.name: t for t in BUILTIN_TIERS}
    named.update({t.name: t for t in cluster.calico.tiers})
    undefined = sorted({p.tier for p in cluster.calico.policies} - set(named))
    out = [(t, True) for t in named.values()] + [(CalicoTier(n, None, "deny", None), False) for n in undefined]
    return tuple(sorted(out, key=lambda tv: (not tv[1], tv[0].order is None,
                                             tv[0].order if tv[0].order is not None else 0.0, tv[0].name)))


def calico_sort_key(p: CalicoPolicy) -> tuple[float, str]:
    order = p.order if p.order is not None else math.inf
    return order, f"{p.name}/{p.namespace or ''}/{p.kind}"


# Per cluster (by identity; dropped with it), the tiers in order and each tier's members: the evaluator asks
# per side, and building them converts every NetworkPolicy and sorts. Clusters are immutable: no going stale.
_PER_CLUSTER: dict[int, dict] = {}


def _cached(cluster: Cluster) -> dict:
    found = _PER_CLUSTER.get(id(cluster))
    if found is None:
        found = _PER_CLUSTER[id(cluster)] = {}
        weakref.finalize(cluster, _PER_CLUSTER.pop, id(cluster), None)
    return found


def members_of(cluster: Cluster, tier: str) -> tuple[Member, ...]:
    """The tier's enforced policies, in Felix's order."""
    cached = _cached(cluster)
    if tier not in cached:  # tier names are DNS labels: never "//tiers"
        cached[tier] = _members(cluster, tier)
    return cached[tier]


# Which policies select a pod, per (cluster, pod) by identity: map and the differential oracle ask about the
# same pod over many connections, and a selector's match depends on the pod alone. An entry holds its cluster
# and pod, so neither id can be reused while it is cached; the cluster keeps its members (and their ids) alive.
_SELECTED: OrderedDict[tuple[int, int], tuple[Cluster, PodEndpoint, dict[int, Match]]] = OrderedDict()
_SELECTED_MAX = 4096


def _selects(cluster: Cluster, policy: CalicoPolicy, pod) -> Match:
    if not isinstance(pod, PodEndpoint):
        return selects(cluster, policy, pod)
    key = (id(cluster), id(pod))
    entry = _SELECTED.get(key)
    if entry is None or entry[0] is not cluster or entry[1] is not pod:
        entry = _SELECTED[key] = (cluster, pod, {})
        if len(_SELECTED) > _SELECTED_MAX:
            _SELECTED.popitem(last=False)
    memo = entry[2]
    if id(policy) not in memo:
        memo[id(policy)] = selects(cluster, policy, pod)
    return memo[id(policy)]


def _members(cluster: Cluster, tier: str) -> tuple[Member, ...]:
    out = [Member(calico_sort_key(p), calico=p) for p in cluster.calico.policies if p.tier == tier and not p.staged]
    if tier == DEFAULT_TIER:
        out += [Member(calico_sort_key(c), calico=c) for c in map(as_calico, cluster.policies)]
    for layer, name in (("admin", KUBE_ADMIN), ("baseline", KUBE_BASELINE)):
        if tier == name:
            out += [Member((float(a.priority), f"{a.name}//{ADMIN_KINDS[layer]}"), admin=a)
                    for a in cluster.admin_policies if a.tier == layer]
    return tuple(sorted(out, key=lambda m: m.sort_key))


def policy_ref(p: CalicoPolicy, direction) -> RuleRef:
    if p.kind == K8S_KIND:
        return RuleRef(f"{p.namespace}/{p.name}", direction, None, p.span)
    return RuleRef(p.key, direction, None, p.span, kind=p.kind)


def rule_ref(p: CalicoPolicy, rule) -> RuleRef:
    if p.kind == K8S_KIND:  # a NetworkPolicy rule keeps its own name in reports
        return RuleRef(f"{p.namespace}/{p.name}", rule.direction, rule.index, rule.span, action="allow")
    return RuleRef(p.key, rule.direction, rule.index, rule.span, kind=p.kind, action=rule.action)


def _unknown(layer: str, ref: RuleRef, why: str) -> LayerDecision:
    return LayerDecision(layer, "unknown", (ref,), reason=f"{ref.policy}: {why}")


def policy_decision(cluster: Cluster, p: CalicoPolicy, side: Side, layer: str) -> LayerDecision | None:
    """What one selecting policy says: allow / deny / pass / unknown, or None when no rule ends it."""
    if p.unmodelled:
        fields = ", ".join(str(u) for u in p.unmodelled)
        return _unknown(layer, policy_ref(p, side.direction), f"uses {fields}, which netverify does not model")
    for rule in p.rules(side.direction):
        m = rule_match(cluster, p, rule, side)
        if m is False:
            continue
        ref = rule_ref(p, rule)
        if m is None:
            return _unknown(layer, ref, f"{rule.direction}[{rule.index}] may match: which endpoints it names is "
                                        f"not in the input (a service, a ServiceAccount or an address) ({rule.span})")
        if rule.unmodelled:
            fields = ", ".join(str(u) for u in rule.unmodelled)
            return _unknown(layer, ref, f"{rule.direction}[{rule.index}] uses {fields}, which netverify does not "
                                        f"model")
        if rule.action == "log":
            continue
        return LayerDecision(layer, rule.action, (ref,))
    return None


def admin_selects(a: AdminPolicy, side: Side) -> bool:
    return isinstance(side.pod, PodEndpoint) and not is_host_network(side.pod) and bool(
        a.rules(side.direction)) and anp.in_pod_set(a.subject, side.pod)


def tier_decision(cluster: Cluster, tier: CalicoTier, side: Side) -> LayerDecision:
    layer = f"{LAYER}:{tier.name}"
    selected: list[RuleRef] = []
    for m in members_of(cluster, tier.name):
        if m.admin is not None:
            if not admin_selects(m.admin, side):
                continue
            d = anp.policy_decision(cluster, m.admin, side, layer)
            selected.append(RuleRef(m.admin.key, side.direction, None, m.admin.span, kind=m.admin.kind))
            if d.action != "nomatch":
                return LayerDecision(layer, d.action, d.by, d.reason)
            continue
        p = m.calico
        assert p is not None
        if side.direction not in p.types:
            continue
        chosen = _selects(cluster, p, side.pod)
        if chosen is False:
            continue
        if chosen is None:
            return _unknown(layer, policy_ref(p, side.direction),
                            "whether it applies to the pod depends on its ServiceAccount or host endpoint, "
                            "which the input does not say")
        selected.append(policy_ref(p, side.direction))
        d = policy_decision(cluster, p, side, layer)
        if d is not None:
            return d
    if not selected:
        return LayerDecision(layer, "nomatch")
    return LayerDecision(layer, tier.default_action, tuple(selected))


def forwarding_reason(cluster: Cluster) -> str | None:
    """HostEndpoints with policies netverify does not model on them (applyOnForward, preDNAT, doNotTrack):
    such a policy may judge pod traffic the host forwards, in ways netverify does not model."""
    if not cluster.calico.host_endpoints:
        return None
    found = [p for p in cluster.calico.policies if p.unmodelled and not p.staged]
    if not found:
        return None
    what = ", ".join(f"{p.key} ({', '.join(str(u) for u in p.unmodelled)})" for p in found)
    return (f"HostEndpoints are in the input and {what} may judge traffic the host forwards, which netverify does "
            f"not model")


def decide(cluster: Cluster, side: Side) -> tuple[LayerDecision, ...]:
    """One entry per tier, in order, until one ends the chain (allow, deny or unknown)."""
    forwarding = forwarding_reason(cluster)
    if forwarding is not None:
        return (LayerDecision(LAYER, "unknown", reason=forwarding),)
    labels = calico_profiles.labels_decision(cluster, side)  # a Profile's labels not modelled: before any tier
    if labels is not None:
        return (labels,)
    out = []
    for tier, _ in tiers_of(cluster):
        d = tier_decision(cluster, tier, side)
        out.append(d)
        if d.action not in ("pass", "nomatch"):
            return tuple(out)
    rules = calico_profiles.rules_decision(cluster, side)  # the profile's rules decide after the last tier
    return (*out, rules) if rules is not None else tuple(out)
