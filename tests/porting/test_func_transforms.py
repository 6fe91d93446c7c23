"""torch.func against PyTorch itself: every snippet runs twice, once with ``T`` = torch (and torch.func,
torch.nn) and once with ``T`` = autograd (autograd.func, nn), on the same numbers. The values, the
gradients an outer backward sends through the transforms, and the errors (class and message) agree."""
import numpy as np
import pytest

import autograd as ag
import nn as our_nn

torch = pytest.importorskip("torch")  # the oracle
import torch.func  # noqa: E402

DTYPES = ["float32", "float64"]
TOL = {"float32": dict(rtol=2e-5, atol=1e-6), "float64": dict(rtol=1e-12, atol=1e-12)}


class Lib:
    """The names a snippet uses: ``L.T`` (torch / autograd), ``L.func``, ``L.nn``, ``L.t(array)``."""

    def __init__(self, name, dtype):
        self.T, self.func, self.nn = (torch, torch.func, torch.nn) if name == "torch" else (ag, ag.func, our_nn)
        self.dtype = getattr(self.T, dtype)

    def t(self, array, requires_grad=False):
        return self.T.tensor(np.asarray(array), dtype=self.dtype, requires_grad=requires_grad)


def plain(x):
    """Nested results as numpy arrays, keeping tuples/lists/dicts apart (their structure must agree too)."""
    if isinstance(x, dict):
        return {k: plain(v) for k, v in x.items()}
    if isinstance(x, (tuple, list)):
        return type(x)(plain(v) for v in x) if type(x) in (tuple, list) else tuple(plain(v) for v in x)
    if isinstance(x, (torch.Tensor, ag.Tensor)):
        return np.array(x.detach().numpy() if isinstance(x, torch.Tensor) else x.detach())
    return x


def compare(theirs, ours, where, rtol, atol):
    assert type(theirs) is type(ours), f"{where}: PyTorch's is a {type(theirs).__name__}, ours a {type(ours).__name__}"
    if isinstance(theirs, dict):
        assert list(theirs) == list(ours), f"{where}: keys {list(ours)}, PyTorch's {list(theirs)}"
        for k in theirs:
            compare(theirs[k], ours[k], f"{where}[{k!r}]", rtol, atol)
    elif isinstance(theirs, (tuple, list)):
        assert len(theirs) == len(ours), f"{where}: {len(ours)} items, PyTorch's {len(theirs)}"
        for i, (a, b) in enumerate(zip(theirs, ours)):
            compare(a, b, f"{where}[{i}]", rtol, atol)
    elif isinstance(theirs, np.ndarray):
        assert ours.shape == theirs.shape, f"{where}: shape {ours.shape}, PyTorch's {theirs.shape}"
        assert ours.dtype == theirs.dtype, f"{where}: dtype {ours.dtype}, PyTorch's {theirs.dtype}"
        np.testing.assert_allclose(ours, theirs, rtol=rtol, atol=atol, err_msg=where)
    else:
        assert ours == theirs, f"{where}: {ours!r}, PyTorch's {theirs!r}"


def same(snippet, dtype="float64", message=True):
    """``snippet(L)`` returns the same (nested) values under both libraries, or both raise the same
    exception class (and, with ``message``, the same message)."""
    results = []
    for name in ("torch", "ours"):
        try:
            results.append(("returned", plain(snippet(Lib(name, dtype)))))
        except Exception as err:  # noqa: BLE001  (what was raised is the result)
            results.append(("raised", err))
    (how_t, theirs), (how_o, ours) = results
    where = snippet.__name__
    assert how_t == how_o, f"{where}: PyTorch {how_t} {theirs!r}, ours {how_o} {ours!r}"
    if how_t == "raised":
        assert type(ours) is type(theirs), f"{where}: PyTorch raised {theirs!r}, ours {ours!r}"
        if message:
            assert str(ours) == str(theirs), f"{where}: ours says\n{ours}\nPyTorch says\n{theirs}"
        return
    compare(theirs, ours, where, **TOL[dtype])


def data(*shape, seed=0):
    return np.random.default_rng(seed + sum(shape)).standard_normal(shape)


# --------------------------------------------------------------------------- grad and friends

@pytest.mark.parametrize("dtype", DTYPES)
def test_grad_of_scalar_functions(dtype):
    def grads(L):
        x, y = L.t(data(3)), L.t(data(2, 3, seed=1))
        f = lambda x, y: (x.sin() * y).sum() + (x * x).tanh().sum()  # noqa: E731
        g = L.func.grad(f)
        return (g(x, y), L.func.grad(f, argnums=1)(x, y), L.func.grad(f, argnums=(0, 1))(x, y),
                L.func.grad(f, argnums=-1)(x, y), L.func.grad_and_value(f, argnums=(1,))(x, y))
    same(grads, dtype)


@pytest.mark.parametrize("dtype", DTYPES)
def test_grad_composes_with_itself_and_with_outer_backward(dtype):
    def nested(L):
        x = L.t(data(4))
        f = lambda x: (x.exp() * x.cos()).sum()  # noqa: E731
        second = L.func.grad(lambda x: L.func.grad(f)(x).pow(2).sum())(x)
        third = L.func.grad(lambda x: L.func.grad(lambda x: L.func.grad(f)(x).sum())(x).sum())(x)
        w = L.t(data(4, seed=3), requires_grad=True)
        g = L.func.grad(lambda x: (x * w).sin().sum())(x)  # depends on w: still on w's graph
        (g * g).sum().backward()
        v = L.t(data(4, seed=4), requires_grad=True)
        gv = L.func.grad(f)(v)  # v requires grad: the gradient is differentiable with respect to v
        gv.sum().backward()
        return second, third, g, w.grad, gv, v.grad, g.requires_grad, L.func.grad(f)(x).requires_grad
    same(nested, dtype)


def test_grad_pytrees_aux_and_unused_inputs():
    def trees(L):
        x = L.t(data(3))
        params = {"a": x, "b": [x * 2, (x + 1,)]}
        f = lambda p: (p["a"] * p["b"][0]).sum() * p["b"][1][0].mean()  # noqa: E731
        g = L.func.grad(f)(params)
        aux = L.func.grad(lambda x: ((x * x).sum(), {"sq": x * x, "n": [x.sum()]}), has_aux=True)(x)
        gv = L.func.grad_and_value(lambda x: ((x * 3).sum(), x.exp()), has_aux=True)(x)
        unused = L.func.grad(lambda x, y: (y * y).sum())(x, x + 1)
        constant = L.func.grad(lambda x: x.sum() * 0 + 1)(x)
        inf = L.t([float("inf"), 1.0, -2.0])  # an unused input's zeros are zeros even where it is inf
        unused_inf = L.func.grad(lambda x, y: (y * y).sum(), argnums=(0, 1))(inf, x)
        jac_inf = L.func.jacrev(lambda x: x * 2)(inf)
        return g, aux, gv, unused, constant, unused_inf, jac_inf
    same(trees)


@pytest.mark.parametrize("name", ["non_scalar", "list_output", "argnum_out_of_range", "argnum_float", "no_argnums",
                                  "aux_not_tuple", "aux_not_tensor", "float_input", "int_tensor"])
def test_grad_errors_as_pytorch(name):
    cases = {
        "non_scalar": lambda L: L.func.grad(lambda x: x * x)(L.t(data(3))),
        "list_output": lambda L: L.func.grad(lambda x: [x.sum()])(L.t(data(3))),
        "argnum_out_of_range": lambda L: L.func.grad(lambda x: x.sum(), argnums=1)(L.t(data(3))),
        "argnum_float": lambda L: L.func.grad(lambda x: x.sum(), argnums=1.0)(L.t(data(3))),
        "no_argnums": lambda L: L.func.grad(lambda x: x.sum(), argnums=())(L.t(data(3))),
        "aux_not_tuple": lambda L: L.func.grad(lambda x: x.sum(), has_aux=True)(L.t(data(3))),
        "aux_not_tensor": lambda L: L.func.grad(lambda x: (x.sum(), 3), has_aux=True)(L.t(data(3))),
        "float_input": lambda L: L.func.grad(lambda x: x)(3.0),
        "int_tensor": lambda L: L.func.grad(lambda x: x.sum())(L.T.arange(3)),
    }
    snippet = cases[name]
    snippet.__name__ = name
    same(snippet, message=name != "int_tensor")


# --------------------------------------------------------------------------- vjp, jvp, jacobians, hessian

@pytest.mark.parametrize("dtype", DTYPES)
def test_vjp(dtype):
    def vjps(L):
        x, y = L.t(data(3)), L.t(data(3, seed=5))
        out, fn = L.func.vjp(lambda x, y: (x * y.exp(), {"s": (x * x).sum()}), x, y)
        v = (L.t(data(3, seed=6)), {"s": L.t(2.5)})
        first, again = fn(v), fn(v)  # vjp_fn may be called twice
        out2, fn2, aux = L.func.vjp(lambda x: (x.sin(), x.cos()), x, has_aux=True)
        w = L.t(data(3, seed=7), requires_grad=True)
        out3, fn3 = L.func.vjp(lambda x: x * w, x)
        (g3,) = fn3(L.T.ones_like(x))
        g3.sum().backward()
        return out, first, again, out2, fn2(L.T.ones_like(x)), aux, g3, w.grad, out[0].requires_grad
    same(vjps, dtype)


def test_vjp_errors_as_pytorch():
    def wrong_shape(L):
        return L.func.vjp(lambda x: x * x, L.t(data(3)))[1](L.t(data(2)))

    def wrong_structure(L):
        return L.func.vjp(lambda x: (x * x, x), L.t(data(3)))[1](L.t(data(3)))

    def not_a_tensor(L):
        return L.func.vjp(lambda x: x * x, 3.0)
    for snippet in (wrong_shape, wrong_structure, not_a_tensor):
        same(snippet)


@pytest.mark.parametrize("dtype", DTYPES)
def test_jvp(dtype):
    def jvps(L):
        x, y = L.t(data(3)), L.t(data(2, 3, seed=8))
        f = lambda x, y: (x.sin() * y, (x * y).sum(-1).tanh())  # noqa: E731
        tangents = (L.t(data(3, seed=9)), L.t(data(2, 3, seed=10)))
        constant = L.func.jvp(lambda x: x * 0 + 1, (x,), (x,))
        aux = L.func.jvp(lambda x: (x.exp(), x * 2), (x,), (x,), has_aux=True)
        return L.func.jvp(f, (x, y), tangents), constant, aux
    same(jvps, dtype)


def test_jvp_errors_as_pytorch():
    def primals_not_tuple(L):
        return L.func.jvp(lambda x: x * x, L.t(data(3)), L.t(data(3)))

    def structures_differ(L):
        return L.func.jvp(lambda x: x * x, (L.t(data(3)),), (L.t(data(3)), L.t(data(3))))

    def sizes_differ(L):
        return L.func.jvp(lambda x: x * x, (L.t(data(3)),), (L.t(data(2)),))
    for snippet in (primals_not_tuple, sizes_differ):
        same(snippet)
    same(structures_differ, message=False)  # (PyTorch prints its TreeSpec class; ours the plain structure)


@pytest.mark.parametrize("dtype", DTYPES)
def test_jacobians_and_hessian(dtype):
    def jacobians(L):
        x, y = L.t(data(3)), L.t(data(3, seed=11))
        f = lambda x, y: (x.sin() * y.exp(), (x * y).sum())  # noqa: E731
        scalar = lambda x, y: (x.pow(3) * y.sin()).sum() + (x * y).prod()  # noqa: E731
        out = [L.func.jacrev(f)(x, y), L.func.jacrev(f, argnums=(0, 1))(x, y), L.func.jacfwd(f, argnums=1)(x, y),
               L.func.jacfwd(f, argnums=(0, 1))(x, y), L.func.hessian(scalar)(x, y),
               L.func.hessian(scalar, argnums=(0, 1))(x, y), L.func.jacrev(L.func.jacrev(scalar))(x, y),
               L.func.jacrev(lambda x: (x.exp(), x.sum()), has_aux=True)(x),
               L.func.jacrev(lambda d: d["w"] @ d["m"])({"w": x, "m": L.t(data(3, 2, seed=12))}),
               L.func.jacrev(lambda x: L.T.ones(3, dtype=x.dtype))(x)]
        w = L.t(data(3, seed=13), requires_grad=True)
        j = L.func.jacrev(lambda x: (x * w).sin())(x)
        j.sum().backward()
        return out, j, w.grad
    same(jacobians, dtype)


# --------------------------------------------------------------------------- vmap

@pytest.mark.parametrize("dtype", DTYPES)
def test_vmap_values(dtype):
    def maps(L):
        x, y, m = L.t(data(4, 3)), L.t(data(3, 4, seed=14)), L.t(data(3, 2, seed=15))
        v = L.func.vmap
        return [v(lambda a: a @ m)(x), v(lambda a, b: a * b, in_dims=(0, 1))(x, y),
                v(lambda a, b: a * b, in_dims=(0, None))(x, x[0]), v(lambda a: a.sum(), in_dims=1)(x),
                v(lambda a: a * 2, in_dims=-1, out_dims=1)(x), v(lambda a: (a, a.sum()), out_dims=(1, 0))(x),
                v(lambda d: d["a"] * d["b"][0], in_dims=({"a": 0, "b": [1]},))({"a": x, "b": [y]}),
                v(lambda a, k: a * k, in_dims=(0,))(x, k=3.0), v(v(lambda a: a.exp().sum()))(x),
                v(v(lambda a, b: a * b, in_dims=(0, None)), in_dims=(None, 0))(x[0], x),
                v(lambda a: {"s": a.sum(), "t": [a * 2]})(x), v(lambda a, c: a * c, in_dims=(0, None))(x, 2.0),
                v(lambda a: x.sum(), out_dims=None)(x)]
    same(maps, dtype)


@pytest.mark.parametrize("dtype", DTYPES)
def test_vmap_gradients_flow_and_per_sample_grads(dtype):
    def flows(L):
        x = L.t(data(5, 3), requires_grad=True)
        w = L.t(data(3, seed=16), requires_grad=True)
        out = L.func.vmap(lambda a: (a * w).tanh().sum() * a)(x)
        (out * out).sum().backward()
        xs, ys = L.t(data(5, 3, seed=17)), L.t(data(5, seed=18))
        loss = lambda w, a, b: ((a * w).sum() - b) ** 2  # noqa: E731
        per_sample = L.func.vmap(L.func.grad(loss), in_dims=(None, 0, 0))(w.detach(), xs, ys)
        jac = L.func.vmap(L.func.jacrev(lambda a: a.sin() * a.sum()))(xs)
        hess = L.func.vmap(L.func.hessian(lambda a: (a.pow(3)).sum()))(xs)
        return out, x.grad, w.grad, per_sample, jac, hess
    same(flows, dtype)


@pytest.mark.parametrize("name", ["sizes_differ", "in_dim_too_big", "in_dim_too_small", "in_dims_none",
                                  "in_dims_structure", "in_dim_float", "out_dims_structure", "returns_int",
                                  "returns_none", "float_batched", "scalar_tensor", "no_inputs", "rand_inside",
                                  "dropout_inside", "bad_randomness", "bad_chunk", "out_dim_none_batched",
                                  "out_dim_too_big"])
def test_vmap_errors_as_pytorch(name):
    x = data(2, 3)
    cases = {
        "sizes_differ": lambda L: L.func.vmap(lambda a, b: a + b)(L.t(x), L.t(data(3, 3))),
        "in_dim_too_big": lambda L: L.func.vmap(lambda a: a, in_dims=2)(L.t(x)),
        "in_dim_too_small": lambda L: L.func.vmap(lambda a: a, in_dims=-3)(L.t(x)),
        "in_dims_none": lambda L: L.func.vmap(lambda a: a, in_dims=None)(L.t(x)),
        "in_dims_structure": lambda L: L.func.vmap(lambda a: a, in_dims=(0, 0))(L.t(x)),
        "in_dim_float": lambda L: L.func.vmap(lambda a: a, in_dims=(1.5,))(L.t(x)),
        "out_dims_structure": lambda L: L.func.vmap(lambda a: a, out_dims=(0, 0))(L.t(x)),
        "returns_int": lambda L: L.func.vmap(lambda a: 3)(L.t(x)),
        "returns_none": lambda L: L.func.vmap(lambda a: (a, None))(L.t(x)),
        "float_batched": lambda L: L.func.vmap(lambda a, b: a * b, in_dims=(0, 0))(L.t(x), 2.0),
        "scalar_tensor": lambda L: L.func.vmap(lambda a: a)(L.t(1.0)),
        "no_inputs": lambda L: L.func.vmap(lambda a: a)(),
        "rand_inside": lambda L: L.func.vmap(lambda a: L.T.rand(3) * a)(L.t(x)),
        "dropout_inside": lambda L: L.func.vmap(lambda a: L.nn.functional.dropout(a, 0.5))(L.t(x)),
        "bad_randomness": lambda L: L.func.vmap(lambda a: a, randomness="foo")(L.t(x)),
        "bad_chunk": lambda L: L.func.vmap(lambda a: a, chunk_size=0)(L.t(x)),
        "out_dim_none_batched": lambda L: L.func.vmap(lambda a: a.sum(), out_dims=None)(L.t(x)),
        "out_dim_too_big": lambda L: L.func.vmap(lambda a: a, out_dims=2)(L.t(x)),
    }
    snippet = cases[name]
    snippet.__name__ = f"<lambda>"
    # PyTorch prints its TreeSpec class in the structure errors; ours prints the plain structure
    same(snippet, message=name not in ("in_dims_structure", "out_dims_structure"))


def test_vmap_randomness_same_and_different():
    def draws(L):
        L.T.manual_seed(0)
        same_ = L.func.vmap(lambda a: L.T.rand(3) + a * 0, randomness="same")(L.t(data(4, 3)))
        different = L.func.vmap(lambda a: L.T.rand(3) + a * 0, randomness="different")(L.t(data(4, 3)))
        return [bool((same_ == same_[0]).all()), bool((different == different[0]).all()), tuple(different.shape)]
    same(draws)


# --------------------------------------------------------------------------- functional_call, stack_module_state

class Tied:
    """A module class per library: two Linear layers sharing one weight."""

    @staticmethod
    def make(L):
        class TiedNet(L.nn.Module):
            def __init__(self):
                super().__init__()
                self.a = L.nn.Linear(3, 3)
                self.b = L.nn.Linear(3, 3)
                self.b.weight = self.a.weight
                self.register_buffer("scale", L.t(data(3, seed=19)))

            def forward(self, x, shift=0.0):
                return self.b(self.a(x) * self.scale) + shift
        net = TiedNet().to(L.dtype)
        with L.T.no_grad():
            for i, (_, p) in enumerate(net.named_parameters()):
                p.copy_(L.t(data(*p.shape, seed=20 + i)))
        return net


@pytest.mark.parametrize("dtype", DTYPES)
def test_functional_call(dtype):
    def calls(L):
        net, x = Tied.make(L), L.t(data(2, 3, seed=30))
        weight = L.t(data(3, 3, seed=31), requires_grad=True)
        bias = L.t(data(3, seed=32), requires_grad=True)
        params = {"a.weight": weight * 2, "b.bias": bias}  # a non-leaf, and a leaf
        out = L.func.functional_call(net, params, (x,), {"shift": 1.5})
        out.pow(2).sum().backward()
        untied = L.func.functional_call(net, {"a.weight": weight, "b.weight": weight.detach() * 0 + 1}, x,
                                        tie_weights=False)
        buffers = L.func.functional_call(net, ({"a.bias": bias}, {"scale": bias * 3}), (x,))
        after = net(x)
        unused_param_grads = [p.grad for p in net.parameters()]
        grads = L.func.grad(lambda p: L.func.functional_call(net, p, (x,)).sum())(
            {k: v.detach() for k, v in net.named_parameters()})
        return out, weight.grad, bias.grad, untied, buffers, after, unused_param_grads, grads
    same(calls, dtype)


def test_functional_call_errors_and_restores():
    def errors(L):
        net = Tied.make(L)
        before = {k: v for k, v in net.state_dict().items()}
        found = []
        for kwargs in ({"parameter_and_buffer_dicts": {"a.weight": L.T.eye(3), "b.weight": L.T.eye(3)}},
                       {"parameter_and_buffer_dicts": {"a.weight": L.T.eye(3), "foo": L.T.ones(1)}, "strict": True},
                       {"parameter_and_buffer_dicts": ({"a.bias": L.T.ones(3)}, {"a.bias": L.T.ones(3)})},
                       {"parameter_and_buffer_dicts": {"a.weight": L.T.ones(2, 2)}}):  # fails inside forward
            try:
                L.func.functional_call(net, args=(L.t(data(2, 3)),), **kwargs)
                found.append("returned")
            except Exception as err:  # noqa: BLE001
                inside = "mat" in str(err) or "shape" in str(err)  # the forward's own error: its class only
                found.append(("a RuntimeError", isinstance(err, RuntimeError)) if inside else str(err))
        restored = all(net.state_dict()[k] is v for k, v in before.items())
        tied = net.a.weight is net.b.weight
        return found, restored, tied, sorted(n for n, _ in net.named_parameters())
    same(errors)


@pytest.mark.parametrize("dtype", DTYPES)
def test_stack_module_state(dtype):
    def stacks(L):
        models = [L.nn.Sequential(L.nn.Linear(3, 2), L.nn.BatchNorm1d(2)).to(L.dtype) for _ in range(3)]
        with L.T.no_grad():
            for i, m in enumerate(models):
                for j, (_, p) in enumerate(m.named_parameters()):
                    p.copy_(L.t(data(*p.shape, seed=40 + 10 * i + j)))
        params, buffers = L.func.stack_module_state(models)
        summary = {k: (tuple(v.shape), v.requires_grad, v.is_leaf) for k, v in params.items()}
        summary.update({k: (tuple(v.shape), v.requires_grad, str(v.dtype).replace("torch.", ""))
                        for k, v in buffers.items()})
        errors = []
        for bad in ([], [models[0], models[1].eval()], [models[0], L.nn.Linear(3, 2)]):
            try:
                L.func.stack_module_state(bad)
            except RuntimeError as err:
                errors.append(str(err))
        models[1].train()
        frozen = L.nn.Sequential(L.nn.Linear(3, 2), L.nn.BatchNorm1d(2))
        frozen[0].weight.requires_grad_(False)
        try:
            L.func.stack_module_state([L.nn.Sequential(L.nn.Linear(3, 2), L.nn.BatchNorm1d(2)), frozen])
        except RuntimeError as err:
            errors.append(str(err))
        return params, buffers, summary, errors
    same(stacks, dtype)


def test_grad_under_and_inside_no_grad():
    def modes(L):
        x = L.t(data(3))
        f = lambda x: (x.sin() * x).sum()  # noqa: E731
        with L.T.no_grad():
            outer = L.func.grad(f)(x)  # a transform ignores an outer no_grad
            hess = L.func.hessian(f)(x)

        def g(x):
            with L.T.no_grad():
                c = x * 2  # a constant for the transform
            return (c * x.exp()).sum()
        return outer, hess, L.func.grad(g)(x), L.func.jacrev(L.func.grad(g))(x)
    same(modes)


@pytest.mark.parametrize("dtype", DTYPES)
def test_grad_of_vmap_and_in_place_inside_vmap(dtype):
    def composed(L):
        w, xs = L.t(data(3, seed=50)), L.t(data(4, 3, seed=51))
        F = L.func
        outer = F.grad(lambda w: F.vmap(lambda w, x: (w * x).sin().sum(), in_dims=(None, 0))(w, xs).pow(2).sum())(w)
        b = xs.clone()
        F.vmap(lambda a: a.mul_(2))(b)  # an in-place change of a sample changes the batched input, as in PyTorch
        transposed = F.vmap(F.vmap(lambda a: a * 2, in_dims=0), in_dims=1)(xs)
        moved = F.vmap(lambda a: a.sum(0), in_dims=1, out_dims=-1)(xs.reshape(2, 2, 3))
        return outer, b, transposed, moved
    same(composed, dtype)
