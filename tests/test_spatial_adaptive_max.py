"""nn.AdaptiveMaxPool1d/2d and F.adaptive_max_pool1d/2d against PyTorch 2.13: values, indices, the
gradient (to the first maximum of a bin, added up where bins overlap), ties and nans as torch picks
them, output sizes with None, larger than the input and 0, unbatched inputs, second derivatives,
and torch's errors."""
import numpy as np
import pytest

import autograd as ag
import nn
import nn.functional as F

torch = pytest.importorskip("torch")
TF = torch.nn.functional


def _run(lib, fn, x, w, *args):
    """(output, indices, dL/dx) of L = sum(w * output), written as a PyTorch user writes it."""
    X = lib.tensor(x, requires_grad=True)
    y, idx = fn(X, *args, return_indices=True)
    (y * lib.tensor(w)).sum().backward()
    return y.detach().numpy(), idx.numpy(), X.grad.numpy()


def _check(x, output_size, n, rng):
    fns = {1: (TF.adaptive_max_pool1d, F.adaptive_max_pool1d), 2: (TF.adaptive_max_pool2d, F.adaptive_max_pool2d)}[n]
    want_y = fns[0](torch.tensor(x), output_size)
    w = rng.standard_normal(tuple(want_y.shape)).astype(x.dtype)
    theirs = _run(torch, fns[0], x, w, output_size)
    ours = _run(ag, fns[1], x, w, output_size)
    for what, t, o in zip(("output", "indices", "gradient"), theirs, ours):
        assert o.shape == t.shape and o.dtype == t.dtype, f"{what}: {o.shape} {o.dtype} vs {t.shape} {t.dtype}"
        np.testing.assert_array_equal(o, t, err_msg=what)  # a pick and sums of picks: exact


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("shape,output_size", [
    ((2, 3, 10), 4), ((2, 3, 7), 7), ((2, 3, 5), 8), ((3, 9), 2), ((2, 3, 6), (3,)), ((1, 2, 4), 1),
])
def test_adaptive_max_pool1d_matches_torch(shape, output_size, dtype):
    rng = np.random.default_rng(len(shape) + shape[-1])
    _check(rng.standard_normal(shape).astype(dtype), output_size, 1, rng)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("shape,output_size", [
    ((2, 3, 7, 9), (3, 4)), ((2, 3, 7, 9), 1), ((2, 3, 5, 6), (None, 4)), ((2, 3, 5, 6), (3, None)),
    ((2, 2, 3, 4), 6), ((3, 8, 8), 3), ((1, 1, 13, 5), (4, 2)), ((2, 3, 4, 4), (4, 4)),
])
def test_adaptive_max_pool2d_matches_torch(shape, output_size, dtype):
    rng = np.random.default_rng(sum(shape))
    _check(rng.standard_normal(shape).astype(dtype), output_size, 2, rng)


@pytest.mark.parametrize("n", [1, 2])
def test_ties_and_nans_pick_what_torch_picks(n):
    """Small integers make ties everywhere (torch: the first maximum, in row-major order); nans win (torch:
    the last nan of the bin), and -inf everywhere picks the bin's first element."""
    rng = np.random.default_rng(n)
    shape = (2, 3, 11) if n == 1 else (2, 3, 7, 6)
    x = rng.integers(0, 3, shape).astype(np.float64)
    _check(x, 4 if n == 1 else (3, 4), n, rng)
    x[rng.random(shape) < 0.1] = np.nan
    x[..., :2] = -np.inf
    theirs = (TF.adaptive_max_pool1d if n == 1 else TF.adaptive_max_pool2d)(torch.tensor(x), 4, return_indices=True)
    ours = (F.adaptive_max_pool1d if n == 1 else F.adaptive_max_pool2d)(ag.tensor(x), 4, return_indices=True)
    np.testing.assert_array_equal(ours[0].numpy(), theirs[0].numpy())
    np.testing.assert_array_equal(ours[1].numpy(), theirs[1].numpy())


def test_empty_output_size_as_torch():
    for size in (0, (0, 2)):
        want = TF.adaptive_max_pool2d(torch.randn(1, 2, 4, 5), size)
        got = F.adaptive_max_pool2d(ag.randn(1, 2, 4, 5), size)
        assert tuple(got.shape) == tuple(want.shape)


def test_second_derivative_matches_torch():
    """d/dx of |dL/dx|^2 is zero, and d/dw of dL/dx (w the output weights) flows back: a gradient penalty."""
    rng = np.random.default_rng(7)
    x, w = rng.standard_normal((2, 3, 7, 5)), rng.standard_normal((2, 3, 3, 2))
    results = []
    for lib, fn in ((torch, TF.adaptive_max_pool2d), (ag, F.adaptive_max_pool2d)):
        X, W = lib.tensor(x, requires_grad=True), lib.tensor(w, requires_grad=True)
        (gx,) = lib.autograd.grad((fn(X, (3, 2)) * W).sum(), (X,), create_graph=True)
        (gw,) = lib.autograd.grad((gx * lib.tensor(x)).sum(), (W,))
        results.append(gw.numpy())
    np.testing.assert_allclose(results[1], results[0], rtol=1e-12)


@pytest.mark.parametrize("n", [1, 2])
def test_modules_match_torch(n):
    rng = np.random.default_rng(9)
    x = rng.standard_normal((2, 3, 9) if n == 1 else (2, 3, 9, 7)).astype(np.float32)
    for return_indices in (False, True):
        theirs = getattr(torch.nn, f"AdaptiveMaxPool{n}d")(3, return_indices=return_indices)
        ours = getattr(nn, f"AdaptiveMaxPool{n}d")(3, return_indices=return_indices)
        want, got = theirs(torch.tensor(x)), ours(ag.tensor(x))
        if return_indices:
            np.testing.assert_array_equal(got[1].numpy(), want[1].numpy())
            want, got = want[0], got[0]
        np.testing.assert_array_equal(got.numpy(), want.numpy())
        assert repr(ours) == repr(theirs)
        assert ours.state_dict() == {} and not list(ours.parameters())


def test_adaptive_avg_pool_shares_the_bins():
    """The average over the same bins (the helper adaptive_avg_pool shares), against torch."""
    rng = np.random.default_rng(10)
    x = rng.standard_normal((2, 3, 7, 11))
    for size in ((3, 4), (None, 5), 9, (7, 2)):
        np.testing.assert_allclose(F.adaptive_avg_pool2d(ag.tensor(x), size).numpy(),
                                   TF.adaptive_avg_pool2d(torch.tensor(x), size).numpy(), rtol=1e-12)


def _raises_like_torch(call, *words):
    with pytest.raises(Exception) as theirs:
        call(torch, TF)
    with pytest.raises(type(theirs.value)) as ours:
        call(ag, F)
    for word in words:
        assert word in str(ours.value), f"{word!r} not in {ours.value}"


def test_bad_input():
    _raises_like_torch(lambda lib, f: f.adaptive_max_pool2d(lib.zeros(1, 2, 0, 5), 2),
                       "adaptive_max_pool2d", "non-zero size", "dimension 2")
    _raises_like_torch(lambda lib, f: f.adaptive_max_pool2d(lib.zeros(1, 2, 3, 5), (1, 2, 3)),
                       "adaptive_max_pool2d", "output_size", "(1, 2, 3)")
    _raises_like_torch(lambda lib, f: f.adaptive_max_pool2d(lib.zeros(2, 5), 2), "adaptive_max_pool2d", "(2, 5)")
    _raises_like_torch(lambda lib, f: f.adaptive_max_pool1d(lib.zeros(2, 5), (2, 3)), "adaptive_max_pool1d")
    _raises_like_torch(lambda lib, f: f.adaptive_max_pool2d(lib.zeros(1, 2, 3, 5, dtype=lib.int64), 2),
                       "adaptive_max_pool2d", "int64")
    _raises_like_torch(lambda lib, f: f.adaptive_max_pool2d(lib.zeros(1, 2, 3, 5), -1), "non-negative")
