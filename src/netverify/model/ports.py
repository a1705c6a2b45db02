"""Protocols and canonical port-range sets."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import Enum

MIN_PORT = 1
MAX_PORT = 65535


class Protocol(str, Enum):
    """An IP protocol. The named members are the ones the policy APIs spell out; every other protocol number
    0-255 is a pseudo-member whose value is its number written in decimal (`Protocol.of(47)`, `Protocol("47")`),
    so that "any protocol" stays exact: a connection's protocol is any of the 256.

    Iterating `Protocol` yields the named members only; `ALL_PROTOCOL_NUMBERS` is the whole range.
    """

    TCP = "TCP"
    UDP = "UDP"
    SCTP = "SCTP"
    ICMP = "ICMP"
    ICMPv6 = "ICMPv6"
    UDPLite = "UDPLite"

    def __str__(self) -> str:
        return self.value

    @classmethod
    def _missing_(cls, value: object) -> Protocol | None:
        # A number (int or decimal text) names a protocol: the named member for 6/17/132/1/58/136, else a
        # pseudo-member created once and kept (pickling calls Protocol("47") again and gets the same one).
        if isinstance(value, bool):
            return None
        if isinstance(value, str) and value.isascii() and value.isdigit():
            value = int(value)
        if not isinstance(value, int) or not MIN_PROTOCOL <= value <= MAX_PROTOCOL:
            return None
        named = _BY_NUMBER.get(value)
        if named is not None:
            return cls(named)
        text = str(value)
        pseudo = cls._value2member_map_.get(text)
        if pseudo is None:
            pseudo = str.__new__(cls, text)
            pseudo._name_ = f"PROTOCOL_{value}"
            pseudo._value_ = text
            cls._value2member_map_[text] = pseudo
        return pseudo  # type: ignore[return-value]

    @classmethod
    def of(cls, number: int) -> Protocol:
        """The protocol with IANA number `number` (0-255); ValueError outside that range."""
        return cls(number)

    @property
    def number(self) -> int:
        """The IANA protocol number (https://www.iana.org/assignments/protocol-numbers)."""
        return _NUMBERS.get(self.value) if self.value in _NUMBERS else int(self.value)

    @property
    def has_ports(self) -> bool:
        """Its packets carry a source and a destination port (TCP, UDP, SCTP, UDPLite)."""
        return self.number in PORT_PROTOCOL_NUMBERS

    @property
    def is_icmp(self) -> bool:
        """ICMP or ICMPv6: its packets carry a type and a code instead of ports."""
        return self.number in (1, 58)

    @property
    def label(self) -> str:
        """How reports name it: the name, or `protocol 47` for a number without one."""
        return self.value if self.value in _NUMBERS else f"protocol {self.value}"


MIN_PROTOCOL = 0
MAX_PROTOCOL = 255
_NUMBERS = {"TCP": 6, "UDP": 17, "SCTP": 132, "ICMP": 1, "ICMPv6": 58, "UDPLite": 136}
_BY_NUMBER = {n: name for name, n in _NUMBERS.items()}
PORT_PROTOCOL_NUMBERS = frozenset({6, 17, 132, 136})
ALL_PROTOCOL_NUMBERS = range(MIN_PROTOCOL, MAX_PROTOCOL + 1)
MAX_ICMP = 255  # ICMP type and code are one octet each (RFC 792, RFC 4443)

# The protocols a Kubernetes port entry (NetworkPolicy, Service, containerPort) can name, in this order
# (interval sets per protocol use it as an index). Every other protocol is matched only by a rule without ports.
PROTOCOLS: tuple[Protocol, ...] = (Protocol.TCP, Protocol.UDP, Protocol.SCTP)


def parse_protocol(written: str | int) -> Protocol | None:
    """A protocol as Calico and Cilium accept it: a name in any letter case (TCP, udp, ICMPv6, UDPLite) or a
    number 0-255 (an int or decimal text). None when it is neither."""
    if isinstance(written, bool):
        return None
    if isinstance(written, int):
        return Protocol(written) if MIN_PROTOCOL <= written <= MAX_PROTOCOL else None
    text = written.strip()
    for name in _NUMBERS:
        if text.lower() == name.lower():
            return Protocol(name)
    if text.isascii() and text.isdigit():
        number = int(text)
        return Protocol(number) if MIN_PROTOCOL <= number <= MAX_PROTOCOL else None
    return None


def describe_connection(protocol: Protocol, port: int | None = None, src_port: int | None = None,
                        icmp_type: int | None = None, icmp_code: int | None = None) -> str:
    """One connection as reports print it: `TCP/80`, `UDP/53 from port 5353`, `ICMP type 8 code 0`,
    `protocol 47`. Only what the protocol carries is printed."""
    protocol = Protocol(protocol)
    if protocol.has_ports:
        text = f"{protocol}/{port}" if port is not None else str(protocol)
        return text + (f" from port {src_port}" if src_port is not None else "")
    if protocol.is_icmp:
        parts = [str(protocol)]
        if icmp_type is not None:
            parts.append(f"type {icmp_type}")
            if icmp_code is not None:
                parts.append(f"code {icmp_code}")
        return " ".join(parts)
    return protocol.label


@dataclass(frozen=True, slots=True)
class PortRanges:
    """A canonical set of ports: sorted, disjoint, non-adjacent closed intervals within 1..65535."""

    ranges: tuple[tuple[int, int], ...] = ()

    @staticmethod
    def of(intervals: Iterable[tuple[int, int]]) -> PortRanges:
        merged: list[list[int]] = []
        for lo, hi in sorted((max(lo, MIN_PORT), min(hi, MAX_PORT)) for lo, hi in intervals):
            if lo > hi:
                continue
            if merged and lo <= merged[-1][1] + 1:
                merged[-1][1] = max(merged[-1][1], hi)
            else:
                merged.append([lo, hi])
        return PortRanges(tuple((lo, hi) for lo, hi in merged))

    @staticmethod
    def all() -> PortRanges:
        return PortRanges(((MIN_PORT, MAX_PORT),))

    def __bool__(self) -> bool:
        return bool(self.ranges)

    def __contains__(self, port: int) -> bool:
        return any(lo <= port <= hi for lo, hi in self.ranges)

    def union(self, other: PortRanges) -> PortRanges:
        return PortRanges.of(self.ranges + other.ranges)

    def minus(self, other: PortRanges) -> PortRanges:
        out: list[tuple[int, int]] = []
        for lo, hi in self.ranges:
            cur = lo
            for olo, ohi in other.ranges:
                if ohi < cur or olo > hi:
                    continue
                if olo > cur:
                    out.append((cur, olo - 1))
                cur = max(cur, ohi + 1)
            if cur <= hi:
                out.append((cur, hi))
        return PortRanges.of(out)

    def intersect(self, other: PortRanges) -> PortRanges:
        return self.minus(self.minus(other))

    @property
    def is_all(self) -> bool:
        return self.ranges == ((MIN_PORT, MAX_PORT),)

    def as_lists(self) -> list[list[int]]:
        return [[lo, hi] for lo, hi in self.ranges]

    def __str__(self) -> str:
        return ",".join(str(lo) if lo == hi else f"{lo}-{hi}" for lo, hi in self.ranges)
