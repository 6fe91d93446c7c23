"""Creation functions: tensors from data, filled tensors, ranges, and random tensors.

Each takes PyTorch's ``dtype=``, ``device=`` (checked by devices.py; the array is made on the host and
moved there, random draws come from that device's generator)
and ``requires_grad=``; floating results get the default dtype (float32, see set_default_dtype)."""
import functools
import math
import numbers

from . import caller
from .backend import host

from .backend import as_array
from .devices import check, of_array, place
from .dtypes import as_dtype, bool_, fitting, float64, get_default_dtype, int64, wrapped
from .ops.args import ArgumentError, raw, required, shape_arg
from .ops.promote import DTypeError, promote_types
from .random import rng
from .tensor import Size, Tensor, _numeric, to_array


def _leaf(array, requires_grad, device, op):
    t = Tensor._make(place(array, check(device, op)))
    return t.requires_grad_(True) if requires_grad else t


def _tensors_as_numbers(data):
    """``data`` with each tensor inside its lists replaced by its number, as PyTorch reads them: a tensor in a
    list is a scalar (``tensor([t0, t1])`` of two one-element tensors is (2,), whatever their shapes), and one
    with more elements is refused with PyTorch's ValueError; and the dtype PyTorch gives the result, every
    element's promoted (a tensor's own dtype, a Python float the default dtype, an int int64, a bool bool)."""
    dtypes = []

    def walk(x):
        if isinstance(x, (list, tuple)):
            return [walk(v) for v in x]
        if isinstance(x, Tensor):
            if x.numel() != 1:
                raise ValueError(f"tensor: only one element tensors can be converted to Python scalars (an element "
                                 f"of the list is a tensor of shape {tuple(x.shape)}); torch.stack(list) joins "
                                 f"tensors along a new dim")
            dtypes.append(x.dtype)
            return x.item()
        if isinstance(x, (numbers.Number, host.generic)):
            dtypes.append(host.asarray(x).dtype if isinstance(x, host.generic) else _python_scalar_dtype(x))
        return x

    numbers_only = walk(data)
    return numbers_only, functools.reduce(promote_types, dtypes)


def _holds_tensor(data):
    """Is a tensor anywhere in these nested lists? (The types of each list's elements are gathered at C speed,
    so a long list of numbers costs little.)"""
    kinds = set(map(type, data))
    if any(issubclass(kind, Tensor) for kind in kinds):
        return True
    return bool(kinds & {list, tuple}) and any(_holds_tensor(x) for x in data if isinstance(x, (list, tuple)))


def _python_scalar_dtype(x):
    if isinstance(x, bool):
        return bool_
    return int64 if isinstance(x, numbers.Integral) else get_default_dtype()


def tensor(data, dtype=None, device=None, requires_grad=False, pin_memory=False):
    """A new leaf tensor from a list, number, numpy array or tensor (Python floats -> float32). Tensors inside
    a list count as numbers, as in PyTorch (see _tensors_as_numbers)."""
    if device is None and isinstance(data, Tensor):
        device = data.device  # a copy of a tensor stays where it is
    if isinstance(data, (list, tuple)) and _holds_tensor(data):
        data, inferred = _tensors_as_numbers(data)
        dtype = dtype if dtype is not None else inferred
    try:
        arr = to_array(data, as_dtype(dtype))
    except ValueError as err:  # a ragged list: numpy's message, named
        raise ValueError(f"tensor: the data is not a rectangular nested list of numbers ({err})") from None
    except TypeError as err:  # None, objects: PyTorch says RuntimeError, Python code expects TypeError
        raise DTypeError(str(err)) from None
    if arr.dtype.kind not in "biuf":
        raise DTypeError(f"tensor: expected numbers, got {type(data).__name__} {data!r:.60}")
    return _leaf(arr, requires_grad, device, "tensor")


def as_tensor(data, dtype=None, device=None):
    where = check(device, "as_tensor")
    if isinstance(data, Tensor):
        data = data if dtype is None else data.to(dtype)
        return data if device is None else data.to(where)
    return tensor(data, dtype, where)


def from_numpy(array):
    """A tensor sharing memory with ``array`` (keeps its dtype; numbers only, as in PyTorch)."""
    if not isinstance(array, host.ndarray):
        raise TypeError(f"from_numpy: expected a numpy array, got {type(array).__name__}; use ag.tensor(data)")
    return Tensor._make(_numeric(array, array, "from_numpy"))


def from_array(array):
    """A tensor sharing memory with ``array``, an array of any device's library (numpy, CuPy):
    ``from_numpy`` for every device. Code outside the engine (optimizers) uses it with ``storage``."""
    if as_array(array) is not array:
        raise TypeError(f"from_array: expected an array, got {type(array).__name__}; use ag.tensor(data)")
    return Tensor._make(array)


def storage(t):
    """A tensor's array, shared, not copied: numpy on the CPU, CuPy on "cuda" (what optimizers
    update in place under no_grad). Changes through it are not seen by the graph."""
    if not isinstance(t, Tensor):
        raise TypeError(f"storage: expected a Tensor, got {type(t).__name__}")
    return t._data


def _filled(shape, value, dtype, requires_grad, device, op):
    value, dtype = _fill_value(value), as_dtype(dtype) or get_default_dtype()
    return _leaf(host.full(shape_arg(shape, op), wrapped(fitting(value, dtype, op), dtype), dtype=dtype), requires_grad,
                 device, op)


def _fill_value(value):
    """A number to fill with (a one-element tensor counts); None and strings are refused, as in PyTorch."""
    if isinstance(value, Tensor) and value.numel() == 1:
        return value.item()
    if not isinstance(value, (numbers.Number, host.bool_)):
        raise TypeError(f"full: fill_value must be a number, not {type(value).__name__}")
    return value


def _size(shape, size, op, optional=False):
    """The shape of a new tensor given as PyTorch takes it: ``zeros(2, 3)``, ``zeros((2, 3))`` or
    ``zeros(size=(2, 3))`` (not two of them)."""
    if size is not None:
        if shape:
            raise TypeError(f"{op}() got multiple values for argument 'size'")
        return (size,)
    return shape if optional else required(shape, op, "size")


def zeros(*shape, size=None, dtype=None, device=None, requires_grad=False):
    return _filled(_size(shape, size, "zeros"), 0, dtype, requires_grad, device, "zeros")


def ones(*shape, size=None, dtype=None, device=None, requires_grad=False):
    return _filled(_size(shape, size, "ones"), 1, dtype, requires_grad, device, "ones")


def empty(*shape, size=None, dtype=None, device=None, requires_grad=False, memory_format=None):
    return _filled(_size(shape, size, "empty"), 0, dtype, requires_grad, device, "empty")


def full(size, fill_value, dtype=None, device=None, requires_grad=False):
    if isinstance(fill_value, Tensor) and fill_value.ndim == 0:
        fill_value = fill_value.item()
    if not isinstance(fill_value, (numbers.Number, host.generic)) or isinstance(fill_value, complex):
        raise TypeError(f"full: fill_value must be a number, got {type(fill_value).__name__}")
    if dtype is None and isinstance(fill_value, (bool, host.bool_)):
        dtype = bool_
    elif dtype is None and isinstance(fill_value, numbers.Integral):
        dtype = int64
    return _filled((size,), fill_value, dtype, requires_grad, device, "full")


def _like(t, device):
    """``device`` or, when None, where ``t`` lives (torch's *_like keep the device)."""
    return device if device is not None or isinstance(t, (numbers.Number, list, tuple)) else of_array(raw(t))


def zeros_like(input, *, dtype=None, device=None, requires_grad=False, memory_format=None):
    return _filled((_shape(input),), 0, dtype or raw(input).dtype, requires_grad, _like(input, device), "zeros_like")


def ones_like(input, *, dtype=None, device=None, requires_grad=False, memory_format=None):
    return _filled((_shape(input),), 1, dtype or raw(input).dtype, requires_grad, _like(input, device), "ones_like")


def full_like(input, fill_value, *, dtype=None, device=None, requires_grad=False, memory_format=None):
    return _filled((_shape(input),), fill_value, dtype or raw(input).dtype, requires_grad, _like(input, device),
                   "full_like")


def empty_like(input, *, dtype=None, device=None, requires_grad=False, memory_format=None):
    return _filled((_shape(input),), 0, dtype or raw(input).dtype, requires_grad, _like(input, device), "empty_like")


def _shape(t):
    data = raw(t)
    return data.shape if hasattr(data, "shape") else host.shape(data)


def arange(start, end=None, step=1, *, dtype=None, device=None, requires_grad=False):
    if end is None:
        start, end = 0, start
    if step == 0:
        raise ArgumentError("arange: step must be nonzero")
    if (end - start) * step < 0:
        raise ArgumentError(f"arange: the bounds start={start}, end={end} are inconsistent with the sign of "
                            f"step={step}")
    if dtype is None:
        ints = all(isinstance(v, numbers.Integral) for v in (start, end, step))
        dtype = int64 if ints else get_default_dtype()
    return _leaf(host.arange(start, end, step).astype(dtype), requires_grad, device, "arange")


def inclusive_range(start, end=None, step=1, *, dtype=None, device=None, requires_grad=False):
    """torch.range (deprecated in PyTorch, with its warning; old code uses it): start, start + step, ... up to
    ``end`` included, in the default float dtype unless told."""
    caller.warn("torch.range is deprecated and will be removed in a future release because its behavior is "
                "inconsistent with Python's range builtin. Instead, use torch.arange, which produces values in "
                "[start, end).")
    if end is None:
        raise TypeError('range() missing 1 required positional arguments: "end"')
    if step == 0 or (end - start) * step < 0:
        raise ArgumentError(f"range: upper bound and lower bound inconsistent with step sign (start={start}, "
                            f"end={end}, step={step})")
    n = int(math.floor((end - start) / step)) + 1
    values = start + step * host.arange(n, dtype=float64)
    return _leaf(values.astype(as_dtype(dtype) or get_default_dtype()), requires_grad, device, "range")


def linspace(start, end, steps, *, dtype=None, device=None, requires_grad=False):
    return _leaf(host.linspace(start, end, steps).astype(as_dtype(dtype) or get_default_dtype()), requires_grad,
                 device, "linspace")


def eye(n, m=None, *, dtype=None, device=None, requires_grad=False):
    return _leaf(host.eye(n, m, dtype=as_dtype(dtype) or get_default_dtype()), requires_grad, device, "eye")


def _floating(dtype, op):
    """The dtype of a draw of real numbers: floating, as PyTorch has kernels for no other."""
    dtype = as_dtype(dtype) or get_default_dtype()
    if dtype.kind != "f":
        raise DTypeError(f"{op}: random numbers of dtype {dtype} are not implemented; use a floating dtype "
                         "(randint draws integers)")
    return dtype


def _draw(generator, device, op):
    """The generator a draw comes from: ``generator`` when given (it wins, drawing on the host),
    else the generator of the device the result goes to."""
    return rng(generator, None if generator is not None else check(device, op))


def _drawn_into(out, result, name):
    """``out=`` for the random creation functions: the same rules as every ag.* function's (functions.py)."""
    from .functions import _into  # (functions.py is made from the op table, which imports this module)

    return _into(out, result, name)


def rand(*shape, size=None, generator=None, out=None, dtype=None, device=None, requires_grad=False):
    if out is not None:  # torch.rand(2, 2, out=c): new numbers written into c, in c's dtype
        return _drawn_into(out, rand(*shape, size=size, generator=generator, dtype=dtype or out.dtype, device=device),
                           "rand")
    dtype = _floating(dtype, "rand")
    size = _size(shape, size, "rand", optional=True)
    return _leaf(_draw(generator, device, "rand").random(shape_arg(size)).astype(dtype), requires_grad, device,
                 "rand")


def randn(*shape, size=None, generator=None, out=None, dtype=None, device=None, requires_grad=False):
    if out is not None:  # torch.randn(2, 2, out=c): new numbers written into c, in c's dtype
        return _drawn_into(out, randn(*shape, size=size, generator=generator, dtype=dtype or out.dtype, device=device),
                           "randn")
    dtype = _floating(dtype, "randn")
    size = _size(shape, size, "randn", optional=True)
    return _leaf(_draw(generator, device, "randn").standard_normal(shape_arg(size)).astype(dtype), requires_grad,
                 device, "randn")


def rand_like(input, *, dtype=None, device=None, requires_grad=False, memory_format=None):
    return rand(raw(input).shape, dtype=dtype or raw(input).dtype, device=_like(input, device),
                requires_grad=requires_grad)


def randn_like(input, *, dtype=None, device=None, requires_grad=False, memory_format=None):
    return randn(raw(input).shape, dtype=dtype or raw(input).dtype, device=_like(input, device),
                 requires_grad=requires_grad)


def randint(low, high=None, size=(), *, generator=None, dtype=None, device=None, requires_grad=False):
    if high is None or isinstance(high, (tuple, list)) and size == ():  # randint(high, size)
        low, high, size = 0, low, (() if high is None else high)
    draw = _draw(generator, device, "randint")
    return _leaf(draw.integers(low, high, size=shape_arg((size,))).astype(as_dtype(dtype) or int64),
                 requires_grad, device, "randint")


def randperm(n, *, generator=None, dtype=None, device=None, requires_grad=False):
    return _leaf(_draw(generator, device, "randperm").permutation(n).astype(as_dtype(dtype) or int64), requires_grad,
                 device, "randperm")


def normal(mean=0.0, std=1.0, size=None, *, generator=None, dtype=None, device=None, requires_grad=False):
    """torch.normal: numbers drawn from N(mean, std**2), one standard normal z per element, mean + std * z.

    Either Python numbers and a size (``normal(0, 0.01, (3, 1), requires_grad=True)``, a new leaf of
    ``dtype``, the default float dtype unless told), or a mean and/or std tensor: the draw takes their
    broadcast shape and dtype, and, as PyTorch's (NormalBackward), passes a zero gradient back to them."""
    tensors = [t for t in (mean, std) if isinstance(t, Tensor)]
    if not tensors:
        if size is None:
            raise TypeError("normal: with a number for mean and std, give the size as well: "
                            "normal(mean, std, size), e.g. torch.normal(0, 1, size=(2, 3))")
        if std < 0:
            raise RuntimeError(f"normal expects std >= 0.0, but found std {std}")
        dtype = _floating(dtype, "normal")
        z = _draw(generator, device, "normal").standard_normal(shape_arg((size,)))
        return _leaf((mean + std * z).astype(dtype), requires_grad, device, "normal")
    if size is not None:
        raise TypeError("normal: a size goes with numbers for mean and std; with a tensor the draw takes its shape")
    for t in tensors:
        if raw(t).dtype.kind != "f":
            raise NotImplementedError(f'"normal_kernel_cpu" not implemented for {raw(t).dtype}: '
                                      "give normal a floating mean and std")
    values = [raw(t) if isinstance(t, Tensor) else t for t in (mean, std)]
    if isinstance(std, Tensor) and (values[1] < 0).any():
        raise RuntimeError("normal expects all elements of std >= 0.0")
    where = of_array(raw(tensors[0]))
    out_dtype = raw(tensors[0]).dtype  # the mean's when it is a tensor, as PyTorch's (a float64 std does not widen it)
    try:
        shape = host.broadcast_shapes(*[raw(t).shape for t in tensors])
    except ValueError:
        raise RuntimeError(f"normal: mean of shape {tuple(raw(mean).shape)} and std of shape {tuple(raw(std).shape)} "
                           "do not broadcast to one shape") from None
    z = _draw(generator, where, "normal").standard_normal(shape)
    out = _leaf((values[0] + values[1] * z).astype(out_dtype), False, where, "normal")
    for t in tensors:  # the draw's derivative with respect to mean and std is zero (PyTorch's too)
        if t.requires_grad:  # (an infinite mean stays infinite: inf * 0 would be nan)
            out = out + t.where(t.isfinite(), 0.0) * 0
    return out


# Tensor.new_*: a new tensor with this tensor's dtype unless told (torch's x.new_zeros(2, 3))
def new_tensor(self, data, dtype=None, device=None, requires_grad=False):
    return tensor(data, dtype or self.dtype, device or self.device, requires_grad)


def new_zeros(self, *size, dtype=None, device=None, requires_grad=False):
    return zeros(*size, dtype=dtype or self.dtype, device=device or self.device, requires_grad=requires_grad)


def new_ones(self, *size, dtype=None, device=None, requires_grad=False):
    return ones(*size, dtype=dtype or self.dtype, device=device or self.device, requires_grad=requires_grad)


def new_empty(self, *size, dtype=None, device=None, requires_grad=False):
    return empty(*size, dtype=dtype or self.dtype, device=device or self.device, requires_grad=requires_grad)


def new_full(self, size, fill_value, dtype=None, device=None, requires_grad=False):
    return full(size, fill_value, dtype or self.dtype, device or self.device, requires_grad)


def new(self, *args):
    """torch.Tensor.new, the legacy constructor of old code, in this tensor's dtype and on its device:
    ``x.new(2, 3)`` a new (2, 3) tensor (zeros here; PyTorch's is uninitialised), ``x.new(data)`` the data
    converted to x's dtype, ``x.new(t)`` the tensor t itself (an alias, of x's dtype only), ``x.new()`` empty."""
    if len(args) == 1 and isinstance(args[0], Tensor):
        if args[0].dtype != self.dtype:
            raise TypeError(f"new: expected a tensor of dtype {self.dtype} (this tensor's), got {args[0].dtype}; "
                            f"convert it first with .to({self.dtype})")
        return Tensor(args[0])
    if not args or (len(args) == 1 and isinstance(args[0], Size)) or all(isinstance(n, (int, host.integer))
                                                                      for n in args):
        shape = args[0] if len(args) == 1 and isinstance(args[0], Size) else args or (0,)
        return zeros(*shape, dtype=self.dtype, device=self.device)
    if len(args) > 1:
        raise TypeError(f"new: expected sizes (ints) or one sequence of data, got {args!r}")
    return Tensor._make(to_array(args[0], dtype=self.dtype)).to(self.device)


for _method in (new, new_tensor, new_zeros, new_ones, new_empty, new_full):
    setattr(Tensor, _method.__name__, _method)


class _LegacyTensorType(type):
    """torch.FloatTensor, torch.LongTensor...: PyTorch's typed constructors of old code. ``FloatTensor(2, 3)``
    is a new (2, 3) float32 tensor (zeros here; PyTorch's is uninitialised), ``LongTensor([1, 2])`` copies data
    into the type's dtype, and ``isinstance(t, torch.FloatTensor)`` asks whether t is a float32 CPU tensor."""

    def __call__(cls, *args):
        if len(args) == 1 and not isinstance(args[0], (int, host.integer)):
            data = args[0]._data if isinstance(args[0], Tensor) else args[0]
            return Tensor._make(to_array(data, dtype=cls.dtype).copy() if isinstance(data, host.ndarray)
                                else to_array(data, dtype=cls.dtype))
        return Tensor(*args, dtype=cls.dtype)

    def __instancecheck__(cls, value):
        return isinstance(value, Tensor) and value.dtype == cls.dtype and value.device.type == "cpu"

    def __repr__(cls):
        return f"<class 'torch.{cls.__name__}'>"


def _legacy(name, dtype):
    return _LegacyTensorType(name, (), {"dtype": host.dtype(dtype), "__module__": "torch"})


FloatTensor, DoubleTensor, HalfTensor = _legacy("FloatTensor", "float32"), _legacy("DoubleTensor", "float64"), \
    _legacy("HalfTensor", "float16")
LongTensor, IntTensor, ShortTensor = _legacy("LongTensor", "int64"), _legacy("IntTensor", "int32"), \
    _legacy("ShortTensor", "int16")
CharTensor, ByteTensor, BoolTensor = _legacy("CharTensor", "int8"), _legacy("ByteTensor", "uint8"), \
    _legacy("BoolTensor", "bool")
