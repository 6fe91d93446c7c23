"""Embedding: rows of a weight matrix picked by integer indices; repeated indices add up
their gradients (with ``sparse=True`` the weight's gradient is a sparse COO tensor, as PyTorch's)."""
from ..backend import by_input, get_array_module, host

from ..function import Function, Rule
from ..graph import Variable, no_grad
from ..node_names import leaving_out
from ..tensor import Tensor
from .shape import IndexAdd
from .sparse import SparseTensor


class Embedding(Function):
    """y = weight[indices]; dL/dweight[k] = sum of the gradients of every row that picked k.

    ``sparse``: that gradient as PyTorch's embedding_sparse_backward gives it, a hybrid sparse COO tensor
    (num_embeddings, dim): one entry per index picked (in input order, the padding_idx ones left out,
    uncoalesced: a repeated index appears again, and coalesce() adds its rows up)."""

    rule = Rule("out = weight[indices]", ("d/dweight[k] = sum of G over the rows that picked k",),
                "Each picked row gets the gradient of the outputs it became.", ("weight",))
    next_functions = leaving_out(1)  # (the indices are an argument of PyTorch's node, not an input)

    def forward(ctx, weight, indices, padding_idx=None, sparse=False, max_norm=None, norm_type=2.0,
                scale_grad_by_freq=False):
        # (max_norm, norm_type: the picked rows were already rescaled in place by ``embedding``; they
        # are parameters here so that whoever watches the op, as the ONNX exporter, knows of it)
        ctx.indices, ctx.shape, ctx.padding_idx, ctx.sparse = indices, weight.shape, padding_idx, sparse
        ctx.scale_grad_by_freq = scale_grad_by_freq
        return weight[indices]

    def backward(ctx, grad):
        idx = ctx.indices
        if ctx.scale_grad_by_freq:  # each picked row's gradient times 1 / (how often its index was picked)
            if ctx.sparse:
                raise RuntimeError("embedding_backward: scale_grad_by_freq not supported with sparse gradients")
            counts = get_array_module(idx).bincount(idx.reshape(-1), minlength=ctx.shape[0])
            grad = grad * (1.0 / counts[idx])[..., None].astype(grad.dtype)
        if ctx.sparse:
            return _sparse_gradient(ctx, grad), None
        if ctx.padding_idx is not None:  # the padding row never learns
            grad = grad * (idx != ctx.padding_idx)[..., None]
        if isinstance(grad, Variable):
            return IndexAdd.apply(grad, ctx.shape, (idx,)), None
        out = get_array_module(grad).zeros(ctx.shape, dtype=grad.dtype)
        by_input.add.at(out, idx.reshape(-1), grad.reshape(-1, ctx.shape[1]))
        return out, None


def _sparse_gradient(ctx, grad):
    if isinstance(grad, Variable):
        raise NotImplementedError("embedding: a sparse gradient with backward(create_graph=True) is not "
                                  "implemented; use sparse=False")
    idx, rows = ctx.indices.reshape(-1), grad.reshape(-1, ctx.shape[1])  # (n,), (n, dim)
    if ctx.padding_idx is not None:
        keep = idx != ctx.padding_idx
        idx, rows = idx[keep], rows[keep]
    return SparseTensor(idx.reshape(1, -1).astype(host.int64), Tensor._make(rows.copy()), ctx.shape, False)


def embedding(input, weight, padding_idx=None, max_norm=None, norm_type=2.0, scale_grad_by_freq=False,
              sparse=False):
    """Rows of ``weight`` (num_embeddings, dim) picked by integer ``input`` of any shape -> (*, dim).

    Gradients of repeated indices add up; the ``padding_idx`` row gets no gradient. With ``max_norm``
    the picked rows whose norm exceeds it are rescaled in place first (as PyTorch). ``scale_grad_by_freq``:
    each picked row's gradient is divided by how many times its index appears in ``input``. ``sparse``: the
    weight's gradient is a sparse COO tensor (its rows for the indices picked), for SparseAdam or SGD."""
    if sparse and type(weight._data) is not host.ndarray:
        raise NotImplementedError(f"embedding: sparse=True on {weight.device} is not implemented (sparse tensors "
                                  "are on the CPU here); use sparse=False")
    idx = input._data if isinstance(input, Tensor) else by_input.asarray(input)
    if idx.dtype.kind not in "iu":
        raise TypeError(f"embedding: indices must be integers (int64), got {idx.dtype}; use .long()")
    num = weight.shape[0]
    if idx.size and (idx.min() < 0 or idx.max() >= num):
        bad = idx.min() if idx.min() < 0 else idx.max()
        raise IndexError(f"embedding: index {int(bad)} is out of range for {num} embeddings "
                         f"(valid indices are 0..{num - 1})")
    if padding_idx is not None:
        if not -num <= padding_idx < num:
            raise ValueError(f"embedding: padding_idx {padding_idx} must be within num_embeddings ({num})")
        padding_idx = padding_idx % num
    if max_norm is not None:
        with no_grad():
            rows = by_input.unique(idx)
            w = weight._data
            norms = by_input.linalg.norm(w[rows], ord=norm_type, axis=1)
            scale = by_input.where(norms > max_norm, max_norm / (norms + 1e-7), 1.0).astype(w.dtype)
            w[rows] *= scale[:, None]
            weight._vc[0] += 1
    extra = {} if max_norm is None else dict(max_norm=max_norm, norm_type=norm_type)
    if scale_grad_by_freq:
        extra["scale_grad_by_freq"] = True
    return Embedding.apply(weight, idx, padding_idx=padding_idx, sparse=bool(sparse), **extra)
