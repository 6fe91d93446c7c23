"""``model.summary()``: Keras' table of layers, output shapes and parameter counts."""
import numpy as np

from . import functional
from .layers.base import shape_text

__all__ = ["summary"]

WIDTHS = (33, 24, 15)
CONNECTED_WIDTHS = (21, 19, 12, 19)  # a functional model with branches: Keras adds "Connected to"


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
    return name, shape_text(shape or layer.output_shape), f"{layer.count_params():,}"


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


def _row(cells, left, mid, right, widths=WIDTHS):
    columns = [_wrap(c, w - 2) for c, w in zip(cells, widths)]
    out = []
    for i in range(max(len(c) for c in columns)):
        parts = []
        for j, (col, w) in enumerate(zip(columns, widths)):
            text = col[i] if i < len(col) else ""
            parts.append(" " + (text.rjust(w - 2) if j == 2 else text.ljust(w - 2)) + " ")
        out.append(left + mid.join(parts) + right)
    return out


def _rule(left, mid, right, fill, widths=WIDTHS):
    return left + mid.join(fill * w for w in widths) + right


def summary(model):
    """The summary as text (``model.summary()`` prints it); a functional model with branches (merges,
    several inputs, a shared layer) gets Keras' "Connected to" column."""
    steps = getattr(model, "_steps", None)
    branched = steps is not None and not functional.sequential_like(steps)
    widths = CONNECTED_WIDTHS if branched else WIDTHS
    header = ("Layer (type)", "Output Shape", "Param #") + (("Connected to",) if branched else ())
    lines = [f'Model: "{model.name}"', _rule("┏", "┳", "┓", "━", widths),
             *_row(header, "┃", "┃", "┃", widths), _rule("┡", "╇", "┩", "━", widths)]
    layers = model.layers
    last_shape = {id(layer): out.shape for layer, _, out in steps or ()}
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
