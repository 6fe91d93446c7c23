"""write_html: a Stepper as one self-contained HTML page (inline SVG and JS, no network).

Each frame is a <section class="frame"> holding its SVG and its explanation; a few lines
of JavaScript show one at a time (buttons, slider, play, arrow keys). ``#3`` in the URL
opens frame 3.
"""
import html
import re

from .draw import _write_atomic

_PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>{title}</title>
<style>
body {{ font-family: Helvetica, Arial, sans-serif; margin: 16px; }}
#controls {{ position: sticky; top: 0; background: white; padding: 6px 0; display: flex; gap: 8px;
             align-items: center; border-bottom: 1px solid #dee2e6; }}
#controls button {{ min-width: 70px; }}
#slider {{ flex: 1; max-width: 420px; }}
.frame svg {{ max-width: 100%; height: auto; }}
.frame pre {{ font-size: 12px; line-height: 1.35; background: #f8f9fa; padding: 8px; }}
</style>
</head>
<body>
<h3>{title}</h3>
<div id="controls">
<button id="prev" type="button">&lt; prev</button>
<button id="play" type="button">play</button>
<button id="next" type="button">next &gt;</button>
<input id="slider" type="range" min="0" max="{last}" value="0" aria-label="frame">
<span id="counter">1/{count}</span>
</div>
{frames}
<script>
(function () {{
  var frames = document.querySelectorAll(".frame");
  var slider = document.getElementById("slider"), counter = document.getElementById("counter");
  var playButton = document.getElementById("play"), timer = null, current = -1;
  function show(i) {{
    i = Math.max(0, Math.min(frames.length - 1, i));
    for (var k = 0; k < frames.length; k++) frames[k].hidden = (k !== i);
    current = i;
    slider.value = i;
    counter.textContent = (i + 1) + "/" + frames.length + " " + frames[i].dataset.phase;
    document.body.dataset.frame = i;
  }}
  function stop() {{ if (timer) {{ clearInterval(timer); timer = null; playButton.textContent = "play"; }} }}
  document.getElementById("prev").addEventListener("click", function () {{ stop(); show(current - 1); }});
  document.getElementById("next").addEventListener("click", function () {{ stop(); show(current + 1); }});
  slider.addEventListener("input", function () {{ stop(); show(parseInt(slider.value, 10)); }});
  playButton.addEventListener("click", function () {{
    if (timer) {{ stop(); return; }}
    if (current >= frames.length - 1) show(0);
    playButton.textContent = "pause";
    timer = setInterval(function () {{
      if (current >= frames.length - 1) {{ stop(); return; }}
      show(current + 1);
    }}, {interval});
  }});
  document.addEventListener("keydown", function (e) {{
    if (e.key === "ArrowRight") {{ stop(); show(current + 1); }}
    if (e.key === "ArrowLeft") {{ stop(); show(current - 1); }}
  }});
  var start = parseInt((location.hash || "#1").slice(1), 10);
  show(isNaN(start) ? 0 : start - 1);
}})();
</script>
</body>
</html>
"""

_FRAME = """<section class="frame" data-index="{index}" data-phase="{phase}"{hidden}>
<div class="graph">{svg}</div>
<pre>{text}</pre>
</section>"""


def _inline_svg(svg):
    """An SVG document as an element to put inside HTML (drop the XML prolog and doctype)."""
    svg = re.sub(r"<\?xml[^>]*\?>", "", svg)
    svg = re.sub(r"<!DOCTYPE[^>]*>", "", svg, flags=re.S)
    return re.sub(r"<!--.*?-->", "", svg, flags=re.S).strip()


def page(stepper, title="autograd step-through", interval_ms=900):
    """The HTML text of the step-through page."""
    frames = stepper.frames
    parts = [_FRAME.format(index=f.index, phase=f.phase, hidden="" if f.index == 0 else " hidden",
                           svg=_inline_svg(f.svg()), text=html.escape(f.text())) for f in frames]
    return _PAGE.format(title=html.escape(title), last=len(frames) - 1, count=len(frames),
                        frames="\n".join(parts), interval=int(interval_ms))


def write_html(stepper, path, title="autograd step-through", interval_ms=900):
    """Write the page atomically to ``path``; returns the path."""
    _write_atomic(path, page(stepper, title, interval_ms).encode("utf-8"))
    return path
