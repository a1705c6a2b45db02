"""NetworkPolicy v1 → model.NetworkPolicy: defaults applied, every rule, peer and port keeps its span."""

from __future__ import annotations

from netverify.load.ipblocks import ip_block
from netverify.load.k8s_schema import EgressRuleSpec, IngressRuleSpec, NetworkPolicyModel, PeerSpec
from netverify.load.labels import label_selector
from netverify.load.ports import port_match
from netverify.load.site import Site
from netverify.model.policy import Direction, NetworkPolicy, Peer, PortMatch, Rule


def network_policy(model: NetworkPolicyModel, namespace: str, name: str, site: Site, warnings: list[str]) -> NetworkPolicy:
    spec = model.spec
    spec_site = site.at("spec")
    if spec is None:
        # No spec: selects every pod for ingress and allows nothing (what an empty spec defaults to).
        return NetworkPolicy(namespace, name, label_selector(None, spec_site), frozenset({"ingress"}), (), (), site.span())
    ingress = tuple(
        _rule("ingress", i, rule, spec_site.at("ingress", i), warnings) for i, rule in enumerate(spec.ingress or ())
    )
    egress = tuple(
        _rule("egress", i, rule, spec_site.at("egress", i), warnings) for i, rule in enumerate(spec.egress or ())
    )
    if spec.policyTypes and len(spec.policyTypes) > 2:
        raise spec_site.at("policyTypes").error("at most two policyTypes (Ingress, Egress)")
    if spec.policyTypes:
        policy_types = frozenset(t.lower() for t in spec.policyTypes)
    else:
        # The API server's defaulting: Ingress always, Egress only when there is an egress rule.
        policy_types = frozenset({"ingress", "egress"} if egress else {"ingress"})
    return NetworkPolicy(
        namespace=namespace,
        name=name,
        pod_selector=label_selector(spec.podSelector, spec_site.at("podSelector")),
        policy_types=policy_types,
        ingress=ingress,
        egress=egress,
        span=site.span(),
        declared=frozenset(k for k, v in (("policyTypes", spec.policyTypes), ("ingress", spec.ingress),
                                          ("egress", spec.egress)) if v is not None),
    )


def _rule(
    direction: Direction, index: int, rule: IngressRuleSpec | EgressRuleSpec, site: Site, warnings: list[str]
) -> Rule:
    peers_key = "from" if direction == "ingress" else "to"
    peer_specs = rule.from_ if isinstance(rule, IngressRuleSpec) else rule.to
    peers = tuple(_peer(p, site.at(peers_key, i), warnings) for i, p in enumerate(peer_specs or ()))
    ports: tuple[PortMatch, ...] = tuple(port_match(p, site.at("ports", i)) for i, p in enumerate(rule.ports or ()))
    return Rule(direction, index, peers, ports, site.span())


def _peer(spec: PeerSpec, site: Site, warnings: list[str]) -> Peer:
    selectors = spec.podSelector is not None or spec.namespaceSelector is not None
    if spec.ipBlock is not None:
        if selectors:
            raise site.error("a peer with ipBlock cannot also have podSelector or namespaceSelector")
        return Peer(None, None, ip_block(spec.ipBlock, site.at("ipBlock"), warnings), site.span())
    if not selectors:
        raise site.error("a peer needs podSelector, namespaceSelector or ipBlock (an empty peer is invalid)")
    return Peer(
        pod_selector=None if spec.podSelector is None else label_selector(spec.podSelector, site.at("podSelector")),
        namespace_selector=None
        if spec.namespaceSelector is None
        else label_selector(spec.namespaceSelector, site.at("namespaceSelector")),
        ip_block=None,
        span=site.span(),
    )
