"""NetworkPolicy normalisation over generated policies: structure kept, defaults applied, spans on their lines."""

from __future__ import annotations

import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from netverify.load.manifests import load_cluster_from_texts
from netverify.model.labels import Requirement

label = st.sampled_from(["app", "tier", "team", "example.com/role"])
value = st.sampled_from(["a", "b", "web", "db-1"])
selector = st.fixed_dictionaries(
    {},
    optional={
        "matchLabels": st.dictionaries(label, value, max_size=2),
        "matchExpressions": st.lists(
            st.one_of(
                st.builds(lambda k, op, vs: {"key": k, "operator": op, "values": vs},
                          label, st.sampled_from(["In", "NotIn"]), st.lists(value, min_size=1, max_size=2)),
                st.builds(lambda k, op: {"key": k, "operator": op}, label, st.sampled_from(["Exists", "DoesNotExist"])),
            ),
            max_size=2,
        ),
    },
)
ip_block = st.sampled_from([
    {"cidr": "10.0.0.0/8"}, {"cidr": "10.0.0.0/8", "except": ["10.1.0.0/16", "10.2.0.0/16"]},
    {"cidr": "fd00::/8", "except": ["fd00::/16"]}, {"cidr": "0.0.0.0/0"},
])
peer = st.one_of(
    st.builds(lambda b: {"ipBlock": b}, ip_block),
    st.fixed_dictionaries({"podSelector": selector}, optional={"namespaceSelector": selector}),
    st.fixed_dictionaries({"namespaceSelector": selector}),
)
port = st.one_of(
    st.fixed_dictionaries({"port": st.integers(1, 65535)}, optional={"protocol": st.sampled_from(["TCP", "UDP", "SCTP"])}),
    st.builds(lambda p, n: {"port": p, "endPort": p + n}, st.integers(1, 60000), st.integers(0, 5000)),
    st.fixed_dictionaries({"port": st.sampled_from(["http", "dns-tcp", "metrics"])}),
    st.fixed_dictionaries({"protocol": st.sampled_from(["TCP", "UDP", "SCTP"])}),
)


def rule(peers_key: str):
    return st.fixed_dictionaries({}, optional={peers_key: st.lists(peer, max_size=3), "ports": st.lists(port, max_size=3)})


policy_spec = st.fixed_dictionaries(
    {},
    optional={
        "podSelector": selector,
        "policyTypes": st.lists(st.sampled_from(["Ingress", "Egress"]), min_size=1, max_size=2, unique=True),
        "ingress": st.lists(rule("from"), max_size=3),
        "egress": st.lists(rule("to"), max_size=3),
    },
)


@settings(max_examples=200, deadline=None)
@given(policy_spec)
def test_generated_policies_normalise_faithfully(spec):
    manifest = {"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
                "metadata": {"name": "p", "namespace": "ns"}, "spec": spec}
    text = yaml.safe_dump(manifest, default_flow_style=False, sort_keys=False)
    lines = text.splitlines()
    (policy,) = load_cluster_from_texts([("p.yaml", text)]).policies

    if "policyTypes" in spec:
        expected_types = {t.lower() for t in spec["policyTypes"]}
    else:
        expected_types = {"ingress"} | ({"egress"} if spec.get("egress") else set())
    assert policy.policy_types == expected_types

    written = spec.get("podSelector", {})
    expected_reqs = [Requirement(k, "In", frozenset({v})) for k, v in written.get("matchLabels", {}).items()]
    expected_reqs += [Requirement(e["key"], e["operator"], frozenset(e.get("values", ())))
                      for e in written.get("matchExpressions", [])]
    assert list(policy.pod_selector.requirements) == expected_reqs

    for direction, peers_key in (("ingress", "from"), ("egress", "to")):
        rules = policy.rules(direction)
        assert len(rules) == len(spec.get(direction, []))
        for index, (got, want) in enumerate(zip(rules, spec.get(direction, []))):
            assert got.index == index and got.direction == direction
            assert len(got.peers) == len(want.get(peers_key, []))
            assert len(got.ports) == len(want.get("ports", []))
            assert lines[got.span.line - 1].lstrip().startswith("- ")
            for p, w in zip(got.peers, want.get(peers_key, [])):
                # Block style puts an item's first key on its `- ` line: the span is that line.
                assert lines[p.span.line - 1].lstrip().startswith(f"- {next(iter(w))}:")
                assert (p.ip_block is not None) == ("ipBlock" in w)
                if "ipBlock" in w:
                    assert str(p.ip_block.cidr) == w["ipBlock"]["cidr"]
                    assert [str(e) for e in p.ip_block.excepts] == w["ipBlock"].get("except", [])
                assert (p.pod_selector is None) == ("podSelector" not in w)
                assert (p.namespace_selector is None) == ("namespaceSelector" not in w)
            for m, w in zip(got.ports, want.get("ports", [])):
                assert lines[m.span.line - 1].lstrip().startswith(f"- {next(iter(w))}:")
                assert m.port == w.get("port") and m.end_port == w.get("endPort")
                assert m.protocol.value == w.get("protocol", "TCP")
