"""PyTorch's autograd semantics: accumulation, retain_graph, hooks, grad mode, errors."""
import gc

import re
import warnings

import numpy as np
import pytest

import autograd as ag
from autograd.function import _FREED


def test_gradients_accumulate_across_backward_calls():
    x = ag.tensor([1.0, 2.0], requires_grad=True)
    (x * x).sum().backward()
    (x * 3).sum().backward()
    assert x.grad.tolist() == [5.0, 7.0]


def test_non_leaf_grad_is_none_unless_retained():
    x = ag.tensor([1.0, 2.0], requires_grad=True)
    y = x * 2
    z = y * y
    y.retain_grad()
    w = x + 1
    (z.sum() + w.sum()).backward()
    assert y.grad.tolist() == [4.0, 8.0]
    assert w.grad is None and w.grad_fn is not None and not w.is_leaf
    assert y.retains_grad and not w.retains_grad


def test_second_backward_needs_retain_graph():
    x = ag.tensor([1.0, 2.0], requires_grad=True)
    y = (x * x).sum()
    y.backward(retain_graph=True)
    y.backward()
    assert x.grad.tolist() == [4.0, 8.0]
    with pytest.raises(RuntimeError, match="MulBackward0.*second time.*retain_graph=True"):
        y.backward()
    assert x.grad.tolist() == [4.0, 8.0]  # untouched by the failed call


def test_saved_buffers_are_freed_by_backward():
    x = ag.tensor([1.0, 2.0], requires_grad=True)
    y = x.exp()
    node = y.grad_fn
    y.sum().backward()
    assert node._saved is _FREED


def test_backward_on_non_scalar_needs_gradient():
    x = ag.tensor([1.0, 2.0], requires_grad=True)
    y = x * 2
    with pytest.raises(RuntimeError, match="only for scalar outputs.*shape \\(2,\\)"):
        y.backward()
    y.backward(ag.tensor([1.0, 10.0]))
    assert x.grad.tolist() == [2.0, 20.0]
    with pytest.raises(ValueError, match="gradient has shape \\(3,\\)"):
        (x * 2).backward(ag.ones(3))


def test_backward_on_tensor_without_grad_explains():
    with pytest.raises(RuntimeError, match="does not require grad"):
        ag.tensor([1.0]).sum().backward()


def test_only_floating_tensors_can_require_grad():
    with pytest.raises(RuntimeError, match="floating-point.*int64"):
        ag.tensor([1, 2], requires_grad=True)
    assert ag.tensor([1, 2]).dtype == ag.int64


def test_no_grad_enable_grad_and_decorator():
    x = ag.tensor([1.0], requires_grad=True)
    with ag.no_grad():
        assert not ag.is_grad_enabled()
        y = x * 2
        with ag.enable_grad():
            z = x * 2
    assert ag.is_grad_enabled()
    assert not y.requires_grad and y.grad_fn is None and z.requires_grad

    @ag.no_grad()
    def f(t):
        return t * 2

    assert not f(x).requires_grad and ag.is_grad_enabled()
    with ag.set_grad_enabled(False):
        assert not (x * 1).requires_grad


def test_grad_returns_tuple_and_leaves_grad_alone():
    x = ag.tensor(2.0, requires_grad=True)
    y = ag.tensor(3.0, requires_grad=True)
    u = ag.tensor(1.0, requires_grad=True)
    out = x * x * y
    gx, gy = ag.grad(out, (x, y), retain_graph=True)
    assert gx.item() == 12.0 and gy.item() == 4.0 and x.grad is None
    with pytest.raises(RuntimeError, match="allow_unused=True"):
        ag.grad(out, [x, u], retain_graph=True)
    assert ag.grad(out, [x, u], allow_unused=True)[1] is None


def test_second_derivatives_with_create_graph():
    x = ag.tensor([0.5, -1.0, 2.0], dtype=ag.float64, requires_grad=True)
    y = (x ** 3).sum() + x.tanh().sum()
    (g,) = ag.grad(y, x, create_graph=True)
    t = np.tanh(x.detach().numpy())
    np.testing.assert_allclose(g.detach().numpy(), 3 * x.detach().numpy() ** 2 + 1 - t ** 2)
    (h,) = ag.grad(g.sum(), x)
    np.testing.assert_allclose(h.numpy(), 6 * x.detach().numpy() - 2 * t * (1 - t ** 2))


@pytest.mark.parametrize("fn", [
    lambda x: (x.sigmoid() * x.exp()).sum(),
    lambda x: x.softmax(-1)[..., 0].sum() + x.log_softmax(0).sum() * 0.5,
    lambda x: (x @ x.T).logsumexp(1).sum(),
    lambda x: (x[[0, 0, 1]] * x[1]).sum() + x.max() + x.var(),
    lambda x: (x / (x * x + 1)).sum() + (x.abs() ** 1.5).sum(),
    lambda x: x.prod(1).sum() + x.prod(),
])
def test_grad_of_grad_matches_central_differences(fn):
    x0 = np.array([[0.3, -0.7, 1.1], [0.9, 0.2, -1.3]])

    def first_derivative(x):
        (g,) = ag.grad(fn(x), x, create_graph=True)
        return g

    assert ag.gradcheck(first_derivative, (ag.tensor(x0, requires_grad=True),), atol=1e-4)


def test_backward_with_create_graph_keeps_grad_differentiable():
    x = ag.tensor(3.0, dtype=ag.float64, requires_grad=True)
    (x ** 3).backward(create_graph=True)
    assert x.grad.requires_grad and x.grad.item() == 27.0
    (g2,) = ag.grad(x.grad, x)
    assert g2.item() == 18.0


def test_hooks_see_and_replace_gradients():
    x = ag.tensor([1.0, 2.0], requires_grad=True)
    y = x * 3
    seen = []
    y.register_hook(lambda g: seen.append(g.tolist()))
    handle = x.register_hook(lambda g: g * 10)
    y.sum().backward()
    assert seen == [[1.0, 1.0]] and x.grad.tolist() == [30.0, 30.0]
    handle.remove()
    x.grad = None
    (x * 3).sum().backward()
    assert x.grad.tolist() == [3.0, 3.0]


def test_inplace_change_of_saved_tensor_is_detected():
    a = ag.tensor([1.0, 2.0], requires_grad=True)
    b = a * 1  # non-leaf
    c = b.exp()  # saves its output
    d = b * b  # saves b
    with ag.no_grad():
        b.mul_(2)
    with pytest.raises(RuntimeError, match="modified by an in-place operation.*version 1; expected version 0"):
        (c.sum() + d.sum()).backward()
    assert a.grad is None  # no half-updated .grad


def test_inplace_on_leaf_requiring_grad_needs_no_grad():
    w = ag.tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(RuntimeError, match="leaf tensor that requires grad.*no_grad"):
        w.add_(1)
    with ag.no_grad():
        w.sub_(ag.tensor([0.5, 0.5]))
    assert w.tolist() == [0.5, 1.5] and w._version == 1


def test_inplace_on_non_leaf_is_recorded():
    x = ag.tensor([1.0, 2.0], requires_grad=True)
    y = x * 1
    y.mul_(3)
    y.add_(1)
    y.sum().backward()
    assert x.grad.tolist() == [3.0, 3.0] and y.tolist() == [4.0, 7.0]


def test_setitem_only_without_grad():
    t = ag.zeros(3)
    t[1] = 5.0
    assert t.tolist() == [0.0, 5.0, 0.0]
    w = ag.zeros(3, requires_grad=True)
    with pytest.raises(RuntimeError, match="setitem"):
        w[0] = 1.0


def test_data_shares_storage_and_detach():
    w = ag.tensor([1.0, 2.0], requires_grad=True)
    w.data.mul_(2)
    assert w.tolist() == [2.0, 4.0] and not w.data.requires_grad
    d = w.detach()
    assert not d.requires_grad and np.shares_memory(d.numpy(), w.detach().numpy())
    with pytest.raises(RuntimeError, match="detach\\(\\).numpy\\(\\)"):
        w.numpy()


def _anomaly(lib, case):
    """What detect_anomaly does with a nan or an inf, forward or backward: 'ok' or the op it names."""
    x = lib.tensor([0.0, 1.0], requires_grad=True)
    try:
        with lib.autograd.detect_anomaly(check_nan=case != "not checked"):
            if case == "inf forward":
                loss = (x.log() * 0).sum()  # log(0) = -inf, masked by * 0: backward's 0 * inf is nan
            elif case == "nan forward":
                loss = ((x - 1).sqrt() * 0).sum()
            elif case == "inf gradient":
                loss = x.sqrt().sum()  # d sqrt/dx at 0 is inf: not an anomaly for PyTorch
            else:
                loss = (x.sqrt() * 0).sum()  # 0 * inf: a nan gradient
            loss.backward()
    except RuntimeError as err:
        return re.search(r"Function '(\w+)' returned nan values in its 0th output", str(err)).group(1)
    return "ok"


@pytest.mark.parametrize("case", ["inf forward", "nan forward", "inf gradient", "nan gradient", "not checked"])
def test_detect_anomaly_like_pytorch(case):
    """As PyTorch's: forward values are not checked, a nan gradient raises naming its op, an infinite
    one does not, and check_nan=False checks nothing. (It raised at any nan or inf, forward too: a masked
    log(0), fine in PyTorch, stopped the program.)"""
    torch = pytest.importorskip("torch")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # (PyTorch warns that anomaly mode slows things down)
        assert _anomaly(ag, case) == _anomaly(torch, case)


def test_detect_anomaly_says_where_the_op_was_created():
    x = ag.tensor([0.0, 1.0], requires_grad=True)
    with ag.detect_anomaly():
        y = (x.sqrt() * 0).sum()
        with pytest.raises(RuntimeError, match=r"(?s)'SqrtBackward0' returned nan values.*test_autograd_semantics"):
            y.backward()
    assert x.grad is None


def test_shape_errors_name_op_and_shapes():
    with pytest.raises(ValueError, match=r"matmul: \(3, 4\) @ \(5, 2\): inner dimensions 4 and 5 differ"):
        ag.ones(3, 4) @ ag.ones(5, 2)
    with pytest.raises(RuntimeError, match=r"add: inputs of shapes \(3, 4\) and \(5,\)"):
        ag.ones(3, 4) + ag.ones(5)
    with pytest.raises(ValueError, match=r"reshape: shape \(2, 3\).*\(4,\)"):
        ag.ones(2, 3).reshape(4)
    with pytest.raises(ValueError, match=r"cat: tensor 1 has shape \(2, 3\)"):
        ag.cat([ag.ones(2, 2), ag.ones(2, 3)])


def test_dtypes_follow_pytorch():
    assert ag.tensor([1.0, 2.0]).dtype == ag.float32
    assert ag.tensor(np.array([1.0])).dtype == ag.float64
    assert (ag.tensor([1, 2]) / 2).dtype == ag.float32
    assert ag.tensor([True]).dtype == ag.bool
    assert (ag.ones(2) > 0).dtype == ag.bool
    assert ag.arange(3).dtype == ag.int64 and ag.arange(0.0, 1.0, 0.5).dtype == ag.float32
    x = ag.ones(2, dtype=ag.float64, requires_grad=True)
    (x.float() * 2).sum().backward()
    assert x.grad.dtype == ag.float64


def test_repr_like_pytorch():
    assert repr(ag.tensor([1.0, 2.0])) == "tensor([1., 2.])"
    assert repr(ag.tensor([0.5], requires_grad=True)) == "tensor([0.5000], requires_grad=True)"
    assert "grad_fn=<MulBackward0>" in repr(ag.tensor([1.0], requires_grad=True) * 2)
    assert repr(ag.tensor([1, 2])) == "tensor([1, 2])"


def test_grad_fn_graph_structure():
    a = ag.tensor([1.0], requires_grad=True)
    b = ag.tensor([2.0])
    y = a * b
    assert y.grad_fn.name() == "MulBackward0"
    (node, _), (none, _) = y.grad_fn.next_functions
    assert node.name() == "torch::autograd::AccumulateGrad" and node.variable is a and none is None  # (PyTorch's)
    assert repr(node).startswith("<AccumulateGrad object at 0x")


def test_reductions_accept_numpy_spelling():
    x = ag.arange(6.0).reshape(2, 3)
    assert x.sum(axis=1, keepdims=True).shape == (2, 1)
    assert x.mean(dim=0).tolist() == [1.5, 2.5, 3.5]
    values, indices = x.max(dim=1)
    assert values.tolist() == [2.0, 5.0] and indices.tolist() == [2, 2]


@pytest.mark.slow
def test_million_op_chain_backpropagates_without_recursion_error():
    # The objects the test session holds (PyTorch, Keras, earlier tests' leftovers) are set aside while the
    # chain is built: each full pass of the cyclic collector visits every live object, so in a long session
    # they made this test ~10x slower than in a fresh interpreter (what a user's script pays).
    gc.collect()
    gc.freeze()
    try:
        x = ag.tensor(1.0, dtype=ag.float64, requires_grad=True)
        y = x
        for _ in range(1_000_000):
            y = y * 1.0000001
        y.backward()
        assert x.grad.item() == pytest.approx(1.0000001 ** 1_000_000, rel=1e-6)
        del y
    finally:
        gc.unfreeze()
    gc.collect()


# ----------------------------------------------------------------- the scalar engine


def test_value_matches_micrograd_sanity_check():
    x = ag.Value(-4.0)
    z = 2 * x + 2 + x
    q = z.relu() + z * x
    h = (z * z).relu()
    y = h + q + q * x
    y.backward()
    assert y.data == pytest.approx(-20.0) and x.grad == pytest.approx(46.0)


def test_value_more_ops_against_tensor_engine():
    def run(a, b):
        c = a + b
        d = a * b + b ** 3
        c = c + c + 1
        c = c + 1 + c + (-a)
        d = d + d * 2 + (b + a).relu()
        d = d + 3 * d + (b - a).relu()
        e = c - d
        f = e ** 2
        g = f / 2.0
        g = g + 10.0 / f
        return g

    a, b = ag.Value(-4.0), ag.Value(2.0)
    g = run(a, b)
    g.backward()
    ta = ag.tensor(-4.0, dtype=ag.float64, requires_grad=True)
    tb = ag.tensor(2.0, dtype=ag.float64, requires_grad=True)
    tg = run(ta, tb)
    tg.backward()
    assert g.data == pytest.approx(tg.item()) == pytest.approx(24.70408163265306)
    assert a.grad == pytest.approx(ta.grad.item()) == pytest.approx(138.83381924198252)
    assert b.grad == pytest.approx(tb.grad.item()) == pytest.approx(645.5772594752186)


def test_value_shares_the_graph_core():
    a, b = ag.Value(2.0), ag.Value(-3.0)
    out = (a * b).tanh()
    assert out.grad_fn.name() == "TanhBackward0"
    steps = [s.node.name() for s in ag.backward_steps([out.grad_fn], [1.0])]
    assert steps == ["TanhBackward0", "MulBackward0"] + ["torch::autograd::AccumulateGrad"] * 2
    assert a.grad == pytest.approx(-3 * (1 - np.tanh(-6.0) ** 2))


def test_value_exp_log_sigmoid():
    x = ag.Value(0.5)
    y = x.exp().log() + x.sigmoid()
    y.backward()
    s = 1 / (1 + np.exp(-0.5))
    assert y.data == pytest.approx(0.5 + s) and x.grad == pytest.approx(1 + s * (1 - s))


def test_a_paused_backward_walk_leaves_grad_mode_alone():
    x = ag.tensor([1.0, 2.0], requires_grad=True)
    steps = ag.backward_steps([(x * x).sum().grad_fn], [np.float32(1.0)])
    next(steps)
    assert ag.is_grad_enabled() and (x * 2).requires_grad  # the user's code between steps records
    for _ in steps:
        pass
    assert x.grad.tolist() == [2.0, 4.0]


def test_create_graph_with_a_vector_seed():
    x = ag.tensor([1.0, 2.0, 3.0], dtype=ag.float64, requires_grad=True)

    def first_derivative(t):  # y = (sum t^2) * t is a vector: seed it with ones
        y = (t * t).sum(0, keepdim=True) * t
        return ag.grad(y, t, grad_outputs=ag.ones(3, dtype=ag.float64), create_graph=True)[0]

    g = first_derivative(x)  # d/dt_j sum_i (S t_i) = 2 t_j sum_i t_i + S
    np.testing.assert_allclose(g.detach().numpy(), 2 * x.detach().numpy() * 6 + 14)
    assert g.requires_grad and ag.gradcheck(first_derivative, (x,))


def test_floor_division_and_remainder_follow_python_signs():
    a, b = ag.tensor([7, -7, 7]), ag.tensor([2, 2, -2])
    assert (a // b).tolist() == [3, -4, -4] and (a % b).tolist() == [1, 1, -1] and (a % 2).dtype == ag.int64
    x = ag.tensor([5.5, -5.5], requires_grad=True)
    y = x % 2.0
    assert y.tolist() == [1.5, 0.5] and (x // 2).tolist() == [2.0, -3.0]
    y.sum().backward()  # d(x mod c)/dx = 1, as in PyTorch
    assert x.grad.tolist() == [1.0, 1.0]
    assert ag.tensor([0.4, 1.6]).round().tolist() == [0.0, 2.0] and ag.ceil(ag.tensor([0.2])).item() == 1.0
