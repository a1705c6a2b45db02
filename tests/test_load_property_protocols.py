"""A property's `ports` entry names any IP protocol, source ports and ICMP type / code; what a protocol does
not carry is an error with file, line and field (load/property_ports.py)."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
from typer.testing import CliRunner

from netverify.cli import app
from netverify.errors import InputError
from netverify.load.properties import load_properties
from netverify.model.ports import Protocol

runner = CliRunner()


def write(tmp_path: Path, ports: str) -> str:
    path = tmp_path / "props.yaml"
    lines = "".join(f"      {line}\n" for line in textwrap.dedent(ports).splitlines() if line.strip())
    path.write_text("properties:\n  - name: p\n    from: {namespace: web}\n    to: {namespace: data}\n"
                    f"    expect: unreachable\n    ports:\n{lines}", encoding="utf-8")
    return str(path)


def entries(tmp_path: Path, ports: str):
    [prop] = load_properties(write(tmp_path, ports)).properties
    return prop.ports


def test_protocol_names_in_any_case_and_numbers(tmp_path):
    got = entries(tmp_path, """\
        - {protocol: icmp}
        - {protocol: ICMPv6, icmpType: 128, icmpCode: 0}
        - {protocol: udplite, port: 53}
        - {protocol: 47}
        - {protocol: "132", port: 9}
        - {port: 80}
        """)
    assert [e.protocol for e in got] == [Protocol.ICMP, Protocol.ICMPv6, Protocol.UDPLite, Protocol.of(47),
                                         Protocol.SCTP, Protocol.TCP]
    assert (got[1].icmp_type, got[1].icmp_code) == (128, 0)
    assert (got[2].port, got[4].port) == (53, 9)


def test_source_ports(tmp_path):
    [one, span] = entries(tmp_path, """\
        - {protocol: UDP, port: 53, sourcePort: 5353}
        - {protocol: TCP, sourcePort: 1024, sourceEndPort: 65535}
        """)
    assert (one.src_port, one.src_end_port, one.port) == (5353, None, 53)
    assert (span.src_port, span.src_end_port, span.port) == (1024, 65535, None)


@pytest.mark.parametrize("ports,field,words", [
    ("- {protocol: ICMP, port: 8}", "ports[0].port", "ICMP has no ports; use icmpType"),
    ("- {protocol: 47, sourcePort: 8}", "ports[0].sourcePort", "protocol 47 has no ports"),
    ("- {protocol: TCP, icmpType: 8}", "ports[0].icmpType", "for ICMP and ICMPv6 only"),
    ("- {protocol: 47, icmpCode: 1}", "ports[0].icmpCode", "for ICMP and ICMPv6 only"),
    ("- {protocol: ICMP, icmpCode: 1}", "ports[0].icmpCode", "needs icmpType"),
    ("- {protocol: ICMP, icmpType: 256}", "ports[0].icmpType", "out of range"),
    ("- {protocol: UDP, sourceEndPort: 9}", "ports[0].sourceEndPort", "needs sourcePort"),
    ("- {protocol: UDP, sourcePort: 9, sourceEndPort: 8}", "ports[0].sourceEndPort", "below sourcePort"),
    ("- {protocol: UDP, sourcePort: 70000}", "ports[0].sourcePort", "out of range"),
    ("- {protocol: 256}", "ports[0].protocol", "not a protocol"),
    ("- {protocol: ICPM}", "ports[0].protocol", "did you mean 'ICMP'"),
    ("- {protocol: UDPLite, port: dns}", "ports[0].port", "named port is a container port"),
])
def test_what_a_protocol_does_not_carry_is_an_error(tmp_path, ports, field, words):
    with pytest.raises(InputError) as err:
        load_properties(write(tmp_path, ports))
    assert err.value.field == "properties[0]." + field and words in err.value.message
    assert err.value.line == 7  # the entry's line


def test_the_cli_exits_2_on_a_protocol_error(tmp_path):
    result = runner.invoke(app, ["prove", write(tmp_path, "- {protocol: ICMP, port: 8}")])
    assert result.exit_code == 2 and "ICMP has no ports" in result.output
