"""Categorical(probs=None, logits=None): one of K classes, the last dim's probabilities.

    probs are normalised to sum to 1, logits to logsumexp 0 (both kept normalised)
    log p(k) = logits[..., k]
    sample   = the first k with u < cumsum(probs)[k],  u ~ U(0, 1)   (inverse CDF)
"""
import math

from .. import creation, graph
from ..dtypes import float64, int64
from ..tensor import Size
from . import constraints
from .distribution import Distribution
from .utils import finfo, lazy_property, logits_to_probs, probs_to_logits
from ..ops.layout import broadcast_tensors


class Categorical(Distribution):
    """A batch of distributions over {0, ..., K-1}, K = the last dim of ``probs`` or ``logits``."""

    arg_constraints = {"probs": constraints.simplex, "logits": constraints.real_vector}
    has_enumerate_support = True

    def __init__(self, probs=None, logits=None, validate_args=None):
        if (probs is None) == (logits is None):
            raise ValueError("Either `probs` or `logits` must be specified, but not both.")
        if probs is not None:
            if probs.dim() < 1:
                raise ValueError("`probs` parameter must be at least one-dimensional.")
            self.probs = probs / probs.sum(-1, keepdim=True)
        else:
            if logits.dim() < 1:
                raise ValueError("`logits` parameter must be at least one-dimensional.")
            self.logits = logits - logits.logsumexp(dim=-1, keepdim=True)
        self._param = self.probs if probs is not None else self.logits
        self._num_events = self._param.shape[-1]
        super().__init__(self._param.shape[:-1], validate_args=validate_args)

    def expand(self, batch_shape, _instance=None):
        batch_shape = Size(batch_shape)
        param_shape = batch_shape + (self._num_events,)
        params = {k: self.__dict__[k].expand(param_shape) for k in ("probs", "logits") if k in self.__dict__}
        params["_param"] = params["probs" if "probs" in params else "logits"]
        params["_num_events"] = self._num_events
        return self._expanded(Categorical, batch_shape, _instance, **params)

    @constraints.dependent_property(is_discrete=True, event_dim=0)
    def support(self):
        return constraints.integer_interval(0, self._num_events - 1)

    @lazy_property
    def logits(self):
        return probs_to_logits(self.probs)

    @lazy_property
    def probs(self):
        return logits_to_probs(self.logits)

    @property
    def param_shape(self):
        return Size(self._param.shape)

    @property
    def mean(self):
        return creation.full(tuple(self._extended_shape()), math.nan, dtype=self.probs.dtype, device=self.probs.device)

    @property
    def mode(self):
        return self.probs.argmax(-1)

    @property
    def variance(self):
        return self.mean

    def sample(self, sample_shape=()):
        """Inverse CDF: one uniform number per draw, the class whose slice of the cumulative sum it falls in."""
        shape = tuple(self._extended_shape(sample_shape))
        with graph.no_grad():
            probs = self.probs.detach().to(float64)
            cdf = probs.cumsum(-1) / probs.sum(-1, keepdim=True)  # (*batch, K)
            u = creation.rand(shape, dtype=float64, device=self.probs.device).unsqueeze(-1)  # (*sample, *batch, 1)
            return (cdf[..., :-1] <= u).sum(-1).to(int64)  # how many slices end at or below u

    def log_prob(self, value):
        if self._validate_args:
            self._validate_sample(value)
        value = value.long().unsqueeze(-1)
        value, log_pmf = broadcast_tensors(value, self.logits)
        return log_pmf.gather(-1, value[..., :1]).squeeze(-1)

    def entropy(self):
        logits = self.logits.clamp(min=float(finfo(self.logits.dtype).min))
        return -(logits * self.probs).sum(-1)

    def enumerate_support(self, expand=True):
        values = creation.arange(self._num_events, dtype=int64, device=self._param.device)
        values = values.view((-1,) + (1,) * len(self._batch_shape))
        return values.expand((-1,) + self._batch_shape) if expand else values
