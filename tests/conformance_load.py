"""Loading a conformance case as a user would: strictly, except the few the API server itself would refuse.

The netpol-analyzer cases are that tool's own test inputs, copied unchanged; they were never sent to an API
server, and a few hold what one rejects. netverify reads those only under --lenient, with a warning that names
the problem: each is listed here with the words that warning must contain, and
tests/test_load_conformance.py checks that each is an error without --lenient.
"""

from __future__ import annotations

from pathlib import Path

from netverify.load.limits import LoadLimits
from netverify.load.manifests import load_cluster
from netverify.model.cluster import Cluster

REJECTED_BY_API_SERVER: dict[str, str] = {
    # a misspelt key: the port is not read, as netpol-analyzer's expectations assume
    "netpol_named_port_test": "unknown field 'containerport'",
    "netpol_named_port_test_2": "unknown field 'containerport'",
    # '_' in a NetworkPolicy name (not a DNS subdomain)
    "example_pods_w_same_owner_and_labels_gap_with_good_match_expression": "not a valid NetworkPolicy name",
    "example_pods_w_same_owner_and_labels_gap_with_good_match_expression2": "not a valid NetworkPolicy name",
    "example_pods_w_same_owner_and_labels_gap_with_policy_selector_not_in_gap": "not a valid NetworkPolicy name",
}


def load_case(manifests: Path) -> Cluster:
    """The cluster of `manifests` (a case's `manifests/` folder)."""
    says = REJECTED_BY_API_SERVER.get(manifests.parent.name)
    if says is None:
        return load_cluster([str(manifests)])
    cluster = load_cluster([str(manifests)], limits=LoadLimits(lenient=True))
    assert any(says in w for w in cluster.warnings), cluster.warnings
    return cluster


def _documents(folder: Path):
    """Every object of every YAML/JSON file under `folder`, List items unpacked."""
    import yaml

    for path in sorted(folder.rglob("*")):
        if path.suffix not in (".yaml", ".yml", ".json") or not path.is_file():
            continue
        for doc in yaml.safe_load_all(path.read_text()):
            stack = [doc]
            while stack:
                obj = stack.pop()
                if isinstance(obj, dict) and isinstance(obj.get("items"), list):
                    stack.extend(obj["items"])
                elif isinstance(obj, dict):
                    yield obj


def deployment_names(manifests: Path) -> dict[tuple[str, str], tuple[str, str]]:
    """netpol-analyzer names a dumped pod's workload by its ReplicaSet (`ns/frontend-5d4f8c7b9`); netverify by
    the Deployment when the ReplicaSet's name is the Deployment's plus the pod's `pod-template-hash`
    (docs/semantics.md rule 24): (id, kind) as the peer names it -> as netverify does."""
    names: dict[tuple[str, str], tuple[str, str]] = {}
    for obj in _documents(manifests):
        meta = obj.get("metadata") or {}
        if obj.get("kind") != "Pod" or not isinstance(meta, dict):
            continue
        value = (meta.get("labels") or {}).get("pod-template-hash")
        owners = [r for r in meta.get("ownerReferences") or () if r.get("kind") == "ReplicaSet"]
        namespace = meta.get("namespace") or "default"
        for owner in owners:
            name = str(owner.get("name", ""))
            if value and name.endswith(f"-{value}") and len(name) > len(value) + 1:
                names[(f"{namespace}/{name}", "ReplicaSet")] = (f"{namespace}/{name[:-len(value) - 1]}", "Deployment")
    return names


def as_netverify_names(expected: dict, manifests: Path) -> dict:
    """`expected` with the peer's ReplicaSet names of Deployment pods renamed as netverify shows them."""
    names = deployment_names(manifests)
    by_id = {old[0]: new[0] for old, new in names.items()}

    def workload(w: dict) -> dict:
        new = names.get((w.get("id"), w.get("kind")))
        return {**w, "id": new[0], "kind": new[1]} if new else w

    rows = [{**r, "src": by_id.get(r.get("src"), r.get("src")), "dst": by_id.get(r.get("dst"), r.get("dst"))}
            for r in expected.get("allowed", ())]
    return {**expected, "workloads": [workload(w) for w in expected.get("workloads", ())], "allowed": rows}
