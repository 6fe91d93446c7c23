"""Keras' layers (``from seegrad.keras.layers import Dense, ...``), each an ``nn.Module``.

    base.py           Layer (lazy build, Keras' weights, trainable), Input, InputLayer, KerasTensor
    core.py           Dense, Activation, Dropout, Flatten, Reshape, Embedding, Rescaling, Lambda
    conv.py           Conv1D, Conv2D, Conv2DTranspose, SeparableConv2D, Max/AveragePooling1D/2D (channels-last)
    reshaping.py      GlobalAverage/MaxPooling1D/2D, UpSampling2D, ZeroPadding2D, Cropping2D, Permute, RepeatVector
    activation.py     ReLU, LeakyReLU, PReLU, ELU, Softmax
    noise.py          SpatialDropout1D/2D, GaussianNoise, GaussianDropout
    normalization.py  BatchNormalization, LayerNormalization, Normalization (adapt)
    recurrent.py      SimpleRNN, LSTM, GRU
    merging.py        Add, Subtract, Multiply, Average, Maximum, Minimum, Concatenate, Dot (and add(), ...)
    wrappers.py       Bidirectional, TimeDistributed
    augmentation.py   RandomFlip, RandomRotation, RandomZoom
"""
from .activation import ELU, LeakyReLU, PReLU, ReLU, Softmax
from .augmentation import RandomFlip, RandomRotation, RandomZoom
from .base import Input, InputLayer, KerasTensor, Layer
from .conv import (AveragePooling1D, AveragePooling2D, Conv1D, Conv2D, Conv2DTranspose, MaxPooling1D, MaxPooling2D,
                   SeparableConv2D)
from .core import Activation, Dense, Dropout, Embedding, Flatten, Lambda, Rescaling, Reshape
from .merging import (Add, Average, Concatenate, Dot, Maximum, Minimum, Multiply, Subtract, add, average,
                      concatenate, dot, maximum, minimum, multiply, subtract)
from .noise import GaussianDropout, GaussianNoise, SpatialDropout1D, SpatialDropout2D
from .normalization import BatchNormalization, LayerNormalization, Normalization
from .recurrent import GRU, LSTM, SimpleRNN
from .reshaping import (Cropping2D, GlobalAveragePooling1D, GlobalAveragePooling2D, GlobalMaxPooling1D,
                        GlobalMaxPooling2D, Permute, RepeatVector, UpSampling2D, ZeroPadding2D)
from .wrappers import Bidirectional, TimeDistributed

# Keras' aliases
MaxPool1D, AvgPool1D, MaxPool2D, AvgPool2D = MaxPooling1D, AveragePooling1D, MaxPooling2D, AveragePooling2D
Convolution1D, Convolution2D, Convolution2DTranspose = Conv1D, Conv2D, Conv2DTranspose
SeparableConvolution2D = SeparableConv2D
GlobalAvgPool1D, GlobalAvgPool2D, GlobalMaxPool1D, GlobalMaxPool2D = (GlobalAveragePooling1D, GlobalAveragePooling2D,
                                                                      GlobalMaxPooling1D, GlobalMaxPooling2D)

__all__ = ["Layer", "Input", "InputLayer", "KerasTensor", "Dense", "Activation", "Dropout", "Flatten", "Reshape",
           "Embedding", "Rescaling", "Lambda", "Conv1D", "Conv2D", "Conv2DTranspose", "SeparableConv2D", "MaxPooling1D",
           "AveragePooling1D", "MaxPooling2D", "AveragePooling2D", "MaxPool1D", "AvgPool1D", "MaxPool2D", "AvgPool2D",
           "Convolution1D", "Convolution2D", "Convolution2DTranspose", "SeparableConvolution2D",
           "GlobalAveragePooling1D", "GlobalAveragePooling2D", "GlobalMaxPooling1D", "GlobalMaxPooling2D",
           "GlobalAvgPool1D", "GlobalAvgPool2D", "GlobalMaxPool1D", "GlobalMaxPool2D",
           "UpSampling2D", "ZeroPadding2D", "Cropping2D", "Permute", "RepeatVector",
           "ReLU", "LeakyReLU", "PReLU", "ELU", "Softmax",
           "SpatialDropout1D", "SpatialDropout2D", "GaussianNoise", "GaussianDropout",
           "BatchNormalization", "LayerNormalization", "Normalization", "SimpleRNN", "LSTM", "GRU",
           "Add", "Subtract", "Multiply", "Average", "Maximum", "Minimum", "Concatenate", "Dot",
           "add", "subtract", "multiply", "average", "maximum", "minimum", "concatenate", "dot",
           "Bidirectional", "TimeDistributed", "RandomFlip", "RandomRotation", "RandomZoom"]


def __getattr__(name):  # a Keras layer this front end does not have: say so by its name
    if name[:1].isupper():
        from ..utils import not_supported
        layers = [n for n in __all__[4:] if n[:1].isupper()]
        not_supported(f"the layer keras.layers.{name}", f"available: {', '.join(sorted(layers))}")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
