"""CTC loss (Graves et al., 2006), as torch.nn.functional.ctc_loss: the negative log-likelihood of
a label sequence, summed over every alignment of it to the input frames.

An alignment reads one symbol per frame from the extended labels l' = (blank, y1, blank, y2, ...,
yS, blank) (2S + 1 positions) and moves, from one frame to the next, by 0 or 1 position, or by 2
where that skips a blank between two different labels (two equal labels need the blank between
them). The forward-backward recursion sums over all of them in log space:

    alpha[t, s] = logsumexp(alpha[t-1, s], alpha[t-1, s-1], alpha[t-1, s-2] if l'[s] != l'[s-2]) + lp[t, l'[s]]
    beta[t, s]  = logsumexp(beta[t+1, s], beta[t+1, s+1], beta[t+1, s+2] if l'[s] != l'[s+2]) + lp[t, l'[s]]
    loss = -logsumexp(alpha[T-1, 2S], alpha[T-1, 2S-1])

(beta includes frame t's own symbol, as alpha does: alpha + beta counts lp[t, l'[s]] twice.)
``ctc_loss`` checks the arguments and reduces; ``CtcLoss`` is the primitive, one loss per batch
element, vectorised over the batch and the extended positions with a loop over time (the recursion
runs along it). Each step is written in PyTorch's CPU kernel's order (its max-shifted logsumexp,
its order of additions), so the numbers are PyTorch's to the last bits or nearly.
"""
import numbers

from ..backend import get_array_module, host
from ..function import Function, Rule, ShapeError
from ..tensor import Tensor
from .args import ArgumentError, as_tensor
from .math import where

_REDUCTIONS = ("mean", "sum", "none")


def _exp(x):
    """e^x rounded once to x's dtype: float32 through float64, which gives the correctly rounded
    result, as the C library's expf that PyTorch's kernel calls (numpy's own float32 exp can be an
    ulp off, and those ulps grow along the recursion)."""
    xp = get_array_module(x)
    return xp.exp(x.astype(xp.float64)).astype(x.dtype) if x.dtype == xp.float32 else xp.exp(x)


def _log(x):
    """log x rounded once to x's dtype (float32 through float64, as ``_exp``)."""
    xp = get_array_module(x)
    return xp.log(x.astype(xp.float64)).astype(x.dtype) if x.dtype == xp.float32 else xp.log(x)


def _logsumexp(*terms):
    """log(sum(exp(terms))), shifted by their maximum (0 when all are -inf: -inf - -inf would be nan),
    added up left to right, as PyTorch's kernel does."""
    top = terms[0]
    for x in terms[1:]:
        top = get_array_module(top).maximum(top, x)
    xp = get_array_module(top)
    top = xp.where(top == -xp.inf, 0, top).astype(top.dtype, copy=False)
    total = _exp(terms[0] - top)
    for x in terms[1:]:
        total = total + _exp(x - top)
    return _log(total) + top


def _shifted(a, by, fill):
    """``a`` (N, L) moved ``by`` positions along its last axis (right for by > 0), ``fill`` where it
    moved from outside."""
    out = get_array_module(a).full_like(a, fill)
    if by > 0:
        out[:, by:] = a[:, :-by]
    else:
        out[:, :by] = a[:, -by:]
    return out


class CtcLoss(Function):
    """One CTC loss per batch element, from log-probabilities (T, N, C): the forward-backward recursion
    (see the module). The targets arrive as the extended labels (N, L), with ``valid`` (N, L) marking
    each element's 2S + 1 positions and ``skip`` (N, L) where the move from s - 2 is allowed.

    The gradient is PyTorch's (its CPU kernel's): for frames t < input length,

        d loss_n / d lp[t, n, c] = exp(lp[t, n, c]) - exp(log_ab[t, n, c] + loss_n - lp[t, n, c])

    where log_ab[t, n, c] = logsumexp of alpha[t, s] + beta[t, s] over the positions s holding c, so
    the second term is the posterior probability that frame t reads c. The exact derivative of the
    loss with respect to lp is that second term alone, negated: the first, exp(lp), assumes that lp
    came from log_softmax, whose backward (g - softmax * sum(g)) cancels it (the posteriors of a frame
    sum to 1, so sum(g) = sum(exp(lp)) - 1 = 0), leaving softmax - posterior, the exact gradient with
    respect to the logits. So the gradient is exact through log_softmax (the usual use); with respect
    to log-probabilities used directly, normalised or not, it is PyTorch's number, exp(lp) - posterior,
    not the derivative. Frames past an element's input length get 0; an impossible alignment (loss inf)
    gets nan, or 0 with ``zero_infinity``."""

    rule = Rule("loss_n = -log sum over alignments of prod_t p[t, n, l'(s_t)]",
                ("d/dlp = exp(lp) - posterior (PyTorch's: exact through log_softmax)",),
                "Sum over every alignment of the labels to the frames by the forward-backward recursion; "
                "the gradient is what the softmax before it needs: probability minus posterior.",
                ("log_probs",))

    def forward(ctx, lp, ext=None, valid=None, skip=None, input_lengths=None, target_lengths=None,
                zero_infinity=False):
        xp = ctx.xp
        emit = xp.take_along_axis(lp, ext[None].repeat(lp.shape[0], 0), axis=2)  # (T, N, L) lp[t, n, l'[s]]
        with host.errstate(invalid="ignore", over="ignore", divide="ignore"):
            alpha = _alphas(xp, emit, valid, skip)  # (T, N, L)
            nll = _loss(xp, alpha, input_lengths, target_lengths)  # (N,)
        ctx.save_for_backward(lp, nll)  # (the output too, as PyTorch: changed in place, backward refuses)
        ctx.consts = (emit, alpha, ext, valid, skip, input_lengths, zero_infinity)
        return nll

    def backward(ctx, grad):
        if isinstance(grad, Tensor):
            raise RuntimeError("ctc_loss: gradients of gradients (create_graph=True) are not implemented "
                               "(nor are they in PyTorch)")
        lp, nll = ctx.saved_tensors
        emit, alpha, ext, valid, skip, input_lengths, zero_infinity = ctx.consts
        xp = ctx.xp
        T, N, _ = lp.shape
        frames = xp.arange(T)[:, None] < xp.asarray(input_lengths)[None, :]  # (T, N) t < input length
        with host.errstate(invalid="ignore", over="ignore", divide="ignore"):
            beta = _betas(xp, emit, valid, skip, input_lengths)  # (T, N, L)
            log_ab = _collected(xp, alpha + beta, ext, frames, lp.shape)  # (T, N, C)
            g = (_exp(lp) - _exp(log_ab + nll[None, :, None] - lp)) * xp.asarray(grad, dtype=lp.dtype)[None, :, None]
        keep = frames if not zero_infinity else frames & (nll != xp.inf)[None, :]
        return (xp.where(keep[:, :, None], g, 0).astype(lp.dtype, copy=False),)


def _alphas(xp, emit, valid, skip):
    """alpha (T, N, L): the log-probability of the alignments of the first s + 1 extended labels to
    the first t + 1 frames; an alignment starts at the first blank or at the first label."""
    inf = emit.dtype.type(xp.inf)
    alpha = xp.full(emit.shape, -inf, dtype=emit.dtype)
    alpha[0, :, :2] = emit[0, :, :2]
    alpha[0] = xp.where(valid, alpha[0], -inf)  # (no label: only the blank)
    for t in range(1, emit.shape[0]):
        prev = alpha[t - 1]  # (N, L)
        from_skip = xp.where(skip, _shifted(prev, 2, -inf), -inf)
        alpha[t] = xp.where(valid, _logsumexp(prev, _shifted(prev, 1, -inf), from_skip) + emit[t], -inf)
    return alpha


def _loss(xp, alpha, input_lengths, target_lengths):
    """-log p(labels) per element: the alignments that end, at the element's last frame, on the last
    blank or the last label; 0 for no frames and no labels, inf for no frames and some labels."""
    rows = xp.arange(alpha.shape[1])
    il, tl = xp.asarray(input_lengths), xp.asarray(target_lengths)
    last = alpha[xp.maximum(il - 1, 0), rows]  # (N, L) the last frame's alphas
    inf = alpha.dtype.type(xp.inf)
    end_blank = last[rows, 2 * tl]
    end_label = xp.where(tl > 0, last[rows, xp.maximum(2 * tl - 1, 0)], -inf)
    nll = -_logsumexp(end_blank, end_label)
    return xp.where(il > 0, nll, xp.where(tl > 0, inf, -alpha.dtype.type(0))).astype(alpha.dtype, copy=False)


def _betas(xp, emit, valid, skip, input_lengths):
    """beta (T, N, L): the log-probability of the alignments of the extended labels from s on to the
    frames from t to the element's last, which must end on the last blank or the last label;
    -inf past the last frame."""
    T, N, L = emit.shape
    inf = emit.dtype.type(xp.inf)
    il = xp.asarray(input_lengths)[:, None]  # (N, 1)
    s = xp.arange(L)[None, :]
    ends = valid & (s >= valid.sum(1, keepdims=True) - 2)  # (N, L) the last two positions (one without labels)
    skip_ahead = _shifted(skip, -2, False)  # (N, L) the move from s + 2 back to s is allowed
    beta = xp.full((T, N, L), -inf, dtype=emit.dtype)
    following = beta[0]  # (only read where t < il - 1, when it is beta[t + 1])
    for t in range(T - 1, -1, -1):
        start = xp.where(ends, emit[t], -inf)
        from_skip = xp.where(skip_ahead, _shifted(following, -2, -inf), -inf)
        step = xp.where(valid, _logsumexp(following, _shifted(following, -1, -inf), from_skip) + emit[t], -inf)
        beta[t] = xp.where(t == il - 1, start, xp.where(t < il - 1, step, -inf))
        following = beta[t]
    return beta


def _collected(xp, log_ab, ext, frames, shape):
    """log_ab (T, N, C): for each frame and class, log of the sum of exp(alpha + beta) over the
    extended positions holding that class (-inf where none), added one position at a time from the
    last, as PyTorch's kernel does; only frames before each element's input length."""
    T, N, C = shape
    inf = log_ab.dtype.type(xp.inf)
    out = xp.full((T, N, C), -inf, dtype=log_ab.dtype)
    rows = xp.arange(N)
    log_ab = xp.where(frames[:, :, None], log_ab, -inf)
    for s in range(ext.shape[1] - 1, -1, -1):
        cls = ext[:, s]  # (N,)
        have, x = out[:, rows, cls], log_ab[:, :, s]  # (T, N)
        top = xp.maximum(have, x)
        added = _log(_exp(have - top) + _exp(x - top)) + top
        out[:, rows, cls] = xp.where(have == -inf, x, added)
    return out


# ------------------------------------------------------------------------ the front function


def _host_values(value, what, lists=False):
    """``value`` as a host array: a Tensor or an array, or (``lists``: the lengths) a list or tuple of
    ints, as PyTorch takes them."""
    if isinstance(value, Tensor):
        return value.detach().cpu().numpy()
    if isinstance(value, (host.ndarray, host.generic)):
        return host.asarray(value)
    if lists and isinstance(value, (list, tuple)):
        if not all(isinstance(v, numbers.Integral) and not isinstance(v, bool) for v in value):
            raise TypeError(f"ctc_loss: {what} given as a list or tuple must hold ints, got {list(value)!r}")
        return host.asarray(value, dtype=host.int64).reshape(-1)
    raise TypeError(f"ctc_loss: {what} must be a Tensor{' or a list or tuple of ints' if lists else ''}, "
                    f"got {type(value).__name__}")


def _padded_targets(targets, target_lengths, n_classes, blank, batch):
    """The targets as (N, S) rows, each element's labels first, from padded (N, S) targets or from
    all elements' labels one after another (1-D); checked: enough of them, each a class other than
    the blank."""
    if targets.dtype.kind == "f":  # (PyTorch casts float targets to int64: whole numbers only here)
        if not (targets == host.floor(targets)).all():
            raise ArgumentError("ctc_loss: targets must be class indices (integers), got non-integral values")
        targets = targets.astype(host.int64)
    elif targets.dtype.kind not in "iu":
        raise ArgumentError(f"ctc_loss: targets must be class indices (integers), got dtype {targets.dtype}")
    longest = int(target_lengths.max()) if batch else 0
    if targets.ndim == 2:
        if targets.shape[0] != batch:
            raise ShapeError(f"ctc_loss: Expected tensor to have size {batch} at dimension 0, but got size "
                             f"{targets.shape[0]} for argument #2 'targets' (one row of labels per batch element)")
        if targets.shape[1] < longest:
            raise ShapeError(f"ctc_loss: Expected tensor to have size at least {longest} at dimension 1, but got "
                             f"size {targets.shape[1]} for argument #2 'targets' (target_lengths holds {longest}, "
                             f"longer than the padded targets)")
        rows = targets[:, :longest].astype(host.int64)
    elif targets.ndim == 1:
        total = int(target_lengths.sum())
        if targets.shape[0] != total:
            raise ShapeError(f"ctc_loss: Expected tensor to have size {total} at dimension 0, but got size "
                             f"{targets.shape[0]} for argument #2 'targets' (concatenated targets hold "
                             f"sum(target_lengths) = {total} labels)")
        rows = host.full((batch, longest), blank, dtype=host.int64)
        starts = host.concatenate([[0], host.cumsum(target_lengths)[:-1]]).astype(host.int64)
        for n, (start, count) in enumerate(zip(starts, target_lengths)):
            rows[n, :count] = targets[start:start + count]
    else:
        raise ShapeError(f"ctc_loss: Expected 1 to 2 dimensions, but got {targets.ndim}-dimensional tensor for "
                         "argument #2 'targets' (padded (N, S) or concatenated 1-D)")
    used = host.arange(longest)[None, :] < target_lengths[:, None]  # (N, S) the labels, not the padding
    bad = used & ((rows < 0) | (rows >= n_classes))
    if bad.any():
        n, i = (int(v[0]) for v in host.nonzero(bad))
        raise IndexError(f"ctc_loss: target {int(rows[n, i])} (element {n}, position {i}) is out of range for "
                         f"{n_classes} classes; labels must be in [0, {n_classes - 1}]")
    if (used & (rows == blank)).any():
        n, i = (int(v[0]) for v in host.nonzero(used & (rows == blank)))
        raise ArgumentError(f"ctc_loss: target at element {n}, position {i} is the blank index {blank}; the "
                            "blank separates labels and cannot be one (pad after target_lengths instead)")
    return host.where(used, rows, blank)


def _checked_lengths(input_lengths, target_lengths, batch, frames):
    """(input lengths, target lengths) as int64 host arrays (N,), checked: integers, one per batch
    element, none negative, no input longer than the ``frames`` of log_probs."""
    checked = []
    for what, value in (("input_lengths", input_lengths), ("target_lengths", target_lengths)):
        arr = _host_values(value, what, lists=True).reshape(-1)
        if arr.dtype.kind not in "iu":
            raise ArgumentError(f"ctc_loss: {what} must be integral, got dtype {arr.dtype}")
        if arr.size != batch:
            raise ShapeError(f"ctc_loss: {what} must be of size batch_size ({batch}), got {arr.size} values")
        if (arr < 0).any():
            raise ArgumentError(f"ctc_loss: Expected {what} to have value at least 0, but got value {int(arr.min())}")
        checked.append(arr.astype(host.int64))
    il, tl = checked
    if (il > frames).any():
        raise ArgumentError(f"ctc_loss: Expected input_lengths to have value at most {frames}, but got value "
                            f"{int(il.max())} (log_probs has {frames} frames)")
    return il, tl


def _extended(rows, target_lengths, blank):
    """The extended labels (N, L = 2S + 1): blank, y1, blank, y2, ..., blank; ``valid`` (N, L): the
    element's own 2 * length + 1 positions; ``skip`` (N, L): where an alignment may come from s - 2
    (a label after a blank after a different label)."""
    ext = host.full((rows.shape[0], 2 * rows.shape[1] + 1), blank, dtype=host.int64)
    ext[:, 1::2] = rows
    s = host.arange(ext.shape[1])[None, :]
    valid = s <= 2 * target_lengths[:, None]
    skip = (s >= 2) & (ext != host.roll(ext, 2, axis=1))
    return ext, valid, skip


def ctc_loss(log_probs, targets, input_lengths, target_lengths, blank=0, reduction="mean", zero_infinity=False):
    """Connectionist temporal classification loss, as torch.nn.functional.ctc_loss.

    ``log_probs`` (T, N, C), or (T, C) unbatched: log-probabilities over C classes (blank included)
    per frame, usually from log_softmax; ``targets`` padded (N, S) or every element's labels one after
    another (1-D); ``input_lengths`` and ``target_lengths`` (N,) as Tensors, lists or tuples of ints.
    Per element, loss = -log of the summed probability of every alignment of its labels to its frames
    (inf where there is none: too few frames; 0 instead with ``zero_infinity``, gradient 0 there).
    'mean' divides each loss by its target length (at least 1), then averages over the batch; 'sum'
    adds them; 'none' keeps them (N,). The gradient with respect to ``log_probs`` is PyTorch's,
    exp(lp) - posterior: exact through log_softmax (see CtcLoss).

    a) check log_probs, blank, the lengths and the targets (PyTorch's messages, with the values);
    b) the extended labels of each element;
    c) CtcLoss: one loss per element (N,);
    d) zero_infinity: inf -> 0; then the reduction."""
    if reduction not in _REDUCTIONS:
        raise ValueError(f"{reduction} is not a valid value for reduction (ctc_loss takes 'mean', 'sum' or 'none')")
    if not isinstance(log_probs, Tensor):
        raise TypeError(f"ctc_loss: log_probs must be a Tensor, got {type(log_probs).__name__}")
    if log_probs.ndim not in (2, 3):
        raise ShapeError(f"ctc_loss: Expected 3-dimensional tensor, but got {log_probs.ndim}-dimensional tensor "
                         "for argument #1 'log_probs' ((T, N, C), or (T, C) unbatched)")
    if log_probs.dtype.kind != "f" or log_probs.dtype.itemsize < 4:
        raise NotImplementedError(f"ctc_loss: not implemented for {log_probs.dtype} log_probs (float32 or float64)")
    batched = log_probs.ndim == 3
    lp = log_probs if batched else log_probs.unsqueeze(1)
    T, N, C = lp.shape
    if lp.numel() == 0:
        raise ArgumentError(f"ctc_loss: log_probs tensor must not be empty (got shape {tuple(log_probs.shape)})")
    if isinstance(blank, bool) or not isinstance(blank, numbers.Integral) or not 0 <= blank < C:
        raise ArgumentError(f"ctc_loss: blank must be in label range [0, {C - 1}], got {blank!r}")
    il, tl = _checked_lengths(input_lengths, target_lengths, N, T)
    rows = _padded_targets(_host_values(targets, "targets"), tl, C, int(blank), N)  # (N, S)
    ext, valid, skip = (lp._xp.asarray(a) for a in _extended(rows, tl, int(blank)))  # (N, L) each
    loss = CtcLoss.apply(lp, ext=ext, valid=valid, skip=skip, input_lengths=il, target_lengths=tl,
                         zero_infinity=bool(zero_infinity))  # (N,)
    if zero_infinity:
        loss = where(loss == float("inf"), 0.0, loss)
    if reduction == "mean":
        return (loss / as_tensor(host.maximum(tl, 1).astype(loss.dtype), like=loss)).mean()
    if reduction == "sum":
        return loss.sum()
    return loss if batched else loss.squeeze(0)
