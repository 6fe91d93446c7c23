"""Convolution and pooling primitives: central-difference gradchecks (float64, small shapes) and
PyTorch as the oracle for forward values and gradients."""
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import autograd as ag
import nn.functional as F

try:
    import torch
except ImportError:  # PyTorch is only the oracle: its comparisons skip, everything else runs
    torch = None
needs_torch = pytest.mark.skipif(torch is None, reason="PyTorch is the reference for this test")
TF = torch.nn.functional if torch is not None else None

RNG = np.random.default_rng(0)


def _t(*shape, grad=True):
    return ag.tensor(RNG.standard_normal(shape), dtype=ag.float64, requires_grad=grad)


# ----------------------------------------------------------------- gradcheck table

GRADCHECK_CASES = [
    # (name, fn, input shapes)
    ("conv2d plain", lambda x, w, b: F.conv2d(x, w, b), [(2, 2, 5, 4), (3, 2, 3, 2), (3,)]),
    ("conv2d stride/pad", lambda x, w: F.conv2d(x, w, stride=2, padding=1), [(2, 2, 5, 6), (3, 2, 3, 3)]),
    ("conv2d asym stride/pad/dilation", lambda x, w: F.conv2d(x, w, stride=(2, 1), padding=(0, 2), dilation=(1, 2)),
     [(1, 2, 6, 5), (2, 2, 2, 3)]),
    ("conv2d groups", lambda x, w: F.conv2d(x, w, padding=1, groups=2), [(2, 4, 4, 4), (6, 2, 3, 3)]),
    ("conv2d same (even kernel)", lambda x, w: F.conv2d(x, w, padding="same"), [(1, 2, 4, 5), (2, 2, 2, 4)]),
    ("conv1d", lambda x, w, b: F.conv1d(x, w, b, stride=2, padding=2, dilation=2), [(2, 3, 9), (4, 3, 3), (4,)]),
    ("conv1d groups", lambda x, w: F.conv1d(x, w, groups=3), [(2, 3, 6), (3, 1, 2)]),
    ("conv_transpose2d", lambda x, w, b: F.conv_transpose2d(x, w, b, stride=2, padding=1, output_padding=1),
     [(2, 3, 3, 2), (3, 2, 3, 3), (2,)]),
    ("conv_transpose2d groups/dilation", lambda x, w: F.conv_transpose2d(x, w, groups=2, dilation=2),
     [(1, 4, 3, 3), (4, 1, 2, 2)]),
    ("conv_transpose1d", lambda x, w: F.conv_transpose1d(x, w, stride=3, padding=1), [(2, 2, 4), (2, 3, 3)]),
    ("max_pool2d", lambda x: F.max_pool2d(x, 2), [(2, 2, 4, 6)]),
    ("max_pool2d stride/pad/ceil", lambda x: F.max_pool2d(x, 3, 2, 1, ceil_mode=True), [(1, 2, 6, 7)]),
    ("max_pool2d dilation", lambda x: F.max_pool2d(x, (2, 2), 1, dilation=2), [(1, 2, 5, 5)]),
    ("max_pool1d", lambda x: F.max_pool1d(x, 3, 2, 1), [(2, 3, 8)]),
    ("avg_pool2d", lambda x: F.avg_pool2d(x, 2), [(2, 2, 4, 6)]),
    ("avg_pool2d pad ceil no-count", lambda x: F.avg_pool2d(x, 3, 2, 1, ceil_mode=True, count_include_pad=False),
     [(1, 2, 6, 7)]),
    ("avg_pool1d", lambda x: F.avg_pool1d(x, 3, 1, 1), [(2, 2, 6)]),
    ("adaptive_avg_pool2d", lambda x: F.adaptive_avg_pool2d(x, (3, 2)), [(2, 2, 7, 5)]),
    ("interpolate nearest x2", lambda x: F.interpolate(x, scale_factor=2), [(1, 2, 3, 2)]),
    ("interpolate nearest size", lambda x: F.interpolate(x, size=(5, 3)), [(1, 2, 3, 4)]),
    ("interpolate bilinear", lambda x: F.interpolate(x, scale_factor=2, mode="bilinear"), [(1, 2, 3, 2)]),
    ("interpolate linear aligned", lambda x: F.interpolate(x, size=5, mode="linear", align_corners=True),
     [(2, 1, 3)]),
    ("pad constant", lambda x: F.pad(x, (1, 2, -1, 1), value=2.0), [(1, 2, 3, 4)]),
    ("pad reflect", lambda x: F.pad(x, (2, 1, 1, 2), mode="reflect"), [(1, 2, 3, 4)]),
    ("pad replicate", lambda x: F.pad(x, (3, 1), mode="replicate"), [(2, 2, 3)]),
    ("pad circular", lambda x: F.pad(x, (1, 3, 2, 0), mode="circular"), [(1, 1, 3, 4)]),
]


@pytest.mark.parametrize("name,fn,shapes", GRADCHECK_CASES, ids=[c[0] for c in GRADCHECK_CASES])
def test_gradcheck(name, fn, shapes):
    inputs = [_t(*s) for s in shapes]
    assert ag.gradcheck(fn, inputs)


def test_gradcheck_embedding_with_repeated_indices():
    idx = ag.tensor([[0, 2, 2], [1, 2, 0]])
    assert ag.gradcheck(lambda w: F.embedding(idx, w), [_t(4, 3)])


def test_max_pool_with_ties_sends_gradient_to_the_first_maximum_like_torch():
    x = ag.tensor(np.ones((1, 1, 2, 4)), requires_grad=True)
    F.max_pool2d(x, 2).sum().backward()
    assert x.grad.numpy().tolist() == [[[[1.0, 0.0, 1.0, 0.0], [0.0, 0.0, 0.0, 0.0]]]]


# ----------------------------------------------------------------- double backward


@pytest.mark.parametrize("op", ["conv2d", "conv_transpose2d", "conv_transpose2d output_padding", "conv1d",
                                "max_pool2d", "avg_pool2d"])
def test_gradient_of_gradient(op):
    """create_graph=True builds the backward from Functions, so a gradient penalty differentiates."""
    fns = {
        "conv2d": (lambda x, w: F.conv2d(x, w, stride=2, padding=1), [(1, 2, 5, 5), (2, 2, 3, 3)]),
        "conv_transpose2d": (lambda x, w: F.conv_transpose2d(x, w, stride=2), [(1, 2, 3, 3), (2, 2, 2, 2)]),
        "conv_transpose2d output_padding": (  # stride 1: the output padding's rows need cropping from dx
            lambda x, w: F.conv_transpose2d(x, w, dilation=2, output_padding=1), [(1, 2, 3, 3), (2, 2, 2, 2)]),
        "conv1d": (lambda x, w: F.conv1d(x, w, padding=1), [(1, 2, 5), (3, 2, 3)]),
        "max_pool2d": (lambda x, w: F.max_pool2d(x * w, 2, 1), [(1, 2, 4, 4), (1, 2, 1, 1)]),
        "avg_pool2d": (lambda x, w: F.avg_pool2d(x * w, 3, 2, 1), [(1, 2, 5, 5), (1, 2, 1, 1)]),
    }
    fn, shapes = fns[op]

    def penalty(x, w):
        y = fn(x, w)
        (gx,) = ag.grad((y * y).sum(), [x], create_graph=True)
        return (gx * gx).sum()

    assert ag.gradcheck(penalty, [_t(*s) for s in shapes], atol=1e-4)


# ----------------------------------------------------------------- against PyTorch


TORCH_CASES = [
    ("conv2d", dict(stride=(2, 1), padding=(1, 2), dilation=(1, 2), groups=2), [(2, 4, 7, 6), (6, 2, 3, 2), (6,)]),
    ("conv2d", dict(padding="same", dilation=2), [(2, 3, 7, 6), (4, 3, 3, 4)]),
    ("conv2d", dict(padding="valid", stride=3), [(2, 3, 8, 9), (4, 3, 2, 2)]),
    ("conv1d", dict(stride=2, padding=1), [(2, 3, 17), (5, 3, 5), (5,)]),
    ("conv_transpose2d", dict(stride=2, padding=1, output_padding=1, groups=2), [(2, 4, 5, 4), (4, 3, 3, 2), (6,)]),
    ("conv_transpose2d", dict(stride=(1, 2), dilation=(2, 1)), [(1, 2, 4, 4), (2, 3, 2, 3)]),
    ("conv_transpose1d", dict(stride=3, padding=1, dilation=2), [(2, 4, 5), (4, 3, 3)]),
    # stride 1: dL/dx (and a transposed convolution's output) on the flat columns
    ("conv2d", dict(padding=(2, 1), dilation=(1, 2), groups=2), [(2, 4, 7, 6), (6, 2, 3, 2), (6,)]),
    ("conv1d", dict(padding=2), [(2, 3, 9), (5, 3, 4), (5,)]),
    ("conv_transpose2d", dict(padding=1, dilation=2, output_padding=1, groups=2), [(2, 4, 5, 4), (4, 3, 3, 2), (6,)]),
    ("max_pool2d", dict(kernel_size=3, stride=2, padding=1, ceil_mode=True), [(2, 3, 7, 8)]),
    ("max_pool2d", dict(kernel_size=(3, 2), dilation=2), [(2, 3, 9, 8)]),
    ("max_pool1d", dict(kernel_size=2), [(2, 3, 9)]),
    ("max_pool1d", dict(kernel_size=4, stride=3, padding=2, ceil_mode=True), [(2, 3, 10)]),
    ("avg_pool2d", dict(kernel_size=3, stride=2, padding=1, ceil_mode=True, count_include_pad=False), [(2, 3, 7, 8)]),
    ("avg_pool2d", dict(kernel_size=3, stride=2, padding=1, ceil_mode=True), [(2, 3, 7, 8)]),
    ("avg_pool2d", dict(kernel_size=2, divisor_override=3), [(2, 3, 4, 6)]),
    ("avg_pool1d", dict(kernel_size=3, padding=1), [(2, 3, 9)]),
    ("adaptive_avg_pool2d", dict(output_size=(3, 5)), [(2, 3, 7, 8)]),
    ("adaptive_avg_pool2d", dict(output_size=(None, 2)), [(2, 3, 7, 8)]),
    ("adaptive_avg_pool2d", dict(output_size=1), [(2, 3, 7, 8)]),
    ("adaptive_avg_pool1d", dict(output_size=4), [(2, 3, 10)]),
    ("interpolate", dict(scale_factor=2), [(2, 3, 4, 5)]),
    ("interpolate", dict(scale_factor=(3, 1)), [(2, 3, 4, 5)]),
    ("interpolate", dict(size=(7, 3)), [(2, 3, 4, 5)]),
    ("interpolate", dict(scale_factor=1.5), [(2, 3, 5)]),
    ("interpolate", dict(scale_factor=2, mode="bilinear"), [(2, 3, 4, 5)]),
    ("interpolate", dict(size=(7, 3), mode="bilinear"), [(2, 3, 4, 5)]),
    ("interpolate", dict(size=(7, 9), mode="bilinear", align_corners=True), [(2, 3, 4, 5)]),
    ("interpolate", dict(scale_factor=(0.5, 2.5), mode="bilinear"), [(2, 3, 4, 5)]),
    ("interpolate", dict(scale_factor=1.7, mode="linear"), [(2, 3, 5)]),
    ("interpolate", dict(size=3, mode="linear", align_corners=True), [(2, 3, 5)]),
    ("interpolate", dict(size=(5, 4), mode="bilinear", antialias=True), [(2, 3, 17, 13)]),  # (torchvision's Resize)
    ("interpolate", dict(size=(5, 20), mode="bilinear", antialias=True), [(2, 3, 17, 13)]),  # (down and up)
    ("interpolate", dict(scale_factor=(0.37, 0.3), mode="bilinear", antialias=True), [(1, 2, 9, 7)]),
    ("interpolate", dict(size=(1, 3), mode="bilinear", align_corners=True, antialias=True), [(1, 2, 8, 8)]),
    ("pad", dict(pad=(1, 2, 0, 3), value=-1.5), [(2, 3, 4, 5)]),
    ("pad", dict(pad=(-1, 2, 2, -1)), [(2, 3, 4, 5)]),
    ("pad", dict(pad=(2, 3, 3, 1), mode="reflect"), [(2, 3, 4, 5)]),
    ("pad", dict(pad=(2, 3, 3, 1), mode="replicate"), [(2, 3, 4, 5)]),
    ("pad", dict(pad=(4, 3, 1, 4), mode="circular"), [(2, 3, 4, 5)]),
    ("pad", dict(pad=(3, 2), mode="reflect"), [(2, 3, 5)]),
]


def _compare(name, kwargs, shapes, dtype=np.float64, atol=1e-10, rtol=1e-7):
    arrays = [RNG.standard_normal(s).astype(dtype) for s in shapes]
    ours = [ag.tensor(a, requires_grad=True) for a in arrays]
    theirs = [torch.tensor(a, requires_grad=True) for a in arrays]
    y, yt = getattr(F, name)(*ours, **kwargs), getattr(TF, name)(*theirs, **kwargs)
    assert tuple(y.shape) == tuple(yt.shape)
    np.testing.assert_allclose(y.detach().numpy(), yt.detach().numpy(), atol=atol, rtol=rtol)
    g = RNG.standard_normal(tuple(yt.shape)).astype(dtype)
    y.backward(ag.tensor(g))
    yt.backward(torch.tensor(g))
    for a, b in zip(ours, theirs):
        np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), atol=atol, rtol=rtol)


@needs_torch
@pytest.mark.parametrize("name,kwargs,shapes", TORCH_CASES, ids=[f"{c[0]}-{i}" for i, c in enumerate(TORCH_CASES)])
def test_matches_torch(name, kwargs, shapes):
    _compare(name, kwargs, shapes)


@needs_torch
@pytest.mark.parametrize("name,kwargs,shapes", [
    ("conv2d", dict(stride=2, padding=1, groups=2), [(5, 4, 7, 6), (6, 2, 3, 3), (6,)]),
    ("conv_transpose2d", dict(stride=2, padding=1, output_padding=1), [(5, 3, 4, 4), (3, 2, 3, 3)]),
    ("conv1d", dict(dilation=2), [(3, 2, 9), (4, 2, 3)]),
    ("conv2d", dict(padding=1, dilation=(1, 2), groups=2), [(5, 4, 7, 6), (6, 2, 3, 3), (6,)]),  # flat columns
])
def test_batch_slicing_gives_the_same_numbers(monkeypatch, name, kwargs, shapes):
    """im2col walks the batch in cache-sized slices; one sample per slice must change nothing."""
    from autograd.ops import conv as ops_conv

    monkeypatch.setattr(ops_conv, "CHUNK_BYTES", 1)
    monkeypatch.setattr(ops_conv, "MAX_CHUNKS", 16)
    assert len(ops_conv._chunks(5, 100)) == 5
    assert len(ops_conv._chunks(100, 100)) == 15  # at most MAX_CHUNKS = 16 slices: 7 samples each
    _compare(name, kwargs, shapes)
    monkeypatch.setattr(ops_conv, "CHUNK_BYTES", 2000)  # slices of a few samples, the last one short
    assert [e - s for s, e in ops_conv._chunks(5, 800)] == [2, 2, 1]
    _compare(name, kwargs, shapes)


@needs_torch
def test_conv2d_float32_matches_torch_and_stays_float32():
    x = ag.randn(4, 3, 10, 10, requires_grad=True)
    w = ag.randn(8, 3, 3, 3, requires_grad=True)
    y = F.conv2d(x, w, padding=1)
    assert y.dtype == ag.float32
    y.sum().backward()
    assert x.grad.dtype == ag.float32 and w.grad.dtype == ag.float32
    _compare("conv2d", dict(stride=2, padding=1), [(4, 3, 10, 10), (8, 3, 3, 3)], np.float32, atol=1e-4, rtol=1e-4)


@needs_torch
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(n=st.integers(1, 2), cin=st.integers(1, 3), cout=st.integers(1, 3), groups=st.sampled_from([1, 2]),
       h=st.integers(1, 7), w=st.integers(1, 7), kh=st.integers(1, 3), kw=st.integers(1, 3),
       stride=st.tuples(st.integers(1, 3), st.integers(1, 3)), pad=st.tuples(st.integers(0, 2), st.integers(0, 2)),
       dil=st.tuples(st.integers(1, 2), st.integers(1, 2)))
def test_conv2d_geometry_matches_torch(n, cin, cout, groups, h, w, kh, kw, stride, pad, dil):
    cin, cout = cin * groups, cout * groups
    span_ok = all(d * (k - 1) + 1 <= size + 2 * p for d, k, size, p in zip(dil, (kh, kw), (h, w), pad))
    kwargs = dict(stride=stride, padding=pad, dilation=dil, groups=groups)
    shapes = [(n, cin, h, w), (cout, cin // groups, kh, kw), (cout,)]
    if not span_ok:
        with pytest.raises(ValueError, match="larger than the padded input"):
            F.conv2d(ag.zeros(*shapes[0]), ag.zeros(*shapes[1]), **kwargs)
        return
    _compare("conv2d", kwargs, shapes)


def _conv_grads(lib, arrays, requires, kwargs):
    """conv2d's output and the gradients of its inputs under PyTorch or seegrad (None where not asked)."""
    if lib is torch:
        ts = [torch.tensor(a, requires_grad=r) for a, r in zip(arrays, requires)]
        y = TF.conv2d(*ts, **kwargs)
        y.backward(torch.ones_like(y))
        return [y.detach().numpy()] + [None if t.grad is None else t.grad.numpy() for t in ts]
    ts = [ag.tensor(a, requires_grad=r) for a, r in zip(arrays, requires)]
    y = F.conv2d(*ts, **kwargs)
    y.backward(ag.ones(*y.shape, dtype=y.dtype))
    return [y.detach().numpy()] + [None if t.grad is None else t.grad.numpy() for t in ts]


@needs_torch
@pytest.mark.parametrize("where,value", [("x", np.nan), ("x", np.inf), ("w", np.nan), ("w", -np.inf)])
@pytest.mark.parametrize("padding", [0, 1])
def test_non_finite_values_reach_the_same_outputs_and_gradients_as_torch(where, value, padding):
    """The flat columns' padding columns meet the numbers as 0 * x; 0 * inf is nan, so a non-finite
    weight or weight gradient takes the exact columns: nan and inf land where PyTorch puts them."""
    x, w, b = RNG.standard_normal((2, 3, 6, 7)), RNG.standard_normal((4, 3, 3, 3)), RNG.standard_normal(4)
    if where == "x":
        x[0, 1, 2, 0] = value  # in column 0: only kernel column 0 ever reads it
    else:
        w[1, 2, 1, 1] = value
    ours = _conv_grads(ag, [x, w, b], [True] * 3, dict(padding=padding))
    theirs = _conv_grads(torch, [x, w, b], [True] * 3, dict(padding=padding))
    for name, a, t in zip(["y", "dx", "dw", "db"], ours, theirs):
        np.testing.assert_allclose(a, t, rtol=1e-7, atol=1e-10, err_msg=name)  # nan and inf at the same places


@needs_torch
@pytest.mark.parametrize("requires", [(False, False, True), (False, True, False), (True, False, True),
                                      (True, True, False), (False, True, True)])
def test_each_subset_of_gradients_matches_torch(requires):
    """The bias gradient rides on dW's matmul; without dW it is a sum of its own."""
    arrays = [RNG.standard_normal((3, 4, 6, 5)), RNG.standard_normal((6, 2, 3, 3)), RNG.standard_normal(6)]
    kwargs = dict(padding=1, groups=2)
    for a, t in zip(_conv_grads(ag, arrays, requires, kwargs), _conv_grads(torch, arrays, requires, kwargs)):
        assert (a is None) == (t is None)
        if a is not None:
            np.testing.assert_allclose(a, t, rtol=1e-7, atol=1e-10)


FLAT_COL2IM_CASES = [
    # stride 1 with dL/dx: col2im is one strided sum over dcols between margins of zeros
    ("1x1 kernel, padding (no margin)", dict(padding=1), [(2, 3, 5, 4), (4, 3, 1, 1), (4,)]),
    ("odd sizes, asymmetric kernel", dict(), [(3, 5, 7, 9), (6, 5, 2, 3), (6,)]),
    ("kernel as wide as the input", dict(), [(2, 2, 6, 4), (3, 2, 3, 4)]),
    ("kernel as tall as the input, padding", dict(padding=(0, 2)), [(2, 2, 3, 5), (3, 2, 3, 2)]),
    ("dilation, groups, asymmetric padding", dict(padding=(1, 3), dilation=(2, 3), groups=3),
     [(2, 6, 8, 9), (9, 2, 3, 3), (9,)]),
    ("'same' with an even kernel and dilation", dict(padding="same", dilation=(1, 2)), [(2, 3, 6, 7), (5, 3, 4, 2)]),
    ("one output row", dict(), [(2, 3, 3, 8), (2, 3, 3, 3)]),
    ("one output column", dict(padding=(1, 0)), [(2, 3, 6, 3), (2, 3, 3, 3)]),
    ("conv1d, dilation", dict(padding=3, dilation=3), [(3, 4, 11), (5, 4, 3), (5,)]),
    ("conv_transpose2d stride 1, output_padding", dict(padding=(2, 1), dilation=3, output_padding=(2, 1)),
     [(2, 4, 5, 6), (4, 3, 3, 2)]),
    ("conv_transpose1d stride 1, groups", dict(padding=1, groups=2), [(2, 4, 7), (4, 3, 3), (6,)]),
]


@needs_torch
@pytest.mark.parametrize("name,kwargs,shapes", FLAT_COL2IM_CASES, ids=[c[0] for c in FLAT_COL2IM_CASES])
def test_flat_col2im_matches_torch(name, kwargs, shapes):
    op = name.split(" ")[0].rstrip(",") if name.startswith(("conv1d", "conv_transpose")) else "conv2d"
    _compare(op, kwargs, shapes)


@needs_torch
@pytest.mark.parametrize("dtype,tol", [(np.float32, 1e-4), (np.float64, 1e-10)])
def test_flat_col2im_on_the_benchmark_network_matches_torch(dtype, tol):
    """Conv2d(1, 8, 3) -> ReLU -> Conv2d(8, 16, 3) on 28x28, as benchmarks/conv_bench.py (fewer channels):
    the second layer's dL/dx goes through the flat columns, the first layer's dL/dw through the exact ones."""
    x = RNG.standard_normal((5, 1, 28, 28)).astype(dtype)
    w1, b1 = RNG.standard_normal((8, 1, 3, 3)).astype(dtype), RNG.standard_normal(8).astype(dtype)
    w2, b2 = RNG.standard_normal((16, 8, 3, 3)).astype(dtype), RNG.standard_normal(16).astype(dtype)
    ours = [ag.tensor(a, requires_grad=True) for a in (x, w1, b1, w2, b2)]
    theirs = [torch.tensor(a, requires_grad=True) for a in (x, w1, b1, w2, b2)]
    y = F.conv2d(F.conv2d(ours[0], ours[1], ours[2]).relu(), ours[3], ours[4])
    yt = TF.conv2d(TF.conv2d(theirs[0], theirs[1], theirs[2]).relu(), theirs[3], theirs[4])
    y.sum().backward()
    yt.sum().backward()
    np.testing.assert_allclose(y.detach().numpy(), yt.detach().numpy(), rtol=tol, atol=tol)
    for a, b in zip(ours, theirs):
        scale = float(np.abs(b.grad.numpy()).max())
        np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), rtol=tol, atol=tol * scale)


@needs_torch
def test_flat_col2im_takes_non_contiguous_inputs_and_gradients():
    base = RNG.standard_normal((3, 6, 9, 8))
    x, xt = ag.tensor(base, requires_grad=True), torch.tensor(base, requires_grad=True)
    w = RNG.standard_normal((5, 3, 3, 2))
    y = F.conv2d(x[:, ::2].transpose(2, 3), ag.tensor(w), padding=(1, 0))  # input (3, 3, 8, 9), strided
    yt = TF.conv2d(xt[:, ::2].transpose(2, 3), torch.tensor(w), padding=(1, 0))
    g = RNG.standard_normal((3, 5, 8, 16))[..., ::2]  # (3, 5, 8, 8), strided
    y.backward(ag.tensor(g))
    yt.backward(torch.tensor(g.copy()))
    np.testing.assert_allclose(y.detach().numpy(), yt.detach().numpy(), atol=1e-10)
    np.testing.assert_allclose(x.grad.numpy(), xt.grad.numpy(), atol=1e-10)


def test_flat_col2im_agrees_with_the_exact_columns():
    """The same dL/dx from the flat columns (one strided sum) and the exact ones (an add per offset)."""
    from autograd.ops.conv import conv_backward

    x, w = RNG.standard_normal((3, 4, 7, 6)), RNG.standard_normal((6, 2, 3, 2))
    geo = dict(stride=(1, 1), padding=((2, 1), (0, 3)), dilation=(2, 1), groups=2)
    g = RNG.standard_normal((3, 6, 6, 8))  # (N, O, OH, OW)
    flat = conv_backward(g, x, w, x.shape, w.shape, **geo, need_b=True)
    exact = conv_backward(g, x, w, x.shape, w.shape, **geo, need_b=True, flat=False)
    for a, b in zip(flat, exact):  # dL/dx, dL/dw, dL/db
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-12)


@needs_torch
def test_work_arrays_left_dirty_by_another_convolution_change_nothing():
    """dcols' margins must be zeros: a larger convolution run before fills the same work arrays with
    numbers, and a smaller one after it still matches PyTorch."""
    _compare("conv2d", dict(padding=2), [(4, 16, 12, 12), (16, 16, 5, 5), (16,)])
    _compare("conv2d", dict(padding=1), [(2, 3, 5, 6), (4, 3, 3, 3), (4,)])
    _compare("conv_transpose2d", dict(padding=1), [(2, 4, 5, 6), (4, 3, 3, 3)])


def test_threads_keep_their_own_work_arrays():
    """The work arrays kept between calls are per thread: convolutions of other shapes running at
    the same time in other threads give the numbers they give alone."""
    import threading

    cases = [(RNG.standard_normal((4, 3, 9, 8)), RNG.standard_normal((5, 3, 3, 3)), dict(padding=1)),
             (RNG.standard_normal((3, 2, 7, 7)), RNG.standard_normal((4, 2, 2, 3)), dict(dilation=2))]

    def run(x, w, kwargs):
        return _conv_grads(ag, [x, w], [True, True], kwargs)

    alone = [run(*case) for case in cases]
    together = [[] for _ in cases]

    def worker(i):
        for _ in range(20):
            together[i].append(run(*cases[i]))

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(len(cases))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for i, runs in enumerate(together):
        assert len(runs) == 20
        for got in runs:
            for a, b in zip(got, alone[i]):
                np.testing.assert_array_equal(a, b)


@needs_torch
def test_max_pool2d_return_indices_match_torch():
    a = RNG.standard_normal((2, 3, 7, 8))
    y, idx = F.max_pool2d(ag.tensor(a), 3, 2, 1, return_indices=True, ceil_mode=True)
    yt, it = TF.max_pool2d(torch.tensor(a), 3, 2, 1, return_indices=True, ceil_mode=True)
    np.testing.assert_array_equal(idx.numpy(), it.numpy())
    np.testing.assert_allclose(y.numpy(), yt.numpy())
    y1, idx1 = F.max_pool1d(ag.tensor(a[:, :, 0]), 2, return_indices=True)
    np.testing.assert_array_equal(idx1.numpy(), TF.max_pool1d(torch.tensor(a[:, :, 0]), 2, return_indices=True)[1])


@needs_torch
def test_max_pool_propagates_nan_like_torch():
    a = np.array([[[[1.0, np.nan], [3.0, 0.0]]]])
    assert np.isnan(F.max_pool2d(ag.tensor(a), 2).numpy()).all()
    assert np.isnan(TF.max_pool2d(torch.tensor(a), 2).numpy()).all()


@needs_torch
def test_unbatched_inputs_work_like_torch():
    x, w = RNG.standard_normal((3, 6, 5)), RNG.standard_normal((2, 3, 3, 3))
    np.testing.assert_allclose(F.conv2d(ag.tensor(x), ag.tensor(w), padding=1).numpy(),
                               TF.conv2d(torch.tensor(x), torch.tensor(w), padding=1).numpy(), atol=1e-12)
    np.testing.assert_allclose(F.max_pool2d(ag.tensor(x), 2).numpy(), TF.max_pool2d(torch.tensor(x), 2).numpy())


# ----------------------------------------------------------------- bad input


@pytest.mark.parametrize("call,match", [
    (lambda: F.conv2d(ag.zeros(2, 3, 5), ag.zeros(4, 3, 3, 3)), r"has 2 channels"),  # unbatched (C=2, H, W)
    (lambda: F.conv2d(ag.zeros(5, 5), ag.zeros(4, 3, 3, 3)), r"expected a 4-d input \(N, C, H, W\)"),
    (lambda: F.conv2d(ag.zeros(1, 2, 5, 5), ag.zeros(4, 3, 3, 3)), r"has 2 channels but the weight"),
    (lambda: F.conv2d(ag.zeros(1, 3, 2, 2), ag.zeros(4, 3, 3, 3)), r"larger than the padded input 2x2"),
    (lambda: F.conv2d(ag.zeros(1, 3, 5, 5), ag.zeros(4, 3, 3, 3), padding="same", stride=2), r"strided"),
    (lambda: F.conv2d(ag.zeros(1, 4, 5, 5), ag.zeros(3, 2, 3, 3), groups=2), r"groups=2 must divide"),
    (lambda: F.max_pool2d(ag.zeros(1, 1, 4, 4), 2, padding=2), r"at most half of the effective kernel"),
    (lambda: F.max_pool2d(ag.zeros(1, 1, 2, 2), 3), r"too small for kernel"),
    (lambda: F.conv_transpose2d(ag.zeros(1, 2, 3, 3), ag.zeros(3, 2, 3, 3)), r"has 2 channels but the weight"),
    (lambda: F.conv_transpose2d(ag.zeros(1, 2, 3, 3), ag.zeros(2, 2, 3, 3), stride=2, output_padding=2),
     r"output_padding"),
    (lambda: F.interpolate(ag.zeros(1, 1, 3, 3), scale_factor=2, mode="bicubic"), r"not implemented"),
    (lambda: F.interpolate(ag.zeros(1, 1, 3), scale_factor=2, mode="bilinear"), r"needs a 4-d input"),
    (lambda: F.interpolate(ag.zeros(1, 1, 8, 8), size=3, antialias=True), r"antialias=True is restricted to mode="),
    (lambda: F.interpolate(ag.zeros(1, 1, 8), size=3, mode="linear", antialias=True), r"and a 4-d input"),
    (lambda: F.pad(ag.zeros(1, 3, 3), (3, 0), mode="reflect"), r"reflect padding \(3, 0\) must be smaller"),
    (lambda: F.pad(ag.zeros(1, 1, 3, 3), (1, 0), mode="reflect"), r"2 pads for a 2-d or 3-d input"),
    (lambda: F.pad(ag.zeros(1, 1, 3, 3), (1, 2, 3)), r"even length"),
    (lambda: F.pad(ag.zeros(1, 1, 3, 3), (1, 1), mode="edge"), r"mode must be"),
])
def test_bad_input_errors_are_clear(call, match):
    with pytest.raises((ValueError, RuntimeError, NotImplementedError, TypeError), match=match):
        call()


@needs_torch
def test_antialiased_resize_matches_torch_in_float32():
    """A CelebA-sized image resized to 64x64 as torchvision's Resize does (bilinear, antialias=True): float32
    in, float32 out, within float32's rounding of PyTorch's, its gradient too."""
    x = RNG.random((2, 3, 218, 178)).astype(np.float32)
    ours, theirs = ag.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    y = F.interpolate(ours, size=(64, 64), mode="bilinear", antialias=True)
    yt = TF.interpolate(theirs, size=(64, 64), mode="bilinear", antialias=True)
    assert y.dtype == ag.float32
    np.testing.assert_allclose(y.detach().numpy(), yt.detach().numpy(), rtol=1e-5, atol=1e-6)
    g = RNG.standard_normal((2, 3, 64, 64)).astype(np.float32)
    y.backward(ag.tensor(g))
    yt.backward(torch.tensor(g))
    assert ours.grad.dtype == ag.float32
    np.testing.assert_allclose(ours.grad.numpy(), theirs.grad.numpy(), rtol=1e-5, atol=1e-6)


@needs_torch
@pytest.mark.parametrize("align_corners", [False, True])
def test_an_antialiased_resize_one_pixel_wide_is_the_transpose_of_one_pixel_high(align_corners):
    """PyTorch 2.13's CPU kernel, resizing 8x8 to 3x1 with antialias=True, gives every output row the first
    row's value (12.65, 12.65, 12.65 for arange(64)); resizing the transposed input to 1x3 it gives 12.65, 37.5,
    52.27, the means of three bands of rows. Ours gives the latter both ways (its weights do not depend on which
    dim is resized), so it is checked against PyTorch's transposed resize."""
    x = np.arange(64.0).reshape(1, 1, 8, 8)
    ours = F.interpolate(ag.tensor(x), size=(3, 1), mode="bilinear", align_corners=align_corners, antialias=True)
    theirs = TF.interpolate(torch.tensor(x).transpose(2, 3), size=(1, 3), mode="bilinear",
                            align_corners=align_corners, antialias=True).transpose(2, 3)
    np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-12)
    assert len(set(ours.numpy().ravel())) == 3


@needs_torch
def test_antialias_is_refused_where_pytorch_refuses_it():
    for library, functional in ((torch, TF), (ag, F)):
        with pytest.raises(ValueError, match="restricted to"):
            functional.interpolate(library.zeros(1, 1, 8, 8), size=3, mode="nearest", antialias=True)


def test_conv2d_rejects_mixed_dtypes():
    with pytest.raises(TypeError, match="same dtype"):
        F.conv2d(ag.zeros(1, 1, 3, 3, dtype=ag.float64), ag.zeros(1, 1, 2, 2))


@needs_torch
@pytest.mark.parametrize("mode", ["reflect", "replicate", "circular"])
def test_mode_pads_match_torch_forward_backward_and_double_backward(mode):
    """reflect / replicate / circular pads of 1, 2 and 3 dims, batched or not, with negative pads (a dim that
    starts or ends inside the input): values, the input's gradient under a weighted sum, the second derivative
    through create_graph, and the node's name, as PyTorch's; what PyTorch refuses, refused."""
    rng = np.random.default_rng({"reflect": 0, "replicate": 1, "circular": 2}[mode])
    compared = 0
    for _ in range(120):
        k, batched = int(rng.integers(1, 4)), int(rng.integers(0, 2))
        shape = tuple(int(n) for n in rng.integers(1, 6, size=k + 1 + batched))
        pads = tuple(int(p) for p in rng.integers(-2, 4, size=2 * k))
        x = rng.standard_normal(shape)
        try:
            tx = torch.tensor(x, requires_grad=True)
            ty = TF.pad(tx, pads, mode=mode)
        except (RuntimeError, ValueError, NotImplementedError):
            if mode == "circular":  # (some wraps PyTorch refuses only at the copy: ours refuses them all)
                continue
            with pytest.raises((RuntimeError, ValueError, NotImplementedError)):
                F.pad(ag.tensor(x, requires_grad=True), pads, mode=mode)
            continue
        if 0 in ty.shape:  # (PyTorch's gradient of an empty output is uninitialised memory)
            continue
        ax = ag.tensor(x, requires_grad=True)
        wraps_twice = any(max(lo, hi) > n - max(-lo, 0) - max(-hi, 0)  # (more than is left after the crop)
                          for n, lo, hi in zip(shape[::-1], pads[::2], pads[1::2]))
        if mode == "circular" and wraps_twice:  # PyTorch's values there are uninitialised memory: refused here
            with pytest.raises(ValueError, match="circular padding"):
                F.pad(ax, pads, mode=mode)
            continue
        ay = F.pad(ax, pads, mode=mode)
        np.testing.assert_array_equal(ay.detach().numpy(), ty.detach().numpy(), err_msg=f"{shape} {pads}")
        assert ay.grad_fn.name() == ty.grad_fn.name().replace("torch::autograd::", "")
        w = np.cos(np.arange(ty.numel())).reshape(tuple(ty.shape))
        grads = []
        for lib, X, Y in ((torch, tx, ty), (ag, ax, ay)):
            seed = lib.tensor(w, requires_grad=True)
            (gx,) = lib.autograd.grad(Y, X, seed, create_graph=True)  # the fold, recorded
            (gseed,) = lib.autograd.grad((gx * gx).sum(), seed)  # through it: the pad of 2 gx
            grads.append((gx.detach().numpy(), gseed.detach().numpy()))
        for ours, theirs in zip(grads[1], grads[0]):
            np.testing.assert_allclose(ours, theirs, rtol=1e-12, atol=1e-12, err_msg=f"{shape} {pads}")
        compared += 1
    assert compared > 20
