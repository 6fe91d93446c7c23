"""3-d convolution and pooling over volumes (N, C, D, H, W), built on the 2-d machinery.

conv3d folds depth into the batch and the kernel's depth into the channels: the KD depth
slices a kernel sees are stacked as channels, so one 2-d convolution does the work

    x (N, C, D, H, W) -> KD strided depth slices -> (N*OD, KD*C, H, W) --conv2d--> (N*OD, O, OH, OW)
    w (O, C/g, KD, KH, KW) -> (O, KD*C/g, KH, KW)

conv_transpose3d is the same fold run backwards: input depths into the batch, kernel depths into
the output channels, one 2-d transposed convolution, then each kernel depth's output put back at
the depths it lands on (spread by the stride, shifted by its offset) and the KD of them summed

    x (N, C_in, D, H, W) -> (N*D, C_in, H, W) --conv_transpose2d--> (N*D, KD*C_out, OH, OW)
    w (C_in, C_out/g, KD, KH, KW) -> (C_in, KD*C_out/g, KH, KW)
    input depth d, kernel depth k -> output depth d*sd + k*dd - pd

avg_pool3d sums the KD*KH*KW shifted strided views of the padded input and divides by what
PyTorch counts; max_pool3d picks each window's first maximum and gathers it. All three are
compositions of differentiable ops, so gradients (and gradients of gradients) come for free.
"""
import functools

from ..backend import by_input, get_array_module, host
from ..backend import as_strided

from ..function import ShapeError
from ..tensor import Tensor
from .args import ArgumentError
from .conv import (
    ConstantPad, Convolution, ConvTranspose, TRANSPOSED_CORES, _batched, _conv_nd, _pool_args, _pool_geometry,
    conv_transpose_nd, out_size,
)
from .index import Gather
from .shape import stack


def _conv3d_core(x, w, stride, pads, dilation, groups):
    """conv3d as one conv2d: depth slices stacked as channels, output depths folded into the batch."""
    n, c, d, h, wd = x.shape
    o, cg, kd = w.shape[:3]
    od = out_size(d, kd, stride[0], pads[0], dilation[0])
    if pads[0] != (0, 0):
        x = ConstantPad.apply(x, widths=((0, 0), (0, 0), pads[0], (0, 0), (0, 0)))
    span = stride[0] * (od - 1) + 1
    slices = [x[:, :, i * dilation[0]:i * dilation[0] + span:stride[0]] for i in range(kd)]  # KD x (N, C, OD, H, W)
    cols = stack(slices, 2).reshape(n, groups, cg, kd, od, h, wd)  # (N, g, C/g, KD, OD, H, W)
    cols = cols.permute(0, 4, 1, 3, 2, 5, 6).reshape(n * od, groups * kd * cg, h, wd)  # (N*OD, g*KD*C/g, H, W)
    w2 = w.permute(0, 2, 1, 3, 4).reshape(o, kd * cg, w.shape[3], w.shape[4])  # (O, KD*C/g, KH, KW)
    y = Convolution.apply(cols, w2, stride=stride[1:], padding=pads[1:], dilation=dilation[1:], groups=groups)
    return y.reshape(n, od, o, y.shape[2], y.shape[3]).permute(0, 2, 1, 3, 4)  # (N, O, OD, OH, OW)


def conv3d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """3-d convolution (cross-correlation): input (N, C_in, D, H, W), weight (C_out, C_in/groups, KD, KH, KW)."""
    return _conv_nd("conv3d", 3, input, weight, bias, stride, padding, dilation, groups, core=_conv3d_core)


def _conv_transpose3d_core(x, w, out, stride, pads, dilation, groups):
    """conv_transpose3d as one conv_transpose2d (see the module's docstring); out = (OD, OH, OW)."""
    n, c_in, d, h, wd = x.shape
    cg, kd, kh, kw = w.shape[1:]
    (sd, dd, (pd, _)), od = (stride[0], dilation[0], pads[0]), out[0]
    x2 = x.permute(0, 2, 1, 3, 4).reshape(n * d, c_in, h, wd)  # (N*D, C_in, H, W)
    w2 = w.permute(0, 2, 1, 3, 4).reshape(c_in, kd * cg, kh, kw)  # (C_in, KD*C_out/g, KH, KW): (k, c) per group
    z = ConvTranspose.apply(x2, w2, out_hw=out[1:], stride=stride[1:], padding=pads[1:], dilation=dilation[1:],
                            groups=groups)  # (N*D, g*KD*C_out/g, OH, OW)
    oh, ow = out[1:]
    z = z.reshape(n, d, groups, kd, cg, oh, ow).permute(3, 0, 2, 4, 1, 5, 6).reshape(kd, n, groups * cg, d, oh, ow)
    if sd > 1:  # depth d -> d*sd: sd - 1 zero planes after each, the last ones cut off
        z = ConstantPad.apply(z.unsqueeze(4), widths=((0, 0),) * 4 + ((0, sd - 1), (0, 0), (0, 0)))
        z = z.reshape(kd, n, groups * cg, d * sd, oh, ow)[:, :, :, :(d - 1) * sd + 1]
    spread = (d - 1) * sd + 1
    landed = spread + dd * (kd - 1)  # the depths some input lands on
    full = landed + max(0, pd + od - landed)  # (and room for an output_padding past them)
    total = None
    for k in range(kd):  # kernel depth k lands at depths d*sd + k*dd (before the crop by pd)
        placed = ConstantPad.apply(z[k], widths=((0, 0), (0, 0), (k * dd, full - spread - k * dd), (0, 0), (0, 0)))
        total = placed if total is None else total + placed
    return total[:, :, pd:pd + od]  # (N, C_out, OD, OH, OW)


TRANSPOSED_CORES[3] = _conv_transpose3d_core


def conv_transpose3d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1, dilation=1):
    """Transposed 3-d convolution (the gradient of conv3d wrt its input): input (N, C_in, D, H, W), weight
    (C_in, C_out/groups, KD, KH, KW); D_out = (D - 1)s - 2p + d(KD - 1) + output_padding + 1, and so H, W."""
    return conv_transpose_nd("conv_transpose3d", 3, input, weight, bias, stride, padding, output_padding, groups,
                             dilation)


def _pool3d_setup(name, input, kernel_size, stride, padding, dilation, ceil_mode, max_pad):
    x, added = _batched(input, name, 3)
    if x.dtype.kind != "f":
        raise ArgumentError(f"{name}: expected a floating-point input, got {x.dtype}")
    kernel, stride, padding, dilation = _pool_args(name, 3, kernel_size, stride, padding, dilation)
    out, pads = _pool_geometry(name, x.shape[2:], kernel, stride, padding, dilation, ceil_mode, max_pad)
    return x, added, kernel, stride, dilation, out, pads


def _shifted(x, offset, stride, out):
    """The strided view of the (padded) input that kernel offset ``offset`` reads: (N, C, OD, OH, OW)."""
    return x[(slice(None), slice(None)) + tuple(slice(k, k + s * (o - 1) + 1, s)
                                                 for k, s, o in zip(offset, stride, out))]


def avg_pool3d(input, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True,
               divisor_override=None):
    """Mean over windows of (N, C, D, H, W); stride defaults to kernel_size."""
    x, added, kernel, stride, _, out, pads = _pool3d_setup("avg_pool3d", input, kernel_size, stride, padding, 1,
                                                           ceil_mode, lambda k, d: k // 2)
    if any(n < k for n, k in zip(x.shape[2:], kernel)):  # PyTorch's avg_pool3d checks before padding
        raise ShapeError(f"avg_pool3d: the input {tuple(x.shape[2:])} is smaller than the kernel {kernel}")
    if divisor_override is not None:
        if divisor_override == 0:
            raise ArgumentError("avg_pool3d: divisor_override must be non-zero")
        divisor = by_input.asarray(divisor_override, dtype=x.dtype)
    else:
        divisor = x._xp.asarray(_divisor(x.shape[2:], kernel, stride, pads, out, count_include_pad).astype(x.dtype))
    padded = ConstantPad.apply(x, widths=((0, 0), (0, 0)) + pads) if any(p != (0, 0) for p in pads) else x
    total = None
    for offset in host.ndindex(*kernel):
        view = _shifted(padded, offset, stride, out)
        total = view if total is None else total + view
    y = total / Tensor._make(divisor)
    return y.squeeze(0) if added else y


def _divisor(size, kernel, stride, pads, out, count_include_pad):
    """PyTorch's divisor per output position: the window clipped to the padded (or the real) input."""
    counts = []
    for L, k, s, (p, _), o in zip(size, kernel, stride, pads, out):
        start = by_input.arange(o) * s - p
        end = by_input.minimum(start + k, L + p)
        counts.append(end - start if count_include_pad else by_input.minimum(end, L) - by_input.maximum(start, 0))
    return functools.reduce(by_input.multiply.outer, counts)


def max_pool3d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False, return_indices=False):
    """Max over windows of (N, C, D, H, W); padding counts as -inf; stride defaults to kernel_size."""
    x, added, kernel, stride, dilation, out, pads = _pool3d_setup(
        "max_pool3d", input, kernel_size, stride, padding, dilation, ceil_mode, lambda k, d: k // 2)
    padded = by_input.pad(x._data, ((0, 0), (0, 0)) + pads, constant_values=-host.inf)  # (N, C, Dp, Hp, Wp)
    n, c = x.shape[:2]
    strides = padded.strides
    windows = as_strided(padded, (n, c) + out + kernel,
                         strides[:2] + tuple(st * s for st, s in zip(strides[2:], stride))
                         + tuple(st * d for st, d in zip(strides[2:], dilation)), writeable=False)
    pick = windows.reshape((n, c) + out + (-1,)).argmax(axis=-1)  # the first maximum (NaN wins, as PyTorch)
    offset = by_input.unravel_index(pick, kernel)
    xp = get_array_module(pick)
    grid = xp.meshgrid(*[xp.arange(o) for o in out], indexing="ij")
    coords = [g * s + k * d for g, s, k, d in zip(grid, stride, offset, dilation)]  # in the padded volume
    coords = by_input.broadcast_arrays(*coords)
    flat = by_input.ravel_multi_index(coords, padded.shape[2:]).reshape(n, c, -1)
    source = ConstantPad.apply(x, widths=((0, 0), (0, 0)) + pads, value=-host.inf).reshape(n, c, -1)
    y = Gather.apply(source, dim=2, index=flat.astype(host.int64)).reshape((n, c) + out)
    if not return_indices:
        return y.squeeze(0) if added else y
    real = [p - lo for p, (lo, _) in zip(coords, pads)]  # in the input, as PyTorch's indices
    indices = Tensor._make(by_input.ravel_multi_index(real, x.shape[2:]).astype(host.int64))
    return (y.squeeze(0), indices.squeeze(0)) if added else (y, indices)


def max_pool3d_with_indices(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
                            return_indices=False):
    """max_pool3d's (output, indices), whatever ``return_indices`` says (as PyTorch's)."""
    return max_pool3d(input, kernel_size, stride, padding, dilation, ceil_mode, True)
