"""Field names of the policy.networking.k8s.io types and of core v1 Node, for load/known_fields.py.

Written by hand from the CRDs of kubernetes-sigs/network-policy-api (config/crd/experimental, the channel with
every field: v1alpha1 at 40eeb18096dd, the last v1alpha1 state; v1alpha2 at HEAD) and from the core v1 Node type.
Same shape as load/k8s_fields.py: a type maps its JSON field names to another type of the table (a mapping),
"[]" + one (a list of them), or "" (a value whose insides are checked by the schema, or not read at all).
A field of an ingress peer that only egress peers have (`nodes`, `networks`) is an unknown field there, as the
API server's pruning makes it.
"""

from __future__ import annotations

_META = {"apiVersion": "", "kind": "", "metadata": "V1ObjectMeta", "status": ""}
_SELECTOR = "V1LabelSelector"

# The root type per (API version, kind) netverify reads.
ADMIN_ROOTS: dict[tuple[str, str], str] = {
    ("policy.networking.k8s.io/v1alpha1", "AdminNetworkPolicy"): "AdminNetworkPolicy",
    ("policy.networking.k8s.io/v1alpha1", "BaselineAdminNetworkPolicy"): "BaselineAdminNetworkPolicy",
    ("policy.networking.k8s.io/v1alpha2", "ClusterNetworkPolicy"): "ClusterNetworkPolicy",
}
NODE_ROOT = "V1Node"

ANP_FIELDS: dict[str, dict[str, str]] = {
    # v1alpha1
    "AdminNetworkPolicy": {**_META, "spec": "AdminNetworkPolicySpec"},
    "AdminNetworkPolicySpec": {
        "priority": "", "subject": "AdminNetworkPolicySubject",
        "ingress": "[]AdminNetworkPolicyIngressRule", "egress": "[]AdminNetworkPolicyEgressRule",
    },
    "BaselineAdminNetworkPolicy": {**_META, "spec": "BaselineAdminNetworkPolicySpec"},
    "BaselineAdminNetworkPolicySpec": {
        "subject": "AdminNetworkPolicySubject",
        "ingress": "[]BaselineAdminNetworkPolicyIngressRule", "egress": "[]BaselineAdminNetworkPolicyEgressRule",
    },
    "AdminNetworkPolicySubject": {"namespaces": _SELECTOR, "pods": "NamespacedPod"},
    "NamespacedPod": {"namespaceSelector": _SELECTOR, "podSelector": _SELECTOR},
    "AdminNetworkPolicyIngressRule": {
        "name": "", "action": "", "from": "[]AdminNetworkPolicyIngressPeer", "ports": "[]AdminNetworkPolicyPort",
    },
    "AdminNetworkPolicyEgressRule": {
        "name": "", "action": "", "to": "[]AdminNetworkPolicyEgressPeer", "ports": "[]AdminNetworkPolicyPort",
    },
    "BaselineAdminNetworkPolicyIngressRule": {
        "name": "", "action": "", "from": "[]AdminNetworkPolicyIngressPeer", "ports": "[]AdminNetworkPolicyPort",
    },
    "BaselineAdminNetworkPolicyEgressRule": {
        "name": "", "action": "", "to": "[]BaselineAdminNetworkPolicyEgressPeer",
        "ports": "[]AdminNetworkPolicyPort",
    },
    "AdminNetworkPolicyIngressPeer": {"namespaces": _SELECTOR, "pods": "NamespacedPod"},
    "AdminNetworkPolicyEgressPeer": {
        "namespaces": _SELECTOR, "pods": "NamespacedPod", "nodes": _SELECTOR, "networks": "", "domainNames": "",
    },
    "BaselineAdminNetworkPolicyEgressPeer": {
        "namespaces": _SELECTOR, "pods": "NamespacedPod", "nodes": _SELECTOR, "networks": "",
    },
    "AdminNetworkPolicyPort": {"portNumber": "Port", "namedPort": "", "portRange": "PortRange"},
    "Port": {"protocol": "", "port": ""},
    "PortRange": {"protocol": "", "start": "", "end": ""},
    # v1alpha2
    "ClusterNetworkPolicy": {**_META, "spec": "ClusterNetworkPolicySpec"},
    "ClusterNetworkPolicySpec": {
        "tier": "", "priority": "", "subject": "AdminNetworkPolicySubject",
        "ingress": "[]ClusterNetworkPolicyIngressRule", "egress": "[]ClusterNetworkPolicyEgressRule",
    },
    "ClusterNetworkPolicyIngressRule": {
        "name": "", "action": "", "from": "[]AdminNetworkPolicyIngressPeer",
        "protocols": "[]ClusterNetworkPolicyProtocol",
    },
    "ClusterNetworkPolicyEgressRule": {
        "name": "", "action": "", "to": "[]AdminNetworkPolicyEgressPeer",
        "protocols": "[]ClusterNetworkPolicyProtocol",
    },
    "ClusterNetworkPolicyProtocol": {
        "tcp": "ClusterNetworkPolicyProtocolPorts", "udp": "ClusterNetworkPolicyProtocolPorts",
        "sctp": "ClusterNetworkPolicyProtocolPorts", "destinationNamedPort": "",
    },
    "ClusterNetworkPolicyProtocolPorts": {"destinationPort": "ClusterNetworkPolicyPort"},
    "ClusterNetworkPolicyPort": {"number": "", "range": "ClusterNetworkPolicyPortRange"},
    "ClusterNetworkPolicyPortRange": {"start": "", "end": ""},
    # core v1 Node: netverify reads metadata.labels and status.addresses; the rest only needs its key known.
    "V1Node": {**_META, "spec": "", "status": "V1NodeStatus"},
    "V1NodeStatus": {
        "addresses": "[]V1NodeAddress", "allocatable": "", "capacity": "", "conditions": "", "config": "",
        "daemonEndpoints": "", "declaredFeatures": "", "features": "", "images": "", "nodeInfo": "", "phase": "",
        "runtimeHandlers": "", "volumesAttached": "", "volumesInUse": "",
    },
    "V1NodeAddress": {"type": "", "address": ""},
}
