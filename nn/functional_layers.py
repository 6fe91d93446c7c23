"""Small layer functions of nn.functional (published there under PyTorch's names): distances
(pairwise_distance), gates and shrinks (glu, tanhshrink, threshold, rrelu), the bilinear form,
pixel and channel shuffles, local response normalisation and power-average (Lp) pooling.

All are compositions of tensor ops (reshape, permute, where, matmul, pad, avg_pool), so the
gradients come from the engine; each follows PyTorch's own kernel step for step where the order
of operations decides the numbers (eps added to the difference, the pooling behind LRN).
"""
import autograd as ag
from autograd.ops.args import ArgumentError
from autograd.ops.conv import avg_pool1d, avg_pool2d, max_pool1d, max_pool2d, ntuple, pad
from autograd.ops.shape import fitted
from autograd.ops.volume import avg_pool3d, max_pool3d


def _shape(t):
    return list(t.shape)


def _inplace(input, compute, inplace):
    """``compute(input)``, or with inplace=True written into ``input`` (PyTorch's ``F.<op>(x, inplace=True)``);
    then the graph reads a copy of the input, whose values the write replaces."""
    if not inplace:
        return compute(input)
    return input.copy_(compute(input.clone() if input.requires_grad else input))


# --------------------------------------------------------------------- distances


def pairwise_distance(x1, x2, p=2.0, eps=1e-6, keepdim=False):
    """||x1 - x2 + eps||_p along the last dim (of the larger of the two; they broadcast). As PyTorch,
    eps is added to the difference, so that equal vectors have a small, differentiable distance."""
    dim = max(x1.ndim, x2.ndim) - 1
    diff = x1 - x2 + eps
    if diff.ndim == 0:  # (two scalars: |x1 - x2 + eps|, as PyTorch's norm of a 0-d tensor)
        return ag.linalg.vector_norm(diff, p)
    return ag.linalg.vector_norm(diff, p, dim=dim, keepdim=keepdim)


def pdist(input, p=2):
    """The p-norm distance between every pair of rows of (N, M): the N (N - 1) / 2 distances ||x_i - x_j||_p,
    i < j, in row-major order (the upper triangle of cdist(x, x)); a pair of equal rows has the gradient 0. As
    PyTorch's, no eps: use pairwise_distance for that."""
    if input.ndim != 2:
        raise ArgumentError(f"pdist only supports 2D tensors, got: {input.ndim}D")
    if input.dtype.kind != "f":
        raise ArgumentError(f"pdist only supports floating-point dtypes (got {input.dtype}); convert with .float()")
    if not p >= 0:
        raise ArgumentError(f"pdist only supports non-negative p values (got p={p})")
    i, j = ag.triu_indices(input.shape[0], input.shape[0], 1, device=input.device)
    diff = input[i] - input[j]  # (N (N - 1) / 2, M)
    if p != float("inf"):
        return ag.linalg.vector_norm(diff, p, dim=1)
    # max |diff|, with PyTorch's gradient: the whole of it to every element that ties for the max (amax
    # would share it out); the tied elements' sum minus itself carries that gradient and adds exactly 0
    size = diff.abs()
    largest = size.amax(1)
    tied = (size * (size == largest.unsqueeze(1))).sum(1)
    return largest.detach() + (tied - tied.detach())


# --------------------------------------------------------------------- activations


def glu(input, dim=-1):
    """The gated linear unit: split ``input`` in halves a, b along ``dim``; a * sigmoid(b)."""
    if input.ndim == 0:
        raise ArgumentError("glu does not support scalars because halving size must be even")
    if not -input.ndim <= dim < input.ndim:
        raise IndexError(f"glu: Dimension out of range (expected to be in range of [{-input.ndim}, "
                         f"{input.ndim - 1}], but got {dim})")
    if input.shape[dim] % 2:
        raise ArgumentError(f"glu: Halving dimension must be even, but dimension {dim % input.ndim} is size "
                            f"{input.shape[dim]}")
    a, b = input.chunk(2, dim)
    return a * b.sigmoid()


def tanhshrink(input):
    """x - tanh(x)."""
    return input - input.tanh()


def threshold(input, threshold, value, inplace=False):
    """x where x > threshold, else ``value`` (the gradient 0 there), in the input's dtype (an integer input stays
    integer, ``value`` cast to it, as in PyTorch)."""
    return _inplace(input, lambda x: _thresholded(x, threshold, value), inplace)


def threshold_(input, threshold, value):
    return _inplace(input, lambda x: _thresholded(x, threshold, value), True)


def _thresholded(x, threshold, value):
    return ag.where(x > threshold, x, ag.tensor(value, dtype=x.dtype, device=x.device))


def rrelu(input, lower=1.0 / 8, upper=1.0 / 3, training=False, inplace=False):
    """The randomized leaky ReLU: x where x > 0, else a * x. In training each element draws its slope
    a from U(lower, upper) (from ag's generator, so ag.manual_seed repeats it); in evaluation
    a = (lower + upper) / 2 for all."""
    if lower > upper:
        raise ArgumentError(f"rrelu: Lower bound should be less than or equal to the upper bound (got lower={lower}, "
                            f"upper={upper})")
    if training:
        draw = ag.get_rng(input.device).uniform(lower, upper, tuple(input.shape))  # (on the input's device)
        slope = ag.from_array(draw.astype(input.dtype))
    else:
        slope = (lower + upper) / 2
    return _inplace(input, lambda x: ag.where(x > 0, x, x * slope), inplace)


def rrelu_(input, lower=1.0 / 8, upper=1.0 / 3, training=False):
    return rrelu(input, lower, upper, training, inplace=True)


# --------------------------------------------------------------------- bilinear


def bilinear(input1, input2, weight, bias=None):
    """y[..., o] = sum_ij x1[..., i] W[o, i, j] x2[..., j] + b[o]: input1 (*, in1), input2 (*, in2),
    weight (out, in1, in2), bias (out,). Computed as one matmul (x1 against W laid out as
    (in1, out * in2)) and a product summed over in2."""
    if input1.ndim == 0 or input2.ndim == 0:
        raise IndexError("bilinear(): Dimension specified as -1 but tensor has no dimensions; the inputs need a "
                         "feature dim: (*, in1_features) and (*, in2_features)")
    if input1.ndim != input2.ndim:
        raise ArgumentError(f"bilinear(): input dimensions do not match: got {input1.ndim} and {input2.ndim}")
    for d in range(input1.ndim - 1):
        if input1.shape[d] != input2.shape[d]:
            raise ArgumentError(f"bilinear(): input batch dimensions do not match at dim {d}: got "
                                f"{input1.shape[d]} and {input2.shape[d]}")
    out, in1, in2 = weight.shape
    if input1.shape[-1] != in1:
        raise ArgumentError(f"bilinear(): input1 size does not match weight size: got {input1.shape[-1]} but "
                            f"expected {in1}")
    if input2.shape[-1] != in2:
        raise ArgumentError(f"bilinear(): input2 size does not match weight size: got {input2.shape[-1]} but "
                            f"expected {in2}")
    if bias is not None and (bias.ndim != 1 or bias.shape[0] != out):
        raise ArgumentError(f"bilinear(): bias size does not match weight size: got {bias.shape[0]} but "
                            f"expected {out}")
    lead = tuple(input1.shape[:-1])
    x1, x2 = input1.reshape(-1, in1), input2.reshape(-1, 1, in2)  # (B, in1), (B, 1, in2)
    xw = (x1 @ weight.permute(1, 0, 2).reshape(in1, out * in2)).reshape(-1, out, in2)  # (B, out, in2)
    y = (xw * x2).sum(-1)  # (B, out)
    if bias is not None:
        y = y + bias
    return fitted(y, lead + (out,))


# --------------------------------------------------------------------- shuffles


def pixel_shuffle(input, upscale_factor):
    """(*, C r^2, H, W) -> (*, C, H r, W r): each group of r^2 channels becomes an r x r block."""
    r = _factor(input, upscale_factor, "pixel_shuffle", "upscale_factor")
    *lead, c, h, w = input.shape
    if c % (r * r):
        raise ArgumentError(f"pixel_shuffle expects its input's 'channel' dimension to be divisible by the square of "
                            f"upscale_factor, but input.size(-3)={c} is not divisible by {r * r}")
    n = len(lead)
    x = input.reshape(*lead, c // (r * r), r, r, h, w)  # (*, C, r, r, H, W)
    x = x.permute(*range(n), n, n + 3, n + 1, n + 4, n + 2)  # (*, C, H, r, W, r)
    return x.reshape(*lead, c // (r * r), h * r, w * r)


def pixel_unshuffle(input, downscale_factor):
    """(*, C, H r, W r) -> (*, C r^2, H, W): the inverse of pixel_shuffle."""
    r = _factor(input, downscale_factor, "pixel_unshuffle", "downscale_factor")
    *lead, c, h, w = input.shape
    for name, size, d in (("height", h, -2), ("width", w, -1)):
        if size % r:
            raise ArgumentError(f"pixel_unshuffle expects {name} to be divisible by downscale_factor, but "
                                f"input.size({d})={size} is not divisible by {r}")
    n = len(lead)
    x = input.reshape(*lead, c, h // r, r, w // r, r)  # (*, C, H, r, W, r)
    x = x.permute(*range(n), n, n + 2, n + 4, n + 1, n + 3)  # (*, C, r, r, H, W)
    return x.reshape(*lead, c * r * r, h // r, w // r)


def _factor(input, factor, name, what):
    if input.ndim < 3:
        raise ArgumentError(f"{name} expects input to have at least 3 dimensions, but got input with {input.ndim} "
                            "dimension(s)")
    if factor <= 0:
        raise ArgumentError(f"{name} expects a positive {what}, but got {factor}")
    return int(factor)


def channel_shuffle(input, groups):
    """(N, C, *) -> (N, C, *) with the channels regrouped: view them as (groups, C / groups), transpose,
    flatten (ShuffleNet's shuffle: channel g * (C / groups) + k moves to k * groups + g)."""
    if input.ndim <= 2:
        raise ArgumentError(f"channel_shuffle expects input with > 2 dims, but got input with sizes {_shape(input)}")
    if groups <= 0:
        raise ArgumentError(f"channel_shuffle: Number of groups to divide channels in must be positive. Value of "
                            f"groups:{groups}")
    n, c, *rest = input.shape
    if c % groups:
        raise ArgumentError(f"channel_shuffle: Number of channels must be divisible by groups. Got {c} channels and "
                            f"{groups} groups.")
    x = input.reshape(n, groups, c // groups, *rest).transpose(1, 2)  # (N, C / groups, groups, *)
    return x.reshape(n, c, *rest)



# --------------------------------------------------------------------- local response normalisation


def local_response_norm(input, size, alpha=1e-4, beta=0.75, k=1.0):
    """x / (k + alpha * mean of x^2 over ``size`` neighbouring channels)^beta (AlexNet's LRN), on
    (N, C, *). As PyTorch: the window is zero-padded, size // 2 channels before and (size - 1) // 2
    after, and averaged by an avg_pool over the channel dim."""
    dim = input.ndim
    if dim < 3:
        raise ValueError(f"local_response_norm: Expected 3D or higher dimensionality input (got {dim} dimensions)")
    if input.numel() == 0:
        return input
    div = input * input
    if dim == 3:
        div = pad(div.unsqueeze(1), (0, 0, size // 2, (size - 1) // 2))  # (N, 1, C + size - 1, L)
        div = avg_pool2d(div, (size, 1), stride=1).squeeze(1)  # (N, C, L)
    else:
        n, c = input.shape[:2]
        div = div.reshape(n, 1, c, input.shape[2], -1)  # (N, 1, C, D, rest)
        div = pad(div, (0, 0, 0, 0, size // 2, (size - 1) // 2))
        div = avg_pool3d(div, (size, 1, 1), stride=1).squeeze(1).reshape(input.shape)
    return input / (div * alpha + k) ** beta


# --------------------------------------------------------------------- power-average pooling


def _lp_pool(n, input, norm_type, kernel_size, stride, ceil_mode):
    """(sum over each window of x^p)^(1/p), PyTorch's formula step for step: f = avg_pool(x^p), then
    (sign(f) * relu(|f|) * kernel_numel)^(1/p). A window whose sum is 0 gets the gradient 0 (relu's, where
    the root's would be inf); a negative sum (odd p, negative inputs) gives nan, as in PyTorch. p = inf is
    max |x|; p = -inf is min |x| (PyTorch's max_pool of -|x|). No padding: windows lie inside the input,
    but ceil_mode=True keeps a last, partial window (divided by what it covers, then times kernel_numel)."""
    max_pool = {1: max_pool1d, 2: max_pool2d, 3: max_pool3d}[n]
    if norm_type == float("inf"):
        return max_pool(input.abs(), kernel_size, stride, 0, 1, ceil_mode)
    if norm_type == -float("inf"):
        return -max_pool(-input.abs(), kernel_size, stride, 0, 1, ceil_mode)
    avg_pool = {1: avg_pool1d, 2: avg_pool2d, 3: avg_pool3d}[n]
    f = avg_pool(input.pow(norm_type), kernel_size, stride, 0, ceil_mode)
    numel = 1
    for k in ntuple(kernel_size, n, f"lp_pool{n}d", "kernel_size"):
        numel *= k
    return (f.sign() * f.abs().relu()).mul(numel).pow(1.0 / norm_type)


def lp_pool1d(input, norm_type, kernel_size, stride=None, ceil_mode=False):
    """The p-norm of each window of (N, C, L): (sum x^p)^(1/p) (``_lp_pool``)."""
    return _lp_pool(1, input, norm_type, kernel_size, stride, ceil_mode)


def lp_pool2d(input, norm_type, kernel_size, stride=None, ceil_mode=False):
    """The p-norm of each window of (N, C, H, W): (sum x^p)^(1/p) (``_lp_pool``)."""
    return _lp_pool(2, input, norm_type, kernel_size, stride, ceil_mode)


def lp_pool3d(input, norm_type, kernel_size, stride=None, ceil_mode=False):
    """The p-norm of each window of (N, C, D, H, W): (sum x^p)^(1/p) (``_lp_pool``)."""
    return _lp_pool(3, input, norm_type, kernel_size, stride, ceil_mode)
