"""F.ctc_loss and nn.CTCLoss against PyTorch 2.13 itself: losses and gradients with respect to the
log-probabilities, float32 and float64, every reduction, blank not 0, zero_infinity both ways,
impossible alignments, padded and concatenated targets, lengths as tensors, lists and tuples,
unbatched input; the gradient through log_softmax (the usual use) and on log-probabilities used
directly, normalised or not (PyTorch's exp(lp) - posterior, see autograd/ops/ctc.py); bad input
refused with the values at fault; and a small speech-style program (GRU + Linear + log_softmax +
CTCLoss, trained with Adam) run from one source under both libraries."""
import math
import re
import sys
from pathlib import Path

import numpy as np
import pytest

import autograd as ag
import nn.functional as F

torch = pytest.importorskip("torch")
torch.set_num_threads(1)
sys.path.insert(0, str(Path(__file__).parent / "porting"))
from harness import assert_same, run_both  # noqa: E402

TOL = {"float64": dict(rtol=1e-11, atol=1e-12), "float32": dict(rtol=2e-6, atol=2e-6)}


def _problem(seed, T, N, C, S, blank=0, short=False):
    """Random logits (T, N, C), padded targets (N, S) of labels other than the blank (padding: the
    blank, or anything: it is never read), input lengths in [1, T] and target lengths in [0, S];
    ``short``: some elements get fewer frames than their labels need (an impossible alignment)."""
    rng = np.random.default_rng(seed)
    labels = np.array([c for c in range(C) if c != blank])
    targets = rng.choice(labels, size=(N, S))
    target_lengths = rng.integers(0, S + 1, size=N)
    targets[np.arange(S)[None, :] >= target_lengths[:, None]] = rng.integers(0, C)  # (padding)
    input_lengths = rng.integers(max(1, T // 2), T + 1, size=N)
    input_lengths[0] = T
    if short:
        target_lengths[0] = S
        input_lengths[0] = max(S - 1, 0)
    return rng.standard_normal((T, N, C)), targets, input_lengths, target_lengths


def _concatenated(targets, target_lengths):
    return np.concatenate([row[:n] for row, n in zip(targets, target_lengths)]).astype(np.int64)


def _run(lib, x, targets, input_lengths, target_lengths, dtype, how="log_softmax", lengths="tensor", **kw):
    """The loss and the gradient of its sum with respect to the leaf ``x``, as a user writes it:
    log_probs = leaf.log_softmax(2) (``how``), or the leaf itself used as log-probabilities."""
    leaf = lib.tensor(x, dtype=getattr(lib, dtype), requires_grad=True)
    log_probs = leaf.log_softmax(-1) if how == "log_softmax" else leaf
    if lengths == "tensor":
        il, tl = lib.tensor(input_lengths), lib.tensor(target_lengths)
    else:
        kind = list if lengths == "list" else tuple
        il, tl = kind(int(v) for v in input_lengths), kind(int(v) for v in target_lengths)
    loss = lib.nn.functional.ctc_loss(log_probs, lib.tensor(targets), il, tl, **kw)
    loss.sum().backward()
    return loss.detach().numpy(), leaf.grad.numpy()


def _same(x, targets, input_lengths, target_lengths, dtype, tol=None, **kw):
    """Ours and PyTorch's give the same losses and gradients (nan where PyTorch's is nan)."""
    theirs = _run(torch, x, targets, input_lengths, target_lengths, dtype, **kw)
    ours = _run(ag, x, targets, input_lengths, target_lengths, dtype, **kw)
    for what, a, b in zip(("loss", "gradient"), ours, theirs):
        assert a.shape == b.shape and a.dtype == b.dtype, (what, a.shape, b.shape, a.dtype, b.dtype)
        np.testing.assert_allclose(a, b, err_msg=what, **(tol or TOL[dtype]))
    return ours


CASES = [  # (seed, T, N, C, S, blank)
    (0, 12, 4, 6, 4, 0),
    (1, 20, 3, 5, 7, 0),
    (2, 7, 5, 3, 3, 2),  # blank the last class
    (3, 15, 2, 8, 5, 4),  # blank in the middle
    (4, 1, 3, 4, 1, 0),  # one frame
    (5, 30, 6, 4, 10, 1),  # few classes, long targets: many repeats
]


@pytest.mark.parametrize("case", CASES, ids=[f"T{c[1]}-N{c[2]}-C{c[3]}-S{c[4]}-blank{c[5]}" for c in CASES])
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_through_log_softmax_matches_torch(case, reduction, dtype):
    seed, T, N, C, S, blank = case
    x, targets, il, tl = _problem(seed, T, N, C, S, blank)
    tol = TOL[dtype] if dtype == "float64" else dict(rtol=1e-5, atol=1e-6)  # (two log_softmax kernels first)
    loss, grad = _same(x, targets, il, tl, dtype, tol=tol, blank=blank, reduction=reduction)
    assert np.isfinite(loss).all() and np.isfinite(grad).all()
    frames = np.arange(T)[:, None] >= il[None, :]  # past each element's input length: no gradient
    assert (grad[frames] == 0).all()


@pytest.mark.parametrize("how", ["log_probs", "unnormalised"])
@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_on_a_leaf_the_gradient_is_torchs_exp_minus_posterior(how, dtype):
    """Log-probabilities used directly: PyTorch's gradient, exp(lp) - posterior, which is not the
    derivative (that is -posterior) but what the log_softmax before it needs."""
    x, targets, il, tl = _problem(6, 10, 3, 5, 4)
    if how == "log_probs":
        x = torch.tensor(x).log_softmax(-1).numpy()  # (the same numbers into both)
    else:
        x = x - 1.5  # (rows summing to anything but 1)
    loss, grad = _same(x, targets, il, tl, dtype, how="leaf", reduction="sum")
    # the posteriors of a frame sum to 1: each row of the gradient sums to sum(exp(lp)) - 1
    expect = np.exp(x).sum(-1) - 1
    expect[np.arange(10)[:, None] >= il[None, :]] = 0
    np.testing.assert_allclose(grad.sum(-1), expect, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("zero_infinity", [False, True])
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_impossible_alignments_give_inf_or_zero(zero_infinity, reduction, dtype):
    """Element 0 has fewer frames than labels: inf (its gradient nan, as PyTorch's), or 0 with
    zero_infinity (gradient 0 there, the others untouched)."""
    x, targets, il, tl = _problem(7, 8, 3, 5, 4, short=True)
    loss, grad = _same(x, targets, il, tl, dtype, reduction=reduction, zero_infinity=zero_infinity)
    if zero_infinity:
        assert np.isfinite(loss).all() and (grad[:, 0] == 0).all() and np.isfinite(grad).all()
        if reduction == "none":
            assert loss[0] == 0
    else:
        assert np.isinf(loss[0] if reduction == "none" else loss)
        assert np.isnan(grad[:il[0], 0]).all() and np.isfinite(grad[:, 1:]).all()


@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_repeated_labels_need_a_blank_between_them(dtype):
    """[1, 1] fits 3 frames (1, blank, 1) but not 2; [1, 2] fits 2."""
    x = np.random.default_rng(8).standard_normal((3, 3, 4))
    targets = np.array([[1, 1], [1, 1], [1, 2]])
    loss, _ = _same(x, targets, np.array([3, 2, 2]), np.array([2, 2, 2]), dtype, reduction="none")
    assert np.isfinite(loss[0]) and np.isinf(loss[1]) and np.isfinite(loss[2])


def test_a_hand_computed_loss():
    """T = 2, one label 'a': the alignments are (a, a), (blank, a), (a, blank)."""
    p = np.array([[0.5, 0.3, 0.2], [0.1, 0.6, 0.3]])  # (T, C): blank, a, b
    lp = ag.tensor(np.log(p)[:, None, :])
    loss = F.ctc_loss(lp, ag.tensor([[1]]), [2], [1], reduction="sum")
    want = -math.log(p[0, 1] * p[1, 1] + p[0, 0] * p[1, 1] + p[0, 1] * p[1, 0])
    assert abs(loss.item() - want) < 1e-12
    empty = F.ctc_loss(lp, ag.tensor([[1]]), [2], [0], reduction="sum")  # no labels: blanks only
    assert abs(empty.item() + math.log(p[0, 0] * p[1, 0])) < 1e-12


@pytest.mark.parametrize("reduction", ["mean", "none"])
def test_through_log_softmax_the_gradient_is_the_derivative(reduction):
    """Independently of PyTorch: central differences of the loss of log_softmax(x) agree with backward."""
    x, targets, il, tl = _problem(16, 7, 3, 4, 3)
    leaf = ag.tensor(x, requires_grad=True)
    assert ag.gradcheck(lambda v: F.ctc_loss(v.log_softmax(2), ag.tensor(targets), ag.tensor(il), ag.tensor(tl),
                                             reduction=reduction), leaf, atol=1e-7, rtol=1e-6)


def test_leaf_gradient_is_the_derivative_plus_exp_lp():
    """On log-probabilities used directly, backward gives the derivative plus exp(lp) (PyTorch's choice),
    checked against central differences of the loss itself, frame by frame."""
    x, targets, il, tl = _problem(17, 5, 2, 4, 2)
    leaf = ag.tensor(x, requires_grad=True)
    F.ctc_loss(leaf, ag.tensor(targets), ag.tensor(il), ag.tensor(tl), reduction="sum").backward()
    numeric = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        up, down = x.copy(), x.copy()
        up[i] += 1e-6
        down[i] -= 1e-6
        losses = [F.ctc_loss(ag.tensor(v), ag.tensor(targets), ag.tensor(il), ag.tensor(tl), reduction="sum").item()
                  for v in (up, down)]
        numeric[i] = (losses[0] - losses[1]) / 2e-6
    frames = (np.arange(5)[:, None] < il[None, :])[:, :, None]  # (past an element's frames: 0, not exp(lp))
    np.testing.assert_allclose(leaf.grad.numpy(), numeric + np.exp(x) * frames, rtol=1e-6, atol=1e-7)


def test_targets_of_other_integer_and_whole_float_dtypes():
    """int32 targets, and float ones holding whole numbers (PyTorch casts them to int64); fractions refused."""
    x, targets, il, tl = _problem(18, 8, 2, 5, 3)
    _same(x, targets.astype(np.int32), il, tl, "float64")
    _same(x, targets.astype(np.float32), il, tl, "float64")
    with pytest.raises(RuntimeError, match="ctc_loss: targets must be class indices"):
        F.ctc_loss(ag.tensor(x), ag.tensor(targets + 0.5), ag.tensor(il), ag.tensor(tl))


@pytest.mark.parametrize("lengths", ["tensor", "list", "tuple"])
@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_concatenated_targets_and_lengths_as_lists(lengths, dtype):
    x, targets, il, tl = _problem(9, 14, 4, 6, 5)
    flat = _concatenated(targets, tl)
    for reduction in ("mean", "none"):
        padded = _same(x, targets, il, tl, dtype, lengths=lengths, reduction=reduction, tol=dict(rtol=1e-5, atol=1e-6))
        joined = _same(x, flat, il, tl, dtype, lengths=lengths, reduction=reduction, tol=dict(rtol=1e-5, atol=1e-6))
        for a, b in zip(padded, joined):
            np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_unbatched(reduction, dtype):
    """log_probs (T, C), targets (S,), lengths 0-d tensors or one-element lists: a scalar loss."""
    x, targets, il, tl = _problem(10, 9, 1, 5, 3)
    x, row = x[:, 0], targets[0][:tl[0]]

    def run(lib, lengths):
        leaf = lib.tensor(x, dtype=getattr(lib, dtype), requires_grad=True)
        n_in, n_out = int(il[0]), int(tl[0])
        il_, tl_ = (lib.tensor(n_in), lib.tensor(n_out)) if lengths == "0-d" else ([n_in], [n_out])
        loss = lib.nn.functional.ctc_loss(leaf.log_softmax(-1), lib.tensor(row), il_, tl_, reduction=reduction)
        loss.backward()
        return loss.detach().numpy(), leaf.grad.numpy()

    for lengths in ("0-d", "list"):
        ours, theirs = run(ag, lengths), run(torch, lengths)
        for a, b in zip(ours, theirs):
            assert a.shape == b.shape and a.dtype == b.dtype
            np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)


def test_no_frames_and_no_labels():
    """An element with 0 frames: loss 0 without labels, inf with some; its gradient 0 either way."""
    x, _, _, _ = _problem(11, 6, 3, 4, 2)
    targets = np.array([[1, 2], [3, 1], [2, 2]])
    _same(x, targets, np.array([0, 0, 6]), np.array([0, 2, 2]), "float64", reduction="none")
    _same(x, targets, np.array([0, 0, 6]), np.array([0, 2, 2]), "float64", reduction="mean", zero_infinity=True)


@pytest.mark.parametrize("kw", [dict(), dict(blank=3, reduction="sum"), dict(reduction="none", zero_infinity=True)])
def test_the_module_is_the_function(kw):
    x, targets, il, tl = _problem(12, 10, 3, 4, 3, blank=kw.get("blank", 0))
    results = []
    for lib in (torch, ag):
        leaf = lib.tensor(x, requires_grad=True)
        criterion = lib.nn.CTCLoss(**kw)
        loss = criterion(leaf.log_softmax(2), lib.tensor(targets), lib.tensor(il), lib.tensor(tl))
        loss.sum().backward()
        results.append((loss.detach().numpy(), leaf.grad.numpy(), criterion.blank, criterion.reduction,
                        criterion.zero_infinity))
    (tl_, tg, *t_opts), (ol, og, *o_opts) = results
    assert o_opts == t_opts
    np.testing.assert_allclose(ol, tl_, **TOL["float64"])
    np.testing.assert_allclose(og, tg, **TOL["float64"])


def test_gradients_of_gradients_are_refused():
    x, targets, il, tl = _problem(13, 5, 2, 4, 2)
    leaf = ag.tensor(x, requires_grad=True)
    loss = F.ctc_loss(leaf.log_softmax(2), ag.tensor(targets), ag.tensor(il), ag.tensor(tl))
    with pytest.raises(RuntimeError, match="ctc_loss: gradients of gradients"):
        ag.autograd.grad(loss, leaf, create_graph=True)


def _both_refuse(call, *patterns):
    """PyTorch raises; ours raises a RuntimeError, ValueError, TypeError or IndexError naming
    ctc_loss and matching each pattern."""
    with pytest.raises(Exception):  # noqa: B017,PT011  (PyTorch's type varies: only that it refuses)
        call(torch)
    with pytest.raises((RuntimeError, ValueError, TypeError, IndexError)) as err:
        call(ag)
    message = str(err.value)
    assert "ctc_loss" in message or "valid value for reduction" in message, message
    for pattern in patterns:
        assert pattern in message, (pattern, message)


def _call(**changes):
    """F.ctc_loss on a good problem, with some arguments changed."""
    x, targets, il, tl = _problem(14, 6, 2, 5, 3)
    args = dict(log_probs=x, targets=targets, input_lengths=il, target_lengths=tl)
    args.update(changes)
    kw = {k: args.pop(k) for k in ("blank", "reduction") if k in args}

    def call(lib):
        def as_tensor(v):
            return lib.tensor(v) if isinstance(v, np.ndarray) else v
        lp = as_tensor(args["log_probs"])
        return lib.nn.functional.ctc_loss(lp, as_tensor(args["targets"]), as_tensor(args["input_lengths"]),
                                          as_tensor(args["target_lengths"]), **kw)
    return call


def test_bad_input_is_refused_naming_the_values():
    x, targets, il, tl = _problem(14, 6, 2, 5, 3)
    _both_refuse(_call(input_lengths=np.array([7, 3])), "input_lengths", "at most 6", "got value 7")
    _both_refuse(_call(input_lengths=np.array([-1, 3])), "input_lengths", "at least 0", "-1")
    _both_refuse(_call(target_lengths=np.array([-2, 1])), "target_lengths", "at least 0", "-2")
    _both_refuse(_call(target_lengths=np.array([4, 1])), "size at least 4", "got size 3", "'targets'")
    _both_refuse(_call(targets=_concatenated(targets, tl)[:-1]), f"size {tl.sum()}", f"got size {tl.sum() - 1}")
    _both_refuse(_call(targets=targets[:1]), "size 2 at dimension 0", "got size 1")
    _both_refuse(_call(targets=targets[None]), "3-dimensional", "'targets'")
    _both_refuse(_call(blank=5), "blank must be in label range", "got 5")
    _both_refuse(_call(blank=-1), "blank must be in label range", "got -1")
    _both_refuse(_call(log_probs=x[None]), "Expected 3-dimensional tensor", "4-dimensional")
    _both_refuse(_call(log_probs=x[:, 0, 0]), "Expected 3-dimensional tensor", "1-dimensional")
    _both_refuse(_call(log_probs=x[:, :0]), "must not be empty")
    _both_refuse(_call(input_lengths=np.array([6.0, 3.0])), "input_lengths must be integral", "float64")
    _both_refuse(_call(target_lengths=np.array([True, True])), "target_lengths must be integral", "bool")
    _both_refuse(_call(input_lengths=np.array([6, 3, 3])), "input_lengths must be of size batch_size (2)", "3 values")
    _both_refuse(_call(input_lengths=[6.0, 3.0]), "input_lengths", "must hold ints", "6.0")
    _both_refuse(_call(input_lengths=6), "input_lengths must be a Tensor or a list or tuple of ints", "int")
    _both_refuse(_call(reduction="avg"), "avg is not a valid value for reduction")
    _both_refuse(_call(log_probs=x.astype(np.int64)), "not implemented for int64")


def test_targets_outside_the_classes_or_equal_to_the_blank_are_refused():
    """PyTorch's CPU kernel does not check these (it reads past the class dimension, or counts the
    blank as a label, against its documentation): a wrong number; we refuse."""
    x, targets, il, tl = _problem(15, 6, 2, 5, 3)
    tl = np.array([3, 2])
    for bad, words in ((7, "target 7 (element 1, position 1) is out of range for 5 classes"),
                       (-1, "target -1 (element 1, position 1) is out of range"),
                       (0, "target at element 1, position 1 is the blank index 0")):
        changed = targets.copy()
        changed[1, 1] = bad
        with pytest.raises((IndexError, RuntimeError), match="ctc_loss: " + re.escape(words)):
            F.ctc_loss(ag.tensor(x).log_softmax(2), ag.tensor(changed), ag.tensor(il), ag.tensor(tl))
    padded = targets.copy()
    padded[1, 2] = 0  # past target_lengths[1] = 2: padding, never read
    _same(x, padded, il, tl, "float64")


SPEECH = '''
import torch
import torch.nn as nn
import torch.nn.functional as F

T, N, C, S = 12, 4, 6, 4  # frames, batch, classes (0: blank), longest transcript


class Recognizer(nn.Module):
    def __init__(self, features=5, hidden=8, classes=C):
        super().__init__()
        self.rnn = nn.GRU(features, hidden)
        self.head = nn.Linear(hidden, classes)

    def forward(self, x):
        out, _ = self.rnn(x)  # (T, N, hidden)
        return F.log_softmax(self.head(out), dim=2)  # (T, N, C)


model = Recognizer()
criterion = nn.CTCLoss(blank=0, zero_infinity=True)
optimizer = torch.optim.Adam(model.parameters(), lr=0.01)

features = torch.randn(T, N, 5)
targets = torch.randint(1, C, (N, S), dtype=torch.long)
input_lengths = torch.full((N,), T, dtype=torch.long)
input_lengths[1] = 9
target_lengths = torch.tensor([4, 3, 2, 4])

losses = []
for step in range(6):
    optimizer.zero_grad()
    log_probs = model(features)
    loss = criterion(log_probs, targets, input_lengths, target_lengths)
    loss.backward()
    optimizer.step()
    losses.append(loss.item())
print(f"first loss {losses[0]:.5f}, last loss {losses[-1]:.5f}")
greedy = model(features).argmax(2)  # (T, N) best class per frame
'''


def test_a_speech_model_trained_with_ctc_runs_as_in_torch():
    torch_run, our_run = run_both(SPEECH)
    assert_same(torch_run, our_run, rtol=1e-5, atol=1e-6)
    losses = our_run["losses"]
    assert len(losses) == 6 and losses[-1] < losses[0]


@pytest.mark.parametrize("change", ["loss.mul_(2)", "loss[0] = 0.0"])
def test_the_unreduced_loss_changed_in_place_is_refused_at_backward_as_in_pytorch(change):
    """The per-element losses are what backward reads (the log-likelihoods): PyTorch saves its output for
    backward and refuses once it was changed in place; ours did the same only for the input, and read the
    changed values silently (found by checking which nodes keep their output outside save_for_backward)."""
    errors = {}
    for lib, funcs in (("torch", torch), ("ours", ag)):
        x = funcs.tensor(np.random.default_rng(0).standard_normal((6, 2, 5)), requires_grad=True)
        loss = funcs.nn.functional.ctc_loss(x.log_softmax(2), funcs.tensor([[1, 2], [3, 3]]), funcs.tensor([6, 6]),
                                            funcs.tensor([2, 2]), reduction="none")
        exec(change, {"loss": loss})
        with pytest.raises(RuntimeError, match="modified by an in-?place operation") as info:
            loss.sum().backward()
        errors[lib] = str(info.value)
    assert "output" in errors["ours"] and "output 0 of CtcLoss" in errors["torch"]
