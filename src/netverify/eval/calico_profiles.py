"""What Calico Profiles in the input do to pod traffic: exactly nothing, or unknown where they could decide.

Calico attaches profiles to a pod's workload endpoint only through the ones it generates itself
(libcalico-go/lib/backend/k8s/conversion: `kns.<namespace>` from the Namespace, then `ksa.<namespace>.<account>`
from the pod's ServiceAccount, in that order), never a user-named one; a Profile is otherwise reached only from a
HostEndpoint's `profiles` (https://docs.tigera.io/calico/latest/reference/resources/profile). Felix runs the
endpoint's profiles in order after every tier and the first profile rule that accepts ends the chain
(felix/rules/endpoints.go); what no profile accepts is dropped. As Calico generates them:
- `kns.<ns>`: ingress `[{action: Allow}]`, egress `[{action: Allow}]` (NamespaceToProfile): the chain's end
  allows, which is what the Calico layer models; `labelsToApply` is the namespace's labels as `pcns.<key>` plus
  `pcns.projectcalico.org/name: <ns>`, which selectors read (eval/calico_selector.py);
- `ksa.<ns>.<sa>`: no rules (ServiceAccountToProfile); `labelsToApply` is the account's labels as `pcsa.<key>`
  plus `pcsa.projectcalico.org/name: <sa>`.
A Profile that says what Calico would generate changes nothing. One that differs fails closed:
- a `kns.<ns>` whose rules are not exactly that allow: every side of a pod of <ns> that reaches the end of the
  tiers is unknown (its rules, not modelled, decide there);
- labels that differ from the derived ones on a key some Calico selector reads: every side of a connection with
  an end in <ns> (a pod there, or an address of one of its NetworkSets) is unknown, before any tier (selectors
  of every tier read them).
`ksa.*` rules never decide: the `kns.*` allow before them accepts first (and when it is not the default, its
namespace is unknown already). Profiles with any other name apply to no pod endpoint (load/calico_builder.py
notes them).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field

from netverify.eval.calico_match import entity_parts, policy_parts
from netverify.eval.calico_selector import NAME_KEY, NS_PREFIX, SA_PREFIX
from netverify.eval.layer import Side, is_host_network
from netverify.model import calico_selector as cs
from netverify.model.calico import CalicoRule, EntityRule, Profile
from netverify.model.calico_k8s import as_calico
from netverify.model.ipblock import IPBlock
from netverify.model.calico_profile_names import profile_target
from netverify.model.cluster import Cluster
from netverify.model.decision import LayerDecision
from netverify.model.flow import Endpoint, PodEndpoint

LAYER = "calico:profile"
_CACHE_KEY = "_netverify_calico_profile_effects"  # computed once per (immutable) Cluster


@dataclass(frozen=True)
class ProfileEffects:
    """Per namespace, why its Profiles leave a verdict unknown (empty: they change nothing)."""

    labels_unknown: Mapping[str, str] = field(default_factory=dict)
    rules_unknown: Mapping[str, str] = field(default_factory=dict)
    # The nets of each labels_unknown namespace's NetworkSets (built once: asked for every connection).
    set_nets: Mapping[str, tuple[IPBlock, ...]] = field(default_factory=dict)

    def __bool__(self) -> bool:
        return bool(self.labels_unknown or self.rules_unknown)


def _plain(er: EntityRule) -> bool:
    return not (er.nets or er.not_nets or er.selector or er.not_selector or er.namespace_selector or er.ports
                or er.not_ports or er.service_accounts or er.services)


def _plain_allow(rule: CalicoRule) -> bool:
    return (rule.action == "allow" and rule.protocol is None and rule.not_protocol is None and rule.icmp is None
            and rule.not_icmp is None and rule.ip_version is None and not rule.unmodelled
            and _plain(rule.source) and _plain(rule.destination))


def _keys(expr: cs.Expr, prefix: str) -> Iterator[str]:
    if isinstance(expr, (cs.All, cs.Global)):
        return
    if isinstance(expr, cs.Not):
        yield from _keys(expr.operand, prefix)
    elif isinstance(expr, (cs.And, cs.Or)):
        for e in expr.operands:
            yield from _keys(e, prefix)
    else:
        yield prefix + expr.key


def keys_read(cluster: Cluster) -> frozenset[str]:
    """Every label key a Calico selector reads, namespace (`pcns.`) and account (`pcsa.`) keys as such; the
    Kubernetes NetworkPolicies as Calico converts them."""
    out: set[str] = set()
    policies = [*(p for p in cluster.calico.policies if not p.staged), *map(as_calico, cluster.policies)]
    for p in policies:
        parts = list(policy_parts(p))
        for rule in (*p.ingress, *p.egress):
            for er in (rule.source, rule.destination):
                parts += entity_parts(er, p.namespace) or []
                if er.not_selector is not None:
                    parts.append((er.not_selector.expr, ""))
        for expr, prefix in parts:
            out.update(_keys(expr, prefix))
    return frozenset(out)


def derived_labels(cluster: Cluster, namespace: str, account: str | None) -> Mapping[str, str] | None:
    """The labels Calico's generated profile applies; None for an account whose object is not in the input
    (its labels are unknown to selectors already)."""
    if account is None:
        return {**{NS_PREFIX + k: v for k, v in cluster.namespace_labels(namespace).items()},
                NS_PREFIX + NAME_KEY: namespace}
    found = next((sa for sa in cluster.service_accounts if sa.namespace == namespace and sa.name == account), None)
    if found is None:
        return None
    return {**{SA_PREFIX + k: v for k, v in found.labels.items()}, SA_PREFIX + NAME_KEY: account}


def _label_reason(cluster: Cluster, p: Profile, namespace: str, account: str | None,
                  read: frozenset[str]) -> str | None:
    derived = derived_labels(cluster, namespace, account)
    given = dict(p.labels_to_apply)
    if derived is None:  # only the name label is known for an account not in the input
        name_key = SA_PREFIX + NAME_KEY
        differ = {name_key} if name_key in given and given[name_key] != account else set()
    else:
        differ = {k for k in {*given, *derived} if given.get(k) != derived.get(k)}
    decisive = sorted(differ & read)
    if not decisive:
        return None
    return (f"Profile {p.name} ({p.span}) applies labelsToApply that differ from what Calico derives from the "
            f"{'Namespace' if account is None else 'ServiceAccount'} on {', '.join(decisive)}, which Calico "
            "selectors read; netverify does not model a Profile's own labels")


def _compute(cluster: Cluster) -> ProfileEffects:
    labels: dict[str, str] = {}
    rules: dict[str, str] = {}
    read = keys_read(cluster)
    for p in cluster.calico.profiles:
        target = profile_target(p.name)
        if target is None:
            continue
        namespace, account = target
        if account is None and not (len(p.ingress) == len(p.egress) == 1
                                    and _plain_allow(p.ingress[0]) and _plain_allow(p.egress[0])):
            rules.setdefault(namespace, f"Profile {p.name} ({p.span}) has rules other than the allow Calico "
                                        "generates for a namespace; after the last tier they decide, and netverify "
                                        "does not model a Profile's rules")
        reason = _label_reason(cluster, p, namespace, account, read)
        if reason is not None:
            labels.setdefault(namespace, reason)
    nets = {ns: tuple(b for s in cluster.calico.network_sets if s.namespace == ns for b in s.nets) for ns in labels}
    return ProfileEffects(labels, rules, nets)


def profile_effects(cluster: Cluster) -> ProfileEffects:
    if not cluster.calico.profiles:
        return ProfileEffects()
    found = cluster.__dict__.get(_CACHE_KEY)  # Cluster is frozen but not slotted (model/cluster.py caches too)
    if found is None:
        found = _compute(cluster)
        object.__setattr__(cluster, _CACHE_KEY, found)
    return found


def in_namespace_sets(blocks: tuple[IPBlock, ...], ep: Endpoint) -> bool | None:
    """Whether the endpoint's address is in one of a namespace's NetworkSets' `blocks` (None: its address is
    not known)."""
    if not blocks:
        return False
    if ep.ip is None:
        return None
    return any(b.contains(ep.ip) for b in blocks)


def labels_decision(cluster: Cluster, side: Side) -> LayerDecision | None:
    """Unknown, before every tier, when an end of the connection carries labels of a Profile not modelled."""
    effects = profile_effects(cluster)
    for namespace, reason in effects.labels_unknown.items():
        for ep in (side.pod, side.other):
            if isinstance(ep, PodEndpoint) and ep.namespace == namespace \
                    or in_namespace_sets(effects.set_nets[namespace], ep) is not False:
                return LayerDecision(LAYER, "unknown", reason=reason)
    return None


def rules_decision(cluster: Cluster, side: Side) -> LayerDecision | None:
    """Unknown at the end of the tiers for a pod whose namespace profile has rules not modelled."""
    pod = side.pod
    if not isinstance(pod, PodEndpoint) or is_host_network(pod):
        return None
    reason = profile_effects(cluster).rules_unknown.get(pod.namespace)
    return None if reason is None else LayerDecision(LAYER, "unknown", reason=reason)
