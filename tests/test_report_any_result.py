"""Every renderer accepts every well-typed result record and produces a parseable document."""

from __future__ import annotations

import csv
import io
import json
import xml.etree.ElementTree as ET

from hypothesis import given, settings
from hypothesis import strategies as st

import report_fixtures as fx
from netverify.findings import (
    AddedClass,
    Connection,
    ConnectivityMap,
    DiffReport,
    IPRangeNode,
    PairChange,
    PropertyResult,
    ProveReport,
    WorkloadNode,
)
from netverify.model.ports import PROTOCOLS, PortRanges, Protocol
from netverify.model.span import Span
from netverify.report import COMMAND_FORMATS, render

names = st.text(st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=12)
spans = st.builds(Span, st.sampled_from(["a.yaml", "dir/b.yml", "<stdin>", "/abs/c.json"]), st.integers(0, 500))
witnesses = st.sampled_from([None, fx.ALLOWED_TO_DB, fx.BLOCKED_DNS, fx.ROGUE_TO_DB])

results = st.builds(
    PropertyResult,
    name=names,
    status=st.sampled_from(["proven", "violated", "vacuous", "unknown"]),
    expect=st.sampled_from(["unreachable", "reachable", "possible"]),
    scope=st.sampled_from(["any", "existing"]),
    duration_ms=st.integers(0, 10**6),
    span=spans,
    description=st.none() | names,
    counterexample=witnesses,
    witness=witnesses,
    reason=st.none() | names,
    allow_vacuous=st.booleans(),
)
prove_reports = st.builds(ProveReport, names, st.lists(results, max_size=4).map(tuple),
                          st.lists(names, max_size=2).map(tuple))

port_sets = st.dictionaries(
    st.sampled_from(PROTOCOLS),
    st.lists(st.tuples(st.integers(1, 65535), st.integers(1, 65535)).map(sorted), max_size=3).map(PortRanges.of),
)
nodes = st.builds(WorkloadNode, names, names, st.sampled_from(["Pod", "Deployment"])) | st.sampled_from(
    [IPRangeNode("10.0.0.0", "10.0.0.255", ("10.0.0.0/24",)), IPRangeNode("::", "::1", ("::/127",))])
maps = st.builds(ConnectivityMap, st.lists(st.builds(Connection, nodes, nodes, port_sets), max_size=4).map(tuple))
rule_refs = st.lists(st.sampled_from([fx.ALLOW_WEB, fx.EGRESS_DNS, fx.DENY_ALL_IN]), max_size=2).map(tuple)
diffs = st.builds(
    DiffReport,
    names,
    names,
    st.lists(st.builds(PairChange, nodes, nodes, port_sets, port_sets, rule_refs, rule_refs), max_size=3).map(tuple),
    st.lists(st.builds(AddedClass, witnesses.filter(bool), rule_refs, names), max_size=2).map(tuple),
    st.booleans(),
    st.sampled_from(["done", "skipped", "unknown"]),
)


def check_parses(fmt: str, out: str) -> None:
    assert out.endswith("\n")
    if fmt in ("json", "sarif"):
        json.loads(out)
    elif fmt == "junit":
        ET.fromstring(out)
    elif fmt == "csv":
        list(csv.reader(io.StringIO(out, newline="")))


@settings(max_examples=40, deadline=None)
@given(prove_reports)
def test_any_prove_report(report):
    for fmt in COMMAND_FORMATS["prove"]:
        check_parses(fmt, render(report, fmt))


@settings(max_examples=40, deadline=None)
@given(maps)
def test_any_map(cmap):
    for fmt in COMMAND_FORMATS["map"]:
        check_parses(fmt, render(cmap, fmt))


@settings(max_examples=40, deadline=None)
@given(diffs)
def test_any_diff(report):
    for fmt in COMMAND_FORMATS["diff"]:
        check_parses(fmt, render(report, fmt))
