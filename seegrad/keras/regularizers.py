"""Keras' weight regularizers: a penalty on a weight (or a layer's output) added to the loss.

    Dense(64, kernel_regularizer=regularizers.l2(0.01))   ->  loss + 0.01 * sum(kernel^2)

    L1(l1=0.01)           l1 * sum(|x|)
    L2(l2=0.01)           l2 * sum(x^2)
    L1L2(l1=0.0, l2=0.0)  both (``regularizers.l1_l2(l1=..., l2=...)``)

By name: "l1", "l2" (0.01) and "l1l2" (Keras' name of L1L2(): both factors 0, so no penalty).
Keras adds every penalty of a trainable weight to the loss that fit and evaluate report (and
train on); an ``activity_regularizer`` penalises the layer's output, divided by the batch size.
"""
import numpy as np

from .utils import not_supported

__all__ = ["Regularizer", "L1", "L2", "L1L2", "l1", "l2", "l1_l2", "get", "serialize"]


class Regularizer:
    """``reg(x)`` -> a scalar tensor added to the loss; ``get_config()`` its factors."""

    def __call__(self, x):
        return x.sum() * 0.0

    def get_config(self):
        return {}

    def __repr__(self):
        return f"{type(self).__name__}({', '.join(f'{k}={v}' for k, v in self.get_config().items())})"


def _factor(value, name):
    if isinstance(value, bool) or not isinstance(value, (int, float, np.floating)) or value < 0 or not np.isfinite(value):
        raise ValueError(f"Invalid value for argument {name}: expected a non-negative float. Received: {name}={value!r}")
    return float(value)


class L1(Regularizer):
    """l1 * sum(|x|)."""

    def __init__(self, l1=0.01):
        self.l1 = _factor(0.01 if l1 is None else l1, "l1")

    def __call__(self, x):
        return x.abs().sum() * np.float32(self.l1)

    def get_config(self):
        return {"l1": self.l1}


class L2(Regularizer):
    """l2 * sum(x^2)."""

    def __init__(self, l2=0.01):
        self.l2 = _factor(0.01 if l2 is None else l2, "l2")

    def __call__(self, x):
        return (x * x).sum() * np.float32(self.l2)

    def get_config(self):
        return {"l2": self.l2}


class L1L2(Regularizer):
    """l1 * sum(|x|) + l2 * sum(x^2); both factors 0 unless given."""

    def __init__(self, l1=0.0, l2=0.0):
        self.l1 = _factor(0.0 if l1 is None else l1, "l1")
        self.l2 = _factor(0.0 if l2 is None else l2, "l2")

    def __call__(self, x):
        penalty = x.sum() * np.float32(0.0)
        if self.l1:
            penalty = penalty + x.abs().sum() * np.float32(self.l1)
        if self.l2:
            penalty = penalty + (x * x).sum() * np.float32(self.l2)
        return penalty

    def get_config(self):
        return {"l1": self.l1, "l2": self.l2}


l1, l2, l1_l2 = L1, L2, L1L2  # Keras exports the classes under these names too
NAMES = {"l1": L1, "l2": L2, "l1l2": L1L2, "L1": L1, "L2": L2, "L1L2": L1L2}


def get(identifier):
    """A Regularizer from None, a Keras name ("l2"), a class, an instance, a saved {"class_name", "config"},
    or a function ``fn(weight) -> scalar tensor``."""
    if identifier is None or isinstance(identifier, Regularizer):
        return identifier
    if isinstance(identifier, dict):
        return NAMES[identifier["class_name"]](**identifier.get("config", {}))
    if isinstance(identifier, str):
        if identifier not in NAMES:
            raise ValueError(f"Could not interpret regularizer identifier: {identifier!r} (known: l1, l2, l1l2)")
        return NAMES[identifier]()
    if isinstance(identifier, type) and issubclass(identifier, Regularizer):
        return identifier()
    if callable(identifier):
        return identifier
    raise ValueError(f"Could not interpret regularizer identifier: {identifier!r}")


def serialize(regularizer):
    """{"class_name": ..., "config": ...}, for saving a model (None stays None)."""
    if regularizer is None:
        return None
    if type(regularizer) not in (L1, L2, L1L2):
        raise ValueError(f"cannot save the regularizer {regularizer!r}: only L1, L2 and L1L2 are saved; rebuild the "
                         "model in code and use save_weights / load_weights")
    return {"class_name": type(regularizer).__name__, "config": regularizer.get_config()}


def __getattr__(name):  # a Keras regularizer this front end does not have: say so by its name
    if name[:1].isupper() or name == "orthogonal_regularizer":
        not_supported(f"keras.regularizers.{name}", "available: L1, L2, L1L2")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
