"""Sliding windows as tensors: F.unfold (im2col), F.fold (col2im) and Tensor.unfold.

    F.unfold(x, k)      x (N, C, H, W) -> (N, C*KH*KW, L): one column per window, L windows
    F.fold(cols, hw, k) (N, C*KH*KW, L) -> (N, C, *hw): each column added back where its window sits
    x.unfold(d, size, step)  a view: dim d cut into windows of ``size`` every ``step``, as a new last dim

unfold and fold are each other's adjoint, so each one's backward is the other (and gradients of
gradients come for free). They reuse the convolution's im2col machinery (conv.py's ``Columns``,
``col2im``); the only difference is the row order: PyTorch's unfold lists the rows channel first,
(C, KH, KW), where the convolution's columns list them kernel offset first.
"""
import math

from ..backend import as_strided, by_input, host

from ..function import Function, Rule, ShapeError, View, register
from ..graph import Variable
from ..tensor import Tensor
from .args import ArgumentError, dim_arg, int_arg
from .conv import Columns, _offset_views, _pad, _padded_hw, col2im, ntuple, out_size
from .promote import DTypeError


class Geometry:
    """One sliding-window layout over an (H, W) plane: kernel, dilation, padding, stride (pairs),
    the output plane's size (OH, OW), and the conv.py ``Columns`` that reads its windows."""

    def __init__(self, hw, kernel, dilation, padding, stride):
        self.hw, self.kernel, self.padding = tuple(hw), kernel, tuple((p, p) for p in padding)
        self.out_hw = tuple(out_size(n, k, s, p, d) for n, k, s, p, d in zip(hw, kernel, stride, self.padding,
                                                                              dilation))
        self.columns = Columns(_padded_hw(hw, self.padding), kernel, self.out_hw, stride, dilation)

    def im2col(self, x):
        """x (N, C, H, W) -> (N, C*KH*KW, OH*OW), rows in PyTorch's order (c, i, j)."""
        n, c = x.shape[:2]
        padded = by_input.ascontiguousarray(_pad(x, self.padding))  # (Columns' strides assume C order)
        windows = self.columns.windows(padded, 1)[:, 0]  # (N, KH, KW, C, OH, OW), a view
        return windows.transpose(0, 3, 1, 2, 4, 5).reshape(n, c * math.prod(self.kernel), -1)  # (one copy)

    def col2im(self, cols, xp):
        """cols (N, C*KH*KW, OH*OW) -> (N, C, H, W): every column summed into its window's place."""
        n, kh, kw = cols.shape[0], *self.kernel
        c = cols.shape[1] // (kh * kw)
        slabs = cols.reshape(n, c, kh, kw, *self.out_hw)  # (N, C, KH, KW, OH, OW)
        gx = xp.empty((n, c) + self.columns.padded_hw, dtype=cols.dtype)
        col2im([slabs[:, None, :, i, j] for i in range(kh) for j in range(kw)], _offset_views(gx, self.columns, 1), gx)
        (pt, pb), (pl, pr) = self.padding
        return gx[:, :, pt:pt + self.hw[0], pl:pl + self.hw[1]]


class Im2Col(Function):
    """out[n, (c, i, j), (h, w)] = padded x[n, c, s*h + d*i, s*w + d*j]: every window as a column."""

    rule = Rule("out = unfold(x)  (each column: one window of x)", ("d/dx = fold(G)",),
                "Each element of x is copied into every window that covers it: its gradient sums those.", ("x",))

    def forward(ctx, x, geometry):
        ctx.geometry = geometry
        return geometry.im2col(x)

    def backward(ctx, grad):
        if isinstance(grad, Variable):  # create_graph: the adjoint as a Function, differentiable in turn
            return Col2Im.apply(grad, geometry=ctx.geometry)
        return ctx.geometry.col2im(grad, ctx.xp)

    @classmethod
    def name(cls):
        return "Im2ColBackward0"


class Col2Im(Function):
    """out = the sum, over the columns, of each column put back into its window (fold)."""

    rule = Rule("out = fold(cols)  (each column added into its window)", ("d/dcols = unfold(G)",),
                "Each column element lands on one place: its gradient is read back from there.", ("cols",))

    def forward(ctx, cols, geometry):
        ctx.geometry = geometry
        return geometry.col2im(cols, ctx.xp)

    def backward(ctx, grad):
        if isinstance(grad, Variable):
            return Im2Col.apply(grad, geometry=ctx.geometry)
        return ctx.geometry.im2col(grad)

    @classmethod
    def name(cls):
        return "Col2ImBackward0"


def _window_args(name, kernel_size, dilation, padding, stride):
    """PyTorch's argument checks of unfold and fold: pairs, kernel/stride/dilation > 0, padding >= 0."""
    kernel, dilation = ntuple(kernel_size, 2, name, "kernel_size"), ntuple(dilation, 2, name, "dilation")
    padding, stride = ntuple(padding, 2, name, "padding"), ntuple(stride, 2, name, "stride")
    for what, (a, b), ok in (("kernel size", kernel, "greater than zero"), ("stride", stride, "greater than zero"),
                             ("dilation", dilation, "greater than zero")):
        if a <= 0 or b <= 0:
            raise ArgumentError(f"{name}: {what} should be {ok}, but got {what.split()[0]}_height: {a} "
                                f"{what.split()[0]}_width: {b}")
    if padding[0] < 0 or padding[1] < 0:
        raise ArgumentError(f"{name}: padding should be non-negative, but got pad_height: {padding[0]} "
                            f"pad_width: {padding[1]}")
    return kernel, dilation, padding, stride


def _floating(name, input, want):
    if not isinstance(input, Tensor):
        raise TypeError(f"{name}: expected a Tensor input {want}, got {type(input).__name__}")
    if input.dtype.kind != "f":
        raise DTypeError(f"{name}: expected a floating-point input, got {input.dtype}; convert it with .float()")


def unfold(input, kernel_size, dilation=1, padding=0, stride=1):
    """Sliding blocks of a batch of images as columns (im2col): (N, C, H, W) -> (N, C*KH*KW, L), L the
    number of windows (OH*OW); an unbatched (C, H, W) gives (C*KH*KW, L). conv2d(x, w) equals
    ``w.view(O, -1) @ unfold(x, w.shape[2:])`` reshaped to (N, O, OH, OW)."""
    _floating("unfold", input, "(N, C, H, W) or (C, H, W)")
    if input.ndim not in (3, 4):
        raise ShapeError(f"unfold: expected a 3-d (unbatched) or 4-d (batched) input (N, C, H, W), but got an "
                         f"input of shape {tuple(input.shape)}")
    kernel, dilation, padding, stride = _window_args("unfold", kernel_size, dilation, padding, stride)
    x = input if input.ndim == 4 else input.unsqueeze(0)
    geometry = Geometry(x.shape[2:], kernel, dilation, padding, stride)
    if min(geometry.out_hw) < 1:
        raise ArgumentError(f"unfold: Given input with spatial size {tuple(x.shape[2:])}, kernel_size={kernel}, "
                            f"dilation={dilation}, padding={padding}, calculated shape of the array of sliding "
                            f"blocks as {geometry.out_hw}, but its components must be at least one.")
    out = Im2Col.apply(x, geometry=geometry)
    return out if input.ndim == 4 else out.squeeze(0)


def fold(input, output_size, kernel_size, dilation=1, padding=0, stride=1):
    """The adjoint of unfold (col2im): columns (N, C*KH*KW, L) -> images (N, C, *output_size), each
    column added into the window it stands for (overlaps sum). fold(unfold(x)) is x times the number
    of windows covering each element; an unbatched (C*KH*KW, L) gives (C, *output_size)."""
    _floating("fold", input, "(N, C*KH*KW, L) or (C*KH*KW, L)")
    if input.ndim not in (2, 3):
        raise ShapeError(f"fold: expected a 2-d (unbatched) or 3-d (batched) input (N, C*KH*KW, L), but got "
                         f"an input of shape {tuple(input.shape)}")
    hw = ntuple(output_size, 2, "fold", "output_size")
    kernel, dilation, padding, stride = _window_args("fold", kernel_size, dilation, padding, stride)
    cols = input if input.ndim == 3 else input.unsqueeze(0)
    if cols.shape[1] % (kernel[0] * kernel[1]):
        raise ShapeError(f"fold: Expected size of input's dimension 1 to be divisible by the product of "
                         f"kernel_size, but got input.size(1)={cols.shape[1]} and kernel_size={kernel}.")
    geometry = Geometry(hw, kernel, dilation, padding, stride)
    (oh, ow), length = geometry.out_hw, cols.shape[2]
    if oh < 1 or ow < 1 or oh * ow != length:
        raise ShapeError(f"fold: Given output_size={hw}, kernel_size={kernel}, dilation={dilation}, "
                         f"padding={padding}, stride={stride}, expected size of input's dimension 2 to match the "
                         f"calculated number of sliding blocks {oh} * {ow} = {oh * ow}, but got "
                         f"input.size(2)={length}.")
    out = Col2Im.apply(cols, geometry=geometry)
    return out if input.ndim == 3 else out.squeeze(0)


# --------------------------------------------------------------------- Tensor.unfold


def _strided_view(x, shape, strides, writeable):
    """A strided view of x. On the host it is made on x's own memory owner (numpy's as_strided hangs it
    on a wrapper instead, and then a view of the view, u[:, 1], is not known as a view of x); elsewhere,
    or when that fails, as_strided's, read-only: no write can go where the engine does not see it."""
    root = x if x.base is None else x.base
    if type(x) is host.ndarray and type(root) is host.ndarray:
        offset = x.__array_interface__["data"][0] - root.__array_interface__["data"][0]
        try:
            out = host.ndarray(shape, x.dtype, buffer=root, offset=offset, strides=strides)
        except (TypeError, ValueError, BufferError):
            out = None
        if out is not None:
            if not writeable:
                out.flags.writeable = False
            return out
    return as_strided(x, shape, strides, writeable=False)


class Windows(View):
    """out[..., w, ..., k] = x[..., w*step + k, ...]: dim ``dim`` cut into windows of ``size`` every
    ``step``, the window's elements in a new last dim. A strided view (no copy), so a write into it
    reaches x, as in PyTorch; windows that overlap (step < size) are read-only, as expand's result."""

    rule = Rule("out = x.unfold(dim, size, step)  (windows of x along dim)",
                ("d/dx = G's windows added back where they were taken (overlaps sum)",),
                "An element in several windows gets the gradient of each.", ("x",))

    @classmethod
    def apply(cls, input, **params):
        """View.apply knows numpy's views by their base; where ``_strided_view`` fell back on as_strided
        (whose base is a wrapper around x's memory), the link to x (shared version counter) is made here."""
        out = super().apply(input, **params)
        if out._vc is not input._vc:
            out._as_view_of(input, cls, params)
        return out

    def forward(ctx, x, dim, size, step):
        ctx.shape, ctx.dim, ctx.size, ctx.step = x.shape, dim, size, step
        if x.ndim == 0:  # a 0-d tensor is one window of its one element
            return x.reshape(1)
        n = (x.shape[dim] - size) // step + 1
        shape = x.shape[:dim] + (n,) + x.shape[dim + 1:] + (size,)
        strides = x.strides[:dim] + (x.strides[dim] * step,) + x.strides[dim + 1:] + (x.strides[dim],)
        overlap = step < size and n > 1  # windows that share elements: a write would change several (refused,
        # as expand's: PyTorch takes it, but its gradient then disagrees with the values it wrote)
        return _strided_view(x, shape, strides, writeable=not overlap)

    def backward(ctx, grad):
        if isinstance(grad, Variable):
            return WindowSums.apply(grad, shape=ctx.shape, dim=ctx.dim, size=ctx.size, step=ctx.step)
        return window_sums(grad, ctx.shape, ctx.dim, ctx.size, ctx.step, ctx.xp)

    @classmethod
    def name(cls):
        return "UnfoldBackward0"


def window_sums(windows, shape, dim, size, step, xp):
    """The adjoint of Windows: (..., n, ..., size) windows added back into zeros of ``shape``, one strided
    add per position in the window (never a loop over windows)."""
    if len(shape) == 0:
        return windows.reshape(())
    out = xp.zeros(shape, dtype=windows.dtype)
    n = windows.shape[dim]
    target, source = xp.moveaxis(out, dim, -1), xp.moveaxis(windows, dim, -2)  # (..., L) and (..., n, size)
    for k in range(size):
        target[..., k:k + step * (n - 1) + 1:step] += source[..., k]
    return out


class WindowSums(Function):
    """The adjoint of Tensor.unfold as an op (its gradient is Tensor.unfold again)."""

    def forward(ctx, windows, shape, dim, size, step):
        ctx.dim, ctx.size, ctx.step = dim, size, step
        return window_sums(windows, shape, dim, size, step, ctx.xp)

    def backward(ctx, grad):
        return Windows.apply(grad, dim=ctx.dim, size=ctx.size, step=ctx.step)


@register("unfold", function=False)
def tensor_unfold(input, dimension, size, step):
    """x.unfold(dimension, size, step): every window of ``size`` elements along ``dimension``, ``step``
    apart, as a view with one more dim (the window). (4,).unfold(0, 2, 1) -> (3, 2)."""
    d = dim_arg(dimension, input.ndim, "unfold")
    size, step = int_arg(size, "unfold", "size"), int_arg(step, "unfold", "step")
    length = input.shape[d] if input.ndim else 1
    if size < 0 or size > length:
        raise ArgumentError(f"unfold: maximum size for tensor at dimension {d} is {length} but size is {size}")
    if step <= 0:
        raise ArgumentError(f"unfold: step is {step} but must be > 0")
    return Windows.apply(input, dim=d, size=size, step=step)
