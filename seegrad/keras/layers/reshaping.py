"""Layers that move or repeat values without weights: the global poolings, UpSampling2D,
ZeroPadding2D, Cropping2D, Permute, RepeatVector (channels-last, as Keras)."""
import numbers

import autograd as ag
import nn.functional as F

from ..utils import not_supported
from .base import Layer, shape_text
from .conv import _channels_last, _check_ndim
from .core import positive_int

__all__ = ["GlobalAveragePooling1D", "GlobalAveragePooling2D", "GlobalMaxPooling1D", "GlobalMaxPooling2D",
           "UpSampling2D", "ZeroPadding2D", "Cropping2D", "Permute", "RepeatVector"]


class _GlobalPooling(Layer):
    """The mean or maximum over every spatial axis: (batch, *spatial, channels) -> (batch, channels),
    or (batch, 1, ..., 1, channels) with ``keepdims``."""

    _dims = 1

    def __init__(self, data_format=None, keepdims=False, **kwargs):
        super().__init__(**kwargs)
        _channels_last(data_format, type(self).__name__)
        self.keepdims = bool(keepdims)

    def build(self, input_shape):
        n = self._dims
        _check_ndim(self, input_shape, n + 2, "batch, steps, channels" if n == 1 else "batch, height, width, channels")

    def call(self, x, training=False):
        axes = tuple(range(1, x.ndim - 1))
        return self._reduce(x, axes)

    def compute_output_shape(self, input_shape):
        if self.keepdims:
            return (input_shape[0], *[1] * (len(input_shape) - 2), input_shape[-1])
        return (input_shape[0], input_shape[-1])

    def get_config(self):
        return {**super().get_config(), "data_format": "channels_last", "keepdims": self.keepdims}


class GlobalAveragePooling1D(_GlobalPooling):
    """The mean over the steps: (batch, steps, channels) -> (batch, channels); with a mask (from
    Embedding(mask_zero=True)) the mean over the unmasked steps, as Keras'."""

    def call(self, x, training=False, mask=None):
        if mask is None or self._dims != 1:
            return super().call(x, training)
        keep = mask.bool().unsqueeze(-1)  # (batch, steps, 1)
        kept = ag.where(keep, x, ag.zeros_like(x)).sum(1, keepdim=self.keepdims)
        return kept / keep.to(x.dtype).sum(1, keepdim=self.keepdims)

    def compute_mask(self, inputs, mask=None):
        return None

    def _reduce(self, x, axes):
        return x.mean(axes, keepdim=self.keepdims)


class GlobalMaxPooling1D(_GlobalPooling):
    """The maximum over the steps: (batch, steps, channels) -> (batch, channels)."""

    def _reduce(self, x, axes):
        return x.amax(axes, keepdim=self.keepdims)


class GlobalAveragePooling2D(GlobalAveragePooling1D):
    """The mean over height and width: (batch, h, w, channels) -> (batch, channels)."""

    _dims = 2


class GlobalMaxPooling2D(GlobalMaxPooling1D):
    """The maximum over height and width: (batch, h, w, channels) -> (batch, channels)."""

    _dims = 2


def _pairs(value, what, layer):
    """Keras' ``padding`` / ``cropping`` of a 2-D layer: an int, (rows, cols), or ((top, bottom), (left, right))
    (each of the two entries an int or a pair)."""
    if isinstance(value, int) and not isinstance(value, bool):
        value = (value, value)
    if isinstance(value, (tuple, list)) and len(value) == 2:
        value = tuple((v, v) if isinstance(v, int) and not isinstance(v, bool) else v for v in value)
    if not (isinstance(value, (tuple, list)) and len(value) == 2 and all(
            isinstance(p, (tuple, list)) and len(p) == 2 and all(isinstance(v, int) and v >= 0 for v in p)
            for p in value)):
        raise ValueError(f"`{what}` should be either an int, a tuple of 2 ints (symmetric_height_{what}, "
                         f"symmetric_width_{what}), or a tuple of 2 tuples of 2 ints ((top_{what}, bottom_{what}), "
                         f"(left_{what}, right_{what})). Received: {what}={value!r}.")
    return tuple(tuple(p) for p in value)


class UpSampling2D(Layer):
    """Each pixel repeated size=(rows, cols) times: (batch, h, w, c) -> (batch, h*rows, w*cols, c);
    interpolation "nearest" (Keras' default)."""

    def __init__(self, size=(2, 2), data_format=None, interpolation="nearest", **kwargs):
        super().__init__(**kwargs)
        _channels_last(data_format, "UpSampling2D")
        self.size = (size, size) if isinstance(size, int) else tuple(size)
        if len(self.size) != 2:
            raise ValueError(f"UpSampling2D: size must be an int or a pair of ints, got {size!r}")
        self.size = tuple(positive_int("UpSampling2D", "size", s) for s in self.size)
        if interpolation != "nearest":
            not_supported(f"UpSampling2D(interpolation={interpolation!r})", "interpolation='nearest'")
        self.interpolation = interpolation

    def build(self, input_shape):
        _check_ndim(self, input_shape, 4, "batch, height, width, channels")

    def call(self, x, training=False):
        return x.repeat_interleave(self.size[0], dim=1).repeat_interleave(self.size[1], dim=2)

    def compute_output_shape(self, input_shape):
        n, h, w, c = input_shape
        return (n, None if h is None else h * self.size[0], None if w is None else w * self.size[1], c)

    def get_config(self):
        return {**super().get_config(), "size": list(self.size), "data_format": "channels_last",
                "interpolation": self.interpolation}


class ZeroPadding2D(Layer):
    """Rows and columns of zeros around each image: padding int, (rows, cols) or ((top, bottom), (left, right))."""

    def __init__(self, padding=(1, 1), data_format=None, **kwargs):
        super().__init__(**kwargs)
        _channels_last(data_format, "ZeroPadding2D")
        self.padding = _pairs(padding, "padding", "ZeroPadding2D")

    def build(self, input_shape):
        _check_ndim(self, input_shape, 4, "batch, height, width, channels")

    def call(self, x, training=False):
        (top, bottom), (left, right) = self.padding
        return F.pad(x, [0, 0, left, right, top, bottom])  # from the last axis: channels, width, height

    def compute_output_shape(self, input_shape):
        n, h, w, c = input_shape
        (top, bottom), (left, right) = self.padding
        return (n, None if h is None else h + top + bottom, None if w is None else w + left + right, c)

    def get_config(self):
        return {**super().get_config(), "padding": [list(p) for p in self.padding], "data_format": "channels_last"}


class Cropping2D(Layer):
    """Rows and columns cut from each image's edges: cropping int, (rows, cols) or ((top, bottom), (left, right))."""

    def __init__(self, cropping=((0, 0), (0, 0)), data_format=None, **kwargs):
        super().__init__(**kwargs)
        _channels_last(data_format, "Cropping2D")
        self.cropping = _pairs(cropping, "cropping", "Cropping2D")

    def build(self, input_shape):
        _check_ndim(self, input_shape, 4, "batch, height, width, channels")
        self.compute_output_shape(input_shape)

    def call(self, x, training=False):
        (top, bottom), (left, right) = self.cropping
        return x[:, top:x.shape[1] - bottom, left:x.shape[2] - right]

    def compute_output_shape(self, input_shape):
        n, h, w, c = input_shape
        (top, bottom), (left, right) = self.cropping
        if (h is not None and h <= top + bottom) or (w is not None and w <= left + right):
            raise ValueError(f"Values in `cropping` argument should be smaller than the corresponding spatial "
                             f"dimension of the input. Received: input_shape={shape_text(input_shape)}, "
                             f"cropping={self.cropping}")
        return (n, None if h is None else h - top - bottom, None if w is None else w - left - right, c)

    def get_config(self):
        return {**super().get_config(), "cropping": [list(p) for p in self.cropping], "data_format": "channels_last"}


class Permute(Layer):
    """The axes after the batch reordered: ``Permute((2, 1))`` swaps steps and features (dims count from 1)."""

    def __init__(self, dims, **kwargs):
        super().__init__(**kwargs)
        self.dims = tuple(dims)
        if sorted(self.dims) != list(range(1, len(self.dims) + 1)):
            raise ValueError(f"Invalid permutation argument `dims` for Permute Layer. The set of indices in `dims` "
                             f"must be consecutive and start from 1. Received dims={dims}")

    def build(self, input_shape):
        if len(input_shape) != len(self.dims) + 1:
            raise ValueError(f"{self.name}: dims={self.dims} permutes {len(self.dims)} axes, but the input "
                             f"{shape_text(input_shape)} has {len(input_shape) - 1} after the batch")

    def call(self, x, training=False):
        return x.permute(0, *self.dims)

    def compute_output_shape(self, input_shape):
        return (input_shape[0], *(input_shape[d] for d in self.dims))

    def get_config(self):
        return {**super().get_config(), "dims": list(self.dims)}


class RepeatVector(Layer):
    """(batch, features) -> (batch, n, features): the vector repeated n times (an encoder's output fed
    to each step of a decoder)."""

    def __init__(self, n, **kwargs):
        super().__init__(**kwargs)
        if isinstance(n, bool) or not isinstance(n, numbers.Integral):
            raise TypeError(f"Expected an integer value for `n`, got {type(n)}.")
        self.n = int(n)

    def build(self, input_shape):
        _check_ndim(self, input_shape, 2, "batch, features")

    def call(self, x, training=False):
        return x.unsqueeze(1).expand(x.shape[0], self.n, x.shape[1])

    def compute_output_shape(self, input_shape):
        return (input_shape[0], self.n, input_shape[1])

    def get_config(self):
        return {**super().get_config(), "n": self.n}
