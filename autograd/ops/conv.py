"""Convolution, pooling, padding and resizing.

Layouts are PyTorch's: input (N, C, H, W), conv weight (O, C/groups, KH, KW), transposed-conv
weight (C_in, C_out/groups, KH, KW). A 1-d op is the 2-d op with H = 1: the Functions accept
(N, C, L) inputs too and reshape at the door, so the graph shows one node per layer.

Convolution is im2col + one matmul, a slice of the batch at a time (slices whose columns fit in
cache, ``CHUNK_BYTES``, so a big batch never materialises its 9x larger column matrix):

    x (N, C, H, W) --pad--> as_strided view (N, G, KH, KW, C/G, OH, OW) --copy--> cols (B, G, K, OH*OW)
    y[s:e] = [w | b] (G, O/G, K + 1) @ [cols; 1]         # written in place: (B, G, O/G, OH*OW) is y's layout

with K = KH*KW*C/G. The bias is a column of the weight matrix against a row of ones. Backward is
two more matmuls, [dW | db]^T = [cols; 1] @ g^T and dcols = w^T @ g, plus col2im, a loop over
the KH*KW kernel offsets (never over pixels) that adds each offset's slab of dcols back where its
windows came from. With stride 1, dL/dx runs on *flat* columns (``Columns``), where each offset's
slab is one contiguous run per channel, shifted by an amount linear in the offset, so col2im
there is one strided sum instead of a loop (``Columns.window_sums``).

Every linear op here has a partner: the input-gradient of a convolution is a transposed
convolution, whose own gradients are a convolution and a weight-gradient. Each backward calls
the partner as a Function when ``create_graph=True``, so gradients of gradients work
(a WGAN-GP penalty through a conv critic, say).

The front functions at the end (conv2d, max_pool2d, pad, interpolate..., what nn.functional
publishes) check PyTorch's arguments (ints or tuples, 'same'/'valid' padding, ceil_mode,
unbatched inputs) and turn them into the geometry the Functions take: ``stride`` (sh, sw),
``padding`` ((top, bottom), (left, right)), ``dilation`` (dh, dw), ``groups`` g. A 1-d function
is the 2-d one with a kernel of height 1.
"""
import contextlib
import math
import threading
import numbers

from .. import caller
from ..backend import by_input, get_array_module, host
from ..backend import as_strided

from ..function import Function, Rule, ShapeError
from ..graph import Variable
from ..node_names import node_name
from ..tensor import Tensor
from .args import ArgumentError
from .index import Gather
from .math import matmul
from .promote import DTypeError
from .shape import fitted

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
    return by_input.pad(x, ((0, 0), (0, 0), (pt, pb), (pl, pr)), constant_values=value)


def _offset_slices(i, j, oh, ow, stride, dilation):
    """Where kernel offset (i, j) reads from, in the padded input: a strided 2-d slice."""
    h0, w0 = i * dilation[0], j * dilation[1]
    return (slice(h0, h0 + stride[0] * (oh - 1) + 1, stride[0]),
            slice(w0, w0 + stride[1] * (ow - 1) + 1, stride[1]))


class Columns:
    """How im2col lays out one sample's columns: one column per output position, one row per
    (kernel offset, channel), read from the padded input (C, Hp, Wp), contiguous.

    The forward pass reads *exact* columns, (OH, OW): the output positions, so the matmul writes
    each sample's output straight into y (N, O, OH, OW). The backward pass of a stride-1
    convolution that needs dL/dx reads *flat* columns: the padded plane is read as one line of
    Hp*Wp numbers, in which the window of output (oh, ow) starts at oh*Wp + ow, so kernel offset
    (i, j) reads one contiguous run x[c, i*dh*Wp + j*dw :][:L], L = (OH-1)*Wp + OW, and col2im
    adds (and im2col copies) runs of L numbers instead of rows of OW. The Wp - OW columns between
    two output rows are padding: the output gradient is copied in around them (``outputs``) and
    is zero there, so they add nothing to dW and put exact zeros into dcols.

    In flat columns kernel offset (i, j) is a shift of the plane by i*dh*Wp + j*dw, linear in i
    and j, so col2im is one strided sum (``window_sums``): dcols is written into rows with
    ``margin`` zeros on each side (margin = Hp*Wp - L, at least the largest shift)."""

    def __init__(self, padded_hw, kernel, out_hw, stride, dilation, flat=False):
        (self.hp, self.wp), self.kernel, (self.oh, self.ow) = padded_hw, kernel, out_hw
        self.padded_hw = tuple(padded_hw)
        self.stride, self.dilation = stride, dilation
        self.flat = flat and tuple(stride) == (1, 1)
        if self.flat:
            self.q_shape, self.q_steps = ((self.oh - 1) * self.wp + self.ow,), (1,)
        else:
            self.q_shape, self.q_steps = (self.oh, self.ow), (stride[0] * self.wp, stride[1])
        self.length = math.prod(self.q_shape)  # L: columns per sample
        self.margin = self.hp * self.wp - self.length if self.flat else 0  # >= the largest kernel offset's shift

    def windows(self, x, groups):
        """Every window of the padded input x (N, C, Hp, Wp), contiguous, as a read-only view
        (N, G, KH, KW, C/G, *Q): no copy."""
        n, c = x.shape[:2]
        plane = self.hp * self.wp
        steps = (c * plane, c // groups * plane, self.dilation[0] * self.wp, self.dilation[1], plane) + self.q_steps
        return as_strided(x, (n, groups) + tuple(self.kernel) + (c // groups,) + self.q_shape,
                          tuple(s * x.itemsize for s in steps), writeable=False)

    def outputs(self, m):
        """The output positions of a matrix m (B, G, O/G, L) in these columns, contiguous, as a
        (B, O, OH, OW) view (writable: the output gradient is copied in through it)."""
        b, o = m.shape[0], m.shape[1] * m.shape[2]
        row = self.wp if self.flat else self.ow
        steps = (o * self.length, self.length, row, 1)
        return as_strided(m, (b, o, self.oh, self.ow), tuple(s * m.itemsize for s in steps))

    def offset_view(self, gx, i, j, groups):
        """The part of gx (B, C, Hp, Wp) that kernel offset (i, j) touches, as (B, G, C/G, OH, OW)
        (exact columns)."""
        b, c = gx.shape[:2]
        rows, columns = _offset_slices(i, j, self.oh, self.ow, self.stride, self.dilation)
        return gx.reshape(b, groups, c // groups, self.hp, self.wp)[..., rows, columns]

    def window_sums(self, rows, groups):
        """col2im of flat columns as a view to sum: ``rows`` (B, G, K, margin + L + margin)
        holds dcols between margins of zeros; the view (B, G, KH, KW, C/G, Hp*Wp) has at
        [.., i, j, c, p] the element of offset (i, j)'s row c that lands on the padded plane's
        position p, element p - shift(i, j) of that row: a zero of the margins where no window of
        the offset covers p. Summed over the kernel axes (2, 3) it is dL/dx. No copy."""
        b, g, k, r = rows.shape
        (kh, kw), (dh, dw), cg = self.kernel, self.dilation, k // (self.kernel[0] * self.kernel[1])
        steps = (g * k * r, k * r, kw * cg * r - dh * self.wp, cg * r - dw, r, 1)
        return as_strided(rows.reshape(-1)[self.margin:], (b, g, kh, kw, cg, self.hp * self.wp),
                          tuple(s * rows.itemsize for s in steps), writeable=False)


def im2col(windows, cols):
    """Copy the windows (B, G, KH, KW, C/G, *Q) into cols (B, G, KH*KW*C/G, L): the one copy."""
    by_input.copyto(cols.reshape(windows.shape), windows)
    return cols


def col2im(slabs, targets, gx):
    """The adjoint of im2col on exact columns: each kernel offset's slab of dcols, as
    (B, G, C/G, OH, OW), summed into the part of the input gradient gx (B, C, Hp, Wp) its windows
    came from (``targets``): one strided add per kernel offset, never a loop over pixels."""
    gx[...] = 0
    for slab, target in zip(slabs, targets):
        target += slab


def col2im_flat(sums, gx):
    """The adjoint of im2col on flat columns: the view ``Columns.window_sums`` makes of dcols,
    summed over the kernel offsets into gx (B, G, C/G, Hp*Wp) in one call: gx is written once,
    dcols read once (on the benchmark's second layer ~2.3x faster than an add per offset)."""
    sums.sum(axis=(2, 3), out=gx)


def _offset_views(a, columns, groups):
    """Per kernel offset, the part of a (B, C, Hp, Wp) it touches, as (B, G, C/G, *Q)."""
    kh, kw = columns.kernel
    return [columns.offset_view(a, i, j, groups) for i in range(kh) for j in range(kw)]


def _slabs(dcols, columns):
    """dcols (B, G, KH*KW*C/G, L) as one slab (B, G, C/G, *Q) per kernel offset."""
    kh, kw = columns.kernel
    d = dcols.reshape(dcols.shape[:2] + (kh * kw, -1) + columns.q_shape)
    return [d[:, :, k] for k in range(kh * kw)]


def _weight_matrix(w, groups):
    """Weight (O, C/G, KH, KW) as (G, O/G, KH*KW*C/G), rows ordered like im2col's."""
    o, cg, kh, kw = w.shape
    return by_input.ascontiguousarray(w.transpose(0, 2, 3, 1)).reshape(groups, o // groups, kh * kw * cg)


def _weight_from_matrix(m, w_shape):
    """The inverse of _weight_matrix."""
    o, cg, kh, kw = w_shape
    return by_input.ascontiguousarray(m.reshape(o, kh, kw, cg).transpose(0, 3, 1, 2))


def _padded_hw(hw, padding):
    return tuple(s + lo + hi for s, (lo, hi) in zip(hw, padding))


# --------------------------------------------------------------------- numpy kernels (4-d)

CHUNK_BYTES = 1 << 20  # a batch slice's columns and outputs take about 1 MB (an L2 cache holds them)
MAX_CHUNKS = 256  # ...but in at most this many slices: each matmul call costs a BLAS thread sync-up
# (with one BLAS thread, slices of one 26x26x32 sample beat slices of four by ~10% a step:
# benchmarks/conv_bench.py; a cap of 16 forced four)


def _chunks(n, bytes_per_sample):
    """Batch slices [start, stop) of about CHUNK_BYTES each (at most MAX_CHUNKS)."""
    step = max(1, CHUNK_BYTES // max(1, bytes_per_sample), -(-n // MAX_CHUNKS))
    return [(s, min(s + step, n)) for s in range(0, n, step)]


_pool = threading.local()  # per thread: (name, dtype) -> a 1-d work array, grown as needed
POOL_BYTES = 4 * CHUNK_BYTES  # work arrays up to this size are kept between calls


def _scratch(xp, dtype, **shapes):
    """Work arrays of the given shapes. On the host, small ones are kept between calls: fresh
    pages cost a page fault each (~1 us per 4 KB, more than the copy into them). Each name is one
    array per thread and dtype, so two calls with the same name return the same memory. (CuPy
    keeps a memory pool of its own.)"""
    arrays = []
    for name, shape in shapes.items():
        size = math.prod(shape)
        if xp is not host or size * host.dtype(dtype).itemsize > POOL_BYTES:
            arrays.append(xp.empty(shape, dtype=dtype))
            continue
        kept = _pool.__dict__.setdefault("arrays", {})
        key = (name, host.dtype(dtype).str)
        if key not in kept or kept[key].size < size:
            kept[key] = host.empty(size, dtype=dtype)
        arrays.append(kept[key][:size].reshape(shape))
    return arrays


def _with_ones_row(cols, k):
    """cols (B, G, K + 1, L) with its last row ones; returns the K rows im2col fills (a view).

    A bias rides on that row inside the matmuls: [W | b] @ [cols; 1] = W @ cols + b in the forward
    pass, and the last row of [cols; 1] @ g^T is the bias gradient, so neither takes a pass over y
    or g of its own."""
    cols[:, :, k] = 1
    return cols[:, :, :k]


def conv_forward(x, w, stride, padding, dilation, groups, bias=None):
    """y = conv(x, w) (+ bias), a slice of the batch at a time: im2col into cache, then one matmul
    that writes the slice's output in place, (G, O/G, K) @ (B, G, K, OH*OW) -> y[s:e] viewed as
    (B, G, O/G, OH*OW). A bias is one more column of W against a row of ones (``_with_ones_row``)."""
    n, c = x.shape[:2]
    o, cg, kh, kw = w.shape
    out_hw = tuple(out_size(*a) for a in zip(x.shape[2:], (kh, kw), stride, padding, dilation))
    xp = get_array_module(x)
    dtype = host.result_type(x, w)
    x = xp.ascontiguousarray(_pad(x, padding))
    columns = Columns(x.shape[2:], (kh, kw), out_hw, stride, dilation)
    windows = columns.windows(x, groups)  # (N, G, KH, KW, C/G, OH, OW)
    wm = _weight_matrix(w, groups)  # (G, O/G, K)
    k, length, rows = kh * kw * cg, columns.length, kh * kw * cg + (bias is not None)
    if bias is not None:
        wm = xp.concatenate([wm, bias.reshape(groups, o // groups, 1).astype(dtype)], axis=2)  # (G, O/G, K + 1)
    y = xp.empty((n, o) + out_hw, dtype=dtype)
    filled = {}  # slice length -> the rows of its cols that im2col fills
    for s, e in _chunks(n, (c * kh * kw + o) * length * dtype.itemsize):
        if e - s not in filled:
            (cols,) = _scratch(xp, dtype, cols=(e - s, groups, rows, length))
            filled[e - s] = cols, (_with_ones_row(cols, k) if bias is not None else cols)
        cols, fill = filled[e - s]
        im2col(windows[s:e], fill)
        xp.matmul(wm, cols, out=y[s:e].reshape(e - s, groups, o // groups, length))
    return y


def conv_backward(g, x, w, x_shape, w_shape, stride, padding, dilation, groups, need_x=True, need_w=True,
                  need_b=False, flat=True):
    """dL/dx = col2im(w^T @ g) and dL/dw = sum over samples of cols @ g^T, a slice of the batch at
    a time; with ``need_w`` and ``need_b`` the bias gradient too, from the same matmul (the row of
    ones, ``_with_ones_row``). Returns (dL/dx, dL/dw, dL/db), None for what was not asked.

    ``x`` is needed only for dL/dw (its columns are rebuilt slice by slice rather than kept from
    the forward pass: cheaper in memory, and the copy is cache-hot); ``w`` only for dL/dx.
    dL/dx of a stride-1 convolution uses flat columns (see Columns), exact only while the numbers
    are finite (0 * inf is nan): a non-finite weight takes the exact columns (``flat=False``), and
    so does a dL/dw that comes out non-finite."""
    n, o, oh, ow = g.shape
    (pt, _), (pl, _) = padding
    c, (h, wd) = x_shape[1], x_shape[2:]
    _, cg, kh, kw = w_shape
    xp = get_array_module(g)
    dtype = host.result_type(g, x if need_w else g, w if need_x else g)
    flat = flat and need_x and tuple(stride) == (1, 1) and bool(xp.isfinite(w).all())
    columns = Columns(_padded_hw((h, wd), padding), (kh, kw), (oh, ow), stride, dilation, flat)
    k, length = kh * kw * cg, columns.length
    need_b = need_b and need_w
    rows = k + need_b
    padded = padding != ((0, 0), (0, 0))
    if need_w:
        windows = columns.windows(xp.ascontiguousarray(_pad(x, padding)), groups)  # (N, G, KH, KW, C/G, *Q)
        gw_t = xp.zeros((groups, rows, o // groups), dtype=dtype)  # [dW | db]^T: cols @ g^T beats g @ cols^T by ~20%
    if need_x:
        wm_t = _weight_matrix(w, groups).transpose(0, 2, 1)  # (G, K, O/G)
        gx = xp.empty(x_shape, dtype=dtype)
        targets = None if padded or flat else _offset_views(gx, columns, groups)  # into gx itself
    margin = columns.margin

    def make_work(b):  # a slice's work arrays, and views of them
        gm, cols, part, dcols, gxp = _scratch(
            xp, dtype, gm=(b, groups, o // groups, length) if flat else (0,),
            cols=(b, groups, rows, length) if need_w else (0,), part=(b, groups, rows, o // groups) if need_w else (0,),
            dcols=(b, groups, k, margin + length + margin) if need_x else (0,),
            gxp=(b, c) + columns.padded_hw if padded else (0,))  # the padded plane, before the crop
        gm[...] = 0  # the flat columns' padding: zero, and no slice writes there
        work = dict(gm=gm, g_in=columns.outputs(gm) if flat else None, cols=cols, part=part, dcols=dcols,
                    fill=_with_ones_row(cols, k) if need_b else cols, gxp=gxp)
        if flat:  # dcols between margins of zeros, and col2im as a sum over a view of them
            dcols[..., :margin] = 0
            dcols[..., margin + length:] = 0
            work.update(dcols=dcols[..., margin:margin + length], sums=columns.window_sums(dcols, groups))
        elif need_x:
            work.update(slabs=_slabs(dcols, columns), targets=_offset_views(gxp, columns, groups) if padded else None)
        return work

    work = {}  # slice length -> its work arrays (the last slice may be shorter)
    with host.errstate(invalid="ignore") if columns.flat else contextlib.nullcontext():  # 0 * inf: see below
        for s, e in _chunks(n, (c * kh * kw + o) * length * dtype.itemsize):
            if e - s not in work:
                work[e - s] = make_work(e - s)
            a = work[e - s]
            if flat:  # the output gradient in the flat columns' layout
                a["g_in"][...] = g[s:e]
                gm = a["gm"]
            else:
                gm = g[s:e].reshape(e - s, groups, o // groups, length)  # (B, G, O/G, L)
            if need_w:
                im2col(windows[s:e], a["fill"])
                part = xp.matmul(a["cols"], gm.swapaxes(2, 3), out=a["part"])  # (B, G, K (+ 1), O/G)
                gw_t += part[0] if e - s == 1 else part.sum(axis=0)
            if need_x:
                xp.matmul(wm_t, gm, out=a["dcols"])  # (B, G, K, L)
                plane = a["gxp"] if padded else gx[s:e]  # padded: summed in a work array, then cropped into gx
                if flat:
                    col2im_flat(a["sums"], plane.reshape(e - s, groups, c // groups, -1))
                else:
                    col2im(a["slabs"], a["targets"] if padded else [t[s:e] for t in targets], plane)
                if padded:
                    gx[s:e] = plane[:, :, pt:pt + h, pl:pl + wd]
    if need_w and columns.flat and not bool(xp.isfinite(gw_t).all()):  # redo it on the exact columns
        return (gx if need_x else None,) + conv_backward(g, x, w, x_shape, w_shape, stride, padding, dilation, groups,
                                                         need_x=False, need_b=need_b, flat=False)[1:]
    gw = _weight_from_matrix(gw_t[:, :k].transpose(0, 2, 1), w_shape) if need_w else None
    return (gx if need_x else None), gw, (gw_t[:, k].reshape(o) if need_b else None)


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


def _bias_grad(grad):
    """dL/db: the output gradient summed over the batch and the positions."""
    return grad.sum(axis=(0,) + tuple(range(2, grad.ndim)))


class Convolution(Function):
    """y[n, o, h, w] = b[o] + sum_{c, i, j} w[o, c, i, j] * x[n, g(o)*C/G + c, s*h + d*i - p, s*w + d*j - p]

    The bias is optional (inputs x, w or x, w, b). It is fused, as in PyTorch's convolution op: a
    column of the weight matrix against a row of ones in the columns, so the matmuls add it in the
    forward pass and sum its gradient in the backward pass (``_with_ones_row``)."""

    rule = Rule("out = conv(x, w) + b  (each output: a window of x times w, summed, plus the bias)",
                ("d/dx = conv_transpose(G, w)", "d/dw = sum over positions of G * window of x",
                 "d/db = G summed over the batch and the positions"),
                "Every weight met every window: its gradient sums G times those windows.", ("x", "weight", "bias"))

    def forward(ctx, x, w, b=None, *, stride, padding, dilation, groups):
        ctx.geo = dict(stride=stride, padding=padding, dilation=dilation, groups=groups)
        ctx.ndim = x.ndim
        ctx.save_for_backward(x, w)
        return _back_to(conv_forward(_as_4d(x), _as_4d(w), **ctx.geo, bias=b), x.ndim)

    def backward(ctx, grad):  # dx = conv_transpose(g, w), dw = sum over positions of g x^T, db = sum of g
        x, w = ctx.saved_tensors
        need = ctx.needs_input_grad
        need_x, need_w = need[:2]
        need_b = len(need) > 2 and need[2]
        if isinstance(grad, Variable):  # create_graph: build the backward from Functions
            return (ConvTranspose.apply(grad, w, out_hw=x.shape[2:], **ctx.geo) if need_x else None,
                    ConvWeightGrad.apply(x, grad, w_shape=w.shape, **ctx.geo) if need_w else None,
                    _bias_grad(grad) if need_b else None)[:len(need)]
        x4, w4 = _as_4d(x), _as_4d(w)
        gx, gw, gb = conv_backward(_as_4d(grad), x4, w4, x4.shape, w4.shape, **ctx.geo, need_x=need_x, need_w=need_w,
                                   need_b=need_b)
        if need_b and gb is None:  # no dW matmul to ride on
            gb = _bias_grad(grad)
        return ((_back_to(gx, ctx.ndim) if need_x else None), (gw.reshape(w.shape) if need_w else None), gb)[:len(need)]

    @classmethod
    def name(cls):
        return "ConvolutionBackward0"


def _crop_to(y, shape):
    """y cut to the spatial size of ``shape``: with stride 1, an output_padding (allowed below the
    dilation) adds rows and columns that the convolution of the output gradient still reaches, but
    that no input element does."""
    if tuple(y.shape[2:]) == tuple(shape[2:]):
        return y
    return y[(slice(None), slice(None)) + tuple(slice(0, n) for n in shape[2:])]


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
            return (_crop_to(Convolution.apply(grad, w, **ctx.geo), x.shape) if need_x else None,
                    ConvWeightGrad.apply(grad, x, w_shape=w.shape, **ctx.geo) if need_w else None)
        g4, x4, w4 = _as_4d(grad), _as_4d(x), _as_4d(w)
        gx = _back_to(_crop_to(_conv(g4, w4, **ctx.geo), x4.shape), x.ndim) if need_x else None
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
    out = get_array_module(x).zeros(idx.shape, dtype=x.dtype)
    for k in range(kernel[0] * kernel[1]):
        rows, cols = _offset_slices(k // kernel[1], k % kernel[1], oh, ow, stride, dilation)
        by_input.copyto(out, xp[:, :, rows, cols], where=idx == k)
    return out


def _pool_scatter(g, idx, x_shape, kernel, stride, padding, dilation):
    """The adjoint of _pool_gather: each output's gradient goes to the element it picked."""
    n, c, h, w = x_shape
    (pt, pb), (pl, pr) = padding
    oh, ow = idx.shape[2:]
    out = get_array_module(g).zeros((n, c, h + pt + pb, w + pl + pr), dtype=g.dtype)
    for k in range(kernel[0] * kernel[1]):
        rows, cols = _offset_slices(k // kernel[1], k % kernel[1], oh, ow, stride, dilation)
        out[:, :, rows, cols] += by_input.where(idx == k, g, 0)
    return out[:, :, pt:pt + h, pl:pl + w]


def max_pool_forward(x, kernel, stride, padding, dilation, out_hw):
    """A running max over the KH*KW kernel offsets: the output and the offset each window picked."""
    xp = _pad(x, padding, -host.inf)
    oh, ow = out_hw
    out = idx = None
    for k in range(kernel[0] * kernel[1]):
        rows, cols = _offset_slices(k // kernel[1], k % kernel[1], oh, ow, stride, dilation)
        v = xp[:, :, rows, cols]
        if out is None:
            out, idx = v.copy(), get_array_module(v).zeros(v.shape, dtype=host.int32)
            continue
        better = (v > out) | by_input.isnan(v)  # the first maximum wins ties; NaN propagates (as PyTorch)
        by_input.copyto(out, v, where=better)
        idx[better] = k
    return out, idx


def max_pool_indices(idx, x_shape, kernel, stride, padding, dilation):
    """PyTorch's return_indices: the flat index h * W + w of each picked element in its input plane."""
    (pt, _), (pl, _) = padding
    oh, ow = idx.shape[2:]
    rows = get_array_module(idx).arange(oh)[:, None] * stride[0] + (idx // kernel[1]) * dilation[0] - pt
    cols = get_array_module(idx).arange(ow)[None, :] * stride[1] + (idx % kernel[1]) * dilation[1] - pl
    return (rows * x_shape[3] + cols).astype(host.int64)


class MaxPool(Function):
    """y = max over each window (padding counts as -inf)."""

    rule = Rule("out = max over each window of x", ("d/dx = G sent to the max of each window",),
                "Only the largest element of each window gets that window's gradient.", ("x",))

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
    out = get_array_module(x).zeros(x.shape[:2] + (oh, ow), dtype=x.dtype)
    for k in range(kernel[0] * kernel[1]):
        rows, cols = _offset_slices(k // kernel[1], k % kernel[1], oh, ow, stride, (1, 1))
        out += xp[:, :, rows, cols]
    return out / divisor


def _avg_spread(g, x_shape, kernel, stride, padding, divisor):
    n, c, h, w = x_shape
    (pt, pb), (pl, pr) = padding
    oh, ow = g.shape[2:]
    g = (g / divisor).astype(g.dtype, copy=False)
    out = get_array_module(g).zeros((n, c, h + pt + pb, w + pl + pr), dtype=g.dtype)
    for k in range(kernel[0] * kernel[1]):
        rows, cols = _offset_slices(k // kernel[1], k % kernel[1], oh, ow, stride, (1, 1))
        out[:, :, rows, cols] += g
    return out[:, :, pt:pt + h, pl:pl + w]


class AvgPool(Function):
    """y = (sum over each window) / divisor; divisor (OH, OW) counts what PyTorch counts."""

    rule = Rule("out = mean over each window of x", ("d/dx = G / window size, spread over the window",),
                "Each element of a window gets an equal share of that window's gradient.", ("x",))
    name = node_name("AvgPool2DBackward0")  # (avg_pool1d too: PyTorch records it around a 2-d pool)

    def forward(ctx, x, kernel, stride, padding, out_hw, divisor):
        divisor = ctx.xp.asarray(divisor)  # (made on the host, used on x's device)
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
        divisor = ctx.xp.asarray(divisor)
        ctx.args = dict(kernel=kernel, stride=stride, padding=padding, divisor=divisor)
        ctx.out_hw, ctx.ndim = _as_4d(g).shape[2:], g.ndim
        return _back_to(_avg_spread(_as_4d(g), x_shape, **ctx.args), g.ndim)

    def backward(ctx, grad):
        if isinstance(grad, Variable):
            return AvgPool.apply(grad, out_hw=ctx.out_hw, **ctx.args)
        return _back_to(_avg_sum(_as_4d(grad), out_hw=ctx.out_hw, **ctx.args), ctx.ndim)


class ConstantPad(Function):
    """y = x surrounded by ``value``; widths ((lo, hi), ...) per dim, all >= 0."""

    name = node_name("ConstantPadNdBackward0")

    def forward(ctx, x, widths, value=0.0):
        ctx.crop = tuple(slice(lo, lo + n) for (lo, _), n in zip(widths, x.shape))
        return ctx.xp.pad(x, widths, constant_values=value)

    def backward(ctx, grad):  # the padding is constant: only the original elements get gradient
        return grad[ctx.crop]


class ModePad(Function):
    """y = x padded by reflecting ('reflect'), repeating ('replicate') or wrapping ('circular') its borders:
    numpy's pad in one pass; widths ((lo, hi), ...) per dim, all >= 0 (pad checks their sizes), then
    ``crop`` (slices) where a negative pad made a dim start or end inside the input. Backward folds each
    border's gradient back onto the elements it copied (FoldBorders: the two are each other's adjoint)."""

    rule = Rule("out = x with borders copied from its own elements (mirrored, repeated or wrapped)",
                ("d/dx = G's middle, plus each border's G added onto the element it copied",),
                "An element copied into the border gets the gradient of every place it was copied to.", ("x",))
    name = node_name("ReflectionPad1DBackward0", pick=lambda node: getattr(node, "torch_name", None))

    def forward(ctx, x, widths, mode, dims, crop=None):
        ctx.widths, ctx.mode, ctx.dims, ctx.crop, ctx.shape = widths, mode, dims, crop, x.shape
        ctx.torch_name = _PAD_NODES[mode].format(dims)  # (PyTorch's node: by mode and padded dims)
        return _mode_pad(ctx.xp, x, widths, mode, crop)

    def backward(ctx, grad):
        if ctx._create_graph:  # (a Tensor: the fold, recorded)
            return FoldBorders.apply(grad, widths=ctx.widths, mode=ctx.mode, dims=ctx.dims, crop=ctx.crop,
                                     shape=ctx.shape)
        return _fold_borders(ctx.xp, grad, ctx.widths, ctx.mode, ctx.crop, ctx.shape)


class FoldBorders(Function):
    """ModePad's gradient: each border's gradient added onto the input elements it copied; its own
    gradient is the padding again."""

    rule = Rule("out = g's middle, plus each border of g added onto the element it copied",
                ("d/dg = G padded as x was (borders copied from G)",),
                "The fold adds each border into one element: that element's gradient goes back to all of them.",
                ("g",))
    name = node_name("ReflectionPad1DBackwardBackward0", pick=lambda node: getattr(node, "torch_name", None))

    def forward(ctx, grad, widths, mode, dims, crop, shape):
        ctx.widths, ctx.mode, ctx.dims, ctx.crop = widths, mode, dims, crop
        ctx.torch_name = "SliceBackwardBackward0" if mode == "circular" else \
            _PAD_NODES[mode].format(dims).replace("Backward0", "BackwardBackward0")
        return _fold_borders(ctx.xp, grad, widths, mode, crop, shape)

    def backward(ctx, grad):
        if ctx._create_graph:
            return ModePad.apply(grad, widths=ctx.widths, mode=ctx.mode, dims=ctx.dims, crop=ctx.crop)
        return _mode_pad(ctx.xp, grad, ctx.widths, ctx.mode, ctx.crop)


_NUMPY_PAD_MODES = {"reflect": "reflect", "replicate": "edge", "circular": "wrap"}
_PAD_NODES = {"reflect": "ReflectionPad{}DBackward0", "replicate": "ReplicationPad{}DBackward0",
              "circular": "CopySlices"}  # (PyTorch's circular pad: slice copies; named as inplace.py names it)


def _mode_pad(xp, x, widths, mode, crop):
    y = xp.pad(x, widths, mode=_NUMPY_PAD_MODES[mode])
    return y if crop is None else y[crop]


def _fold_borders(xp, grad, widths, mode, crop, shape):
    """The adjoint of _mode_pad on an input of ``shape``: the crop undone (zeros around), then each dim's
    borders folded back."""
    if crop is not None:
        full = xp.zeros(tuple(n + lo + hi for n, (lo, hi) in zip(shape, widths)), dtype=grad.dtype)
        full[crop] = grad
        grad = full
    for d, (lo, hi) in enumerate(widths):
        if lo or hi:
            grad = _fold_border(grad, d, lo, hi, mode)
    return grad


def _fold_border(grad, d, lo, hi, mode):
    """The gradient of dim ``d``'s padding (lo, hi) by ``mode``: the middle, plus each border's gradient
    added onto the input elements it copied."""
    n = grad.shape[d] - lo - hi

    def part(array, start, stop):
        return array[(slice(None),) * d + (slice(start, stop),)]

    left, right = part(grad, 0, lo), part(grad, lo + n, lo + n + hi)
    out = part(grad, lo, lo + n).copy()
    if mode == "replicate":  # every border element copied the edge
        edge = part(out, 0, 1)
        edge += left.sum(axis=d, keepdims=True)
        edge = part(out, n - 1, n)
        edge += right.sum(axis=d, keepdims=True)
    elif mode == "circular":  # the left border copied the last lo elements, the right one the first hi
        end = part(out, n - lo, n)
        end += left
        start = part(out, 0, hi)
        start += right
    else:  # reflect: the left border copied elements lo..1, the right one n-2..n-1-hi (mirrored, edge excluded)
        start = part(out, 1, lo + 1)
        start += by_input.flip(left, axis=d)
        end = part(out, n - 1 - hi, n - 1)
        end += by_input.flip(right, axis=d)
    return out


# --------------------------------------------------------------------- front functions: argument checks


def ntuple(value, n, name, what):
    """An int or an n-tuple of ints -> n-tuple of ints (PyTorch's _pair/_single); ``name`` and
    ``what`` name the op and the argument in the error."""
    if isinstance(value, (numbers.Integral, host.integer)) and not isinstance(value, bool):
        return (int(value),) * n
    if isinstance(value, (tuple, list)) and len(value) == n and all(
            isinstance(v, (numbers.Integral, host.integer)) and not isinstance(v, bool) for v in value):
        return tuple(int(v) for v in value)
    raise TypeError(f"{name}: {what} must be an int or a tuple of {n} ints, got {value!r}")


def _batched(input, name, spatial, channels_hint="C"):
    """Accept (N, C, *spatial) or unbatched (C, *spatial) like PyTorch; return the 4-d-or-3-d
    batched tensor and whether a batch dim was added."""
    dims = {1: "(N, C, L)", 2: "(N, C, H, W)", 3: "(N, C, D, H, W)"}[spatial]
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
                raise ArgumentError(f"{name}: padding='same' is not supported for strided convolutions "
                                 f"(stride={stride}); use an explicit padding")
            total = [d * (k - 1) for k, d in zip(kernel, dilation)]
            return tuple((t // 2, t - t // 2) for t in total)
        raise ArgumentError(f"{name}: padding must be an int, a tuple, 'valid' or 'same', got {padding!r}")
    pads = ntuple(padding, n, name, "padding")
    if any(p < 0 for p in pads):
        raise ArgumentError(f"{name}: negative padding {pads} is not supported")
    return tuple((p, p) for p in pads)


def _conv_nd(name, n, input, weight, bias, stride, padding, dilation, groups, core=None):
    """Check PyTorch's arguments, then convolve with the 2-d primitive (or ``core``, for 3-d)."""
    x, added = _batched(input, name, n)
    _float_check(name, x, weight)
    if weight.ndim != n + 2:
        raise ShapeError(f"{name}: weight must be {n + 2}-d (out_channels, in_channels/groups, kernel...), "
                         f"got shape {tuple(weight.shape)}")
    stride = ntuple(stride, n, name, "stride")
    dilation = ntuple(dilation, n, name, "dilation")
    kernel = tuple(weight.shape[2:])
    if min(stride) < 1 or min(dilation) < 1:
        raise ArgumentError(f"{name}: stride {stride} and dilation {dilation} must be positive")
    if groups < 1 or x.shape[1] % groups or weight.shape[0] % groups:
        raise ArgumentError(f"{name}: groups={groups} must divide both in_channels ({x.shape[1]}) and "
                         f"out_channels ({weight.shape[0]})")
    if weight.shape[1] * groups != x.shape[1]:
        raise ShapeError(f"{name}: input of shape {tuple(input.shape)} has {x.shape[1]} channels but the weight "
                         f"of shape {tuple(weight.shape)} with groups={groups} expects "
                         f"{weight.shape[1] * groups} channels")
    pads = _conv_padding(padding, kernel, stride, dilation, n, name)
    _check_window(name, x.shape[2:], kernel, pads, dilation)
    if core is not None:
        y = core(x, weight, stride, pads, dilation, groups)
    else:
        if n == 1:  # the 2-d primitive on one row: kernel height 1
            stride, dilation, pads = (1,) + stride, (1,) + dilation, ((0, 0),) + pads
        fused = bias is not None and bias.dtype == x.dtype and tuple(bias.shape) == (weight.shape[0],)
        y = Convolution.apply(x, weight, bias if fused else None, stride=stride, padding=pads, dilation=dilation,
                              groups=groups)  # (no bias: the input None, as PyTorch's node lists it)
        if fused:
            bias = None
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


TRANSPOSED_CORES = {}  # spatial dims -> the transposed convolution beyond 2-d (volume.py registers 3)


def conv_transpose_nd(name, n, input, weight, bias, stride, padding, output_padding, groups, dilation,
                      output_size=None):
    """Check PyTorch's arguments, then run the 2-d transposed convolution (or the 3-d core)."""
    x, added = _batched(input, name, n)
    _float_check(name, x, weight)
    if weight.ndim != n + 2:
        raise ShapeError(f"{name}: weight must be {n + 2}-d (in_channels, out_channels/groups, kernel...), "
                         f"got shape {tuple(weight.shape)}")
    if weight.shape[0] != x.shape[1]:
        raise ShapeError(f"{name}: input of shape {tuple(input.shape)} has {x.shape[1]} channels but the weight "
                         f"of shape {tuple(weight.shape)} expects {weight.shape[0]}")
    if groups < 1 or x.shape[1] % groups:
        raise ArgumentError(f"{name}: groups={groups} must divide in_channels ({x.shape[1]})")
    stride = ntuple(stride, n, name, "stride")
    dilation = ntuple(dilation, n, name, "dilation")
    pads = ntuple(padding, n, name, "padding")
    out_pad = ntuple(output_padding, n, name, "output_padding")
    if min(stride) < 1 or min(dilation) < 1 or min(pads) < 0 or min(out_pad) < 0:
        raise ArgumentError(f"{name}: stride {stride} and dilation {dilation} must be positive, padding {pads} and "
                            f"output_padding {out_pad} non-negative")
    kernel = tuple(weight.shape[2:])
    if any(op >= max(s, d) for op, s, d in zip(out_pad, stride, dilation)):
        raise ArgumentError(f"{name}: output_padding {out_pad} must be smaller than either stride {stride} "
                         f"or dilation {dilation}")
    out = tuple((h - 1) * s - 2 * p + d * (k - 1) + op + 1
                for h, s, p, d, k, op in zip(x.shape[2:], stride, pads, dilation, kernel, out_pad))
    if output_size is not None:  # PyTorch's output_size= picks output_padding for you
        want = tuple(output_size)[-n:]
        lo = tuple(o - op for o, op in zip(out, out_pad))
        if any(not lo_ <= w < lo_ + s for lo_, w, s in zip(lo, want, stride)):
            raise ArgumentError(f"{name}: requested output_size {want} is not reachable; valid sizes start at {lo}")
        out = want
    if min(out) < 1:
        raise ShapeError(f"{name}: input of shape {tuple(input.shape)} gives an empty output {out}; "
                         "reduce padding or use a larger input")
    pads = tuple((p, p) for p in pads)
    if n in TRANSPOSED_CORES:
        y = TRANSPOSED_CORES[n](x, weight, out, stride, pads, dilation, groups)
    else:
        if n == 1:
            stride, dilation, pads = (1,) + stride, (1,) + dilation, ((0, 0),) + pads
        y = ConvTranspose.apply(x, weight, out_hw=out, stride=stride, padding=pads, dilation=dilation, groups=groups)
    if bias is not None:
        y = y + bias.reshape((-1,) + (1,) * n)
    return y.squeeze(0) if added else y


def conv_transpose1d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1, dilation=1):
    """Transposed 1-d convolution: weight (C_in, C_out/groups, K); L_out = (L-1)s - 2p + d(K-1) + op + 1."""
    return conv_transpose_nd("conv_transpose1d", 1, input, weight, bias, stride, padding, output_padding,
                              groups, dilation)


def conv_transpose2d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1, dilation=1):
    """Transposed 2-d convolution (the gradient of conv2d wrt its input), weight (C_in, C_out/groups, KH, KW).

    H_out = (H - 1) * stride - 2 * padding + dilation * (KH - 1) + output_padding + 1
    """
    return conv_transpose_nd("conv_transpose2d", 2, input, weight, bias, stride, padding, output_padding,
                              groups, dilation)


# --------------------------------------------------------------------- pooling


def _pool_geometry(name, size, kernel, stride, padding, dilation, ceil_mode, max_pad):
    """Output size and (lo, hi) padding per dim; ceil_mode adds padding at the high end."""
    out_hw, pads = [], []
    for L, k, s, p, d in zip(size, kernel, stride, padding, dilation):
        span = d * (k - 1) + 1
        if p < 0 or p > max_pad(k, d):
            raise ArgumentError(f"{name}: padding should be at most half of the kernel size, "
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
    kernel = ntuple(kernel_size, n, name, "kernel_size")
    stride = kernel if stride is None or (isinstance(stride, (list, tuple)) and len(stride) == 0) \
        else ntuple(stride, n, name, "stride")
    padding = ntuple(padding, n, name, "padding")
    dilation = ntuple(dilation, n, name, "dilation")
    if min(kernel) < 1 or min(stride) < 1 or min(dilation) < 1:
        raise ArgumentError(f"{name}: kernel_size {kernel}, stride {stride} and dilation {dilation} must be positive")
    return kernel, stride, padding, dilation


def _max_pool_nd(name, n, input, kernel_size, stride, padding, dilation, ceil_mode, return_indices):
    x, added = _batched(input, name, n)
    kernel, stride, padding, dilation = _pool_args(name, n, kernel_size, stride, padding, dilation)
    out_hw, pads = _pool_geometry(name, x.shape[2:], kernel, stride, padding, dilation, ceil_mode,
                                  lambda k, d: k // 2)  # (torch: half the kernel, not the dilated span)
    if n == 1:
        kernel, stride, dilation, pads, out_hw = (1,) + kernel, (1,) + stride, (1,) + dilation, \
            ((0, 0),) + pads, (1,) + out_hw
    geo = dict(kernel=kernel, stride=stride, padding=pads, dilation=dilation)
    y = MaxPool.apply(x, out_hw=out_hw, **geo)
    if not return_indices:
        return y.squeeze(0) if added else y
    if isinstance(y.grad_fn, MaxPool):
        idx = y.grad_fn.idx
    else:
        idx = max_pool_forward(_as_4d(x._data), out_hw=out_hw, **geo)[1]
    x4_shape = _as_4d(x._data).shape
    flat = _back_to(max_pool_indices(idx, x4_shape, **geo), x.ndim)
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
        start = by_input.arange(o) * s - p
        end = by_input.minimum(start + k, L + p)
        if count_include_pad:
            counts.append(end - start)
        else:
            counts.append(by_input.minimum(end, L) - by_input.maximum(start, 0))
    return by_input.multiply.outer(*counts).astype(dtype) if len(counts) == 2 else counts[0].astype(dtype)[None, :]


def _avg_pool_nd(name, n, input, kernel_size, stride, padding, ceil_mode, count_include_pad, divisor_override):
    x, added = _batched(input, name, n)
    kernel, stride, padding, _ = _pool_args(name, n, kernel_size, stride, padding)
    out_hw, pads = _pool_geometry(name, x.shape[2:], kernel, stride, padding, (1,) * n, ceil_mode,
                                  lambda k, d: k // 2)
    if divisor_override is not None:
        if divisor_override == 0:
            raise ArgumentError(f"{name}: divisor_override must be non-zero")
        divisor = by_input.asarray(divisor_override, dtype=x.dtype)
    else:
        divisor = _avg_divisor(x.shape[2:], kernel, stride, pads, out_hw, count_include_pad, x.dtype)
    if n == 1:
        kernel, stride, pads, out_hw = (1,) + kernel, (1,) + stride, ((0, 0),) + pads, (1,) + out_hw
    y = AvgPool.apply(x, kernel=kernel, stride=stride, padding=pads, out_hw=out_hw, divisor=divisor)
    return y.squeeze(0) if added else y


def avg_pool1d(input, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True):
    """Mean over windows of (N, C, L); stride defaults to kernel_size."""
    return _avg_pool_nd("avg_pool1d", 1, input, kernel_size, stride, padding, ceil_mode, count_include_pad, None)


def avg_pool2d(input, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True,
               divisor_override=None):
    """Mean over windows of (N, C, H, W); stride defaults to kernel_size."""
    return _avg_pool_nd("avg_pool2d", 2, input, kernel_size, stride, padding, ceil_mode, count_include_pad,
                        divisor_override)


def _adaptive_bins(size, out):
    """PyTorch's adaptive pooling bins along one dim: bin i covers [floor(i*size/out), ceil((i+1)*size/out)),
    so the bins tile the input, overlapping by one element where out does not divide size."""
    return [((i * size) // out, -(-((i + 1) * size) // out)) for i in range(out)]


def _adaptive_output_size(name, output_size, in_size):
    """output_size as an int, or a tuple with one entry per spatial dim where None keeps that dim."""
    n = len(in_size)
    if output_size is None:  # (None keeps a dim only inside a tuple; torch raises a TypeError for None alone)
        raise TypeError(f"{name}: output_size must be an int or a tuple of {n} ints (None keeps that dim), got None")
    sizes = tuple(output_size) if isinstance(output_size, (tuple, list)) else (output_size,) * n
    if len(sizes) != n or not all(o is None or (isinstance(o, (numbers.Integral, host.integer))
                                                and not isinstance(o, bool)) for o in sizes):
        raise ArgumentError(f"{name}: output_size must be an int or a tuple of {n} ints (None keeps that dim), got "
                            f"{output_size!r}")
    sizes = tuple(s if o is None else int(o) for o, s in zip(sizes, in_size))
    if min(sizes) < 0:
        raise ArgumentError(f"{name}: output_size must be non-negative, got {output_size!r}")
    return sizes


def _adaptive_matrix(size, out, dtype):
    """(out, size) averaging matrix: row i averages bin i (``_adaptive_bins``)."""
    m = by_input.zeros((out, size), dtype=dtype)
    for i, (start, end) in enumerate(_adaptive_bins(size, out)):
        m[i, start:end] = 1.0 / (end - start)
    return m


def adaptive_avg_pool2d(input, output_size):
    """Average into a fixed output_size (int, or (OH, OW) with None meaning 'keep'): A_h @ x @ A_w^T.

    Built from matmuls with constant averaging matrices, so its gradient comes for free."""
    x, added = _batched(input, "adaptive_avg_pool2d", 2)
    h, w = x.shape[2:]
    oh, ow = _adaptive_output_size("adaptive_avg_pool2d", output_size, (h, w))
    if (oh, ow) == (1, 1):
        y = x.mean((2, 3), keepdim=True)
    else:
        y = x
        if ow != w:
            y = matmul(y, Tensor._make(x._xp.asarray(_adaptive_matrix(w, ow, x.dtype).T)))  # (N, C, H, OW)
        if oh != h:
            y = matmul(Tensor._make(x._xp.asarray(_adaptive_matrix(h, oh, x.dtype))), y)  # (N, C, OH, OW)
    return y.squeeze(0) if added else y


def adaptive_avg_pool1d(input, output_size):
    """Average (N, C, L) into output_size bins."""
    x, added = _batched(input, "adaptive_avg_pool1d", 1)
    (out,) = _adaptive_output_size("adaptive_avg_pool1d", output_size, x.shape[2:])
    y = adaptive_avg_pool2d(x.unsqueeze(2), (1, out)).squeeze(2)
    return y.squeeze(0) if added else y


def _bin_positions(size, out):
    """(out, K) positions of each bin's elements, K the longest bin's length; a shorter bin repeats its
    last element (a repeat changes neither a bin's max nor which of its elements comes first)."""
    bins = _adaptive_bins(size, out)
    k = max([e - s for s, e in bins], default=1)
    return host.array([[min(s + j, e - 1) for j in range(k)] for s, e in bins], dtype=host.int64).reshape(out, k)


def _adaptive_max_nd(name, input, output_size, return_indices, n):
    """Max over each adaptive bin, as PyTorch's kernel picks it: the first maximum of the bin in row-major
    order, or its last nan. The picks are found on the arrays; the output is a Gather of the input at
    them, so the gradient goes to each bin's pick (added up where bins overlap), and has a gradient too.

        x (N, C, *S) -> every bin's elements (N, C, *out, K...) -> pick per bin -> flat index in the plane
    """
    x, added = _batched(input, name, n)
    if x.dtype.kind != "f":
        raise DTypeError(f"{name}: not implemented for {x.dtype} input; use a floating-point input (.float())")
    if 0 in x.shape[2:]:
        raise ShapeError(f"{name}(): Expected input to have non-zero size for non-batch dimensions, but input has "
                         f"sizes {list(input.shape)} with dimension {input.ndim - n + x.shape[2:].index(0)} "
                         "being empty")
    in_size = tuple(x.shape[2:])
    out = _adaptive_output_size(name, output_size, in_size)
    positions = [x._xp.asarray(_bin_positions(s, o)) for s, o in zip(in_size, out)]  # (O_d, K_d) per dim
    data = x._data
    # every bin's elements: index dim d with its (O_d, K_d) positions, laid out so they broadcast
    # to (O_1, K_1, ..., O_n, K_n); then the bin dims first and its elements flattened
    index = tuple(p.reshape((1,) * (2 * d) + p.shape + (1,) * (2 * (n - d - 1))) for d, p in enumerate(positions))
    order = [2 + 2 * d for d in range(n)] + [3 + 2 * d for d in range(n)]
    windows = data[(slice(None), slice(None)) + index].transpose([0, 1] + order)  # (N, C, *out, K_1, ..., K_n)
    k = 1
    for p in positions:
        k *= p.shape[1]
    windows = windows.reshape(data.shape[:2] + out + (k,))  # (N, C, *out, K) (K named: out may be empty)
    flat = 0  # each element's flat position in the plane, row-major
    for p, size in zip(index, in_size):
        flat = flat * size + p
    flat = by_input.broadcast_to(flat, sum(((o, p.shape[1]) for o, p in zip(out, positions)), ()))
    flat = flat.transpose([o - 2 for o in order]).reshape(out + (k,))  # (*out, K)
    pick = windows.argmax(axis=-1)  # the first maximum
    nan = by_input.isnan(windows)
    if nan.any():  # PyTorch's kernel takes every nan it meets: the last one
        last_nan = nan.shape[-1] - 1 - nan[..., ::-1].argmax(axis=-1)
        pick = by_input.where(nan.any(axis=-1), last_nan, pick)
    index = by_input.take_along_axis(by_input.broadcast_to(flat, pick.shape + flat.shape[-1:]), pick[..., None],
                                     -1)[..., 0]
    m, c = data.shape[:2]
    y = fitted(Gather.apply(x.reshape(m, c, -1), dim=2, index=index.reshape(m, c, -1)), (m, c) + out)
    if not return_indices:
        return y.squeeze(0) if added else y
    indices = Tensor._make(index)
    return (y.squeeze(0), indices.squeeze(0)) if added else (y, indices)


def adaptive_max_pool1d(input, output_size, return_indices=False):
    """Max of (N, C, L) over output_size adaptive bins (``_adaptive_bins``); with ``return_indices``,
    also each max's position in L (int64), as max_unpool1d takes it."""
    return _adaptive_max_nd("adaptive_max_pool1d", input, output_size, return_indices, 1)


def adaptive_max_pool2d(input, output_size, return_indices=False):
    """Max of (N, C, H, W) over output_size (int, or (OH, OW) with None meaning 'keep') adaptive bins;
    with ``return_indices``, also each max's flat position h * W + w in its plane (int64)."""
    return _adaptive_max_nd("adaptive_max_pool2d", input, output_size, return_indices, 2)


def adaptive_max_pool3d(input, output_size, return_indices=False):
    """Max of (N, C, D, H, W) over output_size (int, or (OD, OH, OW) with None meaning 'keep') adaptive bins;
    with ``return_indices``, also each max's flat position (d * H + h) * W + w in its volume (int64)."""
    return _adaptive_max_nd("adaptive_max_pool3d", input, output_size, return_indices, 3)


def adaptive_avg_pool3d(input, output_size):
    """Average (N, C, D, H, W) into a fixed output_size (int, or (OD, OH, OW) with None meaning 'keep'):
    the depths folded into the channels for adaptive_avg_pool2d over H and W, then the depth bins averaged
    by one matmul with their averaging matrix (A_d @ each (D, OH*OW) slab)."""
    x, added = _batched(input, "adaptive_avg_pool3d", 3)
    n, c, d, h, w = x.shape
    od, oh, ow = _adaptive_output_size("adaptive_avg_pool3d", output_size, (d, h, w))
    y = adaptive_avg_pool2d(x.reshape(n, c * d, h, w), (oh, ow)).reshape(n, c, d, oh * ow)  # (N, C, D, OH*OW)
    if od != d:
        y = matmul(Tensor._make(x._xp.asarray(_adaptive_matrix(d, od, x.dtype))), y)  # (N, C, OD, OH*OW)
    y = y.reshape(n, c, od, oh, ow)
    return y.squeeze(0) if added else y


# PyTorch's functions that always return (output, indices)

def max_pool1d_with_indices(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
                            return_indices=False):
    """max_pool1d's (output, indices), whatever ``return_indices`` says (as PyTorch's)."""
    return max_pool1d(input, kernel_size, stride, padding, dilation, ceil_mode, True)


def max_pool2d_with_indices(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
                            return_indices=False):
    """max_pool2d's (output, indices), whatever ``return_indices`` says (as PyTorch's)."""
    return max_pool2d(input, kernel_size, stride, padding, dilation, ceil_mode, True)


def adaptive_max_pool1d_with_indices(input, output_size, return_indices=False):
    """adaptive_max_pool1d's (output, indices), whatever ``return_indices`` says (as PyTorch's)."""
    return adaptive_max_pool1d(input, output_size, True)


def adaptive_max_pool2d_with_indices(input, output_size, return_indices=False):
    """adaptive_max_pool2d's (output, indices), whatever ``return_indices`` says (as PyTorch's)."""
    return adaptive_max_pool2d(input, output_size, True)


def adaptive_max_pool3d_with_indices(input, output_size, return_indices=False):
    """adaptive_max_pool3d's (output, indices), whatever ``return_indices`` says (as PyTorch's)."""
    return adaptive_max_pool3d(input, output_size, True)


# --------------------------------------------------------------------- padding


def _check_border(size, lo, hi, mode, name):
    """Circular padding wraps at most once and reflect padding mirrors without reaching the far edge (PyTorch's)."""
    if mode == "circular" and (lo > size or hi > size):
        raise ArgumentError(f"{name}: circular padding ({lo}, {hi}) can be at most the input size {size}")
    if mode == "reflect" and (lo >= size or hi >= size):
        raise ArgumentError(f"{name}: reflect padding ({lo}, {hi}) must be smaller than the input size {size}")


def pad(input, pad, mode="constant", value=None):
    """Pad the last len(pad)//2 dims: pad = (left, right) for the last dim, then (top, bottom), ...

    mode: 'constant' (with ``value``, default 0; negative pads crop), 'reflect', 'replicate',
    'circular'. Gradients flow back to the input (reflected/repeated elements add up)."""
    pad = tuple(int(p) for p in pad)
    if len(pad) % 2 or len(pad) // 2 > input.ndim:
        raise ArgumentError(f"pad: padding {pad} must have an even length of at most 2 * input.ndim ({input.ndim})")
    pairs = [(pad[2 * i], pad[2 * i + 1]) for i in range(len(pad) // 2)]  # last dim first
    dims = [input.ndim - 1 - i for i in range(len(pairs))]
    if mode == "constant":
        crop, widths = [slice(None)] * input.ndim, [(0, 0)] * input.ndim
        for d, (lo, hi) in zip(dims, pairs):  # negative pads crop, positive pads add
            if input.shape[d] + min(lo, 0) + min(hi, 0) < 0:
                raise ShapeError(f"pad: padding ({lo}, {hi}) crops more than the size {input.shape[d]} of dim {d}")
            crop[d] = slice(max(-lo, 0), input.shape[d] - max(-hi, 0))
            widths[d] = (max(lo, 0), max(hi, 0))
        y = input[tuple(crop)] if any(lo < 0 or hi < 0 for lo, hi in pairs) else input
        if all(w == (0, 0) for w in widths):
            return y
        return ConstantPad.apply(y, widths=tuple(widths), value=0.0 if value is None else float(value))
    if mode not in ("reflect", "replicate", "circular"):
        raise ArgumentError(f"pad: mode must be 'constant', 'reflect', 'replicate' or 'circular', got {mode!r}")
    if value is not None and value != 0:  # (as PyTorch: only the constant mode fills with a value)
        raise ArgumentError(f"pad: padding mode {mode!r} doesn't take in value argument (got value={value}); "
                            "the value fills only mode='constant'")
    if len(pad) not in (2, 4, 6) or input.ndim not in (len(pad) // 2 + 1, len(pad) // 2 + 2):
        raise NotImplementedError(f"pad: mode={mode!r} pads the last 1, 2 or 3 dims of a batched or unbatched "
                                  f"input (2 pads for a 2-d or 3-d input, 4 for 3-d or 4-d, 6 for 4-d or 5-d); got "
                                  f"{len(pad)} pads for shape {tuple(input.shape)}")
    batched = input.ndim == len(pad) // 2 + 2
    if mode in ("reflect", "replicate") and 0 in input.shape[1 if batched else 0:]:
        raise ShapeError(f"pad: mode={mode!r} needs non-empty dims (but a batch dim), got shape {tuple(input.shape)}")
    sizes = [input.shape[d] + lo + hi for d, (lo, hi) in zip(dims, pairs)]
    for d, (lo, hi), n in zip(dims, pairs, sizes):
        if n < 0:
            raise ShapeError(f"pad: padding ({lo}, {hi}) crops more than the size {input.shape[d]} of dim {d}")
    if mode != "circular" and all(n < 1 for n in sizes):  # (PyTorch's rule: some padded dim must keep an element)
        raise ShapeError(f"pad: input of shape {tuple(input.shape)} is too small for padding {pad}: every padded "
                         f"dim would be empty (sizes {sizes[::-1]})")
    y, widths, crop = input, [(0, 0)] * input.ndim, [slice(None)] * input.ndim
    for d, (lo, hi) in zip(dims, pairs):
        if mode == "circular" and (lo < 0 or hi < 0):  # circular crops first, then wraps what is left (PyTorch's)
            y = y[(slice(None),) * d + (slice(max(-lo, 0), y.shape[d] - max(-hi, 0)),)]
            lo, hi = max(lo, 0), max(hi, 0)
        _check_border(y.shape[d], lo, hi, mode, "pad")  # (a wrap past what is left is refused: PyTorch's copies
        #                                                 then read memory they have not written, or refuse)
        widths[d] = (max(lo, 0), max(hi, 0))  # reflect, replicate: pad the positive side, then crop the other
        crop[d] = slice(max(-lo, 0), y.shape[d] + max(lo, 0) + max(hi, 0) - max(-hi, 0))
    cropped = any(lo < 0 or hi < 0 for lo, hi in pairs) and mode != "circular"
    return ModePad.apply(y, widths=tuple(widths), mode=mode, dims=len(pairs), crop=tuple(crop) if cropped else None)


# --------------------------------------------------------------------- resizing


def _linear_matrix(size, out, scale, align_corners, dtype):
    """(out, size) matrix of PyTorch's linear interpolation weights along one dim."""
    dst = by_input.arange(out, dtype=host.float64)
    if align_corners:
        src = dst * ((size - 1) / (out - 1) if out > 1 else 0.0)
    else:
        src = by_input.maximum((dst + 0.5) * scale - 0.5, 0.0)
    i0 = by_input.minimum(by_input.floor(src).astype(host.int64), size - 1)
    i1 = by_input.minimum(i0 + 1, size - 1)
    frac = src - i0
    m = by_input.zeros((out, size), dtype=host.float64)
    by_input.add.at(m, (by_input.arange(out), i0), 1.0 - frac)
    by_input.add.at(m, (by_input.arange(out), i1), frac)
    return m.astype(dtype)


def _antialias_matrix(size, out, scale, dtype):
    """(out, size) matrix of PyTorch's antialiased bilinear weights along one dim (its CPU kernel's
    _compute_indices_min_size_weights_aa, as torchvision's Resize uses it): output i is a weighted mean of
    the inputs under a triangle centred at scale * (i + 0.5), ``support`` wide on each side: the scale when
    downsampling (so that every input pixel counts, none is skipped), 1 when upsampling (the plain bilinear
    triangle); each row's weights divided by their sum (fewer inputs at the borders)."""
    support, invscale = (scale, 1.0 / scale) if scale >= 1.0 else (1.0, 1.0)
    widest = int(math.ceil(support)) * 2 + 1  # (PyTorch's max_interp_size: a row never takes more inputs)
    m = host.zeros((out, size), dtype=host.float64)
    for i in range(out):
        center = scale * (i + 0.5)
        first = max(int(center - support + 0.5), 0)  # (int truncates toward zero, as the kernel's cast)
        end = first + min(max(min(int(center + support + 0.5), size) - first, 0), widest)
        w = host.maximum(0.0, 1.0 - host.abs((host.arange(first, end) - center + 0.5) * invscale))
        m[i, first:end] = w / w.sum() if w.sum() != 0 else w
    return m.astype(dtype)


def interpolate(input, size=None, scale_factor=None, mode="nearest", align_corners=None,
                recompute_scale_factor=None, antialias=False):
    """Resize (N, C, L), (N, C, H, W) or (N, C, D, H, W) by ``size`` or ``scale_factor``.

    mode='nearest': out[i] = in[floor(i * scale)], scale = in/out (or 1/scale_factor), as PyTorch;
    'nearest-exact': in[floor((i + 0.5) * scale)]; 'area': adaptive average pooling to the output size.
    mode='linear' (3-d) / 'bilinear' (4-d) / 'trilinear' (5-d): PyTorch's weights (align_corners False
    or True), applied as matmuls with constant interpolation matrices, so gradients come for free.
    antialias=True (mode='bilinear'): a downsampling averages every input pixel under a triangle as wide
    as the scale (_antialias_matrix), as PyTorch's (and torchvision's Resize) does."""
    linear_dims = {"linear": 1, "bilinear": 2, "trilinear": 3}
    nearest = mode in ("nearest", "nearest-exact", "area")  # (the modes without align_corners)
    if not nearest and mode not in linear_dims:
        raise NotImplementedError(f"interpolate: mode={mode!r} is not implemented; use 'nearest', 'nearest-exact', "
                                  "'area', 'linear', 'bilinear' or 'trilinear'")
    if antialias and (mode != "bilinear" or not isinstance(input, Tensor) or input.ndim != 4):
        shape = tuple(input.shape) if isinstance(input, Tensor) else type(input).__name__
        raise ValueError(f"interpolate: antialias=True is restricted to mode='bilinear' (PyTorch's also to "
                         f"'bicubic' and 'lanczos', not implemented here) and a 4-d input (N, C, H, W), got "
                         f"mode={mode!r} and {shape}")
    if not isinstance(input, Tensor) or input.ndim not in (3, 4, 5):
        raise ShapeError(f"interpolate: expected an input (N, C, L), (N, C, H, W) or (N, C, D, H, W), got "
                         f"{tuple(input.shape) if isinstance(input, Tensor) else type(input).__name__}")
    n = input.ndim - 2
    if not nearest and linear_dims[mode] != n:
        raise NotImplementedError(f"interpolate: mode={mode!r} needs a {linear_dims[mode] + 2}-d input, got "
                                  f"shape {tuple(input.shape)}")
    if nearest and align_corners is not None:
        raise ArgumentError("interpolate: align_corners can only be set with the linear modes")
    in_size = tuple(input.shape[2:])
    if (size is None) == (scale_factor is None):
        raise ArgumentError("interpolate: give exactly one of size and scale_factor")
    if size is not None:
        out = ntuple(size, n, "interpolate", "size")
        scales = tuple(i / o for i, o in zip(in_size, out))
    else:
        factors = tuple(scale_factor) if isinstance(scale_factor, (tuple, list)) else (scale_factor,) * n
        if len(factors) != n or min(factors) <= 0:
            raise ArgumentError(f"interpolate: scale_factor must be positive (one per spatial dim), got {scale_factor!r}")
        out = tuple(int(math.floor(i * f)) for i, f in zip(in_size, factors))
    if mode == "area":  # (PyTorch's: the adaptive average pooling to the output size, which may be 0)
        return (adaptive_avg_pool1d, adaptive_avg_pool2d, adaptive_avg_pool3d)[n - 1](input, out)
    if min(out) < 1:
        raise ArgumentError(f"interpolate: output size {out} must be positive")
    if scale_factor is not None:
        scales = tuple((i / o) if recompute_scale_factor else 1.0 / f for i, o, f in zip(in_size, out, factors))
    y = input
    if not nearest:
        for axis, (i, o, s) in enumerate(zip(in_size, out, scales)):
            if antialias:  # (align_corners=True: PyTorch's scale (in - 1) / (out - 1), the same triangles)
                s = ((i - 1) / (o - 1) if o > 1 else 0.0) if align_corners else s
                weights = _antialias_matrix(i, o, s, input.dtype)
            else:
                weights = _linear_matrix(i, o, s, bool(align_corners), input.dtype)
            m = Tensor._make(input._xp.asarray(weights))
            if axis == n - 1:  # the last dim: y @ M^T
                y = matmul(y, m.T)
            elif axis == n - 2:  # the dim before it: M @ y
                y = matmul(m, y)
            else:  # D of (N, C, D, H, W): moved last, y @ M^T, moved back
                y = matmul(y.transpose(2 + axis, -1), m.T).transpose(2 + axis, -1)
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
    shift = 0.5 if mode == "nearest-exact" else 0.0  # nearest-exact: the source pixel under the centre
    for axis, (i, o, s) in enumerate(zip(in_size, out, scales)):
        src = host.floor((host.arange(o, dtype=host.float32) + host.float32(shift)) * host.float32(s))
        src = host.minimum(src.astype(host.int64), i - 1)
        index = (slice(None),) * (2 + axis) + (src,)
        y = y[index]
    return y


def upsample(input, size=None, scale_factor=None, mode="nearest", align_corners=None):
    """F.upsample: interpolate (deprecated in PyTorch for it, with its warning)."""
    caller.warn("`nn.functional.upsample` is deprecated. Use `nn.functional.interpolate` instead.")
    return interpolate(input, size, scale_factor, mode, align_corners)


def upsample_nearest(input, size=None, scale_factor=None):
    """F.upsample_nearest: interpolate(mode='nearest') (deprecated in PyTorch for it, with its warning)."""
    caller.warn("`nn.functional.upsample_nearest` is deprecated. Use `nn.functional.interpolate` instead.")
    return interpolate(input, size, scale_factor, "nearest")


def upsample_bilinear(input, size=None, scale_factor=None):
    """F.upsample_bilinear: interpolate(mode='bilinear', align_corners=True) (deprecated in PyTorch for it)."""
    caller.warn("`nn.functional.upsample_bilinear` is deprecated. Use `nn.functional.interpolate` instead.")
    return interpolate(input, size, scale_factor, "bilinear", align_corners=True)
