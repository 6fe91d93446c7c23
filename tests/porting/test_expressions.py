"""A fake ``torch``: a table of PyTorch expressions, each evaluated twice from its text, once with
``torch`` and ``F`` bound to PyTorch and torch.nn.functional, once bound to ``autograd`` and
``nn.functional``, on the same numbers. Values, shapes, dtypes and the gradients of a weighted
sum of every floating result with respect to each floating input must agree.

Every op of the op table (``autograd.function.OPS``: methods, ``ag.*`` functions, operators,
in-place twins) and every nn.functional name appears in some row (``test_every_op_has_a_row``).
A row where this project deliberately differs gives the reason and the PyTorch spelling of the
same computation (``Row(..., torch=..., why=...)``); README's "Differences from PyTorch" lists
each reason. Rows whose expression PyTorch refuses are ``Row(..., raises=...)``: both refuse,
with exceptions of that class."""
import math
import re
import warnings
import zlib

import numpy as np
import pytest

import autograd as ag
import nn.functional as our_F
from autograd.function import OPS
from autograd.graph import watch_ops

torch = pytest.importorskip("torch")  # the oracle: every row also runs with PyTorch (CI installs it)
import torch.nn.functional as torch_F  # noqa: E402


class Row:
    """One expression; ``torch``: PyTorch's spelling where ours differs on purpose (with ``why``);
    ``nograd``: why the gradients are not compared (PyTorch has none; ours must still run);
    ``raises``: both libraries refuse it with this exception class (``grad_raises``: its gradient);
    ``rtol``/``atol``: tolerances."""

    def __init__(self, expr, torch=None, why=None, nograd=None, raises=None, grad_raises=None, rtol=1e-5, atol=1e-6):
        assert torch is None or why, f"{expr}: a different PyTorch spelling needs its reason"
        self.expr, self.torch, self.why, self.raises, self.rtol, self.atol = expr, torch, why, raises, rtol, atol
        self.nograd, self.grad_raises = nograd, grad_raises

    def __repr__(self):
        return self.expr


def _inputs():
    """name -> numpy array: the numbers every row sees (float32 unless named otherwise)."""
    rng = np.random.default_rng(11)

    def normal(*shape):
        return rng.standard_normal(shape).astype(np.float32)

    def uniform(lo, hi, *shape, dtype=np.float32):
        return rng.uniform(lo, hi, shape).astype(dtype)

    def distinct(*shape):  # no ties: sort, topk, max, median-like picks
        n = int(np.prod(shape))
        return ((rng.permutation(n) - n / 2) * 0.37).reshape(shape).astype(np.float32)

    return {
        "x": distinct(3, 4), "y": normal(3, 4), "v": normal(4), "w4": normal(4), "m": normal(4, 5),
        "b": normal(2, 3, 4), "bm": normal(2, 4, 5), "p": uniform(0.5, 2.0, 3, 4), "u": uniform(-0.9, 0.9, 3, 4),
        "g": uniform(1.2, 3.0, 3, 4), "s": np.array(0.7, dtype=np.float32), "d": normal(3, 4).astype(np.float64),
        "sq": (normal(4, 4) + 4 * np.eye(4, dtype=np.float32)), "img": normal(2, 3, 6, 6), "w": normal(4, 3, 3, 3),
        "sig": normal(2, 2, 9), "w1": normal(3, 2, 3), "vol": normal(1, 2, 4, 4, 4), "w3": normal(3, 2, 2, 2, 2),
        "qa": normal(2, 2, 5, 4), "ka": normal(2, 2, 6, 4), "va": normal(2, 2, 6, 4), "logp": normal(3, 4),
        "prob": uniform(0.05, 0.95, 3, 4), "bias": normal(4), "gamma": uniform(0.5, 1.5, 3), "beta": normal(3),
        "emb": normal(10, 3), "h": normal(2, 3, 4, 4), "wt": normal(3, 2, 3, 3), "dist": distinct(2, 3, 6, 6),
        "i": rng.integers(-5, 6, (3, 4)), "n": rng.integers(1, 10, (3, 4)).astype(np.int32),
        "idx": rng.integers(0, 4, (3, 4)), "idx0": rng.integers(0, 3, (2, 4)), "lbl": np.array([1, 0, 3]),
        "tok": np.array([[1, 4, 9], [0, 2, 4]]), "bits": rng.integers(0, 16, (3, 4)),
        "mask": rng.random((3, 4)) > 0.5, "causal": np.tril(np.ones((5, 6), dtype=bool)),
        "ints": np.array([3, 0, 2, 2, 1]),
    }


INPUTS = _inputs()


LAYOUTS = {  # how a row's inputs are made: the numbers as given, in float64, or as strided views
    "as given": lambda lib, a: lib.tensor(a),
    "float64": lambda lib, a: lib.tensor(a.astype(np.float64) if a.dtype == np.float32 else a),
    "strided": lambda lib, a: lib.tensor(np.stack([a, np.zeros_like(a)], -1))[..., 0] if a.ndim else lib.tensor(a),
}  # ("strided": every other element of an array twice as wide, so no input is contiguous)


def _tensors(lib, names, layout="as given"):
    """Fresh leaves for one row: floating inputs require grad."""
    return {name: LAYOUTS[layout](lib, INPUTS[name].copy()).detach().requires_grad_(INPUTS[name].dtype.kind == "f")
            for name in names}


def _names(expr):
    return sorted(set(re.findall(r"\b[a-z][a-z0-9]*\b", expr)) & set(INPUTS))


# ------------------------------------------------------------------------------------------------ the table

NO_FLOOR_DIVIDE = "floor_divide: PyTorch has no derivative (its backward raises); here 0, floor's derivative"
NO_INPLACE_INVERSE = "asinh_, acosh_ and atanh_ on a tensor in a graph: PyTorch refuses (it has no derivative of these " \
    "in-place versions); here they work, with asinh's, acosh's, atanh's derivative"
NO_LOGICAL_INPLACE = ("logical_not_ and the other in-place logical ops on a float tensor in a graph: PyTorch leaves "
                      "the tensor's history as it was (the gradient passes unchanged); here 0, a step's derivative")

UNARY = [f"{v}.{op}()" for v, ops in {
    "x": "exp abs neg negative sign floor ceil round trunc fix frac sin cos sinh cosh tanh asinh arcsinh atan arctan erf "
         "exp2 sigmoid relu square absolute clone float double half",
    "p": "log log1p sqrt rsqrt log2 log10",
    "u": "tan asin arcsin acos arccos atanh arctanh",
    "g": "acosh arccosh",
}.items() for op in ops.split()] + [
    "torch.exp(x)", "torch.log(p)", "torch.sqrt(p)", "torch.abs(x)", "torch.sigmoid(x)", "torch.tanh(x)",
    "torch.sin(x) * torch.cos(x)", "torch.erf(x / 2)", "torch.neg(x)", "torch.relu(x)", "torch.rsqrt(p)",
    "torch.atan(x)", "torch.square(x)", "torch.log1p(p)", "torch.round(x * 3)", "x.round(decimals=1)",
    "torch.sign(x)", "torch.floor(x)", "torch.ceil(x)", "torch.trunc(x)",
]

UNARY_INPLACE = [Row(f"{var}.clone().{op}_()", torch=f"{var}.clone().{op}()", why=NO_INPLACE_INVERSE)
                 if op.startswith("a") and op.endswith(("sinh", "cosh", "tanh")) else f"{var}.clone().{op}_()" for var, op in (re.match(r"(\w+)\.(\w+)\(\)$", e).groups()
                                                       for e in UNARY if re.match(r"\w+\.\w+\(\)$", e))
                 if op in OPS and OPS[op].inplace]

BINARY = [
    "x + y", "x - y", "x * y", "x / p", "x ** 2", "p ** y", "x ** 0.5 if False else p ** 0.5", "2 ** x", "1 - x",
    "2 * x", "1 / p", "3 + x", "x + 1", "x - 2.5", "x * s", "x / 4", "x + v", "b * v", "b - y", "-x", "+x",
    "abs(x)", "x.add(y)", "x.add(y, alpha=2)", "torch.add(x, 3)", "x.sub(y, alpha=0.5)", "torch.sub(x, y)",
    "torch.subtract(x, y)", "x.mul(y)", "torch.mul(x, 2)", "torch.multiply(x, y)", "x.div(p)", "torch.div(x, p)",
    "torch.divide(x, p)", "torch.true_divide(x, p)", "x.div(p, rounding_mode='floor')",
    "torch.div(x, 2, rounding_mode='trunc')", "x % p", "x % 0.7", "torch.remainder(x, 1.5)", "x.remainder(-p)",
    "torch.fmod(x, p)", "x.fmod(-1.5)", "x.clone().fmod_(p)",
    *(Row(e, nograd=NO_FLOOR_DIVIDE) for e in ("x.floor_divide(p)", "torch.floor_divide(x, 0.7)", "x // p", "x // 0.7",
                                               "-7.5 // p")),
    Row("5 % p", nograd="remainder: PyTorch has no derivative for the divisor (its backward raises); here -floor(a/b)"),
    "x.pow(2)", "torch.pow(p, y)", "torch.pow(2, x)", "x.pow(3)", "torch.atan2(x, y)", "torch.arctan2(y, p)",
    "x.atan2(p)", "torch.lerp(x, y, 0.3)", "x.lerp(y, p / 2)", "torch.maximum(x, y)", "torch.minimum(x, y)",
    "x.maximum(y)", "x.minimum(y)", "torch.max(x, y)", "torch.min(x, y)", Row("torch.heaviside(x, y)", grad_raises=RuntimeError),
    Row("x.heaviside(torch.tensor(0.5))", grad_raises=RuntimeError), "x.clamp(-1, 1)", "x.clamp(min=0)", "torch.clamp(x, max=0.5)",
    "x.clamp(y, p)", "torch.clip(x, -0.5, 0.5)", "x.clip(min=-1)", "torch.where(x > 0, x, y)",
    "torch.where(mask, x, 0.0)", "x.where(mask, y)", "torch.where(x > y, 1.0, -1.0)", "x @ m", "w4 @ x.T",
    "torch.matmul(b, bm)", "torch.matmul(v, w4)", "torch.matmul(b, v)", "x.matmul(m)", "x.mm(m)", "torch.mm(x, m)",
    "torch.bmm(b, bm)", "b.bmm(bm)", "torch.dot(v, w4)", "v.dot(w4)", "torch.outer(v, w4)", "v.outer(w4)", "torch.ger(v, w4)", "v.ger(w4)",
    "torch.chain_matmul(m, m.t(), x.t())",
    "x.tolist() @ m if False else x @ m.tolist() if False else torch.tensor(x.tolist()) @ m",
    "torch.linalg.norm(v) * x", "d * x", "x + d", "s * d",
]

INTEGERS = [
    "i + 1", "i * 2", "i // 2", "i // -3", "i % 3", "i % -3", "i / 2", "i + 2.5", "n // 2", "n + i", "n * 2",
    "n / n", "7 // n", "7 % n", "2 ** n", "n ** 2", "-i", "abs(i)", "i.abs()", "i.sign()", "i.sum()", "n.sum()",
    "i.prod()", "i.max()", "i.min(dim=1)", "i.argmax()", "i.cumsum(0)", "i.float().mean()", "i.double()",
    "i.to(torch.float32)", "i.long()", "n.int()", "i.bool()", "n.to(torch.int64) + n",
    "torch.div(i, 2, rounding_mode='floor')", "torch.div(i, 3, rounding_mode='trunc')", "torch.div(i, 2)",
    "i.remainder(4)", "torch.floor_divide(i, 3)", "torch.clamp(i, -2, 2)", "torch.maximum(i, n)",
    "i.sum(dtype=torch.float64)", "x.sum(dtype=torch.float64)", "i.type(torch.float64)", "x.type(torch.int32)",
    "x.to(torch.int64)", "x.type_as(d)", "i.type_as(x)", "x.type_as(i)", "(x * 10).long()", "(x * 10).int()", "torch.tensor([2.7, -2.7]).long()",
]

BITS = [
    "bits & 5", "bits | 8", "bits ^ 3", "~bits", "bits << 2", "bits >> 1", "5 & bits", "8 | bits", "3 ^ bits",
    "1 << (bits % 8)", "64 >> (bits % 4)", "torch.bitwise_and(bits, idx)", "torch.bitwise_or(bits, idx)",
    "torch.bitwise_xor(bits, idx)", "torch.bitwise_not(bits)", "bits.bitwise_left_shift(1)",
    "torch.bitwise_right_shift(bits, 2)", "mask & (x > 0)", "mask | (x > 0)", "mask ^ (x > 0)", "~mask",
    "True & mask", "False | mask", "bits.bitwise_and(3)", "bits.bitwise_or(1)", "bits.bitwise_xor(7)",
    "bits.bitwise_not()", "bits.bitwise_right_shift(1)", "torch.bitwise_left_shift(bits, 3)",
]

COMPARE = [
    "x < y", "x <= y", "x > 0", "x >= y", "x == y", "x != y", "x.lt(y)", "x.less(y)", "x.le(0)", "x.less_equal(y)",
    "x.gt(y)", "x.greater(0.5)", "x.ge(y)", "x.greater_equal(y)", "x.eq(x)", "x.ne(y)", "x.not_equal(y)",
    "torch.lt(x, 0)", "torch.eq(i, 2)", "torch.ne(i, n)", "torch.gt(x, v)", "torch.ge(i, 0)", "torch.le(x, 0)",
    "torch.less(x, y)", "torch.greater(x, y)", "torch.less_equal(x, y)", "torch.greater_equal(x, y)",
    "torch.not_equal(x, y)", "torch.logical_and(mask, x > 0)", "torch.logical_or(mask, x > 0)",
    "torch.logical_xor(mask, x > 0)", "torch.logical_not(mask)", "x.logical_not()", "i.logical_and(n)",
    "x.logical_or(y)", "x.logical_xor(i)", "torch.isnan(x / 0 * 0)", "torch.isinf(x / 0)", "torch.isfinite(x / 0)",
    "torch.isposinf(x / 0)", "torch.isneginf(x / 0)", "x.isnan()", "x.isfinite()", "x.isinf()",
    "torch.equal(x, x.clone())", "x.equal(y)", "torch.allclose(x, x + 1e-9)", "x.allclose(y)",
    "torch.allclose(x, x + 1e-3, atol=1e-2)",
]

REDUCE = [
    "x.sum()", "x.sum(0)", "x.sum(dim=1, keepdim=True)", "b.sum((0, 2))", "torch.sum(x, -1)", "x.mean()",
    "b.mean(dim=(1, 2))", "torch.mean(x, 0, keepdim=True)", "x.var()", "x.var(1)", "x.var(0, unbiased=False)",
    "x.var(dim=1, correction=0)", "torch.var(b, dim=(0, 2), keepdim=True)", "x.std()", "x.std(0)",
    "torch.std(x, dim=1, correction=2)", "torch.var_mean(x, 1)", "torch.std_mean(x, dim=0)", "torch.var_mean(x)",
    "torch.std_mean(x, 1, keepdim=True)", "x.max()", "x.max(1)", "x.max(dim=0, keepdim=True)", "torch.max(x, 1).values",
    "torch.max(x, 0)[1]", "x.min()", "x.min(0)", "torch.min(b, dim=2).indices", "x.amax()", "x.amax(1)",
    "b.amax(dim=(0, 2))", "torch.amin(x, 0)", "x.amin((0, 1))", "x.prod()", "p.prod(1)",
    "torch.prod(x, 0, keepdim=True)", "x.logsumexp(1)", "torch.logsumexp(b, dim=(1, 2))", "x.softmax(1)",
    "torch.softmax(x, dim=0)", "x.log_softmax(-1)", "torch.log_softmax(b, 1)", "x.softmax(1, dtype=torch.float64)",
    "x.argmax()", "x.argmax(1)", "torch.argmax(x, dim=0, keepdim=True)", "x.argmin()", "torch.argmin(b, 2)",
    "mask.any()", "mask.any(1)", "mask.all(0)", "torch.any(x > 1, dim=1, keepdim=True)", "torch.all(x > -5)",
    "x.any()", "i.all(1)", "x.view(torch.int32)", "x.contiguous().view(torch.uint8)", "d.contiguous().view(torch.float32)",
    "x.contiguous().view(torch.int16)[1:]", "i.view(torch.float64)", "i ** (i % 3 - 1)", "torch.pow(i, torch.tensor(-3))", "n ** -(i % 2)",
    "x.any(axis=(0, 1))", "torch.all(mask, axis=1, keepdims=True)",
    "torch.std_mean(x, axis=(0, 1))", "x.cumsum(axis=0)", "x.unsqueeze(axis=1)", "torch.stack([x, y], axis=2)",
    "x.norm()", "x.norm(dim=1)", "x.norm(p=1, dim=0)", "torch.norm(x, 'fro')",
    "x.norm(float('inf'), 1)", "torch.norm(b, dim=(1, 2))", "x.norm(3)", "x.cumsum(1)", "torch.cumsum(x, 0)",
    "x.cumsum(0, dtype=torch.float64)", "x.cumprod(1)", "torch.cumprod(p, 0)", "x.logcumsumexp(1)",
    "torch.trapezoid(x)", "torch.trapezoid(y, x, dim=0)", "torch.trapezoid(x, dx=0.5, dim=0)", "torch.trapz(y, x)",
    "torch.trapz(x, dx=2.0)", "torch.cumulative_trapezoid(x)", "torch.cumulative_trapezoid(y, x, dim=0)",
    "torch.cumulative_trapezoid(x, dx=0.3)", "torch.trapezoid(b, dim=1)",
    "torch.logcumsumexp(x, 0)", "x.cummax(1)", "torch.cummax(x, 0).values", "x.cummin(0)",
    "torch.cummin(x, 1)[1]",
]

SHAPE = [
    "x.reshape(4, 3)", "x.reshape(-1)", "torch.reshape(x, (2, 6))", "x.view(12)", "x.view(2, -1)", "x.view_as(y)",
    "b.flatten()", "b.flatten(1)", "torch.flatten(b, 0, 1)", "x.unflatten(1, (2, 2))", "torch.unflatten(b, 2, (2, 2))",
    "x.unsqueeze(0)", "x.unsqueeze(-1)", "torch.unsqueeze(v, 1)", "x.unsqueeze(1).squeeze()", "x[None].squeeze(0)",
    "torch.squeeze(x.view(3, 1, 4), 1)", "x.view(1, 3, 1, 4).squeeze((0, 2))", "b.permute(2, 0, 1)",
    "torch.permute(b, (1, 2, 0))", "b.permute(0, -1, 1)", "b.transpose(0, 2)", "torch.transpose(x, 0, 1)",
    "x.swapaxes(0, 1)", "torch.swapdims(b, 1, 2)", "x.swapdims(0, -1)", "x.t()", "torch.t(x)", "x.T", "b.mT",
    "v.t()", "x[:, :1].expand(3, 5)", "v.expand(2, 3, 4)", "x[:1].expand_as(y)", "v.broadcast_to((3, 4))",
    "torch.broadcast_to(v, (2, 4))", "x.split(2)", "x.split([1, 3], dim=1)", "torch.split(b, 1, dim=0)",
    "x.chunk(2, 1)", "torch.chunk(b, 3, dim=2)", "x.unbind()", "torch.unbind(b, dim=2)", "x.narrow(1, 1, 2)",
    "torch.narrow(b, 2, 0, 3)", "torch.cat([x, y])", "torch.cat((x, y), dim=1)", "torch.concat([x, y], -1)",
    "torch.concatenate([b, b], axis=0)", "torch.cat([x, i])", "torch.stack([x, y])", "torch.stack([x, y], dim=2)",
    "torch.stack((v, w4), 1)", "b.movedim(0, 2)", "torch.moveaxis(b, (0, 1), (2, 0))", "b.moveaxis(-1, 0)",
    "x.flip(0)", "torch.flip(b, (0, 2))", "x.fliplr()", "torch.flipud(x)", "x.roll(1)", "torch.roll(x, 2, 1)",
    "x.roll((1, -1), (0, 1))", "x.repeat(2, 3)", "v.repeat(2, 1, 2)", "x.repeat_interleave(2)",
    "x.repeat_interleave(2, dim=1)", "torch.repeat_interleave(v, torch.tensor([1, 0, 2, 3]))",
    "torch.repeat_interleave(torch.tensor([2, 1]))", "x.tril()", "torch.tril(x, -1)", "x.triu(1)",
    "torch.triu(b)", "torch.meshgrid(v, w4, indexing='ij')", "torch.meshgrid(v, x[0], indexing='xy')",
    "x.contiguous()", "x.T.contiguous().view(-1)", "b.expand(2, 2, 3, 4)[1]", "x.is_contiguous()",
    "x.T.is_contiguous()", "x[:, 1:].is_contiguous()", "x.T.contiguous().is_contiguous()",
    "x.type()", "i.type()", "mask.type()", "x.type(torch.float64)", "x.type('torch.IntTensor')", "x.element_size()",
    "x.nbytes", "i.itemsize", "x.nelement()", "x[0] in x", "0.5 in x", "7 in i",
    "x.tile((2,))", "x.tile((2, 1, 2))", "torch.tile(v, (3,))", "b.tile(2)", "x.ravel()", "x.T.ravel()", "torch.ravel(b)",
    "x.diff()", "torch.diff(b, n=2, dim=1)", "x.diff(dim=0, prepend=y[:1], append=y)", "i.diff()", "mask.diff(dim=0)",
    "x.diff(n=5)", Row("x.diff(prepend=s)", raises=RuntimeError), "x.dist(y)", "torch.dist(x, y, 3)", "x.dist(v, 1)",
    "x.sgn()", "x.clone().sgn_()", "x.clamp_min(0.5)", "i.clamp_max(2)", "x.clone().clamp_min_(-1)",
    "x.clone().clamp_max_(1)", "x.expm1()", "torch.expm1(u)", "x.clone().expm1_()", "torch.logaddexp2(x, y)",
    "x.logaddexp2(y)", "torch.fmax(x, y)", "x.fmin(y)", "torch.fmax(i, n)", "x.reshape_as(y.T)", "x.positive()",
    "torch.positive(i)", Row("mask.positive()", raises=RuntimeError),
    Row("x.T.view(-1)", raises=RuntimeError), "x[:, ::2].view(6)", Row("x[:, ::3].view(6)", raises=RuntimeError),
]

INDEX = [
    "x[0]", "x[-1, 2]", "x[:, 1:3]", "x[::2, ::-1] if False else x[::2, 1::2]", "x[..., 0]", "x[None, :, None]",
    "b[1, ..., :2]", "x[[0, 2]]", "x[:, [3, 0, 3]]", "x[mask]", "x[x > 0]", "x[torch.tensor([2, 0, 2])]",
    "x[torch.arange(3), idx[:, 0]]", "x[range(3), [1, 2, 3]]", "b[:, mask[0:3, 0]]", "x[1:, [True, False, True, True]]",
    "x.gather(1, idx)", "torch.gather(x, 0, idx0)", "x.gather(1, idx[:, :2])", "x.scatter(1, idx, y)",
    "x.scatter(0, idx0, 2.0)", "torch.scatter(x, 1, idx[:, :1], y[:, :1])", "x.scatter_add(1, idx, y)",
    "torch.scatter_add(x, 0, idx0, y[:2])", "torch.zeros(3, 5).scatter_add(1, idx, y)",
    "x.scatter_reduce(1, idx, y, 'sum')", "x.scatter_reduce(1, idx, p, 'prod')",
    "x.scatter_reduce(1, idx, y, 'mean', include_self=False)", "x.scatter_reduce(0, idx0, y[:2], 'amax')",
    "torch.scatter_reduce(x, 1, idx, y, reduce='amin')", "x.index_select(1, torch.tensor([3, 0]))",
    "torch.index_select(b, 2, torch.tensor([1, 1, 0]))", "x.index_add(0, torch.tensor([2, 0]), y[:2])",
    "torch.index_add(x, 1, torch.tensor([0, 0]), y[:, :2], alpha=2)", "x.masked_fill(mask, 0.0)",
    "torch.masked_fill(x, x > 0, float('-inf'))", "x.masked_fill(mask, torch.tensor(2.0))", "x.sort()",
    "x.sort(0, descending=True)", "torch.sort(x, dim=1, stable=True)", "torch.sort(x).values",
    "x.argsort()", "torch.argsort(x, dim=0, descending=True)", "x.topk(2)", "torch.topk(x, 3, dim=0)",
    "x.topk(1, largest=False)", "torch.topk(b, 2, dim=1).indices",
    Row("x.topk(2, sorted=False)", torch="x.topk(2, sorted=True)",
        why="topk(sorted=False) returns its values sorted all the same (PyTorch's order is unspecified)"),
]

INPLACE_EXTRA = [
    "x.clone().add_(y, alpha=2)", "x.clone().sub_(1)", "x.clone().mul_(y)", "p.clone().div_(2)",
    "x.clone().div_(p, rounding_mode='floor')", "x.clone().pow_(2)", "x.clone().clamp_(min=0)",
    "x.clone().clamp_(-0.5, 0.5)", "x.clone().clip_(max=0)", "x.clone().fill_(2.5)", "x.clone().zero_()",
    "x.clone().copy_(y)", "x.clone().copy_(v)", "x.clone().masked_fill_(mask, 1.0)",
    "x.clone().scatter_(1, idx, y)", "x.clone().scatter_(1, idx, 0.5)", "x.clone().scatter_add_(1, idx, y)",
    "x.clone().scatter_reduce_(1, idx, y, 'amax')", "x.clone().index_add_(0, torch.tensor([1]), y[:1])",
    "x.clone().cumsum_(1)", "x.clone().cumprod_(0)", "x.clone().tril_()", "x.clone().triu_(1)",
    "x.clone().lerp_(y, 0.25)", "x.clone().atan2_(y)", "x.clone().arctan2_(p)", "x.clone().relu_()",
    "x.clone().sigmoid_()", "x.clone().tanh_()", "x.clone().exp_()", "x.clone().neg_()", "x.clone().negative_()",
    "x.clone().abs_()", "x.clone().absolute_()", "x.clone().square_()",
    "x.clone().remainder_(p)", Row("x.clone().floor_divide_(p)", nograd=NO_FLOOR_DIVIDE),
    "x.clone().true_divide_(p)", "x.clone().divide_(p)", "x.clone().multiply_(y)",
    "x.clone().subtract_(y)", "x.clone().lt_(y)", "x.clone().less_(y)", "x.clone().le_(0)",
    "x.clone().less_equal_(y)", "x.clone().gt_(y)", "x.clone().greater_(y)", "x.clone().ge_(y)",
    "x.clone().greater_equal_(y)", "x.clone().eq_(y)", "x.clone().ne_(y)", "x.clone().not_equal_(y)",
    *(Row(e, nograd=NO_LOGICAL_INPLACE) for e in ("x.clone().logical_not_()", "x.clone().logical_and_(y)",
                                                 "x.clone().logical_or_(y)", "x.clone().logical_xor_(y)")),
    "bits.clone().bitwise_and_(6)", "bits.clone().bitwise_or_(6)", "bits.clone().bitwise_xor_(6)",
    "bits.clone().bitwise_not_()", "bits.clone().bitwise_left_shift_(1)", "bits.clone().bitwise_right_shift_(1)",
    "(x * 1).exp_()", "y.clone().uniform_(0, 0) + 1 if False else y.clone().mul_(0).add_(1)",
    "i.clone().add_(3)", "n.clone().mul_(2)",
    "x.clone().add_(0.5).mul_(2).sub_(y).div_(p)",
    Row("i.clone().add_(0.5)", raises=RuntimeError),
    Row("x.add_(1)", raises=RuntimeError),
]

LINALG = [
    "torch.einsum('ij,jk->ik', x, m)", "torch.einsum('bij,bjk->bik', b, bm)", "torch.einsum('i,j->ij', v, w4)",
    "torch.einsum('ii', sq)", "torch.einsum('ii->i', sq)", "torch.einsum('ij->ji', x)", "torch.einsum('ij,ij->', x, y)",
    "torch.einsum(x, [0, 1], m, [1, 2], [0, 2])", "torch.einsum(sq, [0, 0])", "torch.einsum(b, [..., 0, 1], [..., 1, 0])",
    "torch.einsum('bhqd,bhkd->bhqk', qa, ka)", "torch.einsum('...ij,...jk', b, bm)", "torch.einsum('i,i', v, w4)",
    "torch.inverse(sq)", "sq.inverse()", "torch.det(sq)", "sq.det()", "torch.linalg.inv(sq)", "torch.linalg.det(sq)",
    "torch.matrix_power(sq, 3)", "sq.matrix_power(-2)", "torch.linalg.matrix_power(sq, 0)", "sq.matrix_power(5)",
    "torch.spmm(x.detach().to_sparse(), m)", "x.detach().to_sparse() @ m",
    "torch.sparse_coo_tensor(torch.tensor([[0, 1, 1], [2, 0, 2]]), torch.tensor([3.0, 4.0, 5.0]), (2, 3)).to_dense()",
    "torch.linalg.solve(sq, x.T)", "torch.linalg.solve(sq, v)", "torch.linalg.norm(x)", "torch.linalg.norm(v, ord=1)",
    "torch.linalg.norm(x, dim=1)", "torch.linalg.norm(x, ord='fro')", "torch.linalg.norm(x, ord=float('inf'))",
    "torch.linalg.vector_norm(x, ord=3)", "torch.linalg.vector_norm(b, dim=(1, 2))", "torch.linalg.matrix_norm(sq)",
    "torch.linalg.matrix_norm(sq, ord=1)", "torch.linalg.matrix_norm(b, ord=-float('inf'))",
    "torch.linalg.vector_norm(v, ord=0)", "torch.linalg.vector_norm(x, ord=float('-inf'))",
    Row("torch.maximum(x, 2.0)", torch="torch.maximum(x, torch.tensor(2.0))",
        why="maximum/minimum take a number (PyTorch wants a tensor)"),
    Row("torch.minimum(x, 0)", torch="torch.minimum(x, torch.tensor(0.0))",
        why="maximum/minimum take a number (PyTorch wants a tensor)"),
]

DTYPES = [
    "torch.promote_types(torch.int32, torch.float32)", "torch.promote_types(torch.uint8, torch.int8)",
    "torch.result_type(i, 2.5)", "torch.result_type(n, i)", "torch.result_type(x, d)", "torch.result_type(s, 2)",
    "x.to(torch.float64)", "x.to(d)", "x.to(dtype=torch.float16)", "x.double().float()", "x.half()", "x.bool()",
    "x.long()", "x.int()", "x.float()", "(x * 10).short()", "(x * 10).char()", "x.abs().mul(10).byte()", "x.type(torch.float64)", "mask.long()", "mask.float() * x", "d.float()",
    "d.to(torch.float32)", "d + s", "i + s", "n + 2.5", "n * True", "mask + mask", "mask.sum()", "mask * 2",
    "x.dim()", "x.ndim", "b.shape", "x.size()", "x.size(1)", "b.size(-1)", "x.numel()", "torch.numel(b)",
    "x.is_floating_point()", "i.is_floating_point()", "torch.is_tensor(x)", "s.item()", "x.sum().item()",
    "i[0, 0].item()", "x.tolist()", "x.dtype == torch.float32", "d.dtype == torch.float64",
    "x.requires_grad", "x.detach().requires_grad", "(x * 2).is_leaf", "x.is_leaf",
]

CREATION = [
    "torch.zeros(2, 3)", "torch.zeros((2, 3), dtype=torch.int64)", "torch.zeros(size=(2, 3))",
    "torch.ones(size=[4], dtype=torch.int64)", "torch.empty(size=(0, 2)).shape", "torch.full(size=(2,), fill_value=3.0)",
    "torch.ones(4)", "torch.ones(2, 2, dtype=torch.bool)",
    "torch.full((2, 3), 1.5)", "torch.full((2,), 7)", "torch.arange(5)", "torch.arange(1, 4, 0.5)",
    "torch.arange(0, 1, 0.25, dtype=torch.float64)", "torch.linspace(0, 1, 5)", "torch.eye(3)", "torch.eye(2, 4)",
    "torch.zeros_like(x)", "torch.ones_like(i)", "torch.full_like(x, 3)", "torch.empty(2, 3).shape",
    "torch.empty_like(x).shape", "torch.tensor([[1, 2], [3, 4]])", "torch.tensor([1.5, 2])", "torch.tensor(True)",
    "torch.tensor([1, 2], dtype=torch.float64)", "torch.as_tensor([1, 2, 3])", "x.new_zeros(2, 3)",
    "x.new_ones((2,))", "x.new_full((2,), 4)", "x.new_tensor([1, 2])", "i.new_zeros(3)", "x.new_empty(2).shape",
]

ACTIVATIONS = [
    "F.relu(x)", "F.relu6(x * 4)", "F.elu(x)", "F.elu(x, alpha=0.5)", "F.selu(x)", "F.celu(x, alpha=2.0)",
    "F.gelu(x)", "F.gelu(x, approximate='tanh')", "F.silu(x)", "F.mish(x)", "F.softplus(x)",
    "F.softplus(x, beta=2, threshold=1)", "F.softsign(x)", "F.hardtanh(x)", "F.hardtanh(x, -0.5, 0.5)",
    "F.hardswish(x * 2)", "F.hardsigmoid(x * 2)", "F.leaky_relu(x)", "F.leaky_relu(x, 0.2)", "F.logsigmoid(x)",
    "F.sigmoid(x)", "F.tanh(x)", "F.softmax(x, dim=1)", "F.softmax(b, -1)", "F.softmin(x, dim=0)",
    "F.log_softmax(x, dim=1)", "F.log_softmax(x, 0, dtype=torch.float64)", "F.relu(x.clone(), inplace=True)",
    "F.leaky_relu(x.clone(), 0.1, inplace=True)", "F.elu(x.clone(), inplace=True)",
    "F.hardtanh(x.clone(), inplace=True)", "F.silu(x.clone(), inplace=True)", "F.selu(x.clone(), inplace=True)",
    "F.celu(x.clone(), inplace=True)", "F.mish(x.clone(), inplace=True)", "F.hardswish(x.clone() * 2, inplace=True)",
    "F.hardsigmoid(x.clone() * 2, inplace=True)", "F.relu6(x.clone() * 4, inplace=True)",
    "F.dropout(x.clone(), 0.5, training=False, inplace=True)",
]

NN_FUNCTIONAL = [
    "F.linear(x, m.T)", "F.linear(x, m.T, torch.ones(5))", "F.linear(v, m.T)",     "F.dropout(x, 0.5, training=False)", "F.dropout(x, p=0.0)", 
    "F.dropout1d(b, 0.5, training=False)", "F.dropout1d(x, 1.0)", "F.dropout2d(img, p=0.0)", "F.dropout2d(img, 1.0)",
    "F.dropout3d(vol, 0.3, False)", "F.dropout3d(vol[0], 1.0)", "F.alpha_dropout(x, 0.5)", "F.alpha_dropout(x, 1.0, True)",
    "F.feature_alpha_dropout(img, 0.2)", "F.feature_alpha_dropout(img, 0.0, True)",
    "F.one_hot(ints)", "F.one_hot(ints, num_classes=6)",
    "F.embedding(tok, emb)", "F.embedding(tok, emb, padding_idx=0)", "F.normalize(x)", "F.normalize(x, p=1, dim=0)",
    "F.cosine_similarity(x, y)", "F.cosine_similarity(x, y, dim=0)", "F.pad(x, (1, 2))",
    "F.pad(x, (1, 1, 2, 0), value=3.0)", "F.pad(img, (1, 1, 1, 1), mode='reflect')", "F.max_unpool2d(*F.max_pool2d(img, 2, return_indices=True), 2)",
    "F.max_unpool2d(*F.max_pool2d(img, 3, 2, 1, return_indices=True), 3, 2, 1, output_size=(2, 3, 6, 6))",
    "F.max_unpool1d(*F.max_pool1d(sig, 3, return_indices=True), 3)", "F.max_unpool3d(*F.max_pool3d(vol, 2, "
    "return_indices=True), (2, 2, 2), output_size=(5, 5, 4))", "F.max_unpool2d(*F.max_pool2d(img[0], 2, "
    "return_indices=True), 2)", "F.pad(img, (1, -2, 2, -1), mode='circular')", "F.pad(img, (-3, 2, 0, -6), mode='circular')",
    "F.pad(img, (0, 0, 0, -6), mode='reflect')", "F.pad(img, (2, -1, -5, 3), mode='reflect')",
    "F.pad(img, (-2, 3, 0, 0), mode='replicate')",
    "F.pad(img, (2, 0, 0, 1), mode='replicate')", "F.pad(sig, (2, 2), mode='circular')",
    "F.conv1d(sig, w1)", "F.conv1d(sig, w1, torch.ones(3), stride=2, padding=1)", "F.conv1d(sig, w1, dilation=2)",
    "F.conv2d(img, w)", "F.conv2d(img, w, bias, stride=2, padding=1)", "F.conv2d(img, w, padding='same')",
    "F.conv2d(img, w[:, :1].repeat(1, 1, 1, 1)[:3], groups=3)", "F.conv2d(img, w, dilation=2)",
    "F.conv3d(vol, w3)", "F.conv3d(vol, w3, stride=2, padding=1)", "F.conv_transpose1d(sig, w1.transpose(0, 1))",
    "F.conv_transpose1d(sig, w1.transpose(0, 1), stride=2, output_padding=1)", "F.conv_transpose2d(h, wt)",
    "F.conv_transpose2d(h, wt, stride=2, padding=1, output_padding=1)", "F.max_pool1d(sig, 2)",
    "F.max_pool1d(sig, 3, stride=2, padding=1)", "F.max_pool2d(dist, 2)", "F.max_pool2d(dist, 3, 2, 1)",
    "F.max_pool2d(dist, 2, return_indices=True)", "F.max_pool2d(dist, 2, ceil_mode=True)",
    "F.max_pool3d(vol, 2)", "F.avg_pool1d(sig, 3)", "F.avg_pool2d(img, 2)", "F.avg_pool2d(img, 3, 2, 1)",
    "F.avg_pool2d(img, 3, 2, 1, count_include_pad=False)", "F.avg_pool3d(vol, 2)",
    "F.adaptive_avg_pool1d(sig, 4)", "F.adaptive_avg_pool2d(img, 1)", "F.adaptive_avg_pool2d(img, (4, 3))",
    "F.adaptive_max_pool1d(sig, 4)", "F.adaptive_max_pool2d(dist, (4, None))",
    "F.adaptive_max_pool2d(dist, 4, return_indices=True)",
    "F.conv_transpose3d(vol, w3.transpose(0, 1), stride=2, padding=1, output_padding=1)",
    "F.affine_grid(b[:, :2, :3], [2, 3, 5, 4], align_corners=False)",
    "F.grid_sample(img, torch.tanh(h[:, :2].permute(0, 2, 3, 1)) * 1.2, align_corners=False)",
    "F.grid_sample(img, h[:, :2].permute(0, 2, 3, 1), mode='bicubic', padding_mode='reflection', align_corners=True)",
    "F.grid_sample(vol, b[:1, :3, :3].reshape(1, 1, 3, 3, 1).expand(1, 2, 3, 3, 3), mode='nearest', align_corners=False)",
    "F.interpolate(img, scale_factor=2)", "F.interpolate(img, size=(9, 7), mode='nearest')",
    "F.interpolate(img, scale_factor=2, mode='bilinear', align_corners=False)",
    "F.interpolate(img, size=(8, 8), mode='bilinear', align_corners=True)", "F.interpolate(sig, scale_factor=2)",
    "F.interpolate(sig, size=13, mode='linear')", "F.interpolate(vol, scale_factor=2)",
    "F.upsample(img, scale_factor=2)", "F.upsample_nearest(img, scale_factor=2)",
    "F.upsample_bilinear(img, scale_factor=2)", "F.upsample_bilinear(img, size=(5, 3))",
    "F.batch_norm(img, torch.zeros(3), torch.ones(3))", "F.batch_norm(img, None, None, gamma, beta, training=True)",
    "F.batch_norm(img, torch.zeros(3), torch.ones(3), gamma, beta, training=True, momentum=0.2)",
    "F.layer_norm(x, (4,))", "F.layer_norm(b, (3, 4), torch.ones(3, 4) * 2, torch.zeros(3, 4))",
    "F.layer_norm(b, [4], bias, bias)", "F.group_norm(img, 3)", "F.group_norm(img, 1, gamma, beta)",
    "F.instance_norm(img)", "F.instance_norm(img, weight=gamma, bias=beta)",
    "F.rms_norm(x, (4,))", "F.rms_norm(b, (3, 4), torch.ones(3, 4) * 2)", "F.rms_norm(b, [4], w4, eps=1e-3)",
    "F.embedding_bag(tok, emb)", "F.embedding_bag(tok, emb, mode='max')",
    "F.embedding_bag(tok.flatten(), emb, torch.tensor([0, 2, 2]), mode='sum', padding_idx=4)",
    "F.prelu(x, gamma[:1])", "F.prelu(img, gamma)", "F.prelu(b, beta)",
    "F.unfold(img, 2)", "F.unfold(img, (2, 3), dilation=(2, 1), padding=1, stride=2)", "F.unfold(img[0], 3)",
    "F.fold(F.unfold(img, 3, padding=1), (6, 6), 3, padding=1)", "F.fold(b, (3, 4), (3, 1))",
    "F.fold(b[0], (3, 4), (3, 1))", "m.unfold(1, 2, 1)", "x.unfold(0, 2, 1)", "bm.unfold(-1, 3, 2) * 2",
    "F.scaled_dot_product_attention(qa, ka, va)", "F.scaled_dot_product_attention(qa, ka, va, attn_mask=causal)",
    "F.scaled_dot_product_attention(qa, ka, va, attn_mask=causal.float() - 1)",
    "F.scaled_dot_product_attention(qa, ka[..., :5, :], va[..., :5, :], is_causal=True)",
    "F.scaled_dot_product_attention(qa, ka, va, scale=0.1)", "F.mse_loss(x, y)", "F.mse_loss(x, y, reduction='sum')",
    "F.mse_loss(x, y, reduction='none')", "F.l1_loss(x, y)", "F.smooth_l1_loss(x, y)", "F.smooth_l1_loss(x, y, beta=0.5)",
    "F.huber_loss(x, y, delta=0.5)", "F.binary_cross_entropy(prob, (y > 0).float())",
    "F.binary_cross_entropy(torch.sigmoid(x), prob, reduction='sum')",
    "F.binary_cross_entropy(torch.sigmoid(x), prob, weight=p.detach())", "F.binary_cross_entropy_with_logits(x, prob)",
    "F.binary_cross_entropy_with_logits(x, prob, pos_weight=torch.tensor([1.0, 2.0, 0.5, 3.0]))",
    "F.binary_cross_entropy_with_logits(x, prob, weight=p.detach(), reduction='none')", "F.cross_entropy(x, lbl)",
    "F.cross_entropy(x, lbl, reduction='sum')", "F.cross_entropy(x, lbl, weight=torch.tensor([1.0, 2.0, 0.5, 1.0]))",
    "F.cross_entropy(x, lbl, label_smoothing=0.1)", "F.cross_entropy(x, torch.tensor([1, -100, 3]))",
    "F.cross_entropy(x, lbl, ignore_index=0)", "F.cross_entropy(x, prob.softmax(1))",
    "F.cross_entropy(b.transpose(1, 2), idx0[:, :3])", "F.nll_loss(x.log_softmax(1), lbl)",
    "F.nll_loss(logp, lbl, reduction='none')", "F.kl_div(x.log_softmax(1), prob.softmax(1), reduction='batchmean')",
    "F.kl_div(x.log_softmax(1), y.log_softmax(1), reduction='sum', log_target=True)",
]

MORE_ELEMENTWISE = [  # torch's other elementwise names
    "x.reciprocal()", "torch.reciprocal(p)", "i.reciprocal()", "x.clone().reciprocal_()",
    "torch.addcmul(x, y, p, value=0.5)", "x.addcmul(y, v)", "x.clone().addcmul_(y, p, value=2)", "torch.addcmul(i, i, n)",
    "torch.addcdiv(x, y, p, value=-0.5)", "x.addcdiv(y, p)", "x.clone().addcdiv_(y, g)",
    Row("torch.addcdiv(x, i, n)", raises=RuntimeError), Row("torch.addcmul(mask, mask, mask)", raises=RuntimeError),
    "torch.nan_to_num(torch.log(x))", "(x / p.round()).nan_to_num(posinf=1e3)",
    "torch.nan_to_num(x / p.round() - x.log(), nan=1.0, posinf=2.0, neginf=-3.0)", "i.nan_to_num()",
    "torch.log(x).nan_to_num_()", "torch.hypot(x, y)", "x.hypot(p)", "x.clone().hypot_(y)",
    Row("torch.hypot(i, n)", raises=RuntimeError), Row("torch.hypot(x, 2.0)", raises=TypeError),
    Row("torch.logaddexp(x, 1.0)", raises=TypeError), "torch.xlogy(x, p)", "torch.xlogy(x.relu(), y)", "x.xlogy(2.0)",
    "torch.xlogy(2, p)", "x.clone().xlogy_(p)", "torch.xlogy(i, n)", "prob.logit()", "torch.logit(x, eps=0.1)",
    "torch.logit(prob, 0.2)", "prob.clone().logit_()", "i.logit()", "torch.logaddexp(x, y)", "x.logaddexp(p.log())",
    Row("torch.logaddexp(i, i)", raises=RuntimeError), "torch.copysign(x, y)", "x.copysign(-1.0)",
    "x.clone().copysign_(y)", "i.copysign(n)", "x.signbit()", "torch.signbit(i)", "torch.float_power(x, 2)",
    "x.float_power(y)", "torch.float_power(p, 0.5)", "torch.float_power(2, x)", "i.float_power(n)", "d.clone().float_power_(y)", "(x * 1).double().float_power_(2)",
    Row("x.clone().float_power_(2)", raises=RuntimeError), "x.deg2rad()",
    "torch.rad2deg(x)", "i.deg2rad()", "x.clone().deg2rad_()", "x.clone().rad2deg_()",
]

MORE_SHAPE = [  # diagonals, numpy's stacking and splitting names
    "x.diagonal()", "torch.diagonal(x, 1)", "x.diagonal(-2)", "b.diagonal(offset=1, dim1=2, dim2=0)",
    "torch.diagonal(b, 0, -1, -2)", "x.diagonal(9)", Row("x.diagonal(0, 1, -1)", raises=RuntimeError),
    "(x * 1).diagonal().mul_(2)", "torch.diag(v)", "torch.diag(v, -1)", "x.diag(2)", "torch.diag(sq)",
    Row("b.diag()", raises=RuntimeError), "torch.diag_embed(x)", "torch.diag_embed(b, 1, 0, 2)",
    "x.diag_embed(-1, dim1=2, dim2=0)", "sq.trace()", "torch.trace(x)", "torch.trace(i)",
    Row("torch.trace(b)", raises=RuntimeError), "torch.block_diag(x, v, s, sq[:2, :1])", "torch.block_diag(i, n)",
    "torch.hstack([x, y])", "torch.hstack((v, w4, s))", "torch.vstack([x, v])", "torch.row_stack((v, w4))",
    "torch.dstack([x, y])", "torch.dstack((v, w4))", "torch.column_stack([v, x.T, w4])", "torch.atleast_1d(s)",
    "torch.atleast_1d(x, s)", "torch.atleast_2d(v)", "torch.atleast_2d([s, b])", "torch.atleast_3d(x)",
    "torch.atleast_3d(v, s)", Row("torch.hstack([])", raises=RuntimeError), "x.tensor_split(3, dim=1)",
    "torch.tensor_split(b, [1, 3, 10], 2)", "v.tensor_split(torch.tensor([1, -1]))", "v.tensor_split([3, 1])",
    Row("v.tensor_split(0)", raises=RuntimeError), "b.select(1, -1)", "torch.select(x, 0, 2)",
    Row("x.select(0, 3)", raises=IndexError), "torch.take_along_dim(x, x.argsort(1), 1)",
    "x.take_along_dim(idx[:, :1], dim=1)", "x.take_along_dim(torch.tensor([3, 0, 11]))",
    "torch.take_along_dim(b, idx[None, :2] % 3, 1)", "torch.broadcast_tensors(b, v, x[:, :1])", "x.rot90()",
    "torch.rot90(b, 2, [2, 0])", "b.rot90(-1, (1, 2))", "b.rot90(4)", Row("b.rot90(1, [0, 3])", raises=IndexError), Row("b.rot90(1, [0, -3])", raises=RuntimeError),
]

MORE_REDUCE = [  # nan-aware reductions, order statistics, selecting, counting, searching
    "torch.nansum(x.log())", "x.log().nansum(1)", "torch.nansum(x.log(), dim=(0, 1), keepdim=True)", "i.nansum()",
    "torch.nanmean(x.log())", "x.log().nanmean(0, keepdim=True)", Row("i.nanmean()", raises=RuntimeError),
    "torch.count_nonzero(i)", "i.count_nonzero(1)", "torch.count_nonzero(x.relu(), dim=(0, 1))", "x.aminmax()",
    "torch.aminmax(x, dim=1)", "x.aminmax(dim=0, keepdim=True)", "i.aminmax()", "(x * 0 + 1).aminmax()",
    "x.median()", "torch.median(b)", "x.median(1)", "torch.median(b, dim=0, keepdim=True)", "i.median()",
    "i.median(0)", "(x / 0).median(1)", "(x / 0).median()", "torch.median(x.round())", "s.median(0)",
    Row("x[:, :0].median(1)", raises=IndexError), "x.kthvalue(2)", "torch.kthvalue(b, 1, dim=0)",
    "x.kthvalue(3, 0, keepdim=True)", "i.kthvalue(1, 1).values", Row("x.kthvalue(5)", raises=RuntimeError),
    "i.nonzero()", "torch.nonzero(mask)", "i.nonzero(as_tuple=True)", "torch.nonzero(s, as_tuple=True)",
    "s.nonzero()", "torch.argwhere(i)", "mask.argwhere()", "x.masked_select(mask)", "torch.masked_select(b, mask)",
    "torch.masked_select(x, x > v)", Row("x.masked_select(i)", raises=RuntimeError), "i.unique()",
    "torch.unique(i, return_inverse=True)", "i.unique(sorted=False, return_counts=True)",
    "torch.unique(idx, return_inverse=True, return_counts=True)", "torch.unique(torch.cat([idx, idx[:1]]), dim=0)",
    "torch.unique(torch.cat([idx, idx[:, :1]], 1), return_inverse=True, return_counts=True, dim=1)",
    Row("torch.median(mask)", raises=RuntimeError), Row("torch.inner(x, i)", raises=RuntimeError),
    Row("torch.cdist(x.half(), y.half())", raises=RuntimeError),
    Row("torch.unique(x.round() / 0)", grad_raises=RuntimeError), Row("x.round().unique()", grad_raises=RuntimeError), "ints.bincount()",
    "torch.bincount(ints, minlength=7)", "torch.bincount(ints, weights=n.flatten()[:5].double())",
    Row("ints.bincount(v[[0, 1, 2, 3, 0]])", grad_raises=RuntimeError),
    Row("ints.bincount(v[[0, 1, 2, 3, 0]].half())", grad_raises=RuntimeError), Row("i.bincount()", raises=RuntimeError),
    Row("x.bincount()", raises=RuntimeError), "torch.isclose(x, x + 1e-6)", "x.isclose(y, atol=1.0)",
    "torch.isclose(x / 0, x / 0, equal_nan=True)", "torch.isclose(i, n.long(), rtol=0.5)", "torch.isclose(mask, mask)",
    Row("torch.isclose(x, d)", raises=RuntimeError), "torch.searchsorted(torch.tensor([1.0, 2.0, 3.0]), x)",
    "torch.searchsorted(x.sort().values, y, right=True)", "torch.searchsorted(x.sort().values, y, side='right')",
    "torch.searchsorted(v, x, sorter=v.argsort())", "torch.searchsorted(torch.tensor([1, 3, 5]), 3)",
    "torch.searchsorted(torch.tensor([1, 3, 5]), i, out_int32=True)",
    Row("torch.searchsorted(v, x, side='left', right=True)", raises=RuntimeError), "torch.bucketize(x, v.sort().values)",
    "torch.bucketize(i, torch.tensor([-2, 0, 2]), right=True)", "torch.bucketize(x, torch.tensor([0.0]), out_int32=True)",
    Row("torch.bucketize(x, x)", raises=RuntimeError),
]

MORE_LINALG = [  # products made of matmul, distances
    "torch.addmm(y[:, :1], x, m)", "x[0, :1].addmm(x, m, beta=0.5, alpha=2)", "torch.addmm(y[:, :1] / 0, x, m, beta=0)",
    "torch.zeros(3, 5).addmm_(x, m)", "(x @ m).addmm_(x, m, alpha=-1)", Row("torch.addmm(y, x, v)", raises=RuntimeError),
    "sq.mv(v)", "torch.mv(x, w4)", Row("torch.mv(x, m)", raises=RuntimeError), "torch.inner(x, y)", "b.inner(v)",
    "torch.inner(x, s)", Row("torch.inner(x, m)", raises=RuntimeError), "torch.cross(b, b.flip(0))",
    "torch.cross(x.T, y.T, dim=1)", "b.cross(b.roll(1, 2), dim=-2)", Row("torch.cross(x, y, dim=1)", raises=RuntimeError),
    "torch.kron(x, v)", "x.kron(sq[:2, :2])", "torch.kron(v, b)", "torch.tensordot(b, bm.transpose(1, 2), dims=([0, 2], [0, 2]))",
    "torch.tensordot(x, m, 1)", "torch.tensordot(b, x)", "torch.tensordot(v, w4, 0)",
    Row("torch.tensordot(x, m)", raises=RuntimeError), "torch.cdist(x, y)", "torch.cdist(b, b)", "torch.cdist(b, b, p=1)",
    "torch.cdist(x, m.T, p=float('inf'))", "torch.cdist(b, x[None], p=1.5)", Row("torch.cdist(v, v)", raises=RuntimeError),
]

NN_FUNCTIONAL_SWEEP = [  # margin, embedding and likelihood losses; small layer functions (tests/test_*_sweep.py: more)
    "F.margin_ranking_loss(v, w4, torch.tensor([1.0, -1.0, 1.0, -1.0]))",
    "F.margin_ranking_loss(x, y, (m[:3, :4] > 0).float() * 2 - 1, margin=0.5, reduction='none')",
    "F.hinge_embedding_loss(p, (y > 0).float() * 2 - 1)", "F.hinge_embedding_loss(p, (y > 0).float() * 2 - 1, 1.5, reduction='sum')",
    "F.soft_margin_loss(x, (y > 0).float() * 2 - 1)", "F.soft_margin_loss(x, (y > 0).float() * 2 - 1, reduction='none')",
    "F.multilabel_soft_margin_loss(x, prob)", "F.multilabel_soft_margin_loss(x, prob, weight=w4.abs().detach(), reduction='none')",
    "F.multi_margin_loss(x, lbl)", "F.multi_margin_loss(x, lbl, p=2, margin=0.5, weight=w4.abs().detach(), reduction='none')",
    Row("F.multi_margin_loss(x, lbl + 1)", raises=RuntimeError),
    "F.multilabel_margin_loss(x, torch.tensor([[3, 0, -1, 2], [1, 1, 2, -1], [0, 1, 2, 3]]))",
    "F.multilabel_margin_loss(x, torch.tensor([[3, 0, -1, 2], [-1, 1, 2, 0], [2, 2, 2, 2]]), reduction='none')",
    Row("F.multilabel_margin_loss(x, torch.tensor([[4, 0, -1, 2], [1, 1, 2, -1], [0, 1, 2, 3]]))", raises=RuntimeError),
    "F.cosine_embedding_loss(x, y, torch.tensor([1.0, -1.0, 1.0]))",
    "F.cosine_embedding_loss(x, y, torch.tensor([1.0, -1.0, -1.0]), margin=0.2, reduction='none')",
    "F.triplet_margin_loss(x, y, p)", "F.triplet_margin_loss(x, y, p, margin=0.5, p=1, swap=True, reduction='none')",
    "F.poisson_nll_loss(x, g)", "F.poisson_nll_loss(p, g, log_input=False, full=True, reduction='none')",
    "F.gaussian_nll_loss(x, y, p)", "F.gaussian_nll_loss(x, y, p[:, 0], full=True, reduction='sum')",
    "F.ctc_loss(b.log_softmax(2), torch.tensor([[1, 2], [3, 3], [2, 1]]), [2, 2, 1], [2, 1, 1])",
    "F.ctc_loss(b.log_softmax(2), torch.tensor([1, 2, 3, 3, 2]), (2, 2, 2), (2, 2, 1), blank=0, reduction='none', "
    "zero_infinity=True)",
    Row("F.ctc_loss(b.log_softmax(2), torch.tensor([[1, 2]]), [2, 2, 2], [2, 1, 1])", raises=RuntimeError),
    "F.pairwise_distance(x, y)", "F.pairwise_distance(x, v, 1, keepdim=True)", "F.pairwise_distance(b, x, 3)",
    "F.glu(x)", "F.glu(b, 2)", "F.tanhshrink(x)", "F.threshold(x, 0.1, 20.0)", "F.threshold_(x.clone(), 0.1, -2.0)",
    "F.threshold(i, 0, 0.5)", "torch.nn.Threshold(0, 7.9)(i)",
    "F.rrelu(x)", "F.rrelu(x, 0.2, 0.4, training=False)", "F.rrelu_(x.clone())",
    "F.bilinear(x, y, sq.unsqueeze(0))", "F.bilinear(x, y, torch.stack([sq, sq.T]), bias[:2])",
    "F.pixel_shuffle(img.reshape(2, 12, 3, 3), 2)", "F.pixel_unshuffle(img, 3)", "F.channel_shuffle(img, 3)",
    "F.local_response_norm(img, 2)", "F.local_response_norm(sig, 3)",
    "F.local_response_norm(vol, 2, alpha=0.1, beta=0.5, k=2.0)",
]

SPECIAL_AND_STATS = [  # gamma functions, erfinv, sinc, torch.special; statistics; random draws with certain outcomes
    "torch.lgamma(y)", "p.lgamma()", "p.clone().lgamma_()", "torch.digamma(y)", "p.digamma()", "p.clone().digamma_()",
    "torch.polygamma(1, p)", "p.polygamma(2)", "torch.polygamma(3, y)", "p.clone().polygamma_(1)", "u.erfinv()",
    "torch.erfinv(u)", "u.clone().erfinv_()", "x.erfc()", "torch.erfc(y)", "x.clone().erfc_()", "y.sinc()",
    "torch.sinc(p * 3)", "y.clone().sinc_()", "torch.special.gammaln(p)", "torch.special.digamma(p)",
    "torch.special.psi(y)", "torch.special.polygamma(2, p)", "torch.special.erfinv(u)", "torch.special.erfc(x)",
    "torch.special.erf(x)", "torch.special.sinc(y)", "torch.special.expit(x)", "torch.special.logit(prob)",
    "torch.special.xlogy(x, p)", "torch.special.expm1(x)", "torch.special.exp2(x)", "torch.special.log1p(p)",
    "torch.special.round(x)", "torch.special.logsumexp(x, 1)", "torch.special.softmax(x, 0)",
    "torch.special.log_softmax(x, 1)", Row("torch.polygamma(-1, p)", raises=RuntimeError),
    "torch.cov(x)", "y.cov(correction=0)", "torch.cov(x, fweights=torch.tensor([1, 2, 1, 3]))",
    "torch.cov(x, aweights=p[0], correction=2)", "v.cov()", "torch.cov(i)", "torch.corrcoef(y)", "x.corrcoef()",
    Row("torch.cov(b)", raises=RuntimeError), "torch.nanmedian(x.log())", "x.log().nanmedian(1)",
    "torch.nanmedian(b, dim=0, keepdim=True)", "i.nanmedian()", "torch.histc(x, bins=5)", "y.histc(4, -1, 1)",
    Row("torch.histc(i)", raises=NotImplementedError), Row("torch.histogram(x, bins=5)", grad_raises=RuntimeError),
    Row("y.histogram(4, range=(-1.0, 1.0), density=True)", grad_raises=RuntimeError),
    Row("torch.histogram(x, torch.tensor([-1.0, 0.0, 2.0]), weight=p)", grad_raises=RuntimeError),
    Row("torch.histogram(i)", raises=NotImplementedError), "torch.cartesian_prod(v, w4)", "torch.cartesian_prod(v)",
    "torch.tril_indices(3, 4)", "torch.tril_indices(4, 3, -1)", "torch.triu_indices(4, 3, 1)",
    "torch.bernoulli(prob.round())", "prob.round().bernoulli()", Row("torch.bernoulli(x, 1.0)", nograd="bernoulli(input, p): PyTorch has no derivative (its backward raises); here zeros"), "x.clone().bernoulli_(0.0)", "y.clone().bernoulli_(prob.round())",
    Row("torch.bernoulli(x)", raises=RuntimeError), "torch.multinomial(torch.eye(4), 1)",
    "torch.eye(3).multinomial(2, True)", Row("torch.multinomial(x, 1)", raises=RuntimeError),
]

NN_NAMES = [  # shrinks, Lp pooling, 3-d adaptive pooling, the pooling functions that return (output, indices)
    "F.hardshrink(x)", "F.hardshrink(x, 1.5)", "x.hardshrink(0.9)", "torch.hardshrink(d, 0.3)", "F.hardshrink(x, -1.0)",
    Row("F.hardshrink(i)", raises=RuntimeError), "torch.nn.Hardshrink(1.1)(x)",
    "F.softshrink(x)", "F.softshrink(d, 1.2)", "F.softshrink(x, 0.0)", Row("F.softshrink(x, -1.0)", raises=RuntimeError),
    Row("F.softshrink(i)", raises=RuntimeError), "torch.nn.Softshrink(0.7)(x)",
    "F.lp_pool1d(sig, 2, 3)", "F.lp_pool1d(sig.relu(), 3, 2, stride=1, ceil_mode=True)", "F.lp_pool1d(sig, 3, 2)",
    "F.lp_pool2d(img, 2, 2)", "F.lp_pool2d(img.relu(), 1.5, (2, 3), stride=(1, 2), ceil_mode=True)",
    "F.lp_pool2d(img, float('inf'), 3)", "F.lp_pool2d(img, -float('inf'), 2, 1)", "F.lp_pool2d(img[0], 4, 5, 2, True)",
    "F.lp_pool3d(vol, 2, 2)", "F.lp_pool3d(vol.relu(), 1, (2, 1, 3), ceil_mode=True)", "torch.nn.LPPool2d(2, 3, 2)(img)",
    "torch.nn.LPPool1d(1.5, 2)(sig.abs())", "torch.nn.LPPool3d(3, (1, 2, 2))(vol)",
    "F.adaptive_avg_pool3d(vol, (2, 3, None))", "F.adaptive_avg_pool3d(vol[0], 3)", "F.adaptive_avg_pool3d(vol, 1)",
    "F.adaptive_max_pool3d(vol, (3, 2, 3))", "F.adaptive_max_pool3d(vol[0], 2, return_indices=True)",
    "torch.nn.AdaptiveMaxPool3d((None, 3, 1))(vol)", "torch.nn.AdaptiveAvgPool3d((3, 1, 4))(vol)",
    Row("F.adaptive_max_pool3d(sig, 2)", raises=RuntimeError), "F.adaptive_avg_pool3d(img, 2)",
    "F.max_pool1d_with_indices(sig, 2)", "F.max_pool2d_with_indices(img, 3, stride=2, padding=1)",
    "F.max_pool3d_with_indices(vol, 2, ceil_mode=True, stride=3)", "F.adaptive_max_pool1d_with_indices(sig, 4)",
    "F.adaptive_max_pool2d_with_indices(img, (4, 3))", "F.adaptive_max_pool3d_with_indices(vol, (3, 3, 2))",
    # distances and the triplet loss with any distance
    "F.pdist(x)", "F.pdist(m, 1)", "F.pdist(m.T, 0.5)", "F.pdist(d, 3)", "F.pdist(x, float('inf'))", "F.pdist(x, 0)",
    "F.pdist(torch.cat([x, x]))", "F.pdist(torch.cat([x, x]), 1)", "F.pdist(x[:1])",
    Row("F.pdist(b)", raises=RuntimeError), Row("F.pdist(x, -1)", raises=RuntimeError),
    Row("F.pdist(i)", raises=RuntimeError),
    "F.triplet_margin_with_distance_loss(x, y, p)",
    "F.triplet_margin_with_distance_loss(x, y, p, distance_function=lambda a, b: (a - b).abs().sum(1), margin=0.5, "
    "swap=True, reduction='none')",
    "F.triplet_margin_with_distance_loss(b, b.flip(0), b * 2, distance_function=torch.nn.PairwiseDistance(p=1), "
    "reduction='sum')",
    Row("F.triplet_margin_with_distance_loss(x, y, p, margin=0)", raises=ValueError),
    Row("F.triplet_margin_with_distance_loss(x, y, p, reduction='all')", raises=ValueError),
    Row("F.triplet_margin_with_distance_loss(x, y, v)", raises=RuntimeError),
    "torch.nn.TripletMarginWithDistanceLoss(margin=2.0, swap=True)(x, y, p)",
    "torch.nn.NLLLoss2d()(img.log_softmax(1), (img[:, 0] * 10).long().abs() % 3)",
    "torch.nn.NLLLoss2d(reduction='none', ignore_index=1)(img.log_softmax(1), (img[:, 0] * 10).long().abs() % 3)",
    "torch.nn.UpsamplingNearest2d(scale_factor=2)(img)", "torch.nn.UpsamplingBilinear2d(size=(5, 9))(img)",
    "torch.nn.UpsamplingBilinear2d(scale_factor=1.5)(img)", "torch.nn.UpsamplingNearest2d((3, 8))(img)",
    # the in-place functional activations; Gumbel-softmax's outcomes that do not depend on its noise
    "F.relu_(x.clone())", "F.elu_(x.clone(), 0.5)", "F.leaky_relu_(x.clone(), 0.2)", "F.hardtanh_(x.clone(), -0.5, 0.5)",
    "F.selu_(x.clone())", "F.celu_(x.clone(), 2.0)", "F.celu_(x.clone())", "F.elu_(x.clone())",
    "F.gumbel_softmax(x, tau=0.5, hard=True).sum(1)", "F.gumbel_softmax(x, dim=0).sum(0)",
    "F.gumbel_softmax(x, hard=True, dim=0).detach().max(0).values", "torch.zeros(3, 4).exponential_(2.0).ge(0).all()",
    Row("torch.zeros(3, 4).exponential_(0.0)", raises=RuntimeError), Row("i.clone().exponential_()", raises=RuntimeError),
]

ROWS = [r if isinstance(r, Row) else Row(r) for r in
        UNARY + UNARY_INPLACE + BINARY + INTEGERS + BITS + COMPARE + REDUCE + SHAPE + INDEX + INPLACE_EXTRA + LINALG + DTYPES
        + CREATION + ACTIVATIONS + NN_FUNCTIONAL + MORE_ELEMENTWISE + MORE_SHAPE
        + MORE_REDUCE + MORE_LINALG + NN_FUNCTIONAL_SWEEP + SPECIAL_AND_STATS + NN_NAMES]
LOOSE = ("conv", "pool", "interpolate", "upsample", "norm", "einsum", "inverse", "det", "solve", "attention",
         "bmm", "matmul", "@", "mm(", "cumprod", "prod", "var", "std", "lerp", "kl_div")


# ------------------------------------------------------------------------------------------------ evaluation


def _evaluate(lib, functional, expr, names, layout="as given"):
    tensors = _tensors(lib, names, layout)
    with np.errstate(all="ignore"), warnings.catch_warnings():  # rows that divide by 0 on purpose
        warnings.simplefilter("ignore")
        out = eval(expr, {"torch": lib, "F": functional, "math": math}, dict(tensors))  # noqa: S307
    return tensors, out


def _leaves(out):
    if isinstance(out, (tuple, list)) and not isinstance(out, (str,)) and (
            not out or not isinstance(out[0], (int, float, bool)) or hasattr(out, "values")):
        return [leaf for item in out for leaf in _leaves(item)]
    return [out]


def _plain(value):
    """A value of either library as numpy (tensors), a dtype name, or the Python value."""
    if isinstance(value, torch.Tensor):
        return value.detach().numpy(), str(value.dtype).replace("torch.", "")
    if isinstance(value, ag.Tensor):
        return value.detach().numpy(), str(value.dtype)
    if isinstance(value, torch.dtype):
        return str(value).replace("torch.", ""), "dtype"
    if isinstance(value, np.dtype):
        return str(value), "dtype"
    if isinstance(value, tuple):  # torch.Size / ag.Size
        return tuple(value), "shape"
    return value, type(value).__name__


def _gradients(lib, tensors, leaves, expr):
    """d(sum of each floating result times fixed weights)/d(each floating input), None where unused."""
    with np.errstate(all="ignore"):  # (-inf results weighed: nan, in both)
        return _weighted_gradients(lib, tensors, leaves, expr)


def _weighted_gradients(lib, tensors, leaves, expr):
    rng = np.random.default_rng(zlib.crc32(expr.encode()))
    loss = None
    for leaf in leaves:
        if isinstance(leaf, (torch.Tensor, ag.Tensor)) and leaf.requires_grad:
            weights = lib.tensor(rng.standard_normal(tuple(leaf.shape)), dtype=leaf.dtype)
            term = (leaf * weights).sum()
            loss = term if loss is None else loss + term
    floats = [name for name, t in tensors.items() if t.requires_grad]
    if loss is None:
        return {}
    grads = lib.autograd.grad(loss, [tensors[n] for n in floats], allow_unused=True)
    return {name: None if g is None else _numpy(g) for name, g in zip(floats, grads)}


def _numpy(t):
    """A gradient as numpy (PyTorch's zero gradients may be ZeroTensors, which convert only when forced)."""
    return t.detach().numpy(force=True) if isinstance(t, torch.Tensor) else t.detach().numpy()


def _compare(row, theirs, ours, what):
    (want, want_kind), (got, got_kind) = _plain(theirs), _plain(ours)
    assert got_kind == want_kind, f"{row.expr}: {what} is {got_kind}, PyTorch's {want_kind}"
    if isinstance(want, np.ndarray):
        assert got.shape == want.shape, f"{row.expr}: {what} has shape {got.shape}, PyTorch's {want.shape}"
        if want.dtype.kind in "biu":
            np.testing.assert_array_equal(got, want, err_msg=f"{row.expr}: {what}")
        else:
            np.testing.assert_allclose(got, want, rtol=row.rtol, atol=row.atol, equal_nan=True,
                                       err_msg=f"{row.expr}: {what}")
    elif isinstance(want, float):
        assert math.isclose(got, want, rel_tol=row.rtol, abs_tol=row.atol) or got == want, (row.expr, got, want)
    else:
        assert got == want, f"{row.expr}: {what} is {got!r}, PyTorch's {want!r}"


def _tolerances(row):
    if any(word in (row.torch or row.expr) for word in LOOSE) and row.rtol == 1e-5:
        row.rtol, row.atol = 1e-4, 1e-5
    return row


@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("row", [_tolerances(r) for r in ROWS], ids=[r.expr for r in ROWS])
def test_expression_same_as_pytorch(row, layout):
    names = _names(row.expr + " " + (row.torch or ""))
    if row.raises:
        if layout != "as given":
            pytest.skip("a refusal is checked on the inputs as given")
        for lib, functional in ((torch, torch_F), (ag, our_F)):
            with pytest.raises(row.raises):
                _evaluate(lib, functional, row.expr, names)
        return
    try:
        their_tensors, theirs = _evaluate(torch, torch_F, row.torch or row.expr, names, layout)
    except RuntimeError as err:  # (only in float64: a row's float32 constant with float64 inputs)
        assert layout == "float64", err
        pytest.skip(f"PyTorch refuses this row with float64 inputs: {str(err)[:80]}")
    our_tensors, ours = _evaluate(ag, our_F, row.expr, names, layout)
    their_leaves, our_leaves = _leaves(theirs), _leaves(ours)
    assert len(our_leaves) == len(their_leaves), f"{row.expr}: {len(our_leaves)} results, PyTorch {len(their_leaves)}"
    for k, (t, o) in enumerate(zip(their_leaves, our_leaves)):
        _compare(row, t, o, f"result {k}")
        if isinstance(t, torch.Tensor):
            assert o.requires_grad == t.requires_grad, f"{row.expr}: result {k} requires_grad {o.requires_grad}"
    if row.grad_raises:  # both refuse to differentiate it
        for lib, tensors, leaves in ((torch, their_tensors, their_leaves), (ag, our_tensors, our_leaves)):
            with pytest.raises(row.grad_raises):
                _gradients(lib, tensors, leaves, row.expr)
        return
    our_grads = _gradients(ag, our_tensors, our_leaves, row.expr)
    if row.nograd:  # PyTorch has no gradient here: ours runs and is finite
        assert all(g is None or np.isfinite(g).all() for g in our_grads.values()), row.expr
        return
    their_grads = _gradients(torch, their_tensors, their_leaves, row.expr)
    assert their_grads.keys() == our_grads.keys()
    for name, want in their_grads.items():  # no gradient at all (None) counts as a zero gradient
        got = our_grads[name]
        if got is not None and want is not None:  # (ag.grad hands back what the walk computed: no cast hides it)
            assert got.dtype == want.dtype, f"{row.expr}: the gradient with respect to {name} is {got.dtype}, " \
                                            f"PyTorch's {want.dtype}"
        np.testing.assert_allclose(np.zeros(INPUTS[name].shape) if got is None else got,
                                   np.zeros(INPUTS[name].shape) if want is None else want, rtol=row.rtol * 10,
                                   atol=row.atol * 10, err_msg=f"{row.expr}: the gradient with respect to {name}")


# ------------------------------------------------------------------------------------------------ in place, after

STRICTER = {  # ops that keep an input PyTorch does not (a fused node): changing it in place refuses backward here
    "einsum": "einsum keeps its operands for every gradient",
    "interpolate": "linear interpolation keeps its input",
    "cross_entropy": "cross_entropy is one node (softmax and NLL): it keeps the logits for create_graph",
    "expand": "a write into an expanded tensor is refused: numpy's broadcast views are read-only",
    "kron": "kron's product keeps views of its inputs: changing one in place refuses backward here, where PyTorch's "
            "kron computes a gradient from the changed values (its saved reshapes escape the version check)",
    "1 / p": "c / p is one node here, which keeps p (PyTorch's reciprocal(p) * c keeps its result instead; so here "
             "the result may change in place, as in PyTorch, but not p)",
}


WRITES_REFUSED = {  # views whose elements share memory: writing into them is refused here, where PyTorch writes
    "expand": "numpy's broadcast views are read-only",
    "unfold(": "Tensor.unfold with overlapping windows (step < size) is read-only: PyTorch writes through it, but the "
               "gradient it then records disagrees with the values it wrote (an element in two windows is changed "
               "twice, its gradient once)",
}


def _after_change(lib, functional, expr, names, where):
    """Evaluate ``expr`` on non-leaf copies of the inputs, change the result (``where="output"``: times
    2) or the floating inputs (``"inputs"``: +1) in place (or nothing: ``"nowhere"``), then backward: the leaves' gradients, "refused" when
    backward raised, None when the row has no single floating result that requires grad."""
    leaves = _tensors(lib, names)
    copies = {n: t.clone() if t.requires_grad else t for n, t in leaves.items()}
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        out = eval(expr, {"torch": lib, "F": functional, "math": math}, dict(copies))  # noqa: S307
        if not isinstance(out, (torch.Tensor, ag.Tensor)) or not out.requires_grad:
            return None
        try:
            if where == "output":
                out.mul_(2)
            elif where == "inputs":
                for t in copies.values():
                    if t.requires_grad:
                        t.add_(1)
        except RuntimeError:  # the change itself (into a broadcast view): both must refuse it
            return "change refused"
        weights = np.random.default_rng(zlib.crc32(expr.encode())).standard_normal(tuple(out.shape))
        try:  # (a weighted sum: under a uniform upstream gradient a norm's gradient is 0 whatever it read)
            (out * lib.tensor(weights, dtype=out.dtype)).sum().backward()
        except RuntimeError:
            return "refused"
    return {n: None if t.grad is None else _numpy(t.grad).copy() for n, t in leaves.items() if t.requires_grad}


IN_PLACE_ROWS = [r for r in ROWS if not (r.raises or r.grad_raises or r.nograd or r.torch)]


@pytest.mark.parametrize("where", ["output", "inputs"])
@pytest.mark.parametrize("row", IN_PLACE_ROWS, ids=[r.expr for r in IN_PLACE_ROWS])
def test_in_place_change_after_the_op_like_pytorch(row, where):
    """Changing an op's result or inputs in place before backward: the version counters must refuse
    wherever the change would make the gradient wrong. Where PyTorch refuses, ours refuses too or gives
    the gradient of the values forward saw (it kept what it needs); where PyTorch computes, ours gives
    the same gradient (or refuses, for the ops in STRICTER only)."""
    names = _names(row.expr)
    theirs = _after_change(torch, torch_F, row.expr, names, where)
    ours = _after_change(ag, our_F, row.expr, names, where)
    if theirs is None or ours is None:
        assert theirs is None and ours is None, f"{row.expr}: ours {ours}, PyTorch {theirs}"
        return
    if "change refused" in (ours, theirs):
        assert ours == theirs or (ours == "change refused" and any(op in row.expr for op in WRITES_REFUSED)), \
            f"{row.expr}: the change to the {where}: ours {ours}, PyTorch's {theirs}"
        return
    if ours == "refused":
        assert theirs == "refused" or any(op in row.expr for op in STRICTER), \
            f"{row.expr}: backward refuses after a change to the {where} that PyTorch accepts"
        return
    if theirs == "refused":  # PyTorch cannot say: the gradient must be the one without the change
        theirs = _after_change(torch, torch_F, row.expr, names, "nowhere")
        if where == "output":
            theirs = {n: None if g is None else 2 * g for n, g in theirs.items()}
    for name, want in theirs.items():  # no gradient at all (None) counts as a zero gradient
        zeros, got = np.zeros(INPUTS[name].shape), ours[name]
        np.testing.assert_allclose(zeros if got is None else got, zeros if want is None else want,
                                   rtol=max(row.rtol * 10, 1e-4), atol=max(row.atol * 10, 1e-5),
                                   err_msg=f"{row.expr}: the gradient for {name} after a change to the {where}")


# ------------------------------------------------------------------------------------------------ second order

NO_SECOND_ORDER = {  # an op whose gradient is not differentiable here (a clear error says so); PyTorch's is
    "scatter_reduce": "scatter_reduce: gradients of gradients (create_graph=True) are not implemented",
}


def _second_order(lib, functional, expr, names, seed):
    """The gradient of every floating input (as _gradients, with create_graph=True), then the gradient of
    a weighted sum of those gradients: a Hessian-vector product. None: the row has no floating result."""
    rng = np.random.default_rng(zlib.crc32(seed.encode()))
    tensors, value = _evaluate(lib, functional, expr, names)
    loss = None
    for leaf in _leaves(value):
        if isinstance(leaf, (torch.Tensor, ag.Tensor)) and leaf.requires_grad:
            term = (leaf * lib.tensor(rng.standard_normal(tuple(leaf.shape)), dtype=leaf.dtype)).sum()
            loss = term if loss is None else loss + term
    if loss is None:
        return None
    floats = [name for name, t in tensors.items() if t.requires_grad]
    grads = lib.autograd.grad(loss, [tensors[n] for n in floats], allow_unused=True, create_graph=True)
    loss = None
    for name, g in zip(floats, grads):
        weights = rng.standard_normal(INPUTS[name].shape)  # (drawn for every input: both libraries in step)
        if g is not None and g.requires_grad:
            term = (g * lib.tensor(weights, dtype=g.dtype)).sum()
            loss = term if loss is None else loss + term
    if loss is None:
        return {}
    second = lib.autograd.grad(loss, [tensors[n] for n in floats], allow_unused=True)
    return {name: None if g is None else _numpy(g) for name, g in zip(floats, second)}


SECOND_ORDER_ROWS = [r for r in ROWS if not (r.raises or r.grad_raises or r.nograd)]


@pytest.mark.parametrize("row", SECOND_ORDER_ROWS, ids=[r.expr for r in SECOND_ORDER_ROWS])
def test_second_derivatives_same_as_pytorch(row):
    """Gradients of gradients (create_graph=True: gradient penalties, Hessian-vector products, MAML) of
    every row, against PyTorch's. Rows PyTorch cannot differentiate twice are skipped."""
    names = _names(row.expr + " " + (row.torch or ""))
    refused = next((why for op, why in NO_SECOND_ORDER.items() if op in row.expr), None)
    try:
        with np.errstate(all="ignore"):
            theirs = _second_order(torch, torch_F, row.torch or row.expr, names, row.expr)
    except RuntimeError as err:
        pytest.skip(f"PyTorch has no second derivative here: {str(err)[:80]}")
    if refused:
        with pytest.raises(RuntimeError, match="not implemented"):
            _second_order(ag, our_F, row.expr, names, row.expr)
        return
    with np.errstate(all="ignore"):
        ours = _second_order(ag, our_F, row.expr, names, row.expr)
    if theirs is None:
        return
    for name in set(theirs) | set(ours):
        want, got = theirs.get(name), ours.get(name)  # no gradient at all (None) counts as a zero gradient
        zeros = np.zeros(INPUTS[name].shape)
        np.testing.assert_allclose(zeros if got is None else got, zeros if want is None else want,
                                   rtol=max(row.rtol * 100, 1e-3), atol=max(row.atol * 100, 1e-4), equal_nan=True,
                                   err_msg=f"{row.expr}: the second derivative with respect to {name}")


# ------------------------------------------------------------------------------------------------ coverage

OPERATORS = {  # an operator's dunder -> a pattern of its Python syntax
    "__add__": r"\w[\])]? \+ ", "__radd__": r"\b\d \+ \w", "__sub__": r"\w[\])]? - ", "__rsub__": r"\b\d - \w",
    "__mul__": r"\w[\])]? \* ", "__rmul__": r"\b\d \* \w", "__truediv__": r"\w[\])]? / ",
    "__rtruediv__": r"\b\d / \w", "__pow__": r"\w \*\* ", "__rpow__": r"\b\d \*\* ", "__floordiv__": r"\w // ",
    "__rfloordiv__": r"\d // \w", "__mod__": r"\w % ", "__rmod__": r"\b\d % \w", "__matmul__": r"\w @ ",
    "__rmatmul__": r"tolist\(\) @ ", "__neg__": r"^-\w", "__pos__": r"^\+\w", "__abs__": r"^abs\(",
    "__invert__": r"~\w", "__and__": r"\w \& ", "__rand__": r"True \& ", "__or__": r"\w \| ", "__ror__": r"\d \| ",
    "__xor__": r"\w \^ ", "__rxor__": r"\d \^ ", "__lshift__": r"\w << ", "__rlshift__": r"\d << ",
    "__rshift__": r"\w >> ", "__rrshift__": r"\d >> ", "__lt__": r" < ", "__le__": r" <= ", "__gt__": r" > ",
    "__ge__": r" >= ", "__eq__": r" == ", "__ne__": r" != ", "__getitem__": r"\w\[",
}
NOT_TORCH = {  # names of ours that no row can compare, and why
    "step": "Value.step, the scalar engine's unit step: no PyTorch name",
    "heaviside_step": "nn.functional's unit step (PyTorch spells it torch.heaviside(x, 0.5))",
    "flatten": "nn.functional.flatten: PyTorch has torch.flatten only (a row covers it)",
    "__rmatmul__": "reached only with a list on the left of @ (numpy arrays convert first), which PyTorch refuses",
}


def _mentions(name):
    pattern = re.compile(rf"(\.|\bF\.|\btorch\.){name}\b")
    return any(pattern.search(row.expr) for row in ROWS)


def test_every_op_has_a_row():
    missing = []
    for name, op in OPS.items():
        if name in NOT_TORCH:
            continue
        if name.startswith("__"):
            if not any(re.search(OPERATORS[name], row.expr) for row in ROWS):
                missing.append(name)
            continue
        if not _mentions(name):
            missing.append(name)
        if op.inplace and not _mentions(name + "_"):
            missing.append(name + "_")
    functional = [n for n in dir(our_F) if not n.startswith("_") and callable(getattr(our_F, n))
                  and not isinstance(getattr(our_F, n), type) and n not in NOT_TORCH and n != "warnings"]
    missing += [f"F.{n}" for n in functional if not re.search(rf"\bF\.{n}\(", " ".join(r.expr for r in ROWS))]
    assert not missing, f"no row in the table uses {missing}"
    assert len(ROWS) >= 300


def test_every_difference_is_in_the_readme():
    import pathlib

    readme = (pathlib.Path(__file__).resolve().parents[2] / "README.md").read_text()
    differences = readme.split("### Differences from PyTorch", 1)[1].split("\n## ", 1)[0]
    for row in ROWS:
        for why in (row.why, row.nograd):
            if why:  # its topic, the op it names first, appears in the list
                topic = re.match(r"[\w.]+", why).group()
                assert f"`{topic}" in differences, f"README's Differences from PyTorch do not mention {why!r}"


def test_what_the_readme_calls_missing_is_missing():
    """README's "Not provided yet" names PyTorch API this project lacks: each must exist in PyTorch
    and not here (add one, and this test asks you to take it off the list)."""
    import pathlib

    import nn
    import optim

    readme = (pathlib.Path(__file__).resolve().parents[2] / "README.md").read_text()
    paragraph = readme.split("- Not provided yet", 1)[1].split("\n- ", 1)[0].split("\n## ", 1)[0]
    names = re.findall(r"`([\w.]+)`", re.sub(r"\([^)]*\)", "", paragraph))  # (asides in brackets name what works)
    assert names, "README's Not provided yet list parsed to no names: check its format"
    for name in names:
        *owner, attr = name.split(".")
        ours, theirs = {(): (ag, torch), ("Tensor",): (ag.Tensor, torch.Tensor), ("F",): (our_F, torch_F),
                        ("nn",): (nn, torch.nn), ("nn", "utils"): (nn.utils, torch.nn.utils),
                        ("optim",): (optim, torch.optim), ("linalg",): (ag.linalg, torch.linalg)}[tuple(owner)]
        assert hasattr(theirs, attr), f"README calls {name} missing, but PyTorch has no such name either"
        assert not hasattr(ours, attr) and (owner or not hasattr(ag.Tensor, attr)), \
            f"{name} exists now: take it off README's 'Not provided yet' list"


# ------------------------------------------------------------------------------------------------ what a node keeps


def test_no_node_keeps_an_input_or_its_output_outside_save_for_backward():
    """What a node's backward reads of its inputs or its output must go through save_for_backward, whose version
    check refuses once either was changed in place; an array sharing their memory kept on the node otherwise
    (``ctx.xhat = ...``) is read changed, silently. Every row is evaluated here under a watcher that looks at each
    node's own fields. (Two such nodes were found by this check, by hand, before it became a test: the norms without
    affine weights returned the normalised input they kept, so an in-place ReLU after InstanceNorm2d changed it,
    and ctc_loss kept its per-element losses, the output, beside the saved log-probabilities.)"""
    found = {}

    def look(node, output, inputs, params):
        saved = node._saved if isinstance(getattr(node, "_saved", None), tuple) else ()
        mine = [("its output", getattr(output, "_data", None))] + [
            (f"input {i}", getattr(x, "_data", None)) for i, x in enumerate(inputs)]
        for field, value in (getattr(node, "__dict__", None) or {}).items():
            for kept in value if isinstance(value, (tuple, list)) else (value,):
                if not isinstance(kept, np.ndarray) or not kept.size or any(kept is s for s in saved):
                    continue
                for what, array in mine:
                    if isinstance(array, np.ndarray) and array.size and np.shares_memory(kept, array):
                        found.setdefault(f"{type(node).__name__}.{field} shares {what}", row.expr)

    for row in ROWS:
        if row.raises:
            continue
        with watch_ops(look):
            try:
                _evaluate(ag, our_F, row.expr, _names(row.expr))
            except Exception:  # noqa: BLE001  (a row refused here is test_expression_same_as_pytorch's to judge)
                pass
    assert not found, found
