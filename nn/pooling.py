"""Pooling layers: MaxPool1d/2d/3d, AvgPool1d/2d/3d, LPPool1d/2d/3d, AdaptiveAvgPool1d/2d/3d,
AdaptiveMaxPool1d/2d/3d (no parameters).

stride defaults to kernel_size, as in PyTorch. Each forward names the layer in its shape errors.
"""
from autograd import ShapeError, Tensor

from . import functional as F
from .module import Module


def _check(layer, input, n):
    if not isinstance(input, Tensor):
        raise TypeError(f"{layer}: expected a Tensor, got {type(input).__name__}")
    if input.ndim not in (n + 1, n + 2):
        dims = {1: "(N, C, L)", 2: "(N, C, H, W)", 3: "(N, C, D, H, W)"}[n]
        raise ShapeError(f"{layer}: expected input {dims} (or unbatched without N), got {tuple(input.shape)}")


def _named_errors(layer, fn, *args):
    """Call ``fn``; a shape error from nn.functional gets the layer's name in front."""
    try:
        return fn(*args)
    except ShapeError as err:
        raise ShapeError(f"{layer}: {err}") from None


class _MaxPoolNd(Module):
    _n = 2

    def __init__(self, kernel_size, stride=None, padding=0, dilation=1, return_indices=False, ceil_mode=False):
        super().__init__()
        self.kernel_size, self.stride = kernel_size, stride if stride is not None else kernel_size
        self.padding, self.dilation = padding, dilation
        self.return_indices, self.ceil_mode = return_indices, ceil_mode

    def forward(self, input):
        label = f"{type(self).__name__}(kernel_size={self.kernel_size})"
        _check(label, input, self._n)
        fn = {1: F.max_pool1d, 2: F.max_pool2d, 3: F.max_pool3d}[self._n]
        return _named_errors(label, fn, input, self.kernel_size, self.stride, self.padding, self.dilation,
                             self.ceil_mode, self.return_indices)

    def extra_repr(self):
        return (f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}, "
                f"dilation={self.dilation}, ceil_mode={self.ceil_mode}")


class MaxPool1d(_MaxPoolNd):
    """Max over windows of (N, C, L)."""

    _n = 1


class MaxPool2d(_MaxPoolNd):
    """Max over windows of (N, C, H, W); the gradient goes to each window's (first) maximum."""


class MaxPool3d(_MaxPoolNd):
    """Max over windows of (N, C, D, H, W); the gradient goes to each window's (first) maximum."""

    _n = 3


class _AvgPoolNd(Module):
    _n = 2

    def __init__(self, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True,
                 divisor_override=None):
        super().__init__()
        self.kernel_size, self.stride = kernel_size, stride if stride is not None else kernel_size
        self.padding, self.ceil_mode, self.count_include_pad = padding, ceil_mode, count_include_pad
        self.divisor_override = divisor_override

    def forward(self, input):
        label = f"{type(self).__name__}(kernel_size={self.kernel_size})"
        _check(label, input, self._n)
        if self._n == 1:
            return _named_errors(label, F.avg_pool1d, input, self.kernel_size, self.stride, self.padding,
                                 self.ceil_mode, self.count_include_pad)
        fn = F.avg_pool2d if self._n == 2 else F.avg_pool3d
        return _named_errors(label, fn, input, self.kernel_size, self.stride, self.padding,
                             self.ceil_mode, self.count_include_pad, self.divisor_override)

    def extra_repr(self):
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class AvgPool1d(_AvgPoolNd):
    """Mean over windows of (N, C, L)."""

    _n = 1

    def __init__(self, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True):
        super().__init__(kernel_size, stride, padding, ceil_mode, count_include_pad)


class AvgPool2d(_AvgPoolNd):
    """Mean over windows of (N, C, H, W)."""


class AvgPool3d(_AvgPoolNd):
    """Mean over windows of (N, C, D, H, W)."""

    _n = 3


class _LPPoolNd(Module):
    """The p-norm of each window, (sum x^p)^(1/p) (F.lp_pool*d); stride defaults to kernel_size (kept
    as None, as PyTorch keeps it), no padding."""

    _n = 2

    def __init__(self, norm_type, kernel_size, stride=None, ceil_mode=False):
        super().__init__()
        self.norm_type, self.kernel_size, self.stride, self.ceil_mode = norm_type, kernel_size, stride, ceil_mode

    def forward(self, input):
        label = f"{type(self).__name__}(norm_type={self.norm_type}, kernel_size={self.kernel_size})"
        _check(label, input, self._n)
        fn = {1: F.lp_pool1d, 2: F.lp_pool2d, 3: F.lp_pool3d}[self._n]
        return _named_errors(label, fn, input, float(self.norm_type), self.kernel_size, self.stride, self.ceil_mode)

    def extra_repr(self):
        return (f"norm_type={self.norm_type}, kernel_size={self.kernel_size}, stride={self.stride}, "
                f"ceil_mode={self.ceil_mode}")


class LPPool1d(_LPPoolNd):
    """The p-norm of each window of (N, C, L)."""

    _n = 1


class LPPool2d(_LPPoolNd):
    """The p-norm of each window of (N, C, H, W)."""


class LPPool3d(_LPPoolNd):
    """The p-norm of each window of (N, C, D, H, W)."""

    _n = 3


class AdaptiveAvgPool2d(Module):
    """Average (N, C, H, W) into a fixed output_size (int or (OH, OW), None keeps that dim)."""

    def __init__(self, output_size):
        super().__init__()
        self.output_size = output_size

    def forward(self, input):
        _check(f"AdaptiveAvgPool2d(output_size={self.output_size})", input, 2)
        return F.adaptive_avg_pool2d(input, self.output_size)

    def extra_repr(self):
        return f"output_size={self.output_size}"


class AdaptiveAvgPool3d(Module):
    """Average (N, C, D, H, W) into a fixed output_size (int or (OD, OH, OW), None keeps that dim)."""

    def __init__(self, output_size):
        super().__init__()
        self.output_size = output_size

    def forward(self, input):
        _check(f"AdaptiveAvgPool3d(output_size={self.output_size})", input, 3)
        return F.adaptive_avg_pool3d(input, self.output_size)

    def extra_repr(self):
        return f"output_size={self.output_size}"


class AdaptiveAvgPool1d(Module):
    """Average (N, C, L) into output_size bins."""

    def __init__(self, output_size):
        super().__init__()
        self.output_size = output_size

    def forward(self, input):
        _check(f"AdaptiveAvgPool1d(output_size={self.output_size})", input, 1)
        return F.adaptive_avg_pool1d(input, self.output_size)

    def extra_repr(self):
        return f"output_size={self.output_size}"


class _AdaptiveMaxPoolNd(Module):
    _n = 2

    def __init__(self, output_size, return_indices=False):
        super().__init__()
        self.output_size, self.return_indices = output_size, return_indices

    def forward(self, input):
        label = f"{type(self).__name__}(output_size={self.output_size})"
        _check(label, input, self._n)
        fn = {1: F.adaptive_max_pool1d, 2: F.adaptive_max_pool2d, 3: F.adaptive_max_pool3d}[self._n]
        return _named_errors(label, fn, input, self.output_size, self.return_indices)

    def extra_repr(self):
        return f"output_size={self.output_size}"


class AdaptiveMaxPool1d(_AdaptiveMaxPoolNd):
    """Max of (N, C, L) over output_size bins; return_indices=True also gives each max's position."""

    _n = 1


class AdaptiveMaxPool2d(_AdaptiveMaxPoolNd):
    """Max of (N, C, H, W) over output_size bins (int or (OH, OW), None keeps that dim); the gradient goes
    to each bin's (first) maximum."""


class AdaptiveMaxPool3d(_AdaptiveMaxPoolNd):
    """Max of (N, C, D, H, W) over output_size bins (int or (OD, OH, OW), None keeps that dim); the gradient
    goes to each bin's (first) maximum."""

    _n = 3
