"""What the API server asks of the Pod and Namespace documents a witness prints (`pod_manifests`).

One checker for every test: the text loads back through netverify's own loader into the same pods, and
each document follows Kubernetes' syntax rules (netverify.model.k8s_names, the rules the loader uses).
"""

from __future__ import annotations

import yaml

from netverify.load.manifests import load_cluster_from_texts
from netverify.model.cluster import NAMESPACE_NAME_LABEL, UNKNOWN_LABEL_VALUE
from netverify.model.k8s_names import (
    is_dns_label,
    is_dns_subdomain,
    is_label_key,
    is_label_value,
    is_namespace_name,
    is_port_name,
)

PROTOCOLS = {"TCP", "UDP", "SCTP"}


def label_problems(labels, where: str) -> list[str]:
    out = []
    for key, value in (labels or {}).items():
        if not isinstance(key, str) or not is_label_key(key):
            out.append(f"{where}: label key {key!r} is not valid")
        if not isinstance(value, str) or not is_label_value(value):
            out.append(f"{where}: label value {value!r} (key {key!r}) is not valid")
    return out


def _pod_problems(doc: dict, where: str) -> list[str]:
    out = []
    meta = doc.get("metadata") or {}
    if not is_dns_subdomain(str(meta.get("name", ""))):
        out.append(f"{where}: pod name {meta.get('name')!r} is not a DNS subdomain")
    if not is_namespace_name(str(meta.get("namespace", ""))):
        out.append(f"{where}: namespace {meta.get('namespace')!r} is not a valid namespace name")
    out += label_problems(meta.get("labels"), where)
    containers = (doc.get("spec") or {}).get("containers") or []
    if not containers:
        out.append(f"{where}: a Pod needs at least one container")
    names = [c.get("name") for c in containers]
    if len(set(names)) != len(names):
        out.append(f"{where}: container names repeat: {names}")
    for c in containers:
        if not is_dns_label(str(c.get("name", ""))):
            out.append(f"{where}: container name {c.get('name')!r} is not a DNS label")
        if not c.get("image"):
            out.append(f"{where}: container {c.get('name')!r} has no image")
        port_names = [p["name"] for p in c.get("ports") or () if "name" in p]
        if len(set(port_names)) != len(port_names):
            out.append(f"{where}: container {c.get('name')!r} repeats a port name: {port_names}")
        for p in c.get("ports") or ():
            if "name" in p and not is_port_name(str(p["name"])):
                out.append(f"{where}: port name {p['name']!r} is not an IANA_SVC_NAME")
            if not isinstance(p.get("containerPort"), int) or not 1 <= p["containerPort"] <= 65535:
                out.append(f"{where}: containerPort {p.get('containerPort')!r} is out of range")
            if p.get("protocol", "TCP") not in PROTOCOLS:
                out.append(f"{where}: protocol {p.get('protocol')!r} is not valid")
    return out


def manifest_problems(text: str, existing_namespaces=frozenset()) -> list[str]:
    """Every rule `text` breaks (empty: the API server would accept each document)."""
    docs = [d for d in yaml.safe_load_all(text) if d is not None]
    out: list[str] = []
    namespaces = set(existing_namespaces)
    pods: set[tuple[str, str]] = set()
    for i, doc in enumerate(docs):
        where = f"document {i + 1} ({doc.get('kind')})"
        meta = doc.get("metadata") or {}
        if doc.get("kind") == "Namespace":
            name = str(meta.get("name", ""))
            if not is_namespace_name(name):
                out.append(f"{where}: namespace name {name!r} is not an RFC 1123 label")
            out += label_problems(meta.get("labels"), where)
            if (meta.get("labels") or {}).get(NAMESPACE_NAME_LABEL, name) != name:
                out.append(f"{where}: {NAMESPACE_NAME_LABEL} differs from the name")
            namespaces.add(name)
        elif doc.get("kind") == "Pod":
            out += _pod_problems(doc, where)
            key = (meta.get("namespace"), meta.get("name"))
            if key in pods:
                out.append(f"{where}: pod {key} is generated twice")
            pods.add(key)
            if meta.get("namespace") not in namespaces:
                out.append(f"{where}: namespace {meta.get('namespace')!r} neither exists nor is created first")
        else:
            out.append(f"{where}: unexpected kind")
    return out


def _named(ports) -> set[tuple[str, int, str]]:
    return {(cp.name, cp.port, str(cp.protocol)) for cp in ports if cp.name}


def _settable(labels) -> dict:
    """The labels a Pod manifest can carry: those whose value is known."""
    return {k: v for k, v in labels.items() if v != UNKNOWN_LABEL_VALUE}


def assert_valid_pod_manifests(text: str, existing_namespaces=frozenset(), endpoints=()) -> None:
    """`endpoints`: the pods the text stands for (PodEndpoints, or a witness's EndpointWitnesses); each must
    load back with its namespace, its labels and its named ports."""
    problems = manifest_problems(text, existing_namespaces)
    assert not problems, "\n".join(problems) + "\n" + text
    loaded = load_cluster_from_texts([("pod_manifests.yaml", text)])  # raises on what netverify rejects
    for ep in endpoints:
        if ep.namespace is None:
            continue  # an address: no Pod for it
        named = _named(ep.ports) if hasattr(ep, "ports") else set(ep.container_ports)
        labels = _settable(ep.labels)
        matches = [w for w in loaded.workloads if w.namespace == ep.namespace and dict(w.labels) == labels
                   and _named(w.ports) == named]
        assert matches, (ep, loaded.workloads, text)


def assert_valid_witness(shown, existing_namespaces) -> None:
    """A counterexample or witness: valid names and labels at both ends, and Pod YAML that reproduces it."""
    for ep in (shown.src, shown.dst):
        if ep.namespace is None:
            continue
        assert is_namespace_name(ep.namespace), ep
        # A workload's label only the control plane sets shows as UNKNOWN_LABEL_VALUE (its value is not known);
        # only an existing workload's pod may carry one, and its YAML leaves it out.
        assert ep.workload is not None or _settable(ep.labels) == dict(ep.labels), ep
        assert not label_problems(_settable(ep.labels), "labels"), ep
        assert not label_problems(ep.namespace_labels, "ns labels"), ep
        assert ep.namespace_exists or ep.namespace not in existing_namespaces, ep
    assert_valid_pod_manifests(shown.pod_manifests, existing_namespaces, (shown.src, shown.dst))
