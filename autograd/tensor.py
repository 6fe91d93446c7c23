"""Tensor: numpy storage plus a place in the graph.

This file holds the class and what every tensor has: its storage, dtype and shape, its
gradient and its link into the graph, its version counter and (for a view) its base,
printing and Python's protocols. The ops (``t.exp()``, ``t + u``, ``t.sum(dim)``...) are
Functions in ``ops/``, each published as a Tensor method and an ``ag.`` function by
``register`` on the line under it; in-place changes (``add_``, ``+=``, ``t[i] = v``, ``copy_``)
are in inplace.py, creation functions in creation.py, random numbers in random.py.
"""
import builtins
import copy
import numbers
import weakref

from . import caller, function, printing
from .backend import as_array, get_array_module, host, read_only, to_host
from .devices import CPU, of_array
from .dtypes import _default, bool_, fitting, float64, int64, is_floating, wrapped
from .function import ShapeError
from .graph import AccumulateGrad, Variable, _lock, _modes, _unlock

_py_int, _py_float = builtins.int, builtins.float


def to_array(data, dtype=None):
    """A new array from a list, number, numpy array or tensor. Without a dtype, Python floats
    become the default dtype (float32) and Python ints int64, as in PyTorch; numpy arrays keep theirs."""
    if isinstance(data, Tensor):
        arr = data._xp.array(data._data, dtype=dtype)
    else:
        if dtype is not None and not isinstance(data, numbers.Number):
            _numeric(host.asarray(data), data)  # before numpy reads the string '1.5' as a number
        arr = host.array(data, dtype=dtype)
        if dtype is None and not isinstance(data, (host.ndarray, host.generic)):
            if arr.dtype == float64 and _default[0] != float64:
                arr = arr.astype(_default[0])
            elif arr.dtype.kind in "iu":
                arr = arr.astype(int64)
    return _numeric(arr, data)


def _numeric(arr, data, op="tensor"):
    """``arr`` if it holds numbers (bool, int, float, complex); else PyTorch's error for ``data``."""
    if arr.dtype.kind in "biufc":
        return arr
    if isinstance(data, (host.ndarray, host.generic)):
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
        elif not isinstance(x, (numbers.Number, host.generic, Tensor)):
            return type(x).__name__
    return type(data).__name__


def _any_float64(inputs):
    """Does an op's input hold float64 (a tensor's storage, an array or scalar on any device)? (A
    plain loop: it runs for every op on float64 data.)"""
    for x in inputs:
        a = x._data if isinstance(x, Tensor) else x
        if hasattr(a, "dtype") and a.dtype == float64:  # (not getattr: numpy reads None as float64)
            return True
    return False


def _assignable(value, dtype, op="setitem"):
    """What ``t[i] = value`` stores: a tensor's array, a number, or an array of numbers. None, strings
    and other objects are refused, as in PyTorch (numpy would store None as nan)."""
    if isinstance(value, Tensor):
        return value._data
    if isinstance(value, (builtins.bool, _py_int, _py_float, host.number, host.bool_)):
        return wrapped(fitting(value, dtype, op), dtype)  # (uint8 -3 is 253, as in PyTorch; 256 is refused)
    arr = as_array(value)  # (a device array stays on its device)
    if arr.dtype.kind not in "biufc":
        raise TypeError(f"setitem: can't assign a {type(value).__name__} to a tensor of dtype {dtype}; "
                        "assign a number, a tensor or an array of numbers")
    if arr.dtype.kind == "c" and dtype.kind != "c":
        raise RuntimeError(f"setitem: a complex value can't be stored in a tensor of dtype {dtype} "
                           "(its imaginary part would be lost); take .real first")
    return arr


def _as_output(raw, inputs):
    """An op's result that is neither a numpy array nor a numpy scalar (a number, a device array) as
    an array of the inputs' device."""
    if as_array(raw) is raw:
        return raw  # a device array
    for x in inputs:
        if isinstance(x, Tensor):
            return x._xp.asarray(raw)
    return host.asarray(raw)


_new = object.__new__
_ndarray = host.ndarray


def _rebuild(data, requires_grad):
    """A tensor from its pickled state (Tensor.__reduce_ex__)."""
    t = Tensor._make(data)
    t.requires_grad = requires_grad
    return t


class Size(tuple):
    """A shape (torch.Size): a tuple of ints with ``numel()``; printed like a tuple."""

    __slots__ = ()

    def numel(self):
        n = 1
        for d in self:
            n *= d
        return n


def _is_size(n):
    """A non-negative int (not a bool): one entry of a size."""
    return isinstance(n, (_py_int, host.integer)) and not isinstance(n, builtins.bool) and n >= 0


def _scientific(data, threshold, edgeitems):
    """PyTorch's choice of notation for a float tensor (torch/_tensor_str.py's _Formatter): scientific when its
    nonzero finite magnitudes span more than 1000x or exceed 1e8, or, not all integers, go below 1e-4. Of a
    tensor printed summarized, only the elements shown count (PyTorch's get_summarized_data)."""
    if data.dtype.kind != "f":
        return False
    if data.size > threshold:
        for axis, n in enumerate(data.shape):
            if n > 2 * edgeitems:
                data = host.concatenate((data.take(range(edgeitems), axis), data.take(range(n - edgeitems, n), axis)),
                                        axis)
    values = host.abs(data[host.isfinite(data) & (data != 0)]).astype(float64)
    if not values.size:
        return False
    low, high = values.min(), values.max()
    integral = bool((values == host.ceil(values)).all())
    return bool(high / low > 1000.0 or high > 1.0e8 or (not integral and low < 1.0e-4))


class Tensor(Variable):
    """An n-dimensional array that remembers how it was computed."""

    __slots__ = ("_data", "_grad", "grad_fn", "requires_grad", "_accum", "_leaf_hooks", "_vc", "_view",
                 "_accum_ref", "__weakref__")
    _graph_xp = None  # numpy's names over Tensors, for backward with create_graph (set by ops/)
    __array_ufunc__ = None  # numpy defers to our reflected operators: ndarray * Tensor -> Tensor

    def __init__(self, *args, dtype=None, requires_grad=False):
        """PyTorch's legacy constructor: ``Tensor(t)`` is an alias of the tensor ``t`` (the same storage and
        version counter); ``Tensor(2, 3)`` is a new (2, 3) tensor (zeros here; PyTorch's is uninitialised);
        ``Tensor(data)`` copies a list or array into the default float dtype (unless ``dtype``), as torch.Tensor
        does (``torch.tensor`` is the function that keeps an integer array's dtype)."""
        data = args[0] if len(args) == 1 else None
        if isinstance(data, Tensor) and (dtype is None or host.dtype(dtype) == data.dtype):
            self._init(data._data, data._vc)
        elif len(args) > 1 or _is_size(data):
            if not all(_is_size(n) for n in args):
                raise TypeError(f"Tensor: expected a sequence of data or non-negative ints (a size), got {args!r}")
            self._init(host.zeros(args, dtype=host.dtype(dtype) if dtype else _default[0]), None)
        else:
            self._init(to_array([] if data is None else data, dtype=host.dtype(dtype) if dtype else _default[0]), None)
        if requires_grad:
            self.requires_grad_(True)

    def _init(self, data, vc, requires_grad=False):
        self._data = data
        self._grad = None
        self.grad_fn = None
        self.requires_grad = requires_grad
        self._accum = None
        self._leaf_hooks = None
        self._vc = vc if vc is not None else [0]  # [version, weak references to views taken in grad mode...]
        self._view = None  # a view: (base, ((View op, params), ...) from the base, taken in grad mode: True,
        #                    False, or None for a no_grad view that inherited requires_grad: see View)

    @property
    def _xp(self):
        """The array module of the storage (numpy on the CPU, CuPy on "cuda"): what ops compute with."""
        data = self._data
        return host if type(data) is host.ndarray else get_array_module(data)

    @classmethod
    def _make(cls, data, vc=None):
        """Wrap an array without copying it (the hot path of every op). Always a plain Tensor:
        an op on a subclass (nn.Parameter) returns a Tensor, as in PyTorch."""
        t = _new(Tensor)
        t._init(data, vc)
        return t

    @staticmethod
    def _output_array(raw, inputs, op):
        """What an op's forward returned, as the output's storage, when it is not already a numpy array
        of a dtype other than float64 (Function.apply makes the output Tensor itself, the hot path of
        every op): a numpy scalar (a full reduction) or a number as an array, a device array as it is,
        and float64 made from no float64 input as float32 (int tensor / 2 is float32, as in PyTorch;
        casts keep their dtype)."""
        if type(raw) is not _ndarray:
            raw = host.asarray(raw) if isinstance(raw, host.generic) else _as_output(raw, inputs)
        if raw.dtype is float64 and not op.exact_dtype and not _any_float64(inputs):
            raw = raw.astype(_default[0], copy=False)
        return raw

    def _as_view_of(self, input, op, params):
        """This op output shares ``input``'s storage: share its version counter too, and remember
        the base and the view ops taken from it (what inplace.py needs to record a change through
        the view on the base). A view taken in grad mode is registered with the counter, so that
        its grad_fn can follow when the base changes in place inside a graph. A view taken under no_grad
        of a tensor that requires grad requires grad itself, as in PyTorch, with no gradient reaching it:
        its grad mode is recorded as None (see View)."""
        view, grad_mode = input._view, _modes.grad_enabled
        if not grad_mode and input.requires_grad and not self.requires_grad:
            self.requires_grad, grad_mode = True, None
        self._view = (input, ((op, params),), grad_mode) if view is None else \
            (view[0], view[1] + ((op, params),), grad_mode)
        vc = self._vc = input._vc
        if grad_mode:
            vc.append(weakref.ref(self))
            n = len(vc)
            if n >= 32 and not n & (n - 1):  # at 32, 64, 128... entries: forget views that died
                vc[1:] = [r for r in vc[1:] if r() is not None]

    # ------------------------------------------------------------- graph core hooks

    def _node(self):
        """The node that receives this tensor's gradient: its op's, or the leaf's sink. A leaf keeps its
        sink (``_accum``), made once; a sink handed to user code is held weakly (``_accum_ref``) and
        made again once the graphs and the user let it go, as in PyTorch (see AccumulateGrad)."""
        if self.grad_fn is not None:
            return self.grad_fn
        node = self._accum
        if node is None:
            if self._view is not None and self._view[2] is None:  # a view taken under no_grad (View): no sink
                return None
            _lock()  # one sink per leaf, also when threads ask at once (ag.grad captures it)
            try:
                node = self._accum
                if node is None:
                    handed = getattr(self, "_accum_ref", None)
                    node = handed() if handed is not None else None
                    if node is None:  # (made once per leaf: its __init__ is no cost on the hot path)
                        node = self._accum = AccumulateGrad(weakref.ref(self))
            finally:
                _unlock()
        return node

    def _version_value(self):
        return self._vc[0]

    @property
    def _version(self):
        return self._vc[0]

    def _root_grad(self, gradient, op, create_graph=False):
        """The gradient a backward pass starts from: ones for a one-element tensor, else ``gradient``
        checked against this tensor's shape, in its dtype. With ``create_graph`` a gradient that requires
        grad stays a Tensor on its graph: what backward computes from it is differentiable in it too."""
        if gradient is None:
            if self._data.size != 1:
                raise RuntimeError(
                    f"{op}: grad can be implicitly created only for scalar outputs, but this tensor "
                    f"has shape {self.shape}; call .sum() first or pass gradient= of shape {self.shape}")
            xp = host if type(self._data) is host.ndarray else self._xp
            one = xp.array(1, dtype=self._data.dtype)  # ones, minus its Python layer
            return one if self._data.ndim == 0 else one.reshape(self._data.shape)
        g = gradient._data if isinstance(gradient, Tensor) else self._xp.asarray(gradient)
        if g.shape != self._data.shape:
            raise ShapeError(f"{op}: gradient has shape {g.shape} but the tensor has shape {self.shape}")
        if create_graph and isinstance(gradient, Tensor) and gradient.requires_grad:
            return gradient if g.dtype == self._data.dtype else gradient.to(self._data.dtype)
        return g.astype(self._data.dtype, copy=True)

    def _accumulate_grad(self, g, create_graph=False, copy=False):
        """Add ``g`` (an array, or a Tensor with ``create_graph``) into ``.grad`` (the walk's step
        for a leaf); ``copy``: never store ``g`` itself (a retained gradient that flows on)."""
        if isinstance(g, Tensor):
            g = g if create_graph else g._data
        elif type(g) is host.ndarray and self._grad is None:
            pass  # (the common case: a first gradient, an array)
        elif type(g) is not host.ndarray and getattr(g, "is_sparse", False) or \
                self._grad is not None and self._grad._data is None:  # (a sparse gradient, or a sparse .grad)
            return self._accumulate_sparse_grad(g, create_graph, copy)
        if create_graph:  # keep the graph of the gradient: out-of-place, as a Tensor
            g = g if isinstance(g, Tensor) else Tensor._make(g)
            self._grad = g if self._grad is None else self._grad + g
            return
        if type(g) is not host.ndarray:
            g = as_array(g)
        if self._grad is None:
            if copy or (type(g) is host.ndarray and not g.flags.writeable) or g.base is not None or \
                    g.dtype != self._data.dtype:
                g = g.astype(self._data.dtype, copy=True)
            self._grad = Tensor._make(g)
        elif self._grad.requires_grad or read_only(self._grad._data):
            self._grad = Tensor._make((self._grad._data + g).astype(self._data.dtype, copy=False))
        else:
            self._grad._data += g
            self._grad._vc[0] += 1

    def _accumulate_sparse_grad(self, g, create_graph, copy):
        """A sparse gradient (nn.Embedding(sparse=True)'s weight), or one added to it, as PyTorch's AccumulateGrad:
        ``.grad`` stays sparse while every gradient is (sparse + sparse: the entries of both); sparse + dense
        is dense."""
        if create_graph:
            raise NotImplementedError("backward(create_graph=True) with a sparse gradient (a sparse .grad with a "
                                      "graph of its own) is not implemented; use nn.Embedding(sparse=False)")
        held = self._grad
        sparse_g = getattr(g, "is_sparse", False)
        if held is None:
            self._grad = g.clone() if copy else g
        elif held._data is None and sparse_g:  # sparse + sparse
            self._grad = held + g
        elif held._data is None:  # sparse .grad + a dense gradient: dense, as PyTorch's
            self._grad = Tensor._make((as_array(g) + held.to_dense()._data).astype(self._data.dtype, copy=False))
        elif held.requires_grad or read_only(held._data):  # a dense .grad + a sparse gradient: dense
            self._grad = Tensor._make((held._data + g.to_dense()._data).astype(self._data.dtype, copy=False))
        else:
            held._data += g.to_dense()._data
            held._vc[0] += 1

    def _wrap_grad(self, g):
        if not isinstance(g, Tensor) and type(g) is not host.ndarray and getattr(g, "is_sparse", False):
            return g  # (a sparse gradient, as PyTorch's autograd.grad returns it)
        return g if isinstance(g, Tensor) else Tensor._make(as_array(g))

    @property
    def grad(self):
        """What backward accumulated here: a Tensor of this tensor's shape and dtype, or None."""
        return self._grad

    @grad.setter
    def grad(self, value):
        """As torch's setter: None, or a Tensor (or a sparse COO tensor, for SparseAdam) of this tensor's shape
        and dtype; anything else is refused here, where it is assigned, rather than in a later ``backward`` or
        ``step``."""
        if value is not None and not isinstance(value, Tensor) and getattr(value, "is_sparse", False) is True:
            if tuple(value.shape) != tuple(self._data.shape) or value.dtype != self._data.dtype:
                raise RuntimeError(f"attempting to assign a sparse gradient of shape {tuple(value.shape)} and dtype "
                                   f"{value.dtype} to a tensor of shape {self.shape} and dtype {self.dtype}; a "
                                   "gradient has its tensor's shape and dtype")
        elif value is not None:
            if not isinstance(value, Tensor):
                raise TypeError("assigned grad expected to be a Tensor or None but got grad of type "
                                f"{type(value).__name__}")
            if value._data.shape != self._data.shape:
                raise RuntimeError(f"attempting to assign a gradient of shape {value.shape} to a tensor of shape "
                                   f"{self.shape}; a gradient has its tensor's shape")
            if value._data.dtype != self._data.dtype:
                raise RuntimeError(f"attempting to assign a gradient of dtype {value.dtype} to a tensor of dtype "
                                   f"{self.dtype}; convert it first: .to({self.dtype})")
        self._grad = value

    @grad.deleter
    def grad(self):
        self._grad = None

    # ------------------------------------------------------------- attributes

    @property
    def data(self):
        """The same storage, detached from the graph, with a version counter of its own (as in
        PyTorch): a change through ``.data`` is not seen by anything saved for backward."""
        return Tensor._make(self._data)

    @data.setter
    def data(self, value):
        """``t.data = other``: ``t`` now holds ``other``'s storage (no version bump, nothing recorded), as PyTorch's;
        ``other`` must be a Tensor, and a floating-point one if ``t`` requires grad."""
        if not isinstance(value, Tensor):
            raise TypeError(f"Variable data has to be a tensor, but got {type(value).__name__}; "
                            "wrap it first: t.data = ag.as_tensor(value)")
        if self.requires_grad and value._data.dtype.kind not in "fc":
            raise RuntimeError(f"data set to a tensor that requires gradients must be floating point or complex "
                               f"dtype, got {value.dtype}; convert it with .float() first")
        self._data = value._data

    @property
    def shape(self):
        return Size(self._data.shape)

    @property
    def ndim(self):
        return self._data.ndim

    @property
    def dtype(self):
        return self._data.dtype

    @property
    def device(self):
        data = self._data
        return CPU if type(data) is host.ndarray else of_array(data)

    @property
    def is_cuda(self):
        return self.device.type == "cuda"

    @property
    def is_cpu(self):
        return self.device.type == "cpu"

    @property
    def T(self):
        return self.permute(tuple(reversed(range(self.ndim))))  # (a 0-d tensor: permute(()), a new view)

    @property
    def mT(self):
        """The last two dims swapped; as PyTorch, a 0-d tensor is handed back itself and a 1-d one refused."""
        if self.ndim == 0:
            return self
        if self.ndim == 1:
            raise RuntimeError("mT: tensor.mT is only supported on matrices or batches of matrices; got a 1-D tensor")
        return self.transpose(-2, -1)

    def size(self, dim=None):
        return Size(self._data.shape) if dim is None else self._data.shape[dim]

    def dim(self):
        return self.ndim

    def ndimension(self):  # (PyTorch's alias of dim())
        return self.ndim

    def numel(self):
        return self._data.size

    def is_floating_point(self):
        return is_floating(self.dtype)

    def item(self):
        if self._data.size != 1:
            raise ShapeError(f"item: a tensor with {self._data.size} elements cannot be converted "  # (float(t):
                             "to a Python number; index it or reduce it first")  # PyTorch's ValueError; item: RuntimeError)
        return self._data.item()

    def tolist(self):
        return self._data.tolist()

    def numpy(self, *, force=False):
        """The storage as a numpy array (shared, not copied). A tensor that requires grad refuses
        unless ``force=True`` (as torch: changes through the array are not seen by the graph)."""
        if self.requires_grad and not force:
            raise RuntimeError("numpy: can't call numpy() on a tensor that requires grad; "
                               "use tensor.detach().numpy() (or numpy(force=True)) instead")
        self._on_host("numpy")
        return self._data

    def _on_host(self, op):
        if type(self._data) is not host.ndarray and self.device.type != "cpu":
            raise TypeError(f"{op}: can't convert {self.device} device type tensor to numpy. Use Tensor.cpu() "
                            "to copy the tensor to host memory first.")

    def __array__(self, dtype=None, copy=None):
        self._on_host("__array__")
        data = self._data if dtype is None else self._data.astype(dtype, copy=False)
        return data.copy() if copy and data is self._data else data

    def detach(self):
        return Tensor._make(self._data, self._vc)

    def detach_(self):
        if self._view is not None:  # (PyTorch's rule: a view's graph is its base's)
            raise RuntimeError("detach_: can't detach views in-place; use detach() instead (a new tensor)")
        self.grad_fn, self.requires_grad = None, False
        return self

    def contiguous(self):
        """This tensor if its storage is row-major (C order), else a row-major copy (recorded like clone()):
        after a transpose, ``view`` needs it, as in PyTorch."""
        return self if self.is_contiguous() else self.clone()

    def stride(self, dim=None):
        """The step in elements between neighbours along each dim (PyTorch's strides; numpy's are in
        bytes): (3, 1) for a (2, 3) tensor, (1, 3) for its transpose, 0 along an expanded dim."""
        data = self._data
        if data.size:
            strides = tuple(s // data.dtype.itemsize for s in data.strides)
        else:  # numpy gives an empty array zero strides; PyTorch row-major ones (a 0 size counting as 1)
            strides, step = [], 1
            for n in reversed(data.shape):
                strides.insert(0, step)
                step *= max(n, 1)
            strides = tuple(strides)
        if dim is None:
            return strides
        if not -len(strides) <= dim < len(strides) or not self.ndim:
            raise IndexError(f"stride: dimension {dim} out of range for a tensor of {self.ndim} dimensions "
                             f"(expected to be in range of [{-max(self.ndim, 1)}, {max(self.ndim, 1) - 1}])")
        return strides[dim]

    def is_contiguous(self):
        """Is the storage laid out row-major with no gaps (C order)?"""
        flags = getattr(self._data, "flags", None)
        return flags is None or bool(flags.c_contiguous)

    def requires_grad_(self, requires_grad=True):
        if requires_grad and not is_floating(self.dtype):
            raise RuntimeError(f"requires_grad_: only floating-point tensors can require gradients, "
                               f"got dtype {self.dtype}; convert it first with .float()")
        if not requires_grad and self.grad_fn is not None:
            raise RuntimeError("requires_grad_: you can only change requires_grad of leaf tensors; "
                               "use .detach() for a non-leaf")
        self.requires_grad = requires_grad
        return self

    def cpu(self, memory_format=None):
        return self if type(self._data) is host.ndarray else self.to("cpu")

    def cuda(self, device=None, non_blocking=False, memory_format=None):
        return self.to("cuda" if device is None else device)

    def share_memory_(self):
        """Move the storage into shared memory (torch.Tensor.share_memory_), where a process started after
        (torch.multiprocessing) or sent this tensor sees the same numbers; a no-op when it is there already.
        Returns this tensor. A device tensor is refused. Its base and the views its version counter tracks
        follow; aliases taken before that it can't find (``t.data``, ``t.detach()``, ``t.numpy()``, views
        taken under no_grad) keep the old memory (PyTorch moves them too): see autograd/sharing.py."""
        from . import sharing

        return sharing.share_memory_(self)

    def is_shared(self):
        """Is the storage in shared memory (torch.Tensor.is_shared)?"""
        from . import sharing

        return sharing.is_shared(self)

    # ------------------------------------------------------------- printing

    def __deepcopy__(self, memo):
        """A new leaf: a copy of the storage, the same requires_grad, a copy of ``.grad`` (as PyTorch).
        A tensor made by an op is refused, as in PyTorch: a copy could not share its graph."""
        if id(self) in memo:
            return memo[id(self)]
        if self.grad_fn is not None:
            raise RuntimeError("deepcopy: only tensors created explicitly by the user (graph leaves) can be "
                               "deep-copied; copy t.detach() (the values) or deep-copy the leaves it came from")
        t = Tensor._make(self._data.copy())
        t.requires_grad = self.requires_grad
        memo[id(self)] = t
        if self._grad is not None:
            t._grad = copy.deepcopy(self._grad, memo)
        return t

    def __reduce_ex__(self, protocol):
        """Pickled (and ``copy.copy``-ed) as its storage and requires_grad: a leaf, without ``.grad``
        or a graph, as PyTorch pickles a tensor."""
        return _rebuild, (self._data, self.requires_grad)

    def __repr__(self):
        data = to_host(self._data)
        opts = printing.options  # (torch.set_printoptions)
        layout = dict(separator=", ", prefix="tensor(", threshold=opts["threshold"], edgeitems=opts["edgeitems"],
                      max_line_width=opts["linewidth"])
        scientific = opts["sci_mode"]
        if scientific is None:
            scientific = _scientific(data, opts["threshold"], opts["edgeitems"])
        if data.size == 0:  # PyTorch's: "[]", the shape unless 1-d, the dtype unless the default (no element shows it)
            body = "[]"
        elif data.ndim and data.dtype.kind in "fiub":  # (PyTorch's layout, see printing.py)
            body = printing.layout(data, scientific)
        elif scientific and data.dtype.kind == "f":
            body = host.array2string(data, formatter={"float_kind": f"{{:.{opts['precision']}e}}".format}, **layout)
        elif data.dtype.kind == "f" and data.size and host.isfinite(data).all() and (data == host.round(data)).all():
            body = host.array2string(data, floatmode="maxprec", **layout)
        elif data.dtype.kind == "f":
            body = host.array2string(data, precision=opts["precision"], floatmode="fixed", suppress_small=True,
                                     **layout)
        else:
            body = host.array2string(data, **layout)
        extras = [f"size={tuple(data.shape)}"] if not opts["edgeitems"] and data.size else []  # (PyTorch's rule)
        if data.size == 0 and data.ndim != 1:
            extras.append(f"size={tuple(data.shape)}")
        if data.dtype not in (_default[0], int64, bool_) or (data.size == 0 and data.dtype != _default[0]):
            extras.append(f"dtype={data.dtype}")
        if self.grad_fn is not None:
            extras.append(f"grad_fn=<{self.grad_fn.name()}>")
        elif self.requires_grad:
            extras.append("requires_grad=True")
        if type(self._data) is not host.ndarray and self.device.type != "cpu":
            extras.insert(0, f"device='{self.device}'")
        return printing.with_suffixes(body, extras)

    __str__ = __repr__

    def __format__(self, format_spec):
        """``f"{loss:.4f}"``: a 0-d tensor formats as its number (PyTorch's rule); any other tensor takes only
        the empty format (its repr), and refuses a format spec as PyTorch does."""
        if self._data.ndim == 0:
            return self.item().__format__(format_spec)
        return object.__format__(self, format_spec)

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

    def __reversed__(self):
        """``reversed(t)``: t flipped along its first dim (a tensor, differentiable), a 0-d tensor itself, as
        PyTorch (d2l's bidirectional RNN runs its backward pass on ``reversed(inputs)``)."""
        return self if self.ndim == 0 else self.flip(0)

    def __bool__(self):
        if self._data.size != 1:
            raise RuntimeError(f"bool: a tensor with {self._data.size} elements is ambiguous; "
                               "use .any() or .all()")
        return bool(self._data)

    def __contains__(self, element):
        """``x in t``: does any element of t equal x (a number or a tensor), as PyTorch."""
        if not isinstance(element, (Tensor, builtins.bool, _py_int, _py_float, host.number)):
            raise RuntimeError(f"Tensor.__contains__ only supports Tensor or scalar, but you passed in a "
                               f"{type(element).__name__}")
        return bool((self == element).any())

    def element_size(self):
        """Bytes per element."""
        return self._data.dtype.itemsize

    @property
    def itemsize(self):
        return self._data.dtype.itemsize

    @property
    def nbytes(self):
        return self._data.size * self._data.dtype.itemsize

    def nelement(self):
        return self._data.size

    def __float__(self):
        return _py_float(self.item())

    def __int__(self):
        return _py_int(self.item())

    def __index__(self):
        if self.dtype.kind not in "iu":
            raise TypeError("only integer tensors of a single element can be used as an index")
        return _py_int(self.item())

    # ------------------------------------------------------------- in place (more in inplace.py)

    def set_(self, source):
        """Share ``source``'s storage (torch.Tensor.set_): a change through either is seen by both.
        A number, list or array becomes the storage as it is (an array is not copied)."""
        if self.requires_grad and _modes.grad_enabled:
            raise RuntimeError("set_: a leaf tensor that requires grad can't change its storage outside "
                               "`with ag.no_grad():`")
        self._data = source._data if isinstance(source, Tensor) else as_array(source)
        self._vc[0] += 1
        return self


function._Tensor = Tensor  # the type of every op's output (Function.apply makes it)


def increment_version(tensor):
    """Tell the graph that ``tensor``'s storage was changed in place outside an op (as
    torch.autograd.graph.increment_version): a backward that saved the old value then refuses."""
    tensor._vc[0] += 1


def _index(index, assigning=False):
    """Tensors and lists inside an index become arrays numpy understands. A uint8 tensor or array is a mask, as
    in PyTorch (its pre-bool masks, still taken with a deprecation warning), where numpy would read its 0s and
    1s as row numbers: x[(x > 0).byte()] picks elements, not rows 0 and 1. In an assignment (``assigning``)
    PyTorch refuses such a mask (a 0-d one excepted), and so does this."""
    if isinstance(index, tuple):
        parts = [i._data if isinstance(i, Tensor) else host.asarray(i) if isinstance(i, list) else i for i in index]
        if _uint8 in [getattr(i, "dtype", None) for i in parts]:
            parts = _byte_masks(parts, assigning)
        return tuple(parts)
    if isinstance(index, Tensor):
        index = index._data
    elif isinstance(index, list):
        return host.asarray(index)
    if getattr(index, "dtype", None) == _uint8:
        return _byte_masks([index], assigning)[0]
    return index


def _byte_masks(parts, assigning):
    """The parts of an index with each uint8 array read as a mask (a numpy uint8 number stays a position, as in
    PyTorch); the deprecation warning, or the refusal in an assignment, as PyTorch gives them."""
    masks = [i for i in parts if getattr(i, "dtype", None) == _uint8 and not isinstance(i, host.generic)]
    if any(m.ndim for m in masks):
        if assigning:
            raise RuntimeError("setitem: masked_fill_ only supports boolean masks, but got mask with dtype uint8; "
                               "index with mask.bool()")
        caller.warn("indexing with dtype torch.uint8 is now deprecated, please use a dtype torch.bool instead.")
    return [i != 0 if any(i is m for m in masks) else i for i in parts]


_uint8 = host.dtype(host.uint8)
