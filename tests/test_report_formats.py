"""Behaviour of each renderer beyond the golden files: parseable, complete, escaped, format/command fit."""

from __future__ import annotations

import csv
import io
import json
import xml.etree.ElementTree as ET

import pytest
from hypothesis import given
from hypothesis import strategies as st

import report_fixtures as fx
from netverify.errors import UsageError
from netverify.findings import Connection, ConnectivityMap, FleetReport, FleetSection, WorkloadNode
from netverify.model.ports import PROTOCOLS, PortRanges, Protocol
from netverify.report import COMMAND_FORMATS, FORMATS_WITH_NOTES, check_format, render

RESULTS = {"prove": fx.PROVE, "map": fx.MAP, "explain": fx.EXPLAIN_BLOCKED, "diff": fx.DIFF}
RESULTS["fleet"] = FleetReport("fleet.yaml", "local", (FleetSection("prod", "clusters/prod", fx.PROVE),))


@pytest.mark.parametrize(("command", "fmt"), [(c, f) for c, fs in COMMAND_FORMATS.items() for f in fs])
def test_every_listed_format_renders_a_complete_document(command, fmt):
    out = render(RESULTS[command], fmt)
    assert out.endswith("\n") and out.strip()


@pytest.mark.parametrize(("result", "fmt"), [(fx.MAP, "sarif"), (fx.MAP, "junit"), (fx.PROVE, "csv"),
                                             (fx.PROVE, "dot"), (fx.EXPLAIN_ALLOWED, "markdown"),
                                             (fx.DIFF, "csv"), (fx.PROVE, "yaml")])
def test_a_format_that_does_not_fit_is_a_usage_error_naming_the_choices(result, fmt):
    with pytest.raises(UsageError, match=r"--format .* choose one of: text, json"):
        render(result, fmt)


def test_check_format_accepts_what_render_accepts():
    check_format("map", "dot")
    with pytest.raises(UsageError):
        check_format("explain", "sarif")


@pytest.mark.parametrize("result", [fx.PROVE, fx.MAP, fx.DIFF])
@pytest.mark.parametrize("fmt", sorted(FORMATS_WITH_NOTES - {"sarif"}))
def test_formats_with_a_place_for_notes_carry_them(result, fmt):
    out = render(result, fmt)
    for note in result.notes:
        assert note in out


# ---- text ----------------------------------------------------------------------------------------

def test_text_is_plain_without_colour_and_coloured_with_it():
    assert "\x1b[" not in render(fx.PROVE, "text")
    assert "\x1b[" in render(fx.PROVE, "text", color=True)


def test_text_leaves_notes_to_the_caller():
    out = render(fx.PROVE, "text")
    assert not any(note in out for note in fx.PROVE.notes)


def test_text_counterexample_names_pods_port_and_rules_with_file_and_line():
    out = render(fx.PROVE, "text")
    block = out.split("frontend-never-reaches-db", 1)[1].split("web-reaches-dns", 1)[0]
    assert "shop/frontend[Deployment]" in block
    assert "TCP/3306" in block
    assert "shop/allow-web ingress[0] (examples/shop/policies.yaml:21)" in block
    assert "no existing workload fits" in block


def test_text_verdict_line_per_property_and_summary():
    lines = render(fx.PROVE, "text").splitlines()
    heads = [line.split()[0] for line in lines if line and not line.startswith(" ")]
    assert heads[:7] == ["VIOLATED", "VIOLATED", "PROVEN", "VACUOUS", "VACUOUS", "UNKNOWN", "PROVEN"]
    assert lines[-1] == "7 properties: 2 proven, 2 violated, 2 vacuous, 1 unknown"


def test_text_blocked_side_says_who_isolates_and_that_no_rule_admits():
    out = render(fx.EXPLAIN_BLOCKED, "text")
    assert "BLOCKED: isolated by web/egress-dns (examples/shop/web.yaml:30)" in out
    assert "no rule admits it" in out


# ---- json ----------------------------------------------------------------------------------------

def test_prove_json_has_the_spec_shape_in_spec_key_order():
    data = json.loads(render(fx.PROVE, "json"))
    assert list(data)[:2] == ["summary", "results"]
    assert data["summary"] == {"proven": 2, "violated": 2, "vacuous": 2, "unknown": 1}
    first = data["results"][0]
    assert list(first)[:6] == ["name", "status", "expect", "scope", "duration_ms", "counterexample"]
    ce = first["counterexample"]
    assert list(ce)[:7] == ["src", "dst", "protocol", "port", "egress", "ingress", "pod_manifests"]
    assert list(ce["src"])[:5] == ["namespace", "namespace_labels", "labels", "workload", "ip"]
    assert ce["src"]["workload"] == "shop/frontend[Deployment]" and ce["dst"]["workload"] is None
    assert ce["ingress"]["isolated"] is True
    assert ce["ingress"]["allowed_by"][0] == {"policy": "shop/allow-web", "rule": 0,
                                                   "file": "examples/shop/policies.yaml", "line": 21,
                                                   "direction": "ingress"}
    assert ce["egress"] == {"isolated": False, "allowed_by": [], "allowed": True, "isolated_by": []}
    assert data["notes"] == list(fx.PROVE.notes)


def test_map_json_has_the_spec_shape():
    data = json.loads(render(fx.MAP, "json"))
    first = data["connections"][0]
    assert first["src"] == {"type": "workload", "namespace": "shop", "name": "frontend", "kind": "Deployment"}
    assert first["dst"] == {"type": "ip", "start": "0.0.0.0", "end": "9.255.255.255",
                            "cidrs": ["0.0.0.0/5", "8.0.0.0/7"]}
    assert first["protocols"] == {"TCP": [[1, 65535]], "UDP": [[53, 53]]}


ranges = st.lists(st.tuples(st.integers(1, 65535), st.integers(1, 65535)).map(sorted).map(tuple), max_size=6)


@given(st.dictionaries(st.sampled_from(PROTOCOLS), ranges))
def test_map_json_protocols_are_merged_sorted_and_only_nonempty(raw):
    protocols = {p: PortRanges(tuple(r)) for p, r in raw.items()}  # deliberately not canonical
    cmap = ConnectivityMap((Connection(WorkloadNode("a", "x", "Pod"), WorkloadNode("b", "y", "Pod"), protocols),))
    out = json.loads(render(cmap, "json"))["connections"][0]["protocols"]
    assert list(out) == [str(p) for p in PROTOCOLS if raw.get(p)]
    for proto, got in out.items():
        assert got == PortRanges.of(raw[Protocol(proto)]).as_lists()
        assert all(b[0] > a[1] + 1 for a, b in zip(got, got[1:]))


def test_json_output_is_stable():
    assert render(fx.DIFF, "json") == render(fx.DIFF, "json")
    data = json.loads(render(fx.DIFF, "json"))
    assert data["summary"]["has_added"] is True and data["changes"][1]["added"] == {}


# ---- markdown ------------------------------------------------------------------------------------

def test_markdown_starts_with_a_verdict_and_folds_counterexamples():
    out = render(fx.PROVE, "markdown")
    assert out.startswith("### ") and "unknown" in out.splitlines()[0]
    assert out.count("<details>") == out.count("</details>") >= 3
    assert "```yaml" in out  # reproducing Pod YAML


def test_markdown_table_lists_only_what_needs_attention():
    rows = [line for line in render(fx.PROVE, "markdown").splitlines() if line.startswith("| `")]
    assert [r.split("`")[1] for r in rows] == ["frontend-never-reaches-db", "web-reaches-dns", "typo-selector",
                                               "typo-allowed", "big-one"]


def test_markdown_all_proven_is_one_green_line():
    first = render(fx.ALL_PROVEN, "markdown").splitlines()[0]
    assert "✅" in first and "passed" in first


def test_markdown_escapes_pipes_in_cells():
    out = render(fx.DIFF, "markdown")
    for line in out.splitlines():
        if line.startswith("| ") and "x|y" in line.replace("\\|", "|"):
            assert "x\\|y" in line


# ---- junit ---------------------------------------------------------------------------------------

def test_junit_has_one_testcase_per_property_with_the_right_outcome():
    root = ET.fromstring(render(fx.PROVE, "junit"))
    cases = {c.get("name"): c for c in root.iter("testcase")}
    assert list(cases) == [r.name for r in fx.PROVE.results]
    assert cases["frontend-never-reaches-db"].find("failure") is not None
    assert "TCP/3306" in cases["frontend-never-reaches-db"].find("failure").text
    assert cases["typo-selector"].find("failure") is not None
    assert cases["typo-allowed"].find("skipped") is not None
    assert cases["big-one"].find("error") is not None
    assert len(cases["db-isolated"]) == 0
    suite = root.find("testsuite")
    counts = [suite.get(k) for k in ("tests", "failures", "errors", "skipped")]
    assert counts == ["7", "3", "1", "1"]


def test_junit_diff_fails_added_and_passes_removed_only():
    root = ET.fromstring(render(fx.DIFF, "junit"))
    cases = list(root.iter("testcase"))
    assert len(cases) == 3
    assert [c.find("failure") is not None for c in cases] == [True, False, True]
    empty = ET.fromstring(render(fx.NO_DIFF, "junit"))
    assert [c.find("failure") for c in empty.iter("testcase")] == [None]
    unknown = ET.fromstring(render(fx.UNKNOWN_DIFF, "junit"))
    assert unknown.find("testsuite").get("errors") == "1"


# ---- csv / dot -----------------------------------------------------------------------------------

def test_csv_one_row_per_pair_and_protocol():
    rows = list(csv.DictReader(io.StringIO(render(fx.MAP, "csv"))))
    expected = sum(1 for c in fx.MAP.connections for p in PROTOCOLS if c.protocols.get(p))
    expected += sum(1 for c in fx.MAP.connections if c.other_protocols)  # one `other` row: every other protocol
    assert len(rows) == expected
    assert [r["ports"] for r in rows if r["protocol"] == "other"] == ["all"]
    assert rows[2] == {"src": "shop/frontend[Deployment]", "src_type": "workload", "src_cidrs": "",
                       "dst": "api/server[Deployment]", "dst_type": "workload", "dst_cidrs": "",
                       "protocol": "TCP", "ports": "80,443,8000-8080"}


def test_dot_has_every_edge_and_escapes_quotes():
    out = render(fx.MAP, "dot")
    assert out.startswith("digraph netverify {") and out.rstrip().endswith("}")
    assert out.count(" -> ") == len(fx.MAP.connections)
    odd = ConnectivityMap((Connection(WorkloadNode("a", 'x"y', "Pod"), WorkloadNode("a", "z", "Pod"),
                                      {Protocol.TCP: PortRanges.all()}),))
    assert '"a/x\\"y[Pod]" -> "a/z[Pod]"' in render(odd, "dot")


@pytest.mark.parametrize("fmt", ["text", "markdown", "junit", "sarif"])
def test_a_shown_counterexample_replaces_the_reason_in_human_formats(fmt):
    assert "REASON-TEXT" not in render(fx.PROVE, fmt)
    assert "REASON-TEXT" in render(fx.PROVE, "json")  # machines get everything
