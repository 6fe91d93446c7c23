"""``model.summary()``: Keras' table of layers, output shapes and parameter counts."""
import numpy as np

from .layers.base import shape_text

__all__ = ["summary"]

WIDTHS = (33, 24, 15)


def readable_size(n_bytes):
    """636.00 B, 31.09 KB, 1.20 MB (powers of 1024), as Keras writes memory sizes."""
    for unit in ("B", "KB", "MB", "GB"):
        if n_bytes < 1024 or unit == "GB":
            return f"{n_bytes:.2f} {unit}"
        n_bytes /= 1024


def _cells(layer):
    name = f"{layer.name} ({type(layer).__name__})"
    if not layer.built:
        return name, "?", "0 (unbuilt)"
    return name, shape_text(layer.output_shape), f"{layer.count_params():,}"


def _wrap(text, width):
    """Split ``text`` into lines of at most ``width`` characters, at spaces where it can."""
    lines, line = [], ""
    for word in text.split(" "):
        candidate = f"{line} {word}" if line else word
        if len(candidate) <= width:
            line = candidate
        else:
            if line:
                lines.append(line)
            while len(word) > width:
                lines.append(word[:width])
                word = word[width:]
            line = word
    return lines + [line] if line else lines or [""]


def _row(cells, left, mid, right):
    columns = [_wrap(c, w - 2) for c, w in zip(cells, WIDTHS)]
    out = []
    for i in range(max(len(c) for c in columns)):
        parts = []
        for j, (col, w) in enumerate(zip(columns, WIDTHS)):
            text = col[i] if i < len(col) else ""
            parts.append(" " + (text.rjust(w - 2) if j == 2 else text.ljust(w - 2)) + " ")
        out.append(left + mid.join(parts) + right)
    return out


def _rule(left, mid, right, fill):
    return left + mid.join(fill * w for w in WIDTHS) + right


def summary(model):
    """The summary as text (``model.summary()`` prints it)."""
    lines = [f'Model: "{model.name}"', _rule("┏", "┳", "┓", "━"),
             *_row(("Layer (type)", "Output Shape", "Param #"), "┃", "┃", "┃"), _rule("┡", "╇", "┩", "━")]
    layers = model.layers
    for i, layer in enumerate(layers):
        lines += _row(_cells(layer), "│", "│", "│")
        if i < len(layers) - 1:
            lines.append(_rule("├", "┼", "┤", "─"))
    lines.append(_rule("└", "┴", "┘", "─"))
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
