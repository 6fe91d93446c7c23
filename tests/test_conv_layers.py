"""Conv, pooling, upsampling and embedding layers: shapes, PyTorch's inits and numbers, errors that
name the layer, state_dict, and a small 1-d CNN that learns."""
import math

import numpy as np
import pytest

import autograd as ag
import nn
import nn.functional as F
import optim
import seegrad

try:
    import torch
except ImportError:  # PyTorch is only the oracle: its comparisons skip, everything else runs
    torch = None
needs_torch = pytest.mark.skipif(torch is None, reason="PyTorch is the reference for this test")

RNG = np.random.default_rng(1)


# ----------------------------------------------------------------- construction and init


@pytest.mark.parametrize("layer,weight_shape", [
    (lambda: nn.Conv2d(3, 8, 3), (8, 3, 3, 3)),
    (lambda: nn.Conv2d(4, 6, (3, 2), groups=2), (6, 2, 3, 2)),
    (lambda: nn.Conv1d(2, 5, 4), (5, 2, 4)),
    (lambda: nn.ConvTranspose2d(4, 6, 3, groups=2), (4, 3, 3, 3)),
    (lambda: nn.ConvTranspose1d(3, 2, 5), (3, 2, 5)),
])
def test_weight_layout_and_default_init_bounds(layer, weight_shape):
    ag.manual_seed(0)
    m = layer()
    assert tuple(m.weight.shape) == weight_shape and m.weight.dtype == ag.float32
    fan_in = weight_shape[1] * int(np.prod(weight_shape[2:]))
    bound = 1 / math.sqrt(fan_in)  # kaiming_uniform_(a=sqrt(5)) gives U(-1/sqrt(fan_in), 1/sqrt(fan_in))
    w, b = m.weight.detach().numpy(), m.bias.detach().numpy()
    assert np.abs(w).max() <= bound and np.abs(w).max() > 0.8 * bound
    assert np.abs(b).max() <= bound and b.shape == (m.out_channels,)
    assert w.std() == pytest.approx(bound / math.sqrt(3), rel=0.35)


def test_conv_without_bias_and_repr():
    m = nn.Conv2d(1, 4, 3, stride=2, padding=1, bias=False)
    assert m.bias is None and [n for n, _ in m.named_parameters()] == ["weight"]
    assert repr(m) == "Conv2d(1, 4, kernel_size=(3, 3), stride=(2, 2), padding=(1, 1), bias=False)"
    assert repr(nn.MaxPool2d(2)) == "MaxPool2d(kernel_size=2, stride=2, padding=0, dilation=1, ceil_mode=False)"
    assert repr(nn.Upsample(scale_factor=2)) == "Upsample(scale_factor=2.0, mode='nearest')"
    assert repr(nn.Embedding(10, 3, padding_idx=0)) == "Embedding(10, 3, padding_idx=0)"


@pytest.mark.parametrize("make,shape,out_shape", [
    (lambda: nn.Conv2d(1, 32, 3), (64, 1, 28, 28), (64, 32, 26, 26)),
    (lambda: nn.Conv2d(3, 4, 3, padding="same", dilation=2), (2, 3, 9, 8), (2, 4, 9, 8)),
    (lambda: nn.Conv2d(3, 4, 3, stride=2, padding=1), (3, 9, 8), (4, 5, 4)),  # unbatched, like torch
    (lambda: nn.Conv1d(1, 25, 5, stride=2, padding=1), (8, 1, 40), (8, 25, 19)),
    (lambda: nn.ConvTranspose2d(8, 4, 4, stride=2, padding=1), (2, 8, 7, 7), (2, 4, 14, 14)),
    (lambda: nn.MaxPool2d(2), (2, 3, 9, 8), (2, 3, 4, 4)),
    (lambda: nn.MaxPool2d(3, stride=2, padding=1, ceil_mode=True), (2, 3, 9, 8), (2, 3, 5, 5)),
    (lambda: nn.MaxPool1d(2), (2, 3, 9), (2, 3, 4)),
    (lambda: nn.AvgPool2d(2), (2, 3, 9, 8), (2, 3, 4, 4)),
    (lambda: nn.AvgPool1d(3, 1, 1), (2, 3, 9), (2, 3, 9)),
    (lambda: nn.AdaptiveAvgPool2d((2, 3)), (2, 3, 9, 8), (2, 3, 2, 3)),
    (lambda: nn.AdaptiveAvgPool2d(1), (2, 3, 9, 8), (2, 3, 1, 1)),
    (lambda: nn.AdaptiveAvgPool1d(5), (2, 3, 9), (2, 3, 5)),
    (lambda: nn.Upsample(scale_factor=2), (2, 3, 4, 5), (2, 3, 8, 10)),
    (lambda: nn.Upsample(size=(6, 7)), (2, 3, 4, 5), (2, 3, 6, 7)),
    (lambda: nn.Upsample(scale_factor=2, mode="bilinear"), (2, 3, 4, 5), (2, 3, 8, 10)),
])
def test_output_shapes(make, shape, out_shape):
    assert tuple(make()(ag.randn(*shape)).shape) == out_shape


# ----------------------------------------------------------------- against PyTorch



def _same_weights(ours, theirs):
    theirs.load_state_dict({k: torch.tensor(v.numpy()) for k, v in ours.state_dict().items()})


@needs_torch
@pytest.mark.parametrize("name,args,kwargs,shape", [
    ("Conv2d", (4, 6, 3), dict(stride=2, padding=1, groups=2), (2, 4, 9, 8)),
    ("Conv2d", (3, 5, (2, 3)), dict(padding="same", dilation=(2, 1), bias=False), (2, 3, 7, 6)),
    ("Conv1d", (3, 5, 5), dict(stride=2, padding=1), (2, 3, 20)),
    ("ConvTranspose2d", (4, 6, 4), dict(stride=2, padding=1, groups=2), (2, 4, 5, 5)),
    ("ConvTranspose2d", (3, 2, 3), dict(stride=2, padding=1, output_padding=1), (2, 3, 4, 4)),
    ("ConvTranspose1d", (3, 2, 3), dict(stride=2), (2, 3, 7)),
])
def test_layers_match_torch_forward_and_gradients(name, args, kwargs, shape):
    ours, theirs = getattr(nn, name)(*args, **kwargs), getattr(torch.nn, name)(*args, **kwargs)
    _same_weights(ours, theirs)
    x = RNG.standard_normal(shape).astype(np.float32)
    xa, xt = ag.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    y, yt = ours(xa), theirs(xt)
    np.testing.assert_allclose(y.detach().numpy(), yt.detach().numpy(), rtol=1e-5, atol=1e-5)
    g = RNG.standard_normal(tuple(yt.shape)).astype(np.float32)
    y.backward(ag.tensor(g))
    yt.backward(torch.tensor(g))
    np.testing.assert_allclose(xa.grad.numpy(), xt.grad.numpy(), rtol=1e-4, atol=1e-4)
    for (pname, p), q in zip(ours.named_parameters(), theirs.parameters()):
        np.testing.assert_allclose(p.grad.numpy(), q.grad.numpy(), rtol=1e-4, atol=1e-4, err_msg=pname)


@needs_torch
@pytest.mark.parametrize("mode", ["reflect", "replicate", "circular"])
@pytest.mark.parametrize("name,padding,shape", [("Conv2d", 1, (2, 2, 6, 5)), ("Conv2d", "same", (1, 2, 5, 6)),
                                                ("Conv2d", (2, 1), (1, 2, 5, 4)), ("Conv1d", 2, (2, 2, 7))])
def test_padding_modes_match_torch(mode, name, padding, shape):
    ours = getattr(nn, name)(2, 3, 3, padding=padding, padding_mode=mode)
    theirs = getattr(torch.nn, name)(2, 3, 3, padding=padding, padding_mode=mode)
    _same_weights(ours, theirs)
    x = RNG.standard_normal(shape).astype(np.float32)
    xa, xt = ag.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    y, yt = ours(xa), theirs(xt)
    np.testing.assert_allclose(y.detach().numpy(), yt.detach().numpy(), rtol=1e-5, atol=1e-5)
    y.sum().backward()
    yt.sum().backward()
    np.testing.assert_allclose(xa.grad.numpy(), xt.grad.numpy(), rtol=1e-5, atol=1e-5)
    assert f"padding_mode={mode}" in repr(ours)


@needs_torch
def test_conv_transpose_output_size_argument_matches_torch():
    ours = nn.ConvTranspose2d(2, 3, 3, stride=2, padding=1)
    theirs = torch.nn.ConvTranspose2d(2, 3, 3, stride=2, padding=1)
    _same_weights(ours, theirs)
    x = RNG.standard_normal((1, 2, 4, 4)).astype(np.float32)
    y, yt = ours(ag.tensor(x), output_size=(8, 8)), theirs(torch.tensor(x), output_size=(8, 8))
    assert tuple(y.shape) == tuple(yt.shape) == (1, 3, 8, 8)
    np.testing.assert_allclose(y.detach().numpy(), yt.detach().numpy(), rtol=1e-5, atol=1e-5)
    with pytest.raises(ValueError, match="output_size"):
        ours(ag.tensor(x), output_size=(12, 12))


@needs_torch
def test_small_cnn_matches_torch_end_to_end():
    def build(lib):
        return lib.Sequential(lib.Conv2d(1, 4, 3, padding=1), lib.ReLU(), lib.MaxPool2d(2),
                              lib.Conv2d(4, 6, 3), lib.ReLU(), lib.AdaptiveAvgPool2d(1), lib.Flatten(),
                              lib.Linear(6, 3))
    ours, theirs = build(nn), build(torch.nn)
    _same_weights(ours, theirs)
    x = RNG.standard_normal((5, 1, 10, 10)).astype(np.float32)
    y = np.array([0, 1, 2, 1, 0])
    loss = F.cross_entropy(ours(ag.tensor(x)), ag.tensor(y))
    loss_t = torch.nn.functional.cross_entropy(theirs(torch.tensor(x)), torch.tensor(y))
    loss.backward()
    loss_t.backward()
    assert loss.item() == pytest.approx(loss_t.item(), rel=1e-5)
    for (pname, p), q in zip(ours.named_parameters(), theirs.parameters()):
        np.testing.assert_allclose(p.grad.numpy(), q.grad.numpy(), rtol=1e-4, atol=1e-5, err_msg=pname)


@needs_torch
def test_embedding_matches_torch_with_repeats_and_padding_idx():
    ours, theirs = nn.Embedding(6, 3, padding_idx=2), torch.nn.Embedding(6, 3, padding_idx=2)
    _same_weights(ours, theirs)
    idx = np.array([[1, 2, 1, 5], [2, 1, 0, 1]])
    out, out_t = ours(ag.tensor(idx)), theirs(torch.tensor(idx))
    np.testing.assert_allclose(out.detach().numpy(), out_t.detach().numpy())
    g = RNG.standard_normal((2, 4, 3)).astype(np.float32)
    out.backward(ag.tensor(g))
    out_t.backward(torch.tensor(g))
    np.testing.assert_allclose(ours.weight.grad.numpy(), theirs.weight.grad.numpy(), rtol=1e-6, atol=1e-6)
    assert np.all(ours.weight.grad.numpy()[2] == 0)
    np.testing.assert_allclose(ours.weight.grad.numpy()[1], g[0, 0] + g[0, 2] + g[1, 1] + g[1, 3], rtol=1e-6)


@needs_torch
def test_embedding_max_norm_renormalises_rows_like_torch():
    w = RNG.standard_normal((5, 4)).astype(np.float32) * 3
    ours = nn.Embedding(5, 4, max_norm=1.0, _weight=ag.tensor(w.copy()))
    theirs = torch.nn.Embedding(5, 4, max_norm=1.0, _weight=torch.tensor(w.copy()))
    idx = np.array([0, 3, 3])
    np.testing.assert_allclose(ours(ag.tensor(idx)).detach().numpy(), theirs(torch.tensor(idx)).detach().numpy(),
                               rtol=1e-5)
    np.testing.assert_allclose(ours.weight.detach().numpy(), theirs.weight.detach().numpy(), rtol=1e-5)


# ----------------------------------------------------------------- embedding details


def test_embedding_init_is_standard_normal_with_zero_padding_row():
    ag.manual_seed(0)
    e = nn.Embedding(2000, 8, padding_idx=-1)
    w = e.weight.detach().numpy()
    assert e.padding_idx == 1999 and np.all(w[1999] == 0)
    assert abs(w.mean()) < 0.02 and w.std() == pytest.approx(1.0, abs=0.02)


def test_embedding_from_pretrained_is_frozen_by_default():
    w = ag.tensor([[1.0, 2.0], [3.0, 4.0]])
    e = nn.Embedding.from_pretrained(w)
    assert not e.weight.requires_grad
    np.testing.assert_array_equal(e(ag.tensor([1, 1, 0])).numpy(), [[3, 4], [3, 4], [1, 2]])
    assert nn.Embedding.from_pretrained(w, freeze=False).weight.requires_grad


@pytest.mark.parametrize("idx,err,match", [
    (ag.tensor([0.0, 1.0]), TypeError, "indices must be integers"),
    (ag.tensor([0, 7]), IndexError, "index 7 is out of range for 4 embeddings"),
    (ag.tensor([-1]), IndexError, "index -1 is out of range"),
])
def test_embedding_bad_indices(idx, err, match):
    with pytest.raises(err, match=match):
        nn.Embedding(4, 2)(idx)


# ----------------------------------------------------------------- errors name the layer


@pytest.mark.parametrize("layer,shape,match", [
    (lambda: nn.Conv2d(1, 32, 3), (64, 28, 28),
     r"Conv2d\(1, 32\): expected input \(N, 1, H, W\), got \(64, 28, 28\)"),
    (lambda: nn.Conv2d(3, 8, 3), (2, 4, 8, 8), r"Conv2d\(3, 8\): expected input \(N, 3, H, W\), got \(2, 4, 8, 8\)"),
    (lambda: nn.Conv2d(3, 8, 3), (8, 8), r"Conv2d\(3, 8\): expected input \(N, 3, H, W\)"),
    (lambda: nn.Conv1d(1, 25, 5), (8, 40), r"Conv1d\(1, 25\): expected input \(N, 1, L\), got \(8, 40\)"),
    (lambda: nn.Conv2d(1, 4, 5), (2, 1, 3, 3), r"Conv2d\(1, 4\): .*kernel \(5, 5\).*larger than the padded input 3x3"),
    (lambda: nn.ConvTranspose2d(4, 2, 3), (2, 3, 5, 5), r"ConvTranspose2d\(4, 2\): expected input \(N, 4, H, W\)"),
    (lambda: nn.MaxPool2d(2), (4, 4), r"MaxPool2d\(kernel_size=2\): expected input \(N, C, H, W\)"),
    (lambda: nn.MaxPool2d(5), (1, 1, 3, 3),
     r"MaxPool2d\(kernel_size=5\): max_pool2d: the input size 3x3 is too small for kernel \(5, 5\)"),
    (lambda: nn.AvgPool1d(2), (2, 3, 4, 4), r"AvgPool1d\(kernel_size=2\): expected input \(N, C, L\)"),
])
def test_layer_errors_name_the_layer_and_shapes(layer, shape, match):
    with pytest.raises(ValueError, match=match):
        layer()(ag.zeros(*shape))


@pytest.mark.parametrize("make,match", [
    (lambda: nn.Conv2d(3, 4, 3, groups=2), r"divisible by groups"),
    (lambda: nn.Conv2d(3, 4, 3, stride=2, padding="same"), r"strided"),
    (lambda: nn.Conv2d(3, 4, 3, padding="full"), r"'same' or 'valid'"),
    (lambda: nn.Conv2d(0, 4, 3), r"in_channels must be a positive int"),
    (lambda: nn.Conv2d(3, 4, 3, padding_mode="mirror"), r"padding_mode must be"),
    (lambda: nn.ConvTranspose2d(3, 4, 3, padding_mode="reflect"), r"only padding_mode='zeros'"),
    (lambda: nn.Upsample(scale_factor=2, mode="bicubic"), r"not implemented"),
    (lambda: nn.Embedding(4, 2, padding_idx=4), r"padding_idx"),
])
def test_bad_constructor_arguments(make, match):
    with pytest.raises((ValueError, NotImplementedError), match=match):
        make()


# ----------------------------------------------------------------- training


def test_state_dict_round_trip_gives_the_same_outputs():
    ag.manual_seed(0)
    a = nn.Sequential(nn.Conv2d(2, 3, 3), nn.ReLU(), nn.ConvTranspose2d(3, 2, 2, stride=2))
    ag.manual_seed(1)
    b = nn.Sequential(nn.Conv2d(2, 3, 3), nn.ReLU(), nn.ConvTranspose2d(3, 2, 2, stride=2))
    x = ag.randn(1, 2, 6, 6)
    assert not np.allclose(a(x).detach().numpy(), b(x).detach().numpy())
    b.load_state_dict(a.state_dict())
    np.testing.assert_array_equal(a(x).detach().numpy(), b(x).detach().numpy())


def _toy_sequences(n, rng):
    """Two classes of length-40 signals: a bump early vs a bump late, with noise and jitter."""
    y = rng.integers(0, 2, n)
    t = np.arange(40)
    centre = np.where(y == 0, 10, 30) + rng.integers(-4, 5, n)
    x = np.exp(-0.5 * ((t[None, :] - centre[:, None]) / 2.0) ** 2) + 0.3 * rng.standard_normal((n, 40))
    return x.astype(np.float32), y


@pytest.mark.slow  # a few seconds: it trains
def test_mnist1d_paper_cnn_learns_a_toy_task():
    ag.manual_seed(0)
    rng = np.random.default_rng(0)
    x, y = _toy_sequences(256, rng)
    model = seegrad.models.cnn1d(num_classes=2)
    assert tuple(model(ag.tensor(x[:3])).shape) == (3, 2)
    assert sum(p.numel() for p in model.parameters()) == 25 * 5 + 25 + 2 * (25 * 25 * 3 + 25) + 125 * 2 + 2
    opt = optim.Adam(model.parameters(), lr=1e-2)
    losses = []
    for step in range(60):
        idx = rng.integers(0, len(x), 64)
        loss = F.cross_entropy(model(ag.tensor(x[idx])), ag.tensor(y[idx]))
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.item())
    assert np.mean(losses[-10:]) < 0.5 * np.mean(losses[:5])
    with ag.no_grad():
        acc = (model(ag.tensor(x)).argmax(1).numpy() == y).mean()
    assert acc > 0.9


@pytest.mark.slow  # a few seconds: it trains
def test_cnn1d_trains_on_an_mnist1d_subset():
    mnist1d = pytest.importorskip("mnist1d.data")
    args = mnist1d.get_dataset_args()
    args.num_samples = 1000
    state = np.random.get_state()
    try:
        data = mnist1d.make_dataset(args)
    finally:
        np.random.set_state(state)
    x, y = data["x"].astype(np.float32), data["y"].astype(np.int64)
    ag.manual_seed(0)
    rng = np.random.default_rng(0)
    model = seegrad.models.cnn1d()
    opt = optim.Adam(model.parameters(), lr=1e-2)
    with ag.no_grad():
        start = F.cross_entropy(model(ag.tensor(x)), ag.tensor(y)).item()
    for _ in range(80):
        idx = rng.integers(0, len(x), 100)
        loss = F.cross_entropy(model(ag.tensor(x[idx])), ag.tensor(y[idx]))
        opt.zero_grad()
        loss.backward()
        opt.step()
    with ag.no_grad():
        end = F.cross_entropy(model(ag.tensor(x)), ag.tensor(y)).item()
    assert end < 0.75 * start
