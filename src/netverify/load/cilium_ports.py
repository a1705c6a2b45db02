"""`toPorts` and `icmps` of Cilium rules → model.cilium CiliumPortRule / IcmpField, validated as Cilium does.

Sources: pkg/policy/api/l4.go (PortProtocol: `port` a string, a number or an IANA service name; `endPort`
0..65535; `protocol` enum TCP;UDP;SCTP;ANY, empty = ANY; at most 40 ports), rule_validation.go (PortRule and
L7Rules sanitize: DNS rules only on egress and need ports; one L7 kind per port rule; L7 rules only on TCP
ports except DNS, never with port 0; `l7` needs `l7proto`; a listener only on egress and not with L7 rules;
serverNames not with L7 rules unless TLS is terminated; no empty server name) and icmp.go (at most 40 fields;
family IPv4 (default) or IPv6; type 0..255 or a name of that family's table).
https://docs.cilium.io/en/stable/security/policy/language/#layer-4-examples
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from netverify.load.cilium_schema import CiliumPortRuleSpec, CiliumPortSpec, IcmpRuleSpec
from netverify.load.site import Site
from netverify.model.cilium import CiliumPort, CiliumPortRule, CiliumProtocol, IcmpField

MAX_PORTS = 40
MAX_ICMP_FIELDS = 40
PROTOCOLS: tuple[CiliumProtocol, ...] = ("TCP", "UDP", "SCTP", "ANY")
# Cilium's iana.IsSvcName: 1..15 letters, digits and single '-' between them, at least one letter.
_SVC_NAME = re.compile(r"^[a-zA-Z0-9]+(-[a-zA-Z0-9]+)*$")
L7_KINDS = ("http", "kafka", "dns", "l7proto")
# Other PortRule fields that hand the connection to the proxy, which then decides more than L3/L4 says.
PROXY_FIELDS = ("terminatingTLS", "originatingTLS", "serverNames", "listener")

ICMP_V4: dict[str, int] = {
    "EchoReply": 0, "DestinationUnreachable": 3, "Redirect": 5, "Echo": 8, "EchoRequest": 8,
    "RouterAdvertisement": 9, "RouterSelection": 10, "TimeExceeded": 11, "ParameterProblem": 12, "Timestamp": 13,
    "TimestampReply": 14, "Photuris": 40, "ExtendedEchoRequest": 42, "ExtendedEchoReply": 43,
}
ICMP_V6: dict[str, int] = {
    "DestinationUnreachable": 1, "PacketTooBig": 2, "TimeExceeded": 3, "ParameterProblem": 4, "EchoRequest": 128,
    "EchoReply": 129, "MulticastListenerQuery": 130, "MulticastListenerReport": 131, "MulticastListenerDone": 132,
    "RouterSolicitation": 133, "RouterAdvertisement": 134, "NeighborSolicitation": 135,
    "NeighborAdvertisement": 136, "RedirectMessage": 137, "RouterRenumbering": 138,
    "ICMPNodeInformationQuery": 139, "ICMPNodeInformationResponse": 140,
    "InverseNeighborDiscoverySolicitation": 141, "InverseNeighborDiscoveryAdvertisement": 142,
    "HomeAgentAddressDiscoveryRequest": 144, "HomeAgentAddressDiscoveryReply": 145,
    "MobilePrefixSolicitation": 146, "MobilePrefixAdvertisement": 147, "DuplicateAddressRequestCodeSuffix": 157,
    "DuplicateAddressConfirmationCodeSuffix": 158, "ExtendedEchoRequest": 160, "ExtendedEchoReply": 161,
}


def is_service_name(text: str) -> bool:
    return len(text) <= 15 and bool(_SVC_NAME.fullmatch(text)) and any(c.isalpha() for c in text)


def port_rules(specs: Sequence[CiliumPortRuleSpec], site: Site, *, ingress: bool,
               deny: bool) -> tuple[CiliumPortRule, ...]:
    return tuple(_port_rule(spec, site.at(i), ingress=ingress, deny=deny) for i, spec in enumerate(specs))


def _port_rule(spec: CiliumPortRuleSpec, site: Site, *, ingress: bool, deny: bool) -> CiliumPortRule:
    written = spec.ports or []
    if len(written) > MAX_PORTS:
        raise site.at("ports").error(f"{len(written)} ports in one toPorts item; Cilium allows at most {MAX_PORTS}")
    l7 = _l7_kinds(spec, site, ingress=ingress)
    ports = tuple(_port(p, site.at("ports", i), dns="dns" in l7) for i, p in enumerate(written))
    kinds = [k for k in l7 if k in L7_KINDS]
    if kinds:
        if any(p.port == 0 for p in ports):
            raise site.at("rules").error("L7 rules cannot be used when a port is 0 (every port)")
        if kinds != ["dns"]:
            bad = next((i for i, p in enumerate(ports) if p.protocol != "TCP"), None)
            if bad is not None:
                raise site.at("ports", bad, "protocol").error(
                    f"L7 rules ({kinds[0]}) only apply to TCP ports (not {ports[bad].protocol}), except DNS rules")
        if kinds == ["dns"] and not ports:
            raise site.at("ports").error("DNS rules need their port given (port 53)")
        if kinds == ["dns"] and any(p.end_port is not None for p in ports):
            raise site.at("ports").error("DNS rules do not support port ranges (endPort)")
    return CiliumPortRule(ports, tuple(l7), site.span())


def _l7_kinds(spec: CiliumPortRuleSpec, site: Site, *, ingress: bool) -> list[str]:
    rules = spec.rules
    kinds: list[str] = []
    if rules is not None:
        kinds = [k for k in L7_KINDS if getattr(rules, k) not in (None, [], "")]
        if rules.l7 not in (None, []) and rules.l7proto in (None, ""):
            raise site.at("rules", "l7").error("'l7' may only be given with 'l7proto' (the L7 protocol it is for)")
        if len(kinds) > 1:
            raise site.at("rules").error(f"one toPorts item takes one kind of L7 rules; this one has "
                                         f"{' and '.join(kinds)}: write one item per kind")
        if ingress and "dns" in kinds:
            raise site.at("rules", "dns").error("DNS rules are not allowed on ingress (only egress)")
    if spec.listener is not None:
        if ingress:
            raise site.at("listener").error("a listener is not allowed on ingress (only egress)")
        if kinds:
            raise site.at("listener").error("a listener cannot be used with L7 rules")
    if spec.serverNames not in (None, []):
        if kinds and spec.terminatingTLS is None:
            raise site.at("serverNames").error("serverNames cannot be used with L7 rules unless TLS is terminated "
                                               "(terminatingTLS)")
        if isinstance(spec.serverNames, list) and any(n == "" for n in spec.serverNames):
            raise site.at("serverNames").error("an empty server name is not allowed")
    return kinds + [f for f in PROXY_FIELDS if getattr(spec, f) not in (None, [])]


def _port(spec: CiliumPortSpec, site: Site, *, dns: bool) -> CiliumPort:
    protocol = _protocol(spec.protocol, site.at("protocol"))
    text = spec.port
    if text is None or text == "":
        raise site.at("port").error("port must be given (\"0\" means every port)")
    if is_service_name(text):
        if spec.endPort not in (None, 0):
            raise site.at("endPort").error(f"endPort needs a numeric port, not the named port {text!r}")
        return CiliumPort(text.lower(), None, protocol, site.span())
    number = _port_number(text, site.at("port"))
    end = spec.endPort
    if end is not None and not 0 <= end <= 65535:
        raise site.at("endPort").error(f"endPort {end} is out of range (0-65535)")
    if end in (None, 0) or end == number:
        return CiliumPort(number, None, protocol, site.span())
    if number == 0:
        raise site.at("endPort").error("endPort cannot be used with port 0 (which already means every port)")
    if end < number:
        raise site.at("endPort").error(f"endPort {end} is below port {number}")
    return CiliumPort(number, end, protocol, site.span())


def _port_number(text: str, site: Site) -> int:
    """A decimal number 0..65535. Cilium parses with Go's base prefixes (`010` is 8, `1_000` is 1000); those
    forms are refused here with what Cilium would read, rather than guessed at."""
    if not text.isdigit() or not text.isascii():
        raise site.error(f"{text!r} is neither a port number nor a port name (at most 15 letters, digits and "
                         "'-', with a letter)")
    if len(text) > 1 and text.startswith("0"):
        octal = set(text) <= set("01234567") and len(text) <= 8
        reading = f"port {int(text, 8)}" if octal else "not a valid port"
        raise site.error(f"{text!r} has a leading zero: Cilium parses it as octal ({reading}); write the port "
                         "in decimal without leading zeros")
    number = int(text) if len(text) <= 5 else 65536
    if number > 65535:
        raise site.error(f"port {text} is out of range (0-65535)")
    return number


def _protocol(written: str | None, site: Site) -> CiliumProtocol:
    if written in (None, ""):
        return "ANY"
    if written in PROTOCOLS:
        return written  # type: ignore[return-value]
    hint = f" (did you mean {written.upper()!r}?)" if written.upper() in PROTOCOLS else ""
    if written.upper() in ("ICMP", "ICMPV6"):
        hint = " (ICMP is matched with an `icmps` rule, not in toPorts)"
    raise site.error(f"{written!r} is not a protocol of toPorts: use TCP, UDP, SCTP or ANY{hint}")


def icmp_fields(specs: Sequence[IcmpRuleSpec], site: Site, empty: list[str]) -> tuple[IcmpField, ...]:
    """Every field of every `icmps` item. An item with no fields is a port rule with no ports in Cilium
    (icmp.go GetPortRule), which is not modelled: its place goes to `empty`."""
    out: list[IcmpField] = []
    for i, spec in enumerate(specs):
        here = site.at(i)
        fields = spec.fields or []
        if not fields:
            empty.append(here.field)
        if len(fields) > MAX_ICMP_FIELDS:
            raise here.at("fields").error(f"{len(fields)} ICMP fields; Cilium allows at most {MAX_ICMP_FIELDS}")
        for j, f in enumerate(fields):
            out.append(_icmp_field(f.family, f.type, here.at("fields", j)))
    return tuple(out)


def _icmp_field(family: str | None, written: int | str | None, site: Site) -> IcmpField:
    family = family or "IPv4"
    if family not in ("IPv4", "IPv6"):
        hint = next((f" (did you mean {f!r}?)" for f in ("IPv4", "IPv6") if f.lower() == family.lower()), "")
        raise site.at("family").error(f"{family!r} is not an ICMP family: use IPv4 or IPv6{hint}")
    if written is None:
        raise site.at("type").error("required field is missing: an ICMP field needs its type")
    if isinstance(written, int) or (written.isascii() and written.isdigit()):
        number = int(written) if isinstance(written, int) or len(written) <= 3 else 256
        if not 0 <= number <= 255:
            raise site.at("type").error(f"ICMP type {number} is out of range (0-255)")
        return IcmpField(family, number)  # type: ignore[arg-type]
    table = ICMP_V4 if family == "IPv4" else ICMP_V6
    if written in table:
        return IcmpField(family, table[written])  # type: ignore[arg-type]
    close = next((n for n in table if n.lower() == written.lower().replace(" ", "")), None)
    other = ICMP_V6 if family == "IPv4" else ICMP_V4
    hint = f" (did you mean {close!r}?)" if close else (
        f" (it is an {'IPv6' if family == 'IPv4' else 'IPv4'} type: set family)" if written in other else "")
    raise site.at("type").error(f"{written!r} is not an {family} ICMP type name: give a number 0-255 or one of "
                                f"{', '.join(table)}{hint}")
