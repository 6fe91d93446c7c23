"""F.affine_grid and F.grid_sample against PyTorch 2.13 itself: values, the gradients to input, grid
and theta (and second derivatives), float32 and float64, both align_corners, every mode and
padding mode, points outside the image and exactly on its border, 4-d and 5-d; torch's warnings and
errors."""
import warnings

import numpy as np
import pytest

import autograd as ag
import nn.functional as F

torch = pytest.importorskip("torch")
TF = torch.nn.functional

TOL = {np.float64: dict(rtol=1e-10, atol=1e-11), np.float32: dict(rtol=1e-4, atol=2e-5)}


def _close(ours, theirs, dtype, what, scale=1.0):
    tol = TOL[dtype]
    theirs = theirs.detach().numpy() if hasattr(theirs, "detach") else theirs
    ours = np.asarray(ours.detach()) if hasattr(ours, "detach") else ours
    assert ours.shape == theirs.shape and ours.dtype == theirs.dtype, f"{what}: {ours.shape} {ours.dtype}"
    np.testing.assert_allclose(ours, theirs, rtol=tol["rtol"], atol=tol["atol"] * scale, err_msg=what)


def _grid(rng, shape, dtype):
    """Points inside and outside [-1, 1], with some exactly on -1, 0 and 1 (the border's gradient)."""
    g = rng.uniform(-1.7, 1.7, shape)
    flat = g.reshape(-1)
    flat[::7] = rng.choice([-1.0, 0.0, 1.0], size=flat[::7].shape)
    return g.astype(dtype)


def _run(lib, fn, x, g, w, **kwargs):
    """Output, dL/dinput and dL/dgrid of L = sum(w * fn(x, g)) as the user writes it in ``lib``."""
    X = lib.tensor(x, requires_grad=True)
    G = lib.tensor(g, requires_grad=True)
    y = fn(X, G, **kwargs)
    (y * lib.tensor(w)).sum().backward()
    return y, X.grad, G.grad


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("align_corners", [False, True])
@pytest.mark.parametrize("padding_mode", ["zeros", "border", "reflection"])
@pytest.mark.parametrize("mode,spatial", [("bilinear", 2), ("nearest", 2), ("bicubic", 2), ("bilinear", 3),
                                          ("nearest", 3)])
def test_grid_sample_matches_torch(mode, spatial, padding_mode, align_corners, dtype):
    rng = np.random.default_rng(sum(map(ord, mode + padding_mode)) + spatial + align_corners)
    in_shape = (2, 3, 5, 6) if spatial == 2 else (2, 3, 4, 5, 3)
    grid_shape = (2, 4, 7, 2) if spatial == 2 else (2, 3, 4, 2, 3)
    x = rng.standard_normal(in_shape).astype(dtype)
    g = _grid(rng, grid_shape, dtype)
    w = rng.standard_normal(in_shape[:2] + grid_shape[1:-1]).astype(dtype)
    kwargs = dict(mode=mode, padding_mode=padding_mode, align_corners=align_corners)
    theirs = _run(torch, TF.grid_sample, x, g, w, **kwargs)
    ours = _run(ag, F.grid_sample, x, g, w, **kwargs)
    _close(ours[0], theirs[0], dtype, "output")
    _close(ours[1], theirs[1], dtype, "input's gradient")
    _close(ours[2], theirs[2], dtype, "grid's gradient", scale=10.0)  # (pixels per unit of grid: up to 3x)


@pytest.mark.parametrize("mode", ["bilinear", "bicubic"])
@pytest.mark.parametrize("padding_mode", ["zeros", "border", "reflection"])
def test_grid_sample_second_derivatives_match_torch(mode, padding_mode):
    """A gradient penalty through grid_sample: grad of (|dL/dx|^2 + |dL/dgrid|^2) to x and to the grid."""
    rng = np.random.default_rng(3)
    x, g, w = rng.standard_normal((2, 3, 4, 5)), rng.uniform(-1.3, 1.3, (2, 3, 2, 2)), rng.standard_normal((2, 3, 3, 2))
    results = []
    for lib, fn in ((torch, TF.grid_sample), (ag, F.grid_sample)):
        X, G = lib.tensor(x, requires_grad=True), lib.tensor(g, requires_grad=True)
        y = fn(X, G, mode=mode, padding_mode=padding_mode, align_corners=False)
        gx, gg = lib.autograd.grad((y * lib.tensor(w)).sum(), (X, G), create_graph=True)
        results.append(lib.autograd.grad((gx ** 2).sum() + (gg ** 2).sum(), (X, G)))
    for what, theirs, ours in zip(("x", "grid"), *results):
        _close(ours, theirs, np.float64, f"second derivative to {what}", scale=100.0)


@pytest.mark.parametrize("spatial", [2, 3])
@pytest.mark.parametrize("mode", ["bilinear", "nearest", "bicubic"])
def test_grid_sample_nonfinite_points_read_what_torch_reads(mode, spatial):
    """nan and inf grid points: nan in 2-d bilinear/bicubic, 0 elsewhere (zeros padding), as torch's kernels."""
    if mode == "bicubic" and spatial == 3:
        pytest.skip("bicubic is 4-d only")
    rng = np.random.default_rng(4)
    x = rng.standard_normal((1, 2, 3, 4) if spatial == 2 else (1, 2, 3, 4, 2))
    points = [[a, b] + [0.3] * (spatial - 2) for a in (np.nan, np.inf, -np.inf, 0.5) for b in (0.2, -0.7)]
    g = np.array(points).reshape((1, 4, 2) + (1,) * (spatial - 2) + (spatial,))
    want = TF.grid_sample(torch.tensor(x), torch.tensor(g), mode=mode, align_corners=False).numpy()
    got = F.grid_sample(ag.tensor(x), ag.tensor(g), mode=mode, align_corners=False).numpy()
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12)


def test_grid_sample_identity_grid_returns_the_image():
    """affine_grid of the identity, sampled with either align_corners, reads every pixel back."""
    x = ag.randn(2, 3, 5, 7)
    theta = ag.tensor([[[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]]] * 2)
    for align in (False, True):
        grid = F.affine_grid(theta, (2, 3, 5, 7), align_corners=align)
        np.testing.assert_allclose(F.grid_sample(x, grid, align_corners=align).numpy(), x.numpy(), atol=1e-6)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("align_corners", [False, True])
@pytest.mark.parametrize("size", [(2, 3, 4, 5), (2, 1, 1, 6), (2, 3, 3, 4, 5), (2, 1, 2, 1, 3)])
def test_affine_grid_matches_torch(size, align_corners, dtype):
    rng = np.random.default_rng(len(size) + align_corners)
    n = len(size) - 2
    theta = rng.standard_normal((size[0], n, n + 1)).astype(dtype)
    w = rng.standard_normal((size[0],) + size[2:] + (n,)).astype(dtype)
    results = []
    for lib, fn in ((torch, TF.affine_grid), (ag, F.affine_grid)):
        t = lib.tensor(theta, requires_grad=True)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # (the unit-size warning: checked below)
            grid = fn(t, list(size), align_corners=align_corners)
        (grid * lib.tensor(w)).sum().backward()
        results.append((grid, t.grad))
    (want, want_grad), (got, got_grad) = results
    _close(got, want, dtype, "grid")
    _close(got_grad, want_grad, dtype, "theta's gradient", scale=10.0)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_affine_grid_of_the_identity_is_torchs_to_the_bit(dtype):
    """The usual initialisation (theta = identity) puts points exactly on pixel centres, where the grid's
    gradient is one-sided: one ulp off torch's linspace and a training run takes the other side."""
    theta = np.array([[[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]]], dtype=dtype)
    for align in (False, True):
        for h, w in ((28, 28), (1, 5), (17, 64), (250, 3)):
            want = TF.affine_grid(torch.tensor(theta), [1, 1, h, w], align_corners=align).numpy()
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                got = F.affine_grid(ag.tensor(theta), [1, 1, h, w], align_corners=align).numpy()
            assert np.array_equal(got, want), (align, h, w)


def test_spatial_transformer_gradient_reaches_theta_as_in_torch():
    """theta -> affine_grid -> grid_sample -> loss: the gradient to theta and to the image."""
    rng = np.random.default_rng(5)
    x, theta = rng.standard_normal((3, 2, 6, 5)), rng.standard_normal((3, 2, 3)) * 0.5
    results = []
    for lib, f in ((torch, TF), (ag, F)):
        X, T = lib.tensor(x, requires_grad=True), lib.tensor(theta, requires_grad=True)
        y = f.grid_sample(X, f.affine_grid(T, [3, 2, 4, 4], align_corners=False), align_corners=False,
                          padding_mode="border")
        (y ** 2).sum().backward()
        results.append((y, X.grad, T.grad))
    for what, theirs, ours in zip(("output", "input grad", "theta grad"), *results):
        _close(ours, theirs, np.float64, what, scale=10.0)


# --------------------------------------------------------------------- warnings


def _warnings(call):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        call()
    return [str(w.message) for w in caught if issubclass(w.category, UserWarning)]


@pytest.mark.parametrize("case", ["affine_default", "affine_false", "affine_unit_true", "affine_unit_false",
                                  "sample_default", "sample_true"])
def test_warnings_are_torchs(case):
    """align_corners=None warns (the default changed in 1.3), a given one does not; a unit-size grid with
    align_corners=True warns too."""
    theta = np.array([[[1.0, 0.2, 0.0], [0.1, 1.0, 0.0]]])
    x, g = np.ones((1, 1, 3, 3)), np.zeros((1, 2, 2, 2))
    calls = {
        "affine_default": lambda lib, f: f.affine_grid(lib.tensor(theta), [1, 1, 3, 3]),
        "affine_false": lambda lib, f: f.affine_grid(lib.tensor(theta), [1, 1, 3, 3], align_corners=False),
        "affine_unit_true": lambda lib, f: f.affine_grid(lib.tensor(theta), [1, 1, 1, 3], align_corners=True),
        "affine_unit_false": lambda lib, f: f.affine_grid(lib.tensor(theta), [1, 1, 1, 3], align_corners=False),
        "sample_default": lambda lib, f: f.grid_sample(lib.tensor(x), lib.tensor(g)),
        "sample_true": lambda lib, f: f.grid_sample(lib.tensor(x), lib.tensor(g), align_corners=True),
    }
    want = _warnings(lambda: calls[case](torch, TF))
    got = _warnings(lambda: calls[case](ag, F))
    assert got == want


# --------------------------------------------------------------------- bad input


def _raises_like_torch(call, *words):
    """Both raise; ours is an instance of torch's error class and names the op and what is wrong."""
    with pytest.raises(Exception) as theirs:
        call(torch, TF)
    with pytest.raises(type(theirs.value)) as ours:
        call(ag, F)
    for word in words:
        assert word in str(ours.value), f"{word!r} not in {ours.value}"


def test_affine_grid_bad_input():
    theta23 = np.zeros((2, 2, 3))
    _raises_like_torch(lambda lib, f: f.affine_grid(lib.tensor(theta23), [2, 3, 4, 4, 4], align_corners=False),
                       "affine_grid", "Nx3x4", "(2, 2, 3)")
    _raises_like_torch(lambda lib, f: f.affine_grid(lib.tensor(theta23), [2, 3, 4], align_corners=False),
                       "4D and 5D")
    _raises_like_torch(lambda lib, f: f.affine_grid(lib.tensor(theta23).long(), [2, 3, 4, 4], align_corners=False),
                       "floating point")
    _raises_like_torch(lambda lib, f: f.affine_grid(lib.tensor(theta23), [2, 3, 0, 4], align_corners=False),
                       "positive output size")
    _raises_like_torch(lambda lib, f: f.affine_grid(lib.tensor(theta23), [3, 1, 4, 4], align_corners=False),
                       "affine_grid", "batch of 2", "N = 3")


def test_grid_sample_bad_input():
    x, g = np.zeros((2, 3, 4, 4)), np.zeros((2, 3, 3, 2))
    _raises_like_torch(lambda lib, f: f.grid_sample(lib.tensor(x), lib.tensor(g), mode="area", align_corners=False),
                       "grid_sample", "'area'")
    _raises_like_torch(lambda lib, f: f.grid_sample(lib.tensor(x), lib.tensor(g), padding_mode="mirror",
                                                    align_corners=False), "'mirror'")
    _raises_like_torch(lambda lib, f: f.grid_sample(lib.tensor(x), lib.tensor(g[:1]), align_corners=False),
                       "same batch size", "[2, 3, 4, 4]", "[1, 3, 3, 2]")
    _raises_like_torch(lambda lib, f: f.grid_sample(lib.tensor(x), lib.tensor(np.zeros((2, 3, 3, 3))),
                                                    align_corners=False), "size 2 in last dimension")
    _raises_like_torch(lambda lib, f: f.grid_sample(lib.tensor(x), lib.tensor(np.zeros((2, 3, 2))),
                                                    align_corners=False), "same number of dimensions")
    _raises_like_torch(lambda lib, f: f.grid_sample(lib.tensor(x), lib.tensor(g).float(), align_corners=False),
                       "dtype", "float64", "float32")
    _raises_like_torch(lambda lib, f: f.grid_sample(lib.tensor(np.zeros((2, 3, 0, 4))), lib.tensor(g),
                                                    align_corners=False), "non-empty spatial", "dimension 2")
    _raises_like_torch(lambda lib, f: f.grid_sample(lib.tensor(np.zeros((1, 1, 2, 2, 2))),
                                                    lib.tensor(np.zeros((1, 1, 1, 1, 3))), mode="bicubic",
                                                    align_corners=False), "bicubic", "4D")
