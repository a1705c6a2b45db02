"""The HTML report in headless Chromium (Debian's `chromium`, driven by playwright with the system browser):
the graph shows the record's nodes and edges, the filters change it, and at a wide and a phone-sized window
everything is on screen, drawn, and nothing overlaps. Skips, saying why, where chromium or playwright is absent.

Screenshots go to the test's tmp folder, or to $NETVERIFY_SCREENSHOTS when it is set (to look at them).
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from netverify.load.manifests import load_cluster
from netverify.load.properties import load_properties
from netverify.report import render

ROOT = Path(__file__).resolve().parents[1]
sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed (pip install playwright)")
CHROMIUM = os.environ.get("NETVERIFY_CHROMIUM") or next(
    (p for p in map(shutil.which, ("chromium", "chromium-browser")) if p), None)
if CHROMIUM is None:
    pytest.skip("no chromium on PATH (apt-get install chromium, or set NETVERIFY_CHROMIUM)", allow_module_level=True)

SIZES = [(1280, 900), (390, 844)]


@pytest.fixture(scope="module")
def browser():
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
        yield b
        b.close()


@pytest.fixture(scope="module")
def shop_map():
    from netverify.analyses.map import connectivity_map

    return connectivity_map(load_cluster([str(ROOT / "examples" / "shop")]))


@pytest.fixture(scope="module")
def shop_prove():
    from netverify.analyses.prove import prove

    props = load_properties(str(ROOT / "properties" / "isolation.yaml"))
    return prove(load_cluster(list(props.manifests)), props)


def open_page(browser, tmp_path: Path, name: str, html: str, size=(1280, 900)):
    path = tmp_path / f"{name}.html"
    path.write_text(html, encoding="utf-8")
    page = browser.new_page(viewport={"width": size[0], "height": size[1]})
    problems: list[str] = []
    page.on("pageerror", lambda e: problems.append(f"page error: {e}"))
    page.on("console", lambda m: problems.append(f"console: {m.text}") if m.type == "error" else None)
    page.on("request", lambda r: problems.append(f"request: {r.url}") if r.url != path.as_uri() else None)
    page.goto(path.as_uri())
    page.wait_for_function("window.netverifyReport !== undefined")
    return page, problems


def shown(page) -> tuple[set[str], set[tuple[str, str]]]:
    nodes = page.evaluate("netverifyReport.cy.nodes().filter(n => n.data('kind') !== 'namespace').map(n => n.id())")
    edges = page.evaluate("netverifyReport.cy.edges().map(e => [e.source().id(), e.target().id()])")
    return set(nodes), {tuple(e) for e in edges}


def node_id(node) -> str:
    return f"w:{node.label}" if node.type == "workload" else f"ip:{node.label}"


def namespace_of(node) -> str:
    return node.namespace if node.type == "workload" else ""


def test_the_map_graph_has_the_records_nodes_and_edges_and_the_filters_change_it(browser, tmp_path, shop_map):
    page, problems = open_page(browser, tmp_path, "map", render(shop_map, "html"))
    nodes, edges = shown(page)
    expected = {(node_id(c.src), node_id(c.dst)) for c in shop_map.connections}
    assert edges == expected and len(page.evaluate("netverifyReport.cy.edges().map(e => e.id())")) == len(
        shop_map.connections)
    assert nodes == {n for pair in expected for n in pair}

    page.uncheck("input.nv-ns[value='kube-system']")  # a filter click
    _, edges = shown(page)
    assert edges == {(node_id(c.src), node_id(c.dst)) for c in shop_map.connections
                     if "kube-system" not in (namespace_of(c.src), namespace_of(c.dst))}
    assert edges and edges != expected
    page.check("input.nv-ns[value='kube-system']")

    page.fill("#nv-workload-filter", "postgres")
    _, edges = shown(page)
    assert edges == {p for p in expected if any("postgres" in n for n in p)}
    page.fill("#nv-workload-filter", "")

    page.check("#nv-group")
    nodes, edges = shown(page)
    assert nodes == set() and page.evaluate("netverifyReport.cy.nodes().length") == len(
        {namespace_of(n) for c in shop_map.connections for n in (c.src, c.dst)})
    assert "namespaces" in page.inner_text("#nv-graph-stats")
    assert problems == []
    page.close()


def test_a_counterexample_is_drawn_and_its_pod_yaml_can_be_copied(browser, tmp_path, shop_prove):
    page, problems = open_page(browser, tmp_path, "prove", render(shop_prove, "html"))
    _, edges = shown(page)
    violated = [r for r in shop_prove.results if r.counterexample is not None]
    assert violated and len(edges) == len([r for r in shop_prove.results if r.counterexample or r.witness])
    kinds = page.evaluate("netverifyReport.cy.edges().map(e => e.data('kind'))")
    assert kinds.count("violated") == len(violated)
    button = page.locator("button.copy").first
    button.click()
    # Copied (or selected for Ctrl+C where the clipboard is refused): the clipboard answers asynchronously and
    # the label returns to "Copy" after 1.5 s, so wait for the change rather than read the label once.
    page.wait_for_function("b => b.textContent !== 'Copy'", arg=button.element_handle(), timeout=10_000)
    yaml_id = button.get_attribute("data-copy")
    assert "kind: Pod" in page.inner_text(f"#{yaml_id}")
    assert problems == []
    page.close()


LOOKS_RIGHT = """() => {
  const cy = netverifyReport.cy, w = cy.width(), h = cy.height();
  const boxes = cy.nodes().filter(n => !n.isParent()).map(n => n.renderedBoundingBox({includeLabels: false}));
  const inside = boxes.every(b => b.x1 >= -1 && b.y1 >= -1 && b.x2 <= w + 1 && b.y2 <= h + 1);
  let overlaps = 0;
  for (let i = 0; i < boxes.length; i++) for (let j = i + 1; j < boxes.length; j++) {
    const a = boxes[i], b = boxes[j];
    if (a.x1 < b.x2 && b.x1 < a.x2 && a.y1 < b.y2 && b.y1 < a.y2) overlaps++;
  }
  let drawn = 0;
  for (const canvas of document.querySelectorAll('#nv-graph canvas')) {
    const data = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
    for (let i = 3; i < data.length; i += 16) if (data[i] > 0) drawn++;
  }
  return {inside, overlaps, drawn, pageWidth: document.documentElement.scrollWidth, window: innerWidth};
}"""


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("which", ["map", "prove"])
def test_screenshots_at_two_window_sizes_look_right(browser, tmp_path, shop_map, shop_prove, size, which):
    result = shop_map if which == "map" else shop_prove
    page, problems = open_page(browser, tmp_path, which, render(result, "html"), size)
    looks = page.evaluate(LOOKS_RIGHT)
    assert looks["inside"], "a node is drawn outside the graph's box"
    assert looks["overlaps"] == 0, "nodes drawn over each other"
    assert looks["drawn"] > 500, "the graph canvas is (almost) empty"
    assert looks["pageWidth"] <= looks["window"], "the page scrolls sideways"
    folder = Path(os.environ.get("NETVERIFY_SCREENSHOTS") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    shot = folder / f"{which}-{size[0]}x{size[1]}.png"
    page.screenshot(path=str(shot), full_page=True)
    assert shot.stat().st_size > 10_000
    assert problems == []
    page.close()


def test_a_large_map_opens_grouped_by_namespace_and_ungroups_on_a_click(browser, tmp_path):
    from netverify.findings import Connection, ConnectivityMap, WorkloadNode
    from netverify.model.ports import PortRanges, Protocol
    from netverify.report.html_graph import GROUP_ABOVE

    nodes = [WorkloadNode(f"ns{i % 5}", f"app{i}", "Deployment") for i in range(GROUP_ABOVE + 1)]
    tcp = {Protocol.TCP: PortRanges.of([(80, 80)])}
    cmap = ConnectivityMap(tuple(Connection(a, b, tcp) for a, b in zip(nodes, nodes[1:])))
    page, problems = open_page(browser, tmp_path, "big", render(cmap, "html"))
    assert page.is_checked("#nv-group")
    assert page.evaluate("netverifyReport.cy.nodes().length") == 5  # one node per namespace
    page.uncheck("#nv-group")
    nodes_shown, edges = shown(page)
    assert len(nodes_shown) == len(nodes) and len(edges) == len(nodes) - 1
    assert problems == []
    page.close()
