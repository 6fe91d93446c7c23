"""torch.set_printoptions: how a tensor's repr writes its numbers.

The options are PyTorch's: ``precision`` (digits after the point, 4), ``threshold`` (more elements than this
are summarized with "..."), ``edgeitems`` (elements kept at each end of a summarized dim), ``linewidth``
(characters per line), ``sci_mode`` (True: always scientific, False: never, None: PyTorch's choice, see
tensor.py's _scientific) and ``profile`` ("default", "short" or "full", which set the first four).
Tensor.__repr__ reads them here, and lays out the numbers with ``layout`` (PyTorch's) and
every repr's suffixes with ``with_suffixes``.
"""
import math

_PROFILES = {
    "default": {"precision": 4, "threshold": 1000, "edgeitems": 3, "linewidth": 80},
    "short": {"precision": 2, "threshold": 1000, "edgeitems": 2, "linewidth": 80},
    "full": {"precision": 4, "threshold": float("inf"), "edgeitems": 3, "linewidth": 80},
}

options = dict(_PROFILES["default"], sci_mode=None)


def set_printoptions(precision=None, threshold=None, edgeitems=None, linewidth=None, profile=None, sci_mode=None):
    """Set how tensors print, as torch.set_printoptions: a profile first, then each option given; ``sci_mode``
    is set on every call (None unless given), as PyTorch's. ``torch.set_printoptions(2)`` is d2l's."""
    if profile is not None:
        options.update(_PROFILES.get(profile, {}))  # (PyTorch ignores an unknown profile too)
    for name, value in (("precision", precision), ("threshold", threshold), ("edgeitems", edgeitems),
                        ("linewidth", linewidth)):
        if value is not None:
            options[name] = value
    options["sci_mode"] = sci_mode


def with_suffixes(body, suffixes):
    """``tensor(<body>, <suffix>, ...)``: PyTorch's layout (torch/_tensor_str.py's _add_suffixes): a suffix
    (``dtype=...``, ``grad_fn=<...>``, ``requires_grad=True``) goes on its own line, indented under the
    numbers, when it would take the last line past ``linewidth`` (PyTorch counts that line's length as
    its characters + 1 after a newline, + 2 for a one-line tensor: its rule, kept for the same layout)."""
    text, indent = "tensor(" + body, len("tensor(")
    last_line = len(text) - text.rfind("\n") + 1
    for suffix in suffixes:
        if last_line + len(suffix) + 2 > options["linewidth"]:
            text += ",\n" + " " * indent + suffix
            last_line = indent + len(suffix)
        else:
            text += ", " + suffix
            last_line += len(suffix) + 2
    return text + ")"


def _shown(data, edgeitems):
    """The elements a summarized tensor shows, flat (PyTorch's get_summarized_data): along each dim longer
    than 2 * edgeitems, the first and last edgeitems."""
    for axis, n in enumerate(data.shape):
        if n > 2 * edgeitems:
            keep = list(range(edgeitems)) + list(range(n - edgeitems, n))
            data = data.take(keep, axis)
    return data.ravel().tolist()


def _element_format(data, shown, scientific, precision):
    """How one element is written and the width every element is padded to (PyTorch's _Formatter): a float in
    scientific notation, or as an integer with a point ("3.") when every shown nonzero finite value is one, else
    with ``precision`` decimals, the width that of the widest nonzero finite value (so "nan" or "0." can be
    narrower or wider); other dtypes as Python writes them, the width the widest."""
    if data.dtype.kind != "f":
        return str, max([1] + [len(str(v)) for v in shown])
    finite = [v for v in shown if math.isfinite(v) and v != 0]
    if scientific and finite:  # (no nonzero finite value: PyTorch's integer mode, even with sci_mode=True)
        element = f"{{:.{precision}e}}".format
    elif all(v == math.ceil(v) for v in finite):
        element = lambda v: f"{v:.0f}" + ("." if math.isfinite(v) else "")  # noqa: E731
    else:
        element = f"{{:.{precision}f}}".format
    return element, max([1] + [len(element(v)) for v in finite])


def layout(data, scientific):
    """The body of a tensor of 1 or more dims, laid out as PyTorch's _tensor_str: past ``threshold`` elements
    (summarized), along each dim longer than 2 * edgeitems only the first and last edgeitems, with "..."
    between; every element padded to one width (_element_format); a row of numbers broken after as many
    elements of that width (+ ", ") as the line holds from its indent (numpy's array2string counts the
    characters instead, which breaks some rows one element earlier, and pads "..." differently)."""
    edge, width_limit = options["edgeitems"], options["linewidth"]
    summarize = data.size > options["threshold"]
    shown = _shown(data, edge) if summarize else data.ravel().tolist()
    element, width = _element_format(data, shown, scientific, options["precision"])

    def vector(row, indent):
        per_line = max(1, (width_limit - indent) // (width + 2))
        if summarize and not edge:
            items = ["..."]
        elif summarize and len(row) > 2 * edge:
            items = [element(v).rjust(width) for v in row[:edge].tolist()] + [" ..."] + \
                    [element(v).rjust(width) for v in row[-edge:].tolist()]
        else:
            items = [element(v).rjust(width) for v in row.tolist()]
        lines = [", ".join(items[i:i + per_line]) for i in range(0, len(items), per_line)]
        return "[" + (",\n" + " " * (indent + 1)).join(lines) + "]"

    def nested(block, indent):
        if block.ndim == 1:
            return vector(block, indent)
        if summarize and len(block) > 2 * edge:
            slices = [nested(block[i], indent + 1) for i in range(edge)] + ["..."] + \
                     [nested(block[i], indent + 1) for i in range(len(block) - edge, len(block))]
        else:
            slices = [nested(sub, indent + 1) for sub in block]
        return "[" + ("," + "\n" * (block.ndim - 1) + " " * (indent + 1)).join(slices) + "]"

    return nested(data, len("tensor("))
