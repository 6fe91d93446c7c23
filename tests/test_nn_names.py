"""PyTorch nn names added late (shrinks, Lp pooling, 3-d adaptive pooling, InstanceNorm3d and the lazy
instance norms, ...), checked against PyTorch 2.13 as a user meets them: module reprs and state dicts,
values and gradients in float32 and float64, and the errors. The functions also have rows in
tests/porting/test_expressions.py (values, gradients, second derivatives, in-place changes)."""
import numpy as np
import pytest

import autograd as ag
import nn
import nn.functional as F

torch = pytest.importorskip("torch")

DTYPES = [(np.float32, 1e-5, 1e-6), (np.float64, 1e-12, 1e-12)]


def _both(a):
    """The same numbers as a leaf of each library."""
    return ag.tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)


def _check(ours, theirs, x, t, rtol, atol, weights_seed=0):
    """Values, then the gradients of one weighted sum of the outputs, agree."""
    np.testing.assert_allclose(ours.detach().numpy(), theirs.detach().numpy(), rtol=rtol, atol=atol)
    w = np.random.default_rng(weights_seed).standard_normal(tuple(theirs.shape)).astype(x.detach().numpy().dtype)
    (ours * ag.tensor(w)).sum().backward()
    (theirs * torch.tensor(w)).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), t.grad.numpy(), rtol=rtol, atol=atol, equal_nan=True)


@pytest.mark.parametrize("dtype,rtol,atol", DTYPES)
def test_shrink_modules_match_pytorch(dtype, rtol, atol):
    a = np.array([-2.0, -0.5, -0.3, 0.0, 0.5, 0.7, 3.0], dtype=dtype)
    for name, lambd in (("Hardshrink", 0.5), ("Softshrink", 0.5), ("Hardshrink", 0.0), ("Softshrink", 2.5)):
        ours, theirs = getattr(nn, name)(lambd), getattr(torch.nn, name)(lambd)
        assert repr(ours) == repr(theirs)
        x, t = _both(a)
        _check(ours(x), theirs(t), x, t, rtol, atol)
        # nan passes (its gradient is not compared: PyTorch's differs between its vectorised loop and the tail)
        assert ours(ag.tensor([np.nan], dtype=x.dtype)).isnan().all()


def test_shrink_errors_name_the_op_and_the_value():
    with pytest.raises(RuntimeError, match=r"softshrink: lambda must be in range \[0, 3.40282e\+38\].*found -1"):
        F.softshrink(ag.randn(3), -1)
    with pytest.raises(TypeError, match="hardshrink.*int64.*float"):
        F.hardshrink(ag.tensor([1, 2]))


def test_lp_pool_zero_windows_and_negative_sums_as_pytorch():
    """A window of zeros has the gradient 0 (relu's, not the root's inf); an odd p over negative numbers gives
    nan, as PyTorch's formula does."""
    a = np.array([[[-1.0, 0.0, 2.0, 3.0, 0.0, 0.0, 0.0]]])
    for p, k, stride, ceil in ((2, 2, None, False), (1, 2, None, True), (3, 2, 1, False), (2.5, 3, 2, True)):
        x, t = _both(a)
        _check(F.lp_pool1d(x, p, k, stride, ceil), torch.nn.functional.lp_pool1d(t, p, k, stride, ceil), x, t,
               1e-12, 1e-12)


@pytest.mark.parametrize("dtype,rtol,atol", DTYPES)
def test_lp_pool_modules_match_pytorch(dtype, rtol, atol):
    rng = np.random.default_rng(3)
    for n, args in ((1, (2, 3)), (1, (1.5, 2, 1, True)), (2, (2, 2)), (2, (3, (2, 3), (1, 2), True)),
                    (3, (2, 2)), (3, (float("inf"), (1, 2, 2)))):
        name = f"LPPool{n}d"
        ours, theirs = getattr(nn, name)(*args), getattr(torch.nn, name)(*args)
        assert repr(ours) == repr(theirs)
        assert ours.state_dict() == {} and len(theirs.state_dict()) == 0
        a = np.abs(rng.standard_normal((2, 3) + (5,) * n)).astype(dtype)
        x, t = _both(a)
        _check(ours(x), theirs(t), x, t, rtol, atol)


@pytest.mark.parametrize("dtype,rtol,atol", DTYPES)
def test_adaptive_pool3d_modules_match_pytorch(dtype, rtol, atol):
    a = np.random.default_rng(4).standard_normal((2, 3, 5, 7, 6)).astype(dtype)
    for name, size in (("AdaptiveAvgPool3d", (2, 3, 4)), ("AdaptiveAvgPool3d", (5, None, 1)),
                       ("AdaptiveMaxPool3d", 3), ("AdaptiveMaxPool3d", (None, 4, 6))):
        ours, theirs = getattr(nn, name)(size), getattr(torch.nn, name)(size)
        assert repr(ours) == repr(theirs)
        x, t = _both(a)
        _check(ours(x), theirs(t), x, t, rtol, atol)
    x, t = _both(a)
    (y, i), (ty, ti) = nn.AdaptiveMaxPool3d(2, return_indices=True)(x), torch.nn.AdaptiveMaxPool3d(2, True)(t)
    assert i.dtype == ag.int64 and (i.numpy() == ti.numpy()).all()
    np.testing.assert_array_equal(y.detach().numpy(), ty.detach().numpy())


def test_with_indices_functions_always_return_the_indices():
    a = np.random.default_rng(5).standard_normal((2, 3, 6, 6, 6))
    x, t = ag.tensor(a), torch.tensor(a)
    for name, args in (("max_pool3d_with_indices", (2,)), ("adaptive_max_pool3d_with_indices", ((2, 3, 1),)),
                       ("max_pool2d_with_indices", (3,)), ("adaptive_max_pool1d_with_indices", (4,))):
        xa, ta = (x, t) if "3d" in name else (x[0], t[0]) if "2d" in name else (x[0, 0], t[0, 0])
        (y, i), (ty, ti) = getattr(F, name)(xa, *args), getattr(torch.nn.functional, name)(xa if False else ta, *args)
        np.testing.assert_array_equal(y.numpy(), ty.numpy())
        np.testing.assert_array_equal(i.numpy(), ti.numpy())


@pytest.mark.parametrize("dtype,rtol,atol", DTYPES)
def test_instance_norm3d_matches_pytorch_in_training_and_eval(dtype, rtol, atol):
    a = np.random.default_rng(6).standard_normal((2, 3, 4, 3, 5)).astype(dtype) * 3 + 1
    torch_dtype = torch.float32 if dtype == np.float32 else torch.float64
    for kwargs in ({}, {"affine": True, "track_running_stats": True}, {"affine": True, "bias": False}):
        ours = nn.InstanceNorm3d(3, momentum=0.3, dtype=ag.float32 if dtype == np.float32 else ag.float64, **kwargs)
        theirs = torch.nn.InstanceNorm3d(3, momentum=0.3, dtype=torch_dtype, **kwargs)
        assert repr(ours) == repr(theirs)
        assert list(ours.state_dict()) == list(theirs.state_dict())
        for training in (True, False):
            ours.train(training), theirs.train(training)
            x, t = _both(a)
            _check(ours(x), theirs(t), x, t, rtol, atol)
            for key, value in theirs.state_dict().items():
                np.testing.assert_allclose(ours.state_dict()[key].numpy(), value.numpy(), rtol=rtol, atol=atol)
        x, t = _both(a[0])  # unbatched (C, D, H, W)
        _check(ours(x), theirs(t), x, t, rtol, atol)
    with pytest.raises(RuntimeError, match=r"InstanceNorm3d\(3\): expected input \(N, 3, D, H, W\)"):
        nn.InstanceNorm3d(3)(ag.randn(2, 3, 4, 4))


@pytest.mark.parametrize("n", [1, 2, 3])
def test_lazy_instance_norms_size_themselves_as_pytorch(n):
    """PyTorch's lazy instance norms default to affine=True and track_running_stats=True (the eager ones
    to False); the first input's dim 1 gives num_features; then the module is an InstanceNorm*d."""
    a = np.random.default_rng(7).standard_normal((2, 4) + (3,) * n).astype(np.float32)
    ours, theirs = getattr(nn, f"LazyInstanceNorm{n}d")(), getattr(torch.nn, f"LazyInstanceNorm{n}d")()
    assert repr(ours) == repr(theirs)
    x, t = _both(a)
    _check(ours(x), theirs(t), x, t, 1e-5, 1e-6)
    assert type(ours) is getattr(nn, f"InstanceNorm{n}d") and repr(ours) == repr(theirs)
    assert {k: tuple(v.shape) for k, v in ours.state_dict().items()} == \
        {k: tuple(v.shape) for k, v in theirs.state_dict().items()}
    for key, value in theirs.state_dict().items():
        np.testing.assert_allclose(ours.state_dict()[key].numpy(), value.numpy(), rtol=1e-5, atol=1e-6)
    plain, theirs_plain = (getattr(lib, f"LazyInstanceNorm{n}d")(affine=False, track_running_stats=False, bias=False)
                           for lib in (nn, torch.nn))
    assert repr(plain) == repr(theirs_plain)
    x, t = _both(a)
    with __import__("warnings").catch_warnings():
        __import__("warnings").simplefilter("ignore")  # (PyTorch warns that num_features stays 0)
        _check(plain(x), theirs_plain(t), x, t, 1e-5, 1e-6)
