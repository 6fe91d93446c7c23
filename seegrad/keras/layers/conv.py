"""Conv1D, Conv2D, Conv2DTranspose, SeparableConv2D and the 1-D / 2-D max and average pooling, channels-last:
sequences (batch, steps, channels), images (batch, height, width, channels).

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

__all__ = ["Conv1D", "Conv2D", "Conv2DTranspose", "SeparableConv2D", "MaxPooling1D", "AveragePooling1D", "MaxPooling2D",
           "AveragePooling2D"]


def _pair(value, what, layer, n=2):
    """``value`` as a tuple of ``n`` positive ints (an int repeated)."""
    pair = tuple(value) if isinstance(value, (tuple, list)) else (value,) * n
    if len(pair) != n or any(not isinstance(v, int) or isinstance(v, bool) or v <= 0 for v in pair):
        raise ValueError(f"{layer}: {what} must be a positive int or {'a pair' if n == 2 else 'a tuple'} of them, "
                         f"got {value!r}")
    return pair


def _padding(padding, layer, allowed=("valid", "same")):
    padding = str(padding).lower()
    if padding not in allowed:
        raise ValueError(f"{layer}: padding must be {' or '.join(repr(a) for a in allowed)}, got {padding!r}")
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
    if 0 in out_shape[1:-1]:
        raise ValueError(f"{layer.name}: computed output size would be zero or negative. Received: inputs.shape="
                         f"{shape_text(input_shape)}, output shape {shape_text(out_shape)}; use a smaller window "
                         "or stride, padding='same', or a larger input")
    return out_shape


def _check_ndim(layer, input_shape, ndim, axes):
    if len(input_shape) != ndim or input_shape[-1] is None:
        raise ValueError(f"Input 0 of layer {layer.name!r} is incompatible with the layer: expected ndim={ndim} "
                         f"({axes}), found ndim={len(input_shape)}. Full shape received: {tuple(input_shape)}")


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

    _one_of_strides_or_dilation = True  # Keras' rule for its convolutions (not SeparableConv2D)

    def __init__(self, filters, kernel_size, strides=(1, 1), padding="valid", data_format=None, dilation_rate=(1, 1),
                 groups=1, activation=None, use_bias=True, kernel_initializer="glorot_uniform",
                 bias_initializer="zeros", kernel_regularizer=None, bias_regularizer=None,
                 kernel_constraint=None, bias_constraint=None, **kwargs):
        super().__init__(**kwargs)
        layer = type(self).__name__  # Conv1D and Conv2DTranspose start here too
        refuse(layer, kernel_constraint=kernel_constraint, bias_constraint=bias_constraint)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        _channels_last(data_format, layer)
        self.filters = positive_int(layer, "filters", filters)
        self.kernel_size = _pair(kernel_size, "kernel_size", layer)
        self.strides = _pair(strides, "strides", layer)
        self.dilation_rate = _pair(dilation_rate, "dilation_rate", layer)
        self.padding = _padding(padding, layer)
        if self._one_of_strides_or_dilation:
            _strides_or_dilation(self.strides, self.dilation_rate)
        self.groups = positive_int(layer, "groups", groups)
        if self.filters % self.groups:
            raise ValueError(f"{layer}: filters={filters} must be divisible by groups={groups}")
        self.activation = activations.get(activation)
        self.use_bias = bool(use_bias)
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.bias_initializer = initializers.get(bias_initializer)

    def build(self, input_shape):
        if len(input_shape) != 4 or input_shape[-1] is None:
            raise ValueError(f"Input 0 of layer {self.name!r} is incompatible with the layer: expected ndim=4 "
                             f"(batch, height, width, channels), found ndim={len(input_shape)}. Full shape "
                             f"received: {input_shape}")
        self._add_kernel(input_shape[-1])

    def call(self, x, training=False):
        x, padding = self._channels_first(x)
        weight = self.kernel.permute(3, 2, 0, 1)  # (filters, in, kh, kw)
        y = F.conv2d(x, weight, self.bias if self.use_bias else None, self.strides, padding,
                     self.dilation_rate, self.groups)
        y = y.permute(0, 2, 3, 1)  # (N, H', W', filters)
        return y if self.activation is None else self.activation(y)

    def _add_kernel(self, channels):
        """The kernel (*kernel_size, channels / groups, filters) and the bias, for ``channels`` input channels."""
        if channels % self.groups:
            raise ValueError(f"{self.name}: the input's {channels} channels must be divisible by groups={self.groups}")
        self.add_weight("kernel", (*self.kernel_size, channels // self.groups, self.filters), self.kernel_initializer,
                        regularizer=self.kernel_regularizer)
        if self.use_bias:
            self.add_weight("bias", (self.filters,), self.bias_initializer, regularizer=self.bias_regularizer)

    def _channels_first(self, x):
        """x (N, H, W, C) as (N, C, H, W), padded for "same", and the padding left for the convolution."""
        x, padding = x.permute(0, 3, 1, 2), (0, 0)
        if self.padding == "same":
            x, padding = _pad_same(x, self.kernel_size, self.strides, self.dilation_rate, "constant")
        return x, padding

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


class Conv1D(Conv2D):
    """``activation(conv(x, kernel) + bias)`` along the steps of (batch, steps, in) -> (batch, steps',
    filters): kernel (k, in/groups, filters). padding "valid", "same" or "causal" (left-padded by
    (k-1)*dilation: step t sees only steps <= t)."""

    def __init__(self, filters, kernel_size, strides=1, padding="valid", data_format=None, dilation_rate=1, groups=1,
                 **kwargs):
        super().__init__(filters, 1, 1, "valid", data_format, 1, groups, **kwargs)
        self.kernel_size = _pair(kernel_size, "kernel_size", "Conv1D", 1)
        self.strides = _pair(strides, "strides", "Conv1D", 1)
        self.dilation_rate = _pair(dilation_rate, "dilation_rate", "Conv1D", 1)
        self.padding = _padding(padding, "Conv1D", ("valid", "same", "causal"))
        _strides_or_dilation(self.strides, self.dilation_rate)

    def build(self, input_shape):
        _check_ndim(self, input_shape, 3, "batch, steps, channels")
        self._add_kernel(input_shape[-1])

    def call(self, x, training=False):
        x = x.transpose(1, 2)  # (N, C, L)
        (k,), (s,), (d,) = self.kernel_size, self.strides, self.dilation_rate
        padding = 0
        if self.padding == "causal":
            x = F.pad(x, [(k - 1) * d, 0])
        elif self.padding == "same":
            before, after = same_padding(x.shape[2], k, s, d)
            if before == after:
                padding = before
            else:
                x = F.pad(x, [before, after])
        y = F.conv1d(x, self.kernel.permute(2, 1, 0), self.bias if self.use_bias else None, s, padding, d,
                     self.groups)  # kernel as (filters, in, k)
        y = y.transpose(1, 2)  # (N, L', filters)
        return y if self.activation is None else self.activation(y)

    def compute_output_shape(self, input_shape):
        (k,), (s,), (d,) = self.kernel_size, self.strides, self.dilation_rate
        padding = "same" if self.padding == "causal" and s == 1 else self.padding
        if self.padding == "causal":
            steps = None if input_shape[1] is None else (input_shape[1] - 1) // s + 1
        else:
            steps = _out_size(input_shape[1], k, s, padding, d)
        return _check_sizes(self, input_shape, (input_shape[0], steps, self.filters))


class SeparableConv2D(Conv2D):
    """A depthwise convolution (each input channel by its own ``depth_multiplier`` kernels, no mixing)
    then a pointwise 1x1 convolution that mixes the channels, then bias and activation: far fewer
    weights than a Conv2D of the same size (Xception's block). Weights, as Keras': depthwise_kernel
    (kh, kw, in, depth_multiplier), pointwise_kernel (1, 1, in * depth_multiplier, filters), bias (filters,)."""

    _one_of_strides_or_dilation = False  # Keras' SeparableConv2D takes both

    def __init__(self, filters, kernel_size, strides=(1, 1), padding="valid", data_format=None, dilation_rate=(1, 1),
                 depth_multiplier=1, activation=None, use_bias=True, depthwise_initializer="glorot_uniform",
                 pointwise_initializer="glorot_uniform", bias_initializer="zeros", depthwise_regularizer=None,
                 pointwise_regularizer=None, bias_regularizer=None, depthwise_constraint=None,
                 pointwise_constraint=None, bias_constraint=None, **kwargs):
        refuse("SeparableConv2D", depthwise_constraint=depthwise_constraint, pointwise_constraint=pointwise_constraint)
        super().__init__(filters, kernel_size, strides=strides, padding=padding, data_format=data_format,
                         dilation_rate=dilation_rate, activation=activation, use_bias=use_bias,
                         bias_initializer=bias_initializer, bias_regularizer=bias_regularizer,
                         bias_constraint=bias_constraint, **kwargs)
        self.depth_multiplier = positive_int("SeparableConv2D", "depth_multiplier", depth_multiplier)
        self.depthwise_initializer = initializers.get(depthwise_initializer)
        self.pointwise_initializer = initializers.get(pointwise_initializer)
        self.depthwise_regularizer = regularizers.get(depthwise_regularizer)
        self.pointwise_regularizer = regularizers.get(pointwise_regularizer)

    def build(self, input_shape):
        _check_ndim(self, input_shape, 4, "batch, height, width, channels")
        channels = input_shape[-1]
        self.add_weight("depthwise_kernel", (*self.kernel_size, channels, self.depth_multiplier),
                        self.depthwise_initializer, regularizer=self.depthwise_regularizer)
        self.add_weight("pointwise_kernel", (1, 1, channels * self.depth_multiplier, self.filters),
                        self.pointwise_initializer, regularizer=self.pointwise_regularizer)
        if self.use_bias:
            self.add_weight("bias", (self.filters,), self.bias_initializer, regularizer=self.bias_regularizer)

    def call(self, x, training=False):
        x, padding = self._channels_first(x)
        kh, kw, channels, multiplier = self.depthwise_kernel.shape
        depthwise = self.depthwise_kernel.reshape(kh, kw, channels * multiplier).permute(2, 0, 1).unsqueeze(1)
        x = F.conv2d(x, depthwise, None, self.strides, padding, self.dilation_rate, channels)  # (N, C*m, H', W')
        pointwise = self.pointwise_kernel.permute(3, 2, 0, 1)  # (filters, C*m, 1, 1)
        y = F.conv2d(x, pointwise, self.bias if self.use_bias else None).permute(0, 2, 3, 1)  # (N, H', W', filters)
        return y if self.activation is None else self.activation(y)

    def get_config(self):
        config = {key: value for key, value in super().get_config().items()
                  if key not in ("groups", "kernel_initializer", "kernel_regularizer")}
        return {**config, "depth_multiplier": self.depth_multiplier,
                "depthwise_initializer": initializers.serialize(self.depthwise_initializer),
                "pointwise_initializer": initializers.serialize(self.pointwise_initializer),
                "depthwise_regularizer": regularizers.serialize(self.depthwise_regularizer),
                "pointwise_regularizer": regularizers.serialize(self.pointwise_regularizer)}


def _transpose_crops(kernel, stride, dilation, padding):
    """(crop before, crop after) of PyTorch's full transposed convolution ((n-1)*stride + k wide)
    that gives Keras' output (TensorFlow's 'valid' / 'same'; negative: zeros to add), as Keras'
    torch backend computes it."""
    k = (kernel - 1) * dilation + 1
    if padding == "valid":
        before, after = k - 1, k - 1 + max(k, stride) - k
    else:
        total = stride + k - 2
        before = min(total // 2 + total % 2, k - 1)
        after = total - before
    return k - 1 - before, k - 1 - after


class Conv2DTranspose(Conv2D):
    """The transposed convolution (the gradient of Conv2D's): (batch, h, w, in) -> (batch, h*sh, w*sw,
    filters) with padding "same", (h-1)*sh + max(kh, sh) with "valid". kernel (kh, kw, filters, in)
    (Keras' layout: the Conv2D it transposes holds (kh, kw, filters, in) too), bias (filters,)."""

    def __init__(self, filters, kernel_size, strides=(1, 1), padding="valid", output_padding=None, data_format=None,
                 dilation_rate=(1, 1), **kwargs):
        if output_padding is not None:
            not_supported("Conv2DTranspose(output_padding=...)", "leave it None (Keras' default)")
        super().__init__(filters, kernel_size, strides, padding, data_format, dilation_rate, **kwargs)

    def build(self, input_shape):
        _check_ndim(self, input_shape, 4, "batch, height, width, channels")
        self.add_weight("kernel", (*self.kernel_size, self.filters, input_shape[-1]), self.kernel_initializer,
                        regularizer=self.kernel_regularizer)
        if self.use_bias:
            self.add_weight("bias", (self.filters,), self.bias_initializer, regularizer=self.bias_regularizer)

    def call(self, x, training=False):
        x = x.permute(0, 3, 1, 2)  # (N, in, H, W)
        y = F.conv_transpose2d(x, self.kernel.permute(3, 2, 0, 1), None, self.strides, 0, 0, 1,
                               self.dilation_rate)  # kernel as (in, filters, kh, kw); full output
        crops = [_transpose_crops(k, s, d, self.padding) for k, s, d in
                 zip(self.kernel_size, self.strides, self.dilation_rate)]
        if any(c < 0 for pair in crops for c in pair):  # zeros to add where the crop is negative
            y = F.pad(y, [max(0, -c) for pair in reversed(crops) for c in pair])
        (top, bottom), (left, right) = [(max(0, a), max(0, b)) for a, b in crops]
        y = y[:, :, top:y.shape[2] - bottom, left:y.shape[3] - right]
        if self.use_bias:
            y = y + self.bias.reshape(1, -1, 1, 1)
        y = y.permute(0, 2, 3, 1)  # (N, H', W', filters)
        return y if self.activation is None else self.activation(y)

    def compute_output_shape(self, input_shape):
        sizes = []
        for n, k, s, d in zip(input_shape[1:3], self.kernel_size, self.strides, self.dilation_rate):
            k = (k - 1) * d + 1
            sizes.append(None if n is None else n * s + (max(k - s, 0) if self.padding == "valid" else 0))
        return (input_shape[0], *sizes, self.filters)

    def get_config(self):
        config = super().get_config()
        config.pop("groups")
        return config


def _strides_or_dilation(strides, dilation_rate):
    """Keras' convolutions take strides > 1 or dilation_rate > 1, not both (PyTorch's would run)."""
    if max(strides) > 1 and max(dilation_rate) > 1:
        raise ValueError(f"`strides > 1` not supported in conjunction with `dilation_rate > 1`. Received: "
                         f"strides={strides} and dilation_rate={dilation_rate}")


class _Pooling(Layer):
    """Holds the nn pooling layer that does the work (``self.pool``): ONNX export reads it whole.
    ``_dims`` spatial axes: 1 for sequences (batch, steps, channels), 2 for images."""

    _dims = 2

    def __init__(self, pool_size=None, strides=None, padding="valid", data_format=None, **kwargs):
        super().__init__(**kwargs)
        layer, n = type(self).__name__, self._dims
        _channels_last(data_format, layer)
        self.pool_size = _pair(2 if pool_size is None else pool_size, "pool_size", layer, n)
        self.strides = self.pool_size if strides is None else _pair(strides, "strides", layer, n)
        self.padding = _padding(padding, layer)
        self.pool = None

    def build(self, input_shape):
        n = self._dims
        _check_ndim(self, input_shape, n + 2, "batch, steps, channels" if n == 1 else "batch, height, width, channels")
        pads = [(0, 0)] * n
        if self.padding == "same":
            pads = [same_padding(size, k, s) for size, k, s in zip(input_shape[1:-1], self.pool_size, self.strides)]
        symmetric = all(a == b for a, b in pads)
        self._extra_pad = None if symmetric else [p for pair in reversed(pads) for p in pair]  # (l, r, t, b)
        self.pool = self._pool(tuple(a for a, _ in pads) if symmetric else (0,) * n)

    def call(self, x, training=False):
        last = x.ndim - 1
        x = x.permute(0, last, *range(1, last))  # (N, C, *spatial)
        if self._extra_pad is not None:  # uneven 'same' padding: the edge repeated, as Keras' torch backend
            x = F.pad(x, self._extra_pad, mode="replicate")
        return self.pool(x).permute(0, *range(2, last + 1), 1)

    def compute_output_shape(self, input_shape):
        sizes = (_out_size(s, k, st, self.padding) for s, k, st in zip(input_shape[1:-1], self.pool_size, self.strides))
        return _check_sizes(self, input_shape, (input_shape[0], *sizes, input_shape[-1]))

    def get_config(self):
        return {**super().get_config(), "pool_size": list(self.pool_size), "strides": list(self.strides),
                "padding": self.padding}


class MaxPooling2D(_Pooling):
    """The maximum of each pool_size window (default 2x2, stride = pool_size)."""

    def _pool(self, padding):
        return nn.MaxPool2d(self.pool_size, self.strides, padding)


class AveragePooling2D(_Pooling):
    """The mean of each pool_size window; with padding='same' the padding is not counted."""

    def _pool(self, padding):
        return nn.AvgPool2d(self.pool_size, self.strides, padding, count_include_pad=False)


class MaxPooling1D(_Pooling):
    """The maximum of each pool_size window of steps (default 2, stride = pool_size)."""

    _dims = 1

    def _pool(self, padding):
        return nn.MaxPool1d(self.pool_size, self.strides, padding)


class AveragePooling1D(_Pooling):
    """The mean of each pool_size window of steps; with padding='same' the padding is not counted."""

    _dims = 1

    def _pool(self, padding):
        return nn.AvgPool1d(self.pool_size, self.strides, padding, count_include_pad=False)
