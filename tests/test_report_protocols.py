"""Every report names what a counterexample's connection carries: ICMP type and code, a numbered protocol,
a source port (report/*, words.connection_headline via ConnectionWitness.service); the probe script pings
ICMP echo and lists what neither agnhost nor ping can make as not probed."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest

import report_fixtures as fx
from netverify.cli.args import parse_port
from netverify.errors import UsageError
from netverify.findings import ProveReport
from netverify.model.ports import Protocol
from netverify.report import render
from netverify.report.probe import probe_script

ICMP = replace(fx.ALLOWED_TO_DB, protocol=Protocol.ICMP, port=0, icmp_type=8, icmp_code=0)
GRE = replace(fx.ALLOWED_TO_DB, protocol=Protocol.of(47), port=0)
SOURCE_PORT = replace(fx.ALLOWED_TO_DB, protocol=Protocol.UDP, port=53, src_port=5353)


def report_of(witness) -> ProveReport:
    return ProveReport(properties_file=fx.PROPS, results=(fx.prop("db-isolated", "violated", counterexample=witness),))


@pytest.mark.parametrize("fmt", ["text", "markdown", "sarif", "junit", "html"])
@pytest.mark.parametrize("witness,shown", [(ICMP, "ICMP type 8 code 0"), (GRE, "protocol 47"),
                                           (SOURCE_PORT, "UDP/53 from port 5353")])
def test_each_format_names_the_connection(fmt, witness, shown):
    out = render(report_of(witness), fmt)
    assert shown in out
    assert "ICMP/0" not in out and "47/0" not in out


def test_json_gives_each_field_and_null_for_what_the_protocol_lacks():
    [result] = json.loads(render(report_of(ICMP), "json"))["results"]
    cx = result["counterexample"]
    assert (cx["protocol"], cx["protocol_number"], cx["icmp_type"], cx["icmp_code"], cx["source_port"]) == (
        "ICMP", 1, 8, 0, None)
    [result] = json.loads(render(report_of(SOURCE_PORT), "json"))["results"]
    assert (result["counterexample"]["source_port"], result["counterexample"]["icmp_type"]) == (5353, None)


def test_probe_script_pings_icmp_echo_and_skips_what_it_cannot_make():
    script = probe_script(report_of(ICMP))
    assert "connect " in script and " 0 icmp" in script and "ping -c 1" in script
    for witness, why in ((GRE, "agnhost connects over TCP, UDP and SCTP only"),
                         (SOURCE_PORT, "cannot choose the source port"),
                         (replace(ICMP, icmp_type=3), "ping sends only echo requests")):
        assert why in probe_script(report_of(witness))


@pytest.mark.parametrize("text,expected", [
    ("ICMP", (Protocol.ICMP, 0)), ("icmpv6", (Protocol.ICMPv6, 0)), ("protocol/47", (Protocol.of(47), 0)),
    ("UDPLite/53", (Protocol.UDPLite, 53)), ("53/udp", (Protocol.UDP, 53)), ("80", (Protocol.TCP, 80)),
])
def test_explain_port_takes_every_protocol(text, expected):
    assert parse_port(text) == expected


@pytest.mark.parametrize("text", ["ICMP/8", "protocol/6", "protocol/300", "tcp", "GRE/1"])
def test_explain_port_refuses_what_a_protocol_does_not_carry(text):
    with pytest.raises(UsageError):
        parse_port(text)
