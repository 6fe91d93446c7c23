"""Value: a micrograd-style scalar on the same graph core as Tensor.

The same Function classes run on Python floats (``ctx.xp`` is ``scalar_math``),
the same walk runs backward, and the same drawing code shows the graph. Like
micrograd, every Value keeps its ``.grad`` (a float) after backward.
"""
import weakref

from . import ops_math as M
from .backend import scalar_math
from .function import _forward_error
from .graph import Variable, _creation_counter, _modes
from .operators import Operators


class Value(Operators, Variable):
    """A scalar that remembers how it was computed: ``(Value(2.0) * 3).backward()``."""

    __slots__ = ("_data", "grad", "grad_fn", "requires_grad", "_accum", "_leaf_hooks", "label", "_prev",
                 "__weakref__")
    _xp = scalar_math
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
    def _from_op(cls, raw, inputs):
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

    # The operators of Operators, entered through scalar_apply (below) instead of Function.apply.
    def __add__(self, other): return scalar_apply(M.Add, self, other)
    def __radd__(self, other): return scalar_apply(M.Add, other, self)
    def __sub__(self, other): return scalar_apply(M.Sub, self, other)
    def __rsub__(self, other): return scalar_apply(M.Sub, other, self)
    def __mul__(self, other): return scalar_apply(M.Mul, self, other)
    def __rmul__(self, other): return scalar_apply(M.Mul, other, self)
    def __truediv__(self, other): return scalar_apply(M.Div, self, other)
    def __rtruediv__(self, other): return scalar_apply(M.Div, other, self)
    def __pow__(self, other): return scalar_apply(M.Pow, self, other)
    def __rpow__(self, other): return scalar_apply(M.Pow, other, self)
    def __neg__(self): return scalar_apply(M.Neg, self)

    def exp(self): return scalar_apply(M.Exp, self)
    def log(self): return scalar_apply(M.Log, self)
    def tanh(self): return scalar_apply(M.Tanh, self)
    def sigmoid(self): return scalar_apply(M.Sigmoid, self)
    def relu(self): return scalar_apply(M.Relu, self)


def scalar_apply(fn, *inputs):
    """``fn.apply(*inputs)`` for the scalar engine: the same Function, node and graph, a little faster.

    A scalar graph has one node per float operation. Here every input is a Value or a
    plain number, which settles what apply works out per call: the output is a Value,
    there are no shapes to unbroadcast, no version counters (a Value never changes in
    place) and no parameters. That saves about a tenth of a Value op's forward. Grad mode
    off, anomaly detection and recording take the general path.
    """
    if not _modes.grad_enabled or _modes.anomaly or _modes.recorders:
        return fn.apply(*inputs)
    arrays, edges, record = [], [], False
    for x in inputs:
        if type(x) is Value:
            arrays.append(x._data)
            if x.requires_grad:
                record = True
                edges.append(x.grad_fn or x._node())
                continue
        elif isinstance(x, Variable):  # a Tensor or a subclass of Value: let apply sort it out
            return fn.apply(*inputs)
        else:
            arrays.append(x)
        edges.append(None)
    ctx = fn.__new__(fn)
    ctx._edges = edges  # forward may ask needs_input_grad
    ctx.xp = scalar_math
    ctx._saved = None
    try:
        raw = ctx.forward(*arrays)
    except (ValueError, IndexError) as err:
        raise _forward_error(fn, err, arrays) from None
    out = Value._from_op(raw, inputs)
    if record:  # as in Function.apply
        ctx._seq = next(_creation_counter)
        ctx._edges = tuple(edges)
        ctx._shapes = ctx._hooks = ctx._saved_from = None
        ctx._out_ref = weakref.ref(out)
        out.grad_fn = ctx
        out.requires_grad = True
    return out
