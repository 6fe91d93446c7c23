"""Attention layers: MultiheadAttention, TransformerEncoderLayer, TransformerEncoder.

Parameters carry PyTorch's names and shapes, so ``load_state_dict(torch_model.state_dict())``
ports a model (the numbers come out the same with dropout 0 or in eval mode):

    MultiheadAttention    in_proj_weight (3E, E) [or q/k/v_proj_weight when kdim/vdim differ],
                          in_proj_bias (3E,), bias_k/bias_v (1, 1, E), out_proj (Linear E -> E)
    TransformerEncoderLayer  self_attn, linear1, linear2, norm1, norm2 (+ dropouts)
    TransformerEncoder    layers.0 ... layers.{n-1} (copies of one layer), norm

Multi-head attention, step by step (PyTorch's F.multi_head_attention_forward):
  1. project: q = query Wq^T + bq, k = key Wk^T + bk, v = value Wv^T + bv    # (L, N, E), (S, N, E)
  2. add_bias_kv: one more key and value (bias_k, bias_v); add_zero_attn: one more of zeros
  3. split the heads: (N, H, L, E/H)
  4. masks: a bool mask is True where a query may NOT attend (the opposite of
     F.scaled_dot_product_attention's); both masks become one float mask of 0 / -inf
  5. attend: softmax(q k^T / sqrt(E/H) + mask) v, with F.scaled_dot_product_attention when the
     weights are not asked for (``need_weights=False``, as TransformerEncoderLayer asks)
  6. join the heads and project: out_proj                                  # (L, N, E)
"""
import copy
import math
import numbers

from autograd.backend import host

import autograd as ag
from autograd import ShapeError, Tensor
from autograd.ops.args import ArgumentError

from . import functional as F
from . import init
from .container import ModuleList
from .layers import Dropout, Linear
from .module import Module
from .normalization import LayerNorm
from .parameter import Parameter


class NonDynamicallyQuantizableLinear(Linear):
    """MultiheadAttention's out_proj: a Linear under PyTorch's name for it (so that reprs match)."""


def _canonical_mask(mask, name, dtype):
    """A bool mask (True: masked out) -> a float mask of 0 and -inf; a float mask stays as it is."""
    if mask is None:
        return None
    if not isinstance(mask, Tensor):
        raise TypeError(f"MultiheadAttention: {name} must be a tensor, got {type(mask).__name__}")
    if mask.dtype.kind == "b":
        return ag.zeros(mask.shape, dtype=dtype, device=mask.device).masked_fill(mask, -math.inf)
    if mask.dtype.kind != "f":
        raise ArgumentError(f"MultiheadAttention: only bool and floating types of {name} are supported, got "
                            f"{mask.dtype}")
    return mask


class MultiheadAttention(Module):
    """Attention from ``num_heads`` heads of size embed_dim / num_heads, each over its own slice of
    the projected queries, keys and values; the heads' outputs joined and projected (out_proj).

    Inputs (L, N, E) (``batch_first``: (N, L, E); unbatched: (L, E)). forward returns (output,
    weights): the attention weights averaged over the heads (N, L, S), per head (N, H, L, S) with
    ``average_attn_weights=False``, or None with ``need_weights=False``."""

    def __init__(self, embed_dim, num_heads, dropout=0.0, bias=True, add_bias_kv=False, add_zero_attn=False,
                 kdim=None, vdim=None, batch_first=False, device=None, dtype=None):
        super().__init__()
        if embed_dim <= 0 or num_heads <= 0:
            raise ValueError(f"MultiheadAttention: embed_dim and num_heads must be greater than 0, got "
                             f"embed_dim={embed_dim} and num_heads={num_heads} instead")
        if embed_dim % num_heads:
            raise ArgumentError(f"MultiheadAttention: embed_dim must be divisible by num_heads (embed_dim="
                                f"{embed_dim}, num_heads={num_heads})")
        dtype = host.dtype(dtype or ag.get_default_dtype())
        self.embed_dim, self.num_heads, self.dropout, self.batch_first = embed_dim, num_heads, dropout, batch_first
        self.kdim = kdim if kdim is not None else embed_dim
        self.vdim = vdim if vdim is not None else embed_dim
        self._qkv_same_embed_dim = self.kdim == embed_dim and self.vdim == embed_dim
        self.head_dim = embed_dim // num_heads
        if self._qkv_same_embed_dim:
            self.in_proj_weight = Parameter(ag.empty(3 * embed_dim, embed_dim, dtype=dtype))
            for name in ("q_proj_weight", "k_proj_weight", "v_proj_weight"):
                self.register_parameter(name, None)
        else:
            self.q_proj_weight = Parameter(ag.empty(embed_dim, embed_dim, dtype=dtype))
            self.k_proj_weight = Parameter(ag.empty(embed_dim, self.kdim, dtype=dtype))
            self.v_proj_weight = Parameter(ag.empty(embed_dim, self.vdim, dtype=dtype))
            self.register_parameter("in_proj_weight", None)
        if bias:
            self.in_proj_bias = Parameter(ag.empty(3 * embed_dim, dtype=dtype))
        else:
            self.register_parameter("in_proj_bias", None)
        self.out_proj = NonDynamicallyQuantizableLinear(embed_dim, embed_dim, bias=bias, dtype=dtype)
        if add_bias_kv:
            self.bias_k = Parameter(ag.empty(1, 1, embed_dim, dtype=dtype))
            self.bias_v = Parameter(ag.empty(1, 1, embed_dim, dtype=dtype))
        else:
            self.bias_k = self.bias_v = None
        self.add_zero_attn = add_zero_attn
        self._reset_parameters()
        if device is not None:  # torch's factory keyword: made here, then moved there
            self.to(device)

    def _reset_parameters(self):
        """PyTorch's init: Xavier-uniform projections, zero biases, Xavier-normal bias_k/bias_v."""
        if self._qkv_same_embed_dim:
            init.xavier_uniform_(self.in_proj_weight)
        else:
            init.xavier_uniform_(self.q_proj_weight)
            init.xavier_uniform_(self.k_proj_weight)
            init.xavier_uniform_(self.v_proj_weight)
        if self.in_proj_bias is not None:
            init.constant_(self.in_proj_bias, 0.0)
            init.constant_(self.out_proj.bias, 0.0)
        if self.bias_k is not None:
            init.xavier_normal_(self.bias_k)
            init.xavier_normal_(self.bias_v)

    def forward(self, query, key, value, key_padding_mask=None, need_weights=True, attn_mask=None,
                average_attn_weights=True, is_causal=False):
        if attn_mask is not None and is_causal:
            pass  # a hint that attn_mask is the causal mask (used below as PyTorch does)
        elif is_causal:
            raise ArgumentError("MultiheadAttention: Need attn_mask if specifying the is_causal hint. You may use "
                                "the Transformer module method `generate_square_subsequent_mask` to create this "
                                "mask.")
        for what, t in (("query", query), ("key", key), ("value", value)):
            if not isinstance(t, Tensor):
                raise TypeError(f"MultiheadAttention: {what} must be a tensor, got {type(t).__name__}")
        batched = query.ndim == 3
        if self.batch_first and batched:  # (N, L, E) -> (L, N, E), keeping which inputs are one tensor
            same_kv, same_qk = key is value, query is key
            query = query.transpose(0, 1)
            key = query if same_qk else key.transpose(0, 1)
            value = key if same_kv else value.transpose(0, 1)
        out, weights = self._attend(query, key, value, key_padding_mask, need_weights, attn_mask,
                                    average_attn_weights, is_causal)
        if self.batch_first and batched:
            out = out.transpose(0, 1)
        return out, weights

    def _project(self, query, key, value):
        """Step 1: q, k, v = the input projections (one matmul for self-attention, as PyTorch)."""
        e, w, b = self.embed_dim, self.in_proj_weight, self.in_proj_bias
        bq, bk, bv = (None,) * 3 if b is None else (b[:e], b[e:2 * e], b[2 * e:])
        if not self._qkv_same_embed_dim:
            return (F.linear(query, self.q_proj_weight, bq), F.linear(key, self.k_proj_weight, bk),
                    F.linear(value, self.v_proj_weight, bv))
        if query is key and key is value:
            q, k, v = F.linear(query, w, b).unflatten(-1, (3, e)).unbind(-2)
            return q, k, v
        if key is value:
            k, v = F.linear(key, w[e:], None if b is None else b[e:]).unflatten(-1, (2, e)).unbind(-2)
            return F.linear(query, w[:e], bq), k, v
        return F.linear(query, w[:e], bq), F.linear(key, w[e:2 * e], bk), F.linear(value, w[2 * e:], bv)

    def _check(self, query, key, value, key_padding_mask, attn_mask):
        """PyTorch's shape checks, with the shapes at fault."""
        if query.ndim not in (2, 3) or key.ndim != query.ndim or value.ndim != query.ndim:
            raise ShapeError(f"MultiheadAttention: query, key and value must all be 3-d (L, N, E) (batch_first: "
                             f"(N, L, E)) or all 2-d (L, E) unbatched, got shapes {tuple(query.shape)}, "
                             f"{tuple(key.shape)} and {tuple(value.shape)}")
        if query.shape[-1] != self.embed_dim:
            raise ShapeError(f"MultiheadAttention: was expecting embedding dimension of {self.embed_dim}, but got "
                             f"{query.shape[-1]}")
        if key.shape[:-1] != value.shape[:-1] or key.shape[-1] != self.kdim or value.shape[-1] != self.vdim:
            raise ShapeError(f"MultiheadAttention: key {tuple(key.shape)} and value {tuple(value.shape)} must have "
                             f"the same (S, N) and last dims kdim={self.kdim}, vdim={self.vdim}")
        if query.ndim == 3 and key.shape[1] != query.shape[1]:
            raise ShapeError(f"MultiheadAttention: query has batch size {query.shape[1]} but key has "
                             f"{key.shape[1]} (inputs are (L, N, E); pass batch_first=True for (N, L, E))")
        n, s = (query.shape[1] if query.ndim == 3 else None), key.shape[0]
        if key_padding_mask is not None:
            want = (n, s) if n is not None else (s,)
            if tuple(key_padding_mask.shape) != want:
                raise ShapeError(f"MultiheadAttention: key_padding_mask must have shape {want} (N, S), got "
                                 f"{tuple(key_padding_mask.shape)}")
        if attn_mask is not None:
            l, heads = query.shape[0], (n or 1) * self.num_heads
            if attn_mask.ndim == 2 and tuple(attn_mask.shape) != (l, s):
                raise ShapeError(f"MultiheadAttention: The shape of the 2D attn_mask is {tuple(attn_mask.shape)}, "
                                 f"but should be {(l, s)}.")
            if attn_mask.ndim == 3 and tuple(attn_mask.shape) != (heads, l, s):
                raise ShapeError(f"MultiheadAttention: The shape of the 3D attn_mask is {tuple(attn_mask.shape)}, "
                                 f"but should be {(heads, l, s)}.")
            if attn_mask.ndim not in (2, 3):
                raise ShapeError(f"MultiheadAttention: attn_mask's dimension {attn_mask.ndim} is not supported "
                                 "(2-d (L, S) or 3-d (N*num_heads, L, S))")

    def _attend(self, query, key, value, key_padding_mask, need_weights, attn_mask, average_attn_weights,
                is_causal):
        """Steps 1-6 on (L, N, E) inputs (or unbatched (L, E))."""
        self._check(query, key, value, key_padding_mask, attn_mask)
        unbatched = query.ndim == 2
        if unbatched:
            query, key, value = query.unsqueeze(1), key.unsqueeze(1), value.unsqueeze(1)
            if key_padding_mask is not None:
                key_padding_mask = key_padding_mask.unsqueeze(0)
        key_padding_mask = _canonical_mask(key_padding_mask, "key_padding_mask", query.dtype)
        if is_causal and key_padding_mask is None and not need_weights:
            attn_mask = None  # the hint: F.scaled_dot_product_attention's own causal mask does the same
        else:
            attn_mask = _canonical_mask(attn_mask, "attn_mask", query.dtype)
            is_causal = False
        if attn_mask is not None and attn_mask.ndim == 2:
            attn_mask = attn_mask.unsqueeze(0)  # (1, L, S)
        l, n, e = query.shape
        h, d = self.num_heads, self.head_dim
        q, k, v = self._project(query, key, value)  # (L, N, E), (S, N, E), (S, N, E)
        if self.bias_k is not None:  # step 2: one more key and value, never masked
            k = ag.cat([k, self.bias_k.expand(1, n, e)])
            v = ag.cat([v, self.bias_v.expand(1, n, e)])
            attn_mask = None if attn_mask is None else F.pad(attn_mask, (0, 1))
            key_padding_mask = None if key_padding_mask is None else F.pad(key_padding_mask, (0, 1))
        q = q.reshape(l, n * h, d).transpose(0, 1)  # (N*H, L, D)
        k = k.reshape(k.shape[0], n * h, d).transpose(0, 1)  # (N*H, S, D)
        v = v.reshape(v.shape[0], n * h, d).transpose(0, 1)
        if self.add_zero_attn:
            k = ag.cat([k, ag.zeros((n * h, 1, d), dtype=k.dtype, device=k.device)], 1)
            v = ag.cat([v, ag.zeros((n * h, 1, d), dtype=v.dtype, device=v.device)], 1)
            attn_mask = None if attn_mask is None else F.pad(attn_mask, (0, 1))
            key_padding_mask = None if key_padding_mask is None else F.pad(key_padding_mask, (0, 1))
        s = k.shape[1]
        if key_padding_mask is not None:  # (N, S) -> (N*H, 1, S), merged into attn_mask
            padding = key_padding_mask.reshape(n, 1, 1, s).expand(n, h, 1, s).reshape(n * h, 1, s)
            attn_mask = padding if attn_mask is None else attn_mask + padding
        dropout_p = self.dropout if self.training else 0.0
        if need_weights:  # step 5 written out, to return the weights (a row masked everywhere gives nan, as torch)
            scores = (q * math.sqrt(1.0 / d)) @ k.transpose(-2, -1)  # (N*H, L, S)
            if attn_mask is not None:
                scores = attn_mask + scores
            weights = F.dropout(F.softmax(scores, dim=-1), p=dropout_p)
            out = (weights @ v).transpose(0, 1).reshape(l * n, e)
            out = self.out_proj(out).reshape(l, n, e)
            weights = weights.reshape(n, h, l, s)
            if average_attn_weights:
                weights = weights.mean(1)
            return (out.squeeze(1), weights.squeeze(0)) if unbatched else (out, weights)
        if attn_mask is not None:
            attn_mask = attn_mask.unsqueeze(0) if attn_mask.shape[0] == 1 else attn_mask.reshape(n, h, -1, s)
        out = F.scaled_dot_product_attention(q.reshape(n, h, l, d), k.reshape(n, h, s, d), v.reshape(n, h, s, d),
                                             attn_mask, dropout_p, is_causal)  # (N, H, L, D)
        out = self.out_proj(out.permute(2, 0, 1, 3).reshape(l * n, e)).reshape(l, n, e)
        return (out.squeeze(1) if unbatched else out), None



def _activation(activation):
    if isinstance(activation, str):
        if activation not in ("relu", "gelu"):
            raise ArgumentError(f"TransformerEncoderLayer: activation should be relu/gelu, not {activation}")
        return F.relu if activation == "relu" else F.gelu
    return activation


class TransformerEncoderLayer(Module):
    """Self-attention then a feed-forward block, each with a residual connection and a LayerNorm:
    post-norm (default) x = norm1(x + sa(x)); x = norm2(x + ff(x)); ``norm_first``:
    x = x + sa(norm1(x)); x = x + ff(norm2(x)). ff(x) = linear2(dropout(activation(linear1(x))))."""

    def __init__(self, d_model, nhead, dim_feedforward=2048, dropout=0.1, activation=F.relu, layer_norm_eps=1e-5,
                 batch_first=False, norm_first=False, bias=True, device=None, dtype=None):
        super().__init__()
        self.self_attn = MultiheadAttention(d_model, nhead, dropout=dropout, bias=bias, batch_first=batch_first,
                                            dtype=dtype)
        self.linear1 = Linear(d_model, dim_feedforward, bias=bias, dtype=dtype)
        self.dropout = Dropout(dropout)
        self.linear2 = Linear(dim_feedforward, d_model, bias=bias, dtype=dtype)
        self.norm_first = norm_first
        self.norm1 = LayerNorm(d_model, eps=layer_norm_eps, bias=bias, dtype=dtype)
        self.norm2 = LayerNorm(d_model, eps=layer_norm_eps, bias=bias, dtype=dtype)
        self.dropout1 = Dropout(dropout)
        self.dropout2 = Dropout(dropout)
        self.activation = _activation(activation)
        if device is not None:  # torch's factory keyword: made here, then moved there
            self.to(device)

    def forward(self, src, src_mask=None, src_key_padding_mask=None, is_causal=False):
        x = src
        if self.norm_first:
            x = x + self._sa_block(self.norm1(x), src_mask, src_key_padding_mask, is_causal)
            x = x + self._ff_block(self.norm2(x))
        else:
            x = self.norm1(x + self._sa_block(x, src_mask, src_key_padding_mask, is_causal))
            x = self.norm2(x + self._ff_block(x))
        return x

    def _sa_block(self, x, attn_mask, key_padding_mask, is_causal):
        x = self.self_attn(x, x, x, attn_mask=attn_mask, key_padding_mask=key_padding_mask, need_weights=False,
                           is_causal=is_causal)[0]
        return self.dropout1(x)

    def _ff_block(self, x):
        return self.dropout2(self.linear2(self.dropout(self.activation(self.linear1(x)))))


def _is_causal_mask(mask, size):
    """Is ``mask`` PyTorch's square causal mask (-inf above the diagonal, or True there)?"""
    if mask is None or tuple(mask.shape) != (size, size):
        return False
    above = ag.ones(size, size, dtype=ag.bool, device=mask.device).triu(1)
    if mask.dtype.kind == "b":
        return bool((mask == above).all())
    causal = ag.zeros(size, size, dtype=mask.dtype, device=mask.device).masked_fill(above, -math.inf)
    return bool((mask == causal).all())


class TransformerEncoder(Module):
    """``num_layers`` copies of ``encoder_layer`` (each with its own weights), then ``norm`` if given."""

    def __init__(self, encoder_layer, num_layers, norm=None, enable_nested_tensor=True, mask_check=True):
        super().__init__()
        if not isinstance(num_layers, numbers.Integral) or num_layers < 0:
            raise ValueError(f"TransformerEncoder: num_layers must be a non-negative int, got {num_layers!r}")
        self.layers = ModuleList([copy.deepcopy(encoder_layer) for _ in range(num_layers)])
        self.num_layers, self.norm = num_layers, norm
        self.enable_nested_tensor, self.mask_check = enable_nested_tensor, mask_check

    def forward(self, src, mask=None, src_key_padding_mask=None, is_causal=None):
        if is_causal is None:  # PyTorch's detection: the hint is given when the mask is the causal one
            batch_first = self.layers[0].self_attn.batch_first if self.num_layers else False
            size = src.shape[1] if batch_first and src.ndim == 3 else src.shape[0]
            is_causal = _is_causal_mask(mask, size)
        output = src
        for layer in self.layers:
            output = layer(output, src_mask=mask, is_causal=is_causal, src_key_padding_mask=src_key_padding_mask)
        return output if self.norm is None else self.norm(output)
