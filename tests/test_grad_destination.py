"""autograd.graph.set_grad_destination: a leaf's next gradient computed straight into a given tensor
(DistributedDataParallel's bucket slot), by the ops that can write with ``out=`` (Linear's weight).
It must change nothing but where the gradient lives: every case below is compared, bit for bit,
with the same backward without a destination."""
import numpy as np
import pytest

import autograd as ag
import nn
from autograd.graph import set_grad_destination


def layer_and_input(seed=0):
    ag.manual_seed(seed)
    layer = nn.Linear(5, 3)
    x = ag.randn(4, 5)
    return layer, x


def plain_grads(loss_of, seed=0):
    """The weight's and bias's gradients without any destination."""
    layer, x = layer_and_input(seed)
    loss_of(layer, x).backward()
    return layer.weight.grad.numpy().copy(), layer.bias.grad.numpy().copy()


def destination(layer, fill=7.0):
    """A tensor of the weight's shape, filled with garbage that must not leak into the gradient."""
    return ag.full(tuple(layer.weight.shape), fill)


def test_the_gradient_is_computed_into_the_destination_and_becomes_grad():
    want_w, want_b = plain_grads(lambda layer, x: layer(x).tanh().sum())
    layer, x = layer_and_input()
    into = destination(layer)
    version = into._version
    set_grad_destination(layer.weight, into)
    layer(x).tanh().sum().backward()
    assert layer.weight.grad is into  # no copy: the destination itself
    assert into._version > version  # changed in place: anything that saved it would refuse
    assert np.array_equal(into.numpy(), want_w) and np.array_equal(layer.bias.grad.numpy(), want_b)


def test_a_destination_serves_one_gradient_only():
    layer, x = layer_and_input()
    into = destination(layer)
    set_grad_destination(layer.weight, into)
    layer(x).sum().backward()
    first = into.numpy().copy()
    layer(x).sum().backward()  # not set again: accumulated into .grad (which is the destination) as usual
    assert layer.weight.grad is into and np.array_equal(into.numpy(), first + first)
    layer.weight.grad = None
    layer(x).sum().backward()  # not set again: a new array, the destination keeps what it had
    assert layer.weight.grad is not into and np.array_equal(into.numpy(), first + first)


def test_a_leaf_used_twice_gets_the_sum_not_one_of_its_parts():
    def twice(layer, x):
        return layer(x).sum() + (layer(x * 2) ** 2).sum()

    want_w, _ = plain_grads(twice)
    layer, x = layer_and_input()
    into = destination(layer)
    set_grad_destination(layer.weight, into)
    twice(layer, x).backward()
    assert np.allclose(layer.weight.grad.numpy(), want_w, rtol=1e-6, atol=1e-6)
    assert not np.shares_memory(layer.weight.grad.numpy(), into.numpy())  # summed into new memory


def test_an_existing_grad_is_accumulated_into_and_the_destination_left_alone():
    want_w, _ = plain_grads(lambda layer, x: layer(x).sum())
    layer, x = layer_and_input()
    layer.weight.grad = ag.ones(3, 5)
    into = destination(layer)
    set_grad_destination(layer.weight, into)
    layer(x).sum().backward()
    assert layer.weight.grad is not into and np.array_equal(layer.weight.grad.numpy(), want_w + 1)
    assert np.all(into.numpy() == 7.0)


def test_ag_grad_returns_its_own_array_and_sets_no_grad():
    want_w, _ = plain_grads(lambda layer, x: layer(x).sum())
    layer, x = layer_and_input()
    into = destination(layer)
    set_grad_destination(layer.weight, into)
    (g,) = ag.grad(layer(x).sum(), [layer.weight])
    assert layer.weight.grad is None and np.array_equal(g.numpy(), want_w)
    into.numpy()[...] = 0  # the destination is reused (DDP's next backward): ag.grad's result stays
    assert np.array_equal(g.numpy(), want_w)


def test_create_graph_keeps_the_graph_and_ignores_the_destination():
    layer, x = layer_and_input()
    (g_ref,) = ag.grad((layer(x) ** 2).sum(), [layer.weight], create_graph=True)
    (gg_ref,) = ag.grad(g_ref.sum(), [layer.weight])
    into = destination(layer)
    set_grad_destination(layer.weight, into)
    (layer(x) ** 2).sum().backward(create_graph=True)
    assert layer.weight.grad is not into and layer.weight.grad.requires_grad
    assert np.array_equal(layer.weight.grad.detach().numpy(), g_ref.detach().numpy())
    (gg,) = ag.grad(layer.weight.grad.sum(), [layer.weight])
    assert np.array_equal(gg.numpy(), gg_ref.numpy()) and np.all(into.numpy() == 7.0)


def test_a_hook_that_replaces_the_gradient_wins():
    layer, x = layer_and_input()
    into = destination(layer)
    set_grad_destination(layer.weight, into)
    layer.weight.register_hook(lambda g: g * 0 + 3)
    layer(x).sum().backward()
    assert layer.weight.grad is not into and np.all(layer.weight.grad.numpy() == 3)


def test_withdrawn_destinations_are_not_used_and_bad_ones_refused():
    layer, x = layer_and_input()
    into = destination(layer)
    set_grad_destination(layer.weight, into)
    set_grad_destination(layer.weight, None)
    layer(x).sum().backward()
    assert layer.weight.grad is not into and np.all(into.numpy() == 7.0)
    with pytest.raises(ValueError, match="shape"):
        set_grad_destination(layer.weight, ag.zeros(5, 3))
    with pytest.raises(ValueError, match="float64"):
        set_grad_destination(layer.weight, ag.zeros(3, 5, dtype=ag.float64))
    with pytest.raises(ValueError, match="non-leaf"):
        set_grad_destination(layer.weight * 2, ag.zeros(3, 5))


def test_a_destination_of_another_dtype_than_the_gradient_is_not_used():
    layer, x = layer_and_input()
    layer.double()
    into = ag.full((3, 5), 7.0, dtype=ag.float64)
    set_grad_destination(layer.weight, into)
    layer(x.double()).sum().backward()
    assert layer.weight.grad is into  # float64 all through: used
    layer.weight.grad = None
    set_grad_destination(layer.weight, into)
    with pytest.raises(RuntimeError, match="linear: mat1 and mat2 must have the same dtype"):
        layer(x)  # a float32 input to a float64 layer: refused, as PyTorch refuses it
    assert layer.weight.grad is None
