"""Tensor: numpy storage plus a place in the graph.

This file holds the class and what every tensor has: its storage, dtype and shape, its
gradient and its link into the graph, printing, Python's protocols, and in-place changes.
The ops (``t.exp()``, ``t + u``, ``t.sum(dim)``...) are Functions in ``ops/``, each published
as a Tensor method and an ``ag.`` function by ``register`` on the line under it; creation
functions are in creation.py, random numbers in random.py.
"""
import builtins
import numbers
import weakref

import numpy as np

from . import random
from .dtypes import bool_, float32, float64, int64, is_floating
from .function import ShapeError
from .graph import Variable, _modes, no_grad

_py_int, _py_float = builtins.int, builtins.float


def to_array(data, dtype=None):
    """A new array from a list, number, numpy array or tensor. Without a dtype, Python floats
    become float32 and Python ints int64 (PyTorch's defaults); numpy arrays keep theirs."""
    if isinstance(data, Tensor):
        arr = np.array(data._data, dtype=dtype)
    else:
        if dtype is not None and not isinstance(data, numbers.Number):
            _numeric(np.asarray(data), data)  # before numpy reads the string '1.5' as a number
        arr = np.array(data, dtype=dtype)
        if dtype is None and not isinstance(data, (np.ndarray, np.generic)):
            if arr.dtype == float64:
                arr = arr.astype(float32)
            elif arr.dtype.kind in "iu":
                arr = arr.astype(int64)
    return _numeric(arr, data)


def _numeric(arr, data, op="tensor"):
    """``arr`` if it holds numbers (bool, int, float, complex); else PyTorch's error for ``data``."""
    if arr.dtype.kind in "biufc":
        return arr
    if isinstance(data, (np.ndarray, np.generic)):
        raise TypeError(f"{op}: can't convert a numpy array of dtype {arr.dtype}; tensors hold numbers only "
                        "(bool, int, float, complex): convert it with arr.astype(...) first")
    if arr.dtype.kind in "US":
        raise TypeError(f"{op}: invalid data type {type(data).__name__ if arr.ndim == 0 else 'str'!r}: tensors "
                        "hold numbers only; parse strings first, e.g. float(s)")
    inside = f" (an element is {_first_odd(data)})" if isinstance(data, (list, tuple)) else ""
    raise RuntimeError(f"{op}: could not infer a dtype for {type(data).__name__}{inside}; pass numbers, "
                       "nested lists of numbers or a numeric array")


def _first_odd(data):
    """The type of the first non-number inside ``data``, for the message above."""
    stack = [data]
    while stack:
        x = stack.pop()
        if isinstance(x, (list, tuple)):
            stack.extend(reversed(x))
        elif not isinstance(x, (numbers.Number, np.generic, Tensor)):
            return type(x).__name__
    return type(data).__name__


def _raw(x):
    """A Tensor's array, or the value itself (scalars, arrays, lists stay constants)."""
    return x._data if isinstance(x, Tensor) else x


def _assignable(value, dtype):
    """What ``t[i] = value`` stores: a tensor's array, a number, or an array of numbers. None, strings
    and other objects are refused, as in PyTorch (numpy would store None as nan)."""
    if isinstance(value, Tensor):
        return value._data
    if isinstance(value, (builtins.bool, _py_int, _py_float, np.number, np.bool_)):
        return value
    arr = np.asarray(value)
    if arr.dtype.kind not in "biufc":
        raise TypeError(f"setitem: can't assign a {type(value).__name__} to a tensor of dtype {dtype}; "
                        "assign a number, a tensor or an array of numbers")
    if arr.dtype.kind == "c" and dtype.kind != "c":
        raise RuntimeError(f"setitem: a complex value can't be stored in a tensor of dtype {dtype} "
                           "(its imaginary part would be lost); take .real first")
    return arr


_new = object.__new__


class Tensor(Variable):
    """An n-dimensional array that remembers how it was computed."""

    __slots__ = ("_data", "grad", "grad_fn", "requires_grad", "_accum", "_leaf_hooks",
                 "_retains_grad", "_vc", "__weakref__")
    _xp = np
    _graph_xp = None  # numpy's names over Tensors, for backward with create_graph (set by ops/)
    _shaped = True  # gradients are arrays that the core sums back to each input's shape
    _versioned = True  # in-place ops bump a version counter; saved inputs are checked against it
    __array_ufunc__ = None  # numpy defers to our reflected operators: ndarray * Tensor -> Tensor

    def __init__(self, data=None, dtype=None, requires_grad=False):
        """``Tensor(t)`` is an alias of the tensor ``t`` (the same storage and version counter, as in
        PyTorch); ``Tensor(data)`` copies a list, number or array (float32 unless ``dtype``)."""
        if isinstance(data, Tensor) and (dtype is None or np.dtype(dtype) == data.dtype):
            self._init(data._data, data._vc)
        else:
            arr = to_array([] if data is None else data,
                           dtype=np.dtype(dtype) if dtype else (None if isinstance(data, np.ndarray) else float32))
            self._init(arr, None)
        if requires_grad:
            self.requires_grad_(True)

    def _init(self, data, vc, requires_grad=False):
        self._data = data
        self.grad = None
        self.grad_fn = None
        self.requires_grad = requires_grad
        self._accum = None
        self._leaf_hooks = None
        self._retains_grad = False
        self._vc = vc if vc is not None else [0]

    @classmethod
    def _make(cls, data, vc=None):
        """Wrap an array without copying it (the hot path of every op). Always a plain Tensor:
        an op on a subclass (nn.Parameter) returns a Tensor, as in PyTorch."""
        t = _new(Tensor)
        t._init(data, vc)
        return t

    @classmethod
    def _from_op(cls, raw, inputs):
        if type(raw) is not np.ndarray:
            raw = np.asarray(raw)
        if raw.dtype == float64 and not any(isinstance(a, (np.ndarray, np.generic)) and a.dtype == float64
                                            for a in map(_raw, inputs)):
            raw = raw.astype(float32)  # int tensor / 2 is float32, as in PyTorch
        return Tensor._make(raw)

    # ------------------------------------------------------------- graph core hooks

    def _version_value(self):
        return self._vc[0]

    @property
    def _version(self):
        return self._vc[0]

    def _root_grad(self, gradient, op):
        if gradient is None:
            if self._data.size != 1:
                raise RuntimeError(
                    f"{op}: grad can be implicitly created only for scalar outputs, but this tensor "
                    f"has shape {self.shape}; call .sum() first or pass gradient= of shape {self.shape}")
            return np.array(1, dtype=self._data.dtype).reshape(self._data.shape)  # np.ones, minus its Python layer
        g = gradient._data if isinstance(gradient, Tensor) else np.asarray(gradient)
        if g.shape != self._data.shape:
            raise ShapeError(f"{op}: gradient has shape {g.shape} but the tensor has shape {self.shape}")
        return g.astype(self._data.dtype, copy=True)

    def _accumulate_grad(self, g, create_graph=False, copy=False):
        if isinstance(g, Tensor):
            g = g if create_graph else g._data
        if create_graph:  # keep the graph of the gradient: out-of-place, as a Tensor
            g = g if isinstance(g, Tensor) else Tensor._make(g)
            self.grad = g if self.grad is None else self.grad + g
            return
        g = np.asarray(g)
        if self.grad is None:
            if copy or not g.flags.writeable or g.base is not None or g.dtype != self._data.dtype:
                g = g.astype(self._data.dtype, copy=True)
            self.grad = Tensor._make(g)
        elif self.grad.requires_grad or not self.grad._data.flags.writeable:
            self.grad = Tensor._make((self.grad._data + g).astype(self._data.dtype, copy=False))
        else:
            self.grad._data += g
            self.grad._vc[0] += 1

    def _wrap_grad(self, g):
        return g if isinstance(g, Tensor) else Tensor._make(np.asarray(g))

    # ------------------------------------------------------------- attributes

    @property
    def data(self):
        """The same storage, detached from the graph."""
        return Tensor._make(self._data, self._vc)

    @data.setter
    def data(self, value):
        self._data = value._data if isinstance(value, Tensor) else np.asarray(value)

    @property
    def shape(self):
        return self._data.shape

    @property
    def ndim(self):
        return self._data.ndim

    @property
    def dtype(self):
        return self._data.dtype

    @property
    def device(self):
        return "cpu"

    @property
    def T(self):
        return self.permute(*reversed(range(self.ndim)))

    @property
    def mT(self):
        return self.transpose(-2, -1)

    def size(self, dim=None):
        return self.shape if dim is None else self.shape[dim]

    def dim(self):
        return self.ndim

    def numel(self):
        return self._data.size

    def is_floating_point(self):
        return is_floating(self.dtype)

    def item(self):
        if self._data.size != 1:
            raise RuntimeError(f"item: a tensor with {self._data.size} elements cannot be converted "
                               "to a Python number; index it or reduce it first")
        return self._data.item()

    def tolist(self):
        return self._data.tolist()

    def numpy(self, *, force=False):
        """The storage as a numpy array (shared, not copied). A tensor that requires grad refuses
        unless ``force=True`` (as torch: changes through the array are not seen by the graph)."""
        if self.requires_grad and not force:
            raise RuntimeError("numpy: can't call numpy() on a tensor that requires grad; "
                               "use tensor.detach().numpy() (or numpy(force=True)) instead")
        return self._data

    def __array__(self, dtype=None, copy=None):
        data = self._data if dtype is None else self._data.astype(dtype, copy=False)
        return data.copy() if copy and data is self._data else data

    def detach(self):
        return Tensor._make(self._data, self._vc)

    def detach_(self):
        self.grad_fn, self.requires_grad = None, False
        return self

    def contiguous(self):
        return self

    def requires_grad_(self, requires_grad=True):
        if requires_grad and not is_floating(self.dtype):
            raise RuntimeError(f"requires_grad_: only floating-point tensors can require gradients, "
                               f"got dtype {self.dtype}; convert it first with .float()")
        if not requires_grad and self.grad_fn is not None:
            raise RuntimeError("requires_grad_: you can only change requires_grad of leaf tensors; "
                               "use .detach() for a non-leaf")
        self.requires_grad = requires_grad
        return self

    def cpu(self):
        return self

    # ------------------------------------------------------------- printing

    def __repr__(self):
        data = self._data
        if data.dtype.kind == "f" and data.size and np.isfinite(data).all() and (data == np.round(data)).all():
            body = np.array2string(data, separator=", ", prefix="tensor(", floatmode="maxprec")
        elif data.dtype.kind == "f":
            body = np.array2string(data, separator=", ", prefix="tensor(", precision=4, floatmode="fixed",
                                   suppress_small=True)
        else:
            body = np.array2string(data, separator=", ", prefix="tensor(")
        extras = []
        if data.dtype not in (float32, int64, bool_) or data.size == 0:
            extras.append(f"dtype={data.dtype}")
        if self.grad_fn is not None:
            extras.append(f"grad_fn=<{self.grad_fn.name()}>")
        elif self.requires_grad:
            extras.append("requires_grad=True")
        return "tensor(" + ", ".join([body] + extras) + ")"

    __str__ = __repr__

    # ------------------------------------------------------------- Python protocol

    __hash__ = object.__hash__

    def __len__(self):
        if self.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self.shape[0]

    def __iter__(self):
        if self.ndim == 0:
            raise TypeError("iteration over a 0-d tensor")
        return (self[i] for i in range(self.shape[0]))

    def __bool__(self):
        if self._data.size != 1:
            raise RuntimeError(f"bool: a tensor with {self._data.size} elements is ambiguous; "
                               "use .any() or .all()")
        return bool(self._data)

    def __float__(self):
        return _py_float(self.item())

    def __int__(self):
        return _py_int(self.item())

    def __index__(self):
        if self.dtype.kind not in "iu":
            raise TypeError("only integer tensors of a single element can be used as an index")
        return _py_int(self.item())

    # ------------------------------------------------------------- in place

    def set_(self, source):
        """Share ``source``'s storage (torch.Tensor.set_): a change through either is seen by both.
        A number, list or array becomes the storage as it is (an array is not copied)."""
        if self.requires_grad and _modes.grad_enabled:
            raise RuntimeError("set_: a leaf tensor that requires grad can't change its storage outside "
                               "`with ag.no_grad():`")
        self._data = source._data if isinstance(source, Tensor) else np.asarray(source)
        self._vc[0] += 1
        return self

    def __setitem__(self, index, value):
        if self.requires_grad and _modes.grad_enabled:
            raise RuntimeError("setitem: can't assign into a tensor that requires grad (it would change "
                               "the graph silently); use ag.where(...) or assign inside `with ag.no_grad():`")
        self._data[_index(index)] = _assignable(value, self.dtype)
        self._vc[0] += 1

    def _inplace(self, op, name, value=None):
        """Change this tensor in place to ``op(self)`` (or to the array ``value`` when no graph is
        recorded). Leaves that require grad may only change under no_grad."""
        if self.requires_grad and _modes.grad_enabled:
            if self.grad_fn is None:
                raise RuntimeError(
                    f"{name}: a leaf tensor that requires grad can't be changed in place, because its "
                    "gradient would be wrong; wrap the update in `with ag.no_grad():` or change p.data")
            result = op(self)  # recorded out of place, then this tensor takes its place in the graph
            self._data, self.grad_fn = result._data, result.grad_fn
            self.grad_fn._out_ref = weakref.ref(self)
        else:
            if value is None:
                with no_grad():
                    value = op(self)._data
            np.copyto(self._data, value, casting="unsafe")
        self._vc[0] += 1
        return self

    def add_(self, other, alpha=1):
        return self._inplace(lambda t: t + other * alpha if alpha != 1 else t + other, "add_")

    def sub_(self, other, alpha=1):
        return self._inplace(lambda t: t - other * alpha if alpha != 1 else t - other, "sub_")

    def mul_(self, other):
        return self._inplace(lambda t: t * other, "mul_")

    def div_(self, other):
        return self._inplace(lambda t: t / other, "div_")

    def clamp_(self, min=None, max=None):
        return self._inplace(lambda t: t.clamp(min, max), "clamp_")

    def copy_(self, src):
        return self._inplace(lambda t: (src if isinstance(src, Tensor) else Tensor._make(to_array(src))).to(t.dtype).expand(t.shape).clone(), "copy_", _raw(src))

    def fill_(self, value):
        return self._inplace(lambda t: t * 0 + value, "fill_", _raw(value))

    def zero_(self):
        return self.fill_(0)

    def uniform_(self, a=0.0, b=1.0):
        return self.copy_(random.get_rng().uniform(a, b, size=self.shape))

    def normal_(self, mean=0.0, std=1.0):
        return self.copy_(random.get_rng().normal(mean, std, size=self.shape))


def increment_version(tensor):
    """Tell the graph that ``tensor``'s storage was changed in place outside an op (as
    torch.autograd.graph.increment_version): a backward that saved the old value then refuses."""
    tensor._vc[0] += 1


def _index(index):
    """Tensors and lists inside an index become arrays numpy understands."""
    if isinstance(index, tuple):
        return tuple(_index(i) for i in index)
    if isinstance(index, Tensor):
        return index._data
    if isinstance(index, list):
        return np.asarray(index)
    return index
