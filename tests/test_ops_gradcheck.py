"""The op table: every differentiable op, checked by central differences in float64
on shapes drawn by hypothesis (broadcasting pairs, every dim/keepdim, 0-d tensors)."""
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import autograd as ag

SETTINGS = settings(max_examples=8, deadline=None, suppress_health_check=list(HealthCheck))


@st.composite
def shapes(draw, min_dims=0, max_dims=3):
    return tuple(draw(st.lists(st.integers(1, 4), min_size=min_dims, max_size=max_dims)))


@st.composite
def broadcast_pair(draw):
    """Two shapes that broadcast: drop leading dims and set some dims to 1."""
    shape = draw(shapes(0, 3))
    other = list(shape[draw(st.integers(0, len(shape))):])
    for i in range(len(other)):
        if draw(st.booleans()):
            other[i] = 1
    return (shape, tuple(other)) if draw(st.booleans()) else (tuple(other), shape)


def leaf(shape, seed, low=-2.0, high=2.0):
    rng = np.random.default_rng(seed)
    return ag.tensor(rng.uniform(low, high, size=shape), dtype=ag.float64, requires_grad=True)


def positive(shape, seed):
    return leaf(shape, seed, 0.5, 2.0)


def away_from_zero(shape, seed):
    rng = np.random.default_rng(seed)
    values = rng.uniform(0.5, 2.0, size=shape) * rng.choice([-1, 1], size=shape)
    return ag.tensor(values, dtype=ag.float64, requires_grad=True)


def distinct(shape, seed):
    """Values far apart from each other, so that max/min/relu/abs kinks stay out of eps's reach."""
    rng = np.random.default_rng(seed)
    n = int(np.prod(shape)) if shape else 1
    values = rng.permutation(n).astype(float) * 0.3 - 0.3 * n / 2 + 0.15
    return ag.tensor(values.reshape(shape), dtype=ag.float64, requires_grad=True)


def distinct_abs(shape, seed):
    """Magnitudes far apart and away from 0, random signs (the kinks of |x| and of max |x| stay away)."""
    rng = np.random.default_rng(seed)
    n = int(np.prod(shape)) if shape else 1
    values = (rng.permutation(n) + 1.0) * 0.3 * rng.choice([-1, 1], size=n)
    return ag.tensor(values.reshape(shape), dtype=ag.float64, requires_grad=True)


def inside(shape, seed):
    """Values in (-0.9, 0.9): inside the domain of asin, acos, atanh."""
    return leaf(shape, seed, -0.9, 0.9)


def above_one(shape, seed):
    return leaf(shape, seed, 1.2, 3.0)


def off_integers(shape, seed):
    """Values at least 0.1 away from every integer (trunc's steps stay out of eps's reach)."""
    rng = np.random.default_rng(seed)
    values = rng.integers(-3, 3, size=shape) + rng.uniform(0.1, 0.9, size=shape)
    return ag.tensor(values, dtype=ag.float64, requires_grad=True)


UNARY = [  # (name, function, input maker)
    ("neg", lambda x: -x, leaf),
    ("exp", lambda x: x.exp(), leaf),
    ("log", lambda x: x.log(), positive),
    ("log1p", lambda x: x.log1p(), positive),
    ("expm1", lambda x: x.expm1(), leaf),
    ("sqrt", lambda x: x.sqrt(), positive),
    ("abs", lambda x: x.abs(), away_from_zero),
    ("sin", lambda x: x.sin(), leaf),
    ("cos", lambda x: x.cos(), leaf),
    ("tanh", lambda x: x.tanh(), leaf),
    ("sigmoid", lambda x: x.sigmoid(), leaf),
    ("relu", lambda x: x.relu(), away_from_zero),
    ("sign*x", lambda x: x.sign() * x, away_from_zero),
    ("clamp", lambda x: x.clamp(-0.7, 0.8), distinct),
    ("pow scalar", lambda x: x ** 3, leaf),
    ("pow fractional", lambda x: x ** 1.5, positive),
    ("rpow", lambda x: 2.0 ** x, leaf),
    ("square", lambda x: x.square(), leaf),
    ("clone", lambda x: x.clone(), leaf),
    ("tan", lambda x: x.tan(), inside),
    ("asin", lambda x: x.asin(), inside),
    ("acos", lambda x: ag.acos(x), inside),
    ("atan", lambda x: x.atan(), leaf),
    ("sinh", lambda x: x.sinh(), leaf),
    ("cosh", lambda x: ag.cosh(x), leaf),
    ("asinh", lambda x: x.asinh(), leaf),
    ("acosh", lambda x: x.acosh(), above_one),
    ("atanh", lambda x: x.atanh(), inside),
    ("erf", lambda x: ag.erf(x), leaf),
    ("exp2", lambda x: x.exp2(), leaf),
    ("log2", lambda x: x.log2(), positive),
    ("log10", lambda x: ag.log10(x), positive),
    ("trunc", lambda x: x.trunc() * x, off_integers),
    ("frac", lambda x: x.frac() * x, off_integers),
    ("fmod", lambda x: ag.fmod(x, 0.7) * x, off_integers),
    ("div floor", lambda x: ag.div(x, 0.7, rounding_mode="floor") + x, off_integers),
    ("div trunc", lambda x: x.div(0.3, rounding_mode="trunc") * x, off_integers),
    ("hardswish", lambda x: nn_functional().hardswish(x), leaf),
    ("hardsigmoid", lambda x: nn_functional().hardsigmoid(x), leaf),
    ("softsign", lambda x: nn_functional().softsign(x), leaf),
    ("celu", lambda x: nn_functional().celu(x, alpha=0.7), away_from_zero),
    ("masked_fill", lambda x: x.masked_fill(x > 0, 0.5) * x, away_from_zero),
    ("vector_norm", lambda x: ag.linalg.vector_norm(x) if hasattr(ag, "linalg") else ag.norm(x), away_from_zero),
    ("norm p=3", lambda x: x.norm(p=3), away_from_zero),
    ("norm p=1", lambda x: ag.norm(x, p=1), away_from_zero),
    ("norm inf", lambda x: x.norm(p=float("inf")), distinct_abs),
    ("norm -inf", lambda x: x.norm(p=float("-inf")), distinct_abs),
    ("norm p=0.5", lambda x: x.norm(p=0.5), away_from_zero),
    ("reciprocal", lambda x: x.reciprocal(), away_from_zero),
    ("logit", lambda x: ag.logit(x.sigmoid()), leaf),
    ("logit eps", lambda x: (x.sigmoid() * 0.8 + 0.1).logit(eps=0.05), leaf),
    ("nan_to_num", lambda x: (x / (x > 0)).nan_to_num(posinf=2.0), away_from_zero),
    ("deg2rad", lambda x: x.deg2rad() + x.rad2deg(), leaf),
]


def nn_functional():
    import nn.functional as F
    return F


@pytest.mark.parametrize("name,fn,make", UNARY, ids=[u[0] for u in UNARY])
@SETTINGS
@given(shape=shapes(), seed=st.integers(0, 10**6))
def test_unary(name, fn, make, shape, seed):
    assert ag.gradcheck(fn, (make(shape, seed),))


BINARY = [
    ("add", lambda a, b: a + b, leaf, leaf),
    ("sub", lambda a, b: a - b, leaf, leaf),
    ("mul", lambda a, b: a * b, leaf, leaf),
    ("div", lambda a, b: a / b, leaf, away_from_zero),
    ("pow", lambda a, b: a ** b, positive, leaf),
    ("maximum", lambda a, b: ag.maximum(a, b), leaf, leaf),
    ("atan2", lambda a, b: ag.atan2(a, b), away_from_zero, away_from_zero),
    ("lerp", lambda a, b: ag.lerp(a, b, 0.3), leaf, leaf),
    ("lerp weight", lambda a, b: a.lerp(a * 2 + 1, b), leaf, leaf),
    ("minimum", lambda a, b: ag.minimum(a, b), leaf, leaf),
    ("where", lambda a, b: ag.where(a > 0, a, b), away_from_zero, leaf),
    ("hypot", lambda a, b: ag.hypot(a, b), away_from_zero, leaf),
    ("xlogy", lambda a, b: ag.xlogy(a, b), leaf, positive),
    ("logaddexp", lambda a, b: ag.logaddexp(a, b), leaf, leaf),
    ("logaddexp2", lambda a, b: ag.logaddexp2(a, b), leaf, leaf),
    ("fmax", lambda a, b: ag.fmax(a, b * 3), leaf, leaf),
    ("fmin", lambda a, b: ag.fmin(a, b * 3), leaf, leaf),
    ("copysign", lambda a, b: ag.copysign(a, b), away_from_zero, away_from_zero),
    ("float_power", lambda a, b: ag.float_power(a, b), positive, leaf),
    ("addcmul", lambda a, b: ag.addcmul(a, b, a * 2, value=0.5), leaf, leaf),
    ("addcdiv", lambda a, b: a.addcdiv(a, b, value=-2), leaf, away_from_zero),
]


@pytest.mark.parametrize("name,fn,make_a,make_b", BINARY, ids=[b[0] for b in BINARY])
@SETTINGS
@given(pair=broadcast_pair(), seed=st.integers(0, 10**6))
def test_binary_broadcasting(name, fn, make_a, make_b, pair, seed):
    a, b = make_a(pair[0], seed), make_b(pair[1], seed + 1)
    assert ag.gradcheck(fn, (a, b))
    out = fn(a, b)
    out.sum().backward()
    assert a.grad.shape == a.shape and b.grad.shape == b.shape


@st.composite
def reduction_case(draw):
    shape = draw(shapes(0, 3))
    ndim = len(shape)
    dim = draw(st.one_of(st.none(), st.integers(-ndim, ndim - 1))) if ndim else None
    return shape, dim, draw(st.booleans())


REDUCTIONS = [
    ("sum", lambda x, d, k: x.sum(d, keepdim=k), leaf),
    ("mean", lambda x, d, k: x.mean(d, keepdim=k), leaf),
    ("var", lambda x, d, k: x.var(d, keepdim=k, correction=0), leaf),
    ("std", lambda x, d, k: x.std(d, keepdim=k, correction=0) if x.numel() > 1 else x.sum(d, keepdim=k), distinct),
    ("prod", lambda x, d, k: x.prod(d, keepdim=k), away_from_zero),
    ("logsumexp", lambda x, d, k: x.logsumexp(tuple(range(x.ndim)) if d is None else d, keepdim=k), leaf),
    ("max", lambda x, d, k: x.max() if d is None else x.max(d, keepdim=k).values, distinct),
    ("min", lambda x, d, k: x.min() if d is None else x.min(d, keepdim=k).values, distinct),
    ("amax", lambda x, d, k: x.amax(d, keepdim=k), distinct),
    ("nansum", lambda x, d, k: x.nansum(d, keepdim=k), leaf),
    ("nansum of nans", lambda x, d, k: ag.where(x > 0, x, float("nan")).nansum(d, keepdim=k), away_from_zero),
    ("median", lambda x, d, k: x.median() if d is None else x.median(d, keepdim=k).values, distinct),
    ("kthvalue", lambda x, d, k: x.kthvalue(1, -1 if d is None else d, keepdim=k).values, distinct),
    ("aminmax", lambda x, d, k: sum(x.aminmax(dim=d, keepdim=k)), distinct),
]


@pytest.mark.parametrize("name,fn,make", REDUCTIONS, ids=[r[0] for r in REDUCTIONS])
@SETTINGS
@given(case=reduction_case(), seed=st.integers(0, 10**6))
def test_reductions(name, fn, make, case, seed):
    shape, dim, keepdim = case
    assert ag.gradcheck(lambda x: fn(x, dim, keepdim), (make(shape, seed),))


ALONG_DIM = [  # ops along one dim, (name, fn(x, dim), input maker)
    ("cumsum", lambda x, d: x.cumsum(d), leaf),
    ("cumprod", lambda x, d: x.cumprod(d), away_from_zero),
    ("logcumsumexp", lambda x, d: x.logcumsumexp(d), leaf),
    ("cummax", lambda x, d: x.cummax(d).values, distinct),
    ("cummin", lambda x, d: ag.cummin(x, d).values, distinct),
    ("sort", lambda x, d: x.sort(d).values * ag.arange(x.shape[d]).reshape((-1,) + (1,) * (x.ndim - d % x.ndim - 1)),
     distinct),
    ("sort descending", lambda x, d: ag.sort(x, dim=d, descending=True).values.cumsum(d), distinct),
    ("topk", lambda x, d: x.topk(max(1, x.shape[d] - 1), d).values.cumsum(d), distinct),
    ("flip", lambda x, d: x.flip(d).cumsum(d), leaf),
    ("roll", lambda x, d: x.roll(1, d).cumsum(d), leaf),
    ("vector_norm dim", lambda x, d: x.norm(dim=d), away_from_zero),
    ("std_mean", lambda x, d: sum(ag.std_mean(x, d, correction=0)) if x.shape[d] > 1 else x.mean(d), distinct),
    ("var_mean", lambda x, d: ag.var_mean(x, d, correction=0)[0] * ag.var_mean(x, d, correction=0)[1], leaf),
    ("repeat_interleave", lambda x, d: x.repeat_interleave(2, d).cumsum(d), leaf),
]


@pytest.mark.parametrize("name,fn,make", ALONG_DIM, ids=[a[0] for a in ALONG_DIM])
@SETTINGS
@given(shape=shapes(1, 3), seed=st.integers(0, 10**6), data=st.data())
def test_along_dim(name, fn, make, shape, seed, data):
    dim = data.draw(st.integers(-len(shape), len(shape) - 1))
    assert ag.gradcheck(lambda x: fn(x, dim), (make(shape, seed),))


def test_cumprod_through_zeros():
    x = ag.tensor([[2.0, 0.0, 3.0, 0.0, 1.5], [0.0, 1.0, -2.0, 4.0, 0.5]], dtype=ag.float64, requires_grad=True)
    assert ag.gradcheck(lambda x: x.cumprod(1), (x,))
    assert ag.gradcheck(lambda x: ag.grad((x.cumprod(1) ** 2).sum(), x, create_graph=True)[0], (x,))


@pytest.mark.parametrize("name", ["softmax", "log_softmax"])
@SETTINGS
@given(shape=shapes(1, 3), seed=st.integers(0, 10**6), data=st.data())
def test_softmax_family(name, shape, seed, data):
    dim = data.draw(st.integers(-len(shape), len(shape) - 1))
    assert ag.gradcheck(lambda x: getattr(x, name)(dim), (leaf(shape, seed),))


MATMUL_SHAPES = [((3,), (3,)), ((2, 3), (3,)), ((3,), (3, 4)), ((2, 3), (3, 4)),
                 ((5, 2, 3), (3, 4)), ((2, 3), (5, 3, 4)), ((5, 1, 2, 3), (4, 3, 2)), ((1, 2, 3), (5, 3, 1))]


@pytest.mark.parametrize("sa,sb", MATMUL_SHAPES)
def test_matmul(sa, sb):
    assert ag.gradcheck(lambda a, b: a @ b, (leaf(sa, 1), leaf(sb, 2)))


SHAPE_OPS = [
    ("reshape", (2, 3, 4), lambda x: x.reshape(4, 6)),
    ("view -1", (2, 3, 4), lambda x: x.view(-1, 4)),
    ("flatten", (2, 3, 4), lambda x: x.flatten(1)),
    ("squeeze", (2, 1, 4), lambda x: x.squeeze(1)),
    ("unsqueeze", (2, 4), lambda x: x.unsqueeze(-1)),
    ("transpose", (2, 3, 4), lambda x: x.transpose(0, 2)),
    ("permute", (2, 3, 4), lambda x: x.permute(2, 0, 1)),
    ("T", (2, 3), lambda x: x.T),
    ("expand", (3, 1), lambda x: x.expand(2, 3, 4)),
    ("broadcast_to", (1, 4), lambda x: x.broadcast_to((3, 4))),
    ("getitem slice", (4, 5), lambda x: x[1:3, ::2]),
    ("getitem int", (4, 5), lambda x: x[2]),
    ("getitem None/Ellipsis", (4, 5), lambda x: x[None, ..., 1]),
    ("getitem repeated ints", (4, 5), lambda x: x[[0, 2, 0, 0]]),
    ("getitem int arrays", (4, 5), lambda x: x[[0, 1, 1], [2, 2, 4]]),
    ("getitem bool mask", (4, 5), lambda x: x[x > 0]),
    ("split", (6, 2), lambda x: x.split(4)[1] * 2 + x.split(4)[0][:2]),
    ("chunk", (6, 2), lambda x: x.chunk(3, dim=0)[2]),
    ("cat", (2, 3), lambda x: ag.cat([x, x * 2, x[:1]], dim=0)),
    ("stack", (2, 3), lambda x: ag.stack([x, x.exp()], dim=1)),
    ("outer", (3,), lambda x: ag.outer(x, x[:2])),
    ("0-d", (), lambda x: (x * 3).exp() + x.reshape(1)),
    ("gather", (3, 4), lambda x: x.gather(1, ag.tensor([[0, 0, 3], [2, 1, 1], [3, 3, 3]]))),
    ("gather dim 0", (3, 4), lambda x: ag.gather(x, 0, ag.tensor([[2, 0], [2, 2]]))),
    ("scatter", (3, 4), lambda x: x.scatter(1, ag.tensor([[0], [3], [1]]), x[:, 1:2] * 3)),
    ("scatter value", (3, 4), lambda x: x.scatter(0, ag.tensor([[1, 2, 0, 1]]), 0.5)),
    ("scatter_add", (3, 4), lambda x: x.scatter_add(1, ag.tensor([[0, 0], [3, 1], [2, 2]]), x[:, :2].exp())),
    ("scatter_reduce sum", (3, 4), lambda x: x.scatter_reduce(1, ag.tensor([[0, 0], [3, 1], [2, 2]]), x[:, :2] * 2,
                                                               "sum", include_self=False)),
    ("scatter_reduce mean", (3, 4), lambda x: x.scatter_reduce(1, ag.tensor([[0, 0], [3, 1], [2, 2]]), x[:, 2:] ** 2,
                                                                "mean")),
    ("scatter_reduce amax", (3, 4), lambda x: (x * 1.0).scatter_reduce(1, ag.tensor([[0, 0], [3, 1], [2, 2]]),
                                                                     x[:, 2:] * 1.5, "amax")),
    ("scatter_reduce prod", (3, 4), lambda x: x.scatter_reduce(0, ag.tensor([[0, 0, 1, 2], [0, 2, 1, 2]]),
                                                                x[1:] * 2, "prod", include_self=False)),
    ("index_select", (3, 4), lambda x: x.index_select(1, ag.tensor([3, 0, 3, 1]))),
    ("index_add", (3, 4), lambda x: x.index_add(0, ag.tensor([2, 0, 2]), x.exp(), alpha=0.5)),
    ("masked_fill tensor value", (3, 4), lambda x: x.masked_fill(ag.tensor([True, False, True, False]), x[0, 0] * 2)),
    ("tril", (3, 4), lambda x: x.tril()),
    ("triu", (2, 3, 4), lambda x: ag.triu(x, 1)),
    ("repeat", (2, 3), lambda x: x.repeat(2, 1, 3)),
    ("repeat_interleave tensor", (3, 2), lambda x: x.repeat_interleave(ag.tensor([2, 0, 3]), dim=0)),
    ("meshgrid", (3,), lambda x: ag.stack(ag.meshgrid(x, x[:2] * 2, indexing="xy")).sum(0)),
    ("unflatten", (2, 6), lambda x: x.unflatten(1, (3, -1))),
    ("movedim", (2, 3, 4), lambda x: x.movedim(0, -1)),
    ("einsum matmul", (3, 4), lambda x: ag.einsum("ij,kj->ik", x, x[:2] * 2)),
    ("einsum diagonal", (3, 3), lambda x: ag.einsum("ii->i", x)),
    ("einsum trace", (3, 3), lambda x: ag.einsum("ii", x)),
    ("einsum summed away", (3, 4), lambda x: ag.einsum("ij,j->i", x, x[0])),
    ("einsum ellipsis", (2, 3, 4), lambda x: ag.einsum("...ij,jk->...ik", x, x[0].T)),
    ("einsum broadcast 1", (2, 3), lambda x: ag.einsum("ij,ij->ij", x[:, :1], x)),
    ("einsum three", (3, 3), lambda x: ag.einsum("ij,jk,kl->il", x, x.exp(), x)),
    ("matrix_norm fro", (3, 4), lambda x: ag.norm(x, p="fro", dim=(0, 1), keepdim=True)),
    ("matrix_norm nuc", (3, 4), lambda x: ag.norm(x, p="nuc")),
    ("matrix_norm 1", (3, 4), lambda x: linalg().matrix_norm(x, 1) + linalg().matrix_norm(x, -1)),
    ("matrix_norm inf", (2, 3, 4), lambda x: linalg().matrix_norm(x, float("inf"), keepdim=True)),
    ("matrix_norm 2", (3, 4), lambda x: linalg().matrix_norm(x, 2) + linalg().matrix_norm(x, -2)),
    ("linalg.norm", (3, 4), lambda x: linalg().norm(x) + linalg().norm(x, 1, dim=1).sum()),
    ("diagonal", (2, 3, 4), lambda x: x.diagonal(1, 2, 0)),
    ("diagonal twice", (3, 4), lambda x: x.diagonal(-1) * x.diagonal(1)[:2]),
    ("diag_embed", (2, 3), lambda x: ag.diag_embed(x, -1, 0, 2)),
    ("diag", (3,), lambda x: ag.diag(x, 1)),
    ("trace", (3, 4), lambda x: ag.trace(x * x)),
    ("block_diag", (2, 3), lambda x: ag.block_diag(x, x[0], x[1, 1])),
    ("rot90", (2, 3, 4), lambda x: x.rot90(1, (2, 0))),
    ("cdist", (2, 3, 4), lambda x: ag.cdist(x, x[:, :2] * 2).sum() + ag.cdist(x, x.flip(1) + 1, p=1).sum()),
    ("tensordot", (2, 3, 4), lambda x: ag.tensordot(x, x.exp(), dims=([0, 2], [0, 2]))),
    ("kron cross inner", (2, 3, 4), lambda x: ag.kron(x[0], x[1]).sum() + ag.cross(x, x.exp(), dim=1).sum()
     + ag.inner(x, x[0]).sum()),
    ("addmm mv", (3, 4), lambda x: ag.addmm(x[:, :1], x, x.T, beta=0.5, alpha=2).sum() + x.mv(x[0]).sum()),
    ("take_along_dim", (3, 4), lambda x: x.take_along_dim(ag.tensor([[0, 0], [3, 1], [2, 2]]), 1)),
]


def linalg():
    from autograd.ops import linalg as L
    return L


@pytest.mark.parametrize("name,shape,fn", SHAPE_OPS, ids=[s[0] for s in SHAPE_OPS])
def test_shape_ops(name, shape, fn):
    assert ag.gradcheck(fn, (leaf(shape, 7),))


def test_getitem_accumulates_over_repeated_indices():
    x = ag.tensor([1.0, 2.0, 3.0], requires_grad=True)
    x[[0, 0, 2, 0]].sum().backward()
    assert x.grad.tolist() == [3.0, 0.0, 1.0]


def test_gradcheck_catches_a_wrong_backward():
    class BadSquare(ag.Function):
        def forward(ctx, a):
            ctx.save_for_backward(a)
            return a * a

        def backward(ctx, grad):
            (a,) = ctx.saved_tensors
            return grad * a  # should be 2a

    with pytest.raises(ag.GradcheckError, match="input 0"):
        ag.gradcheck(lambda x: BadSquare.apply(x), (leaf((3,), 0),))


@pytest.mark.parametrize("xshape,bias", [((5, 3), True), ((3,), True), ((2, 4, 3), False)])
def test_fused_linear(xshape, bias):
    from autograd.ops.math import Linear

    def linear(x, w, b=None):
        return Linear.apply(x, w, b)

    inputs = (leaf(xshape, 1), leaf((4, 3), 2)) + ((leaf((4,), 3),) if bias else ())
    assert ag.gradcheck(linear, inputs)
    assert ag.gradcheck(lambda *a: ag.grad((linear(*a) ** 2).sum(), a[1], create_graph=True)[0], inputs)


def test_scaled_dot_product_attention():
    import nn.functional as F

    q, k, v = leaf((2, 3, 4), 1), leaf((2, 5, 4), 2), leaf((2, 5, 3), 3)
    mask = ag.tensor(np.random.default_rng(0).random((3, 5)) > 0.3)
    bias = leaf((3, 5), 4)
    assert ag.gradcheck(lambda q, k, v: F.scaled_dot_product_attention(q, k, v), (q, k, v))
    assert ag.gradcheck(lambda q, k, v: F.scaled_dot_product_attention(q, k, v, attn_mask=mask, scale=0.3), (q, k, v))
    assert ag.gradcheck(lambda q, b: F.scaled_dot_product_attention(q, k, v, attn_mask=b), (q, bias))
    assert ag.gradcheck(lambda q, k: F.scaled_dot_product_attention(q, k, v, is_causal=True, scale=0.5), (q, k))


def test_volumes():
    import nn.functional as F

    x, w = leaf((2, 4, 4, 3, 5), 1), leaf((6, 2, 2, 3, 2), 2)
    assert ag.gradcheck(lambda x, w: F.conv3d(x, w, stride=(2, 1, 2), padding=1, dilation=(1, 2, 1), groups=2), (x, w))
    d = distinct((1, 2, 4, 5, 3), 3)
    assert ag.gradcheck(lambda x: F.max_pool3d(x, 2, stride=(1, 2, 1), padding=1, ceil_mode=True), (d,))
    assert ag.gradcheck(lambda x: F.avg_pool3d(x, (2, 3, 2), padding=(1, 1, 0), count_include_pad=False), (d,))
    assert ag.gradcheck(lambda x: F.interpolate(x, scale_factor=(2, 1.5, 2), mode="trilinear"), (d,))
    assert ag.gradcheck(lambda x: F.interpolate(x, size=(3, 7, 4), mode="nearest"), (d,))


SECOND_ORDER = [  # create_graph=True: gradients of gradients, checked by central differences too
    ("gather", (3, 4), lambda x: x.gather(1, ag.tensor([[0, 0], [3, 1], [2, 2]])) ** 2),
    ("scatter_add", (3, 4), lambda x: x.scatter_add(1, ag.tensor([[0, 0], [3, 1], [2, 2]]), x[:, :2] ** 2)),
    ("cumsum", (3, 4), lambda x: x.cumsum(1) ** 2),
    ("logcumsumexp", (3, 4), lambda x: x.logcumsumexp(0) ** 2),
    ("sort", (3, 4), lambda x: x.sort(1).values ** 3),
    ("einsum", (3, 3), lambda x: ag.einsum("ij,jk->ik", x, x) + ag.einsum("ii->i", x ** 2)),
    ("vector_norm", (3, 4), lambda x: x.norm(dim=1) ** 3 + x.norm(p=3)),
    ("tan erf sinh", (3, 4), lambda x: x.tan().erf() * x.sinh() + x.cosh() * x.atan()),
    ("conv3d", (1, 2, 3, 3, 3), lambda x: nn_functional().conv3d(x, x[:, :, :2, :2, :2] * 1.0, padding=1)),
]


@pytest.mark.parametrize("name,shape,fn", SECOND_ORDER, ids=[s[0] for s in SECOND_ORDER])
def test_second_order(name, shape, fn):
    x = away_from_zero(shape, 5) * 0.5
    x = x.detach().requires_grad_()
    assert ag.gradcheck(lambda x: ag.grad(fn(x).sum(), x, create_graph=True)[0], (x,))
