"""A Value made by an op is its own graph node (autograd/scalar.py): what that keeps working."""
import gc

import pytest

import autograd as ag


def test_an_op_value_is_its_own_node_and_a_leaf_has_a_sink():
    a, b = ag.Value(2.0), ag.Value(-3.0, requires_grad=False)
    c = a * b
    assert c.grad_fn is c and c.grad_fn.name() == "MulBackward0" and not c.is_leaf
    assert a.grad_fn is None and a.is_leaf
    assert [type(n).__name__ for n, _ in c.grad_fn.next_functions] == ["AccumulateGrad", "NoneType"]
    assert c.grad_fn.next_functions[0][0].variable is a


def test_hooks_retain_grad_and_a_second_backward_on_values():
    a, b = ag.Value(2.0), ag.Value(-3.0)
    c = a * b
    seen = []
    c.register_hook(lambda g: seen.append(g) or g * 2)  # the gradient into c's node, doubled
    a.register_hook(lambda g: g + 1)  # a leaf's hook
    c.retain_grad()
    out = c.tanh()
    out.backward()
    g = 1 - out.data ** 2
    assert seen == [pytest.approx(g)]
    assert c.grad == pytest.approx(2 * g) and c.retains_grad
    assert a.grad == pytest.approx(2 * g * -3.0 + 1) and b.grad == pytest.approx(2 * g * 2.0)
    with pytest.raises(RuntimeError, match="TanhBackward0: trying to backward through the graph a second time"):
        out.backward()
    d = a * b
    d.backward(retain_graph=True)
    d.backward()  # kept once: twice is fine
    assert b.grad == pytest.approx(2 * g * 2.0 + 4.0)


def test_no_grad_and_constants_make_plain_values():
    a = ag.Value(2.0)
    with ag.no_grad():
        b = a * 3
    assert b.is_leaf and not b.requires_grad and b.grad_fn is None
    c = ag.Value(1.0, requires_grad=False) + 2
    assert c.is_leaf and not c.requires_grad and c.data == 3.0
    (b * a).backward()  # b is a constant here
    assert a.grad == 6.0 and b.grad == 0.0


def test_grad_free_functions_and_custom_functions_on_values():
    class Cube(ag.Function):
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x ** 3

        def backward(ctx, grad):  # d(x^3)/dx = 3 x^2
            (x,) = ctx.saved_tensors
            return grad * 3 * x * x

    x = ag.Value(2.0)
    y = Cube.apply(x) + ag.exp(x)  # Function.apply hands a Value to Value._apply
    assert y.grad_fn.name() == "AddBackward0"
    (g,) = ag.grad(y, x)
    assert g == pytest.approx(12.0 + 7.38905609893065) and x.grad == 0.0  # ag.grad leaves .grad alone


def test_record_ops_watch_ops_and_anomaly_see_value_ops():
    a, b = ag.Value(2.0), ag.Value(-3.0)
    with ag.record_ops() as ops:
        out = (a * b).relu() + 1
    assert [n.name() for n, _ in ops] == ["MulBackward0", "ReluBackward0", "AddBackward0"]
    assert ops[-1][1] is out and ops[-1][0] is out
    with ag.watch_ops() as calls:
        a * 2.0
    assert len(calls) == 1 and calls[0][2][1] == 2.0
    with pytest.raises(RuntimeError, match="'PowBackward0' returned nan values"):
        with ag.detect_anomaly():
            ((ag.Value(0.0) ** 0.5) * 0.0).backward()  # 0 * inf: a nan gradient


def test_a_value_and_a_tensor_do_not_mix():
    with pytest.raises(TypeError, match="mul: cannot mix a Value and a Tensor"):
        ag.Value(2.0) * ag.tensor(3.0)


def test_a_value_op_leaves_few_objects_for_the_garbage_collector():
    """The Value (its edges are in slots) and the tuple of saved floats, which the collector stops
    tracking at its first pass: one object per op lives on. micrograd's op leaves about six (the
    Value, its children set, the backward closure and its cells)."""
    w, y, n = ag.Value(1.0), ag.Value(1.0), 1000
    gc.collect()
    gc.disable()
    try:
        before = len(gc.get_objects())
        for _ in range(n):
            y = y * w
        per_op = (len(gc.get_objects()) - before) / n
        gc.collect()
        kept_per_op = (len(gc.get_objects()) - before) / n
    finally:
        gc.enable()
    assert per_op <= 2.01, per_op
    assert kept_per_op <= 1.01, kept_per_op
    y.backward()
    assert w.grad == n
