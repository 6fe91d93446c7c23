"""Normal(loc, scale): the Gaussian N(loc, scale^2).

    log p(x) = -(x - loc)^2 / (2 scale^2) - log scale - log sqrt(2 pi)
    rsample  = loc + eps * scale,  eps ~ N(0, 1)   (the reparameterization trick: the gradient
                                                    reaches loc and scale through the sample)
"""
import math
import numbers

from ..tensor import Size
from . import constraints
from .distribution import Distribution
from .. import erfinv
from .utils import broadcast_all, standard_normal


class LocationScale(Distribution):
    """What a symmetric location-scale family (Normal, Laplace) shares: ``loc`` and ``scale``
    broadcast together, expand, and a mean and mode at ``loc``."""

    arg_constraints = {"loc": constraints.real, "scale": constraints.positive}
    support = constraints.real
    has_rsample = True

    def __init__(self, loc, scale, validate_args=None):
        self.loc, self.scale = broadcast_all(loc, scale)
        scalars = isinstance(loc, numbers.Number) and isinstance(scale, numbers.Number)
        super().__init__(() if scalars else self.loc.shape, validate_args=validate_args)

    def expand(self, batch_shape, _instance=None):
        batch_shape = Size(batch_shape)
        return self._expanded(type(self), batch_shape, _instance, loc=self.loc.expand(batch_shape),
                              scale=self.scale.expand(batch_shape))

    @property
    def mean(self):
        return self.loc

    @property
    def mode(self):
        return self.loc


class Normal(LocationScale):
    """A batch of Gaussians with means ``loc`` and standard deviations ``scale`` (broadcast together)."""

    @property
    def stddev(self):
        return self.scale

    @property
    def variance(self):
        return self.stddev.pow(2)

    def rsample(self, sample_shape=()):
        eps = standard_normal(self._extended_shape(sample_shape), self.loc)
        return self.loc + eps * self.scale

    def log_prob(self, value):
        if self._validate_args:
            self._validate_sample(value)
        var = self.scale ** 2
        return -((value - self.loc) ** 2) / (2 * var) - self.scale.log() - math.log(math.sqrt(2 * math.pi))

    def cdf(self, value):
        if self._validate_args:
            self._validate_sample(value)
        return 0.5 * (1 + ((value - self.loc) * self.scale.reciprocal() / math.sqrt(2)).erf())

    def icdf(self, value):
        return self.loc + self.scale * erfinv(2 * value - 1) * math.sqrt(2)

    def entropy(self):
        return 0.5 + 0.5 * math.log(2 * math.pi) + self.scale.log()
