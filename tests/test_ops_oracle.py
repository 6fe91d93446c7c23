"""The ops of issue 11 against PyTorch 2.13: each row runs once with ``torch`` and once with
``autograd`` in its place (``T``), on the same numbers, and must give the same values, dtypes
and gradients. Also: torch's type promotion over a table of dtype pairs, and OneCycleLR.
(Skipped where torch is not installed; CI installs it.)"""
import math
import warnings

import numpy as np
import pytest

import autograd as ag
import nn
import nn.functional as F
import optim

torch = pytest.importorskip("torch")  # the oracle itself
import torch.nn.functional as TF  # noqa: E402


class Lib:
    """What a snippet needs: T (torch or autograd), F (its nn.functional), L (its linalg), nn."""

    def __init__(self, T, F, L, nn):
        self.T, self.F, self.L, self.nn = T, F, L, nn


def _our_linalg():
    from autograd.ops import linalg
    return getattr(ag, "linalg", linalg)


TORCH = Lib(torch, TF, torch.linalg, torch.nn)
OURS = Lib(ag, F, _our_linalg(), nn)


def N(*shape):
    return ("normal", shape)


def U(*shape):
    return ("inside", shape)


def P(*shape):
    return ("positive", shape)


def G(*shape):
    return ("above_one", shape)


def D(*shape):
    return ("distinct", shape)


def _array(spec, rng):
    if isinstance(spec, np.ndarray):
        return spec
    kind, shape = spec
    if kind == "normal":
        return rng.standard_normal(shape).astype(np.float32)
    if kind == "inside":
        return rng.uniform(-0.9, 0.9, shape).astype(np.float32)
    if kind == "positive":
        return rng.uniform(0.5, 2.0, shape).astype(np.float32)
    if kind == "above_one":
        return rng.uniform(1.2, 3.0, shape).astype(np.float32)
    n = int(np.prod(shape))  # distinct: no ties (sort, topk, max pooling)
    return ((rng.permutation(n) - n / 2) * 0.37).reshape(shape).astype(np.float32)


def _dtype(t):
    return np.dtype(str(t.dtype).replace("torch.", "")) if isinstance(t, torch.Tensor) else t.dtype


def _outputs(out):
    return list(out) if isinstance(out, (tuple, list)) else [out]


def _run(lib, fn, arrays, seed):
    T = lib.T
    inputs = [T.tensor(a.copy(), requires_grad=a.dtype.kind == "f") for a in arrays]
    outs = _outputs(fn(lib, *inputs))
    rng = np.random.default_rng(seed)
    loss = None
    for o in outs:
        w = rng.standard_normal(tuple(o.shape))
        if o.requires_grad:
            term = (o * T.tensor(w.astype(_dtype(o)))).sum()
            loss = term if loss is None else loss + term
    if loss is not None:
        loss.backward()
    grads = [None if x.grad is None else x.grad.detach().numpy() for x in inputs]
    return [(o.detach().numpy(), _dtype(o)) for o in outs], grads


def check(fn, *specs, seed=0, rtol=1e-5, atol=1e-6):
    """fn(lib, *tensors) under torch and under autograd: same values, dtypes and input gradients."""
    rng = np.random.default_rng(seed)
    arrays = [_array(s, rng) for s in specs]
    with np.errstate(all="ignore"), warnings.catch_warnings():  # rows that divide by 0 on purpose
        warnings.simplefilter("ignore")
        (theirs, their_grads), (ours, our_grads) = [_run(lib, fn, arrays, seed) for lib in (TORCH, OURS)]
    assert len(ours) == len(theirs)
    for (a, da), (b, db) in zip(ours, theirs):
        assert da == db, f"dtype {da} != torch's {db}"
        assert a.shape == b.shape, f"shape {a.shape} != torch's {b.shape}"
        np.testing.assert_allclose(np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64), rtol=rtol,
                                   atol=atol, equal_nan=True)
    for g, h, a in zip(our_grads, their_grads, arrays):
        if g is not None or h is not None:  # no gradient at all counts as a zero gradient
            np.testing.assert_allclose(np.zeros(a.shape) if g is None else g, np.zeros(a.shape) if h is None else h,
                                       rtol=rtol * 10, atol=atol * 10)


IDX = np.array([[0, 2, 2], [1, 0, 3], [3, 3, 1]])
SORTED = [
    ("sort", lambda m, x: m.T.sort(x, dim=1), D(3, 5)),
    ("sort descending stable", lambda m, x: x.sort(dim=0, descending=True, stable=True), D(4, 3)),
    ("sort ties stable", lambda m, x: m.T.sort((x * 0).floor() + x.floor(), stable=True, descending=True), N(10)),
    ("argsort", lambda m, x: m.T.argsort(x, dim=-1, descending=True), D(2, 6)),
    ("topk", lambda m, x: x.topk(3), D(3, 5)),
    ("topk smallest dim 0", lambda m, x: m.T.topk(x, 2, dim=0, largest=False), D(4, 3)),
    ("topk k=0", lambda m, x: x.topk(0, dim=1), D(2, 3)),
    ("cummax", lambda m, x: m.T.cummax(x, 1), N(3, 5)),
    ("cummin ties", lambda m, x: x.floor().cummin(0), N(6, 2)),
]

INDEXING = [
    ("gather", lambda m, x: x.gather(1, m.T.tensor(IDX)), N(3, 4)),
    ("gather dim 0 smaller", lambda m, x: m.T.gather(x, 0, m.T.tensor(IDX[:2, :2] % 3)), N(3, 4)),
    ("scatter src", lambda m, x, s: x.scatter(1, m.T.tensor([[0, 3], [1, 2], [2, 0]]), s), N(3, 4), N(3, 2)),
    ("scatter value", lambda m, x: m.T.scatter(x, 0, m.T.tensor([[2, 0, 1, 1]]), 7.5), N(3, 4)),
    ("scatter_add", lambda m, x, s: x.scatter_add(1, m.T.tensor(IDX), s), N(3, 4), N(3, 3)),
    ("scatter_add dim 0", lambda m, x, s: m.T.scatter_add(x, 0, m.T.tensor(IDX % 3), s), N(3, 4), N(3, 3)),
]
for _reduce in ("sum", "prod", "mean", "amax", "amin"):
    for _self in (True, False):
        INDEXING.append((f"scatter_reduce {_reduce} include_self={_self}",
                         lambda m, x, s, r=_reduce, i=_self: x.scatter_reduce(1, m.T.tensor(IDX), s, r,
                                                                              include_self=i),
                         D(3, 4), D(3, 3)))
INDEXING += [
    ("scatter_reduce int mean", lambda m: m.T.tensor([[5, 2, 8]]).scatter_reduce(
        1, m.T.tensor([[0, 0, 2]]), m.T.tensor([[3, 4, 1]]), "mean")),
    ("index_select", lambda m, x: x.index_select(1, m.T.tensor([3, 0, 3])), N(3, 4)),
    ("index_select 0-d index", lambda m, x: m.T.index_select(x, 0, m.T.tensor(2)), N(3, 4)),
    ("index_add", lambda m, x, s: x.index_add(0, m.T.tensor([2, 0, 2]), s, alpha=-1.5), N(3, 4), N(3, 4)),
    ("masked_fill", lambda m, x: x.masked_fill(x > 0.2, -1.0), N(3, 4)),
    ("masked_fill broadcast", lambda m, x: m.T.masked_fill(x, m.T.tensor([[True], [False], [True]]), 2), N(3, 4)),
    ("masked_fill tensor value", lambda m, x, v: x.masked_fill(x < 0, v.sum()), N(3, 4), N(2)),
    ("masked_fill int", lambda m: m.T.arange(6).masked_fill(m.T.arange(6) > 2, 1.7)),
]

SCANS = [
    ("cumsum", lambda m, x: x.cumsum(1), N(3, 4)),
    ("cumsum int", lambda m: m.T.arange(5, dtype=m.T.int32).cumsum(0)),
    ("cumsum dtype", lambda m, x: m.T.cumsum(x, 0, dtype=m.T.float64), N(3, 2)),
    ("cumprod", lambda m, x: x.cumprod(0), N(4, 3)),
    ("cumprod zeros", lambda m, x: (x * m.T.tensor([1.0, 0.0, 1.0, 0.0, 1.0])).cumprod(-1), N(2, 5)),
    ("cumprod bool", lambda m: m.T.tensor([True, True, False]).cumprod(0)),
    ("logcumsumexp", lambda m, x: x.logcumsumexp(1), N(3, 5)),
    ("logcumsumexp extreme", lambda m, x: m.T.logcumsumexp(x * 500, 0), N(6)),
]

NORMS = [
    ("norm", lambda m, x: x.norm(), N(3, 4)),
    ("torch.norm p=1 dim", lambda m, x: m.T.norm(x, p=1, dim=1, keepdim=True), N(3, 4)),
    ("norm p=3", lambda m, x: x.norm(3), N(3, 4)),
    ("norm inf", lambda m, x: x.norm(float("inf"), dim=0), D(3, 4)),
    ("norm nuc", lambda m, x: m.T.norm(x, "nuc"), N(3, 4)),
    ("norm fro dims", lambda m, x: x.norm("fro", dim=(0, 2)), N(2, 3, 4)),
    ("vector_norm", lambda m, x: m.L.vector_norm(x, 2.5, dim=(0, 1)), N(3, 4, 2)),
    ("vector_norm zero vector", lambda m, x: m.L.vector_norm(x * 0, dim=1), N(3, 4)),
    ("vector_norm 0", lambda m, x: m.L.vector_norm(x.floor(), 0), N(3, 4)),
    ("vector_norm -inf", lambda m, x: m.L.vector_norm(x, float("-inf"), dim=-1), D(3, 4)),
    ("vector_norm dtype", lambda m, x: m.L.vector_norm(x, dtype=m.T.float64), N(3, 4)),
    ("matrix_norm fro", lambda m, x: m.L.matrix_norm(x), N(2, 3, 4)),
    ("matrix_norm nuc", lambda m, x: m.L.matrix_norm(x, "nuc", keepdim=True), N(2, 3, 4)),
    ("matrix_norm 2", lambda m, x: m.L.matrix_norm(x, 2, dim=(0, 2)), N(3, 2, 4)),
    ("matrix_norm -2", lambda m, x: m.L.matrix_norm(x, -2), N(3, 4)),
    ("matrix_norm 1", lambda m, x: m.L.matrix_norm(x, 1, dim=(1, 0)), D(3, 4)),
    ("matrix_norm -inf", lambda m, x: m.L.matrix_norm(x, -math.inf, keepdim=True), D(2, 3, 4)),
    ("linalg.norm", lambda m, x: m.L.norm(x), N(2, 3, 4)),
    ("linalg.norm 1-d ord", lambda m, x: m.L.norm(x, 1.5), N(5)),
    ("linalg.norm 2-d ord", lambda m, x: m.L.norm(x, math.inf), D(3, 4)),
    ("linalg.norm dim", lambda m, x: m.L.norm(x, dim=1, keepdim=True), N(3, 4)),
]

EINSUM = [
    ("einsum matmul", lambda m, a, b: m.T.einsum("ij,jk->ik", a, b), N(3, 4), N(4, 2)),
    ("einsum implicit", lambda m, a, b: m.T.einsum("ij,kj", a, b), N(3, 4), N(2, 4)),
    ("einsum batched list", lambda m, a, b: m.T.einsum("bij,bjk->bik", [a, b]), N(2, 3, 4), N(2, 4, 5)),
    ("einsum ellipsis", lambda m, a, b: m.T.einsum("...ij,...jk", a, b), N(2, 3, 4), N(4, 5)),
    ("einsum diagonal", lambda m, a: m.T.einsum("ii->i", a), N(4, 4)),
    ("einsum trace", lambda m, a: m.T.einsum("ii", a), N(4, 4)),
    ("einsum summed only", lambda m, a, b: m.T.einsum("ij,k->i", a, b), N(3, 4), N(5)),
    ("einsum outer spaces", lambda m, a, b: m.T.einsum("i , j -> j i", a, b), N(3), N(4)),
    ("einsum broadcast 1", lambda m, a, b: m.T.einsum("ij,ij->ij", a, b), N(3, 1), N(3, 4)),
    ("einsum three", lambda m, a, b, c: m.T.einsum("ab,bc,cd->ad", a, b, c), N(2, 3), N(3, 4), N(4, 2)),
    ("einsum attention", lambda m, q, k: m.T.einsum("bhqd,bhkd->bhqk", q, k), N(2, 2, 3, 4), N(2, 2, 5, 4)),
    ("einsum uppercase", lambda m, a: m.T.einsum("Ab", a), N(2, 3)),
]

LAYOUT = [
    ("tril", lambda m, x: x.tril(), N(3, 4)),
    ("triu diagonal", lambda m, x: m.T.triu(x, -1), N(2, 4, 3)),
    ("tril inf", lambda m, x: (x / 0).tril(1), N(3, 3)),
    ("tril bool", lambda m, x: (x > 0).tril(), N(3, 3)),
    ("repeat", lambda m, x: x.repeat(2, 3), N(2, 3)),
    ("repeat new dims", lambda m, x: x.repeat(2, 1, 1, 2), N(2, 3)),
    ("repeat_interleave", lambda m, x: x.repeat_interleave(2), N(2, 3)),
    ("repeat_interleave dim", lambda m, x: m.T.repeat_interleave(x, m.T.tensor([1, 0, 3]), dim=1), N(2, 3)),
    ("repeat_interleave counts", lambda m: m.T.repeat_interleave(m.T.tensor([2, 0, 1, 3]))),
    ("flip", lambda m, x: x.flip(0, 2), N(2, 3, 4)),
    ("flip list", lambda m, x: m.T.flip(x, [1]), N(2, 3)),
    ("roll", lambda m, x: x.roll(1), N(3, 4)),
    ("roll dims", lambda m, x: m.T.roll(x, (-1, 5), (0, 1)), N(3, 4)),
    ("meshgrid ij", lambda m, a, b: m.T.meshgrid(a, b, indexing="ij"), N(3), N(4)),
    ("meshgrid xy", lambda m, a, b, c: m.T.meshgrid([a, b, c], indexing="xy"), N(3), N(4), N(2)),
    ("unflatten", lambda m, x: x.unflatten(1, (2, -1, 2)), N(3, 8)),
    ("unflatten negative dim", lambda m, x: m.T.unflatten(x, -1, (4, 2)), N(3, 8)),
    ("movedim", lambda m, x: m.T.movedim(x, (0, 2), (2, 0)), N(2, 3, 4)),
]

ELEMENTWISE = [
    ("tan", lambda m, x: x.tan(), U(3, 4)),
    ("asin", lambda m, x: m.T.asin(x), U(3, 4)),
    ("acos", lambda m, x: x.acos(), U(3, 4)),
    ("atan", lambda m, x: m.T.atan(x), N(3, 4)),
    ("atan2", lambda m, y, x: m.T.atan2(y, x), N(3, 4), N(4)),
    ("sinh", lambda m, x: x.sinh(), N(3, 4)),
    ("cosh", lambda m, x: m.T.cosh(x), N(3, 4)),
    ("asinh", lambda m, x: x.asinh(), N(3, 4)),
    ("acosh", lambda m, x: m.T.acosh(x), G(3, 4)),
    ("atanh", lambda m, x: x.atanh(), U(3, 4)),
    ("erf", lambda m, x: m.T.erf(x * 2), N(3, 4)),
    ("exp2", lambda m, x: x.exp2(), N(3, 4)),
    ("log2", lambda m, x: m.T.log2(x), P(3, 4)),
    ("log10", lambda m, x: x.log10(), P(3, 4)),
    ("trunc", lambda m, x: m.T.trunc(x * 3) * x, N(3, 4)),
    ("frac", lambda m, x: (x * 3).frac() * x, N(3, 4)),
    ("fmod", lambda m, a, b: m.T.fmod(a * 3, b) + a.fmod(0.7), N(3, 4), N(4)),
    ("fmod int", lambda m: [m.T.fmod(m.T.tensor([7, -7, 7, -7]), m.T.tensor([2, 2, -2, -2])),
                            m.T.fmod(m.T.tensor([7, -7], dtype=m.T.int32), 3.5)]),
    ("int unary dtypes", lambda m: [f(m.T.tensor([1, 2, 3], dtype=m.T.int32)) for f in (
        m.T.tan, m.T.asin, m.T.erf, m.T.exp2, m.T.log2, m.T.trunc, m.T.atan)]),
    ("lerp", lambda m, a, b: m.T.lerp(a, b, 0.3), N(3, 4), N(4)),
    ("lerp tensor weight", lambda m, a, b, w: a.lerp(b, w), N(3, 4), N(3, 4), U(3, 4)),
    ("div floor", lambda m, a, b: m.T.div(a * 4, b, rounding_mode="floor"), N(3, 4), N(4)),
    ("div trunc", lambda m, a, b: a.div(b, rounding_mode="trunc") + a, N(3, 4), N(3, 4)),
    ("div None", lambda m, a, b: m.T.div(a, b, rounding_mode=None), N(3, 4), N(3, 4)),
    ("div int", lambda m: [m.T.div(m.T.tensor([7, -7, 7, -7], dtype=m.T.int32), m.T.tensor([2, 2, -2, -2]),
                                   rounding_mode=r) for r in ("trunc", "floor", None)]),
    ("where promotion", lambda m, x: [m.T.where(x > 0, x.double(), x), m.T.where(x > 0, 2, 2.5),
                                      m.T.where(x > 0, m.T.tensor([1, 2, 3, 4], dtype=m.T.int32), 1.5),
                                      m.T.where(x > 0, m.T.tensor(1, dtype=m.T.int64), m.T.tensor([1], dtype=m.T.int8))],
     N(3, 4)),
    ("cat stack promotion", lambda m, x: [m.T.cat([x, m.T.ones(1, 4, dtype=m.T.float64)]),
                                          m.T.stack([m.T.ones(2, dtype=m.T.int32), m.T.ones(2, dtype=m.T.uint8)]),
                                          m.T.cat([m.T.ones(2, dtype=m.T.bool), m.T.zeros(0)])], N(3, 4)),
    ("std_mean", lambda m, x: m.T.std_mean(x, dim=1), N(3, 4)),
    ("var_mean", lambda m, x: m.T.var_mean(x, 0, correction=0, keepdim=True), N(3, 4)),
    ("any all", lambda m, x: [x.any(), (x > 0).all(1), m.T.any(x > 0.5, dim=0, keepdim=True),
                              (x > -3).all(dim=(0, 1)), (x.floor() != 0).any(dim=())], N(3, 4)),
    ("any uint8", lambda m: [m.T.tensor([[0, 3], [0, 0]], dtype=m.T.uint8).any(1),
                             m.T.tensor([0, 3], dtype=m.T.uint8).all()]),
    ("sum dtype", lambda m, x: [x.sum(dtype=m.T.float64), (x.detach() * 3).sum(1, dtype=m.T.int32),
                                (x > 0).sum(dtype=m.T.bool), (x > 0).sum(0), m.T.tensor([1, 2], dtype=m.T.int32).sum(),
                                m.T.tensor([1, 2], dtype=m.T.int16).sum(dtype=m.T.float16)], N(3, 4)),
    ("tests", lambda m, x: [m.T.isnan(x / x.floor()), m.T.isinf(x / x.floor()), m.T.isfinite(x / x.floor()),
                            m.T.isposinf(x / x.floor()), (x / x.floor()).isneginf(),
                            m.T.isinf(m.T.tensor([1, 2]))], N(3, 4)),
    ("logical", lambda m, x: [m.T.logical_and(x > 0, x), m.T.logical_or(x.floor(), x > 1), m.T.logical_not(x),
                              (x > 0).logical_xor(x < 0.5)], N(3, 4)),
]


def _bits(m):
    a = m.T.tensor([[5, -3, 12], [7, 0, -128]], dtype=m.T.int32)
    b = m.T.tensor([1, 2, 3], dtype=m.T.int64)
    f = m.T.tensor([True, False, True])
    return [a & b, a | 6, a ^ b, ~a, ~f, f & f.logical_not(), f | True, f ^ f, a << 2, a >> b, 3 << b,
            m.T.bitwise_and(a, b), m.T.bitwise_or(f, a), m.T.bitwise_xor(a, 9), m.T.bitwise_not(b),
            m.T.bitwise_left_shift(a, 40), m.T.bitwise_right_shift(a, 40), a.bitwise_and(b)]


BITS = [("bits", _bits)]

ACTIVATIONS = [
    ("hardswish", lambda m, x: m.F.hardswish(x * 4), N(4, 5)),
    ("hardsigmoid", lambda m, x: m.F.hardsigmoid(x * 4), N(4, 5)),
    ("softsign", lambda m, x: m.F.softsign(x), N(4, 5)),
    ("celu", lambda m, x: m.F.celu(x, alpha=0.5), N(4, 5)),
    ("layers", lambda m, x: [m.nn.Hardswish()(x * 4), m.nn.Hardsigmoid()(x * 4), m.nn.Softsign()(x),
                             m.nn.CELU(2.0)(x)], N(4, 5)),
]

ATTENTION = [
    ("sdpa", lambda m, q, k, v: m.F.scaled_dot_product_attention(q, k, v), N(2, 2, 3, 4), N(2, 2, 5, 4),
     N(2, 2, 5, 3)),
    ("sdpa causal scale", lambda m, q, k, v: m.F.scaled_dot_product_attention(q, k, v, is_causal=True, scale=0.7),
     N(2, 4, 4), N(2, 4, 4), N(2, 4, 3)),
    ("sdpa bool mask", lambda m, q, k, v: m.F.scaled_dot_product_attention(
        q, k, v, attn_mask=m.T.tensor([[True, False, True, True, False]] * 3)), N(2, 3, 4), N(2, 5, 4), N(2, 5, 3)),
    ("sdpa blocked row", lambda m, q, k, v: m.F.scaled_dot_product_attention(
        q, k, v, attn_mask=m.T.tensor([[True] * 5, [False] * 5, [True, False] * 2 + [True]])),
     N(2, 3, 4), N(2, 5, 4), N(2, 5, 3)),
    ("sdpa float mask", lambda m, q, k, v, b: m.F.scaled_dot_product_attention(q, k, v, attn_mask=b),
     N(2, 3, 4), N(2, 5, 4), N(2, 5, 3), N(3, 5)),
    ("sdpa gqa", lambda m, q, k, v: m.F.scaled_dot_product_attention(q, k, v, enable_gqa=True),
     N(1, 4, 3, 2), N(1, 2, 5, 2), N(1, 2, 5, 2)),
]

VOLUMES = [
    ("conv3d", lambda m, x, w, b: m.F.conv3d(x, w, b, stride=(1, 2, 1), padding=(1, 0, 2), dilation=(2, 1, 1)),
     N(2, 3, 5, 6, 4), N(4, 3, 2, 3, 2), N(4)),
    ("conv3d groups same", lambda m, x, w: m.F.conv3d(x, w, padding="same", groups=2), N(1, 4, 4, 5, 3),
     N(6, 2, 3, 2, 3)),
    ("conv3d unbatched", lambda m, x, w: m.F.conv3d(x, w, stride=2), N(2, 5, 5, 5), N(3, 2, 3, 3, 3)),
    ("max_pool3d", lambda m, x: m.F.max_pool3d(x, 2), D(2, 2, 4, 6, 4)),
    ("max_pool3d indices", lambda m, x: m.F.max_pool3d(x, (2, 3, 2), stride=1, padding=1, dilation=(1, 1, 2),
                                                        return_indices=True), D(1, 2, 4, 5, 6)),
    ("max_pool3d ceil", lambda m, x: m.F.max_pool3d(x, 3, stride=2, ceil_mode=True), D(1, 1, 6, 5, 7)),
    ("avg_pool3d", lambda m, x: m.F.avg_pool3d(x, 2), N(2, 2, 4, 6, 4)),
    ("avg_pool3d pad", lambda m, x: m.F.avg_pool3d(x, 3, stride=2, padding=1, ceil_mode=True,
                                                   count_include_pad=False), N(1, 2, 6, 5, 7)),
    ("avg_pool3d divisor", lambda m, x: m.F.avg_pool3d(x, (1, 2, 3), divisor_override=4), N(2, 5, 4, 6)),
    ("interpolate 5-d nearest", lambda m, x: m.F.interpolate(x, scale_factor=2), N(1, 2, 2, 3, 2)),
    ("interpolate 5-d nearest size", lambda m, x: m.F.interpolate(x, size=(3, 5, 4)), N(1, 2, 2, 3, 3)),
    ("interpolate trilinear", lambda m, x: m.F.interpolate(x, scale_factor=(2, 1.5, 3), mode="trilinear"),
     N(1, 2, 2, 4, 3)),
    ("interpolate trilinear corners", lambda m, x: m.F.interpolate(x, size=(4, 3, 5), mode="trilinear",
                                                                   align_corners=True), N(2, 1, 3, 4, 2)),
]

ROWS = SORTED + INDEXING + SCANS + NORMS + EINSUM + LAYOUT + ELEMENTWISE + BITS + ACTIVATIONS + ATTENTION + VOLUMES


@pytest.mark.parametrize("row", ROWS, ids=[r[0] for r in ROWS])
def test_same_as_torch(row):
    name, fn, *specs = row
    check(fn, *specs, seed=len(name))


def test_layers_3d_same_as_torch():
    torch.manual_seed(0)
    for theirs, ours in ((torch.nn.Conv3d(3, 4, (2, 3, 3), stride=(1, 2, 1), padding=1, bias=True),
                          nn.Conv3d(3, 4, (2, 3, 3), stride=(1, 2, 1), padding=1, bias=True)),
                         (torch.nn.Conv3d(2, 2, 3, padding="same", padding_mode="circular", groups=2, bias=False),
                          nn.Conv3d(2, 2, 3, padding="same", padding_mode="circular", groups=2, bias=False))):
        ours.load_state_dict({k: ag.tensor(v.detach().numpy()) for k, v in theirs.state_dict().items()})
        x = np.random.default_rng(1).standard_normal((2, theirs.in_channels, 4, 6, 5)).astype(np.float32)
        np.testing.assert_allclose(ours(ag.tensor(x)).detach().numpy(), theirs(torch.tensor(x)).detach().numpy(),
                                   rtol=1e-5, atol=1e-5)
    x = np.random.default_rng(2).standard_normal((2, 3, 5, 6, 4)).astype(np.float32)
    for theirs, ours in ((torch.nn.MaxPool3d(2, stride=1), nn.MaxPool3d(2, stride=1)),
                         (torch.nn.AvgPool3d(3, stride=2, padding=1), nn.AvgPool3d(3, stride=2, padding=1)),
                         (torch.nn.Upsample(scale_factor=2, mode="trilinear"), nn.Upsample(scale_factor=2,
                                                                                         mode="trilinear"))):
        np.testing.assert_allclose(ours(ag.tensor(x)).numpy(), theirs(torch.tensor(x)).numpy(), rtol=1e-5, atol=1e-6)


# --------------------------------------------------------------------- type promotion

DTYPES = ["bool", "uint8", "int8", "int16", "int32", "int64", "float16", "float32", "float64"]
SCALARS = [True, 3, -2, 2.5]


def _tensor(T, dtype, ndim):
    return T.tensor([1, 1] if ndim else 1, dtype=getattr(T, dtype))  # no zeros: // and % by 0 differ by dtype


TENSOR_OPS = {"add": lambda a, b: a + b, "sub": lambda a, b: a - b, "mul": lambda a, b: a * b,
              "div": lambda a, b: a / b, "floordiv": lambda a, b: a // b, "mod": lambda a, b: a % b,
              "pow": lambda a, b: a ** b, "eq": lambda a, b: a == b, "lt": lambda a, b: a < b,
              "and": lambda a, b: a & b, "xor": lambda a, b: a ^ b, "maximum": lambda a, b: a.maximum(b),
              "atan2": lambda a, b: a.atan2(b)}
SCALAR_OPS = {k: TENSOR_OPS[k] for k in ("add", "sub", "mul", "div", "floordiv", "mod", "pow", "eq", "lt", "and")}


@pytest.mark.parametrize("left", DTYPES)
def test_promotion_matches_torch(left):
    """result_type and the dtype of + - * / // % ** == & for tensors of every pair of dtypes (with and
    without dims) and Python numbers, against torch."""
    cases = [(right, nd_a, nd_b) for right in DTYPES for nd_a in (0, 1) for nd_b in (0, 1)]
    for right, nd_a, nd_b in cases:
        pairs = {lib: (_tensor(lib, left, nd_a), _tensor(lib, right, nd_b)) for lib in (torch, ag)}
        assert str(ag.result_type(*pairs[ag])) == str(torch.result_type(*pairs[torch])).replace("torch.", ""), \
            (left, right, nd_a, nd_b)
        assert ag.promote_types(getattr(ag, left), getattr(ag, right)) == np.dtype(
            str(torch.promote_types(getattr(torch, left), getattr(torch, right))).replace("torch.", ""))
        for name, op in TENSOR_OPS.items():
            _same_outcome(name, op, pairs, (left, right, nd_a, nd_b))
    for scalar in SCALARS:
        for nd in (0, 1):
            pairs = {lib: (_tensor(lib, left, nd), scalar) for lib in (torch, ag)}
            assert str(ag.result_type(*pairs[ag])) == str(torch.result_type(*pairs[torch])).replace("torch.", "")
            for name, op in SCALAR_OPS.items():
                _same_outcome(name, op, pairs, (left, scalar, nd))
                _same_outcome("r" + name, lambda a, b, op=op: op(b, a), pairs, (scalar, left, nd))


def _same_outcome(name, op, pairs, case):
    outcomes = []
    for lib in (torch, ag):
        try:
            with np.errstate(all="ignore"):
                out = op(*pairs[lib])
            outcomes.append(str(out.dtype).replace("torch.", ""))
        except (RuntimeError, TypeError, ValueError, ZeroDivisionError):
            outcomes.append("error")
    assert outcomes[1] == outcomes[0], f"{name} {case}: ours {outcomes[1]}, torch {outcomes[0]}"


# --------------------------------------------------------------------- OneCycleLR


@pytest.mark.parametrize("kwargs,opt", [
    (dict(max_lr=0.1, total_steps=20), "sgd"),
    (dict(max_lr=[0.1, 0.05], epochs=3, steps_per_epoch=4, three_phase=True, anneal_strategy="linear"), "sgd"),
    (dict(max_lr=0.01, total_steps=15, pct_start=0.4, div_factor=10.0, final_div_factor=100.0), "adam"),
    (dict(max_lr=0.2, total_steps=10, cycle_momentum=False), "adam"),
])
def test_one_cycle_lr_same_as_torch(kwargs, opt):
    def schedule(optim_lib, sched_lib, T):
        params = [[T.zeros(2, requires_grad=True)], [T.zeros(3, requires_grad=True)]]
        groups = [{"params": p} for p in params]
        o = optim_lib.SGD(groups, lr=1.0, momentum=0.9) if opt == "sgd" else optim_lib.Adam(groups, lr=1.0)
        s = sched_lib.OneCycleLR(o, **kwargs)
        seen = []
        for _ in range(s.total_steps - 1):
            o.step()
            s.step()
            seen.append([(g["lr"], g.get("momentum"), g.get("betas")) for g in o.param_groups])
        return seen

    theirs = schedule(torch.optim, torch.optim.lr_scheduler, torch)
    ours = schedule(optim, optim.lr_scheduler, ag)
    assert len(ours) == len(theirs)
    for a, b in zip(ours, theirs):
        for (lr, mom, betas), (lr_t, mom_t, betas_t) in zip(a, b):
            assert lr == pytest.approx(lr_t, rel=1e-12)
            assert (mom is None) == (mom_t is None) and (mom is None or mom == pytest.approx(mom_t, rel=1e-12))
            assert (betas is None) == (betas_t is None) and (betas is None or tuple(betas) == pytest.approx(betas_t))


def test_one_cycle_lr_refuses_what_torch_refuses():
    opt = optim.SGD([ag.zeros(2, requires_grad=True)], lr=0.1, momentum=0.9)
    for kwargs in (dict(max_lr=0.1), dict(max_lr=0.1, total_steps=0), dict(max_lr=0.1, total_steps=10, pct_start=1),
                   dict(max_lr=0.1, total_steps=10, anneal_strategy="exp"), dict(max_lr=[0.1, 0.2], total_steps=10)):
        with pytest.raises(ValueError, match="OneCycleLR"):
            optim.lr_scheduler.OneCycleLR(opt, **kwargs)
    s = optim.lr_scheduler.OneCycleLR(opt, max_lr=0.1, total_steps=3)
    s.step(), s.step(), s.step()
    with pytest.raises(ValueError, match="total steps is 3"):
        s.step()
    with pytest.raises(ValueError, match="momentum"):
        optim.lr_scheduler.OneCycleLR(optim.Adagrad([ag.zeros(2, requires_grad=True)]), max_lr=0.1, total_steps=5)


def test_casts_to_float64_keep_float64():
    """x.double() and x.to(float64) gave float32 (issue 11): the core narrowed every float64 result."""
    for T in (torch, ag):
        x = T.tensor([1.0, 2.0], requires_grad=True)
        ys = [x.double(), x.to(T.float64), T.tensor([2**53 + 1]).double(), T.arange(3).to(T.float64)]
        assert [str(y.dtype).replace("torch.", "") for y in ys] == ["float64"] * 4
        assert ys[2].item() == float(2**53)  # cast from the int64 itself, not through float32
        (ys[0] * 3).sum().backward()
        assert str(x.grad.dtype).replace("torch.", "") == "float32" and x.grad.tolist() == [3.0, 3.0]
