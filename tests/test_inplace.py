"""In-place semantics against PyTorch: ``op_`` methods and ``+= -= *= /=`` write into storage and bump
the version counter; views share both with their base; in-place changes inside a graph (also
through views: PyTorch's CopySlices) are recorded with PyTorch's gradients; leaves that require
grad refuse; integer tensors keep their dtype. Each snippet runs under torch and autograd (oracle.py)."""
import numpy as np
import pytest

import autograd as ag
from oracle import same

torch = pytest.importorskip("torch")  # the oracle: every snippet also runs with PyTorch (CI installs it)


# ----------------------------------------------------------------- storage, aliases, versions


def aliases_see_augmented_assignment(T):
    x = T.tensor([1.0, 2.0])
    y = x
    x += 1
    x *= 3
    x -= 0.5
    x /= 2
    x **= 2
    return y, x._version, y is x


def integer_augmented_assignment(T):
    x = T.tensor([7, -8])
    x += 2
    x *= 3
    x //= 2
    x %= 5
    return x, x.dtype, x._version


def bool_augmented_assignment(T):
    x = T.tensor([True, False, True])
    x &= T.tensor([True, True, False])
    x |= T.tensor([False, True, False])
    return x


def views_share_storage_and_version(T):
    base = T.arange(12.0)
    r = base.view(3, 4)
    t = r.t()
    row = r[1]
    col = t[2]
    n = base.narrow(0, 2, 3)
    parts = base.chunk(3)
    u = r.unsqueeze(0).squeeze(0).flatten()
    row.mul_(10)
    col.add_(1)
    n.zero_()
    parts[2][0] = -1
    u[-1] = 100
    return base, r._version, t._version, col._version, parts[1]._version, base._version


def one_element_views(T):
    x = T.arange(6.0).reshape(2, 3)
    e = x[1, 2]
    e.add_(10)
    x[0][1] = -5
    return x, e, e._version


def detach_shares_data_does_not(T):
    x = T.tensor([1.0, 2.0], requires_grad=True)
    d = x.detach()
    d.add_(1)
    x.data.mul_(2)  # .data has a version counter of its own
    return x, x._version, d._version


def non_view_ops_copy(T):
    x = T.tensor([[1.0, 2.0], [3.0, 4.0]])
    y = x[T.tensor([0, 0])]  # advanced indexing copies
    z = x.clone()
    w = x[x > 1]
    y.add_(1)
    z.add_(1)
    w.add_(1)
    return x, x._version


def setitem_variants(T):
    x = T.zeros(3, 4)
    x[0] = 1
    x[:, 1] = T.tensor([5.0, 6.0, 7.0])
    x[x > 5] = -1
    x[T.tensor([2, 2]), T.tensor([0, 3])] = 9
    x[..., -1] += 0.5
    return x, x._version


def fill_copy_zero_random(T):
    x = T.ones(2, 3)
    y = x[0]
    y.fill_(4)
    x[1].copy_(T.tensor([1.0, 2.0, 3.0]))
    x[:, 0].zero_()
    z = T.zeros(2, dtype=T.int64)
    z.copy_(T.tensor([2.7, -1.9]))
    x.uniform_(-1, 1)
    return ((x >= -1) & (x <= 1)).all(), z, x._version


def add_with_alpha(T):
    x = T.ones(2, 3)
    x.add_(T.arange(3.0), alpha=2)
    x.sub_(1, alpha=0.5)
    x.mul_(T.tensor([[2.0], [3.0]]))
    x.div_(4)
    return x


PLAIN = [aliases_see_augmented_assignment, integer_augmented_assignment, bool_augmented_assignment,
         views_share_storage_and_version, one_element_views, detach_shares_data_does_not, non_view_ops_copy,
         setitem_variants, fill_copy_zero_random, add_with_alpha]


@pytest.mark.parametrize("snippet", PLAIN, ids=lambda f: f.__name__)
def test_storage_and_versions_match_pytorch(snippet):
    same(snippet)


# ----------------------------------------------------------------- dtypes and shapes


def int_add_float(T):
    T.tensor([1, 2]).add_(0.5)


def int_iadd_float(T):
    x = T.tensor([1, 2])
    x += 0.5


def int_div(T):
    x = T.tensor([4, 6])
    x /= 2


def int_exp(T):
    T.tensor([1, 2]).exp_()


def bool_add_int(T):
    T.tensor([True]).add_(1)


def short_add_double(T):
    T.zeros(2, dtype=T.int16).add_(T.ones(2, dtype=T.float64))


def float_keeps_dtype(T):
    x = T.zeros(2)
    x += T.ones(2, dtype=T.float64)
    y = T.zeros(2, dtype=T.int32)
    y += T.ones(2, dtype=T.int64)
    z = T.zeros(2, dtype=T.int64)
    z.copy_(T.tensor([1.7, -2.5]))
    z[0] = 9.9
    return x, x.dtype, y, y.dtype, z, z.dtype


def broadcast_into_smaller(T):
    T.zeros(3).add_(T.ones(2, 3))


def expanded_write(T):
    T.zeros(1).expand(3).add_(1)


DTYPES = [int_add_float, int_iadd_float, int_div, int_exp, bool_add_int, short_add_double, float_keeps_dtype,
          broadcast_into_smaller, expanded_write]


@pytest.mark.parametrize("snippet", DTYPES, ids=lambda f: f.__name__)
def test_dtypes_and_shapes_match_pytorch(snippet):
    same(snippet)


def test_errors_speak_pytorch_and_name_the_op():
    with pytest.raises(RuntimeError, match=r"add_: result type Float can't be cast to the desired output type Long"):
        ag.tensor([1, 2]).add_(0.5)
    with pytest.raises(RuntimeError, match=r"div_: result type Float can't be cast to the desired output type Long"):
        x = ag.tensor([4, 6])
        x /= 2
    with pytest.raises(RuntimeError, match=r"add_: output with shape \[3\] doesn't match the broadcast shape \[2, 3\]"):
        ag.zeros(3).add_(ag.ones(2, 3))
    with pytest.raises(RuntimeError, match="add_: unsupported operation: more than one element"):
        ag.zeros(1).expand(3).add_(1)
    x = ag.tensor([1, 2])
    with pytest.raises(RuntimeError):
        x.add_(0.5)
    assert x.tolist() == [1, 2] and x._version == 0  # refused before anything changed


# ----------------------------------------------------------------- leaves


def leaf_in_place(T):
    w = T.tensor([1.0, 2.0], requires_grad=True)
    w.add_(1)


def leaf_augmented(T):
    w = T.tensor([1.0, 2.0], requires_grad=True)
    w *= 2


def view_of_leaf(T):
    w = T.tensor([1.0, 2.0], requires_grad=True)
    w[0].mul_(2)


def setitem_on_leaf(T):
    w = T.tensor([1.0, 2.0], requires_grad=True)
    w[0] = 5


def masked_setitem_on_leaf(T):
    w = T.tensor([1.0, 2.0], requires_grad=True)
    w[w > 1] = 5


def view_taken_under_no_grad(T):
    w = T.tensor([1.0, 2.0], requires_grad=True)
    y = w * 2
    with T.no_grad():
        v = y[:1]
    v.mul_(2)


def leaf_under_no_grad(T):
    w = T.tensor([1.0, 2.0], requires_grad=True)
    with T.no_grad():
        w -= 0.1 * T.tensor([1.0, 1.0])
        w.add_(T.ones(2), alpha=-0.5)
        w[0] = 3
        w.grad = T.ones(2)
        w.grad.zero_()
    return w, w._version, w.requires_grad, w.is_leaf, w.grad


def views_of_a_leaf_taken_under_no_grad(T):
    """A view taken under no_grad of a tensor that requires grad reads requires_grad=True, a leaf (a copy taken
    under no_grad does not), but no gradient reaches it: ops on it are recorded, their backward reaches nothing."""
    w = T.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    with T.no_grad():
        row, flat, t, copied, picked = w[0], w.view(4), w.t(), w.t().reshape(4), w[[0, 1]]
        of_view, windows = row[1:], w.view(4).unfold(0, 3, 1)  # (overlapping windows: an as_strided view)
    flags = [(x.requires_grad, x.is_leaf, x.grad_fn is None) for x in (row, flat, t, copied, picked, of_view, windows)]
    y = flat * T.arange(4.0)
    flags.append((y.requires_grad, y.grad_fn is None, y.grad_fn.next_functions[0][0] is None))
    y.sum().backward()
    (row[:1] * 2 + w[1]).sum().backward()  # (w gets its gradient through w[1] only)
    return [b for three in flags for b in three] + [flat.grad is None, row.grad is None, w.grad]


def backward_from_a_view_taken_under_no_grad(T):
    w = T.tensor([1.0, 2.0], requires_grad=True)
    with T.no_grad():
        v = w[:1]
    v.backward(T.ones(1))


def grad_of_a_view_taken_under_no_grad(T):
    w = T.tensor([1.0, 2.0], requires_grad=True)
    with T.no_grad():
        v = w[:1]
    out = (v * 2 + w[1:]).sum()
    unused = T.autograd.grad(out, [v, w], allow_unused=True, retain_graph=True)
    try:
        T.autograd.grad(out, v)
    except RuntimeError as err:
        refused = "not have been used" in str(err) or "was not used" in str(err)
    return [unused[0] is None, unused[1], refused]


def view_of_a_leaf_taken_under_no_grad_changed_in_place(T):
    w = T.tensor([1.0, 2.0], requires_grad=True)
    with T.no_grad():
        v = w[:1]
    v.mul_(2)


def view_of_a_leaf_taken_and_changed_under_no_grad(T):
    w = T.tensor([1.0, 2.0], requires_grad=True)
    with T.no_grad():
        v = w[:1]
        v.mul_(2)
    return w, v, v.requires_grad, w._version


def data_set_to_integers_on_a_tensor_that_requires_grad(T):
    w = T.tensor([1.0, 2.0], requires_grad=True)
    w.data = T.tensor([1, 2])


def data_set_to_a_number(T):
    w = T.tensor([1.0, 2.0])
    w.data = 3.0


def data_set_to_another_dtype_and_shape(T):
    w, plain = T.tensor([1.0, 2.0], requires_grad=True), T.tensor([1.0])
    w.data = T.tensor([[1.0, 2.0, 3.0]], dtype=T.float64)
    plain.data = T.tensor([7, 8])
    (w * 2).sum().backward()
    return w, w.grad, plain, w.requires_grad


def setitem_out_of_range_on_a_leaf(T):  # (PyTorch's IndexError comes before its leaf error)
    w = T.tensor(0.0, requires_grad=True)
    w[T.tensor([0, -1])] = 2


def grad_of_a_tensor_whose_past_was_changed_in_place(T):
    """autograd.grad runs only the nodes between the outputs and its inputs: exp's saved output, changed in
    place by sub_, is behind x1, so the gradient with respect to x1 needs it not; a hook behind x1 does not run."""
    x0 = T.tensor([0.0, 1.0, 2.0], requires_grad=True)
    calls = []
    x0.register_hook(lambda g: calls.append("x0"))
    x1 = x0.exp()
    x1.sub_(2)
    x2 = x1 * 3
    x2.register_hook(lambda g: calls.append("x2"))
    loss = (x0 * T.tensor([1.0, 2.0, 3.0])).sum() + (x2 * x2).sum()
    (g1,) = T.autograd.grad(loss, [x1], retain_graph=True)
    (g2,) = T.autograd.grad(loss, [x2], create_graph=True)
    return g1, g2, calls


LEAVES = [grad_of_a_tensor_whose_past_was_changed_in_place, data_set_to_integers_on_a_tensor_that_requires_grad, data_set_to_a_number, data_set_to_another_dtype_and_shape,
          setitem_out_of_range_on_a_leaf, leaf_in_place, leaf_augmented, view_of_leaf, setitem_on_leaf, masked_setitem_on_leaf,
          view_taken_under_no_grad, leaf_under_no_grad, views_of_a_leaf_taken_under_no_grad,
          view_of_a_leaf_taken_under_no_grad_changed_in_place, view_of_a_leaf_taken_and_changed_under_no_grad,
          backward_from_a_view_taken_under_no_grad, grad_of_a_view_taken_under_no_grad]


@pytest.mark.parametrize("snippet", LEAVES, ids=lambda f: f.__name__)
def test_leaves_that_require_grad_match_pytorch(snippet):
    same(snippet)


def test_leaf_error_is_pytorchs_message():
    w = ag.tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(RuntimeError, match="a leaf Variable that requires grad is being used in an in-place operation"):
        w += 1
    with pytest.raises(RuntimeError, match="a view of a leaf Variable that requires grad is being used in an in-place"):
        w[1] = 0
    assert w.tolist() == [1.0, 2.0] and w._version == 0


# ----------------------------------------------------------------- inside a graph


def relu_in_place(T):
    x = T.tensor([-1.0, 2.0, -3.0, 4.0], requires_grad=True)
    y = x * 2
    y.relu_()
    (y * y).sum().backward()
    return y, x.grad, y.grad_fn.name()


def chain_of_in_place(T):
    x = T.tensor([0.5, -1.0, 2.0], requires_grad=True)
    y = x * 1
    y.mul_(3).add_(1).exp_().sub_(x).clamp_(max=5.0).sigmoid_().tanh_()
    y.sum().backward()
    return y, x.grad


def in_place_saving_itself(T):
    x = T.tensor([1.0, 2.0, 3.0], requires_grad=True)
    y = x * 1
    y.mul_(x)  # PyTorch keeps the original y for x's gradient
    y.pow_(2)
    y.sum().backward()
    return y, x.grad


def plain_tensor_joins_graph(T):
    w = T.tensor([1.0, 2.0], requires_grad=True)
    acc = T.zeros(2)
    acc += w * 3
    acc.mul_(w)
    acc.sum().backward()
    return acc, w.grad, acc.is_leaf, acc.requires_grad


def setitem_in_graph(T):
    x = T.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], requires_grad=True)
    z = x * 2
    z[1] = 0
    z[:, 0].mul_(x[:, 1])
    z[0, 2] = x[1, 2] ** 2
    (z ** 2).sum().backward()
    return z, x.grad, z._version


def build_by_assignment(T):
    w = T.tensor([1.0, -2.0, 0.5], requires_grad=True)
    out = T.zeros(3, 2)
    for i in range(3):
        out[i] = T.stack([w[i] * 2, w[i] ** 2])
    out.sum().backward()
    return out, w.grad


def advanced_setitem_in_graph(T):
    x = T.tensor([1.0, 2.0, 3.0, 4.0], requires_grad=True)
    v = T.tensor([5.0, 6.0], requires_grad=True)
    z = x * 2
    z[T.tensor([0, 3])] = v * v
    z[z > 7] = 0
    (z * T.arange(4.0)).sum().backward()
    return z, x.grad, v.grad


def views_follow_their_base(T):
    x = T.tensor([1.0, 2.0, 3.0], requires_grad=True)
    z = x * 2
    head = z[0:2]
    z.mul_(3)  # head's grad_fn follows (AsStrided in PyTorch)
    (head * head).sum().backward()
    return head, x.grad


def write_through_view_reaches_base(T):
    x = T.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    z = x * 1
    t = z.t()
    t[0, 1] = 10
    r = z.view(4)
    r.add_(x.view(4))
    z.transpose(0, 1)[1].mul_(3)
    (z * z).sum().backward()
    return z, t, r, x.grad


def narrow_and_split_writes(T):
    x = T.arange(1.0, 7.0).requires_grad_()
    y = x * 1
    y.narrow(0, 1, 2).mul_(5)
    y.unsqueeze(0)[0, 4].sub_(x[0])
    (y * y).sum().backward()
    return y, x.grad


def base_gains_grad_its_view_follows(T):
    acc = T.zeros(3)
    head = acc[:2]
    w = T.ones(1, requires_grad=True)
    acc.add_(w * 2)
    (head * 5).sum().backward()
    return w.grad, head.requires_grad, acc.grad_fn is not None


def copy_and_fill_in_graph(T):
    x = T.tensor([1.0, 2.0, 3.0], requires_grad=True)
    s = T.tensor(4.0, requires_grad=True)
    y = x * 2
    y[:2].copy_(x[1:] * x[1:])
    y[2:].fill_(s)
    z = x * 3
    z.zero_()
    z.add_(x)
    (y * y).sum().add(z.sum()).backward()
    return y, x.grad, s.grad


def retain_grad_sees_latest_value(T):
    x = T.tensor([1.0, 2.0], requires_grad=True)
    y = x * 2
    y.retain_grad()
    y.mul_(3)
    y.sum().backward()
    return y.grad, x.grad


def saved_output_then_changed(T):
    x = T.tensor([1.0, 2.0], requires_grad=True)
    y = x.exp()
    y.add_(1)
    y.sum().backward()


def saved_input_changed_through_view(T):
    x = T.tensor([1.0, 2.0, 3.0], requires_grad=True)
    y = x * 2
    z = y * y
    y[0].fill_(0)
    z.sum().backward()


def saved_output_kept_when_base_changes_elsewhere(T):
    x = T.tensor([1.0, 2.0, 3.0], requires_grad=True)
    y = x * 2
    s = y.sigmoid()
    y[0] = 7  # sigmoid saved its own output, not y
    (s.sum() + y.sum()).backward()
    return x.grad


def double_backward_through_in_place(T):
    x = T.tensor([0.5, 1.5, -2.0], requires_grad=True)
    y = x * 1
    y.mul_(x)
    y.exp_()
    y[1] = x[0] ** 3
    g, = T.autograd.grad(y.sum(), x, create_graph=True)
    g.pow(2).sum().backward()
    return g, x.grad


def inplace_activations_in_sequential(T, inplace=True, between=False):
    T.manual_seed(0)
    nn = T.nn
    lin1, lin2 = nn.Linear(3, 4), nn.Linear(4, 2)
    with T.no_grad():
        lin1.weight.copy_(T.tensor([[0.1, -0.2, 0.3], [0.4, 0.5, -0.6], [-0.7, 0.8, 0.9], [0.2, 0.1, -0.3]]))
        lin1.bias.copy_(T.tensor([0.1, -0.1, 0.2, -0.2]))
        lin2.weight.copy_(T.tensor([[0.3, -0.1, 0.2, 0.5], [-0.4, 0.6, 0.1, -0.2]]))
        lin2.bias.zero_()
    acts = [nn.ELU(inplace=inplace), nn.LeakyReLU(0.1, inplace=inplace), nn.SiLU(inplace=inplace),
            nn.Hardtanh(-0.2, 0.2, inplace=inplace)]
    if between:  # something between the in-place activations, so that none overwrites another's output
        acts = [layer for act in acts for layer in (act, _times(T, 1.5))]
    model = nn.Sequential(lin1, nn.ReLU(inplace=inplace), lin2, *acts)
    out = model(T.tensor([[1.0, -2.0, 0.5], [0.3, 0.2, -1.0]]))
    out.sum().backward()
    return out, lin1.weight.grad, lin2.bias.grad


def _times(T, k):
    class Times(T.nn.Module):
        def forward(self, x):
            return x * k

    return Times()


def inplace_activations_one_after_another_op(T):
    return inplace_activations_in_sequential(T, between=True)


GRAPH = [relu_in_place, chain_of_in_place, in_place_saving_itself, plain_tensor_joins_graph, setitem_in_graph,
         build_by_assignment, advanced_setitem_in_graph, views_follow_their_base, write_through_view_reaches_base,
         narrow_and_split_writes, base_gains_grad_its_view_follows, copy_and_fill_in_graph,
         retain_grad_sees_latest_value, saved_output_then_changed, saved_input_changed_through_view,
         saved_output_kept_when_base_changes_elsewhere, double_backward_through_in_place,
         inplace_activations_one_after_another_op]


@pytest.mark.parametrize("snippet", GRAPH, ids=lambda f: f.__name__)
def test_in_place_inside_a_graph_matches_pytorch(snippet):
    same(snippet, rtol=1e-5, atol=1e-6)


def test_a_tensor_times_itself_in_place_gets_the_right_gradient():
    """PyTorch refuses z.mul_(z) in a graph (z, saved for its own gradient, is overwritten); here
    the saved operand is kept as it was, so the gradient is right: d(x^2)/dx = 2x."""
    x = ag.tensor([1.0, 2.0, 3.0], requires_grad=True)
    z = x * 1
    z *= z
    z.sum().backward()
    assert z.tolist() == [1.0, 4.0, 9.0] and x.grad.tolist() == [2.0, 4.0, 6.0]
    assert z.grad_fn.name() == "MulBackward0"


def test_in_place_activations_in_a_row_get_the_right_gradient():
    """PyTorch refuses nn.LeakyReLU(inplace=True) followed by nn.SiLU(inplace=True) (the second
    overwrites the output the first saved); here an in-place activation's graph reads a copy of its
    input, so the chain works and gives PyTorch's numbers without inplace."""
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        inplace_activations_in_sequential(torch)
    ours = inplace_activations_in_sequential(ag)
    theirs = inplace_activations_in_sequential(torch, inplace=False)
    for a, b in zip(ours, theirs):
        np.testing.assert_allclose(a.detach().numpy(), b.detach().numpy(), rtol=1e-5, atol=1e-6)


def test_copy_slices_gradients_pass_gradcheck():
    def f(x, v):
        z = x * 1
        z[1:, ::2] = v.exp()
        z.t()[0].mul_(v[0, 1])
        return z * z

    x = ag.randn(3, 4, dtype=ag.float64, requires_grad=True)
    v = ag.randn(2, 2, dtype=ag.float64, requires_grad=True)
    assert ag.gradcheck(f, (x, v))


def test_in_place_ops_are_drawn_and_stepped():
    x = ag.tensor([1.0, -2.0, 3.0], requires_grad=True)

    def loss():
        z = x * 2
        z[0] = 0
        z.relu_()
        return (z * z).sum()

    names = [step.node.name() for step in ag.viz.Stepper(loss, params={"x": x}) if step.phase == "backward"]
    assert "CopySlices" in names and "ReluBackward0" in names
    assert x.grad.tolist() == [0.0, 0.0, 24.0]
    dot = ag.viz.draw_graph(loss(), params={"x": x}).source
    assert "CopySlices" in dot


# ----------------------------------------------------------------- the fast path under no_grad


def test_optimizer_style_updates_write_in_place_without_a_graph():
    p = ag.randn(64, 32, requires_grad=True)
    p.grad = ag.randn(64, 32)
    storage, grad_storage = p.detach().numpy(), p.grad.numpy()
    want = (storage - 0.2 * grad_storage) * 0.5
    with ag.no_grad():
        p -= 0.1 * p.grad
        p.add_(p.grad, alpha=-0.1)
        p.mul_(0.5)
        p.grad.zero_()
    assert np.shares_memory(p.detach().numpy(), storage) and np.shares_memory(p.grad.numpy(), grad_storage)
    np.testing.assert_allclose(storage, want, rtol=1e-6, atol=1e-7)
    assert p._version == 3 and p.grad._version == 1 and p.is_leaf and p.grad_fn is None
    assert not grad_storage.any()


def test_in_place_update_values_equal_the_out_of_place_formula():
    p = ag.tensor([1.0, 2.0, 3.0], requires_grad=True)
    g = ag.tensor([0.5, -1.0, 2.0])
    with ag.no_grad():
        p -= 0.1 * g
        p.add_(g, alpha=-0.1)
        p.mul_(2)
        p.div_(4)
    np.testing.assert_allclose(p.detach().numpy(), (np.array([1.0, 2.0, 3.0]) - 0.2 * g.numpy()) / 2, rtol=1e-6)


# ----------------------------------------------------------------- watchers (the ONNX exporter)


def test_exported_models_see_in_place_changes(tmp_path):
    """The exporter watches ops: an in-place change is shown to it as the op that computed the new
    value, with the changed tensor as its output (else ReLU(inplace=True) vanished from the file)."""
    ort = pytest.importorskip("onnxruntime")  # the exported file runs in onnxruntime (an optional extra)
    import nn
    from seegrad.export import ExportError, export_onnx

    class InPlace(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc1, self.fc2 = nn.Linear(3, 4), nn.Linear(4, 2)

        def forward(self, x):
            h = self.fc1(x)
            h.relu_()
            h += 1
            h *= 2
            return self.fc2(h)

    class Assigns(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc = nn.Linear(3, 4)

        def forward(self, x):
            h = self.fc(x)
            h[:, 0] = 0
            return h

    x = ag.randn(5, 3)
    for model in (nn.Sequential(nn.Linear(3, 4), nn.ReLU(inplace=True), nn.Linear(4, 2)), InPlace(),
                  nn.Sequential(nn.Linear(3, 4), nn.LeakyReLU(0.2, inplace=True))):
        export_onnx(model, ag.randn(4, 3), tmp_path / "m.onnx")
        session = ort.InferenceSession(str(tmp_path / "m.onnx"), providers=["CPUExecutionProvider"])
        with ag.no_grad():
            want = model(x).numpy()
        np.testing.assert_allclose(session.run(None, {"input": x.numpy()})[0], want, rtol=1e-5, atol=1e-6)
    with pytest.raises(ExportError, match="CopySlices"):  # not exportable: said, not silently dropped
        export_onnx(Assigns(), ag.randn(4, 3), tmp_path / "m.onnx")


@pytest.mark.parametrize("code", [
    "t.clone().add_(300)", "t.clone().mul_(-3)", "t.clone().sub_(-3)", "t.clone().fill_(-3)",
    "t.clone().__ior__(-3)", "t.clone().__iand__(-3)", "t.clone().__ixor__(260)", "t.clone().bitwise_or_(-3)",
])
def test_an_int_beyond_an_integer_tensors_range_wraps_in_place_like_pytorch(code):
    """uint8 += -3 wraps around (3 - 3 = 0, 2 - 3 = 255), as the out-of-place ops and PyTorch do (it raised
    numpy's OverflowError); |= and the other augmented bitwise operators go through the same front."""
    results = []
    for lib in (torch, ag):
        out = eval(code, {"t": lib.tensor([3, 2, 5], dtype=lib.uint8)})  # noqa: S307
        results.append((out.tolist(), str(out.dtype).replace("torch.", "")))
    assert results[1] == results[0]


def test_assigning_an_int_beyond_the_range_wraps_like_pytorch():
    for lib in (torch, ag):
        t = lib.tensor([3, 2, 5], dtype=lib.uint8)
        t[0] = -3
        t += -3
        assert t.tolist() == [250, 255, 2]


def test_bool_to_an_int_power_is_int64_like_pytorch():
    for expr in ("t ** 2", "t.pow(3)", "torch.pow(t, 2)"):
        ours = eval(expr, {"t": ag.tensor([True, False]), "torch": ag})  # noqa: S307
        theirs = eval(expr, {"t": torch.tensor([True, False]), "torch": torch})  # noqa: S307
        assert str(ours.dtype) == "int64" == str(theirs.dtype).replace("torch.", "") and ours.tolist() == theirs.tolist()


@pytest.mark.parametrize("code", ["x.flip(0)", "x.flip(1)", "x.fliplr()", "x.flipud()", "x.flip(0, 1)", "x.roll(1, 0)", "x.roll(0, 0)", "x.roll(3)",
                                  "x.repeat(1, 1)", "x.repeat(1, 1, 1)", "x[:1].repeat(2, 1)", "x[:, :1].repeat(1, 3)",
                                  "x.reshape(-1)[:1].repeat(4)", "x.repeat(2, 1)", "x.tile((1,))", "x.ravel()", "x.T.ravel()",
                                  "x.T", "x[0]", "x[:, 1:]", "x.reshape(3, 2)", "x.permute(1, 0)", "x.unsqueeze(0)",
                                  "x.detach()", "x.clone()", "x.abs()"])
def test_a_change_through_an_ops_result_reaches_the_input_exactly_when_it_does_in_pytorch(code):
    """A view shares storage with its input, a copy does not: flip returned numpy's reversed view, so
    flipped.add_(1) changed the original, which PyTorch's flip (a copy) never does."""
    shared = []
    for lib in (torch, ag):
        x = lib.arange(6.0).reshape(2, 3)
        eval(code, {"x": x}).add_(100)  # noqa: S307
        shared.append(float(x.sum()) != 15.0)
    assert shared[1] == shared[0]


# ----------------------------------------------------------------- einsum of one operand: a view, as PyTorch's


def einsum_transpose_changed_in_place(T):
    x = T.arange(6.0).reshape(2, 3)
    y = T.einsum("ij->ji", x)
    y.mul_(2)
    return x, y, x._version, y._version


def einsum_diagonal_changed_in_place_inside_a_graph(T):
    a = T.arange(9.0).reshape(3, 3).requires_grad_()
    b = a * 1
    T.einsum("ii->i", b).mul_(2)
    (b * T.arange(9.0).reshape(3, 3)).sum().backward()
    return b, a.grad


def einsum_view_changed_after_its_operand_was_saved(T):
    a = T.arange(4.0).reshape(2, 2).requires_grad_()
    b = a * 1
    c = b * b  # saves b
    T.einsum("ij->ji", b).mul_(2)
    c.sum().backward()  # PyTorch refuses: b changed through the view
    return a.grad


def einsum_contraction_is_not_a_view(T):
    x = T.arange(6.0).reshape(2, 3)
    y = T.einsum("ij->i", x)
    y.mul_(2)
    return x, y


@pytest.mark.parametrize("snippet", [einsum_transpose_changed_in_place, einsum_diagonal_changed_in_place_inside_a_graph,
                                     einsum_view_changed_after_its_operand_was_saved,
                                     einsum_contraction_is_not_a_view])
def test_einsum_of_one_operand_is_a_view_as_in_pytorch(snippet):
    """numpy's einsum answers 'ij->ji' and 'ii->i' with a view, and so does PyTorch's: the output shares the
    operand's storage and version counter. Here it shared the storage only, so a change through it went
    unseen by what a graph had saved of the operand: a silent wrong gradient where PyTorch refuses."""
    same(snippet)
