"""Helpers Keras programs call (``keras.utils``), and the one error for what is not implemented."""
import collections
import re

import numpy as np

import autograd as ag

__all__ = ["set_random_seed", "to_categorical", "clear_session", "NotSupported", "not_supported", "unique_name"]


class NotSupported(NotImplementedError):
    """A Keras feature seegrad.keras does not implement (the message names it)."""


def not_supported(feature, hint=""):
    """Raise NotSupported naming the Keras ``feature`` and what to do instead."""
    raise NotSupported(f"seegrad.keras does not implement {feature}" + (f"; {hint}" if hint else "")
                       + " (see docs/keras.md for what is covered)")


def set_random_seed(seed):
    """Seed every generator seegrad.keras draws from (initial weights, shuffling, dropout):
    ``ag.manual_seed(seed)`` and numpy's global generator, as ``keras.utils.set_random_seed``.
    The numbers differ from Keras' own: copy Keras' weights to start from the same point."""
    ag.manual_seed(int(seed))
    np.random.seed(int(seed))


def to_categorical(x, num_classes=None):
    """Class indices (any shape) -> one-hot rows (float64, as ``keras.utils.to_categorical``; fit
    casts them to float32)."""
    x = np.asarray(x)
    if x.dtype.kind == "f":
        if not np.all(x == np.round(x)):
            raise ValueError(f"to_categorical: class indices must be whole numbers, got {x.ravel()[:5]}")
        x = x.astype(np.int64)
    if x.ndim > 1 and x.shape[-1] == 1:  # (N, 1) -> (N,)
        x = x.reshape(x.shape[:-1])
    if x.size and x.min() < 0:
        raise ValueError(f"to_categorical: class indices must be >= 0, got {x.min()}")
    n = int(x.max()) + 1 if num_classes is None else int(num_classes)
    if x.size and x.max() >= n:
        raise ValueError(f"to_categorical: class index {x.max()} is not below num_classes={n}")
    return np.eye(n)[x]


_names = collections.Counter()


def unique_name(cls_name):
    """Keras' layer names: the class name in snake_case, numbered from the second one on
    (dense, dense_1, dense_2...); ``clear_session()`` starts again."""
    base = re.sub("([a-z])([A-Z])", r"\1_\2", re.sub("(.)([A-Z][a-z]+)", r"\1_\2", cls_name)).lower()
    n = _names[base]
    _names[base] += 1
    return base if n == 0 else f"{base}_{n}"


def clear_session():
    """Forget the layer names given so far (the next Dense is "dense" again), as Keras'."""
    _names.clear()
