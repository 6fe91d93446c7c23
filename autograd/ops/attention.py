"""Scaled dot-product attention, PyTorch's F.scaled_dot_product_attention, written with
matmul, masking and softmax (so its gradient comes for free):

    out = softmax(Q K^T * scale + bias) V          scale = 1 / sqrt(E) by default

``attn_mask`` is a bool mask (True: may attend) or a float bias added to the scores;
``is_causal`` lets position i attend to positions <= i (not both, as PyTorch documents). A
query that may attend to nothing gets zeros (not NaN), as PyTorch 2.13 gives.
"""
import math
import numbers

from ..backend import by_input, get_array_module, host
from ..dtypes import float32

from ..function import ShapeError
from ..random import get_rng
from ..tensor import Tensor
from .args import ArgumentError, broadcast_shape
from .math import Where, matmul
from .promote import DTypeError
from .reduce import softmax


def _checked(query, key, value, attn_mask, dropout_p, is_causal):
    op = "scaled_dot_product_attention"
    if attn_mask is not None and is_causal:
        raise ArgumentError(f"{op}: give attn_mask or is_causal=True, not both (fold the causal mask into "
                            "attn_mask with .tril())")
    for what, t in (("query", query), ("key", key), ("value", value)):
        if not isinstance(t, Tensor):
            raise TypeError(f"{op}: {what} must be a tensor, got {type(t).__name__}")
        if t.ndim < 2:
            raise ShapeError(f"{op}: query, key and value must be at least 2-d (..., L, E), got {what} of "
                             f"shape {tuple(t.shape)}")
    if not query.dtype == key.dtype == value.dtype:
        raise DTypeError(f"{op}: query, key and value must have one dtype, got {query.dtype}, {key.dtype} "
                         f"and {value.dtype}")
    if query.dtype.kind != "f":
        raise DTypeError(f"{op}: expected floating-point tensors, got {query.dtype}")
    if query.shape[-1] != key.shape[-1]:
        raise ShapeError(f"{op}: query's last dim ({query.shape[-1]}) and key's ({key.shape[-1]}) differ")
    if key.shape[-2] != value.shape[-2]:
        raise ShapeError(f"{op}: key has {key.shape[-2]} positions but value has {value.shape[-2]}")
    if attn_mask is not None:
        if not isinstance(attn_mask, Tensor):
            raise TypeError(f"{op}: attn_mask must be a tensor, got {type(attn_mask).__name__}")
        if attn_mask.dtype.kind != "b" and attn_mask.dtype not in (query.dtype, float32):  # (PyTorch's rule)
            raise DTypeError(f"{op}: attn_mask must be bool, float32 or have the query's dtype ({query.dtype}), "
                             f"got {attn_mask.dtype}")
    if not isinstance(dropout_p, numbers.Real) or not 0.0 <= dropout_p <= 1.0:
        raise ArgumentError(f"{op}: dropout probability has to be between 0 and 1, but got {dropout_p}")


def scaled_dot_product_attention(query, key, value, attn_mask=None, dropout_p=0.0, is_causal=False, scale=None,
                                 enable_gqa=False):
    """softmax(Q K^T * scale + mask) V over (..., L, E) queries, (..., S, E) keys, (..., S, Ev) values."""
    _checked(query, key, value, attn_mask, dropout_p, is_causal)
    if enable_gqa and query.ndim >= 3 and key.shape[-3] != query.shape[-3]:  # grouped-query: share key heads
        groups = query.shape[-3] // key.shape[-3]
        key, value = key.repeat_interleave(groups, -3), value.repeat_interleave(groups, -3)
    broadcast_shape("scaled_dot_product_attention", query.shape[:-2], key.shape[:-2], value.shape[:-2])
    L, S = query.shape[-2], key.shape[-2]
    scale = 1.0 / math.sqrt(query.shape[-1]) if scale is None else scale
    scores = matmul(query, key.transpose(-2, -1)) * scale  # (..., L, S)
    allowed = get_array_module(scores._data).tri(L, S, dtype=bool) if is_causal else None
    if attn_mask is not None:
        if attn_mask.dtype.kind == "b":
            allowed = attn_mask._data
        else:
            scores = scores + attn_mask
    if allowed is not None:
        scores = Where.apply(allowed, scores, get_array_module(scores._data).array(-host.inf, dtype=scores.dtype))
    blocked = by_input.isneginf(scores._data.max(axis=-1, keepdims=True))  # rows that may attend to nothing
    if blocked.any():
        scores = Where.apply(blocked, get_array_module(scores._data).zeros((), dtype=scores.dtype), scores)
    weights = softmax(scores, -1)
    if blocked.any():
        weights = Where.apply(blocked, get_array_module(scores._data).zeros((), dtype=scores.dtype), weights)
    if dropout_p > 0:
        keep = get_rng(weights.device).random(weights.shape) >= dropout_p
        weights = weights * Tensor._make((keep / (1.0 - dropout_p) if dropout_p < 1 else keep * 0.0)
                                         .astype(weights.dtype))
    return matmul(weights, value)  # (..., L, Ev)
