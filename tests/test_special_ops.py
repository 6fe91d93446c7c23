"""The special functions (lgamma, digamma, polygamma, erfinv, erfc, sinc, erf near 0), Tensor.stride,
and the statistics and sampling ops (cov, corrcoef, nanmedian, histc, histogram, cartesian_prod, tril/triu_indices,
bernoulli, multinomial) against PyTorch 2.13: values on broad grids (poles, infinities, nan, huge and tiny
arguments), gradients and second derivatives, float32 and float64, errors. The random ops cannot draw
PyTorch's numbers: their distributions, shapes, determinism under manual_seed and errors are tested."""
import warnings

import numpy as np
import pytest

import autograd as ag

torch = pytest.importorskip("torch")

EDGES = [0.0, -0.0, 1.0, 2.0, -1.0, -2.0, -2.5, 0.5, -0.5, 1 + 1e-8, 2 - 1e-9, 171.5, 2.5e305, 3e305, 1e-300,
         -1e-300, np.inf, -np.inf, np.nan]
GRID = np.concatenate([np.linspace(-30, 30, 6001), np.geomspace(1e-300, 1e300, 601),
                       -np.geomspace(1e-300, 1e300, 601), EDGES])
ERFINV_GRID = np.concatenate([np.linspace(-1.01, 1.01, 20001), 1 - np.geomspace(1e-16, 1, 500),  # (1 - 1e-16: x = 5.86)
                              np.geomspace(1e-300, 1, 300), -np.geomspace(1e-300, 1, 300),
                              [0.0, -0.0, np.nan, np.inf, -np.inf, 1.0, -1.0]])


def close(ours, theirs, rtol, atol=0.0):
    """Same nan and inf places, finite values within rtol (relative) or atol."""
    ours, theirs = np.asarray(ours), np.asarray(theirs)
    assert ours.dtype == theirs.dtype and ours.shape == theirs.shape
    np.testing.assert_array_equal(np.isnan(ours), np.isnan(theirs))
    infinite = np.isinf(theirs)
    np.testing.assert_array_equal(ours[infinite], theirs[infinite])
    finite = np.isfinite(theirs)
    np.testing.assert_allclose(ours[finite], theirs[finite], rtol=rtol, atol=atol)


def on_both(fn, x, dtype=np.float64):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return fn(ag, ag.tensor(x.astype(dtype))).numpy(), fn(torch, torch.tensor(x.astype(dtype))).numpy()


@pytest.mark.parametrize("name, fn, grid, atol", [
    # lgamma: relative 1e-12, or 1e-14 absolute next to its zeros (1, 2, and between the negative poles)
    ("lgamma", lambda T, x: T.lgamma(x), GRID, 1e-14),
    ("special.gammaln", lambda T, x: T.special.gammaln(x), GRID, 1e-14),
    ("digamma", lambda T, x: T.digamma(x), GRID, 1e-14),
    ("special.psi", lambda T, x: T.special.psi(x), GRID, 1e-14),
    ("trigamma", lambda T, x: T.polygamma(1, x), GRID, 0.0),
    ("polygamma 2", lambda T, x: T.polygamma(2, x), GRID[np.abs(GRID) < 1e6], 0.0),
    ("polygamma 3", lambda T, x: x.polygamma(3), GRID[np.abs(GRID) < 1e6], 0.0),
    ("polygamma 7", lambda T, x: T.special.polygamma(7, x), GRID[np.abs(GRID) < 1e6], 0.0),
    ("erfinv", lambda T, x: T.erfinv(x), ERFINV_GRID, 0.0),
    ("special.erfinv", lambda T, x: T.special.erfinv(x), np.linspace(-1, 1, 1001), 0.0),
    ("erfc", lambda T, x: T.erfc(x), np.concatenate([np.linspace(-7, 27, 20001), EDGES]), 1e-320),  # (subnormals)
    ("erf", lambda T, x: T.erf(x), np.concatenate([np.linspace(-7, 7, 20001), np.geomspace(1e-300, 1, 300), EDGES]),
     0.0),
    ("sinc", lambda T, x: T.sinc(x), GRID, 0.0),
])
def test_special_values_like_torch_in_float64(name, fn, grid, atol):
    ours, theirs = on_both(fn, grid)
    close(ours, theirs, rtol=1e-12, atol=atol)


def test_erf_and_erfinv_keep_the_sign_of_zero_and_the_digits_of_tiny_values():
    assert np.signbit(ag.erf(ag.tensor(-0.0, dtype=ag.float64)).item())
    assert np.signbit(ag.erfinv(ag.tensor(-0.0, dtype=ag.float64)).item())
    assert ag.erf(ag.tensor(0.0, dtype=ag.float64)).item() == 0.0
    np.testing.assert_allclose(ag.erf(ag.tensor(1e-10, dtype=ag.float64)).item(), 1.1283791670955126e-10, rtol=1e-15)


@pytest.mark.parametrize("name, fn, grid", [
    ("lgamma", lambda T, x: T.lgamma(x), np.linspace(-9.7, 40, 2001)),
    ("digamma", lambda T, x: T.digamma(x), np.linspace(-9.7, 40, 2001)),
    ("polygamma 2", lambda T, x: T.polygamma(2, x), np.linspace(-9.7, 40, 2001)),
    ("erfinv", lambda T, x: T.erfinv(x), np.linspace(-0.999, 0.999, 2001)),
    ("erfc", lambda T, x: T.erfc(x), np.linspace(-5, 9, 2001)),
    ("sinc", lambda T, x: T.sinc(x), np.linspace(-9.7, 40, 2001)),
])
def test_special_values_like_torch_in_float32(name, fn, grid):
    ours, theirs = on_both(fn, grid, np.float32)
    close(ours, theirs, rtol=2e-6, atol=2e-6)


def test_integer_inputs_give_float32_like_torch():
    for name in ("lgamma", "digamma", "erfinv", "erfc", "sinc"):
        ours, theirs = getattr(ag, name)(ag.tensor([1, 2, 3])), getattr(torch, name)(torch.tensor([1, 2, 3]))
        assert str(ours.dtype) == str(theirs.dtype).replace("torch.", "")
        close(ours.numpy(), theirs.numpy(), rtol=1e-6)
    assert ag.polygamma(1, ag.tensor([1, 2])).dtype == ag.float32


SMOOTH = {  # name: (function, points away from poles and from the ends of erfinv's domain)
    "lgamma": (lambda T, x: T.lgamma(x), [-2.5, -0.3, 0.2, 1.5, 3.0, 12.0]),
    "digamma": (lambda T, x: T.digamma(x), [-2.5, -0.3, 0.2, 1.5, 3.0, 12.0]),
    "polygamma1": (lambda T, x: T.polygamma(1, x), [-2.5, -0.3, 0.2, 1.5, 3.0, 12.0]),
    "polygamma3": (lambda T, x: x.polygamma(3), [-2.5, -0.3, 0.2, 1.5, 3.0, 12.0]),
    "erfinv": (lambda T, x: T.erfinv(x), [-0.99, -0.5, 0.0, 0.3, 0.9, 0.999]),
    "erfc": (lambda T, x: T.special.erfc(x), [-2.0, -0.3, 0.0, 0.7, 3.0]),
    "sinc": (lambda T, x: T.sinc(x), [-2.5, -0.3, 0.3, 1.0, 4.2]),  # (0: see below)
}


@pytest.mark.parametrize("name", sorted(SMOOTH))
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_special_gradients_and_second_derivatives_like_torch(name, dtype):
    fn, points = SMOOTH[name]
    results = []
    for T in (ag, torch):
        x = T.tensor(np.array(points, dtype=dtype), requires_grad=True)
        (g,) = T.autograd.grad(fn(T, x).sum(), x, create_graph=True)
        (gg,) = T.autograd.grad(g.sum(), x)
        results.append([g.detach().numpy(), gg.numpy()])
    for ours, theirs in zip(*results):
        close(ours, theirs, rtol=1e-12 if dtype == np.float64 else 2e-5, atol=1e-12 if dtype == np.float64 else 1e-5)


@pytest.mark.parametrize("name", sorted(SMOOTH))
def test_special_gradcheck_and_gradgradcheck(name):
    fn, points = SMOOTH[name]
    x = ag.tensor(points, dtype=ag.float64, requires_grad=True)
    assert ag.gradcheck(lambda t: fn(ag, t), (x,))
    assert ag.autograd.gradgradcheck(lambda t: fn(ag, t), (x,))


def test_sinc_at_zero_has_slope_zero():
    for T in (ag, torch):
        x = T.tensor([0.0], requires_grad=True)
        T.sinc(x).sum().backward()
        assert x.grad.item() == 0.0 and T.sinc(x).item() == 1.0


def test_in_place_twins_and_methods():
    for name in ("lgamma", "digamma", "erfinv", "erfc", "sinc"):
        values = [0.3, 0.6] if name == "erfinv" else [0.3, 2.5]
        ours, theirs = ag.tensor(values), torch.tensor(values)
        getattr(ours, name + "_")()
        getattr(theirs, name + "_")()
        close(ours.numpy(), theirs.numpy(), rtol=1e-6)
    ours, theirs = ag.tensor([0.5, 2.0]), torch.tensor([0.5, 2.0])
    ours.polygamma_(2)
    theirs.polygamma_(2)
    close(ours.numpy(), theirs.numpy(), rtol=1e-6)


def test_special_errors():
    with pytest.raises(RuntimeError, match="negative n"):
        ag.polygamma(-1, ag.tensor([1.0]))
    with pytest.raises(RuntimeError):
        torch.polygamma(-1, torch.tensor([1.0]))
    with pytest.raises(TypeError):
        ag.polygamma(1, ag.tensor([True]))


# ------------------------------------------------------------------------------------------------ stride


def test_stride_in_elements_like_torch():
    def strides(T):
        x = T.arange(24.0).reshape(2, 3, 4)
        return [x.stride(), x.transpose(0, 2).stride(), x[:, ::2, 1:].stride(), x[:, :1].expand(2, 5, 4).stride(),
                x.unsqueeze(1).stride(), x.permute(2, 0, 1).unsqueeze(0).stride(), x[1].stride(),
                x.permute(2, 1, 0).contiguous().stride(), x.stride(-1), x.stride(0), T.tensor(3.0).stride(),
                x.narrow(2, 1, 2).stride(), x.flatten().stride(), x.transpose(0, 1).unsqueeze(2).stride(),
                T.zeros(0, 3).stride(), T.zeros(3, 0, 2).stride(), x.mT.stride(), x[0].t().stride()]

    assert strides(ag) == strides(torch)
    for T in (ag, torch):
        with pytest.raises(IndexError):
            T.zeros(2, 3).stride(2)
        with pytest.raises(IndexError):
            T.tensor(1.0).stride(0)


# ------------------------------------------------------------------------------------------------ statistics

RNG = np.random.default_rng(3)


def both(fn, *arrays, grad=True, rtol=1e-12, atol=1e-12):
    """fn(T, *leaves) under torch and autograd: values and (with ``grad``) gradients of a weighted sum."""
    results = []
    for T in (ag, torch):
        leaves = [T.tensor(a, requires_grad=grad and a.dtype.kind == "f") for a in arrays]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            out = fn(T, *leaves)
        outs = list(out) if isinstance(out, tuple) else [out]
        got = [o.detach().numpy() for o in outs]
        if grad:
            floats = [o for o in outs if o.is_floating_point() and o.requires_grad]
            total = sum((o.nan_to_num() * T.tensor(np.linspace(-1, 2, o.numel()).reshape(tuple(o.shape)))
                         .to(o.dtype)).sum() for o in floats)
            wrt = [x for x in leaves if x.requires_grad]
            with np.errstate(all="ignore"):  # (cov of one observation: nan, by a division by 0, in both)
                got += [g.numpy() for g in T.autograd.grad(total, wrt)]
        results.append(got)
    for ours, theirs in zip(*results):
        close(ours, theirs, rtol=rtol, atol=atol)


@pytest.mark.parametrize("kwargs", [{}, {"correction": 0}, {"correction": 2}, {"fweights": "f"}, {"aweights": "a"},
                                    {"fweights": "f", "aweights": "a", "correction": 0}])
def test_cov_like_torch(kwargs):
    X = RNG.standard_normal((3, 6))
    f, a = np.array([1, 2, 1, 3, 1, 2]), RNG.uniform(0.2, 2, 6)

    def fn(T, x):
        extra = {k: (T.tensor(f) if v == "f" else T.tensor(a)) if isinstance(v, str) else v for k, v in kwargs.items()}
        return T.cov(x, **extra)

    both(fn, X)
    both(fn, X.astype(np.float32), rtol=1e-5, atol=1e-6)
    both(lambda T, x: x.cov(), X[0])  # one variable: its variance, 0-d
    both(lambda T, x: T.cov(x), np.array([[1, 2, 4], [0, 1, 1]]), grad=False, rtol=1e-6)  # integers: float32
    both(lambda T, x: T.cov(x), X[:, :1])  # one observation: nan (after PyTorch's warning)
    assert ag.autograd.gradgradcheck(lambda x: ag.cov(x), (ag.tensor(X, requires_grad=True),))


def test_corrcoef_like_torch():
    X = RNG.standard_normal((4, 7))
    both(lambda T, x: T.corrcoef(x), X)
    both(lambda T, x: x.corrcoef(), X.astype(np.float32), rtol=1e-5, atol=1e-6)
    both(lambda T, x: T.corrcoef(x), X[0])
    assert ag.gradcheck(lambda x: ag.corrcoef(x), (ag.tensor(X, requires_grad=True),))


def test_cov_errors_like_torch():
    for fn in (lambda T: T.cov(T.ones(2, 2, 2)), lambda T: T.cov(T.ones(2, 3), fweights=T.tensor([1.0, 2, 3])),
               lambda T: T.cov(T.ones(2, 3), fweights=T.tensor([1, -2, 3])),
               lambda T: T.cov(T.ones(2, 3), aweights=T.tensor([1.0, -2, 3])),
               lambda T: T.cov(T.ones(2, 3), aweights=T.tensor([1.0, 2])),
               lambda T: T.cov(T.ones(2, 3), fweights=T.ones(1, 3, dtype=T.long))):
        with pytest.raises(RuntimeError):
            fn(torch)
        with pytest.raises(RuntimeError, match="cov"):
            fn(ag)


def test_nanmedian_like_torch():
    n = np.nan
    X = np.array([[1.0, n, 3.0, 2.0], [5.0, 4.0, n, 7.0], [2.5, 0.5, 1.5, -3.0]])
    both(lambda T, x: T.nanmedian(x), X)
    both(lambda T, x: x.nanmedian(1), X)
    both(lambda T, x: T.nanmedian(x, dim=0, keepdim=True), X)
    both(lambda T, x: x.nanmedian(-1), X.astype(np.float32))
    both(lambda T, x: T.nanmedian(x), np.array([n, n]))
    both(lambda T, x: T.nanmedian(x, 0), np.array(2.5))
    both(lambda T, x: x.nanmedian(1), np.array([[3, 1, 2], [5, 4, 6]]), grad=False)
    # a row of nans: nan (PyTorch's index there comes from an unstable selection and is not compared)
    assert np.isnan(ag.nanmedian(ag.tensor([[n, n]]), 1).values.item())
    both(lambda T, x: T.nanmedian(x), np.array([]))
    for T in (ag, torch):
        with pytest.raises(IndexError):
            T.nanmedian(T.ones(2, 3), 2)
        with pytest.raises(IndexError):
            T.nanmedian(T.zeros(2, 0), 1)


def test_histc_like_torch():
    x = RNG.standard_normal(1000)
    both(lambda T, x: T.histc(x, bins=7), x, grad=False)
    both(lambda T, x: x.histc(bins=10, min=-1, max=1), x, grad=False)
    both(lambda T, x: T.histc(x), x.astype(np.float32), grad=False)
    both(lambda T, x: T.histc(x, bins=4), np.array([1.0, 1.0]), grad=False)  # one value: the range widened by 1
    both(lambda T, x: T.histc(x, bins=3), np.array([], dtype=np.float64), grad=False)
    both(lambda T, x: T.histc(x, bins=2, min=0, max=1), np.array([0.0, 0.5, 1.0]), grad=False)  # max: the last bin
    assert not ag.histc(ag.tensor([1.0, 2.0], requires_grad=True), 4).requires_grad  # (no derivative, as PyTorch)
    for fn, error in ((lambda T: T.histc(T.tensor([1, 2])), NotImplementedError),
                      (lambda T: T.histc(T.tensor([1.0, float("nan")])), RuntimeError),
                      (lambda T: T.histc(T.tensor([1.0]), min=3, max=1), RuntimeError),
                      (lambda T: T.histc(T.tensor([1.0]), bins=0), RuntimeError)):
        with pytest.raises(error):
            fn(torch)
        with pytest.raises(error):
            fn(ag)


def test_cartesian_prod_and_triangle_indices_like_torch():
    a, b, c = np.array([1.0, 2.0]), np.array([3.0, 4.0, 5.0]), np.array([-1.0, 0.5])
    both(lambda T, a, b, c: T.cartesian_prod(a, b, c), a, b, c)
    both(lambda T, a: T.cartesian_prod(a), a)
    both(lambda T, a, b: T.cartesian_prod(a, b), np.array([1, 2]), np.array([3, 4, 5]), grad=False)
    with pytest.raises(RuntimeError):
        torch.cartesian_prod(torch.tensor([1, 2]), torch.tensor([1.0]))
    with pytest.raises(RuntimeError, match="same dtype"):
        ag.cartesian_prod(ag.tensor([1, 2]), ag.tensor([1.0]))
    for args in [(3, 4), (3, 4, 1), (3, 2, -1), (4, 4, -2), (0, 0), (1, 5, 7), (5, 1, -9)]:
        for name in ("tril_indices", "triu_indices"):
            ours, theirs = getattr(ag, name)(*args), getattr(torch, name)(*args)
            assert ours.dtype == ag.int64
            np.testing.assert_array_equal(ours.numpy(), theirs.numpy())
    assert ag.tril_indices(3, 3, dtype=ag.int32).dtype == ag.int32


def test_bernoulli_distribution_gradient_and_seed():
    p = ag.tensor([0.0, 0.2, 0.7, 1.0], requires_grad=True)
    ag.manual_seed(0)
    draws = ag.bernoulli(p.expand(40000, 4))
    assert draws.dtype == ag.float32 and draws.shape == (40000, 4)
    assert set(np.unique(draws.detach().numpy())) <= {0.0, 1.0}
    np.testing.assert_allclose(draws.mean(0).detach().numpy(), [0.0, 0.2, 0.7, 1.0], atol=0.01)  # 5 sigma: 0.0115
    draws.sum().backward()
    np.testing.assert_array_equal(p.grad.numpy(), 0.0)  # PyTorch's gradient: zeros
    ag.manual_seed(5)
    first = ag.bernoulli(ag.full((100,), 0.5)).numpy()
    ag.manual_seed(5)
    np.testing.assert_array_equal(first, ag.bernoulli(ag.full((100,), 0.5)).numpy())
    g = ag.Generator().manual_seed(1)
    assert ag.bernoulli(ag.full((100,), 0.5), generator=g).shape == (100,)
    assert abs(ag.zeros(20000, dtype=ag.float64).bernoulli_(0.3).mean().item() - 0.3) < 0.02
    assert abs(ag.zeros(20000).bernoulli_().mean().item() - 0.5) < 0.02  # (p = 0.5 unless given, as PyTorch)
    np.testing.assert_array_equal(ag.zeros(4).bernoulli_(ag.tensor([0.0, 1, 1, 0])).numpy(), [0, 1, 1, 0])
    assert abs(ag.bernoulli(ag.ones(20000), 0.25).mean().item() - 0.25) < 0.02
    np.testing.assert_array_equal(ag.zeros(5).bernoulli(ag.tensor([0.0, 1, 0, 1, 1])).numpy(), [0, 1, 0, 1, 1])
    for fn, error in ((lambda T: T.bernoulli(T.tensor([1.5])), RuntimeError),
                      (lambda T: T.bernoulli(T.tensor([1, 0])), NotImplementedError)):
        with pytest.raises(error):
            fn(torch)
        with pytest.raises(error):
            fn(ag)


def test_multinomial_distribution_shapes_seed_and_errors():
    weights = np.array([1.0, 0.0, 3.0, 4.0])
    ag.manual_seed(0)
    with_replacement = ag.multinomial(ag.tensor(weights), 40000, replacement=True).numpy()
    assert with_replacement.dtype == np.int64
    np.testing.assert_allclose(np.bincount(with_replacement, minlength=4) / 40000, weights / 8, atol=0.012)
    rows = ag.multinomial(ag.tensor(weights).expand(30000, 4), 2).numpy()  # without replacement
    assert rows.shape == (30000, 2) and (rows[:, 0] != rows[:, 1]).all() and (rows != 1).all()
    theirs = torch.multinomial(torch.tensor(weights).expand(30000, 4), 2).numpy()
    for k in range(2):  # the second draw's distribution too (not proportional to the weights)
        np.testing.assert_allclose(np.bincount(rows[:, k], minlength=4) / 30000,
                                   np.bincount(theirs[:, k], minlength=4) / 30000, atol=0.02)
    # with a zero weight, all categories without replacement: the zero one comes last, as in PyTorch
    assert ag.multinomial(ag.tensor([1.0, 0.0, 1.0]), 3).numpy()[-1] == 1
    ag.manual_seed(7)
    first = ag.multinomial(ag.tensor([[1.0, 2, 3], [3, 2, 1]]), 2).numpy()
    ag.manual_seed(7)
    np.testing.assert_array_equal(first, ag.multinomial(ag.tensor([[1.0, 2, 3], [3, 2, 1]]), 2).numpy())
    assert first.shape == (2, 2)
    g = ag.Generator().manual_seed(3)
    assert ag.tensor(weights).multinomial(3, generator=g).shape == (3,)
    for fn in (lambda T: T.multinomial(T.tensor([1.0, 0, 1]), 4), lambda T: T.multinomial(T.tensor([1.0, -1, 1]), 1),
               lambda T: T.multinomial(T.tensor([0.0, 0]), 1),
               lambda T: T.multinomial(T.tensor([1.0, float("nan")]), 1),
               lambda T: T.multinomial(T.ones(2, 2, 2), 1), lambda T: T.multinomial(T.tensor([1, 2]), 1),
               lambda T: T.multinomial(T.tensor([1.0, 2]), 0)):
        with pytest.raises(RuntimeError):
            fn(torch)
        with pytest.raises(RuntimeError, match="multinomial"):
            fn(ag)


def test_multinomial_of_one_sample_is_one_draw_with_or_without_replacement():
    """One sample a row is the same draw either way (makemore samples names so): one uniform number a row,
    the category whose slice of the cumulative weights holds it; the frequencies are PyTorch's."""
    weights = np.array([[1.0, 0.0, 3.0, 4.0], [5.0, 1.0, 0.0, 2.0]])
    ag.manual_seed(0)
    ours = ag.multinomial(ag.tensor(weights).repeat(20000, 1), 1).numpy().reshape(20000, 2)
    ag.manual_seed(0)
    assert (ag.multinomial(ag.tensor(weights).repeat(20000, 1), 1, replacement=True).numpy().reshape(20000, 2)
            == ours).all()
    theirs = torch.multinomial(torch.tensor(weights).repeat(20000, 1), 1).numpy().reshape(20000, 2)
    for row in range(2):
        assert (weights[row, ours[:, row]] > 0).all()
        np.testing.assert_allclose(np.bincount(ours[:, row], minlength=4) / 20000,
                                   np.bincount(theirs[:, row], minlength=4) / 20000, atol=0.015)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_histogram_against_pytorch(dtype):
    """torch.histogram (makemore part 3 plots its activations with it): counts, weighted sums and densities
    in equal bins over the data's range or a given one, or between given edges; (hist, bin_edges)."""
    rng = np.random.default_rng(0)
    for trial in range(60):
        x = (rng.standard_normal(int(rng.integers(1, 300))) * rng.uniform(0.01, 100)).astype(dtype)
        w = rng.uniform(0, 2, x.shape).astype(dtype)
        bins = int(rng.integers(1, 120))
        options = {}
        if trial % 3 == 1:
            options["range"] = (-1.5, 0.5)
        density = trial % 2 == 0
        with_weight = trial % 4 == 2
        theirs = torch.histogram(torch.tensor(x), bins, density=density,
                                 weight=torch.tensor(w) if with_weight else None, **options)
        ours = ag.histogram(ag.tensor(x), bins, density=density, weight=ag.tensor(w) if with_weight else None,
                            **options)
        assert type(ours).__name__ == "histogram" and ours.hist.dtype == dtype and ours.bin_edges.dtype == dtype
        # the edges are PyTorch's linspace; its vectorised loop can round the last bit differently (1 ulp),
        # and a narrow bin's width (the density's divisor) carries that relative to its width
        np.testing.assert_allclose(ours.bin_edges.numpy(), theirs.bin_edges.numpy(), rtol=2e-7 if dtype == np.float32
                                   else 1e-15, atol=1e-6 * float(abs(theirs.bin_edges).max()))
        rtol = 1e-5 if density and dtype == np.float32 else 1e-6 if dtype == np.float32 else 1e-12
        close(ours.hist.numpy(), theirs.hist.numpy(), rtol=rtol)
    x = np.array([0.0, 1, 2, 3, 10], dtype=dtype)
    for T in (torch, ag):  # given edges; a constant input; the method; an input that needs no gradient back
        t = T.tensor(x)
        hist, edges = T.histogram(t, bins=T.tensor([0.0, 1.5, 3.0], dtype=t.dtype))
        assert hist.tolist() == [2.0, 2.0] and edges.tolist() == [0.0, 1.5, 3.0]
        assert T.histogram(T.full((4,), 2.0), bins=4).bin_edges.tolist() == [1.5, 1.75, 2.0, 2.25, 2.5]
        assert t.histogram(2).hist.tolist() == [4.0, 1.0]
        hist = T.histogram(T.tensor(x, requires_grad=True), 3).hist  # (requires grad; backward refuses)
        with pytest.raises(RuntimeError):
            hist.sum().backward()
    for fn, error in ((lambda T: T.histogram(T.tensor([1, 2]), 3), NotImplementedError),
                      (lambda T: T.histogram(T.tensor([1.0, 2]), 0), RuntimeError),
                      (lambda T: T.histogram(T.tensor([1.0, float("nan")]), 2), RuntimeError),
                      (lambda T: T.histogram(T.tensor([1.0, 2]), 2, range=(3.0, 1.0)), RuntimeError)):
        with pytest.raises(error):
            fn(torch)
        with pytest.raises(error, match="histogram"):
            fn(ag)
