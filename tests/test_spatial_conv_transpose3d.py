"""nn.ConvTranspose3d and F.conv_transpose3d against PyTorch 2.13: values and the gradients to input,
weight and bias for stride, padding, output_padding, groups and dilation, float32 and float64;
torch's state_dict loads as is; output_size in forward; unbatched input; second derivatives; errors."""
import numpy as np
import pytest

import autograd as ag
import nn
import nn.functional as F

torch = pytest.importorskip("torch")
TF = torch.nn.functional

TOL = {np.float64: dict(rtol=1e-10, atol=1e-10), np.float32: dict(rtol=1e-4, atol=1e-4)}

CASES = [  # (in, out, groups, kernel, stride, padding, output_padding, dilation, input DHW)
    (2, 3, 1, (3, 2, 2), 1, 0, 0, 1, (3, 4, 5)),
    (4, 6, 2, (2, 3, 3), (2, 1, 2), (1, 0, 1), (1, 0, 1), 1, (3, 4, 3)),
    (2, 2, 1, 3, 2, 1, 1, 2, (2, 3, 4)),
    (3, 4, 1, (1, 2, 3), 3, (0, 1, 2), (2, 0, 1), (1, 1, 2), (4, 2, 3)),
    (3, 3, 3, 2, (1, 2, 1), (2, 1, 1), (0, 1, 0), (3, 1, 2), (3, 3, 3)),
    (1, 2, 1, (4, 1, 2), (2, 3, 1), (3, 0, 0), (1, 2, 0), 1, (5, 2, 3)),
]


def _run(lib, fn, x, w, b, gy, args):
    X, W, B = (lib.tensor(a, requires_grad=True) for a in (x, w, b))
    y = fn(X, W, B, *args)
    (y * lib.tensor(gy)).sum().backward()
    return y, X.grad, W.grad, B.grad


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("case", range(len(CASES)))
def test_conv_transpose3d_matches_torch(case, dtype):
    cin, cout, groups, kernel, stride, padding, out_pad, dilation, dhw = CASES[case]
    rng = np.random.default_rng(case)
    kernel = kernel if isinstance(kernel, tuple) else (kernel,) * 3
    x = rng.standard_normal((2, cin) + dhw).astype(dtype)
    w = rng.standard_normal((cin, cout // groups) + kernel).astype(dtype)
    b = rng.standard_normal(cout).astype(dtype)
    args = (stride, padding, out_pad, groups, dilation)
    want_shape = TF.conv_transpose3d(torch.tensor(x), torch.tensor(w), torch.tensor(b), *args).shape
    gy = rng.standard_normal(tuple(want_shape)).astype(dtype)
    theirs = _run(torch, TF.conv_transpose3d, x, w, b, gy, args)
    ours = _run(ag, F.conv_transpose3d, x, w, b, gy, args)
    for what, t, o in zip(("output", "input grad", "weight grad", "bias grad"), theirs, ours):
        t, o = t.detach().numpy(), o.detach().numpy()
        assert o.shape == t.shape and o.dtype == t.dtype, f"{what}: {o.shape} {o.dtype}"
        np.testing.assert_allclose(o, t, err_msg=what, **TOL[dtype])


def test_module_loads_torchs_state_dict_and_matches():
    torch.manual_seed(0)
    theirs = torch.nn.ConvTranspose3d(4, 6, (3, 2, 3), stride=(2, 1, 2), padding=1, output_padding=(1, 0, 0),
                                      groups=2, dilation=(1, 2, 1))
    ours = nn.ConvTranspose3d(4, 6, (3, 2, 3), stride=(2, 1, 2), padding=1, output_padding=(1, 0, 0), groups=2,
                              dilation=(1, 2, 1))
    assert {k: tuple(v.shape) for k, v in ours.state_dict().items()} == \
        {k: tuple(v.shape) for k, v in theirs.state_dict().items()}
    ours.load_state_dict({k: ag.tensor(v.numpy()) for k, v in theirs.state_dict().items()})
    assert repr(ours) == repr(theirs)
    x = np.random.default_rng(1).standard_normal((2, 4, 3, 4, 3)).astype(np.float32)
    np.testing.assert_allclose(ours(ag.tensor(x)).detach().numpy(), theirs(torch.tensor(x)).detach().numpy(),
                               rtol=1e-5, atol=1e-5)
    # output_size picks the output_padding, as torch's forward does; an unbatched input works too
    want = theirs(torch.tensor(x[0]), output_size=[6, 4, 6])
    got = ours(ag.tensor(x[0]), output_size=[6, 4, 6])
    assert tuple(got.shape) == tuple(want.shape) == (6, 6, 4, 6)
    np.testing.assert_allclose(got.detach().numpy(), want.detach().numpy(), rtol=1e-5, atol=1e-5)
    with pytest.raises(ValueError):
        theirs(torch.tensor(x), output_size=[6, 5, 6])
    with pytest.raises(ValueError, match=r"output_size \(6, 5, 6\)"):
        ours(ag.tensor(x), output_size=[6, 5, 6])


def test_lazy_conv_transpose3d_becomes_conv_transpose3d():
    """nn.LazyConvTranspose3d reads in_channels from the first input, as torch's; then it is a ConvTranspose3d."""
    theirs = torch.nn.LazyConvTranspose3d(4, 3, stride=2, groups=2)
    ours = nn.LazyConvTranspose3d(4, 3, stride=2, groups=2)
    x = np.random.default_rng(3).standard_normal((1, 6, 2, 3, 2)).astype(np.float32)
    theirs(torch.tensor(x))
    ours(ag.tensor(x))
    assert type(ours) is nn.ConvTranspose3d and repr(ours) == repr(theirs)
    ours.load_state_dict({k: ag.tensor(v.numpy()) for k, v in theirs.state_dict().items()})
    np.testing.assert_allclose(ours(ag.tensor(x)).detach().numpy(), theirs(torch.tensor(x)).detach().numpy(),
                               rtol=1e-5, atol=1e-5)


def test_default_init_bounds_are_torchs():
    """kaiming_uniform_(a=sqrt(5)) on the (in, out/groups, k...) weight: fan_in = weight.shape[1] * prod(k)."""
    layer = nn.ConvTranspose3d(6, 8, 3, groups=2, bias=True)
    bound = 1 / np.sqrt(4 * 27)
    assert tuple(layer.weight.shape) == (6, 4, 3, 3, 3)
    assert np.abs(layer.weight.detach().numpy()).max() <= bound and np.abs(layer.bias.detach().numpy()).max() <= bound


def test_second_derivatives_match_torch():
    """A gradient penalty through the layer: grad of |dL/dx|^2 to the weight."""
    rng = np.random.default_rng(2)
    x, w = rng.standard_normal((2, 2, 3, 2, 3)), rng.standard_normal((2, 3, 2, 3, 2))
    results = []
    for lib, f in ((torch, TF), (ag, F)):
        X, W = lib.tensor(x, requires_grad=True), lib.tensor(w, requires_grad=True)
        y = f.conv_transpose3d(X, W, stride=(2, 1, 2), padding=(1, 1, 0), output_padding=(1, 0, 1))
        (gx,) = lib.autograd.grad((y ** 2).sum(), (X,), create_graph=True)
        results.append(lib.autograd.grad((gx ** 2).sum(), (W,))[0].numpy())
    np.testing.assert_allclose(results[1], results[0], rtol=1e-10)


def _raises_like_torch(call, *words):
    with pytest.raises(Exception) as theirs:
        call(torch, TF)
    with pytest.raises(type(theirs.value)) as ours:
        call(ag, F)
    for word in words:
        assert word in str(ours.value), f"{word!r} not in {ours.value}"


def test_bad_input():
    x = np.zeros((1, 4, 3, 3, 3))
    _raises_like_torch(lambda lib, f: f.conv_transpose3d(lib.tensor(x), lib.tensor(np.zeros((3, 2, 2, 2, 2)))),
                       "conv_transpose3d", "4 channels", "(3, 2, 2, 2, 2)")
    _raises_like_torch(lambda lib, f: f.conv_transpose3d(lib.tensor(x), lib.tensor(np.zeros((4, 2, 2, 2)))),
                       "conv_transpose3d", "5-d")
    _raises_like_torch(lambda lib, f: f.conv_transpose3d(lib.tensor(x), lib.tensor(np.zeros((4, 2, 2, 2, 2))),
                                                         stride=2, output_padding=2), "output_padding")
    _raises_like_torch(lambda lib, f: f.conv_transpose3d(lib.tensor(x), lib.tensor(np.zeros((4, 2, 2, 2, 2))),
                                                         padding=3), "conv_transpose3d")
    _raises_like_torch(lambda lib, f: f.conv_transpose3d(lib.tensor(x), lib.tensor(np.zeros((4, 2, 2, 2, 2))),
                                                         groups=3), "groups")
    with pytest.raises(ValueError, match="ConvTranspose3d"):
        nn.ConvTranspose3d(4, 6, 3, padding_mode="reflect")
