"""Embedding and EmbeddingBag: a lookup table of learnable rows, weight (num_embeddings, embedding_dim) ~ N(0, 1)."""
from autograd.backend import by_input, host

import autograd as ag
from autograd import Tensor, no_grad

from . import functional as F
from . import init
from .module import Module
from .parameter import Parameter


class Embedding(Module):
    """``Embedding(num_embeddings, embedding_dim, padding_idx=None)``: integer indices (*) -> (*, dim).

    Gradients of repeated indices add up; the padding_idx row starts at zero and gets no gradient.
    ``sparse=True``: the weight's gradient is a sparse COO tensor (the rows picked), as PyTorch's, for
    optim.SparseAdam, optim.SGD (with or without momentum) or optim.Adagrad (Adam and most others refuse it,
    as PyTorch's do).
    """

    def __init__(self, num_embeddings, embedding_dim, padding_idx=None, max_norm=None, norm_type=2.0,
                 scale_grad_by_freq=False, sparse=False, _weight=None, _freeze=False, device=None, dtype=None):
        super().__init__()
        for what, v in (("num_embeddings", num_embeddings), ("embedding_dim", embedding_dim)):
            if not isinstance(v, (int, host.integer)) or isinstance(v, bool) or v <= 0:
                raise ValueError(f"Embedding: {what} must be a positive int, got {v!r}")
        if padding_idx is not None:
            if not -num_embeddings <= padding_idx < num_embeddings:
                raise ValueError(f"Embedding: padding_idx ({padding_idx}) must be within num_embeddings "
                                 f"({num_embeddings})")
            padding_idx = padding_idx % num_embeddings
        self.num_embeddings, self.embedding_dim = int(num_embeddings), int(embedding_dim)
        self.padding_idx, self.max_norm, self.norm_type = padding_idx, max_norm, norm_type
        self.scale_grad_by_freq, self.sparse = scale_grad_by_freq, sparse
        if _weight is None:
            data = ag.empty(num_embeddings, embedding_dim, dtype=dtype or ag.get_default_dtype())
            self.weight = Parameter(data, requires_grad=not _freeze)
            self.reset_parameters()
        else:
            weight = _weight if isinstance(_weight, Tensor) else ag.from_numpy(by_input.asarray(_weight))
            if weight.shape != (num_embeddings, embedding_dim):
                raise ValueError(f"Embedding: _weight has shape {weight.shape}; expected "
                                 f"({num_embeddings}, {embedding_dim})")
            self.weight = Parameter(weight, requires_grad=not _freeze)
        if device is not None:  # torch's factory keyword: made here, then moved there
            self.to(device)

    def reset_parameters(self):
        init.normal_(self.weight)
        if self.padding_idx is not None:
            with no_grad():
                self.weight[self.padding_idx] = 0

    @classmethod
    def from_pretrained(cls, embeddings, freeze=True, padding_idx=None, max_norm=None, norm_type=2.0,
                        scale_grad_by_freq=False, sparse=False):
        """An Embedding whose weight is ``embeddings`` (2-d); frozen (no grad) unless freeze=False."""
        if embeddings.ndim != 2:
            raise ValueError(f"Embedding.from_pretrained: embeddings must be 2-d, got shape {tuple(embeddings.shape)}")
        rows, dim = embeddings.shape
        return cls(rows, dim, padding_idx, max_norm, norm_type, scale_grad_by_freq, sparse,
                   _weight=embeddings, _freeze=freeze)

    def forward(self, input):
        return F.embedding(input, self.weight, self.padding_idx, self.max_norm, self.norm_type,
                           self.scale_grad_by_freq, self.sparse)

    def extra_repr(self):
        s = f"{self.num_embeddings}, {self.embedding_dim}"
        if self.padding_idx is not None:
            s += f", padding_idx={self.padding_idx}"
        if self.max_norm is not None:
            s += f", max_norm={self.max_norm}"
        if self.scale_grad_by_freq:
            s += f", scale_grad_by_freq={self.scale_grad_by_freq}"
        if self.sparse:
            s += ", sparse=True"
        return s


class EmbeddingBag(Embedding):
    """``EmbeddingBag(num_embeddings, embedding_dim, mode='mean')``: each bag of indices -> the sum,
    mean or max of its rows (see ``F.embedding_bag``); forward(input, offsets=None,
    per_sample_weights=None). The same weight as Embedding (N(0, 1), the padding_idx row zero). ``sparse=True``
    (modes sum and mean; max refuses it at forward, as PyTorch): the weight's gradient is sparse, as PyTorch's."""

    def __init__(self, num_embeddings, embedding_dim, max_norm=None, norm_type=2.0, scale_grad_by_freq=False,
                 mode="mean", sparse=False, _weight=None, include_last_offset=False, padding_idx=None,
                 device=None, dtype=None):
        if mode not in ("sum", "mean", "max"):
            raise ValueError(f"EmbeddingBag: mode has to be one of sum, mean or max, got {mode!r}")
        super().__init__(num_embeddings, embedding_dim, padding_idx, max_norm, norm_type, scale_grad_by_freq,
                         sparse, _weight, device=device, dtype=dtype)
        self.mode, self.include_last_offset = mode, include_last_offset

    @classmethod
    def from_pretrained(cls, embeddings, freeze=True, max_norm=None, norm_type=2.0, scale_grad_by_freq=False,
                        mode="mean", sparse=False, include_last_offset=False, padding_idx=None):
        if embeddings.ndim != 2:
            raise ValueError(f"EmbeddingBag.from_pretrained: embeddings must be 2-d, got shape "
                             f"{tuple(embeddings.shape)}")
        bag = cls(embeddings.shape[0], embeddings.shape[1], max_norm, norm_type, scale_grad_by_freq, mode, sparse,
                  embeddings, include_last_offset, padding_idx)
        bag.weight.requires_grad_(not freeze)
        return bag

    def forward(self, input, offsets=None, per_sample_weights=None):
        return F.embedding_bag(input, self.weight, offsets, self.max_norm, self.norm_type, self.scale_grad_by_freq,
                               self.mode, self.sparse, per_sample_weights, self.include_last_offset,
                               self.padding_idx)

    def extra_repr(self):
        s = f"{self.num_embeddings}, {self.embedding_dim}"
        if self.max_norm is not None:
            s += f", max_norm={self.max_norm}"
        s += f", mode='{self.mode}'"
        if self.padding_idx is not None:
            s += f", padding_idx={self.padding_idx}"
        return s
