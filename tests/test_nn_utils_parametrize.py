"""nn.utils.parametrize, nn.utils.parametrizations (weight_norm, spectral_norm, orthogonal) and the old
hook-based nn.utils.weight_norm / spectral_norm, against PyTorch itself: each snippet runs once with
torch and once with this project (oracle.same), written as a PyTorch user writes it, and returns the
values, the gradients reaching the originals, the state dict keys and values. Where torch draws at
random (spectral norm's u, v; orthogonal's completion of a non-square matrix), torch's state dict is
loaded, or the program runs under the porting harness (tests/porting/test_nn_utils_programs.py)."""
import types
import warnings

import numpy as np
import pytest

import nn as our_nn
from oracle import same

torch = pytest.importorskip("torch")  # the oracle (CI installs it)


def lib(T):
    """The names a PyTorch program uses, from torch or from this project."""
    if T is torch:
        import torch.nn.utils.parametrizations as PZ
        import torch.nn.utils.parametrize as P
        return types.SimpleNamespace(nn=torch.nn, P=P, PZ=PZ, U=torch.nn.utils)
    return types.SimpleNamespace(nn=our_nn, P=our_nn.utils.parametrize, PZ=our_nn.utils.parametrizations,
                                 U=our_nn.utils)


RNG = np.random.default_rng(0)
W45, B4, X35 = RNG.standard_normal((4, 5)), RNG.standard_normal(4), RNG.standard_normal((3, 5))
W44, X34 = RNG.standard_normal((4, 4)), RNG.standard_normal((3, 4))
WCONV, XCONV = RNG.standard_normal((6, 3, 3, 3)), RNG.standard_normal((2, 3, 5, 5))
X_TRANSPOSE = RNG.standard_normal((2, 6, 4, 4))
# float32: a convolution's gradient sums many products, in an order that depends on the BLAS kernel (up to
# 8e-5 relative apart on an AVX2-only AMD EPYC); float64 checks the arithmetic itself to 1e-10
DTYPES = [("float32", 1e-4, 1e-5), ("float64", 1e-10, 1e-12)]


def linear(T, W, b=None, dtype="float64"):
    """An nn.Linear holding W (and b), in ``dtype``."""
    L = lib(T)
    m = L.nn.Linear(W.shape[1], W.shape[0], bias=b is not None).to(getattr(T, dtype))
    with T.no_grad():
        m.weight.copy_(T.tensor(W))
        if b is not None:
            m.bias.copy_(T.tensor(b))
    return m


def grads(m):
    return [p.grad for _, p in m.named_parameters()]


def state(m):
    sd = m.state_dict()
    return [list(sd), list(sd.values())]


def symmetric(T):
    class Symmetric(lib(T).nn.Module):
        def forward(self, X):
            return X.triu() + X.triu(1).transpose(-1, -2)

        def right_inverse(self, A):
            return A.triu()
    return Symmetric


@pytest.mark.parametrize("dtype,rtol,atol", DTYPES)
def test_a_parametrization_is_computed_on_each_read_and_its_gradient_reaches_original(dtype, rtol, atol):
    def snippet(T):
        L = lib(T)
        m = linear(T, W44, B4[:4], dtype)
        L.P.register_parametrization(m, "weight", symmetric(T)())
        x = T.tensor(X34).to(getattr(T, dtype))
        m(x).pow(2).sum().backward()
        w = m.weight
        return (type(m).__name__, L.P.type_before_parametrizations(m).__name__, L.P.is_parametrized(m),
                L.P.is_parametrized(m, "weight"), L.P.is_parametrized(m, "bias"), w, grads(m), state(m),
                [n for n, _ in m.named_parameters()], repr(m))
    same(snippet, rtol, atol)


def test_assigning_runs_right_inverse_and_keeps_the_original_object():
    def snippet(T):
        L = lib(T)
        m = linear(T, W44, B4)
        L.P.register_parametrization(m, "weight", symmetric(T)())
        original = m.parametrizations.weight.original
        m.weight = T.tensor(W44 + W44.T)
        return m.parametrizations.weight.original is original, original, m.weight
    same(snippet)


def test_two_parametrizations_chain_and_removing_leaves_the_value_or_the_original():
    def snippet(T):
        L = lib(T)

        class Double(L.nn.Module):
            def forward(self, X):
                return 2 * X

        out = []
        for leave in (True, False):
            m = linear(T, W44, B4)
            weight = m.weight
            L.P.register_parametrization(m, "weight", symmetric(T)())
            L.P.register_parametrization(m, "weight", Double())
            out += [m.weight, state(m), repr(m)]
            L.P.remove_parametrizations(m, "weight", leave_parametrized=leave)
            out += [type(m).__name__, m.weight, m.weight is weight, state(m), hasattr(m, "parametrizations")]
        return out
    same(snippet)


def test_a_torch_state_dict_of_a_parametrized_module_loads_here():
    tm = torch.nn.Linear(4, 4).double()
    torch.nn.utils.parametrize.register_parametrization(tm, "weight", symmetric(torch)())
    om = our_nn.Linear(4, 4).double()
    our_nn.utils.parametrize.register_parametrization(om, "weight", symmetric(__import__("autograd"))())
    om.load_state_dict(tm.state_dict())
    np.testing.assert_array_equal(om.weight.detach().numpy(), tm.weight.detach().numpy())
    assert list(om.state_dict()) == list(tm.state_dict()) == ["bias", "parametrizations.weight.original"]


def test_cached_computes_each_parametrized_tensor_once():
    def snippet(T):
        L = lib(T)
        calls = []

        class Counted(L.nn.Module):
            def forward(self, X):
                calls.append(1)
                return X * 3

        m = linear(T, W44, B4)
        L.P.register_parametrization(m, "weight", Counted())
        calls.clear()
        with L.P.cached():
            a, b = m.weight, m.weight
            same_object = a is b
        c = m.weight
        return len(calls), same_object, c is a, a
    same(snippet)


def test_changing_the_shape_or_the_dtype_needs_unsafe():
    def snippet(T):
        L = lib(T)

        class Wider(L.nn.Module):
            def forward(self, X):
                return T.cat([X, X], 0)

        m = linear(T, W44, B4)
        try:
            L.P.register_parametrization(m, "weight", Wider())
        except ValueError as e:
            message = str(e).split("\n")[0]
        L.P.register_parametrization(m, "weight", Wider(), unsafe=True)
        return message, m.weight.shape[0], m(T.tensor(X34)).shape[1]
    same(snippet)


def test_bad_names_raise_as_torch():
    def snippet(T):
        L = lib(T)
        m = linear(T, W44, B4)
        L.P.register_parametrization(m, "nothing", symmetric(T)())
    assert isinstance(same(snippet), ValueError)

    def remove(T):
        L = lib(T)
        L.P.remove_parametrizations(linear(T, W44, B4), "weight")
    assert isinstance(same(remove), ValueError)


# ------------------------------------------------------------ weight_norm (new and old)

@pytest.mark.parametrize("dtype,rtol,atol", DTYPES)
@pytest.mark.parametrize("dim", [0, 1, None, -1])
def test_weight_norm_parametrization(dtype, rtol, atol, dim):
    def snippet(T):
        L = lib(T)
        m = linear(T, W45, B4, dtype)
        L.PZ.weight_norm(m, dim=dim)
        x = T.tensor(X35).to(getattr(T, dtype))
        m(x).pow(2).sum().backward()
        conv = L.nn.Conv2d(3, 6, 3).to(getattr(T, dtype))
        with T.no_grad():
            conv.weight.copy_(T.tensor(WCONV))
            conv.bias.zero_()
        L.PZ.weight_norm(conv, dim=dim if dim != 1 else 2)
        conv(T.tensor(XCONV).to(getattr(T, dtype))).sin().sum().backward()
        out = [m.weight, grads(m), state(m), conv.weight, grads(conv)[1:], state(conv)]
        L.P.remove_parametrizations(m, "weight")
        return out + [m.weight, state(m)]
    same(snippet, rtol, atol)


@pytest.mark.parametrize("dtype,rtol,atol", DTYPES)
@pytest.mark.parametrize("dim", [0, 1, None])
def test_old_weight_norm_with_its_hook(dtype, rtol, atol, dim):
    def snippet(T):
        L = lib(T)
        m = linear(T, W45, B4, dtype)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            L.U.weight_norm(m, dim=dim)
        x = T.tensor(X35).to(getattr(T, dtype))
        first = m.weight
        with T.no_grad():
            m.weight_g.mul_(2)  # the hook recomputes weight before the forward
        m(x).pow(2).sum().backward()
        out = [[w.category.__name__ for w in caught], first, m.weight, grads(m), state(m),
               [n for n, _ in m.named_parameters()]]
        L.U.remove_weight_norm(m)
        out += [m.weight, state(m), len(m._forward_pre_hooks)]
        try:
            L.U.remove_weight_norm(m)
        except ValueError:
            out.append("raised")
        return out
    same(snippet, rtol, atol)


# ------------------------------------------------------------ spectral_norm (new and old)

@pytest.mark.parametrize("dtype,rtol,atol", DTYPES)
@pytest.mark.parametrize("layer", ["linear", "conv", "conv_transpose"])
def test_spectral_norm_parametrization_from_torchs_u_v(dtype, rtol, atol, layer):
    """The power iteration (training mode: one step per read; eval: none), sigma = u . W v, the
    gradient through W / sigma, from the u, v torch drew (its state dict)."""
    T_, O_ = torch, __import__("autograd")
    made = {}
    for T in (T_, O_):
        L = lib(T)
        if layer == "linear":
            m, x = linear(T, W45, B4, dtype), T.tensor(X35)
        elif layer == "conv":
            m, x = L.nn.Conv2d(3, 6, 3), T.tensor(XCONV)
        else:
            m, x = L.nn.ConvTranspose2d(6, 3, 3), T.tensor(X_TRANSPOSE)
        m = m.to(getattr(T, dtype))
        made[T] = (L, m, x.to(getattr(T, dtype)))
    tL, tm, tx = made[T_]
    tL.PZ.spectral_norm(tm, n_power_iterations=2)
    oL, om, ox = made[O_]
    om.load_state_dict({k: v for k, v in tm.state_dict().items() if "_u" not in k and "_v" not in k}, strict=False)
    oL.PZ.spectral_norm(om, n_power_iterations=2)
    assert list(om.state_dict()) == list(tm.state_dict())
    om.load_state_dict(tm.state_dict())
    for train in (True, False, True):
        tm.train(train), om.train(train)
        tm.zero_grad(), om.zero_grad()
        tm(tx).pow(2).sum().backward()
        om(ox).pow(2).sum().backward()
        for (k, a), (_, b) in zip(tm.state_dict().items(), om.state_dict().items()):
            np.testing.assert_allclose(b.numpy(), a.numpy(), rtol=rtol, atol=atol, err_msg=k)
        for (k, a), (_, b) in zip(tm.named_parameters(), om.named_parameters()):  # (float32: atol relative
            scale = float(a.grad.abs().max())  # to the largest gradient, the conv's sums cancel)
            np.testing.assert_allclose(b.grad.numpy(), a.grad.numpy(), rtol=rtol, atol=atol * scale, err_msg=k)
        np.testing.assert_allclose(om.weight.detach().numpy(), tm.weight.detach().numpy(), rtol=rtol, atol=atol)


def test_spectral_norm_init_runs_15_power_iterations_from_its_draws():
    """From the same two N(0, 1) draws (torch's, read back from a generator in the same state),
    registration gives torch's u and v."""
    ag = __import__("autograd")
    torch.manual_seed(3)
    tm = torch.nn.Linear(5, 4).double()
    state = torch.get_rng_state()
    torch.nn.utils.parametrizations.spectral_norm(tm)
    torch.set_rng_state(state)
    draws = [torch.empty(4, dtype=torch.float64).normal_(0, 1), torch.empty(5, dtype=torch.float64).normal_(0, 1)]
    om = our_nn.Linear(5, 4).double()
    om.load_state_dict({"weight": tm.parametrizations.weight.original.detach(), "bias": tm.bias.detach()})
    draws_iter = iter(draws)
    original_normal = ag.Tensor.normal_

    def replayed(self, mean=0.0, std=1.0, **kwargs):
        with ag.no_grad():
            return self.copy_(next(draws_iter).numpy())
    ag.Tensor.normal_ = replayed
    try:
        our_nn.utils.parametrizations.spectral_norm(om)
    finally:
        ag.Tensor.normal_ = original_normal
    for k, v in tm.state_dict().items():
        np.testing.assert_allclose(om.state_dict()[k].numpy(), v.numpy(), rtol=1e-12, atol=1e-14, err_msg=k)


@pytest.mark.parametrize("dtype,rtol,atol", DTYPES)
def test_old_spectral_norm_from_torchs_u_v(dtype, rtol, atol):
    ag = __import__("autograd")
    tm = linear(torch, W45, B4, dtype)
    torch.nn.utils.spectral_norm(tm, n_power_iterations=3)
    om = linear(ag, W45, B4, dtype)
    our_nn.utils.spectral_norm(om, n_power_iterations=3)
    assert list(om.state_dict()) == list(tm.state_dict()) == ["bias", "weight_orig", "weight_u", "weight_v"]
    om.load_state_dict(tm.state_dict())
    x = X35.astype(dtype)
    for train in (True, False, True):
        tm.train(train), om.train(train)
        tm.zero_grad(), om.zero_grad()
        tm(torch.tensor(x)).pow(2).sum().backward()
        om(ag.tensor(x)).pow(2).sum().backward()
        for (k, a), (_, b) in zip(tm.state_dict().items(), om.state_dict().items()):
            np.testing.assert_allclose(b.numpy(), a.numpy(), rtol=rtol, atol=atol, err_msg=k)
        for (k, a), (_, b) in zip(tm.named_parameters(), om.named_parameters()):
            np.testing.assert_allclose(b.grad.numpy(), a.grad.numpy(), rtol=rtol, atol=atol, err_msg=k)
    torch.nn.utils.remove_spectral_norm(tm)
    our_nn.utils.remove_spectral_norm(om)
    assert list(om.state_dict()) == list(tm.state_dict())
    np.testing.assert_allclose(om.weight.detach().numpy(), tm.weight.detach().numpy(), rtol=rtol, atol=atol)


# ------------------------------------------------------------ orthogonal

@pytest.mark.parametrize("dtype,rtol,atol", DTYPES)
@pytest.mark.parametrize("orthogonal_map", [None, "matrix_exp", "cayley", "householder"])
def test_orthogonal_of_a_square_matrix(dtype, rtol, atol, orthogonal_map):
    """Square: no random draw; the weight after registration is the Q of W's QR (R's diagonal > 0),
    and the gradient reaches ``original`` through the map (matrix_exp, Cayley, Householder)."""
    def snippet(T):
        L = lib(T)
        m = linear(T, W44, B4, dtype)
        L.PZ.orthogonal(m, orthogonal_map=orthogonal_map)
        q0 = m.weight
        m(T.tensor(X34).to(getattr(T, dtype))).pow(3).sum().backward()
        with T.no_grad():  # a step away from -I: the map itself, not only the base
            m.parametrizations.weight.original.add_(0.1 * m.parametrizations.weight.original.grad)
        m.zero_grad()
        m(T.tensor(X34).to(getattr(T, dtype))).pow(3).sum().backward()
        w = m.weight
        return q0, w, (w.T @ w), grads(m), state(m)
    same(snippet, rtol * 10, atol * 10)


@pytest.mark.parametrize("dtype,rtol,atol", DTYPES)
@pytest.mark.parametrize("shape", [(5, 3), (3, 5), (2, 5, 3)])
@pytest.mark.parametrize("orthogonal_map", [None, "matrix_exp", "cayley"])
def test_orthogonal_of_a_non_square_matrix_from_torchs_base(dtype, rtol, atol, shape, orthogonal_map):
    """Non-square: torch completes the matrix with random columns; from its ``base`` (state dict) the
    map, the result and the gradients agree; the columns (rows, when wide) are orthonormal."""
    ag = __import__("autograd")
    W = RNG.standard_normal(shape)
    models = {}
    for T in (torch, ag):
        L = lib(T)
        m = L.nn.Module()
        m.weight = L.nn.Parameter(T.tensor(W).to(getattr(T, dtype)))
        models[T] = (L, m)
    (tL, tm), (oL, om) = models[torch], models[ag]
    tL.PZ.orthogonal(tm, orthogonal_map=orthogonal_map)
    torch_base = tm.parametrizations.weight[0].base
    oL.PZ.orthogonal(om, orthogonal_map=orthogonal_map)
    assert list(om.state_dict()) == list(tm.state_dict())
    om.load_state_dict(tm.state_dict())
    np.testing.assert_allclose(om.weight.detach().numpy(), tm.weight.detach().numpy(), rtol=rtol, atol=atol)
    np.testing.assert_allclose(tm.weight.detach().numpy(), torch_base.numpy()[..., :shape[-1]] if shape[-2] > shape[-1]
                               else torch_base.numpy()[..., :shape[-2]].swapaxes(-1, -2), rtol=rtol, atol=atol)
    w = om.weight.detach().numpy()
    gram = w.swapaxes(-1, -2) @ w if shape[-2] >= shape[-1] else w @ w.swapaxes(-1, -2)
    np.testing.assert_allclose(gram, np.broadcast_to(np.eye(min(shape[-2:])), gram.shape), atol=1e-5)
    for m in (tm, om):  # (householder: torch truncates the diagonal with .int(), -0.95 -> 0: the same here)
        with (torch if m is tm else ag).no_grad():
            m.parametrizations.weight.original.add_(0.05)
        (m.weight * m.weight.flip(-1)).sin().sum().backward()
    np.testing.assert_allclose(om.weight.detach().numpy(), tm.weight.detach().numpy(), rtol=rtol, atol=atol)
    np.testing.assert_allclose(om.parametrizations.weight.original.grad.numpy(),
                               tm.parametrizations.weight.original.grad.numpy(), rtol=rtol * 10, atol=atol * 10)


def test_orthogonal_assignment_and_use_trivialization_false():
    def snippet(T):
        L = lib(T)
        m = linear(T, W44, B4)
        L.PZ.orthogonal(m)
        Q = T.linalg.qr(T.tensor(W44.T))[0]
        m.weight = Q  # orthogonal already: the base is Q itself
        h = linear(T, W45.T.copy(), None)
        L.PZ.orthogonal(h, orthogonal_map="householder", use_trivialization=False)
        h.weight.sum().backward()
        return m.weight, state(m), h.weight, state(h), grads(h)
    same(snippet, 1e-9, 1e-11)


def test_orthogonal_bad_inputs():
    def snippet(T):
        L = lib(T)
        m = L.nn.Linear(3, 4)
        L.PZ.orthogonal(m, "bias")
    assert isinstance(same(snippet), ValueError)

    def bad_map(T):
        L = lib(T)
        L.PZ.orthogonal(L.nn.Linear(3, 4), orthogonal_map="qr")
    assert isinstance(same(bad_map), ValueError)


# ------------------------------------------------------------ matrix_exp (orthogonal's and the tutorial's map)

@pytest.mark.parametrize("dtype,rtol,atol", DTYPES)
@pytest.mark.parametrize("shape,scale", [((3, 3), 1.0), ((2, 4, 4), 3.0), ((5, 5), 0.01), ((1, 1), 20.0)])
def test_matrix_exp_and_its_gradient(dtype, rtol, atol, shape, scale):
    A, G = scale * RNG.standard_normal(shape), RNG.standard_normal(shape)

    def snippet(T):
        a = T.tensor(A).to(getattr(T, dtype)).requires_grad_()
        out = T.matrix_exp(a)
        (out * T.tensor(G).to(a.dtype)).sum().backward()
        return out / out.abs().max(), T.linalg.matrix_exp(a.detach()) / out.abs().max(), a.grad / a.grad.abs().max()
    same(snippet, rtol * 10, atol * 10)


def test_matrix_exp_of_a_non_square_matrix_is_refused():
    def snippet(T):
        return T.matrix_exp(T.ones(2, 3))
    assert isinstance(same(snippet), RuntimeError)


def test_a_parametrized_module_deep_copies_and_refuses_pickle():
    import copy
    import pickle

    def snippet(T):
        L = lib(T)
        m = linear(T, W44, B4)
        L.P.register_parametrization(m, "weight", symmetric(T)())
        c = copy.deepcopy(m)
        with T.no_grad():
            c.parametrizations.weight.original.add_(1.0)
        try:
            pickle.dumps(m)
        except RuntimeError as e:
            refused = str(e).split("\n")[0]
        return type(c).__name__, c.weight, m.weight, state(c), refused
    same(snippet)


def test_assigning_a_parameter_to_a_parametrized_name_raises_as_torch():
    def snippet(T):
        L = lib(T)
        m = linear(T, W44, B4)
        L.P.register_parametrization(m, "weight", symmetric(T)())
        m.weight = L.nn.Parameter(T.tensor(W44))
    assert isinstance(same(snippet), KeyError)


def test_a_buffer_can_be_parametrized_and_transfer_moves_parametrizations():
    def snippet(T):
        L = lib(T)

        class Softplus(L.nn.Module):
            def forward(self, X):
                return L.nn.functional.softplus(X)

        bn = L.nn.BatchNorm1d(4).double()
        with T.no_grad():
            bn.running_var.copy_(T.tensor(B4))
        L.P.register_parametrization(bn, "running_var", Softplus())
        out = [bn.running_var, state(bn), [n for n, _ in bn.named_buffers()], [n for n, _ in bn.named_parameters()]]
        src, dst = linear(T, W44, B4), linear(T, W44 * 0, B4 * 0)
        L.P.register_parametrization(src, "weight", symmetric(T)())
        L.P.transfer_parametrizations_and_params(src, dst)
        out += [type(dst).__name__, dst.weight, state(dst),
                dst.parametrizations.weight.original is src.parametrizations.weight.original]
        return out
    same(snippet)
