"""Where things are in a rendered frame, and a view of it centred on the step's node.

The Jupyter widget cannot run a script to scroll its picture, so it is given an SVG whose
viewBox is already the window it should show: the whole graph when it stays readable at
that size, else a window around the step's node (the HTML export does the same in its page).

    box = node_box(svg, ["op5", "v5"])        # (left, top, right, bottom) in the SVG's units
    svg = focus_svg(svg, ["op5", "v5"], 640, 520)
"""
import re

PX_PER_PT = 4 / 3  # Graphviz sizes its SVG in points

_VIEWBOX = re.compile(r'viewBox="([-\d.]+) ([-\d.]+) ([-\d.]+) ([-\d.]+)"')
_TRANSFORM = re.compile(r'class="graph" transform="scale\(([-\d.]+)(?: ([-\d.]+))?\) rotate\([-\d.]+\) '
                        r'translate\(([-\d.]+) ([-\d.]+)\)"')
_NODE = re.compile(r'<g id="[^"]*" class="node">\s*<title>([^<]*)</title>(.*?)(?=<g id="[^"]*" class="(?:node|edge)'
                   r'|</svg>)', re.S)
_PAIR = re.compile(r"(-?\d+(?:\.\d+)?),(-?\d+(?:\.\d+)?)")
_ELLIPSE = re.compile(r'<ellipse[^>]* cx="([-\d.]+)" cy="([-\d.]+)" rx="([-\d.]+)" ry="([-\d.]+)"')


def viewbox(svg):
    """(x, y, width, height) of the SVG's viewBox."""
    m = _VIEWBOX.search(svg)
    if not m:
        raise ValueError("svgview: no viewBox in this SVG (expected Graphviz output)")
    return tuple(float(v) for v in m.groups())


def node_box(svg, ids):
    """The box around the Graphviz nodes named ``ids`` (their DOT ids, the <title> of each node),
    in the SVG's own units (those of its viewBox); None when none of them is drawn."""
    m = _TRANSFORM.search(svg)
    sx, sy, tx, ty = (1.0, None, 0.0, 0.0) if not m else (float(m[1]), m[2], float(m[3]), float(m[4]))
    sy = sx if sy is None else float(sy)
    xs, ys = [], []
    for name, body in _NODE.findall(svg):
        if name not in ids:
            continue
        for x, y in _PAIR.findall(body):
            xs.append(float(x))
            ys.append(float(y))
        for cx, cy, rx, ry in _ELLIPSE.findall(body):
            cx, cy, rx, ry = map(float, (cx, cy, rx, ry))
            xs += [cx - rx, cx + rx]
            ys += [cy - ry, cy + ry]
    if not xs:
        return None
    return (sx * (min(xs) + tx), sy * (min(ys) + ty), sx * (max(xs) + tx), sy * (max(ys) + ty))


def focus_svg(svg, ids, width_px, height_px, min_scale=0.75):
    """The SVG sized to a ``width_px`` x ``height_px`` window: the whole graph, scaled to fit
    (never enlarged), when that keeps it at ``min_scale`` or more; else at ``min_scale`` with the
    window centred on the nodes ``ids``. Returns the new SVG text."""
    x, y, w, h = viewbox(svg)
    fit = min(width_px / (w * PX_PER_PT), height_px / (h * PX_PER_PT))
    box = node_box(svg, ids)
    if fit >= min_scale or box is None:
        scale = min(fit, 1.0) if fit >= min_scale else fit
        size = f'width="{w * PX_PER_PT * scale:.0f}px" height="{h * PX_PER_PT * scale:.0f}px"'
        new_box = (x, y, w, h)
    else:
        vw, vh = width_px / PX_PER_PT / min_scale, height_px / PX_PER_PT / min_scale
        cx, cy = (box[0] + box[2]) / 2, (box[1] + box[3]) / 2
        size = f'width="{width_px:.0f}px" height="{height_px:.0f}px"'
        new_box = (cx - vw / 2, cy - vh / 2, vw, vh)
    svg = _VIEWBOX.sub('viewBox="{:.2f} {:.2f} {:.2f} {:.2f}"'.format(*new_box), svg, count=1)
    return re.sub(r'<svg width="[^"]*" height="[^"]*"', f"<svg {size}", svg, count=1)
