"""Calico rules (policy_common.go's Rule and EntityRule) -> model.calico.CalicoRule, validated as Calico's API
server does: libcalico-go/lib/validator/v3/validator.go (validateRule, validateEntityRule, validatePort,
validateProtocol, the policy specs' checks) and the CEL rules on the v3 types; api/pkg/lib/numorstring for what
a protocol and a port may be written as. Docs: https://docs.tigera.io/calico/latest/reference/resources/networkpolicy
(Rule, ICMP, EntityRule, Selectors, Ports, ServiceAccountMatch, ServiceMatch).
"""

from __future__ import annotations

import difflib
import ipaddress
import re
from dataclasses import dataclass

from netverify.load.calico_schema import EntityRuleSpec, IcmpSpec, RuleSpec
from netverify.load.calico_selector import parse_selector
from netverify.load.site import Site
from netverify.model.calico import CalicoAction, CalicoPort, CalicoRule, EntityRule, IcmpMatch, ServiceAccountMatch, \
    ServiceMatch
from netverify.model.calico_selector import CalicoSelector
from netverify.model.fields import Unmodelled
from netverify.model.ipblock import IPBlock, IPNetwork
from netverify.model.policy import Direction

# numorstring.Protocol's names (validator protocolRegex: exactly these spellings) and their IP protocol numbers.
PROTOCOL_NUMBERS: dict[str, int] = {"TCP": 6, "UDP": 17, "ICMP": 1, "ICMPv6": 58, "SCTP": 132, "UDPLite": 136}
PORT_PROTOCOLS = frozenset({6, 17, 132})  # Protocol.SupportsPorts
ICMP_PROTOCOLS = {1: 4, 58: 6}  # ICMP needs ipVersion 4, ICMPv6 ipVersion 6
ACTIONS: dict[str, CalicoAction] = {"Allow": "allow", "Deny": "deny", "Log": "log", "Pass": "pass"}
MAX_RULES = 1024
MAX_PORTS = 50
MAX_NETS = 256
_PORT_NAME = re.compile(r"^[a-zA-Z0-9_.-]{1,128}$")
_PORT_RANGE = re.compile(r"^(\d+):(\d+)$")


@dataclass(frozen=True)
class RuleContext:
    """What a rule's checks depend on: which kind holds it, and the policy's namespace (None: cluster-wide)."""

    kind: str
    namespace: str | None
    is_profile: bool = False


def protocol(value: int | str, site: Site) -> int:
    """A protocol as numorstring reads it: a number 1-255 (also as a string of digits) or one of its names."""
    if isinstance(value, str) and value.isdigit():
        number = int(value)
        if number > 255:
            raise site.error(f"protocol {value!r} is out of range: a protocol number is 1 to 255")
        value = number
    if isinstance(value, int):
        if not 1 <= value <= 255:
            raise site.error(f"protocol {value} is out of range: a protocol number is 1 to 255")
        return value
    if value in PROTOCOL_NUMBERS:
        return PROTOCOL_NUMBERS[value]
    same = [name for name in PROTOCOL_NUMBERS if name.lower() == value.lower()]
    close = same or difflib.get_close_matches(value, list(PROTOCOL_NUMBERS), n=1, cutoff=0.6)
    hint = f" (did you mean {close[0]!r}?)" if close else ""
    raise site.error(f"{value!r} is not a protocol: use {', '.join(PROTOCOL_NUMBERS)} or a number 1-255{hint}")


def port(value: int | str, site: Site) -> CalicoPort:
    """A `ports` entry: a number, `"lo:hi"`, a string of digits, or a port name (numorstring.PortFromString)."""
    if isinstance(value, int):
        return CalicoPort(*_port_range(value, value, site), None, site.span())
    if value.isdigit():
        number = int(value)
        return CalicoPort(*_port_range(number, number, site), None, site.span())
    found = _PORT_RANGE.match(value)
    if found:
        return CalicoPort(*_port_range(int(found.group(1)), int(found.group(2)), site), None, site.span())
    if not _PORT_NAME.match(value):
        raise site.error(
            f"{value!r} is neither a port, a range \"lo:hi\" nor a port name (letters, digits, '_', '.', '-', "
            "at most 128)"
        )
    return CalicoPort(None, None, value, site.span())


def _port_range(lo: int, hi: int, site: Site) -> tuple[int, int]:
    for number in (lo, hi):
        if not 1 <= number <= 65535:
            raise site.error(f"port {number} is out of range: a port is 1 to 65535")
    if lo > hi:
        raise site.error(f"port range {lo}:{hi}: the first port must not be greater than the last")
    return lo, hi


def calico_rules(
    direction: Direction, specs: list[RuleSpec] | None, site: Site, ctx: RuleContext
) -> tuple[CalicoRule, ...]:
    if specs and len(specs) > MAX_RULES:
        raise site.error(f"at most {MAX_RULES} rules per direction; this has {len(specs)}")
    return tuple(_rule(direction, i, spec, site.at(i), ctx) for i, spec in enumerate(specs or ()))


def _rule(direction: Direction, index: int, spec: RuleSpec, site: Site, ctx: RuleContext) -> CalicoRule:
    action = _action(spec.action, site.at("action"))
    ip_version = spec.ipVersion
    if ip_version is not None and ip_version not in (4, 6):
        raise site.at("ipVersion").error(f"ipVersion {ip_version}: use 4 or 6")
    proto = protocol(spec.protocol, site.at("protocol")) if spec.protocol is not None else None
    not_proto = protocol(spec.notProtocol, site.at("notProtocol")) if spec.notProtocol is not None else None
    for field, number in (("protocol", proto), ("notProtocol", not_proto)):
        needs = ICMP_PROTOCOLS.get(number) if number is not None else None
        if needs is not None and ip_version is not None and ip_version != needs:
            name = "ICMP" if number == 1 else "ICMPv6"
            raise site.at(field).error(f"protocol {name} requires ipVersion {needs} (the rule says {ip_version})")
    if spec.icmp is not None and proto not in ICMP_PROTOCOLS:
        raise site.at("icmp").error("icmp needs protocol ICMP or ICMPv6")
    source = spec.source or EntityRuleSpec()
    destination = spec.destination or EntityRuleSpec()
    _check_ports_protocol(proto, source, site.at("source"))
    _check_ports_protocol(proto, destination, site.at("destination"))
    _check_services(direction, source, destination, site, ctx)
    _check_nets(ip_version, source, destination, site)
    unmodelled: list[Unmodelled] = []
    if spec.http is not None:
        here = site.at("http")
        if action != "allow":
            raise here.error("an http match is only allowed on Allow rules")
        if proto is not None and proto != 6:
            raise site.at("protocol").error("a rule with an http match must have protocol TCP (or none)")
        if direction == "egress" and not ctx.is_profile:
            raise here.error("an http match is not allowed in egress rules")
        _check_http(spec, here)
        unmodelled.append(Unmodelled(here.field, here.span()))
    return CalicoRule(
        direction=direction, index=index, action=action, protocol=proto, not_protocol=not_proto,
        icmp=_icmp(spec.icmp, site.at("icmp")), not_icmp=_icmp(spec.notICMP, site.at("notICMP")),
        ip_version=ip_version,
        source=_entity(source, site.at("source"), ctx), destination=_entity(destination, site.at("destination"), ctx),
        span=site.span(), unmodelled=tuple(unmodelled),
    )


def _action(written: str, site: Site) -> CalicoAction:
    if written in ACTIONS:
        return ACTIONS[written]
    same = [name for name in ACTIONS if name.lower() == written.lower()]
    close = same or difflib.get_close_matches(written, list(ACTIONS), n=1, cutoff=0.6)
    hint = f" (did you mean {close[0]!r}?)" if close else ""
    raise site.error(f"{written!r} is not an action: use Allow, Deny, Log or Pass{hint}")


def _icmp(spec: IcmpSpec | None, site: Site) -> IcmpMatch | None:
    if spec is None:
        return None
    if spec.type is not None and not 0 <= spec.type <= 254:
        raise site.at("type").error(f"ICMP type {spec.type} is out of range: 0 to 254")
    if spec.code is not None and not 0 <= spec.code <= 255:
        raise site.at("code").error(f"ICMP code {spec.code} is out of range: 0 to 255")
    if spec.code is not None and spec.type is None:
        raise site.at("code").error("an ICMP code needs an ICMP type")
    if spec.type is None:
        return None  # `icmp: {}` matches every ICMP packet: no narrowing beyond the protocol
    return IcmpMatch(spec.type, spec.code)


def _check_ports_protocol(proto: int | None, entity: EntityRuleSpec, site: Site) -> None:
    for field in ("ports", "notPorts"):
        values = getattr(entity, field) or []
        if not values:
            continue
        if len(values) > MAX_PORTS:
            raise site.at(field).error(f"at most {MAX_PORTS} ports; this has {len(values)}")
        if proto is None:
            for i, value in enumerate(values):
                if isinstance(value, int) or value.isdigit() or _PORT_RANGE.match(value):
                    raise site.at(field, i).error(
                        "a rule with a port number or range must set protocol to TCP, UDP or SCTP"
                    )
        elif proto not in PORT_PROTOCOLS:
            raise site.at(field).error("a rule with ports must set protocol to TCP, UDP or SCTP")


def _check_services(
    direction: Direction, source: EntityRuleSpec, destination: EntityRuleSpec, site: Site, ctx: RuleContext
) -> None:
    for side, entity in (("source", source), ("destination", destination)):
        services = entity.services
        if services is None:
            continue
        here = site.at(side, "services")
        if (direction, side) in (("egress", "source"), ("ingress", "destination")):
            raise here.error(f"services is not allowed in the {side} of an {direction} rule")
        if not services.name:
            raise here.at("name").error("services must name a Service")
        conflicts = [f for f in ("namespaceSelector", "selector", "notSelector", "serviceAccounts")
                     if getattr(entity, f)]
        conflicts += [f for f in ("nets", "notNets") if getattr(entity, f)]
        if conflicts:
            raise here.error(f"services cannot be combined with {conflicts[0]} in one {side}")
        if side == "destination" and (entity.ports or entity.notPorts):
            raise here.error("ports and notPorts cannot be given with services in the destination")
        if ctx.namespace is None and not ctx.is_profile and not services.namespace:
            raise here.at("namespace").error(f"a {ctx.kind}'s services must give the Service's namespace")


def _check_http(spec: RuleSpec, site: Site) -> None:
    http = spec.http
    assert http is not None
    methods = http.methods or []
    if len(set(methods)) != len(methods):
        raise site.at("methods").error("http methods are listed more than once")
    for i, path in enumerate(http.paths or ()):
        here = site.at("paths", i)
        if path.exact and path.prefix:
            raise here.error("a path match is either exact or prefix, not both")
        value = path.exact or path.prefix
        if not value:
            raise here.error("a path match needs exact or prefix")
        if not value.startswith("/") or any(c in value for c in "? #"):
            raise here.error(f"{value!r}: a path must start with '/' and hold no '?', ' ' or '#'")


def _check_nets(ip_version: int | None, source: EntityRuleSpec, destination: EntityRuleSpec, site: Site) -> None:
    """validateRule's scan: one IP version per rule, matching ipVersion; no catch-all in notNets."""
    seen: set[int] = set()
    for side, entity in (("source", source), ("destination", destination)):
        for field in ("nets", "notNets"):
            values = getattr(entity, field) or []
            if len(values) > MAX_NETS:
                raise site.at(side, field).error(f"at most {MAX_NETS} CIDRs; this has {len(values)}")
            for i, text in enumerate(values):
                here = site.at(side, field, i)
                network = parse_net(text, here)
                if ip_version is not None and network.version != ip_version:
                    raise here.error(f"{text} is IPv{network.version} but the rule's ipVersion is {ip_version}")
                if seen and network.version not in seen:
                    raise here.error("a rule cannot hold both IPv4 and IPv6 CIDRs")
                seen.add(network.version)
                if field == "notNets" and network.prefixlen == 0:
                    raise here.error(f"{text} in notNets matches no traffic at all (a catch-all negated)")


def parse_net(text: str, site: Site) -> IPNetwork:
    """A rule's `nets` entry: a CIDR with its prefix length and no host bits (validateIPNetwork + ParseCIDR).

    A bare address passes the field's `net` tag (ParseCIDROrIP) but not validateRule's scanNets, which parses
    every entry with cnet.ParseCIDR (Go's net.ParseCIDR: a prefix length is required) and refuses it as
    "invalid CIDR" (libcalico-go/lib/validator/v3/validator.go): Calico's API server never stores one."""
    if "/" not in text:
        try:
            host = f"{text}/{ipaddress.ip_address(text).max_prefixlen}"  # the host prefix of its own family
        except ValueError:
            raise site.error(f"{text!r} is not a CIDR") from None
        raise site.error(f"{text!r} is not a CIDR: Calico's validator refuses a bare address in a rule's "
                         f"nets (write {host})")
    try:
        network = ipaddress.ip_network(text, strict=False)
    except ValueError as exc:
        raise site.error(f"{text!r} is not a valid CIDR ({exc})") from None
    if ipaddress.ip_address(text.split("/", 1)[0]) != network.network_address:
        raise site.error(f"{text} has host bits set: write the network address, {network}")
    return network


def _entity(spec: EntityRuleSpec, site: Site, ctx: RuleContext) -> EntityRule:
    selector = _selector(spec.selector, site.at("selector"), allow_global=False)
    not_selector = _selector(spec.notSelector, site.at("notSelector"), allow_global=True)
    namespace_selector = _selector(spec.namespaceSelector, site.at("namespaceSelector"), allow_global=True)
    if namespace_selector is not None and "global(" in (spec.namespaceSelector or "") \
            and (spec.namespaceSelector or "").strip(" \t") != "global()":
        raise site.at("namespaceSelector").error("global() cannot be combined with other selectors")
    accounts = None
    if spec.serviceAccounts is not None:
        accounts = ServiceAccountMatch(
            tuple(spec.serviceAccounts.names or ()),
            _selector(spec.serviceAccounts.selector, site.at("serviceAccounts", "selector"), allow_global=False),
        )
    services = None
    if spec.services is not None:
        services = ServiceMatch(spec.services.name or "", spec.services.namespace or ctx.namespace or "")
    return EntityRule(
        nets=tuple(IPBlock(parse_net(t, site.at("nets", i))) for i, t in enumerate(spec.nets or ())),
        not_nets=tuple(IPBlock(parse_net(t, site.at("notNets", i))) for i, t in enumerate(spec.notNets or ())),
        selector=selector, not_selector=not_selector, namespace_selector=namespace_selector,
        ports=tuple(port(v, site.at("ports", i)) for i, v in enumerate(spec.ports or ())),
        not_ports=tuple(port(v, site.at("notPorts", i)) for i, v in enumerate(spec.notPorts or ())),
        service_accounts=accounts, services=services, span=site.span(),
    )


def _selector(text: str | None, site: Site, *, allow_global: bool) -> CalicoSelector | None:
    """A selector field; None when absent or empty (an absent rule selector matches everything there)."""
    if text is None or not text.strip(" \t"):
        return None
    if not allow_global and "global(" in text:
        raise site.error("global() can only be used in a rule's namespaceSelector")
    return parse_selector(text, site)
