"""nn.functional (import as F): the stateless functions that layers call in ``forward``.

The primitives behind them (forward and backward side by side) live in the engine, in
``autograd/ops/``: activations (activation.py), losses (loss.py), convolution, pooling,
padding and resizing (conv.py), affine_grid and grid_sample (sampling.py), im2col and col2im (unfold.py), normalisation (norm.py), embedding (embedding.py). This
module publishes them under PyTorch's names and adds the few that are plain compositions
of tensor ops (softmax with PyTorch's implicit-dim rule, dropout, normalize, one_hot...).
"""
import math
import warnings

from autograd.backend import host

import autograd as ag
from autograd import ShapeError
from autograd.ops.args import ArgumentError
from autograd.ops.promote import DTypeError
from autograd.ops.activation import (  # noqa: F401
    celu, celu_, elu, elu_, gelu, hardshrink, hardsigmoid, hardswish, hardtanh, hardtanh_, heaviside_step, leaky_relu,
    leaky_relu_, logsigmoid, mish, relu, relu_, relu6, selu, selu_, sigmoid, silu, softplus, softshrink, softsign, step,
    tanh,
)
from autograd.ops.attention import scaled_dot_product_attention  # noqa: F401
from autograd.ops.ctc import ctc_loss  # noqa: F401
from autograd.ops.conv import (  # noqa: F401
    adaptive_avg_pool1d, adaptive_avg_pool2d, adaptive_avg_pool3d, adaptive_max_pool1d, adaptive_max_pool2d,
    adaptive_max_pool3d, adaptive_max_pool1d_with_indices, adaptive_max_pool2d_with_indices,
    adaptive_max_pool3d_with_indices, avg_pool1d, avg_pool2d, conv1d, conv2d, conv_transpose1d, conv_transpose2d,
    interpolate, max_pool1d, max_pool1d_with_indices, max_pool2d, max_pool2d_with_indices, pad, upsample,
    upsample_bilinear, upsample_nearest,
)
from autograd.ops.sampling import affine_grid, grid_sample  # noqa: F401
from autograd.ops.unfold import fold, unfold  # noqa: F401
from autograd.ops.unpool import max_unpool1d, max_unpool2d, max_unpool3d  # noqa: F401
from autograd.ops.volume import (  # noqa: F401
    avg_pool3d, conv3d, conv_transpose3d, max_pool3d, max_pool3d_with_indices,
)
from autograd.ops.embedding import embedding  # noqa: F401  (embedding_bag below picks its rows)
from autograd.ops.loss import (  # noqa: F401
    binary_cross_entropy, binary_cross_entropy_with_logits, cross_entropy, huber_loss, kl_div, l1_loss, mse_loss,
    nll_loss, smooth_l1_loss,
)
from autograd.ops.math import linear  # noqa: F401
from autograd.ops.norm import batch_norm, group_norm, instance_norm, layer_norm  # noqa: F401
from .functional_layers import (  # noqa: F401
    bilinear, channel_shuffle, glu, local_response_norm, lp_pool1d, lp_pool2d, lp_pool3d, pairwise_distance,
    pdist, pixel_shuffle, pixel_unshuffle, rrelu,
    rrelu_, tanhshrink, threshold, threshold_,
)
from .functional_losses import (  # noqa: F401
    cosine_embedding_loss, gaussian_nll_loss, hinge_embedding_loss, margin_ranking_loss, multi_margin_loss,
    multilabel_margin_loss, multilabel_soft_margin_loss, poisson_nll_loss, soft_margin_loss, triplet_margin_loss,
    triplet_margin_with_distance_loss,
)


def softmax(input, dim=None, dtype=None):
    """e^x / sum(e^x) along ``dim``."""
    x = input if dtype is None else input.to(dtype)
    return x.softmax(_default_dim(x, dim, "softmax"))


def softmin(input, dim=None, dtype=None):
    return softmax(-input, dim, dtype)


def log_softmax(input, dim=None, dtype=None):
    """x - logsumexp(x) along ``dim`` (one fused, stable primitive)."""
    x = input if dtype is None else input.to(dtype)
    return x.log_softmax(_default_dim(x, dim, "log_softmax"))


def gumbel_softmax(logits, tau=1, hard=False, eps=1e-10, dim=-1):
    """A sample of the Gumbel-softmax (concrete) distribution: softmax((logits + g) / tau) with Gumbel(0, 1)
    noise g = -log(e), e ~ Exp(1) drawn by Tensor.exponential_ (as PyTorch's code, draw for draw). hard=True:
    the one-hot of each sample's argmax forward, the soft sample's gradient backward (straight through:
    y_hard - y_soft.detach() + y_soft)."""
    if eps != 1e-10:
        warnings.warn("`eps` parameter is deprecated and has no effect.", stacklevel=2)
    gumbels = -ag.empty_like(logits).exponential_().log()  # ~Gumbel(0, 1)
    y_soft = ((logits + gumbels) / tau).softmax(dim)  # ~Gumbel(logits, tau), through softmax
    if not hard:
        return y_soft  # (the reparameterisation trick)
    index = y_soft.max(dim, keepdim=True)[1]
    y_hard = ag.zeros_like(logits).scatter_(dim, index, 1.0)
    return y_hard - y_soft.detach() + y_soft


def _default_dim(x, dim, name):
    if dim is not None:
        return dim
    warnings.warn(f"Implicit dimension choice for {name} has been deprecated. Change the call to include dim=X "
                  "as an argument.", stacklevel=3)
    return 0 if x.ndim in (0, 1, 3) else 1


def normalize(input, p=2.0, dim=1, eps=1e-12):
    """x / max(||x||_p, eps) along ``dim``."""
    return input / _norm(input, p, dim).clamp(min=eps)


def _norm(x, p, dim):
    """||x||_p along ``dim`` (kept), with torch.norm's gradient 0 at a zero vector: the root of a zero
    sum alone would send 0 * inf = nan back. The root is taken of 1 there, and its result dropped.
    p = inf: max |x|; -inf: min |x|; 0: the count of nonzeros, as torch.linalg.vector_norm."""
    if p == float("inf"):
        return x.abs().amax(dim, keepdim=True)
    if p == -float("inf"):
        return x.abs().amin(dim, keepdim=True)
    if p == 0:  # the count of nonzeros (no gradient, as PyTorch's)
        return (x != 0).sum(dim, keepdim=True).to(x.dtype)
    if p == 2:
        total = (x * x).sum(dim, keepdim=True)
    else:  # |x|^p, its gradient 0 where x is 0 (as torch's; for p < 1 the power's own is 0 * inf = nan there)
        a = x.abs()
        zero = a == 0
        total = ag.where(zero, 0.0, ag.where(zero, 1.0, a) ** p).sum(dim, keepdim=True)
    nonzero = total != 0  # (nan too: it stays nan)
    safe = ag.where(nonzero, total, 1.0)
    return ag.where(nonzero, safe.sqrt() if p == 2 else safe ** (1.0 / p), 0.0)


def one_hot(tensor, num_classes=-1):
    """Integer class indices -> int64 one-hot vectors in a new last dim."""
    idx = ag.as_tensor(tensor)
    if idx.dtype.kind not in "iu":
        raise TypeError(f"one_hot: class values must be integers (int64), got dtype {idx.dtype}")
    if idx.numel() == 0 and num_classes <= 0:
        raise ArgumentError("one_hot: can not infer the number of classes from an empty tensor; give num_classes")
    if idx.numel() and idx.min().item() < 0:
        raise ArgumentError(f"one_hot: class values must be non-negative, got {idx.min().item()}")
    n = int(idx.max().item()) + 1 if num_classes == -1 else num_classes
    if idx.numel() and idx.max().item() >= n:
        raise ArgumentError(f"one_hot: class value {idx.max().item()} is not below num_classes={n}")
    return (idx.unsqueeze(-1) == ag.arange(n, device=idx.device)).long()


# --------------------------------------------------------------------- dropout, flatten


def dropout(input, p=0.5, training=True, inplace=False):
    """Inverted dropout: zero each element with probability ``p`` and scale the rest by 1/(1-p),
    so nothing changes at evaluation time. Identity when ``training`` is False."""
    _check_probability("dropout", p)
    return _dropout(input, p, training, inplace, tuple(input.shape))


def dropout1d(input, p=0.5, training=True, inplace=False):
    """Channel-wise dropout on (N, C, L) or unbatched (C, L): each channel is zeroed whole with
    probability ``p`` (one draw per channel), the rest scaled by 1/(1-p)."""
    _check_probability("dropout1d", p)
    if input.ndim not in (2, 3):
        raise RuntimeError(f"dropout1d: Expected 2D or 3D input, but received a {input.ndim}D input. Note that "
                           "dropout1d exists to provide channel-wise dropout on inputs with 1 spatial dimension, a "
                           "channel dimension, and an optional batch dimension (i.e. 2D or 3D inputs).")
    return _channel_dropout(input, p, training, inplace, batched=input.ndim == 3)


def dropout2d(input, p=0.5, training=True, inplace=False):
    """Channel-wise dropout on (N, C, H, W): each (H, W) plane is zeroed whole with probability ``p``.
    As PyTorch 2.x: a 3-D input is read as (N, C, L) (channel-wise 1-D dropout, with PyTorch's warning),
    and any other number of dims is dropped per (N, C) entry with a deprecation warning."""
    _check_probability("dropout2d", p)
    _warn_unusual_dims("dropout2d", input, 2)
    if input.ndim == 3:
        warnings.warn("dropout2d: Received a 3D input to dropout2d and assuming that channel-wise 1D dropout "
                      "behavior is desired - input is interpreted as shape (N, C, L), where C is the channel dim. "
                      "This behavior will change in a future release to interpret the input as one without a "
                      "batch dimension, i.e. shape (C, H, W). To maintain the 1D channel-wise dropout behavior, "
                      "please switch to using dropout1d instead.", stacklevel=2)
    return _channel_dropout(input, p, training, inplace, batched=True)


def dropout3d(input, p=0.5, training=True, inplace=False):
    """Channel-wise dropout on (N, C, D, H, W) or unbatched (C, D, H, W): each volume is zeroed whole
    with probability ``p``; other numbers of dims are accepted with PyTorch's deprecation warning."""
    _check_probability("dropout3d", p)
    _warn_unusual_dims("dropout3d", input, 3)
    return _channel_dropout(input, p, training, inplace, batched=input.ndim == 5)


def alpha_dropout(input, p=0.5, training=False, inplace=False):
    """Dropout for SELU networks: a dropped element is set to SELU's negative saturation and the result
    is scaled and shifted (a, b below) so that zero mean and unit variance are kept. Note PyTorch's
    default: ``training=False`` (the identity) for the function; ``nn.AlphaDropout`` passes its mode."""
    _check_probability("alpha_dropout", p)
    return _dropout(input, p, training, inplace, tuple(input.shape), alpha=True)


def feature_alpha_dropout(input, p=0.5, training=False, inplace=False):
    """alpha_dropout with one draw per channel (dims 0 and 1; the rest share it)."""
    _check_probability("feature_alpha_dropout", p)
    return _dropout(input, p, training, inplace, _feature_noise_shape("feature_alpha_dropout", input), alpha=True)


_SELU_SATURATION = 1.7580993408473766  # -SELU's limit at -inf: scale * alpha


def _check_probability(op, p):
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"{op}: dropout probability has to be between 0 and 1, but got {p}")


def _warn_unusual_dims(op, input, spatial):
    """PyTorch's deprecation warning for a channel dropout given other than (C, *spatial) or (N, C, *spatial)."""
    if input.ndim not in (spatial + 1, spatial + 2):
        warnings.warn(f"{op}: Received a {input.ndim}-D input to {op}, which is deprecated and will result in an "
                      "error in a future release. To retain the behavior and silence this warning, please use "
                      f"dropout instead. Note that {op} exists to provide channel-wise dropout on inputs with "
                      f"{spatial} spatial dimensions, a channel dimension, and an optional batch dimension (i.e. "
                      f"{spatial + 1}D or {spatial + 2}D inputs).", stacklevel=3)


def _feature_noise_shape(op, input):
    if input.ndim < 2:
        raise RuntimeError(f"{op}: Feature dropout requires at least 2 dimensions in the input, got shape "
                           f"{tuple(input.shape)}")
    return tuple(input.shape[:2]) + (1,) * (input.ndim - 2)


def _channel_dropout(input, p, training, inplace, batched):
    """Feature dropout as PyTorch's functions do it: an unbatched input gets a batch dim of 1 first."""
    if batched:
        return _dropout(input, p, training, inplace, _feature_noise_shape("dropout", input))
    batch = input.unsqueeze_(0) if inplace else input.unsqueeze(0)
    out = _dropout(batch, p, training, inplace, _feature_noise_shape("dropout", batch))
    return out.squeeze_(0) if inplace else out.squeeze(0)


def _dropout(input, p, training, inplace, noise_shape, alpha=False):
    """PyTorch's dropout (its ``_dropout_impl``): keep each entry of a noise of ``noise_shape`` (the input's
    shape, or one per channel, broadcast over the rest) with probability 1 - p. Plain: the input times
    keep / (1 - p). Alpha: the input times keep * a, plus b, which is a * alpha * p where kept and
    -a * alpha * (1 - p) where dropped. p = 1 gives zeros in both (PyTorch's rule), p = 0 or
    ``training=False`` the input itself."""
    if not training or p == 0.0 or input.numel() == 0:
        return input
    if p == 1.0:
        zero = ag.zeros(() if alpha else input.shape, dtype=input.dtype, device=input.device)
        return input.mul_(zero) if inplace else input * zero
    keep = ag.get_rng(input.device).random(noise_shape) >= p  # (one draw per noise entry, on the input's device)
    if not alpha:
        mask = ag.from_array((keep / (1.0 - p)).astype(input.dtype))
        return input.mul_(mask) if inplace else input * mask
    a = 1.0 / math.sqrt((_SELU_SATURATION ** 2 * p + 1) * (1 - p))
    scale = ag.from_array((keep * a).astype(input.dtype))
    shift = ag.from_array(((keep - 1.0) * (_SELU_SATURATION * a) + _SELU_SATURATION * a * p).astype(input.dtype))
    return (input.mul_(scale) if inplace else input * scale).add_(shift)


def flatten(input, start_dim=0, end_dim=-1):
    return input.flatten(start_dim, end_dim)


def cosine_similarity(x1, x2, dim=1, eps=1e-8):
    """sum((x1 / ||x1||) * (x2 / ||x2||)) along ``dim``, each norm raised to at least ``eps``. As PyTorch:
    each input is divided by its norm first (the result stays in [-1, 1]), and the raise to eps changes
    the value only: the gradient flows through the norm as computed (0 at a zero vector)."""
    shape = tuple(host.broadcast_shapes(x1.shape, x2.shape))
    # the norms of the broadcast inputs, as PyTorch takes them (an input of that shape already is taken as it is)
    x1, x2 = (x if tuple(x.shape) == shape else x.expand(*shape) for x in (x1, x2))
    n1, n2 = _norm(x1, 2, dim), _norm(x2, 2, dim)
    n1 = n1 + (eps - n1).clamp(min=0).detach()  # the value raised to eps, the gradient of the norm itself
    n2 = n2 + (eps - n2).clamp(min=0).detach()
    return ((x1 / n1) * (x2 / n2)).sum(dim)


# --------------------------------------------------------------------- prelu, rms_norm


def prelu(input, weight):
    """x if x > 0 else weight * x, with one learned slope (``weight`` of one element) or one per
    channel (dim 1; a 1-d input counts as one channel, as PyTorch's). The gradients at x = 0 are
    PyTorch's: the slope's side for x, 0 for the slope, 0 for every second derivative."""
    if not isinstance(weight, ag.Tensor) or weight.ndim > 1:
        got = f"ndim = {weight.ndim}" if isinstance(weight, ag.Tensor) else type(weight).__name__
        raise ArgumentError(f"prelu: Expected `weight` to be a scalar or 1D tensor, but got: {got}")
    if weight.dtype != input.dtype:
        raise DTypeError(f"prelu: Type promoting not supported. Got {input.dtype} and {weight.dtype}; convert the input "
                         f"(x.to({weight.dtype})) or the module (.to({input.dtype}))")
    channels = input.shape[1] if input.ndim >= 2 else 1
    if weight.numel() != 1 and weight.numel() != channels:
        raise ArgumentError(f"prelu: Mismatch of parameter numbers and input channel size. Found parameter "
                            f"numbers = {weight.numel()} and channel size = {channels}.")
    slope = weight.reshape(()) if weight.numel() == 1 else weight.reshape((channels,) + (1,) * (input.ndim - 2))
    # at x = 0 the slope's value is the gradient but (as in PyTorch's second derivatives) not a path to it:
    # d/dweight there is 0, and so is every second derivative through it
    return ag.where(input > 0, input, ag.where(input < 0, slope * input, slope.detach() * input))


def rms_norm(input, normalized_shape, weight=None, eps=None):
    """x / sqrt(mean(x^2) + eps) * weight over the trailing ``normalized_shape`` dims: LayerNorm
    without the centring and the bias (Llama's norm). eps=None: the dtype's machine epsilon
    (``finfo(dtype).eps``), as PyTorch's."""
    shape = (int(normalized_shape),) if isinstance(normalized_shape, (int, host.integer)) else \
        tuple(int(n) for n in normalized_shape)
    k = len(shape)
    if input.ndim < k or tuple(input.shape[input.ndim - k:]) != shape:
        raise ShapeError(f"rms_norm: Given normalized_shape={list(shape)}, expected input with shape "
                         f"[*{', '.join(map(str, shape))}], but got input of size{list(input.shape)}")
    if weight is not None and tuple(weight.shape) != shape:
        raise ShapeError(f"rms_norm: weight has shape {tuple(weight.shape)}; expected normalized_shape {shape}")
    if input.dtype.kind != "f":
        raise TypeError(f"rms_norm: expected a floating-point input, got {input.dtype}")
    eps = float(host.finfo(input.dtype).eps) if eps is None else eps
    dims = tuple(range(input.ndim - k, input.ndim))
    y = input * ((input * input).mean(dims, keepdim=True) + eps).rsqrt()
    return y if weight is None else y * weight


# --------------------------------------------------------------------- embedding_bag


def embedding_bag(input, weight, offsets=None, max_norm=None, norm_type=2, scale_grad_by_freq=False, mode="mean",
                  sparse=False, per_sample_weights=None, include_last_offset=False, padding_idx=None):
    """Bags of embedding rows reduced to one row each (sum, mean or max), without the (bags, n, dim)
    tensor in between. ``input`` (B, n): B bags of n indices; or 1-d with ``offsets``: bag i is
    input[offsets[i]:offsets[i+1]] (with ``include_last_offset`` the last offset closes the last bag).
    Entries equal to ``padding_idx`` are left out (not counted by mean); an empty bag gives zeros.
    ``per_sample_weights`` (mode='sum' only) scales each entry's row. ``sparse`` (sum and mean): the weight's
    gradient is a sparse COO tensor, as PyTorch's: one entry per index kept, in input order (each the gradient of
    its bag, divided by the bag's size for mean, times its weight)."""
    op = "embedding_bag"
    if mode not in ("sum", "mean", "max"):
        raise ValueError(f"{op}: mode has to be one of sum, mean or max, got {mode!r}")
    if per_sample_weights is not None and mode != "sum":
        raise NotImplementedError(f"{op}: per_sample_weights was not None. per_sample_weights is only supported "
                                  f"for mode='sum' (got mode='{mode}').")
    if sparse and mode == "max":
        raise ValueError("max mode does not support sparse weights")  # (PyTorch's words)
    if scale_grad_by_freq:
        raise NotImplementedError(f"{op}: scale_grad_by_freq is not implemented")
    if not isinstance(input, ag.Tensor) or input.dtype.kind not in "iu":
        raise TypeError(f"{op}: input must be an integer tensor of indices (int64), got "
                        f"{input.dtype if isinstance(input, ag.Tensor) else type(input).__name__}")
    if per_sample_weights is not None and tuple(per_sample_weights.shape) != tuple(input.shape):
        raise ShapeError(f"{op}: per_sample_weights {tuple(per_sample_weights.shape)} must have the shape of input "
                         f"{tuple(input.shape)}")
    n = input.numel()
    if input.ndim == 2:
        if offsets is not None:
            raise ValueError(f"{op}: if input is 2D, then offsets has to be None, as input is treated is a "
                             f"mini-batch of fixed length sequences. However, found offsets of type "
                             f"{type(offsets).__name__}")
        lengths = [input.shape[1]] * input.shape[0]
    elif input.ndim == 1:
        if not isinstance(offsets, ag.Tensor) or offsets.ndim != 1:
            raise ValueError(f"{op}: offsets has to be a 1D Tensor but got "
                             f"{type(offsets).__name__ if not isinstance(offsets, ag.Tensor) else offsets.ndim}")
        bounds = [int(o) for o in offsets.tolist()] + ([] if include_last_offset else [n])
        if bounds and bounds[0] != 0:
            raise ArgumentError(f"{op}: offsets[0] has to be 0, i.e., the first sequence in the mini-batch has to "
                                f"start from position 0. However, got {bounds[0]}")
        if any(b < a for a, b in zip(bounds, bounds[1:])) or (bounds and bounds[-1] > n):
            raise ArgumentError(f"{op}: offsets must be non-decreasing and at most input's length {n}, got "
                                f"{offsets.tolist()}")
        lengths = [b - a for a, b in zip(bounds, bounds[1:])]
    else:
        raise ShapeError(f"{op}: input has to be 1D or 2D Tensor, but got Tensor of dimension {input.ndim}")
    flat = input.reshape(-1)
    bag = host.repeat(host.arange(len(lengths)), lengths)  # each entry's bag
    keep = host.ones(n, dtype=bool)
    if padding_idx is not None:
        keep = host.asarray(flat.tolist()) != padding_idx % weight.shape[0]  # (on the host, from any device)
    picked = ag.tensor(host.flatnonzero(keep), device=input.device)
    rows = embedding(flat[picked], weight, max_norm=max_norm, norm_type=norm_type, sparse=sparse)  # (kept, dim)
    if per_sample_weights is not None:
        rows = rows * per_sample_weights.reshape(-1)[picked].unsqueeze(1)
    bag, counts = bag[keep], host.bincount(bag[keep], minlength=len(lengths))
    if mode == "max":  # a bag's entries are one run of the kept rows
        ends = host.cumsum(counts)
        zeros = ag.zeros(weight.shape[1], dtype=weight.dtype, device=weight.device)
        return ag.stack([rows[e - c:e].amax(0) if c else zeros for c, e in zip(counts.tolist(), ends.tolist())])
    out = ag.zeros((len(lengths), weight.shape[1]), dtype=weight.dtype, device=weight.device)
    out = out.index_add(0, ag.tensor(bag, device=weight.device), rows)  # (bags, dim)
    if mode == "mean":
        out = out / ag.tensor(host.maximum(counts, 1).astype(weight.dtype), device=weight.device).unsqueeze(1)
    return out


__all__ = [name for name, value in list(globals().items())
           if not name.startswith("_") and callable(value) and not isinstance(value, type(warnings))]
