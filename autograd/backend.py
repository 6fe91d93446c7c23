"""The one seam between the engine and its array library.

Ops never import numpy for their maths: they ask the context for ``xp``, which is
the array module of the inputs (numpy for Tensor, ``scalar_math`` for Value, and
the differentiable ``autograd`` namespace while building a graph of the backward
pass). A GPU backend with numpy's interface (CuPy) plugs in here.
"""
import math

import numpy as np

array_module = np  # the module Tensor storage lives in


def get_array_module(array):
    """The array module that owns ``array`` (numpy today; CuPy would return cupy)."""
    return np


class scalar_math:
    """numpy's function names over Python floats: the scalar engine's array module."""

    exp = staticmethod(math.exp)
    log = staticmethod(math.log)
    log1p = staticmethod(math.log1p)
    sqrt = staticmethod(math.sqrt)
    tanh = staticmethod(math.tanh)
    sin = staticmethod(math.sin)
    cos = staticmethod(math.cos)
    abs = staticmethod(abs)
    maximum = staticmethod(max)
    minimum = staticmethod(min)

    @staticmethod
    def sign(x):
        return (x > 0) - (x < 0)

    @staticmethod
    def where(cond, a, b):
        return a if cond else b

    @staticmethod
    def isfinite(x):
        return math.isfinite(x)
