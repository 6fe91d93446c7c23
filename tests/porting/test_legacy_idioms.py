"""What code written for older PyTorch does, checked against PyTorch 2.13 (which still runs it, mostly with a
deprecation warning): uint8 masks (``x[(x > 0).byte()]`` picks elements; numpy would read the 0s and 1s as row
numbers, a silent wrong answer), the number-first overloads of old optimizers (``p.data.add_(-lr, grad)``,
``v.addcmul_(1 - beta2, g, g)``), ``Variable(x, requires_grad=True)``, ``x.new(...)``, ``x.resize(...)``,
``torch.range``, ``torch.ger``, ``torch.chain_matmul`` (and ``torch.linalg.multi_dot``), ``F.upsample_bilinear``,
``nn.utils.clip_grad_norm`` and ``loss.data[0]``."""
import warnings

import numpy as np
import pytest

import autograd as ag
import nn
import nn.functional as F

from harness import assert_same, run_both

torch = pytest.importorskip("torch")  # the oracle (CI installs it)
TF = torch.nn.functional
LIBS = [(torch, TF), (ag, F)]


def _both(expr, **arrays):
    """``expr`` evaluated with torch and with this project (``L`` the library, ``F`` its functional), the
    arrays given as tensors of each; returns the two results and the UserWarnings each gave."""
    out = []
    for lib, functional in LIBS:
        env = {"L": lib, "F": functional, "np": np, **{k: lib.tensor(v) for k, v in arrays.items()}}
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            result = eval(expr, env)  # noqa: S307  (test expressions written here)
        out.append((result, [str(w.message) for w in caught if issubclass(w.category, (UserWarning, FutureWarning))]))
    return out


def _array(value):
    return np.asarray(value.detach().numpy() if hasattr(value, "detach") else value)


X = np.array([[1.0, -2.0, 3.0], [-4.0, 5.0, -6.0]], dtype=np.float32)
MASK = np.array([[1, 0, 2], [0, 1, 0]], dtype=np.uint8)


@pytest.mark.parametrize("expr", [
    "x[m]", "x[m[:, 0]]", "x[0, m[0]]", "x[..., m[0]]", "x[m[:, 0], 1]", "x[m, None]", "x[np.asarray(m.numpy())]",
    "x[L.tensor(1, dtype=L.uint8)]", "x[L.tensor(0, dtype=L.uint8)]",  # (a 0-d mask: no warning in PyTorch)
    "x[np.uint8(1)]",  # a numpy uint8 number is a position, not a mask
    "x[(x > 0).byte()]",  # the idiom of PyTorch before 1.2, where comparisons gave uint8
])
def test_a_uint8_index_is_a_mask(expr):
    (theirs, warned_theirs), (ours, warned_ours) = _both(expr, x=X, m=MASK)
    np.testing.assert_array_equal(_array(ours), _array(theirs))
    assert bool(warned_ours) == bool(warned_theirs)
    if warned_theirs:
        assert warned_ours[0] in warned_theirs[0]  # "indexing with dtype torch.uint8 is now deprecated, ..."


def test_a_uint8_mask_in_the_gradient_and_in_assignments():
    """Reading through a uint8 mask sends the gradient to the picked elements; assigning through one is refused
    by PyTorch 2.13 (masked_fill_ takes bool masks only), and here too, except a 0-d one (True: everything)."""
    results = []
    for lib, _ in LIBS:
        x = lib.tensor(X, requires_grad=True)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            (x[lib.tensor(MASK)] * lib.tensor([1.0, 2.0, 3.0])).sum().backward()
        y = lib.tensor(X)
        for index in (lib.tensor(MASK), (lib.tensor(MASK[:, 0]), 1)):
            with pytest.raises(RuntimeError, match="masked_fill_ only supports boolean masks"):
                y[index] = 0.0
        y[lib.tensor(1, dtype=lib.uint8)] = 7.0
        results.append((x.grad.numpy(), y.numpy()))
    for ours, theirs in zip(results[1], results[0]):
        np.testing.assert_array_equal(ours, theirs)


@pytest.mark.parametrize("expr", [
    "x.clone().add_(-0.1, g)", "x.add(2, g)", "L.add(x, 2, g)", "x.clone().sub_(2, g)", "x.sub(0.5, g)",
    "x.clone().addcmul_(0.5, g, g)", "x.addcmul(0.5, g, g)", "L.addcmul(x, 0.5, g, g)",
    "x.clone().addcdiv_(-0.5, g, g + 1)", "L.addcdiv(x, 0.5, g, g + 1)",
])
def test_number_first_overloads_of_old_optimizers(expr):
    g = np.array([[0.5, 0.25, -1.0], [2.0, 0.0, 1.5]], dtype=np.float32)
    (theirs, warned_theirs), (ours, warned_ours) = _both(expr, x=X, g=g)
    np.testing.assert_allclose(_array(ours), _array(theirs), rtol=1e-6)
    # (PyTorch warns once per process, so its warning is not checked here; ours is given every time)
    assert any("overload" in w and "is deprecated" in w for w in warned_ours)


def test_other_argument_mixes_are_refused():
    x, g = ag.tensor(X), ag.tensor(X)
    for call in (lambda: x.add(g, g), lambda: x.addcmul(g, 0.5, g), lambda: x.add(2, g, g)):
        with pytest.raises(TypeError):
            call()


OLD_ADAM = '''
import math
import torch

torch.manual_seed(0)
w = torch.randn(5, 3, requires_grad=True)
x, y = torch.randn(16, 5), torch.randn(16, 3)
state = {"step": 0, "exp_avg": torch.zeros_like(w.data), "exp_avg_sq": torch.zeros_like(w.data)}
lr, beta1, beta2, eps = 0.01, 0.9, 0.999, 1e-8
losses = []
for _ in range(20):
    loss = ((x.mm(w) - y) ** 2).mean()
    losses.append(loss.item())
    if w.grad is not None:
        w.grad.data.zero_()
    loss.backward()
    grad = w.grad.data
    # the step as torch.optim.Adam wrote it before PyTorch 1.5
    state["step"] += 1
    exp_avg, exp_avg_sq = state["exp_avg"], state["exp_avg_sq"]
    exp_avg.mul_(beta1).add_(1 - beta1, grad)
    exp_avg_sq.mul_(beta2).addcmul_(1 - beta2, grad, grad)
    denom = exp_avg_sq.sqrt().add_(eps)
    bias_correction1 = 1 - beta1 ** state["step"]
    bias_correction2 = 1 - beta2 ** state["step"]
    step_size = lr * math.sqrt(bias_correction2) / bias_correction1
    w.data.addcdiv_(-step_size, exp_avg, denom)
'''


@pytest.mark.filterwarnings("ignore:This overload of")
def test_adam_as_written_before_pytorch_1_5():
    torch_run, our_run = run_both(OLD_ADAM)
    assert_same(torch_run, our_run, rtol=1e-5, atol=1e-6)
    assert our_run["losses"][-1] < our_run["losses"][0]


def test_variable_makes_a_new_leaf_that_shares_the_storage():
    for lib, _ in LIBS:
        x = lib.tensor([1.0, 2.0])
        v = lib.autograd.Variable(x, requires_grad=True)
        assert v is not x and v.requires_grad and not x.requires_grad  # (x itself is left alone)
        v.data[0] = 5.0
        assert x[0].item() == 5.0
        y = lib.tensor([1.0], requires_grad=True) * 2
        assert lib.autograd.Variable(y).grad_fn is None and not lib.autograd.Variable(y).requires_grad
        with pytest.raises(TypeError, match="Variable data has to be a tensor"):
            lib.autograd.Variable([1.0])


@pytest.mark.parametrize("expr", [
    "x.new(2, 3).shape", "x.new(2, 3).dtype", "x.new().shape", "x.new(L.Size([2, 3])).shape", "x.new((2, 3))",
    "x.new([1, 2])", "i.new([1.5, 2.7])", "i.new(3).dtype", "x.new(x[0])",
])
def test_new_the_legacy_constructor(expr):
    (theirs, _), (ours, _) = _both(expr, x=X, i=np.array([1, 2]))
    if "dtype" in expr:
        assert str(ours).replace("torch.", "") == str(theirs).replace("torch.", "")
    else:
        np.testing.assert_array_equal(_array(ours), _array(theirs))
        if hasattr(theirs, "dtype"):
            assert str(ours.dtype) == str(theirs.dtype).replace("torch.", "")


def test_new_of_a_tensor_is_an_alias_of_it_and_refuses_another_dtype():
    x = ag.tensor(X)
    alias = x.new(x)
    alias[0, 0] = 9.0
    assert x[0, 0].item() == 9.0
    for lib, _ in LIBS:
        with pytest.raises(TypeError):
            lib.tensor(X).new(lib.tensor([1, 2]))


def test_resize_keeps_the_elements_and_the_storage():
    for lib, _ in LIBS:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            y = lib.arange(6.0)
            r = y.resize(3, 2)
        assert tuple(r.shape) == (3, 2) and any("non-inplace resize is deprecated" in str(w.message) for w in caught)
        r[0, 0] = 9.0
        assert y[0].item() == 9.0
        with pytest.raises(RuntimeError, match="requested resize to 2x2"):
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                lib.arange(6.0).resize(2, 2)


@pytest.mark.parametrize("expr", [
    "L.range(0, 3)", "L.range(1, 4)", "L.range(0, 1, 0.25)", "L.range(0, 1, 0.3)", "L.range(5, 1, -1.5)",
    "L.range(0, 3, dtype=L.int64)", "L.range(2, 2)",
])
def test_torch_range_includes_the_end(expr):
    (theirs, warned_theirs), (ours, warned_ours) = _both(expr)
    np.testing.assert_allclose(_array(ours), _array(theirs), rtol=1e-6)
    assert str(ours.dtype) == str(theirs.dtype).replace("torch.", "")
    assert warned_ours == warned_theirs


def test_torch_range_refuses_a_step_of_the_wrong_sign():
    for lib, _ in LIBS:
        with pytest.raises(RuntimeError, match="upper bound and lower bound inconsistent with step sign"):
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                lib.range(0, 3, -1)


@pytest.mark.parametrize("expr", [
    "L.ger(a, b)", "a.ger(b)", "L.chain_matmul(A, B, C)", "L.chain_matmul(A)", "L.linalg.multi_dot([A, B, C])",
    "L.linalg.multi_dot([a[:3], A, B])", "L.linalg.multi_dot([B, C, c])", "L.linalg.multi_dot([a[:3], A, c[:4]])",
    "L.linalg.multi_dot([A, B])",
])
def test_products_of_old_and_new_names(expr):
    rng = np.random.default_rng(0)
    arrays = {"a": rng.standard_normal(4), "b": rng.standard_normal(2), "c": rng.standard_normal(5),
              "A": rng.standard_normal((3, 4)), "B": rng.standard_normal((4, 2)), "C": rng.standard_normal((2, 5))}
    results = []
    for lib, functional in LIBS:
        env = {k: lib.tensor(v, requires_grad=True) for k, v in arrays.items()}
        env.update(L=lib, F=functional)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            out = eval(expr, env)  # noqa: S307
        out.sum().backward()
        grads = {k: t.grad.numpy() if t.grad is not None else None for k, t in env.items() if k in arrays}
        results.append((out.detach().numpy(), grads, [str(w.message)[:30] for w in caught]))
    (out_t, grads_t, warned_t), (out_o, grads_o, warned_o) = results
    np.testing.assert_allclose(out_o, out_t, rtol=1e-10)
    for k in grads_t:
        if grads_t[k] is None:
            assert grads_o[k] is None, k
        else:
            np.testing.assert_allclose(grads_o[k], grads_t[k], rtol=1e-10, err_msg=k)
    assert bool(warned_o) == ("chain_matmul" in expr)  # (PyTorch gives its warning once per process)


def test_multi_dot_refuses_what_pytorch_refuses():
    A, B = ag.ones(3, 4), ag.ones(5, 2)
    for lib, args, match in [(ag, [A], "expected at least 2 tensors"), (ag, [A, B], "cannot be multiplied"),
                             (ag, [A, ag.ones(4, 2, 2)], "the last tensor must be 1D or 2D")]:
        with pytest.raises(RuntimeError, match=match):
            lib.linalg.multi_dot(args)
    with pytest.raises(RuntimeError, match="Expected all tensors to be 2D"), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ag.chain_matmul(A, ag.ones(4))


@pytest.mark.parametrize("expr", [
    "F.upsample_bilinear(x, scale_factor=2)", "F.upsample_bilinear(x, size=(3, 5))",
    "F.upsample_nearest(x, scale_factor=2)", "F.upsample(x, scale_factor=2, mode='bilinear', align_corners=False)",
])
def test_the_upsample_functions(expr):
    x = np.arange(12, dtype=np.float32).reshape(1, 1, 3, 4)
    (theirs, warned_theirs), (ours, warned_ours) = _both(expr, x=x)
    np.testing.assert_allclose(_array(ours), _array(theirs), rtol=1e-6, atol=1e-6)
    assert warned_ours == warned_theirs


def test_clip_grad_norm_under_its_old_name():
    norms = []
    for lib, _ in LIBS:
        p = lib.tensor([3.0, 4.0], requires_grad=True)
        (p * p).sum().backward()
        with pytest.warns(FutureWarning, match="clip_grad_norm_"):
            total = (torch.nn if lib is torch else nn).utils.clip_grad_norm([p], 1.0)
        norms.append((float(total), p.grad.numpy().copy()))
    np.testing.assert_allclose(norms[1][0], norms[0][0], rtol=1e-6)
    np.testing.assert_allclose(norms[1][1], norms[0][1], rtol=1e-6)


def test_indexing_a_number_says_to_use_item():
    """``loss.data[0]``, how a loss was read before PyTorch 0.4, is an error in both, naming ``.item()``."""
    for lib, _ in LIBS:
        with pytest.raises(IndexError, match=r"invalid index of a 0-dim tensor. Use `tensor.item\(\)`"):
            lib.tensor([1.0, 2.0]).sum().data[0]
