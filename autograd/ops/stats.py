"""Statistics and sampling: cov, corrcoef, nanmedian, histc, histogram, cartesian_prod, tril_indices and
triu_indices, bernoulli and multinomial.

    cov(X)      = (X - mean) W (X - mean)^T / (sum(w) - correction)   rows are variables, columns observations
    corrcoef(X) = cov(X) / (std_i std_j), clipped to [-1, 1]

cov, corrcoef and cartesian_prod are made of differentiable ops (their gradients come from those);
nanmedian picks an element by a gather, so its gradient goes to that element, as PyTorch's; histc, histogram,
the index functions and multinomial have no gradient; bernoulli's gradient is zero (PyTorch's).
Random draws come from ag.manual_seed's generator (or ``generator=``): reproducible, not PyTorch's.
"""
import collections
import warnings

from ..backend import get_array_module, host
from ..devices import check, place

from ..function import Function, NonDifferentiable, register
from ..node_names import node_name
from ..random import rng
from ..tensor import Tensor
from .args import ArgumentError, OutOfRangeError, as_tensor, dim_arg, int_arg
from .index import Gather, NoDerivative
from .layout import meshgrid
from .math import no_gradient
from .promote import DTypeError
from .shape import stack

int64 = host.int64
nanmedian_type = collections.namedtuple("nanmedian", ["values", "indices"])


# ------------------------------------------------------------------------- cov, corrcoef


def _weights(name, weights, n, integral):
    """fweights / aweights checked as PyTorch checks them (one per observation, >= 0)."""
    weights = as_tensor(weights)
    if weights.ndim > 1:
        raise ArgumentError(f"cov(): expected {name} to have one or fewer dimensions but got {name} with "
                            f"{weights.ndim} dimensions")
    if weights.numel() != n:
        raise ArgumentError(f"cov(): expected {name} to have the same numel as there are observations in the "
                            f"input but got {weights.numel()} != {n}")
    if integral and weights.dtype.kind not in "iu":
        raise ArgumentError(f"cov(): expected fweights to have integral dtype but got fweights with "
                            f"{weights.dtype} dtype")
    if not integral and weights.dtype.kind != "f":
        raise ArgumentError(f"cov(): expected aweights to have floating point dtype but got aweights with "
                            f"{weights.dtype} dtype")
    if bool((weights < 0).any()):
        raise ArgumentError(f"cov(): {name} cannot be negative")
    return weights


@register("cov")
def cov(input, *, correction=1, fweights=None, aweights=None):
    """The covariance matrix of the variables in the rows of ``input`` (a 1-d input is one variable:
    its variance), observations weighted by ``fweights`` (integer counts) and ``aweights``."""
    if input.ndim > 2:
        raise ArgumentError(f"cov(): expected input to have two or fewer dimensions but got an input with "
                            f"{input.ndim} dimensions")
    X = input.reshape(1, -1) if input.ndim < 2 else input
    X = X if X.dtype.kind == "f" else X.float()  # (PyTorch: integers give the default float dtype)
    n = X.shape[1]
    w = None
    if fweights is not None:
        w = _weights("fweights", fweights, n, integral=True).to(X.dtype)
    if aweights is not None:
        a = _weights("aweights", aweights, n, integral=False)  # (float64 weights make a float64 result)
        w = a if w is None else w * a
    if w is None:
        w_sum = float(n)
        mean = X.mean(1, keepdim=True)
    else:
        w_sum = w.sum()
        mean = (X * w).sum(1, keepdim=True) / w_sum
    if w is None or aweights is None:
        norm = w_sum - correction
    else:
        norm = w_sum - correction * (w * a).sum() / w_sum
    if float(norm) <= 0:
        warnings.warn("cov(): degrees of freedom is <= 0. Correction should be strictly less than the number "
                      "of observations.", RuntimeWarning, stacklevel=2)
        norm = norm * 0 if isinstance(norm, Tensor) else 0.0  # (PyTorch clamps it to 0: inf or nan follow)
    centred = X - mean
    weighted = centred if w is None else centred * w
    out = (weighted @ centred.mT) / norm  # (variables, variables)
    return out.squeeze() if input.ndim < 2 else out


@register("corrcoef")
def corrcoef(input):
    """Pearson's correlation coefficients of the variables in the rows of ``input``, clipped to [-1, 1]."""
    c = cov(input)
    if c.ndim == 0:  # one variable: 1 (or nan), as PyTorch's c / c
        return c / c
    std = c.diagonal().sqrt()
    c = c / std.unsqueeze(1) / std.unsqueeze(0)
    return c.clamp(-1, 1)


# ------------------------------------------------------------------------- nanmedian


class NanMedian(Function):
    """The lower median of the values that are not nan (nan when all are); the gradient goes to the
    element picked, as PyTorch's (where values repeat, it may pick another of the equal elements)."""
    name = node_name("NanmedianBackward0")

    def forward(ctx, a):
        xp = ctx.xp
        flat = a.reshape(-1)
        ctx.mask = xp.zeros(flat.shape, dtype=bool)
        if not flat.size:
            return xp.asarray(host.nan, dtype=a.dtype)
        order = xp.argsort(flat, kind="stable")  # nan sorts last
        count = int(flat.size - (xp.isnan(flat).sum() if a.dtype.kind == "f" else 0))
        index = int(order[max(count - 1, 0) // 2])
        ctx.mask[index] = True
        ctx.mask = ctx.mask.reshape(a.shape)
        return xp.asarray(flat[index], dtype=a.dtype)

    def backward(ctx, grad):  # all of it to the element picked
        return ctx.xp.where(ctx.mask, grad, 0)


@register("nanmedian")
def nanmedian(input, dim=None, keepdim=False):
    """The lower median ignoring nan (of everything, or along ``dim`` with the indices it was found at)."""
    if input.dtype.kind == "b":
        raise DTypeError("nanmedian: not implemented for bool tensors; convert with .int() first")
    if dim is None:
        return NanMedian.apply(input)
    if input.ndim == 0:
        return nanmedian_type(input.clone(), Tensor._make(get_array_module(input._data).zeros((), dtype=int64)))
    d = dim_arg(dim, input.ndim, "nanmedian")
    if input.shape[d] == 0:
        raise OutOfRangeError(f"nanmedian: dim {dim} of the tensor of shape {tuple(input.shape)} is empty; "
                              "it has no median")
    a = input._data
    xp = get_array_module(a)
    order = xp.argsort(a, axis=d, kind="stable")  # nan sorts last
    count = a.shape[d] - (xp.isnan(a).sum(axis=d, keepdims=True) if a.dtype.kind == "f" else 0)
    position = xp.maximum(count - 1, 0) // 2  # the lower middle of the values that are not nan
    index = xp.take_along_axis(order, xp.broadcast_to(position, order.shape[:d] + (1,) + order.shape[d + 1:]), d)
    index = xp.ascontiguousarray(index).astype(int64)
    values, indices = Gather.apply(input, dim=d, index=index), Tensor._make(index)
    if not keepdim:
        values, indices = values.squeeze(d), indices.squeeze(d)
    return nanmedian_type(values, indices)


# ------------------------------------------------------------------------- histc


class Histc(NonDifferentiable):
    def forward(ctx, a, bins, low, high):
        counts, _ = ctx.xp.histogram(a.reshape(-1), bins=ctx.xp.linspace(low, high, bins + 1))
        return counts.astype(a.dtype)


@register("histc")
def histc(input, bins=100, min=0, max=0):
    """The counts of ``input``'s elements in ``bins`` equal bins from min to max (the data's own min and
    max when both are 0; elements outside are not counted; max falls in the last bin)."""
    if input.dtype.kind != "f":
        raise DTypeError(f"histc: not implemented for {input.dtype} tensors; convert with .float() first")
    bins = int_arg(bins, "histc", "bins")
    if bins <= 0:
        raise ArgumentError(f"histc: bins must be > 0, but got {bins}")
    low, high = float(min), float(max)
    if low == high and input.numel():
        low, high = float(input.min()), float(input.max())
    if low == high:  # (all equal, or empty: PyTorch widens the range by 1 on each side)
        low, high = low - 1, high + 1
    if not (host.isfinite(low) and host.isfinite(high)):
        raise ArgumentError(f"histc: range of [{low}, {high}] is not finite")
    if low > high:
        raise ArgumentError(f"histc: max must be larger than min (got min={min}, max={max})")
    return Histc.apply(input, bins=bins, low=low, high=high)


histogram_type = collections.namedtuple("histogram", ["hist", "bin_edges"])


def _linear_edges(low, high, bins, dtype):
    """``bins + 1`` equal-width edges from low to high, computed in ``dtype`` as PyTorch's linspace computes
    them (the first half up from low, the second half down from high; its vectorised loop can differ by
    one rounding, so an element exactly on an edge could fall on the other side there)."""
    low, high = dtype.type(low), dtype.type(high)
    step = (high - low) / dtype.type(bins)
    i = host.arange(bins + 1)
    up = low + step * i.astype(dtype)
    down = high - step * (bins - i).astype(dtype)
    return host.where(i < (bins + 1) // 2, up, down).astype(dtype)


def _histogram(x, edges, weight, density):
    """The counts (or weight sums) of ``x``'s elements between ``edges`` (host arrays), [e_i, e_i+1) each and
    the last closed, over the total and the bin widths when ``density``."""
    inside = (x >= edges[0]) & (x <= edges[-1])
    which = host.minimum(host.searchsorted(edges, x[inside], side="right") - 1, len(edges) - 2)
    hist = host.bincount(which, None if weight is None else weight[inside], minlength=len(edges) - 1)
    hist = hist.astype(x.dtype)
    if density:  # over the total, then over each bin's width (PyTorch's two roundings): integrates to 1
        with host.errstate(invalid="ignore", divide="ignore"):  # (nothing counted: nan, as PyTorch)
            hist = hist / hist.sum() / host.diff(edges)
    return hist


@register("histogram")
def histogram(input, bins=100, *, range=None, weight=None, density=False):
    """Counts of ``input``'s elements (or the sums of their ``weight``) in ``bins`` equal bins from
    range=(min, max) (the data's own min and max without one), or between the edges given as a 1-d tensor
    ``bins``; each bin is [left, right), the last [left, right]. density=True divides by the total and the
    bin widths. Returns (hist, bin_edges), which have no derivative (backward refuses, as PyTorch's)."""
    if input.dtype.kind != "f":
        raise DTypeError(f"histogram: not implemented for {input.dtype} tensors; convert with .float() first")
    if weight is not None and (not isinstance(weight, Tensor) or weight.shape != input.shape):
        raise ArgumentError(f"histogram: weight should have the same shape as input {tuple(input.shape)}, got "
                            f"{tuple(weight.shape) if isinstance(weight, Tensor) else type(weight).__name__}")
    dtype = input.dtype
    if isinstance(bins, Tensor):
        edges = bins.detach().cpu().numpy().astype(dtype)
        if edges.ndim != 1 or len(edges) < 2:
            raise ArgumentError(f"histogram: bins should be a 1-d tensor of at least 2 edges, got shape "
                                f"{tuple(bins.shape)}")
        if (host.diff(edges) < 0).any():
            raise ArgumentError("histogram: the bin edges should be increasing")
    else:
        bins = int_arg(bins, "histogram", "bins")
        if bins <= 0:
            raise ArgumentError(f"histogram: bins must be > 0, but got {bins}")
        if range is not None:
            low, high = (float(v) for v in range)
        elif input.numel():
            low, high = float(input.min()), float(input.max())
        else:
            low = high = 0.0
        if not (host.isfinite(low) and host.isfinite(high)):
            raise ArgumentError(f"histogram: the range [{low}, {high}] is not finite (the data has nan or inf: "
                                f"give range=(min, max))")
        if low > high:
            raise ArgumentError(f"histogram: min should not exceed max, but got min {low} max {high}")
        if low == high:  # (all equal, or empty: PyTorch widens the range by 0.5 on each side)
            low, high = low - 0.5, high + 0.5
        edges = _linear_edges(low, high, bins, dtype)
    x = input.detach().cpu().numpy().reshape(-1)
    w = None if weight is None else weight.detach().cpu().numpy().reshape(-1)
    hist = _histogram(x, edges, w, bool(density))
    # (both require grad when the input does, and backward refuses, as PyTorch's: no derivative is defined)
    hist, edges = (NoDerivative.apply(input, values=place(a, input.device), op="histogram", error=RuntimeError)
                   for a in (hist, edges))
    return histogram_type(hist, edges)


# ------------------------------------------------------------------------- cartesian_prod, tril/triu_indices


def cartesian_prod(*tensors):
    """Every combination of one element from each 1-d tensor, as rows (N, len(tensors)), the last tensor
    varying fastest (one tensor: itself)."""
    for t in tensors:
        if not isinstance(t, Tensor) or t.ndim != 1:
            raise ArgumentError(f"cartesian_prod: expected 1-d tensors, got "
                                f"{[tuple(t.shape) if isinstance(t, Tensor) else type(t).__name__ for t in tensors]}")
    if len({t.dtype for t in tensors}) > 1:
        raise ArgumentError(f"cartesian_prod: expects all tensors to have the same dtype, got "
                            f"{[str(t.dtype) for t in tensors]}")
    if len(tensors) == 1:
        return tensors[0]
    grids = meshgrid(*tensors, indexing="ij")
    return stack([g.reshape(-1) for g in grids], 1)


register("cartesian_prod", cartesian_prod, method=False)


def _indices(op, select, row, col, offset, dtype, device):
    row, col, offset = int_arg(row, op, "row"), int_arg(col, op, "col"), int_arg(offset, op, "offset")
    if row < 0 or col < 0:
        raise ArgumentError(f"{op}: row and col must be non-negative, got row={row}, col={col}")
    rows, cols = select(row, offset, col)
    dtype = host.dtype(dtype or int64)
    if dtype.kind not in "iu":
        raise DTypeError(f"{op}: dtype must be an integer dtype, got {dtype}")
    return Tensor._make(place(host.stack([rows, cols]).astype(dtype), check(device, op)))


def tril_indices(row, col, offset=0, *, dtype=None, device=None, layout=None):
    """The (2, N) indices of the lower triangle of a row x col matrix (on and below diagonal ``offset``),
    row by row."""
    return _indices("tril_indices", host.tril_indices, row, col, offset, dtype, device)


def triu_indices(row, col, offset=0, *, dtype=None, device=None, layout=None):
    """The (2, N) indices of the upper triangle of a row x col matrix (on and above diagonal ``offset``)."""
    return _indices("triu_indices", host.triu_indices, row, col, offset, dtype, device)


register("tril_indices", tril_indices, method=False)
register("triu_indices", triu_indices, method=False)


# ------------------------------------------------------------------------- bernoulli, multinomial


class Bernoulli(Function):
    """1 with probability p (each element of ``a``, or the number ``p``), else 0, in ``a``'s dtype.
    Its gradient is zero, as PyTorch's."""

    exact_dtype = True

    def forward(ctx, a, p=None, generator=None):
        probs = a if p is None else p
        if not isinstance(probs, float) and bool(((probs < 0) | (probs > 1) | (probs != probs)).any()):
            raise ArgumentError(f"bernoulli: expected every probability in [0, 1], got values from {probs.min()} "
                                f"to {probs.max()}")
        draws = ctx.xp.asarray(rng(generator, None).random(a.shape))
        return (draws < probs).astype(a.dtype)

    backward = no_gradient


def _bernoulli_front(input, p=None, *, generator=None):
    """Each element 1 with probability ``input`` (or ``p``), else 0; same dtype as ``input``."""
    if input.dtype.kind != "f":
        raise DTypeError(f"bernoulli: not implemented for {input.dtype} tensors; convert with .float() first")
    if isinstance(p, Tensor):
        p = p._data
    elif p is not None:
        if not 0 <= float(p) <= 1:
            raise ArgumentError(f"bernoulli: expected 0 <= p <= 1, but got p={p}")
        p = float(p)
    return Bernoulli.apply(input, p=p, generator=generator)


register("bernoulli", _bernoulli_front)


@register("bernoulli_", function=False)
def bernoulli_(self, p=0.5, *, generator=None):
    """In place: each element becomes 1 with probability ``p`` (a number, 0.5 unless given, or a tensor of
    probabilities), else 0 (not the tensor's own values as probabilities: that is bernoulli(input))."""
    return self.copy_(_bernoulli_front(self, p, generator=generator))


@register("exponential_", function=False)
def exponential_(self, lambd=1.0, *, generator=None):
    """In place: each element becomes a draw from Exp(lambd), e / lambd with e = -log(1 - u), u ~ U(0, 1)
    (the inverse CDF, as distributions.Exponential; gumbel_softmax's noise is -log of these)."""
    if self.dtype.kind != "f":
        raise DTypeError("Exponential distribution is a continuous probability distribution. dtype must be a "
                         f"floating point but you specified {self.dtype}")
    if not lambd > 0:
        raise ArgumentError(f"exponential_ expects lambda > 0.0, but found lambda={lambd}")
    u = rng(generator, self.device).uniform(0.0, 1.0, size=tuple(self.shape))  # (on the tensor's device)
    return self.copy_(-get_array_module(u).log1p(-u) / lambd)


class Multinomial(NonDifferentiable):
    def forward(ctx, weights, host_weights, num_samples, replacement, generator):
        w = host_weights.astype(host.float64).reshape(-1, weights.shape[-1])  # (rows, categories)
        draw = rng(generator, None)
        if replacement or num_samples == 1:  # inverse CDF: category i for u in [cdf_(i-1), cdf_i) (one sample:
            #                                    the same law with or without replacement, and one draw a row)
            cdf = host.cumsum(w, axis=1)
            u = draw.random((w.shape[0], num_samples)) * cdf[:, -1:]
            out = host.stack([host.searchsorted(c, row, side="right") for c, row in zip(cdf, u)])
            out = host.minimum(out, w.shape[1] - 1)
        else:  # the largest keys w / Exp(1) (PyTorch's way): zero weights come last, in a random order
            keys = w / -host.log1p(-draw.random(w.shape))  # (-log(1 - u): Exp(1))
            keys = host.where(w > 0, keys, -draw.random(w.shape))
            out = host.argsort(-keys, axis=1, kind="stable")[:, :num_samples]
        out = out.astype(int64).reshape(weights.shape[:-1] + (num_samples,))
        return ctx.xp.asarray(out)


@register("multinomial")
def multinomial(input, num_samples, replacement=False, *, generator=None):
    """``num_samples`` category indices per row of the weights ``input`` (1-d or 2-d), drawn with
    probability proportional to the weights (without replacement: each category at most once)."""
    num_samples = int_arg(num_samples, "multinomial", "num_samples")
    if input.ndim not in (1, 2):
        raise ArgumentError(f"multinomial: prob_dist must be 1 or 2 dim, got shape {tuple(input.shape)}")
    if input.dtype.kind != "f":
        raise ArgumentError(f"multinomial only supports floating-point dtypes for input, got: {input.dtype}")
    if num_samples <= 0:
        raise ArgumentError(f"multinomial: cannot sample n_sample <= 0 samples (got {num_samples})")
    if not replacement and num_samples > input.shape[-1]:
        raise ArgumentError(f"multinomial: cannot sample n_sample > prob_dist.size(-1) samples without replacement "
                            f"({num_samples} > {input.shape[-1]})")
    w = input.detach().cpu().numpy()  # (the checks and the draws run on the host)
    if not host.isfinite(w).all() or (w < 0).any():
        raise ArgumentError("multinomial: probability tensor contains either `inf`, `nan` or element < 0")
    if (w.reshape(-1, w.shape[-1]).sum(axis=1) <= 0).any():
        raise ArgumentError("multinomial: invalid multinomial distribution (sum of probabilities <= 0)")
    return Multinomial.apply(input, host_weights=w, num_samples=num_samples, replacement=bool(replacement),
                             generator=generator)
