"""Layers, activations, nn.functional and nn.init: gradcheck, PyTorch parity, hand values."""
import math

import numpy as np
import pytest

try:  # PyTorch is the oracle when installed; one thread keeps it quick on small shared machines
    import torch as _torch
    _torch.set_num_threads(1)
except ImportError:
    pass

import autograd as ag
import nn
import nn.functional as F
from autograd.ops.elementwise import erf_array as _erf
from nn import init

RNG = np.random.default_rng(0)


def _x(*shape, scale=2.0):
    return ag.tensor(RNG.standard_normal(shape) * scale, dtype=ag.float64, requires_grad=True)


# name, our function, torch function (as a lambda of torch and a tensor)
ACTIVATIONS = [
    ("relu", F.relu, lambda t, x: t.nn.functional.relu(x)),
    ("relu6", lambda x: F.relu6(x * 4), lambda t, x: t.nn.functional.relu6(x * 4)),
    ("sigmoid", F.sigmoid, lambda t, x: t.sigmoid(x)),
    ("tanh", F.tanh, lambda t, x: t.tanh(x)),
    ("leaky_relu", lambda x: F.leaky_relu(x, 0.2), lambda t, x: t.nn.functional.leaky_relu(x, 0.2)),
    ("elu", lambda x: F.elu(x, 0.7), lambda t, x: t.nn.functional.elu(x, 0.7)),
    ("selu", F.selu, lambda t, x: t.nn.functional.selu(x)),
    ("gelu", F.gelu, lambda t, x: t.nn.functional.gelu(x)),
    ("gelu_tanh", lambda x: F.gelu(x, approximate="tanh"), lambda t, x: t.nn.functional.gelu(x, approximate="tanh")),
    ("softplus", lambda x: F.softplus(x, beta=2.0, threshold=3.0),
     lambda t, x: t.nn.functional.softplus(x, beta=2.0, threshold=3.0)),
    ("silu", F.silu, lambda t, x: t.nn.functional.silu(x)),
    ("mish", F.mish, lambda t, x: t.nn.functional.mish(x)),
    ("hardtanh", F.hardtanh, lambda t, x: t.nn.functional.hardtanh(x)),
    ("logsigmoid", F.logsigmoid, lambda t, x: t.nn.functional.logsigmoid(x)),
    ("softmax", lambda x: F.softmax(x, dim=1), lambda t, x: t.softmax(x, dim=1)),
    ("softmin", lambda x: F.softmin(x, dim=0), lambda t, x: t.nn.functional.softmin(x, dim=0)),
    ("log_softmax", lambda x: F.log_softmax(x, dim=-1), lambda t, x: t.log_softmax(x, dim=-1)),
    ("normalize", lambda x: F.normalize(x, dim=1), lambda t, x: t.nn.functional.normalize(x, dim=1)),
]


@pytest.mark.parametrize("name,fn,ref", ACTIVATIONS, ids=[a[0] for a in ACTIVATIONS])
def test_activation_gradcheck(name, fn, ref):
    x = _x(3, 5)
    x._data[np.abs(x._data) < 1e-3] += 0.01  # stay off kinks
    assert ag.gradcheck(fn, [x])


@pytest.mark.parametrize("name,fn,ref", ACTIVATIONS, ids=[a[0] for a in ACTIVATIONS])
def test_activation_matches_torch(name, fn, ref):
    torch = pytest.importorskip("torch")
    data = RNG.standard_normal((4, 6)) * 3
    data[0, :3] = [0.0, 25.0, -25.0]
    x = ag.tensor(data, dtype=ag.float64, requires_grad=True)
    tx = torch.tensor(data, requires_grad=True)
    y, ty = fn(x), ref(torch, tx)
    np.testing.assert_allclose(y.detach().numpy(), ty.detach().numpy(), rtol=1e-10, atol=1e-12)
    w = RNG.standard_normal(y.shape)
    (y * ag.tensor(w)).sum().backward()
    (ty * torch.tensor(w)).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy(), rtol=1e-9, atol=1e-12)


def test_activation_modules_call_functional():
    x = _x(2, 3)
    pairs = [(nn.ReLU(), F.relu(x)), (nn.Sigmoid(), F.sigmoid(x)), (nn.Tanh(), F.tanh(x)),
             (nn.LeakyReLU(0.3), F.leaky_relu(x, 0.3)), (nn.Softmax(dim=1), F.softmax(x, 1)),
             (nn.LogSoftmax(dim=1), F.log_softmax(x, 1)), (nn.GELU(), F.gelu(x)), (nn.ELU(), F.elu(x)),
             (nn.Softplus(), F.softplus(x)), (nn.SiLU(), F.silu(x)), (nn.Step(), F.step(x)),
             (nn.ReLU6(), F.relu6(x)), (nn.Hardtanh(), F.hardtanh(x)), (nn.Mish(), F.mish(x)),
             (nn.SELU(), F.selu(x)), (nn.LogSigmoid(), F.logsigmoid(x)), (nn.Softmin(dim=1), F.softmin(x, 1))]
    for module, expected in pairs:
        np.testing.assert_array_equal(module(x).detach().numpy(), expected.detach().numpy(), err_msg=repr(module))


def test_relu_and_leaky_relu_hand_values_and_kink_gradient():
    x = ag.tensor([-2.0, 0.0, 3.0], requires_grad=True)
    np.testing.assert_array_equal(F.leaky_relu(x, 0.1).detach().numpy(), np.float32([-0.2, 0.0, 3.0]))
    F.relu(x).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [0, 0, 1])  # PyTorch: relu'(0) = 0
    x.grad = None
    F.leaky_relu(x, 0.1).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [0.1, 0.1, 1])  # PyTorch: slope at 0


def test_step_is_the_textbook_step_with_zero_gradient():
    x = ag.tensor([-1.0, 0.0, 0.5, 2.0], requires_grad=True)
    y = F.step(x)
    np.testing.assert_array_equal(y.detach().numpy(), [0, 1, 1, 1])  # the textbook's step: 1 for x >= 0
    (y * ag.tensor([1.0, 2.0, 3.0, 4.0])).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), 0)
    assert F.step(ag.tensor([1, -1])).dtype == np.float32


def test_gelu_erf_is_accurate():
    x = np.linspace(-8, 8, 2001)
    exact = np.array([math.erf(v) for v in x])
    np.testing.assert_allclose(_erf(x), exact, rtol=0, atol=1e-13)


def test_implicit_softmax_dim_warns():
    with pytest.warns(UserWarning, match="Implicit dimension"):
        F.softmax(ag.randn(2, 3))


def test_one_hot():
    out = F.one_hot(ag.tensor([0, 2, 1]), 4)
    assert out.dtype == np.int64
    np.testing.assert_array_equal(out.numpy(), np.eye(4, dtype=np.int64)[[0, 2, 1]])
    assert F.one_hot(ag.tensor([[1], [3]])).shape == (2, 1, 4)
    with pytest.raises(ValueError, match="num_classes"):
        F.one_hot(ag.tensor([5]), 3)
    with pytest.raises(TypeError, match="integers"):
        F.one_hot(ag.tensor([1.0]))


# --------------------------------------------------------------------- Linear


def test_linear_shapes_gradcheck_and_torch():
    torch = pytest.importorskip("torch")
    lin = nn.Linear(4, 3)
    assert lin.weight.shape == (3, 4) and lin.bias.shape == (3,)
    assert lin.weight.dtype == np.float32
    x = ag.randn(5, 4)
    t = torch.nn.Linear(4, 3)
    with torch.no_grad():
        t.weight.copy_(torch.tensor(lin.weight.detach().numpy()))
        t.bias.copy_(torch.tensor(lin.bias.detach().numpy()))
    np.testing.assert_allclose(lin(x).detach().numpy(), t(torch.tensor(x.numpy())).detach().numpy(), rtol=1e-6,
                               atol=1e-6)
    assert lin(ag.randn(2, 7, 4)).shape == (2, 7, 3)
    assert lin(ag.randn(4)).shape == (3,)
    w = _x(3, 4)
    b = _x(3)
    assert ag.gradcheck(lambda x, w, b: F.linear(x, w, b), [_x(2, 5, 4), w, b])
    assert ag.gradcheck(lambda x, w: F.linear(x, w), [_x(2, 4), w])
    nobias = nn.Linear(4, 2, bias=False)
    assert nobias.bias is None and [k for k, _ in nobias.named_parameters()] == ["weight"]


def test_linear_bad_input_names_the_shapes():
    with pytest.raises(ValueError, match=r"linear: input of shape \(2, 5\) has 5 features .* \(3, 4\) expects 4"):
        nn.Linear(4, 3)(ag.randn(2, 5))
    with pytest.raises(ValueError, match="in_features"):
        nn.Linear(-1, 3)


def test_linear_default_init_is_pytorchs_uniform_bound():
    ag.manual_seed(0)
    lin = nn.Linear(400, 300)
    bound = 1 / math.sqrt(400)
    w, b = lin.weight.detach().numpy(), lin.bias.detach().numpy()
    assert np.abs(w).max() <= bound and np.abs(w).max() > 0.99 * bound
    assert np.abs(b).max() <= bound and np.abs(b).max() > 0.95 * bound
    assert abs(w.std() - bound / math.sqrt(3)) < 0.01 * bound  # U(-b, b) has std b/sqrt(3)
    ag.manual_seed(0)
    again = nn.Linear(400, 300)
    np.testing.assert_array_equal(again.weight.detach().numpy(), w)  # manual_seed makes init repeatable


# --------------------------------------------------------------------- Flatten, Dropout, Identity


def test_flatten_unflatten_identity():
    x = ag.randn(2, 3, 4, 5)
    assert nn.Flatten()(x).shape == (2, 60)
    assert nn.Flatten(0, 2)(x).shape == (24, 5)
    assert nn.Flatten(start_dim=2)(x).shape == (2, 3, 20)
    assert nn.Unflatten(1, (3, 20))(nn.Flatten()(x)).shape == (2, 3, 20)
    assert nn.Identity(54, unused="x")(x) is x


def test_dropout_is_inverted_and_inactive_in_eval():
    ag.manual_seed(1)
    drop = nn.Dropout(0.25)
    x = ag.ones(200, 500, requires_grad=True)
    y = drop(x)
    vals = np.unique(y.detach().numpy())
    np.testing.assert_allclose(vals, [0.0, 1 / 0.75], rtol=1e-6)
    assert abs((y.detach().numpy() == 0).mean() - 0.25) < 0.01
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy() != 0, y.detach().numpy() != 0)  # gradient follows the mask
    drop.eval()
    assert drop(x) is x
    assert (F.dropout(x, 1.0)._data == 0).all()
    assert F.dropout(x, 0.5, training=False) is x
    with pytest.raises(ValueError, match="between 0 and 1"):
        nn.Dropout(1.5)
    ag.manual_seed(7)
    a = F.dropout(ag.ones(10), 0.5).numpy()
    ag.manual_seed(7)
    np.testing.assert_array_equal(F.dropout(ag.ones(10), 0.5).numpy(), a)


# --------------------------------------------------------------------- init


def test_calculate_gain_and_fans_match_torch():
    torch = pytest.importorskip("torch")
    for nl, param in [("linear", None), ("sigmoid", None), ("tanh", None), ("relu", None), ("leaky_relu", None),
                      ("leaky_relu", 0.2), ("selu", None), ("conv2d", None)]:
        assert init.calculate_gain(nl, param) == pytest.approx(torch.nn.init.calculate_gain(nl, param))
    for shape in [(3, 4), (8, 3, 5, 5), (2, 6, 7)]:
        assert init._calculate_fan_in_and_fan_out(ag.zeros(*shape)) == \
            torch.nn.init._calculate_fan_in_and_fan_out(torch.zeros(*shape))
    with pytest.raises(ValueError, match="fewer than 2 dimensions"):
        init.xavier_uniform_(ag.zeros(5))
    with pytest.raises(ValueError, match="unsupported nonlinearity"):
        init.calculate_gain("bogus")


@pytest.mark.parametrize("fn,kwargs,dist,expected", [
    (init.xavier_uniform_, {}, "uniform", math.sqrt(6 / (200 + 300))),
    (init.xavier_uniform_, {"gain": 2.0}, "uniform", 2 * math.sqrt(6 / (200 + 300))),
    (init.xavier_normal_, {}, "normal", math.sqrt(2 / (200 + 300))),
    (init.kaiming_uniform_, {"nonlinearity": "relu"}, "uniform", math.sqrt(2) * math.sqrt(3 / 200)),
    (init.kaiming_uniform_, {"a": math.sqrt(5)}, "uniform", 1 / math.sqrt(200)),
    (init.kaiming_uniform_, {"mode": "fan_out", "nonlinearity": "relu"}, "uniform", math.sqrt(6 / 300)),
    (init.kaiming_normal_, {"nonlinearity": "relu"}, "normal", math.sqrt(2 / 200)),
    (init.kaiming_normal_, {"mode": "fan_out", "nonlinearity": "tanh"}, "normal", 5 / 3 / math.sqrt(300)),
])
def test_init_distributions(fn, kwargs, dist, expected):
    w = nn.Parameter(ag.zeros(300, 200))  # fan_in 200, fan_out 300
    out = fn(w, **kwargs)
    assert out is w and w.requires_grad and w.grad_fn is None
    a = w.detach().numpy()
    if dist == "uniform":  # expected is the bound
        assert a.max() <= expected and a.max() > 0.99 * expected and a.min() >= -expected
    else:  # expected is the std
        assert abs(a.std() - expected) < 0.02 * expected and abs(a.mean()) < 0.02 * expected


@pytest.mark.timeout(60)
@pytest.mark.filterwarnings("ignore:mean is more than 2 std")  # (PyTorch's warning, given for two of the rows)
@pytest.mark.parametrize("mean, std, a, b", [(0.0, 1.0, 8.0, 9.0), (0.0, 1.0, -2.0, 2.0), (0.0, 1.0, 1.0, 1.5),
                                             (1.0, 0.1, -3.0, -2.9)])
def test_trunc_normal_stays_in_bounds_with_the_truncated_moments_even_far_in_a_tail(mean, std, a, b):
    """An interval far in a tail (a redraw-until-inside loop never ended there) is sampled as PyTorch
    2.13 samples it: uniform proposals accepted by the density. Mean and std are the truncated
    normal's (computed here by quadrature)."""
    ag.manual_seed(0)
    w = init.trunc_normal_(ag.empty(200, 100), mean=mean, std=std, a=a, b=b)
    x = w.numpy().astype(np.float64)
    assert x.min() >= a and x.max() <= b
    grid = np.linspace(a, b, 200001)
    log_pdf = -0.5 * ((grid - mean) / std) ** 2
    pdf = np.exp(log_pdf - log_pdf.max())  # (scaled: 39 std out, the density itself underflows)
    want_mean = (grid * pdf).sum() / pdf.sum()
    want_std = np.sqrt(((grid - want_mean) ** 2 * pdf).sum() / pdf.sum())
    assert abs(x.mean() - want_mean) < 4 * want_std / np.sqrt(x.size)
    assert abs(x.std() - want_std) < 0.03 * want_std


def test_simple_inits_return_tensor_in_place():
    w = nn.Parameter(ag.zeros(3, 4))
    assert init.ones_(w) is w and (w._data == 1).all()
    assert init.zeros_(w) is w and (w._data == 0).all()
    assert init.constant_(w, 0.5) is w and (w._data == 0.5).all()
    init.uniform_(w, -2, -1)
    assert (w._data >= -2).all() and (w._data <= -1).all()
    init.normal_(w, 10.0, 0.01)
    assert abs(w._data.mean() - 10) < 0.1
    v0 = w._version
    init.eye_(w)
    np.testing.assert_array_equal(w._data, np.eye(3, 4))
    assert w._version > v0  # in-place change bumps the version counter
    init.trunc_normal_(w, std=1.0, a=-0.5, b=0.5)
    assert np.abs(w._data).max() <= 0.5
    q = init.orthogonal_(ag.zeros(4, 6))
    np.testing.assert_allclose(q._data @ q._data.T, np.eye(4), atol=1e-6)
    assert w.grad_fn is None and w.is_leaf
