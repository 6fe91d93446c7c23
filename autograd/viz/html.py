"""write_html: a Stepper as one self-contained HTML page (inline SVG and JS, no network).

The page fills the window: controls and the list of keys on top, then the graph on the left
and the step's explanation beside it on the right (over the graph's corner on a narrow
window, never below it). Each frame is a <section class="frame"> holding its SVG (two, a
full and a compact one, when the model has modules) and its explanation; a few lines of
JavaScript show one frame at a time and keep its node in view: the graph is scaled to fit
when it stays readable (at least MIN_SCALE), else drawn at that scale and scrolled so that
the step's node is centred, on every step. ``#3`` in the URL opens frame 3.
"""
import html
import json
import re

from .draw import _write_atomic

MIN_SCALE = 0.75  # below this the labels get too small to read: scroll to the node instead

_PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<style>
html, body {{ height: 100%; margin: 0; }}
body {{ display: flex; flex-direction: column; overflow: hidden; font-family: Helvetica, Arial, sans-serif;
        font-size: 13px; color: #212529; }}
header {{ flex: none; padding: 6px 12px 4px; border-bottom: 1px solid #dee2e6; background: white; }}
#controls {{ display: flex; flex-wrap: wrap; gap: 6px; align-items: center; }}
#controls h1 {{ font-size: 15px; margin: 0 10px 0 0; }}
#controls button {{ min-width: 34px; padding: 2px 8px; }}
#slider {{ flex: 1; min-width: 120px; max-width: 380px; }}
#counter {{ min-width: 110px; font-variant-numeric: tabular-nums; }}
#keys {{ color: #495057; font-size: 12px; margin-top: 3px; }}
#keys kbd {{ border: 1px solid #ced4da; border-radius: 3px; padding: 0 4px; background: #f8f9fa;
             font-family: inherit; font-size: 11px; }}
main {{ flex: 1; min-height: 0; position: relative; }}
.frame {{ position: absolute; inset: 0; display: grid; grid-template-columns: minmax(0, 1fr) {panel}px; }}
.frame[hidden] {{ display: none; }}
.graph {{ overflow: auto; min-width: 0; min-height: 0; }}
.view {{ display: flex; min-width: 100%; min-height: 100%; width: max-content; }}
.view svg {{ margin: auto; flex: none; }}
body.compact .view.full, body:not(.compact) .view.compact {{ display: none; }}
.explain {{ overflow: auto; border-left: 1px solid #dee2e6; background: #f8f9fa; padding: 8px 12px; }}
.explain .text {{ font-family: Menlo, Consolas, "DejaVu Sans Mono", monospace; font-size: 12px; line-height: 1.35;
                  overflow-wrap: anywhere; }}
.explain .text b {{ display: block; margin-bottom: 2px; }}
g.node.module {{ cursor: pointer; }}
@media (max-width: 900px) {{  /* narrow: the explanation floats over the graph's corner */
  .frame {{ grid-template-columns: minmax(0, 1fr); }}
  .explain {{ position: absolute; right: 0; bottom: 0; width: min(92%, {panel}px); max-height: 45%;
              border: 1px solid #adb5bd; box-shadow: 0 0 8px rgba(0, 0, 0, .2); opacity: .96; }}
}}
</style>
</head>
<body>
<header>
<div id="controls">
<h1>{title}</h1>
<button id="first" type="button" title="first frame (Home)">|&lt;</button>
<button id="prev" type="button" title="previous frame (left arrow)">&lt; prev</button>
<button id="play" type="button" title="play / pause (space)">play</button>
<button id="next" type="button" title="next frame (right arrow)">next &gt;</button>
<button id="last" type="button" title="last frame (End)">&gt;|</button>
<input id="slider" type="range" min="0" max="{last}" value="0" aria-label="frame">
<span id="counter">1/{count}</span>
<button id="fit" type="button" title="whole graph / follow the step (f)">whole graph</button>
<button id="zoomout" type="button" title="zoom out (-)">&minus;</button>
<button id="zoomin" type="button" title="zoom in (+)">+</button>
<button id="compact" type="button" title="modules as one box / the full graph (c)"{compact_hidden}>full graph</button>
</div>
<div id="keys">keys: <kbd>&larr;</kbd> <kbd>&rarr;</kbd> previous / next step &middot; <kbd>Home</kbd> <kbd>End</kbd>
first / last &middot; <kbd>space</kbd> play / pause &middot; <kbd>f</kbd> whole graph / follow the step &middot;
<kbd>+</kbd> <kbd>&minus;</kbd> zoom{compact_keys}</div>
</header>
<main>
{frames}
</main>
<script>
(function () {{
  var MIN_SCALE = {min_scale}, MODULES = {modules};
  var frames = document.querySelectorAll(".frame"), body = document.body;
  var slider = document.getElementById("slider"), counter = document.getElementById("counter");
  var playButton = document.getElementById("play"), timer = null, current = -1;
  var view = {{ fit: false, zoom: null, focus: null }};  // zoom null: automatic
  function pane(f) {{ return f.querySelector(".graph"); }}
  function shownSvg(f) {{
    var v = f.querySelector(body.classList.contains("compact") ? ".view.compact" : ".view.full");
    return v ? v.querySelector("svg") : null;
  }}
  function nodes(svg, ids) {{  // the <g class="node"> elements whose <title> is one of ids
    return Array.prototype.filter.call(svg.querySelectorAll("g.node"), function (g) {{
      var t = g.querySelector("title"); return t && ids.indexOf(t.textContent) >= 0; }});
  }}
  function box(elements) {{
    var r = null;
    elements.forEach(function (e) {{
      var b = e.getBoundingClientRect();
      r = r ? {{ left: Math.min(r.left, b.left), top: Math.min(r.top, b.top),
                 right: Math.max(r.right, b.right), bottom: Math.max(r.bottom, b.bottom) }}
            : {{ left: b.left, top: b.top, right: b.right, bottom: b.bottom }};
    }});
    return r;
  }}
  function layout(f) {{
    var p = pane(f), svg = shownSvg(f);
    if (!svg) return;
    var vb = svg.viewBox.baseVal, w = vb.width * 4 / 3, h = vb.height * 4 / 3;  // pt -> px
    var fit = Math.min(p.clientWidth / w, p.clientHeight / h);
    var scale = view.fit ? Math.min(fit, 1) : view.zoom !== null ? view.zoom : Math.max(Math.min(fit, 1), MIN_SCALE);
    svg.style.width = (w * scale) + "px";
    svg.style.height = (h * scale) + "px";
    // along an axis where the graph is bigger than the pane, pad by half the pane: room to centre any node
    svg.parentNode.style.padding = (h * scale > p.clientHeight ? p.clientHeight / 2 : 0) + "px " +
                                   (w * scale > p.clientWidth ? p.clientWidth / 2 : 0) + "px";
    body.dataset.scale = scale.toFixed(3);
    var ids = view.focus ? (MODULES[view.focus] || []) : f.dataset.ids.split(" ");
    var r = box(nodes(svg, ids));
    if (!r) return;
    var pr = p.getBoundingClientRect();  // centre the step's node (the browser stops at the edges)
    p.scrollLeft += (r.left + r.right) / 2 - (pr.left + p.clientWidth / 2);
    p.scrollTop += (r.top + r.bottom) / 2 - (pr.top + p.clientHeight / 2);
  }}
  function show(i) {{
    i = Math.max(0, Math.min(frames.length - 1, i));
    for (var k = 0; k < frames.length; k++) frames[k].hidden = (k !== i);
    if (i !== current) view.focus = null;
    current = i;
    slider.value = i;
    counter.textContent = (i + 1) + "/" + frames.length + " " + frames[i].dataset.phase;
    body.dataset.frame = i;
    layout(frames[i]);
  }}
  function setCompact(on) {{
    if (!MODULES) return;
    body.classList.toggle("compact", on);
    body.dataset.mode = on ? "compact" : "full";
    document.getElementById("compact").textContent = on ? "full graph" : "compact";
    layout(frames[current]);
  }}
  function zoom(factor) {{
    var now = parseFloat(body.dataset.scale) || 1;
    view.fit = false;
    view.zoom = Math.max(0.1, Math.min(3, now * factor));
    layout(frames[current]);
  }}
  function toggleFit() {{
    view.fit = !view.fit; view.zoom = null;
    document.getElementById("fit").textContent = view.fit ? "follow step" : "whole graph";
    layout(frames[current]);
  }}
  function stop() {{ if (timer) {{ clearInterval(timer); timer = null; playButton.textContent = "play"; }} }}
  function play() {{
    if (timer) {{ stop(); return; }}
    if (current >= frames.length - 1) show(0);
    playButton.textContent = "pause";
    timer = setInterval(function () {{
      if (current >= frames.length - 1) {{ stop(); return; }}
      show(current + 1);
    }}, {interval});
  }}
  function on(id, fn) {{ document.getElementById(id).addEventListener("click", fn); }}
  on("first", function () {{ stop(); show(0); }});
  on("prev", function () {{ stop(); show(current - 1); }});
  on("next", function () {{ stop(); show(current + 1); }});
  on("last", function () {{ stop(); show(frames.length - 1); }});
  on("play", play);
  on("fit", toggleFit);
  on("zoomin", function () {{ zoom(1.25); }});
  on("zoomout", function () {{ zoom(0.8); }});
  on("compact", function () {{ setCompact(!body.classList.contains("compact")); }});
  slider.addEventListener("input", function () {{ stop(); show(parseInt(slider.value, 10)); }});
  document.addEventListener("keydown", function (e) {{
    if (e.ctrlKey || e.metaKey || e.altKey) return;
    var onSlider = e.target === slider;  // the slider steps by itself with the arrows, Home and End
    var k = e.key;
    if (k === "ArrowRight" && !onSlider) {{ stop(); show(current + 1); }}
    else if (k === "ArrowLeft" && !onSlider) {{ stop(); show(current - 1); }}
    else if (k === "Home" && !onSlider) {{ stop(); show(0); }}
    else if (k === "End" && !onSlider) {{ stop(); show(frames.length - 1); }}
    else if (k === " ") {{ play(); }}
    else if (k === "f") {{ toggleFit(); }}
    else if (k === "+" || k === "=") {{ zoom(1.25); }}
    else if (k === "-") {{ zoom(0.8); }}
    else if (k === "c") {{ setCompact(!body.classList.contains("compact")); }}
    else return;
    e.preventDefault();
  }});
  document.querySelectorAll(".view.compact g.node").forEach(function (g) {{  // [+] opens a module
    var t = g.querySelector("title").textContent;
    if (!/^m[0-9]+$/.test(t)) return;
    g.classList.add("module");
    g.addEventListener("click", function () {{ setCompact(false); view.focus = t; layout(frames[current]); }});
  }});
  window.addEventListener("resize", function () {{ layout(frames[current]); }});
  var start = parseInt((location.hash || "#1").slice(1), 10);
  show(isNaN(start) ? 0 : start - 1);
  if (MODULES) {{  // compact when the full graph would not fit at a readable scale
    var p = pane(frames[current]), svg = frames[current].querySelector(".view.full svg"), vb = svg.viewBox.baseVal;
    setCompact(Math.min(p.clientWidth / (vb.width * 4 / 3), p.clientHeight / (vb.height * 4 / 3)) < MIN_SCALE);
  }}
}})();
</script>
</body>
</html>
"""

_FRAME = """<section class="frame" data-index="{index}" data-phase="{phase}" data-ids="{ids}"{hidden}>
<div class="graph">{views}</div>
<aside class="explain"><div class="text">{text}</div></aside>
</section>"""


def _inline_svg(svg):
    """An SVG document as an element to put inside HTML (drop the XML prolog, doctype and comments,
    and the fixed size: the page sizes it)."""
    svg = re.sub(r"<\?xml[^>]*\?>", "", svg)
    svg = re.sub(r"<!DOCTYPE[^>]*>", "", svg, flags=re.S)
    svg = re.sub(r"<!--.*?-->", "", svg, flags=re.S).strip()
    return re.sub(r'^<svg width="[^"]*" height="[^"]*"', "<svg", svg)


def _explanation(frame):
    """The step's explanation: its title in bold, then one block per line, indented as in the
    text, whose wrapped continuation lines hang under the line's first word."""
    title, *lines = frame.text().split("\n")
    blocks = [f"<b>{html.escape(title)}</b>"]
    for line in lines:
        indent = len(line) - len(line.lstrip(" "))
        blocks.append(f'<div style="padding-left:{indent + 2}ch;text-indent:-2ch">{html.escape(line.strip())}</div>')
    return "".join(blocks)


def page(stepper, title="autograd step-through", interval_ms=900, compact=None, panel_px=440):
    """The HTML text of the step-through page. compact: also draw each frame with every module
    as one box (except the one holding the step's node), switched with the ``c`` key or by
    clicking a module; default: when the model has modules."""
    frames = stepper.frames
    model = stepper.model
    compact = bool(model.modules) if compact is None else compact and bool(model.modules)
    parts = []
    for f in frames:
        views = f'<div class="view full">{_inline_svg(f.svg(compact=False))}</div>'
        if compact:
            views += f'<div class="view compact">{_inline_svg(f.svg(compact=True))}</div>'
        parts.append(_FRAME.format(index=f.index, phase=f.phase, ids=" ".join(f.dot_ids), views=views,
                                   hidden="" if f.index == 0 else " hidden", text=_explanation(f)))
    modules = {f"m{model.module_id[m]}": [f"{kind}{model.index[n]}" for n in model.nodes if model.owner.get(n) == m
                                          for kind in (("v",) if n not in model.op_number else ("op", "v"))]
               for m in model.modules} if compact else None  # collapsed box -> the ids of what it holds
    keys = " &middot; <kbd>c</kbd> compact / full graph (click a <b>[+]</b> module to open it)" if compact else ""
    return _PAGE.format(title=html.escape(title), last=len(frames) - 1, count=len(frames), frames="\n".join(parts),
                        interval=int(interval_ms), min_scale=MIN_SCALE, modules=json.dumps(modules),
                        compact_hidden="" if compact else " hidden", compact_keys=keys, panel=int(panel_px))


def write_html(stepper, path, title="autograd step-through", interval_ms=900, compact=None):
    """Write the page atomically to ``path``; returns the path."""
    _write_atomic(path, page(stepper, title, interval_ms, compact).encode("utf-8"))
    return path
