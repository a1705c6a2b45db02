"""The rules of a Cilium policy (ingress, ingressDeny, egress, egressDeny) → model.cilium.CiliumRule.

Sources: pkg/policy/api ingress.go / egress.go (the fields), rule_validation.go (what Cilium refuses: two kinds
of L3 peer in one rule, `toServices` with `toPorts`, `icmps` with `toPorts`, unknown entities, bad CIDRs and
excepts outside their CIDR), pkg/k8s/apis/cilium.io/utils (mergeEndpointSelectors: a peer field given as an
empty list selects nothing), https://docs.cilium.io/en/stable/security/policy/language/.
Peers netverify does not decide (fromGroups/toGroups, toServices, toFQDNs, fromNodes/toNodes, authentication,
selectors of non-pod identities, icmps items without fields) are kept as `unmodelled` with their place.
"""

from __future__ import annotations

import difflib
import ipaddress
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from netverify.load.anp_peers import Reading
from netverify.load.cilium_ports import icmp_fields, port_rules
from netverify.load.cilium_schema import CidrRuleSpec, CiliumRuleSpec
from netverify.load.cilium_selectors import peer_selector, read_selector
from netverify.load.ipblocks import parse_cidr
from netverify.load.site import Site
from netverify.model.cilium import ENTITIES, CidrGroup, CidrPeer, CiliumRule
from netverify.model.k8s_names import is_dns_subdomain
from netverify.model.fields import Unmodelled
from netverify.model.ipblock import IPBlock, IPNetwork
from netverify.model.policy import Direction

# Cilium's OneOf group per direction (rule_validation.go l3Members): at most one of them per rule.
_L3_INGRESS = ("fromEndpoints", "fromCIDR", "fromCIDRSet", "fromEntities", "fromNodes", "fromGroups")
_L3_EGRESS = ("toEndpoints", "toCIDR", "toCIDRSet", "toEntities", "toServices", "toFQDNs", "toGroups", "toNodes")
_UNMODELLED_PEERS = ("fromGroups", "fromNodes", "toServices", "toFQDNs", "toGroups", "toNodes")


@dataclass(frozen=True)
class RuleContext:
    """What a rule's reading needs from its policy."""

    namespace: str | None  # None: a CCNP
    subject_init: bool  # the subject selects reserved:init (a CCNP then adds no namespace Exists to peers)
    reading: Reading
    groups: Mapping[str, CidrGroup]  # every CiliumCIDRGroup of the manifests, by name


def rules(direction: Direction, deny: bool, specs: Sequence[CiliumRuleSpec] | None, site: Site,
          ctx: RuleContext) -> tuple[CiliumRule, ...]:
    return tuple(_rule(direction, deny, i, spec, site.at(i), ctx) for i, spec in enumerate(specs or ()))


def _rule(direction: Direction, deny: bool, index: int, spec: CiliumRuleSpec, site: Site,
          ctx: RuleContext) -> CiliumRule:
    ingress = direction == "ingress"
    side = "from" if ingress else "to"
    present = {name for name in (_L3_INGRESS if ingress else _L3_EGRESS) if getattr(spec, name)}
    if len(present) > 1:
        first, second = sorted(present)[:2]
        raise site.at(second).error(f"Cilium refuses {first} and {second} in one rule: write one rule for each")
    if spec.icmps and spec.toPorts:
        raise site.at("icmps").error("icmps cannot be combined with toPorts in one rule: write one rule for each")
    if not ingress and spec.toServices and spec.toPorts:
        raise site.at("toPorts").error("Cilium refuses toServices with toPorts in one rule")
    notes: list[Unmodelled] = []
    endpoints_spec = getattr(spec, side + "Endpoints")
    endpoints = None if endpoints_spec is None else tuple(
        peer_selector(s, site.at(side + "Endpoints", i), ctx.namespace, ctx.subject_init, notes,
                      ctx.reading.warnings)
        for i, s in enumerate(endpoints_spec))
    requires = tuple(
        peer_selector(s, site.at(side + "Requires", i), ctx.namespace, ctx.subject_init, notes,
                      ctx.reading.warnings)
        for i, s in enumerate(getattr(spec, side + "Requires") or ()))
    entities = _entities(getattr(spec, side + "Entities") or (), site.at(side + "Entities"))
    cidrs = (*_plain_cidrs(getattr(spec, side + "CIDR") or (), site.at(side + "CIDR"), ctx.reading),
             *_cidr_sets(getattr(spec, side + "CIDRSet") or (), site.at(side + "CIDRSet"), ctx, notes))
    empty = [n for n in (side + "Endpoints", side + "Entities", side + "CIDR", side + "CIDRSet")
             if getattr(spec, n) is not None and len(getattr(spec, n)) == 0]
    if empty:
        # mergeEndpointSelectors: an empty, non-nil peer list selects no identity, whatever else the rule says.
        endpoints, entities, cidrs = (), (), ()
    unmodelled = list(notes)
    for name in _UNMODELLED_PEERS:
        if getattr(spec, name, None) is not None:
            unmodelled.append(Unmodelled(site.at(name).field, site.at(name).span()))
    if spec.authentication is not None and not _auth_disabled(spec.authentication):
        unmodelled.append(Unmodelled(site.at("authentication").field, site.at("authentication").span()))
    empty_icmps: list[str] = []
    icmps = icmp_fields(spec.icmps or (), site.at("icmps"), empty_icmps)
    unmodelled += [Unmodelled(f"{f} (an icmps item without fields)", site.span()) for f in empty_icmps]
    return CiliumRule(
        direction=direction, index=index, deny=deny, endpoints=endpoints, requires=requires, entities=entities,
        cidrs=tuple(cidrs), ports=port_rules(spec.toPorts or (), site.at("toPorts"), ingress=ingress, deny=deny),
        icmps=icmps, span=site.span(), unmodelled=tuple(unmodelled),
    )


def _auth_disabled(value: object) -> bool:
    return isinstance(value, dict) and value.get("mode") == "disabled" and len(value) == 1


def _entities(written: Sequence[str], site: Site) -> tuple[str, ...]:
    for i, entity in enumerate(written):
        if entity not in ENTITIES:
            close = difflib.get_close_matches(entity.lower(), ENTITIES, n=1, cutoff=0.6)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            raise site.at(i).error(f"{entity!r} is not an entity Cilium knows{hint}: use one of {', '.join(ENTITIES)}")
    return tuple(dict.fromkeys(written))


def _plain_cidrs(written: Sequence[str], site: Site, reading: Reading) -> list[CidrPeer]:
    return [CidrPeer((IPBlock(cidr(text, site.at(i), reading)),), (), None, site.at(i).span())
            for i, text in enumerate(written)]


def _cidr_sets(specs: Sequence[CidrRuleSpec], site: Site, ctx: RuleContext,
               notes: list[Unmodelled]) -> list[CidrPeer]:
    return [_cidr_set(spec, site.at(i), ctx, notes) for i, spec in enumerate(specs)]


def _cidr_set(spec: CidrRuleSpec, site: Site, ctx: RuleContext, notes: list[Unmodelled]) -> CidrPeer:
    given = [n for n, v in (("cidr", spec.cidr), ("cidrGroupRef", spec.cidrGroupRef),
                            ("cidrGroupSelector", spec.cidrGroupSelector)) if v is not None]
    if len(given) != 1:
        what = "sets none" if not given else f"sets {' and '.join(given)}"
        raise site.error(f"a CIDR set item takes exactly one of cidr, cidrGroupRef, cidrGroupSelector; it {what}")
    excepts: list[IPBlock] = []  # model/cilium.CidrPeer: excepts are IPBlocks, as the layer reads them
    main = cidr(spec.cidr, site.at("cidr"), ctx.reading) if spec.cidr is not None else None
    for i, text in enumerate(spec.except_ or ()):
        here = site.at("except", i)
        network = cidr(text, here, ctx.reading)
        if main is not None and (network.version != main.version or network.network_address not in main):
            raise here.error(f"except {text} is not inside cidr {spec.cidr}")
        excepts.append(IPBlock(network))
    if main is not None:
        return CidrPeer((IPBlock(main),), tuple(excepts), None, site.span())
    if spec.cidrGroupRef is not None:
        name = spec.cidrGroupRef
        check_group_name(name, site.at("cidrGroupRef"))
        group = ctx.groups.get(name)
        if group is None:
            ref = site.at("cidrGroupRef")
            notes.append(Unmodelled(f"{ref.field} (CiliumCIDRGroup {name!r} is not in the manifests)", ref.span()))
        return CidrPeer(group.blocks if group else (), tuple(excepts), name, site.span())
    here = site.at("cidrGroupSelector")
    read = read_selector(spec.cidrGroupSelector, here)
    chosen = [g for g in ctx.groups.values() if read.selector.matches(g.labels)]
    if read.foreign_keys or not chosen:
        why = (f"selects by {', '.join(read.foreign_keys)}" if read.foreign_keys
               else "selects no CiliumCIDRGroup of the manifests")
        notes.append(Unmodelled(f"{here.field} ({why})", here.span()))
    blocks = tuple(b for g in sorted(chosen, key=lambda g: g.name) for b in g.blocks)
    return CidrPeer(blocks, tuple(excepts), f"{GROUP_SELECTOR_PREFIX}{read.selector}", site.span())


GROUP_SELECTOR_PREFIX = "selector:"  # CidrPeer.group of a cidrGroupSelector: "selector:<the selector>"


def check_group_name(name: str, site: Site) -> None:
    if not is_dns_subdomain(name):
        raise site.error(f"{name!r} is not a CiliumCIDRGroup name (a DNS subdomain: lowercase letters, digits, "
                         "'-' and '.', at most 253)")


def cidr(text: str, site: Site, reading: Reading) -> IPNetwork:
    """A CIDR as the CRD's `format: cidr` takes it; host bits set are read masked, with a warning."""
    network = parse_cidr(text, site, reading.warnings)
    if isinstance(network, ipaddress.IPv6Network) and network.network_address.ipv4_mapped is not None:
        raise site.error(f"{text!r} is an IPv4-mapped IPv6 CIDR: write the IPv4 CIDR")
    return network
