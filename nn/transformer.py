"""Attention layers: MultiheadAttention, the Transformer's encoder and decoder layers and stacks, Transformer.

Parameters carry PyTorch's names and shapes, so ``load_state_dict(torch_model.state_dict())``
ports a model (the numbers come out the same with dropout 0 or in eval mode):

    MultiheadAttention    in_proj_weight (3E, E) [or q/k/v_proj_weight when kdim/vdim differ],
                          in_proj_bias (3E,), bias_k/bias_v (1, 1, E), out_proj (Linear E -> E)
    TransformerEncoderLayer  self_attn, linear1, linear2, norm1, norm2 (+ dropouts)
    TransformerDecoderLayer  self_attn, multihead_attn (over memory), linear1, linear2, norm1..norm3
    TransformerEncoder / TransformerDecoder    layers.0 ... layers.{n-1} (copies of one layer), norm
    Transformer           encoder (TransformerEncoder, norm a LayerNorm), decoder (likewise)

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


def _activation(activation, layer):
    """The feed-forward block's activation: "relu", "gelu" (PyTorch's legacy strings) or a callable."""
    if isinstance(activation, str):
        if activation not in ("relu", "gelu"):
            raise ArgumentError(f"{layer}: activation should be relu/gelu, not {activation}")
        return F.relu if activation == "relu" else F.gelu
    return activation


class _TransformerLayer(Module):
    """What TransformerEncoderLayer and TransformerDecoderLayer share. One block per attention named
    in ``attentions`` (self_attn; the decoder adds multihead_attn over the encoder's output), then the
    feed-forward block linear2(dropout(activation(linear1(x)))); each block k has its LayerNorm normk
    and its Dropout dropoutk on its output, and a residual connection:
        post-norm (default)   x = normk(x + block(x))
        norm_first            x = x + block(normk(x))
    Submodules are made in PyTorch's order, so state_dict keys and reprs come out as PyTorch's."""

    def __init__(self, attentions, d_model, nhead, dim_feedforward, dropout, activation, layer_norm_eps,
                 batch_first, norm_first, bias, device, dtype):
        super().__init__()
        layer = type(self).__name__
        if (not isinstance(d_model, numbers.Integral) or not isinstance(nhead, numbers.Integral) or nhead <= 0
                or d_model % nhead):
            raise ArgumentError(f"{layer}: d_model must be divisible by nhead (each head attends over d_model / "
                                f"nhead features), got d_model={d_model}, nhead={nhead}")
        for name in attentions:
            setattr(self, name, MultiheadAttention(d_model, nhead, dropout=dropout, bias=bias,
                                                   batch_first=batch_first, dtype=dtype))
        self.linear1 = Linear(d_model, dim_feedforward, bias=bias, dtype=dtype)
        self.dropout = Dropout(dropout)
        self.linear2 = Linear(dim_feedforward, d_model, bias=bias, dtype=dtype)
        self.norm_first = norm_first
        blocks = range(1, len(attentions) + 2)
        for k in blocks:
            setattr(self, f"norm{k}", LayerNorm(d_model, eps=layer_norm_eps, bias=bias, dtype=dtype))
        for k in blocks:
            setattr(self, f"dropout{k}", Dropout(dropout))
        self.activation = _activation(activation, layer)
        if device is not None:  # torch's factory keyword: made here, then moved there
            self.to(device)

    def _residual(self, x, norm, block):
        """One block with its residual connection and its LayerNorm (after, or first with norm_first)."""
        return x + block(norm(x)) if self.norm_first else norm(x + block(x))

    def _attention(self, attention, x, memory, attn_mask, key_padding_mask, is_causal):
        """An attention block's attention: x's queries over memory's keys and values (memory is x for
        self-attention). The weights are not asked for, as PyTorch's layers do not."""
        return attention(x, memory, memory, attn_mask=attn_mask, key_padding_mask=key_padding_mask,
                         need_weights=False, is_causal=is_causal)[0]

    def _sa_block(self, x, attn_mask, key_padding_mask, is_causal=False):
        return self.dropout1(self._attention(self.self_attn, x, x, attn_mask, key_padding_mask, is_causal))

    def _feed_forward(self, x):
        return self.linear2(self.dropout(self.activation(self.linear1(x))))

    def _check(self, queries, x, keys, memory, mask_name, mask, padding_name, padding):
        """One attention block's inputs, checked with the names the caller gave them (``queries`` for x,
        ``keys`` for memory, the masks' own names), so an error says which argument is wrong and how."""
        layer, d = type(self).__name__, self.linear1.in_features
        batch_first = self.self_attn.batch_first
        layout = "(N, L, E)" if batch_first else "(L, N, E)"
        for name, t in ((queries, x), (keys, memory)):
            if not isinstance(t, Tensor):
                raise TypeError(f"{layer}: {name} must be a tensor, got {type(t).__name__}")
            if t.ndim not in (2, 3) or t.ndim != x.ndim or t.shape[-1] != d:
                raise ShapeError(f"{layer}: {queries} and {keys} must both be {layout} (batch_first={batch_first}) "
                                 f"or both unbatched (L, E), with E = d_model = {d}; got {queries} "
                                 f"{tuple(x.shape)} and {keys} {tuple(memory.shape)}")
        seq = 1 if batch_first and x.ndim == 3 else 0
        n = None if x.ndim == 2 else x.shape[1 - seq]
        if n is not None and memory.shape[1 - seq] != n:
            raise ShapeError(f"{layer}: {queries} {tuple(x.shape)} and {keys} {tuple(memory.shape)} must have the "
                             f"same batch size (inputs are {layout}, batch_first={batch_first})")
        l, s = x.shape[seq], memory.shape[seq]
        if mask is not None:
            if not isinstance(mask, Tensor):
                raise TypeError(f"{layer}: {mask_name} must be a tensor, got {type(mask).__name__}")
            flat, heads = (l, s), ((n or 1) * self.self_attn.num_heads, l, s)
            if tuple(mask.shape) != {2: flat, 3: heads}.get(mask.ndim):
                raise ShapeError(f"{layer}: the shape of {mask_name} is {tuple(mask.shape)}, but should be {flat} "
                                 f"(2-d: {queries} length, {keys} length) or {heads} (3-d: N * nhead, {queries} "
                                 f"length, {keys} length)")
        if padding is not None:
            if not isinstance(padding, Tensor):
                raise TypeError(f"{layer}: {padding_name} must be a tensor, got {type(padding).__name__}")
            want = (s,) if n is None else (n, s)
            if tuple(padding.shape) != want:
                raise ShapeError(f"{layer}: the shape of {padding_name} is {tuple(padding.shape)}, but should be "
                                 f"{want} ((N, {keys} length); True where a {keys} position is padding)")


class TransformerEncoderLayer(_TransformerLayer):
    """Self-attention then a feed-forward block, each with a residual connection and a LayerNorm:
    post-norm (default) x = norm1(x + sa(x)); x = norm2(x + ff(x)); ``norm_first``:
    x = x + sa(norm1(x)); x = x + ff(norm2(x)). ff(x) = linear2(dropout(activation(linear1(x))))."""

    def __init__(self, d_model, nhead, dim_feedforward=2048, dropout=0.1, activation=F.relu, layer_norm_eps=1e-5,
                 batch_first=False, norm_first=False, bias=True, device=None, dtype=None):
        super().__init__(("self_attn",), d_model, nhead, dim_feedforward, dropout, activation, layer_norm_eps,
                         batch_first, norm_first, bias, device, dtype)

    def forward(self, src, src_mask=None, src_key_padding_mask=None, is_causal=False):
        self._check("src", src, "src", src, "src_mask", src_mask, "src_key_padding_mask", src_key_padding_mask)
        x = self._residual(src, self.norm1, lambda h: self._sa_block(h, src_mask, src_key_padding_mask, is_causal))
        return self._residual(x, self.norm2, self._ff_block)

    def _ff_block(self, x):
        return self.dropout2(self._feed_forward(x))


class TransformerDecoderLayer(_TransformerLayer):
    """Self-attention over the target, attention over the encoder's output (``memory``), then a
    feed-forward block; each with a residual connection and a LayerNorm (PyTorch's forward):
        post-norm (default)  x = norm1(x + sa(x));  x = norm2(x + mha(x, memory));  x = norm3(x + ff(x))
        norm_first           x = x + sa(norm1(x));  x = x + mha(norm2(x), memory);  x = x + ff(norm3(x))
    tgt_mask / tgt_key_padding_mask mask the self-attention (a causal tgt_mask keeps each position
    from seeing later ones), memory_mask / memory_key_padding_mask the attention over memory."""

    def __init__(self, d_model, nhead, dim_feedforward=2048, dropout=0.1, activation=F.relu, layer_norm_eps=1e-5,
                 batch_first=False, norm_first=False, bias=True, device=None, dtype=None):
        super().__init__(("self_attn", "multihead_attn"), d_model, nhead, dim_feedforward, dropout, activation,
                         layer_norm_eps, batch_first, norm_first, bias, device, dtype)

    def forward(self, tgt, memory, tgt_mask=None, memory_mask=None, tgt_key_padding_mask=None,
                memory_key_padding_mask=None, tgt_is_causal=False, memory_is_causal=False):
        self._check("tgt", tgt, "tgt", tgt, "tgt_mask", tgt_mask, "tgt_key_padding_mask", tgt_key_padding_mask)
        self._check("tgt", tgt, "memory", memory, "memory_mask", memory_mask, "memory_key_padding_mask",
                    memory_key_padding_mask)
        x = self._residual(tgt, self.norm1,
                           lambda h: self._sa_block(h, tgt_mask, tgt_key_padding_mask, tgt_is_causal))
        x = self._residual(x, self.norm2,
                           lambda h: self._mha_block(h, memory, memory_mask, memory_key_padding_mask,
                                                     memory_is_causal))
        return self._residual(x, self.norm3, self._ff_block)

    def _mha_block(self, x, mem, attn_mask, key_padding_mask, is_causal=False):
        return self.dropout2(self._attention(self.multihead_attn, x, mem, attn_mask, key_padding_mask, is_causal))

    def _ff_block(self, x):
        return self.dropout3(self._feed_forward(x))


def _is_causal_mask(mask, size):
    """Is ``mask`` PyTorch's square causal mask (-inf above the diagonal, or True there)?"""
    if mask is None or tuple(mask.shape) != (size, size):
        return False
    above = ag.ones(size, size, dtype=ag.bool, device=mask.device).triu(1)
    if mask.dtype.kind == "b":
        return bool((mask == above).all())
    causal = ag.zeros(size, size, dtype=mask.dtype, device=mask.device).masked_fill(above, -math.inf)
    return bool((mask == causal).all())


def _detect_is_causal(mask, is_causal, x, layers):
    """PyTorch's hint: ``is_causal`` as given, or (None) whether ``mask`` is the causal mask of x's length."""
    if is_causal is not None:
        return is_causal
    batch_first = layers[0].self_attn.batch_first if len(layers) else False
    return _is_causal_mask(mask, x.shape[1] if batch_first and x.ndim == 3 else x.shape[0])


def _clones(layer, num_layers, stack):
    """``num_layers`` deep copies of ``layer``, each with its own weights (PyTorch's _get_clones)."""
    if not isinstance(num_layers, numbers.Integral) or num_layers < 0:
        raise ValueError(f"{stack}: num_layers must be a non-negative int, got {num_layers!r}")
    return ModuleList([copy.deepcopy(layer) for _ in range(num_layers)])


class TransformerEncoder(Module):
    """``num_layers`` copies of ``encoder_layer`` (each with its own weights), then ``norm`` if given."""

    def __init__(self, encoder_layer, num_layers, norm=None, enable_nested_tensor=True, mask_check=True):
        super().__init__()
        self.layers = _clones(encoder_layer, num_layers, "TransformerEncoder")
        self.num_layers, self.norm = num_layers, norm
        self.enable_nested_tensor, self.mask_check = enable_nested_tensor, mask_check

    def forward(self, src, mask=None, src_key_padding_mask=None, is_causal=None):
        is_causal = _detect_is_causal(mask, is_causal, src, self.layers)
        output = src
        for layer in self.layers:
            output = layer(output, src_mask=mask, is_causal=is_causal, src_key_padding_mask=src_key_padding_mask)
        return output if self.norm is None else self.norm(output)


class TransformerDecoder(Module):
    """``num_layers`` copies of ``decoder_layer`` (each with its own weights), each one attending over
    the same ``memory`` (the encoder's output), then ``norm`` if given."""

    def __init__(self, decoder_layer, num_layers, norm=None):
        super().__init__()
        self.layers = _clones(decoder_layer, num_layers, "TransformerDecoder")
        self.num_layers, self.norm = num_layers, norm

    def forward(self, tgt, memory, tgt_mask=None, memory_mask=None, tgt_key_padding_mask=None,
                memory_key_padding_mask=None, tgt_is_causal=None, memory_is_causal=False):
        tgt_is_causal = _detect_is_causal(tgt_mask, tgt_is_causal, tgt, self.layers)
        output = tgt
        for layer in self.layers:
            output = layer(output, memory, tgt_mask=tgt_mask, memory_mask=memory_mask,
                           tgt_key_padding_mask=tgt_key_padding_mask,
                           memory_key_padding_mask=memory_key_padding_mask, tgt_is_causal=tgt_is_causal,
                           memory_is_causal=memory_is_causal)
        return output if self.norm is None else self.norm(output)


class Transformer(Module):
    """The encoder-decoder of "Attention Is All You Need": memory = encoder(src), then
    decoder(tgt, memory). Made as PyTorch makes it: ``num_encoder_layers`` TransformerEncoderLayers
    with a final LayerNorm (encoder.norm), ``num_decoder_layers`` TransformerDecoderLayers with a final
    LayerNorm (decoder.norm), or ``custom_encoder`` / ``custom_decoder``; then every parameter with more
    than one dimension re-drawn Xavier-uniform (PyTorch's _reset_parameters)."""

    def __init__(self, d_model=512, nhead=8, num_encoder_layers=6, num_decoder_layers=6, dim_feedforward=2048,
                 dropout=0.1, activation=F.relu, custom_encoder=None, custom_decoder=None, layer_norm_eps=1e-5,
                 batch_first=False, norm_first=False, bias=True, device=None, dtype=None):
        super().__init__()
        layer_args = (d_model, nhead, dim_feedforward, dropout, activation, layer_norm_eps, batch_first, norm_first,
                      bias)
        if custom_encoder is not None:
            self.encoder = custom_encoder
        else:
            self.encoder = TransformerEncoder(TransformerEncoderLayer(*layer_args, dtype=dtype), num_encoder_layers,
                                              LayerNorm(d_model, eps=layer_norm_eps, bias=bias, dtype=dtype))
        if custom_decoder is not None:
            self.decoder = custom_decoder
        else:
            self.decoder = TransformerDecoder(TransformerDecoderLayer(*layer_args, dtype=dtype), num_decoder_layers,
                                              LayerNorm(d_model, eps=layer_norm_eps, bias=bias, dtype=dtype))
        self._reset_parameters()
        self.d_model, self.nhead, self.batch_first = d_model, nhead, batch_first
        if device is not None:  # torch's factory keyword: made here, then moved there
            self.to(device)

    def _reset_parameters(self):
        """PyTorch's init: every weight matrix (dim > 1) Xavier-uniform; biases and norms as made."""
        for p in self.parameters():
            if p.ndim > 1:
                init.xavier_uniform_(p)

    def forward(self, src, tgt, src_mask=None, tgt_mask=None, memory_mask=None, src_key_padding_mask=None,
                tgt_key_padding_mask=None, memory_key_padding_mask=None, src_is_causal=None, tgt_is_causal=None,
                memory_is_causal=False):
        """memory = encoder(src, src_mask, src_key_padding_mask); out = decoder(tgt, memory, tgt_mask,
        memory_mask, tgt_key_padding_mask, memory_key_padding_mask): (T, N, E) ((N, T, E) batch_first)."""
        for name, t in (("src", src), ("tgt", tgt)):
            if not isinstance(t, Tensor):
                raise TypeError(f"Transformer: {name} must be a tensor, got {type(t).__name__}")
        batch = 0 if self.batch_first else 1
        if src.ndim == 3 and (tgt.ndim != 3 or src.shape[batch] != tgt.shape[batch]):
            raise ShapeError(f"Transformer: the batch number of src and tgt must be equal, got src "
                             f"{tuple(src.shape)} and tgt {tuple(tgt.shape)} (batch on dim {batch}: "
                             f"batch_first={self.batch_first})")
        if src.shape[-1] != self.d_model or tgt.shape[-1] != self.d_model:
            raise ShapeError(f"Transformer: the feature number of src and tgt must be equal to d_model="
                             f"{self.d_model}, got src {tuple(src.shape)} and tgt {tuple(tgt.shape)}")
        memory = self.encoder(src, mask=src_mask, src_key_padding_mask=src_key_padding_mask, is_causal=src_is_causal)
        return self.decoder(tgt, memory, tgt_mask=tgt_mask, memory_mask=memory_mask,
                            tgt_key_padding_mask=tgt_key_padding_mask,
                            memory_key_padding_mask=memory_key_padding_mask, tgt_is_causal=tgt_is_causal,
                            memory_is_causal=memory_is_causal)

    @staticmethod
    def generate_square_subsequent_mask(sz, device=None, dtype=None):
        """The causal mask: -inf above the diagonal (position i may not see j > i), 0 elsewhere."""
        return ag.full((sz, sz), -math.inf, dtype=dtype, device=device).triu(1)
