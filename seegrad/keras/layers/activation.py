"""The activation layers: ReLU, LeakyReLU, PReLU (a trained slope), ELU, Softmax, with Keras'
arguments and defaults (LeakyReLU's slope is 0.3, PyTorch's 0.01)."""
import warnings

import autograd as ag
import nn.functional as F

from .. import initializers, regularizers
from .base import Layer
from .core import refuse

__all__ = ["ReLU", "LeakyReLU", "PReLU", "ELU", "Softmax"]


def _number(layer, what, value, allow_none=False):
    """A number >= 0, or Keras' error (None allowed where ``allow_none``)."""
    if value is None and allow_none:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
        raise ValueError(f"{what} of a {layer} layer cannot be {'a' if allow_none else 'None or a'} negative value. "
                         f"Received: {what}={value!r}")
    return float(value)


class ReLU(Layer):
    """max(x, 0), or with Keras' options: ``max_value`` clips the top, below ``threshold`` the output
    is ``negative_slope * (x - threshold)`` (Keras' relu, computed in its order)."""

    supports_masking = True  # hands a mask on, as Keras'

    def __init__(self, max_value=None, negative_slope=0.0, threshold=0.0, **kwargs):
        super().__init__(**kwargs)
        self.max_value = _number("ReLU", "max_value", max_value, allow_none=True)
        self.negative_slope = _number("ReLU", "negative_slope", negative_slope)
        self.threshold = _number("ReLU", "threshold", threshold)

    def call(self, x, training=False):
        slope, top, threshold = self.negative_slope, self.max_value, self.threshold
        if slope and top is None and threshold == 0:
            return F.leaky_relu(x, slope)
        negative = F.relu(threshold - x) if slope else None
        y = x * (x > threshold).float() if threshold else F.relu(x)
        if top is not None:
            y = y.clamp(0.0, top)
        return y if negative is None else y - slope * negative

    def get_config(self):
        return {**super().get_config(), "max_value": self.max_value, "negative_slope": self.negative_slope,
                "threshold": self.threshold}


class LeakyReLU(Layer):
    """x for x >= 0, ``negative_slope * x`` below (Keras' default slope 0.3)."""

    supports_masking = True  # hands a mask on, as Keras'

    def __init__(self, negative_slope=0.3, **kwargs):
        if "alpha" in kwargs:
            negative_slope = kwargs.pop("alpha")
            warnings.warn("Argument `alpha` is deprecated. Use `negative_slope` instead.", stacklevel=2)
        super().__init__(**kwargs)
        if negative_slope is None or isinstance(negative_slope, bool) or not isinstance(negative_slope, (int, float)) \
                or negative_slope < 0:
            raise ValueError("The negative_slope value of a Leaky ReLU layer cannot be None or negative value. "
                             f"Expected a float. Received: negative_slope={negative_slope!r}")
        self.negative_slope = float(negative_slope)

    def call(self, x, training=False):
        return F.leaky_relu(x, self.negative_slope)

    def get_config(self):
        return {**super().get_config(), "negative_slope": self.negative_slope}


class PReLU(Layer):
    """x for x >= 0, ``alpha * x`` below, with ``alpha`` trained: one per input value (shape
    input_shape[1:]), shared along ``shared_axes`` (e.g. [1, 2]: one per channel of an image)."""

    supports_masking = True  # hands a mask on, as Keras'

    def __init__(self, alpha_initializer="Zeros", alpha_regularizer=None, alpha_constraint=None, shared_axes=None,
                 **kwargs):
        super().__init__(**kwargs)
        refuse("PReLU", alpha_constraint=alpha_constraint)
        self.alpha_initializer = initializers.get(alpha_initializer)
        self.alpha_regularizer = regularizers.get(alpha_regularizer)
        self.shared_axes = None if shared_axes is None else (
            [shared_axes] if isinstance(shared_axes, int) else list(shared_axes))

    def build(self, input_shape):
        shape = list(input_shape[1:])
        for axis in self.shared_axes or []:
            if not 1 <= axis < len(input_shape):
                raise ValueError(f"{self.name}: shared_axes={self.shared_axes} must name axes 1..{len(input_shape) - 1}"
                                 f" of the input (0 is the batch)")
            shape[axis - 1] = 1
        if None in shape:
            raise ValueError(f"{self.name}: PReLU needs the size of every axis it holds a slope for; got "
                             f"input shape {tuple(input_shape)} (share the unknown axes with shared_axes)")
        self.add_weight("alpha", tuple(shape), self.alpha_initializer, regularizer=self.alpha_regularizer)

    def call(self, x, training=False):
        return F.relu(x) - self.alpha * F.relu(-x)  # Keras: pos + (-alpha * relu(-x))

    def get_config(self):
        return {**super().get_config(), "alpha_initializer": initializers.serialize(self.alpha_initializer),
                "alpha_regularizer": regularizers.serialize(self.alpha_regularizer), "shared_axes": self.shared_axes}


class ELU(Layer):
    """x for x > 0, ``alpha * (exp(x) - 1)`` below."""

    supports_masking = True  # hands a mask on, as Keras'

    def __init__(self, alpha=1.0, **kwargs):
        super().__init__(**kwargs)
        self.alpha = float(alpha)

    def call(self, x, training=False):
        return F.elu(x, self.alpha)

    def get_config(self):
        return {**super().get_config(), "alpha": self.alpha}


class Softmax(Layer):
    """exp(x) / sum(exp(x)) along ``axis`` (the last by default)."""

    _refuses_mask = True  # Keras' Softmax sets the masked entries to -inf first

    def __init__(self, axis=-1, **kwargs):
        super().__init__(**kwargs)
        self.axis = axis

    def call(self, x, training=False):
        if isinstance(self.axis, (tuple, list)):  # Keras: several axes normalised together
            shifted = x - x.amax(tuple(self.axis), keepdim=True).detach()
            e = ag.exp(shifted)
            return e / e.sum(tuple(self.axis), keepdim=True)
        return F.softmax(x, dim=self.axis)

    def get_config(self):
        return {**super().get_config(), "axis": self.axis}
