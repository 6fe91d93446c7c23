"""Losses: every reduction against PyTorch, gradcheck, hand values and the logits-of-+-1000 case."""
import math

import numpy as np
import pytest

try:  # PyTorch is the oracle when installed; one thread keeps it quick on small shared machines
    import torch as _torch
    _torch.set_num_threads(1)
except ImportError:
    pass

import autograd as ag
import nn
import nn.functional as F

RNG = np.random.default_rng(42)
REDUCTIONS = ["mean", "sum", "none"]


def _compare(ours_fn, torch_fn, inputs, needs_grad, rtol=1e-9, atol=1e-11):
    """Run both on float64 copies of ``inputs`` and compare the values and the input gradients."""
    torch = pytest.importorskip("torch")
    ours = [ag.tensor(a, requires_grad=g) if g else ag.tensor(a) for a, g in zip(inputs, needs_grad)]
    theirs = [torch.tensor(a, requires_grad=g) for a, g in zip(inputs, needs_grad)]
    y, ty = ours_fn(*ours), torch_fn(torch, *theirs)
    np.testing.assert_allclose(y.detach().numpy(), ty.detach().numpy(), rtol=rtol, atol=atol)
    w = RNG.standard_normal(y.shape)
    (y * ag.tensor(w)).sum().backward()
    (ty * torch.tensor(w)).sum().backward()
    for a, b, g in zip(ours, theirs, needs_grad):
        if g:
            np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), rtol=rtol * 100, atol=atol * 100)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("name", ["mse_loss", "l1_loss", "smooth_l1_loss", "huber_loss"])
def test_regression_losses_match_torch(name, reduction):
    x, y = RNG.standard_normal((4, 3)), RNG.standard_normal((4, 3))
    extra = {"smooth_l1_loss": {"beta": 0.5}, "huber_loss": {"delta": 0.7}}.get(name, {})
    _compare(lambda a, b: getattr(F, name)(a, b, reduction=reduction, **extra),
             lambda t, a, b: getattr(t.nn.functional, name)(a, b, reduction=reduction, **extra),
             [x, y], [True, True])


def test_regression_hand_values_and_modules():
    x, y = ag.tensor([1.0, 2.0, 4.0]), ag.tensor([1.0, 0.0, 1.0])
    assert nn.MSELoss()(x, y).item() == pytest.approx((0 + 4 + 9) / 3)
    assert nn.MSELoss(reduction="sum")(x, y).item() == pytest.approx(13)
    np.testing.assert_allclose(nn.L1Loss(reduction="none")(x, y).numpy(), [0, 2, 3])
    assert nn.SmoothL1Loss()(x, y).item() == pytest.approx((0 + 1.5 + 2.5) / 3)
    assert nn.HuberLoss(delta=2.0)(x, y).item() == pytest.approx((0 + 2 + 2 * (3 - 1)) / 3)
    with pytest.raises(ValueError, match="reduction must be"):
        nn.MSELoss(reduction="avg")
    with pytest.raises(ValueError, match="reduction must be"):
        F.l1_loss(x, y, reduction="bogus")
    with pytest.warns(UserWarning, match="target size"):
        F.mse_loss(ag.randn(3, 1), ag.randn(3))


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("case", ["plain", "weight", "ignore", "smooth", "weight_ignore_smooth", "spatial",
                                  "spatial_all", "single"])
def test_cross_entropy_indices_matches_torch(case, reduction):
    C = 5
    shape, tshape = {"spatial": ((3, C, 2, 4), (3, 2, 4)), "spatial_all": ((2, C, 3), (2, 3)),
                     "single": ((C,), ())}.get(case, ((6, C), (6,)))
    x = RNG.standard_normal(shape) * 3
    t = RNG.integers(0, C, size=tshape)
    kw = {}
    if "weight" in case or case == "spatial_all":
        kw["weight"] = RNG.random(C) + 0.1
    if "ignore" in case or case == "spatial":
        t.flat[1] = 2
        kw["ignore_index"] = 2
    if "smooth" in case or case == "spatial_all":
        kw["label_smoothing"] = 0.15
    torch = pytest.importorskip("torch")
    _compare(lambda a: F.cross_entropy(a, ag.tensor(t), reduction=reduction,
                                       **{k: (ag.tensor(v) if k == "weight" else v) for k, v in kw.items()}),
             lambda tt, a: tt.nn.functional.cross_entropy(
                 a, tt.tensor(t), reduction=reduction,
                 **{k: (tt.tensor(v) if k == "weight" else v) for k, v in kw.items()}),
             [x], [True])


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("smoothing,weighted", [(0.0, False), (0.2, False), (0.0, True), (0.1, True)])
def test_cross_entropy_probabilities_match_torch(reduction, smoothing, weighted):
    torch = pytest.importorskip("torch")
    x = RNG.standard_normal((4, 3, 2))
    p = RNG.random((4, 3, 2))
    p /= p.sum(1, keepdims=True)
    w = RNG.random(3) + 0.5
    _compare(lambda a, b: F.cross_entropy(a, b, weight=ag.tensor(w) if weighted else None, reduction=reduction,
                                          label_smoothing=smoothing),
             lambda t, a, b: t.nn.functional.cross_entropy(a, b, weight=t.tensor(w) if weighted else None,
                                                           reduction=reduction, label_smoothing=smoothing),
             [x, p], [True, True])


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_nll_loss_matches_torch(reduction):
    torch = pytest.importorskip("torch")
    logp = np.log(RNG.dirichlet(np.ones(4), size=6))
    t = RNG.integers(0, 4, size=6)
    t[0] = -100
    w = RNG.random(4) + 0.2
    _compare(lambda a: F.nll_loss(a, ag.tensor(t), weight=ag.tensor(w), reduction=reduction),
             lambda tt, a: tt.nn.functional.nll_loss(a, tt.tensor(t), weight=tt.tensor(w), reduction=reduction),
             [logp], [True])
    _compare(lambda a: nn.NLLLoss(reduction=reduction)(a, ag.tensor(t)),
             lambda tt, a: tt.nn.NLLLoss(reduction=reduction)(a, tt.tensor(t)), [logp], [True])


def test_cross_entropy_hand_value_and_gradient():
    x = ag.tensor([[1.0, 2.0, 3.0]], requires_grad=True)
    loss = nn.CrossEntropyLoss()(x, ag.tensor([2]))
    p = np.exp([1.0, 2.0, 3.0]) / np.exp([1.0, 2.0, 3.0]).sum()
    assert loss.item() == pytest.approx(-math.log(p[2]), rel=1e-6)
    loss.backward()
    np.testing.assert_allclose(x.grad.numpy(), [p - np.eye(3)[2]], rtol=1e-5)  # softmax - onehot


def test_cross_entropy_gradcheck():
    t = ag.tensor(RNG.integers(0, 4, size=(3, 2)))
    w = ag.tensor(RNG.random(4) + 0.1, dtype=ag.float64)
    x = ag.tensor(RNG.standard_normal((3, 4, 2)), dtype=ag.float64, requires_grad=True)
    assert ag.gradcheck(lambda a: F.cross_entropy(a, t, weight=w, label_smoothing=0.1), [x])
    probs = ag.tensor(RNG.dirichlet(np.ones(4), size=3), dtype=ag.float64, requires_grad=True)
    x2 = ag.tensor(RNG.standard_normal((3, 4)), dtype=ag.float64, requires_grad=True)
    assert ag.gradcheck(lambda a, b: F.cross_entropy(a, b), [x2, probs])


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_cross_entropy_gradcheck_every_reduction_with_ignore(reduction):
    t = ag.tensor([0, 2, 1, 2])
    x = ag.tensor(RNG.standard_normal((4, 3)), dtype=ag.float64, requires_grad=True)
    assert ag.gradcheck(lambda a: F.cross_entropy(a, t, ignore_index=2, reduction=reduction,
                                                  label_smoothing=0.2), [x])


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_cross_entropy_double_backward_matches_torch(reduction):
    torch = pytest.importorskip("torch")
    xs = RNG.standard_normal((5, 4))
    ts = RNG.integers(0, 4, 5)
    w = RNG.random(4) + 0.5
    v = RNG.standard_normal((5, 4))
    x = ag.tensor(xs, requires_grad=True)
    tx = torch.tensor(xs, requires_grad=True)
    loss = F.cross_entropy(x, ag.tensor(ts), weight=ag.tensor(w), label_smoothing=0.1, reduction=reduction)
    tloss = torch.nn.functional.cross_entropy(tx, torch.tensor(ts), weight=torch.tensor(w), label_smoothing=0.1,
                                              reduction=reduction)
    (g,) = ag.grad(loss.sum(), [x], create_graph=True)
    (tg,) = torch.autograd.grad(tloss.sum(), [tx], create_graph=True)
    np.testing.assert_allclose(g.detach().numpy(), tg.detach().numpy(), rtol=1e-10, atol=1e-12)
    (g * ag.tensor(v)).sum().backward()
    (tg * torch.tensor(v)).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy(), rtol=1e-9, atol=1e-12)


def test_cross_entropy_stable_for_logits_of_1000():
    x = ag.tensor([[1000.0, -1000.0, 0.0], [-1000.0, 1000.0, 0.0]], requires_grad=True)
    t = ag.tensor([1, 1])
    loss = F.cross_entropy(x, t)
    assert np.isfinite(loss.item()) and loss.item() == pytest.approx(1000.0)  # (2000 + 0) / 2
    loss.backward()
    assert np.isfinite(x.grad.numpy()).all()
    np.testing.assert_allclose(x.grad.numpy(), [[0.5, -0.5, 0.0], [0.0, 0.0, 0.0]], atol=1e-6)
    smooth = F.cross_entropy(x, t, label_smoothing=0.1)
    assert np.isfinite(smooth.item())
    probs = F.cross_entropy(x, ag.tensor([[0.0, 1.0, 0.0], [0.0, 1.0, 0.0]]))
    assert probs.item() == pytest.approx(1000.0)


def test_cross_entropy_errors():
    x = ag.randn(3, 4)
    with pytest.raises(IndexError, match="target 4 is out of bounds for 4 classes"):
        F.cross_entropy(x, ag.tensor([0, 4, 1]))
    with pytest.raises(ValueError, match=r"needs a target of shape \(3,\)"):
        F.cross_entropy(x, ag.tensor([0, 1]))
    with pytest.raises(ValueError, match="probability target must have the input's shape"):
        F.cross_entropy(x, ag.rand(3, 5))
    with pytest.raises(ValueError, match="label_smoothing"):
        F.cross_entropy(x, ag.tensor([0, 1, 2]), label_smoothing=1.5)
    with pytest.raises(ValueError, match=r"weight must have shape \(4,\)"):
        F.cross_entropy(x, ag.tensor([0, 1, 2]), weight=ag.ones(3))


@pytest.mark.parametrize("loss", [F.cross_entropy, lambda x, t, **kw: F.nll_loss(x.log_softmax(1), t, **kw)])
def test_class_target_checks_on_both_paths(loss):
    """A batch whose targets all lie in [0, C) apart from ignore_index is checked by min and max;
    every other batch by the element-wise check. Both raise the same error for a bad target."""
    x = ag.randn(4, 3)
    for t, kw, bad in [([0, -1, 2, 1], {}, -1), ([0, 3, 2, 1], {}, 3), ([0, 3, 2, 1], dict(ignore_index=1), 3),
                       ([-7, 0, 2, -100], {}, -7), ([0, 1, 5, 2], dict(ignore_index=5, weight=ag.ones(2)), None)]:
        if bad is None:  # (the weight's shape is checked after the targets: ignore_index=5 is no error)
            with pytest.raises(ValueError, match=r"weight must have shape \(3,\)"):
                loss(x, ag.tensor(t), **kw)
            continue
        with pytest.raises(IndexError, match=f"target {bad} is out of bounds for 3 classes"):
            loss(x, ag.tensor(t), **kw)
    for ignore_index in (None, 2.0):  # (PyTorch refuses both too)
        with pytest.raises(TypeError, match="ignore_index must be an int"):
            loss(x, ag.tensor([0, 1, 2, 1]), ignore_index=ignore_index)
    torch = pytest.importorskip("torch")
    for t, kw in [([0, -100, 2, 1], {}), ([0, 1, 2, 1], dict(ignore_index=1)), ([2, 2, 2, 2], dict(ignore_index=-1))]:
        want = torch.nn.functional.cross_entropy(torch.tensor(x.numpy()), torch.tensor(t), **kw)
        np.testing.assert_allclose(F.cross_entropy(x, ag.tensor(t), **kw).item(), want.item(), rtol=1e-6)


def test_cross_entropy_backward_keeps_the_targets_of_its_forward():
    """The targets are copied at the forward: an in-place change before backward cannot change the gradient."""
    x = ag.randn(3, 4, requires_grad=True)
    t = ag.tensor([0, 1, 2])
    F.cross_entropy(x, t).backward()
    want = x.grad.numpy().copy()
    x.grad = None
    loss = F.cross_entropy(x, t)
    t[0] = 3
    loss.backward()
    np.testing.assert_array_equal(x.grad.numpy(), want)


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_bce_matches_torch(reduction):
    x = RNG.uniform(0.05, 0.95, (4, 3))
    y = RNG.random((4, 3))
    w = RNG.random(3)
    _compare(lambda a, b: F.binary_cross_entropy(a, b, weight=ag.tensor(w), reduction=reduction),
             lambda t, a, b: t.nn.functional.binary_cross_entropy(a, b, weight=t.tensor(w), reduction=reduction),
             [x, y], [True, True])


def test_bce_clamps_log_at_minus_100_like_torch():
    torch = pytest.importorskip("torch")
    x = np.array([0.0, 1.0, 0.0, 1.0, 0.5])
    y = np.array([0.0, 1.0, 1.0, 0.0, 1.0])
    _compare(lambda a, b: F.binary_cross_entropy(a, b, reduction="none"),
             lambda t, a, b: t.nn.functional.binary_cross_entropy(a, b, reduction="none"), [x, y], [True, False])
    out = nn.BCELoss(reduction="none")(ag.tensor(x), ag.tensor(y)).numpy()
    np.testing.assert_allclose(out, [0, 0, 100, 100, math.log(2)], rtol=1e-6)
    with pytest.raises(RuntimeError, match="between 0 and 1"):
        F.binary_cross_entropy(ag.tensor([1.5]), ag.tensor([1.0]))
    with pytest.raises(ValueError, match="same size"):
        F.binary_cross_entropy(ag.tensor([0.5, 0.5]), ag.tensor([1.0]))
    _ = torch


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("pos", [False, True])
def test_bce_with_logits_matches_torch(reduction, pos):
    x = RNG.standard_normal((5, 3)) * 4
    x[0] = [0.0, 1000.0, -1000.0]
    y = RNG.random((5, 3))
    w = RNG.random((5, 1))
    pw = RNG.random(3) * 3
    if pos:
        _compare(lambda a, b, c: F.binary_cross_entropy_with_logits(a, b, weight=ag.tensor(w), reduction=reduction,
                                                                    pos_weight=c),
                 lambda t, a, b, c: t.nn.functional.binary_cross_entropy_with_logits(
                     a, b, weight=t.tensor(w), reduction=reduction, pos_weight=c),
                 [x, y, pw], [True, True, False])  # torch has no pos_weight grad; ours is gradchecked
    else:
        _compare(lambda a, b: nn.BCEWithLogitsLoss(reduction=reduction)(a, b),
                 lambda t, a, b: t.nn.BCEWithLogitsLoss(reduction=reduction)(a, b), [x, y], [True, True])


def test_bce_with_logits_stable_and_exact_at_zero():
    x = ag.tensor([1000.0, -1000.0, 1000.0, -1000.0, 0.0], requires_grad=True)
    y = ag.tensor([1.0, 0.0, 0.0, 1.0, 1.0])
    loss = F.binary_cross_entropy_with_logits(x, y, reduction="none")
    np.testing.assert_allclose(loss.detach().numpy(), [0, 0, 1000, 1000, math.log(2)], rtol=1e-6, atol=1e-6)
    loss.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [0, 0, 1, -1, -0.5], atol=1e-6)  # sigmoid(x) - y
    xs = ag.tensor(RNG.standard_normal(6), dtype=ag.float64, requires_grad=True)
    ys = ag.tensor(RNG.random(6), dtype=ag.float64, requires_grad=True)
    pw = ag.tensor(RNG.random(6) + 0.5, dtype=ag.float64, requires_grad=True)
    assert ag.gradcheck(lambda a, b, c: F.binary_cross_entropy_with_logits(a, b, pos_weight=c), [xs, ys, pw])
    assert ag.gradcheck(lambda a, b: F.binary_cross_entropy(a.sigmoid(), b), [xs, ys])


@pytest.mark.filterwarnings("ignore:reduction. 'mean'")
def test_kl_div_matches_torch():
    torch = pytest.importorskip("torch")
    logp = np.log(RNG.dirichlet(np.ones(4), size=3))
    q = RNG.dirichlet(np.ones(4), size=3)
    q[0, 0] = 0.0
    for reduction in ["batchmean", "sum", "none", "mean"]:
        _compare(lambda a, b: F.kl_div(a, b, reduction=reduction),
                 lambda t, a, b: t.nn.functional.kl_div(a, b, reduction=reduction), [logp, q], [True, False])
    _ = torch


def test_loss_modules_keep_options():
    w = ag.tensor([1.0, 2.0])
    ce = nn.CrossEntropyLoss(weight=w, ignore_index=0, label_smoothing=0.1, reduction="sum")
    x, t = ag.randn(3, 2), ag.tensor([1, 0, 1])
    assert ce(x, t).item() == pytest.approx(
        F.cross_entropy(x, t, weight=w, ignore_index=0, label_smoothing=0.1, reduction="sum").item())
    assert nn.BCEWithLogitsLoss(pos_weight=ag.tensor([2.0]))(ag.tensor([0.0]), ag.tensor([1.0])).item() == \
        pytest.approx(2 * math.log(2), rel=1e-6)


try:
    from hypothesis import given, settings, strategies as st
except ImportError:  # hypothesis is a dev extra
    given = None

if given is not None:
    @settings(max_examples=30, deadline=None)
    @given(n=st.integers(1, 4), c=st.integers(1, 5), extra=st.lists(st.integers(1, 3), max_size=2),
           reduction=st.sampled_from(REDUCTIONS), smoothing=st.sampled_from([0.0, 0.3]),
           weighted=st.booleans(), ignore=st.booleans(), seed=st.integers(0, 2**16))
    def test_cross_entropy_any_shape_matches_torch(n, c, extra, reduction, smoothing, weighted, ignore, seed):
        torch = pytest.importorskip("torch")
        rng = np.random.default_rng(seed)
        x = rng.standard_normal((n, c, *extra)) * 5
        t = rng.integers(0, c, size=(n, *extra))
        w = rng.random(c) + 0.1 if weighted else None
        kw = dict(reduction=reduction, label_smoothing=smoothing, ignore_index=int(t.flat[0]) if ignore else -100)
        if ignore and (t == t.flat[0]).all() and reduction == "mean":
            return  # every target ignored: 0/0 in both libraries
        _compare(lambda a: F.cross_entropy(a, ag.tensor(t), weight=None if w is None else ag.tensor(w), **kw),
                 lambda tt, a: tt.nn.functional.cross_entropy(a, tt.tensor(t),
                                                             weight=None if w is None else tt.tensor(w), **kw),
                 [x], [True])
