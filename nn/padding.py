"""Padding layers: ConstantPad, ZeroPad, ReflectionPad, ReplicationPad and CircularPad, 1d/2d/3d.

Each keeps ``padding`` as PyTorch does (an int becomes (p, p) per padded dim, last dim first:
(left, right, top, bottom, front, back)) and calls F.pad with its mode in ``forward``.
"""
from . import functional as F
from .module import Module


def _padding(padding, dims):
    """An int -> (p,) * 2 * dims; a sequence kept as given (PyTorch's _ntuple)."""
    if isinstance(padding, int):
        return (padding,) * (2 * dims)
    return tuple(padding)


class _PadNd(Module):
    """What every padding layer shares: its padding, its F.pad mode, its repr."""

    mode = None
    dims = None

    def __init__(self, padding):
        super().__init__()
        self.padding = _padding(padding, self.dims)

    def forward(self, input):
        return F.pad(input, self.padding, self.mode)

    def extra_repr(self):
        return f"{self.padding}"


class _ConstantPadNd(_PadNd):
    mode = "constant"

    def __init__(self, padding, value):
        super().__init__(padding)
        self.value = value

    def forward(self, input):
        return F.pad(input, self.padding, "constant", self.value)

    def extra_repr(self):
        return f"padding={self.padding}, value={self.value}"


class ConstantPad1d(_ConstantPadNd):
    dims = 1


class ConstantPad2d(_ConstantPadNd):
    dims = 2


class ConstantPad3d(_ConstantPadNd):
    dims = 3


class _ZeroPad:
    """Constant padding with 0 (a mixin over ConstantPadNd, shown as its padding alone)."""

    def __init__(self, padding):
        super().__init__(padding, 0.0)

    def extra_repr(self):
        return f"{self.padding}"


class ZeroPad1d(_ZeroPad, ConstantPad1d):
    pass


class ZeroPad2d(_ZeroPad, ConstantPad2d):
    pass


class ZeroPad3d(_ZeroPad, ConstantPad3d):
    pass


class ReflectionPad1d(_PadNd):
    """Mirror the input at its edges, the edge itself not repeated: [1, 2, 3] pad 2 -> [3, 2, 1, 2, 3, 2, 1]."""

    mode, dims = "reflect", 1


class ReflectionPad2d(ReflectionPad1d):
    dims = 2


class ReflectionPad3d(ReflectionPad1d):
    dims = 3


class ReplicationPad1d(_PadNd):
    """Repeat the edge values: [1, 2, 3] pad 2 -> [1, 1, 1, 2, 3, 3, 3]."""

    mode, dims = "replicate", 1


class ReplicationPad2d(ReplicationPad1d):
    dims = 2


class ReplicationPad3d(ReplicationPad1d):
    dims = 3


class CircularPad1d(_PadNd):
    """Wrap around: [1, 2, 3] pad 2 -> [2, 3, 1, 2, 3, 1, 2]. Takes a batched or unbatched input."""

    mode, dims = "circular", 1

    def forward(self, input):
        if input.ndim not in (self.dims + 1, self.dims + 2):
            raise ValueError(f"{type(self).__name__}: expected {self.dims + 1}D or {self.dims + 2}D input "
                             f"(got {input.ndim}D input)")
        return super().forward(input)


class CircularPad2d(CircularPad1d):
    dims = 2


class CircularPad3d(CircularPad1d):
    dims = 3
