"""JUnit XML stays well-formed when names or messages hold characters XML 1.0 cannot carry (issue 9, item 10b):
C0 controls but tab/newline/CR, DEL, lone surrogates, U+FFFE/U+FFFF. They are shown as visible escapes, so the
information is kept."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from dataclasses import replace

from hypothesis import given, settings
from hypothesis import strategies as st

import report_fixtures as fx
from netverify.findings import AddedClass, DiffReport, ProveReport
from netverify.report import render

NOT_XML = "".join(map(chr, [*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20), 0x7F, 0xD800, 0xDFFF, 0xFFFE, 0xFFFF]))
hostile = st.text(st.characters(blacklist_characters="\\\r") | st.sampled_from(NOT_XML), max_size=30)


def _decode(text: str) -> str:
    """The reader's view: each visible escape back to the character it stands for."""
    return re.sub(r"\\x([0-9a-f]{2})|\\u([0-9a-f]{4})", lambda m: chr(int(m.group(1) or m.group(2), 16)), text)


def _prove_xml(name: str, reason: str, description: str = "") -> ET.Element:
    report = ProveReport("p.yaml", (
        fx.prop(name, "violated", reason=reason, description=description or None, counterexample=fx.ALLOWED_TO_DB),
        fx.prop(name + "-unknown", "unknown", reason=reason),
    ))
    return ET.fromstring(render(report, "junit"))  # raises on a document that is not well-formed


def test_a_control_character_in_a_name_is_escaped_visibly():
    root = _prove_xml("bad\x01name\x1b[31m", "reason \x00 with \ufffe and \ud800")
    cases = list(root.iter("testcase"))
    assert cases[0].get("name") == "bad\\x01name\\x1b[31m"
    error = cases[1].find("error")
    assert error is not None and error.get("message") == "reason \\x00 with \\ufffe and \\ud800"


def test_tab_and_newline_stay_as_they_are():
    root = _prove_xml("a\tb", "line one\nline two")
    cases = list(root.iter("testcase"))
    assert cases[0].get("name") == "a\tb"
    assert cases[1].find("error").get("message") == "line one\nline two"


@settings(max_examples=80)
@given(name=hostile, reason=hostile, description=hostile)
def test_junit_for_prove_is_well_formed_and_keeps_every_character(name, reason, description):
    root = _prove_xml(name, reason, description)
    cases = list(root.iter("testcase"))
    assert _decode(cases[0].get("name")) == name
    assert _decode(cases[1].find("error").get("message")) == (reason or "unknown")
    assert description in _decode(cases[0].find("failure").text)


@settings(max_examples=40)
@given(summary=hostile, label=hostile)
def test_junit_for_diff_is_well_formed_with_hostile_labels(summary, label):
    witness = replace(fx.ALLOWED_TO_DB, dst=replace(fx.NEW_DB, labels={"app": label}))
    d = DiffReport("base", "head", (), (AddedClass(witness, (), summary),))
    case = next(c for c in ET.fromstring(render(d, "junit")).iter("testcase") if c.get("classname") == "netverify.diff.class")
    assert _decode(case.get("name")) == summary
    assert f"app={label}" in _decode(case.find("failure").text)
