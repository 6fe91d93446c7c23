"""PyTorch nn names added late (shrinks, Lp pooling, 3-d adaptive pooling, InstanceNorm3d and the lazy
instance norms, ...), checked against PyTorch 2.13 as a user meets them: module reprs and state dicts,
values and gradients in float32 and float64, and the errors. The functions also have rows in
tests/porting/test_expressions.py (values, gradients, second derivatives, in-place changes)."""
import warnings

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


def test_upsampling_modules_as_pytorch():
    """UpsamplingBilinear2d aligns the corners (Upsample's bilinear default does not)."""
    a = np.random.default_rng(8).standard_normal((2, 3, 4, 5))
    for name, kwargs in (("UpsamplingNearest2d", {"scale_factor": 2}), ("UpsamplingNearest2d", {"size": (3, 7)}),
                         ("UpsamplingBilinear2d", {"size": 9}), ("UpsamplingBilinear2d", {"scale_factor": 1.5})):
        ours, theirs = getattr(nn, name)(**kwargs), getattr(torch.nn, name)(**kwargs)
        assert repr(ours) == repr(theirs)
        x, t = _both(a)
        _check(ours(x), theirs(t), x, t, 1e-12, 1e-12)
    assert not np.allclose(nn.UpsamplingBilinear2d(size=9)(ag.tensor(a)).numpy(),
                           nn.Upsample(size=9, mode="bilinear")(ag.tensor(a)).numpy())


def test_nll_loss2d_is_nll_loss_with_pytorch_deprecation():
    a = np.random.default_rng(9).standard_normal((2, 4, 3, 3))
    target = np.random.default_rng(9).integers(0, 4, (2, 3, 3))
    weight = np.array([0.5, 1.0, 2.0, 1.5])
    with pytest.warns(FutureWarning, match="`NLLLoss2d` has been deprecated. Please use `NLLLoss` instead"):
        ours = nn.NLLLoss2d(weight=ag.tensor(weight), ignore_index=2)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        theirs = torch.nn.NLLLoss2d(weight=torch.tensor(weight), ignore_index=2)
    assert isinstance(ours, nn.NLLLoss) and repr(ours) == repr(theirs)
    assert list(ours.state_dict()) == list(theirs.state_dict()) == ["weight"]
    x, t = _both(a)
    _check(ours(x.log_softmax(1), ag.tensor(target)), theirs(t.log_softmax(1), torch.tensor(target)), x, t,
           1e-12, 1e-12)


@pytest.mark.parametrize("dtype,rtol,atol", DTYPES)
def test_triplet_margin_with_distance_loss_module_as_pytorch(dtype, rtol, atol):
    rng = np.random.default_rng(10)
    a, p, n = (rng.standard_normal((6, 5)).astype(dtype) for _ in range(3))
    cases = [({}, {}), ({"margin": 0.3, "swap": True, "reduction": "none"}, {}),
             ({"reduction": "sum"}, {"distance_function": "cosine"})]
    for kwargs, special in cases:
        if special:
            ours = nn.TripletMarginWithDistanceLoss(
                distance_function=lambda u, v: 1.0 - F.cosine_similarity(u, v), **kwargs)
            theirs = torch.nn.TripletMarginWithDistanceLoss(
                distance_function=lambda u, v: 1.0 - torch.nn.functional.cosine_similarity(u, v), **kwargs)
        else:
            ours, theirs = nn.TripletMarginWithDistanceLoss(**kwargs), torch.nn.TripletMarginWithDistanceLoss(**kwargs)
            assert repr(ours) == repr(theirs)
        assert ours.state_dict() == {} and len(theirs.state_dict()) == 0
        x, t = _both(a)
        _check(ours(x, ag.tensor(p), ag.tensor(n)), theirs(t, torch.tensor(p), torch.tensor(n)), x, t, rtol, atol)
    with pytest.raises(ValueError, match="TripletMarginWithDistanceLoss: expected margin to be greater than 0, got 0"):
        nn.TripletMarginWithDistanceLoss(margin=0)


@pytest.mark.parametrize("name,args", [("relu_", ()), ("elu_", (0.7,)), ("leaky_relu_", (0.3,)),
                                       ("hardtanh_", (-0.4, 0.6)), ("selu_", ()), ("celu_", (1.5,))])
def test_in_place_functional_activations_write_into_the_input(name, args):
    """F.relu_(h) and the others change h itself (its version moves on), and the gradient through the change is
    PyTorch's."""
    a = np.random.default_rng(11).standard_normal((3, 5))
    x, t = _both(a)
    h, th = x * 1.0, t * 1.0
    before = h._version
    out, tout = getattr(F, name)(h, *args), getattr(torch.nn.functional, name)(th, *args)
    assert out is h and h._version > before
    _check(h, th, x, t, 1e-12, 1e-12)


def _ours_like(theirs, ours):
    """``ours`` with ``theirs``'s state (weights and running statistics), both in eval mode."""
    ours.load_state_dict({k: ag.tensor(v.detach().numpy()) for k, v in theirs.state_dict().items()})
    return ours.eval(), theirs.eval()


def _bn_pair(lib, n, features, dtype, affine=True):
    cls = {1: "BatchNorm1d", 2: "BatchNorm2d", 3: "BatchNorm3d"}[n]
    return getattr(lib, cls)(features, eps=1e-3, affine=affine, dtype=dtype)


@pytest.mark.parametrize("dtype,rtol,atol", DTYPES)
def test_fuse_conv_bn_as_pytorch(dtype, rtol, atol):
    rng = np.random.default_rng(12)
    td, od = (torch.float32, ag.float32) if dtype == np.float32 else (torch.float64, ag.float64)
    for conv_name, args, n, transpose, bias, affine in (("Conv2d", (3, 4, 3), 2, False, True, True),
                                                        ("Conv1d", (3, 5, 2), 1, False, False, False),
                                                        ("ConvTranspose2d", (3, 4, 3), 2, True, True, True),
                                                        ("Conv3d", (2, 3, 2), 3, False, True, True)):
        torch.manual_seed(0)
        tconv = getattr(torch.nn, conv_name)(*args, bias=bias, dtype=td)
        tbn = _bn_pair(torch.nn, n, args[1], td, affine)
        with torch.no_grad():
            tbn.running_mean.copy_(torch.tensor(rng.standard_normal(args[1])))
            tbn.running_var.copy_(torch.tensor(rng.uniform(0.5, 2.0, args[1])))
            if affine:
                tbn.weight.copy_(torch.tensor(rng.uniform(0.5, 1.5, args[1])))
                tbn.bias.copy_(torch.tensor(rng.standard_normal(args[1])))
        oconv, tconv = _ours_like(tconv, getattr(nn, conv_name)(*args, bias=bias, dtype=od))
        obn, tbn = _ours_like(tbn, _bn_pair(nn, n, args[1], od, affine))
        ofused = nn.utils.fuse_conv_bn_eval(oconv, obn, transpose=transpose)
        tfused = torch.nn.utils.fuse_conv_bn_eval(tconv, tbn, transpose=transpose)
        assert ofused is not oconv and isinstance(ofused.weight, nn.Parameter) and ofused.weight.requires_grad
        for key, value in tfused.state_dict().items():
            np.testing.assert_allclose(ofused.state_dict()[key].numpy(), value.numpy(), rtol=rtol, atol=atol)
        x = ag.tensor(rng.standard_normal((2, args[0]) + (5,) * n).astype(dtype))
        np.testing.assert_allclose(ofused(x).detach().numpy(), obn(oconv(x)).detach().numpy(), rtol=rtol * 10,
                                   atol=atol * 10)
    with pytest.raises(AssertionError, match="Fusion only for eval!"):
        nn.utils.fuse_conv_bn_eval(nn.Conv2d(1, 2, 1), nn.BatchNorm2d(2).eval())


@pytest.mark.parametrize("dtype,rtol,atol", DTYPES)
def test_fuse_linear_bn_as_pytorch(dtype, rtol, atol):
    rng = np.random.default_rng(13)
    td, od = (torch.float32, ag.float32) if dtype == np.float32 else (torch.float64, ag.float64)
    for bias, features in ((True, 4), (False, 4), (True, 1)):
        tlin, tbn = torch.nn.Linear(3, 4, bias=bias, dtype=td), torch.nn.BatchNorm1d(features, dtype=td)
        with torch.no_grad():
            tbn.running_mean.copy_(torch.tensor(rng.standard_normal(features)))
            tbn.running_var.copy_(torch.tensor(rng.uniform(0.5, 2.0, features)))
            tbn.weight.copy_(torch.tensor(rng.uniform(0.5, 1.5, features)))
        olin, tlin = _ours_like(tlin, nn.Linear(3, 4, bias=bias, dtype=od))
        obn, tbn = _ours_like(tbn, nn.BatchNorm1d(features, dtype=od))
        ofused, tfused = nn.utils.fuse_linear_bn_eval(olin, obn), torch.nn.utils.fuse_linear_bn_eval(tlin, tbn)
        for key, value in tfused.state_dict().items():
            np.testing.assert_allclose(ofused.state_dict()[key].numpy(), value.numpy(), rtol=rtol, atol=atol)
    with pytest.raises(AssertionError, match="linear.out_features == bn.num_features or bn.num_features == 1"):
        nn.utils.fuse_linear_bn_eval(nn.Linear(3, 4).eval(), nn.BatchNorm1d(3).eval())
    with pytest.raises(AssertionError, match="Fusion only for eval!"):
        nn.utils.fuse_linear_bn_eval(nn.Linear(3, 4), nn.BatchNorm1d(4).eval())


@pytest.mark.parametrize("shape,groups", [((6, 4, 3, 3), 2), ((3, 2, 5), 1), ((4, 4, 3, 2, 3), 4), ((2, 5, 1, 4), 1)])
def test_dirac_as_pytorch(shape, groups):
    ours, theirs = nn.init.dirac_(ag.empty(*shape), groups), torch.nn.init.dirac_(torch.empty(*shape), groups)
    np.testing.assert_array_equal(ours.numpy(), theirs.numpy())


def test_init_errors_as_pytorch():
    for ours, theirs, message in ((lambda: nn.init.dirac_(ag.empty(2, 2)), lambda: torch.nn.init.dirac_(torch.empty(2, 2)),
                                   "Only tensors with 3, 4, or 5 dimensions are supported"),
                                  (lambda: nn.init.dirac_(ag.empty(3, 2, 3), 2),
                                   lambda: torch.nn.init.dirac_(torch.empty(3, 2, 3), 2), "dim 0 must be divisible"),
                                  (lambda: nn.init.sparse_(ag.empty(3), 0.1),
                                   lambda: torch.nn.init.sparse_(torch.empty(3), 0.1), "Only tensors with 2 dimensions")):
        with pytest.raises(ValueError, match=message):
            theirs()
        with pytest.raises(ValueError, match=message):
            ours()


def test_sparse_zeroes_the_share_of_each_column():
    ag.manual_seed(0)
    w = nn.init.sparse_(ag.empty(10, 7), sparsity=0.25, std=0.5).numpy()
    assert ((w == 0).sum(0) == 3).all()  # ceil(0.25 * 10) per column
    assert 0.3 < w[w != 0].std() < 0.7


def test_deprecated_init_names_warn_as_pytorch():
    names = sorted(n for n in dir(torch.nn.init) if not n.startswith("_") and not n.endswith("_")
                   and hasattr(torch.nn.init, n + "_"))
    assert {"eye", "dirac", "orthogonal", "sparse", "normal", "uniform"} <= set(names)
    args = {"constant": (0.5,), "sparse": (0.2,)}
    for name in names:
        shape = (4, 2, 3) if name == "dirac" else (4, 3)
        with pytest.warns(FutureWarning, match=rf"`nn.init.{name}` is now deprecated in favor of `nn.init.{name}_`."):
            out = getattr(nn.init, name)(ag.empty(*shape), *args.get(name, ()))
        assert tuple(out.shape) == shape


def test_skip_init_draws_nothing():
    ag.manual_seed(0)
    want = ag.randn(4).numpy()
    ag.manual_seed(0)
    m = nn.utils.skip_init(nn.Linear, 5, out_features=3, bias=False)
    np.testing.assert_array_equal(ag.randn(4).numpy(), want)
    assert tuple(m.weight.shape) == (3, 5) and m.bias is None and isinstance(m.weight, nn.Parameter)
    with pytest.raises(RuntimeError, match="Expected a Module"):
        nn.utils.skip_init(nn.Linear(2, 2))
    with pytest.raises(RuntimeError, match="Module must support a 'device' arg to skip initialization"):
        nn.utils.skip_init(nn.ReLU)
    with pytest.raises(RuntimeError, match="Module must support a 'device' arg to skip initialization"):
        torch.nn.utils.skip_init(torch.nn.ReLU)


@pytest.mark.parametrize("dtype,rtol,atol", [(np.float32, 2e-5, 2e-6), (np.float64, 1e-11, 1e-12)])
def test_adafactor_steps_as_pytorch(dtype, rtol, atol):
    """Matrices (factored second moment, over the last two dims, also of a 3-d parameter), vectors and a 0-d
    parameter (a full second moment), with weight decay applied after the step size read the norm."""
    import optim

    rng = np.random.default_rng(14)
    shapes = [(4, 3), (5,), (2, 3, 4), ()]
    start = [rng.standard_normal(s).astype(dtype) for s in shapes]
    for kwargs in ({}, {"lr": 0.05, "weight_decay": 0.1, "d": 1.5}, {"lr": 0.5, "eps": (1e-6, 0.0), "maximize": True}):
        theirs = [torch.tensor(a, requires_grad=True) for a in start]
        ours = [ag.tensor(a, requires_grad=True) for a in start]
        topt, oopt = torch.optim.Adafactor(theirs, **kwargs), optim.Adafactor(ours, **kwargs)
        for _ in range(6):
            for t, o in zip(theirs, ours):
                g = rng.standard_normal(tuple(t.shape)).astype(dtype)
                t.grad, o.grad = torch.tensor(g), ag.tensor(g)
            topt.step(), oopt.step()
        for t, o in zip(theirs, ours):
            np.testing.assert_allclose(o.detach().numpy(), t.detach().numpy(), rtol=rtol, atol=atol)
        for t, o in zip(theirs, ours):
            assert set(oopt.state[o]) == set(topt.state[t])
            for key, value in topt.state[t].items():
                np.testing.assert_allclose(np.asarray(oopt.state[o][key], dtype=float), value.double().numpy(),
                                           rtol=rtol, atol=atol)


def test_adafactor_refuses_what_pytorch_refuses():
    import optim

    p = [ag.zeros(2, requires_grad=True)]
    for kwargs, message in (({"beta2_decay": 0.5}, "beta2_decay should be <= 0 but is: 0.5"),
                            ({"eps": (-1.0, 1e-3)}, "epsilon1 should be >= 0 but is: -1.0"),
                            ({"eps": (None, -1.0)}, "epsilon2 should be >= 0 but is: -1.0"),
                            ({"d": 0.5}, "(?i)d"), ({"lr": -1.0}, "(?i)learning rate"),
                            ({"weight_decay": -0.1}, "weight_decay")):
        with pytest.raises(ValueError, match=message):
            torch.optim.Adafactor([torch.zeros(2, requires_grad=True)], **kwargs)
        with pytest.raises(ValueError, match=message):
            optim.Adafactor(p, **kwargs)
