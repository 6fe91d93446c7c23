"""BatchNorm1d/2d and LayerNorm: the fused Normalize primitive (gradcheck, double backward) and the
layers against PyTorch in train and eval modes, running statistics included."""
import numpy as np
import pytest

import autograd as ag
import nn
import nn.functional as F

try:
    import torch
except ImportError:  # PyTorch is only the oracle: its comparisons skip, everything else runs
    torch = None
needs_torch = pytest.mark.skipif(torch is None, reason="PyTorch is the reference for this test")

RNG = np.random.default_rng(2)


def _t(*shape):
    return ag.tensor(RNG.standard_normal(shape), dtype=ag.float64, requires_grad=True)


# ----------------------------------------------------------------- gradcheck


@pytest.mark.parametrize("name,fn,shapes", [
    ("batch_norm train 4d", lambda x, w, b: F.batch_norm(x, None, None, w, b, training=True),
     [(3, 2, 3, 2), (2,), (2,)]),
    ("batch_norm train 2d", lambda x, w, b: F.batch_norm(x, None, None, w, b, training=True), [(5, 3), (3,), (3,)]),
    ("batch_norm train 3d no affine", lambda x: F.batch_norm(x, None, None, training=True), [(3, 2, 4)]),
    ("batch_norm eval", lambda x, w, b: F.batch_norm(x, ag.tensor([0.5, -1.0], dtype=ag.float64),
                                                     ag.tensor([2.0, 0.3], dtype=ag.float64), w, b),
     [(3, 2, 2, 2), (2,), (2,)]),
    ("layer_norm", lambda x, w, b: F.layer_norm(x, (3, 4), w, b), [(2, 3, 4), (3, 4), (3, 4)]),
    ("layer_norm no affine", lambda x: F.layer_norm(x, 5), [(4, 5)]),
    ("group_norm", lambda x, w, b: F.group_norm(x, 2, w, b), [(2, 4, 3, 2), (4,), (4,)]),
])
def test_gradcheck(name, fn, shapes):
    assert ag.gradcheck(fn, [_t(*s) for s in shapes])


@pytest.mark.parametrize("norm", ["batch", "layer"])
def test_gradient_of_gradient(norm):
    def penalty(x, w):
        y = F.batch_norm(x, None, None, w, None, training=True) if norm == "batch" else F.layer_norm(x, 3, w)
        (gx,) = ag.grad((y * y * y).sum(), [x], create_graph=True)
        return (gx * gx).sum()

    shapes = [(4, 3), (3,)]
    assert ag.gradcheck(penalty, [_t(*s) for s in shapes], atol=1e-4)


def test_normalised_output_has_zero_mean_unit_variance_per_channel():
    x = ag.tensor(RNG.standard_normal((16, 3, 5, 5)) * 4 + 7, dtype=ag.float32)  # (the layer's dtype)
    y = nn.BatchNorm2d(3)(x).detach().numpy()
    np.testing.assert_allclose(y.mean(axis=(0, 2, 3)), 0, atol=1e-5)
    np.testing.assert_allclose(y.var(axis=(0, 2, 3)), 1, atol=1e-3)


# ----------------------------------------------------------------- layers: buffers, modes, errors


def test_buffers_are_in_state_dict_and_load_back():
    bn = nn.BatchNorm2d(4)
    assert list(bn.state_dict()) == ["weight", "bias", "running_mean", "running_var", "num_batches_tracked"]
    assert [n for n, _ in bn.named_parameters()] == ["weight", "bias"]
    bn(ag.randn(8, 4, 3, 3) * 2 + 1)
    assert bn.num_batches_tracked.item() == 1
    fresh = nn.BatchNorm2d(4)
    fresh.load_state_dict(bn.state_dict())
    np.testing.assert_array_equal(fresh.running_mean.numpy(), bn.running_mean.numpy())
    np.testing.assert_array_equal(fresh.running_var.numpy(), bn.running_var.numpy())
    assert fresh.num_batches_tracked.item() == 1
    bn.eval()
    fresh.eval()
    x = ag.randn(2, 4, 3, 3)
    np.testing.assert_array_equal(bn(x).detach().numpy(), fresh(x).detach().numpy())


def test_no_running_stats_and_no_affine():
    bn = nn.BatchNorm1d(3, affine=False, track_running_stats=False)
    assert list(bn.state_dict()) == [] and list(bn.parameters()) == []
    assert repr(bn) == "BatchNorm1d(3, eps=1e-05, momentum=0.1, affine=False, bias=False, track_running_stats=False)"
    bn.eval()  # without running statistics, eval still uses the batch's
    y = bn(ag.randn(10, 3) * 5).numpy()
    np.testing.assert_allclose(y.mean(0), 0, atol=1e-5)


def test_eval_mode_does_not_touch_running_stats():
    bn = nn.BatchNorm1d(2)
    bn.eval()
    bn(ag.randn(5, 2) + 3)
    np.testing.assert_array_equal(bn.running_mean.numpy(), [0, 0])
    assert bn.num_batches_tracked.item() == 0


@pytest.mark.parametrize("layer,shape,match", [
    (lambda: nn.BatchNorm2d(3), (2, 4, 5, 5), r"BatchNorm2d\(3\): expected input \(N, 3, H, W\), got \(2, 4, 5, 5\)"),
    (lambda: nn.BatchNorm2d(3), (2, 3, 5), r"BatchNorm2d\(3\): expected input \(N, 3, H, W\)"),
    (lambda: nn.BatchNorm1d(3), (2, 3, 4, 4), r"BatchNorm1d\(3\): expected input \(N, 3\) or \(N, 3, L\)"),
    (lambda: nn.BatchNorm1d(3), (1, 3), r"more than 1 value per channel when training"),
    (lambda: nn.LayerNorm(5), (2, 4), r"LayerNorm\(\(5,\)\): expected input \(\*, 5\), got \(2, 4\)"),
])
def test_errors(layer, shape, match):
    with pytest.raises(ValueError, match=match):
        layer()(ag.zeros(*shape))


# ----------------------------------------------------------------- against PyTorch



def _copy_state(ours, theirs):
    theirs.load_state_dict({k: torch.tensor(v.numpy()) for k, v in ours.state_dict().items()})


@needs_torch
@pytest.mark.parametrize("name,kwargs,shape", [
    ("BatchNorm2d", dict(), (6, 3, 4, 5)),
    ("BatchNorm2d", dict(momentum=0.3, eps=1e-3), (4, 2, 3, 3)),
    ("BatchNorm2d", dict(momentum=None), (4, 2, 3, 3)),  # cumulative moving average
    ("BatchNorm1d", dict(), (8, 5)),
    ("BatchNorm1d", dict(affine=False), (4, 3, 7)),
])
def test_batchnorm_matches_torch_over_steps_then_in_eval(name, kwargs, shape):
    num = shape[1]
    ours, theirs = getattr(nn, name)(num, **kwargs), getattr(torch.nn, name)(num, **kwargs)
    if ours.affine:  # non-trivial affine parameters
        ours.weight.data.copy_(RNG.standard_normal(num).astype(np.float32))
        ours.bias.data.copy_(RNG.standard_normal(num).astype(np.float32))
    _copy_state(ours, theirs)
    for step in range(3):
        x = (RNG.standard_normal(shape) * (step + 1) + step).astype(np.float32)
        xa, xt = ag.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
        y, yt = ours(xa), theirs(xt)
        np.testing.assert_allclose(y.detach().numpy(), yt.detach().numpy(), rtol=1e-4, atol=1e-5)
        g = RNG.standard_normal(shape).astype(np.float32)
        y.backward(ag.tensor(g))
        yt.backward(torch.tensor(g))
        np.testing.assert_allclose(xa.grad.numpy(), xt.grad.numpy(), rtol=1e-4, atol=1e-4)
        if ours.affine:
            np.testing.assert_allclose(ours.weight.grad.numpy(), theirs.weight.grad.numpy(), rtol=1e-4, atol=1e-4)
            np.testing.assert_allclose(ours.bias.grad.numpy(), theirs.bias.grad.numpy(), rtol=1e-4, atol=1e-4)
    # unbiased running variance, momentum and the step counter all as PyTorch
    np.testing.assert_allclose(ours.running_mean.numpy(), theirs.running_mean.numpy(), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(ours.running_var.numpy(), theirs.running_var.numpy(), rtol=1e-5, atol=1e-6)
    assert ours.num_batches_tracked.item() == theirs.num_batches_tracked.item() == 3
    ours.eval()
    theirs.eval()
    x = RNG.standard_normal(shape).astype(np.float32)
    xa, xt = ag.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    y, yt = ours(xa), theirs(xt)
    np.testing.assert_allclose(y.detach().numpy(), yt.detach().numpy(), rtol=1e-4, atol=1e-5)
    y.sum().backward()
    yt.sum().backward()
    np.testing.assert_allclose(xa.grad.numpy(), xt.grad.numpy(), rtol=1e-4, atol=1e-5)


@needs_torch
@pytest.mark.parametrize("normalized_shape,shape,kwargs", [
    (6, (4, 6), dict()),
    ((3, 4), (2, 5, 3, 4), dict(eps=1e-3)),
    (5, (3, 5), dict(elementwise_affine=False)),
    (5, (2, 3, 5), dict(bias=False)),
])
def test_layernorm_matches_torch(normalized_shape, shape, kwargs):
    ours, theirs = nn.LayerNorm(normalized_shape, **kwargs), torch.nn.LayerNorm(normalized_shape, **kwargs)
    if ours.weight is not None:
        ours.weight.data.copy_(RNG.standard_normal(ours.weight.shape).astype(np.float32))
    if ours.bias is not None:
        ours.bias.data.copy_(RNG.standard_normal(ours.bias.shape).astype(np.float32))
    _copy_state(ours, theirs)
    x = (RNG.standard_normal(shape) * 3 + 1).astype(np.float32)
    xa, xt = ag.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    y, yt = ours(xa), theirs(xt)
    np.testing.assert_allclose(y.detach().numpy(), yt.detach().numpy(), rtol=1e-4, atol=1e-5)
    g = RNG.standard_normal(shape).astype(np.float32)
    y.backward(ag.tensor(g))
    yt.backward(torch.tensor(g))
    np.testing.assert_allclose(xa.grad.numpy(), xt.grad.numpy(), rtol=1e-4, atol=1e-4)
    for (pname, p), q in zip(ours.named_parameters(), theirs.parameters()):
        np.testing.assert_allclose(p.grad.numpy(), q.grad.numpy(), rtol=1e-4, atol=1e-4, err_msg=pname)


@needs_torch
def test_functional_batch_norm_matches_torch_with_running_stats():
    x = RNG.standard_normal((5, 3, 2)).astype(np.float32)
    rm, rv = ag.zeros(3), ag.ones(3)
    rmt, rvt = torch.zeros(3), torch.ones(3)
    y = F.batch_norm(ag.tensor(x), rm, rv, training=True, momentum=0.2)
    yt = torch.nn.functional.batch_norm(torch.tensor(x), rmt, rvt, training=True, momentum=0.2)
    np.testing.assert_allclose(y.numpy(), yt.numpy(), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(rm.numpy(), rmt.numpy(), rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(rv.numpy(), rvt.numpy(), rtol=1e-5, atol=1e-7)


@needs_torch
@pytest.mark.parametrize("groups,channels,shape,affine,bias", [(2, 6, (3, 6, 4, 5), True, True),
                                                              (3, 3, (2, 3, 7), False, True),
                                                              (1, 4, (2, 4), True, True), (2, 4, (2, 4, 3), True, False)])
def test_groupnorm_matches_torch(groups, channels, shape, affine, bias):
    ours = nn.GroupNorm(groups, channels, affine=affine, bias=bias)
    theirs = torch.nn.GroupNorm(groups, channels, affine=affine, bias=bias)
    assert list(ours.state_dict()) == list(theirs.state_dict()) and repr(ours) == repr(theirs)
    if affine:
        ours.weight.data.copy_(RNG.standard_normal(channels).astype(np.float32))
        if bias:
            ours.bias.data.copy_(RNG.standard_normal(channels).astype(np.float32))
        _copy_state(ours, theirs)
    x = (RNG.standard_normal(shape) * 2 + 1).astype(np.float32)
    xa, xt = ag.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    y, yt = ours(xa), theirs(xt)
    np.testing.assert_allclose(y.detach().numpy(), yt.detach().numpy(), rtol=1e-4, atol=1e-5)
    g = RNG.standard_normal(shape).astype(np.float32)
    y.backward(ag.tensor(g))
    yt.backward(torch.tensor(g))
    np.testing.assert_allclose(xa.grad.numpy(), xt.grad.numpy(), rtol=1e-4, atol=1e-4)
    for (pname, p), q in zip(ours.named_parameters(), theirs.parameters()):
        np.testing.assert_allclose(p.grad.numpy(), q.grad.numpy(), rtol=1e-4, atol=1e-4, err_msg=pname)


def test_groupnorm_errors():
    with pytest.raises(ValueError, match="divisible by num_groups"):
        nn.GroupNorm(4, 6)
    with pytest.raises(ValueError, match=r"GroupNorm\(2, 6\): expected input \(N, 6, \*\), got \(2, 4, 3\)"):
        nn.GroupNorm(2, 6)(ag.zeros(2, 4, 3))


@needs_torch
@pytest.mark.parametrize("name,kwargs,shape", [
    ("InstanceNorm2d", dict(), (3, 4, 5, 6)),
    ("InstanceNorm2d", dict(affine=True, track_running_stats=True, momentum=0.2), (3, 4, 5, 6)),
    ("InstanceNorm1d", dict(track_running_stats=True, momentum=None), (3, 4, 7)),
    ("InstanceNorm1d", dict(affine=True), (4, 7)),  # unbatched
    ("BatchNorm2d", dict(bias=False), (4, 4, 3, 3)),
])
def test_instancenorm_and_bias_free_batchnorm_match_torch(name, kwargs, shape):
    ours, theirs = getattr(nn, name)(4, **kwargs), getattr(torch.nn, name)(4, **kwargs)
    assert repr(ours) == repr(theirs)
    if ours.weight is not None:
        ours.weight.data.copy_(RNG.standard_normal(4).astype(np.float32))
    if ours.bias is not None:
        ours.bias.data.copy_(RNG.standard_normal(4).astype(np.float32))
    _copy_state(ours, theirs)
    for step in range(3):
        x = (RNG.standard_normal(shape) * 2 + step).astype(np.float32)
        xa, xt = ag.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
        y, yt = ours(xa), theirs(xt)
        np.testing.assert_allclose(y.detach().numpy(), yt.detach().numpy(), rtol=1e-4, atol=1e-5)
        g = RNG.standard_normal(shape).astype(np.float32)
        y.backward(ag.tensor(g))
        yt.backward(torch.tensor(g))
        np.testing.assert_allclose(xa.grad.numpy(), xt.grad.numpy(), rtol=1e-4, atol=1e-4)
        for (pname, p), q in zip(ours.named_parameters(), theirs.parameters()):
            np.testing.assert_allclose(p.grad.numpy(), q.grad.numpy(), rtol=1e-4, atol=1e-4, err_msg=pname)
    for key, value in theirs.state_dict().items():
        np.testing.assert_allclose(ours.state_dict()[key].numpy(), value.numpy(), rtol=1e-5, atol=1e-6, err_msg=key)
    ours.eval()
    theirs.eval()
    x = RNG.standard_normal(shape).astype(np.float32)
    np.testing.assert_allclose(ours(ag.tensor(x)).detach().numpy(), theirs(torch.tensor(x)).detach().numpy(),
                               rtol=1e-4, atol=1e-5)


def test_instance_norm_gradcheck_and_errors():
    assert ag.gradcheck(lambda x, w, b: F.instance_norm(x, weight=w, bias=b), [_t(2, 3, 4), _t(3), _t(3)])
    with pytest.raises(ValueError, match=r"InstanceNorm2d\(3\): expected input \(N, 3, H, W\) or \(3, H, W\)"):
        nn.InstanceNorm2d(3)(ag.zeros(2, 4, 5, 5))
