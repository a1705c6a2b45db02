"""The labels the control plane adds to the pods a controller makes (docs/semantics.md, "Labels Kubernetes adds").

A controller's pods carry its template's labels plus labels its controller sets: some with a value the manifests
determine (a Job's name, a StatefulSet pod's name and index), some with one only the cluster knows (hashes,
uids, a CronJob's generated Job name). Known values are exact; unknown ones are listed so that the SMT keeps
them free. A label the template already carries (a dump of a live object) keeps the template's value.
What current Kubernetes does is modelled (pod-index and job-completion-index labels since v1.28).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from netverify.load.k8s_schema import ControllerSpec
from netverify.model.cluster import UNKNOWN_LABEL_VALUE

JOB_NAME = ("job-name", "batch.kubernetes.io/job-name")
CONTROLLER_UID = ("controller-uid", "batch.kubernetes.io/controller-uid")
JOB_COMPLETION_INDEX = "batch.kubernetes.io/job-completion-index"
STATEFULSET_POD_NAME = "statefulset.kubernetes.io/pod-name"
POD_INDEX = "apps.kubernetes.io/pod-index"
CONTROLLER_REVISION_HASH = "controller-revision-hash"
POD_TEMPLATE_HASH = "pod-template-hash"
POD_TEMPLATE_GENERATION = "pod-template-generation"

# Beyond this many per-replica pods, the rest are one group whose per-replica labels are unknown: a typo such
# as `replicas: 1000000` must not make a million workloads.
MAX_DISTINCT_REPLICAS = 256


@dataclass(frozen=True, slots=True)
class PodGroup:
    """Pods of one controller that carry the same labels; `pods`: their names when the controller fixes them."""

    labels: Mapping[str, str]
    unknown: frozenset[str] = frozenset()
    pods: tuple[str, ...] = ()


def _with(template: Mapping[str, str], known: Mapping[str, str], unknown: tuple[str, ...]) -> PodGroup:
    labels = dict(template)
    free = []
    for key, value in known.items():
        labels.setdefault(key, value)
    for key in unknown:
        if key not in labels:
            labels[key] = UNKNOWN_LABEL_VALUE
            free.append(key)
    return PodGroup(labels, frozenset(free))


def _indexed(base: PodGroup, count: int | None, labels_of, name_of) -> list[PodGroup]:
    """One group per index < count, each adding labels_of(i) (kept if the template has them)."""
    if count is None or count <= 0:
        # Indexes exist but none is fixed (scaled to 0, or not said): every per-index label is unknown.
        keys = tuple(labels_of(0))
        group = _with(base.labels, {}, keys)
        return [PodGroup(group.labels, base.unknown | group.unknown)]
    out = []
    for i in range(min(count, MAX_DISTINCT_REPLICAS)):
        labels = dict(base.labels)
        for key, value in labels_of(i).items():
            labels.setdefault(key, value)
        out.append(PodGroup(labels, base.unknown, (name_of(i),) if name_of else ()))
    if count > MAX_DISTINCT_REPLICAS:
        rest = _with(base.labels, {}, tuple(labels_of(0)))
        out.append(PodGroup(rest.labels, base.unknown | rest.unknown))
    return out


def control_plane_groups(
    kind: str, name: str, spec: ControllerSpec | None, template: Mapping[str, str], owner_kind: str | None
) -> list[PodGroup]:
    """The distinct pods `kind`/`name` makes from a template with labels `template`."""
    if kind == "Deployment":
        return [_with(template, {}, (POD_TEMPLATE_HASH,))]
    if kind == "ReplicaSet":
        # Only a Deployment's ReplicaSets get the hash (the Deployment controller adds it to their template).
        return [_with(template, {}, (POD_TEMPLATE_HASH,) if owner_kind == "Deployment" else ())]
    if kind == "DaemonSet":
        return [_with(template, {}, (CONTROLLER_REVISION_HASH, POD_TEMPLATE_GENERATION))]
    if kind == "StatefulSet":
        base = _with(template, {}, (CONTROLLER_REVISION_HASH,))
        replicas = 1 if spec is None or spec.replicas is None else spec.replicas
        start = (spec.ordinals.start if spec and spec.ordinals and spec.ordinals.start is not None else 0)
        return _indexed(
            base, replicas,
            lambda i: {STATEFULSET_POD_NAME: f"{name}-{start + i}", POD_INDEX: str(start + i)},
            lambda i: f"{name}-{start + i}",
        )
    if kind in ("Job", "CronJob"):
        if spec is not None and spec.manualSelector:
            base = PodGroup(dict(template))  # the API server adds no selector labels to a manual-selector Job
        elif kind == "Job":
            base = _with(template, dict.fromkeys(JOB_NAME, name), CONTROLLER_UID)
        else:
            base = _with(template, {}, JOB_NAME + CONTROLLER_UID)  # the Job's name: cronjob name + a suffix
        if spec is not None and spec.completionMode == "Indexed":
            # Pods are named NAME-INDEX-<random>: the name is shown as that pattern.
            job = name if kind == "Job" else f"{name}-*"
            return _indexed(base, spec.completions, lambda i: {JOB_COMPLETION_INDEX: str(i)}, lambda i: f"{job}-{i}-*")
        return [base]
    return [PodGroup(dict(template))]
