"""optim.Muon and optim.SparseAdam, and the sparse gradient of nn.Embedding(sparse=True) that SparseAdam reads,
compared with PyTorch 2.13 (torch.optim.Muon, torch.optim.SparseAdam, torch.nn.Embedding(sparse=True)).

Muon: many steps of ours and PyTorch's from the same weights on the same gradients, float32 and float64, for
every option (nesterov, momentum under and over 1/2 (PyTorch's lerp changes form there), weight decay, both
lr adjustments, other Newton-Schulz coefficients, steps and eps, tall, wide and square matrices). PyTorch runs
the Newton-Schulz iteration in bfloat16 (emulated here): the momentum buffers agree to the dtype's rounding,
and the weights to a few bfloat16 steps (2^-8 relative) of the update per step, where float32 sums added in
another order round a bfloat16 entry the other way (on small matrices they agree to the bit: checked). Also
its state_dict (PyTorch's keys; a run begun in PyTorch continued here) and its refusals, in PyTorch's words.

SparseAdam: steps on sparse gradients with repeated and absent rows (torch.sparse_coo_tensor, as a user
assigns them), every option; the rows a gradient leaves out unchanged, moments too; PyTorch's refusals.
nn.Embedding(sparse=True): the gradient's indices, values, size and layout as PyTorch's (uncoalesced, in input
order, padding_idx left out), accumulated over two backward calls, and added to a dense gradient (a weight
used twice), seen by hooks and returned by autograd.grad; other optimizers refuse a sparse gradient in PyTorch's
words.
"""
import numpy as np
import pytest

import autograd as ag
import nn
import optim
from optim.muon import zeropower_via_newtonschulz

torch = pytest.importorskip("torch")  # the oracle
torch.set_num_threads(1)
pytestmark = pytest.mark.filterwarnings("ignore:Sparse invariant checks")  # (PyTorch's, on each sparse tensor made)

BF16_STEP = 2.0 ** -7  # one bfloat16 step for a value in [1, 2): an orthogonalised update's entries are below 1.5


def _torch_muon_vs_ours(shape, dtype, steps, kw, seed=0):
    """(PyTorch's, ours) after ``steps`` Muon steps on the same random gradients: weights and momentum buffers."""
    rng = np.random.default_rng(seed)
    w0 = rng.standard_normal(shape).astype(dtype)
    grads = [rng.standard_normal(shape).astype(dtype) for _ in range(steps)]
    tp = torch.nn.Parameter(torch.from_numpy(w0.copy()))
    topt = torch.optim.Muon([tp], **kw)
    p = ag.tensor(w0.copy(), requires_grad=True)
    opt = optim.Muon([p], **kw)
    for g in grads:
        tp.grad = torch.from_numpy(g.copy())
        topt.step()
        p.grad = ag.tensor(g.copy())
        opt.step()
    theirs = tp.detach().numpy(), topt.state[tp]["momentum_buffer"].numpy()
    ours = p.detach().numpy(), opt.state[p]["momentum_buffer"].numpy()
    return theirs, ours, w0


MUON_CASES = [
    dict(),
    dict(lr=0.02),
    dict(lr=0.02, nesterov=False),
    dict(lr=0.02, momentum=0.3),  # (lerp weights over 1/2: PyTorch's other form)
    dict(lr=0.02, momentum=0.0, nesterov=False),
    dict(lr=0.05, weight_decay=0.5),
    dict(lr=0.05, adjust_lr_fn="original", weight_decay=0.0),
    dict(lr=0.05, adjust_lr_fn="match_rms_adamw"),
    dict(lr=0.02, ns_steps=2, ns_coefficients=(2.0, -1.5, 0.5), eps=1e-3),
    dict(lr=0.02, ns_steps=0),
]


@pytest.mark.parametrize("kw", MUON_CASES, ids=lambda kw: "-".join(f"{k}={v}" for k, v in kw.items()) or "defaults")
@pytest.mark.parametrize("shape", [(6, 4), (4, 6), (5, 5), (48, 32)])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_muon_steps_as_torch(kw, shape, dtype):
    steps = 12
    (want_p, want_b), (got_p, got_b), w0 = _torch_muon_vs_ours(shape, dtype, steps, kw)
    assert got_p.dtype == got_b.dtype == dtype
    tight = dict(rtol=1e-5, atol=1e-6) if dtype == np.float32 else dict(rtol=1e-12, atol=1e-13)
    np.testing.assert_allclose(got_b, want_b, **tight)  # (no bfloat16 on the way: the dtype's rounding only)
    lr = kw.get("lr", 1e-3)
    rows, cols = shape
    adjusted = lr * (0.2 * max(rows, cols) ** 0.5 if kw.get("adjust_lr_fn") == "match_rms_adamw"
                     else max(1, rows / cols) ** 0.5)
    moved = np.abs(want_p - w0).max()
    assert moved > steps * adjusted * 0.05  # (the weights did move: the comparison below is not trivially met)
    np.testing.assert_allclose(got_p, want_p, rtol=0, atol=steps * adjusted * BF16_STEP * 2 + tight["atol"])
    if max(shape) <= 6:  # a small matrix: each bfloat16 sum rounds as PyTorch's, the weights agree to the dtype
        np.testing.assert_allclose(got_p, want_p, **tight)


@pytest.mark.parametrize("shape", [(3, 7), (7, 3), (16, 16), (40, 24)])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_newton_schulz_as_torch(shape, dtype):
    """The orthogonalisation alone: PyTorch's _zeropower_via_newtonschulz (bfloat16) against ours, entry by
    entry within a bfloat16 step (to the bit on small matrices), and about orthogonal (singular values ~ 1)."""
    from torch.optim._muon import _zeropower_via_newtonschulz

    g = np.random.default_rng(1).standard_normal(shape).astype(dtype)
    coefficients = (3.4445, -4.7750, 2.0315)
    want = _zeropower_via_newtonschulz(torch.from_numpy(g), coefficients, 5, 1e-7).float().numpy()
    got = zeropower_via_newtonschulz(g, coefficients, 5, 1e-7)
    assert got.dtype == np.float32 and got.shape == shape
    assert np.array_equal(got.view(np.uint32) & 0xFFFF, np.zeros(shape, np.uint32))  # bfloat16 values
    np.testing.assert_allclose(got, want, rtol=0, atol=BF16_STEP)
    if max(shape) <= 7:
        np.testing.assert_array_equal(got, want)
    singular = np.linalg.svd(got.astype(np.float64), compute_uv=False)
    assert 0.5 < singular.min() and singular.max() < 1.5


def test_muon_bfloat16_rounding_as_torch():
    """The rounding under it: float32 values to bfloat16, ties to even, inf and NaN kept, as PyTorch's cast."""
    from optim.muon import bfloat16

    x = np.array([1.0, 1 + 2 ** -8, 1 + 3 * 2 ** -8, 1 + 2 ** -8 + 2 ** -20, -2.5e-3, 3.4e38, np.inf, -np.inf, np.nan,
                  1e-40, 0.0, -0.0], dtype=np.float32)
    want = torch.from_numpy(x).bfloat16().float().numpy()
    np.testing.assert_array_equal(bfloat16(x), want)


def test_muon_state_dict_as_torch_and_round_trip():
    """The saved groups carry PyTorch's keys and values; the state its momentum_buffer; a run begun in PyTorch
    (its state dict loaded here) goes on as PyTorch's; our own dict loaded into a fresh Muon goes on alike."""
    rng = np.random.default_rng(3)
    w0 = rng.standard_normal((5, 3))
    grads = [rng.standard_normal((5, 3)) for _ in range(6)]
    kw = dict(lr=0.03, weight_decay=0.2, momentum=0.8, adjust_lr_fn="match_rms_adamw")
    tp = torch.nn.Parameter(torch.from_numpy(w0.copy()))
    topt = torch.optim.Muon([tp], **kw)
    for g in grads[:3]:
        tp.grad = torch.from_numpy(g.copy())
        topt.step()
    p = ag.tensor(tp.detach().numpy().copy(), requires_grad=True)
    opt = optim.Muon([p], **kw)
    opt.load_state_dict(topt.state_dict())
    ours, theirs = opt.state_dict(), topt.state_dict()
    assert ours["param_groups"] == [dict(g) for g in theirs["param_groups"]]
    assert list(ours["state"][0]) == list(theirs["state"][0]) == ["momentum_buffer"]
    p2 = ag.tensor(p.detach().numpy().copy(), requires_grad=True)
    opt2 = optim.Muon([p2], lr=1.0)
    opt2.load_state_dict(opt.state_dict())
    assert opt2.param_groups[0]["ns_coefficients"] == topt.param_groups[0]["ns_coefficients"]
    for g in grads[3:]:
        tp.grad = torch.from_numpy(g.copy())
        topt.step()
        for q, o in ((p, opt), (p2, opt2)):
            q.grad = ag.tensor(g.copy())
            o.step()
    for q in (p, p2):
        np.testing.assert_allclose(q.detach().numpy(), tp.detach().numpy(), rtol=1e-12, atol=1e-13)


def _message(make):
    with pytest.raises(Exception) as caught:
        make()
    return type(caught.value), str(caught.value)


@pytest.mark.parametrize("call", [
    "Muon([w], lr=-1.0)", "Muon([w], momentum=-0.5)", "Muon([w], weight_decay=-0.1)",
    "Muon([w], adjust_lr_fn='sqrt')", "Muon([b])", "Muon([w, b])",
])
def test_muon_refusals_in_torch_s_words(call):
    results = []
    for lib, mod in ((torch, torch.optim), (ag, optim)):
        names = {"Muon": mod.Muon, "w": lib.zeros(3, 4, requires_grad=True), "b": lib.zeros(3, requires_grad=True)}
        results.append(_message(lambda: eval(call, names)))
    assert results[0] == results[1]


@pytest.mark.parametrize("option, value", [("ns_steps", 100), ("ns_coefficients", (1.0, 2.0))])
def test_muon_refuses_what_torch_refuses_at_its_first_step(option, value):
    """PyTorch takes these, then refuses at step(); here the group is refused when it is made (nothing changes
    either way), in PyTorch's words."""
    tp = torch.zeros(3, 4, requires_grad=True)
    tp.grad = torch.ones(3, 4)
    with pytest.raises(ValueError) as theirs:
        torch.optim.Muon([tp], **{option: value}).step()
    with pytest.raises(ValueError) as ours:
        optim.Muon([ag.zeros(3, 4, requires_grad=True)], **{option: value})
    assert str(ours.value) == str(theirs.value)


def test_muon_refuses_a_sparse_gradient_and_a_1d_group():
    w = ag.zeros(4, 2, requires_grad=True)
    w.grad = ag.sparse_coo_tensor([[1, 3]], ag.ones(2, 2), (4, 2))
    tw = torch.zeros(4, 2, requires_grad=True)
    tw.grad = torch.sparse_coo_tensor([[1, 3]], torch.ones(2, 2), (4, 2))
    with pytest.raises(RuntimeError) as theirs:
        torch.optim.Muon([tw]).step()
    with pytest.raises(RuntimeError) as ours:
        optim.Muon([w]).step()
    assert str(ours.value) == str(theirs.value) == "Muon does not support sparse gradients"
    with pytest.raises(ValueError, match="Muon only supports 2D parameters"):
        optim.Muon([w]).add_param_group({"params": [ag.zeros(3, requires_grad=True)]})


# ----------------------------------------------------------------------------- SparseAdam


def _sparse_grads(rng, shape, steps, dtype, dense_rows=True):
    """Per step (indices, values): repeated rows (which add up), rows left out, and a step with no entries."""
    out = []
    for s in range(steps):
        n = 0 if s == 3 else 7
        if dense_rows:  # (sparse_dim 1: whole rows, as nn.Embedding(sparse=True)'s)
            out.append((rng.integers(0, shape[0], size=(1, n)), rng.standard_normal((n,) + shape[1:]).astype(dtype)))
        else:  # (sparse_dim 2: single entries, as dense.to_sparse())
            out.append((np.stack([rng.integers(0, k, size=n) for k in shape]), rng.standard_normal(n).astype(dtype)))
    return out


@pytest.mark.parametrize("kw", [dict(), dict(lr=0.1, betas=(0.5, 0.9), eps=1e-3), dict(lr=0.05, maximize=True)],
                         ids=["defaults", "lr-betas-eps", "maximize"])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("rows", [True, False], ids=["hybrid", "entries"])
def test_sparse_adam_steps_as_torch(kw, dtype, rows):
    rng = np.random.default_rng(4)
    shape = (30, 4)
    w0 = rng.standard_normal(shape).astype(dtype)
    tp = torch.nn.Parameter(torch.from_numpy(w0.copy()))
    topt = torch.optim.SparseAdam([tp], **kw)
    p = ag.tensor(w0.copy(), requires_grad=True)
    opt = optim.SparseAdam([p], **kw)
    seen = np.zeros(shape, bool)
    for idx, values in _sparse_grads(rng, shape, 9, dtype, rows):
        tp.grad = torch.sparse_coo_tensor(idx, torch.from_numpy(values.copy()), shape)
        p.grad = ag.sparse_coo_tensor(idx, ag.tensor(values.copy()), shape)
        topt.step()
        opt.step()
        seen[tuple(idx)] = True
    tight = dict(rtol=1e-6, atol=1e-7) if dtype == np.float32 else dict(rtol=1e-14, atol=1e-15)
    got = p.detach().numpy()
    np.testing.assert_allclose(got, tp.detach().numpy(), **tight)
    for key in ("exp_avg", "exp_avg_sq"):
        np.testing.assert_allclose(opt.state[p][key].numpy(), topt.state[tp][key].numpy(), **tight)
    assert opt.state[p]["step"] == topt.state[tp]["step"] == 9  # (the step with no entries counted too)
    assert not seen.all() and np.array_equal(got[~seen], w0[~seen])  # rows never in a gradient: untouched
    assert (got[seen] != w0[seen]).all()


def test_sparse_adam_state_dict_round_trip():
    rng = np.random.default_rng(5)
    grads = _sparse_grads(rng, (6, 3), 6, np.float64)
    w0 = rng.standard_normal((6, 3))
    tp = torch.nn.Parameter(torch.from_numpy(w0.copy()))
    topt = torch.optim.SparseAdam([tp], lr=0.05)
    for idx, values in grads[:3]:
        tp.grad = torch.sparse_coo_tensor(idx, torch.from_numpy(values), (6, 3))
        topt.step()
    p = ag.tensor(tp.detach().numpy().copy(), requires_grad=True)
    opt = optim.SparseAdam([p], lr=1.0)
    opt.load_state_dict(topt.state_dict())  # (PyTorch's: its step a Python int)
    ours, theirs = opt.state_dict(), topt.state_dict()
    assert ours["param_groups"] == [dict(g) for g in theirs["param_groups"]]
    assert sorted(ours["state"][0]) == sorted(theirs["state"][0]) == ["exp_avg", "exp_avg_sq", "step"]
    for idx, values in grads[3:]:
        tp.grad = torch.sparse_coo_tensor(idx, torch.from_numpy(values), (6, 3))
        p.grad = ag.sparse_coo_tensor(idx, ag.tensor(values), (6, 3))
        topt.step()
        opt.step()
    np.testing.assert_allclose(p.detach().numpy(), tp.detach().numpy(), rtol=1e-14, atol=1e-15)


@pytest.mark.parametrize("call", [
    "SparseAdam([w], lr=0.0)", "SparseAdam([w], eps=0.0)", "SparseAdam([w], betas=(1.0, 0.9))",
    "SparseAdam([w], betas=(0.9, -0.1))",
])
def test_sparse_adam_refusals_in_torch_s_words(call):
    results = []
    for lib, mod in ((torch, torch.optim), (ag, optim)):
        w = lib.zeros(3, 4, requires_grad=True)
        results.append(_message(lambda: eval(call, {"SparseAdam": mod.SparseAdam, "w": w})))
    assert results[0] == results[1]


def test_dense_gradient_refused_by_sparse_adam_and_sparse_by_adam():
    results = []
    for lib, mod in ((torch, torch.optim), (ag, optim)):
        w = lib.zeros(4, 2, requires_grad=True)
        w.grad = lib.ones(4, 2)
        dense = _message(mod.SparseAdam([w]).step)
        w.grad = lib.sparse_coo_tensor([[1, 3]], lib.ones(2, 2), (4, 2))
        sparse = [_message(getattr(mod, name)([w]).step) for name in ("Adam", "AdamW", "RMSprop", "Adamax", "NAdam")]
        results.append((dense, sparse))
    assert results[0] == results[1]
    assert results[1][0] == (RuntimeError, "SparseAdam does not support dense gradients, please consider Adam instead")


# ----------------------------------------------------------------------------- nn.Embedding(sparse=True)


def _embedding(lib, rows, dim, **kw):
    """lib's nn.Embedding(rows, dim, sparse=True, **kw), both libraries' with the same weights."""
    weight = np.random.default_rng(rows).standard_normal((rows, dim)).astype(np.float32)
    return (torch.nn if lib is torch else nn).Embedding(rows, dim, sparse=True, _weight=lib.tensor(weight), **kw)


def _embedding_grads(lib, padding_idx):
    emb = _embedding(lib, 7, 3, padding_idx=padding_idx)
    x = lib.tensor([[0, 2, 0, 5], [1, 6, 2, 1]])
    weights = lib.arange(24.0).reshape(2, 4, 3)
    (emb(x) * weights).sum().backward()
    first = emb.weight.grad
    snapshot = (repr(first), first.is_sparse, first.is_coalesced(), first.to_dense().numpy().copy(),
                repr(first.coalesce()))
    (emb(x[:, :2]) ** 2).sum().backward()  # a second backward: sparse + sparse
    second = emb.weight.grad
    return snapshot, (second.is_sparse, second.to_dense().numpy(), repr(second.coalesce()))


@pytest.mark.parametrize("padding_idx", [None, 1])
def test_embedding_sparse_gradient_as_torch(padding_idx):
    want, got = _embedding_grads(torch, padding_idx), _embedding_grads(ag, padding_idx)
    (w_repr, w_sparse, w_coal, w_dense, w_crepr), (w2_sparse, w2_dense, w2_crepr) = want
    (g_repr, g_sparse, g_coal, g_dense, g_crepr), (g2_sparse, g2_dense, g2_crepr) = got
    assert g_repr == w_repr and g_crepr == w_crepr and g2_crepr == w2_crepr
    assert g_sparse is w_sparse is g2_sparse is w2_sparse is True and g_coal is w_coal is False
    np.testing.assert_array_equal(g_dense, w_dense)
    np.testing.assert_allclose(g2_dense, w2_dense, rtol=1e-6)


def test_embedding_sparse_plus_dense_gradient_is_dense_as_torch():
    """A weight used by a sparse embedding and densely (a tied output layer): its gradient is dense, the sum."""
    results = []
    for lib in (torch, ag):
        emb = _embedding(lib, 5, 3)
        x = lib.tensor([1, 3, 1])
        h = emb(x)  # (3, 3)
        logits = h @ emb.weight.T  # (3, 5): the same weight, dense
        (logits ** 2).mean().backward()
        results.append((emb.weight.grad.is_sparse, emb.weight.grad.numpy()))
        emb.weight.grad = None
        (emb(x) * 2).sum().backward()
        emb.zero_grad(set_to_none=False)  # (a sparse .grad zeroed: no entries)
        results.append((emb.weight.grad.is_sparse, emb.weight.grad._nnz(), emb.weight.grad.to_dense().numpy()))
    (dense_t, grad_t), zero_t, (dense_o, grad_o), zero_o = results
    assert dense_t is dense_o is False
    np.testing.assert_allclose(grad_o, grad_t, rtol=1e-5, atol=1e-7)
    assert zero_t[:2] == zero_o[:2] == (True, 0)
    np.testing.assert_array_equal(zero_o[2], zero_t[2])


def test_embedding_sparse_with_sgd_and_refusals():
    """SGD (no momentum) steps on the sparse gradient as PyTorch's; with weight decay both refuse, in PyTorch's
    words; what is not provided here (create_graph) says so. (SGD's sparse momentum, Adagrad's sparse update and
    EmbeddingBag's sparse gradient: tests/test_sparse_gradients_more.py.)"""
    results = []
    for lib, mod in ((torch, torch.optim), (ag, optim)):
        emb = _embedding(lib, 6, 2)
        opt = mod.SGD(emb.parameters(), lr=0.5)
        for x in ([0, 2, 2], [5, 0]):
            opt.zero_grad()
            (emb(lib.tensor(x)) ** 2).sum().backward()
            opt.step()
        decay = mod.SGD(emb.parameters(), lr=0.5, weight_decay=0.1)
        results.append((emb.weight.detach().numpy().copy(), _message(decay.step)))
    np.testing.assert_allclose(results[1][0], results[0][0], rtol=1e-6)
    assert results[1][1] == results[0][1]
    emb = nn.Embedding(6, 2, sparse=True)
    (emb(ag.tensor([1, 1])) ** 2).sum().backward()
    with pytest.raises(NotImplementedError, match="create_graph"):
        (emb(ag.tensor([1, 1])) ** 2).sum().backward(create_graph=True)


@pytest.mark.parametrize("name, shape", [("Muon", (3, 2)), ("SparseAdam", (2,))])
def test_signature_and_param_group_are_torchs(name, shape):
    import inspect

    def signature(cls):
        return [(p.name, p.kind, p.default) for p in inspect.signature(cls).parameters.values()]

    assert signature(getattr(optim, name)) == signature(getattr(torch.optim, name))
    ours = getattr(optim, name)([nn.Parameter(ag.zeros(*shape))], lr=0.1)
    theirs = getattr(torch.optim, name)([torch.nn.Parameter(torch.zeros(*shape))], lr=0.1)
    assert str(ours.state_dict()) == str(theirs.state_dict())  # (the keys in PyTorch's order, the same values)


@pytest.mark.filterwarnings("ignore:Anomaly Detection has been enabled")
def test_embedding_sparse_gradient_through_hooks_and_autograd_grad():
    """A hook on the weight sees the sparse gradient (one that returns a dense one is refused, as PyTorch
    refuses it); autograd.grad returns it sparse; detect_anomaly reads its values."""
    for lib in (torch, ag):
        emb = _embedding(lib, 4, 2)
        seen = []
        handle = emb.weight.register_hook(lambda g: seen.append(g.is_sparse))
        out = (emb(lib.tensor([1, 3, 1])) * 2).sum()
        grad, = lib.autograd.grad(out, emb.weight, retain_graph=True)
        assert grad.is_sparse and grad.to_dense().tolist() == [[0, 0], [4, 4], [0, 0], [2, 2]]
        with lib.autograd.detect_anomaly():
            out.backward()
        assert seen == [True, True] and emb.weight.grad.is_sparse
        handle.remove()
        emb.weight.register_hook(lambda g: g.to_dense())
        with pytest.raises(RuntimeError, match="hook '<lambda>' has changed the type of value"):
            emb(lib.tensor([0])).sum().backward()
