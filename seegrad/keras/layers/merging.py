"""Merge layers of the functional API: they take a list of tensors and give one.

    Add, Subtract (two inputs), Multiply, Average, Maximum, Minimum: element by element
    (shapes equal, or broadcast where one has a 1); Concatenate(axis=-1); Dot(axes): the
    sample-wise dot product. ``add([a, b])``, ``concatenate([a, b])``... build and call one, as Keras'.
"""
import functools

import autograd as ag

from .base import Layer, shape_text

__all__ = ["Add", "Subtract", "Multiply", "Average", "Maximum", "Minimum", "Concatenate", "Dot",
           "add", "subtract", "multiply", "average", "maximum", "minimum", "concatenate", "dot"]


def _texts(shapes):
    return "[" + ", ".join(shape_text(s) for s in shapes) + "]"


class _Merge(Layer):
    """Element-wise merges: ``_merge(a, b)`` folded over the inputs, left to right."""

    _refuses_mask = True  # Keras' merges combine their inputs' masks

    _takes_list = True

    def _check_list(self, shapes):
        if not isinstance(shapes, list):
            raise ValueError(f"A merge layer should be called on a list of inputs. Received: input_shape="
                             f"{shape_text(shapes)} (not a list of shapes)")
        if len(shapes) < 1:
            raise ValueError(f"A merge layer should be called on a list of at least 1 input. Received "
                             f"{len(shapes)} inputs. Full input_shape received: {shapes}")

    def compute_output_shape(self, input_shape):
        self._check_list(input_shape)
        out = list(input_shape[0])
        for shape in input_shape[1:]:
            if len(shape) != len(out):
                raise ValueError(f"Inputs have incompatible shapes. Received shapes {shape_text(out)} and "
                                 f"{shape_text(shape)} (ranks differ)")
            for i, (a, b) in enumerate(zip(out[1:], shape[1:]), start=1):
                if a is None or b is None:
                    out[i] = None if a is None and b is None else (a if b in (None, 1) else b)
                elif a != b and 1 not in (a, b):
                    raise ValueError(f"Inputs have incompatible shapes. Received shapes {shape_text(out)} and "
                                     f"{shape_text(shape)}")
                else:
                    out[i] = max(a, b)
        return tuple(out)

    def call(self, inputs, training=False):
        return functools.reduce(self._merge, inputs)


class Add(_Merge):
    """The sum of the inputs."""

    def _merge(self, a, b):
        return a + b


class Subtract(_Merge):
    """inputs[0] - inputs[1] (exactly two inputs)."""

    def compute_output_shape(self, input_shape):
        self._check_list(input_shape)
        if len(input_shape) != 2:
            raise ValueError(f"A `Subtract` layer should be called on exactly 2 inputs. Received: input_shape="
                             f"{_texts(input_shape)}")
        return super().compute_output_shape(input_shape)

    def _merge(self, a, b):
        return a - b


class Multiply(_Merge):
    """The element-wise product of the inputs."""

    def _merge(self, a, b):
        return a * b


class Maximum(_Merge):
    """The element-wise maximum of the inputs."""

    def _merge(self, a, b):
        return ag.maximum(a, b)


class Minimum(_Merge):
    """The element-wise minimum of the inputs."""

    def _merge(self, a, b):
        return ag.minimum(a, b)


class Average(_Merge):
    """The element-wise mean of the inputs (their sum, then divided by their number, as Keras)."""

    def call(self, inputs, training=False):
        return functools.reduce(lambda a, b: a + b, inputs) / len(inputs)


class Concatenate(_Merge):
    """The inputs joined along ``axis`` (the last by default); the other axes must agree."""

    def __init__(self, axis=-1, **kwargs):
        super().__init__(**kwargs)
        self.axis = int(axis)

    def compute_output_shape(self, input_shape):
        if not isinstance(input_shape, list) or len(input_shape) < 1:
            raise ValueError(f"A `Concatenate` layer should be called on a list of at least 1 input. Received: "
                             f"input_shape={input_shape}")
        rank = len(input_shape[0])
        axis = self.axis % rank if -rank <= self.axis < rank else None
        if axis is None or axis == 0 or any(len(s) != rank for s in input_shape) or any(
                len({s[i] for s in input_shape if s[i] is not None}) > 1 for i in range(1, rank) if i != axis):
            raise ValueError(f"A `Concatenate` layer requires inputs with matching shapes except for the "
                             f"concatenation axis. Received: input_shape={_texts(input_shape)}")
        sizes = [s[axis] for s in input_shape]
        out = [next((s[i] for s in input_shape if s[i] is not None), None) for i in range(rank)]
        out[0], out[axis] = input_shape[0][0], None if None in sizes else sum(sizes)
        return tuple(out)

    def call(self, inputs, training=False):
        return ag.cat(list(inputs), dim=self.axis)

    def get_config(self):
        return {**super().get_config(), "axis": self.axis}


def _l2_normalize(x, axis):
    """Keras' normalize: x * min(rsqrt(sum(x^2)), 1 / 1e-7) along ``axis``."""
    inv = (x * x).sum(axis, keepdim=True).rsqrt()
    return x * ag.minimum(inv, ag.full_like(inv, 1e7))


class Dot(Layer):
    """The dot product of two inputs, sample by sample, along ``axes`` (one int for both, or a pair):
    (batch, d) . (batch, d) -> (batch, 1); (batch, n, d) . (batch, m, d), axes=2 -> (batch, n, m).
    ``normalize=True``: each input L2-normalised first (the cosine similarity)."""

    _refuses_mask = True  # Keras' combines its inputs' masks

    _takes_list = True

    def __init__(self, axes, normalize=False, **kwargs):
        super().__init__(**kwargs)
        if not isinstance(axes, int) and not (isinstance(axes, (list, tuple)) and len(axes) == 2 and
                                              all(isinstance(a, int) for a in axes)):
            raise TypeError(f"Invalid type for argument `axes`: it should be a list or an int. Received: axes={axes}")
        self.axes, self.normalize = axes, bool(normalize)

    def _pair(self, shapes):
        axes = (self.axes, self.axes) if isinstance(self.axes, int) else tuple(self.axes)
        return tuple(a % len(s) for a, s in zip(axes, shapes))

    def compute_output_shape(self, input_shape):
        if not isinstance(input_shape, list) or len(input_shape) != 2:
            raise ValueError(f"A `Dot` layer should be called on a list of 2 inputs. Received: input_shape="
                             f"{input_shape}")
        a, b = input_shape
        if len(a) > 3 or len(b) > 3 or len(a) != len(b):
            from ..utils import not_supported
            not_supported(f"Dot on inputs of shapes {shape_text(a)} and {shape_text(b)}",
                          "both inputs (batch, d) or both (batch, n, d)")
        ia, ib = self._pair(input_shape)
        if a[ia] != b[ib]:
            raise ValueError(f"Incompatible input shapes: axis values {a[ia]} (at axis {ia}) != {b[ib]} (at axis "
                             f"{ib}). Full input shapes: {shape_text(a)}, {shape_text(b)}")
        rest = [d for i, d in enumerate(a) if i not in (0, ia)] + [d for i, d in enumerate(b) if i not in (0, ib)]
        return (a[0], *(rest or [1]))

    def call(self, inputs, training=False):
        x, y = inputs
        ia, ib = self._pair([x.shape, y.shape])
        if self.normalize:
            x, y = _l2_normalize(x, ia), _l2_normalize(y, ib)
        if x.ndim == 2:
            return (x * y).sum(1, keepdim=True)  # (batch, 1)
        x = x if ia == 2 else x.transpose(1, 2)  # (batch, n, d)
        y = y if ib == 1 else y.transpose(1, 2)  # (batch, d, m)
        return x @ y  # (batch, n, m)

    def get_config(self):
        return {**super().get_config(), "axes": self.axes, "normalize": self.normalize}


def add(inputs, **kwargs):
    """``Add(**kwargs)(inputs)``."""
    return Add(**kwargs)(inputs)


def subtract(inputs, **kwargs):
    """``Subtract(**kwargs)(inputs)``."""
    return Subtract(**kwargs)(inputs)


def multiply(inputs, **kwargs):
    """``Multiply(**kwargs)(inputs)``."""
    return Multiply(**kwargs)(inputs)


def average(inputs, **kwargs):
    """``Average(**kwargs)(inputs)``."""
    return Average(**kwargs)(inputs)


def maximum(inputs, **kwargs):
    """``Maximum(**kwargs)(inputs)``."""
    return Maximum(**kwargs)(inputs)


def minimum(inputs, **kwargs):
    """``Minimum(**kwargs)(inputs)``."""
    return Minimum(**kwargs)(inputs)


def concatenate(inputs, axis=-1, **kwargs):
    """``Concatenate(axis, **kwargs)(inputs)``."""
    return Concatenate(axis=axis, **kwargs)(inputs)


def dot(inputs, axes=-1, normalize=False, **kwargs):
    """``Dot(axes, normalize, **kwargs)(inputs)``."""
    return Dot(axes=axes, normalize=normalize, **kwargs)(inputs)
