"""Small layers against PyTorch 2.13 itself (CosineSimilarity, PairwiseDistance, GLU, Softmax2d,
Tanhshrink, Threshold, RReLU, Bilinear, PixelShuffle/Unshuffle, ChannelShuffle, the padding layers,
LocalResponseNorm, ParameterDict): the same code runs under torch and under autograd, in float32 and
float64; values and gradients (inputs and parameters) agree; reprs and errors too."""
import numpy as np
import pytest

import autograd as ag

torch = pytest.importorskip("torch")
torch.set_num_threads(1)

from oracle import same  # noqa: E402
from test_losses_sweep import DTYPES, RNG, TOL, run_both  # noqa: E402


def _raises(snippet, match):
    err = same(snippet)
    assert isinstance(err, Exception), f"{snippet.__name__}: no error"
    assert match in str(err), f"{snippet.__name__}: {err}"


# --------------------------------------------------------------------- similarity and distance


@pytest.mark.parametrize("dtype", DTYPES)
def test_cosine_similarity_module(dtype):
    x1, x2 = RNG.standard_normal((4, 5, 3)), RNG.standard_normal((4, 5, 3))
    x1[0, :, 0] = 0.0  # a zero vector along dim 1: eps keeps it finite, its gradient is 0 as PyTorch's
    for dim, eps in ((1, 1e-8), (-1, 1e-8), (0, 0.5)):
        run_both(lambda T, a, b: T.nn.CosineSimilarity(dim, eps)(a, b), [x1, x2], {0, 1}, dtype)
    run_both(lambda T, a, b: T.nn.CosineSimilarity()(a, b), [x1, RNG.standard_normal((1, 5, 3))], {0, 1}, dtype)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("p", [2.0, 1.0, 3.0, 0.5, float("inf")])
@pytest.mark.parametrize("keepdim", [False, True])
def test_pairwise_distance(dtype, p, keepdim):
    x1, x2 = RNG.standard_normal((4, 5)), RNG.standard_normal((4, 5))
    x2[0] = x1[0]  # equal rows: the distance is ||eps||, differentiable
    for eps in (1e-6, 0.0, 0.1):
        run_both(lambda T, a, b: T.nn.functional.pairwise_distance(a, b, p, eps, keepdim), [x1, x2], {0, 1}, dtype)
    run_both(lambda T, a, b: T.nn.PairwiseDistance(p, keepdim=keepdim)(a, b), [x1, RNG.standard_normal(5)],
             {0, 1}, dtype)  # (broadcast)
    run_both(lambda T, a, b: T.nn.functional.pairwise_distance(a, b, p, keepdim=keepdim),
             [RNG.standard_normal(5), RNG.standard_normal(5)], {0, 1}, dtype)
    run_both(lambda T, a, b: T.nn.functional.pairwise_distance(a, b, p, keepdim=keepdim),
             [RNG.standard_normal((2, 3, 5)), RNG.standard_normal((3, 5))], {0, 1}, dtype)


def test_pairwise_distance_of_scalars():
    run_both(lambda T, a, b: T.nn.functional.pairwise_distance(a, b), [np.array(1.0), np.array(3.0)], {0, 1})


# --------------------------------------------------------------------- activations


@pytest.mark.parametrize("dtype", DTYPES)
def test_glu_softmax2d_tanhshrink(dtype):
    x = RNG.standard_normal((2, 4, 3, 6))
    for dim in (-1, 1, 0, 3):
        run_both(lambda T, a: T.nn.functional.glu(a, dim), [x], {0}, dtype)
    run_both(lambda T, a: T.nn.GLU()(a), [x], {0}, dtype)
    run_both(lambda T, a: T.nn.Softmax2d()(a), [x], {0}, dtype)
    run_both(lambda T, a: T.nn.Softmax2d()(a), [x[0]], {0}, dtype)
    run_both(lambda T, a: T.nn.Tanhshrink()(a), [x * 3], {0}, dtype)
    run_both(lambda T, a: T.nn.functional.tanhshrink(a), [x], {0}, dtype)


@pytest.mark.parametrize("dtype", DTYPES)
def test_threshold(dtype):
    x = RNG.standard_normal((3, 5))
    x[0, :2] = 0.1  # exactly at the threshold: replaced, no gradient (x > threshold is strict)
    run_both(lambda T, a: T.nn.Threshold(0.1, 20.0)(a), [x], {0}, dtype)
    run_both(lambda T, a: T.nn.functional.threshold(a, -0.5, -7), [x], {0}, dtype)
    run_both(lambda T, a: T.nn.Threshold(0.1, 20.0, inplace=True)(a * 1), [x], {0}, dtype)  # (on a non-leaf)
    run_both(lambda T, a: T.nn.functional.threshold_(a * 2, 0.3, 0.0), [x], {0}, dtype)


@pytest.mark.parametrize("dtype", DTYPES)
def test_rrelu_in_evaluation_is_a_fixed_leaky_relu(dtype):
    x = RNG.standard_normal((3, 5))
    x[0, 0] = 0.0
    run_both(lambda T, a: T.nn.RReLU().eval()(a), [x], {0}, dtype)
    run_both(lambda T, a: T.nn.RReLU(0.1, 0.6).eval()(a), [x], {0}, dtype)
    run_both(lambda T, a: T.nn.functional.rrelu(a), [x], {0}, dtype)  # (training=False by default, as PyTorch)
    run_both(lambda T, a: T.nn.functional.rrelu(a * 1, 0.2, 0.3, inplace=True), [x], {0}, dtype)


def test_rrelu_in_training_draws_each_slope_from_ags_generator():
    x = ag.tensor(np.concatenate([-np.abs(RNG.standard_normal(2000)) - 0.1, np.abs(RNG.standard_normal(50))]),
                  requires_grad=True)
    layer = ag.nn.RReLU(0.2, 0.4)
    assert layer.training
    ag.manual_seed(3)
    y = layer(x)
    y.sum().backward()
    slope = x.grad.numpy()
    negative = x.detach().numpy() < 0
    assert (slope[~negative] == 1).all()
    assert ((slope[negative] >= 0.2) & (slope[negative] <= 0.4)).all()
    np.testing.assert_allclose(y.detach().numpy()[negative], (x.detach().numpy() * slope)[negative], rtol=1e-6)
    assert abs(slope[negative].mean() - 0.3) < 0.01 and slope[negative].std() > 0.05  # U(0.2, 0.4): sd 0.058
    ag.manual_seed(3)
    np.testing.assert_array_equal(layer(x).detach().numpy(), y.detach().numpy())  # the seed repeats the draws
    assert not np.array_equal(layer(x).detach().numpy(), y.detach().numpy())  # and the next call draws anew


# --------------------------------------------------------------------- bilinear


@pytest.mark.parametrize("dtype", DTYPES)
def test_bilinear_function(dtype):
    w, b = RNG.standard_normal((5, 3, 4)), RNG.standard_normal(5)
    x1, x2 = RNG.standard_normal((6, 3)), RNG.standard_normal((6, 4))
    run_both(lambda T, a, c, w, b: T.nn.functional.bilinear(a, c, w, b), [x1, x2, w, b], {0, 1, 2, 3}, dtype)
    run_both(lambda T, a, c, w: T.nn.functional.bilinear(a, c, w), [x1, x2, w], {0, 1, 2}, dtype)
    run_both(lambda T, a, c, w, b: T.nn.functional.bilinear(a, c, w, b),
             [RNG.standard_normal((2, 6, 3)), RNG.standard_normal((2, 6, 4)), w, b], {0, 1, 2, 3}, dtype)
    run_both(lambda T, a, c, w, b: T.nn.functional.bilinear(a, c, w, b),
             [RNG.standard_normal(3), RNG.standard_normal(4), w, b], {0, 1, 2, 3}, dtype)
    run_both(lambda T, a, c, w, b: T.nn.functional.bilinear(a, c, w, b),
             [np.zeros((0, 3)), np.zeros((0, 4)), w, b], {0, 1, 2, 3}, dtype)  # an empty batch


@pytest.mark.parametrize("bias", [True, False])
def test_bilinear_layer_init_and_parameters_like_pytorch(bias):
    ours, theirs = ag.nn.Bilinear(20, 30, 40, bias=bias), torch.nn.Bilinear(20, 30, 40, bias=bias)
    assert repr(ours) == repr(theirs)
    assert [(n, tuple(p.shape)) for n, p in ours.named_parameters()] == \
        [(n, tuple(p.shape)) for n, p in theirs.named_parameters()]
    bound = 1 / np.sqrt(20)
    w = ours.weight.detach().numpy()
    assert np.abs(w).max() <= bound and np.abs(w).max() > 0.95 * bound and abs(w.mean()) < 0.01
    assert abs(w.std() - bound / np.sqrt(3)) < 0.01  # U(-bound, bound)
    if bias:
        assert np.abs(ours.bias.detach().numpy()).max() <= bound
    ours.load_state_dict({k: ag.tensor(v.detach().numpy()) for k, v in theirs.state_dict().items()})
    x1, x2 = RNG.standard_normal((7, 20)).astype("float32"), RNG.standard_normal((7, 30)).astype("float32")
    y, ty = ours(ag.tensor(x1), ag.tensor(x2)), theirs(torch.tensor(x1), torch.tensor(x2))
    np.testing.assert_allclose(y.detach().numpy(), ty.detach().numpy(), **TOL["float32"])
    y.sum().backward()
    ty.sum().backward()
    for (n, p), tp in zip(ours.named_parameters(), theirs.parameters()):
        np.testing.assert_allclose(p.grad.numpy(), tp.grad.numpy(), rtol=1e-5, atol=1e-5, err_msg=n)
    assert ag.nn.Bilinear(2, 3, 4, dtype=ag.float64).weight.dtype == ag.float64


# --------------------------------------------------------------------- shuffles


@pytest.mark.parametrize("dtype", DTYPES)
def test_pixel_shuffle_and_unshuffle(dtype):
    for shape, r in (((2, 8, 3, 5), 2), ((18, 2, 3), 3), ((2, 3, 4, 2, 2), 2), ((2, 3, 2, 2), 1)):
        run_both(lambda T, a: T.nn.PixelShuffle(r)(a), [RNG.standard_normal(shape)], {0}, dtype)
        up = shape[:-3] + (shape[-3] // (r * r), shape[-2] * r, shape[-1] * r)
        run_both(lambda T, a: T.nn.PixelUnshuffle(r)(a), [RNG.standard_normal(up)], {0}, dtype)
        run_both(lambda T, a: T.nn.functional.pixel_shuffle(T.nn.functional.pixel_unshuffle(a, r), r),
                 [RNG.standard_normal(up)], {0}, dtype)


@pytest.mark.parametrize("dtype", DTYPES)
def test_channel_shuffle(dtype):
    for shape, groups in (((2, 6, 3), 2), ((2, 6, 3, 4), 3), ((1, 8, 2, 2, 2), 4), ((2, 6, 3), 6), ((2, 6, 3), 1)):
        run_both(lambda T, a: T.nn.ChannelShuffle(groups)(a), [RNG.standard_normal(shape)], {0}, dtype)
        run_both(lambda T, a: T.nn.functional.channel_shuffle(a, groups), [RNG.standard_normal(shape)], {0}, dtype)


# --------------------------------------------------------------------- padding


PADS = [("ZeroPad1d", (1, 2)), ("ZeroPad1d", 2), ("ZeroPad2d", (1, 0, 2, 1)), ("ZeroPad2d", 1),
        ("ZeroPad3d", (1, 0, 2, 1, 0, 1)), ("ZeroPad3d", 1), ("ZeroPad2d", (-1, 2, 1, -2)),
        ("ReflectionPad1d", (2, 1)), ("ReflectionPad1d", 3), ("ReflectionPad2d", (1, 2, 2, 0)), ("ReflectionPad2d", 2),
        ("ReflectionPad3d", (1, 0, 2, 1, 1, 1)), ("ReflectionPad3d", 1),
        ("ReplicationPad1d", (3, 1)), ("ReplicationPad1d", 2), ("ReplicationPad2d", (1, 3, 2, 0)),
        ("ReplicationPad2d", 2), ("ReplicationPad3d", (1, 0, 2, 1, 1, 3)), ("ReplicationPad3d", 1),
        ("CircularPad1d", (2, 1)), ("CircularPad1d", 3), ("CircularPad2d", (1, 2, 2, 0)), ("CircularPad2d", 1),
        ("CircularPad3d", (1, 0, 2, 1, 1, 1)), ("CircularPad3d", 2)]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name, padding", PADS)
@pytest.mark.parametrize("batched", [True, False])
def test_padding_layers(dtype, name, padding, batched):
    dims = int(name[-2])
    shape = ((2, 3) if batched else (3,)) + (4, 5, 4)[:dims]
    run_both(lambda T, a: getattr(T.nn, name)(padding)(a), [RNG.standard_normal(shape)], {0}, dtype)
    assert repr(getattr(ag.nn, name)(padding)) == repr(getattr(torch.nn, name)(padding))
    assert getattr(ag.nn, name)(padding).padding == getattr(torch.nn, name)(padding).padding


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("dims", [1, 2, 3])
def test_constant_padding_layers(dtype, dims):
    name = f"ConstantPad{dims}d"
    shape = (2, 3) + (4, 5, 4)[:dims]
    for padding, value in ((1, 3.5), ((2, 1) * dims, -1.0), ((0, 1, 2, 0, 1, 1)[:2 * dims], 0.0)):
        run_both(lambda T, a: getattr(T.nn, name)(padding, value)(a), [RNG.standard_normal(shape)], {0}, dtype)
        assert repr(getattr(ag.nn, name)(padding, value)) == repr(getattr(torch.nn, name)(padding, value))


def test_padding_errors_match_pytorch():
    def circular_1d_on_1d(T):
        return T.nn.CircularPad1d(1)(T.zeros(4))
    _raises(circular_1d_on_1d, "expected 2D or 3D input (got 1D input)")

    def circular_2d_on_2d(T):
        return T.nn.CircularPad2d(1)(T.zeros(4, 4))
    _raises(circular_2d_on_2d, "expected 3D or 4D input (got 2D input)")

    def reflection_too_wide(T):
        return T.nn.ReflectionPad1d(4)(T.zeros(1, 2, 4))
    same(reflection_too_wide)


# --------------------------------------------------------------------- local response norm


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("size", [1, 2, 3, 5])
def test_local_response_norm(dtype, size):
    for shape in ((2, 6, 7), (2, 6, 3, 4), (1, 4, 2, 3, 2)):
        x = RNG.standard_normal(shape) * 3
        run_both(lambda T, a: T.nn.LocalResponseNorm(size)(a), [x], {0}, dtype)
        run_both(lambda T, a: T.nn.functional.local_response_norm(a, size, alpha=0.5, beta=0.6, k=2.0), [x], {0},
                 dtype)
    run_both(lambda T, a: T.nn.functional.local_response_norm(a, size), [np.zeros((0, 3, 4))], {0}, dtype)


# --------------------------------------------------------------------- reprs and errors


def test_layer_reprs_match_pytorch():
    for name, args in [("GLU", ()), ("GLU", (1,)), ("Softmax2d", ()), ("Tanhshrink", ()), ("Threshold", (0.1, 20.0)),
                       ("Threshold", (0.1, 20.0, True)), ("RReLU", ()), ("RReLU", (0.1, 0.3, True)),
                       ("PixelShuffle", (2,)), ("PixelUnshuffle", (3,)), ("ChannelShuffle", (2,)),
                       ("LocalResponseNorm", (2,)), ("LocalResponseNorm", (3, 0.1, 0.5, 2.0)),
                       ("CosineSimilarity", ()), ("PairwiseDistance", ()), ("Bilinear", (2, 3, 4))]:
        assert repr(getattr(ag.nn, name)(*args)) == repr(getattr(torch.nn, name)(*args))


def test_layer_errors_match_pytorch():
    def glu_odd(T):
        return T.nn.functional.glu(T.zeros(3, 3), 1)
    _raises(glu_odd, "Halving dimension must be even, but dimension 1 is size 3")

    def glu_scalar(T):
        return T.nn.functional.glu(T.tensor(1.0))
    _raises(glu_scalar, "glu does not support scalars")

    def glu_dim(T):
        return T.nn.functional.glu(T.zeros(3, 4), 2)
    _raises(glu_dim, "Dimension out of range (expected to be in range of [-2, 1], but got 2)")

    def softmax2d_2d(T):
        return T.nn.Softmax2d()(T.zeros(2, 3))
    _raises(softmax2d_2d, "Softmax2d: expected input to be 3D or 4D, got 2D instead")

    def rrelu_bounds(T):
        return T.nn.functional.rrelu(T.zeros(3), 0.5, 0.1)
    _raises(rrelu_bounds, "Lower bound should be less than or equal to the upper bound")

    def bilinear_dims(T):
        return T.nn.functional.bilinear(T.zeros(6, 3, 2), T.zeros(3, 4), T.zeros(5, 2, 4))
    _raises(bilinear_dims, "bilinear(): input dimensions do not match: got 3 and 2")

    def bilinear_batch(T):
        return T.nn.functional.bilinear(T.zeros(3, 2), T.zeros(2, 4), T.zeros(5, 2, 4))
    _raises(bilinear_batch, "bilinear(): input batch dimensions do not match at dim 0: got 3 and 2")

    def bilinear_in1(T):
        return T.nn.functional.bilinear(T.zeros(3, 3), T.zeros(3, 4), T.zeros(5, 2, 4))
    _raises(bilinear_in1, "bilinear(): input1 size does not match weight size: got 3 but expected 2")

    def bilinear_in2(T):
        return T.nn.functional.bilinear(T.zeros(3, 2), T.zeros(3, 3), T.zeros(5, 2, 4))
    _raises(bilinear_in2, "bilinear(): input2 size does not match weight size: got 3 but expected 4")

    def bilinear_bias(T):
        return T.nn.functional.bilinear(T.zeros(3, 2), T.zeros(3, 4), T.zeros(5, 2, 4), T.zeros(4))
    _raises(bilinear_bias, "bilinear(): bias size does not match weight size: got 4 but expected 5")

    def bilinear_scalars(T):
        return T.nn.functional.bilinear(T.tensor(1.0), T.tensor(1.0), T.ones(2, 1, 1))
    _raises(bilinear_scalars, "Dimension specified as -1 but tensor has no dimensions")

    def rrelu_inplace_on_a_leaf(T):
        return T.nn.functional.rrelu(T.ones(3, requires_grad=True), training=True, inplace=True)
    same(rrelu_inplace_on_a_leaf)

    def threshold_inplace_on_a_leaf(T):
        return T.nn.functional.threshold(T.ones(3, requires_grad=True), 0.5, 1.0, True)
    same(threshold_inplace_on_a_leaf)

    def shuffle_2d(T):
        return T.nn.functional.pixel_shuffle(T.zeros(3, 4), 2)
    _raises(shuffle_2d, "pixel_shuffle expects input to have at least 3 dimensions, but got input with 2 dimension(s)")

    def shuffle_channels(T):
        return T.nn.functional.pixel_shuffle(T.zeros(5, 3, 4), 2)
    _raises(shuffle_channels, "input.size(-3)=5 is not divisible by 4")

    def shuffle_factor(T):
        return T.nn.functional.pixel_shuffle(T.zeros(4, 3, 4), 0)
    _raises(shuffle_factor, "pixel_shuffle expects a positive upscale_factor, but got 0")

    def unshuffle_height(T):
        return T.nn.functional.pixel_unshuffle(T.zeros(5, 3, 4), 2)
    _raises(unshuffle_height, "pixel_unshuffle expects height to be divisible by downscale_factor, but "
                              "input.size(-2)=3 is not divisible by 2")

    def unshuffle_width(T):
        return T.nn.functional.pixel_unshuffle(T.zeros(5, 4, 3), 2)
    _raises(unshuffle_width, "input.size(-1)=3 is not divisible by 2")

    def channel_groups(T):
        return T.nn.functional.channel_shuffle(T.zeros(2, 6, 3), 4)
    _raises(channel_groups, "Number of channels must be divisible by groups. Got 6 channels and 4 groups.")

    def channel_groups_zero(T):
        return T.nn.ChannelShuffle(0)(T.zeros(2, 6, 3))
    _raises(channel_groups_zero, "Number of groups to divide channels in must be positive. Value of groups:0")

    def channel_dims(T):
        return T.nn.functional.channel_shuffle(T.zeros(2, 6), 2)
    _raises(channel_dims, "channel_shuffle expects input with > 2 dims, but got input with sizes [2, 6]")

    def lrn_2d(T):
        return T.nn.functional.local_response_norm(T.zeros(2, 3), 2)
    _raises(lrn_2d, "input (got 2 dimensions)")


# --------------------------------------------------------------------- ParameterDict


def test_parameter_dict_behaves_like_pytorchs():
    def build(T):
        class Net(T.nn.Module):
            def __init__(self):
                super().__init__()
                self.params = T.nn.ParameterDict({"w": T.nn.Parameter(T.ones(2, 3)), "b": T.zeros(3)})
                self.params["scale"] = T.tensor([2.0])
                self.params.update([("extra", T.ones(1))])

            def forward(self, x):
                return (x @ self.params["w"] + self.params["b"]) * self.params["scale"]
        return Net()

    nets = {T: build(T) for T in (torch, ag)}
    for T, net in nets.items():
        assert list(net.state_dict()) == ["params.b", "params.w", "params.scale", "params.extra"]  # (a dict: sorted)
        assert [n for n, _ in net.named_parameters()] == list(net.state_dict())
        assert all(isinstance(p, T.nn.Parameter) for p in net.params.values())
        assert list(net.params) == ["b", "w", "scale", "extra"] and len(net.params) == 4
        assert "b" in net.params and "nope" not in net.params
    x = RNG.standard_normal((4, 2)).astype("float32")
    for T, net in nets.items():
        net(T.tensor(x)).sum().backward()
    for (name, ours), theirs in zip(nets[ag].named_parameters(), nets[torch].parameters()):
        if theirs.grad is None:
            assert ours.grad is None, name
        else:
            np.testing.assert_allclose(ours.grad.numpy(), theirs.grad.numpy(), rtol=1e-6, err_msg=name)

    for T in (torch, ag):
        d = T.nn.ParameterDict({"a": T.ones(2)})
        d["n"] = 5  # not a tensor: kept as it is, not a parameter
        assert d["n"] == 5 and [k for k, _ in d.named_parameters()] == ["a"]
        assert d.pop("n") == 5 and list(d.keys()) == ["a"]
        assert d.get("zz", 7) == 7 and d.setdefault("c", T.zeros(1)) is d["c"]
        key, value = d.popitem()
        assert key == "c" and tuple(value.shape) == (1,)
        merged = d | {"z": T.ones(3)}
        assert list(merged.keys()) == ["a", "z"] and list(d.keys()) == ["a"]
        assert merged["a"] is d["a"]
        del merged["a"]
        assert list(merged.keys()) == ["z"]
        merged.clear()
        assert len(merged) == 0
    for T in (torch, ag):
        ordered = T.nn.ParameterDict(__import__("collections").OrderedDict([("z", T.ones(1)), ("a", T.ones(1))]))
        assert list(ordered) == ["z", "a"] and list(ordered.copy()) == ["z", "a"]
        with pytest.raises(TypeError, match="not a string"):
            ordered[3] = T.ones(1)
        with pytest.raises(RuntimeError, match="ParameterDict should not be called"):
            ordered(T.ones(1))
    assert repr(ag.nn.ParameterDict({"a": ag.ones(2), "n": 3})) == \
        "ParameterDict(\n  (a): Parameter containing: [float32 of size 2]\n  (n): Object of type: int\n)"


def test_parameter_dict_trains_with_an_optimizer():
    params = ag.nn.ParameterDict({"w": ag.tensor([1.0, -2.0])})
    opt = ag.optim.SGD(params.parameters(), lr=0.5)
    (params["w"] ** 2).sum().backward()
    opt.step()
    np.testing.assert_allclose(params["w"].detach().numpy(), [0.0, 0.0])
