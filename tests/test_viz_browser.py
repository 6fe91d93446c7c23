"""The step-through page in a real browser, at a laptop's 1280x800: on every frame the step's
node and its explanation are on screen, side by side, without scrolling.

Headless Chromium is driven over the DevTools protocol (tests/browser.py, standard library
only). CI installs it (`apt-get install chromium`); without it these tests skip. Screenshots of
the first, a middle and the last frame are written for a person to look at: the path is
printed (set SEEGRAD_SCREENSHOTS=DIR to keep them somewhere else than pytest's tmp folder).
"""
import os
from pathlib import Path

import pytest

import autograd as ag
from autograd import render as R
from autograd.viz.html import MIN_SCALE
from browser import Browser, find_browser

nn = pytest.importorskip("nn")  # the model a learner steps through is an nn.Sequential

pytestmark = [pytest.mark.skipif(find_browser() is None, reason="no Chromium/Chrome installed (apt-get install chromium)"),
              pytest.mark.skipif(not R.available_renderers(), reason="no Graphviz renderer installed")]

WIDTH, HEIGHT = 1280, 800

# the page's geometry, as the browser laid it out (CSS pixels, relative to the viewport)
GEOMETRY = """(function () {
  function rect(e) { var b = e.getBoundingClientRect(); return [b.left, b.top, b.right, b.bottom]; }
  var f = document.querySelector(".frame:not([hidden])");
  var pane = f.querySelector(".graph"), explain = f.querySelector(".explain"), text = explain.querySelector(".text");
  var view = Array.prototype.find.call(f.querySelectorAll(".view"), function (v) {
    return getComputedStyle(v).display !== "none"; });
  var svg = view.querySelector("svg"), ids = f.dataset.ids.split(" ");
  var nodes = Array.prototype.filter.call(svg.querySelectorAll("g.node"), function (g) {
    return ids.indexOf(g.querySelector("title").textContent) >= 0; });
  var p = pane.getBoundingClientRect();
  return {frame: parseInt(document.body.dataset.frame, 10), index: parseInt(f.dataset.index, 10),
          mode: document.body.dataset.mode || "full", title: explain.querySelector("b").textContent,
          nodes: nodes.map(rect), explain: rect(explain), text_fits: text.scrollHeight <= explain.clientHeight,
          pane: [p.left + pane.clientLeft, p.top + pane.clientTop, p.left + pane.clientLeft + pane.clientWidth,
                 p.top + pane.clientTop + pane.clientHeight],
          overflows: [svg.getBoundingClientRect().width > pane.clientWidth,
                      svg.getBoundingClientRect().height > pane.clientHeight],
          scale: svg.getBoundingClientRect().width / (svg.viewBox.baseVal.width * 4 / 3)};
})()"""


def union(rects):
    return (min(r[0] for r in rects), min(r[1] for r in rects), max(r[2] for r in rects), max(r[3] for r in rects))


def inside(inner, outer, slack=0.5):
    return (inner[0] >= outer[0] - slack and inner[1] >= outer[1] - slack and inner[2] <= outer[2] + slack
            and inner[3] <= outer[3] + slack)


def overlap(a, b):
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def classifier_stepper(compact=False):
    """A 4-layer MLP on a batch of 8, with cross-entropy: the graph is taller than the window."""
    ag.manual_seed(0)
    model = nn.Sequential(nn.Linear(4, 16), nn.ReLU(), nn.Linear(16, 16), nn.ReLU(), nn.Linear(16, 16),
                          nn.ReLU(), nn.Linear(16, 3))
    x, y = ag.randn(8, 4), ag.randint(0, 3, (8,))
    return ag.viz.Stepper(lambda: nn.CrossEntropyLoss()(model(x), y), params=model, cluster_modules=True,
                          compact=compact)


def screenshot_dir(tmp_path):
    where = Path(os.environ.get("SEEGRAD_SCREENSHOTS") or tmp_path / "screenshots")
    where.mkdir(parents=True, exist_ok=True)
    return where


def check_frame(g, i):
    where = f"frame {i} ({g['mode']}): {g['title']}"
    assert g["frame"] == i and g["index"] == i, where
    assert g["nodes"], f"{where}: the step's node is not drawn"
    node = union(g["nodes"])
    viewport = (0, 0, WIDTH, HEIGHT)
    assert inside(node, viewport), f"{where}: node box {node} leaves the {WIDTH}x{HEIGHT} window"
    assert inside(node, g["pane"]), f"{where}: node box {node} is scrolled out of the graph pane {g['pane']}"
    assert inside(g["explain"], viewport), f"{where}: explanation {g['explain']} leaves the window"
    assert g["text_fits"], f"{where}: the explanation needs scrolling"
    assert not overlap(node, g["explain"]), f"{where}: the explanation covers the step's node"
    assert g["explain"][0] >= g["pane"][2] - 0.5, f"{where}: the explanation is not beside the graph"
    assert g["scale"] >= MIN_SCALE - 1e-3, f"{where}: graph shrunk to {g['scale']:.2f}, unreadable"
    centre = ((node[0] + node[2]) / 2, (node[1] + node[3]) / 2)
    pane_centre = ((g["pane"][0] + g["pane"][2]) / 2, (g["pane"][1] + g["pane"][3]) / 2)
    for axis in (0, 1):  # a graph bigger than the pane is scrolled so the node sits in the middle
        if g["overflows"][axis]:
            assert abs(centre[axis] - pane_centre[axis]) <= 2, f"{where}: node not centred ({centre} vs {pane_centre})"


@pytest.mark.slow
def test_every_frame_fits_a_laptop_screen(tmp_path, capsys):
    st = classifier_stepper()
    page = st.to_html(tmp_path / "steps.html", title="MLP classifier")
    n = len(st)
    shots = screenshot_dir(tmp_path)
    with Browser(WIDTH, HEIGHT) as b:
        b.open(page)
        keys = b.eval("document.getElementById('keys').textContent")
        for listed in ("←", "→", "Home", "End", "space", "whole graph", "zoom", "compact"):
            assert listed in keys, f"keyboard shortcut {listed!r} not listed on the page: {keys!r}"
        first_mode = b.eval("document.body.dataset.mode")
        for mode in (first_mode, "full" if first_mode == "compact" else "compact"):
            if b.eval("document.body.dataset.mode") != mode:
                b.key("c")
            assert b.eval("document.body.dataset.mode") == mode
            b.key("Home")
            for i in range(n):
                if i:
                    b.key("ArrowRight")
                check_frame(b.eval(GEOMETRY), i)
                if mode == first_mode and i in (0, n // 2, n - 1):
                    b.screenshot(shots / f"frame_{i + 1:02d}_of_{n}.png")
        b.key("ArrowRight")  # past the end: stays
        assert b.eval("document.body.dataset.frame") == str(n - 1)
    written = sorted(p.name for p in shots.glob("frame_*.png"))
    assert len(written) == 3
    with capsys.disabled():
        print(f"\nstep-through screenshots at {WIDTH}x{HEIGHT}: {shots} ({', '.join(written)})")


MODULE_BOX = """(function () {
  var f = document.querySelector(".frame:not([hidden])");
  var g = f.querySelector(".view.compact g.node.module"), b = g.getBoundingClientRect();
  return {id: g.querySelector("title").textContent, x: (b.left + b.right) / 2, y: (b.top + b.bottom) / 2};
})()"""

IN_VIEW = """(function (ids) {
  var f = document.querySelector(".frame:not([hidden])"), pane = f.querySelector(".graph").getBoundingClientRect();
  var svg = f.querySelector(".view.full svg");
  return Array.prototype.filter.call(svg.querySelectorAll("g.node"), function (g) {
    return ids.indexOf(g.querySelector("title").textContent) >= 0; }).map(function (g) {
    var b = g.getBoundingClientRect();
    return b.left >= pane.left - 1 && b.right <= pane.right + 1 && b.top >= pane.top - 1 && b.bottom <= pane.bottom + 1;
  });
})"""


@pytest.mark.slow
def test_compact_view_opens_a_module_on_click_and_zoom_keys_work(tmp_path):
    st = classifier_stepper()
    page = st.to_html(tmp_path / "steps.html")
    model = st.model
    with Browser(WIDTH, HEIGHT) as b:
        b.open(page)
        if b.eval("document.body.dataset.mode") != "compact":
            b.key("c")
        b.key("End")  # the last frame: the first layer's weight; the other layers are collapsed boxes
        assert b.eval("document.querySelectorAll('.frame:not([hidden]) .view.compact g.node.module').length") == \
            len(model.modules) - 1
        box = b.eval(MODULE_BOX)
        b.click(box["x"], box["y"])
        assert b.eval("document.body.dataset.mode") == "full"
        mod = model.modules[int(box["id"][1:])]
        op_ids = [f"op{model.index[n]}" for n in model.nodes if model.owner.get(n) == mod and n in model.op_number]
        assert op_ids and all(b.eval(f"{IN_VIEW}({op_ids!r})")), f"module {mod} not brought into view"
        before = float(b.eval("document.body.dataset.scale"))
        b.key("+")
        assert float(b.eval("document.body.dataset.scale")) == pytest.approx(before * 1.25, rel=1e-3)
        b.key("f")  # the whole graph, scaled to fit the pane
        g = b.eval(GEOMETRY)
        assert not any(g["overflows"])


def test_narrow_window_puts_the_explanation_over_the_graph_not_below(tmp_path):
    st = classifier_stepper()
    page = st.to_html(tmp_path / "steps.html")
    with Browser(800, 600) as b:
        b.open(page)
        b.key("ArrowRight")
        g = b.eval(GEOMETRY)
        assert inside(g["explain"], (0, 0, 800, 600)), g["explain"]
        assert g["explain"][3] <= g["pane"][3] + 0.5  # inside the graph's area: over it, not under it


NODE_IN_SVG_UNITS = """(function (ids) {
  var f = document.querySelector(".frame:not([hidden])"), svg = f.querySelector(".view.full svg");
  var s = svg.getBoundingClientRect(), vb = svg.viewBox.baseVal, unit = s.width / vb.width;
  return Array.prototype.filter.call(svg.querySelectorAll("g.node"), function (g) {
    return ids.indexOf(g.querySelector("title").textContent) >= 0; }).map(function (g) {
    var b = g.getBoundingClientRect();
    return [vb.x + (b.left - s.left) / unit, vb.y + (b.top - s.top) / unit,
            vb.x + (b.right - s.left) / unit, vb.y + (b.bottom - s.top) / unit];
  });
})"""


def test_the_widgets_node_boxes_are_where_the_browser_draws_them(tmp_path):
    # the Jupyter widget cannot ask a browser where a node is: svgview reads it from the SVG text
    from autograd.viz import svgview

    st = classifier_stepper()
    page = st.to_html(tmp_path / "steps.html", compact=False)
    with Browser(WIDTH, HEIGHT) as b:
        b.open(page)
        for i in range(len(st)):
            if i:
                b.key("ArrowRight")
            assert b.eval("document.body.dataset.frame") == str(i)
            frame = st.frames[i]
            measured = union(b.eval(f"{NODE_IN_SVG_UNITS}({frame.dot_ids!r})"))
            parsed = svgview.node_box(frame.svg(compact=False), frame.dot_ids)
            assert parsed == pytest.approx(measured, abs=2.5), frame.title  # within 2.5 pt (stroke widths)
