"""The margin, embedding and likelihood losses of nn.functional (published there under PyTorch's
names): margin_ranking_loss, hinge_embedding_loss, soft_margin_loss, multilabel_soft_margin_loss,
multi_margin_loss, cosine_embedding_loss, triplet_margin_loss, triplet_margin_with_distance_loss,
poisson_nll_loss, gaussian_nll_loss.

Each is written as PyTorch's own kernel computes it, from tensor ops, so the gradients come from
the engine: the same formula, the same clamps (a hinge hit exactly passes the gradient where
PyTorch's clamp_min does, and stops it where PyTorch's kernel tests ``z > 0``), the same
broadcasting. The one change: soft margins use a softplus that cannot overflow (PyTorch's
log1p(exp(-x*y)) gives inf from x*y = -89 in float32; the values agree wherever PyTorch's are finite).
"""
import math
import numbers

import autograd as ag
from autograd.backend import host
from autograd.ops.args import ArgumentError
from autograd.ops.loss import reduction_of
from autograd.ops.shape import fitted

from .functional_layers import pairwise_distance

_REDUCTIONS = ("mean", "sum", "none")


# --------------------------------------------------------------------- shared steps


def _reduce(loss, reduction):
    """PyTorch's apply_loss_reduction: the mean (nan for no elements), the sum, or every element."""
    if reduction == "mean":
        return loss.mean()
    return loss.sum() if reduction == "sum" else loss


def _softplus(v):
    """log(1 + e^v) without overflow: relu(v) + log1p(e^-|v|). The -|v| is written as a where so that
    at v = 0 the gradient is e^0 / 2 = 0.5, as the textbook's (abs and relu would give 0 there)."""
    return ag.where(v > 0, v, 0.0) + ag.where(v > 0, -v, v).exp().log1p()


def _log_sigmoid(x):
    """log(sigmoid(x)) = -softplus(-x), exact for every x (PyTorch's log_sigmoid kernel)."""
    return -_softplus(-x)


def _shape(t):
    return list(t.shape)


# --------------------------------------------------------------------- hinge-type losses


def margin_ranking_loss(input1, input2, target, margin=0, size_average=None, reduce=None, reduction="mean"):
    """max(0, -y * (x1 - x2) + margin): y = 1 asks x1 to rank above x2 by ``margin``, y = -1 below."""
    reduction = reduction_of("margin_ranking_loss", size_average, reduce, reduction)
    if input1.ndim != input2.ndim or input1.ndim != target.ndim:
        raise ArgumentError(
            "margin_ranking_loss : All input tensors should have same dimension but got sizes: "
            f"input1: {_shape(input1)}, input2: {_shape(input2)}, target: {_shape(target)} ")
    return _reduce((-target * (input1 - input2) + margin).clamp(min=0), reduction)


def hinge_embedding_loss(input, target, margin=1.0, size_average=None, reduce=None, reduction="mean"):
    """x where y = 1, max(0, margin - x) where y = -1 (x is a distance; PyTorch's kernel: where y is
    neither, both terms are kept, as there)."""
    reduction = reduction_of("hinge_embedding_loss", size_average, reduce, reduction)
    below = ag.where(target != 1, (margin - input).clamp(min=0), 0.0)
    own = ag.where(target != -1, input, 0.0)
    return _reduce(below + own, reduction)


def soft_margin_loss(input, target, size_average=None, reduce=None, reduction="mean"):
    """log(1 + e^(-y x)), the two-class logistic loss on labels y = +-1."""
    reduction = reduction_of("soft_margin_loss", size_average, reduce, reduction)
    loss = _softplus(-input * target)
    if tuple(loss.shape) != tuple(input.shape):  # (PyTorch writes into an input-shaped output)
        raise ArgumentError(f"soft_margin_loss: output with shape {_shape(input)} doesn't match the broadcast "
                               f"shape {_shape(loss)}; give the target the input's shape")
    return _reduce(loss, reduction)


def multilabel_soft_margin_loss(input, target, weight=None, size_average=None, reduce=None, reduction="mean"):
    """Per class c: -(y log sigmoid(x) + (1 - y) log sigmoid(-x)), times weight[c], averaged over the
    classes (the last dim): one loss per sample, then reduced."""
    reduction = reduction_of("multilabel_soft_margin_loss", size_average, reduce, reduction)
    if input.ndim == 0:
        raise IndexError("multilabel_soft_margin_loss: Dimension specified as -1 but tensor has no dimensions; "
                         "the input needs a class dim: (C,) or (N, C)")
    loss = -(target * _log_sigmoid(input) + (1 - target) * _log_sigmoid(-input))
    if weight is not None:
        loss = loss * weight
    classes = input.shape[input.ndim - 1]
    return _reduce(loss.sum(dim=input.ndim - 1) / classes, reduction)  # (N,)


def multilabel_margin_loss(input, target, size_average=None, reduce=None, reduction="mean"):
    """The multi-label hinge: per sample, the target classes are target's entries up to the first -1;
    for each of them (a repeated one counts again) and each class i that is not a target, max(0, 1 -
    (x[target] - x[i])), summed and divided by the number of classes. As PyTorch's kernel, a pair exactly
    at the margin adds nothing and passes no gradient."""
    reduction = reduction_of("multilabel_margin_loss", size_average, reduce, reduction)
    if not (input.ndim in (1, 2) and input.shape[-1] != 0):
        raise ArgumentError("multilabel_margin_loss: Expected non-empty vector or matrix with optional 0-dim batch "
                            f"size, but got: {_shape(input)}")
    if _shape(target) != _shape(input):
        raise ArgumentError(f"multilabel_margin_loss: inconsistent target size: {_shape(target)} for input of size: "
                            f"{_shape(input)}; the target holds class indices, one row per sample, ended by -1")
    if target.dtype != ag.int64:
        raise ArgumentError(f"multilabel_margin_loss: expected scalar type Long but found {target.dtype} for the "
                            "target; pass class indices as int64 (target.long())")
    classes = input.shape[-1]
    x = input.reshape(-1, classes)  # (N, C)
    t = target.detach().cpu().numpy().reshape(-1, classes)  # (the targets are indices: no gradient)
    valid = (t == -1).cumsum(axis=1) == 0  # the entries before each row's first -1
    if ((t < 0) & valid).any() or (t >= classes).any():
        raise ArgumentError(f"multilabel_margin_loss: target out of range: the classes are 0 to {classes - 1} "
                            "(and -1 ends a row's targets)")
    counts = host.zeros(x.shape, dtype=input.dtype)  # how often each class is named a target, per sample
    rows = host.broadcast_to(host.arange(len(t))[:, None], t.shape)
    host.add.at(counts, (rows[valid], t[valid]), 1)
    pairs = counts[:, :, None] * (counts == 0)[:, None, :]  # (N, target class, other class)
    margins = (1 - x.unsqueeze(2) + x.unsqueeze(1)).relu()  # 1 - (x[j] - x[i]) for every pair (j, i)
    loss = (margins * ag.tensor(pairs).to(input.device)).sum(dim=(1, 2)) / classes  # (N,)
    return _reduce(fitted(loss, input.shape[:-1]), reduction)


def multi_margin_loss(input, target, p=1, margin=1.0, weight=None, size_average=None, reduce=None,
                      reduction="mean"):
    """The multi-class hinge: per sample, sum over classes i != y of max(0, margin - x[y] + x[i])^p,
    times weight[y], divided by the number of classes. As PyTorch's kernel, a class exactly at the
    margin (z = 0) adds nothing and passes no gradient."""
    reduction = reduction_of("multi_margin_loss", size_average, reduce, reduction)
    if p != 1 and p != 2:
        raise ValueError("only p == 1 and p == 2 supported")
    if weight is not None and weight.ndim != 1:
        raise ValueError("weight must be one-dimensional")
    if not (input.ndim == 0 or input.ndim in (1, 2) and input.shape[-1] != 0):
        raise ArgumentError("multi_margin_loss: Expected non-empty vector or matrix with optional 0-dim batch "
                               f"size, but got: {_shape(input)}")
    frames = input.shape[0] if input.ndim == 2 else 1
    classes = input.shape[-1] if input.ndim else 1
    if target.ndim > 1 or target.numel() != frames:
        raise ArgumentError(
            "multi_margin_loss: target tensor should be 1-D with size equal to the number of input samples "
            f"(batch size). Expected target size [{frames}], but got {_shape(target)}. Input has shape "
            f"{_shape(input)}.")
    if target.dtype != ag.int64:
        raise ArgumentError(f"multi_margin_loss: expected scalar type Long but found {target.dtype} for the "
                               "target; pass class indices as int64 (target.long())")
    if weight is not None and weight.numel() != classes:
        raise ArgumentError(f"multi_margin_loss: inconsistent weight size, expected {classes} but got "
                               f"{_shape(weight)}")
    if target.numel() and (target.min().item() < 0 or target.max().item() >= classes):
        raise ArgumentError(f"multi_margin_loss: target out of range: the classes are 0 to {classes - 1}, got "
                               f"values from {target.min().item()} to {target.max().item()}")
    x = input.reshape(frames, classes)  # (N, C)
    y = target.reshape(frames, 1)  # (N, 1)
    z = margin - x.gather(1, y) + x  # (N, C)
    hit = (z > 0) & (ag.arange(classes, device=input.device) != y)
    h = ag.where(hit, z if p == 1 else z * z, 0.0)
    if weight is not None:
        h = h * weight[y]  # (N, C) times (N, 1): each sample's weight is its target class's
    return _reduce(fitted(h.sum(1) / classes, target.shape), reduction)


def cosine_embedding_loss(input1, input2, target, margin=0, size_average=None, reduce=None, reduction="mean"):
    """1 - cos(x1, x2) where y = 1, max(0, cos(x1, x2) - margin) where y = -1 (0 where y is
    neither). As PyTorch: cos = x1.x2 / sqrt((|x1|^2 + 1e-12) (|x2|^2 + 1e-12)) along the feature dim."""
    reduction = reduction_of("cosine_embedding_loss", size_average, reduce, reduction)
    dim = target.ndim
    if dim not in (0, 1):
        raise ArgumentError("cosine_embedding_loss: 0D or 1D target tensor expected, multi-target not supported")
    if input1.ndim != dim + 1 or input2.ndim != dim + 1:
        raise ArgumentError(f"cosine_embedding_loss: {dim}D target tensor expects {dim + 1}D input tensors, but "
                               f"found inputs with sizes {_shape(input1)} and {_shape(input2)}.")
    eps = 9.999999960041972e-13  # (PyTorch's EPSILON: 1e-12 as a float32, added to each squared magnitude)
    dot = (input1 * input2).sum(dim)
    square1, square2 = (input1 * input1).sum(dim) + eps, (input2 * input2).sum(dim) + eps
    cos = dot / (square1 * square2).sqrt()
    same = ag.where(target == 1, 1 - cos, 0.0)
    apart = ag.where(target == -1, (cos - margin).clamp(min=0), 0.0)
    return _reduce(same + apart, reduction)


def triplet_margin_loss(anchor, positive, negative, margin=1.0, p=2, eps=1e-6, swap=False, size_average=None,
                        reduce=None, reduction="mean"):
    """max(0, margin + d(a, p) - d(a, n)) with d the pairwise p-norm distance (eps added to the
    difference); ``swap`` uses min(d(a, n), d(p, n)) as the negative's distance."""
    reduction = reduction_of("triplet_margin_loss", size_average, reduce, reduction)
    return _triplet(anchor, positive, negative, lambda x1, x2: pairwise_distance(x1, x2, p, eps), margin, swap,
                    reduction)


def triplet_margin_with_distance_loss(anchor, positive, negative, *, distance_function=None, margin=1.0, swap=False,
                                      reduction="mean"):
    """max(0, margin + d(a, p) - d(a, n)) with any distance ``d(x1, x2)`` (pairwise_distance by default:
    then it is triplet_margin_loss); ``swap`` uses min(d(a, n), d(p, n)) as the negative's distance."""
    reduction = reduction_of("triplet_margin_with_distance_loss", reduction=reduction)
    return _triplet(anchor, positive, negative, distance_function or pairwise_distance, margin, swap, reduction)


def _triplet(anchor, positive, negative, distance, margin, swap, reduction):
    """The triplet losses' shared steps: PyTorch's checks, then max(0, margin + d(a, p) - d(a, n)), reduced."""
    if margin <= 0:
        raise ValueError(f"margin must be greater than 0, got {margin}")
    if not anchor.ndim == positive.ndim == negative.ndim:
        raise ArgumentError(
            "The anchor, positive, and negative tensors are expected to have the same number of dimensions, but "
            f"got: anchor {anchor.ndim}D, positive {positive.ndim}D, and negative {negative.ndim}D inputs")
    to_positive, to_negative = distance(anchor, positive), distance(anchor, negative)
    if swap:
        to_negative = ag.minimum(to_negative, distance(positive, negative))
    return _reduce((margin + to_positive - to_negative).clamp(min=0), reduction)


# --------------------------------------------------------------------- likelihoods


def poisson_nll_loss(input, target, log_input=True, full=False, size_average=None, eps=1e-8, reduce=None,
                     reduction="mean"):
    """The Poisson negative log-likelihood of ``target`` counts: e^x - y x on log-rates
    (``log_input``), else x - y log(x + eps) on rates; ``full`` adds Stirling's approximation of
    log(y!), y log y - y + log(2 pi y) / 2, for y > 1 (0 elsewhere). The same numbers as PyTorch's; where
    a target is 0, its gradient is 0 where PyTorch's is nan (0 * log 0 in the dropped term)."""
    reduction = reduction_of("poisson_nll_loss", size_average, reduce, reduction)
    if log_input:
        loss = input.exp() - target * input
    else:
        loss = input - target * (input + eps).log()
    if full:
        over_one = target > 1
        y = ag.where(over_one, target, 2.0)  # (the log's argument kept > 1 where the term is dropped: no
        stirling = y * y.log() - y + 0.5 * (2 * math.pi * y).log()  # log(0), and a target gradient of 0, not nan)
        loss = loss + ag.where(over_one, stirling, 0.0)
    return _reduce(loss, reduction)


def gaussian_nll_loss(input, target, var, full=False, eps=1e-6, reduction="mean"):
    """The Gaussian negative log-likelihood: (log(var) + (x - y)^2 / var) / 2, plus log(2 pi) / 2
    when ``full``. ``var`` has the input's shape, or one dim short, or a 1 in one place (one variance
    shared along that dim), or is a number. As PyTorch, var is raised to at least ``eps`` for the
    values only: its gradient passes straight through the clamp."""
    if isinstance(var, numbers.Real) and not isinstance(var, bool):
        if var < 0:
            raise ValueError("gaussian_nll_loss: var has negative entry/entries")
        var = var * ag.ones_like(input)
    elif bool((var < 0).any()):
        raise ValueError("gaussian_nll_loss: var has negative entry/entries")
    if tuple(var.shape) != tuple(input.shape):
        if tuple(input.shape[:-1]) == tuple(var.shape):  # one variance per sample: shared along the last dim
            var = var.unsqueeze(-1)
        elif not (input.ndim == var.ndim and sum(v for i, v in zip(input.shape, var.shape) if i != v) == 1):
            raise ValueError(f"gaussian_nll_loss: var is of incorrect size: var {_shape(var)} for input "
                             f"{_shape(input)}; give it the input's shape, the input's shape without its last "
                             "dim, or the input's shape with a 1 in one dim")
    if reduction not in _REDUCTIONS:
        raise ValueError(f"gaussian_nll_loss: {reduction} is not valid; use 'mean', 'sum' or 'none'")
    var = var.clone()
    with ag.no_grad():
        var.clamp_(min=eps)  # (in place, unrecorded: the values change, the gradient does not see the clamp)
    loss = 0.5 * (var.log() + (input - target) ** 2 / var)
    if full:
        loss = loss + 0.5 * math.log(2 * math.pi)
    return _reduce(loss, reduction)
