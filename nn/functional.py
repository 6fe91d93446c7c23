"""nn.functional (import as F): the stateless functions that layers call in ``forward``.

The primitives behind them (forward and backward side by side) live in the engine, in
``autograd/ops/``: activations (activation.py), losses (loss.py), convolution, pooling,
padding and resizing (conv.py), normalisation (norm.py), embedding (embedding.py). This
module publishes them under PyTorch's names and adds the few that are plain compositions
of tensor ops (softmax with PyTorch's implicit-dim rule, dropout, normalize, one_hot...).
"""
import warnings

from autograd.backend import host

import autograd as ag
from autograd.ops.args import ArgumentError
from autograd.ops.activation import (  # noqa: F401
    celu, elu, gelu, hardsigmoid, hardswish, hardtanh, heaviside_step, leaky_relu, logsigmoid, mish, relu, relu6,
    selu, sigmoid, silu, softplus, softsign, step, tanh,
)
from autograd.ops.attention import scaled_dot_product_attention  # noqa: F401
from autograd.ops.conv import (  # noqa: F401
    adaptive_avg_pool1d, adaptive_avg_pool2d, avg_pool1d, avg_pool2d, conv1d, conv2d, conv_transpose1d,
    conv_transpose2d, interpolate, max_pool1d, max_pool2d, pad, upsample, upsample_nearest,
)
from autograd.ops.volume import avg_pool3d, conv3d, max_pool3d  # noqa: F401
from autograd.ops.embedding import embedding  # noqa: F401
from autograd.ops.loss import (  # noqa: F401
    binary_cross_entropy, binary_cross_entropy_with_logits, cross_entropy, huber_loss, kl_div, l1_loss, mse_loss,
    nll_loss, smooth_l1_loss,
)
from autograd.ops.math import linear  # noqa: F401
from autograd.ops.norm import batch_norm, group_norm, instance_norm, layer_norm  # noqa: F401
from .functional_layers import (  # noqa: F401
    bilinear, channel_shuffle, glu, local_response_norm, pairwise_distance, pixel_shuffle, pixel_unshuffle, rrelu,
    rrelu_, tanhshrink, threshold, threshold_,
)
from .functional_losses import (  # noqa: F401
    cosine_embedding_loss, gaussian_nll_loss, hinge_embedding_loss, margin_ranking_loss, multi_margin_loss,
    multilabel_soft_margin_loss, poisson_nll_loss, soft_margin_loss, triplet_margin_loss,
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
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"dropout: probability has to be between 0 and 1, but got {p}")
    if not training or p == 0.0:
        return input
    if p == 1.0:
        return input * ag.zeros(input.shape, dtype=input.dtype, device=input.device)
    keep = ag.get_rng(input.device).random(input.shape) >= p  # (same shape as input, on its device)
    mask = ag.from_array((keep / (1.0 - p)).astype(input.dtype))
    return input.mul_(mask) if inplace else input * mask


def flatten(input, start_dim=0, end_dim=-1):
    return input.flatten(start_dim, end_dim)


def cosine_similarity(x1, x2, dim=1, eps=1e-8):
    """sum((x1 / ||x1||) * (x2 / ||x2||)) along ``dim``, each norm raised to at least ``eps``. As PyTorch:
    each input is divided by its norm first (the result stays in [-1, 1]), and the raise to eps changes
    the value only: the gradient flows through the norm as computed (0 at a zero vector)."""
    shape = tuple(host.broadcast_shapes(x1.shape, x2.shape))
    x1, x2 = x1.expand(*shape), x2.expand(*shape)  # norms of the broadcast inputs, as PyTorch takes them
    n1, n2 = _norm(x1, 2, dim), _norm(x2, 2, dim)
    n1 = n1 + (eps - n1).clamp(min=0).detach()  # the value raised to eps, the gradient of the norm itself
    n2 = n2 + (eps - n2).clamp(min=0).detach()
    return ((x1 / n1) * (x2 / n2)).sum(dim)


__all__ = [name for name, value in list(globals().items())
           if not name.startswith("_") and callable(value) and not isinstance(value, type(warnings))]
