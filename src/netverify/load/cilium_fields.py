"""Field names of the cilium.io types netverify reads, for load/known_fields.py (unknown fields are errors).

Written by hand from cilium/cilium pkg/policy/api (rule.go, ingress.go, egress.go, l4.go, cidr.go, icmp.go)
and pkg/k8s/apis/cilium.io/v2 (cnp_types.go, ccnp_types.go, cidrgroups_types.go). Same shape as
load/anp_fields.py: a type maps its JSON field names to another type of the table, "[]" + one (a list of
them), or "" (a value whose insides are checked by the schema, or not read at all). A deny rule has no L7
(`PortDenyRule` has only `ports`), no `toFQDNs` and no `authentication`: those keys are unknown there, as the
CRD's pruning makes them.
"""

from __future__ import annotations

_META = {"apiVersion": "", "kind": "", "metadata": "V1ObjectMeta", "status": ""}
_SELECTOR = "V1LabelSelector"
_INGRESS_COMMON = {
    "fromEndpoints": "[]" + _SELECTOR, "fromRequires": "[]" + _SELECTOR, "fromCIDR": "",
    "fromCIDRSet": "[]CiliumCIDRRule", "fromEntities": "", "fromGroups": "", "fromNodes": "[]" + _SELECTOR,
    "icmps": "[]CiliumICMPRule",
}
_EGRESS_COMMON = {
    "toEndpoints": "[]" + _SELECTOR, "toRequires": "[]" + _SELECTOR, "toCIDR": "", "toCIDRSet": "[]CiliumCIDRRule",
    "toEntities": "", "toServices": "", "toGroups": "", "toNodes": "[]" + _SELECTOR, "icmps": "[]CiliumICMPRule",
}

# The root type per kind (every version read has the same fields).
CILIUM_ROOTS: dict[str, str] = {
    "CiliumNetworkPolicy": "CiliumNetworkPolicy",
    "CiliumClusterwideNetworkPolicy": "CiliumNetworkPolicy",
    "CiliumCIDRGroup": "CiliumCIDRGroup",
}

CILIUM_FIELDS: dict[str, dict[str, str]] = {
    "CiliumNetworkPolicy": {**_META, "spec": "CiliumRule", "specs": "[]CiliumRule"},
    "CiliumRule": {
        "endpointSelector": _SELECTOR, "nodeSelector": _SELECTOR,
        "ingress": "[]CiliumIngressRule", "ingressDeny": "[]CiliumIngressDenyRule",
        "egress": "[]CiliumEgressRule", "egressDeny": "[]CiliumEgressDenyRule",
        "enableDefaultDeny": "CiliumDefaultDenyConfig", "labels": "", "description": "", "log": "",
    },
    "CiliumDefaultDenyConfig": {"ingress": "", "egress": ""},
    "CiliumIngressRule": {**_INGRESS_COMMON, "toPorts": "[]CiliumPortRule", "authentication": ""},
    "CiliumIngressDenyRule": {**_INGRESS_COMMON, "toPorts": "[]CiliumPortDenyRule"},
    "CiliumEgressRule": {**_EGRESS_COMMON, "toPorts": "[]CiliumPortRule", "toFQDNs": "", "authentication": ""},
    "CiliumEgressDenyRule": {**_EGRESS_COMMON, "toPorts": "[]CiliumPortDenyRule"},
    "CiliumCIDRRule": {"cidr": "", "cidrGroupRef": "", "cidrGroupSelector": _SELECTOR, "except": ""},
    "CiliumPortRule": {
        "ports": "[]CiliumPortProtocol", "rules": "CiliumL7Rules", "terminatingTLS": "", "originatingTLS": "",
        "serverNames": "", "listener": "",
    },
    "CiliumPortDenyRule": {"ports": "[]CiliumPortProtocol"},
    "CiliumPortProtocol": {"port": "", "endPort": "", "protocol": ""},
    "CiliumL7Rules": {"http": "", "kafka": "", "dns": "", "l7proto": "", "l7": ""},
    "CiliumICMPRule": {"fields": "[]CiliumICMPField"},
    "CiliumICMPField": {"family": "", "type": ""},
    "CiliumCIDRGroup": {**_META, "spec": "CiliumCIDRGroupSpec"},
    "CiliumCIDRGroupSpec": {"externalCIDRs": ""},
}
