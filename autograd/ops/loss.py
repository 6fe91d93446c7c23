"""Loss functions, with PyTorch's arguments and numbers.

Most are composites of primitives. Four are fused Functions, each for a stated reason:
cross-entropy on class indices (speed: one node whose gradient is softmax - onehot, as a
hand-written network computes it), BCE (PyTorch's clamped logs would give 0 * inf = nan as a
composite), BCE-with-logits (stable at +-1000 and exact at logit 0) and MSE (PyTorch's graph:
one MseLossBackward0 node where a learner following a PyTorch tutorial looks for it, and one op
instead of four). MSE and the two BCEs reduce in their own node, as PyTorch's (without a weight).
All are stable for logits of +-1000.
"""
import warnings

from ..backend import by_input, get_array_module, host, is_array

from ..function import Function, Rule, ShapeError
from ..node_names import leaving_out, node_name
from ..tensor import Tensor
from .args import ArgumentError, OutOfRangeError, as_tensor, broadcast_shape
from .math import where
from .shape import fitted

_REDUCTIONS = ("mean", "sum", "none")


def _reduce(loss, reduction, name):
    if reduction == "mean":
        return loss.mean()
    if reduction == "sum":
        return loss.sum()
    if reduction == "none":
        return loss
    raise ArgumentError(f"{name}: reduction must be 'mean', 'sum' or 'none', got {reduction!r}")


def reduction_of(name, size_average=None, reduce=None, reduction="mean", choices=_REDUCTIONS):
    """The reduction a loss applies: ``reduction``, or the one PyTorch's deprecated ``size_average`` and
    ``reduce`` flags spell, with PyTorch's warning (its legacy rule: reduce=False keeps every element;
    else size_average=False sums; else the mean). Old code passes them, often positionally."""
    if size_average is not None or reduce is not None:
        size_average = True if size_average is None else size_average
        reduce = True if reduce is None else reduce
        reduction = "none" if not reduce else "mean" if size_average else "sum"
        warnings.warn(f"size_average and reduce args will be deprecated, please use reduction='{reduction}' "
                      "instead.", stacklevel=3)
        return reduction
    if reduction not in choices:
        raise ArgumentError(f"{name}: {reduction!r} is not a valid value for reduction: reduction must be "
                            f"{', '.join(map(repr, choices[:-1]))} or {choices[-1]!r}")
    return reduction


def _weighted(loss, weight, reduction, name, mean_by_weight):
    """A loss per element times ``weight`` (of the input's shape, as PyTorch's mse/l1/huber ``weight=``),
    reduced; ``mean_by_weight``: 'mean' divides by the weights' sum (mse, l1) rather than the count (huber)."""
    weight = as_tensor(weight)
    if tuple(weight.shape) != tuple(loss.shape):
        raise ValueError(f"{name}: Weights and input must have the same size (weight {tuple(weight.shape)}, "
                         f"input {tuple(loss.shape)})")
    loss = loss * weight
    if reduction == "mean" and mean_by_weight:
        return loss.sum() / weight.sum()
    return _reduce(loss, reduction, name)


def _same_size(input, target, name):
    broadcast_shape(name, input.shape, target.shape)
    if tuple(input.shape) != tuple(target.shape):
        warnings.warn(f"{name}: Using a target size ({tuple(target.shape)}) that is different to the input size "
                      f"({tuple(input.shape)}). This will likely lead to incorrect results due to broadcasting. "
                      "Please ensure they have the same size.", stacklevel=3)


def _reduced(ctx, loss, reduction):
    """A fused loss's elementwise ``loss`` reduced in its own node, as PyTorch's loss nodes reduce: the
    same numbers as loss.mean() / loss.sum() (summed in the loss's dtype, then divided by the count)."""
    ctx.reduction, ctx.n = reduction, loss.size
    if reduction == "none":
        return loss
    total = ctx.xp.add.reduce(loss, axis=None, dtype=loss.dtype)
    if reduction == "sum":
        return total
    if ctx.n == 0:  # the mean of nothing is nan, as PyTorch's (without numpy's warning)
        return loss.dtype.type("nan")
    return total / loss.dtype.type(ctx.n)


def _spread(ctx, grad):
    """The gradient of a fused loss's reduction: G / n for a mean (spread by broadcasting in backward)."""
    return grad / ctx.n if ctx.reduction == "mean" else grad


class MseLoss(Function):
    """(x - y)^2, averaged, summed or kept; the same numbers as the composite (x - y) * (x - y)
    then mean/sum, gradient included (2 * (G / n * d) is G / n * d added to itself, bit for bit).
    It keeps x and y, not d, so that backward(create_graph=True) differentiates through d."""

    rule = Rule("out = mean((x - y)^2)", ("d/dx = 2 (x - y) G / n", "d/dy = -2 (x - y) G / n"),
                "Each element's gradient is twice its error, divided by the count when averaged.")

    def forward(ctx, x, y, reduction="mean"):
        d = x - y
        ctx.save_for_backward(x, y)
        return _reduced(ctx, d * d, reduction)

    def backward(ctx, grad):
        x, y = ctx.saved_tensors
        g = _spread(ctx, grad) * (x - y)
        g = g + g
        return g, -g


def mse_loss(input, target, size_average=None, reduce=None, reduction="mean", weight=None):
    """mean((x - y)^2): one node (MseLoss) when both are float tensors of one dtype, else the
    composite, which promotes them as subtraction does. ``weight``: one per element, and 'mean'
    divides by their sum (PyTorch's)."""
    reduction = reduction_of("mse_loss", size_average, reduce, reduction)
    _same_size(input, target, "mse_loss")
    if weight is not None:
        diff = input - target
        return _weighted(diff * diff, weight, reduction, "mse_loss", mean_by_weight=True)
    if isinstance(input, Tensor) and isinstance(target, Tensor) and input.dtype == target.dtype \
            and input.dtype.kind == "f":
        return MseLoss.apply(input, target, reduction=reduction)
    diff = input - target
    return _reduce(diff * diff, reduction, "mse_loss")


def l1_loss(input, target, size_average=None, reduce=None, reduction="mean", weight=None):
    """mean(|x - y|); ``weight``: one per element, and 'mean' divides by their sum (PyTorch's)."""
    reduction = reduction_of("l1_loss", size_average, reduce, reduction)
    _same_size(input, target, "l1_loss")
    if weight is not None:
        return _weighted((input - target).abs(), weight, reduction, "l1_loss", mean_by_weight=True)
    return _reduce((input - target).abs(), reduction, "l1_loss")


def smooth_l1_loss(input, target, size_average=None, reduce=None, reduction="mean", beta=1.0):
    """0.5 d^2 / beta where |d| < beta, else |d| - 0.5 beta (d = x - y)."""
    reduction = reduction_of("smooth_l1_loss", size_average, reduce, reduction)
    _same_size(input, target, "smooth_l1_loss")
    if not beta >= 0:  # (nan too)
        raise RuntimeError(f"smooth_l1_loss does not support negative values for beta (got beta={beta}); "
                           "beta is the width of the quadratic zone: pass beta >= 0")
    d = input - target
    if beta == 0:
        return _reduce(d.abs(), reduction, "smooth_l1_loss")
    inner = _limited(d, beta)  # the quadratic branch sees |d| <= beta: no inf * 0 = nan from the unused one
    loss = where(d.abs() < beta, inner * inner * (0.5 / beta), d.abs() - 0.5 * beta)
    return _reduce(loss, reduction, "smooth_l1_loss")


def huber_loss(input, target, reduction="mean", delta=1.0, weight=None):
    """0.5 d^2 where |d| < delta, else delta (|d| - 0.5 delta); ``weight``: one per element ('mean' is
    then the mean of the weighted losses, PyTorch's rule for huber)."""
    reduction = reduction_of("huber_loss", reduction=reduction)
    _same_size(input, target, "huber_loss")
    if not delta > 0:  # (nan too) a negative delta would make the loss negative
        raise RuntimeError(f"huber_loss does not support non-positive values for delta (got delta={delta}); "
                           "delta is where the loss turns from quadratic to linear: pass delta > 0")
    d = input - target
    inner = _limited(d, delta)  # the quadratic branch sees |d| <= delta: no inf * 0 = nan from the unused one
    loss = where(d.abs() < delta, inner * inner * 0.5, (d.abs() - 0.5 * delta) * delta)
    if weight is not None:
        return _weighted(loss, weight, reduction, "huber_loss", mean_by_weight=False)
    return _reduce(loss, reduction, "huber_loss")


def _limited(d, bound):
    """d limited to [-bound, bound], a nan passing through with its gradient (as in PyTorch's fused
    huber and smooth-L1 kernels: clamp's own gradient is 0 at a nan)."""
    return where(d < -bound, -bound, where(d > bound, bound, d))


def _class_last(input, name):
    """(N, C, d1, ...) -> (N*d1*..., C); (C,) -> (1, C). Returns the flat view and the
    shape that a per-element loss has before flattening."""
    if input.ndim == 0:
        raise OutOfRangeError(f"{name}: input must have a class dimension, got a 0-d tensor")
    if input.ndim == 1:
        return input.reshape(1, -1), ()
    if input.ndim == 2:
        return input, (input.shape[0],)
    perm = (0,) + tuple(range(2, input.ndim)) + (1,)
    return input.permute(*perm).reshape(-1, input.shape[1]), (input.shape[0],) + tuple(input.shape[2:])


def _class_targets(input, target, weight, ignore_index, name):
    """Check class-index targets against ``input`` (N, C, d1, ...) and flatten both.

    Returns the (M, C) view of the input, the shape of a per-element loss, the targets with
    ignored entries replaced by 0 (a copy: a later in-place change to ``target`` cannot reach
    the backward), valid (M,) as 1.0 / 0.0 in the input's dtype, the class weights (C,) and
    w_i = w[y_i] (0 where ignored). The usual case travels light: valid is None when every row
    counts, w None without class weights, and w_i None when both (every row weighs 1)."""
    flat, elem_shape = _class_last(input, name)  # (M, C)
    n_classes = flat.shape[1]
    t = by_input.asarray(target._data if isinstance(target, Tensor) else target)
    if t.dtype.kind not in "iu":
        raise TypeError(f"{name}: target must hold integer class indices (int64), got dtype {t.dtype}; "
                        "for class probabilities use cross_entropy")
    if t.shape != elem_shape and not (elem_shape == () and t.shape == (1,)):  # (C,) takes a target () or (1,)
        raise ShapeError(f"{name}: input of shape {tuple(input.shape)} needs a target of shape {elem_shape}, "
                         f"got {tuple(t.shape)}")
    if not isinstance(ignore_index, (int, host.integer)):
        raise TypeError(f"{name}: ignore_index must be an int (a class index that marks targets to skip, "
                        f"default -100), got {ignore_index!r}")
    t = t.reshape(-1)
    xp = get_array_module(t)
    # The usual batch, every target a class and none equal to ignore_index, is told by its
    # min and max (two reductions, the speed of the MLP benchmark); any other batch takes the
    # element-wise check, which finds the first bad target for the error.
    low, high = (int(t.min()), int(t.max())) if t.size else (0, -1)
    if 0 <= low and high < n_classes and not low <= ignore_index <= high:
        safe, valid = t.copy(), None
    else:
        keep = t != ignore_index
        bad = keep & ((t < 0) | (t >= n_classes))
        if bad.any():
            raise IndexError(f"{name}: target {int(t[bad][0])} is out of bounds for {n_classes} classes "
                             f"(targets must be in [0, {n_classes - 1}] or equal ignore_index={ignore_index})")
        safe, valid = by_input.where(keep, t, 0), keep.astype(flat.dtype)
    if weight is None:
        w, w_i = None, valid  # w[y_i] = 1 wherever the row counts
    else:
        w = xp.asarray(weight._data if isinstance(weight, Tensor) else weight, dtype=flat.dtype)
        if w.shape != (n_classes,):
            raise ShapeError(f"{name}: weight must have shape ({n_classes},), one per class, got {w.shape}")
        w_i = w[safe] if valid is None else w[safe] * valid  # (M,)
    return flat, elem_shape, safe, valid, w, w_i


def nll_loss(input, target, weight=None, size_average=None, ignore_index=-100, reduce=None, reduction="mean"):
    """-w[y] * input[y] per sample, input being log-probabilities ``(N, C)`` or ``(N, C, d1, ...)``;
    'mean' divides by the sum of the weights of the non-ignored targets (as PyTorch)."""
    reduction = reduction_of("nll_loss", size_average, reduce, reduction)
    logp, elem_shape, safe, _, _, w_i = _class_targets(input, target, weight, ignore_index, "nll_loss")
    picked = logp[get_array_module(safe).arange(logp.shape[0]), safe]  # (M,)
    loss = -picked if w_i is None else -picked * w_i
    if reduction == "none":
        return fitted(loss, elem_shape)
    if reduction == "sum":
        return loss.sum()
    return loss.sum() / (w_i.sum() if w_i is not None else logp.shape[0])  # (every row weighs 1)


class CrossEntropy(Function):
    """Softmax cross-entropy on class indices, fused (the MLP benchmark says so: one node, and the
    gradient is softmax - onehot, as a hand-written network computes it).

    Per row i, with p = softmax(x_i), w_i = w[y_i] (0 if ignored), eps = label_smoothing:
        loss_i = (1 - eps) * (-w_i log p[y_i]) + eps / C * (-sum_c w_c log p_c)
        dloss_i/dx_i = (1 - eps) * w_i * (p - onehot(y_i)) + eps / C * valid_i * (p * sum(w) - w)
    'mean' divides the summed loss by sum_i w_i (PyTorch's weighted mean).
    """

    rule = Rule("loss = -w[y] * log softmax(x)[y]  (averaged by the weights)",
                ("d/dx = (softmax(x) - onehot(y)) * w[y]", "(constant: the per-row weights)",
                 "(constant: which rows count)", "(constant: the targets y)", "(constant: the class weights)"),
                "Softmax and cross-entropy in one node: the gradient is the predicted probabilities "
                "minus the one-hot target.", ("logits", "row weights", "valid rows", "target", "class weights"))

    def forward(ctx, x, w_i, valid, onehot_idx, w, eps=0.0, reduction="mean"):
        """``w_i`` None: every row counts with weight 1 (then ``valid`` and ``w`` are None, ``eps`` 0)."""
        xp = ctx.xp
        shifted = x - x.max(axis=1, keepdims=True)  # (M, C)
        logp = shifted - xp.log(xp.exp(shifted).sum(axis=1, keepdims=True))
        rows = xp.arange(x.shape[0])
        loss = -logp[rows, onehot_idx]  # (M,)
        if w_i is not None:
            loss *= w_i
        if eps:
            smooth = -(logp * w).sum(axis=1) * valid
            loss = (1 - eps) * loss + (eps / x.shape[1]) * smooth
        ctx.save_for_backward(x, xp.exp(logp))
        weight_sum = (x.shape[0] if w_i is None else w_i.sum()) if reduction == "mean" else None
        ctx.consts = (w_i, valid, onehot_idx, w, eps, reduction, rows, weight_sum)
        if reduction == "none":
            return loss
        total = loss.sum()
        return total / weight_sum if reduction == "mean" else total

    def backward(ctx, grad):
        x, p = ctx.saved_tensors
        w_i, valid, idx, w, eps, reduction, rows, weight_sum = ctx.consts
        n_classes = p.shape[1]
        coef = grad[:, None] if reduction == "none" else grad / weight_sum if reduction == "mean" else grad
        if is_array(grad) or by_input.isscalar(grad):  # the usual, numpy path
            # per row s = (1 - eps) w_i * coef; g = p s, minus s at the target (PyTorch's order)
            row_coef = grad if reduction == "none" else coef  # (M,) or a scalar
            if w_i is None:  # every row weighs 1: s is the coefficient itself
                g = p * (row_coef[:, None] if reduction == "none" else row_coef)
                g[rows, idx] -= row_coef
                return g, None, None, None, None
            s = (w_i if not eps else (1 - eps) * w_i) * row_coef  # (M,)
            g = p * s[:, None]
            g[rows, idx] -= s
            if eps:
                g += ((eps / n_classes) * valid * row_coef)[:, None] * (p * w.sum() - w)
            return g, None, None, None, None
        # create_graph=True: the same formula from Tensor ops, so it can be differentiated again
        p = x.softmax(1)
        onehot = get_array_module(idx).zeros(p.shape, dtype=p.dtype)
        onehot[rows, idx] = 1
        if w_i is None:
            return (p - onehot) * coef, None, None, None, None
        g = (p - onehot) * ((1 - eps) * w_i)[:, None]
        if eps:
            g = g + (p * float(w.sum()) - w) * ((eps / n_classes) * valid)[:, None].astype(p.dtype)
        return g * coef, None, None, None, None


def cross_entropy(input, target, weight=None, size_average=None, ignore_index=-100, reduce=None, reduction="mean",
                  label_smoothing=0.0):
    """Softmax cross-entropy from raw logits ``(N, C)`` / ``(N, C, d1, ...)`` / ``(C,)``.

    ``target`` holds class indices (int) or class probabilities (float, same shape as input).
    Both paths shift by the row maximum before exponentiating (log-sum-exp), so logits of +-1000
    give finite losses and gradients.
    """
    reduction = reduction_of("cross_entropy", size_average, reduce, reduction)
    if not 0.0 <= label_smoothing <= 1.0:
        raise ValueError(f"cross_entropy: label_smoothing must be between 0.0 and 1.0, got {label_smoothing}")
    target_t = as_tensor(target)
    class_dim = 0 if input.ndim == 1 else 1
    n_classes = input.shape[class_dim] if input.ndim else 0

    if target_t.dtype.kind == "f":  # class probabilities
        if tuple(target_t.shape) != tuple(input.shape):
            raise ShapeError(f"cross_entropy: class-probability target must have the input's shape "
                             f"{tuple(input.shape)}, got {tuple(target_t.shape)}")
        logp = input.log_softmax(class_dim)
        if label_smoothing > 0:
            target_t = target_t * (1 - label_smoothing) + label_smoothing / n_classes
        prod = logp * target_t
        if weight is not None:
            w_shape = [1] * input.ndim
            w_shape[class_dim] = n_classes
            prod = prod * as_tensor(weight).reshape(w_shape)
        loss = -prod.sum(class_dim)
        if reduction == "mean":
            return loss.sum() / (input.numel() // n_classes)  # mean over samples, not weights
        return _reduce(loss, reduction, "cross_entropy")

    if target_t.dtype.kind not in "iu":
        raise TypeError(f"cross_entropy: target must be class indices (int64) or class probabilities (float), "
                        f"got dtype {target_t.dtype}")
    if tuple(target_t.shape) == tuple(input.shape):  # the input's shape means probabilities, as in PyTorch
        raise ArgumentError(f"cross_entropy: a target of the input's shape {tuple(input.shape)} holds class "
                            f"probabilities and must be floating point, got {target_t.dtype}")
    flat, elem_shape, safe, valid, w, w_i = _class_targets(input, target_t, weight, ignore_index, "cross_entropy")
    if label_smoothing:  # smoothing reads every class weight and row: the usual case's Nones spelled out
        xp = get_array_module(safe)
        valid = xp.ones(flat.shape[0], dtype=flat.dtype) if valid is None else valid
        w = xp.ones(flat.shape[1], dtype=flat.dtype) if w is None else w
        w_i = valid if w_i is None else w_i
    if flat.shape[0] == 0:  # no samples: PyTorch's empty mean is nan, the sum 0
        empty = input.sum() * (float("nan") if reduction == "mean" else 0.0)
        return empty.expand(*elem_shape) if reduction == "none" else empty
    loss = CrossEntropy.apply(flat, w_i, valid, safe, w, eps=float(label_smoothing),
                              reduction=reduction)
    return loss.reshape(elem_shape) if reduction == "none" else loss


class BinaryCrossEntropy(Function):
    """-(t log x + (1-t) log(1-x)), each log clamped at -100 as PyTorch does."""

    rule = Rule("loss = -(t log x + (1 - t) log(1 - x))",
                ("d/dx = (x - t) / (x (1 - x))", "d/dt = log(1 - x) - log x"),
                "Pushes a probability x towards its target t; steep near the wrong end.", ("input", "target"))

    def forward(ctx, x, t, reduction="none"):
        ctx.save_for_backward(x, t)
        log_x, log_1mx = ctx.logs = _clamped_logs(ctx.xp, x)
        return _reduced(ctx, -(t * log_x + (1 - t) * log_1mx), reduction)

    def backward(ctx, grad):  # d/dx = (x - t) / max(x (1 - x), 1e-12); d/dt = log(1-x) - log x
        x, t = ctx.saved_tensors
        xp = ctx.xp
        grad = _spread(ctx, grad)
        log_x, log_1mx = _clamped_logs(xp, x) if isinstance(x, Tensor) else ctx.logs  # (create_graph: on x)
        gx = grad * (x - t) / xp.maximum(x * (1 - x), 1e-12) if ctx.needs_input_grad[0] else None
        gt = grad * (log_1mx - log_x) if ctx.needs_input_grad[1] else None
        return gx, gt


def _clamped_logs(xp, x):
    """log x and log(1 - x), each clamped at -100 as PyTorch's binary cross-entropy does."""
    with host.errstate(divide="ignore"):
        return xp.maximum(xp.log(x), -100), xp.maximum(xp.log1p(-x), -100)


def binary_cross_entropy(input, target, weight=None, size_average=None, reduce=None, reduction="mean"):
    """-w (y log x + (1-y) log(1-x)) for probabilities x in [0, 1] (logs clamped at -100)."""
    reduction = reduction_of("binary_cross_entropy", size_average, reduce, reduction)
    target = as_tensor(target)
    if tuple(target.shape) != tuple(input.shape):
        raise ValueError(f"binary_cross_entropy: Using a target size ({tuple(target.shape)}) that is different to "
                         f"the input size ({tuple(input.shape)}) is deprecated. Please ensure they have the same size.")
    x = input._data
    if x.size and (by_input.nanmin(x) < 0 or by_input.nanmax(x) > 1 or by_input.isnan(x).any()):
        raise RuntimeError("binary_cross_entropy: all elements of input should be between 0 and 1 (got values in "
                           f"[{by_input.nanmin(x):.4g}, {by_input.nanmax(x):.4g}]); apply sigmoid first, or use "
                           "binary_cross_entropy_with_logits on raw scores")
    t = target._data
    if t.size and not ((t >= 0) & (t <= 1)).all():  # (nan too) a target above 1 would give a negative loss
        raise RuntimeError("binary_cross_entropy: all elements of target should be between 0 and 1 (got values in "
                           f"[{by_input.nanmin(t):.4g}, {by_input.nanmax(t):.4g}]{', and nan' if by_input.isnan(t).any() else ''}); "
                           "targets are probabilities: 0 or 1 for class labels")
    if weight is None:  # one node, reducing too (PyTorch's BinaryCrossEntropyBackward0)
        return BinaryCrossEntropy.apply(input, target, reduction=reduction)
    return _reduce(BinaryCrossEntropy.apply(input, target) * weight, reduction, "binary_cross_entropy")


class BCEWithLogits(Function):
    """(1-t) x + lw * softplus(-x) with lw = 1 + (pos_weight - 1) t, softplus(-x) written as
    log1p(e^-|x|) + max(-x, 0) so that no exponential overflows."""

    rule = Rule("loss = (1 - t) x + log(1 + e^-x)  (x: a logit)",
                ("d/dx = sigmoid(x) - t", "d/dt = -x", "d/d(pos_weight) = t * log(1 + e^-x)"),
                "Sigmoid and binary cross-entropy in one stable node: the gradient is sigmoid(x) - t.",
                ("logits", "target", "pos_weight"))
    name = node_name("BinaryCrossEntropyWithLogitsBackward0")
    # a pos_weight that needs no gradient is an argument of PyTorch's node, not an input
    next_functions = leaving_out(lambda node: (2,) if len(node._edges) == 3 and node._edges[2] is None else ())

    def forward(ctx, x, t, pos_weight=None, reduction="none"):
        softplus_neg, lw = ctx.parts = _logit_parts(ctx.xp, x, t, pos_weight)
        ctx.save_for_backward(x, t, pos_weight)
        return _reduced(ctx, (1 - t) * x + lw * softplus_neg, reduction)

    def backward(ctx, grad):  # d/dx = (1-t) - lw sigmoid(-x); d/dt = -x + (pw-1) softplus(-x)
        x, t, pw = ctx.saved_tensors
        xp = ctx.xp
        # (with create_graph, the parts again from the inputs as Tensors, so that they are differentiated too)
        softplus_neg, lw = _logit_parts(xp, x, t, pw) if isinstance(x, Tensor) else ctx.parts
        need = ctx.needs_input_grad
        need_x, need_t, need_pw = need[0], need[1], len(need) > 2 and need[2]
        grad = _spread(ctx, grad)
        sig_neg = 0.5 - 0.5 * xp.tanh(0.5 * x)  # sigmoid(-x), stable
        gx = grad * ((1 - t) - lw * sig_neg) if need_x else None
        gt = None
        if need_t:  # (no 0 * softplus term without pos_weight: it is inf at x = -inf)
            gt = grad * (-x if pw is None else -x + (pw - 1) * softplus_neg)
        if len(need) == 2:
            return gx, gt
        return gx, gt, (grad * t * softplus_neg if need_pw else None)


def _logit_parts(xp, x, t, pos_weight):
    """softplus(-x) = log(1 + e^-x) without overflow, and the per-element weight 1 + (pos_weight - 1) t."""
    softplus_neg = xp.log1p(xp.exp(-xp.abs(x))) + xp.maximum(-x, 0)
    return softplus_neg, (1 if pos_weight is None else 1 + (pos_weight - 1) * t)


def binary_cross_entropy_with_logits(input, target, weight=None, size_average=None, reduce=None, reduction="mean",
                                     pos_weight=None):
    """BCE on raw scores: -w [pw y log sigmoid(x) + (1-y) log(1 - sigmoid(x))], computed stably."""
    reduction = reduction_of("binary_cross_entropy_with_logits", size_average, reduce, reduction)
    target = as_tensor(target)
    if tuple(target.shape) != tuple(input.shape):
        raise ValueError(f"binary_cross_entropy_with_logits: Target size ({tuple(target.shape)}) must be the same "
                         f"as input size ({tuple(input.shape)})")
    weights = () if pos_weight is None else (as_tensor(pos_weight),)
    if weight is None:  # one node, reducing too (PyTorch's BinaryCrossEntropyWithLogitsBackward0)
        return BCEWithLogits.apply(input, target, *weights, reduction=reduction)
    return _reduce(BCEWithLogits.apply(input, target, *weights) * weight, reduction, "binary_cross_entropy_with_logits")


def kl_div(input, target, size_average=None, reduce=None, reduction="mean", log_target=False):
    """sum target * (log target - input), input being log-probabilities."""
    reduction = reduction_of("kl_div", size_average, reduce, reduction, choices=("mean", "batchmean", "sum", "none"))
    target = as_tensor(target)
    broadcast_shape("kl_div", input.shape, target.shape)
    if log_target:
        loss = target.exp() * (target - input)
    else:
        loss = target * (where(target > 0, target, 1).log() - input)
    if reduction == "batchmean":
        return loss.sum() / (input.shape[0] if input.ndim else 1)
    return _reduce(loss, reduction, "kl_div")
