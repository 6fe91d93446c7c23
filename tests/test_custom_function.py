"""Custom Functions written PyTorch's way (``class F(torch.autograd.Function)`` with static forward and
backward on Tensors, called as ``F.apply``), each snippet run under PyTorch and under autograd."""
import numpy as np
import pytest

import autograd as ag
from oracle import same

torch = pytest.importorskip("torch")  # the oracle: every snippet also runs with PyTorch (CI installs it)


def legendre(T):
    """The tutorial's LegendrePolynomial3 ("Learning PyTorch with Examples")."""

    class LegendrePolynomial3(T.autograd.Function):
        @staticmethod
        def forward(ctx, input):
            ctx.save_for_backward(input)
            return 0.5 * (5 * input ** 3 - 3 * input)

        @staticmethod
        def backward(ctx, grad_output):
            input, = ctx.saved_tensors
            return grad_output * 1.5 * (5 * input ** 2 - 1)

    return LegendrePolynomial3


def exp_saving_output(T):
    class Exp(T.autograd.Function):
        @staticmethod
        def forward(ctx, i):
            result = i.exp()
            ctx.save_for_backward(result)
            return result

        @staticmethod
        def backward(ctx, grad_output):
            result, = ctx.saved_tensors
            return grad_output * result

    return Exp


def tutorial_function(T):
    x = T.tensor([0.5, -0.3, 1.2], requires_grad=True)
    y = legendre(T).apply(x)
    (y * y).sum().backward()
    return y, x.grad, y.grad_fn.name(), y.requires_grad, y.is_leaf


def double_backward(T):
    x = T.tensor([0.5, -0.3, 1.2], requires_grad=True)
    y = exp_saving_output(T).apply(x * 2)
    z = legendre(T).apply(y)
    g, = T.autograd.grad(z.sum(), x, create_graph=True)
    g.sum().backward()
    return z, g, x.grad


def several_outputs_and_constants(T):
    class ScaleAndSquare(T.autograd.Function):
        @staticmethod
        def forward(ctx, x, scale, w, label):
            ctx.scale, ctx.label = scale, label
            ctx.save_for_backward(x, w)
            return x * scale + w, x * x, label.upper()

        @staticmethod
        def backward(ctx, g_scaled, g_square, g_label):
            x, w = ctx.saved_tensors
            assert ctx.needs_input_grad == (True, False, True, False)
            return g_scaled * ctx.scale + 2 * x * g_square, None, g_scaled, None

    x = T.tensor([1.0, -2.0], requires_grad=True)
    w = T.tensor([0.5, 0.5], requires_grad=True)
    a, b, label = ScaleAndSquare.apply(x, 3.0, w, "ok")
    (a * b).sum().backward()
    return a, b, label, x.grad, w.grad


def one_output_unused(T):
    class Pair(T.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x * 2, x * 3

        @staticmethod
        def backward(ctx, g1, g2):
            return g1 * 2 + g2 * 3  # g2 arrives as zeros: materialized

    x = T.tensor([1.0, 2.0], requires_grad=True)
    a, _ = Pair.apply(x)
    a.sum().backward()
    return x.grad


def grads_not_materialized(T):
    seen = []

    class Pair(T.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.set_materialize_grads(False)
            return x * 2, x * 3

        @staticmethod
        def backward(ctx, g1, g2):
            seen.append((g1 is None, g2 is None))
            return (g1 * 2 if g1 is not None else 0) + (g2 * 3 if g2 is not None else 0)

    x = T.tensor([1.0, 2.0], requires_grad=True)
    a, _ = Pair.apply(x)
    a.sum().backward()
    return x.grad, seen


def non_differentiable_output(T):
    class SortValues(T.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            order = T.tensor(sorted(range(len(x)), key=lambda i: x[i].item()))
            values = x[order]
            ctx.mark_non_differentiable(order)
            ctx.save_for_backward(order)
            return values, order

        @staticmethod
        def backward(ctx, g_values, g_order):
            order, = ctx.saved_tensors
            grad = T.zeros_like(g_values)
            grad[order] = g_values
            return grad

    x = T.tensor([3.0, 1.0, 2.0], requires_grad=True)
    values, order = SortValues.apply(x)
    (values * T.tensor([1.0, 10.0, 100.0])).sum().backward()
    return values, order, order.requires_grad, x.grad


def dirty_input(T):
    class MulTwoInPlace(T.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            x.mul_(2)
            ctx.mark_dirty(x)
            return x

        @staticmethod
        def backward(ctx, grad):
            return grad * 2

    a = T.tensor([1.0, 2.0], requires_grad=True)
    x = a * 1
    y = MulTwoInPlace.apply(x)
    (y * y).sum().backward()
    return y, y is x, x._version, a.grad


def broadcast_gradient_is_summed(T):
    class AddBias(T.autograd.Function):
        @staticmethod
        def forward(ctx, x, b):
            return x + b

        @staticmethod
        def backward(ctx, grad):
            return grad, grad  # b's gradient still has x's shape: summed back to (3,)

    x = T.ones(2, 3, requires_grad=True)
    b = T.zeros(3, requires_grad=True)
    (AddBias.apply(x, b) * T.arange(6.0).view(2, 3)).sum().backward()
    return x.grad, b.grad


def too_few_gradients(T):
    class Bad(T.autograd.Function):
        @staticmethod
        def forward(ctx, x, y):
            return x * y

        @staticmethod
        def backward(ctx, grad):
            return grad

    x = T.ones(2, requires_grad=True)
    Bad.apply(x, T.ones(2, requires_grad=True)).sum().backward()


def wrong_gradient_shape(T):
    class Bad(T.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2

        @staticmethod
        def backward(ctx, grad):
            return T.ones(5)

    Bad.apply(T.ones(2, requires_grad=True)).sum().backward()


def saved_input_changed(T):
    x = T.tensor([0.5, 1.0], requires_grad=True)
    h = x * 1
    y = legendre(T).apply(h)
    h.add_(1)
    y.sum().backward()


def backward_twice(T):
    x = T.tensor([0.5, 1.0], requires_grad=True)
    y = legendre(T).apply(x).sum()
    y.backward()
    y.backward()


def hooks_on_custom_outputs(T):
    seen = []
    x = T.tensor([0.5, 1.0], requires_grad=True)
    x.register_hook(lambda g: seen.append(g.tolist()))
    y = legendre(T).apply(x)
    y.register_hook(lambda g: g * 10)
    y.retain_grad()
    (y * 2).sum().backward()
    return x.grad, y.grad, seen


def no_grad_needed(T):
    y = legendre(T).apply(T.tensor([0.5, 1.0]))
    with T.no_grad():
        z = legendre(T).apply(T.tensor([0.5, 1.0], requires_grad=True))
    return y, y.requires_grad, y.grad_fn is None, z.requires_grad


def setup_context_style(T):
    class Mul(T.autograd.Function):
        @staticmethod
        def forward(x, y):
            return x * y

        @staticmethod
        def setup_context(ctx, inputs, output):
            ctx.save_for_backward(*inputs)

        @staticmethod
        def backward(ctx, grad):
            x, y = ctx.saved_tensors
            return grad * y, grad * x

    x, y = T.tensor([2.0, 3.0], requires_grad=True), T.tensor([4.0, 5.0], requires_grad=True)
    Mul.apply(x, y).sum().backward()
    return x.grad, y.grad


SNIPPETS = [tutorial_function, double_backward, several_outputs_and_constants, one_output_unused,
            grads_not_materialized, non_differentiable_output, dirty_input, broadcast_gradient_is_summed,
            too_few_gradients, wrong_gradient_shape, saved_input_changed, backward_twice, hooks_on_custom_outputs,
            no_grad_needed, setup_context_style]


@pytest.mark.parametrize("snippet", SNIPPETS, ids=lambda f: f.__name__)
def test_custom_functions_match_pytorch(snippet):
    same(snippet)


def test_gradcheck_and_once_differentiable():
    Legendre = legendre(ag)
    assert ag.gradcheck(Legendre.apply, (ag.tensor([0.3, -0.7, 1.1], dtype=ag.float64, requires_grad=True),))

    class Square(ag.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x * x

        @staticmethod
        @ag.autograd.function.once_differentiable
        def backward(ctx, grad):
            x, = ctx.saved_tensors
            assert not ag.is_grad_enabled()
            return 2 * x * grad

    x = ag.tensor([1.0, 3.0], requires_grad=True)
    Square.apply(x).sum().backward()
    assert x.grad.tolist() == [2.0, 6.0]


def test_the_older_ag_function_spelling_is_the_same_custom_function():
    """Code written against this project's ``ag.Function`` PyTorch's way (a static forward on Tensors)
    is a custom Function too; the engine's own ops subclass ag.Function with forward on arrays."""

    class Cube(ag.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x ** 3

        @staticmethod
        def backward(ctx, grad):
            x, = ctx.saved_tensors
            return 3 * x * x * grad

    x = ag.tensor([1.0, 2.0], requires_grad=True)
    y = Cube.apply(x)
    y.sum().backward()
    assert y.grad_fn is not None and y.grad_fn.name() == "CubeBackward"
    assert x.grad.tolist() == [3.0, 12.0] and isinstance(y, ag.Tensor)


def test_custom_function_in_the_stepper_and_the_drawing():
    Legendre = legendre(ag)
    x = ag.tensor([0.5, -0.3], requires_grad=True)
    frames = list(ag.viz.Stepper(lambda: (Legendre.apply(x) * 2).sum(), params={"x": x}))
    backward = [f for f in frames if f.phase == "backward"]
    assert [f.node.name() for f in backward][:3] == ["SumBackward0", "MulBackward0", "LegendrePolynomial3Backward"]
    assert "LegendrePolynomial3.backward" in str(backward[2])
    np.testing.assert_allclose(x.grad.numpy(), 2 * 1.5 * (5 * np.array([0.5, -0.3]) ** 2 - 1), rtol=1e-6)
    assert "LegendrePolynomial3Backward" in ag.viz.draw_graph(Legendre.apply(x).sum()).source
