"""Pods dumped from a cluster (`kubectl get pods -o yaml`) are shown as the Deployment their ReplicaSet stands for
when the ReplicaSet's name is `<deployment>-<pod-template-hash>` of the pod's own label (issue 14 item 10)."""

from __future__ import annotations

import textwrap

from typer.testing import CliRunner

from netverify.cli import app
from netverify.load.manifests import load_cluster_from_texts


def _pod(name: str, owner_kind: str, owner: str, labels: dict[str, str], ip: str) -> str:
    label_text = ", ".join(f"{k}: {v!r}" for k, v in labels.items())
    return textwrap.dedent(f"""\
        - apiVersion: v1
          kind: Pod
          metadata:
            name: {name}
            namespace: boutique
            labels: {{{label_text}}}
            ownerReferences: [{{apiVersion: apps/v1, kind: {owner_kind}, name: {owner}, controller: true, uid: u}}]
          spec: {{containers: [{{name: c, image: i, ports: [{{containerPort: 8080, name: http}}]}}]}}
          status: {{podIP: {ip}}}
        """)


def _dump(*pods: str) -> str:
    return "apiVersion: v1\nkind: List\nitems:\n" + "".join(pods)


DUMP = _dump(
    _pod("frontend-5d4f8c7b9-abcde", "ReplicaSet", "frontend-5d4f8c7b9",
         {"app": "frontend", "pod-template-hash": "5d4f8c7b9"}, "10.0.0.1"),
    # mid-rollout: the new ReplicaSet's pod, another hash, the same Deployment
    _pod("frontend-6c8b9d7f4-fghij", "ReplicaSet", "frontend-6c8b9d7f4",
         {"app": "frontend", "pod-template-hash": "6c8b9d7f4"}, "10.0.0.2"),
    _pod("cart-7f9c6d5b8-klmno", "ReplicaSet", "cart-7f9c6d5b8",
         {"app": "cart", "pod-template-hash": "7f9c6d5b8"}, "10.0.0.3"),
)


def _load(text: str):
    return load_cluster_from_texts([("pods.yaml", text)])


def test_pods_of_a_deployments_replicasets_are_the_deployment_across_a_rollout():
    cluster = _load(DUMP)
    assert sorted({w.ref for w in cluster.workloads}) == ["boutique/cart[Deployment]", "boutique/frontend[Deployment]"]
    frontend = [w for w in cluster.workloads if w.name == "frontend"]
    assert sorted(p for w in frontend for p in w.pods) == ["frontend-5d4f8c7b9-abcde", "frontend-6c8b9d7f4-fghij"]
    # each pod keeps the labels it carries (the two hashes differ)
    assert sorted(w.labels["pod-template-hash"] for w in frontend) == ["5d4f8c7b9", "6c8b9d7f4"]


def test_a_replicaset_whose_name_does_not_end_in_the_pods_hash_stays_the_replicaset():
    cluster = _load(_dump(
        _pod("web-x", "ReplicaSet", "web-abc", {"app": "web", "pod-template-hash": "zzz"}, "10.0.0.1"),
        _pod("bare-x", "ReplicaSet", "bare", {"app": "bare"}, "10.0.0.2"),  # no hash label: a ReplicaSet of its own
        _pod("only-hash", "ReplicaSet", "-h1", {"app": "o", "pod-template-hash": "h1"}, "10.0.0.3"),  # no name left
        _pod("job-x", "Job", "job-h2", {"app": "j", "pod-template-hash": "h2"}, "10.0.0.4"),  # not a ReplicaSet
    ))
    assert [w.ref for w in cluster.workloads] == [
        "boutique/web-abc[ReplicaSet]", "boutique/bare[ReplicaSet]", "boutique/-h1[ReplicaSet]", "boutique/job-h2[Job]",
    ]


def test_a_dumped_pod_joins_its_deployment_manifest():
    deployment = textwrap.dedent("""\
        apiVersion: apps/v1
        kind: Deployment
        metadata: {name: frontend, namespace: boutique}
        spec:
          selector: {matchLabels: {app: frontend}}
          template:
            metadata: {labels: {app: frontend}}
            spec: {containers: [{name: c, image: i, ports: [{containerPort: 8080, name: http}]}]}
        """)
    pod = _dump(_pod("frontend-5d4f8c7b9-abcde", "ReplicaSet", "frontend-5d4f8c7b9",
                     {"app": "frontend", "pod-template-hash": "5d4f8c7b9"}, "10.0.0.1"))
    cluster = load_cluster_from_texts([("deploy.yaml", deployment), ("pods.yaml", pod)])
    assert [w.ref for w in cluster.workloads] == ["boutique/frontend[Deployment]"]
    assert [str(ip) for ip in cluster.workloads[0].ips] == ["10.0.0.1"]


def test_focus_names_the_deployment_of_a_pod_dump(tmp_path):
    dump = tmp_path / "pods.yaml"
    dump.write_text(DUMP)
    result = CliRunner().invoke(app, ["map", "-f", str(dump), "--focus", "boutique/frontend", "--wide"])
    assert result.exit_code == 0, result.output
    lines = [line for line in result.stdout.splitlines() if "->" in line or "boutique/" in line]
    # every line is the Deployment (its two pods differ in their hash label: each shown with its pod name)
    assert lines and all("boutique/frontend[Deployment]" in line or "boutique/frontend/frontend-" in line
                         for line in lines)
    assert "ReplicaSet" not in result.stdout


# ---- the whole class: a name is only a name --------------------------------------------------------------

from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from netverify.analyses.map import connectivity_map  # noqa: E402
from netverify.findings import WorkloadNode  # noqa: E402

_POLICY = textwrap.dedent("""\
    - apiVersion: networking.k8s.io/v1
      kind: NetworkPolicy
      metadata: {{name: {app}-to-{target}, namespace: boutique}}
      spec:
        podSelector: {{matchLabels: {{app: {target}}}}}
        ingress: [{{from: [{{podSelector: {{matchLabels: {{app: {app}}}}}}}], ports: [{{port: 8080}}]}}]
    """)


@st.composite
def _dumps(draw):
    """Pods of a few Deployments, some mid-rollout (two hashes), and policies between their apps."""
    apps = ["frontend", "cart", "ads"]
    pods, n = [], 0
    for app in apps:
        for h in draw(st.lists(st.sampled_from(["5d4f8c7b9", "6c8b9d7f4", "7f9c6d5b8"]), min_size=1, max_size=2,
                               unique=True)):
            extra = {"tier": draw(st.sampled_from(["web", "api"]))} if draw(st.booleans()) else {}
            n += 1
            pods.append((f"{app}-{h}-p{n}", app, h, {"app": app, "pod-template-hash": h, **extra}, f"10.0.0.{n}"))
    policies = [(draw(st.sampled_from(apps)), draw(st.sampled_from(apps))) for _ in range(draw(st.integers(0, 3)))]
    return pods, policies


def _text(pods, policies, owner_name) -> str:
    items = "".join(_pod(name, "ReplicaSet", owner_name(app, h), labels, ip) for name, app, h, labels, ip in pods)
    items += "".join(_POLICY.format(app=a, target=t) for a, t in dict.fromkeys(policies))
    return _dump(items) if items else _dump()


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_dumps())
def test_naming_pods_after_their_deployment_never_changes_what_they_reach(dump):
    pods, policies = dump
    as_deployment = _load(_text(pods, policies, lambda app, h: f"{app}-{h}"))
    # the same pods under ReplicaSets whose names are not `<deployment>-<their hash>`: each its own ReplicaSet
    as_replicaset = _load(_text(pods, policies, lambda app, h: f"{app}-rs{h}"))
    assert {w.kind for w in as_deployment.workloads} == {"Deployment"}
    assert {w.kind for w in as_replicaset.workloads} == {"ReplicaSet"}

    def by_pod(cluster):
        """(source pods, destination pods) -> what is allowed, whatever the workloads are called."""
        pods_of = {}
        for w in cluster.workloads:
            pods_of[WorkloadNode(w.namespace, w.display_name, w.kind).label] = frozenset(w.pods)
        rows = {}
        for c in connectivity_map(cluster).connections:
            key = (pods_of.get(c.src.label, c.src.label), pods_of.get(c.dst.label, c.dst.label))
            rows[key] = {p: str(r) for p, r in c.protocols.items()}
        return rows

    assert by_pod(as_deployment) == by_pod(as_replicaset)
