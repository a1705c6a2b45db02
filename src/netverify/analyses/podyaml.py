"""Pod (and Namespace) YAML that reproduces a counterexample on a real cluster."""

from __future__ import annotations

import yaml

from netverify.model.cluster import UNKNOWN_LABEL_VALUE, ContainerPort
from netverify.model.flow import Endpoint, PodEndpoint

PAUSE_IMAGE = "registry.k8s.io/pause:3.9"


def namespace_manifest(pod: PodEndpoint) -> dict:
    return {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": pod.namespace, "labels": dict(pod.namespace_labels)}}


def _containers(ports: tuple[ContainerPort, ...]) -> list[dict]:
    """The ports spread over as few containers as keep each container's port names unique: the API server
    rejects a name twice in one container, and accepts (with a warning) one name in two containers."""
    groups: list[list[ContainerPort]] = [[]]
    for cp in dict.fromkeys(ports):
        group = next((g for g in groups if cp.name is None or all(o.name != cp.name for o in g)), None)
        if group is None:
            group = []
            groups.append(group)
        group.append(cp)
    out = []
    for i, group in enumerate(groups):
        container: dict = {"name": "main" if i == 0 else f"main-{i + 1}", "image": PAUSE_IMAGE}
        if group:
            container["ports"] = [
                {**({"name": cp.name} if cp.name else {}), "containerPort": cp.port, "protocol": str(cp.protocol)}
                for cp in group
            ]
        out.append(container)
    return out


def pod_manifest(pod: PodEndpoint, name: str) -> dict:
    metadata: dict = {"name": name, "namespace": pod.namespace}
    # A label only the control plane sets (a hash, a uid) has no value to write: the manifest leaves it out.
    labels = {k: v for k, v in pod.labels.items() if v != UNKNOWN_LABEL_VALUE}
    if labels:
        metadata["labels"] = labels
    spec: dict = {"containers": _containers(pod.ports)}
    if pod.service_account is not None and pod.workload is None:
        spec["serviceAccountName"] = pod.service_account  # a Cilium identity label reads it
    return {"apiVersion": "v1", "kind": "Pod", "metadata": metadata, "spec": spec}


def pod_manifests(src: Endpoint, dst: Endpoint, new_namespaces: set[str]) -> str:
    """YAML documents: the Namespaces not created yet, then a Pod per pod endpoint (addresses need none)."""
    docs: list[dict] = []
    comments: list[str] = []
    seen: set[str] = set()
    for role, ep in (("src", src), ("dst", dst)):
        if not isinstance(ep, PodEndpoint):
            continue
        if ep.namespace in new_namespaces and ep.namespace not in seen:
            seen.add(ep.namespace)
            docs.append(namespace_manifest(ep))
        docs.append(pod_manifest(ep, f"netverify-{role}"))
        unset = sorted(k for k, v in ep.labels.items() if v == UNKNOWN_LABEL_VALUE)
        if unset:
            owner = ep.workload.ref if ep.workload else "a workload"
            comments.append(f"# netverify-{role} stands for a pod of {owner}; the control plane sets its labels "
                            f"{', '.join(unset)}")
        if ep.ip is not None:
            comments.append(f"# netverify-{role} needs the address {ep.ip} (assigned by the network plugin)")
    if not docs:
        return ""
    body = yaml.safe_dump_all(docs, sort_keys=False, default_flow_style=False)
    return "\n".join(comments + [body]) if comments else body
