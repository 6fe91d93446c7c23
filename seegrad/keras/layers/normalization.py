"""BatchNormalization over the last (channels) axis, with Keras' momentum, epsilon and statistics; LayerNormalization."""
import numpy as np

import autograd as ag
import nn.functional as F

from .. import initializers, regularizers
from ..utils import not_supported
from .base import Layer
from .core import refuse

__all__ = ["BatchNormalization", "LayerNormalization"]


class BatchNormalization(Layer):
    """out = (x - mean) / sqrt(var + epsilon) * gamma + beta, per channel (the last axis).

    Training (fit, ``trainable``): mean and var of the batch (var = E[x^2] - E[x]^2, not the
    unbiased one), and moving_mean = momentum * moving_mean + (1 - momentum) * mean (the same for
    moving_variance). Otherwise: the moving statistics. Keras' defaults differ from PyTorch's:
    momentum 0.99 (PyTorch's 0.1 weighs the other way), epsilon 1e-3 (PyTorch 1e-5), and the moving
    variance keeps the biased batch variance. gamma and beta are trained; the moving statistics are
    buffers (Keras' non-trainable weights)."""

    _refuses_mask = True  # Keras' takes its moments over the unmasked steps

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


class LayerNormalization(Layer):
    """out = (x - mean) / sqrt(var + epsilon) * gamma + beta, mean and var over ``axis`` (the last) of
    each sample, in training and inference alike. gamma ones, beta zeros (shape of the normalised
    axes); Keras' epsilon 1e-3 (PyTorch's LayerNorm: 1e-5). Over the trailing axes it is
    F.layer_norm (as Keras' torch backend); over others Keras' formula, in its order:
    inv = rsqrt(var + eps) * gamma;  out = x * inv + (beta - mean * inv)."""

    supports_masking = True  # hands a mask on, as Keras'

    def __init__(self, axis=-1, epsilon=1e-3, center=True, scale=True, rms_scaling=False, beta_initializer="zeros",
                 gamma_initializer="ones", beta_regularizer=None, gamma_regularizer=None, beta_constraint=None,
                 gamma_constraint=None, **kwargs):
        super().__init__(**kwargs)
        refuse("LayerNormalization", rms_scaling=rms_scaling, beta_constraint=beta_constraint,
               gamma_constraint=gamma_constraint)
        self.axis = list(axis) if isinstance(axis, (list, tuple)) else axis
        self.epsilon, self.center, self.scale = float(epsilon), bool(center), bool(scale)
        self.beta_initializer = initializers.get(beta_initializer)
        self.gamma_initializer = initializers.get(gamma_initializer)
        self.beta_regularizer = regularizers.get(beta_regularizer)
        self.gamma_regularizer = regularizers.get(gamma_regularizer)

    def _axes(self, ndim):
        axes = self.axis if isinstance(self.axis, list) else [self.axis]
        for axis in axes:
            if axis >= ndim or axis < -ndim:
                raise ValueError(f"Axis {axis} is out of bounds for input shape of rank {ndim}. Received: "
                                 f"axis={self.axis}")
        return sorted(a % ndim for a in axes)

    def build(self, input_shape):
        axes = self._axes(len(input_shape))
        if 0 in axes:
            not_supported("LayerNormalization over the batch axis")
        shape = tuple(input_shape[a] for a in axes)
        if self.scale:
            self.add_weight("gamma", shape, self.gamma_initializer, regularizer=self.gamma_regularizer)
        if self.center:
            self.add_weight("beta", shape, self.beta_initializer, regularizer=self.beta_regularizer)

    def call(self, x, training=False):
        axes = self._axes(x.ndim)
        gamma, beta = (self.gamma if self.scale else None), (self.beta if self.center else None)
        if axes == list(range(x.ndim - len(axes), x.ndim)):  # the trailing axes: as Keras' torch backend
            return F.layer_norm(x, tuple(x.shape[a] for a in axes), gamma, beta, self.epsilon)
        mean = x.mean(tuple(axes), keepdim=True)
        var = ((x - mean) ** 2).mean(tuple(axes), keepdim=True)  # biased, as Keras' moments
        view = [x.shape[a] if a in axes else 1 for a in range(x.ndim)]  # gamma and beta broadcast
        inv = (var + self.epsilon).rsqrt()
        if self.scale:
            inv = inv * self.gamma.reshape(view)
        shift = -mean * inv
        if self.center:
            shift = shift + self.beta.reshape(view)
        return x * inv + shift

    def get_config(self):
        return {**super().get_config(), "axis": self.axis, "epsilon": self.epsilon, "center": self.center,
                "scale": self.scale, "beta_initializer": initializers.serialize(self.beta_initializer),
                "gamma_initializer": initializers.serialize(self.gamma_initializer),
                "beta_regularizer": regularizers.serialize(self.beta_regularizer),
                "gamma_regularizer": regularizers.serialize(self.gamma_regularizer)}
