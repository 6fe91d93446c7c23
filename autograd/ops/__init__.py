"""The primitives: one Function per op, forward and backward side by side, each published
by ``register`` on the line under it (function.py). Importing this package fills the op
table ``OPS`` and turns it into Tensor methods, Python operators and Value's methods;
``autograd/functions.py`` turns it into the ``ag.*`` functions.

    math.py       elementwise, matmul, linear          compare.py   comparisons, logic and bits
    elementwise.py trig, hyperbolic, erf, log2...      promote.py   torch's type promotion
    reduce.py     sum, mean, max, softmax...           shape.py     reshape, indexing, cat, casts
    scan.py       cumsum, cumprod, cummax...           layout.py    flip, roll, repeat, tril...
    index.py      gather, scatter, sort, topk...       linalg.py    norms, einsum
    activation.py gelu, step...                        loss.py      cross-entropy, BCE...
    conv.py       convolution, pooling, padding        volume.py    conv3d, 3-d pooling
    norm.py       batch/layer/instance/group norm      attention.py scaled dot-product attention
    embedding.py  embedding lookup                     recurrent.py fused RNN/LSTM/GRU layers
    linalg.py     inverse, det, solve                  special.py   lgamma, digamma, erfinv, sinc...
    stats.py      cov, corrcoef, nanmedian, histc, bernoulli, multinomial...
    unfold.py     F.unfold/F.fold (im2col), Tensor.unfold
    sparse.py     sparse COO tensors: to_sparse, sparse_coo_tensor, sparse @ dense
"""
import types

from ..function import OPS
from ..scalar import Value, method
from ..tensor import Tensor
from . import (  # noqa: F401
    activation, attention, compare, conv, elementwise, embedding, index, layout, linalg, loss, math, norm, promote,
    recurrent, reduce, scan, shape, sparse, special, stats, unfold, volume,
)
from .. import inplace  # noqa: E402  (the in-place twins are made from the table filled above)


def _install():
    """Tensor.<name> (and Value.<name>) for every registered op; a name the class defines
    itself is an error (one place per op)."""
    for op in OPS.values():
        targets = [Tensor] if op.method else []
        if op.scalar:
            targets.append(Value)
        for cls in targets:
            if op.name in cls.__dict__:
                raise RuntimeError(f"op {op.name!r} is registered but {cls.__name__} defines it too")
            if cls is Value:
                setattr(cls, op.name, method(op.fn))  # Value's own node, without Function.apply
            else:
                setattr(cls, op.name, op.fn if op.method is True else op.method)


_install()
inplace.install(Tensor, OPS)  # add_ ... relu_ (every op registered with inplace=True), copy_, t[i] = v, +=

# numpy's function names over Tensors: what backward computes with when create_graph=True
Tensor._graph_xp = types.SimpleNamespace(
    **{name: OPS[name].fn for name in ("exp", "log", "log1p", "sqrt", "abs", "sign", "sin", "cos", "tanh",
                                       "sinh", "cosh", "maximum", "minimum", "where", "broadcast_to",
                                       "isfinite", "flip")},
    transpose=lambda a, axes: a.permute(*axes), concatenate=lambda arrays, axis: OPS["cat"].fn(arrays, axis),
    cumprod=lambda a, axis: OPS["cumprod"].fn(a, axis), ones_like=lambda a: Tensor._make(a._xp.ones_like(a._data)))
