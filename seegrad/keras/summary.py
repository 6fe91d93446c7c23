"""``model.summary()``: Keras' table of layers, output shapes and parameter counts."""
import numpy as np

from . import functional
from .layers.base import shape_text

__all__ = ["summary"]

POSITIONS = (0.45, 0.80, 1.0)  # Keras' column ends, as fractions of the line
CONNECTED_POSITIONS = (0.3, 0.56, 0.74, 1.0)  # a functional model with branches: Keras adds "Connected to"
LINE_LENGTH = 76  # Keras' default in an 80-column console (its 88 or 108, capped at the columns - 4)


def column_widths(line_length, positions):
    """Each column's width, padding included, as Keras lays out its rich table: the fractions
    ``positions`` of ``line_length``, plus 2 of padding, then the excess over the line (borders
    included) taken off the columns evenly (rich's ratio_reduce, rounding half to even)."""
    widths, current = [], 0
    for pos in positions:
        width = int(pos * line_length) - current
        if width < 4:
            raise ValueError("Insufficient console width to print summary.")
        widths.append(width + 2)
        current += width
    excess, left = sum(widths) - (line_length - len(widths) - 1), len(widths)
    for i in range(len(widths)):
        if excess <= 0:
            break
        cut = min(widths[i], round(excess / left))
        widths[i], excess, left = widths[i] - cut, excess - cut, left - 1
    return tuple(widths)


WIDTHS = column_widths(LINE_LENGTH, POSITIONS)  # (33, 24, 15)


def readable_size(n_bytes):
    """636.00 B, 31.09 KB, 1.20 MB (powers of 1024), as Keras writes memory sizes."""
    for unit in ("B", "KB", "MB", "GB"):
        if n_bytes < 1024 or unit == "GB":
            return f"{n_bytes:.2f} {unit}"
        n_bytes /= 1024


def _cells(layer, shape=None):
    """Name (type), output shape (``shape``: of its last call in a functional model, as Keras), params."""
    name = f"{layer.name} ({type(layer).__name__})"
    if not layer.built:
        return name, "?", "0 (unbuilt)"
    shape = shape or layer.output_shape
    text = "[" + ", ".join(map(shape_text, shape)) + "]" if isinstance(shape, list) else shape_text(shape)
    return name, text, f"{layer.count_params():,}"


def _wrap(text, width):
    """Split ``text`` into lines of at most ``width`` characters at spaces, as rich (Keras' printer)
    does: a word longer than the line gets a line of its own, cut with "…"."""
    lines, line = [], ""
    for word in text.split(" "):
        candidate = f"{line} {word}" if line else word
        if len(candidate) <= width:
            line = candidate
        else:
            if line:
                lines.append(line)
            line = word if len(word) <= width else word[:width - 1] + "…"
    return lines + [line] if line else lines or [""]


def _row(cells, left, mid, right, widths=WIDTHS, bottom=False):
    """One row of the table, its cells wrapped to their columns; ``bottom``: cells of fewer lines
    sit at the bottom (Keras' header), else at the top."""
    columns = [_wrap(c, w - 2) for c, w in zip(cells, widths)]
    height = max(len(c) for c in columns)
    if bottom:
        columns = [[""] * (height - len(c)) + c for c in columns]
    out = []
    for i in range(height):
        parts = []
        for j, (col, w) in enumerate(zip(columns, widths)):
            text = col[i] if i < len(col) else ""
            parts.append(" " + (text.rjust(w - 2) if j == 2 else text.ljust(w - 2)) + " ")
        out.append(left + mid.join(parts) + right)
    return out


def _rule(left, mid, right, fill, widths=WIDTHS):
    return left + mid.join(fill * w for w in widths) + right


def summary(model, line_length=None, positions=None):
    """The summary as text (``model.summary()`` prints it); a functional model with branches (merges,
    several inputs, a shared layer) gets Keras' "Connected to" column. ``line_length`` and ``positions``
    (the columns' ends, fractions of the line) lay out the table as Keras'."""
    steps = getattr(model, "_steps", None)
    branched = steps is not None and not functional.sequential_like(steps)
    line_length = line_length or LINE_LENGTH
    positions = positions or (CONNECTED_POSITIONS if branched else POSITIONS)
    if any(p > 1 for p in positions):  # Keras 3 reads them as fractions too, and lays out a table thousands wide
        raise ValueError(f"summary(positions={list(positions)!r}): give the columns' ends as fractions of the "
                         "line (e.g. [0.45, 0.8, 1.0])")
    if len(positions) != (4 if branched else 3):
        raise ValueError(f"summary(positions={positions!r}): give one end per column "
                         f"({4 if branched else 3} columns)")
    widths = column_widths(line_length, positions)
    header = ("Layer (type)", "Output Shape", "Param #") + (("Connected to",) if branched else ())
    lines = [f'Model: "{model.name}"', _rule("┏", "┳", "┓", "━", widths),
             *_row(header, "┃", "┃", "┃", widths, bottom=True), _rule("┡", "╇", "┩", "━", widths)]
    layers = model.layers
    last_shape = {id(layer): out.shape if out.node is None else [t.shape for t in out.node]
                  for layer, _, out in steps or ()}
    for i, layer in enumerate(layers):
        cells = _cells(layer, last_shape.get(id(layer)))
        if branched:
            cells += (functional.connections(layer, model._input_tensors, model._input_layers, steps),)
        lines += _row(cells, "│", "│", "│", widths)
        if i < len(layers) - 1:
            lines.append(_rule("├", "┼", "┤", "─", widths))
    lines.append(_rule("└", "┴", "┘", "─", widths))
    weights = [w for w in model.weights] if model.built or layers else []
    trainable = {id(w) for w in model.trainable_weights}
    total = int(sum(int(np.prod(w.shape)) for w in weights))
    n_trainable = int(sum(int(np.prod(w.shape)) for w in weights if id(w) in trainable))
    opt = getattr(model, "optimizer", None)
    n_opt = _optimizer_params(opt) if getattr(opt, "built", False) else 0
    rows = [("Total", total + n_opt), ("Trainable", n_trainable), ("Non-trainable", total - n_trainable)]
    if n_opt:
        rows.append(("Optimizer", n_opt))
    for label, n in rows:
        lines.append(f" {label} params: {n:,} ({readable_size(4 * n)})")
    return "\n".join(lines)


def _optimizer_params(opt):
    """The optimizer's numbers, as Keras counts them: every moment, plus its step counter and learning rate
    (a schedule is no variable: the counter alone)."""
    moments = sum(int(np.prod(v.shape)) for state in opt.state.values() for v in state.values() if hasattr(v, "shape"))
    return moments + (1 if opt._schedule is not None else 2)
