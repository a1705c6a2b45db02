"""Which of a pod's labels Cilium puts in its security identity, the only labels Cilium's selectors see.

Two steps, both in the agent, both applied before any policy is read:
1. A pod's own labels under Cilium's prefix `io.cilium.k8s` are dropped, and the ones Cilium owns (namespace
   labels, service account, cluster) are set from the objects themselves (cilium/cilium pkg/k8s/utils
   SanitizePodLabels / filterPodLabels; the fix for GHSA-gj2r-phwg-6rww, CVE-2023-39347, in 1.12.14, 1.13.7,
   1.14.2): no pod can claim another namespace's labels.
2. The identity-relevant label filter (pkg/labelsfilter, defaultLabelPrefixCfg; docs: "Limiting
   Identity-Relevant Labels", https://docs.cilium.io/en/stable/operations/performance/scalability/
   identity-relevant-labels/). Each pattern is a regular expression that must match at the start of the key;
   a key is kept when no ignore pattern matches it, or when the longest include match is longer than the
   shortest ignore match. By default Cilium keeps every label except `io.kubernetes*` (but
   `io.kubernetes.pod.namespace`), `kubernetes.io*`, `*beta.kubernetes.io*`, `k8s.io*`,
   `pod-template-generation`, `pod-template-hash`, `controller-revision-hash`, `annotation*` and `etcd_node`
   (namespace labels `io.cilium.k8s.namespace.labels.*` and `app.kubernetes.io*` are included explicitly).
   A selector requirement on a key left out reads the key as absent: `pod-template-hash In {..}` selects no pod,
   `DoesNotExist` every pod. netverify models the default filter (a cluster's `--labels` option is not in the
   manifests).
Keys whose treatment differs between Cilium releases (`topology.kubernetes.io/*`, ignored from
cilium/cilium#43725 on, 2026) are `RELEASE_DEPENDENT`: a selector whose match differs with them kept and left out
matches "maybe" (eval/cilium_identity.release_match), so a verdict that rests on it is unknown.
"""

from __future__ import annotations

import re

CILIUM_OWNED_PREFIX = "io.cilium.k8s"  # pkg/k8s/apis/cilium.io const.go LabelPrefix
_INCLUDE = tuple(re.compile(p) for p in (
    r"io\.kubernetes\.pod\.namespace", r"io\.cilium\.k8s\.namespace\.labels", r"app\.kubernetes\.io"))
_IGNORE = tuple(re.compile(p) for p in (
    r"io\.kubernetes", r"kubernetes\.io", r".*beta\.kubernetes\.io", r"k8s\.io", r"pod-template-generation",
    r"pod-template-hash", r"controller-revision-hash", r"annotation.*", r"etcd_node"))
RELEASE_DEPENDENT = ("topology.kubernetes.io",)


def identity_relevant(key: str) -> bool:
    """Whether Cilium's default label filter keeps the identity label `key` (its full key, e.g.
    `io.cilium.k8s.namespace.labels.team` for a namespace label)."""
    ignored = min((m.end() for p in _IGNORE if (m := p.match(key)) is not None), default=0)
    if ignored == 0:
        return True
    included = max((m.end() for p in _INCLUDE if (m := p.match(key)) is not None), default=0)
    return included > ignored


def own_label_kept(key: str) -> bool:
    """Whether a label the pod itself carries reaches its identity (step 1, then step 2)."""
    return not key.startswith(CILIUM_OWNED_PREFIX) and identity_relevant(key)


def release_dependent(key: str) -> bool:
    return key.startswith(RELEASE_DEPENDENT)
