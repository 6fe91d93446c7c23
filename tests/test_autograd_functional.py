"""torch.autograd.functional (jacobian, hessian, vjp, jvp, hvp, vhp) against PyTorch 2.13: one source
text per case, run with ``torch`` bound to each library; results, their structure (a tensor, a tuple,
a tuple of tuples) and shapes must agree. Also the engine behaviour they rest on: a ``grad_outputs``
that requires grad stays on the graph with ``create_graph=True``."""
import numpy as np
import pytest

import autograd as ag

torch = pytest.importorskip("torch")  # the oracle (CI installs it)

RNG = np.random.default_rng(0)
X, Y, V3, V23 = RNG.standard_normal(3), RNG.standard_normal((2, 3)), RNG.standard_normal(3), RNG.standard_normal((2, 3))

CASES = [  # (function, source of func, input names, keyword arguments: v names the vectors)
    ("jacobian", "lambda x: x.exp() * 2", "x", {}),
    ("jacobian", "lambda x, y: (x * y).sum(0)", "x y", {}),
    ("jacobian", "lambda x, y: (x.sin(), (y @ x).tanh())", "x y", {}),
    ("jacobian", "lambda x: (x ** 3).sum()", "x", {}),
    ("jacobian", "lambda x, y: x * 2", "x y", {}),  # y unused: zeros
    ("jacobian", "lambda y: y.T @ y", "y", {"vectorize": True}),
    ("hessian", "lambda x: (x ** 3).sum() + x.prod()", "x", {}),
    ("hessian", "lambda x, y: ((y @ x) ** 2).sum()", "x y", {}),
    ("hessian", "lambda y: (y.tanh() ** 2).sum()", "y", {}),
    ("vjp", "lambda x: x.exp() * x", "x", {"v": "v3"}),
    ("vjp", "lambda x: (x ** 2).sum()", "x", {}),
    ("vjp", "lambda x, y: (y @ x, x.sum())", "x y", {"v": "v2 one"}),
    ("jvp", "lambda x, y: y @ x.sin()", "x y", {"v": "v3 v23"}),
    ("jvp", "lambda x: x.exp() * 2", "x", {"v": "v3"}),
    ("hvp", "lambda x: (x.exp() * x.sin()).sum()", "x", {"v": "v3"}),
    ("vhp", "lambda x, y: ((y @ x) ** 3).sum()", "x y", {"v": "v3 v23"}),
    ("hvp", "lambda x, y: ((y @ x) ** 3).sum()", "x y", {"v": "v3 v23"}),
]
ARRAYS = {"x": X, "y": Y, "v3": V3, "v23": V23, "v2": RNG.standard_normal(2), "one": np.array(0.5)}


def _run(lib, fn, src, names, kwargs):
    inputs = tuple(lib.tensor(ARRAYS[n]) for n in names.split())
    kwargs = dict(kwargs)
    if "v" in kwargs:
        vs = tuple(lib.tensor(ARRAYS[n]) for n in kwargs["v"].split())
        kwargs["v"] = vs if len(vs) > 1 else vs[0]
    return getattr(lib.autograd.functional, fn)(eval(src, {"torch": lib}), inputs if len(inputs) > 1 else inputs[0],  # noqa: S307
                                                **kwargs)


def _shape_of(result):
    """The nesting of tuples, with each tensor's shape at its place."""
    if isinstance(result, tuple):
        return tuple(_shape_of(r) for r in result)
    return tuple(result.shape)


def _flat(result):
    return [a for r in result for a in _flat(r)] if isinstance(result, tuple) else [result.detach().numpy()]


@pytest.mark.parametrize("fn, src, names, kwargs", CASES, ids=[f"{c[0]}: {c[1]}" for c in CASES])
def test_same_as_pytorch(fn, src, names, kwargs):
    theirs, ours = _run(torch, fn, src, names, kwargs), _run(ag, fn, src, names, kwargs)
    assert _shape_of(ours) == _shape_of(theirs)
    for o, t in zip(_flat(ours), _flat(theirs)):
        np.testing.assert_allclose(o, t, rtol=1e-10, atol=1e-12)


def test_inputs_are_used_detached_and_no_grad_changes():
    x = ag.tensor(X, requires_grad=True)
    J = ag.autograd.functional.jacobian(lambda t: t * t, x)
    assert x.grad is None and not J.requires_grad
    np.testing.assert_allclose(J.numpy(), np.diag(2 * X))


def test_create_graph_keeps_the_result_differentiable_like_pytorch():
    results = []
    for lib in (torch, ag):
        x = lib.tensor(X, requires_grad=True)
        H = lib.autograd.functional.hessian(lambda t: (t ** 4).sum(), x, create_graph=True)
        (H * lib.tensor(np.eye(3))).sum().backward()  # d trace(H) / dx
        results.append(x.grad.numpy())
    np.testing.assert_allclose(results[1], results[0])


@pytest.mark.parametrize("call, message", [
    (lambda F, x, y: F.jacobian(lambda a, b: a * 2, (x, y), strict=True), "independent of input 1"),
    (lambda F, x, y: F.vjp(lambda a: a * 2, x), "v can only be None"),
    (lambda F, x, y: F.hessian(lambda a: a * 2, x), "single Tensor with a single element"),
    (lambda F, x, y: F.jacobian(lambda a: 2.0, x), "must be either a Tensor or a tuple of Tensors"),
    (lambda F, x, y: F.jacobian(lambda a: a, x, strategy="forward-mode"), "vectorize=True"),
])
def test_refuses_what_pytorch_refuses(call, message):
    with pytest.raises((RuntimeError, TypeError, NotImplementedError, ValueError)):
        call(torch.autograd.functional, torch.tensor(X), torch.tensor(Y))
    with pytest.raises((RuntimeError, TypeError, NotImplementedError, ValueError), match=message):
        call(ag.autograd.functional, ag.tensor(X), ag.tensor(Y))


def test_grad_outputs_that_require_grad_stay_on_the_graph_like_pytorch():
    """grad(y, x, grad_outputs=u, create_graph=True) is differentiable in u (the double-backward trick
    behind jvp): u's graph was dropped, so d/du gave 'not used'."""
    results = []
    for lib in (torch, ag):
        x = lib.tensor([1.0, 2.0, 3.0], requires_grad=True)
        u = lib.tensor([0.5, -1.0, 2.0], requires_grad=True)
        (g,) = lib.autograd.grad(x ** 3, x, u, create_graph=True)
        g.sum().backward()
        results.append((x.grad.numpy(), u.grad.numpy()))
    for ours, theirs in zip(results[1], results[0]):
        np.testing.assert_allclose(ours, theirs)


def _backward_with_inputs(lib):
    x = lib.tensor([1.0, 2.0], requires_grad=True)
    w = lib.tensor([3.0, 4.0], requires_grad=True)
    u = lib.tensor([1.0, 1.0], requires_grad=True)
    y = (x * w).sum()
    y.backward(inputs=[x, u], retain_graph=True)  # only x's .grad; u unused: left alone
    seen = [x.grad.tolist(), w.grad, u.grad]
    m = x * w
    (m * m).sum().backward(inputs=[m])  # a non-leaf gets a .grad
    seen += [m.grad.tolist(), x.grad.tolist()]
    lib.autograd.backward([y], inputs=[w])
    a, b = lib.tensor([1.0, 2.0], requires_grad=True), lib.tensor([3.0, 4.0], requires_grad=True)
    (a + b).sum().backward(inputs=[a, b])
    a.grad.add_(10)  # two inputs given one array by the same node: each has its own
    return seen + [w.grad.tolist(), b.grad.tolist()]


def test_backward_with_inputs_like_pytorch():
    """backward(inputs=...) and autograd.backward(..., inputs=...) accumulate into those tensors only
    (Tensor.backward took no inputs; autograd.backward raised NotImplementedError)."""
    assert _backward_with_inputs(ag) == _backward_with_inputs(torch)
    with pytest.raises(RuntimeError, match="cannot be empty"):
        (ag.tensor([1.0], requires_grad=True) * 2).sum().backward(inputs=[])
