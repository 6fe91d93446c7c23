"""Sparse gradients beyond SparseAdam, compared with PyTorch 2.13: SGD with momentum (dampening, Nesterov,
maximize) on a sparse gradient, Adagrad's sparse path, nn.EmbeddingBag(sparse=True), and the sparse arithmetic
they rest on (autograd/ops/sparse.py: PyTorch's sparse + sparse, which merges the two index lists, and
dense.add_(sparse, alpha), which adds entry by entry, each a fused multiply-add).

SGD: many steps of ours and PyTorch's from the same weights on the same sparse gradients (rows repeated, rows
absent from a step, a step with no entries, coalesced or not, whole rows and single entries), float32 and
float64: the weights and the sparse momentum buffer (its indices in PyTorch's order, values, coalesced flag) equal
to the bit after every step. Adagrad: the same, float64 to the bit, float32 to PyTorch's float32 sqrt (which is
not correctly rounded on the CPU: about one value in six is one ulp off numpy's, and the error feeds the next
steps); the rows a gradient leaves out keep their values and sums. State dicts: a run begun in PyTorch continued
here. Refusals in PyTorch's words (weight decay with a sparse gradient, fused, a dense gradient on a sparse
buffer, Nesterov on a dense buffer, max mode with sparse weights).
"""
import numpy as np
import pytest

import autograd as ag
import nn
import optim
from autograd.ops.sparse import _fma, add_sparse_into, sparse_add

torch = pytest.importorskip("torch")  # the oracle
torch.set_num_threads(1)
pytestmark = pytest.mark.filterwarnings("ignore:Sparse invariant checks")  # (PyTorch's, on each sparse tensor made)

SHAPE = (9, 3)


def _ours(t):
    """Our SparseTensor with the indices, values and coalesced flag of torch sparse tensor ``t``."""
    return ag.sparse_coo_tensor(t._indices().numpy(), ag.tensor(t._values().numpy().copy()), tuple(t.shape),
                                is_coalesced=t.is_coalesced())


def _same_sparse(ours, theirs):
    assert ours.is_sparse and theirs.is_sparse
    assert ours._indices().tolist() == theirs._indices().tolist()
    np.testing.assert_array_equal(ours._values().numpy(), theirs._values().numpy())
    assert ours._values().numpy().dtype == theirs._values().numpy().dtype
    assert ours.is_coalesced() == theirs.is_coalesced() and tuple(ours.shape) == tuple(theirs.shape)


def _random_sparse(rng, n, dtype, sparse_dim, coalesce, shape=SHAPE):
    """A torch sparse tensor of ``n`` random entries (repeats likely): whole rows (sparse_dim 1, as an
    embedding's gradient) or single entries (sparse_dim 2)."""
    if sparse_dim == 1:
        idx, values = rng.integers(0, shape[0], (1, n)), rng.standard_normal((n,) + shape[1:])
    else:
        idx, values = np.stack([rng.integers(0, s, n) for s in shape]), rng.standard_normal(n)
    t = torch.sparse_coo_tensor(torch.tensor(idx), torch.from_numpy(values.astype(dtype)), shape)
    return t.coalesce() if coalesce else t


# ----------------------------------------------------------------------------- the arithmetic


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_fma_is_torch_add_with_alpha(dtype):
    """y + a * x rounded once, as torch's y.add_(x, alpha=a) on the CPU; values over ten decades, and sums that
    cancel (where a product rounded first would show)."""
    rng = np.random.default_rng(0)
    x = (rng.standard_normal(50000) * 10.0 ** rng.integers(-5, 5, 50000)).astype(dtype)
    y = (rng.standard_normal(50000) * 10.0 ** rng.integers(-5, 5, 50000)).astype(dtype)
    for a in (-0.3711, 0.77, 1e-3, -3.3e4, 1.0):
        want = torch.from_numpy(y.copy()).add_(torch.from_numpy(x), alpha=a).numpy()
        np.testing.assert_array_equal(_fma(a, x, y), want)
    cancel = (-x * dtype(0.3)).astype(dtype)
    want = torch.from_numpy(cancel.copy()).add_(torch.from_numpy(x), alpha=0.3).numpy()
    np.testing.assert_array_equal(_fma(0.3, x, cancel), want)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("sparse_dim", [1, 2])
def test_sparse_add_and_dense_add_sparse_as_torch(dtype, sparse_dim):
    """t.add(s, alpha) (the index lists merged, sorted or not; an empty operand) and dense.add_(s, alpha)
    (repeated indices added in turn): indices, values, coalesced flag and results to the bit."""
    rng = np.random.default_rng(sparse_dim)
    for trial in range(60):
        n1, n2 = (int(n) for n in rng.integers(0, 25, 2))
        c1, c2 = (bool(c) for c in rng.integers(0, 2, 2))
        t1 = _random_sparse(rng, n1, dtype, sparse_dim, c1)
        t2 = _random_sparse(rng, n2, dtype, sparse_dim, c2)
        alpha = float(rng.choice([1.0, 0.9, -0.25, 0.123]))
        _same_sparse(sparse_add(_ours(t1), _ours(t2), alpha), t1.add(t2, alpha=alpha))
        _same_sparse(_ours(t1) + _ours(t2), t1 + t2)
        dense = rng.standard_normal(SHAPE).astype(dtype)
        want = torch.from_numpy(dense.copy()).add_(t1, alpha=-alpha).numpy()
        np.testing.assert_array_equal(add_sparse_into(dense.copy(), _ours(t1), -alpha), want)


def test_dense_add_sparse_and_sparse_methods_as_torch():
    """The public forms: ``p.add_(sparse, alpha)`` / ``sub_`` under no_grad (a custom optimizer's step),
    ``sparse.add(sparse, alpha)``, ``sparse.mul_(n).add_(sparse)``; a leaf that requires grad refuses the change
    with grad mode on (PyTorch's error)."""
    rng = np.random.default_rng(4)
    s1, s2 = _random_sparse(rng, 7, np.float32, 1, False), _random_sparse(rng, 5, np.float32, 1, False)
    w0 = rng.standard_normal(SHAPE).astype(np.float32)
    results = []
    for lib, convert in ((torch, lambda t: t.clone()), (ag, _ours)):
        w = (torch.nn.Parameter if lib is torch else nn.Parameter)(lib.tensor(w0.copy()))
        a, b = convert(s1), convert(s2)
        with lib.no_grad():
            w.add_(a, alpha=-0.3)
            w.sub_(b)
        refused = _message(lambda: w.add_(a))
        total = a.add(b, alpha=0.7)
        a.mul_(0.5).add_(b, alpha=2.0)
        results.append((w.detach().numpy().copy(), total, a, refused[0]))
    np.testing.assert_array_equal(results[1][0], results[0][0])
    _same_sparse(results[1][1], results[0][1])
    _same_sparse(results[1][2], results[0][2])
    assert results[0][3] is results[1][3] is RuntimeError


def test_embedding_gradients_accumulate_as_torch():
    """Two backward calls on nn.Embedding(sparse=True): the .grad is PyTorch's merge of the two (its repr: the
    order and number of entries), not the two concatenated. (PyTorch concatenates instead where a gradient's
    values are not contiguous in memory, as the expanded gradient of a bare ``.sum()`` is: that layout is not
    followed here, where gradients are contiguous arrays; coalesced, the two agree.)"""
    reprs = []
    for lib in (torch, ag):
        emb = (torch.nn if lib is torch else nn).Embedding(6, 2, sparse=True, _weight=lib.ones(6, 2))
        (emb(lib.tensor([1, 2])) * lib.tensor([[1.0, 2], [3, 4]])).sum().backward()
        (emb(lib.tensor([2, 1, 4])) * lib.tensor([[5.0, 6], [7, 8], [9, 10]])).sum().backward()
        reprs.append(repr(emb.weight.grad))
    assert reprs[0] == reprs[1]
    assert "indices=tensor([[1, 2, 1, 4]])" in reprs[1]


# ----------------------------------------------------------------------------- SGD


def _run_sgd_like(name, kw, dtype, sparse_dim, steps=15, seed=0, check_state=True):
    """``steps`` steps of torch's and our optimizer ``name`` on the same sparse gradients; both compared after
    every step. Returns the two optimizers and parameters."""
    rng = np.random.default_rng(seed)
    w0 = rng.standard_normal(SHAPE).astype(dtype)
    tp = torch.nn.Parameter(torch.from_numpy(w0.copy()))
    p = ag.tensor(w0.copy(), requires_grad=True)
    topt, opt = getattr(torch.optim, name)([tp], **kw), getattr(optim, name)([p], **kw)
    for step in range(steps):
        n = 0 if step == 3 else int(rng.integers(1, 8))  # (step 3: a gradient with no entries)
        grad = _random_sparse(rng, n, dtype, sparse_dim, coalesce=rng.random() < 0.3)
        tp.grad, p.grad = grad, _ours(grad)
        topt.step()
        opt.step()
        np.testing.assert_array_equal(p.detach().numpy(), tp.detach().numpy(), err_msg=f"step {step}")
        if check_state and kw.get("momentum"):
            _same_sparse(opt.state[p]["momentum_buffer"], topt.state[tp]["momentum_buffer"])
    return topt, opt, tp, p


SGD_CASES = [
    dict(lr=0.1),
    dict(lr=0.1, momentum=0.9),
    dict(lr=0.1, momentum=0.9, dampening=0.3),
    dict(lr=0.05, momentum=0.8, nesterov=True),
    dict(lr=0.1, momentum=1.5, dampening=-0.5, maximize=True),
    dict(lr=0.1, momentum=0.9, nesterov=True, maximize=True, foreach=True),
]


@pytest.mark.parametrize("kw", SGD_CASES, ids=lambda kw: "-".join(f"{k}={v}" for k, v in kw.items()))
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("sparse_dim", [1, 2])
def test_sgd_sparse_steps_as_torch(kw, dtype, sparse_dim):
    _run_sgd_like("SGD", kw, dtype, sparse_dim)


def test_sgd_sparse_rows_absent_keep_their_buffer_entries():
    """An index absent from a step keeps its (decayed) buffer entries and moves by them, as PyTorch's."""
    results = []
    for lib, mod in ((torch, torch.optim), (ag, optim)):
        w = (torch.nn.Parameter if lib is torch else nn.Parameter)(lib.zeros(4, 2))
        opt = mod.SGD([w], lr=0.5, momentum=0.5)
        for rows in ([1, 1], [3], []):
            w.grad = lib.sparse_coo_tensor(lib.tensor([rows], dtype=lib.int64), lib.ones(len(rows), 2), (4, 2))
            opt.step()
        buf = opt.state[w]["momentum_buffer"]
        results.append((w.detach().numpy().copy(), buf._indices().tolist(), buf._values().numpy().copy()))
    np.testing.assert_array_equal(results[1][0], results[0][0])
    assert results[1][1] == results[0][1] == [[1, 1, 3]]
    np.testing.assert_array_equal(results[1][2], results[0][2])
    assert results[1][0][1].tolist() == [-1.75, -1.75]  # (row 1's two entries: 1 + 0.5 + 0.25, twice, times -0.5)


def test_sgd_sparse_momentum_long_run_as_torch():
    """An embedding trained 60 steps with Nesterov momentum on frequent (Zipf) indices: the sparse buffer grows
    as PyTorch's (the same indices, in PyTorch's order); a row repeated more than SEQUENTIAL_LIMIT times in it is
    summed in float64 before it is added to the weight, where PyTorch adds entry by entry in float32, so the
    weights agree to PyTorch's float32 rounding there (a few parts in a million after 60 steps)."""
    rng = np.random.default_rng(11)
    data = [rng.zipf(1.5, 24) % 40 for _ in range(60)]
    w0 = rng.standard_normal((40, 4)).astype(np.float32)
    results = []
    for lib, mod, torch_nn in ((torch, torch.optim, torch.nn), (ag, optim, nn)):
        emb = torch_nn.Embedding(40, 4, sparse=True, _weight=lib.tensor(w0.copy()))
        opt = mod.SGD(emb.parameters(), lr=0.01, momentum=0.9, nesterov=True)
        for x in data:
            opt.zero_grad()
            (emb(lib.tensor(x)) * lib.tensor(w0[:len(x)])).sum().backward()
            opt.step()
        buf = opt.state[emb.weight]["momentum_buffer"]
        results.append((emb.weight.detach().numpy().copy(), buf._indices().tolist(), buf._values().numpy().copy()))
    assert results[1][1] == results[0][1] and len(results[1][1][0]) > 500
    np.testing.assert_array_equal(results[1][2], results[0][2])  # (the buffer does not depend on the weights here)
    # (PyTorch's float32 additions of a row's ~100 entries, one by one, each step: its rounding, not ours)
    np.testing.assert_allclose(results[1][0], results[0][0], rtol=2e-5, atol=1e-5)


def test_sgd_sparse_state_dict_round_trip():
    """A run begun in PyTorch (its sparse momentum buffer in the state dict) continued here, to the bit; our
    state_dict is a snapshot that later steps leave as it was."""
    topt, opt, tp, p = _run_sgd_like("SGD", dict(lr=0.1, momentum=0.9, dampening=0.1), np.float32, 1, steps=6)
    p2 = ag.tensor(tp.detach().numpy().copy(), requires_grad=True)
    opt2 = optim.SGD([p2], lr=0.5)
    opt2.load_state_dict(topt.state_dict())
    assert opt2.param_groups[0]["lr"] == 0.1
    _same_sparse(opt2.state[p2]["momentum_buffer"], topt.state[tp]["momentum_buffer"])
    saved = opt2.state_dict()
    snapshot = saved["state"][0]["momentum_buffer"]
    before = (snapshot._indices().tolist(), snapshot._values().numpy().copy())
    rng = np.random.default_rng(7)
    for _ in range(5):
        grad = _random_sparse(rng, 4, np.float32, 1, False)
        tp.grad, p2.grad = grad, _ours(grad)
        topt.step()
        opt2.step()
        np.testing.assert_array_equal(p2.detach().numpy(), tp.detach().numpy())
    _same_sparse(opt2.state[p2]["momentum_buffer"], topt.state[tp]["momentum_buffer"])
    assert snapshot._indices().tolist() == before[0]
    np.testing.assert_array_equal(snapshot._values().numpy(), before[1])
    bad = {"state": {0: {"momentum_buffer": torch.sparse_coo_tensor([[0]], torch.ones(1, 2), (5, 2))}},
           "param_groups": topt.state_dict()["param_groups"]}
    with pytest.raises(ValueError, match=r"momentum_buffer'\] has shape \(5, 2\), but the parameter has shape"):
        opt2.load_state_dict(bad)


def test_sgd_dense_buffer_then_sparse_gradient_as_torch():
    """A dense momentum buffer (dense gradients first) takes a sparse gradient into it and stays dense."""
    rng = np.random.default_rng(3)
    w0 = rng.standard_normal(SHAPE).astype(np.float32)
    tp, p = torch.nn.Parameter(torch.from_numpy(w0.copy())), ag.tensor(w0.copy(), requires_grad=True)
    topt, opt = torch.optim.SGD([tp], lr=0.1, momentum=0.9), optim.SGD([p], lr=0.1, momentum=0.9)
    dense = rng.standard_normal(SHAPE).astype(np.float32)
    tp.grad, p.grad = torch.from_numpy(dense.copy()), ag.tensor(dense.copy())
    topt.step()
    opt.step()
    for _ in range(4):
        grad = _random_sparse(rng, 5, np.float32, 1, False)
        tp.grad, p.grad = grad, _ours(grad)
        topt.step()
        opt.step()
    assert not opt.state[p]["momentum_buffer"].is_sparse
    np.testing.assert_array_equal(opt.state[p]["momentum_buffer"].numpy(), topt.state[tp]["momentum_buffer"].numpy())
    np.testing.assert_allclose(p.detach().numpy(), tp.detach().numpy(), rtol=1e-6, atol=1e-7)


def _message(call):
    try:
        call()
    except Exception as error:  # noqa: BLE001 (the type and words are what is compared)
        return type(error), str(error)
    return None


def test_sgd_sparse_refusals_in_torch_s_words():
    """Weight decay (a sparse gradient plus p), fused, a dense gradient on a sparse buffer and Nesterov on a
    dense buffer: refused as PyTorch refuses them. Ours refuses before anything changes."""
    results = []
    for lib, mod in ((torch, torch.optim), (ag, optim)):
        param = torch.nn.Parameter if lib is torch else nn.Parameter

        def sparse():
            return lib.sparse_coo_tensor([[1, 1]], lib.ones(2, 2), (3, 2))

        w = param(lib.zeros(3, 2))
        w.grad = sparse()
        row = [_message(mod.SGD([w], lr=0.1, momentum=0.9, weight_decay=0.1).step),
               _message(mod.SGD([w], lr=0.1, weight_decay=0.1).step),
               _message(mod.SGD([w], lr=0.1, fused=True).step)]
        opt = mod.SGD([w], lr=0.1, momentum=0.9)
        opt.step()  # (a sparse buffer)
        w.grad = lib.ones(3, 2)
        before = w.detach().numpy().copy()
        row.append(_message(opt.step))
        if lib is ag:
            np.testing.assert_array_equal(w.detach().numpy(), before)
        v = param(lib.zeros(3, 2))
        opt = mod.SGD([v], lr=0.1, momentum=0.9, nesterov=True)
        v.grad = lib.ones(3, 2)
        opt.step()  # (a dense buffer)
        v.grad = sparse()
        row.append(_message(opt.step))
        results.append(row)
    assert results[0] == results[1]
    assert results[1][0] == (RuntimeError, "add(sparse, dense) is not supported. Use add(dense, sparse) instead.")
    assert results[1][2] == (RuntimeError, "`_fused_sgd` does not support sparse gradients")


# ----------------------------------------------------------------------------- Adagrad


ADAGRAD_CASES = [
    dict(lr=0.1),
    dict(lr=0.1, lr_decay=0.01, eps=1e-3, initial_accumulator_value=0.2),
    dict(lr=0.3, maximize=True, foreach=True),
]


@pytest.mark.parametrize("kw", ADAGRAD_CASES, ids=lambda kw: "-".join(f"{k}={v}" for k, v in kw.items()))
@pytest.mark.parametrize("sparse_dim", [1, 2])
def test_adagrad_sparse_steps_as_torch_float64(kw, sparse_dim):
    """float64: weights, sums and step to the bit after every step."""
    topt, opt, tp, p = _run_sgd_like("Adagrad", kw, np.float64, sparse_dim)
    np.testing.assert_array_equal(opt.state[p]["sum"].numpy(), topt.state[tp]["sum"].numpy())
    assert opt.state[p]["step"] == topt.state[tp]["step"].item() == 15


@pytest.mark.parametrize("kw", ADAGRAD_CASES, ids=lambda kw: "-".join(f"{k}={v}" for k, v in kw.items()))
def test_adagrad_sparse_steps_as_torch_float32(kw):
    """float32: PyTorch's float32 sqrt is one ulp off the correctly rounded one for about one value in six (numpy's
    is correctly rounded), so the weights agree to a few ulps; the rows no gradient touched are unchanged."""
    rng = np.random.default_rng(1)
    w0 = rng.standard_normal((12, 4)).astype(np.float32)
    tp, p = torch.nn.Parameter(torch.from_numpy(w0.copy())), ag.tensor(w0.copy(), requires_grad=True)
    topt, opt = torch.optim.Adagrad([tp], **kw), optim.Adagrad([p], **kw)
    for _ in range(20):
        grad = _random_sparse(rng, int(rng.integers(0, 6)), np.float32, 1, False, shape=(10, 4))  # rows 10, 11: none
        grad = torch.sparse_coo_tensor(grad._indices(), grad._values(), (12, 4))
        tp.grad, p.grad = grad, _ours(grad)
        topt.step()
        opt.step()
    np.testing.assert_allclose(p.detach().numpy(), tp.detach().numpy(), rtol=2e-6, atol=1e-7)
    np.testing.assert_allclose(opt.state[p]["sum"].numpy(), topt.state[tp]["sum"].numpy(), rtol=1e-6)
    np.testing.assert_array_equal(p.detach().numpy()[10:], w0[10:])
    assert (opt.state[p]["sum"].numpy()[10:] == kw.get("initial_accumulator_value", 0)).all()


def test_adagrad_sparse_refusals_in_torch_s_words():
    results = []
    for lib, mod in ((torch, torch.optim), (ag, optim)):
        w = (torch.nn.Parameter if lib is torch else nn.Parameter)(lib.zeros(3, 2))
        w.grad = lib.sparse_coo_tensor([[1, 1]], lib.ones(2, 2), (3, 2))
        results.append([_message(mod.Adagrad([w], weight_decay=0.1).step),
                        _message(mod.Adagrad([w], fused=True).step)])
        if lib is ag:
            np.testing.assert_array_equal(w.detach().numpy(), np.zeros((3, 2)))
    assert results[0] == results[1]
    assert results[1][0] == (RuntimeError, "weight_decay option is not compatible with sparse gradients")


# ----------------------------------------------------------------------------- nn.EmbeddingBag(sparse=True)


WEIGHT = np.random.default_rng(0).standard_normal((6, 2)).astype(np.float32)


def _bag_gradient(lib, mode, padding_idx, weights, two_d, dtype=None):
    kw = dict(mode=mode, sparse=True, padding_idx=padding_idx, _weight=lib.tensor(WEIGHT.copy()))
    bag = (torch.nn if lib is torch else nn).EmbeddingBag(6, 2, **kw)
    if two_d:
        x, offsets = lib.tensor([[2, 0, 2], [5, 1, 3]]), None
        psw = lib.tensor([[1.0, 2, 3], [4, 5, 6]]) if weights else None
    else:  # (bags [2, 0, 2], [], [5, 1], [2, 3]: an empty one, a repeated index)
        x, offsets = lib.tensor([2, 0, 2, 5, 1, 2, 3]), lib.tensor([0, 3, 3, 5])
        psw = lib.arange(1.0, 8.0) if weights else None
    if dtype is not None:
        x = x.to(dtype)
        offsets = None if offsets is None else offsets.to(dtype)
    out = bag(x, offsets, per_sample_weights=psw)
    (out * lib.arange(float(out.shape[0] * 2)).reshape(out.shape[0], 2)).sum().backward()
    grad = bag.weight.grad
    return repr(grad), grad.is_coalesced(), repr(grad.coalesce()), repr(bag)


@pytest.mark.parametrize("mode, weights", [("sum", False), ("sum", True), ("mean", False)])
@pytest.mark.parametrize("padding_idx", [None, 2])
@pytest.mark.parametrize("two_d", [False, True])
def test_embedding_bag_sparse_gradient_as_torch(mode, weights, padding_idx, two_d):
    """The sparse gradient's repr (indices in input order, padding entries left out, each the gradient of its
    bag, over the bag's size for mean, times its weight), uncoalesced, and coalesced, as PyTorch's."""
    assert _bag_gradient(ag, mode, padding_idx, weights, two_d) == _bag_gradient(torch, mode, padding_idx, weights,
                                                                                two_d)


def test_embedding_bag_sparse_int32_indices_and_max_mode_refusal():
    assert _bag_gradient(ag, "sum", None, False, False, ag.int32) == _bag_gradient(torch, "sum", None, False, False,
                                                                                   torch.int32)
    results = []
    for lib in (torch, ag):
        bag = (torch.nn if lib is torch else nn).EmbeddingBag(6, 2, mode="max", sparse=True)  # (made; forward refuses)
        results.append((repr(bag), _message(lambda: bag(lib.tensor([[1, 2]])))))
    assert results[0] == results[1]
    assert results[1][1] == (ValueError, "max mode does not support sparse weights")


@pytest.mark.parametrize("name, kw", [("SGD", dict(lr=0.1, momentum=0.9, nesterov=True)),
                                      ("Adagrad", dict(lr=0.2)), ("SparseAdam", dict(lr=0.05))])
def test_embedding_bag_sparse_training_as_torch(name, kw):
    """A bag-of-words classifier (EmbeddingBag(sparse=True, mode='mean') and a Linear layer), trained a few steps:
    the dense layer by Adam, the bags' weight by ``name`` on its sparse gradient; the losses and weights agree."""
    rng = np.random.default_rng(5)
    data = [(rng.integers(0, 30, 12), np.sort(rng.choice(np.arange(1, 12), 3, replace=False)), rng.integers(0, 3, 4))
            for _ in range(8)]
    weight = rng.standard_normal((30, 8)).astype(np.float64)
    linear = rng.standard_normal((3, 8)).astype(np.float64) * 0.3
    results = []
    for lib, mod, torch_nn in ((torch, torch.optim, torch.nn), (ag, optim, nn)):
        bag = torch_nn.EmbeddingBag(30, 8, mode="mean", sparse=True, _weight=lib.tensor(weight.copy()))
        head = torch_nn.Linear(8, 3, dtype=lib.float64)
        with lib.no_grad():
            head.weight.copy_(lib.tensor(linear))
            head.bias.zero_()
        sparse_opt = getattr(mod, name)(bag.parameters(), **kw)
        dense_opt = mod.Adam(head.parameters(), lr=0.01)
        losses = []
        for x, offsets, y in data:
            sparse_opt.zero_grad()
            dense_opt.zero_grad()
            out = head(bag(lib.tensor(x), lib.tensor(np.r_[0, offsets])))
            loss = torch_nn.functional.cross_entropy(out, lib.tensor(y))
            loss.backward()
            assert bag.weight.grad.is_sparse
            sparse_opt.step()
            dense_opt.step()
            losses.append(loss.item())
        results.append((losses, bag.weight.detach().numpy().copy()))
    np.testing.assert_allclose(results[1][0], results[0][0], rtol=1e-12)
    np.testing.assert_allclose(results[1][1], results[0][1], rtol=1e-12, atol=1e-14)
