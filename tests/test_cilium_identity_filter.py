"""Which labels are in a pod's Cilium identity (model/cilium_label_filter.py), in the evaluator, in prove and in
the loader: a pod's own `io.cilium.k8s*` labels are dropped (SanitizePodLabels, GHSA-gj2r-phwg-6rww), and the
default identity-relevant label filter leaves pod-template-hash, controller-revision-hash, kubernetes.io/* & co
out. Before, a pod could claim a namespace label by carrying it itself, and selectors on filtered keys matched."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from builders import cluster, namespace, workload
from cilium_builders import ccnp, crule, with_cilium
from netverify.analyses.prove import prove
from netverify.cli import app
from netverify.load.manifests import load_cluster_from_texts
from netverify.model.cilium import NAMESPACE_LABELS_PREFIX, identity_labels
from netverify.model.cilium_label_filter import identity_relevant, own_label_kept
from netverify.model.semantics import Semantics
from prove_helpers import pods, prop, props

CILIUM = Semantics(cni="cilium")


@pytest.mark.parametrize("key, kept", [
    ("app", True),
    ("app.kubernetes.io/name", True),              # included explicitly
    ("statefulset.kubernetes.io/pod-name", True),  # kubernetes.io must start the key to be ignored
    ("io.kubernetes.pod.namespace", True),         # the longer include wins over !io.kubernetes
    (NAMESPACE_LABELS_PREFIX + "team", True),
    ("pod-template-hash", False),
    ("controller-revision-hash", False),
    ("pod-template-generation", False),
    ("kubernetes.io/os", False),
    ("io.kubernetes.container.name", False),
    ("failure-domain.beta.kubernetes.io/zone", False),  # .*beta.kubernetes.io matches anywhere from the start
    ("k8s.io/x", False),
    ("annotation.foo", False),
    ("etcd_node", False),
    (NAMESPACE_LABELS_PREFIX + "beta.kubernetes.io/arch", False),  # the ignore match is longer than the include
])
def test_the_default_label_filter_as_cilium_computes_it(key, kept):
    assert identity_relevant(key) is kept


def test_a_pods_own_cilium_keys_never_reach_its_identity():
    assert not own_label_kept(NAMESPACE_LABELS_PREFIX + "env")
    labels = identity_labels({"app": "x", NAMESPACE_LABELS_PREFIX + "env": "sandbox", "pod-template-hash": "h1"},
                             "checkout", {"team": "shop"}, "default", "default")
    assert labels[NAMESPACE_LABELS_PREFIX + "team"] == "shop"
    assert NAMESPACE_LABELS_PREFIX + "env" not in labels and "pod-template-hash" not in labels
    assert labels["app"] == "x"


BASE = cluster(namespace("payments", {"compliance": "pci"}), namespace("checkout", {"team": "shop"}),
               namespace("sandbox", {"env": "sandbox"}), workload("ledger", "payments", {"app": "ledger"}))
ALLOW_ALL = ccnp("allow-all", {}, ingress=[crule(entities=["all"])])
DENY_SANDBOX = ccnp("sandbox-never-reaches-pci", {NAMESPACE_LABELS_PREFIX + "compliance": "pci"},
                    ingress_deny=[crule(endpoints=[{NAMESPACE_LABELS_PREFIX + "env": "sandbox"}])])


def _status(c, p) -> str:
    [r] = prove(c, props(p), semantics=CILIUM).results
    return r.status


def test_no_pod_of_checkout_can_claim_the_sandbox_label_to_be_denied():
    # Was violated: a new pod in checkout with its own label io.cilium.k8s.namespace.labels.env=sandbox.
    c = with_cilium(BASE, ALLOW_ALL, DENY_SANDBOX)
    assert _status(c, prop(pods("checkout"), pods("payments", {"app": "ledger"}), "reachable")) == "proven"
    assert _status(c, prop(pods("sandbox"), pods("payments", {"app": "ledger"}), "unreachable")) == "proven"


def test_nor_can_a_pod_outside_a_pci_namespace_claim_pci_to_be_protected():
    c = with_cilium(BASE, ALLOW_ALL, DENY_SANDBOX)
    claims_pci = pods("checkout", {NAMESPACE_LABELS_PREFIX + "compliance": "pci"})
    assert _status(c, prop(pods("sandbox"), claims_pci, "reachable")) == "proven"


def test_a_deny_on_a_filtered_label_denies_nobody():
    # controller-revision-hash is not an identity label: the deny's selector matches no pod (was: every pod with it).
    deny = ccnp("deny-by-revision", {}, ingress_deny=[crule(endpoints=[{"controller-revision-hash": "r1"}])])
    c = with_cilium(BASE, ALLOW_ALL, deny)
    src = pods("checkout", {"controller-revision-hash": "r1"})
    assert _status(c, prop(src, pods("payments", {"app": "ledger"}), "reachable")) == "proven"


NAMESPACES = """
apiVersion: v1
kind: Namespace
metadata: {name: shop}
"""


def _run(tmp_path, policy: str, expect: str):
    (tmp_path / "ns.yaml").write_text(NAMESPACES)
    (tmp_path / "p.yaml").write_text(policy)
    (tmp_path / "props.yaml").write_text(
        "properties:\n- name: p\n  from: {namespace: shop}\n  to: {namespace: shop}\n  expect: " + expect + "\n")
    return CliRunner().invoke(app, ["prove", str(tmp_path / "props.yaml"), "-f", str(tmp_path / "ns.yaml"),
                                    "-f", str(tmp_path / "p.yaml")])


FILTERED = """
apiVersion: cilium.io/v2
kind: CiliumNetworkPolicy
metadata: {name: by-hash, namespace: shop}
spec:
  endpointSelector: {matchLabels: {pod-template-hash: abc}}
  ingress:
  - fromEndpoints:
    - matchLabels: {controller-revision-hash: r1}
"""

RELEASE = """
apiVersion: cilium.io/v2
kind: CiliumNetworkPolicy
metadata: {name: by-zone, namespace: shop}
spec:
  endpointSelector: {}
  ingress:
  - fromEntities: [all]
  ingressDeny:
  - fromEndpoints:
    - matchLabels: {topology.kubernetes.io/zone: a}
"""


def test_the_loader_says_where_a_selector_names_a_label_no_identity_has():
    cluster_ = load_cluster_from_texts([("p.yaml", FILTERED)])
    warned = [w for w in cluster_.warnings if "out of every pod's identity" in w]
    assert len(warned) == 2
    assert any("p.yaml:6" in w and "pod-template-hash" in w for w in warned)
    assert any("p.yaml:9" in w and "controller-revision-hash" in w for w in warned)


def test_a_label_only_some_cilium_releases_keep_makes_the_verdict_unknown(tmp_path):
    # Pods with zone=a are denied under older releases and allowed under newer ones: neither answer is proven.
    result = _run(tmp_path, RELEASE, "reachable")
    assert result.exit_code == 3, result.output
    assert "topology.kubernetes.io/zone" in result.output
