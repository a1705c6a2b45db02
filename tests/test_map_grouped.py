"""The map's grouped view and its streamed output (issue 13): expanding the groups gives exactly the per-pair rows,
and the streamed JSON / CSV are byte for byte what the whole-string renderers write."""

from __future__ import annotations

import dataclasses
import importlib.util
import json
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from builders import cluster, peer, policy, rule, workload
from cluster_strategies import cluster_st
from differential_strategies import admin_clusters, clusters
from netverify.analyses.map import connectivity_map
from netverify.analyses.map_groups import ExpandedRows, collapse, expand, per_pair
from netverify.cli import app
from netverify.findings import Connection, WorkloadGroupNode, WorkloadNode
from netverify.load.manifests import load_cluster
from netverify.model.ports import PortRanges, Protocol
from netverify.report import csv as csv_report
from netverify.report import render
from netverify.report.json import dumps, map_dict
from netverify.report.json_stream import map_chunks

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = sorted(p for p in (ROOT / "examples").iterdir() if p.is_dir())
_spec = importlib.util.spec_from_file_location("nv_bench_generate_groups", ROOT / "benchmarks" / "generate.py")
gen = importlib.util.module_from_spec(_spec)
sys.modules[_spec.name] = gen
_spec.loader.exec_module(gen)
runner = CliRunner()


def assert_expands_to_per_pair(c, **options) -> None:
    pairs = connectivity_map(c, **options)
    grouped = connectivity_map(c, grouped=True, **options)
    assert grouped.grouped and not pairs.grouped
    assert tuple(expand(grouped.connections)) == tuple(pairs.connections)
    lazy = per_pair(grouped)
    assert len(lazy.connections) == len(pairs.connections)
    assert (grouped.notes, grouped.unknown_reason, grouped.address_dependent) == (
        pairs.notes, pairs.unknown_reason, pairs.address_dependent)
    # the per-pair JSON written from the groups is the JSON of the per-pair map, and parses
    streamed = "".join(map_chunks(lazy))
    assert streamed == dumps(map_dict(pairs))
    json.loads(streamed)


@pytest.fixture(scope="module")
def generated(tmp_path_factory):
    """A small generated cluster (benchmarks/generate.py): the shapes of the large preset, at 60 policies."""
    out = tmp_path_factory.mktemp("gen")
    gen.generate((60, 400), seed=5, out_dir=out, fmt="yaml", properties=5)
    return load_cluster([str(out / "manifests")])


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda p: p.name)
@pytest.mark.parametrize("options", [{}, {"ipblock_matches_pods": True}, {"granularity": "pod"}],
                         ids=["plain", "ipblock-matches-pods", "per-pod"])
def test_expanding_the_groups_gives_the_per_pair_rows_of_each_example(example, options):
    assert_expands_to_per_pair(load_cluster([str(example)]), **options)


def test_expanding_the_groups_gives_the_per_pair_rows_of_a_generated_cluster(generated):
    assert_expands_to_per_pair(generated)
    assert_expands_to_per_pair(generated, ipblock_matches_pods=True)
    grouped = connectivity_map(generated, grouped=True)
    groups = [n for c in grouped.connections for n in (c.src, c.dst) if isinstance(n, WorkloadGroupNode)]
    assert groups, "the generated cluster has workloads alike in every connection"
    assert len(grouped.connections) < len(connectivity_map(generated).connections)


def test_shop_groups_the_two_postgres_pods_no_policy_tells_apart():
    cmap = connectivity_map(load_cluster([str(ROOT / "examples" / "shop")]), grouped=True)
    (group,) = {n for c in cmap.connections for n in (c.src, c.dst) if isinstance(n, WorkloadGroupNode)}
    assert [m.name for m in group.members] == ["postgres/postgres-0", "postgres/postgres-1"]
    assert group.label.startswith("data/postgres/postgres{") and group.label.endswith("×2")
    assert "controller-revision-hash" not in group.label  # set by the controller, not what the group is


@settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cluster_st(), st.booleans())
def test_expanding_the_groups_gives_the_per_pair_rows_of_random_clusters(c, flag):
    """test_map.test_map_agrees_with_the_evaluator checks the per-pair rows against the evaluator: with this
    the grouped rows are checked too."""
    assert_expands_to_per_pair(c, ipblock_matches_pods=flag)


@settings(deadline=None, suppress_health_check=[HealthCheck.too_slow], max_examples=60)
@given(st.one_of(clusters(), admin_clusters()), st.sampled_from(["workload", "pod"]))
def test_expanding_the_groups_gives_the_per_pair_rows_with_admin_tiers_and_pods(c, granularity):
    assert_expands_to_per_pair(c, granularity=granularity)


def test_a_row_from_a_group_to_itself_is_every_member_to_every_other_member():
    a, b, c = (workload(n, labels={"app": "web"}) for n in "abc")
    cmap = connectivity_map(cluster(a, b, c), grouped=True)
    (row,) = [r for r in cmap.connections if isinstance(r.src, WorkloadGroupNode) and isinstance(r.dst, WorkloadGroupNode)]
    assert row.src == row.dst and len(row.src.members) == 3
    pairs = {(r.src.name, r.dst.name) for r in expand(cmap.connections)
             if isinstance(r.src, WorkloadNode) and isinstance(r.dst, WorkloadNode)}
    assert pairs == {(x, y) for x in "abc" for y in "abc" if x != y}
    assert len(ExpandedRows(cmap.connections)) == len(connectivity_map(cluster(a, b, c)).connections)


def test_workloads_a_policy_tells_apart_are_not_grouped():
    a, b, d = workload("a", labels={"app": "web"}), workload("b", labels={"app": "web"}), workload("d", labels={"app": "db"})
    only_a = policy("db-from-a", pods={"app": "db"}, ingress=[rule(peer({"app": "web", "x": "1"}))])
    c = cluster(a, dataclasses.replace(b, labels={"app": "web", "x": "1"}), d, only_a)
    grouped = connectivity_map(c, grouped=True)
    assert not any(isinstance(n, WorkloadGroupNode) for r in grouped.connections for n in (r.src, r.dst))


def _conn(src: str, dst: str, port: int) -> Connection:
    return Connection(WorkloadNode("ns", src, "Pod"), WorkloadNode("ns", dst, "Pod"),
                      {Protocol.TCP: PortRanges(((port, port),))})


def test_collapse_splits_candidates_that_are_not_alike_in_every_connection():
    """Regression guard of the fallback: candidates (same classes) whose rows differ must not be merged, or the
    expansion would invent or drop pairs."""
    rows = (_conn("a", "c", 80), _conn("b", "c", 443))  # a and b reach c on different ports
    candidates = [[workload("a", namespace="ns", kind="Pod"), workload("b", namespace="ns", kind="Pod")]]
    collapsed = collapse(rows, candidates)
    assert tuple(expand(collapsed)) == rows
    assert not any(isinstance(r.src, WorkloadGroupNode) for r in collapsed)
    missing = (_conn("a", "c", 80),)  # b does not reach c at all
    assert tuple(expand(collapse(missing, candidates))) == missing
    alike = (_conn("a", "c", 80), _conn("b", "c", 80))
    (merged,) = collapse(alike, candidates)
    assert isinstance(merged.src, WorkloadGroupNode) and tuple(expand((merged,))) == alike


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda p: p.name)
def test_streamed_json_and_csv_are_the_whole_string_renderers_bytes(example):
    c = load_cluster([str(example)])
    for cmap in (connectivity_map(c), connectivity_map(c, grouped=True), per_pair(connectivity_map(c, grouped=True))):
        assert "".join(map_chunks(cmap)) == dumps(map_dict(cmap))
        whole = csv_report.render_map(dataclasses.replace(cmap, connections=tuple(cmap.connections)))
        assert "".join(csv_report.map_chunks(cmap, batch=3)) == whole


def test_grouped_json_lists_each_group_with_its_members():
    out = json.loads(render(connectivity_map(load_cluster([str(ROOT / "examples" / "shop")]), grouped=True), "json"))
    assert out["grouped"] is True
    (group,) = out["groups"]
    assert group["size"] == len(group["members"]) == 2
    refs = [c["dst"] for c in out["connections"] if c["dst"]["type"] == "group"]
    assert refs and all(r["name"] == group["name"] and r["size"] == 2 for r in refs)


def test_per_pair_json_keeps_the_spec_shape():
    out = json.loads(render(per_pair(connectivity_map(load_cluster([str(ROOT / "examples" / "shop")]), grouped=True)),
                            "json"))
    assert list(out) == ["connections", "notes", "unknown_reason", "caveats", "address_dependent"]
    assert {c["src"]["type"] for c in out["connections"]} <= {"workload", "ip"}


# ---- the command ----------------------------------------------------------------------------------------------


def _map(*args: str):
    return runner.invoke(app, ["map", "-f", str(ROOT / "examples" / "shop"), *args])


def test_text_groups_by_default_and_expand_lists_every_pair():
    grouped, expanded = _map(), _map("--expand")
    assert grouped.exit_code == expanded.exit_code == 0
    assert "×2" in grouped.stdout and "groups:" in grouped.stdout and "--expand lists every pair" in grouped.stdout
    assert "×2" not in expanded.stdout and "postgres/postgres-1[StatefulSet]" in expanded.stdout


def test_markdown_dot_and_html_group_by_default():
    for fmt in ("markdown", "dot", "html"):
        assert "×2" in _map("--format", fmt).stdout
        assert "×2" not in _map("--format", fmt, "--expand").stdout


def test_json_is_per_pair_unless_grouped(tmp_path):
    target = tmp_path / "map.json"
    assert _map("--format", "json", "-o", str(target)).exit_code == 0
    per_pair_out = json.loads(target.read_text())
    assert "groups" not in per_pair_out and not any(c["src"]["type"] == "group" for c in per_pair_out["connections"])
    grouped_out = json.loads(_map("--format", "json", "--grouped").stdout)
    assert grouped_out["grouped"] is True and len(grouped_out["connections"]) < len(per_pair_out["connections"])


@pytest.mark.parametrize("args, wanted", [
    (["--grouped", "--expand"], "contradict"),
    (["--format", "csv", "--grouped"], "--grouped does not fit --format csv"),
])
def test_contradictory_view_options_are_usage_errors(args, wanted):
    result = _map(*args)
    assert result.exit_code == 2
    assert wanted in result.output and "Traceback" not in result.output


@settings(deadline=None)
@given(st.lists(st.sampled_from(["api/orders[Deployment]", "->", "10.0.0.0/8", "TCP", "53;", "UDP 53", "x" * 90,
                                 "isolated by a (b), c (d), e (f), g (h), i (j)", "  "]), min_size=1, max_size=14),
       st.sampled_from([None, 40, 80]))
def test_plain_lines_are_written_as_rich_would_print_them(parts, width):
    """The map's text rows skip rich when there is no colour: the bytes must stay those rich prints."""
    from rich.text import Text

    from netverify.report.text import _console, _finish
    line = " ".join(parts)
    through_rich, plain = _console(False, width), _console(False, width)
    through_rich.print(Text(line))
    plain.print_plain(line)
    assert _finish(plain) == _finish(through_rich)


def test_reports_of_map_get_their_formats_view(tmp_path):
    """`--report json=...` beside the grouped text keeps the per-pair JSON of spec §6 (a CI parses it), and
    `--report markdown=...` beside the per-pair JSON is grouped like markdown on its own."""
    as_json, as_md = tmp_path / "m.json", tmp_path / "m.md"
    assert _map("--report", f"json={as_json}", "--report", f"markdown={as_md}").exit_code == 0
    assert "groups" not in json.loads(as_json.read_text()) and "×2" in as_md.read_text()
    assert _map("--format", "json", "--report", f"markdown={as_md}").exit_code == 0
    assert "×2" in as_md.read_text()
    assert _map("--expand", "--report", f"markdown={as_md}").exit_code == 0
    assert "×2" not in as_md.read_text()
