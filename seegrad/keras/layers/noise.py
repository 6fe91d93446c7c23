"""Regularising noise, on while training only (fit), the identity otherwise (evaluate, predict):
SpatialDropout1D/2D (whole channels dropped), GaussianNoise (added), GaussianDropout (multiplied).

The draws come from the project's generator (``ag.manual_seed``), or from the layer's own
``ag.Generator`` when it has a ``seed`` (the same sequence each run); they are not Keras' numbers,
only their distribution."""
import math
import numbers

import autograd as ag

from .base import Layer
from .conv import _check_ndim

__all__ = ["SpatialDropout1D", "SpatialDropout2D", "GaussianNoise", "GaussianDropout"]


def _rate(value, what="rate"):
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value <= 1:
        raise ValueError(f"Invalid value received for argument `{what}`. Expected a float value between 0 and 1. "
                         f"Received: {what}={value!r}")
    return float(value)


class _Noise(Layer):
    def __init__(self, seed=None, **kwargs):
        super().__init__(**kwargs)
        if seed is not None and (isinstance(seed, bool) or not isinstance(seed, numbers.Integral)):
            raise ValueError(f"{type(self).__name__}: `seed` must be an integer or None, got {seed!r}")
        self.seed = seed
        self._generator = None if seed is None else ag.Generator().manual_seed(int(seed))

    def _uniform(self, shape):
        return ag.rand(*shape, generator=self._generator)  # U(0, 1), float32

    def _normal(self, shape):
        return ag.randn(*shape, generator=self._generator)  # N(0, 1), float32

    def call(self, x, training=False):
        return self._noisy(x) if training else x

    def get_config(self):
        return {**super().get_config(), "seed": self.seed}


class SpatialDropout1D(_Noise):
    """Dropout of whole channels: each (sample, channel) of (batch, steps, channels) is zeroed with
    probability ``rate`` at every step, the rest scaled by 1/(1-rate)."""

    _dims = 1

    def __init__(self, rate, seed=None, **kwargs):
        super().__init__(seed, **kwargs)
        self.rate = _rate(rate)

    def build(self, input_shape):
        n = self._dims
        _check_ndim(self, input_shape, n + 2, "batch, steps, channels" if n == 1 else "batch, height, width, channels")

    def _noisy(self, x):
        if self.rate == 0:
            return x
        shape = (x.shape[0], *[1] * (x.ndim - 2), x.shape[-1])  # one draw per sample and channel
        keep = (self._uniform(shape) >= self.rate).float()
        return x * (keep * (0.0 if self.rate == 1 else 1.0 / (1.0 - self.rate)))

    def get_config(self):
        return {**super().get_config(), "rate": self.rate}


class SpatialDropout2D(SpatialDropout1D):
    """Dropout of whole feature maps: each (sample, channel) of (batch, h, w, channels) is zeroed
    with probability ``rate`` everywhere in the image, the rest scaled by 1/(1-rate)."""

    _dims = 2

    def __init__(self, rate, data_format=None, seed=None, **kwargs):
        from .conv import _channels_last
        _channels_last(data_format, "SpatialDropout2D")
        super().__init__(rate, seed, **kwargs)


class GaussianNoise(_Noise):
    """x + N(0, stddev^2) noise, a fresh draw for every value of every batch."""

    supports_masking = True  # hands a mask on, as Keras'

    def __init__(self, stddev, seed=None, **kwargs):
        super().__init__(seed, **kwargs)
        self.stddev = float(stddev)

    def _noisy(self, x):
        return x + self._normal(x.shape) * self.stddev

    def get_config(self):
        return {**super().get_config(), "stddev": self.stddev}


class GaussianDropout(_Noise):
    """x * N(1, rate / (1 - rate)) noise: the mean kept, the variance of Dropout(rate)'s mask."""

    supports_masking = True  # hands a mask on, as Keras'

    def __init__(self, rate, seed=None, **kwargs):
        super().__init__(seed, **kwargs)
        self.rate = _rate(rate)
        if self.rate == 1:
            raise ValueError("GaussianDropout(rate=1): the noise's standard deviation sqrt(rate / (1 - rate)) is "
                             "infinite; use a rate below 1")

    def _noisy(self, x):
        if self.rate == 0:
            return x
        return x * (self._normal(x.shape) * math.sqrt(self.rate / (1.0 - self.rate)) + 1.0)

    def get_config(self):
        return {**super().get_config(), "rate": self.rate}
