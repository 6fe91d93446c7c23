"""Who holds what in the graph (issue 14's lean hot path): a leaf owns its sink, a node does not
keep its output, retain_grad registers on the node. Each behaviour a user can see is checked
against PyTorch where PyTorch has it (tests/oracle.py), and the object counts against a reference
cycle or a leak."""
import gc
import weakref

import numpy as np
import pytest

import autograd as ag
from autograd.graph import AccumulateGrad
from autograd.viz.draw import GraphModel
from oracle import same

torch = pytest.importorskip("torch")  # the oracle (CI installs it)


def test_a_leaf_keeps_one_sink_for_every_graph():
    x = ag.tensor([1.0, 2.0], requires_grad=True)
    first = (x * 2).grad_fn.next_functions[0][0]
    second = (x * 3).grad_fn.next_functions[0][0]
    assert type(first) is AccumulateGrad and first is second and first.variable is x
    (x * 2).sum().backward()
    (x * 3).sum().backward()
    assert x.grad.tolist() == [5.0, 5.0]


def test_a_leaf_and_its_sink_form_no_reference_cycle():
    gc.disable()  # freed by reference counting alone, or not at all
    try:
        x = ag.tensor(np.ones(1000, np.float32), requires_grad=True)
        sink = weakref.ref((x * 2).grad_fn.next_functions[0][0])
        leaf = weakref.ref(x)
        (x * 2).sum().backward()
        del x
        assert leaf() is None and sink() is None
    finally:
        gc.enable()


def test_a_leaf_nothing_else_holds_is_freed_while_its_graph_lives():
    """PyTorch's graph keeps such a leaf alive; here its sink holds it weakly, so it goes at once and
    its gradient, which nothing could read, is dropped (README, differences from PyTorch). (An op
    that saves its input for backward, x * x, keeps it.)"""
    x = ag.tensor([1.0, 2.0], requires_grad=True)
    leaf = weakref.ref(x)
    y = (x + 1).sum()
    sink = y.grad_fn.next_functions[0][0].next_functions[0][0]
    del x
    assert leaf() is None and sink.variable is None
    y.backward()  # runs; the gradient for the freed leaf goes nowhere


def test_a_leaf_with_a_hook_lives_as_long_as_its_graph():
    def snippet(T):
        seen = []
        x = T.tensor([1.0, 2.0], requires_grad=True)
        x.register_hook(lambda g: seen.append(g * 1))
        y = (x * 3).sum()
        del x  # the graph keeps the hooked leaf, so the hook still runs
        y.backward()
        return seen

    assert len(same(snippet)) == 1


def test_post_accumulate_grad_hook_runs_after_the_leaf_is_dropped():
    def snippet(T):
        seen = []
        x = T.tensor([1.0, 2.0], requires_grad=True)
        x.register_post_accumulate_grad_hook(lambda t: seen.append(t.grad * 1))
        y = (x * x).sum()
        del x
        y.backward()
        return seen

    assert len(same(snippet)) == 1


def test_retain_grad_follows_the_tensor_through_an_in_place_change():
    def snippet(T):
        a = T.tensor([1.0, 2.0, 3.0], requires_grad=True)
        y = a * 2
        y.retain_grad()
        before = y.retains_grad
        y.mul_(3)
        (y * y).sum().backward()
        return y.grad, a.grad, before, y.retains_grad

    same(snippet)


@pytest.mark.filterwarnings("ignore:The .grad attribute of a Tensor that is not a leaf")  # (PyTorch's, on z.grad)
def test_retain_grad_on_one_output_does_not_retain_another():
    def snippet(T):
        a = T.tensor([1.0, -2.0], requires_grad=True)
        y, z = a * 2, a * 3
        y.retain_grad()
        (y * z).sum().backward()
        return y.grad, z.grad is None, y.retains_grad, z.retains_grad

    same(snippet)


def test_the_drawing_finds_the_outputs_still_alive():
    x = ag.randn(2, 3, requires_grad=True)
    w = ag.randn(3, 4, requires_grad=True)
    h = x @ w
    out = h.relu().sum()
    model = GraphModel(out)
    shown = {n.name(): v for n, v in model.outputs.items()}
    assert shown["MmBackward0" if "MmBackward0" in shown else "MatMulBackward0"] is h
    assert "ReluBackward0" not in shown  # its output was dropped: nothing to show
    assert shown["SumBackward0"] is out
    del model, shown, h
    assert "MatMulBackward0" not in {n.name() for n in GraphModel(out).outputs}


def test_a_big_sum_sends_back_a_view_and_the_leaf_gets_its_own_gradient():
    """From SPREAD_AS_VIEW elements on, a sum's backward hands back a broadcast view (no pass over
    memory); what reaches a leaf's .grad is still a writable array of its own, as in PyTorch."""
    from autograd.ops.reduce import SPREAD_AS_VIEW

    def snippet(T):
        x = T.ones(2, SPREAD_AS_VIEW, requires_grad=True)
        seen = []
        x.register_hook(lambda g: seen.append(float(g.sum())))
        x.sum().backward()
        (x * 3).sum(dim=1).sum().backward()
        x.grad.mul_(2)  # the accumulated gradient is the leaf's own memory
        return x.grad, seen

    same(snippet)
