"""Activations by Keras' names, as this project's nn activation modules.

``Dense(64, activation="relu")`` holds ``nn.ReLU()`` as its ``activation`` child, so the model
is plain nn modules: ``seegrad.export`` exports it and the server sees a sigmoid output layer.

    "relu" "sigmoid" "tanh" "softmax" (over the last axis) "linear" (None) "elu" "selu"
    "softplus" "silu"/"swish" "gelu" "relu6" "leaky_relu" (slope 0.2) "log_softmax"
    "log_sigmoid" "mish" "exponential" "hard_sigmoid" (relu6(x + 3) / 6) "hard_silu"/"hard_swish" "softsign"
"""
import numpy as np

import autograd as ag
import nn

from .utils import not_supported

__all__ = ["get", "serialize", "Lambda", "relu", "sigmoid", "tanh", "softmax", "linear", "elu", "selu",
           "softplus", "silu", "swish", "gelu", "relu6", "leaky_relu", "log_softmax", "log_sigmoid", "mish",
           "exponential", "hard_sigmoid", "hard_silu", "hard_swish", "softsign"]


class Lambda(nn.Module):
    """An activation given as a function of a tensor (``activation=my_fn``)."""

    def __init__(self, fn):
        super().__init__()
        self.fn = fn

    def forward(self, x):
        return self.fn(x)

    def extra_repr(self):
        return getattr(self.fn, "__name__", repr(self.fn))


class Exponential(nn.Module):
    """e^x."""

    def forward(self, x):
        return x.exp()


# Keras name -> the module that computes it with Keras' defaults
MODULES = {
    "relu": nn.ReLU, "sigmoid": nn.Sigmoid, "tanh": nn.Tanh, "softmax": lambda: nn.Softmax(dim=-1),
    "log_softmax": lambda: nn.LogSoftmax(dim=-1), "elu": nn.ELU, "selu": nn.SELU, "softplus": nn.Softplus,
    "silu": nn.SiLU, "swish": nn.SiLU, "gelu": nn.GELU, "relu6": nn.ReLU6,
    "leaky_relu": lambda: nn.LeakyReLU(0.2), "log_sigmoid": nn.LogSigmoid, "mish": nn.Mish,
    "exponential": Exponential, "hard_sigmoid": nn.Hardsigmoid, "hard_silu": nn.Hardswish, "hard_swish": nn.Hardswish,
    "softsign": nn.Softsign,
}


def _function(name):
    def activation(x):
        x = x if isinstance(x, ag.Tensor) else ag.from_numpy(np.ascontiguousarray(x, dtype=np.float32))
        return MODULES[name]()(x)

    activation.__name__ = activation.__qualname__ = name
    activation.__doc__ = f"Keras' {name!r} activation on a tensor."
    return activation


relu, sigmoid, tanh, softmax, elu, selu, softplus, silu, gelu, relu6, leaky_relu, log_softmax, log_sigmoid, mish, \
    exponential, hard_sigmoid, hard_silu, softsign = (_function(n) for n in (
        "relu", "sigmoid", "tanh", "softmax", "elu", "selu", "softplus", "silu", "gelu", "relu6", "leaky_relu",
        "log_softmax", "log_sigmoid", "mish", "exponential", "hard_sigmoid", "hard_silu", "softsign"))
hard_swish = hard_silu
swish = silu


def linear(x):
    """The identity (no activation)."""
    return x


def get(identifier):
    """The activation module for a Keras name, a function of this module, a callable, or None
    (linear: returns None, no module)."""
    if identifier is None or identifier == "linear" or identifier is linear:
        return None
    if isinstance(identifier, str):
        if identifier not in MODULES:
            not_supported(f"the activation {identifier!r}", f"known: {', '.join(sorted(MODULES))}, linear")
        return MODULES[identifier]()
    if isinstance(identifier, nn.Module):
        return identifier
    name = getattr(identifier, "__name__", None)
    if callable(identifier) and globals().get(name) is identifier:
        return get(name)
    if callable(identifier):
        return Lambda(identifier)
    raise TypeError(f"activation must be a name like 'relu', a function or None, got {identifier!r}")


def serialize(module):
    """The Keras name of an activation module made by ``get`` (None -> "linear"), for saving."""
    if module is None:
        return "linear"
    for name, make in MODULES.items():
        made = make()
        if type(made) is type(module) and vars(made).get("negative_slope") == vars(module).get("negative_slope") \
                and vars(made).get("dim") == vars(module).get("dim"):
            return name
    raise ValueError(f"cannot save the activation {module!r}: only Keras' named activations are saved by name; "
                     "rebuild the model in code and use save_weights / load_weights")
