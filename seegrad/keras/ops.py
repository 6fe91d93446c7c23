"""``keras.ops`` on this project's tensors: what a custom layer, loss or metric of a Keras 3 program calls.

    from keras import ops                      ->  from seegrad.keras import ops
    ops.reshape(ops.cast(inputs, "int"), [-1])     ops.take(ops.eye(depth), ids, axis=0)
    ops.sum(ops.square(y_true - y_pred))           ops.one_hot(labels, num_classes=10)

Each op is Keras 3's on its torch backend, written on ``autograd`` where that backend calls torch (the
same steps, so the same numbers and dtypes): the results are ``ag.Tensor``s, differentiable where
Keras' are, so fit trains through a layer or loss written with them. Inputs may be Tensors, numpy
arrays, Python numbers and lists, or Keras variables (a metric's ``add_weight``). Dtypes follow Keras:
``ops.cast(x, "int")`` is int32, ``argmax``/``argsort`` give int32, a Python float becomes float32, a
float64 numpy array stays float64, ``mean`` of integers is float32 (``result_type`` is Keras' promotion
lattice). An op Keras has and this module has not raises NotSupported naming it.
"""
import builtins
import functools

import numpy as np

import autograd as ag

from .utils import not_supported

__all__ = ["result_type", "convert_to_tensor", "convert_to_numpy", "is_tensor", "cast", "shape", "dtype",
           "zeros", "ones", "zeros_like", "ones_like", "full", "full_like", "eye", "identity", "arange",
           "add", "subtract", "multiply", "divide", "true_divide", "power", "negative", "abs", "absolute", "exp",
           "log", "log1p", "sqrt", "square", "sign", "floor", "ceil", "sin", "cos", "tanh", "maximum", "minimum",
           "clip", "where", "equal", "not_equal", "greater", "greater_equal", "less", "less_equal", "logical_and",
           "logical_or", "logical_not", "sum", "mean", "max", "min", "prod", "var", "std", "argmax", "argmin",
           "any", "all", "cumsum", "reshape", "expand_dims", "squeeze", "transpose", "concatenate", "stack",
           "tile", "take", "take_along_axis", "ravel", "sort", "argsort", "top_k", "matmul", "dot", "relu",
           "sigmoid", "softmax", "log_softmax", "one_hot"]

FLOATX = "float32"

# ------------------------------------------------------------ dtypes (keras.backend.standardize_dtype, result_type)

_PYTHON = {int: "int32", "int": "int32", float: "float32", bool: "bool"}
_ALLOWED = {"bool", "uint8", "uint16", "uint32", "uint64", "int8", "int16", "int32", "int64", "float16",
            "bfloat16", "float32", "float64"}


def _standardize(dtype):
    """Keras' dtype name: None -> float32, int / "int" -> int32, float -> float32, numpy or ag dtypes by name."""
    if dtype is None:
        return FLOATX
    if dtype is int or dtype is float or dtype is bool or (isinstance(dtype, str) and dtype in _PYTHON):
        return _PYTHON[dtype]  # (``is``: numpy's int64 dtype == int)
    name = dtype if isinstance(dtype, str) else getattr(dtype, "name", None) or np.dtype(dtype).name
    name = name.split(".")[-1]
    if name not in _ALLOWED:
        raise ValueError(f"Invalid dtype: {dtype}")
    return name


# Keras' type promotion lattice (JAX's): each type -> the types just above it; "i*" and "f*" are the weak
# types of Python ints and floats
_LATTICE = {"bool": ["i*"], "uint8": ["int16", "uint16"], "uint16": ["int32", "uint32"],
            "uint32": ["int64", "uint64"], "uint64": ["f*"], "i*": ["uint8", "int8"], "int8": ["int16"],
            "int16": ["int32"], "int32": ["int64"], "int64": ["f*"], "f*": ["bfloat16", "float16"],
            "bfloat16": ["float32"], "float16": ["float32"], "float32": ["float64"], "float64": []}


@functools.lru_cache(maxsize=None)
def _above(dtype):
    """``dtype`` and every type above it on the lattice."""
    return frozenset({dtype}).union(*(_above(up) for up in _LATTICE[dtype]))


def _weak(dtype):
    return dtype if dtype == "bool" else ("f*" if "float" in dtype else "i*")


def result_type(*dtypes):
    """Keras' ``backend.result_type``: the least upper bound of ``dtypes`` on the lattice (a Python int or
    float is weak: it takes the other operand's type), 64-bit results made 32-bit (as JAX's default)."""
    if not dtypes:
        return FLOATX
    args = [(_standardize(d), d is int or d is float) for d in dtypes]
    if len(args) == 1:
        out, weak = args[0]
    elif len({n for n, _ in args}) == 1 and not builtins.all(w for _, w in args):
        out, weak = args[0][0], False
    elif builtins.all(w for _, w in args):
        out, weak = _least_upper_bound({n for n, _ in args}), True
    else:
        out = _least_upper_bound({_weak(n) if w else n for n, w in args})
        weak = out in ("i*", "f*")
    if weak and out != "bool":
        out = {"i": "int32", "u": "uint32"}.get(out[0], "float32")
    return {"int64": "int32", "uint64": "uint32", "float64": "float32"}.get(out, out)


def _least_upper_bound(nodes):
    common = frozenset.intersection(*(_above(n) for n in nodes))
    return next(c for c in common if _above(c) == common)


def _ag_dtype(dtype):
    return np.dtype("float32" if _standardize(dtype) == "bfloat16" else _standardize(dtype))


def _name(x):
    """Keras' dtype name of a tensor, or the Python type of a number (weak in result_type)."""
    if isinstance(x, (bool, int, float)):
        return type(x)
    return _standardize(x.dtype)


# ------------------------------------------------------------ conversion

def is_tensor(x):
    return isinstance(x, ag.Tensor)


def convert_to_tensor(x, dtype=None, sparse=None, ragged=None):
    """An ag.Tensor from a Tensor, a Keras variable, a Python number (int -> int32, float -> float32, bool),
    a list or a numpy array (its dtype kept; uint32 -> int64), cast to ``dtype`` when given."""
    if sparse or ragged:
        not_supported("ops.convert_to_tensor(sparse=True / ragged=True)")
    if hasattr(x, "_keras_variable_value"):
        x = x._keras_variable_value()
    if isinstance(x, ag.Tensor):
        return x if dtype is None or x.dtype == _ag_dtype(dtype) else x.to(_ag_dtype(dtype))
    if isinstance(x, (bool, int, float)):
        if dtype is None:
            dtype = "bool" if isinstance(x, bool) else (
                ("int64" if x < -2 ** 31 or x >= 2 ** 31 else "int32") if isinstance(x, int) else FLOATX)
        return ag.tensor(x, dtype=_ag_dtype(dtype))
    if isinstance(x, (list, tuple)) and x and builtins.any(isinstance(e, ag.Tensor) or hasattr(
            e, "_keras_variable_value") for e in x):
        return ag.stack([convert_to_tensor(e, dtype) for e in x])
    if isinstance(x, (list, tuple)):
        if dtype is None:
            flat = np.asarray(x, dtype=object).ravel().tolist() if len(x) else []
            dtype = result_type(*[getattr(e, "dtype", type(e)) for e in flat])
        return ag.from_numpy(np.array(x, dtype=_ag_dtype(dtype)))
    a = np.array(x)
    if a.dtype == np.uint32:
        a = a.astype(np.int64)
    if a.dtype == object or a.dtype.kind not in "biuf":
        raise TypeError(f"ops.convert_to_tensor: cannot make a tensor of {type(x).__name__} of dtype {a.dtype}")
    return ag.from_numpy(a if dtype is None else a.astype(_ag_dtype(dtype)))


_tensor = convert_to_tensor


def _elementwise(fn, name):
    """Keras' ``ops.<name>``: autograd's ``fn`` on the inputs converted as Keras converts them (a thin op:
    the values, dtypes and gradients are ``fn``'s)."""
    def op(*xs):
        return fn(*map(_tensor, xs))

    op.__name__ = op.__qualname__ = name
    return op


def convert_to_numpy(x):
    """A numpy array (detached) from a tensor, variable, number or list."""
    if isinstance(x, (list, tuple)):
        return np.array([convert_to_numpy(e) for e in x])
    if hasattr(x, "_keras_variable_value"):
        x = x._keras_variable_value()
    return np.array(x.detach().numpy()) if isinstance(x, ag.Tensor) else np.array(x)


def cast(x, dtype):
    """``x`` as ``dtype`` (Keras' names: "int" is int32; a float -> int cast truncates toward zero)."""
    return convert_to_tensor(x, dtype)


def shape(x):
    """The shape as a tuple of ints."""
    if hasattr(x, "_keras_variable_value"):
        x = x._keras_variable_value()
    return tuple(x.shape) if hasattr(x, "shape") else tuple(np.shape(x))


def dtype(x):
    """Keras' name of ``x``'s dtype ("float32", "int32"...)."""
    return _standardize(convert_to_tensor(x).dtype)


# ------------------------------------------------------------ creation

def _shape_tuple(shape):
    return (shape,) if isinstance(shape, int) else tuple(int(s) for s in shape)


def zeros(shape, dtype=None):
    return ag.zeros(_shape_tuple(shape), dtype=_ag_dtype(dtype or FLOATX))


def ones(shape, dtype=None):
    return ag.ones(_shape_tuple(shape), dtype=_ag_dtype(dtype or FLOATX))


def zeros_like(x, dtype=None):
    x = _tensor(x)
    return ag.zeros_like(x, dtype=_ag_dtype(dtype) if dtype else x.dtype)


def ones_like(x, dtype=None):
    x = _tensor(x)
    return ag.ones_like(x, dtype=_ag_dtype(dtype) if dtype else x.dtype)


def full(shape, fill_value, dtype=None):
    fill = _tensor(fill_value, dtype or FLOATX)
    return ag.broadcast_to(fill, _shape_tuple(shape)).clone()


def full_like(x, fill_value, dtype=None):
    x = _tensor(x)
    return full(tuple(x.shape), fill_value, dtype or _standardize(x.dtype))


def eye(N, M=None, k=0, dtype=None):
    """The (N, M) identity, float32 unless ``dtype``; ``k`` shifts the diagonal."""
    out = np.eye(int(N), None if M is None else int(M), int(k or 0), dtype=_ag_dtype(dtype or FLOATX))
    return ag.from_numpy(out)


def identity(n, dtype=None):
    return eye(n, dtype=dtype)


def arange(start, stop=None, step=None, dtype=None):
    """Keras' arange: the dtype from the arguments' types (ints -> int32, a float -> float32)."""
    if dtype is None:
        dtype = result_type(*[getattr(v, "dtype", type(v)) for v in (start, stop, step) if v is not None])
    if stop is None:
        start, stop = 0, start
    return ag.arange(start, stop, 1 if step is None else step, dtype=_ag_dtype(dtype))


# ------------------------------------------------------------ elementwise

add = _elementwise(ag.add, "add")


def _no_bool(a, b):
    """torch's subtract refuses bool: Keras casts a bool operand to the other's dtype."""
    if a.dtype == np.bool_:
        a = a.to(b.dtype)
    if b.dtype == np.bool_:
        b = b.to(a.dtype)
    return a, b


def subtract(x1, x2):
    return ag.subtract(*_no_bool(_tensor(x1), _tensor(x2)))


multiply = _elementwise(ag.multiply, "multiply")


def divide(x1, x2):
    """True division (integers give float32)."""
    return ag.divide(x1 if isinstance(x1, (int, float)) else _tensor(x1),
                     x2 if isinstance(x2, (int, float)) else _tensor(x2))


true_divide = divide


power = _elementwise(ag.pow, "power")
negative = _elementwise(ag.negative, "negative")


def absolute(x):
    x = _tensor(x)
    return x if x.dtype == np.bool_ else ag.abs(x)


abs = absolute


def exp(x):
    x = _tensor(x)
    return ag.exp(x.to(_ag_dtype(FLOATX)) if x.dtype.kind in "biu" else x)


log = _elementwise(ag.log, "log")


def log1p(x):
    x = _tensor(x)
    return ag.log1p(x.to(_ag_dtype(FLOATX)) if x.dtype.kind in "biu" else x)


def sqrt(x):
    x = _tensor(x)
    return ag.sqrt(x.to(_ag_dtype(FLOATX)) if x.dtype == np.int64 else x)


def square(x):
    x = _tensor(x)
    return ag.square(x.to(np.int32) if x.dtype == np.bool_ else x)


sign = _elementwise(ag.sign, "sign")


def floor(x):
    x = _tensor(x)
    return ag.floor(x.to(_ag_dtype(FLOATX)) if x.dtype.kind in "biu" else x)


def ceil(x):
    x = _tensor(x)
    return ag.ceil(x.to(_ag_dtype(FLOATX)) if x.dtype.kind in "biu" else x)


sin = _elementwise(ag.sin, "sin")
cos = _elementwise(ag.cos, "cos")
tanh = _elementwise(ag.tanh, "tanh")


def _promoted(x1, x2):
    """Both operands in Keras' result_type of the two (a Python number is weak)."""
    to = result_type(_name(x1 if isinstance(x1, (int, float)) else _tensor(x1)),
                     _name(x2 if isinstance(x2, (int, float)) else _tensor(x2)))
    return _tensor(x1, to), _tensor(x2, to)


def maximum(x1, x2):
    return ag.maximum(*_promoted(x1, x2))


def minimum(x1, x2):
    return ag.minimum(*_promoted(x1, x2))


def clip(x, x_min, x_max):
    """``x`` limited to [x_min, x_max] (bool is clipped as int32)."""
    x = _tensor(x)
    if x.dtype == np.bool_:
        x = x.to(np.int32)
    return ag.clip(x, min=_tensor(x_min), max=_tensor(x_max))


def where(condition, x1=None, x2=None):
    """``x1`` where ``condition``, else ``x2``; with the condition alone, the indices of its true entries
    as a (ndim, count) int64 tensor."""
    condition = _tensor(condition, "bool")
    if x1 is None and x2 is None:
        return ag.from_numpy(np.stack(np.nonzero(condition.numpy())).astype(np.int64))
    if x1 is None or x2 is None:
        raise ValueError("`x1` and `x2` either both should be `None` or both should have non-None value.")
    return ag.where(condition, _tensor(x1), _tensor(x2))


equal = _elementwise(ag.eq, "equal")
not_equal = _elementwise(ag.ne, "not_equal")
greater = _elementwise(ag.gt, "greater")
greater_equal = _elementwise(ag.ge, "greater_equal")
less = _elementwise(ag.lt, "less")
less_equal = _elementwise(ag.le, "less_equal")
logical_and = _elementwise(ag.logical_and, "logical_and")
logical_or = _elementwise(ag.logical_or, "logical_or")
logical_not = _elementwise(ag.logical_not, "logical_not")


# ------------------------------------------------------------ reductions

def _axes(axis):
    return tuple(axis) if isinstance(axis, (list, tuple)) else axis


def _stacked(x):
    return ag.stack([_tensor(e) for e in x]) if isinstance(x, (list, tuple)) else _tensor(x)


def sum(x, axis=None, keepdims=False):
    """The sum (bool and small integers give int32, as Keras)."""
    x = _stacked(x)
    if axis in ((), []):
        return x
    to = "int32" if _standardize(x.dtype) in ("bool", "uint8", "int8", "int16") else _standardize(x.dtype)
    out = ag.sum(x) if axis is None else ag.sum(x, dim=_axes(axis), keepdim=keepdims)
    return out.to(_ag_dtype(to))


def mean(x, axis=None, keepdims=False):
    """The mean (integers and bool computed and returned in float32)."""
    x = _stacked(x)
    if axis in ((), []):
        return x
    kind = _standardize(x.dtype)
    compute = result_type(x.dtype, "float32")
    out_dtype = compute if ("int" in kind or kind == "bool") else kind
    x = x.to(_ag_dtype(compute))
    out = ag.mean(x) if axis is None else ag.mean(x, dim=_axes(axis), keepdim=keepdims)
    return out.to(_ag_dtype(out_dtype))


def _extreme(x, axis, keepdims, initial, reduce, combine, what):
    """Keras' max/min: ``reduce`` (ag.amax/amin) over ``axis``, then ``combine``d with ``initial``; an empty
    tensor gives ``initial`` (refused without one, in Keras' words)."""
    x = _tensor(x)
    if 0 in tuple(x.shape):
        if initial is None:
            raise ValueError(f"Cannot compute the {what} of an empty tensor.")
        return full((1,) * x.ndim if keepdims else (), initial)
    out = reduce(x) if axis is None else (x if axis in ((), []) else reduce(x, dim=_axes(axis), keepdim=keepdims))
    return out if initial is None else combine(out, _tensor(initial, _standardize(out.dtype)))


def max(x, axis=None, keepdims=False, initial=None):
    return _extreme(x, axis, keepdims, initial, ag.amax, ag.maximum, "max")


def min(x, axis=None, keepdims=False, initial=None):
    return _extreme(x, axis, keepdims, initial, ag.amin, ag.minimum, "min")


def prod(x, axis=None, keepdims=False, dtype=None):
    x = _tensor(x)
    if dtype is None:
        dtype = result_type(x.dtype)
        dtype = "int32" if dtype in ("bool", "int8", "int16", "uint8") else dtype
    to = _ag_dtype(dtype)
    x = x.to(to)
    if axis is None:
        return ag.prod(x).to(to)
    for a in sorted((a % x.ndim for a in (axis if isinstance(axis, (list, tuple)) else [axis])), reverse=True):
        x = ag.prod(x, dim=a, keepdim=keepdims).to(to)  # (an integer product is int64 in torch)
    return x


def var(x, axis=None, keepdims=False):
    """The variance without Bessel's correction (numpy's)."""
    x = _tensor(x)
    compute, out = result_type(x.dtype, "float32"), result_type(_standardize(x.dtype), float)
    if axis in ((), []):
        return zeros_like(x, out)
    x = x.to(_ag_dtype(compute))
    v = ag.var(x, correction=0) if axis is None else ag.var(x, dim=_axes(axis), keepdim=keepdims, correction=0)
    return v.to(_ag_dtype(out))


def std(x, axis=None, keepdims=False):
    x = _tensor(x)
    if x.dtype.kind in "biu":
        x = x.to(np.float32)
    return ag.std(x, correction=0) if axis is None else ag.std(x, dim=_axes(axis), keepdim=keepdims, correction=0)


def _arg(fn, x, axis, keepdims):
    x = _tensor(x)
    if x.dtype == np.bool_:
        x = x.to(np.uint8)
    return (fn(x) if axis is None else fn(x, dim=axis, keepdim=keepdims)).to(np.int32)


def argmax(x, axis=None, keepdims=False):
    """The index of the largest value (int32; over the flattened tensor when ``axis`` is None)."""
    return _arg(ag.argmax, x, axis, keepdims)


def argmin(x, axis=None, keepdims=False):
    return _arg(ag.argmin, x, axis, keepdims)


def _boolean(fn, x, axis, keepdims):
    x = _tensor(x)
    if axis in ((), []):
        return x.to(np.bool_)
    return (fn(x) if axis is None else fn(x, dim=_axes(axis), keepdim=keepdims)).to(np.bool_)


def any(x, axis=None, keepdims=False):
    return _boolean(ag.any, x, axis, keepdims)


def all(x, axis=None, keepdims=False):
    return _boolean(ag.all, x, axis, keepdims)


def cumsum(x, axis=None, dtype=None):
    """The running sum (over the flattened tensor when ``axis`` is None); ints -> int32, bool -> int32."""
    x = _tensor(x)
    if axis is None:
        x, axis = x.flatten(), 0
    to = result_type(dtype or x.dtype)
    return ag.cumsum(x, dim=axis, dtype=_ag_dtype("int32" if to == "bool" else to))


# ------------------------------------------------------------ shapes

def reshape(x, newshape):
    newshape = (newshape,) if not isinstance(newshape, (list, tuple)) else tuple(int(s) for s in newshape)
    return ag.reshape(_tensor(x), newshape)


def expand_dims(x, axis):
    x = _tensor(x)
    axis = axis if isinstance(axis, (list, tuple)) else [axis]
    n = x.ndim + len(axis)
    for a in sorted(a % n for a in axis):
        x = ag.unsqueeze(x, a)
    return x


def squeeze(x, axis=None):
    x = _tensor(x)
    return ag.squeeze(x) if axis is None else ag.squeeze(x, _axes(axis))


def transpose(x, axes=None):
    """The axes reversed, or in the order ``axes``."""
    x = _tensor(x)
    return ag.permute(x, tuple(axes) if axes is not None else tuple(range(x.ndim))[::-1])


def concatenate(xs, axis=0):
    return ag.cat([_tensor(x) for x in xs], dim=axis)


def stack(x, axis=0):
    return ag.stack([_tensor(e) for e in x], dim=axis)


def tile(x, repeats):
    repeats = (repeats,) if isinstance(repeats, int) else tuple(int(r) for r in convert_to_numpy(repeats).ravel())
    return ag.tile(_tensor(x), repeats)


def ravel(x):
    return ag.reshape(_tensor(x), (-1,))


def take(x, indices, axis=None):
    """The entries of ``x`` at ``indices`` along ``axis`` (of the flattened ``x`` when None); negative
    indices count from the end. The result has ``indices``' shape in place of that axis."""
    x = _tensor(x)
    indices = _tensor(indices).to(np.int64)
    if axis is None:
        x, axis = ag.reshape(x, (-1,)), 0
    axis = axis % x.ndim
    size = x.shape[axis]
    indices = ag.where(indices < 0, indices + size, indices)
    flat = indices.reshape(-1)
    if flat.numel() and (int(flat.max().item()) >= size or int(flat.min().item()) < 0):
        raise IndexError(f"ops.take: index {int(flat.max().item())} is out of bounds for axis {axis} of size {size}")
    out = ag.index_select(x, axis, flat)
    return out.reshape(tuple(x.shape[:axis]) + tuple(indices.shape) + tuple(x.shape[axis + 1:]))


def take_along_axis(x, indices, axis=None):
    x, indices = _tensor(x), _tensor(indices).to(np.int64)
    if axis is None:
        x, indices, axis = x.reshape(-1), indices.reshape(-1), 0
    size = x.shape[axis]
    indices = ag.where(indices < 0, indices + size, indices)
    shape = list(np.broadcast_shapes(tuple(x.shape[:axis]) + (1,) + tuple(x.shape[axis + 1:]),
                                     tuple(indices.shape)))
    index_shape = tuple(shape)
    shape[axis] = x.shape[axis]
    return ag.gather(ag.broadcast_to(x, tuple(shape)), axis, ag.broadcast_to(indices, index_shape))


# ------------------------------------------------------------ sorting

def sort(x, axis=-1):
    x = _tensor(x)
    if axis is None:
        x, axis = x.reshape(-1), 0
    return ag.sort(x, dim=axis).values


def argsort(x, axis=-1):
    """The indices that sort ``x`` (stable; int32)."""
    x = _tensor(x)
    if x.dtype == np.bool_:
        x = x.to(np.uint8)
    if axis is None:
        x, axis = x.reshape(-1), -1
    return ag.argsort(x, dim=axis, stable=True).to(np.int32)


def top_k(x, k, sorted=True):
    """(values, indices) of the ``k`` largest entries along the last axis (the indices int64, as
    Keras' torch backend)."""
    out = ag.topk(_tensor(x), k, sorted=sorted)
    return out.values, out.indices


# ------------------------------------------------------------ linear algebra and nn

def matmul(x1, x2):
    x1, x2 = _tensor(x1), _tensor(x2)
    a, b = _standardize(x1.dtype), _standardize(x2.dtype)
    out = "int32" if a == b == "int8" else result_type(a, b)
    compute = FLOATX if out == "bool" else out
    return ag.matmul(x1.to(_ag_dtype(compute)), x2.to(_ag_dtype(compute))).to(_ag_dtype(out))


def dot(x1, x2):
    x1, x2 = _tensor(x1), _tensor(x2)
    if x1.ndim == 0 or x2.ndim == 0:
        return multiply(x1, x2)
    return matmul(x1, x2) if x2.ndim <= 2 else ag.tensordot(x1, x2, dims=([-1], [-2]))


relu = _elementwise(ag.relu, "relu")
sigmoid = _elementwise(ag.sigmoid, "sigmoid")


def _along(fn, x, axis):
    x = _tensor(x)
    if axis is None:
        return fn(x.reshape(-1), dim=-1).reshape(tuple(x.shape))
    return fn(x, dim=axis)


def softmax(x, axis=-1):
    return _along(ag.softmax, x, axis)


def log_softmax(x, axis=-1):
    return _along(ag.log_softmax, x, axis)


def one_hot(x, num_classes, axis=-1, dtype=None, sparse=False):
    """One-hot vectors of ``num_classes`` in a new axis (float32 unless ``dtype``); a negative index
    gives a row of zeros, an index >= num_classes is an error."""
    if sparse:
        not_supported("ops.one_hot(sparse=True)")
    x = _tensor(x).to(np.int64)
    n = int(num_classes)
    if x.numel() and int(x.max().item()) >= n:
        raise ValueError(f"ops.one_hot: class value {int(x.max().item())} is not below num_classes={n}")
    out = (x.unsqueeze(-1) == ag.arange(n)).to(_ag_dtype(dtype or FLOATX))
    if axis not in (-1, out.ndim - 1):
        out = ag.moveaxis(out, -1, axis)
    return out


def __getattr__(name):  # an op of keras.ops this module does not have: say so by its name
    if not name.startswith("__"):
        not_supported(f"keras.ops.{name}", f"available: {', '.join(__all__)}")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
