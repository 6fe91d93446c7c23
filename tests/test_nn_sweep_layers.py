"""nn.PReLU / F.prelu, nn.RMSNorm / F.rms_norm, nn.BatchNorm3d, F.unfold / F.fold (nn.Unfold / nn.Fold)
and Tensor.unfold against PyTorch 2.13: the same weights and inputs, then values and the gradients of
inputs and parameters (float32 and float64); PyTorch's errors for bad arguments; and a small program
written as a PyTorch user writes it."""
import numpy as np
import pytest

import autograd as ag
import nn
import nn.functional as F

torch = pytest.importorskip("torch")
torch.set_num_threads(1)
TF = torch.nn.functional

TOL = {np.float32: dict(rtol=1e-5, atol=1e-6), np.float64: dict(rtol=1e-11, atol=1e-12)}
TORCH_DTYPE = {np.float32: torch.float32, np.float64: torch.float64}


def _close(ours, theirs, dtype, what):
    got, want = ours.detach().numpy(), theirs.detach().numpy()
    assert got.shape == want.shape, f"{what}: shape {got.shape}, PyTorch's {want.shape}"
    assert got.dtype == want.dtype, f"{what}: dtype {got.dtype}, PyTorch's {want.dtype}"
    np.testing.assert_allclose(got, want, err_msg=what, **TOL[dtype])


def _same(fn_t, fn_o, arrays, dtype, seed=0):
    """fn(*tensors) under both libraries; values, then the gradients of every floating input."""
    ts = [torch.tensor(a, requires_grad=a.dtype.kind == "f") for a in arrays]
    os = [ag.tensor(a.copy(), requires_grad=a.dtype.kind == "f") for a in arrays]
    out_t, out_o = fn_t(*ts), fn_o(*os)
    _close(out_o, out_t, dtype, "value")
    w = np.random.default_rng(seed).standard_normal(tuple(out_t.shape)).astype(dtype)
    (out_t * torch.tensor(w)).sum().backward()
    (out_o * ag.tensor(w)).sum().backward()
    for k, (t, o) in enumerate(zip(ts, os)):
        if t.requires_grad:
            _close(o.grad, t.grad, dtype, f"gradient of input {k}")
    return out_o


def _port(theirs, ours):
    ours.load_state_dict({k: ag.tensor(v.detach().numpy().copy()) for k, v in theirs.state_dict().items()})


def _module_same(theirs, ours, x, dtype, seed=0):
    """A torch module and ours with its state: output, input gradient, every parameter's gradient."""
    _port(theirs, ours)
    _same(theirs, ours, [x], dtype, seed)
    mine = dict(ours.named_parameters())
    for name, p in theirs.named_parameters():
        _close(mine[name].grad, p.grad, dtype, f"gradient of {name}")


# ------------------------------------------------------------------------------------------ PReLU


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("shape,num", [((5,), 1), ((4, 3), 3), ((2, 3, 5), 3), ((2, 4, 3, 3), 4), ((2, 4, 3, 3), 1),
                                       ((), 1)])
def test_prelu_same_as_pytorch(shape, num, dtype):
    rng = np.random.default_rng(0)
    x = rng.standard_normal(shape).astype(dtype)
    if x.size > 1:
        x.flat[0] = 0.0  # the kink: PyTorch's gradient there is the slope's side
    theirs = torch.nn.PReLU(num, init=0.1, dtype=TORCH_DTYPE[dtype])
    with torch.no_grad():
        theirs.weight.copy_(torch.tensor(rng.uniform(-0.5, 0.5, num).astype(dtype)))
    _module_same(theirs, nn.PReLU(num, init=0.1, dtype=dtype), x, dtype)
    w = rng.uniform(0, 1, num).astype(dtype)
    _same(TF.prelu, F.prelu, [x, w], dtype, seed=1)


def test_prelu_init_repr_and_errors():
    m = nn.PReLU(3, init=0.2)
    assert repr(m) == repr(torch.nn.PReLU(3, init=0.2)) == "PReLU(num_parameters=3)"
    assert np.allclose(m.weight.detach().numpy(), 0.2) and m.weight.shape == (3,)
    assert list(nn.PReLU().state_dict()) == ["weight"] and nn.PReLU().weight.shape == (1,)
    with pytest.raises(RuntimeError, match="Found parameter numbers = 3 and channel size = 4"):
        F.prelu(ag.ones(2, 4), ag.ones(3))
    with pytest.raises(RuntimeError, match="Found parameter numbers = 2 and channel size = 1"):
        F.prelu(ag.ones(2), ag.ones(2))
    with pytest.raises(RuntimeError, match="scalar or 1D tensor, but got: ndim = 2"):
        F.prelu(ag.ones(2, 3), ag.ones(1, 3))


# ------------------------------------------------------------------------------------------ RMSNorm


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("shape,normalized", [((3, 4), 4), ((2, 3, 4), (3, 4)), ((2, 5), [5])])
@pytest.mark.parametrize("eps", [None, 1e-3])
@pytest.mark.parametrize("affine", [True, False])
def test_rms_norm_same_as_pytorch(shape, normalized, eps, affine, dtype):
    rng = np.random.default_rng(2)
    x = rng.standard_normal(shape).astype(dtype) * 0.01  # small values: the default eps matters
    theirs = torch.nn.RMSNorm(normalized, eps=eps, elementwise_affine=affine, dtype=TORCH_DTYPE[dtype])
    if affine:
        with torch.no_grad():
            theirs.weight.copy_(torch.tensor(rng.uniform(0.5, 1.5, tuple(theirs.weight.shape)).astype(dtype)))
    ours = nn.RMSNorm(normalized, eps=eps, elementwise_affine=affine, dtype=dtype)
    assert repr(ours) == repr(theirs) and list(ours.state_dict()) == list(theirs.state_dict())
    _module_same(theirs, ours, x, dtype)
    normalized = (normalized,) if isinstance(normalized, int) else normalized  # (F.rms_norm takes a tuple)
    w = rng.uniform(0.5, 1.5, shape[len(shape) - len(normalized):]).astype(dtype)
    _same(lambda a, b: TF.rms_norm(a, normalized, b, eps), lambda a, b: F.rms_norm(a, normalized, b, eps),
          [x, w], dtype, seed=3)


def test_rms_norm_default_eps_is_the_dtypes_and_errors():
    x = np.zeros((2, 3), dtype=np.float32)
    x[0, 0] = 1e-4  # mean(x^2) ~ 3e-9, below float32's eps (1.2e-7): the eps decides the value
    for dtype in (np.float32, np.float64):
        want = TF.rms_norm(torch.tensor(x.astype(dtype)), (3,)).numpy()
        got = F.rms_norm(ag.tensor(x.astype(dtype)), (3,)).numpy()
        np.testing.assert_allclose(got, want, rtol=1e-6)
    with pytest.raises(RuntimeError, match=r"Given normalized_shape=\[3\], expected input with shape \[\*3\]"):
        F.rms_norm(ag.ones(2, 4), (3,))
    with pytest.raises(RuntimeError, match="weight has shape"):
        F.rms_norm(ag.ones(2, 4), (4,), ag.ones(3))


# ------------------------------------------------------------------------------------------ BatchNorm3d


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("momentum", [0.1, None])
def test_batch_norm_3d_same_as_pytorch_train_then_eval(momentum, dtype):
    rng = np.random.default_rng(4)
    theirs = torch.nn.BatchNorm3d(3, momentum=momentum, dtype=TORCH_DTYPE[dtype])
    ours = nn.BatchNorm3d(3, momentum=momentum, dtype=dtype)
    assert repr(ours) == repr(theirs)
    with torch.no_grad():
        theirs.weight.copy_(torch.tensor(rng.uniform(0.5, 1.5, 3).astype(dtype)))
        theirs.bias.copy_(torch.tensor(rng.standard_normal(3).astype(dtype)))
    _port(theirs, ours)
    for step in range(3):
        x = rng.standard_normal((2, 3, 2, 3, 4)).astype(dtype)
        for m in (theirs, ours):
            m.zero_grad()
        _module_same(theirs, ours, x, dtype, seed=step)
    for name, buf in theirs.state_dict().items():
        np.testing.assert_allclose(ours.state_dict()[name].numpy(), buf.numpy(), err_msg=name, **TOL[dtype])
    theirs.eval()
    ours.eval()
    _module_same(theirs, ours, rng.standard_normal((2, 3, 2, 2, 2)).astype(dtype), dtype, seed=9)


def test_batch_norm_3d_refuses_a_4d_input():
    with pytest.raises(ValueError, match=r"BatchNorm3d\(3\): expected input \(N, 3, D, H, W\), got \(2, 3, 4, 4\)"):
        nn.BatchNorm3d(3)(ag.ones(2, 3, 4, 4))


# ------------------------------------------------------------------------------------------ unfold / fold

WINDOWS = [dict(kernel_size=2), dict(kernel_size=(2, 3), dilation=(2, 1), padding=(1, 2), stride=(2, 1)),
           dict(kernel_size=3, stride=2, padding=1), dict(kernel_size=(1, 4), stride=(3, 1), dilation=1)]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("batched", [True, False])
@pytest.mark.parametrize("window", range(len(WINDOWS)))
def test_unfold_and_fold_same_as_pytorch(window, batched, dtype):
    kw = WINDOWS[window]
    rng = np.random.default_rng(window)
    x = rng.standard_normal((2, 3, 7, 6)[0 if batched else 1:]).astype(dtype)
    cols = _same(lambda t: TF.unfold(t, **kw), lambda t: F.unfold(t, **kw), [x], dtype)
    c = rng.standard_normal(cols.shape).astype(dtype)
    _same(lambda t: TF.fold(t, (7, 6), **kw), lambda t: F.fold(t, (7, 6), **kw), [c], dtype, seed=1)
    _same(torch.nn.Unfold(**kw), nn.Unfold(**kw), [x], dtype, seed=2)
    _same(torch.nn.Fold((7, 6), **kw), nn.Fold((7, 6), **kw), [c], dtype, seed=3)
    assert repr(nn.Fold((7, 6), **kw)) == repr(torch.nn.Fold((7, 6), **kw))


def test_unfold_matmul_is_conv2d_and_gradients_of_gradients():
    """conv2d as unfold + matmul (the documented identity), and a second derivative through unfold/fold."""
    rng = np.random.default_rng(7)
    x = ag.tensor(rng.standard_normal((2, 3, 6, 5)), requires_grad=True)
    w = ag.tensor(rng.standard_normal((4, 3, 3, 2)))
    by_cols = (w.reshape(4, -1) @ F.unfold(x, (3, 2), padding=1)).reshape(2, 4, 6, 6)
    np.testing.assert_allclose(by_cols.detach().numpy(), F.conv2d(x, w, padding=1).detach().numpy(), atol=1e-12)
    results = []
    for lib, f in ((torch, TF), (ag, F)):
        t = lib.tensor(x.detach().numpy(), requires_grad=True)
        y = f.fold(f.unfold(t, 3, padding=1, stride=2) ** 2, (6, 5), 3, padding=1, stride=2)
        (g,) = lib.autograd.grad((y * y).sum(), t, create_graph=True)
        (h,) = lib.autograd.grad((g * g).sum(), t)
        results.append((y.detach().numpy(), g.detach().numpy(), h.detach().numpy()))
    for ours, theirs in zip(results[1], results[0]):
        np.testing.assert_allclose(ours, theirs, rtol=1e-10)


@pytest.mark.parametrize("call,message", [
    (lambda: F.unfold(ag.ones(1, 3, 3, 3), 4), r"spatial size \(3, 3\), kernel_size=\(4, 4\).*components must be"),
    (lambda: F.unfold(ag.ones(1, 3, 3, 3), 0), "kernel size should be greater than zero"),
    (lambda: F.unfold(ag.ones(1, 3, 3, 3), 2, stride=0), "stride should be greater than zero"),
    (lambda: F.unfold(ag.ones(1, 3, 3, 3), 2, padding=-1), "padding should be non-negative"),
    (lambda: F.unfold(ag.ones(3, 3), 2), "3-d .* or 4-d"),
    (lambda: F.fold(ag.ones(1, 5, 9), (4, 4), 2), r"divisible by the product of kernel_size.*input.size\(1\)=5"),
    (lambda: F.fold(ag.ones(1, 8, 8), (4, 4), 2), r"sliding blocks 3 \* 3 = 9, but got input.size\(2\)=8"),
])
def test_unfold_fold_errors_name_the_values(call, message):
    with pytest.raises(RuntimeError, match=message):
        call()
    with pytest.raises(TypeError, match="floating-point"):
        F.unfold(ag.ones(1, 3, 3, 3, dtype=ag.int64), 2)


# ------------------------------------------------------------------------------------------ Tensor.unfold


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("shape,args", [((7,), (0, 3, 2)), ((3, 8), (1, 3, 3)), ((3, 8), (-1, 2, 1)),
                                        ((4, 5, 2), (0, 4, 1)), ((4, 5), (1, 5, 7)), ((3, 4), (1, 0, 1)),
                                        ((), (0, 1, 1))])
def test_tensor_unfold_same_as_pytorch(shape, args, dtype):
    x = np.random.default_rng(8).standard_normal(shape).astype(dtype)
    _same(lambda t: t.unfold(*args), lambda t: t.unfold(*args), [x], dtype)


def test_tensor_unfold_is_a_view_like_pytorch():
    """Writes through windows that do not overlap reach the tensor, and the shared version counter
    refuses a backward that would use stale values; windows that overlap refuse writes (PyTorch takes
    them, then records a gradient that disagrees with the values it wrote)."""
    for lib in (torch, ag):
        x = lib.arange(6.0)
        u = x.unfold(0, 2, 3)  # windows [0, 1] and [3, 4]
        u[1, 0] = 100.0
        assert x.tolist() == [0.0, 1.0, 2.0, 100.0, 4.0, 5.0] and x._version == u._version == 1
        x[4] = -1.0
        assert u[1, 1].item() == -1.0
    overlapping = ag.arange(6.0).unfold(0, 3, 2)
    with pytest.raises(RuntimeError, match="unfold whose windows overlap.*clone"):
        overlapping.mul_(2)
    with pytest.raises(RuntimeError, match="single memory location"):
        overlapping[0, 2] = 1.0
    results = []
    for lib in (torch, ag):
        a = lib.tensor([1.0, 2.0, 3.0, 4.0], requires_grad=True)
        b = a * 1
        w = b.unfold(0, 2, 2)
        y = (w * w).sum()
        w.mul_(2)  # recorded through the view, on b
        try:
            y.backward()
            results.append(a.grad.tolist())
        except RuntimeError:
            results.append("refused")
    assert results[0] == results[1] == "refused"
    ours = ag.tensor([1.0, 2.0, 3.0, 4.0], requires_grad=True)  # a recorded write through a view: gradients
    theirs = torch.tensor([1.0, 2.0, 3.0, 4.0], requires_grad=True)
    for t in (ours, theirs):
        b = t * 1
        b.unfold(0, 2, 2)[:, 1].mul_(3)
        (b * b).sum().backward()
    assert ours.grad.tolist() == theirs.grad.tolist()
    with pytest.raises(RuntimeError, match="maximum size for tensor at dimension 1 is 4 but size is 5"):
        ag.ones(3, 4).unfold(1, 5, 1)
    with pytest.raises(RuntimeError, match="step is 0 but must be > 0"):
        ag.ones(3, 4).unfold(1, 2, 0)
    with pytest.raises(IndexError, match="dim 2 is out of range"):
        ag.ones(3, 4).unfold(2, 2, 1)


TORCH_HEADER = "import torch\nimport torch.nn as nn\nimport torch.nn.functional as F\n"
SEEGRAD_HEADER = "import autograd as torch\nimport nn\nimport nn.functional as F\nimport optim\ntorch.optim = optim\n"

PROGRAM = """
class PatchNet(nn.Module):
    '''Patches by nn.Unfold, a per-patch MLP with PReLU, back to an image by nn.Fold; BatchNorm3d
    on a volume made of the channels; RMSNorm before the head; a moving average by Tensor.unfold.'''
    def __init__(self):
        super().__init__()
        self.unfold = nn.Unfold(kernel_size=2, stride=2)
        self.patch = nn.Sequential(nn.Linear(12, 12), nn.PReLU())
        self.fold = nn.Fold(output_size=(6, 6), kernel_size=2, stride=2)
        self.bn = nn.BatchNorm3d(1)
        self.norm = nn.RMSNorm(108)
        self.head = nn.Linear(108, 2)

    def forward(self, x):
        cols = self.unfold(x).transpose(1, 2)             # (N, L, C*4)
        x = x + self.fold(self.patch(cols).transpose(1, 2))
        x = self.bn(x.unsqueeze(1)).squeeze(1)
        x = x.flatten(1)
        smooth = x.unfold(1, 3, 1).mean(-1)               # a moving average of 3
        x = F.prelu(x, torch.tensor([0.1])) + F.pad(smooth, (1, 1))
        return self.head(self.norm(x))

model = PatchNet()
model.load_state_dict({k: torch.tensor(v) for k, v in init_weights.items()})
opt = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
X, y = torch.tensor(X_np), torch.tensor(y_np)
losses = []
for step in range(6):
    opt.zero_grad()
    loss = F.cross_entropy(model(X), y)
    loss.backward()
    opt.step()
    losses.append(loss.item())
model.eval()
with torch.no_grad():
    final = model(X).numpy()
"""


def test_a_pytorch_program_with_these_layers_runs_unchanged_and_matches():
    import torch.optim  # noqa: F401

    rng = np.random.default_rng(9)
    X = rng.standard_normal((8, 3, 6, 6)).astype(np.float32)
    y = rng.integers(0, 2, 8)
    torch.manual_seed(0)
    ref = {}
    exec(compile(TORCH_HEADER + PROGRAM.split("model.load_state_dict")[0], "<torch model>", "exec"), ref)
    init_weights = {k: v.detach().numpy().copy() for k, v in ref["PatchNet"]().state_dict().items()}
    runs = []
    for header in (TORCH_HEADER, SEEGRAD_HEADER):
        namespace = dict(init_weights=init_weights, X_np=X, y_np=y)
        exec(compile(header + PROGRAM, "<program>", "exec"), namespace)
        runs.append(namespace)
    np.testing.assert_allclose(runs[1]["losses"], runs[0]["losses"], rtol=1e-4)
    np.testing.assert_allclose(runs[1]["final"], runs[0]["final"], rtol=1e-3, atol=1e-4)
    assert runs[0]["losses"][-1] < runs[0]["losses"][0]


# ------------------------------------------------------------------------------------------ EmbeddingBag

BAGS = {  # name -> (input, offsets, include_last_offset)
    "2-d": (np.array([[1, 4, 4], [0, 9, 2], [7, 7, 7]]), None, False),
    "offsets with an empty bag": (np.array([1, 4, 4, 0, 9, 2, 7]), np.array([0, 3, 3, 5]), False),
    "include_last_offset": (np.array([1, 4, 4, 0, 9, 2, 7]), np.array([0, 2, 6, 7]), True),
}


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("padding_idx", [None, 4])
@pytest.mark.parametrize("mode", ["sum", "mean", "max"])
@pytest.mark.parametrize("bags", list(BAGS))
def test_embedding_bag_same_as_pytorch(bags, mode, padding_idx, dtype):
    idx, offsets, last = BAGS[bags]
    theirs = torch.nn.EmbeddingBag(10, 3, mode=mode, include_last_offset=last, padding_idx=padding_idx,
                                   dtype=TORCH_DTYPE[dtype])
    ours = nn.EmbeddingBag(10, 3, mode=mode, include_last_offset=last, padding_idx=padding_idx, dtype=dtype)
    assert repr(ours) == repr(theirs)
    _port(theirs, ours)
    rng = np.random.default_rng(11)
    out_t = theirs(torch.tensor(idx), None if offsets is None else torch.tensor(offsets))
    out_o = ours(ag.tensor(idx), None if offsets is None else ag.tensor(offsets))
    _close(out_o, out_t, dtype, "value")
    w = rng.standard_normal(tuple(out_t.shape)).astype(dtype)
    (out_t * torch.tensor(w)).sum().backward()
    (out_o * ag.tensor(w)).sum().backward()
    _close(ours.weight.grad, theirs.weight.grad, dtype, "gradient of the weight")
    if mode == "sum":  # per-sample weights: their gradient too
        psw = rng.uniform(0.5, 2.0, idx.shape).astype(dtype)
        _same(lambda x, p: TF.embedding_bag(torch.tensor(idx), x, None if offsets is None else torch.tensor(offsets),
                                            mode="sum", per_sample_weights=p, include_last_offset=last,
                                            padding_idx=padding_idx),
              lambda x, p: F.embedding_bag(ag.tensor(idx), x, None if offsets is None else ag.tensor(offsets),
                                           mode="sum", per_sample_weights=p, include_last_offset=last,
                                           padding_idx=padding_idx),
              [rng.standard_normal((10, 3)).astype(dtype), psw], dtype, seed=5)


def test_embedding_bag_errors():
    w = ag.randn(10, 3)
    with pytest.raises(ValueError, match="offsets has to be a 1D Tensor"):
        F.embedding_bag(ag.tensor([1, 2, 3]), w)
    with pytest.raises(ValueError, match="if input is 2D, then offsets has to be None"):
        F.embedding_bag(ag.tensor([[1, 2]]), w, ag.tensor([0]))
    with pytest.raises(NotImplementedError, match="per_sample_weights is only supported for mode='sum'"):
        F.embedding_bag(ag.tensor([1, 2, 3]), w, ag.tensor([0, 1]), per_sample_weights=ag.ones(3))
    with pytest.raises(RuntimeError, match="offsets\\[0\\] has to be 0"):
        F.embedding_bag(ag.tensor([1, 2, 3]), w, ag.tensor([1, 1]))
    with pytest.raises(RuntimeError, match="at most input's length 3"):
        F.embedding_bag(ag.tensor([1, 2, 3]), w, ag.tensor([0, 4]))
    with pytest.raises(ValueError, match="mode has to be one of sum, mean or max"):
        nn.EmbeddingBag(10, 3, mode="median")
