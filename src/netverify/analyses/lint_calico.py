"""`lint`'s redundancy for Calico's ordered policies (issue 15 item 1): a Calico policy or rule whose removal
changes no connection of any pod that could exist — the same with/without equivalence as every other kind
(analyses/lint_proven.py, `equiv` under Calico's chain), located at the policy's or the rule's line.

A redundant rule is then told apart: "never decides a connection" when giving it any other action changes
nothing either (whenever it matches, an earlier rule, policy or tier has decided already — an Allow after a
Deny with a wider match, a policy in a tier after one that denies everything for its pods — or the other end
blocks the connection), else "what follows decides the same" (a Deny the tier's default Deny repeats).
Log rules change no connection by design and are not judged; staged policies are not enforced and neither.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator

from netverify.findings import LintFinding
from netverify.model.calico import CalicoPolicy, CalicoRule
from netverify.model.cluster import Cluster

# For each action, the others that must change nothing for "never decides" (a Pass stands between both ends)
_OTHER_ACTIONS = {"allow": ("deny",), "deny": ("allow",), "pass": ("deny", "allow")}

Same = Callable[[Cluster, Cluster], str]  # "same" / "differ" / "unknown" (lint_proven._same)


def _with_policy(cluster: Cluster, old: CalicoPolicy, new: CalicoPolicy | None) -> Cluster:
    kept = tuple(q for q in (new if p is old else p for p in cluster.calico.policies) if q is not None)
    return dataclasses.replace(cluster, calico=dataclasses.replace(cluster.calico, policies=kept))


def _with_rules(p: CalicoPolicy, direction: str, rules: tuple[CalicoRule, ...]) -> CalicoPolicy:
    return dataclasses.replace(p, **{direction: rules})


def calico_redundancy(cluster: Cluster, same: Same, notes: list[str]) -> Iterator[LintFinding]:
    for p in cluster.calico.policies:
        if p.staged:
            continue
        verdict = same(cluster, _with_policy(cluster, p, None))
        if verdict == "same":
            yield LintFinding("redundant-policy", f"{p.key} (tier {p.tier}): removing it changes no connection of "
                              "any pod that could exist (never reached, or what follows decides the same)", p.span)
            continue
        if verdict == "unknown":
            notes.append(f"lint: whether {p.key} is redundant was not decided")
            continue
        for direction in ("ingress", "egress"):
            rules = p.rules(direction)
            for rule in rules:
                if rule.action == "log":
                    continue
                without = _with_rules(p, direction, tuple(r for r in rules if r is not rule))
                if same(cluster, _with_policy(cluster, p, without)) != "same":
                    continue
                yield LintFinding("redundant-rule", f"{p.key} {direction}[{rule.index}] ({rule.action}): "
                                  + _why(cluster, p, direction, rule, same), rule.span)


def _why(cluster: Cluster, p: CalicoPolicy, direction: str, rule: CalicoRule, same: Same) -> str:
    rules = p.rules(direction)
    for action in _OTHER_ACTIONS[rule.action]:
        other = dataclasses.replace(rule, action=action)
        changed = _with_rules(p, direction, tuple(other if r is rule else r for r in rules))
        if same(cluster, _with_policy(cluster, p, changed)) != "same":
            return ("removing it changes no connection of any pod that could exist: what follows it (later "
                    "rules, policies, tiers, the tier's default) decides the same")
    return ("never decides a connection of any pod that could exist: whenever it matches, an earlier rule, "
            "policy or tier has decided already (or the other end blocks the connection)")
