"""Hand-made result records for renderer tests: one of each interesting shape, no analyses involved."""

from __future__ import annotations

from netverify.findings import (
    AddedClass,
    Connection,
    ConnectionWitness,
    ConnectivityMap,
    DiffReport,
    EndpointWitness,
    Explanation,
    IPRangeNode,
    PairChange,
    PropertyResult,
    PropertyWarning,
    ProveReport,
    WorkloadNode,
)
from netverify.model.ports import PROTOCOLS, PortRanges, Protocol
from netverify.model.span import Span
from netverify.model.verdict import RuleRef, SideVerdict

POLICIES = "examples/shop/policies.yaml"
PROPS = "properties/isolation.yaml"

DENY_ALL_IN = RuleRef("shop/default-deny", "ingress", None, Span(POLICIES, 3))
ALLOW_WEB = RuleRef("shop/allow-web", "ingress", 0, Span(POLICIES, 21))
ALLOW_WEB_POLICY = RuleRef("shop/allow-web", "ingress", None, Span(POLICIES, 12))
EGRESS_DNS = RuleRef("web/egress-dns", "egress", 1, Span("examples/shop/web.yaml", 40))
EGRESS_POLICY = RuleRef("web/egress-dns", "egress", None, Span("examples/shop/web.yaml", 30))


def side(direction, isolated_by=(), allowed_by=()):
    return SideVerdict(direction, bool(isolated_by), tuple(isolated_by), tuple(allowed_by))


FRONTEND = EndpointWitness(
    namespace="shop",
    namespace_labels={"kubernetes.io/metadata.name": "shop", "team": "web"},
    labels={"app": "frontend", "tier": "web"},
    workload="shop/frontend[Deployment]",
    ip=None,
)
NEW_DB = EndpointWitness(
    namespace="shop",
    namespace_labels={"kubernetes.io/metadata.name": "shop", "team": "web"},
    labels={"app": "db"},
    workload=None,
    ip=None,
    container_ports=(("mysql", 3306, "TCP"),),
)
ROGUE = EndpointWitness(
    namespace="sandbox",
    namespace_labels={"kubernetes.io/metadata.name": "sandbox"},
    labels={"app": "x|y"},  # a pipe: markdown tables must escape it
    workload=None,
    ip=None,
    namespace_exists=False,
)
EXTERNAL = EndpointWitness(namespace=None, namespace_labels={}, labels={}, workload=None, ip="8.8.8.8")

POD_YAML = (
    "apiVersion: v1\nkind: Pod\nmetadata:\n  name: netverify-src\n  namespace: shop\n"
    "  labels:\n    app: frontend\n"
)

ALLOWED_TO_DB = ConnectionWitness(
    src=FRONTEND,
    dst=NEW_DB,
    protocol=Protocol.TCP,
    port=3306,
    egress=side("egress"),
    ingress=side("ingress", [DENY_ALL_IN, ALLOW_WEB_POLICY], [ALLOW_WEB]),
    pod_manifests=POD_YAML,
)
BLOCKED_DNS = ConnectionWitness(
    src=FRONTEND,
    dst=EXTERNAL,
    protocol=Protocol.UDP,
    port=53,
    egress=side("egress", [EGRESS_POLICY]),
    ingress=side("ingress"),
    pod_manifests=POD_YAML,
)
ROGUE_TO_DB = ConnectionWitness(
    src=ROGUE,
    dst=NEW_DB,
    protocol=Protocol.TCP,
    port=3306,
    egress=side("egress"),
    ingress=side("ingress", [ALLOW_WEB_POLICY], [ALLOW_WEB]),
    pod_manifests=POD_YAML + "---\napiVersion: v1\nkind: Namespace\nmetadata:\n  name: sandbox\n",
)


def prop(name, status, expect="unreachable", scope="any", line=4, **kw):
    return PropertyResult(name=name, status=status, expect=expect, scope=scope, duration_ms=12,
                          span=Span(PROPS, line), **kw)


PROVE = ProveReport(
    properties_file=PROPS,
    results=(
        prop("frontend-never-reaches-db", "violated", description="the web tier must go through the api",
             counterexample=ALLOWED_TO_DB, reason="REASON-TEXT: the counterexample says it better"),
        prop("web-reaches-dns", "violated", expect="reachable", line=12, counterexample=BLOCKED_DNS),
        prop("api-reaches-db", "proven", expect="possible", scope="existing", line=20, witness=ROGUE_TO_DB),
        prop("typo-selector", "vacuous", line=28, reason="no pod can match the source: podSelector app=fronted"),
        prop("typo-allowed", "vacuous", line=33, reason="no existing workload matches the destination",
             allow_vacuous=True),
        prop("big-one", "unknown", line=40, reason="solver timeout after 5000 ms"),
        prop("db-isolated", "proven", line=48),
    ),
    notes=("skipped 2 objects of kinds: ConfigMap (2)", "10.1.2.3/8 has host bits set; read as 10.0.0.0/8"),
)

ALL_PROVEN = ProveReport(properties_file=PROPS, results=(prop("db-isolated", "proven"),))
# Probable typos in properties (analyses/property_lint.py): a proven and a violated result, each warned.
TYPO_KEY = PropertyWarning(
    "label-key", "from.podSelector", "ap", "app",
    "from.podSelector: label key 'ap': no pod carries it and no Service or policy selects on it (did you mean 'app'?)",
    Span(PROPS, 5))
TYPO_NAMESPACE = PropertyWarning(
    "namespace", "to.namespace", "databse", "database",
    "to.namespace: namespace 'databse' is not declared, holds no object and no policy selects it by name "
    "(did you mean 'database'?)", Span(PROPS, 11))
WARNED = ProveReport(properties_file=PROPS, results=(
    prop("typo-key", "proven", warnings=(TYPO_KEY,)),
    prop("typo-namespace", "violated", line=10, counterexample=ALLOWED_TO_DB, warnings=(TYPO_NAMESPACE,)),
))
ONLY_UNKNOWN = ProveReport(properties_file=PROPS, results=(prop("big-one", "unknown", reason="rlimit"),))

FRONTEND_NODE = WorkloadNode("shop", "frontend", "Deployment")
DB_NODE = WorkloadNode("shop", "db", "StatefulSet")
API_NODE = WorkloadNode("api", "server", "Deployment")
LOW_IPS = IPRangeNode("0.0.0.0", "9.255.255.255", ("0.0.0.0/5", "8.0.0.0/7"))
ONE_IP = IPRangeNode("10.0.0.1", "10.0.0.1", ("10.0.0.1/32",))

ALL = {p: PortRanges.all() for p in PROTOCOLS}

MAP = ConnectivityMap(
    connections=(
        Connection(FRONTEND_NODE, LOW_IPS, {Protocol.TCP: PortRanges.all(), Protocol.UDP: PortRanges.of([(53, 53)])}),
        Connection(FRONTEND_NODE, API_NODE, {Protocol.TCP: PortRanges.of([(80, 80), (443, 443), (8000, 8080)])}),
        Connection(API_NODE, DB_NODE, {Protocol.TCP: PortRanges.of([(3306, 3306)])}),
        Connection(ONE_IP, FRONTEND_NODE, ALL, other_protocols=True),  # every protocol: "all"
    ),
    notes=("host-network pods are outside the model: kube-system/node-exporter[DaemonSet]",),
)
EMPTY_MAP = ConnectivityMap(connections=())

EXPLAIN_ALLOWED = Explanation(
    src="shop/frontend", dst="shop/db", protocol=Protocol.TCP, port=3306, allowed=True,
    egress=side("egress"), ingress=side("ingress", [DENY_ALL_IN, ALLOW_WEB_POLICY], [ALLOW_WEB]),
)
EXPLAIN_BLOCKED = Explanation(
    src="shop/frontend", dst="8.8.8.8", protocol=Protocol.UDP, port=53, allowed=False,
    egress=side("egress", [EGRESS_POLICY]), ingress=side("ingress"),
    notes=("8.8.8.8 is outside the cluster",),
)

DIFF = DiffReport(
    base="git:main",
    head="examples/shop",
    changes=(
        PairChange(FRONTEND_NODE, DB_NODE, added={Protocol.TCP: PortRanges.of([(3306, 3306)])}, removed={},
                   added_by=(ALLOW_WEB,)),
        PairChange(FRONTEND_NODE, LOW_IPS, added={}, removed={Protocol.UDP: PortRanges.of([(53, 53)])},
                   removed_by=(EGRESS_DNS,)),
    ),
    added_classes=(
        AddedClass(witness=ROGUE_TO_DB, opened_by=(ALLOW_WEB,),
                   summary="any pod in a new namespace -> shop/db on TCP/3306"),
    ),
    more_classes=True,
    notes=("skipped 1 object of kind: ConfigMap",),
)
NO_DIFF = DiffReport(base="a", head="b", changes=())
REMOVED_ONLY = DiffReport(base="a", head="b", changes=(DIFF.changes[1],), symbolic_status="skipped")
UNKNOWN_DIFF = DiffReport(base="a", head="b", changes=(), symbolic_status="unknown")
