"""BatchNormalization over the last (channels) axis, with Keras' momentum, epsilon and statistics; LayerNormalization;
Normalization (the preprocessing layer: adapt(data), then (x - mean) / std)."""
import numpy as np

import autograd as ag
import nn.functional as F

from .. import initializers, regularizers
from ..utils import not_supported
from .base import Layer
from .core import refuse

__all__ = ["BatchNormalization", "LayerNormalization", "Normalization"]


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


class Normalization(Layer):
    """Keras' preprocessing Normalization: out = (x - mean) / max(sqrt(variance), 1e-7) for each position of
    ``axis`` (the last; a tuple keeps several; None: one mean and variance over everything), learnt by
    ``adapt(data)`` or given as ``mean=``, ``variance=`` (broadcast over the kept axes, from the right).
    ``invert=True``: mean + x * max(sqrt(variance), 1e-7). Adapted, its weights are ``mean``, ``variance``
    and ``count`` (Keras keeps that one for old saved models; adapt leaves it 0), none trained."""

    supports_masking = True
    _EPSILON = 1e-7  # Keras' backend.epsilon()

    def __init__(self, axis=-1, mean=None, variance=None, invert=False, **kwargs):
        super().__init__(**kwargs)
        self.axis = () if axis is None else (int(axis),) if isinstance(axis, (int, np.integer)) else tuple(axis)
        if (mean is None) != (variance is None):
            raise ValueError(f"When setting values directly, both `mean` and `variance` must be set. Received: "
                             f"mean={mean} and variance={variance}")
        if mean is not None:
            if np.shape(mean) != np.shape(variance):
                raise ValueError(f"When setting values directly, `mean` and `variance` must have the same shape. "
                                 f"Received: mean shape {np.shape(mean)} and variance shape {np.shape(variance)}")
            if np.ndim(mean) > len(self.axis):
                raise ValueError(f"The rank of `mean` must be less than or equal to the number of axes "
                                 f"({len(self.axis)}). Received: mean shape {np.shape(mean)} for axis {self.axis}")
        self.input_mean, self.input_variance, self.invert = mean, variance, bool(invert)
        self._layout = None

    def _axes(self, input_shape):
        """(kept axes, reduced axes, the broadcast shape of mean and variance) for inputs of ``input_shape``."""
        ndim = len(input_shape)
        if any(a < -ndim or a >= ndim for a in self.axis):
            raise ValueError(f"All `axis` values must be in the range [-ndim, ndim). Received inputs with "
                             f"ndim={ndim}, while axis={self.axis}")
        keep = tuple(sorted(a % ndim for a in self.axis))
        if any(input_shape[d] is None for d in keep):
            raise ValueError(f"All `axis` values to be kept must have a known shape. Received axis={self.axis}, "
                             f"inputs.shape={tuple(input_shape)}")
        reduce = tuple(d for d in range(ndim) if d not in keep)
        return keep, reduce, [input_shape[d] if d in keep else 1 for d in range(ndim)]

    def build(self, input_shape):
        keep, reduce, broadcast = self._layout = self._axes(input_shape)
        if self.input_mean is None:
            shape = tuple(input_shape[d] for d in keep)
            self.add_weight("mean", shape, "zeros", trainable=False)
            self.add_weight("variance", shape, "ones", trainable=False)
            self.add_weight("count", (), "zeros", trainable=False)
            return
        constants = []
        for value in (self.input_mean, self.input_variance):
            value = np.asarray(value, dtype=np.float32)
            if value.ndim:  # its dims go to the kept axes from the right
                expanded = [1] * len(input_shape)
                for i in range(1, value.ndim + 1):
                    expanded[keep[-i]] = value.shape[-i]
                value = value.reshape(expanded)
            constants.append(np.ascontiguousarray(np.broadcast_to(value, broadcast)))
        self._constants = constants

    def adapt(self, data):
        """Learn the mean and variance of ``data``: an array (or Tensor), or an iterable of batches (a list
        of arrays, a generator), combined batch by batch as Keras does."""
        batches = None
        if isinstance(data, ag.Tensor):
            data = data.detach().numpy().astype(np.float32)
        if not isinstance(data, np.ndarray):
            if not hasattr(data, "__iter__"):
                raise TypeError(f"Unsupported data type: {type(data)}. `adapt` supports `np.ndarray`, tensors "
                                "and iterables of batches (e.g. list, generator).")
            batches = [np.asarray(b[0] if isinstance(b, tuple) else b) for b in data]
            if not batches:
                raise ValueError("adapt() received an empty iterable (no batches). Expected at least one batch.")
        shape = tuple((batches[0] if batches else data).shape)
        if not self.built:
            self._build(shape)  # (build sets _layout)
        keep, reduce, _ = self._layout
        for b in batches or [data]:
            if any(b.shape[d] != self.input_shape[d] for d in keep if d):
                raise ValueError(f"The layer was built with input_shape={self.input_shape}, but adapt() is being "
                                 f"called with data with an incompatible shape, data.shape={b.shape}")
        if batches is None:  # numpy's moments in the data's dtype, as Keras'
            mean, var = np.mean(data, axis=reduce), np.var(data, axis=reduce)
        else:
            mean = var = np.zeros(tuple(shape[d] for d in keep), np.float32)
            count = 0
            for b in batches:
                b = b.astype(np.float32)
                b_mean, b_var = np.mean(b, axis=reduce), np.var(b, axis=reduce)
                b_count = int(np.prod([b.shape[d] for d in reduce])) if reduce else 1
                count += b_count
                w = np.float32(b_count / count)
                new_mean = mean * (1 - w) + b_mean * w
                var = (var + (mean - new_mean) ** 2) * (1 - w) + (b_var + (b_mean - new_mean) ** 2) * w
                mean = new_mean
        if self.input_mean is not None:
            return
        with ag.no_grad():
            self.mean.copy_(ag.from_numpy(np.asarray(mean, dtype=np.float32).reshape(self.mean.shape)))
            self.variance.copy_(ag.from_numpy(np.asarray(var, dtype=np.float32).reshape(self.variance.shape)))

    def call(self, x, training=False):
        _, _, broadcast = self._layout  # (set by build, which every call runs first)
        if self.input_mean is None:
            mean, var = self.mean.reshape(broadcast), self.variance.reshape(broadcast)
        else:
            mean, var = (ag.from_numpy(c) for c in self._constants)
        scale = var.sqrt().clamp(min=self._EPSILON)
        return mean + x * scale if self.invert else (x - mean) / scale

    def get_config(self):
        return {**super().get_config(), "axis": self.axis, "invert": self.invert,
                "mean": np.array(self.input_mean).tolist(), "variance": np.array(self.input_variance).tolist()}
