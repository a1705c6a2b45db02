"""Whatever users put in names, labels and reasons, every format stays well-formed."""

from __future__ import annotations

import csv
import io
import json
import re
import xml.etree.ElementTree as ET
from dataclasses import replace

from hypothesis import given, settings
from hypothesis import strategies as st

import report_fixtures as fx
from netverify.findings import Connection, ConnectivityMap, ProveReport, WorkloadNode
from netverify.model.ports import PortRanges, Protocol
from netverify.report import render
from netverify.report.json import dumps

# XML 1.0 cannot carry most control characters at all; everything else must survive.
text = st.text(st.characters(blacklist_categories=("Cs", "Cc")) | st.sampled_from("|`<>&\"'\\\n\t"), max_size=30)

UNESCAPED_PIPE = re.compile(r"(?<!\\)(?:\\\\)*\|")


def cells(row: str) -> int:
    return len(UNESCAPED_PIPE.findall(row)) - 1


@settings(max_examples=60)
@given(name=text, reason=text)
def test_markdown_table_rows_keep_their_column_count(name, reason):
    report = ProveReport("p.yaml", (fx.prop(name, "unknown", reason=reason),))
    rows = [line for line in render(report, "markdown").splitlines() if line.startswith("| ")]
    assert rows and {cells(r) for r in rows} == {5}


@settings(max_examples=60)
@given(name=text, reason=text, description=text)
def test_junit_parses_and_keeps_names(name, reason, description):
    report = ProveReport("p.yaml", (fx.prop(name, "violated", reason=reason, description=description,
                                            counterexample=fx.ALLOWED_TO_DB),))
    case = next(ET.fromstring(render(report, "junit")).iter("testcase"))
    assert case.get("name") == name


@settings(max_examples=60)
@given(name=text)
def test_json_and_sarif_round_trip_names(name):
    report = ProveReport("p.yaml", (fx.prop(name, "violated", counterexample=fx.ALLOWED_TO_DB),))
    assert json.loads(render(report, "json"))["results"][0]["name"] == name
    assert json.loads(render(report, "sarif"))["runs"][0]["results"][0]["message"]["text"].startswith(name)


@settings(max_examples=60)
@given(ns=text, name=text)
def test_csv_round_trips_workload_labels(ns, name):
    node = WorkloadNode(ns, name, "Pod")
    cmap = ConnectivityMap((Connection(node, replace(node, name=name + "2"), {Protocol.TCP: PortRanges.all()}),))
    rows = list(csv.DictReader(io.StringIO(render(cmap, "csv"), newline="")))
    assert [r["src"] for r in rows] == [node.label]


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | text,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(text, inner, max_size=4),
    max_leaves=20,
)


@given(st.dictionaries(text, json_values, max_size=5))
def test_json_layout_parses_back_to_the_same_data(data):
    assert json.loads(dumps(data)) == data
