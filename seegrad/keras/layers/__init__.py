"""Keras' layers (``from seegrad.keras.layers import Dense, ...``), each an ``nn.Module``.

    base.py           Layer (lazy build, Keras' weights, trainable), Input, InputLayer, KerasTensor
    core.py           Dense, Activation, Dropout, Flatten, Reshape, Embedding
    conv.py           Conv2D, MaxPooling2D, AveragePooling2D (channels-last)
    normalization.py  BatchNormalization
    recurrent.py      SimpleRNN, LSTM, GRU
"""
from .base import Input, InputLayer, KerasTensor, Layer
from .conv import AveragePooling2D, Conv2D, MaxPooling2D
from .core import Activation, Dense, Dropout, Embedding, Flatten, Reshape
from .normalization import BatchNormalization
from .recurrent import GRU, LSTM, SimpleRNN

MaxPool2D, AvgPool2D = MaxPooling2D, AveragePooling2D  # Keras' aliases

__all__ = ["Layer", "Input", "InputLayer", "KerasTensor", "Dense", "Activation", "Dropout", "Flatten", "Reshape",
           "Embedding", "Conv2D", "MaxPooling2D", "AveragePooling2D", "MaxPool2D", "AvgPool2D",
           "BatchNormalization", "SimpleRNN", "LSTM", "GRU"]


def __getattr__(name):  # a Keras layer this front end does not have: say so by its name
    if name[:1].isupper():
        from ..utils import not_supported
        not_supported(f"the layer keras.layers.{name}", f"available: {', '.join(sorted(__all__[4:]))}")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
