"""torch.set_printoptions: how a tensor's repr writes its numbers.

The options are PyTorch's: ``precision`` (digits after the point, 4), ``threshold`` (more elements than this
are summarized with "..."), ``edgeitems`` (elements kept at each end of a summarized dim), ``linewidth``
(characters per line), ``sci_mode`` (True: always scientific, False: never, None: PyTorch's choice, see
tensor.py's _scientific) and ``profile`` ("default", "short" or "full", which set the first four).
Tensor.__repr__ reads them here.
"""

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
