"""Whatever the input, loading ends in a Cluster or an InputError, never another exception."""

from __future__ import annotations

import copy

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from manifest_mutations import key_paths, misspellings

from netverify.errors import InputError
from netverify.load.files import decode
from netverify.load.limits import LoadLimits
from netverify.load.manifests import load_cluster_from_texts
from netverify.model.cluster import Cluster

VALID = [
    {"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy", "metadata": {"name": "p", "namespace": "a"},
     "spec": {"podSelector": {"matchLabels": {"app": "db"}}, "policyTypes": ["Ingress", "Egress"],
              "ingress": [{"from": [{"podSelector": {"matchExpressions": [{"key": "x", "operator": "In", "values": ["1"]}]},
                                     "namespaceSelector": {}},
                                    {"ipBlock": {"cidr": "10.0.0.0/8", "except": ["10.1.0.0/16"]}}],
                           "ports": [{"port": 80, "endPort": 90, "protocol": "TCP"}, {"port": "http"}]}],
              "egress": [{"to": [{"namespaceSelector": {"matchLabels": {"t": "a"}}}], "ports": [{"protocol": "UDP"}]}]}},
    {"apiVersion": "v1", "kind": "PodList", "items": [
        {"metadata": {"name": "p-1", "namespace": "a", "labels": {"app": "web"},
                      "ownerReferences": [{"kind": "ReplicaSet", "name": "rs", "controller": True}]},
         "spec": {"containers": [{"ports": [{"containerPort": 80, "name": "http"}]}], "hostNetwork": False},
         "status": {"podIP": "10.0.0.1", "podIPs": [{"ip": "10.0.0.1"}]}}]},
    {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "d"},
     "spec": {"template": {"metadata": {"labels": {"app": "d"}}, "spec": {"containers": [{"ports": [{"containerPort": 1}]}]}}}},
    {"apiVersion": "batch/v1", "kind": "CronJob", "metadata": {"name": "c"},
     "spec": {"jobTemplate": {"spec": {"template": {"metadata": {"labels": {"a": "b"}}}}}}},
    {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "s"},
     "spec": {"selector": {"app": "d"}, "ports": [{"port": 80, "targetPort": "http", "protocol": "UDP"}]}},
    {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "a", "labels": {"x": "y"}}},
    {"apiVersion": "policy.networking.k8s.io/v1alpha1", "kind": "AdminNetworkPolicy", "metadata": {"name": "anp"},
     "spec": {"priority": 3, "subject": {"pods": {"namespaceSelector": {}, "podSelector": {"matchLabels": {"a": "b"}}}},
              "ingress": [{"name": "r", "action": "Pass", "from": [{"namespaces": {"matchLabels": {"t": "a"}}}],
                           "ports": [{"portNumber": {"port": 80, "protocol": "TCP"}}, {"namedPort": "http"},
                                     {"portRange": {"start": 1, "end": 9, "protocol": "UDP"}}]}],
              "egress": [{"action": "Deny", "to": [{"networks": ["10.0.0.0/8"]}, {"nodes": {}},
                                                   {"pods": {"namespaceSelector": {}, "podSelector": {}}}]}]}},
    {"apiVersion": "policy.networking.k8s.io/v1alpha1", "kind": "BaselineAdminNetworkPolicy",
     "metadata": {"name": "default"},
     "spec": {"subject": {"namespaces": {}}, "egress": [{"action": "Allow", "to": [{"namespaces": {}}]}]}},
    {"apiVersion": "policy.networking.k8s.io/v1alpha2", "kind": "ClusterNetworkPolicy", "metadata": {"name": "cnp"},
     "spec": {"tier": "Admin", "priority": 0, "subject": {"namespaces": {}},
              "egress": [{"action": "Accept", "to": [{"domainNames": ["*.example.com"]}],
                          "protocols": [{"tcp": {"destinationPort": {"number": 443}}},
                                        {"udp": {"destinationPort": {"range": {"start": 1, "end": 2}}}}]}]}},
    {"apiVersion": "v1", "kind": "Node", "metadata": {"name": "n", "labels": {"z": "a"}},
     "status": {"addresses": [{"type": "InternalIP", "address": "10.9.0.1"}]}},
    # Cilium (issue 12): every field the loader reads, allow and deny, with ports, ICMP, entities and CIDR sets.
    {"apiVersion": "cilium.io/v2", "kind": "CiliumNetworkPolicy", "metadata": {"name": "c", "namespace": "a"},
     "spec": {"endpointSelector": {"matchLabels": {"app": "db"}}, "enableDefaultDeny": {"egress": False},
              "ingress": [{"fromEndpoints": [{"matchLabels": {"k8s:app": "web"},
                                              "matchExpressions": [{"key": "t", "operator": "NotIn", "values": ["x"]}]}],
                           "toPorts": [{"ports": [{"port": "80", "endPort": 90, "protocol": "TCP"},
                                                  {"port": "http", "protocol": "ANY"}]}]},
                          {"fromEntities": ["world", "cluster"], "icmps": [{"fields": [{"family": "IPv6", "type": 128}]}]}],
              "ingressDeny": [{"fromCIDRSet": [{"cidr": "10.0.0.0/8", "except": ["10.1.0.0/16"]},
                                               {"cidrGroupRef": "corp"}],
                               "toPorts": [{"ports": [{"port": "22"}]}]}],
              "egressDeny": [{"toCIDR": ["192.0.2.0/24"], "icmps": [{"fields": [{"type": "EchoRequest"}]}]}]},
     "specs": [{"endpointSelector": {}, "egress": [{"toRequires": [{"matchLabels": {"env": "prod"}}],
                                                     "toEndpoints": [{}]}]}]},
    {"apiVersion": "cilium.io/v2", "kind": "CiliumClusterwideNetworkPolicy", "metadata": {"name": "cc"},
     "specs": [{"endpointSelector": {"matchLabels": {"io.kubernetes.pod.namespace": "a"}},
                "egress": [{"toCIDRSet": [{"cidrGroupSelector": {"matchLabels": {"site": "hq"}}}]}]},
               {"nodeSelector": {"matchLabels": {"r": "x"}}, "ingress": [{"fromEntities": ["host"]}]}]},
    {"apiVersion": "cilium.io/v2", "kind": "CiliumCIDRGroup", "metadata": {"name": "corp", "labels": {"site": "hq"}},
     "spec": {"externalCIDRs": ["198.51.100.0/24", "2001:db8::/32"]}},
]

# Calico's kinds (issue 11): read by load/calico*.py. Not in the wrong-type test below: Calico's protocol, port
# and order fields take a number or a string, so "another JSON type" is often a valid value there.
CALICO = [
    {"apiVersion": "projectcalico.org/v3", "kind": "GlobalNetworkPolicy", "metadata": {"name": "g"},
     "spec": {"order": 10, "selector": "app == 'db' && !has(x)", "namespaceSelector": "all()", "types": ["Ingress", "Egress"],
              "ingress": [{"action": "Allow", "protocol": "TCP", "ipVersion": 4,
                           "source": {"nets": ["10.0.0.0/8"], "notNets": ["10.1.0.0/16"], "selector": "a in {'b'}",
                                      "namespaceSelector": "global()", "ports": [80, "1:2", "http"]},
                           "destination": {"notPorts": ["9000:9100"], "serviceAccounts": {"names": ["s"], "selector": "t == 'a'"}}},
                          {"action": "Deny", "protocol": "ICMP", "icmp": {"type": 8, "code": 0}, "notICMP": {"type": 3}}],
              "egress": [{"action": "Pass", "notProtocol": 17, "destination": {"services": {"name": "db", "namespace": "a"}}},
                         {"action": "Log"}]}},
    {"apiVersion": "crd.projectcalico.org/v1", "kind": "NetworkPolicy", "metadata": {"name": "default.n", "namespace": "a"},
     "spec": {"tier": "default", "selector": "role starts with 'x'", "serviceAccountSelector": "",
              "egress": [{"action": "Allow", "http": None, "destination": {"nets": ["fd00::/8"]}}]}},
    {"apiVersion": "projectcalico.org/v3", "kind": "Tier", "metadata": {"name": "t"}, "spec": {"order": 5, "defaultAction": "Pass"}},
    {"apiVersion": "projectcalico.org/v3", "kind": "GlobalNetworkSet", "metadata": {"name": "s", "labels": {"r": "x"}},
     "spec": {"nets": ["1.2.3.4", "8.8.0.0/16"]}},
    {"apiVersion": "projectcalico.org/v3", "kind": "Profile", "metadata": {"name": "kns.a"},
     "spec": {"ingress": [{"action": "Allow"}], "egress": [{"action": "Allow"}]}},
    {"apiVersion": "projectcalico.org/v3", "kind": "HostEndpoint", "metadata": {"name": "h"},
     "spec": {"node": "n", "interfaceName": "eth0", "expectedIPs": ["10.0.0.1"], "profiles": ["kns.a"],
              "ports": [{"name": "ssh", "protocol": "TCP", "port": 22}]}},
    {"apiVersion": "projectcalico.org/v3", "kind": "StagedKubernetesNetworkPolicy", "metadata": {"name": "k", "namespace": "a"},
     "spec": {"stagedAction": "Set", "podSelector": {"matchLabels": {"a": "b"}}, "policyTypes": ["Ingress"]}},
    {"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": "sa", "namespace": "a", "labels": {"t": "a"}}},
]

junk = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**70), 2**70) | st.floats(allow_nan=False) | st.text(max_size=12)
    | st.sampled_from(["", "In", "TCP", "Ingress", "10.0.0.0/8", "10.1.2.3/8", "fd00::/8", "http", "0", "-1"]),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3),
    max_leaves=8,
)


def paths(value, prefix=()):
    yield prefix
    if isinstance(value, dict):
        for k, v in value.items():
            yield from paths(v, prefix + (k,))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from paths(v, prefix + (i,))


def outcome(text: str) -> Cluster | InputError:
    try:
        return load_cluster_from_texts([("f.yaml", text)])
    except InputError as err:
        assert err.file == "f.yaml" and err.message
        return err


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(VALID + CALICO), st.data(), junk)
def test_a_valid_manifest_with_one_part_replaced_loads_or_fails_cleanly(manifest, data, replacement):
    mutated = copy.deepcopy(manifest)
    path = data.draw(st.sampled_from([p for p in paths(mutated) if p]))
    parent = mutated
    for step in path[:-1]:
        parent = parent[step]
    parent[path[-1]] = replacement
    outcome(yaml.safe_dump(mutated))


@pytest.mark.parametrize("manifest", VALID + CALICO, ids=[m["kind"] for m in VALID + CALICO])
def test_the_valid_manifests_load(manifest):
    assert isinstance(outcome(yaml.safe_dump(manifest)), Cluster)


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=200))
def test_arbitrary_bytes_load_or_fail_cleanly(data):
    try:
        text = decode("f.yaml", data)
    except InputError:
        return
    outcome(text)


yamlish = st.lists(
    st.sampled_from(["kind: Pod", "kind: NetworkPolicy", "metadata:", "  name: x", "spec:", "  ingress:", "  - from:",
                     "    - {}", "- a", "---", "&a [*a]", "*b", "<<: *a", "? [1]", ": x", "!!binary aGk=", "{", "]",
                     "'", '"\\u12"', "\t", "items: [", "kind: List", "a: b: c", "  - ports: [{port: 0}]", "..."]),
    max_size=12,
).map("\n".join)


@settings(max_examples=300, deadline=None)
@given(yamlish)
def test_yaml_like_fragments_load_or_fail_cleanly(text):
    outcome(text)


# ---- strict reading: misspelt keys and wrong scalar types are errors (warnings under --lenient) --------

def _at(tree, path):
    for step in path:
        tree = tree[step]
    return tree


@settings(max_examples=200, deadline=None)
@given(st.sampled_from(VALID + CALICO), st.data())
def test_a_misspelt_key_is_an_error_naming_it_and_a_warning_under_lenient(manifest, data):
    mutated = copy.deepcopy(manifest)
    # A ClusterNetworkPolicy without apiVersion may be Antrea's kind: it is judged as an unmodelled object
    # (results it could affect are unknown), not read, so a misspelt `apiVersion` there is no unknown field.
    # Likewise a Calico kind without apiVersion is judged, not read.
    unread = manifest["kind"] == "ClusterNetworkPolicy" or "projectcalico.org" in manifest["apiVersion"]
    keys = [p for p in key_paths(mutated) if not (unread and p == ("apiVersion",))]
    path = data.draw(st.sampled_from(keys), label="key")
    parent, key = _at(mutated, path[:-1]), path[-1]
    new = data.draw(misspellings(key), label="misspelt")
    parent[new] = parent.pop(key)
    text = yaml.safe_dump(mutated)
    result = outcome(text)
    assert isinstance(result, InputError) and f"unknown field {new!r}" in result.message, result
    assert result.line and result.field and result.field.endswith(new)
    try:
        lenient = load_cluster_from_texts([("f.yaml", text)], limits=LoadLimits(lenient=True))
    except InputError as err:  # what is left without the field may be wrong in itself, but not unknown
        assert "unknown field" not in err.message
    else:
        assert any(f"unknown field {new!r}" in w and "f.yaml:" in w for w in lenient.warnings)


def scalar_paths(value, prefix=()):
    """Paths to every scalar netverify reads with a type (not `kind`/`apiVersion`, which pick the reader)."""
    if isinstance(value, dict):
        for k, v in value.items():
            if k not in ("kind", "apiVersion"):
                yield from scalar_paths(v, prefix + (k,))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from scalar_paths(v, prefix + (i,))
    elif isinstance(value, (bool, int, str)):
        yield prefix


def wrong_types(value, path):
    """Values of another JSON type than `value`, as the API server would refuse to decode them."""
    int_or_string = "port" in path[-2:] or "targetPort" in path[-2:]
    icmp_type = path[-1] == "type" and "fields" in path  # Cilium's ICMP type: a number or a name
    if isinstance(value, bool):
        return st.sampled_from([str(value).lower(), int(value)])
    if icmp_type:
        return st.sampled_from([True, 1.5])
    if isinstance(value, int):
        return st.sampled_from([str(value), True, float(value) + 0.5])
    return st.sampled_from([True, 1.5] if int_or_string else [True, 7, 1.5])


@settings(max_examples=200, deadline=None)
@given(st.sampled_from(VALID), st.data())
def test_a_scalar_of_the_wrong_type_is_an_error_even_under_lenient(manifest, data):
    mutated = copy.deepcopy(manifest)
    path = data.draw(st.sampled_from(list(scalar_paths(mutated))), label="scalar")
    parent, key = _at(mutated, path[:-1]), path[-1]
    parent[key] = data.draw(wrong_types(parent[key], path), label="wrong")
    text = yaml.safe_dump(mutated)
    for limits in (None, LoadLimits(lenient=True)):
        try:
            load_cluster_from_texts([("f.yaml", text)], limits=limits)
        except InputError as err:
            assert err.file == "f.yaml" and err.line and "unknown field" not in err.message
        else:
            raise AssertionError(f"{path} = {parent[key]!r} was read")
