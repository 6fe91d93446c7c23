"""The seam holds: everything runs on a device that is not numpy (tests/fake_device.py: arrays that
numpy refuses to compute with unless called through the device's own array module) and gives the
CPU's results. The op table (every row of tests/porting/test_expressions.py, which covers every op
of autograd.function.OPS), the layers, the losses, the optimizers, the data loader, save/load and
the ONNX export run on ``device="fakegpu"``; values and gradients are compared with the CPU's."""
import math
import re
import warnings
import zlib

import numpy as np
import pytest

import autograd as ag
import nn
import nn.functional as F

import fake_device

DEV = fake_device.use()


@pytest.fixture
def on_device():
    """New tensors go to the fake device (ag.set_default_device), as a script that sets it."""
    ag.set_default_device(DEV)
    try:
        yield DEV
    finally:
        ag.set_default_device(None)


def host(value):
    """A result of either run as numpy (tensors moved to the host) or the value itself."""
    if isinstance(value, ag.Tensor):
        return value.detach().cpu().numpy(), str(value.dtype)
    if isinstance(value, tuple) and not hasattr(value, "values"):
        return tuple(value), "shape"
    return value, type(value).__name__


def same(got, want, what, rtol=1e-5, atol=1e-6):
    (g, gk), (w, wk) = host(got), host(want)
    assert gk == wk, f"{what}: {gk} on the device, {wk} on the CPU"
    if isinstance(w, np.ndarray):
        assert g.shape == w.shape, f"{what}: shape {g.shape} on the device, {w.shape} on the CPU"
        np.testing.assert_allclose(g, w, rtol=rtol, atol=atol, equal_nan=True, err_msg=what)
    elif isinstance(w, float):
        assert math.isclose(g, w, rel_tol=rtol, abs_tol=atol) or g == w or (g != g and w != w), (what, g, w)
    else:
        assert g == w, (what, g, w)


def on_the_device(value):
    """Every tensor in a result lives on the fake device, in a FakeArray (no host array leaked)."""
    if isinstance(value, ag.Tensor):
        assert value.device.type == DEV and isinstance(value._data, fake_device.FakeArray), \
            f"a result on {value.device} ({type(value._data).__name__})"
    elif isinstance(value, (tuple, list)):
        for v in value:
            on_the_device(v)


# ------------------------------------------------------------------------------------------------ the op table

expressions = pytest.importorskip("porting.test_expressions", reason="the op table's rows need torch to import")
ROWS = [r for r in expressions.ROWS if not r.raises and "torch.IntTensor" not in r.expr  # (a CPU type's name
        and "sparse" not in r.expr]  # moves the tensor to the CPU, as in PyTorch; sparse tensors are the CPU's:
#                                      test_sparse_tensors_are_refused_on_a_device)


def test_sparse_tensors_are_refused_on_a_device(on_device):
    """Sparse COO tensors live on the CPU only: on a device, making one and sparse @ dense are refused by name."""
    x = ag.tensor(np.eye(3, dtype=np.float32), device=DEV)
    with pytest.raises(NotImplementedError, match="to_sparse on"):
        x.to_sparse()
    s = ag.tensor(np.eye(3, dtype=np.float32), device="cpu").to_sparse()
    with pytest.raises(NotImplementedError, match="on " + str(DEV).split(":")[0]):
        s @ x


def _run_row(row, names, device):
    tensors = {n: ag.tensor(expressions.INPUTS[n].copy(), device=device,
                            requires_grad=expressions.INPUTS[n].dtype.kind == "f") for n in names}
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        out = eval(row.expr, {"torch": ag, "F": F, "math": math}, dict(tensors))  # noqa: S307
        leaves = expressions._leaves(out)
        rng = np.random.default_rng(zlib.crc32(row.expr.encode()))
        loss = None
        for leaf in leaves:
            if isinstance(leaf, ag.Tensor) and leaf.requires_grad:
                weights = ag.tensor(rng.standard_normal(tuple(leaf.shape)), dtype=leaf.dtype)
                term = (leaf * weights).sum()
                loss = term if loss is None else loss + term
        floats = [n for n, t in tensors.items() if t.requires_grad]
        grads = [] if loss is None or row.grad_raises else \
            ag.autograd.grad(loss, [tensors[n] for n in floats], allow_unused=True)
    return leaves, grads


@pytest.mark.parametrize("row", ROWS, ids=[r.expr for r in ROWS])
def test_op_table_on_the_device(row, on_device):
    names = expressions._names(row.expr)
    ag.set_default_device(None)
    want, want_grads = _run_row(row, names, "cpu")
    ag.set_default_device(DEV)
    got, got_grads = _run_row(row, names, DEV)
    assert len(got) == len(want)
    for k, (g, w) in enumerate(zip(got, want)):
        same(g, w, f"{row.expr}: result {k}", row.rtol, row.atol)
        on_the_device(g)
    for g, w in zip(got_grads, want_grads):
        assert (g is None) == (w is None), row.expr
        if g is not None:
            on_the_device(g)
            same(g, w, f"{row.expr}: gradient", row.rtol * 10, row.atol * 10)


# ------------------------------------------------------------------------------------------------ layers and losses

LAYERS = [  # (name, make the layer, input shape, integer inputs below this bound or None)
    ("Linear", lambda: nn.Linear(5, 3), (4, 5), None),
    ("Conv1d", lambda: nn.Conv1d(2, 3, 3, padding=1), (2, 2, 9), None),
    ("Conv2d", lambda: nn.Conv2d(2, 4, 3, stride=2, padding=1), (2, 2, 7, 7), None),
    ("Conv2d groups", lambda: nn.Conv2d(4, 4, 3, groups=2, bias=False), (1, 4, 6, 6), None),
    ("ConvTranspose2d", lambda: nn.ConvTranspose2d(2, 3, 3, stride=2), (1, 2, 4, 4), None),
    ("MaxPool2d", lambda: nn.MaxPool2d(2), (2, 3, 6, 6), None),
    ("AvgPool2d", lambda: nn.AvgPool2d(3, stride=2, padding=1), (2, 3, 7, 7), None),
    ("AdaptiveAvgPool2d", lambda: nn.AdaptiveAvgPool2d((2, 3)), (2, 3, 7, 8), None),
    ("BatchNorm1d", lambda: nn.BatchNorm1d(4), (6, 4), None),
    ("BatchNorm2d", lambda: nn.BatchNorm2d(3), (2, 3, 4, 4), None),
    ("LayerNorm", lambda: nn.LayerNorm(6), (3, 6), None),
    ("Embedding", lambda: nn.Embedding(10, 4), (3, 5), 10),
    ("RNN", lambda: nn.RNN(3, 5, num_layers=2, batch_first=True), (2, 4, 3), None),
    ("LSTM", lambda: nn.LSTM(3, 4, bidirectional=True), (5, 2, 3), None),
    ("GRU", lambda: nn.GRU(3, 4, batch_first=True), (2, 5, 3), None),
    ("Dropout (eval)", lambda: nn.Dropout(0.5).eval(), (4, 5), None),
    ("PReLU", lambda: nn.PReLU(3), (2, 3, 4), None),
    ("RMSNorm", lambda: nn.RMSNorm(6), (3, 6), None),
    ("BatchNorm3d", lambda: nn.BatchNorm3d(2), (2, 2, 3, 2, 2), None),
    ("Unfold", lambda: nn.Unfold(2, padding=1, stride=2), (2, 3, 5, 4), None),
    ("Fold", lambda: nn.Fold((4, 4), 2, stride=2), (2, 8, 4), None),
    ("EmbeddingBag", lambda: nn.EmbeddingBag(10, 4, mode="max"), (3, 5), 10),
    ("TransformerEncoderLayer", lambda: nn.TransformerEncoderLayer(8, 2, 16, dropout=0.0), (5, 2, 8), None),
    ("Sequential MLP", lambda: nn.Sequential(nn.Linear(6, 8), nn.ReLU(), nn.Linear(8, 2), nn.LogSoftmax(1)), (5, 6),
     None),
]
LOSSES = [
    ("CrossEntropyLoss", lambda: nn.CrossEntropyLoss(label_smoothing=0.1), (5, 4), 4),
    ("NLLLoss", lambda: nn.NLLLoss(), (5, 4), 4),
    ("MSELoss", lambda: nn.MSELoss(), (5, 4), None),
    ("L1Loss", lambda: nn.L1Loss(), (5, 4), None),
    ("BCEWithLogitsLoss", lambda: nn.BCEWithLogitsLoss(), (5, 4), None),
    ("SmoothL1Loss", lambda: nn.SmoothL1Loss(), (5, 4), None),
]


def _run_layer(make, shape, bound, device, seed=0):
    ag.manual_seed(seed)
    layer = make().to(device)
    rng = np.random.default_rng(seed)
    if bound is None:
        x = ag.tensor(rng.standard_normal(shape).astype(np.float32), device=device, requires_grad=True)
    else:
        x = ag.tensor(rng.integers(0, bound, shape), device=device)
    out = layer(x)
    outs = list(out) if isinstance(out, tuple) else [out]
    flat = [o for item in outs for o in (item if isinstance(item, tuple) else (item,))]
    loss = sum((o * ag.tensor(rng.standard_normal(tuple(o.shape)).astype(np.float32), device=device)).sum()
               for o in flat)
    loss.backward()
    grads = [p.grad for p in layer.parameters()] + ([x.grad] if x.requires_grad else [])
    return flat, grads, list(layer.buffers())


@pytest.mark.parametrize("name,make,shape,bound", LAYERS, ids=[row[0] for row in LAYERS])
def test_layer_on_the_device(name, make, shape, bound):
    want, want_grads, want_buffers = _run_layer(make, shape, bound, "cpu")
    got, got_grads, got_buffers = _run_layer(make, shape, bound, DEV)
    for g, w in zip(got + got_grads + got_buffers, want + want_grads + want_buffers):
        on_the_device(g)
        same(g, w, name, rtol=1e-4, atol=1e-5)


def _run_loss(make, shape, bound, device):
    rng = np.random.default_rng(1)
    x = ag.tensor(rng.standard_normal(shape).astype(np.float32), device=device, requires_grad=True)
    target = ag.tensor(rng.integers(0, bound, shape[0]), device=device) if bound else \
        ag.tensor(rng.uniform(0, 1, shape).astype(np.float32), device=device)
    loss = make()(x.log_softmax(1) if isinstance(make(), nn.NLLLoss) else x, target)
    loss.backward()
    return loss, x.grad


@pytest.mark.parametrize("name,make,shape,bound", LOSSES, ids=[row[0] for row in LOSSES])
def test_loss_on_the_device(name, make, shape, bound):
    (want, want_grad), (got, got_grad) = _run_loss(make, shape, bound, "cpu"), _run_loss(make, shape, bound, DEV)
    for g, w in ((got, want), (got_grad, want_grad)):
        on_the_device(g)
        same(g, w, name, rtol=1e-5, atol=1e-6)


# ------------------------------------------------------------------------------------------------ training


def _mlp():
    return nn.Sequential(nn.Linear(12, 16), nn.ReLU(), nn.Linear(16, 3))


def _cnn():
    return nn.Sequential(nn.Conv1d(1, 4, 3, padding=1), nn.ReLU(), nn.MaxPool1d(2), nn.Flatten(),
                         nn.Linear(24, 3))


def _train(make, optimizer, device, shape):
    """A few epochs over a DataLoader of host tensors moved batch by batch (as PyTorch scripts do);
    returns the losses and the final parameters."""
    from seegrad.data import DataLoader, TensorDataset
    import optim
    ag.manual_seed(0)
    rng = np.random.default_rng(0)
    X = rng.standard_normal((40,) + shape).astype(np.float32)
    y = (X.reshape(40, -1).sum(1) > 0).astype(np.int64) + (X.reshape(40, -1)[:, 0] > 1)
    model = make().to(device)
    opt = optimizer(model.parameters())
    loader = DataLoader(TensorDataset(ag.tensor(X), ag.tensor(y)), batch_size=8, shuffle=True,
                        generator=ag.Generator().manual_seed(3))
    losses = []
    for _ in range(3):
        for xb, yb in loader:
            xb, yb = xb.to(device), yb.to(device)
            loss = nn.functional.cross_entropy(model(xb), yb)
            opt.zero_grad()
            loss.backward()
            opt.step()
            losses.append(loss.item())
    return losses, [p.detach() for p in model.parameters()], opt


OPTIMIZERS = {
    "SGD momentum": lambda ps: __import__("optim").SGD(ps, lr=0.1, momentum=0.9, weight_decay=1e-3),
    "Adam": lambda ps: __import__("optim").Adam(ps, lr=0.01),
    "AdamW amsgrad": lambda ps: __import__("optim").AdamW(ps, lr=0.01, amsgrad=True),
    "RMSprop": lambda ps: __import__("optim").RMSprop(ps, lr=0.01, momentum=0.5),
    "Adagrad": lambda ps: __import__("optim").Adagrad(ps, lr=0.05),
}
MODELS = {"MLP": (_mlp, (12,)), "CNN": (_cnn, (1, 12))}


@pytest.mark.parametrize("model", MODELS)
@pytest.mark.parametrize("optimizer", OPTIMIZERS)
def test_training_on_the_device_matches_the_cpu(model, optimizer):
    make, shape = MODELS[model]
    want_losses, want_params, _ = _train(make, OPTIMIZERS[optimizer], "cpu", shape)
    got_losses, got_params, opt = _train(make, OPTIMIZERS[optimizer], DEV, shape)
    np.testing.assert_allclose(got_losses, want_losses, rtol=1e-4, atol=1e-5)
    assert want_losses[-1] < want_losses[0]  # it learns
    for g, w in zip(got_params, want_params):
        on_the_device(g)
        same(g, w, "parameter after training", rtol=1e-4, atol=1e-5)
    for state in opt.state.values():  # the optimizer's moments live with the parameters
        on_the_device([v for v in state.values() if isinstance(v, ag.Tensor) and v.ndim])


def test_optimizer_state_follows_the_model_to_the_device_and_back():
    import optim
    model = nn.Linear(3, 2)
    opt = optim.Adam(model.parameters(), lr=0.1)
    x = ag.randn(4, 3)
    for device in ("cpu", DEV, "cpu"):
        model.to(device)
        loss = model(x.to(device)).pow(2).sum()
        opt.zero_grad()
        loss.backward()
        opt.step()
        for state in opt.state.values():
            for v in state.values():
                if isinstance(v, ag.Tensor) and v.ndim:
                    assert v.device == model.weight.device
    assert model.weight.device.type == "cpu"


# ------------------------------------------------------------------------------------------------ data, files, export


def test_collate_keeps_the_device():
    from seegrad.data import DataLoader, TensorDataset
    X = ag.arange(12.0, device=DEV).reshape(6, 2)
    batches = list(DataLoader(TensorDataset(X, ag.arange(6, device=DEV)), batch_size=4))
    on_the_device([t for batch in batches for t in batch])
    same(batches[0][0], X[:4], "collated batch")


def test_save_goes_through_the_host_and_load_comes_back_where_asked(tmp_path):
    model = nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4)).to(DEV)
    model(ag.randn(5, 3, device=DEV))
    path = tmp_path / "model.pt"
    nn.save(model.state_dict(), path)
    on_host = nn.load(path)
    assert all(t.device.type == "cpu" for t in on_host.values())
    on_device = nn.load(path, map_location=DEV)
    on_the_device(list(on_device.values()))
    for where in ({"cpu": DEV}, lambda storage, location: storage.to(DEV)):  # PyTorch's other two forms
        moved = nn.load(path, map_location=where)
        on_the_device(list(moved.values()))
        for (name, got), want in zip(moved.items(), on_host.values()):
            same(got, want, name)
    assert all(t.device.type == "cpu" for t in nn.load(path, map_location={"cuda:0": DEV}).values())
    fresh = nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4)).to(DEV)
    fresh.load_state_dict(on_host)  # host values copied into device parameters
    for (name, got), want in zip(fresh.state_dict().items(), model.state_dict().values()):
        on_the_device(got)
        same(got, want, name)


def test_onnx_export_of_a_device_model_runs_on_the_host(tmp_path):
    onnx = pytest.importorskip("onnx")
    ort = pytest.importorskip("onnxruntime")
    from seegrad.export.onnx import export_onnx
    model = nn.Sequential(nn.Conv2d(1, 2, 3), nn.ReLU(), nn.Flatten(), nn.Linear(8, 3)).to(DEV).eval()
    x = ag.randn(2, 1, 4, 4, device=DEV)
    export_onnx(model, x, tmp_path / "m.onnx")
    assert model[0].weight.device.type == DEV  # moved back after the export
    session = ort.InferenceSession(str(tmp_path / "m.onnx"))
    got = session.run(None, {"input": x.cpu().numpy()})[0]
    np.testing.assert_allclose(got, model(x).detach().cpu().numpy(), rtol=1e-5, atol=1e-6)
    assert onnx.load(str(tmp_path / "m.onnx")).graph.node


# ------------------------------------------------------------------------------------------------ device semantics


def test_mixing_devices_is_an_error_naming_both():
    a, b = ag.ones(3, device=DEV), ag.ones(3)
    with pytest.raises(RuntimeError, match=f"cpu and {DEV}:0|{DEV}:0 and cpu"):
        b + a
    with pytest.raises(RuntimeError, match="same device"):
        a @ b


def test_numpy_of_a_device_tensor_raises_like_pytorch():
    t = ag.ones(2, device=DEV)
    with pytest.raises(TypeError, match=r"Tensor.cpu\(\)"):
        t.numpy()
    with pytest.raises(TypeError, match=r"Tensor.cpu\(\)"):
        np.asarray(t)
    assert t.cpu().numpy().tolist() == [1.0, 1.0]


def test_to_is_differentiable_and_keeps_identity_when_already_there():
    x = ag.randn(3, requires_grad=True)
    y = x.to(DEV)
    assert y.to(DEV) is y and y.device == ag.device(DEV, 0) and not y.is_cpu
    (y * y).sum().backward()
    on_the_device(y)
    assert x.grad.device.type == "cpu"
    np.testing.assert_allclose(x.grad.numpy(), 2 * x.detach().numpy(), rtol=1e-6)


def test_creation_functions_and_like_functions_put_tensors_on_the_device():
    made = [ag.zeros(2, device=DEV), ag.full((2,), 3.0, device=DEV), ag.arange(3, device=DEV),
            ag.eye(2, device=DEV), ag.rand(3, device=DEV), ag.randint(0, 5, (3,), device=DEV),
            ag.randperm(4, device=DEV)]
    x = ag.ones(2, device=DEV)
    made += [ag.zeros_like(x), ag.ones_like(x), ag.rand_like(x), ag.randn_like(x), x.new_zeros(3), ag.tensor(x)]
    on_the_device(made)
    assert ag.zeros_like(x, device="cpu").device.type == "cpu"


def test_manual_seed_seeds_every_device_and_an_explicit_generator_wins():
    ag.manual_seed(5)
    a = ag.randn(4, device=DEV)
    ag.manual_seed(5)
    b = ag.randn(4, device=DEV)
    same(a, b, "same seed, same draws")
    g1, g2 = ag.Generator().manual_seed(9), ag.Generator().manual_seed(9)
    c = ag.randn(4, device=DEV, generator=g1)
    on_the_device(c)
    same(c.cpu(), ag.randn(4, generator=g2), "generator= draws the same numbers on any device")


def test_cuda_without_cupy_or_gpu_is_a_clear_error():
    if ag.cuda.is_available():
        pytest.skip("this machine has CUDA")
    assert ag.cuda.device_count() == 0
    with pytest.raises(RuntimeError, match=r"CuPy.*seegrad\[gpu\]"):
        ag.zeros(2, device="cuda")
    with pytest.raises(RuntimeError, match="not available"):
        ag.ones(2).cuda()
    with pytest.raises(RuntimeError, match="not available"):
        nn.Linear(2, 2).to("cuda")


def test_a_device_that_does_not_exist_is_refused():
    with pytest.raises(RuntimeError, match="does not exist"):
        ag.zeros(2, device=f"{DEV}:1")
    with pytest.raises(RuntimeError, match="mps"):
        ag.zeros(2, device="mps")


def test_dropout_draws_from_the_device_generator_seeded_by_manual_seed():
    x = ag.ones(4, 6)
    ag.manual_seed(11)
    want = nn.functional.dropout(x, 0.4)
    ag.manual_seed(11)  # the fake device's generator starts from the same seed and numbers as the CPU's
    got = nn.functional.dropout(x.to(DEV), 0.4)
    on_the_device(got)
    same(got, want, "dropout mask")
    q = ag.randn(1, 2, 3, 4, device=DEV)
    on_the_device(nn.functional.scaled_dot_product_attention(q, q, q, dropout_p=0.3))


# ------------------------------------------------------------------------------------------------ CuPy has the names


def _cupy_lacks(cupy, name, keywords):
    """What CuPy lacks of ``name`` called with ``keywords``: None, "the name", or the keywords its
    signature refuses (ufuncs are not introspectable: their names only)."""
    import inspect
    kind, _, rest = name.partition(".")
    target = cupy.ndarray if kind == "ndarray" else cupy
    for part in rest.split("."):
        if not hasattr(target, part):
            return f"{name} (no such name)"
        target = getattr(target, part)
    if not keywords:
        return None
    try:
        params = list(inspect.signature(target).parameters.values())
        if any(p.kind is p.VAR_KEYWORD for p in params):
            return None
        accepted = {p.name for p in params}
    except (TypeError, ValueError):  # a Cython method or a ufunc: its docstring's first line is the signature
        first = (getattr(target, "__doc__", None) or "").strip().split("\n")[0]
        match = re.match(r"[\w.]+\((.*)\)", first)
        if match is None:
            return f"{name} (signature unknown: {first[:60]!r})"
        if "**" in match.group(1):
            return None
        accepted = {re.split(r"[=:]", part)[0].strip(" *\\") for part in match.group(1).split(",")}
    refused = sorted(k for k in keywords if k not in accepted)
    return f"{name}({', '.join(k + '=' for k in refused)})" if refused else None


def test_every_name_the_engine_asks_of_a_device_exists_in_cupy():
    """The fake device records each numpy name the engine asked of it (functions, ufunc methods,
    array methods) and the keywords it passed, while the op table, the layers and a training run
    go; CuPy must have every name and accept every keyword (checked against its signatures).
    Skipped where CuPy is not installed (it imports without a GPU)."""
    try:
        import cupy
    except Exception as err:  # noqa: BLE001 - not installed, or installed without its CUDA libraries
        pytest.skip(f"CuPy is not importable here: {type(err).__name__}")
    ag.set_default_device(DEV)
    try:
        for row in ROWS:
            _run_row(row, expressions._names(row.expr), DEV)
    finally:
        ag.set_default_device(None)
    for name, make, shape, bound in LAYERS:
        _run_layer(make, shape, bound, DEV)
    for name, make, shape, bound in LOSSES:
        _run_loss(make, shape, bound, DEV)
    for optimizer in OPTIMIZERS.values():
        _train(_cnn, optimizer, DEV, (1, 12))
    lacking = [why for name, keywords in sorted(fake_device.REQUESTED.items())
               if (why := _cupy_lacks(cupy, name, keywords))]
    assert not lacking, f"what the engine uses on a device and CuPy {cupy.__version__} lacks: {lacking}"


def test_layers_take_the_device_keyword_as_pytorch():
    made = [nn.Linear(2, 3, device=DEV), nn.Conv2d(1, 2, 3, device=DEV), nn.ConvTranspose1d(1, 2, 3, device=DEV),
            nn.BatchNorm1d(3, device=DEV), nn.LayerNorm(3, device=DEV), nn.GroupNorm(1, 2, device=DEV),
            nn.Embedding(4, 2, device=DEV), nn.LSTM(2, 3, device=DEV), nn.GRUCell(2, 3, device=DEV)]
    on_the_device([t for m in made for t in list(m.parameters()) + list(m.buffers())])


def test_packed_sequences_through_an_lstm_on_the_device():
    """nn.utils.rnn and an LSTM on a PackedSequence: the same numbers on the device as on the CPU."""
    from nn.utils import rnn

    def run(device):
        ag.manual_seed(0)
        lstm = nn.LSTM(3, 4, bidirectional=True).to(device)
        rng = np.random.default_rng(0)
        seqs = [ag.tensor(rng.standard_normal((n, 3)).astype(np.float32), device=device, requires_grad=True)
                for n in (2, 5, 3)]
        packed = rnn.pack_sequence(seqs, enforce_sorted=False)
        out, (h, c) = lstm(packed)
        padded, lengths = rnn.pad_packed_sequence(out, batch_first=True)
        (padded.sum() + h.sum() * 2 + c.sum()).backward()
        return [padded, h, c] + [s.grad for s in seqs] + [p.grad for p in lstm.parameters()], lengths.tolist()

    (want, want_lengths), (got, got_lengths) = run("cpu"), run(DEV)
    assert got_lengths == want_lengths == [2, 5, 3]
    for g, w in zip(got, want):
        on_the_device(g)
        same(g, w, "packed LSTM", rtol=1e-5, atol=1e-6)


def test_transformer_encoder_with_masks_on_the_device():
    """TransformerEncoder with a causal mask and a key padding mask: the same numbers on the device."""
    def run(device):
        ag.manual_seed(0)
        encoder = nn.TransformerEncoder(nn.TransformerEncoderLayer(8, 2, 16, dropout=0.0), 2).to(device)
        rng = np.random.default_rng(0)
        x = ag.tensor(rng.standard_normal((5, 3, 8)).astype(np.float32), device=device, requires_grad=True)
        mask = ag.tensor(np.triu(np.full((5, 5), -np.inf, dtype=np.float32), 1), device=device)
        pad = ag.tensor(np.array([[False] * 5, [False] * 3 + [True] * 2, [False] * 4 + [True]]), device=device)
        y = encoder(x, mask=mask, src_key_padding_mask=pad)
        (y * y).sum().backward()
        return [y, x.grad] + [p.grad for p in encoder.parameters()]

    for g, w in zip(run(DEV), run("cpu")):
        on_the_device(g)
        same(g, w, "TransformerEncoder", rtol=1e-4, atol=1e-5)


def test_lbfgs_on_the_device():
    """optim.LBFGS with the strong-Wolfe line search: the same iterates on the device as on the CPU."""
    import optim

    def run(device):
        ag.manual_seed(0)
        model = nn.Sequential(nn.Linear(3, 6), nn.Tanh(), nn.Linear(6, 1)).to(device)
        rng = np.random.default_rng(0)
        x = ag.tensor(rng.standard_normal((16, 3)).astype(np.float32), device=device)
        y = ag.tensor(rng.standard_normal((16, 1)).astype(np.float32), device=device)
        opt = optim.LBFGS(model.parameters(), max_iter=5, line_search_fn="strong_wolfe")

        def closure():
            opt.zero_grad()
            loss = F.mse_loss(model(x), y)
            loss.backward()
            return loss

        losses = [opt.step(closure).item() for _ in range(2)]
        return losses, list(model.parameters())

    (want_losses, want), (got_losses, got) = run("cpu"), run(DEV)
    np.testing.assert_allclose(got_losses, want_losses, rtol=1e-5)
    for g, w in zip(got, want):
        on_the_device(g)
        same(g, w, "LBFGS", rtol=1e-4, atol=1e-5)
