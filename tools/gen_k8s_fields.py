"""Write src/netverify/load/k8s_fields.py: the field names of the Kubernetes API types netverify reads.

The source is the official Kubernetes Python client (generated from the API server's OpenAPI document): each
model class carries `openapi_types` (attribute -> type) and `attribute_map` (attribute -> JSON field name). We
read them from the wheel's source with `ast`, without importing (or installing) the client:

    pip download --no-deps kubernetes -d /tmp/k8s
    python tools/gen_k8s_fields.py /tmp/k8s/kubernetes-*.whl > src/netverify/load/k8s_fields.py

Only the types netverify reads are written (READ below), with every field they have; a field holding another
READ type names it (a mapping of it, or `[]` a list of them), any other field is "" (its key is known, its
insides are not looked at).
"""

from __future__ import annotations

import ast
import re
import sys
import zipfile
from pathlib import Path

# Object kinds netverify reads -> their client model.
ROOTS = {
    "NetworkPolicy": "V1NetworkPolicy",
    "Pod": "V1Pod",
    "Deployment": "V1Deployment",
    "StatefulSet": "V1StatefulSet",
    "DaemonSet": "V1DaemonSet",
    "ReplicaSet": "V1ReplicaSet",
    "ReplicationController": "V1ReplicationController",
    "Job": "V1Job",
    "CronJob": "V1CronJob",
    "Service": "V1Service",
    "Namespace": "V1Namespace",
}

# The types whose fields are checked: the parts of those objects netverify reads (load/k8s_schema.py).
READ = {
    *ROOTS.values(),
    "V1ObjectMeta", "V1OwnerReference", "V1LabelSelector", "V1LabelSelectorRequirement",
    "V1NetworkPolicySpec", "V1NetworkPolicyIngressRule", "V1NetworkPolicyEgressRule", "V1NetworkPolicyPeer",
    "V1NetworkPolicyPort", "V1IPBlock",
    "V1PodSpec", "V1Container", "V1ContainerPort", "V1PodStatus", "V1PodIP", "V1PodTemplateSpec",
    "V1DeploymentSpec", "V1StatefulSetSpec", "V1StatefulSetOrdinals", "V1DaemonSetSpec", "V1ReplicaSetSpec",
    "V1ReplicationControllerSpec", "V1JobSpec", "V1CronJobSpec", "V1JobTemplateSpec",
    "V1ServiceSpec", "V1ServicePort",
}

_LIST = re.compile(r"^List\[(\w+)\]$")


def class_tables(source: str) -> dict[str, tuple[dict[str, str], dict[str, str]]]:
    """Model class name -> (openapi_types, attribute_map), as written in one model module."""
    out = {}
    for node in ast.parse(source).body:
        if not isinstance(node, ast.ClassDef):
            continue
        found: dict[str, dict[str, str]] = {}
        for stmt in node.body:
            target = stmt.target if isinstance(stmt, ast.AnnAssign) else (
                stmt.targets[0] if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 else None)
            if isinstance(target, ast.Name) and target.id in ("openapi_types", "attribute_map") and stmt.value:
                found[target.id] = ast.literal_eval(stmt.value)
        if len(found) == 2:
            out[node.name] = (found["openapi_types"], found["attribute_map"])
    return out


def read_wheel(wheel: Path) -> tuple[str, dict[str, tuple[dict[str, str], dict[str, str]]]]:
    models: dict[str, tuple[dict[str, str], dict[str, str]]] = {}
    with zipfile.ZipFile(wheel) as archive:
        for name in archive.namelist():
            if name.startswith("kubernetes/client/models/") and name.endswith(".py"):
                models.update(class_tables(archive.read(name).decode("utf-8")))
        init = archive.read("kubernetes/__init__.py").decode("utf-8")
    version = re.search(r"__version__\s*=\s*['\"]([^'\"]+)", init)
    return (version.group(1) if version else wheel.name), models


def child(type_name: str) -> str:
    if type_name in READ:
        return type_name
    match = _LIST.match(type_name)
    if match and match.group(1) in READ:
        return "[]" + match.group(1)
    return ""


def packed(entries: list[str], indent: str, width: int) -> list[str]:
    """`entries` joined by spaces into lines of at most `width` characters, never splitting an entry."""
    lines = [indent]
    for entry in entries:
        if len(lines[-1]) > len(indent) and len(lines[-1]) + 1 + len(entry) > width:
            lines.append(indent)
        lines[-1] += entry if len(lines[-1]) == len(indent) else " " + entry
    return lines


def render(version: str, models: dict[str, tuple[dict[str, str], dict[str, str]]]) -> str:
    missing = sorted(READ - models.keys())
    if missing:
        raise SystemExit(f"not in the client: {', '.join(missing)}")
    lines = [
        '"""The field names of the Kubernetes API types netverify reads. GENERATED: do not edit.',
        "",
        f"Written by tools/gen_k8s_fields.py from the official Kubernetes Python client {version} (its models'",
        "openapi_types / attribute_map). Each type maps its JSON field names to what they hold: another type of",
        'this table (a mapping), "[]" + one (a list of them), or "" (a field whose insides netverify does not read).',
        '"""',
        "",
        f"SOURCE = {'kubernetes ' + version!r}",
        "",
        "KINDS: dict[str, str] = {",
        *(f"    {kind!r}: {model!r}," for kind, model in ROOTS.items()),
        "}",
        "",
        "FIELDS: dict[str, dict[str, str]] = {",
    ]
    for type_name in sorted(READ):
        types, names = models[type_name]
        entries = [f"{names[a]!r}: {child(types[a])!r}," for a in sorted(types, key=lambda a: names[a])]
        lines.append(f"    {type_name!r}: {{")
        lines.extend(packed(entries, " " * 8, 110))
        lines.append("    },")
    lines.append("}")
    return "\n".join(lines) + "\n"


def main(argv: list[str]) -> None:
    if len(argv) != 1:
        raise SystemExit(__doc__)
    version, models = read_wheel(Path(argv[0]))
    sys.stdout.write(render(version, models))


if __name__ == "__main__":
    main(sys.argv[1:])
