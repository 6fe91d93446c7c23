"""Spatial transformers: affine_grid makes a sampling grid, grid_sample reads an image at it.

    theta (N, 2, 3) --affine_grid--> grid (N, H, W, 2) of (x, y) in [-1, 1]
    input (N, C, H_in, W_in), grid --grid_sample--> (N, C, H, W): input read at each grid point

(and the same one dimension up: theta (N, 3, 4), grid (N, D, H, W, 3) of (x, y, z), input
(N, C, D_in, H_in, W_in)). Both are compositions of differentiable ops, so the gradients to the
input, to the grid and to theta (and gradients of gradients) come from the ops' own backwards:

    x = ((g + 1) * size - 1) / 2             grid -> pixel coordinates (align_corners=False;
                                             True: (g + 1) / 2 * (size - 1))
    x = pad(x)                               'border' clamps, 'reflection' folds into the image
    x0 = floor(x); t = x - x0                (x0 is a constant: the gradient flows through t)
    out = sum over corners of weight(t) * input[corner]      one gather of all the corners

PyTorch's choices, kept here: a corner outside the image reads 0 ('zeros'); a coordinate clamped
by 'border' or 'reflection' has gradient 0 there (borders count as outside); 'nearest' rounds half
to even and gives the grid gradient 0; 'bicubic' (4-d only) reads a 4x4 neighbourhood with
A = -0.75, the padding applied per tap. A nan or inf coordinate reads nan in 2-d bilinear and
bicubic, else it counts as outside (as PyTorch's kernels, with zeros padding; with border or
reflection PyTorch's 2-d kernel reads out of bounds there, so there is no reference to follow).
"""
import fractions
import itertools
import warnings

from ..backend import by_input, host

from ..function import ShapeError
from ..tensor import Tensor
from .args import ArgumentError
from .math import where
from .promote import DTypeError
from .shape import stack

# --------------------------------------------------------------------- affine_grid


def _linspace(n, dtype):
    """torch.linspace(-1, 1, n) to the bit, as PyTorch's CPU kernel computes it: step = 2 / (n - 1)
    in the dtype, then -1 + step * i for the first half and 1 - step * (n - 1 - i) for the rest, each
    one fused multiply-add (a single rounding). The bits matter: an identity theta (the usual
    initialisation) puts points exactly on pixels, where the grid's gradient is one-sided."""
    step = dtype.type(2) / dtype.type(n - 1)
    i = host.arange(n)
    if dtype.itemsize <= 4:  # the product of two float32s is exact in float64: one rounding at the end
        lo, hi = -1.0 + float(step) * i, 1.0 - float(step) * (n - 1 - i)
    else:  # float64: exact rationals, rounded once (n is an image size: a short loop)
        exact = fractions.Fraction(float(step))
        lo = host.array([float(-1 + exact * k) for k in range(n)])
        hi = host.array([float(1 - exact * (n - 1 - k)) for k in range(n)])
    return host.where(i < n // 2, lo, hi).astype(dtype)


def _linspace_from_neg_one(n, align_corners, dtype):
    """PyTorch's base grid along one dim: n points over [-1, 1] (pixel corners, align_corners=True)
    or their centres, range * (n - 1) / n (False, two roundings as PyTorch's); a single point is 0."""
    if n <= 1:
        return host.zeros(n, dtype=dtype)
    steps = _linspace(n, dtype)
    return steps if align_corners else steps * dtype.type(n - 1) / dtype.type(n)


def _base_grid(spatial, align_corners, dtype):
    """(prod(spatial), n + 1): one row (x, y[, z], 1) per output point, x along the last dim."""
    axes = [_linspace_from_neg_one(s, align_corners, dtype) for s in spatial]  # D, H, W order
    mesh = host.meshgrid(*axes, indexing="ij")
    columns = [m.reshape(-1) for m in reversed(mesh)] + [host.ones(mesh[0].size, dtype=dtype)]
    return host.stack(columns, axis=1)


def affine_grid(theta, size, align_corners=None):
    """The sampling grid of a batch of affine maps: grid[n, h, w] = theta[n] @ (x_w, y_h, 1).

    theta (N, 2, 3) with size (N, C, H, W) gives (N, H, W, 2); theta (N, 3, 4) with size
    (N, C, D, H, W) gives (N, D, H, W, 3). One matmul of the constant base grid with theta^T, so
    theta's gradient comes from matmul's."""
    if align_corners is None:  # PyTorch's warning, word for word
        warnings.warn("Default grid_sample and affine_grid behavior has changed to align_corners=False since "
                      "1.3.0. Please specify align_corners=True if the old behavior is desired. See the "
                      "documentation of grid_sample for details.", UserWarning, stacklevel=2)
        align_corners = False
    if not isinstance(theta, Tensor):
        raise TypeError(f"affine_grid: theta must be a Tensor, got {type(theta).__name__}")
    if theta.dtype.kind != "f":
        raise ArgumentError(f"affine_grid: Expected theta to have floating point type, but got {theta.dtype}; "
                            "use theta.float()")
    size = tuple(int(s) for s in size)
    if len(size) not in (4, 5):
        raise NotImplementedError(f"affine_grid only supports 4D and 5D sizes, for 2D and 3D affine transforms, "
                                  f"respectively. Got size {size}.")
    n = len(size) - 2
    if theta.ndim != 3 or tuple(theta.shape[1:]) != (n, n + 1):
        kind = "2D affine matrices of shape Nx2x3" if n == 2 else "3D affine matrices of shape Nx3x4"
        raise ArgumentError(f"affine_grid: Expected a batch of {kind} for size {size}. Got {tuple(theta.shape)}.")
    spatial = size[2:]
    if align_corners and min(spatial) == 1:
        warnings.warn("Since version 1.3.0, affine_grid behavior has changed for unit-size grids when "
                      "align_corners=True. This is not an intended use case of affine_grid. See the "
                      "documentation of affine_grid for details.", UserWarning, stacklevel=2)
    elif min(size) <= 0:
        raise ArgumentError(f"affine_grid: Expected non-zero, positive output size. Got {size}")
    if theta.shape[0] != size[0]:
        raise ShapeError(f"affine_grid: theta has a batch of {theta.shape[0]} matrices but size asks for "
                         f"N = {size[0]}; give one matrix per sample")
    base = Tensor._make(theta._xp.asarray(_base_grid(spatial, align_corners, theta.dtype)))  # (P, n + 1)
    grid = base @ theta.transpose(1, 2)  # (N, P, n)
    return grid.reshape((size[0],) + spatial + (n,))


# --------------------------------------------------------------------- grid_sample: coordinates


def _unnormalize(coord, size, align_corners):
    """Grid values in [-1, 1] -> pixel coordinates: -1 and 1 are the corner pixels' centres
    (align_corners=True) or the image's outer edges (False)."""
    if align_corners:
        return (coord + 1) * ((size - 1) / 2)
    return (coord + 1) * (size / 2) - 0.5


def _clip(x, size):
    """min(max(x, 0), size - 1), with gradient 1 strictly inside and 0 on and beyond the border
    (PyTorch's: 'borders are considered out of bounds' for the gradient)."""
    inside = (x.detach() > 0) & (x.detach() < size - 1)
    return where(inside, x, x.detach().clamp(0, size - 1))


def _reflect(x, twice_low, twice_high):
    """Fold x into [low, high] by reflecting at the ends (as often as needed); the gradient is +1
    or -1 with the number of reflections."""
    if twice_low == twice_high:
        return _zero_with_gradient_path(x)  # a one-pixel image: every point reads pixel 0
    low, span = twice_low / 2, (twice_high - twice_low) / 2
    d = x - low
    sign = by_input.where(d._data < 0, -1, 1).astype(d.dtype)
    a = d * Tensor._make(sign)  # |d|, with gradient +1 at 0 (as PyTorch's)
    flips = by_input.floor(a._data / span)
    extra = a + Tensor._make(by_input.fmod(a._data, span) - a._data)  # fmod(|d|, span) exactly, gradient 1
    return where(Tensor._make(flips % 2 == 0), extra + low, (span + low) - extra)


def _zero_with_gradient_path(x):
    """Zeros of x's shape that keep x in the graph with gradient 0 (PyTorch gives such a grid a zero
    gradient, not none; ``x * 0`` would turn a nan of x into a nan value)."""
    return where(Tensor._make(x._xp.zeros(x.shape, dtype=bool)), x, 0.0)


def _finite(x):
    """nan and inf coordinates -> -100, far outside the image (PyTorch's safe_downgrade_to_int_range)."""
    finite = by_input.isfinite(x._data)
    return x if finite.all() else where(Tensor._make(finite), x, -100.0)


def _pixel(coord, size, padding_mode, align_corners, finite):
    """One grid component (x, y or z) -> the pixel coordinate read along a dim of ``size`` pixels;
    ``finite``: nan and inf become -100 (else they give nan weights)."""
    x = _unnormalize(coord, size, align_corners)
    if padding_mode == "border":
        x = _clip(x, size)
    elif padding_mode == "reflection":
        x = _reflect(x, 0, 2 * (size - 1)) if align_corners else _reflect(x, -1, 2 * size - 1)
        x = _clip(x, size)
    return _finite(x) if finite else x


def _padded_index(i, size, padding_mode, align_corners):
    """Integer pixel positions (arrays) through the padding, as bicubic's taps see them."""
    i = i.astype(host.float64)
    if padding_mode == "border":
        i = by_input.clip(i, 0, size - 1)
    elif padding_mode == "reflection":
        low2, high2 = (0, 2 * (size - 1)) if align_corners else (-1, 2 * size - 1)
        if low2 == high2:
            i = by_input.zeros_like(i)
        else:
            low, span = low2 / 2, (high2 - low2) / 2
            a = by_input.abs(i - low)
            extra, flips = by_input.fmod(a, span), by_input.floor(a / span)
            i = by_input.clip(by_input.where(flips % 2 == 0, extra + low, span - extra + low), 0, size - 1)
    return i.astype(host.int64)


# --------------------------------------------------------------------- grid_sample: reading the image


def _read(input, corners):
    """input (N, C, *S) read at integer positions ``corners`` (n arrays (N, K, P), one per spatial dim,
    D, H, W order); positions outside the image read 0. Returns (N, K, P, C): one gather."""
    spatial = input.shape[2:]
    xp = input._xp
    inside = xp.ones(corners[0].shape, dtype=bool)
    for i, s in zip(corners, spatial):
        inside &= (i >= 0) & (i < s)
    flat = xp.zeros(corners[0].shape, dtype=host.int64)
    for i, s in zip(corners, spatial):
        flat = flat * s + by_input.clip(i, 0, s - 1)
    n, c = input.shape[:2]
    pixels = input.reshape(n, c, -1).transpose(1, 2)  # (N, S, C)
    batch = xp.arange(n).reshape(n, 1, 1)
    values = pixels[batch, flat]  # (N, K, P, C)
    if inside.all():
        return values
    return where(Tensor._make(inside[..., None]), values, 0.0)


def _linear(input, pixels):
    """(Bi/tri)linear: 2^n corners around each point, weight prod over dims of (1 - t) or t."""
    lower = [by_input.floor(p._data).astype(host.int64) for p in pixels]  # (N, P) each
    corners, weights = [], []
    for bits in itertools.product((0, 1), repeat=len(pixels)):
        w = None
        for b, p, i0 in zip(bits, pixels, lower):
            base = Tensor._make(i0.astype(p.dtype))
            f = p - base if b else (base + 1) - p  # (t, or 1 - t, as PyTorch writes them)
            w = f if w is None else w * f
        corners.append([i0 + b for b, i0 in zip(bits, lower)])
        weights.append(w)
    positions = [by_input.stack([c[d] for c in corners], axis=1) for d in range(len(pixels))]  # (N, K, P)
    values = _read(input, positions)  # (N, K, P, C)
    return (stack(weights, 1).unsqueeze(-1) * values).sum(1)  # (N, P, C)


def _nearest(input, pixels):
    """The pixel nearest each point (half to even, as C's nearbyint). The grid's gradient is 0."""
    positions = [by_input.rint(p._data).astype(host.int64)[:, None] for p in pixels]  # (N, 1, P)
    values = _read(input, positions)[:, 0]  # (N, P, C)
    return values + _zero_with_gradient_path(pixels[0].unsqueeze(-1))  # (the grid's gradient: zeros)


def _cubic_weights(t):
    """Keys' cubic convolution weights (A = -0.75) of the four taps at offsets -1, 0, 1, 2 from floor(x)."""
    a = -0.75

    def near(x):  # |x| <= 1
        return ((a + 2) * x - (a + 3)) * x * x + 1

    def far(x):  # 1 < |x| < 2
        return ((a * x - 5 * a) * x + 8 * a) * x - 4 * a

    return [far(t + 1), near(t), near(1 - t), far(2 - t)]


def _bicubic(input, pixels, size, padding_mode, align_corners):
    """4x4 taps around each point; each tap's position goes through the padding on its own."""
    (py, h), (px, w) = (pixels[0], size[0]), (pixels[1], size[1])
    y0, x0 = (by_input.floor(p._data).astype(host.int64) for p in (py, px))
    ty = py - Tensor._make(y0.astype(py.dtype))
    tx = px - Tensor._make(x0.astype(px.dtype))
    wy, wx = _cubic_weights(ty), _cubic_weights(tx)
    rows, cols, weights = [], [], []
    for i in range(4):
        for j in range(4):
            rows.append(_padded_index(y0 - 1 + i, h, padding_mode, align_corners))
            cols.append(_padded_index(x0 - 1 + j, w, padding_mode, align_corners))
            weights.append(wy[i] * wx[j])
    values = _read(input, [by_input.stack(rows, axis=1), by_input.stack(cols, axis=1)])  # (N, 16, P, C)
    return (stack(weights, 1).unsqueeze(-1) * values).sum(1)


# --------------------------------------------------------------------- grid_sample


def _check_grid_sample(input, grid, mode, padding_mode):
    name = "grid_sample"
    if mode not in ("bilinear", "nearest", "bicubic"):
        raise ArgumentError(f"nn.functional.grid_sample(): expected mode to be 'bilinear', 'nearest' or 'bicubic', "
                            f"but got: '{mode}'")
    if padding_mode not in ("zeros", "border", "reflection"):
        raise ArgumentError(f"nn.functional.grid_sample(): expected padding_mode to be 'zeros', 'border', or "
                            f"'reflection', but got: '{padding_mode}'")
    for what, t in (("input", input), ("grid", grid)):
        if not isinstance(t, Tensor):
            raise TypeError(f"{name}: {what} must be a Tensor, got {type(t).__name__}")
    if input.ndim not in (4, 5) or grid.ndim != input.ndim:
        raise ShapeError(f"{name}: expected 4D or 5D input and grid with same number of dimensions, but got input "
                         f"with sizes {list(input.shape)} and grid with sizes {list(grid.shape)}; input is "
                         "(N, C, H, W) with grid (N, H_out, W_out, 2), or (N, C, D, H, W) with grid "
                         "(N, D_out, H_out, W_out, 3)")
    n = input.ndim - 2
    if grid.shape[-1] != n:
        raise ShapeError(f"{name}: expected grid to have size {n} in last dimension, but got grid with sizes "
                         f"{list(grid.shape)}")
    if input.shape[0] != grid.shape[0]:
        raise ShapeError(f"{name}: expected grid and input to have same batch size, but got input with sizes "
                         f"{list(input.shape)} and grid with sizes {list(grid.shape)}")
    for d in range(2, input.ndim):
        if input.shape[d] == 0:
            raise ShapeError(f"{name}: expected input to have non-empty spatial dimensions, but input has sizes "
                             f"{list(input.shape)} with dimension {d} being empty")
    if input.dtype.kind != "f" or input.dtype != grid.dtype:
        raise DTypeError(f"{name}: expected input and grid to have the same floating-point dtype, but input has "
                        f"{input.dtype} and grid has {grid.dtype}; convert one with .to(other.dtype)")
    if mode == "bicubic" and n != 2:
        raise NotImplementedError(f"{name}: bicubic interpolation only supports 4D input (got input with sizes "
                                  f"{list(input.shape)}); use mode='bilinear' for volumes")


def grid_sample(input, grid, mode="bilinear", padding_mode="zeros", align_corners=None):
    """Read input (N, C, H_in, W_in) at the points of grid (N, H, W, 2) -> (N, C, H, W); grid[..., 0] is
    x (along W), grid[..., 1] is y (along H), both in [-1, 1] over the image. 5-d: input
    (N, C, D_in, H_in, W_in), grid (N, D, H, W, 3) with z last.

    mode: 'bilinear' (trilinear for 5-d), 'nearest', 'bicubic' (4-d only).
    padding_mode: what a point outside the image reads: 'zeros', 'border' (the nearest edge pixel),
    'reflection' (the image mirrored at its edges).
    Gradients flow to input and to grid (to grid: zero for 'nearest')."""
    _check_grid_sample(input, grid, mode, padding_mode)
    if align_corners is None:  # PyTorch's warning, word for word
        warnings.warn("Default grid_sample and affine_grid behavior has changed to align_corners=False since "
                      "1.3.0. Please specify align_corners=True if the old behavior is desired. See the "
                      "documentation of grid_sample for details.", UserWarning, stacklevel=2)
        align_corners = False
    n, c = input.shape[:2]
    size = tuple(input.shape[2:])  # (D,) H, W
    out = tuple(grid.shape[1:-1])
    points = grid.reshape(n, -1, len(size))  # (N, P, n): x, y(, z)
    coords = [points[:, :, len(size) - 1 - d] for d in range(len(size))]  # D, H, W order
    # a nan or inf coordinate reads nan in 2-d bilinear and bicubic, 0 elsewhere, as PyTorch's kernels do
    finite = mode == "nearest" or len(size) == 3
    with host.errstate(invalid="ignore"):  # (floor(nan) cast to an int: any position outside the image)
        if mode == "bicubic":  # (the taps are padded one by one, not the point)
            pixels = [_unnormalize(x, s, align_corners) for x, s in zip(coords, size)]
            y = _bicubic(input, pixels, size, padding_mode, align_corners)
        else:
            pixels = [_pixel(x, s, padding_mode, align_corners, finite) for x, s in zip(coords, size)]
            y = _linear(input, pixels) if mode == "bilinear" else _nearest(input, pixels)  # (N, P, C)
    return y.transpose(1, 2).reshape((n, c) + out)
