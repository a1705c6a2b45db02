"""Calico selectors over the objects they match, three-valued (True, False, None = cannot tell).

What a selector sees (https://docs.tigera.io/calico/latest/reference/resources/networkpolicy#selectors,
projectcalico/calico libcalico-go/lib/backend/k8s/conversion/ and syncersv1/updateprocessors/rules.go):
- a pod's labels, plus `projectcalico.org/namespace` (its namespace), `projectcalico.org/orchestrator: k8s`
  and `projectcalico.org/serviceaccount` (its serviceAccountName);
- its namespace's labels as `pcns.<key>` (and `pcns.projectcalico.org/name`: the namespace's name), its
  ServiceAccount's labels as `pcsa.<key>` (and `pcsa.projectcalico.org/name`), inherited from the profiles
  Calico attaches (kns.<namespace>, ksa.<namespace>.<account>);
- a NetworkSet's labels (plus `projectcalico.org/namespace` for a namespaced one, which inherits its
  namespace's `pcns.` labels too); a GlobalNetworkSet's labels only (`global()` matches it).
A `namespaceSelector` is the selector with every key prefixed `pcns.` (`all()`: in some namespace, `global()`:
in none), a `serviceAccounts.selector` / `serviceAccountSelector` with `pcsa.`.

An endpoint's own label comes before the one a profile gives it (`own_first`): a pod carrying `pcns.team` itself
matches a namespaceSelector on `team` by that value, in whichever namespace it runs.

None: the value the selector reads is not in the input: the ServiceAccount of a pod not created yet, or the
labels of a ServiceAccount object the manifests do not hold.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from netverify.model.calico_selector import All, And, Expr, Global, Not, Or, leaf_matches

Match = bool | None

NAMESPACE_KEY = "projectcalico.org/namespace"
ORCHESTRATOR_KEY = "projectcalico.org/orchestrator"
SERVICE_ACCOUNT_KEY = "projectcalico.org/serviceaccount"
NAME_KEY = "projectcalico.org/name"
NS_PREFIX = "pcns."
SA_PREFIX = "pcsa."


class _Unknown:
    def __repr__(self) -> str:
        return "UNKNOWN"


UNKNOWN = _Unknown()  # a label value the input does not hold


@dataclass(frozen=True)
class Subject:
    """One object a selector is matched against. `service_account` / `sa_labels`: UNKNOWN when not in the
    input, None / {} for objects without one (network sets)."""

    own: Mapping[str, str]
    namespace: str | None
    ns_labels: Mapping[str, str] = field(default_factory=dict)
    service_account: str | None | _Unknown = None
    sa_labels: Mapping[str, str] | _Unknown = field(default_factory=dict)

    def value(self, key: str) -> str | None | _Unknown:
        if own_first(key) and key in self.own:
            return self.own[key]
        if key.startswith(NS_PREFIX):
            if self.namespace is None:
                return None
            inner = key[len(NS_PREFIX):]
            return self.namespace if inner == NAME_KEY else self.ns_labels.get(inner)
        if key.startswith(SA_PREFIX):
            inner = key[len(SA_PREFIX):]
            if inner == NAME_KEY:
                return self.service_account
            if isinstance(self.sa_labels, _Unknown):
                return UNKNOWN if self.service_account is not None else None
            return self.sa_labels.get(inner)
        if key == SERVICE_ACCOUNT_KEY:
            return self.service_account
        return self.own.get(key)


def own_first(key: str) -> bool:
    """Whether an endpoint's own label of this key comes before the one its profiles give it. Calico puts a
    namespace's labels (`pcns.*`) and a ServiceAccount's (`pcsa.*`) on profiles the endpoint inherits from, and
    felix reads an endpoint's own labels first (felix labelindex, itemData.Get): a pod that carries `pcns.team`
    itself has that value whatever its namespace says. The keys Calico writes on the endpoint itself (its
    namespace, orchestrator and ServiceAccount name) replace the pod's own (libcalico-go k8s conversion)."""
    return key.startswith((NS_PREFIX, SA_PREFIX))


def all3(parts) -> Match:
    out: Match = True
    for p in parts:
        if p is False:
            return False
        if p is None:
            out = None
    return out


def any3(parts) -> Match:
    out: Match = False
    for p in parts:
        if p is True:
            return True
        if p is None:
            out = None
    return out


def not3(m: Match) -> Match:
    return None if m is None else not m


def match3(expr: Expr, subject: Subject, prefix: str = "") -> Match:
    """`expr` read with every key prefixed (`pcns.` for a namespace selector, `pcsa.` for an account one)."""
    if isinstance(expr, All):
        return subject.namespace is not None if prefix == NS_PREFIX else True
    if isinstance(expr, Global):
        return subject.namespace is None
    if isinstance(expr, Not):
        return not3(match3(expr.operand, subject, prefix))
    if isinstance(expr, And):
        return all3(match3(e, subject, prefix) for e in expr.operands)
    if isinstance(expr, Or):
        return any3(match3(e, subject, prefix) for e in expr.operands)
    value = subject.value(prefix + expr.key)
    if isinstance(value, _Unknown):
        return None
    return leaf_matches(expr, value)
