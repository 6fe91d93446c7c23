"""A device that is not numpy, for proving on the CPU that no op bypasses the seam (backend.py).

Its arrays (``FakeArray``) are numpy arrays underneath, but they act like CuPy's:

- a numpy function or ufunc called on one raises (``np.exp(a)``, ``np.concatenate([a, b])``),
  unless the call comes through the device's own namespace (``FakeXP``, what ``ctx.xp`` is for
  its tensors) or through the array's own operators and methods (``a + b``, ``a.sum()``);
- mixing one with a host (numpy) array raises, as CuPy raises for ``cupy_array + numpy_array``:
  in an operator, a ufunc, a namespace function, ``a[i] = host_array``, and as an index array
  (stricter than CuPy, which copies a host index over: the engine moves indices itself,
  backend.index_for);
- the namespace returns device arrays, numpy scalars included (CuPy returns 0-d arrays).

``use()`` registers it as the device type ``"fakegpu"``; the test files run the op table, the
layers and training on ``device="fakegpu"`` and compare with the CPU. One gap CuPy does not have:
``numpy.asarray(fake)`` silently returns the host view (numpy never asks an ndarray subclass), so
that leak is caught later, when the host array meets a device array, or by the result's device.
"""
import contextlib
import threading

import numpy as np

from autograd import backend

NAME = "fakegpu"
_state = threading.local()
REQUESTED = {}  # name the engine asked of the device ("xp.exp", "xp.add.at", "ndarray.astype") -> keywords it passed


def _note(name, kwargs=()):
    REQUESTED.setdefault(name, set()).update(kwargs)


@contextlib.contextmanager
def _allowed():
    _state.depth = getattr(_state, "depth", 0) + 1
    try:
        yield
    finally:
        _state.depth -= 1


def _is_allowed():
    return getattr(_state, "depth", 0) > 0


class SeamError(TypeError):
    """numpy reached a fakegpu array directly, or a host array met one."""


def _refuse_host(tree, where):
    """Raise if ``tree`` (an argument, or lists/tuples/dicts of them) holds a host numpy array."""
    if type(tree) is np.ndarray:
        raise SeamError(f"{where}: a host (numpy) array of shape {tree.shape} met a {NAME} array; move it to "
                        f"the device first (xp.asarray, tensor.to(device))")
    if isinstance(tree, (list, tuple)):
        for x in tree:
            _refuse_host(x, where)
    elif isinstance(tree, dict):
        for x in tree.values():
            _refuse_host(x, where)


def _unwrap(tree):
    if isinstance(tree, FakeArray):
        return tree.view(np.ndarray)
    if type(tree) in (list, tuple):
        return type(tree)(_unwrap(x) for x in tree)
    if isinstance(tree, dict):
        return {k: _unwrap(v) for k, v in tree.items()}
    return tree


def _wrap(result):
    if type(result) is np.ndarray:
        return result.view(FakeArray)
    if isinstance(result, np.generic):
        return np.asarray(result).view(FakeArray)
    if isinstance(result, tuple) and hasattr(result, "_fields"):  # linalg's named results
        return type(result)(*(_wrap(x) for x in result))
    if type(result) in (list, tuple):
        return type(result)(_wrap(x) for x in result)
    return result


_METADATA = {"result_type", "shape", "ndim", "size", "can_cast", "iscomplexobj", "isrealobj", "may_share_memory",
             "shares_memory", "min_scalar_type"}


class _Flags:
    __slots__ = ("c_contiguous", "f_contiguous", "owndata")

    def __init__(self, c_contiguous, f_contiguous, owndata):
        self.c_contiguous, self.f_contiguous, self.owndata = c_contiguous, f_contiguous, owndata


class FakeArray(np.ndarray):
    """A numpy array that numpy itself refuses to compute with (see the module docstring)."""

    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        where = f"numpy.{ufunc.__name__}" + ("" if method == "__call__" else f".{method}")
        if not _is_allowed():
            raise SeamError(f"{where} was called on a {NAME} array: compute through the tensor's array module "
                            f"(ctx.xp / backend.get_array_module), not numpy")
        _refuse_host(inputs, where)
        _refuse_host(kwargs.get("out", ()), where)
        result = getattr(ufunc, method)(*_unwrap(inputs), **_unwrap(kwargs))
        if "out" in kwargs:
            out = kwargs["out"]
            return out[0] if len(out) == 1 else out
        return _wrap(result)

    def __array_function__(self, func, types, args, kwargs):
        if func.__name__ in _METADATA:  # numpy.result_type(a), numpy.shape(a): CuPy answers them too
            return func(*_unwrap(args), **_unwrap(kwargs))
        if not _is_allowed():
            raise SeamError(f"numpy.{func.__name__} was called on a {NAME} array: compute through the tensor's "
                            "array module (ctx.xp / backend.get_array_module), not numpy")
        _refuse_host(args, f"numpy.{func.__name__}")
        _refuse_host(kwargs, f"numpy.{func.__name__}")
        return _wrap(func(*_unwrap(args), **_unwrap(kwargs)))

    def __setitem__(self, index, value):
        _refuse_host(value, "setitem")
        _refuse_host(index, "setitem's index")
        with _allowed():
            np.ndarray.__setitem__(self, _unwrap(index), _unwrap(value))

    def __getitem__(self, index):
        _refuse_host(index, "getitem's index")
        with _allowed():
            return _wrap(np.ndarray.__getitem__(self, _unwrap(index)))

    @property
    def flags(self):
        """CuPy's flags: c_contiguous, f_contiguous and owndata only (no writeable)."""
        flags = np.ndarray.flags.__get__(self)
        return _Flags(flags.c_contiguous, flags.f_contiguous, flags.owndata)

    def __reduce__(self):
        raise SeamError(f"pickle: a {NAME} array can't be pickled; save tensors through nn.save (moves them to "
                        "the host)")

    def __repr__(self):
        return f"FakeArray({self.view(np.ndarray)!r})"

    def __str__(self):
        return str(self.view(np.ndarray))


def _allowing(name):
    method = getattr(np.ndarray, name)

    def run(self, *args, **kwargs):
        _note(f"ndarray.{name}", kwargs)
        with _allowed():
            return method(self, *args, **kwargs)

    run.__name__ = name
    return run


# the array's own operators and methods compute, as CuPy's do
_SKIP = {"__array_ufunc__", "__array_function__", "__setitem__", "__getitem__", "__reduce__", "__repr__",
         "__new__", "__init__", "__getattribute__", "__setattr__", "__delattr__", "__array_finalize__",
         "__array_wrap__", "__array_prepare__", "__class__", "__init_subclass__", "__subclasshook__",
         "__reduce_ex__", "__setstate__", "__class_getitem__", "view", "__sizeof__", "__dir__", "__format__",
         "__str__", "__array__", "__dlpack__", "__dlpack_device__", "__buffer__", "__release_buffer__",
         "__array_namespace__"}
for _name in dir(np.ndarray):
    if _name not in _SKIP and callable(getattr(np.ndarray, _name)) and not isinstance(
            getattr(np.ndarray, _name), type):
        setattr(FakeArray, _name, _allowing(_name))


class _Ufunc:
    """A numpy ufunc as the device's namespace offers it (call, reduce, at, outer, accumulate)."""

    def __init__(self, ufunc):
        self.ufunc = ufunc
        self.__name__ = ufunc.__name__

    def _run(self, method, args, kwargs):
        where = f"xp.{self.ufunc.__name__}" + ("" if method == "__call__" else f".{method}")
        _note(where, kwargs)
        _refuse_host(args, where)
        _refuse_host(kwargs, where)
        with _allowed():
            result = getattr(self.ufunc, method)(*_unwrap(args), **_unwrap(kwargs))
        out = kwargs.get("out")  # out=None, as numpy allows, means a new array
        return out if out is not None and not isinstance(out, tuple) else _wrap(result)

    def __call__(self, *args, **kwargs):
        return self._run("__call__", args, kwargs)

    def __getattr__(self, method):
        if method in ("reduce", "accumulate", "at", "outer", "reduceat"):
            return lambda *args, **kwargs: self._run(method, args, kwargs)
        return getattr(self.ufunc, method)


_CONVERT = {"asarray", "array", "asanyarray", "ascontiguousarray", "asfortranarray"}


_WRITABLE_VIEWS = {"diagonal"}  # views numpy makes read-only and CuPy writable


class FakeXP:
    """The device's array module: numpy's names, computing on FakeArrays and returning them.
    Host arrays are refused except by the conversions (asarray, array: the host-to-device copy)."""

    def __init__(self, module=np, prefix="xp"):
        self._module, self._prefix = module, prefix
        self.__name__ = f"{NAME}.{prefix}"

    def __getattr__(self, name):
        _note(f"{self._prefix}.{name}")
        attr = getattr(self._module, name)
        if isinstance(attr, np.ufunc):
            wrapped = _Ufunc(attr)
        elif name in ("linalg", "lib", "stride_tricks", "fft"):
            wrapped = FakeXP(attr, f"{self._prefix}.{name}")
        elif name == "random":
            raise AttributeError(f"{self.__name__}.random: draw through ag.get_rng(device) (per-device generator)")
        elif isinstance(attr, type) or not callable(attr):
            return attr  # dtypes, constants, errstate: host objects, as in CuPy
        else:
            wrapped = self._function(name, attr)
        object.__setattr__(self, name, wrapped)
        return wrapped

    def _function(self, name, function):
        where = f"{self.__name__}.{name}"
        convert = name in _CONVERT

        def run(*args, **kwargs):
            _note(where.replace(f"{NAME}.", ""), kwargs)
            if not convert:
                _refuse_host(args, where)
                _refuse_host(kwargs, where)
            with _allowed():
                result = function(*_unwrap(args), **_unwrap(kwargs))
                if name in _WRITABLE_VIEWS and result.base is not None and result.base.flags.writeable:
                    result.setflags(write=True)  # CuPy's diagonal is a writable view (numpy's is read-only)
            if convert and type(result) is np.ndarray and any(a is result for a in args):
                result = result.copy()  # a host array handed in: the device holds a copy
            return _wrap(result)

        run.__name__ = name
        return run


xp = FakeXP()


class _Rng:
    """numpy's Generator (seeded alike, so its draws equal the CPU's), drawing device arrays."""

    def __init__(self, seed=None):
        self.numpy = np.random.default_rng(seed)

    def random(self, size=None):
        return _wrap(np.asarray(self.numpy.random(size)))

    def standard_normal(self, size=None):
        return _wrap(np.asarray(self.numpy.standard_normal(size)))

    def normal(self, loc=0.0, scale=1.0, size=None):
        return _wrap(np.asarray(self.numpy.normal(loc, scale, size)))

    def uniform(self, low=0.0, high=1.0, size=None):
        return _wrap(np.asarray(self.numpy.uniform(low, high, size)))

    def integers(self, low, high=None, size=None):
        return _wrap(np.asarray(self.numpy.integers(low, high, size)))

    def permutation(self, x):
        return _wrap(np.asarray(self.numpy.permutation(x)))


def _to_host(array):
    return np.array(array.view(np.ndarray))


def _from_host(array, index):
    if isinstance(array, FakeArray):
        raise SeamError("from_host: the array is on the device already")
    return np.array(array).view(FakeArray)


BACKEND = backend.Backend(NAME, xp, FakeArray, to_host=_to_host, from_host=_from_host, index_of=lambda a: 0,
                          make_rng=_Rng, device_count=lambda: 1)


def use():
    """Register the fake device (idempotent); returns its name."""
    if backend.backend_for(NAME) is None:
        backend.register(BACKEND)
    return NAME


def unuse():
    if backend.backend_for(NAME) is not None:
        backend.unregister(NAME)
