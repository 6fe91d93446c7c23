"""Convolution, pooling, normalisation and embedding primitives.

Layouts are PyTorch's: input (N, C, H, W), conv weight (O, C/groups, KH, KW), transposed-conv
weight (C_in, C_out/groups, KH, KW). A 1-d op is the 2-d op with H = 1: the Functions accept
(N, C, L) inputs too and reshape at the door, so the graph shows one node per layer.

Convolution is im2col + one matmul:

    x (N, C, H, W) --pad--> as_strided view (KH, KW, C, N, OH, OW) --copy--> cols (G, KH*KW*C/G, N*OH*OW)
    y = w (G, O/G, KH*KW*C/G) @ cols                                  # (G, O/G, N*OH*OW) -> (N, O, OH, OW)

and its backward is two more matmuls plus col2im, a loop over the KH*KW kernel offsets (never
over pixels) that adds each offset's slab of gradient back where its window came from. Both
passes walk the batch in slices whose columns fit in cache (``CHUNK_BYTES``), so a big batch
never materialises its full (9x larger than the input) column matrix.

Every linear op here has a partner: the input-gradient of a convolution is a transposed
convolution, whose own gradients are a convolution and a weight-gradient. Each backward calls
the partner as a Function when ``create_graph=True``, so gradients of gradients work
(a WGAN-GP penalty through a conv critic, say).

Geometry arrives normalised by nn.functional: ``stride`` (sh, sw), ``padding`` ((top, bottom),
(left, right)), ``dilation`` (dh, dw), ``groups`` g.
"""
import numpy as np
from numpy.lib.stride_tricks import as_strided

from .function import Function
from .graph import Variable

# --------------------------------------------------------------------- im2col helpers


def out_size(size, k, stride, pad, dilation):
    """Output length of a sliding window: floor((L + pad_lo + pad_hi - d(k-1) - 1) / s) + 1."""
    return (size + pad[0] + pad[1] - dilation * (k - 1) - 1) // stride + 1


def _as_4d(a):
    """(N, C, L) -> (N, C, 1, L): a 1-d op is the 2-d op on one row."""
    return a[:, :, None, :] if a.ndim == 3 else a


def _back_to(a, ndim):
    return a[:, :, 0, :] if ndim == 3 else a


def _pad(x, padding, value=0.0):
    (pt, pb), (pl, pr) = padding
    if pt == pb == pl == pr == 0:
        return x
    return np.pad(x, ((0, 0), (0, 0), (pt, pb), (pl, pr)), constant_values=value)


def _windows(xp, kh, kw, oh, ow, stride, dilation):
    """A read-only view (N, C, KH, KW, OH, OW) of every window: no copy."""
    n, c = xp.shape[:2]
    s_n, s_c, s_h, s_w = xp.strides
    return as_strided(xp, (n, c, kh, kw, oh, ow),
                      (s_n, s_c, s_h * dilation[0], s_w * dilation[1], s_h * stride[0], s_w * stride[1]),
                      writeable=False)


def _offset_slices(i, j, oh, ow, stride, dilation):
    """Where kernel offset (i, j) reads from, in the padded input: a strided 2-d slice."""
    h0, w0 = i * dilation[0], j * dilation[1]
    return (slice(h0, h0 + stride[0] * (oh - 1) + 1, stride[0]),
            slice(w0, w0 + stride[1] * (ow - 1) + 1, stride[1]))


def im2col(x, kh, kw, stride, padding, dilation, groups):
    """cols (G, KH*KW*C/G, N*OH*OW), contiguous, and the output size (OH, OW).

    Rows run over (kernel offset, channel) so that each offset's slab is contiguous for col2im."""
    n, c, h, w = x.shape
    oh = out_size(h, kh, stride[0], padding[0], dilation[0])
    ow = out_size(w, kw, stride[1], padding[1], dilation[1])
    view = _windows(_pad(x, padding), kh, kw, oh, ow, stride, dilation)  # (N, C, KH, KW, OH, OW)
    view = view.reshape(n, groups, c // groups, kh, kw, oh, ow).transpose(1, 3, 4, 2, 0, 5, 6)
    cols = np.ascontiguousarray(view)  # (G, KH, KW, C/G, N, OH, OW): the one big copy
    return cols.reshape(groups, kh * kw * (c // groups), n * oh * ow), (oh, ow)


def col2im(cols, x_shape, oh, ow, stride, padding, dilation):
    """The adjoint of im2col: cols (G, KH, KW, C/G, N, OH, OW) summed back into (N, C, H, W)."""
    n, c, h, w = x_shape
    groups, kh, kw = cols.shape[:3]
    (pt, pb), (pl, pr) = padding
    out = np.zeros((groups, c // groups, n, h + pt + pb, w + pl + pr), dtype=cols.dtype)
    for i in range(kh):
        for j in range(kw):  # one strided slab per kernel offset
            rows, columns = _offset_slices(i, j, oh, ow, stride, dilation)
            out[..., rows, columns] += cols[:, i, j]
    out = out.reshape(c, n, h + pt + pb, w + pl + pr)
    return np.ascontiguousarray(out[:, :, pt:pt + h, pl:pl + w].transpose(1, 0, 2, 3))


def _weight_matrix(w, groups):
    """Weight (O, C/G, KH, KW) as (G, O/G, KH*KW*C/G), rows ordered like im2col's."""
    o, cg, kh, kw = w.shape
    return np.ascontiguousarray(w.transpose(0, 2, 3, 1)).reshape(groups, o // groups, kh * kw * cg)


def _weight_from_matrix(m, w_shape):
    """The inverse of _weight_matrix."""
    o, cg, kh, kw = w_shape
    return np.ascontiguousarray(m.reshape(o, kh, kw, cg).transpose(0, 3, 1, 2))


def _grad_matrix(g, groups):
    """Output gradient (N, O, OH, OW) as (G, O/G, N*OH*OW), the layout of the matmuls."""
    n, o = g.shape[:2]
    return np.ascontiguousarray(g.transpose(1, 0, 2, 3)).reshape(groups, o // groups, -1)


# --------------------------------------------------------------------- numpy kernels (4-d)

CHUNK_BYTES = 1 << 20  # im2col walks the batch in slices whose columns fit in ~1 MB (an L2 cache)
MAX_CHUNKS = 16  # ...but in at most this many slices: each matmul call costs a BLAS thread sync-up


def _chunks(n, bytes_per_sample):
    """Batch slices [start, stop) whose columns take about CHUNK_BYTES each (at most MAX_CHUNKS)."""
    step = max(1, CHUNK_BYTES // max(1, bytes_per_sample), -(-n // MAX_CHUNKS))
    return [(s, min(s + step, n)) for s in range(0, n, step)]


def conv_forward(x, w, stride, padding, dilation, groups):
    """y = conv(x, w), a slice of the batch at a time: im2col into cache, then one matmul."""
    n, c, h, wd = x.shape
    o, cg, kh, kw = w.shape
    oh = out_size(h, kh, stride[0], padding[0], dilation[0])
    ow = out_size(wd, kw, stride[1], padding[1], dilation[1])
    dtype = np.result_type(x, w)
    wm = _weight_matrix(w, groups)  # (G, O/G, K)
    y = np.empty((n, o, oh, ow), dtype=dtype)
    for s, e in _chunks(n, c * kh * kw * oh * ow * dtype.itemsize):
        cols, _ = im2col(x[s:e], kh, kw, stride, padding, dilation, groups)  # (G, K, B*OH*OW)
        y[s:e] = np.matmul(wm, cols).reshape(o, e - s, oh, ow).transpose(1, 0, 2, 3)
    return y


def conv_backward(g, x, w, x_shape, w_shape, stride, padding, dilation, groups, need_x=True, need_w=True):
    """dL/dx = col2im(w^T @ g) and dL/dw = g @ cols^T, a slice of the batch at a time.

    ``x`` is needed only for dL/dw (its columns are rebuilt slice by slice rather than kept from
    the forward pass: cheaper in memory, and the copy is cache-hot); ``w`` only for dL/dx."""
    n, o, oh, ow = g.shape
    _, cg, kh, kw = w_shape
    dtype = np.result_type(g, x if need_w else g, w if need_x else g)
    wm_t = _weight_matrix(w, groups).transpose(0, 2, 1) if need_x else None  # (G, K, O/G)
    gx = np.empty(x_shape, dtype=dtype) if need_x else None
    gw = np.zeros((groups, o // groups, kh * kw * cg), dtype=dtype) if need_w else None
    for s, e in _chunks(n, cg * groups * kh * kw * oh * ow * dtype.itemsize):
        gm = _grad_matrix(g[s:e], groups)  # (G, O/G, B*OH*OW)
        if need_w:
            cols, _ = im2col(x[s:e], kh, kw, stride, padding, dilation, groups)
            gw += np.matmul(gm, cols.transpose(0, 2, 1))
        if need_x:
            cols = np.matmul(wm_t, gm).reshape(groups, kh, kw, cg, e - s, oh, ow)
            gx[s:e] = col2im(cols, (e - s,) + tuple(x_shape[1:]), oh, ow, stride, padding, dilation)
    return gx, (_weight_from_matrix(gw, w_shape) if need_w else None)


def _conv(x, w, stride, padding, dilation, groups):
    return conv_forward(x, w, stride, padding, dilation, groups)


def _conv_transpose(x, w, out_hw, stride, padding, dilation, groups):
    """The transposed convolution: x (N, C_in, H, W), w (C_in, C_out/G, KH, KW) -> (N, C_out, *out_hw)."""
    cg = w.shape[1]
    out_shape = (x.shape[0], cg * groups) + tuple(out_hw)
    return conv_backward(x, None, w, out_shape, w.shape, stride, padding, dilation, groups, need_w=False)[0]


def _conv_weight(x, g, w_shape, stride, padding, dilation, groups):
    """dL/dw of y = conv(x, w) for output gradient g."""
    return conv_backward(g, x, None, x.shape, w_shape, stride, padding, dilation, groups, need_x=False)[1]


# --------------------------------------------------------------------- conv Functions


class Convolution(Function):
    """y[n, o, h, w] = sum_{c, i, j} w[o, c, i, j] * x[n, g(o)*C/G + c, s*h + d*i - p, s*w + d*j - p]"""

    def forward(ctx, x, w, stride, padding, dilation, groups):
        ctx.geo = dict(stride=stride, padding=padding, dilation=dilation, groups=groups)
        ctx.ndim = x.ndim
        ctx.save_for_backward(x, w)
        return _back_to(conv_forward(_as_4d(x), _as_4d(w), **ctx.geo), x.ndim)

    def backward(ctx, grad):  # dx = conv_transpose(g, w), dw = sum over positions of g x^T
        x, w = ctx.saved_tensors
        need_x, need_w = ctx.needs_input_grad[:2]
        if isinstance(grad, Variable):  # create_graph: build the backward from Functions
            return (ConvTranspose.apply(grad, w, out_hw=x.shape[2:], **ctx.geo) if need_x else None,
                    ConvWeightGrad.apply(x, grad, w_shape=w.shape, **ctx.geo) if need_w else None)
        x4, w4 = _as_4d(x), _as_4d(w)
        gx, gw = conv_backward(_as_4d(grad), x4, w4, x4.shape, w4.shape, **ctx.geo, need_x=need_x, need_w=need_w)
        return (_back_to(gx, ctx.ndim) if need_x else None), (gw.reshape(w.shape) if need_w else None)

    @classmethod
    def name(cls):
        return "ConvolutionBackward0"


class ConvTranspose(Function):
    """The transposed convolution (the adjoint of Convolution in x): y = conv^T(x, w)."""

    def forward(ctx, x, w, out_hw, stride, padding, dilation, groups):
        ctx.geo = dict(stride=stride, padding=padding, dilation=dilation, groups=groups)
        ctx.save_for_backward(x, w)
        out_hw = tuple(out_hw) if x.ndim == 4 else (1,) + tuple(out_hw)
        return _back_to(_conv_transpose(_as_4d(x), _as_4d(w), out_hw, **ctx.geo), x.ndim)

    def backward(ctx, grad):  # dx = conv(g, w); dw = the weight gradient of conv(g, .) at output x
        x, w = ctx.saved_tensors
        need_x, need_w = ctx.needs_input_grad[:2]
        if isinstance(grad, Variable):
            return (Convolution.apply(grad, w, **ctx.geo) if need_x else None,
                    ConvWeightGrad.apply(grad, x, w_shape=w.shape, **ctx.geo) if need_w else None)
        g4, x4, w4 = _as_4d(grad), _as_4d(x), _as_4d(w)
        gx = _back_to(_conv(g4, w4, **ctx.geo), x.ndim) if need_x else None
        gw = _conv_weight(g4, x4, w4.shape, **ctx.geo).reshape(w.shape) if need_w else None
        return gx, gw

    @classmethod
    def name(cls):
        return "ConvolutionBackward0"


class ConvWeightGrad(Function):
    """dL/dw of a convolution as an op of its own (so that it can be differentiated too)."""

    def forward(ctx, x, g, w_shape, stride, padding, dilation, groups):
        ctx.geo = dict(stride=stride, padding=padding, dilation=dilation, groups=groups)
        ctx.save_for_backward(x, g)
        w4 = tuple(w_shape) if len(w_shape) == 4 else tuple(w_shape[:2]) + (1,) + tuple(w_shape[2:])
        return _conv_weight(_as_4d(x), _as_4d(g), w4, **ctx.geo).reshape(w_shape)

    def backward(ctx, grad):  # linear in x and in g: d/dx = conv^T(g, k), d/dg = conv(x, k)
        x, g = ctx.saved_tensors
        need_x, need_g = ctx.needs_input_grad[:2]
        if isinstance(grad, Variable):
            return (ConvTranspose.apply(g, grad, out_hw=x.shape[2:], **ctx.geo) if need_x else None,
                    Convolution.apply(x, grad, **ctx.geo) if need_g else None)
        x4, g4, k4 = _as_4d(x), _as_4d(g), _as_4d(grad)
        gx = _back_to(_conv_transpose(g4, k4, x4.shape[2:], **ctx.geo), x.ndim) if need_x else None
        gg = _back_to(_conv(x4, k4, **ctx.geo), x.ndim) if need_g else None
        return gx, gg


# --------------------------------------------------------------------- pooling


def _pool_gather(x, idx, kernel, stride, padding, dilation):
    """out[n, c, h, w] = padded x at kernel offset idx[n, c, h, w] of window (h, w)."""
    xp = _pad(x, padding)
    oh, ow = idx.shape[2:]
    out = np.zeros(idx.shape, dtype=x.dtype)
    for k in range(kernel[0] * kernel[1]):
        rows, cols = _offset_slices(k // kernel[1], k % kernel[1], oh, ow, stride, dilation)
        np.copyto(out, xp[:, :, rows, cols], where=idx == k)
    return out


def _pool_scatter(g, idx, x_shape, kernel, stride, padding, dilation):
    """The adjoint of _pool_gather: each output's gradient goes to the element it picked."""
    n, c, h, w = x_shape
    (pt, pb), (pl, pr) = padding
    oh, ow = idx.shape[2:]
    out = np.zeros((n, c, h + pt + pb, w + pl + pr), dtype=g.dtype)
    for k in range(kernel[0] * kernel[1]):
        rows, cols = _offset_slices(k // kernel[1], k % kernel[1], oh, ow, stride, dilation)
        out[:, :, rows, cols] += np.where(idx == k, g, 0)
    return out[:, :, pt:pt + h, pl:pl + w]


def max_pool_forward(x, kernel, stride, padding, dilation, out_hw):
    """A running max over the KH*KW kernel offsets: the output and the offset each window picked."""
    xp = _pad(x, padding, -np.inf)
    oh, ow = out_hw
    out = idx = None
    for k in range(kernel[0] * kernel[1]):
        rows, cols = _offset_slices(k // kernel[1], k % kernel[1], oh, ow, stride, dilation)
        v = xp[:, :, rows, cols]
        if out is None:
            out, idx = v.copy(), np.zeros(v.shape, dtype=np.int32)
            continue
        better = (v > out) | np.isnan(v)  # the first maximum wins ties; NaN propagates (as PyTorch)
        np.copyto(out, v, where=better)
        idx[better] = k
    return out, idx


def max_pool_indices(idx, x_shape, kernel, stride, padding, dilation):
    """PyTorch's return_indices: the flat index h * W + w of each picked element in its input plane."""
    (pt, _), (pl, _) = padding
    oh, ow = idx.shape[2:]
    rows = np.arange(oh)[:, None] * stride[0] + (idx // kernel[1]) * dilation[0] - pt
    cols = np.arange(ow)[None, :] * stride[1] + (idx % kernel[1]) * dilation[1] - pl
    return (rows * x_shape[3] + cols).astype(np.int64)


class MaxPool(Function):
    """y = max over each window (padding counts as -inf)."""

    def forward(ctx, x, kernel, stride, padding, dilation, out_hw):
        ctx.geo = dict(kernel=kernel, stride=stride, padding=padding, dilation=dilation)
        ctx.ndim, ctx.x_shape = x.ndim, _as_4d(x).shape
        out, ctx.idx = max_pool_forward(_as_4d(x), out_hw=out_hw, **ctx.geo)
        return _back_to(out, x.ndim)

    def backward(ctx, grad):  # the gradient goes to the element each window picked
        if isinstance(grad, Variable):
            return PoolScatter.apply(grad, idx=ctx.idx, x_shape=ctx.x_shape, **ctx.geo)
        return _back_to(_pool_scatter(_as_4d(grad), ctx.idx, ctx.x_shape, **ctx.geo), ctx.ndim)

    @classmethod
    def name(cls):
        return "MaxPool2DWithIndicesBackward0"


class PoolScatter(Function):
    """MaxPool's backward as an op (for create_graph=True); its own backward is the gather."""

    def forward(ctx, g, idx, x_shape, kernel, stride, padding, dilation):
        ctx.args = dict(idx=idx, kernel=kernel, stride=stride, padding=padding, dilation=dilation)
        ctx.ndim = g.ndim
        return _back_to(_pool_scatter(_as_4d(g), x_shape=x_shape, **ctx.args), g.ndim)

    def backward(ctx, grad):
        if isinstance(grad, Variable):
            return PoolGather.apply(grad, **ctx.args)
        return _back_to(_pool_gather(_as_4d(grad), **ctx.args), ctx.ndim)


class PoolGather(Function):
    """Pick one element per window at fixed offsets idx (MaxPool with its choice frozen)."""

    def forward(ctx, x, idx, kernel, stride, padding, dilation):
        ctx.args = dict(idx=idx, kernel=kernel, stride=stride, padding=padding, dilation=dilation)
        ctx.x_shape, ctx.ndim = _as_4d(x).shape, x.ndim
        return _back_to(_pool_gather(_as_4d(x), **ctx.args), x.ndim)

    def backward(ctx, grad):
        if isinstance(grad, Variable):
            return PoolScatter.apply(grad, x_shape=ctx.x_shape, **ctx.args)
        return _back_to(_pool_scatter(_as_4d(grad), x_shape=ctx.x_shape, **ctx.args), ctx.ndim)


def _avg_sum(x, kernel, stride, padding, out_hw, divisor):
    xp = _pad(x, padding)
    oh, ow = out_hw
    out = np.zeros(x.shape[:2] + (oh, ow), dtype=x.dtype)
    for k in range(kernel[0] * kernel[1]):
        rows, cols = _offset_slices(k // kernel[1], k % kernel[1], oh, ow, stride, (1, 1))
        out += xp[:, :, rows, cols]
    return out / divisor


def _avg_spread(g, x_shape, kernel, stride, padding, divisor):
    n, c, h, w = x_shape
    (pt, pb), (pl, pr) = padding
    oh, ow = g.shape[2:]
    g = (g / divisor).astype(g.dtype, copy=False)
    out = np.zeros((n, c, h + pt + pb, w + pl + pr), dtype=g.dtype)
    for k in range(kernel[0] * kernel[1]):
        rows, cols = _offset_slices(k // kernel[1], k % kernel[1], oh, ow, stride, (1, 1))
        out[:, :, rows, cols] += g
    return out[:, :, pt:pt + h, pl:pl + w]


class AvgPool(Function):
    """y = (sum over each window) / divisor; divisor (OH, OW) counts what PyTorch counts."""

    def forward(ctx, x, kernel, stride, padding, out_hw, divisor):
        ctx.args = dict(kernel=kernel, stride=stride, padding=padding, divisor=divisor)
        ctx.x_shape, ctx.ndim = _as_4d(x).shape, x.ndim
        return _back_to(_avg_sum(_as_4d(x), out_hw=out_hw, **ctx.args).astype(x.dtype, copy=False), x.ndim)

    def backward(ctx, grad):  # each input element gets g/divisor from every window it sits in
        if isinstance(grad, Variable):
            return AvgPoolSpread.apply(grad, x_shape=ctx.x_shape, **ctx.args)
        return _back_to(_avg_spread(_as_4d(grad), ctx.x_shape, **ctx.args), ctx.ndim)


class AvgPoolSpread(Function):
    """AvgPool's backward as an op (for create_graph=True); its own backward is AvgPool."""

    def forward(ctx, g, x_shape, kernel, stride, padding, divisor):
        ctx.args = dict(kernel=kernel, stride=stride, padding=padding, divisor=divisor)
        ctx.out_hw, ctx.ndim = _as_4d(g).shape[2:], g.ndim
        return _back_to(_avg_spread(_as_4d(g), x_shape, **ctx.args), g.ndim)

    def backward(ctx, grad):
        if isinstance(grad, Variable):
            return AvgPool.apply(grad, out_hw=ctx.out_hw, **ctx.args)
        return _back_to(_avg_sum(_as_4d(grad), out_hw=ctx.out_hw, **ctx.args), ctx.ndim)


class ConstantPad(Function):
    """y = x surrounded by ``value``; widths ((lo, hi), ...) per dim, all >= 0."""

    def forward(ctx, x, widths, value=0.0):
        ctx.crop = tuple(slice(lo, lo + n) for (lo, _), n in zip(widths, x.shape))
        return np.pad(x, widths, constant_values=value)

    def backward(ctx, grad):  # the padding is constant: only the original elements get gradient
        return grad[ctx.crop]


# --------------------------------------------------------------------- normalisation


class Normalize(Function):
    """y = (x - mean) / sqrt(var + eps) * weight + bias, mean and var over ``axes``.

    With ``batch_stats`` (training), mean and var are x's own (biased) statistics and the
    backward differentiates through them:
        dx = invstd * (gy - mean(gy) - xhat * mean(gy * xhat)),  gy = g * weight
    otherwise ``mean`` and ``var`` are constants (running statistics): dx = gy * invstd.
    ``weight`` and ``bias`` (or None) are reshaped to ``param_shape`` to broadcast against x.
    """

    def forward(ctx, x, weight, bias, axes, eps, param_shape=None, mean=None, var=None, batch_stats=True):
        if mean is None:
            mean = x.mean(axis=axes, keepdims=True)
            var = x.var(axis=axes, keepdims=True)
        invstd = (1.0 / np.sqrt(var + eps)).astype(x.dtype, copy=False)
        xhat = (x - mean) * invstd
        ctx.axes, ctx.eps, ctx.param_shape, ctx.batch_stats = axes, eps, param_shape, batch_stats
        ctx.mean, ctx.var, ctx.xhat, ctx.invstd = mean, var, xhat, invstd
        ctx.w_shape = None if weight is None else weight.shape
        ctx.b_shape = None if bias is None else bias.shape
        ctx.save_for_backward(x, weight)
        y = xhat if weight is None else xhat * weight.reshape(param_shape)
        y = y if bias is None else y + bias.reshape(param_shape)
        return y.astype(x.dtype, copy=False)

    def backward(ctx, grad):
        x, weight = ctx.saved_tensors
        need_x, need_w, need_b = ctx.needs_input_grad[:3]
        if isinstance(grad, Variable):
            return ctx._graph_backward(grad, x, weight)
        xhat, invstd, axes = ctx.xhat, ctx.invstd, ctx.axes
        param_axes = tuple(i for i, n in enumerate(_lead(ctx.param_shape, x.ndim)) if n == 1)
        gw = (grad * xhat).sum(axis=param_axes).reshape(ctx.w_shape) if need_w else None
        gb = grad.sum(axis=param_axes).reshape(ctx.b_shape) if need_b else None
        gx = None
        if need_x:
            gy = grad if weight is None else grad * weight.reshape(ctx.param_shape)
            if ctx.batch_stats:
                gx = invstd * (gy - gy.mean(axis=axes, keepdims=True)
                               - xhat * (gy * xhat).mean(axis=axes, keepdims=True))
            else:
                gx = gy * invstd
        return gx, gw, gb

    def _graph_backward(ctx, grad, x, weight):
        """The same formulas from Tensor ops, so that the backward is differentiable."""
        need_x, need_w, need_b = ctx.needs_input_grad[:3]
        axes = ctx.axes
        if ctx.batch_stats:
            mean = x.mean(axes, keepdim=True)
            centred = x - mean
            invstd = ((centred * centred).mean(axes, keepdim=True) + ctx.eps) ** -0.5
        else:
            centred = x - x._make(ctx.mean)
            invstd = x._make(ctx.invstd)
        xhat = centred * invstd
        param_axes = tuple(i for i, n in enumerate(_lead(ctx.param_shape, x.ndim)) if n == 1)
        gw = (grad * xhat).sum(param_axes).reshape(ctx.w_shape) if need_w else None
        gb = grad.sum(param_axes).reshape(ctx.b_shape) if need_b else None
        gx = None
        if need_x:
            gy = grad if weight is None else grad * weight.reshape(ctx.param_shape)
            if ctx.batch_stats:
                gx = invstd * (gy - gy.mean(axes, keepdim=True) - xhat * (gy * xhat).mean(axes, keepdim=True))
            else:
                gx = gy * invstd
        return gx, gw, gb


def _lead(param_shape, ndim):
    """param_shape padded with leading 1s to ndim (how it broadcasts against x)."""
    return (1,) * (ndim - len(param_shape)) + tuple(param_shape)


class BatchNorm(Normalize):
    """Normalize over (N, H, W) per channel."""


class LayerNorm(Normalize):
    """Normalize over the trailing normalized_shape dims of each sample."""


class InstanceNorm(Normalize):
    """Normalize over the spatial dims of each (sample, channel)."""


# --------------------------------------------------------------------- embedding


class Embedding(Function):
    """y = weight[indices]; dL/dweight[k] = sum of the gradients of every row that picked k."""

    def forward(ctx, weight, indices, padding_idx=None):
        ctx.indices, ctx.shape, ctx.padding_idx = indices, weight.shape, padding_idx
        return weight[indices]

    def backward(ctx, grad):
        idx = ctx.indices
        if ctx.padding_idx is not None:  # the padding row never learns
            grad = grad * (idx != ctx.padding_idx)[..., None]
        if isinstance(grad, Variable):
            from .ops_shape import IndexAdd

            return IndexAdd.apply(grad, ctx.shape, (idx,)), None
        out = np.zeros(ctx.shape, dtype=grad.dtype)
        np.add.at(out, idx.reshape(-1), grad.reshape(-1, ctx.shape[1]))
        return out, None
