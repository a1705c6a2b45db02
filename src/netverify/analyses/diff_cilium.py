"""The concrete twins of smt/diff_cilium.py: a diff region's reasons under Cilium's chain, on one connection.

`rule_fires`: a policy selecting the side's pod has the allow rule `ref`, and its peers and L4 match (the
union's `fromRequires` and unmodelled fields are left out, as in the formulas). `default_deny`: a selecting
policy with rules in the side's direction puts the pod into default deny there.
"""

from __future__ import annotations

from netverify.eval.cilium import default_denies, rule_match, selecting
from netverify.eval.cilium_identity import identity_of
from netverify.eval.layer import Side
from netverify.model.cluster import Cluster
from netverify.model.flow import PodEndpoint
from netverify.model.verdict import RuleRef
from netverify.smt.diff_cilium import find_rule


def rule_fires(cluster: Cluster, ref: RuleRef, side: Side) -> bool:
    pod = side.pod
    found = find_rule(cluster, ref)
    if found is None or not isinstance(pod, PodEndpoint) or (pod.workload is not None and pod.workload.host_network):
        return False
    policy, rule = found
    if policy not in selecting(cluster, pod):
        return False
    return rule_match(rule, side, identity_of(cluster, side.other), True).match is True


def default_deny(cluster: Cluster, side: Side) -> bool:
    pod = side.pod
    if not isinstance(pod, PodEndpoint) or (pod.workload is not None and pod.workload.host_network):
        return False
    return any(default_denies(p, side.direction) for p in selecting(cluster, pod))


def admitting(cluster: Cluster, refs, side: Side) -> frozenset[RuleRef] | None:
    """Why HEAD lets the side through: its allow rules that fire, or None when the pod is open."""
    fired = frozenset(r for r in refs if r.rule is not None and r.action == "allow" and rule_fires(cluster, r, side))
    if fired or default_deny(cluster, side):
        return fired
    return None
