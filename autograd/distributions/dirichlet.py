"""Dirichlet(concentration): distributions over the simplex, density prop. to prod x_i^(a_i - 1).

    log p(x) = sum (a_i - 1) log x_i + lgamma(sum a_i) - sum lgamma(a_i)
    sample   = G / sum G,  G_i ~ Gamma(a_i, 1)   (Marsaglia and Tsang's method on ag's generator)

rsample is not provided: PyTorch's reparameterized gradient (its C++ _dirichlet_grad) is not
implemented here, so rsample raises instead of giving a gradient that is not PyTorch's.
"""
from .. import creation, graph
from ..backend import host
from ..random import get_rng
from ..tensor import Size
from . import constraints
from .distribution import Distribution
from .. import digamma, lgamma  # (the registered ops)


def standard_gamma(alpha):
    """Gamma(alpha, 1) draws (float64 numpy) for an array of alpha > 0: Marsaglia and Tsang's
    squeeze for alpha >= 1, and G(alpha) = G(alpha + 1) U^(1/alpha) below 1; all from ag's generator."""
    rng = get_rng()
    alpha = host.asarray(alpha, dtype=host.float64)
    boost = alpha < 1
    a = host.where(boost, alpha + 1, alpha)
    d = a - 1 / 3
    c = 1 / host.sqrt(9 * d)
    out = host.empty_like(a)
    todo = host.ones(a.shape, dtype=bool)
    while todo.any():  # each round draws for the draws not yet accepted (about 2-5% are rejected)
        n = int(todo.sum())
        z, u = rng.standard_normal(n), rng.random(n)
        v = (1 + c[todo] * z) ** 3
        with host.errstate(invalid="ignore", divide="ignore"):
            accept = (v > 0) & (host.log(u) < 0.5 * z * z + d[todo] - d[todo] * v + d[todo] * host.log(v))
        where = host.flatnonzero(todo)[accept]
        out.flat[where] = (d[todo] * v)[accept]
        todo.flat[where] = False
    if boost.any():
        out = host.where(boost, out * rng.random(a.shape) ** (1 / host.where(boost, alpha, 1.0)), out)
    return out


class Dirichlet(Distribution):
    """A batch of Dirichlet distributions; ``concentration`` (..., K) > 0."""

    arg_constraints = {"concentration": constraints.independent(constraints.positive, 1)}
    support = constraints.simplex
    has_rsample = False

    def __init__(self, concentration, validate_args=None):
        if concentration.dim() < 1:
            raise ValueError("`concentration` parameter must be at least one-dimensional.")
        self.concentration = concentration
        super().__init__(concentration.shape[:-1], concentration.shape[-1:], validate_args=validate_args)

    def expand(self, batch_shape, _instance=None):
        batch_shape = Size(batch_shape)
        return self._expanded(Dirichlet, batch_shape, _instance,
                              concentration=self.concentration.expand(batch_shape + self.event_shape))

    def sample(self, sample_shape=()):
        shape = tuple(self._extended_shape(sample_shape))
        with graph.no_grad():
            alpha = host.broadcast_to(self.concentration.numpy(force=True).astype(host.float64), shape)
            g = standard_gamma(alpha)
            x = g / g.sum(-1, keepdims=True)
            tiny = host.finfo(self.concentration.dtype).tiny  # PyTorch clamps its samples into the open simplex
            x = host.clip(x, tiny, 1 - host.finfo(self.concentration.dtype).eps)
            return creation.tensor(x, dtype=self.concentration.dtype, device=self.concentration.device)

    def rsample(self, sample_shape=()):
        raise NotImplementedError(f"{type(self).__name__}.rsample: the reparameterized gradient (PyTorch's "
                                  "_dirichlet_grad) is not implemented in seegrad; sample() draws without one")

    def log_prob(self, value):
        if self._validate_args:
            self._validate_sample(value)
        a = self.concentration
        return (a - 1.0).xlogy(value).sum(-1) + lgamma(a.sum(-1)) - lgamma(a).sum(-1)

    @property
    def mean(self):
        return self.concentration / self.concentration.sum(-1, keepdim=True)

    @property
    def mode(self):
        cm1 = (self.concentration - 1).clamp(min=0.0)
        with host.errstate(invalid="ignore"):  # every a_i <= 1: 0/0, nan, as PyTorch's
            mode = cm1 / cm1.sum(-1, keepdim=True)
        mask = (self.concentration < 1).all(-1)
        if bool(mask.any()):  # every a_i < 1: a corner, the first largest coordinate (nan: the first)
            k = self.concentration.shape[-1]
            corner = creation.eye(k, dtype=mode.dtype, device=mode.device)[mode[mask].argmax(-1)]
            mode[mask] = corner
        return mode

    @property
    def variance(self):
        con0 = self.concentration.sum(-1, keepdim=True)
        return self.concentration * (con0 - self.concentration) / (con0.pow(2) * (con0 + 1))

    def entropy(self):
        a = self.concentration
        k = a.shape[-1]
        a0 = a.sum(-1)
        return lgamma(a).sum(-1) - lgamma(a0) - (k - a0) * digamma(a0) - ((a - 1.0) * digamma(a)).sum(-1)
