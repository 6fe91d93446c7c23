"""The one seam between the engine and its array libraries: the only module that imports numpy.

Ops never name an array library for their maths: they ask the context for ``xp``, the array
module of their inputs (numpy on the CPU, CuPy on "cuda", ``scalar_math`` for Value, and the
differentiable ``autograd`` namespace while building a graph of the backward pass). Code that
starts from a tensor asks ``get_array_module(t._data)`` (or ``t._xp``); code that starts from a
device asks ``backend_for(device).xp``. ``host`` is numpy itself, for what lives on the host
whatever the device: dtypes, shapes, files, and arrays on their way to or from a device.

A device type is a ``Backend``: its array module, its array type, how arrays cross to and from
the host, and its random generator. "cpu" (numpy) is always there; "cuda" (CuPy) is added when
CuPy imports and sees a GPU; tests add a fake one (tests/fake_device.py). ``register`` adds one.
"""
import math

import numpy

host = numpy  # the host array module: dtypes, files, and arrays on the way to or from a device


class Backend:
    """One device type's array library.

    ``xp``: its module with numpy's names; ``array_type``: the type its arrays have;
    ``to_host(a)`` / ``from_host(a, index)``: copies across the boundary (``from_host`` puts a
    host array on device ``index``); ``index_of(a)``: the device index an array lives on;
    ``make_rng(seed)``: a generator drawing arrays of this device (``random``, ``standard_normal``,
    ``normal``, ``uniform``, ``integers``, ``permutation``), seeded (None: from entropy);
    ``device_count()``: how many devices of this type there are."""

    def __init__(self, name, xp, array_type, *, to_host, from_host, index_of, make_rng, device_count):
        self.name, self.xp, self.array_type = name, xp, array_type
        self.to_host, self.from_host, self.index_of = to_host, from_host, index_of
        self.make_rng, self.device_count = make_rng, device_count

    def __repr__(self):
        return f"<backend {self.name!r}: {getattr(self.xp, '__name__', self.xp)}>"


CPU_BACKEND = Backend("cpu", numpy, numpy.ndarray, to_host=lambda a: a, from_host=lambda a, index: a,
                      index_of=lambda a: None, make_rng=numpy.random.default_rng,
                      device_count=lambda: 1)  # (numpy's Generator answers to every name make_rng needs)

_backends = {"cpu": CPU_BACKEND}  # device type -> Backend
_by_type = {numpy.ndarray: CPU_BACKEND}  # array type -> Backend (numpy scalars count as host)
_cuda_tried = [False]


def register(backend):
    """Add a device type: tensors can then live on ``device(backend.name)``."""
    _backends[backend.name] = backend
    _by_type[backend.array_type] = backend


def unregister(name):
    """Remove a device type added by ``register`` (tests remove their fake device)."""
    backend = _backends.pop(name)
    _by_type.pop(backend.array_type, None)


def _load_cuda():
    """Register "cuda" once, when CuPy imports and sees at least one GPU; the reason when not."""
    if _cuda_tried[0]:
        return _cuda_error[0]
    _cuda_tried[0] = True
    try:
        import cupy
        count = cupy.cuda.runtime.getDeviceCount()
    except Exception as err:  # ImportError, or CuPy without a driver or a GPU (CUDARuntimeError)
        _cuda_error[0] = f"{type(err).__name__}: {err}"
        return _cuda_error[0]
    if count < 1:
        _cuda_error[0] = "CuPy sees no GPU"
        return _cuda_error[0]

    def from_host(a, index):
        with cupy.cuda.Device(index or 0):
            return cupy.asarray(a)

    register(Backend("cuda", cupy, cupy.ndarray, to_host=cupy.asnumpy, from_host=from_host,
                     index_of=lambda a: a.device.id, make_rng=_CupyRng, device_count=lambda: count))
    return None


_cuda_error = [None]


class _CupyRng:
    """CuPy's RandomState under the names every backend's generator answers to (draws on the GPU)."""

    def __init__(self, seed=None):
        import cupy
        self.state = cupy.random.RandomState(seed)

    def random(self, size=None):
        return self.state.random_sample(size)

    def standard_normal(self, size=None):
        return self.state.standard_normal(size)

    def normal(self, loc=0.0, scale=1.0, size=None):
        return self.state.normal(loc, scale, size)

    def uniform(self, low=0.0, high=1.0, size=None):
        return self.state.uniform(low, high, size)

    def integers(self, low, high=None, size=None):
        return self.state.randint(low, high, size)

    def permutation(self, x):
        return self.state.permutation(x)


def backend_for(device_type):
    """The Backend of a device type ("cpu", "cuda", a registered one), or None when that device
    type has no array library here (devices.py turns None into an error naming the reason)."""
    if device_type == "cuda" and "cuda" not in _backends:
        _load_cuda()
    return _backends.get(device_type)


def cuda_unavailable_reason():
    """Why "cuda" is not available (None when it is)."""
    return _load_cuda() if "cuda" not in _backends else None


def backend_of(array):
    """The Backend owning ``array`` (host numbers and numpy scalars: the CPU)."""
    backend = _by_type.get(type(array))
    if backend is not None:
        return backend
    for array_type, backend in _by_type.items():
        if isinstance(array, array_type) and backend is not CPU_BACKEND:
            return backend
    return CPU_BACKEND


def get_array_module(array):
    """The array module that owns ``array``: numpy for host arrays, CuPy for CUDA arrays."""
    if type(array) is numpy.ndarray:
        return numpy
    return backend_of(array).xp


def is_host_array(array):
    """Is ``array`` a host (numpy) array or scalar, the kind files, protobufs and numpy() hold?"""
    return type(array) is numpy.ndarray or isinstance(array, numpy.generic)


def to_backend(array, backend, index=None):
    """``array`` (of any backend) as an array of ``backend`` on device ``index``: the same array
    when it is there already, else a copy through the host."""
    source = backend_of(array)
    if source is backend and (backend is CPU_BACKEND or source.index_of(array) == (index or 0)):
        return array
    on_host = source.to_host(array)
    return backend.from_host(on_host, index)


def to_host(array):
    """A host (numpy) array with ``array``'s values: the array itself when it is one."""
    if type(array) is numpy.ndarray:
        return array
    return backend_of(array).to_host(array)


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

    @staticmethod
    def maximum(a, b):
        """numpy's maximum of two numbers: a float (Python's max(-2.0, 0) is the int 0), nan if either
        is nan (max(0, nan) is 0), the first on a tie (maximum(-0.0, 0) is -0.0, as relu(-0.0) in PyTorch)."""
        return float(a if a >= b or a != a else b)

    @staticmethod
    def minimum(a, b):
        """numpy's minimum of two numbers, as ``maximum``."""
        return float(a if a <= b or a != a else b)

    @staticmethod
    def sign(x):
        return (x > 0) - (x < 0)

    @staticmethod
    def where(cond, a, b):
        return a if cond else b

    @staticmethod
    def isfinite(x):
        return math.isfinite(x)


def as_strided(array, shape=None, strides=None, writeable=True):
    """A strided view of ``array`` (numpy.lib.stride_tricks.as_strided, or its device twin, which
    has no ``writeable``: write through such a view nowhere)."""
    if type(array) is numpy.ndarray:
        return numpy.lib.stride_tricks.as_strided(array, shape, strides, writeable=writeable)
    return backend_of(array).xp.lib.stride_tricks.as_strided(array, shape, strides)


def as_array(x):
    """``x`` as an array: an array of any backend stays as it is; numbers, lists and numpy
    scalars become host arrays (numpy.asarray would copy a device array to the host, or refuse)."""
    if type(x) in _by_type:
        return x
    return numpy.asarray(x)


def _first_array(args):
    for a in args:
        if type(a) in _by_type:
            return a
        if type(a) in (list, tuple):
            for b in a:
                if type(b) in _by_type:
                    return b
    return None


class _Dispatch:
    """``by_input.name(...)``: numpy's function ``name`` from the array module of the first array
    among the arguments (as NEP 18 dispatches), for helpers that get arrays but no ``ctx.xp``.
    Ops' forward uses ``ctx.xp``; this is for the code around them. ``by_input.linalg.inv``: the
    same for a submodule."""

    def __init__(self, submodule=None):
        self._submodule = submodule

    def __getattr__(self, name):
        if name.startswith("__"):
            raise AttributeError(name)
        if name in ("linalg", "fft"):
            setattr(self, name, _Dispatch(name))
            return getattr(self, name)
        submodule = self._submodule

        def run(*args, **kwargs):
            array = _first_array(args) if args else None
            module = numpy if array is None or type(array) is numpy.ndarray else backend_of(array).xp
            return getattr(module if submodule is None else getattr(module, submodule), name)(*args, **kwargs)

        run.__name__ = name
        if isinstance(getattr(numpy, name, None), numpy.ufunc):
            run = _DispatchUfunc(name, run)
        setattr(self, name, run)
        return run


class _DispatchUfunc:
    """A dispatched ufunc keeps its methods: ``by_input.add.at(out, index, values)``."""

    def __init__(self, name, call):
        self.__name__, self._call = name, call

    def __call__(self, *args, **kwargs):
        return self._call(*args, **kwargs)

    def __getattr__(self, method):
        def run(*args, **kwargs):
            array = _first_array(args)
            module = numpy if array is None or type(array) is numpy.ndarray else backend_of(array).xp
            return getattr(getattr(module, self.__name__), method)(*args, **kwargs)

        return run


by_input = _Dispatch()


def empty_aligned(xp, shape, dtype, alignment=64):
    """``xp.empty(shape, dtype)`` whose data starts on an ``alignment``-byte boundary. numpy's
    allocator promises 16 bytes; OpenBLAS reads a matmul's right operand from a 64-byte boundary
    up to ~25% faster at some shapes (LSTMLayer's weights at lstm_bench.py's size: a (32, 161) @
    (4, 161, 128) takes 42 us with the weights on a 64-byte boundary, 52 us without). Device
    allocators align further already: other array modules get ``xp.empty``."""
    if xp is not numpy:
        return xp.empty(shape, dtype=dtype)
    dtype = numpy.dtype(dtype)
    nbytes = math.prod(shape) * dtype.itemsize
    buffer = numpy.empty(nbytes + alignment, dtype=numpy.uint8)
    start = -buffer.ctypes.data % alignment
    return buffer[start:start + nbytes].view(dtype).reshape(shape)


def is_array(x):
    """Is ``x`` an array of any backend (not a Tensor, a number or a list)?"""
    return type(x) in _by_type or isinstance(x, numpy.ndarray)


def read_only(array):
    """Is ``array`` a read-only numpy array (a broadcast view)? Device arrays have no such flag
    (CuPy's flags are c_contiguous, f_contiguous and owndata only): never read-only."""
    return type(array) is numpy.ndarray and not array.flags.writeable


def index_for(xp, index):
    """``index`` for arrays of module ``xp``: host integer or bool arrays in it moved to the device
    (numpy: the index as it is)."""
    if xp is numpy:
        return index
    if type(index) is tuple:
        return tuple(xp.asarray(i) if type(i) is numpy.ndarray else i for i in index)
    return xp.asarray(index) if type(index) is numpy.ndarray else index
