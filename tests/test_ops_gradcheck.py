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


UNARY = [  # (name, function, input maker)
    ("neg", lambda x: -x, leaf),
    ("exp", lambda x: x.exp(), leaf),
    ("log", lambda x: x.log(), positive),
    ("log1p", lambda x: x.log1p(), positive),
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
]


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
    ("minimum", lambda a, b: ag.minimum(a, b), leaf, leaf),
    ("where", lambda a, b: ag.where(a > 0, a, b), away_from_zero, leaf),
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
]


@pytest.mark.parametrize("name,fn,make", REDUCTIONS, ids=[r[0] for r in REDUCTIONS])
@SETTINGS
@given(case=reduction_case(), seed=st.integers(0, 10**6))
def test_reductions(name, fn, make, case, seed):
    shape, dim, keepdim = case
    assert ag.gradcheck(lambda x: fn(x, dim, keepdim), (make(shape, seed),))


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
]


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
