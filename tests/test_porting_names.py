"""``import autograd as torch`` is enough: torch.nn, torch.optim, torch.utils.data, torch.autograd,
torch.linalg, torch.device and device=, torch.Size, dtypes; and the bugs ported code hit
(x.double() stayed float32, a Value reaching two leaves, clip_grad_norm_ with a generator)."""
import os
import pathlib
import subprocess
import sys

import numpy as np
import pytest

import autograd as ag
from oracle import same

torch = pytest.importorskip("torch")  # the oracle: snippets also run with PyTorch (CI installs it)
ROOT = pathlib.Path(__file__).resolve().parents[1]


def test_namespaces_reach_the_layers_above_on_first_use():
    import nn
    import optim
    import seegrad.data

    assert ag.nn is nn and ag.nn.functional is nn.functional and ag.nn.init is nn.init and ag.nn.utils is nn.utils
    assert ag.optim is optim and ag.optim.lr_scheduler is optim.lr_scheduler
    assert ag.utils.data is seegrad.data and ag.utils.data.DataLoader is seegrad.data.DataLoader
    assert ag.autograd.Function is ag.autograd.function.Function and ag.autograd.grad is ag.grad
    assert ag.linalg.norm and ag.Tensor and ag.no_grad and ag.manual_seed and ag.float32 and ag.long


def test_import_autograd_still_loads_nothing_above_it_until_asked():
    code = ("import sys, autograd as torch\n"
            "assert not any(m.split('.')[0] in ('nn', 'optim', 'seegrad') for m in sys.modules)\n"
            "torch.nn.Linear(2, 3); torch.optim.SGD\n"
            "assert 'nn' in sys.modules and 'seegrad' not in sys.modules\n"
            "torch.utils.data.TensorDataset\n"
            "assert 'seegrad.data' in sys.modules\n")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120,
                         env=dict(os.environ, PYTHONPATH=str(ROOT)))
    assert out.returncode == 0, out.stderr


def devices(T):
    d = T.device("cpu")
    x = T.zeros(2, 3, device=d)
    y = T.ones(2, device="cpu", dtype=T.float64)
    z = T.arange(3, device="cpu").to("cpu").to(d, T.float32).to(y)
    w = T.tensor([1.0], device="cpu:0").cpu()
    return (str(d), repr(d), d.type, d.index, str(T.device("cpu:0")), T.device("cpu:0").index, x.device == d,
            str(x.device), z.dtype, z, w, T.device("cuda:1").index, str(T.device("cuda", 0)), T.device("cpu") == "cpu",
            T.randn(2, device=d).shape, T.full((2,), 3, device="cpu").dtype, T.eye(2, device="cpu"),
            T.zeros_like(x, device="cpu").shape, T.linspace(0, 1, 3, device="cpu"))


def bad_device_name(T):
    T.device("gpu")


def size(T):
    s = T.ones(2, 3, 4).shape
    return (list(s), s == (2, 3, 4), isinstance(s, tuple), isinstance(s, T.Size), T.ones(5).size(0),
            isinstance(T.ones(2).size(), T.Size), T.Size([2, 3]).numel(), s[1:] == (3, 4))


def dtypes_and_casts(T):
    x = T.tensor([1.5, 2.5])
    return (x.double().dtype, x.to(T.float64).dtype, x.to(dtype=T.float64).dtype, x.double().double().dtype,
            T.tensor([1, 2]).to(T.float64).dtype, T.tensor([2**40 + 1]).double(), x.half().dtype, x.long(),
            x.int().dtype, x.to(T.float64).float().dtype, x.double().requires_grad_().sum().dtype,
            T.get_default_dtype(), T.is_tensor(x), T.is_tensor([1]), T.numel(T.ones(2, 3)), x.to(x) is x)


def cast_keeps_float64_through_backward(T):
    x = T.tensor([0.1, 0.2], requires_grad=True)
    y = x.double() * T.tensor([1e-9, 3.0], dtype=T.float64)
    y.sum().backward()
    return y, y.dtype, x.grad, x.grad.dtype


def linalg(T):
    A = T.tensor([[2.0, 1.0, 0.5], [1.0, 3.0, 0.2], [0.0, 0.4, 4.0]], dtype=T.float64, requires_grad=True)
    b = T.tensor([1.0, -2.0, 0.5], dtype=T.float64, requires_grad=True)
    inv, det, x = T.linalg.inv(A), T.linalg.det(A), T.linalg.solve(A, b)
    norms = [T.linalg.norm(A), T.linalg.norm(b), T.linalg.norm(b, 1), T.linalg.norm(A, float("inf")),
             T.linalg.norm(A, dim=1), T.linalg.vector_norm(A, 3), T.linalg.vector_norm(A, float("-inf"), dim=0),
             T.linalg.matrix_norm(A), T.linalg.matrix_norm(A, 1), T.linalg.matrix_norm(A, -1),
             T.linalg.vector_norm(b, 0), T.linalg.norm(A, keepdim=True, dim=(0, 1))]
    total = inv.sum() + det + x.sum() + sum(n.sum() for n in norms)
    total.backward()
    return [inv, det, x] + norms + [A.grad, b.grad]


def norm_of_zero_has_zero_gradient(T):
    z = T.zeros(3, requires_grad=True)
    T.linalg.vector_norm(z).backward()
    return z.grad


SNIPPETS = [devices, bad_device_name, size, dtypes_and_casts, cast_keeps_float64_through_backward, linalg,
            norm_of_zero_has_zero_gradient]


@pytest.mark.parametrize("snippet", SNIPPETS, ids=lambda f: f.__name__)
def test_names_match_pytorch(snippet):
    same(snippet)


def test_a_device_that_is_not_here_is_refused_by_name():
    import nn

    for make in (lambda: ag.zeros(2, device="cuda"), lambda: ag.tensor([1.0], device="cuda:0"),
                 lambda: ag.ones(2).to("cuda"), lambda: ag.ones(2).cuda(), lambda: ag.randn(2, device="mps"),
                 lambda: nn.Linear(2, 2).to("cuda"), lambda: ag.set_default_device("cuda")):
        with pytest.raises(RuntimeError, match="device 'cuda(:0)?' is not available|device 'mps' is not available"):
            make()
    with pytest.raises(RuntimeError, match="expected one of cpu, cuda"):
        ag.zeros(2, device="gpu")
    assert not ag.cuda.is_available() and ag.cuda.device_count() == 0 and not ag.accelerator.is_available()
    ag.cuda.manual_seed_all(0)  # a script that seeds CUDA too runs unchanged
    ag.backends.cudnn.deterministic, ag.backends.cudnn.benchmark = True, False
    assert not ag.backends.mps.is_available()


def test_module_to_accepts_devices_dtypes_and_tensors():
    import nn

    model = nn.Sequential(nn.Linear(2, 3), nn.ReLU())
    assert model.to("cpu") is model and model.to(ag.device("cpu")) is model
    model.to("cpu", ag.float64)
    assert model[0].weight.dtype == ag.float64
    model.to(ag.zeros(1, dtype=ag.float32))
    assert model[0].weight.dtype == ag.float32 and model[0].weight.device == ag.device("cpu")
    with pytest.raises(TypeError, match="floating point"):
        model.to(ag.int64)


def test_default_dtype_like_pytorch():
    import nn

    try:
        ag.set_default_dtype(ag.float64)
        torch.set_default_dtype(torch.float64)
        for T in (torch, ag):
            assert str(T.tensor([1.5]).dtype).endswith("float64") and str(T.zeros(2).dtype).endswith("float64")
            assert str(T.randn(2).dtype).endswith("float64") and str((T.tensor([1, 2]) / 2).dtype).endswith("float64")
        assert nn.Linear(2, 2).weight.dtype == ag.float64
    finally:
        ag.set_default_dtype(ag.float32)
        torch.set_default_dtype(torch.float32)
    assert ag.tensor([1.5]).dtype == ag.float32
    with pytest.raises(TypeError, match="floating-point"):
        ag.set_default_dtype(ag.int64)


def grad_modes(T):
    x = T.ones(2, requires_grad=True)
    with T.inference_mode():
        a = x * 2
    with T.inference_mode(False):
        b = x * 2
    with T.set_grad_enabled(False):
        c = x * 2

    @T.no_grad()
    def f():
        return x * 2

    return a.requires_grad, b.requires_grad, c.requires_grad, f().requires_grad, T.is_grad_enabled()


def test_grad_modes_match_pytorch():
    same(grad_modes)


def test_autograd_namespace_functions():
    x = ag.tensor([1.0, 2.0], requires_grad=True)
    y = ag.tensor([3.0], requires_grad=True)
    ag.autograd.backward([(x * x).sum(), (y * 2).sum()], [ag.tensor(1.0), ag.tensor(0.5)])
    assert x.grad.tolist() == [2.0, 4.0] and y.grad.tolist() == [1.0]
    v = ag.autograd.Variable(ag.tensor([1.0]), requires_grad=True)
    assert v.requires_grad and ag.autograd.gradcheck(lambda t: (t * t).sum(),
                                                     (ag.tensor([0.3], dtype=ag.float64, requires_grad=True),))


# ----------------------------------------------------------------- bugs ported code hit


def test_double_and_to_float64_give_float64():
    x = ag.tensor([0.1, 0.2])
    assert x.double().dtype == ag.float64 and x.to(ag.float64).dtype == ag.float64
    assert x.double().tolist() == np.array([0.1, 0.2], dtype=np.float32).astype(np.float64).tolist()


def test_a_value_reaching_two_leaves():
    """micrograd's example: the same float gradient reaches both leaves of a + b."""
    a, b = ag.Value(-0.8), ag.Value(1.7)
    c = a + b
    c.backward()
    assert (a.grad, b.grad, c.data) == (1.0, 1.0, pytest.approx(0.9))


def test_a_gradient_reaching_two_leaves_is_not_shared():
    x, y = ag.tensor([1.0, 2.0], requires_grad=True), ag.tensor([3.0, 4.0], requires_grad=True)
    (x + y).sum().backward(create_graph=True)
    with ag.no_grad():
        x.grad.mul_(10)
    assert y.grad.tolist() == [1.0, 1.0]


def test_clip_grad_norm_with_a_generator_clips_like_pytorch():
    import nn

    weights = [np.array([[3.0, -4.0], [1.0, 2.0]]), np.array([0.5, -12.0])]
    grads = {}
    for T, clip in ((torch, torch.nn.utils.clip_grad_norm_), (ag, nn.utils.clip_grad_norm_)):
        params = [T.tensor(w, dtype=T.float32, requires_grad=True) for w in weights]
        sum((p * p * T.arange(1.0, p.numel() + 1).reshape(p.shape)).sum() for p in params).backward()
        norm = clip((p for p in params), 1.0)  # a generator, as model.parameters() is
        grads[T.__name__] = (float(norm), [p.grad.detach().numpy().copy() for p in params])
    (norm_t, grads_t), (norm_o, grads_o) = grads["torch"], grads["autograd"]
    assert norm_o == pytest.approx(norm_t, rel=1e-6) and norm_o > 1
    for g_t, g_o in zip(grads_t, grads_o):
        np.testing.assert_allclose(g_o, g_t, rtol=1e-5)
    assert np.sqrt(sum((g ** 2).sum() for g in grads_o)) == pytest.approx(1.0, rel=1e-4)
