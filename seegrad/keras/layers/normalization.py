"""BatchNormalization over the last (channels) axis, with Keras' momentum, epsilon and statistics."""
import numpy as np

import autograd as ag

from .. import initializers, regularizers
from ..utils import not_supported
from .base import Layer
from .core import refuse

__all__ = ["BatchNormalization"]


class BatchNormalization(Layer):
    """out = (x - mean) / sqrt(var + epsilon) * gamma + beta, per channel (the last axis).

    Training (fit, ``trainable``): mean and var of the batch (var = E[x^2] - E[x]^2, not the
    unbiased one), and moving_mean = momentum * moving_mean + (1 - momentum) * mean (the same for
    moving_variance). Otherwise: the moving statistics. Keras' defaults differ from PyTorch's:
    momentum 0.99 (PyTorch's 0.1 weighs the other way), epsilon 1e-3 (PyTorch 1e-5), and the moving
    variance keeps the biased batch variance. gamma and beta are trained; the moving statistics are
    buffers (Keras' non-trainable weights)."""

    def __init__(self, axis=-1, momentum=0.99, epsilon=1e-3, center=True, scale=True, beta_initializer="zeros",
                 gamma_initializer="ones", moving_mean_initializer="zeros", moving_variance_initializer="ones",
                 beta_regularizer=None, gamma_regularizer=None, beta_constraint=None, gamma_constraint=None,
                 synchronized=False, renorm=False, **kwargs):
        super().__init__(**kwargs)
        refuse("BatchNormalization", beta_constraint=beta_constraint, gamma_constraint=gamma_constraint,
               synchronized=synchronized, renorm=renorm)
        self.beta_regularizer = regularizers.get(beta_regularizer)
        self.gamma_regularizer = regularizers.get(gamma_regularizer)
        self.axis, self.momentum, self.epsilon = axis, float(momentum), float(epsilon)
        self.center, self.scale = bool(center), bool(scale)
        self.beta_initializer = initializers.get(beta_initializer)
        self.gamma_initializer = initializers.get(gamma_initializer)
        self.moving_mean_initializer = initializers.get(moving_mean_initializer)
        self.moving_variance_initializer = initializers.get(moving_variance_initializer)

    def build(self, input_shape):
        if self.axis not in (-1, len(input_shape) - 1):
            not_supported(f"BatchNormalization(axis={self.axis})", "it normalises the last (channels) axis")
        channels = input_shape[-1]
        if self.scale:
            self.add_weight("gamma", (channels,), self.gamma_initializer, regularizer=self.gamma_regularizer)
        if self.center:
            self.add_weight("beta", (channels,), self.beta_initializer, regularizer=self.beta_regularizer)
        self.add_weight("moving_mean", (channels,), self.moving_mean_initializer, trainable=False)
        self.add_weight("moving_variance", (channels,), self.moving_variance_initializer, trainable=False)

    def call(self, x, training=False):
        if training and self.trainable:
            axes = tuple(range(x.ndim - 1))
            mean = x.mean(axes)  # (C,)
            var = (x * x).mean(axes) - mean * mean  # biased, as Keras' moments
            with ag.no_grad():
                self._update(self.moving_mean, mean, self.momentum)
                self._update(self.moving_variance, var, self.momentum)
        else:
            mean, var = self.moving_mean, self.moving_variance
        factor = (var + self.epsilon).rsqrt()
        if self.scale:
            factor = factor * self.gamma
        out = (x - mean) * factor
        return out + self.beta if self.center else out

    @staticmethod
    def _update(moving, batch, momentum):
        new = moving.numpy() * momentum + batch.detach().numpy() * (1.0 - momentum)
        moving.copy_(ag.from_numpy(new.astype(np.float32)))

    def get_config(self):
        return {**super().get_config(), "axis": self.axis, "momentum": self.momentum, "epsilon": self.epsilon,
                "center": self.center, "scale": self.scale,
                **{k: initializers.serialize(getattr(self, k)) for k in (
                    "beta_initializer", "gamma_initializer", "moving_mean_initializer",
                    "moving_variance_initializer")},
                "beta_regularizer": regularizers.serialize(self.beta_regularizer),
                "gamma_regularizer": regularizers.serialize(self.gamma_regularizer)}
