"""Value: a micrograd-style scalar on the same graph core as Tensor.

Its operators and methods (``+ - * / **``, exp, log, tanh, sigmoid, relu) are the ops
registered with ``scalar=True`` (ops/). The same Function classes run on Python floats (``ctx.xp`` is ``scalar_math``),
the same walk runs backward, and the same drawing code shows the graph. Like
micrograd, every Value keeps its ``.grad`` (a float) after backward.
"""
from .backend import scalar_math
from .graph import Variable


class Value(Variable):
    """A scalar that remembers how it was computed: ``(Value(2.0) * 3).backward()``."""

    __slots__ = ("_data", "grad", "grad_fn", "requires_grad", "_accum", "_leaf_hooks", "label", "_prev",
                 "__weakref__")
    _xp = scalar_math
    _graph_xp = scalar_math  # (a Value's backward never builds a graph)
    _shaped = False  # floats: nothing to unbroadcast
    _versioned = False  # a Value never changes in place
    _retains_grad = True  # every Value keeps its gradient, as in micrograd

    def __init__(self, data, label="", requires_grad=True):
        self._data = float(data)
        self.grad = 0.0
        self.grad_fn = None
        self.requires_grad = requires_grad
        self._accum = None
        self._leaf_hooks = None
        self.label = label
        self._prev = ()

    @classmethod
    def _from_op(cls, raw, inputs, op=None):
        v = cls.__new__(cls)
        v._data, v.grad, v.grad_fn, v.requires_grad = raw, 0.0, None, False
        v._accum = v._leaf_hooks = None
        v.label = ""
        # Like micrograd's _prev: a Value keeps its inputs alive, so every node of a scalar
        # graph still has its number when the graph is drawn (Tensors don't: too much memory).
        v._prev = inputs
        return v

    _make = classmethod(lambda cls, raw: cls._from_op(raw, ()))

    @property
    def data(self):
        return self._data

    @data.setter
    def data(self, value):
        self._data = float(value)

    @property
    def shape(self):
        return ()

    @property
    def dtype(self):
        return "float"

    def _version_value(self):
        return 0  # a Value never changes in place

    def _root_grad(self, gradient, op):
        return 1.0 if gradient is None else float(gradient)

    def _accumulate_grad(self, g, create_graph=False, copy=False):
        self.grad += g

    def _wrap_grad(self, g):
        return g

    def item(self):
        return self._data

    def __repr__(self):
        label = f", label={self.label!r}" if self.label else ""
        return f"Value(data={self._data:.4g}, grad={self.grad:.4g}{label})"

    __hash__ = object.__hash__
