"""The HTML report without a browser: one self-contained file whose graph data matches the record.

(tests/test_report_html_browser.py opens it in headless Chromium.)"""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from importlib import resources
from pathlib import Path

from hypothesis import given, settings
from typer.testing import CliRunner

import report_fixtures as fx
from netverify.cli import app
from netverify.findings import FailedRun, RunProblem
from netverify.report import COMMAND_FORMATS, render
from test_report_any_result import diffs, maps, prove_reports

ASSETS = resources.files("netverify.report") / "assets"
ROOT = Path(__file__).resolve().parents[1]


class Page(HTMLParser):
    """The parts of the page a test looks at: external references, script bodies, element ids."""

    def __init__(self, text: str) -> None:
        super().__init__(convert_charrefs=True)
        self.external: list[str] = []
        self.scripts: list[tuple[dict, str]] = []
        self.ids: set[str] = set()
        self._script: dict | None = None
        self._text: list[str] = []
        self.csp = ""
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if "id" in a:
            self.ids.add(a["id"])
        for key in ("src", "href", "action", "poster", "data"):
            if key in a and not (a[key] or "").startswith("#") and key != "data":
                self.external.append(f"{tag} {key}={a[key]}")
        if tag == "link":
            self.external.append(f"link {a}")
        if tag == "meta" and a.get("http-equiv") == "Content-Security-Policy":
            self.csp = a["content"]
        if tag == "script":
            self._script, self._text = a, []

    def handle_data(self, data):
        if self._script is not None:
            self._text.append(data)

    def handle_endtag(self, tag):
        if tag == "script" and self._script is not None:
            self.scripts.append((self._script, "".join(self._text)))
            self._script = None

    def graph(self) -> dict | None:
        for attrs, body in self.scripts:
            if attrs.get("id") == "nv-data":
                return json.loads(body)
        return None


def test_html_is_offered_for_prove_map_and_diff_only():
    assert {c for c, fmts in COMMAND_FORMATS.items() if "html" in fmts} == {"prove", "map", "diff"}


def test_the_page_is_self_contained_and_forbids_every_fetch():
    page = Page(render(fx.MAP, "html"))
    assert page.external == []
    assert "default-src 'none'" in page.csp and "connect-src" not in page.csp
    assert not re.search(r"url\(|@import", render(fx.MAP, "html"))
    cytoscape = ASSETS.joinpath("cytoscape.min.js").read_text(encoding="utf-8")
    assert any(cytoscape in body for _, body in page.scripts)  # inlined, not linked


def test_the_vendored_library_carries_its_licence_and_how_it_was_obtained():
    vendored = ASSETS.joinpath("VENDORED").read_text(encoding="utf-8")
    version = vendored.split()[1]
    assert f'"{version}"' in ASSETS.joinpath("cytoscape.min.js").read_text(encoding="utf-8")
    assert "Permission is hereby granted" in ASSETS.joinpath("cytoscape.LICENSE").read_text(encoding="utf-8")
    assert f"cytoscape@{version}" in vendored and (ROOT / "tools" / "vendor_cytoscape.sh").exists()
    # Inlined into <script>: a closing tag inside would end the element early.
    assert "</script" not in ASSETS.joinpath("cytoscape.min.js").read_text(encoding="utf-8").lower()


def test_map_graph_has_a_node_per_workload_and_range_and_an_edge_per_connection():
    graph = Page(render(fx.MAP, "html")).graph()
    ids = {n["id"] for n in graph["nodes"]}
    for c in fx.MAP.connections:
        for node in (c.src, c.dst):
            assert (f"w:{node.label}" if node.type == "workload" else f"ip:{node.label}") in ids
    assert len(graph["edges"]) == len(fx.MAP.connections)
    assert {n["id"] for n in graph["nodes"] if n["kind"] == "namespace"} >= {
        f"ns:{c.src.namespace}" for c in fx.MAP.connections if c.src.type == "workload"}


def test_prove_page_has_the_table_and_each_counterexample_with_pod_yaml_to_copy():
    text = render(fx.PROVE, "html")
    page = Page(text)
    assert "nv-properties" in page.ids
    assert text.count('<tr><td><a href="#property-') == len(fx.PROVE.results)
    shown = [r for r in fx.PROVE.results if r.counterexample is not None and r.counterexample.pod_manifests.strip()]
    assert shown
    for r in shown:
        i = fx.PROVE.results.index(r)
        assert f'id="property-{i}-yaml"' in text and f'data-copy="property-{i}-yaml"' in text
    graph = page.graph()
    assert sorted(e["kind"] for e in graph["edges"]) == sorted(
        "violated" if r.counterexample is not None else "witness"
        for r in fx.PROVE.results if r.counterexample is not None or r.witness is not None)


def test_diff_page_draws_added_and_removed_pairs_and_classes():
    graph = Page(render(fx.DIFF, "html")).graph()
    kinds = [e["kind"] for e in graph["edges"]]
    assert kinds.count("added") == sum(1 for c in fx.DIFF.changes if c.added) + len(fx.DIFF.added_classes)
    assert kinds.count("removed") == sum(1 for c in fx.DIFF.changes if c.removed)


def _consistent(text: str) -> None:
    assert text.endswith("\n")
    page = Page(text)
    assert page.external == []
    graph = page.graph()
    if graph is None:
        return
    ids = {n["id"] for n in graph["nodes"]}
    assert all(e["source"] in ids and e["target"] in ids for e in graph["edges"])
    assert all(n.get("parent") in ids for n in graph["nodes"] if n["kind"] != "namespace")
    assert set(graph["namespaces"]) == {n["namespace"] for n in graph["nodes"] if n["kind"] != "namespace"}


@settings(max_examples=30, deadline=None)
@given(prove_reports)
def test_any_prove_report_gives_a_consistent_page(report):
    _consistent(render(report, "html"))


@settings(max_examples=30, deadline=None)
@given(maps)
def test_any_map_gives_a_consistent_page(cmap):
    _consistent(render(cmap, "html"))


@settings(max_examples=30, deadline=None)
@given(diffs)
def test_any_diff_gives_a_consistent_page(report):
    _consistent(render(report, "html"))


def test_names_cannot_break_out_of_the_page():
    hostile = "</script><script>alert(1)</script><!--"
    report = fx.ProveReport("p.yaml", (fx.prop(hostile, "violated", counterexample=fx.ROGUE_TO_DB),), (hostile,))
    text = render(report, "html")
    page = Page(text)
    assert len(page.scripts) == text.count("</script>")  # every script element ends where it should
    assert not any("alert(1)" in body for attrs, body in page.scripts if attrs.get("id") != "nv-data")
    assert hostile in json.dumps(page.graph())  # carried as data, intact


def test_a_failed_run_is_an_error_page():
    failed = FailedRun("map", (RunProblem("bad <thing>", "a.yaml", 3, text="a.yaml:3: error: bad <thing>"),), 2)
    text = render(failed, "html")
    assert "a.yaml:3: error: bad &lt;thing&gt;" in text and "nv-error" in Page(text).ids


def test_cli_writes_html_for_map_prove_and_diff(tmp_path, monkeypatch):
    monkeypatch.chdir(ROOT)
    runner = CliRunner()
    out = tmp_path / "map.html"
    assert runner.invoke(app, ["map", "-f", "examples/shop", "--format", "html", "-o", str(out)]).exit_code == 0
    assert Page(out.read_text()).graph()["edges"]
    result = runner.invoke(app, ["diff", "examples/shop", "examples/shop-pr", "--report", f"html={tmp_path / 'd.html'}"])
    assert result.exit_code == 1 and Page((tmp_path / "d.html").read_text()).graph()["edges"]
    assert runner.invoke(app, ["explain", "a/b", "c/d", "--format", "html", "-f", "examples/shop"]).exit_code == 2
