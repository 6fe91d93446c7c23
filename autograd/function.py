"""Function: one differentiable primitive, its forward and backward side by side.

    class Mul(Function):
        def forward(ctx, a, b):          # arrays (or floats, for Value)
            ctx.save_for_backward(a, b)
            return a * b

        def backward(ctx, grad):         # one gradient per input
            a, b = ctx.saved_tensors
            return grad * b, grad * a

``Function.apply`` runs forward on the raw storage and, when grad mode is on and an
input requires grad, records the call as a node of the graph. Everything shared by
all ops lives here once: recording edges, reducing broadcast gradients back to each
input's shape, the version check on saved inputs, freeing saved buffers, and
anomaly detection. ``backward`` is written once and runs on raw arrays (fast), or on
Tensors when ``create_graph=True`` so that the backward pass is itself differentiable.
"""
import functools
import inspect
import itertools
import sys
import traceback
import types
from operator import is_not

from .backend import host
from .graph import _FREED, Node, Rule, Variable, _creation_counter, _modes, _observers

__all__ = ["Function", "View", "NonDifferentiable", "Rule", "ShapeError", "OPS", "register", "operator"]

_NONES = itertools.repeat(None)

_ndarray = host.ndarray
_float64 = host.dtype("float64")
_new = object.__new__
_Tensor = None  # autograd.tensor.Tensor, set when it is defined (it imports this module)


class ShapeError(RuntimeError, ValueError):
    """Shapes that don't fit an op (catchable as RuntimeError like PyTorch, or ValueError)."""


class Function(Node):
    """Subclass and write ``forward(ctx, *arrays, **params)`` and ``backward(ctx, grad)``;
    set ``rule = Rule(...)`` for the step-through and ``onnx = "Exp"`` when the op is one
    elementwise ONNX node."""

    __slots__ = ("xp", "_wrapper", "_saved", "_saved_from", "_shapes", "_stack", "_leaves", "__dict__")
    _create_graph = False  # True while backward runs on Tensors (see _backward_on_tensors)
    _inline = True  # the walk runs backward and the steps around it (graph._walk); False for a subclass
    #                 with a _backward of its own
    onnx = None  # the ONNX op type when this op is one elementwise ONNX node
    exact_dtype = False  # True: the output keeps the dtype forward gave it (casts); else float64 made
    #                      from no float64 input becomes float32, as PyTorch's int / 2

    def __init_subclass__(cls, **kwargs):
        """A subclass written PyTorch's way (``@staticmethod forward(ctx, *tensors)``) is a custom
        Function on Tensors (autograd/custom.py), not an engine op on raw arrays."""
        super().__init_subclass__(**kwargs)
        if "_backward" in cls.__dict__:
            cls._inline = False
        if isinstance(cls.__dict__.get("forward"), staticmethod):
            from .custom import torch_style_apply  # noqa: PLC0415  (custom.py imports this module)

            cls.apply = classmethod(torch_style_apply)

    @classmethod
    def name(cls):
        return cls.__name__ + "Backward0"

    @classmethod
    def apply(cls, *inputs, **params):
        """Run the op on ``inputs`` and record it in the graph when a gradient is needed:
        a) make the node (``ctx``) and collect the raw arrays and the edges to the inputs' nodes
           (Values go to ``Value._apply`` instead: a Value made by an op is its own node),
        b) run ``forward`` on the arrays (errors are reworded to name the op and the shapes),
        c) wrap the result in a Tensor, with this node as its ``grad_fn`` when recorded,
        d) under detect_anomaly or watch_ops, record where / tell the watchers (one flag test when off),
        e) if recorded: the node's creation number, its edges, the input shapes where
           broadcasting must be undone, and the versions of the inputs it saved.
        The node is the context (one object per op): what backward needs is kept on it, nothing more.
        """
        first = inputs[0]
        if not isinstance(first, Variable):
            first = next(x for x in inputs if isinstance(x, Variable))
        wrapper = type(first)
        if wrapper is not _Tensor and wrapper._own_node:  # a Value is its own node: it runs the op itself (scalar.py)
            return wrapper._apply(cls, inputs, params)
        ctx = _new(cls)
        data = first._data
        ctx.xp = host if type(data) is _ndarray else first._xp  # (numpy: no property call)
        ctx._wrapper = wrapper
        ctx._saved = None
        grad_on = _modes.grad_enabled
        if len(inputs) == 1:  # (the one-input ops without the loop)
            arrays = (data,)
            record = grad_on and first.requires_grad
            edge = None
            if record:
                edge = first.grad_fn
                if edge is None:  # a leaf: its sink, and the node holds the leaf (the sink holds it weakly)
                    edge = first._accum or first._node()
                    ctx._leaves = first
            ctx._edges = edges = [edge]
        else:
            arrays, edges, record, leaves = [], [], False, ()
            for x in inputs:
                if isinstance(x, Variable):
                    arrays.append(x._data)
                    if grad_on and x.requires_grad:
                        record = True
                        edge = x.grad_fn
                        if edge is None:  # a leaf: as above
                            edge = x._accum or x._node()
                            leaves += (x,)
                        edges.append(edge)
                        continue
                else:
                    arrays.append(x)
                edges.append(None)
            ctx._edges = edges  # forward may ask needs_input_grad
            if leaves:
                ctx._leaves = leaves
        try:
            raw = ctx.forward(*arrays, **params) if params else ctx.forward(*arrays)
        except (ValueError, IndexError) as err:
            raise _forward_error(cls, err, arrays) from None
        except TypeError:
            _refuse_mixed_devices(cls, inputs)
            raise
        array = raw  # (raw stays what forward returned: what it saved is found by identity, _link_saved)
        if type(raw) is not _ndarray or raw.dtype is _float64:  # (a device array, a number, a float64 result)
            array = wrapper._output_array(raw, inputs, cls)
        out = _new(_Tensor)  # the output, its fields written out (one call less per op)
        out._data, out._grad, out.grad_fn, out.requires_grad = array, None, ctx if record else None, record
        out._accum = out._leaf_hooks = out._view = None
        out._vc = [0]
        if _observers[0] and _modes.watching:  # (no thread-local read while no one in any thread observes)
            _watch(ctx, out, inputs, params, record)
        if record:
            ctx._seq = next(_creation_counter)  # the walk visits nodes newest first
            ctx._shapes = None  # the input shapes, kept only where a gradient may need summing back
            shape = array.shape
            if len(arrays) == 1:
                if data.shape != shape:
                    ctx._shapes = (data.shape,)
            else:
                i = 0  # (an index, not zip: see the walk)
                for a in arrays:
                    if edges[i] is not None and a.shape != shape:
                        ctx._shapes = _broadcast_shapes(arrays, edges)
                        break
                    i += 1
            if ctx._saved is not None:
                ctx._saved_from = _link_saved(ctx._saved, inputs, arrays, raw, out)
            if _observers[0] and _modes.recorders:
                for recorder in _modes.recorders:
                    recorder(ctx, out)
        return out

    @property
    def needs_input_grad(self):
        """One bool per input: does that input need a gradient?"""
        edges = self._edges
        if len(edges) == 2:
            return edges[0] is not None, edges[1] is not None
        if len(edges) == 1:
            return (edges[0] is not None,)
        return tuple(map(is_not, edges, _NONES))  # (edge is not None for edge in edges), in C

    # ---------------------------------------------------------------- saving

    def save_for_backward(self, *arrays):
        """Keep what backward needs (and nothing more)."""
        self._saved = arrays

    @property
    def saved_tensors(self):
        saved = self._saved
        if saved is None:
            return ()
        if saved is not _FREED and not self._create_graph:  # the common case, checked here (no call)
            links = self._saved_from
            if links is None:
                return saved  # nothing saved from a Variable: nothing to check
            for link in links:
                if link is not None and link[1][0] != link[2]:
                    break  # changed in place: _checked_saved says which
            else:
                return saved
        saved = self._checked_saved()
        if not self._create_graph or not saved:
            return saved
        links = self._saved_from or (None,) * len(saved)
        return tuple(self._saved_as_variable(s, link) for s, link in zip(saved, links))

    def _checked_saved(self):
        """What save_for_backward kept, after checking that it is still there and unchanged."""
        saved = self._saved
        if saved is _FREED:
            raise RuntimeError(
                f"{self.name()}: trying to backward through the graph a second time (or to read "
                "saved tensors after they were freed). Saved values are freed by backward(); "
                "pass retain_graph=True to the first backward() if you need to run it again.")
        if saved is None:
            return ()
        links = self._saved_from
        if links is None:  # nothing saved from a Variable, or immutable inputs (Value): nothing to check
            return saved
        for i, link in enumerate(links):
            if link is not None and link[1][0] != link[2]:
                what = f"saved input {i}" if link[0] is not None else "its output"
                raise RuntimeError(
                    f"{self.name()}: one of the variables needed for gradient computation has been "
                    f"modified by an in-place operation: {what} of shape {tuple(saved[i].shape)} is "
                    f"at version {link[1][0]}; expected version {link[2]}. Use an out-of-place "
                    "op (x = x * 2 instead of x.mul_(2)) or clone() the tensor before changing it.")
        return saved

    def _saved_as_variable(self, array, link):
        if link is not None and link[0] is not None:
            return link[0]
        wrapper = self._wrapper
        if link is not None:  # the output itself, at its own place in the graph
            out = wrapper._make(array)
            out.grad_fn, out.requires_grad = self, True
            return out
        return wrapper._make(array) if hasattr(array, "shape") else array

    # ---------------------------------------------------------------- backward

    def _shaped(self, grads):
        """``grads`` (a tuple, what backward returned), checked to be one per input and summed back to the
        shape of each input that was broadcast (the walk calls it where either may be needed)."""
        if len(grads) != len(self._edges):
            raise RuntimeError(f"{self.name()}: backward returned {len(grads)} gradients "
                               f"for {len(self._edges)} inputs")
        shapes = self._shapes
        if shapes is not None:  # undo broadcasting, where an input was broadcast
            for g, shape in zip(grads, shapes):
                if g is not None and shape is not None and g.shape != shape:
                    return tuple([g if g is None or shape is None or g.shape == shape else sum_to_shape(g, shape)
                                  for g, shape in zip(grads, shapes)])
        return grads

    def _backward_on_tensors(self, grad):
        """backward with Tensors in and out, recorded: the backward pass becomes a graph."""
        xp = self.xp
        self._create_graph, self.xp = True, self._wrapper._graph_xp
        if not isinstance(grad, Variable):  # a seed gradient arrives as a raw array
            grad = self._wrapper._make(grad)
        try:
            return self.backward(grad)
        finally:
            self._create_graph, self.xp = False, xp

    def forward(self, *args, **kwargs):
        raise NotImplementedError(f"{type(self).__name__} must define forward")

    def backward(self, grad):
        raise NotImplementedError(f"{type(self).__name__} must define backward")


_apply = Function.apply.__func__  # what View.apply runs first


class View(Function):
    """An op whose output may share its input's storage (reshape, permute, expand, basic
    indexing), as PyTorch's views: when numpy returned a view, the output shares the input's
    version counter and remembers its base and how it was taken from it, so that an in-place
    change through either is seen by both and caught by anything saved for backward (and,
    in a graph, recorded on the base: see inplace.py). Other ops always return new storage.
    As in PyTorch, a view taken under no_grad of a tensor that requires grad reads
    ``requires_grad=True``, a leaf that no gradient reaches: ops on it are recorded with no edge to
    it (its ``_view`` says None for its grad mode, and ``_node`` gives None), and changing it in
    place with grad mode on is refused."""

    @classmethod
    def apply(cls, input, **params):
        out = _apply(cls, input, **params)
        owner, source = out._data.base, input._data
        if owner is not None and owner is (source.base if source.base is not None else source):
            out._as_view_of(input, cls, params)
        return out


class NonDifferentiable(Function):
    """An op without a gradient (comparisons, argmax, isnan...): its output never requires grad
    and it is never recorded in the graph; exporters still see it (watch_ops)."""

    @classmethod
    def apply(cls, *inputs, **params):
        ctx = cls.__new__(cls)
        first = next(x for x in inputs if isinstance(x, Variable))
        wrapper = type(first)
        arrays = [x._data if isinstance(x, Variable) else x for x in inputs]
        ctx.xp, ctx._wrapper, ctx._saved, ctx._edges = first._xp, wrapper, None, (None,) * len(inputs)
        try:
            raw = ctx.forward(*arrays, **params) if params else ctx.forward(*arrays)
        except (ValueError, IndexError) as err:
            raise _forward_error(cls, err, arrays) from None
        except TypeError:
            _refuse_mixed_devices(cls, inputs)
            raise
        out = wrapper._make(ctx.xp.asarray(raw))
        if _modes.watching:
            _watch(ctx, out, inputs, params, False)
        return out

    def backward(ctx, grad):
        raise RuntimeError(f"{type(ctx).__name__} has no gradient")


def _link_saved(saved, inputs, arrays, raw_out, out):
    """Which saved array is which input or the output, with its version counter and version now:
    backward refuses if either was changed in place since, and hands back the input itself when
    the backward pass builds a graph. A link is (input or None, counter, version); a saved array
    that is neither (a constant, a temporary) has the link None. None: nothing to check."""
    links, found = [], False
    for s in saved:
        link = None
        if s is raw_out:
            vc = out._vc
            link = (None, vc, vc[0])
            found = True
        elif s is not None:
            i = 0
            for a in arrays:
                if s is a:
                    x = inputs[i]
                    if x is not a:  # (a is x: a constant, not a Variable)
                        vc = x._vc
                        link = (x, vc, vc[0])
                        found = True
                    break
                i += 1
        links.append(link)
    return links if found else None


def _refuse_mixed_devices(cls, inputs):
    """After an array library refused to mix arrays: when the inputs live on different devices,
    say so (the check costs nothing on the hot path: it runs only once the op has failed)."""
    devices = []
    for x in inputs:
        if isinstance(x, Variable) and hasattr(x, "device") and x.device not in devices:
            devices.append(x.device)
    if len(devices) > 1:
        raise RuntimeError(f"{cls.__name__.lower()}: expected all tensors to be on the same device, but found at "
                           f"least two devices, {devices[0]} and {devices[1]}! Move them first, e.g. "
                           f"b.to(a.device)") from None


def _forward_error(cls, err, arrays):
    """A ValueError or IndexError from forward, reworded to name the op and its input shapes."""
    if isinstance(err, ShapeError):
        return err
    shapes = " and ".join(str(getattr(a, "shape", type(a).__name__)) for a in arrays)
    error = IndexError if isinstance(err, IndexError) else ShapeError
    return error(f"{cls.__name__.lower()}: inputs of shapes {shapes}: {err}")


def _broadcast_shapes(arrays, edges):
    """The input shapes a node must sum its gradients back to, one per input (None for an input
    without a gradient); kept only when an input was broadcast (apply checks first)."""
    return tuple([a.shape if edge is not None else None for a, edge in zip(arrays, edges)])


def sum_to_shape(grad, shape):
    """Undo broadcasting: sum ``grad`` over the axes that broadcasting added or stretched."""
    lead = grad.ndim - len(shape)
    axes = tuple(range(lead)) + tuple(
        lead + i for i, n in enumerate(shape) if n == 1 and grad.shape[lead + i] != 1)
    if axes:
        grad = grad.sum(axis=axes, keepdims=True)
    return grad.reshape(shape) if lead or grad.shape != shape else grad


def broadcast_axes(grad_shape, shape):
    """The axes of ``grad_shape`` that sum_to_shape sums over (for the visualiser)."""
    lead = len(grad_shape) - len(shape)
    return tuple(range(lead)) + tuple(
        lead + i for i, n in enumerate(shape) if n == 1 and grad_shape[lead + i] != 1)


def _watch(ctx, out, inputs, params, recorded):
    """What detect_anomaly (where the op was created) and watch_ops do for each op (off the hot path)."""
    if _modes.anomaly:
        ctx._stack = traceback.extract_stack()[:-3]
    for watcher in _modes.watchers:
        watcher(ctx, out, inputs, params, recorded)


# --------------------------------------------------------------------------- the op table


class Op:
    """One published op: ``fn`` becomes ag.<name> (``function``), Tensor.<name> (``method``:
    True, or the method's own front when its arguments differ, as for ``x.where(cond, y)``)
    and, with ``scalar``, Value.<name>; ``module`` is where it was registered (ops/math.py...)."""

    __slots__ = ("name", "fn", "method", "function", "scalar", "inplace", "module")

    def __init__(self, name, fn, method, function, scalar, inplace=False, module=None):
        self.name, self.fn, self.method, self.function, self.scalar = name, fn, method, function, scalar
        self.inplace, self.module = inplace, module

    def __repr__(self):
        return f"Op({self.name!r})"


OPS = {}  # name -> Op: the one table that Tensor methods, Python operators and ag.* functions are made from


def register(name, op=None, *, method=True, function=True, scalar=False, inplace=False):
    """Publish ``op`` as ``Tensor.<name>`` and ``ag.<name>`` (and ``Value.<name>`` with ``scalar``;
    with ``inplace``, also its in-place twin ``Tensor.<name>_``, made by inplace.py: it writes the
    result into the tensor's storage, bumps its version, and is recorded in a graph).

    ``op`` is a Function (called as ``op.apply(x, ...)``) or a front function whose first
    argument is the tensor; ``name`` may be a tuple of names (the first is the op's own, the
    others aliases). Without ``op``, register decorates the front function::

        class Exp(Function): ...
        register("exp", Exp, scalar=True)

        @register("sum")
        def sum(input, dim=None, keepdim=False): ...
    """
    if op is None:
        return lambda fn: register(name, fn, method=method, function=function, scalar=scalar, inplace=inplace)
    fn = _caller(op) if isinstance(op, type) else _numpy_names(op)
    frame = sys._getframe(1)
    while frame.f_globals["__name__"] == __name__:  # (register called by operator() or as a decorator)
        frame = frame.f_back
    for n in (name,) if isinstance(name, str) else name:
        if n in OPS:
            raise ValueError(f"register: an op named {n!r} is already registered ({OPS[n].fn!r})")
        OPS[n] = Op(n, fn, method, function, scalar, inplace and not n.startswith("__"), frame.f_globals["__name__"])
    return op


def operator(dunder, op, *, reflected=None, scalar=False, front=None, commutative=False):
    """Python's binary ``dunder`` (``"__mul__"``) calls ``op``, a Function or a function of two
    operands; ``reflected`` (``"__rmul__"``) calls it with the operands swapped. With ``front``
    (a function of two operands: type promotion, checks), Tensor's operators call it instead and
    Value's keep calling ``op``. ``commutative``: Tensor's reflected operator keeps the tensor first, as
    PyTorch's ``__radd__``/``__rmul__`` do (``2 * b`` records (b, 2): ``next_functions[0]`` is b's node)."""
    fn = op.apply if isinstance(op, type) else op

    def methods(fn):
        def forward(self, other):
            return fn(self, other)

        def swapped(self, other):
            return fn(other, self)

        forward.__name__, swapped.__name__ = dunder, reflected or dunder
        swapped.reflected = True
        return forward, swapped

    forward, swapped = methods(fn)
    forward.op = swapped.op = op if isinstance(op, type) else None  # (Value's methods run the Function itself)
    tensor_forward, tensor_swapped = (_renamed(front, dunder), methods(front)[1]) if front is not None else (True, True)
    if commutative and front is not None:
        tensor_swapped = _renamed(front, reflected)
    register(dunder, forward, method=tensor_forward, function=False, scalar=scalar)
    if reflected:
        register(reflected, swapped, method=tensor_swapped, function=False, scalar=scalar)
    return op


def _numpy_names(fn):
    """``fn`` taking numpy's names as well, as PyTorch's argument parser does: ``axis=`` for ``dim=`` and
    ``keepdims=`` for ``keepdim=`` (``x.any(axis=1)``), where fn has the one and not the other already."""
    try:
        params = inspect.signature(fn).parameters
    except (TypeError, ValueError):
        return fn
    renames = {alias: name for alias, name in (("axis", "dim"), ("keepdims", "keepdim"))
               if name in params and alias not in params}
    if not renames:
        return fn

    @functools.wraps(fn)
    def call(*args, **kwargs):
        for alias, name in renames.items():
            if alias in kwargs:
                if name in kwargs:
                    raise TypeError(f"{fn.__name__}(): got both {name}= and its alias {alias}=")
                kwargs[name] = kwargs.pop(alias)
        return fn(*args, **kwargs)

    return call


def _renamed(fn, name):
    """A copy of the function ``fn`` named ``name``: a front used as a method as it is (one call less
    per operator than a method that calls it)."""
    copy = types.FunctionType(fn.__code__, fn.__globals__, name, fn.__defaults__, fn.__closure__)
    copy.__qualname__, copy.__doc__, copy.__kwdefaults__ = name, fn.__doc__, fn.__kwdefaults__
    return copy


def _caller(cls):
    """The front function of a Function that takes its inputs as they are (one or two
    plain inputs get a front of that arity: the common unary and binary ops stay cheap)."""
    apply = cls.apply
    params = list(inspect.signature(cls.forward).parameters.values())[1:]
    plain = all(p.kind is p.POSITIONAL_OR_KEYWORD and p.default is p.empty for p in params)
    if plain and len(params) == 1:
        def call(input):
            return apply(input)
    elif plain and len(params) == 2:
        def call(input, other):
            return apply(input, other)
    else:
        def call(*inputs, **params):
            return apply(*inputs, **params)

    call.__name__ = call.__qualname__ = cls.__name__.lower()
    call.__doc__ = cls.__doc__ or (cls.rule.formula if cls.rule else None)
    call.op, call.arity = cls, len(params) if plain else None  # (what Value's methods are made from)
    return call
