"""Dense, Activation, Dropout, Flatten, Reshape, Embedding, Rescaling, Lambda: Keras' core layers on nn ops."""
import warnings

import numpy as np

import autograd as ag
import nn.functional as F

from .. import activations, initializers, regularizers
from ..utils import not_supported
from .base import Layer, as_tensor, shape_text

__all__ = ["Dense", "Activation", "Dropout", "Flatten", "Reshape", "Embedding", "Rescaling", "Lambda", "refuse"]


def refuse(layer, **options):
    """Stop with a clear error for Keras options this front end does not implement (constraints...):
    each must be left at its default None/False."""
    for key, value in options.items():
        if value not in (None, False):
            not_supported(f"{layer}({key}=...)", "leave it at its default")


def positive_int(layer, what, n):
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n <= 0:
        raise ValueError(f"Received an invalid value for `{what}` of {layer}, expected a positive integer. "
                         f"Received: {what}={n!r}")
    return int(n)


class Dense(Layer):
    """``activation(x @ kernel + bias)`` over the last axis: kernel (in, units) glorot_uniform,
    bias (units,) zeros (Keras' layout: PyTorch's Linear holds the transpose, (out, in))."""

    supports_masking = True  # hands a mask on, as Keras'

    def __init__(self, units, activation=None, use_bias=True, kernel_initializer="glorot_uniform",
                 bias_initializer="zeros", kernel_regularizer=None, bias_regularizer=None,
                 kernel_constraint=None, bias_constraint=None, lora_rank=None, **kwargs):
        super().__init__(**kwargs)
        refuse("Dense", kernel_constraint=kernel_constraint, bias_constraint=bias_constraint, lora_rank=lora_rank)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.units = positive_int("Dense", "units", units)
        self.activation = activations.get(activation)
        self.use_bias = bool(use_bias)
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.bias_initializer = initializers.get(bias_initializer)

    def build(self, input_shape):
        if input_shape[-1] is None:
            raise ValueError(f"{self.name}: the last axis of the input must be known, got {shape_text(input_shape)}")
        self.add_weight("kernel", (input_shape[-1], self.units), self.kernel_initializer,
                        regularizer=self.kernel_regularizer)
        if self.use_bias:
            self.add_weight("bias", (self.units,), self.bias_initializer, regularizer=self.bias_regularizer)

    def _check_input(self, shape):
        """Keras' Dense checks the last axis only: a shared Dense takes sequences of any length."""
        if len(shape) < 2 or shape[-1] != self.input_shape[-1]:
            super()._check_input(shape)  # the error, naming the shape it was built for

    @property
    def in_features(self):  # what seegrad-serve reads to know the input size of a flat model
        if self.input_shape is None or len(self.input_shape) != 2:
            raise AttributeError("in_features: the layer is not built on flat (batch, features) inputs")
        return self.input_shape[-1]

    @property
    def out_features(self):
        return self.units

    def call(self, x, training=False):
        y = x @ self.kernel  # (..., units)
        if self.use_bias:
            y = y + self.bias
        return y if self.activation is None else self.activation(y)

    def compute_output_shape(self, input_shape):
        return (*input_shape[:-1], self.units)

    def get_config(self):
        return {**super().get_config(), "units": self.units, "activation": activations.serialize(self.activation),
                "use_bias": self.use_bias, "kernel_initializer": initializers.serialize(self.kernel_initializer),
                "bias_initializer": initializers.serialize(self.bias_initializer),
                "kernel_regularizer": regularizers.serialize(self.kernel_regularizer),
                "bias_regularizer": regularizers.serialize(self.bias_regularizer)}


class Activation(Layer):
    """``Activation("relu")``: the activation alone, as a layer."""

    supports_masking = True  # hands a mask on, as Keras'

    def __init__(self, activation, **kwargs):
        super().__init__(**kwargs)
        self.activation = activations.get(activation)

    def call(self, x, training=False):
        return x if self.activation is None else self.activation(x)

    def get_config(self):
        return {**super().get_config(), "activation": activations.serialize(self.activation)}


class Dropout(Layer):
    """While training, zero each input with probability ``rate`` and scale the rest by 1/(1-rate);
    the identity otherwise (evaluate, predict). With ``seed`` the masks come from the layer's own
    generator, the same sequence in every run (Keras' SeedGenerator; other numbers than Keras')."""

    supports_masking = True  # hands a mask on, as Keras'

    def __init__(self, rate, noise_shape=None, seed=None, **kwargs):
        super().__init__(**kwargs)
        if not isinstance(rate, (int, float)) or not 0 <= rate <= 1:
            raise ValueError(f"Invalid value received for argument `rate`. Expected a float value between 0 "
                             f"and 1. Received: rate={rate!r}")
        refuse("Dropout", noise_shape=noise_shape)
        if seed is not None and (isinstance(seed, bool) or not isinstance(seed, (int, np.integer))):
            raise ValueError(f"Dropout: `seed` must be an integer or None, got {seed!r}")
        self.rate, self.seed = float(rate), seed
        self._masks = None if seed is None else np.random.default_rng(int(seed))

    def call(self, x, training=False):
        if not training or self.rate == 0:
            return x
        if self._masks is None:
            return F.dropout(x, self.rate, training=True)
        keep = self._masks.random(x.shape) >= self.rate  # (same shape as x)
        scale = 0.0 if self.rate == 1 else 1.0 / (1.0 - self.rate)
        return x * ag.from_numpy((keep * scale).astype(np.float32))

    def get_config(self):
        return {**super().get_config(), "rate": self.rate, "seed": self.seed}


class Flatten(Layer):
    """(batch, d1, d2, ...) -> (batch, d1*d2*...), in channels-last order (h, w, c)."""

    def __init__(self, data_format=None, **kwargs):
        super().__init__(**kwargs)
        if data_format not in (None, "channels_last"):
            not_supported(f"Flatten(data_format={data_format!r})", "layouts are channels-last")

    def call(self, x, training=False):
        return x.reshape(x.shape[0], -1)

    def compute_output_shape(self, input_shape):
        rest = input_shape[1:]
        return (input_shape[0], None if None in rest else int(np.prod(rest)))


class Reshape(Layer):
    """(batch, ...) -> (batch, *target_shape); one entry of target_shape may be -1."""

    def __init__(self, target_shape, **kwargs):
        super().__init__(**kwargs)
        self.target_shape = tuple(int(d) for d in target_shape)
        if sum(d == -1 for d in self.target_shape) > 1 or any(d < -1 or d == 0 for d in self.target_shape):
            raise ValueError(f"Reshape: target_shape may hold one -1 and positive sizes, got {target_shape!r}")

    def compute_output_shape(self, input_shape):
        size = int(np.prod(input_shape[1:]))
        known = int(np.prod([d for d in self.target_shape if d != -1]))
        if -1 in self.target_shape:
            if size % known:
                raise ValueError(f"{self.name}: cannot reshape {shape_text(input_shape)} to "
                                 f"{shape_text((None, *self.target_shape))}")
            return (input_shape[0], *(size // known if d == -1 else d for d in self.target_shape))
        if known != size:
            raise ValueError(f"{self.name}: total size of the new array must be unchanged, input_shape = "
                             f"{list(input_shape[1:])}, output_shape = {list(self.target_shape)}")
        return (input_shape[0], *self.target_shape)

    def call(self, x, training=False):
        return x.reshape(x.shape[0], *self.compute_output_shape(x.shape)[1:])

    def get_config(self):
        return {**super().get_config(), "target_shape": list(self.target_shape)}


class Embedding(Layer):
    """Integer ids (batch, ...) -> rows of ``embeddings`` (input_dim, output_dim): (batch, ..., output_dim).
    Initialised U(-0.05, 0.05) ("uniform"), as Keras. ``mask_zero=True``: id 0 is padding, and the
    output carries the mask ``ids != 0`` to the layers after it in a model (the recurrent layers skip
    the padded steps, GlobalAveragePooling1D leaves them out of the mean)."""

    _takes_ids = True

    def __init__(self, input_dim, output_dim, embeddings_initializer="uniform", embeddings_regularizer=None,
                 embeddings_constraint=None, mask_zero=False, weights=None, lora_rank=None, **kwargs):
        if "input_length" in kwargs:
            kwargs.pop("input_length")
            warnings.warn("Argument `input_length` is deprecated. Just remove it.", stacklevel=2)
        super().__init__(**kwargs)
        refuse("Embedding", embeddings_constraint=embeddings_constraint, lora_rank=lora_rank)
        self.mask_zero = bool(mask_zero)
        self.embeddings_regularizer = regularizers.get(embeddings_regularizer)
        self.input_dim = positive_int("Embedding", "input_dim", input_dim)
        self.output_dim = positive_int("Embedding", "output_dim", output_dim)
        self.embeddings_initializer = initializers.get(embeddings_initializer)
        self._initial_weights = weights

    def build(self, input_shape):
        self.add_weight("embeddings", (self.input_dim, self.output_dim), self.embeddings_initializer,
                        regularizer=self.embeddings_regularizer)
        if self._initial_weights is not None:
            self.set_weights(self._initial_weights)

    def call(self, x, training=False):
        if x.dtype.kind == "f":
            x = x.long()
        return F.embedding(x, self.embeddings)

    def compute_mask(self, inputs, mask=None):
        """``ids != 0`` with ``mask_zero``, else None."""
        return as_tensor(inputs) != 0 if self.mask_zero else None

    def compute_output_shape(self, input_shape):
        return (*input_shape, self.output_dim)

    def get_config(self):
        return {**super().get_config(), "input_dim": self.input_dim, "output_dim": self.output_dim,
                "mask_zero": self.mask_zero,
                "embeddings_initializer": initializers.serialize(self.embeddings_initializer),
                "embeddings_regularizer": regularizers.serialize(self.embeddings_regularizer)}


class Rescaling(Layer):
    """x * scale + offset: pixel values to [0, 1] with ``Rescaling(1. / 255)``, to [-1, 1] with
    ``Rescaling(1. / 127.5, offset=-1)``."""

    supports_masking = True  # hands a mask on, as Keras'

    def __init__(self, scale, offset=0.0, **kwargs):
        super().__init__(**kwargs)
        self.scale, self.offset = float(scale), float(offset)

    def call(self, x, training=False):
        return x * self.scale + self.offset

    def get_config(self):
        return {**super().get_config(), "scale": self.scale, "offset": self.offset}


class Lambda(Layer):
    """``function(x)`` as a layer, written with Tensor operations (``Lambda(lambda x: x[:, 0] * 2)``).
    Its output shape is ``output_shape`` (without the batch) if given, else found by calling the
    function on zeros of the input's shape. Saved models cannot hold the function: save_weights."""

    _refuses_mask = True  # Keras' hands a mask to the function

    def __init__(self, function, output_shape=None, mask=None, arguments=None, **kwargs):
        super().__init__(**kwargs)
        if not callable(function):
            raise TypeError(f"Lambda: `function` must be callable, got {type(function).__name__}")
        refuse("Lambda", mask=mask)
        self.function, self.arguments = function, dict(arguments or {})
        self._output_shape = output_shape

    def call(self, x, training=False):
        return self.function(x, **self.arguments)

    def compute_output_shape(self, input_shape):
        if callable(self._output_shape):
            return tuple(self._output_shape(input_shape))
        if self._output_shape is not None:
            return (input_shape[0], *tuple(self._output_shape))
        with ag.no_grad():
            out = self.function(ag.zeros(*[1 if d is None else d for d in input_shape]), **self.arguments)
        return (input_shape[0], *tuple(out.shape)[1:])

    def get_config(self):
        not_supported("saving a Lambda layer", "a Python function cannot be saved safely; use save_weights")
