"""nn.functional for images and sequences: convolution, pooling, normalisation, embedding, padding, resizing.

The primitives (forward and hand-written backward) live in autograd/ops_conv.py; here the
PyTorch-style arguments are checked and normalised (ints or tuples, 'same'/'valid' padding,
ceil_mode, unbatched inputs) and turned into the geometry those primitives take:
stride (sh, sw), padding ((top, bottom), (left, right)), dilation (dh, dw).
A 1-d function is the 2-d one with a kernel of height 1.
"""
import math
import numbers

import numpy as np

from autograd import ops_conv as C
from autograd.function import ShapeError
from autograd.graph import no_grad
from autograd.tensor import Tensor, matmul

__all__ = [
    "conv1d", "conv2d", "conv_transpose1d", "conv_transpose2d", "max_pool1d", "max_pool2d", "avg_pool1d",
    "avg_pool2d", "adaptive_avg_pool1d", "adaptive_avg_pool2d", "batch_norm", "layer_norm", "embedding",
    "interpolate", "upsample", "upsample_nearest", "pad", "group_norm", "instance_norm",
]


def _tuple(value, n, name, what):
    """An int or an n-tuple of ints -> n-tuple of ints (PyTorch's _pair/_single)."""
    if isinstance(value, (numbers.Integral, np.integer)) and not isinstance(value, bool):
        return (int(value),) * n
    if isinstance(value, (tuple, list)) and len(value) == n and all(
            isinstance(v, (numbers.Integral, np.integer)) and not isinstance(v, bool) for v in value):
        return tuple(int(v) for v in value)
    raise TypeError(f"{name}: {what} must be an int or a tuple of {n} ints, got {value!r}")


def _batched(input, name, spatial, channels_hint="C"):
    """Accept (N, C, *spatial) or unbatched (C, *spatial) like PyTorch; return the 4-d-or-3-d
    batched tensor and whether a batch dim was added."""
    dims = "(N, C, L)" if spatial == 1 else "(N, C, H, W)"
    if not isinstance(input, Tensor):
        raise TypeError(f"{name}: expected a Tensor input {dims}, got {type(input).__name__}")
    if input.ndim == spatial + 2:
        return input, False
    if input.ndim == spatial + 1:
        return input.unsqueeze(0), True
    raise ShapeError(f"{name}: expected a {spatial + 2}-d input {dims} (or {spatial + 1}-d unbatched), "
                     f"got shape {tuple(input.shape)}")


def _float_check(name, input, weight):
    if input.dtype.kind != "f":
        raise TypeError(f"{name}: input must be floating point, got {input.dtype}; use .float() first")
    if weight.dtype != input.dtype:
        raise TypeError(f"{name}: input ({input.dtype}) and weight ({weight.dtype}) should have the same "
                        f"dtype; convert one with .to(dtype) (model.to(dtype) for a layer)")


# --------------------------------------------------------------------- convolution


def _conv_padding(padding, kernel, stride, dilation, n, name):
    """int / tuple / 'valid' / 'same' -> ((lo, hi), ...) per spatial dim."""
    if isinstance(padding, str):
        if padding == "valid":
            return ((0, 0),) * n
        if padding == "same":
            if any(s != 1 for s in stride):
                raise ValueError(f"{name}: padding='same' is not supported for strided convolutions "
                                 f"(stride={stride}); use an explicit padding")
            total = [d * (k - 1) for k, d in zip(kernel, dilation)]
            return tuple((t // 2, t - t // 2) for t in total)
        raise ValueError(f"{name}: padding must be an int, a tuple, 'valid' or 'same', got {padding!r}")
    pads = _tuple(padding, n, name, "padding")
    if any(p < 0 for p in pads):
        raise ValueError(f"{name}: negative padding {pads} is not supported")
    return tuple((p, p) for p in pads)


def _conv_nd(name, n, input, weight, bias, stride, padding, dilation, groups):
    x, added = _batched(input, name, n)
    _float_check(name, x, weight)
    if weight.ndim != n + 2:
        raise ShapeError(f"{name}: weight must be {n + 2}-d (out_channels, in_channels/groups, kernel...), "
                         f"got shape {tuple(weight.shape)}")
    stride = _tuple(stride, n, name, "stride")
    dilation = _tuple(dilation, n, name, "dilation")
    kernel = tuple(weight.shape[2:])
    if min(stride) < 1 or min(dilation) < 1:
        raise ValueError(f"{name}: stride {stride} and dilation {dilation} must be positive")
    if groups < 1 or x.shape[1] % groups or weight.shape[0] % groups:
        raise ValueError(f"{name}: groups={groups} must divide both in_channels ({x.shape[1]}) and "
                         f"out_channels ({weight.shape[0]})")
    if weight.shape[1] * groups != x.shape[1]:
        raise ShapeError(f"{name}: input of shape {tuple(input.shape)} has {x.shape[1]} channels but the weight "
                         f"of shape {tuple(weight.shape)} with groups={groups} expects "
                         f"{weight.shape[1] * groups} channels")
    pads = _conv_padding(padding, kernel, stride, dilation, n, name)
    _check_window(name, x.shape[2:], kernel, pads, dilation)
    if n == 1:  # the 2-d primitive on one row: kernel height 1
        stride, dilation, pads = (1,) + stride, (1,) + dilation, ((0, 0),) + pads
    y = C.Convolution.apply(x, weight, stride=stride, padding=pads, dilation=dilation, groups=groups)
    if bias is not None:
        y = y + bias.reshape((-1,) + (1,) * n)
    return y.squeeze(0) if added else y


def _check_window(name, size, kernel, pads, dilation):
    span = tuple(d * (k - 1) + 1 for k, d in zip(kernel, dilation))
    padded = tuple(s + lo + hi for s, (lo, hi) in zip(size, pads))
    if any(sp > p for sp, p in zip(span, padded)):
        raise ShapeError(f"{name}: the kernel {tuple(kernel)} (dilation {tuple(dilation)}, spanning "
                         f"{'x'.join(map(str, span))}) is larger than the padded input "
                         f"{'x'.join(map(str, padded))} (input {'x'.join(map(str, size))} plus padding); "
                         "use a smaller kernel, more padding or a larger input")


def conv1d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """1-d convolution (cross-correlation): input (N, C_in, L), weight (C_out, C_in/groups, K)."""
    return _conv_nd("conv1d", 1, input, weight, bias, stride, padding, dilation, groups)


def conv2d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """2-d convolution (cross-correlation): input (N, C_in, H, W), weight (C_out, C_in/groups, KH, KW).

    out[n, o, h, w] = bias[o] + sum_{c, i, j} weight[o, c, i, j] * x[n, c, s*h + d*i - p, s*w + d*j - p]
    """
    return _conv_nd("conv2d", 2, input, weight, bias, stride, padding, dilation, groups)


def _conv_transpose_nd(name, n, input, weight, bias, stride, padding, output_padding, groups, dilation,
                       output_size=None):
    x, added = _batched(input, name, n)
    _float_check(name, x, weight)
    if weight.ndim != n + 2:
        raise ShapeError(f"{name}: weight must be {n + 2}-d (in_channels, out_channels/groups, kernel...), "
                         f"got shape {tuple(weight.shape)}")
    if weight.shape[0] != x.shape[1]:
        raise ShapeError(f"{name}: input of shape {tuple(input.shape)} has {x.shape[1]} channels but the weight "
                         f"of shape {tuple(weight.shape)} expects {weight.shape[0]}")
    if groups < 1 or x.shape[1] % groups:
        raise ValueError(f"{name}: groups={groups} must divide in_channels ({x.shape[1]})")
    stride = _tuple(stride, n, name, "stride")
    dilation = _tuple(dilation, n, name, "dilation")
    pads = _tuple(padding, n, name, "padding")
    out_pad = _tuple(output_padding, n, name, "output_padding")
    kernel = tuple(weight.shape[2:])
    if any(op >= max(s, d) for op, s, d in zip(out_pad, stride, dilation)):
        raise ValueError(f"{name}: output_padding {out_pad} must be smaller than either stride {stride} "
                         f"or dilation {dilation}")
    out = tuple((h - 1) * s - 2 * p + d * (k - 1) + op + 1
                for h, s, p, d, k, op in zip(x.shape[2:], stride, pads, dilation, kernel, out_pad))
    if output_size is not None:  # PyTorch's output_size= picks output_padding for you
        want = tuple(output_size)[-n:]
        lo = tuple(o - op for o, op in zip(out, out_pad))
        if any(not lo_ <= w < lo_ + s for lo_, w, s in zip(lo, want, stride)):
            raise ValueError(f"{name}: requested output_size {want} is not reachable; valid sizes start at {lo}")
        out = want
    if min(out) < 1:
        raise ShapeError(f"{name}: input of shape {tuple(input.shape)} gives an empty output {out}; "
                         "reduce padding or use a larger input")
    pads = tuple((p, p) for p in pads)
    if n == 1:
        stride, dilation, pads = (1,) + stride, (1,) + dilation, ((0, 0),) + pads
    y = C.ConvTranspose.apply(x, weight, out_hw=out, stride=stride, padding=pads, dilation=dilation,
                              groups=groups)
    if bias is not None:
        y = y + bias.reshape((-1,) + (1,) * n)
    return y.squeeze(0) if added else y


def conv_transpose1d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1, dilation=1):
    """Transposed 1-d convolution: weight (C_in, C_out/groups, K); L_out = (L-1)s - 2p + d(K-1) + op + 1."""
    return _conv_transpose_nd("conv_transpose1d", 1, input, weight, bias, stride, padding, output_padding,
                              groups, dilation)


def conv_transpose2d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1, dilation=1):
    """Transposed 2-d convolution (the gradient of conv2d wrt its input), weight (C_in, C_out/groups, KH, KW).

    H_out = (H - 1) * stride - 2 * padding + dilation * (KH - 1) + output_padding + 1
    """
    return _conv_transpose_nd("conv_transpose2d", 2, input, weight, bias, stride, padding, output_padding,
                              groups, dilation)


# --------------------------------------------------------------------- pooling


def _pool_geometry(name, size, kernel, stride, padding, dilation, ceil_mode, max_pad):
    """Output size and (lo, hi) padding per dim; ceil_mode adds padding at the high end."""
    out_hw, pads = [], []
    for L, k, s, p, d in zip(size, kernel, stride, padding, dilation):
        span = d * (k - 1) + 1
        if p < 0 or p > max_pad(k, d):
            raise ValueError(f"{name}: padding should be at most half of the effective kernel size, "
                             f"but got padding={p}, kernel_size={k} and dilation={d}")
        num = L + 2 * p - span
        o = (-(-num // s) if ceil_mode else num // s) + 1
        if ceil_mode and (o - 1) * s >= L + p:  # the last window must start inside the input or left pad
            o -= 1
        out_hw.append(o)
        pads.append((p, p + max(0, (o - 1) * s + span - (L + 2 * p))))
    if min(out_hw) < 1:
        raise ShapeError(f"{name}: the input size {'x'.join(map(str, size))} is too small for kernel "
                         f"{tuple(kernel)} (padding {tuple(padding)}, dilation {tuple(dilation)}): the output "
                         f"would be {'x'.join(map(str, out_hw))}; use a smaller kernel or a larger input")
    return tuple(out_hw), tuple(pads)


def _pool_args(name, n, kernel_size, stride, padding, dilation=1):
    kernel = _tuple(kernel_size, n, name, "kernel_size")
    stride = kernel if stride is None or (isinstance(stride, (list, tuple)) and len(stride) == 0) \
        else _tuple(stride, n, name, "stride")
    padding = _tuple(padding, n, name, "padding")
    dilation = _tuple(dilation, n, name, "dilation")
    if min(kernel) < 1 or min(stride) < 1 or min(dilation) < 1:
        raise ValueError(f"{name}: kernel_size {kernel}, stride {stride} and dilation {dilation} must be positive")
    return kernel, stride, padding, dilation


def _max_pool_nd(name, n, input, kernel_size, stride, padding, dilation, ceil_mode, return_indices):
    x, added = _batched(input, name, n)
    kernel, stride, padding, dilation = _pool_args(name, n, kernel_size, stride, padding, dilation)
    out_hw, pads = _pool_geometry(name, x.shape[2:], kernel, stride, padding, dilation, ceil_mode,
                                  lambda k, d: (d * (k - 1) + 1) // 2)
    if n == 1:
        kernel, stride, dilation, pads, out_hw = (1,) + kernel, (1,) + stride, (1,) + dilation, \
            ((0, 0),) + pads, (1,) + out_hw
    geo = dict(kernel=kernel, stride=stride, padding=pads, dilation=dilation)
    y = C.MaxPool.apply(x, out_hw=out_hw, **geo)
    if not return_indices:
        return y.squeeze(0) if added else y
    if isinstance(y.grad_fn, C.MaxPool):
        idx = y.grad_fn.idx
    else:
        idx = C.max_pool_forward(C._as_4d(x._data), out_hw=out_hw, **geo)[1]
    x4_shape = C._as_4d(x._data).shape
    flat = C._back_to(C.max_pool_indices(idx, x4_shape, **geo), x.ndim)
    indices = Tensor._make(flat)
    return (y.squeeze(0), indices.squeeze(0)) if added else (y, indices)


def max_pool1d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False, return_indices=False):
    """Max over windows of (N, C, L); padding counts as -inf; stride defaults to kernel_size."""
    return _max_pool_nd("max_pool1d", 1, input, kernel_size, stride, padding, dilation, ceil_mode, return_indices)


def max_pool2d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False, return_indices=False):
    """Max over windows of (N, C, H, W); padding counts as -inf; stride defaults to kernel_size."""
    return _max_pool_nd("max_pool2d", 2, input, kernel_size, stride, padding, dilation, ceil_mode, return_indices)


def _avg_divisor(size, kernel, stride, pads, out_hw, count_include_pad, dtype):
    """PyTorch's divisor per output position: the window clipped to the padded (or the real) input."""
    counts = []
    for L, k, s, (p, _), o in zip(size, kernel, stride, pads, out_hw):
        start = np.arange(o) * s - p
        end = np.minimum(start + k, L + p)
        if count_include_pad:
            counts.append(end - start)
        else:
            counts.append(np.minimum(end, L) - np.maximum(start, 0))
    return np.multiply.outer(*counts).astype(dtype) if len(counts) == 2 else counts[0].astype(dtype)[None, :]


def _avg_pool_nd(name, n, input, kernel_size, stride, padding, ceil_mode, count_include_pad, divisor_override):
    x, added = _batched(input, name, n)
    kernel, stride, padding, _ = _pool_args(name, n, kernel_size, stride, padding)
    out_hw, pads = _pool_geometry(name, x.shape[2:], kernel, stride, padding, (1,) * n, ceil_mode,
                                  lambda k, d: k // 2)
    if divisor_override is not None:
        if divisor_override == 0:
            raise ValueError(f"{name}: divisor_override must be non-zero")
        divisor = np.asarray(divisor_override, dtype=x.dtype)
    else:
        divisor = _avg_divisor(x.shape[2:], kernel, stride, pads, out_hw, count_include_pad, x.dtype)
    if n == 1:
        kernel, stride, pads, out_hw = (1,) + kernel, (1,) + stride, ((0, 0),) + pads, (1,) + out_hw
    y = C.AvgPool.apply(x, kernel=kernel, stride=stride, padding=pads, out_hw=out_hw, divisor=divisor)
    return y.squeeze(0) if added else y


def avg_pool1d(input, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True):
    """Mean over windows of (N, C, L); stride defaults to kernel_size."""
    return _avg_pool_nd("avg_pool1d", 1, input, kernel_size, stride, padding, ceil_mode, count_include_pad, None)


def avg_pool2d(input, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True,
               divisor_override=None):
    """Mean over windows of (N, C, H, W); stride defaults to kernel_size."""
    return _avg_pool_nd("avg_pool2d", 2, input, kernel_size, stride, padding, ceil_mode, count_include_pad,
                        divisor_override)


def _adaptive_matrix(size, out, dtype):
    """(out, size) averaging matrix: row i averages [floor(i*size/out), ceil((i+1)*size/out))."""
    m = np.zeros((out, size), dtype=dtype)
    for i in range(out):
        start, end = (i * size) // out, -(-((i + 1) * size) // out)
        m[i, start:end] = 1.0 / (end - start)
    return m


def adaptive_avg_pool2d(input, output_size):
    """Average into a fixed output_size (int, or (OH, OW) with None meaning 'keep'): A_h @ x @ A_w^T.

    Built from matmuls with constant averaging matrices, so its gradient comes for free."""
    x, added = _batched(input, "adaptive_avg_pool2d", 2)
    oh, ow = (output_size, output_size) if not isinstance(output_size, (tuple, list)) else tuple(output_size)
    h, w = x.shape[2:]
    oh, ow = h if oh is None else int(oh), w if ow is None else int(ow)
    if oh < 1 or ow < 1:
        raise ValueError(f"adaptive_avg_pool2d: output_size must be positive, got {output_size!r}")
    if (oh, ow) == (1, 1):
        y = x.mean((2, 3), keepdim=True)
    else:
        y = x
        if ow != w:
            y = matmul(y, Tensor._make(_adaptive_matrix(w, ow, x.dtype).T))  # (N, C, H, OW)
        if oh != h:
            y = matmul(Tensor._make(_adaptive_matrix(h, oh, x.dtype)), y)  # (N, C, OH, OW)
    return y.squeeze(0) if added else y


def adaptive_avg_pool1d(input, output_size):
    """Average (N, C, L) into output_size bins."""
    x, added = _batched(input, "adaptive_avg_pool1d", 1)
    out = output_size[0] if isinstance(output_size, (tuple, list)) else output_size
    y = adaptive_avg_pool2d(x.unsqueeze(2), (1, out)).squeeze(2)
    return y.squeeze(0) if added else y


# --------------------------------------------------------------------- normalisation


def batch_norm(input, running_mean, running_var, weight=None, bias=None, training=False, momentum=0.1, eps=1e-5):
    """Normalise each channel (dim 1) over the batch and spatial dims.

    Training: batch statistics; running_mean/var (when given) move by ``momentum`` towards the batch
    mean and the *unbiased* batch variance, in place. Eval: the running statistics are used.
    """
    if input.ndim < 2:
        raise ShapeError(f"batch_norm: expected an input (N, C) or (N, C, *), got shape {tuple(input.shape)}")
    c = input.shape[1]
    for what, t in (("running_mean", running_mean), ("running_var", running_var), ("weight", weight),
                    ("bias", bias)):
        if t is not None and tuple(t.shape) != (c,):
            raise ShapeError(f"batch_norm: {what} has shape {tuple(t.shape)} but the input {tuple(input.shape)} "
                             f"has {c} channels")
    axes = (0,) + tuple(range(2, input.ndim))
    param_shape = (c,) + (1,) * (input.ndim - 2)
    if training:
        count = input.numel() // c
        if count <= 1:
            raise ValueError(f"batch_norm: expected more than 1 value per channel when training, got input "
                             f"of shape {tuple(input.shape)}")
        x = input._data
        mean = x.mean(axis=axes, keepdims=True)
        var = x.var(axis=axes, keepdims=True)
        y = C.BatchNorm.apply(input, weight, bias, axes=axes, eps=eps, param_shape=param_shape,
                              mean=mean, var=var, batch_stats=True)
        if running_mean is not None:
            with no_grad():
                m = momentum
                running_mean.copy_((1 - m) * running_mean._data + m * mean.reshape(c))
                running_var.copy_((1 - m) * running_var._data + m * var.reshape(c) * count / (count - 1))
        return y
    if running_mean is None or running_var is None:
        raise ValueError("batch_norm: running_mean and running_var are needed when training=False")
    mean = running_mean._data.reshape(param_shape).astype(input.dtype, copy=False)
    var = running_var._data.reshape(param_shape).astype(input.dtype, copy=False)
    return C.BatchNorm.apply(input, weight, bias, axes=axes, eps=eps, param_shape=param_shape,
                             mean=mean, var=var, batch_stats=False)


def layer_norm(input, normalized_shape, weight=None, bias=None, eps=1e-5):
    """Normalise each sample over its trailing ``normalized_shape`` dims (biased variance)."""
    shape = (normalized_shape,) if isinstance(normalized_shape, (numbers.Integral, np.integer)) \
        else tuple(normalized_shape)
    k = len(shape)
    if k == 0 or input.ndim < k or tuple(input.shape[input.ndim - k:]) != shape:
        raise ShapeError(f"layer_norm: given normalized_shape={list(shape)}, expected input with shape "
                         f"[*, {', '.join(map(str, shape))}], but got input of size {list(input.shape)}")
    for what, t in (("weight", weight), ("bias", bias)):
        if t is not None and tuple(t.shape) != shape:
            raise ShapeError(f"layer_norm: {what} has shape {tuple(t.shape)}; expected {shape}")
    axes = tuple(range(input.ndim - k, input.ndim))
    return C.LayerNorm.apply(input, weight, bias, axes=axes, eps=eps, param_shape=shape, batch_stats=True)


def instance_norm(input, running_mean=None, running_var=None, weight=None, bias=None, use_input_stats=True,
                  momentum=0.1, eps=1e-5):
    """Normalise each (sample, channel) over its spatial dims, then scale and shift per channel.

    With ``use_input_stats`` the statistics are the instance's own, and running_mean/var (when given)
    move by ``momentum`` towards their batch averages (unbiased variance), as PyTorch; otherwise the
    running statistics are used."""
    if input.ndim < 3:
        raise ShapeError(f"instance_norm: expected an input (N, C, *spatial), got shape {tuple(input.shape)}")
    n, c = input.shape[:2]
    axes = tuple(range(2, input.ndim))
    param_shape = (c,) + (1,) * (input.ndim - 2)
    if use_input_stats:
        x = input._data
        mean, var = x.mean(axis=axes, keepdims=True), x.var(axis=axes, keepdims=True)
        y = C.InstanceNorm.apply(input, weight, bias, axes=axes, eps=eps, param_shape=param_shape,
                                 mean=mean, var=var, batch_stats=True)
        if running_mean is not None:
            count = int(np.prod(input.shape[2:]))
            if count <= 1:
                raise ValueError(f"instance_norm: expected more than 1 spatial element per channel when "
                                 f"training, got input of shape {tuple(input.shape)}")
            with no_grad():
                m = momentum
                running_mean.copy_((1 - m) * running_mean._data + m * mean.reshape(n, c).mean(0))
                unbiased = var.reshape(n, c).mean(0) * count / (count - 1)
                running_var.copy_((1 - m) * running_var._data + m * unbiased)
        return y
    if running_mean is None or running_var is None:
        raise ValueError("instance_norm: running_mean and running_var are needed when use_input_stats=False")
    mean = running_mean._data.reshape(param_shape).astype(input.dtype, copy=False)
    var = running_var._data.reshape(param_shape).astype(input.dtype, copy=False)
    return C.InstanceNorm.apply(input, weight, bias, axes=axes, eps=eps, param_shape=param_shape,
                                mean=mean, var=var, batch_stats=False)


def group_norm(input, num_groups, weight=None, bias=None, eps=1e-5):
    """Normalise each sample's channels in ``num_groups`` groups (over the group's channels and all
    spatial positions), then scale and shift per channel."""
    if input.ndim < 2 or input.shape[1] % num_groups:
        raise ShapeError(f"group_norm: expected an input (N, C, *) with C divisible by num_groups={num_groups}, "
                         f"got shape {tuple(input.shape)}")
    n, c = input.shape[:2]
    x = input.reshape(n, num_groups, -1)  # (N, G, C/G * spatial)
    y = C.LayerNorm.apply(x, None, None, axes=(2,), eps=eps, param_shape=(1,), batch_stats=True)
    y = y.reshape(input.shape)
    shape = (c,) + (1,) * (input.ndim - 2)
    if weight is not None:
        y = y * weight.reshape(shape)
    if bias is not None:
        y = y + bias.reshape(shape)
    return y


# --------------------------------------------------------------------- embedding


def embedding(input, weight, padding_idx=None, max_norm=None, norm_type=2.0, scale_grad_by_freq=False,
              sparse=False):
    """Rows of ``weight`` (num_embeddings, dim) picked by integer ``input`` of any shape -> (*, dim).

    Gradients of repeated indices add up; the ``padding_idx`` row gets no gradient. With ``max_norm``
    the picked rows whose norm exceeds it are rescaled in place first (as PyTorch)."""
    if scale_grad_by_freq or sparse:
        raise NotImplementedError("embedding: scale_grad_by_freq and sparse gradients are not implemented")
    idx = input._data if isinstance(input, Tensor) else np.asarray(input)
    if idx.dtype.kind not in "iu":
        raise TypeError(f"embedding: indices must be integers (int64), got {idx.dtype}; use .long()")
    num = weight.shape[0]
    if idx.size and (idx.min() < 0 or idx.max() >= num):
        bad = idx.min() if idx.min() < 0 else idx.max()
        raise IndexError(f"embedding: index {int(bad)} is out of range for {num} embeddings "
                         f"(valid indices are 0..{num - 1})")
    if padding_idx is not None:
        if not -num <= padding_idx < num:
            raise ValueError(f"embedding: padding_idx {padding_idx} must be within num_embeddings ({num})")
        padding_idx = padding_idx % num
    if max_norm is not None:
        with no_grad():
            rows = np.unique(idx)
            w = weight._data
            norms = np.linalg.norm(w[rows], ord=norm_type, axis=1)
            scale = np.where(norms > max_norm, max_norm / (norms + 1e-7), 1.0).astype(w.dtype)
            w[rows] *= scale[:, None]
            weight._vc[0] += 1
    return C.Embedding.apply(weight, idx, padding_idx=padding_idx)


# --------------------------------------------------------------------- padding


def _source_index(size, lo, hi, mode, name):
    """For each padded position along one dim, the input position it copies (reflect/replicate/circular)."""
    pos = np.arange(-lo, size + hi)
    if mode == "replicate":
        return np.clip(pos, 0, size - 1)
    if mode == "circular":
        if lo > size or hi > size:
            raise ValueError(f"{name}: circular padding ({lo}, {hi}) can be at most the input size {size}")
        return pos % size
    if lo >= size or hi >= size:  # reflect
        raise ValueError(f"{name}: reflect padding ({lo}, {hi}) must be smaller than the input size {size}")
    period = 2 * (size - 1)
    pos = np.abs(pos) % period if period else np.zeros_like(pos)
    return np.where(pos >= size, period - pos, pos)


def pad(input, pad, mode="constant", value=None):
    """Pad the last len(pad)//2 dims: pad = (left, right) for the last dim, then (top, bottom), ...

    mode: 'constant' (with ``value``, default 0; negative pads crop), 'reflect', 'replicate',
    'circular'. Gradients flow back to the input (reflected/repeated elements add up)."""
    pad = tuple(int(p) for p in pad)
    if len(pad) % 2 or len(pad) // 2 > input.ndim:
        raise ValueError(f"pad: padding {pad} must have an even length of at most 2 * input.ndim ({input.ndim})")
    pairs = [(pad[2 * i], pad[2 * i + 1]) for i in range(len(pad) // 2)]  # last dim first
    dims = [input.ndim - 1 - i for i in range(len(pairs))]
    if mode == "constant":
        crop, widths = [slice(None)] * input.ndim, [(0, 0)] * input.ndim
        for d, (lo, hi) in zip(dims, pairs):  # negative pads crop, positive pads add
            crop[d] = slice(max(-lo, 0), input.shape[d] - max(-hi, 0))
            widths[d] = (max(lo, 0), max(hi, 0))
        y = input[tuple(crop)] if any(lo < 0 or hi < 0 for lo, hi in pairs) else input
        if all(w == (0, 0) for w in widths):
            return y
        return C.ConstantPad.apply(y, widths=tuple(widths), value=0.0 if value is None else float(value))
    if mode not in ("reflect", "replicate", "circular"):
        raise ValueError(f"pad: mode must be 'constant', 'reflect', 'replicate' or 'circular', got {mode!r}")
    if any(lo < 0 or hi < 0 for lo, hi in pairs):
        raise ValueError(f"pad: negative padding {pad} is only supported in mode='constant'")
    y = input
    for d, (lo, hi) in zip(dims, pairs):
        if lo or hi:
            y = y[(slice(None),) * d + (_source_index(input.shape[d], lo, hi, mode, "pad"),)]
    return y


# --------------------------------------------------------------------- resizing


def _linear_matrix(size, out, scale, align_corners, dtype):
    """(out, size) matrix of PyTorch's linear interpolation weights along one dim."""
    dst = np.arange(out, dtype=np.float64)
    if align_corners:
        src = dst * ((size - 1) / (out - 1) if out > 1 else 0.0)
    else:
        src = np.maximum((dst + 0.5) * scale - 0.5, 0.0)
    i0 = np.minimum(np.floor(src).astype(np.int64), size - 1)
    i1 = np.minimum(i0 + 1, size - 1)
    frac = src - i0
    m = np.zeros((out, size), dtype=np.float64)
    np.add.at(m, (np.arange(out), i0), 1.0 - frac)
    np.add.at(m, (np.arange(out), i1), frac)
    return m.astype(dtype)


def interpolate(input, size=None, scale_factor=None, mode="nearest", align_corners=None,
                recompute_scale_factor=None, antialias=False):
    """Resize (N, C, L) or (N, C, H, W) by ``size`` or ``scale_factor``.

    mode='nearest': out[i] = in[floor(i * scale)], scale = in/out (or 1/scale_factor), as PyTorch.
    mode='linear' (3-d) / 'bilinear' (4-d): PyTorch's weights (align_corners False or True), applied
    as matmuls with constant interpolation matrices, so gradients come for free."""
    if mode not in ("nearest", "linear", "bilinear"):
        raise NotImplementedError(f"interpolate: mode={mode!r} is not implemented; use 'nearest', 'linear' "
                                  "or 'bilinear'")
    if input.ndim not in (3, 4):
        raise ShapeError(f"interpolate: expected an input (N, C, L) or (N, C, H, W), got {tuple(input.shape)}")
    n = input.ndim - 2
    if mode != "nearest" and {"linear": 1, "bilinear": 2}[mode] != n:
        raise ValueError(f"interpolate: mode={mode!r} needs a {3 if mode == 'linear' else 4}-d input, "
                         f"got shape {tuple(input.shape)}")
    if mode == "nearest" and align_corners is not None:
        raise ValueError("interpolate: align_corners can only be set with the linear modes")
    in_size = tuple(input.shape[2:])
    if (size is None) == (scale_factor is None):
        raise ValueError("interpolate: give exactly one of size and scale_factor")
    if size is not None:
        out = _tuple(size, n, "interpolate", "size")
        scales = tuple(i / o for i, o in zip(in_size, out))
    else:
        factors = tuple(scale_factor) if isinstance(scale_factor, (tuple, list)) else (scale_factor,) * n
        if len(factors) != n or min(factors) <= 0:
            raise ValueError(f"interpolate: scale_factor must be positive (one per spatial dim), got {scale_factor!r}")
        out = tuple(int(math.floor(i * f)) for i, f in zip(in_size, factors))
        scales = tuple((i / o) if recompute_scale_factor else 1.0 / f for i, o, f in zip(in_size, out, factors))
    if min(out) < 1:
        raise ValueError(f"interpolate: output size {out} must be positive")
    y = input
    if mode != "nearest":
        for axis, (i, o, s) in enumerate(zip(in_size, out, scales)):
            m = Tensor._make(_linear_matrix(i, o, s, bool(align_corners), input.dtype))
            if axis == n - 1:  # the last dim: y @ M^T
                y = matmul(y, m.T)
            else:  # H of (N, C, H, W): M @ y
                y = matmul(m, y)
        return y
    if all(o % i == 0 and abs(s * (o // i) - 1) < 1e-12 for i, o, s in zip(in_size, out, scales)):
        # integer upscaling: repeat each element r times (expand + reshape: cheap, exact gradient)
        for axis, (i, o) in enumerate(zip(in_size, out)):
            r = o // i
            if r == 1:
                continue
            d = 2 + axis
            shape = list(y.shape)
            y = y.unsqueeze(d + 1)
            y = y.expand(*shape[:d + 1], r, *shape[d + 1:]).reshape(*shape[:d], o, *shape[d + 1:])
        return y
    for axis, (i, o, s) in enumerate(zip(in_size, out, scales)):
        src = np.minimum(np.floor(np.arange(o, dtype=np.float32) * np.float32(s)).astype(np.int64), i - 1)
        index = (slice(None),) * (2 + axis) + (src,)
        y = y[index]
    return y


def upsample(input, size=None, scale_factor=None, mode="nearest", align_corners=None):
    return interpolate(input, size, scale_factor, mode, align_corners)


def upsample_nearest(input, size=None, scale_factor=None):
    return interpolate(input, size, scale_factor, "nearest")
