"""The margin, embedding and likelihood losses against PyTorch 2.13 itself: each case runs the same
code under torch and under autograd (``T`` is either module), in float32 and float64, and compares
the values and the gradients of every input that requires grad (a random weighting of the output
is backpropagated, so every output element's gradient counts); the modules and the errors too."""
import numpy as np
import pytest

import autograd as ag

torch = pytest.importorskip("torch")
torch.set_num_threads(1)

from oracle import same  # noqa: E402

REDUCTIONS = ["mean", "sum", "none"]
DTYPES = ["float32", "float64"]
TOL = {"float32": dict(rtol=2e-5, atol=2e-6), "float64": dict(rtol=1e-12, atol=1e-12)}


def _make(T, a, dtype, grad):
    if a.dtype.kind == "f":
        return T.tensor(a.astype(dtype), requires_grad=grad)
    return T.tensor(a)


def run_both(fn, arrays, grads, dtype="float64", seed=0, tol=None):
    """``fn(T, *tensors)`` under torch and autograd on the same ``arrays`` (floats cast to ``dtype``;
    those whose index is in ``grads`` require grad): the outputs and the gradients agree."""
    results = []
    for T in (torch, ag):
        ins = [_make(T, a, dtype, i in grads) for i, a in enumerate(arrays)]
        out = fn(T, *ins)
        weights = np.random.default_rng(seed).standard_normal(tuple(out.shape)).astype(dtype)
        if grads:
            (out * T.tensor(weights)).sum().backward()
        results.append((out.detach().numpy(), [ins[i].grad.numpy() if ins[i].grad is not None else None
                                               for i in sorted(grads)]))
    (theirs, their_grads), (ours, our_grads) = results
    tol = tol or TOL[dtype]
    assert ours.shape == theirs.shape and ours.dtype == theirs.dtype, (ours.shape, theirs.shape, ours.dtype)
    np.testing.assert_allclose(ours, theirs, err_msg="value", **tol)
    for i, (g, tg) in zip(sorted(grads), zip(our_grads, their_grads)):
        assert (g is None) == (tg is None), f"input {i}: gradient {g} vs PyTorch's {tg}"
        if g is not None:
            np.testing.assert_allclose(g, tg, err_msg=f"gradient of input {i}", **tol)
    return ours


RNG = np.random.default_rng(7)


def _signs(*shape):
    return RNG.choice([-1.0, 1.0], size=shape)


# --------------------------------------------------------------------- margin ranking, hinge, soft margin


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("margin", [0.0, 0.5])
def test_margin_ranking_loss(dtype, reduction, margin):
    x1, x2, y = RNG.standard_normal(7), RNG.standard_normal(7), _signs(7)
    run_both(lambda T, a, b, t: T.nn.functional.margin_ranking_loss(a, b, t, margin=margin, reduction=reduction),
             [x1, x2, y], {0, 1}, dtype)
    run_both(lambda T, a, b, t: T.nn.MarginRankingLoss(margin, reduction=reduction)(a, b, t),
             [x1, x2, y], {0, 1}, dtype)


@pytest.mark.parametrize("dtype", DTYPES)
def test_margin_ranking_loss_at_the_margin_and_broadcast(dtype):
    # -y (x1 - x2) + margin is exactly 0 for both pairs: PyTorch's clamp_min passes the gradient there
    run_both(lambda T, a, b, t: T.nn.functional.margin_ranking_loss(a, b, t, margin=1.0, reduction="sum"),
             [np.array([1.0, 3.0]), np.array([0.0, 4.0]), np.array([1.0, -1.0])], {0, 1}, dtype)
    run_both(lambda T, a, b, t: T.nn.functional.margin_ranking_loss(a, b, t, reduction="none"),
             [RNG.standard_normal((3, 1)), RNG.standard_normal((1, 4)), _signs(3, 4)], {0, 1}, dtype)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_hinge_embedding_loss(dtype, reduction):
    x = np.abs(RNG.standard_normal((4, 5))) * 2
    x[0, :3] = [1.0, 1.5, 1.5]  # at the margin exactly (1.0, and 1.5 for margin 1.5)
    y = _signs(4, 5)
    y[1, :2] = 0  # neither label: PyTorch keeps both terms
    for margin in (1.0, 1.5):
        run_both(lambda T, a, t: T.nn.functional.hinge_embedding_loss(a, t, margin=margin, reduction=reduction),
                 [x, y], {0}, dtype)
        run_both(lambda T, a, t: T.nn.HingeEmbeddingLoss(margin=margin, reduction=reduction)(a, t), [x, y], {0}, dtype)
    run_both(lambda T, a, t: T.nn.functional.hinge_embedding_loss(a, t, reduction=reduction),
             [RNG.standard_normal((3, 1)), _signs(3)], {0}, dtype)  # (broadcast to (3, 3), as PyTorch)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_soft_margin_loss(dtype, reduction):
    x = RNG.standard_normal((4, 5)) * 3
    x[0, 0] = 0.0  # x y = 0: log 2, gradient -y / 2
    y = _signs(4, 5)
    run_both(lambda T, a, t: T.nn.functional.soft_margin_loss(a, t, reduction=reduction), [x, y], {0}, dtype)
    run_both(lambda T, a, t: T.nn.SoftMarginLoss(reduction=reduction)(a, t), [x, y], {0}, dtype)
    run_both(lambda T, a, t: T.nn.functional.soft_margin_loss(a, t, reduction=reduction),
             [RNG.standard_normal((3, 4)), _signs(4)], {0}, dtype)  # (the target broadcast to the input)


def test_soft_margin_loss_stays_finite_where_pytorch_overflows():
    x = ag.tensor([-1000.0, 1000.0, -30.0], requires_grad=True)
    loss = ag.nn.functional.soft_margin_loss(x, ag.ones(3), reduction="none")
    loss.sum().backward()
    np.testing.assert_allclose(loss.detach().numpy(), [1000.0, 0.0, 30.0], rtol=1e-6)
    np.testing.assert_allclose(x.grad.numpy(), [-1.0, 0.0, -1.0], atol=1e-6)
    theirs = torch.nn.functional.soft_margin_loss(torch.tensor([-1000.0]), torch.ones(1))
    assert torch.isinf(theirs)  # (PyTorch's log1p(exp(1000)); if this ever changes, revisit the docstring)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_multilabel_soft_margin_loss(dtype, reduction):
    x, y = RNG.standard_normal((4, 5)) * 3, RNG.integers(0, 2, (4, 5)).astype(float)
    w = RNG.random(5) + 0.5
    run_both(lambda T, a, t: T.nn.functional.multilabel_soft_margin_loss(a, t, reduction=reduction),
             [x, y], {0, 1}, dtype)
    run_both(lambda T, a, t, w: T.nn.MultiLabelSoftMarginLoss(weight=w, reduction=reduction)(a, t),
             [x, y, w], {0}, dtype)
    run_both(lambda T, a, t: T.nn.functional.multilabel_soft_margin_loss(a, t, reduction=reduction),
             [RNG.standard_normal((2, 3, 4)), RNG.random((2, 3, 4))], {0, 1}, dtype)  # (soft targets, 3-d)
    run_both(lambda T, a, t: T.nn.functional.multilabel_soft_margin_loss(a, t, reduction=reduction),
             [RNG.standard_normal(4), RNG.random(4)], {0}, dtype)


# --------------------------------------------------------------------- multi margin


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("p", [1, 2])
def test_multi_margin_loss(dtype, reduction, p):
    x, y = RNG.standard_normal((6, 4)), RNG.integers(0, 4, 6)
    w = RNG.random(4) + 0.5
    for margin in (1.0, 0.3):
        run_both(lambda T, a, t: T.nn.functional.multi_margin_loss(a, t, p=p, margin=margin, reduction=reduction),
                 [x, y], {0}, dtype)
        run_both(lambda T, a, t, w: T.nn.MultiMarginLoss(p=p, margin=margin, weight=w, reduction=reduction)(a, t),
                 [x, y, w], {0}, dtype)
    run_both(lambda T, a, t: T.nn.functional.multi_margin_loss(a, t, p=p, reduction=reduction),
             [RNG.standard_normal(5), np.array(3)], {0}, dtype)  # one sample, a 0-d target
    run_both(lambda T, a, t: T.nn.functional.multi_margin_loss(a, t, p=p, reduction=reduction),
             [RNG.standard_normal(5), np.array([2])], {0}, dtype)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("p", [1, 2])
def test_multi_margin_loss_at_the_margin_adds_nothing(dtype, p):
    # classes 0 and 2 sit exactly at the margin (z = 0): no loss and no gradient, as PyTorch's kernel
    x = np.array([[0.0, 1.0, 0.0, 2.0], [1.0, 1.0, 1.0, 1.0]])
    out = run_both(lambda T, a, t: T.nn.functional.multi_margin_loss(a, t, p=p, reduction="none"),
                   [x, np.array([1, 0])], {0}, dtype)
    assert out[0] == pytest.approx((2.0 ** p) / 4)


def test_multi_margin_loss_empty_batch():
    for reduction in ("sum", "none"):
        run_both(lambda T, a, t: T.nn.functional.multi_margin_loss(a, t, reduction=reduction),
                 [np.zeros((0, 4)), np.zeros(0, dtype=np.int64)], {0})


# --------------------------------------------------------------------- cosine embedding, triplet


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_cosine_embedding_loss(dtype, reduction):
    x1, x2 = RNG.standard_normal((6, 5)), RNG.standard_normal((6, 5))
    x1[0] = 0.0  # a zero vector: the 1e-12 in each magnitude keeps cos finite (0)
    x2[1] = x1[1] * 3  # parallel
    y = np.array([1.0, 1.0, -1.0, -1.0, 0.0, 1.0])
    for margin in (0.0, 0.3, -0.5):
        run_both(lambda T, a, b, t: T.nn.functional.cosine_embedding_loss(a, b, t, margin, reduction=reduction),
                 [x1, x2, y], {0, 1}, dtype)
        run_both(lambda T, a, b, t: T.nn.CosineEmbeddingLoss(margin, reduction=reduction)(a, b, t),
                 [x1, x2, y.astype(np.int64)], {0, 1}, dtype)  # (integer labels work too)
    run_both(lambda T, a, b, t: T.nn.functional.cosine_embedding_loss(a, b, t, reduction=reduction),
             [RNG.standard_normal(5), RNG.standard_normal(5), np.array(-1.0)], {0, 1}, dtype)
    run_both(lambda T, a, b, t: T.nn.functional.cosine_embedding_loss(a, b, t, reduction=reduction),
             [RNG.standard_normal((3, 5)), RNG.standard_normal((1, 5)), np.array([1.0, -1.0, -1.0])], {0, 1}, dtype)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("p", [2.0, 1.0, 3.0])
@pytest.mark.parametrize("swap", [False, True])
def test_triplet_margin_loss(dtype, reduction, p, swap):
    a, pos, neg = (RNG.standard_normal((6, 5)) for _ in range(3))
    pos[0] = a[0]  # identical anchor and positive: distance eps * 5^(1/p), and with swap a tie d(a, n) = d(p, n)
    for margin in (1.0, 0.2):
        run_both(lambda T, a, b, c: T.nn.functional.triplet_margin_loss(a, b, c, margin=margin, p=p, swap=swap,
                                                                         reduction=reduction),
                 [a, pos, neg], {0, 1, 2}, dtype)
    run_both(lambda T, a, b, c: T.nn.TripletMarginLoss(0.5, p, 1e-3, swap, reduction=reduction)(a, b, c),
             [a, pos, neg], {0, 1, 2}, dtype)
    run_both(lambda T, a, b, c: T.nn.functional.triplet_margin_loss(a, b, c, p=p, swap=swap, reduction=reduction),
             [RNG.standard_normal(5), RNG.standard_normal(5), RNG.standard_normal(5)], {0, 1, 2}, dtype)
    run_both(lambda T, a, b, c: T.nn.functional.triplet_margin_loss(a, b, c, p=p, swap=swap, reduction=reduction),
             [RNG.standard_normal((3, 4, 2)), RNG.standard_normal((1, 4, 2)), RNG.standard_normal((3, 4, 2))],
             {0, 1, 2}, dtype)


# --------------------------------------------------------------------- likelihoods


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("log_input", [True, False])
@pytest.mark.parametrize("full", [False, True])
def test_poisson_nll_loss(dtype, reduction, log_input, full):
    x = RNG.standard_normal((4, 5)) if log_input else RNG.random((4, 5)) * 3
    if not log_input:
        x[0, 0] = 0.0  # a rate of 0: log(0 + eps)
    y = RNG.integers(0, 6, (4, 5)).astype(float)
    y[1, :4] = [0.5, 1.0, 1.5, 2.0]  # Stirling's term only where y > 1
    run_both(lambda T, a, t: T.nn.functional.poisson_nll_loss(a, t, log_input=log_input, full=full,
                                                              reduction=reduction), [x, y], {0}, dtype)
    run_both(lambda T, a, t: T.nn.PoissonNLLLoss(log_input, full, eps=1e-4, reduction=reduction)(a, t),
             [x, y], {0}, dtype)
    y_positive = RNG.random((4, 5)) * 4 + 0.1  # (the target's gradient, away from log(0) = -inf)
    run_both(lambda T, a, t: T.nn.functional.poisson_nll_loss(a, t, log_input=log_input, full=full,
                                                              reduction=reduction), [x, y_positive], {0, 1}, dtype)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("full", [False, True])
def test_gaussian_nll_loss(dtype, reduction, full):
    x, y = RNG.standard_normal((4, 3)), RNG.standard_normal((4, 3))
    var = RNG.random((4, 3)) + 0.1
    var[0, :2] = [1e-9, 0.0]  # below eps: the value is clamped, the gradient passes straight through
    f = lambda T, a, t, v: T.nn.functional.gaussian_nll_loss(a, t, v, full=full, reduction=reduction)  # noqa: E731
    run_both(f, [x, y, var], {0, 1, 2}, dtype, tol=TOL[dtype] if dtype == "float64" else dict(rtol=1e-4, atol=1e-4))
    run_both(f, [x, y, RNG.random(4) + 0.1], {0, 1, 2}, dtype)  # one variance per sample (one dim short)
    run_both(f, [x, y, RNG.random((4, 1)) + 0.1], {0, 1, 2}, dtype)  # ... with the 1 kept
    run_both(f, [RNG.standard_normal((2, 3, 4)), RNG.standard_normal((2, 3, 4)), RNG.random((2, 1, 4)) + 0.1],
             {0, 1, 2}, dtype)  # one variance shared along a middle dim
    run_both(lambda T, a, t: T.nn.functional.gaussian_nll_loss(a, t, 0.7, full=full, reduction=reduction),
             [x, y], {0, 1}, dtype)
    run_both(lambda T, a, t, v: T.nn.GaussianNLLLoss(full=full, eps=0.2, reduction=reduction)(a, t, v),
             [x, y, var], {0, 1, 2}, dtype)


# --------------------------------------------------------------------- modules, reprs, legacy flags, errors


def test_loss_modules_repr_buffers_and_legacy_flags():
    for name, args in [("MarginRankingLoss", ()), ("HingeEmbeddingLoss", ()), ("SoftMarginLoss", ()),
                       ("MultiLabelSoftMarginLoss", ()), ("MultiMarginLoss", ()), ("CosineEmbeddingLoss", ()),
                       ("TripletMarginLoss", ()), ("PoissonNLLLoss", ()), ("GaussianNLLLoss", ())]:
        assert repr(getattr(ag.nn, name)(*args)) == repr(getattr(torch.nn, name)(*args))
    w = np.array([1.0, 2.0, 3.0])
    for T in (torch, ag):
        assert list(T.nn.MultiMarginLoss(weight=T.tensor(w)).state_dict()) == ["weight"]
        assert list(T.nn.MultiLabelSoftMarginLoss(weight=T.tensor(w)).state_dict()) == ["weight"]
    for size_average, reduce, expected in [(False, None, "sum"), (None, False, "none"), (True, True, "mean")]:
        with pytest.warns(UserWarning, match="size_average and reduce"):
            assert ag.nn.SoftMarginLoss(size_average, reduce).reduction == expected
        with pytest.warns(UserWarning):
            assert torch.nn.SoftMarginLoss(size_average, reduce).reduction == expected
    x, y = np.array([0.3, -1.2, 2.0]), np.array([1.0, -1.0, -1.0])
    with pytest.warns(UserWarning):
        run_both(lambda T, a, t: T.nn.functional.soft_margin_loss(a, t, size_average=False), [x, y], {0})


def _raises(snippet, match):
    err = same(snippet)
    assert isinstance(err, Exception), f"{snippet.__name__}: no error"
    assert match in str(err), f"{snippet.__name__}: {err}"


def test_loss_errors_match_pytorch():
    def ranking_dims(T):
        return T.nn.functional.margin_ranking_loss(T.zeros(3), T.zeros(3, 1), T.ones(3))
    _raises(ranking_dims, "All input tensors should have same dimension")

    def multi_margin_p(T):
        return T.nn.functional.multi_margin_loss(T.zeros(2, 3), T.tensor([0, 1]), p=3)
    _raises(multi_margin_p, "only p == 1 and p == 2 supported")

    def multi_margin_out_of_range(T):
        return T.nn.functional.multi_margin_loss(T.zeros(2, 3), T.tensor([0, 3]))
    _raises(multi_margin_out_of_range, "target out of range")

    def multi_margin_negative(T):
        return T.nn.functional.multi_margin_loss(T.zeros(2, 3), T.tensor([0, -1]))
    _raises(multi_margin_negative, "target out of range")

    def multi_margin_target_size(T):
        return T.nn.functional.multi_margin_loss(T.zeros(3, 4), T.tensor([0, 1]))
    _raises(multi_margin_target_size, "Expected target size [3], but got [2]")

    def multi_margin_float_target(T):
        return T.nn.functional.multi_margin_loss(T.zeros(3, 4), T.tensor([0.0, 1.0, 2.0]))
    _raises(multi_margin_float_target, "expected scalar type Long")

    def multi_margin_3d(T):
        return T.nn.functional.multi_margin_loss(T.zeros(3, 4, 2), T.tensor([0, 1, 2]))
    _raises(multi_margin_3d, "Expected non-empty vector or matrix")

    def multi_margin_weight(T):
        return T.nn.functional.multi_margin_loss(T.zeros(3, 4), T.tensor([0, 1, 2]), weight=T.ones(3))
    _raises(multi_margin_weight, "inconsistent weight size, expected 4 but got [3]")

    def multi_margin_module_weight(T):
        return T.nn.MultiMarginLoss(weight=T.ones(2, 2))
    _raises(multi_margin_module_weight, "expected weight to be None or 1D tensor, got 2D instead")

    def cosine_target_2d(T):
        return T.nn.functional.cosine_embedding_loss(T.zeros(3, 4), T.zeros(3, 4), T.ones(3, 4))
    _raises(cosine_target_2d, "0D or 1D target tensor expected, multi-target not supported")

    def cosine_target_1d(T):
        return T.nn.functional.cosine_embedding_loss(T.zeros(4), T.zeros(4), T.ones(1))
    _raises(cosine_target_1d, "1D target tensor expects 2D input tensors, but found inputs with sizes [4] and [4].")

    def cosine_target_0d(T):
        return T.nn.functional.cosine_embedding_loss(T.zeros(3, 4), T.zeros(3, 4), T.tensor(1.0))
    _raises(cosine_target_0d, "0D target tensor expects 1D input tensors")

    def triplet_dims(T):
        return T.nn.functional.triplet_margin_loss(T.zeros(3, 4), T.zeros(3, 4), T.zeros(4))
    _raises(triplet_dims, "anchor 2D, positive 2D, and negative 1D inputs")

    def triplet_margin(T):
        return T.nn.functional.triplet_margin_loss(T.zeros(3, 4), T.zeros(3, 4), T.zeros(3, 4), margin=0)
    _raises(triplet_margin, "margin must be greater than 0, got 0")

    def triplet_module_margin(T):
        return T.nn.TripletMarginLoss(margin=-1)
    _raises(triplet_module_margin, "TripletMarginLoss: expected margin to be greater than 0, got -1 instead")

    def poisson_reduction(T):
        return T.nn.functional.poisson_nll_loss(T.zeros(3), T.zeros(3), reduction="avg")
    _raises(poisson_reduction, "is not a valid value for reduction")

    def gaussian_negative_var(T):
        return T.nn.functional.gaussian_nll_loss(T.zeros(3), T.zeros(3), T.tensor([1.0, -1.0, 1.0]))
    _raises(gaussian_negative_var, "var has negative entry/entries")

    def gaussian_negative_float(T):
        return T.nn.functional.gaussian_nll_loss(T.zeros(3), T.zeros(3), -1.0)
    _raises(gaussian_negative_float, "var has negative entry/entries")

    def gaussian_var_size(T):
        return T.nn.functional.gaussian_nll_loss(T.zeros(3, 2), T.zeros(3, 2), T.ones(2))
    _raises(gaussian_var_size, "var is of incorrect size")

    def gaussian_reduction(T):
        return T.nn.functional.gaussian_nll_loss(T.zeros(3), T.zeros(3), T.ones(3), reduction="avg")
    _raises(gaussian_reduction, "avg is not valid")

    def soft_margin_target_too_big(T):
        return T.nn.functional.soft_margin_loss(T.zeros(3, 1), T.ones(3))
    _raises(soft_margin_target_too_big, "doesn't match the broadcast shape [3, 3]")

    def multilabel_scalar(T):
        return T.nn.functional.multilabel_soft_margin_loss(T.tensor(1.0), T.tensor(1.0))
    _raises(multilabel_scalar, "Dimension specified as -1 but tensor has no dimensions")

    def ranking_shapes(T):
        return T.nn.functional.margin_ranking_loss(T.zeros(3), T.zeros(4), T.ones(3))
    same(ranking_shapes)


def test_poisson_full_target_of_zero_has_a_finite_gradient():
    x, y = ag.tensor([0.3, -0.2], requires_grad=True), ag.tensor([0.0, 3.0], requires_grad=True)
    ag.nn.functional.poisson_nll_loss(x, y, full=True, reduction="sum").backward()
    assert np.isfinite(y.grad.numpy()).all()
    np.testing.assert_allclose(y.grad.numpy()[0], -0.3)  # d(e^x - y x)/dy = -x; Stirling's term dropped


def test_a_clamped_zero_dim_gradient_reaches_a_norm():
    """Regression: clamp's backward turned a numpy float64 gradient (a float subclass) into a Python 0.0,
    which the norm's backward could not reshape (triplet_margin_loss on 1-d inputs, reduction='none')."""
    for T in (torch, ag):
        x = T.tensor([0.5, -1.0, 2.0], dtype=T.float64, requires_grad=True)
        y = (-1.0 - T.linalg.vector_norm(x, 1.0, dim=0)).clamp(min=0)
        (y * T.tensor(0.5, dtype=T.float64)).backward()
        assert x.grad.abs().sum().item() == 0


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_empty_batches_like_pytorch(reduction):
    """No samples: 'mean' is nan, 'sum' is 0, 'none' is empty, as PyTorch's; gradients are empty."""
    e, e5 = np.zeros(0), np.zeros((0, 5))
    cases = [
        (lambda T, a, b, t: T.nn.functional.margin_ranking_loss(a, b, t, reduction=reduction), [e, e, e]),
        (lambda T, a, t: T.nn.functional.hinge_embedding_loss(a, t, reduction=reduction), [e, e]),
        (lambda T, a, t: T.nn.functional.soft_margin_loss(a, t, reduction=reduction), [e, e]),
        (lambda T, a, t: T.nn.functional.multilabel_soft_margin_loss(a, t, reduction=reduction), [e5, e5]),
        (lambda T, a, b, t: T.nn.functional.cosine_embedding_loss(a, b, t, reduction=reduction), [e5, e5, e]),
        (lambda T, a, b, c: T.nn.functional.triplet_margin_loss(a, b, c, reduction=reduction), [e5, e5, e5]),
        (lambda T, a, t: T.nn.functional.poisson_nll_loss(a, t, full=True, reduction=reduction), [e5, e5]),
        (lambda T, a, t, v: T.nn.functional.gaussian_nll_loss(a, t, v, reduction=reduction), [e5, e5, e5]),
    ]
    for fn, arrays in cases:
        run_both(fn, arrays, {0})
