"""Pod (and Namespace) YAML that reproduces a counterexample on a real cluster."""

from __future__ import annotations

import yaml

from netverify.model.flow import Endpoint, PodEndpoint

PAUSE_IMAGE = "registry.k8s.io/pause:3.9"


def namespace_manifest(pod: PodEndpoint) -> dict:
    return {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": pod.namespace, "labels": dict(pod.namespace_labels)}}


def pod_manifest(pod: PodEndpoint, name: str) -> dict:
    container: dict = {"name": "main", "image": PAUSE_IMAGE}
    if pod.ports:
        container["ports"] = [
            {**({"name": cp.name} if cp.name else {}), "containerPort": cp.port, "protocol": str(cp.protocol)}
            for cp in pod.ports
        ]
    metadata: dict = {"name": name, "namespace": pod.namespace}
    if pod.labels:
        metadata["labels"] = dict(pod.labels)
    return {"apiVersion": "v1", "kind": "Pod", "metadata": metadata, "spec": {"containers": [container]}}


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
        if ep.ip is not None:
            comments.append(f"# netverify-{role} needs the address {ep.ip} (assigned by the network plugin)")
    if not docs:
        return ""
    body = yaml.safe_dump_all(docs, sort_keys=False, default_flow_style=False)
    return "\n".join(comments + [body]) if comments else body
