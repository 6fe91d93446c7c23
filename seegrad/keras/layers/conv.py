"""Conv2D, MaxPooling2D, AveragePooling2D on channels-last images (batch, height, width, channels).

Each layer turns its input to channels-first, runs this project's conv / pooling op, and turns the
result back, as Keras' torch backend does. The kernel keeps Keras' layout (kh, kw, in, filters).
"padding='same'" is TensorFlow's: the output is ceil(size / stride) and an odd extra pixel of
padding goes at the end (zeros for a convolution; pooling repeats the edge, as Keras' torch backend).
"""
import math

import nn
import nn.functional as F

from .. import activations, initializers, regularizers
from ..utils import not_supported
from .base import Layer, shape_text
from .core import positive_int, refuse

__all__ = ["Conv2D", "MaxPooling2D", "AveragePooling2D"]


def _pair(value, what, layer):
    pair = tuple(value) if isinstance(value, (tuple, list)) else (value, value)
    if len(pair) != 2 or any(not isinstance(v, int) or isinstance(v, bool) or v <= 0 for v in pair):
        raise ValueError(f"{layer}: {what} must be a positive int or a pair of them, got {value!r}")
    return pair


def _padding(padding, layer):
    padding = str(padding).lower()
    if padding not in ("valid", "same"):
        raise ValueError(f"{layer}: padding must be 'valid' or 'same', got {padding!r}")
    return padding


def _channels_last(data_format, layer):
    if data_format not in (None, "channels_last"):
        not_supported(f"{layer}(data_format={data_format!r})", "layouts are channels-last (batch, h, w, c)")


def same_padding(size, kernel, stride, dilation=1):
    """TensorFlow's 'same' padding of one spatial dim: (before, after), the extra pixel after."""
    effective = (kernel - 1) * dilation + 1
    out = (size + stride - 1) // stride
    total = max(0, (out - 1) * stride + effective - size)
    return total // 2, total - total // 2


def _out_size(size, kernel, stride, padding, dilation=1):
    if size is None:
        return None
    if padding == "same":
        return math.ceil(size / stride)
    out = (size - (kernel - 1) * dilation - 1) // stride + 1
    return out if out > 0 else 0


def _check_sizes(layer, input_shape, out_shape):
    """Keras refuses a 'valid' window larger than the input (an output of size 0), at build time."""
    if 0 in out_shape[1:3]:
        raise ValueError(f"{layer.name}: computed output size would be zero or negative. Received: inputs.shape="
                         f"{shape_text(input_shape)}, output shape {shape_text(out_shape)}; use a smaller window "
                         "or stride, padding='same', or a larger input")
    return out_shape


def _pad_same(x, kernel, stride, dilation, mode):
    """(x with asymmetric padding applied, the symmetric padding for the op) for channels-first x."""
    pads = [same_padding(size, k, s, d) for size, k, s, d in zip(x.shape[2:], kernel, stride, dilation)]
    if all(a == b for a, b in pads):
        return x, tuple(a for a, _ in pads)
    flat = [p for pair in reversed(pads) for p in pair]  # (left, right, top, bottom)
    return F.pad(x, flat, mode=mode), (0, 0)


class Conv2D(Layer):
    """``activation(conv(x, kernel) + bias)``: kernel (kh, kw, in/groups, filters), glorot_uniform
    over fan_in = kh*kw*in; input (batch, h, w, in) -> (batch, h', w', filters)."""

    def __init__(self, filters, kernel_size, strides=(1, 1), padding="valid", data_format=None, dilation_rate=(1, 1),
                 groups=1, activation=None, use_bias=True, kernel_initializer="glorot_uniform",
                 bias_initializer="zeros", kernel_regularizer=None, bias_regularizer=None,
                 kernel_constraint=None, bias_constraint=None, **kwargs):
        super().__init__(**kwargs)
        refuse("Conv2D", kernel_constraint=kernel_constraint, bias_constraint=bias_constraint)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        _channels_last(data_format, "Conv2D")
        self.filters = positive_int("Conv2D", "filters", filters)
        self.kernel_size = _pair(kernel_size, "kernel_size", "Conv2D")
        self.strides = _pair(strides, "strides", "Conv2D")
        self.dilation_rate = _pair(dilation_rate, "dilation_rate", "Conv2D")
        self.padding = _padding(padding, "Conv2D")
        self.groups = positive_int("Conv2D", "groups", groups)
        if self.filters % self.groups:
            raise ValueError(f"Conv2D: filters={filters} must be divisible by groups={groups}")
        self.activation = activations.get(activation)
        self.use_bias = bool(use_bias)
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.bias_initializer = initializers.get(bias_initializer)

    def build(self, input_shape):
        if len(input_shape) != 4 or input_shape[-1] is None:
            raise ValueError(f"Input 0 of layer {self.name!r} is incompatible with the layer: expected ndim=4 "
                             f"(batch, height, width, channels), found ndim={len(input_shape)}. Full shape "
                             f"received: {input_shape}")
        channels = input_shape[-1]
        if channels % self.groups:
            raise ValueError(f"{self.name}: the input's {channels} channels must be divisible by groups={self.groups}")
        self.add_weight("kernel", (*self.kernel_size, channels // self.groups, self.filters), self.kernel_initializer,
                        regularizer=self.kernel_regularizer)
        if self.use_bias:
            self.add_weight("bias", (self.filters,), self.bias_initializer, regularizer=self.bias_regularizer)

    def call(self, x, training=False):
        x = x.permute(0, 3, 1, 2)  # (N, C, H, W)
        padding = (0, 0)
        if self.padding == "same":
            x, padding = _pad_same(x, self.kernel_size, self.strides, self.dilation_rate, "constant")
        weight = self.kernel.permute(3, 2, 0, 1)  # (filters, in, kh, kw)
        y = F.conv2d(x, weight, self.bias if self.use_bias else None, self.strides, padding,
                     self.dilation_rate, self.groups)
        y = y.permute(0, 2, 3, 1)  # (N, H', W', filters)
        return y if self.activation is None else self.activation(y)

    def compute_output_shape(self, input_shape):
        h, w = (_out_size(s, k, st, self.padding, d) for s, k, st, d in
                zip(input_shape[1:3], self.kernel_size, self.strides, self.dilation_rate))
        return _check_sizes(self, input_shape, (input_shape[0], h, w, self.filters))

    def get_config(self):
        return {**super().get_config(), "filters": self.filters, "kernel_size": list(self.kernel_size),
                "strides": list(self.strides), "padding": self.padding, "dilation_rate": list(self.dilation_rate),
                "groups": self.groups, "activation": activations.serialize(self.activation), "use_bias": self.use_bias,
                "kernel_initializer": initializers.serialize(self.kernel_initializer),
                "bias_initializer": initializers.serialize(self.bias_initializer),
                "kernel_regularizer": regularizers.serialize(self.kernel_regularizer),
                "bias_regularizer": regularizers.serialize(self.bias_regularizer)}


class _Pooling2D(Layer):
    """Holds the nn pooling layer that does the work (``self.pool``): ONNX export reads it whole."""

    def __init__(self, pool_size=(2, 2), strides=None, padding="valid", data_format=None, **kwargs):
        super().__init__(**kwargs)
        layer = type(self).__name__
        _channels_last(data_format, layer)
        self.pool_size = _pair(pool_size, "pool_size", layer)
        self.strides = self.pool_size if strides is None else _pair(strides, "strides", layer)
        self.padding = _padding(padding, layer)
        self.pool = None

    def build(self, input_shape):
        if len(input_shape) != 4:
            raise ValueError(f"Input 0 of layer {self.name!r} is incompatible with the layer: expected ndim=4 "
                             f"(batch, height, width, channels), found ndim={len(input_shape)}")
        pads = [(0, 0), (0, 0)]
        if self.padding == "same":
            pads = [same_padding(n, k, s) for n, k, s in zip(input_shape[1:3], self.pool_size, self.strides)]
        symmetric = all(a == b for a, b in pads)
        self._extra_pad = None if symmetric else [p for pair in reversed(pads) for p in pair]  # (l, r, t, b)
        self.pool = self._pool(tuple(a for a, _ in pads) if symmetric else (0, 0))

    def call(self, x, training=False):
        x = x.permute(0, 3, 1, 2)  # (N, C, H, W)
        if self._extra_pad is not None:  # uneven 'same' padding: the edge repeated, as Keras' torch backend
            x = F.pad(x, self._extra_pad, mode="replicate")
        return self.pool(x).permute(0, 2, 3, 1)

    def compute_output_shape(self, input_shape):
        h, w = (_out_size(s, k, st, self.padding) for s, k, st in zip(input_shape[1:3], self.pool_size, self.strides))
        return _check_sizes(self, input_shape, (input_shape[0], h, w, input_shape[3]))

    def get_config(self):
        return {**super().get_config(), "pool_size": list(self.pool_size), "strides": list(self.strides),
                "padding": self.padding}


class MaxPooling2D(_Pooling2D):
    """The maximum of each pool_size window (default 2x2, stride = pool_size)."""

    def _pool(self, padding):
        return nn.MaxPool2d(self.pool_size, self.strides, padding)


class AveragePooling2D(_Pooling2D):
    """The mean of each pool_size window; with padding='same' the padding is not counted."""

    def _pool(self, padding):
        return nn.AvgPool2d(self.pool_size, self.strides, padding, count_include_pad=False)
