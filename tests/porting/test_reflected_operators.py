"""``2 * b`` and ``2 + b`` record the tensor first, as PyTorch's ``__rmul__``/``__radd__`` do: the
autograd tutorials walk ``y.grad_fn.next_functions[0][0]`` to reach b's node."""
import pytest

torch = pytest.importorskip("torch")  # the oracle (CI installs it)

import autograd as ag  # noqa: E402


def _edges(y):
    return [None if node is None else node.name().split("::")[-1] for node, _ in y.grad_fn.next_functions]


@pytest.mark.parametrize("expr", ["2 * b", "b * 2", "2 + b", "b + 2", "2.5 * (b * b)", "1 + b.exp()"])
def test_graph_edges_in_pytorchs_order(expr):
    ours = eval(expr, {"b": ag.ones(3, requires_grad=True)})  # noqa: S307
    theirs = eval(expr, {"b": torch.ones(3, requires_grad=True)})  # noqa: S307
    assert ours.grad_fn.name() == theirs.grad_fn.name()
    assert _edges(ours) == _edges(theirs)
