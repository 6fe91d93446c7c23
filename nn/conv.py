"""Convolution layers: Conv1d, Conv2d, Conv3d, ConvTranspose1d, ConvTranspose2d, ConvTranspose3d, and Upsample.

Weights use PyTorch's layouts and default init: Conv weight (out, in/groups, *kernel),
ConvTranspose weight (in, out/groups, *kernel), W ~ kaiming_uniform_(a=sqrt(5)) and
b ~ U(-1/sqrt(fan_in), 1/sqrt(fan_in)) with fan_in = weight.shape[1] * prod(kernel).
Each ``forward`` checks the input's shape (naming the layer) and calls nn.functional.
"""

from autograd.backend import host

import autograd as ag
from autograd import ShapeError, Tensor

from autograd.ops.conv import conv_transpose_nd, ntuple

from . import functional as F
from . import init
from .module import Module
from .parameter import Parameter


def _tuple(value, n, name, what):
    return ntuple(value, n, name, what)


class _ConvNd(Module):
    _n = 2
    _transposed = False

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0, dilation=1, groups=1,
                 bias=True, padding_mode="zeros", output_padding=0, device=None, dtype=None):
        super().__init__()
        name, n = type(self).__name__, self._n
        for what, v in (("in_channels", in_channels), ("out_channels", out_channels), ("groups", groups)):
            if not isinstance(v, (int, host.integer)) or isinstance(v, bool) or v <= 0:
                raise ValueError(f"{name}: {what} must be a positive int, got {v!r}")
        if in_channels % groups or out_channels % groups:
            raise ValueError(f"{name}: in_channels ({in_channels}) and out_channels ({out_channels}) must both "
                             f"be divisible by groups ({groups})")
        if padding_mode not in ("zeros", "reflect", "replicate", "circular"):
            raise ValueError(f"{name}: padding_mode must be 'zeros', 'reflect', 'replicate' or 'circular', "
                             f"got {padding_mode!r}")
        if padding_mode != "zeros" and self._transposed:
            raise ValueError(f"{name}: only padding_mode='zeros' is supported (as in PyTorch)")
        self.in_channels, self.out_channels, self.groups = int(in_channels), int(out_channels), int(groups)
        self.kernel_size = _tuple(kernel_size, n, name, "kernel_size")
        self.stride = _tuple(stride, n, name, "stride")
        self.dilation = _tuple(dilation, n, name, "dilation")
        if isinstance(padding, str):
            if padding not in ("same", "valid"):
                raise ValueError(f"{name}: padding must be an int, a tuple, 'same' or 'valid', got {padding!r}")
            if padding == "same" and any(s != 1 for s in self.stride):
                raise ValueError(f"{name}: padding='same' is not supported for strided convolutions")
            self.padding = padding
        else:
            self.padding = _tuple(padding, n, name, "padding")
        self.output_padding = _tuple(output_padding, n, name, "output_padding")
        self.padding_mode = padding_mode
        if self._transposed:
            shape = (in_channels, out_channels // groups) + self.kernel_size
        else:
            shape = (out_channels, in_channels // groups) + self.kernel_size
        dtype = host.dtype(dtype or ag.get_default_dtype())
        self.weight = Parameter(ag.empty(shape, dtype=dtype))
        if bias:
            self.bias = Parameter(ag.empty(out_channels, dtype=dtype))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()
        if device is not None:  # torch's factory keyword: made here, then moved there
            self.to(device)

    def reset_parameters(self):
        init.default_layer_init_(self.weight, self.bias)

    def _check_input(self, input):
        """(N, C_in, *spatial) or unbatched (C_in, *spatial), else an error naming this layer."""
        n = self._n
        spatial = {1: ("L",), 2: ("H", "W"), 3: ("D", "H", "W")}[n]
        if not isinstance(input, Tensor):
            raise TypeError(f"{self._label()}: expected a Tensor, got {type(input).__name__}")
        if input.ndim not in (n + 1, n + 2) or input.shape[-n - 1] != self.in_channels:
            expected = ", ".join(("N", str(self.in_channels)) + spatial)
            raise ShapeError(f"{self._label()}: expected input ({expected}), got {tuple(input.shape)}")

    def _padded(self, input):
        """padding_mode 'reflect'/'replicate'/'circular': pad here with F.pad, then convolve with padding 0."""
        if self.padding_mode == "zeros":
            return input, self.padding
        if self.padding == "valid":
            return input, 0
        if self.padding == "same":
            totals = [d * (k - 1) for k, d in zip(self.kernel_size, self.dilation)]
            pairs = [(t // 2, t - t // 2) for t in totals]
        else:
            pairs = [(p, p) for p in self.padding]
        flat = [v for lo_hi in reversed(pairs) for v in lo_hi]  # F.pad wants the last dim first
        return F.pad(input, flat, mode=self.padding_mode), 0

    def _named_errors(self, fn, *args):
        """Call ``fn``; a shape error from nn.functional gets this layer's name in front."""
        try:
            return fn(*args)
        except ShapeError as err:
            raise ShapeError(f"{self._label()}: {err}") from None

    def _label(self):
        return f"{type(self).__name__}({self.in_channels}, {self.out_channels})"

    def extra_repr(self):
        s = f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, stride={self.stride}"
        if self.padding != (0,) * self._n:
            s += f", padding={self.padding!r}"
        if self.dilation != (1,) * self._n:
            s += f", dilation={self.dilation}"
        if self.output_padding != (0,) * self._n:
            s += f", output_padding={self.output_padding}"
        if self.groups != 1:
            s += f", groups={self.groups}"
        if self.bias is None:
            s += ", bias=False"
        if self.padding_mode != "zeros":
            s += f", padding_mode={self.padding_mode}"
        return s


class _ConvPlainNd(_ConvNd):
    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0, dilation=1, groups=1,
                 bias=True, padding_mode="zeros", device=None, dtype=None):
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, dilation, groups, bias,
                         padding_mode, dtype=dtype)
        if device is not None:  # torch's factory keyword: made here, then moved there
            self.to(device)

    def forward(self, input):
        self._check_input(input)
        input, padding = self._padded(input)
        conv = {1: F.conv1d, 2: F.conv2d, 3: F.conv3d}[self._n]
        return self._named_errors(conv, input, self.weight, self.bias, self.stride, padding,
                                  self.dilation, self.groups)


class Conv1d(_ConvPlainNd):
    """1-d convolution over (N, C_in, L) -> (N, C_out, L_out), L_out = floor((L + 2p - d(k-1) - 1)/s) + 1."""

    _n = 1


class Conv2d(_ConvPlainNd):
    """2-d convolution over (N, C_in, H, W) -> (N, C_out, H_out, W_out), one im2col matmul per call."""

    _n = 2


class Conv3d(_ConvPlainNd):
    """3-d convolution over (N, C_in, D, H, W) -> (N, C_out, D_out, H_out, W_out), for volumes and video."""

    _n = 3


class _ConvTransposeNd(_ConvNd):
    _transposed = True

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0, output_padding=0, groups=1,
                 bias=True, dilation=1, padding_mode="zeros", device=None, dtype=None):
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, dilation, groups, bias,
                         padding_mode, output_padding, dtype=dtype)
        if device is not None:  # torch's factory keyword: made here, then moved there
            self.to(device)

    def forward(self, input, output_size=None):
        self._check_input(input)
        return self._named_errors(conv_transpose_nd, f"conv_transpose{self._n}d", self._n, input, self.weight,
                                  self.bias, self.stride, self.padding, self.output_padding, self.groups,
                                  self.dilation, output_size)


class ConvTranspose1d(_ConvTransposeNd):
    """Transposed 1-d convolution: L_out = (L - 1)s - 2p + d(k - 1) + output_padding + 1."""

    _n = 1


class ConvTranspose2d(_ConvTransposeNd):
    """Transposed 2-d convolution (upsampling in generators): H_out = (H - 1)s - 2p + d(k - 1) + op + 1."""

    _n = 2


class ConvTranspose3d(_ConvTransposeNd):
    """Transposed 3-d convolution (upsampling volumes): D_out = (D - 1)s - 2p + d(k - 1) + op + 1, and so H, W."""

    _n = 3


class Upsample(Module):
    """Resize by ``size`` or ``scale_factor``; mode 'nearest' (each pixel repeated), 'nearest-exact', 'area',
    'linear', 'bilinear' or 'trilinear' (F.interpolate's)."""

    def __init__(self, size=None, scale_factor=None, mode="nearest", align_corners=None,
                 recompute_scale_factor=None):
        super().__init__()
        if mode not in ("nearest", "nearest-exact", "area", "linear", "bilinear", "trilinear"):
            raise NotImplementedError(f"Upsample: mode={mode!r} is not implemented; use 'nearest', 'nearest-exact', "
                                      "'area', 'linear', 'bilinear' or 'trilinear'")
        if (size is None) == (scale_factor is None):
            raise ValueError("Upsample: give exactly one of size and scale_factor")
        self.size, self.scale_factor, self.mode = size, scale_factor, mode
        self.align_corners, self.recompute_scale_factor = align_corners, recompute_scale_factor

    def forward(self, input):
        return F.interpolate(input, self.size, self.scale_factor, self.mode, self.align_corners,
                             self.recompute_scale_factor)

    def extra_repr(self):
        what = f"size={self.size}" if self.size is not None else f"scale_factor={float(self.scale_factor)!r}" \
            if not isinstance(self.scale_factor, (tuple, list)) else f"scale_factor={self.scale_factor}"
        return f"{what}, mode='{self.mode}'"


class UpsamplingNearest2d(Upsample):
    """Upsample(mode='nearest') for (N, C, H, W) (PyTorch's older name)."""

    def __init__(self, size=None, scale_factor=None):
        super().__init__(size, scale_factor, mode="nearest")


class UpsamplingBilinear2d(Upsample):
    """Upsample(mode='bilinear', align_corners=True) for (N, C, H, W) (PyTorch's older name: note the corners
    aligned, unlike Upsample's default)."""

    def __init__(self, size=None, scale_factor=None):
        super().__init__(size, scale_factor, mode="bilinear", align_corners=True)
