"""Tensor: numpy storage plus a place in the graph.

Primitive ops are Functions (ops_*.py); composite ops (mean, var, std, softmax's
friends, split, stack...) are written here from primitives and get their gradients
for free.
"""
import builtins
import collections
import numbers
import weakref

import numpy as np

from . import ops_math as M
from . import ops_reduce as R
from . import ops_shape as S
from .function import ShapeError
from .graph import Variable, _modes, no_grad
from .operators import Operators

float16, float32, float64 = np.dtype(np.float16), np.dtype(np.float32), np.dtype(np.float64)
int32, int64, bool_ = np.dtype(np.int32), np.dtype(np.int64), np.dtype(np.bool_)
uint8, int8, int16 = np.dtype(np.uint8), np.dtype(np.int8), np.dtype(np.int16)
float, double, half, long, int = float32, float64, float16, int64, int32  # torch's aliases
_py_int, _py_float = builtins.int, builtins.float  # this module defines int/float/max/sum like torch

return_types = collections.namedtuple("max", ["values", "indices"])


def _is_float(dtype):
    return dtype.kind == "f"


def _dtype(dtype):
    return None if dtype is None else np.dtype(dtype)


def _axes(dim, ndim):
    """Normalise a dim argument to None or a sorted tuple of non-negative axes."""
    if dim is None or ndim == 0:
        return None
    dims = dim if isinstance(dim, (tuple, list)) else (dim,)
    out = []
    for d in dims:
        if not -ndim <= d < ndim:
            raise IndexError(f"dim {d} is out of range for a tensor with {ndim} dimensions "
                             f"(expected a dim in [{-ndim}, {ndim - 1}])")
        out.append(d % ndim)
    return tuple(sorted(out))


def _pick(dim, axis, keepdim, keepdims):
    """Accept PyTorch's dim/keepdim and numpy's axis/keepdims alike."""
    return (axis if dim is None else dim), bool(keepdims if keepdims is not None else keepdim)


def _shape_arg(shape):
    if len(shape) == 1 and isinstance(shape[0], (tuple, list, np.ndarray)):
        shape = tuple(shape[0])
    return tuple(_py_int(n) for n in shape)


def _raw(x):
    """A Tensor's array, or the value itself (scalars, arrays, lists stay constants)."""
    return x._data if isinstance(x, Tensor) else x


class Tensor(Operators, Variable):
    """An n-dimensional array that remembers how it was computed."""

    __slots__ = ("_data", "grad", "grad_fn", "requires_grad", "_accum", "_leaf_hooks",
                 "_retains_grad", "_vc", "__weakref__")
    _xp = np
    _shaped = True  # gradients are arrays that the core sums back to each input's shape
    _versioned = True  # in-place ops bump a version counter; saved inputs are checked against it
    __array_ufunc__ = None  # numpy defers to our reflected operators: ndarray * Tensor -> Tensor

    def __init__(self, data=None, dtype=None, requires_grad=False):
        t = tensor([] if data is None else data, dtype=dtype or (None if isinstance(data, np.ndarray) else float32),
                   requires_grad=requires_grad)
        self._init(t._data, None, t.requires_grad)

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
        """Wrap an array without copying it (the hot path of every op)."""
        t = cls.__new__(cls)
        t._init(data, vc)
        return t

    @classmethod
    def _from_op(cls, raw, inputs):
        if type(raw) is not np.ndarray:
            raw = np.asarray(raw)
        if raw.dtype == float64 and not any(isinstance(a, (np.ndarray, np.generic)) and a.dtype == float64
                                            for a in map(_raw, inputs)):
            raw = raw.astype(float32)  # int tensor / 2 is float32, as in PyTorch
        return cls._make(raw)

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
        return _is_float(self.dtype)

    def item(self):
        if self._data.size != 1:
            raise RuntimeError(f"item: a tensor with {self._data.size} elements cannot be converted "
                               "to a Python number; index it or reduce it first")
        return self._data.item()

    def tolist(self):
        return self._data.tolist()

    def numpy(self):
        if self.requires_grad:
            raise RuntimeError("numpy: can't call numpy() on a tensor that requires grad; "
                               "use tensor.detach().numpy() instead")
        return self._data

    def __array__(self, dtype=None, copy=None):
        return self._data if dtype is None else self._data.astype(dtype)

    def detach(self):
        return Tensor._make(self._data, self._vc)

    def _zero_grad(self, set_to_none=True):
        """Clear ``.grad``: to None, or to zeros in place (Module's and Optimizer's zero_grad)."""
        if self.grad is None:
            return
        if set_to_none:
            self.grad = None
        else:
            self.grad._data[...] = 0
            self.grad._vc[0] += 1

    def detach_(self):
        self.grad_fn, self.requires_grad = None, False
        return self

    def clone(self):
        return S.Clone.apply(self)

    def contiguous(self):
        return self

    def requires_grad_(self, requires_grad=True):
        if requires_grad and not _is_float(self.dtype):
            raise RuntimeError(f"requires_grad_: only floating-point tensors can require gradients, "
                               f"got dtype {self.dtype}; convert it first with .float()")
        if not requires_grad and self.grad_fn is not None:
            raise RuntimeError("requires_grad_: you can only change requires_grad of leaf tensors; "
                               "use .detach() for a non-leaf")
        self.requires_grad = requires_grad
        return self

    def to(self, dtype=None, *args, **kwargs):
        dtype = kwargs.get("dtype", dtype)
        if dtype is None or isinstance(dtype, str) and dtype in ("cpu",):
            return self
        dtype = np.dtype(dtype)
        if dtype == self.dtype:
            return self
        return S.Cast.apply(self, dtype=dtype)

    type = to

    def float(self):
        return self.to(float32)

    def double(self):
        return self.to(float64)

    def long(self):
        return self.to(int64)

    def int(self):
        return self.to(int32)

    def bool(self):
        return self.to(bool_)

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

    # ------------------------------------------------------------- arithmetic

    def __matmul__(self, other): return matmul(self, other)
    def __rmatmul__(self, other): return matmul(other, self)
    def __floordiv__(self, other): return floor_divide(self, other)
    def __rfloordiv__(self, other): return floor_divide(other, self)
    def __mod__(self, other): return remainder(self, other)
    def __rmod__(self, other): return remainder(other, self)
    def __pos__(self): return self
    def __abs__(self): return self.abs()

    # comparisons and logic: no gradient flows through them
    def _compare(self, other, fn):
        return Tensor._make(np.asarray(fn(self._data, _raw(other))))

    def __lt__(self, other): return self._compare(other, np.less)
    def __le__(self, other): return self._compare(other, np.less_equal)
    def __gt__(self, other): return self._compare(other, np.greater)
    def __ge__(self, other): return self._compare(other, np.greater_equal)
    def __eq__(self, other): return self._compare(other, np.equal)
    def __ne__(self, other): return self._compare(other, np.not_equal)
    def __and__(self, other): return self._compare(other, np.logical_and if self.dtype == bool_ else np.bitwise_and)
    def __or__(self, other): return self._compare(other, np.logical_or if self.dtype == bool_ else np.bitwise_or)
    def __invert__(self): return Tensor._make(np.logical_not(self._data) if self.dtype == bool_ else ~self._data)
    lt, le, gt, ge, eq, ne = __lt__, __le__, __gt__, __ge__, __eq__, __ne__

    def equal(self, other):
        return bool(self.shape == other.shape and np.array_equal(self._data, _raw(other)))

    def allclose(self, other, rtol=1e-5, atol=1e-8):
        return bool(np.allclose(self._data, _raw(other), rtol=rtol, atol=atol))

    def any(self):
        return Tensor._make(np.asarray(self._data.any()))

    def all(self):
        return Tensor._make(np.asarray(self._data.all()))

    def isnan(self):
        return Tensor._make(np.isnan(self._data))

    def isfinite(self):
        return Tensor._make(np.isfinite(self._data))

    add, sub, mul, div, pow = Operators.__add__, Operators.__sub__, Operators.__mul__, Operators.__truediv__, \
        Operators.__pow__
    subtract, multiply, divide, true_divide = sub, mul, div, div

    def neg(self): return M.Neg.apply(self)
    def log1p(self): return M.Log1p.apply(self)
    def sqrt(self): return M.Sqrt.apply(self)
    def rsqrt(self): return 1 / M.Sqrt.apply(self)
    def abs(self): return M.Abs.apply(self)
    def sign(self): return M.Sign.apply(self)
    def sin(self): return M.Sin.apply(self)
    def cos(self): return M.Cos.apply(self)
    def square(self): return M.Mul.apply(self, self)
    def floor(self): return M.Floor.apply(self)
    def ceil(self): return M.Ceil.apply(self)
    def round(self): return M.Round.apply(self)
    def remainder(self, other): return remainder(self, other)
    def floor_divide(self, other): return floor_divide(self, other)

    def clamp(self, min=None, max=None):
        if min is None and max is None:
            raise ValueError("clamp: at least one of min and max must be given")
        return M.Clamp.apply(self, min=_raw(min), max=_raw(max))

    clip = clamp

    def maximum(self, other): return M.Maximum.apply(self, other)
    def minimum(self, other): return M.Minimum.apply(self, other)
    def where(self, condition, other): return where(condition, self, other)
    def matmul(self, other): return matmul(self, other)
    def outer(self, other): return outer(self, other)
    def dot(self, other): return matmul(self, other)

    # ------------------------------------------------------------- reductions

    def sum(self, dim=None, keepdim=False, *, axis=None, keepdims=None, dtype=None):
        dim, keepdim = _pick(dim, axis, keepdim, keepdims)
        x = self if dtype is None else self.to(dtype)
        if x.dtype == bool_ or x.dtype.kind in "iu" and dtype is None:
            x = x.to(int64)
        return R.Sum.apply(x, axis=_axes(dim, self.ndim), keepdims=keepdim)

    def mean(self, dim=None, keepdim=False, *, axis=None, keepdims=None, dtype=None):
        dim, keepdim = _pick(dim, axis, keepdim, keepdims)
        if not _is_float(self.dtype) and dtype is None:
            raise RuntimeError(f"mean: input dtype should be floating point, got {self.dtype}; use .float() first")
        axes = _axes(dim, self.ndim)
        count = self.numel() if axes is None else _py_int(np.prod([self.shape[a] for a in axes]))
        return self.sum(dim, keepdim, dtype=dtype) / count

    def var(self, dim=None, unbiased=None, keepdim=False, *, correction=None, axis=None, keepdims=None):
        dim, keepdim = _pick(dim, axis, keepdim, keepdims)
        if correction is None:
            correction = 1 if unbiased is None else _py_int(bool(unbiased))
        axes = _axes(dim, self.ndim)
        count = self.numel() if axes is None else _py_int(np.prod([self.shape[a] for a in axes]))
        centred = self - self.mean(dim, keepdim=True)
        return (centred * centred).sum(dim, keepdim) / builtins.max(count - correction, 0)

    def std(self, dim=None, unbiased=None, keepdim=False, *, correction=None, axis=None, keepdims=None):
        return self.var(dim, unbiased, keepdim, correction=correction, axis=axis, keepdims=keepdims).sqrt()

    def _extreme(self, dim, keepdim, largest, axis=None, keepdims=None):
        if isinstance(dim, Tensor):  # torch.max(a, b) is the elementwise maximum
            return M.Maximum.apply(self, dim) if largest else M.Minimum.apply(self, dim)
        dim, keepdim = _pick(dim, axis, keepdim, keepdims)
        if self._data.size == 0:
            raise RuntimeError(f"{'max' if largest else 'min'}: the tensor is empty; there is no extreme value")
        if dim is None:
            return R.Amax.apply(self, axis=None, keepdims=False, largest=largest)
        (axis,) = _axes(dim, self.ndim) or (0,)
        if self.ndim == 0:
            return return_types(self.clone(), Tensor._make(np.asarray(0)))
        values = R.MaxDim.apply(self, axis=axis, keepdims=keepdim, largest=largest)
        idx = (np.argmax if largest else np.argmin)(self._data, axis=axis, keepdims=keepdim)
        return return_types(values, Tensor._make(np.asarray(idx, dtype=int64)))

    def max(self, dim=None, keepdim=False, *, axis=None, keepdims=None):
        return self._extreme(dim, keepdim, True, axis, keepdims)

    def min(self, dim=None, keepdim=False, *, axis=None, keepdims=None):
        return self._extreme(dim, keepdim, False, axis, keepdims)

    def amax(self, dim=None, keepdim=False):
        return R.Amax.apply(self, axis=_axes(dim, self.ndim), keepdims=keepdim, largest=True)

    def amin(self, dim=None, keepdim=False):
        return R.Amax.apply(self, axis=_axes(dim, self.ndim), keepdims=keepdim, largest=False)

    def prod(self, dim=None, keepdim=False, *, axis=None, keepdims=None):
        dim, keepdim = _pick(dim, axis, keepdim, keepdims)
        return R.Prod.apply(self, axis=_axes(dim, self.ndim), keepdims=keepdim)

    def logsumexp(self, dim=None, keepdim=False, *, axis=None, keepdims=None):
        dim, keepdim = _pick(dim, axis, keepdim, keepdims)
        return R.LogSumExp.apply(self, axis=_axes(dim, self.ndim), keepdims=keepdim)

    def softmax(self, dim=-1, *, axis=None):
        dim = dim if axis is None else axis
        return R.Softmax.apply(self, axis=(_axes(dim, self.ndim) or (None,))[0])

    def log_softmax(self, dim=-1, *, axis=None):
        dim = dim if axis is None else axis
        return R.LogSoftmax.apply(self, axis=(_axes(dim, self.ndim) or (None,))[0])

    def _arg_extreme(self, fn, dim, keepdim, axis, keepdims):
        dim, keepdim = _pick(dim, axis, keepdim, keepdims)
        index = fn(self._data) if dim is None else fn(self._data, axis=dim, keepdims=keepdim)
        return Tensor._make(np.asarray(index, dtype=int64))

    def argmax(self, dim=None, keepdim=False, *, axis=None, keepdims=None):
        return self._arg_extreme(np.argmax, dim, keepdim, axis, keepdims)

    def argmin(self, dim=None, keepdim=False, *, axis=None, keepdims=None):
        return self._arg_extreme(np.argmin, dim, keepdim, axis, keepdims)

    # ------------------------------------------------------------- shape

    def reshape(self, *shape):
        shape = _shape_arg(shape)
        if shape == self.shape:
            return self
        try:
            return S.Reshape.apply(self, shape=shape)
        except ShapeError:
            raise ShapeError(f"reshape: shape {self.shape} ({self.numel()} elements) cannot be "
                             f"reshaped to {shape}") from None

    view = reshape

    def view_as(self, other):
        return self.reshape(other.shape)

    def flatten(self, start_dim=0, end_dim=-1):
        if self.ndim == 0:
            return self.reshape(1)
        start, end = start_dim % self.ndim, end_dim % self.ndim
        shape = self.shape[:start] + (-1,) + self.shape[end + 1:]
        return self.reshape(shape) if start <= end else self

    def squeeze(self, dim=None):
        if dim is None:
            return self.reshape(tuple(n for n in self.shape if n != 1))
        axes = _axes(dim, self.ndim) or ()
        return self.reshape(tuple(n for i, n in enumerate(self.shape) if not (i in axes and n == 1)))

    def unsqueeze(self, dim):
        dim = dim % (self.ndim + 1) if dim < 0 else dim
        if dim > self.ndim:
            raise IndexError(f"unsqueeze: dim {dim} is out of range for a tensor with {self.ndim} dimensions")
        return self.reshape(self.shape[:dim] + (1,) + self.shape[dim:])

    def permute(self, *dims):
        dims = _shape_arg(dims)
        if sorted(d % builtins.max(self.ndim, 1) for d in dims) != list(range(self.ndim)):
            raise ShapeError(f"permute: dims {dims} are not a permutation of the {self.ndim} dims of {self.shape}")
        dims = tuple(d % self.ndim for d in dims)
        return self if dims == tuple(range(self.ndim)) else S.Permute.apply(self, axes=dims)

    def transpose(self, dim0=-2, dim1=-1):
        if isinstance(dim0, (tuple, list)):  # numpy's spelling: transpose(axes) permutes
            return self.permute(*dim0)
        if self.ndim < 2:
            return self
        axes = list(range(self.ndim))
        axes[dim0], axes[dim1] = axes[dim1], axes[dim0]
        return self.permute(*axes)

    swapaxes = transpose

    def t(self):
        return self.transpose(0, 1)

    def expand(self, *sizes):
        sizes = _shape_arg(sizes)
        lead = len(sizes) - self.ndim
        if lead < 0:
            raise ShapeError(f"expand: the target {sizes} has fewer dimensions than the tensor {self.shape}")
        shape = tuple(self.shape[i - lead] if n == -1 else n for i, n in enumerate(sizes))
        return self if shape == self.shape else S.Expand.apply(self, shape=shape)

    def broadcast_to(self, shape):
        return self.expand(*_shape_arg((shape,)))

    def expand_as(self, other):
        return self.expand(other.shape)

    def split(self, split_size_or_sections, dim=0):
        dim = dim % self.ndim
        n = self.shape[dim]
        if isinstance(split_size_or_sections, numbers.Integral):
            sizes = [split_size_or_sections] * (n // split_size_or_sections)
            if n % split_size_or_sections:
                sizes.append(n % split_size_or_sections)
        else:
            sizes = list(split_size_or_sections)
            if builtins.sum(sizes) != n:
                raise ShapeError(f"split: sections {sizes} sum to {builtins.sum(sizes)} but dim {dim} has size {n}")
        lead = (slice(None),) * dim
        out, start = [], 0
        for size in sizes:
            out.append(self[lead + (slice(start, start + size),)])
            start += size
        return tuple(out)

    def chunk(self, chunks, dim=0):
        n = self.shape[dim % self.ndim]
        return self.split(-(-n // chunks) if n else 1, dim)

    def unbind(self, dim=0):
        return tuple(t.squeeze(dim) for t in self.split(1, dim))

    # ------------------------------------------------------------- indexing

    def __getitem__(self, index):
        return S.GetItem.apply(self, index=_index(index))

    def __setitem__(self, index, value):
        if self.requires_grad and _modes.grad_enabled:
            raise RuntimeError("setitem: can't assign into a tensor that requires grad (it would change "
                               "the graph silently); use ag.where(...) or assign inside `with ag.no_grad():`")
        self._data[_index(index)] = _raw(value)
        self._vc[0] += 1

    # ------------------------------------------------------------- in place

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
        return self._inplace(lambda t: _t(src).to(t.dtype).expand(t.shape).clone(), "copy_", _raw(src))

    def fill_(self, value):
        return self._inplace(lambda t: t * 0 + value, "fill_", _raw(value))

    def zero_(self):
        return self.fill_(0)

    def uniform_(self, a=0.0, b=1.0):
        return self.copy_(_rng().uniform(a, b, size=self.shape))

    def normal_(self, mean=0.0, std=1.0):
        return self.copy_(_rng().normal(mean, std, size=self.shape))


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


# --------------------------------------------------------------------- creation

_generator = [np.random.default_rng()]


def _rng():
    return _generator[0]


def get_rng():
    """The numpy Generator behind every random op (reseeded by manual_seed)."""
    return _generator[0]


def manual_seed(seed):
    """Seed the generator behind rand, randn, randint, dropout and nn.init."""
    _generator[0] = np.random.default_rng(seed)


def tensor(data, dtype=None, requires_grad=False):
    """A new leaf tensor from a list, number, numpy array or tensor (Python floats -> float32)."""
    if isinstance(data, Tensor):
        arr = np.array(data._data, dtype=_dtype(dtype))
    else:
        arr = np.array(data, dtype=_dtype(dtype))
        if dtype is None and not isinstance(data, (np.ndarray, np.generic)):
            if arr.dtype == float64:
                arr = arr.astype(float32)
            elif arr.dtype.kind in "iu":
                arr = arr.astype(int64)
    if arr.dtype == object:
        raise TypeError(f"tensor: could not turn {type(data).__name__} into a numeric array")
    t = Tensor._make(arr)
    if requires_grad:
        t.requires_grad_(True)
    return t


def as_tensor(data, dtype=None):
    return data if isinstance(data, Tensor) and dtype is None else tensor(data, dtype)


def from_numpy(array):
    """A tensor sharing memory with ``array`` (keeps its dtype)."""
    return Tensor._make(array)


def _filled(shape, value, dtype, requires_grad):
    t = Tensor._make(np.full(_shape_arg(shape), value, dtype=_dtype(dtype) or float32))
    return t.requires_grad_(True) if requires_grad else t


def zeros(*shape, dtype=None, requires_grad=False):
    return _filled(shape, 0, dtype, requires_grad)


def ones(*shape, dtype=None, requires_grad=False):
    return _filled(shape, 1, dtype, requires_grad)


def empty(*shape, dtype=None, requires_grad=False):
    return _filled(shape, 0, dtype, requires_grad)


def full(size, fill_value, dtype=None, requires_grad=False):
    if dtype is None and isinstance(fill_value, (bool, np.bool_)):
        dtype = bool_
    elif dtype is None and isinstance(fill_value, numbers.Integral):
        dtype = int64
    return _filled((size,), fill_value, dtype, requires_grad)


def zeros_like(t, dtype=None, requires_grad=False):
    return _filled((np.shape(_raw(t)),), 0, dtype or _raw(t).dtype, requires_grad)


def ones_like(t, dtype=None, requires_grad=False):
    return _filled((np.shape(_raw(t)),), 1, dtype or _raw(t).dtype, requires_grad)


def full_like(t, fill_value, dtype=None, requires_grad=False):
    return _filled((np.shape(_raw(t)),), fill_value, dtype or _raw(t).dtype, requires_grad)


def empty_like(t, dtype=None, requires_grad=False):
    return zeros_like(t, dtype, requires_grad)


def arange(start, end=None, step=1, dtype=None, requires_grad=False):
    if end is None:
        start, end = 0, start
    if dtype is None:
        ints = all(isinstance(v, numbers.Integral) for v in (start, end, step))
        dtype = int64 if ints else float32
    t = Tensor._make(np.arange(start, end, step).astype(dtype))
    return t.requires_grad_(True) if requires_grad else t


def linspace(start, end, steps, dtype=None, requires_grad=False):
    t = Tensor._make(np.linspace(start, end, steps).astype(_dtype(dtype) or float32))
    return t.requires_grad_(True) if requires_grad else t


def eye(n, m=None, dtype=None, requires_grad=False):
    t = Tensor._make(np.eye(n, m, dtype=_dtype(dtype) or float32))
    return t.requires_grad_(True) if requires_grad else t


def rand(*shape, dtype=None, requires_grad=False):
    t = Tensor._make(_rng().random(_shape_arg(shape)).astype(_dtype(dtype) or float32))
    return t.requires_grad_(True) if requires_grad else t


def randn(*shape, dtype=None, requires_grad=False):
    t = Tensor._make(_rng().standard_normal(_shape_arg(shape)).astype(_dtype(dtype) or float32))
    return t.requires_grad_(True) if requires_grad else t


def randint(low, high=None, size=(), dtype=None):
    if high is None:
        low, high = 0, low
    return Tensor._make(_rng().integers(low, high, size=_shape_arg((size,))).astype(_dtype(dtype) or int64))


def randperm(n, dtype=None):
    return Tensor._make(_rng().permutation(n).astype(_dtype(dtype) or int64))


# --------------------------------------------------------------------- functions


def _t(x):
    return x if isinstance(x, Variable) else tensor(x, dtype=getattr(x, "dtype", None))


def _unary(name):
    def fn(x):
        return getattr(_t(x), name)()

    fn.__name__ = name
    fn.__doc__ = f"Elementwise {name} (same as Tensor.{name})."
    return fn


exp, log, log1p, sqrt, abs, sign = (_unary(n) for n in ("exp", "log", "log1p", "sqrt", "abs", "sign"))
floor, ceil, round = (_unary(n) for n in ("floor", "ceil", "round"))
sin, cos, tanh, sigmoid, relu = (_unary(n) for n in ("sin", "cos", "tanh", "sigmoid", "relu"))
rsqrt, square, neg = (_unary(n) for n in ("rsqrt", "square", "neg"))


def isfinite(x):
    return _t(x).isfinite()


def add(a, b): return _t(a) + b
def sub(a, b): return _t(a) - b
def mul(a, b): return _t(a) * b
def div(a, b): return _t(a) / b
def pow(a, b): return M.Pow.apply(a, b) if isinstance(a, Tensor) or isinstance(b, Tensor) else _t(a) ** b
def maximum(a, b): return M.Maximum.apply(_t(a), b)


def floor_divide(a, b):
    """a // b, rounding down like Python (integers stay integers)."""
    a, b = _t(a), _t(b)
    if a.dtype.kind in "iub" and b.dtype.kind in "iub":
        return Tensor._make(np.floor_divide(a._data, b._data))
    return (a / b).floor()


def remainder(a, b):
    """a % b with the sign of b, like Python and torch.remainder: a - b * floor(a / b)."""
    a, b = _t(a), _t(b)
    if a.dtype.kind in "iub" and b.dtype.kind in "iub":
        return Tensor._make(np.remainder(a._data, b._data))
    return a - b * (a / b).floor()
def minimum(a, b): return M.Minimum.apply(_t(a), b)
def clamp(x, min=None, max=None): return _t(x).clamp(min, max)


clip = clamp


def where(condition, x, y):
    """Pick ``x`` where ``condition`` holds, else ``y`` (gradients follow the picks)."""
    if not isinstance(x, Tensor) and not isinstance(y, Tensor):
        x = tensor(x)
    return M.Where.apply(np.asarray(_raw(condition), dtype=bool), x, y)


def matmul(a, b):
    """Matrix product of 1-D, 2-D or batched (broadcast) tensors, as torch.matmul."""
    return M.MatMul.apply(_t(a), b if isinstance(b, Tensor) else tensor(b))


mm = bmm = matmul


def outer(a, b):
    return _t(a).reshape(-1, 1) * _t(b).reshape(1, -1)


def dot(a, b):
    return matmul(a, b)


def _reduction(name):
    def fn(x, *args, **kwargs):
        return getattr(_t(x), name)(*args, **kwargs)

    fn.__name__ = name
    fn.__doc__ = f"Same as Tensor.{name}."
    return fn


sum, mean, var, std, prod = (_reduction(n) for n in ("sum", "mean", "var", "std", "prod"))
max, min, amax, amin = (_reduction(n) for n in ("max", "min", "amax", "amin"))
logsumexp, softmax, log_softmax = (_reduction(n) for n in ("logsumexp", "softmax", "log_softmax"))
argmax, argmin = _reduction("argmax"), _reduction("argmin")
reshape, flatten, squeeze, unsqueeze = (_reduction(n) for n in ("reshape", "flatten", "squeeze", "unsqueeze"))
transpose, permute, split, chunk, unbind = (_reduction(n) for n in ("transpose", "permute", "split", "chunk", "unbind"))


def broadcast_to(x, shape):
    return _t(x).broadcast_to(shape)


def cat(tensors, dim=0, *, axis=None):
    """Join tensors along an existing dim."""
    tensors = [_t(t) for t in tensors]
    if not tensors:
        raise ValueError("cat: expected a non-empty list of tensors")
    dim = dim if axis is None else axis
    ndim = tensors[0].ndim
    d = dim % ndim
    for i, t in enumerate(tensors):
        if t.ndim != ndim or t.shape[:d] + t.shape[d + 1:] != tensors[0].shape[:d] + tensors[0].shape[d + 1:]:
            raise ShapeError(f"cat: tensor {i} has shape {t.shape} but tensor 0 has shape {tensors[0].shape}; "
                             f"they must match in every dim except {dim}")
    return S.Cat.apply(*tensors, axis=d)


concatenate = concat = cat


def stack(tensors, dim=0):
    """Join tensors along a new dim."""
    tensors = [_t(t) for t in tensors]
    for i, t in enumerate(tensors):
        if t.shape != tensors[0].shape:
            raise ShapeError(f"stack: tensor {i} has shape {t.shape} but tensor 0 has shape {tensors[0].shape}")
    return cat([t.unsqueeze(dim) for t in tensors], dim)


class graph_math:
    """numpy's function names over Tensors: what backward uses when create_graph=True."""

    exp, log, log1p, sqrt, abs, sign = map(staticmethod, (exp, log, log1p, sqrt, abs, sign))
    sin, cos, tanh = map(staticmethod, (sin, cos, tanh))
    maximum, minimum, where, broadcast_to = map(staticmethod, (maximum, minimum, where, broadcast_to))

    @staticmethod
    def isfinite(x):
        return np.isfinite(_raw(x))
