"""Random programs against the systems whose names two parts of seegrad carry.

1. ``seegrad.export.export_onnx``: small random models (layers and functional ops from the exporter's
   tables, random shapes, strides, paddings, activations, dtypes, a dynamic batch, eval-mode BatchNorm
   and Dropout) are exported and run in onnxruntime at other batch sizes; onnxruntime must give our
   numbers. A model the exporter cannot translate must be refused at export time by an ExportError
   naming the op, never written as a graph that computes something else.
2. ``autograd.Value`` (the micrograd-style scalar) against micrograd's own ``Value``: random expression
   DAGs with shared subexpressions, reflected operators, Value mixed with int and float, relu; tanh,
   exp and ``2 ** v`` (micrograd has none of them) against PyTorch float64; backward twice and the
   zero-the-grads idiom.

Both engines compute in Python floats, so data and grads agree to the bit where the two compute the
same formulas in the same order. They do not where micrograd rewrites an op: ``a / b`` is
``a * b**-1`` there (two roundings against one), so a program with a division is compared to 1e-9;
and a node used three times or more sums its gradients in the walk's order, which is micrograd's
set order in micrograd, so its sum may differ in the last bits (also compared to 1e-9). A gradient
that is -0.0 in PyTorch is 0.0 in both (``grad += g`` starts from 0.0, and 0.0 + -0.0 is 0.0).

Examples per test: FUZZ_ONNX_EXAMPLES and FUZZ_VALUE_EXAMPLES (hunt with larger ones, and other
seeds with FUZZ_SEED, which turns derandomize off).
"""
import importlib.util
import math
import os

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, event, given, settings
from hypothesis import strategies as st

import autograd as ag
from autograd import Value

torch = pytest.importorskip("torch")  # the oracle for tanh, exp and 2 ** v, and for PyTorch's layers

_SEED = os.environ.get("FUZZ_SEED")


def _settings(env, default):
    kwargs = dict(max_examples=int(os.environ.get(env, default)), deadline=None,
                  suppress_health_check=list(HealthCheck), database=None)
    if _SEED is None:
        return settings(derandomize=True, **kwargs)
    return settings(derandomize=False, **kwargs)


def _seeded(test):
    """With FUZZ_SEED set, hypothesis draws from that seed (a hunt); otherwise derandomized."""
    if _SEED is None:
        return test
    from hypothesis import seed
    return seed(int(_SEED))(test)


# =========================================================================== 1. ONNX export vs onnxruntime

import nn  # noqa: E402
import nn.functional as F  # noqa: E402
import torch.nn.functional as TF  # noqa: E402

_LIBS = {"ours": (ag, nn, F), "torch": (torch, torch.nn, TF)}


class Fn:
    """A functional step of a model, written once for both libraries: ``f(T, F, x)`` where T is the
    tensor library (ag or torch) and F its nn.functional."""

    def __init__(self, name, f, extreme=False):
        self.name, self.f = name, f
        self.extreme = extreme  # overflows float32 on purpose: onnxruntime is compared, PyTorch not (how a
        # norm treats 1e26 squared differs by library)

    def __repr__(self):
        return self.name


class Step:
    """One drawn step: a layer (``nn`` class name, args, kwargs) or a functional step (Fn)."""

    def __init__(self, layer=None, args=(), kwargs=None, fn=None):
        self.layer, self.args, self.kwargs, self.fn = layer, tuple(args), dict(kwargs or {}), fn

    def build(self, lib):
        T, nn_, F_ = _LIBS[lib]
        if self.fn is not None:
            return _Lambda(nn_, self.fn, T, F_)
        if self.layer == "Residual":  # x + layer(x), the layer's output used with its input
            return _Residual(nn_, self.args[0].build(lib))
        return getattr(nn_, self.layer)(*self.args, **self.kwargs)

    def __repr__(self):
        if self.fn is not None:
            return repr(self.fn)
        args = [repr(a) for a in self.args] + [f"{k}={v!r}" for k, v in self.kwargs.items()]
        return f"nn.{self.layer}({', '.join(args)})"


def _Residual(nn_, inner):
    class Residual(nn_.Module):
        def __init__(self):
            super().__init__()
            self.inner = inner

        def forward(self, x):
            return x + 0.5 * self.inner(x)

    return Residual()


def _Lambda(nn_, fn, T, F_):
    class Lambda(nn_.Module):
        def forward(self, x):
            return fn.f(T, F_, x)

    return Lambda()


def _activations(draw):
    """A layer exported whole or an activation traced op by op."""
    name = draw(st.sampled_from(["ReLU", "LeakyReLU", "ELU", "SELU", "GELU", "Softplus", "Mish", "LogSigmoid",
                                 "Hardtanh", "ReLU6", "SiLU", "Sigmoid", "Tanh", "Hardsigmoid", "Hardswish",
                                 "Softsign", "Tanhshrink", "Dropout", "Identity", "CELU"]))
    kwargs = {}
    if name == "LeakyReLU":
        kwargs["negative_slope"] = draw(st.sampled_from([0.01, 0.2, 1.5]))
    elif name in ("ELU", "CELU"):
        kwargs["alpha"] = draw(st.sampled_from([0.5, 1.0, 2.0]))
    elif name == "GELU":
        kwargs["approximate"] = draw(st.sampled_from(["none", "tanh"]))
    elif name == "Softplus":
        kwargs.update(beta=draw(st.sampled_from([1.0, 2.0, 0.5])), threshold=draw(st.sampled_from([20.0, 1.0])))
    elif name == "Hardtanh":
        kwargs.update(min_val=draw(st.sampled_from([-1.0, -0.5])), max_val=draw(st.sampled_from([0.5, 2.0])))
    elif name == "Dropout":
        kwargs["p"] = draw(st.sampled_from([0.1, 0.5]))
    return Step(name, kwargs=kwargs)


_ELEMENTWISE = [
    Fn("x * 1.5 - 0.25", lambda T, F, x: x * 1.5 - 0.25),
    Fn("2 - x", lambda T, F, x: 2 - x),
    Fn("x / (x.abs() + 1)", lambda T, F, x: x / (x.abs() + 1)),
    Fn("2 / (x * x + 1)", lambda T, F, x: 2 / (x * x + 1)),
    Fn("x ** 2 - x", lambda T, F, x: x ** 2 - x),
    Fn("x.abs().sqrt()", lambda T, F, x: x.abs().sqrt()),
    Fn("(x.abs() + 1) ** 1.5", lambda T, F, x: (x.abs() + 1) ** 1.5),
    Fn("x.clamp(-0.5, 1.0)", lambda T, F, x: x.clamp(-0.5, 1.0)),
    Fn("x.clamp(min=0.1)", lambda T, F, x: x.clamp(min=0.1)),
    Fn("x.clamp(max=0.3)", lambda T, F, x: x.clamp(max=0.3)),
    Fn("where(x > 0.2, x, -0.5 * x)", lambda T, F, x: T.where(x > 0.2, x, -0.5 * x)),
    Fn("(x <= 0).float() * x + x", lambda T, F, x: (x <= 0).to(x.dtype) * x + x),
    Fn("x.sign() * x.floor() + x.ceil()", lambda T, F, x: x.sign() * x.floor() + x.ceil()),
    Fn("x.sin() + x.cos()", lambda T, F, x: x.sin() + x.cos()),
    Fn("x.tanh().exp()", lambda T, F, x: x.tanh().exp()),
    Fn("(x.abs() + 1).log()", lambda T, F, x: (x.abs() + 1).log()),
    Fn("maximum(x, x * 0.3)", lambda T, F, x: T.maximum(x, x * 0.3)),
    Fn("minimum(x, 0.5 - x)", lambda T, F, x: T.minimum(x, 0.5 - x)),
    Fn("x.sigmoid() * x", lambda T, F, x: x.sigmoid() * x),
    Fn("F.leaky_relu(x, 0.1)", lambda T, F, x: F.leaky_relu(x, 0.1)),
    Fn("F.relu(x) - F.relu(-x)", lambda T, F, x: F.relu(x) - F.relu(-x)),
    Fn("(x != x.clamp(max=0)).to(x.dtype)", lambda T, F, x: (x != x.clamp(max=0)).to(x.dtype)),
    # through integers: a cast, an int tensor against floats, promotion back to float
    Fn("(x * 3).long().to(x.dtype)", lambda T, F, x: (x * 3).long().to(x.dtype)),
    Fn("((x * 3).long() >= 0.5).to(x.dtype)", lambda T, F, x: ((x * 3).long() >= 0.5).to(x.dtype)),
    Fn("((x * 3).long() == 1.0).to(x.dtype) + x", lambda T, F, x: ((x * 3).long() == 1.0).to(x.dtype) + x),
    Fn("(x * 3).long() + 0.5 (float32)", lambda T, F, x: ((x * 3).long() + 0.5).to(x.dtype)),
    Fn("(x * 3).long() / 2 (float32)", lambda T, F, x: ((x * 3).long() / 2).to(x.dtype)),
    Fn("(x * 3).long().clamp(-1, 2) * x", lambda T, F, x: (x * 3).long().clamp(-1, 2) * x),
    Fn("x * (x > 0)", lambda T, F, x: x * (x > 0)),
    Fn("x.double().float() (a round trip)", lambda T, F, x: x.double().to(x.dtype)),
    Fn("x.atan() + x.sinh() - x.asinh()", lambda T, F, x: x.atan() + x.sinh() - x.asinh()),
    Fn("x.erf() * x.reciprocal()", lambda T, F, x: x.erf() * x.reciprocal()),
    Fn("(x * 30).exp() (overflows in float32)", lambda T, F, x: (x * 30).exp(), extreme=True),
    Fn("where(x > 0.05, x, nan).log()", lambda T, F, x: T.where(x > 0.05, x, x * float("nan")).log()),  # (log of
    # a value near 0 after a cancellation, x - tanh(x), turns one ulp of tanh into 1e-2: not compared)
    Fn("where(x > 1, nan, x)", lambda T, F, x: T.where(x > 1, x * float("nan"), x)),
    Fn("where(x < -1, -inf, x)", lambda T, F, x: T.where(x < -1, x * 0 - float("inf"), x)),
    Fn("x.log().isnan().float() + x", lambda T, F, x: x.log().isnan().to(x.dtype) + x),
    Fn("(x * 50).exp().isinf() * 1.0", lambda T, F, x: (x * 50).exp().isinf() * 1.0, extreme=True),
    Fn("(x * 2).round() (not exportable?)", lambda T, F, x: (x * 2).round()),
    Fn("x // 0.5 (not exportable?)", lambda T, F, x: x // 0.5),
    Fn("x.cumsum(-1) (not exportable?)", lambda T, F, x: x.cumsum(-1)),
    Fn("x.argmax(-1, keepdim) as float", lambda T, F, x: x + x.argmax(dim=-1, keepdim=True).to(x.dtype)),
    Fn("x.max(-1).indices (an int output)", lambda T, F, x: x.max(dim=-1).indices.unsqueeze(-1) * x),
    Fn("where(x > 0, 1.0, x)", lambda T, F, x: T.where(x > 0, 1.0, x)),
    Fn("x.masked_fill(x < -1, 0.0)", lambda T, F, x: x.masked_fill(x < -1, 0.0)),
    Fn("F.hardtanh(x, -0.3, 0.3) + F.elu(x)", lambda T, F, x: F.hardtanh(x, -0.3, 0.3) + F.elu(x)),
    Fn("F.gelu(x) * F.silu(x)", lambda T, F, x: F.gelu(x) * F.silu(x)),
    Fn("F.softplus(x, beta=2)", lambda T, F, x: F.softplus(x, beta=2)),
    Fn("F.dropout(x, 0.5, training=False)", lambda T, F, x: F.dropout(x, 0.5, training=False)),
]


def _over_dim(draw, rank):
    """A dim of the sample (1..rank), as a positive or a negative index."""
    d = draw(st.integers(1, rank))
    return draw(st.sampled_from([d, d - rank - 1]))


def _reductions(draw, rank):
    """A reduction kept to the input's shape (keepdim, then broadcast back), or a softmax."""
    d = _over_dim(draw, rank)
    dims = draw(st.sampled_from([d, (0,) if rank == 1 else (0, 1), None, (0, d)]))
    corr = draw(st.sampled_from([0, 1, 2]))
    choices = [
        Fn(f"x.softmax({d})", lambda T, F, x: x.softmax(d)),
        Fn(f"F.log_softmax(x, {d})", lambda T, F, x: F.log_softmax(x, dim=d)),
        Fn(f"x - x.mean({d}, keepdim)", lambda T, F, x: x - x.mean(dim=d, keepdim=True)),
        Fn(f"x - x.amax({d}, keepdim)", lambda T, F, x: x - x.amax(dim=d, keepdim=True)),
        Fn(f"x + x.amin({d}, keepdim)", lambda T, F, x: x + x.amin(dim=d, keepdim=True)),
        Fn(f"x * x.logsumexp({d}, keepdim)", lambda T, F, x: x * x.logsumexp(dim=d, keepdim=True)),
        Fn(f"x - x.max({d}, keepdim).values", lambda T, F, x: x - x.max(dim=d, keepdim=True).values),
        Fn(f"x + x.sum({d}, keepdim)", lambda T, F, x: x + x.sum(dim=d, keepdim=True)),
        Fn(f"x * (x.abs() + 0.5).prod({d}, keepdim)", lambda T, F, x: x * (x.abs() + 0.5).prod(dim=d, keepdim=True)),
    ]
    if dims is not None:
        choices += [
            Fn(f"x / (x.std({dims}, correction={corr}, keepdim) + 1)",
               lambda T, F, x: x / (x.std(dim=dims, correction=corr, keepdim=True) + 1)),
            Fn(f"x + x.var({dims}, correction={corr}, keepdim)",
               lambda T, F, x: x + x.var(dim=dims, correction=corr, keepdim=True)),
            Fn(f"x - x.mean({dims}, keepdim)", lambda T, F, x: x - x.mean(dim=dims, keepdim=True)),
        ]
    else:
        choices += [
            Fn("x / (x.std() + 1)", lambda T, F, x: x / (x.std() + 1)),
            Fn(f"x + x.var(correction={corr})", lambda T, F, x: x + x.var(correction=corr)),
            Fn("x - x.mean()", lambda T, F, x: x - x.mean()),
            Fn("x * x.sum()", lambda T, F, x: x * x.sum() * 0.01),
        ]
    return draw(st.sampled_from(choices))


def _reshapes(draw, shape):
    """Indexing, a transpose and back, a reshape: steps that keep or change the sample's shape."""
    rank = len(shape)
    last = shape[-1]
    choices = [
        Fn("x[..., ::-1] (a flip)", lambda T, F, x: x[..., ::-1] if T is ag else x.flip(-1)),
        Fn("cat([x, x[..., :1] * 2], -1)", lambda T, F, x: T.cat([x, x[..., :1] * 2], dim=-1)),
        Fn("stack([x, -x], 1).sum(1) + x", lambda T, F, x: T.stack([x, -x * 0.5], dim=1).sum(dim=1) + x),
        Fn("x.unsqueeze(1).expand(...).mean(1)",
           lambda T, F, x: x.unsqueeze(1).expand(x.shape[0], 3, *x.shape[1:]).mean(dim=1) + x),
        Fn("x.reshape(x.shape[0], -1).reshape(x.shape)", lambda T, F, x: x.reshape(x.shape[0], -1).reshape(x.shape) * 2),
    ]
    if last > 2:
        choices += [Fn("x[..., 1:-1]", lambda T, F, x: x[..., 1:-1]), Fn("x[..., ::2]", lambda T, F, x: x[..., ::2]),
                    Fn("x[..., -2]  (drops a dim)", lambda T, F, x: x[..., -2]) if rank > 1 else
                    Fn("x[..., -2:]", lambda T, F, x: x[..., -2:])]
    if rank >= 2:
        choices += [Fn("x.transpose(1, -1)", lambda T, F, x: x.transpose(1, -1)),
                    Fn("x.permute(...).contiguous() back", lambda T, F, x: x.transpose(1, -1).transpose(-1, 1) + 0)]
    if rank == 1 and last % 2 == 0:
        choices += [Fn(f"x.view(-1, 2, {last // 2})", lambda T, F, x: x.view(-1, 2, last // 2)),
                    Fn(f"x.reshape(x.shape[0], {last // 2}, 2)", lambda T, F, x: x.reshape(x.shape[0], last // 2, 2))]
    if rank == 2 and shape[0] * shape[1] % 4 == 0:
        n = shape[0] * shape[1]
        choices += [Fn(f"x.reshape(-1, 2, 2, {n // 4})", lambda T, F, x: x.reshape(-1, 2, 2, n // 4))]
    if rank >= 2:
        choices += [Fn("x.flatten(1)", lambda T, F, x: x.flatten(1))]
    return draw(st.sampled_from(choices))


def _layers(draw, shape):
    """A layer of nn for a sample of this shape (without the batch dim)."""
    rank = len(shape)
    out = draw(st.integers(1, 6))
    bias = draw(st.booleans())
    if rank == 1:
        (features,) = shape
        return draw(st.sampled_from([
            Step("Residual", (Step("Linear", (features, features), {"bias": bias}),)),
            Step("Linear", (features, out), {"bias": bias}),
            Step("BatchNorm1d", (features,), {"affine": bias}),
            Step("LayerNorm", (features,), {"elementwise_affine": bias}),
        ]))
    if rank not in (2, 3):
        return Step("Linear", (shape[-1], out), {"bias": bias})
    n = rank - 1
    channels, spatial = shape[0], shape[1:]
    Conv, Pool, Avg, Adaptive, BN = (("Conv1d", "MaxPool1d", "AvgPool1d", "AdaptiveAvgPool1d", "BatchNorm1d") if n == 1
                                     else ("Conv2d", "MaxPool2d", "AvgPool2d", "AdaptiveAvgPool2d", "BatchNorm2d"))
    k = draw(st.integers(1, min(4, min(spatial))))
    stride = draw(st.integers(1, 3))
    dilation = draw(st.integers(1, 2)) if min(spatial) >= 2 * k else 1
    groups = draw(st.sampled_from([g for g in (1, 2, 3) if channels % g == 0]))
    out_ch = groups * draw(st.integers(1, 3))
    pad = draw(st.integers(0, k // 2))
    padding = draw(st.sampled_from([pad, "valid"] + (["same"] if stride == 1 else [])))
    if n == 2 and draw(st.booleans()):  # a rectangular kernel or stride, as tuples
        k2 = draw(st.integers(1, min(3, spatial[1])))
        kernel, stride_t = (k, k2), (stride, draw(st.integers(1, 2)))
        padding = padding if isinstance(padding, str) else (pad, draw(st.integers(0, k2 // 2)))
        if padding == "same" and stride_t != (1, 1):
            padding = "valid"
        conv = Step(Conv, (channels, out_ch, kernel), {"stride": stride_t, "padding": padding,
                                                       "dilation": (dilation, 1), "groups": groups, "bias": bias})
    else:
        conv = Step(Conv, (channels, out_ch, k), {"stride": stride, "padding": padding, "dilation": dilation,
                                                   "groups": groups, "bias": bias})
    pool_k = draw(st.integers(1, min(4, min(spatial))))
    pool_pad = draw(st.integers(0, pool_k // 2))
    pool_stride = draw(st.sampled_from([None, 1, 2, 3]))
    ceil = draw(st.booleans())
    max_dil = draw(st.integers(1, 2)) if min(spatial) >= 2 * pool_k else 1
    divisors = [d for d in range(1, max(spatial) + 1) if all(s % d == 0 for s in spatial)]
    fpool = "max_pool1d" if n == 1 else "max_pool2d"
    fav = "avg_pool1d" if n == 1 else "avg_pool2d"
    pool_args = (pool_k, pool_stride or pool_k, pool_pad)
    return draw(st.sampled_from([
        Step(fn=Fn(f"F.{fpool}(x, {pool_args}, ceil_mode={ceil})",
                   lambda T, F, x: getattr(F, fpool)(x, *pool_args, ceil_mode=ceil))),
        Step(fn=Fn(f"F.{fav}(x, {pool_args}) (not exportable?)", lambda T, F, x: getattr(F, fav)(x, *pool_args))),
        Step(fn=Fn(f"F.layer_norm(x, {tuple(spatial)})", lambda T, F, x: F.layer_norm(x, tuple(x.shape[2:])))),
        Step("Residual", (Step(Conv, (channels, channels, k), {"padding": "same", "dilation": dilation,
                                                               "groups": groups, "bias": bias}),)),
        conv,
        Step(Pool, (pool_k,), {"stride": pool_stride, "padding": pool_pad, "ceil_mode": ceil, "dilation": max_dil}),
        Step(Avg, (pool_k,), {"stride": pool_stride, "padding": pool_pad, "ceil_mode": ceil,
                              "count_include_pad": draw(st.booleans())}),
        Step(Adaptive, (draw(st.sampled_from(divisors + [1])),)),
        Step(BN, (channels,), {"affine": bias}),
        Step("LayerNorm", (spatial[-1],), {"elementwise_affine": bias}),
        Step("Flatten"),
        Step("Linear", (spatial[-1], out), {"bias": bias}),
    ]))


def _shape_after(step, shape, dtype):
    """The sample's shape after ``step`` (ours, run on a batch of 2), or None where it is refused."""
    try:
        module = step.build("ours")
        if dtype == np.float64:
            module = module.double()
        module.eval()
        with ag.no_grad():
            y = module(ag.zeros(2, *shape, dtype=ag.float64 if dtype == np.float64 else ag.float32) + 0.5)
    except Exception:  # a layer that doesn't fit this shape (a kernel larger than the input...)
        return None
    if not isinstance(y, ag.Tensor) or y.ndim < 2 or y.shape[0] != 2 or 0 in y.shape or y.numel() > 4000:
        return None
    if y.dtype != (ag.float64 if dtype == np.float64 else ag.float32):
        return None
    return tuple(y.shape[1:])


@st.composite
def onnx_models(draw):
    """(steps, sample shape, dtype): a random model drawn step by step, each fitting the shape before it."""
    kind = draw(st.sampled_from(["flat", "1d", "2d", "tokens"]))
    shape = {"flat": (draw(st.integers(2, 8)),), "1d": (draw(st.integers(1, 4)), draw(st.integers(4, 12))),
             "2d": (draw(st.integers(1, 3)), draw(st.integers(4, 9)), draw(st.integers(4, 9))),
             "tokens": (draw(st.integers(1, 6)),)}[kind]
    dtype = draw(st.sampled_from([np.float32, np.float32, np.float64]))
    start, steps = shape, []
    if kind == "tokens":  # integer input: token ids (batch, L) -> an Embedding (batch, L, dim)
        dim = draw(st.integers(1, 5))
        kwargs = {"padding_idx": draw(st.sampled_from([None, 0, 3]))}
        if draw(st.booleans()):
            kwargs.update(max_norm=draw(st.sampled_from([0.5, 1.0, 2.0])), norm_type=draw(st.sampled_from([1.0, 2.0, 3.0])))
        steps.append(Step("Embedding", (_VOCAB, dim), kwargs))
        shape = (shape[0], dim)
        start = ("tokens",) + start
    for _ in range(draw(st.integers(1, 6))):
        family = draw(st.sampled_from(["layer", "layer", "activation", "elementwise", "reduction", "reshape"]))
        if family == "layer":
            step = _layers(draw, shape)
        elif family == "activation":
            step = _activations(draw)
        elif family == "elementwise":
            step = Step(fn=draw(st.sampled_from(_ELEMENTWISE)))
        elif family == "reduction":
            step = Step(fn=_reductions(draw, len(shape)))
        else:
            step = Step(fn=_reshapes(draw, shape))
        after = _shape_after(step, shape, dtype)  # (after the Embedding: its output's shape)
        if after is not None:
            steps.append(step)
            shape = after
    assume(steps)
    last = draw(st.sampled_from([None, "Softmax", "LogSoftmax"]))
    if last:
        steps.append(Step(last, kwargs={"dim": -1}))
    options = {"opset": draw(st.sampled_from([13, 17, 18])), "dynamic_batch": draw(st.sampled_from([True, True, False]))}
    return steps, start, dtype, options


def _build(steps, lib, dtype):
    nn_ = _LIBS[lib][1]
    model = nn_.Sequential(*[s.build(lib) for s in steps])
    if dtype == np.float64:
        model = model.double()
    return model


def _randomize(model, rng):
    """Weights and running statistics away from their initial values (BatchNorm's 0 and 1)."""
    with ag.no_grad():
        for name, t in list(model.named_parameters()) + list(model.named_buffers()):
            array = t.detach().numpy()
            if array.dtype.kind == "f":
                values = rng.standard_normal(t.shape) * 0.7
                if name.endswith("running_var"):
                    values = np.abs(values) + 0.3
                t.copy_(ag.tensor(values.astype(array.dtype)))


def _to_torch(ours, theirs):
    state = {k: torch.from_numpy(np.array(v.detach().numpy())) for k, v in ours.state_dict().items()}
    theirs.load_state_dict(state)


_VOCAB = 30  # token ids 0..29 (more than a trace picks: rows it never saw)


def _input(rng, batch, shape, dtype):
    if shape[0] == "tokens":  # (an Embedding first: the model takes int64 token ids)
        return rng.integers(0, _VOCAB, (batch, *shape[1:]))
    return (rng.standard_normal((batch, *shape)) * 1.5).astype(dtype)


def _onnx_run(path, x):
    import onnxruntime as ort
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    return session.run(None, {"input": x})[0]


def _check_export(steps, shape, dtype, tmp_path, batches=(1, 5), opset=17, dynamic_batch=True):
    from seegrad.export import ExportError, export_onnx

    rng = np.random.default_rng(0)
    model = _build(steps, "ours", dtype)
    _randomize(model, rng)
    model.eval()
    path = tmp_path / "fuzz.onnx"
    try:
        export_onnx(model, ag.tensor(_input(rng, 4, shape, dtype)), path, opset=opset, dynamic_batch=dynamic_batch)
    except ExportError as err:
        message = str(err)
        assert "a bug in the exporter" not in message, f"{steps}: {message}"
        assert any(word in message for word in ("op ", "layer ", "(", "Conv", "Pool", "Norm")), message
        return "refused: " + message.split(" at op #")[0].split(" has no ONNX")[0][:70]
    rtol, atol = (1e-4, 1e-5) if dtype == np.float32 else (1e-9, 1e-11)
    theirs = _build(steps, "torch", dtype)
    _to_torch(model, theirs)
    theirs.eval()
    for batch in (batches if dynamic_batch else (4,)):
        x = _input(rng, batch, shape, dtype)
        with ag.no_grad():
            want = model(ag.tensor(x)).numpy()
        try:
            got = _onnx_run(path, x)
        except Exception as err:  # onnxruntime's CPU kernels lack some float64 ops (AveragePool...): valid
            if dtype == np.float64 and "NOT_IMPLEMENTED" in str(err):  # ONNX, refused at load, never wrong
                return "no onnxruntime kernel: " + str(err).split("implementation for ")[-1].split(" node")[0]
            if dtype == np.float64 and "relu_clip_fusion" in str(err):  # onnxruntime's optimizer fusing
                return "onnxruntime's Relu+Clip fusion refuses float64"  # Relu into a float64 Clip fails at load
            raise
        assert got.shape == want.shape and got.dtype == want.dtype, (steps, batch, got.shape, want.shape, got.dtype)
        finite = np.abs(want[np.isfinite(want)]) if want.dtype.kind == "f" else np.abs(want)
        scale = max(1.0, float(finite.max())) if finite.size else 1.0  # (sums of large terms: float32 rounding
        # of the largest, not of the result, and onnxruntime adds in its own order)
        np.testing.assert_allclose(got, want, rtol=rtol, atol=atol * scale, equal_nan=True,
                                   err_msg=f"onnxruntime vs ours at batch {batch}: {steps}")
        if any(step.fn is not None and step.fn.extreme for step in steps):
            continue
        with torch.no_grad():
            torch_out = theirs(torch.from_numpy(x)).numpy()
        np.testing.assert_allclose(want, torch_out, rtol=max(rtol, 1e-4), atol=max(atol, 1e-4) * scale, equal_nan=True,
                                   err_msg=f"ours vs PyTorch at batch {batch}: {steps}")
    return "exported"


_HAS_ONNX = all(importlib.util.find_spec(name) is not None for name in ("onnx", "onnxruntime"))
needs_onnx = pytest.mark.skipif(not _HAS_ONNX, reason="onnx and onnxruntime are not installed (pip install "
                                                     "'seegrad[onnx]')")  # (on each ONNX test, below)


@needs_onnx
@_seeded
@given(onnx_models())
@_settings("FUZZ_ONNX_EXAMPLES", 200)
def test_random_models_export_and_run_in_onnxruntime_as_ours(tmp_path_factory, model):
    steps, shape, dtype, options = model
    event(_check_export(steps, shape, dtype, tmp_path_factory.mktemp("onnx"), **options))  # (--hypothesis-show-statistics)


# ---------------------------------------------------------------- regressions found by the ONNX fuzzer

def _fn_model(name, f, shape=(5,), dtype=np.float32):
    return [Step(fn=Fn(name, f))], shape, dtype


@needs_onnx
def test_onnx_int_tensor_compared_with_a_float(tmp_path):
    """Was silently wrong: the 0.5 was cast to the int tensor's dtype, so x >= 0.5 was True at 0
    (onnxruntime 1.0 where we and PyTorch give 0.0); now compared as floats, as PyTorch promotes."""
    steps, shape, dtype = _fn_model("((x * 3).long() >= 0.5)", lambda T, F, x: ((x * 3).long() >= 0.5).to(x.dtype))
    assert _check_export(steps, shape, dtype, tmp_path) == "exported"
    steps, shape, dtype = _fn_model("((x * 3).long() == 1.0) + x", lambda T, F, x: ((x * 3).long() == 1.0).to(x.dtype) + x)
    assert _check_export(steps, shape, dtype, tmp_path) == "exported"


@needs_onnx
def test_onnx_clamp_of_an_int_tensor_keeps_both_bounds(tmp_path):
    """Was silently wrong: x.long().clamp(-1, 1) exported as Clip(x, -1, -1). The two bounds were
    temporary arrays named by their id; the second reused the first's id and got its name."""
    steps, shape, dtype = _fn_model("(x * 3).long().clamp(-1, 2) * x", lambda T, F, x: (x * 3).long().clamp(-1, 2) * x)
    assert _check_export(steps, shape, dtype, tmp_path) == "exported"
    steps, shape, dtype = _fn_model("x.clamp(-0.5, 1.0) (float64)", lambda T, F, x: x.clamp(-0.5, 1.0), dtype=np.float64)
    assert _check_export(steps, shape, dtype, tmp_path) == "exported"


@needs_onnx
@pytest.mark.parametrize("name, f", [
    ("(x * 3).long() + 0.5", lambda T, F, x: ((x * 3).long() + 0.5).to(x.dtype)),
    ("(x * 3).long() / 2", lambda T, F, x: ((x * 3).long() / 2).to(x.dtype)),
    ("x * (x > 0)", lambda T, F, x: x * (x > 0)),
])
def test_onnx_an_int_or_bool_tensor_in_float_arithmetic_is_cast(tmp_path, name, f):
    """Was refused as 'a bug in the exporter' (onnx.checker: Add of int64 and float): the traced
    input of another dtype now goes through a Cast, as PyTorch promotes (int / int is a true division)."""
    assert _check_export(*_fn_model(name, f), tmp_path) == "exported"


@needs_onnx
@pytest.mark.parametrize("layer, kwargs, shape", [
    ("MaxPool2d", {"kernel_size": 2, "stride": 2, "padding": 1, "ceil_mode": True}, (2, 5, 5)),
    ("AvgPool2d", {"kernel_size": 3, "stride": 3, "padding": 1, "ceil_mode": True}, (2, 8, 8)),
    ("AvgPool2d", {"kernel_size": 2, "stride": 2, "padding": 1, "ceil_mode": True, "count_include_pad": False}, (2, 7, 7)),
    ("MaxPool1d", {"kernel_size": 2, "stride": 2, "padding": 1, "ceil_mode": True}, (2, 5)),
    ("MaxPool1d", {"kernel_size": 1, "stride": 2, "ceil_mode": True}, (2, 2)),  # onnxruntime's own rule: 1 window
    ("MaxPool1d", {"kernel_size": 3, "stride": 3, "padding": 1, "dilation": 2, "ceil_mode": True}, (2, 7)),
    ("AvgPool1d", {"kernel_size": 3, "stride": 2, "padding": 1, "ceil_mode": True}, (2, 6)),
])
def test_onnx_ceil_mode_pooling_drops_a_window_that_starts_in_the_padding(tmp_path, layer, kwargs, shape):
    """Was refused as 'a bug in the exporter' (onnx.checker: shapes differ): ONNX's ceil_mode keeps a
    last window starting in the right padding, which PyTorch drops (5 -> 3 where ONNX says 4).
    Slicing that window off is not enough: onnxruntime drops it itself, as PyTorch, so its output
    and the shapes it planned from the checker's disagree (MaxPool1d(1, stride=2) before a Concat
    failed at run time). Now no ceil_mode in the file: the extra right padding PyTorch's rule needs,
    uncounted (a Pad of -inf for MaxPool, whose dilated windows may need more padding than
    onnxruntime takes in ``pads``). The last two cases guard that padding; they passed before."""
    steps = [Step(layer, kwargs=kwargs), Step(fn=Fn("cat([x, x[..., :1] * 2], -1)",
                                                   lambda T, F, x: T.cat([x, x[..., :1] * 2], dim=-1)))]
    assert _check_export(steps, shape, np.float32, tmp_path) == "exported"


@needs_onnx
@pytest.mark.parametrize("name, f", [
    ("x + x.var(0, keepdim)", lambda T, F, x: x + x.var(dim=0, keepdim=True)),
    ("x / (x.std((0, 1), keepdim) + 1)", lambda T, F, x: x / (x.std(dim=(0, 1), keepdim=True) + 1)),
    ("x + x.var(correction=2)", lambda T, F, x: x + x.var(correction=2)),
])
def test_onnx_var_and_std_over_the_batch_dim(tmp_path, name, f):
    """Was silently wrong: n / (n - correction) was baked in at the trace's batch size (at batch 1
    ours and PyTorch give nan, onnxruntime gave a number; at 5 a different scale)."""
    assert _check_export(*_fn_model(name, f), tmp_path) == "exported"


@needs_onnx
def test_onnx_std_of_everything_is_0_d(tmp_path):
    """Was refused as 'a bug in the exporter': the Bessel factor, a 0-d constant, was stored 1-d
    (np.ascontiguousarray makes a 0-d array 1-d), so x.std() came out with shape (1,)."""
    from seegrad.export import export_onnx

    class Spread(nn.Module):
        def forward(self, x):
            return x.std()

    x = np.random.default_rng(1).standard_normal((3, 4)).astype(np.float32)
    export_onnx(Spread(), ag.tensor(x), tmp_path / "std.onnx", dynamic_batch=False)
    got = _onnx_run(tmp_path / "std.onnx", x)
    assert got.shape == () and np.isclose(got, torch.from_numpy(x).std().item(), rtol=1e-5)


@needs_onnx
def test_onnx_var_with_a_correction_at_least_n_is_nan_or_inf(tmp_path):
    """Was silently wrong: std over 1 value with correction=2 multiplied by n / (n - 2) = -1 and gave
    0 where PyTorch (and we) give nan: PyTorch divides by max(0, n - correction)."""
    steps = [Step("Linear", (2, 1), {"bias": False}),
             Step(fn=Fn("x / (x.std(1, correction=2, keepdim) + 1)",
                        lambda T, F, x: x / (x.std(dim=1, correction=2, keepdim=True) + 1)))]
    assert _check_export(steps, (2,), np.float32, tmp_path) == "exported"


@needs_onnx
@pytest.mark.parametrize("norm_type", [1.0, 2.0, 3.0])
def test_onnx_embedding_with_max_norm_rescales_in_the_graph(tmp_path, norm_type):
    """Was silently wrong: max_norm rescales the picked rows of the weight in place, outside the traced
    op, so the file held the weight as the trace left it and a row the trace never picked came out
    unscaled (1.4 off at batch 1). The Embedding op now carries max_norm and the graph rescales."""
    from seegrad.export import export_onnx

    rng = np.random.default_rng(3)
    ours = nn.Sequential(nn.Embedding(40, 3, max_norm=1.0, norm_type=norm_type), nn.Flatten())
    with ag.no_grad():
        ours[0].weight.copy_(ag.tensor(rng.standard_normal((40, 3)).astype(np.float32)))
    theirs = torch.nn.Sequential(torch.nn.Embedding(40, 3, max_norm=1.0, norm_type=norm_type), torch.nn.Flatten())
    _to_torch(ours, theirs)
    export_onnx(ours, ag.tensor(np.array([[1, 2, 3, 4], [5, 6, 7, 8]])), tmp_path / "emb.onnx")  # rows 1..8 only
    tokens = np.array([[30, 31, 2, 39], [0, 17, 25, 9]])  # mostly rows the trace never picked
    got = _onnx_run(tmp_path / "emb.onnx", tokens)
    with ag.no_grad():
        want = ours(ag.tensor(tokens)).numpy()
    with torch.no_grad():
        np.testing.assert_allclose(want, theirs(torch.from_numpy(tokens)).numpy(), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)


@needs_onnx
@pytest.mark.parametrize("name, f", [
    ("((x > 0) + (x > 1)).float()", lambda T, F, x: ((x > 0) + (x > 1)).to(x.dtype)),
    ("((x > 0) * (x < 1)).float()", lambda T, F, x: ((x > 0) * (x < 1)).to(x.dtype)),
    ("F.relu((x * 3).long()) * x", lambda T, F, x: F.relu((x * 3).long()) * x),
])
def test_onnx_bool_arithmetic_and_int_relu(tmp_path, name, f):
    """bool + bool was refused as 'a bug in the exporter' (ONNX's Add has no bool); relu of an int
    tensor exported a Relu onnxruntime has no int kernel for. Now computed in int32 and cast back,
    and as Max(x, 0)."""
    assert _check_export(*_fn_model(name, f), tmp_path) == "exported"


@needs_onnx
@pytest.mark.parametrize("layer, kwargs", [("SELU", {}), ("ELU", {"alpha": 0.7}), ("LeakyReLU", {"negative_slope": 0.01}),
                                           ("Softplus", {"beta": 0.7}), ("Mish", {}), ("LogSigmoid", {})])
def test_onnx_float64_activations_keep_float64_constants(tmp_path, layer, kwargs):
    """SELU, ELU and LeakyReLU were off in the 8th digit for a float64 model (3e-8: ONNX attributes are
    float32, so SELU's alpha became 1.6732631921768188); Softplus, Mish and LogSigmoid exported an
    op onnxruntime has no float64 kernel for. Now nodes with float64 constants."""
    steps = [Step("Linear", (4, 6)), Step(layer, kwargs=kwargs)]
    assert _check_export(steps, (4,), np.float64, tmp_path) == "exported"


@needs_onnx
@pytest.mark.parametrize("pool", [
    Step("MaxPool1d", (2,), {"stride": 1}),
    Step("MaxPool1d", (3,), {"stride": 2, "padding": 1, "dilation": 2, "ceil_mode": True}),
    Step(fn=Fn("F.max_pool1d(x, 2, 1)", lambda T, F, x: F.max_pool1d(x, 2, 1))),
    Step(fn=Fn("F.max_pool1d(x, 3, 3, 1, dilation=2, ceil_mode=True)",
               lambda T, F, x: F.max_pool1d(x, 3, 3, 1, dilation=2, ceil_mode=True))),
], ids=repr)
def test_onnx_max_pool_of_a_window_with_nan_is_nan(tmp_path, pool):
    """Was silently wrong: onnxruntime's MaxPool skips nan, so a window holding one gave its other
    values (or -3.4e38 for nan alone) where PyTorch and we give nan (found: a std over one value,
    nan, then a max_pool1d). And ``x * float("nan")`` was refused as a constant "computed from the
    input outside the traced ops": the two traces' nan compared unequal."""
    steps = [Step(fn=Fn("where(x > 1, nan, x)", lambda T, F, x: T.where(x > 1, x * float("nan"), x))), pool]
    assert _check_export(steps, (2, 7), np.float32, tmp_path) == "exported"


_NAN_ABOVE_1 = Fn("where(x > 1, nan, x)", lambda T, F, x: T.where(x > 1, x * float("nan"), x))


@needs_onnx
@pytest.mark.parametrize("name, f", [
    ("x.amax(1)", lambda T, F, x: x.amax(dim=1)),
    ("x.amin(1, keepdim)", lambda T, F, x: x.amin(dim=1, keepdim=True)),
    ("x.max(1).values", lambda T, F, x: x.max(dim=1).values),
    ("x.max()", lambda T, F, x: x.max().reshape(1)),
    ("x.argmax(1)", lambda T, F, x: x.argmax(dim=1)),
    ("x.argmin(1, keepdim)", lambda T, F, x: x.argmin(dim=1, keepdim=True)),
    ("x.argmax()", lambda T, F, x: x.argmax().reshape(1)),
    ("x.sign()", lambda T, F, x: x.sign()),
    ("F.max_pool1d(-inf where x > -1, 2)", lambda T, F, x: F.max_pool1d(T.where(x > -1, x * 0 - float("inf"), x), 2)),
    ("x.log_softmax(-1) (float64)", lambda T, F, x: x.log_softmax(-1)),
    ("x.softmax(1) (float64)", lambda T, F, x: x.softmax(1)),
])
def test_onnx_nan_and_minus_inf_as_pytorch(tmp_path, name, f):
    """Were silently wrong: onnxruntime's ReduceMax/ReduceMin, ArgMax/ArgMin skip nan (PyTorch's give
    nan, and the nan's index), ONNX's Sign(nan) is nan (PyTorch's 0), onnxruntime's MaxPool of a
    window of -inf alone is -3.4e38 (PyTorch's -inf), and its Softmax/LogSoftmax of a row holding a
    nan gave numbers for the row's other entries in float64 (LogSoftmax of [0.5, nan]: [46.05, nan];
    PyTorch: nan throughout)."""
    steps = [Step(fn=_NAN_ABOVE_1), Step(fn=Fn(name, f))]
    dtype = np.float64 if "float64" in name else np.float32
    assert _check_export(steps, (2, 7) if "pool" in name else (7,), dtype, tmp_path, batches=(1, 5, 17)) == "exported"


# =========================================================================== 2. Value vs micrograd

try:
    from micrograd.engine import Value as MValue
except ImportError:
    MValue = None
needs_micrograd = pytest.mark.skipif(MValue is None, reason="micrograd is not installed (pip install micrograd)")

_CONSTS = [2, 3, -1, -2, 0.5, -1.5, 0.1, 1, 2.5]
_POWERS = [2, 3, -1, -2, 0, 1, 0.5, 1.5]
_BINARY = ["add", "sub", "mul", "div"]
_WITH_CONST = ["addc", "radd", "subc", "rsub", "mulc", "rmul", "divc", "rdiv"]
_UNARY = ["neg", "relu"]
_TORCH_ONLY = ["tanh", "exp", "rpow", "sigmoid", "log", "vpow"]  # micrograd's Value has none of them
_DIVISIONS = {"div", "divc", "rdiv"}  # micrograd computes a * b**-1


def _apply(op, nodes):
    """One step of a program on Values of any of the three kinds (ours, micrograd's, torch's)."""
    kind, i, arg = op
    a = nodes[i]
    if kind in _BINARY:
        b = nodes[arg]
        return {"add": a + b, "sub": a - b, "mul": a * b}[kind] if kind != "div" else a / b
    if kind == "addc":
        return a + arg
    if kind == "radd":
        return arg + a
    if kind == "subc":
        return a - arg
    if kind == "rsub":
        return arg - a
    if kind == "mulc":
        return a * arg
    if kind == "rmul":
        return arg * a
    if kind == "divc":
        return a / arg
    if kind == "rdiv":
        return arg / a
    if kind == "pow":
        return a ** arg
    if kind == "neg":
        return -a
    if kind == "rpow":
        return arg ** a
    if kind == "vpow":  # a Value to a Value's power (a positive base: x * x + 0.5)
        return (a * a + 0.5) ** nodes[arg]
    if kind == "log":
        return (a * a + 0.5).log()
    return getattr(a, kind)()  # relu, tanh, exp, sigmoid


@st.composite
def value_programs(draw, torch_only_ops=False):
    """(leaf values, ops): each op reads earlier nodes by index (shared subexpressions); the last
    node is the output. Every node after the leaves is used by some later op or is the output."""
    leaves = draw(st.lists(st.sampled_from([-2.0, -1.5, -0.5, 0.25, 0.5, 1.0, 1.5, 2.0, 3.0, -0.75,
                                             0.3, -2.7, 1.1]), min_size=1, max_size=4))
    kinds = _BINARY + _WITH_CONST + _UNARY + ["pow"] + (_TORCH_ONLY if torch_only_ops else [])
    ops = []
    for k in range(draw(st.integers(1, 12))):
        n = len(leaves) + k
        # lean on the newest nodes, so the output depends on most of the program
        pick = st.integers(0, n - 1) | st.integers(max(0, n - 2), n - 1)
        kind = draw(st.sampled_from(kinds))
        if kind in _BINARY or kind == "vpow":
            arg = draw(pick)
        elif kind in _WITH_CONST:
            arg = draw(st.sampled_from(_CONSTS))
        elif kind == "pow":
            arg = draw(st.sampled_from(_POWERS))
        elif kind == "rpow":
            arg = draw(st.sampled_from([2, 0.5, 3.0, 1.5]))
        else:
            arg = None
        ops.append((kind, draw(pick), arg))
    return leaves, ops


def _run(make, leaves, ops, retain=False):
    nodes = [make(x) for x in leaves]
    for op in ops:
        out = _apply(op, nodes)
        if retain:
            out.retain_grad()
        nodes.append(out)
    return nodes


def _ours(leaves, ops):
    """Our nodes after ``backward()`` of the last one, or the error it raised."""
    nodes = _run(Value, leaves, ops)
    nodes[-1].backward()
    return nodes


def _torch(leaves, ops, backward=True):
    nodes = _run(lambda x: torch.tensor(x, dtype=torch.float64, requires_grad=True), leaves, ops, retain=True)
    if backward and nodes[-1].requires_grad:
        nodes[-1].backward()
    return nodes


def _torch_number(t, grad=False):
    if grad:
        return 0.0 if t.grad is None else t.grad.item()
    return t.item()


def _exact_with_micrograd(leaves, ops):
    """Same formulas, same order: no division, no node used more than twice."""
    uses = [0] * (len(leaves) + len(ops))
    for kind, i, arg in ops:
        uses[i] += 1
        if kind in _BINARY or kind == "vpow":
            uses[arg] += 1
    return not any(kind in _DIVISIONS for kind, _, _ in ops) and max(uses) <= 2


def _same(ours, theirs, exact, what, scale=1.0):
    """Equal to the bit, or (not ``exact``) to 1e-9 relative; a value that cancels to about 0 from
    terms of size ``scale`` (data times grads) may be off by 1e-11 of them."""
    if exact:
        assert ours == theirs or (math.isnan(ours) and math.isnan(theirs)), \
            f"{what}: ours {ours!r}, theirs {theirs!r} (to the bit)"
    else:
        assert math.isclose(ours, theirs, rel_tol=1e-9, abs_tol=1e-11 * scale) or \
            (math.isnan(ours) and math.isnan(theirs)), f"{what}: ours {ours!r}, theirs {theirs!r}"


def _scale(values):
    """The size of the terms a gradient sums: the largest data times the largest grad (at least 1)."""
    data = max([1.0] + [abs(v.data) for v in values])
    grads = max([1.0] + [abs(v.grad) for v in values])
    return data * grads


def _finite_and_modest(numbers):
    return all(isinstance(x, float) and math.isfinite(x) and abs(x) < 1e8 for x in numbers)


def _micrograd(leaves, ops, nodes=None):
    """micrograd's nodes after backward, or None where micrograd leaves the reals where we do not:
    its ``x ** 0`` at x = 0 raises (its gradient 0 * 0 ** -1), a negative base to a fractional
    power is complex in it (nan in PyTorch and here: compared with PyTorch)."""
    try:
        m_nodes = _run(MValue, leaves, ops) if nodes is None else _run(lambda p: p, nodes, ops)
        m_nodes[-1].backward()
    except (ZeroDivisionError, TypeError):  # (TypeError: its relu of a complex number)
        return None
    if not all(type(x) in (int, float) and math.isfinite(x) for m in m_nodes for x in (m.data, m.grad)):
        return None
    return m_nodes


def _check_against_oracles(leaves, ops):
    """Ours vs torch float64 (every program) and vs micrograd (programs without its missing ops)."""
    try:
        t_nodes = _torch(leaves, ops)
    except RuntimeError:
        t_nodes = None
    t_data = [_torch_number(t) for t in t_nodes] if t_nodes is not None else None
    try:
        ours = _ours(leaves, ops)
    except (ZeroDivisionError, OverflowError, ValueError) as err:
        # an error only where the program really leaves the reals (x / 0, 0 ** -1, exp(1000), log 0)
        assert t_data is not None and not all(math.isfinite(x) for x in t_data), \
            f"ours raised {err!r} where PyTorch computes {t_data}"
        return None
    for k, v in enumerate(ours):
        assert type(v.data) is float, f"node {k}: data {v.data!r} is a {type(v.data).__name__}, not a float"
        assert type(v.grad) is float, f"node {k}: grad {v.grad!r} is a {type(v.grad).__name__}, not a float"
    assume(_finite_and_modest([v.data for v in ours] + [v.grad for v in ours]))
    for k, (v, t) in enumerate(zip(ours, t_nodes)):
        _same(v.data, _torch_number(t), False, f"node {k} data vs PyTorch", _scale(ours))
        _same(v.grad, _torch_number(t, grad=True), False, f"node {k} grad vs PyTorch", _scale(ours))
    if any(kind in _TORCH_ONLY for kind, _, _ in ops):
        return ours
    m_nodes = _micrograd(leaves, ops)
    if m_nodes is None:
        return ours
    exact = _exact_with_micrograd(leaves, ops)
    for k, (v, m) in enumerate(zip(ours, m_nodes)):
        _same(v.data, m.data, exact, f"node {k} data vs micrograd", _scale(ours))
        _same(v.grad, m.grad, exact, f"node {k} grad vs micrograd", _scale(ours))
    return ours


@needs_micrograd
@_seeded
@given(value_programs())
@_settings("FUZZ_VALUE_EXAMPLES", 300)
def test_value_programs_match_micrograd_and_pytorch(program):
    _check_against_oracles(*program)


@needs_micrograd
@_seeded
@given(value_programs(torch_only_ops=True))
@_settings("FUZZ_VALUE_EXAMPLES", 300)
def test_value_programs_with_tanh_exp_and_rpow_match_pytorch(program):
    _check_against_oracles(*program)


@_seeded
@given(value_programs())
@_settings("FUZZ_VALUE_EXAMPLES", 150)
def test_backward_twice_doubles_every_grad_as_pytorch(program):
    """``retain_graph=True`` twice: each node's grad is PyTorch's after two backward passes
    (micrograd's own second backward sends the first pass's grads through again: not compared)."""
    leaves, ops = program
    try:
        ours = _run(Value, leaves, ops)
        ours[-1].backward(retain_graph=True)
        first = [v.grad for v in ours]
        ours[-1].backward(retain_graph=True)
    except (ZeroDivisionError, OverflowError, ValueError):
        return
    assume(_finite_and_modest([v.data for v in ours] + first))
    theirs = _torch(leaves, ops, backward=False)
    if theirs[-1].requires_grad:
        theirs[-1].backward(retain_graph=True)
        theirs[-1].backward(retain_graph=True)
    for k, (v, t) in enumerate(zip(ours, theirs)):
        _same(v.grad, _torch_number(t, grad=True), False, f"node {k} grad after two backward passes", _scale(ours))
        _same(v.grad, 2 * first[k], False, f"node {k}: twice the first pass", _scale(ours))


@needs_micrograd
@_seeded
@given(value_programs(), st.sampled_from([0.01, 0.1, -0.05]))
@_settings("FUZZ_VALUE_EXAMPLES", 150)
def test_zero_grad_and_step_loop_matches_micrograd(program, lr):
    """micrograd's training loop, three steps: zero the leaves' grads (``p.grad = 0.0``), rebuild the
    graph, backward, ``p.data += -lr * p.grad``; every leaf's data and grad as micrograd's."""
    leaves, ops = program
    ours, theirs = [Value(x) for x in leaves], [MValue(x) for x in leaves]
    exact = _exact_with_micrograd(leaves, ops)
    for step in range(3):
        for params in (ours, theirs):
            for p in params:
                p.grad = 0.0
        try:
            out = _run(lambda p: p, ours, ops)[-1]
            out.backward()
        except (ZeroDivisionError, OverflowError, ValueError):
            return
        assume(_finite_and_modest([p.data for p in ours] + [p.grad for p in ours] + [out.data]))
        m_nodes = _micrograd(None, ops, theirs)
        if m_nodes is None:
            return
        m_out = m_nodes[-1]
        _same(out.data, m_out.data, exact, f"step {step}: output", _scale(ours))
        for k, (p, m) in enumerate(zip(ours, theirs)):
            _same(p.grad, m.grad, exact, f"step {step}: leaf {k} grad", _scale(ours))
        for params in (ours, theirs):
            for p in params:
                p.data += -lr * p.grad
        for k, (p, m) in enumerate(zip(ours, theirs)):
            _same(p.data, m.data, exact, f"step {step}: leaf {k} data after the update", _scale(ours))


@_seeded
@given(value_programs(torch_only_ops=True), st.data())
@_settings("FUZZ_VALUE_EXAMPLES", 150)
def test_value_with_frozen_leaves_int_data_python_sum_and_a_seed_gradient(program, data):
    """Leaves that don't require grad (and int data), the output summed with Python's sum() (0 + v
    first: __radd__) over the last nodes, backward with a seed gradient; against PyTorch float64.
    Under no_grad the same program records nothing: every node a leaf that doesn't require grad."""
    leaves, ops = program
    frozen = data.draw(st.lists(st.booleans(), min_size=len(leaves), max_size=len(leaves)))
    as_int = data.draw(st.lists(st.booleans(), min_size=len(leaves), max_size=len(leaves)))
    seed = data.draw(st.sampled_from([1.0, -2.0, 0.5]))
    tail = data.draw(st.integers(1, 3))

    def ours_leaf(k):
        x = int(leaves[k]) if as_int[k] and float(leaves[k]).is_integer() else leaves[k]
        return Value(x, requires_grad=not frozen[k])

    def torch_leaf(k):
        return torch.tensor(float(leaves[k]), dtype=torch.float64, requires_grad=not frozen[k])

    def run(leaf, retain):
        nodes = [leaf(k) for k in range(len(leaves))]
        for op in ops:
            out = _apply(op, nodes)
            if retain and out.requires_grad:
                out.retain_grad()
            nodes.append(out)
        total = sum(nodes[-tail:])
        if retain and isinstance(total, torch.Tensor) and total.requires_grad:
            total.retain_grad()
        return nodes, total

    try:
        ours, total = run(ours_leaf, False)
        if total.requires_grad:
            total.backward(seed)
    except (ZeroDivisionError, OverflowError, ValueError):
        return
    assume(_finite_and_modest([v.data for v in ours] + [v.grad for v in ours] + [total.data]))
    theirs, t_total = run(torch_leaf, True)
    assert total.requires_grad == t_total.requires_grad
    if t_total.requires_grad:
        t_total.backward(torch.tensor(seed, dtype=torch.float64))
    _same(total.data, t_total.item(), False, "the sum", _scale(ours))
    for k, (v, t) in enumerate(zip(ours, theirs)):
        assert v.requires_grad == t.requires_grad, f"node {k}: requires_grad"
        _same(v.data, t.item(), False, f"node {k} data", _scale(ours))
        _same(v.grad, _torch_number(t, grad=True), False, f"node {k} grad", _scale(ours))
    with ag.no_grad():
        quiet, quiet_total = run(ours_leaf, False)
    assert not quiet_total.requires_grad and quiet_total.grad_fn is None
    assert all(not v.requires_grad for v in quiet[len(leaves):])
    _same(quiet_total.data, total.data, True, "the sum under no_grad")


# ---------------------------------------------------------------- regressions found by the Value fuzzer

def test_value_relu_of_a_negative_is_the_float_zero():
    """Was the int 0 (Python's max(-2.0, 0)): printed as 0 where PyTorch prints 0.0."""
    v = Value(-2.0)
    out = v.relu()
    out.backward()
    assert type(out.data) is float and out.data == 0.0 and str(out.data) == str(torch.tensor(-2.0).relu().item())
    assert v.grad == 0.0
    assert math.copysign(1, Value(-0.0).relu().data) == -1  # relu(-0.0) is -0.0, as PyTorch's
    assert math.isnan(Value(math.nan).relu().data)


def test_value_negative_base_to_a_fractional_power_is_nan():
    """Was a complex number in data and grad ((-2.0) ** 0.5 in Python); PyTorch gives nan."""
    def tensor(x):
        return torch.tensor(x, dtype=torch.float64, requires_grad=True)

    cases = [(lambda v, e: v ** 0.5, -2.0, None), (lambda v, e: v ** e, -2.0, 1.5), (lambda v, e: (-8) ** v, 1 / 3, None)]
    for make, x, e in cases:
        v, ve = Value(x), (Value(e) if e is not None else None)
        out = make(v, ve)
        out.backward()
        t, te = tensor(x), (tensor(e) if e is not None else None)
        t_out = make(t, te)
        t_out.backward()
        assert type(out.data) is float and math.isnan(out.data) and math.isnan(t_out.item())
        assert type(v.grad) is float and math.isnan(v.grad) and math.isnan(t.grad.item())
    assert (Value(-2.0) ** 3).data == -8.0 and (Value(-2.0) ** 2.0).data == 4.0  # integer powers stay real
