"""Field names of Calico's types and of core v1 ServiceAccount, for load/known_fields.py.

Written by hand from projectcalico/calico api/pkg/apis/projectcalico/v3 (the JSON names of the Go structs;
crd.projectcalico.org/v1 objects carry the same spec). Same shape as load/anp_fields.py: a type maps its JSON
field names to another type of the table, "[]" + one (a list of them), or "" (a value whose insides the schema
checks, or that netverify does not read). Type names start with "Calico" so they never meet the generated ones.
A NetworkPolicy has no `namespaceSelector`, `doNotTrack`, `preDNAT` or `applyOnForward` (GlobalNetworkPolicy
only); a staged kind adds `stagedAction`.
"""

from __future__ import annotations

from netverify.load.k8s_fields import FIELDS as K8S_FIELDS

_META = {"apiVersion": "", "kind": "", "metadata": "V1ObjectMeta"}
_POLICY_SPEC = {
    "tier": "", "order": "", "selector": "", "serviceAccountSelector": "", "types": "",
    "ingress": "[]CalicoRule", "egress": "[]CalicoRule", "performanceHints": "",
}
_GLOBAL_SPEC = {**_POLICY_SPEC, "namespaceSelector": "", "doNotTrack": "", "preDNAT": "", "applyOnForward": ""}

# The root type per kind (every Calico apiVersion read has the same fields).
CALICO_ROOTS: dict[str, str] = {
    "NetworkPolicy": "CalicoNetworkPolicy",
    "GlobalNetworkPolicy": "CalicoGlobalNetworkPolicy",
    "StagedNetworkPolicy": "CalicoStagedNetworkPolicy",
    "StagedGlobalNetworkPolicy": "CalicoStagedGlobalNetworkPolicy",
    "StagedKubernetesNetworkPolicy": "CalicoStagedKubernetesNetworkPolicy",
    "Tier": "CalicoTier",
    "NetworkSet": "CalicoNetworkSet",
    "GlobalNetworkSet": "CalicoGlobalNetworkSet",
    "Profile": "CalicoProfile",
    "HostEndpoint": "CalicoHostEndpoint",
}
SERVICE_ACCOUNT_ROOT = "V1ServiceAccount"

CALICO_FIELDS: dict[str, dict[str, str]] = {
    "CalicoNetworkPolicy": {**_META, "spec": "CalicoNetworkPolicySpec"},
    "CalicoNetworkPolicySpec": _POLICY_SPEC,
    "CalicoGlobalNetworkPolicy": {**_META, "spec": "CalicoGlobalNetworkPolicySpec"},
    "CalicoGlobalNetworkPolicySpec": _GLOBAL_SPEC,
    "CalicoStagedNetworkPolicy": {**_META, "spec": "CalicoStagedNetworkPolicySpec"},
    "CalicoStagedNetworkPolicySpec": {**_POLICY_SPEC, "stagedAction": ""},
    "CalicoStagedGlobalNetworkPolicy": {**_META, "spec": "CalicoStagedGlobalNetworkPolicySpec"},
    "CalicoStagedGlobalNetworkPolicySpec": {**_GLOBAL_SPEC, "stagedAction": ""},
    "CalicoStagedKubernetesNetworkPolicy": {**_META, "spec": "CalicoStagedKubernetesNetworkPolicySpec"},
    "CalicoStagedKubernetesNetworkPolicySpec": {**K8S_FIELDS["V1NetworkPolicySpec"], "stagedAction": ""},
    "CalicoRule": {
        "action": "", "ipVersion": "", "protocol": "", "notProtocol": "", "icmp": "CalicoICMPFields",
        "notICMP": "CalicoICMPFields", "source": "CalicoEntityRule", "destination": "CalicoEntityRule",
        "http": "CalicoHTTPMatch", "metadata": "",
    },
    "CalicoICMPFields": {"type": "", "code": ""},
    "CalicoHTTPMatch": {"methods": "", "paths": "[]CalicoHTTPPath"},
    "CalicoHTTPPath": {"exact": "", "prefix": ""},
    "CalicoEntityRule": {
        "nets": "", "notNets": "", "selector": "", "notSelector": "", "namespaceSelector": "", "ports": "",
        "notPorts": "", "serviceAccounts": "CalicoServiceAccountMatch", "services": "CalicoServiceMatch",
    },
    "CalicoServiceAccountMatch": {"names": "", "selector": ""},
    "CalicoServiceMatch": {"name": "", "namespace": ""},
    "CalicoTier": {**_META, "spec": "CalicoTierSpec", "status": ""},
    "CalicoTierSpec": {"order": "", "defaultAction": ""},
    "CalicoNetworkSet": {**_META, "spec": "CalicoNetworkSetSpec"},
    "CalicoNetworkSetSpec": {"nets": "", "allowedEgressDomains": ""},
    "CalicoGlobalNetworkSet": {**_META, "spec": "CalicoNetworkSetSpec"},
    "CalicoProfile": {**_META, "spec": "CalicoProfileSpec"},
    "CalicoProfileSpec": {"ingress": "[]CalicoRule", "egress": "[]CalicoRule", "labelsToApply": ""},
    "CalicoHostEndpoint": {**_META, "spec": "CalicoHostEndpointSpec"},
    "CalicoHostEndpointSpec": {
        "node": "", "interfaceName": "", "expectedIPs": "", "profiles": "", "ports": "[]CalicoEndpointPort",
    },
    "CalicoEndpointPort": {"name": "", "protocol": "", "port": ""},
    # core v1 ServiceAccount: netverify reads metadata.labels; the rest only needs its key known.
    "V1ServiceAccount": {**_META, "automountServiceAccountToken": "", "imagePullSecrets": "", "secrets": ""},
}
