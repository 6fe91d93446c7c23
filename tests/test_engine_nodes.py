"""Who holds what in the graph (issue 14's lean hot path): a leaf owns its sink, a node does not
keep its output, retain_grad registers on the node. Each behaviour a user can see is checked
against PyTorch where PyTorch has it (tests/oracle.py), and the object counts against a reference
cycle or a leak."""
import copy
import gc
import pickle
import weakref

import numpy as np
import pytest

import autograd as ag
from autograd.graph import AccumulateGrad
from autograd.viz.draw import GraphModel
from oracle import same

torch = pytest.importorskip("torch")  # the oracle (CI installs it)


def test_a_leaf_has_one_sink_while_a_graph_uses_it():
    x = ag.tensor([1.0, 2.0], requires_grad=True)
    y, z = x * 2, x * 3
    sink = y.grad_fn.next_functions[0][0]
    assert type(sink) is AccumulateGrad and sink is z.grad_fn.next_functions[0][0] and sink.variable is x
    (y.sum() + z.sum()).backward()
    assert x.grad.tolist() == [5.0, 5.0]


def test_a_leaf_and_its_sink_form_no_reference_cycle():
    gc.disable()  # freed by reference counting alone, or not at all
    try:
        x = ag.tensor(np.ones(1000, np.float32), requires_grad=True)
        y = (x * 2).sum()
        sink, leaf = weakref.ref(y.grad_fn.next_functions[0][0].next_functions[0][0]), weakref.ref(x)
        y.backward()
        del x
        assert leaf() is not None  # the graph (y) keeps its leaf, as in PyTorch
        del y
        assert leaf() is None and sink() is None
    finally:
        gc.enable()


def test_a_graph_keeps_its_leaves_alive_as_in_pytorch():
    def snippet(T):
        x = T.tensor([1.0, 2.0], requires_grad=True)
        leaf = weakref.ref(x)
        y = (x + 1).sum()  # (an op that saves nothing)
        del x
        alive = leaf() is not None
        y.backward()
        return alive, leaf().grad

    same(snippet)


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
    assert shown["MmBackward0"] is h
    assert "ReluBackward0" not in shown  # its output was dropped: nothing to show
    assert shown["SumBackward0"] is out
    del model, shown, h
    assert "MmBackward0" not in {n.name() for n in GraphModel(out).outputs}


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


def test_a_deep_copied_leaf_has_its_own_sink():
    """The copy's gradient goes to the copy, never to the leaf it was copied from (the sink, which a
    leaf keeps, is not copied along), with requires_grad and .grad copied as PyTorch does."""
    def snippet(T):
        x = T.tensor([1.0, 2.0], requires_grad=True)
        loss = (x * 2).sum()
        loss.backward()  # (loss keeps its graph, and so x's sink, alive during the copy)
        y = copy.deepcopy(x)
        copied = y.grad * 1, y.requires_grad, y.is_leaf
        x.grad, y.grad = None, None
        (y * 3).sum().backward()
        return x.grad is None, y.grad, copied

    same(snippet)


def test_deepcopy_of_a_tensor_made_by_an_op_is_refused_as_in_pytorch():
    def snippet(T):
        x = T.tensor([1.0, 2.0], requires_grad=True)
        return copy.deepcopy(x * 2)

    with pytest.raises(RuntimeError, match="deepcopy: only tensors created explicitly"):
        ag.Tensor.__deepcopy__(ag.tensor([1.0], requires_grad=True) * 2, {})
    same(snippet)


def test_a_deep_copied_model_trains_on_its_own():
    def snippet(T):
        T.manual_seed(0)
        model = T.nn.Linear(3, 1)
        model(T.ones(2, 3)).sum().backward()
        twin = copy.deepcopy(model)
        model.zero_grad()
        twin.zero_grad()
        twin(T.ones(2, 3)).sum().backward()
        return model.weight.grad is None, twin.weight.grad

    torch.manual_seed(0)
    same(snippet)


def test_pickled_tensors_are_leaves_without_grad_as_in_pytorch():
    def snippet(T):
        x = T.tensor([1.0, 2.0], requires_grad=True)
        loss = (x * 2).sum()
        loss.backward()  # (its graph, and x's sink, alive while pickling)
        y, z = pickle.loads(pickle.dumps(x)), pickle.loads(pickle.dumps(x * 2))
        (y * 5).sum().backward()
        return y.grad, y.is_leaf, z, z.requires_grad, z.is_leaf, x.grad

    same(snippet)


def test_a_copied_or_pickled_graph_of_values_backpropagates_into_its_own_leaves():
    a, b = ag.Value(2.0), ag.Value(3.0)
    c = a * b + a
    for twin in (copy.deepcopy(c), pickle.loads(pickle.dumps(c))):
        twin.backward()
        product, sink_a = twin._edges
        copied_a, copied_b = sink_a.variable, product._edges[1].variable
        assert product._edges[0] is sink_a  # one sink per copied leaf
        assert copied_a is not a and (copied_a.grad, copied_b.grad) == (4.0, 2.0)
        assert (a.grad, b.grad) == (0.0, 0.0)  # the originals are untouched
    c.backward()
    assert (a.grad, b.grad) == (4.0, 2.0)


def _node_hooks(lib):
    """PyTorch's Node hooks: register_hook(fn(grad_inputs, grad_outputs)) after the node runs, which may
    replace grad_inputs; register_prehook(fn(grad_outputs)) before it; both on a leaf's sink too."""
    x = lib.tensor([1.0, 2.0, 3.0], requires_grad=True)
    w = lib.tensor([0.5, -1.0, 2.0], requires_grad=True)
    y = x * w
    z = y.exp()
    seen = []
    z.grad_fn.register_hook(lambda gi, go: seen.append(("post", len(gi), len(go))) or (gi[0] * 2,))
    y.grad_fn.register_prehook(lambda go: (go[0] + 1,))
    sink = y.grad_fn.next_functions[0][0]
    sink.register_prehook(lambda go: seen.append(("sink pre", np.round(go[0].tolist(), 2).tolist())))
    sink.register_hook(lambda gi, go: seen.append(("sink post", len(gi), np.round(go[0].tolist(), 2).tolist())))
    removed = y.grad_fn.register_hook(lambda gi, go: (gi[0] * 0, gi[1] * 0))
    removed.remove()
    z.sum().backward()
    return np.round(x.grad.tolist(), 2).tolist(), np.round(w.grad.tolist(), 2).tolist(), seen


def test_node_hooks_like_pytorch():
    """A grad_fn's register_hook was a pre-hook taking the gradient alone (the tensor hook's form):
    PyTorch's node hook takes (grad_inputs, grad_outputs), so its code raised TypeError here."""
    assert _node_hooks(ag) == _node_hooks(torch)


def test_a_leaf_keeps_one_sink_across_graphs_and_hooks_on_it_go_with_their_graph():
    """A leaf Tensor keeps its sink from graph to graph (it is not made again for every step), yet what a
    user sees is PyTorch's: hooks registered on a sink last as long as the sink is held, by a graph or by
    the user, and a later graph without them gets a sink without the hooks."""
    def snippet(T):
        seen = []
        x = T.tensor([1.0, 2.0], requires_grad=True)
        y = (x * 2).sum()
        y.grad_fn.next_functions[0][0].next_functions[0][0].register_prehook(lambda go: seen.append("dropped"))
        y.backward()
        del y  # the graph, and with it the hooked sink, is gone
        (x * 3).sum().backward()  # a new sink: the hook does not run
        z = (x * 4).sum()
        kept = z.grad_fn.next_functions[0][0].next_functions[0][0]
        kept.register_prehook(lambda go: seen.append("kept"))
        z.backward()
        del z
        (x * 5).sum().backward()  # the user still holds the hooked sink: the graph uses it again
        return seen, x.grad

    assert same(snippet)[0] == ["dropped", "kept", "kept"]


def test_sinks_of_leaves_used_in_many_graphs_hold_no_memory():
    """The leaf's sink outlives each graph: nothing of a graph (a gradient, a saved array) stays on it."""
    gc.disable()
    try:
        x = ag.tensor(np.ones(4, np.float32), requires_grad=True)
        for _ in range(3):
            big = ag.tensor(np.ones((1000, 4), np.float32))
            (big * x).sum().backward()
        alive = weakref.ref(big)
        del big
        assert alive() is None  # freed by reference counting: the sink kept none of the graph
        sink = x._node()
        assert type(sink) is AccumulateGrad and sink._edges == () and sink.variable is x
        assert x.grad.tolist() == [3000.0] * 4
    finally:
        gc.enable()


def test_a_temporary_leaf_is_freed_with_its_graph_by_reference_counting():
    """An input made with requires_grad=True in every step (saliency maps, adversarial examples) keeps
    its sink, and the sink refers back weakly: no reference cycle holds the input's memory until the
    collector runs."""
    gc.disable()
    try:
        w = ag.tensor(np.ones(4, np.float32), requires_grad=True)
        for _ in range(3):
            x = ag.tensor(np.ones((256, 4), np.float32), requires_grad=True)
            (x * w).sum().backward()
            sink = weakref.ref(x._node())
            leaf = weakref.ref(x)
            del x
            assert leaf() is None and sink() is None
    finally:
        gc.enable()


def test_a_sink_the_user_holds_keeps_its_leaf_as_in_pytorch():
    def snippet(T):
        x = T.tensor([1.0, 2.0], requires_grad=True)
        x.grad = None
        sink = (x * 2).grad_fn.next_functions[0][0]
        leaf = weakref.ref(x)
        del x
        return leaf() is sink.variable, sink.variable * 1, type(sink).__name__

    same(snippet)
    gc.disable()  # and no cycle: dropping the sink frees the leaf
    try:
        x = ag.tensor([1.0], requires_grad=True)
        sink, leaf = (x * 2).grad_fn.next_functions[0][0], weakref.ref(x)
        del x
        assert leaf() is not None
        del sink
        assert leaf() is None
    finally:
        gc.enable()


def test_a_read_only_grad_is_replaced_not_written_and_a_second_step_adds_into_the_new_one():
    """The walk adds into a .grad in place; a read-only one (a user's frozen numpy array, an expanded
    tensor) is refused by numpy before any write, and the walk then gives the leaf a new .grad."""
    frozen = np.zeros(3, dtype=np.float32)
    frozen.setflags(write=False)
    for held in (ag.from_numpy(frozen), ag.zeros(1).expand(3)):
        w = ag.ones(3, requires_grad=True)
        w.grad = held
        (w * 2).sum().backward()
        assert w.grad.tolist() == [2.0, 2.0, 2.0] and w.grad is not held
        (w * 3).sum().backward()
        assert w.grad.tolist() == [5.0, 5.0, 5.0]
    assert frozen.tolist() == [0.0, 0.0, 0.0]
