"""A Calico endpoint's own labels come before the ones its profiles give it (eval/calico_selector.own_first).

Calico gives an endpoint its namespace's labels (`pcns.*`) and its ServiceAccount's (`pcsa.*`) through profiles it
inherits from, and felix reads the endpoint's own labels first (felix labelindex, itemData.Get); the pod's labels
become the endpoint's unfiltered, and only the namespace, orchestrator and ServiceAccount-name labels are written
over them (libcalico-go k8s conversion). So a pod that labels itself `pcns.env: other` is, to every Calico
selector, in a namespace without env=sandbox: a namespaceSelector cannot hold for every pod, while
`projectcalico.org/namespace` can. Before, netverify read `pcns.*` from the namespace alone and proved such a
namespaceSelector Deny for every pod.
"""

from __future__ import annotations

from netverify.analyses.prove import prove
from netverify.eval.calico_selector import Subject
from netverify.load.manifests import load_cluster_from_texts
from netverify.model.properties import EndpointSpec
from netverify.model.semantics import Semantics
from netverify.model.span import Span
from prove_helpers import prop, props

CALICO = Semantics(cni="calico")

CLUSTER = """
apiVersion: v1
kind: Namespace
metadata: {name: payments}
---
apiVersion: v1
kind: Namespace
metadata: {name: sandbox, labels: {env: sandbox}}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: ledger, namespace: payments}
spec:
  selector: {matchLabels: {app: ledger}}
  template:
    metadata: {labels: {app: ledger}}
    spec: {containers: [{name: c, image: x, ports: [{containerPort: 50051}]}]}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: allow-all, namespace: payments}
spec: {podSelector: {}, ingress: [{}]}
---
apiVersion: projectcalico.org/v3
kind: Tier
metadata: {name: security}
spec: {order: 100}
"""


def _gnp(source: str) -> str:
    return f"""
apiVersion: projectcalico.org/v3
kind: GlobalNetworkPolicy
metadata: {{name: security.no-sandbox}}
spec:
  tier: security
  selector: projectcalico.org/namespace == 'payments'
  types: [Ingress]
  ingress:
  - action: Deny
    source: {source}
  - action: Pass
"""


SANDBOX = EndpointSpec(Span("t.yaml", 1), namespace="sandbox")
PAYMENTS = EndpointSpec(Span("t.yaml", 1), namespace="payments")


def _result(source: str):
    cluster = load_cluster_from_texts([("c.yaml", CLUSTER), ("gnp.yaml", _gnp(source))])
    [r] = prove(cluster, props(prop(SANDBOX, PAYMENTS, "unreachable", "any", ())), semantics=CALICO).results
    return r


def test_the_endpoints_own_label_wins_over_its_namespaces():
    pod = Subject({"pcns.env": "other", "app": "x"}, "sandbox", {"env": "sandbox"})
    assert pod.value("pcns.env") == "other"
    assert Subject({"app": "x"}, "sandbox", {"env": "sandbox"}).value("pcns.env") == "sandbox"
    # the same for a ServiceAccount's labels
    assert Subject({"pcsa.level": "gold"}, "ns", {}, "default", {"level": "bronze"}).value("pcsa.level") == "gold"


def test_a_namespace_selector_deny_is_escaped_by_a_pod_that_labels_itself():
    r = _result("{namespaceSelector: env == 'sandbox'}")
    assert r.status == "violated"
    assert r.counterexample.src.namespace == "sandbox"
    assert r.counterexample.src.labels.get("pcns.env") not in (None, "sandbox")
    assert "pcns.env:" in r.counterexample.pod_manifests  # the pod YAML that reproduces it carries the label


def test_the_namespace_calico_writes_on_the_endpoint_cannot_be_escaped():
    assert _result("{selector: projectcalico.org/namespace == 'sandbox'}").status == "proven"


def test_a_pod_cannot_claim_a_namespace_by_its_own_projectcalico_namespace_label():
    # projectcalico.org/namespace is written over the pod's own label of that key: a pod in payments labelled
    # projectcalico.org/namespace=sandbox is not denied as one of sandbox.
    cluster = load_cluster_from_texts([("c.yaml", CLUSTER),
                                       ("gnp.yaml", _gnp("{selector: projectcalico.org/namespace == 'sandbox'}"))])
    from_payments = EndpointSpec(Span("t.yaml", 1), namespace="payments")
    [r] = prove(cluster, props(prop(from_payments, PAYMENTS, "reachable", "any", ())), semantics=CALICO).results
    assert r.status == "proven"
