"""Custom Functions written PyTorch's way: static ``forward`` and ``backward`` on Tensors.

    class LegendrePolynomial3(ag.autograd.Function):
        @staticmethod
        def forward(ctx, input):              # Tensors in, Tensors out (run without recording)
            ctx.save_for_backward(input)
            return 0.5 * (5 * input ** 3 - 3 * input)

        @staticmethod
        def backward(ctx, grad_output):       # one gradient (or None) per forward input
            (input,) = ctx.saved_tensors
            return grad_output * 1.5 * (5 * input ** 2 - 1)

    y = LegendrePolynomial3.apply(x)

``apply`` records one node of the graph (named ``LegendrePolynomial3Backward``, as in
PyTorch), so hooks, ``retain_grad``, the stepper and the drawing see it like any op. The
context is that node: ``save_for_backward``, ``saved_tensors`` (checked against in-place
changes), ``needs_input_grad``, ``mark_non_differentiable``, ``set_materialize_grads``,
``mark_dirty``, and any attribute you set on it. backward runs on Tensors, with grad mode on
when the caller asked for ``create_graph=True``: written with differentiable Tensor ops, it
can be differentiated again. A forward returning several tensors gives each output a small
node of its own (``...Backward.output[i]``) that hands its gradient to the Function's node.

The engine's own ops (ops/) are Functions too, written on raw arrays for speed; a subclass
of ``ag.Function`` whose ``forward`` is a staticmethod is taken as written PyTorch's way.
"""
import inspect

from .backend import by_input, host

from .function import _FREED, Function, Rule, _watch, sum_to_shape
from .graph import Node, _creation_counter, _modes
from .inplace import _check_recordable
from .tensor import Tensor

__all__ = ["Function", "FunctionCtx", "once_differentiable", "torch_style_apply"]


class FunctionCtx(Function):
    """The context ``ctx`` that forward and backward receive: the node of the graph itself."""

    fn = None  # the user's Function class (set on each per-class node type)

    def name(self):
        return type(self).__name__

    # ---------------------------------------------------------------- what forward may call

    def save_for_backward(self, *tensors):
        """Keep tensors (inputs, outputs or values made in forward, or None) for backward."""
        for t in tensors:
            if t is not None and not isinstance(t, Tensor):
                raise TypeError(f"{self.name()}: save_for_backward can only save tensors (or None), "
                                f"got {type(t).__name__}; set it as an attribute of ctx instead")
        self._to_save = tensors

    def mark_non_differentiable(self, *outputs):
        """These outputs get no gradient (their grad in backward is zeros, or None without
        materialized grads), e.g. the indices of a sort."""
        self._non_differentiable.update(id(o) for o in outputs)

    def set_materialize_grads(self, value):
        """With False, backward receives None (not zeros) for outputs that got no gradient."""
        self._materialize = bool(value)

    def mark_dirty(self, *tensors):
        """forward changed these inputs in place and returns them: they take this node, as after
        an in-place op."""
        self._dirty = tensors

    @property
    def needs_input_grad(self):
        """One bool per forward argument: does it need a gradient?"""
        return tuple(edge is not None for edge in self._edges)

    # ---------------------------------------------------------------- what backward reads

    @property
    def saved_tensors(self):
        saved = self._checked_saved()
        return tuple(self._saved_as_variable(s, link) for s, link in zip(saved, self._saved_from))

    saved_variables = saved_tensors  # PyTorch's old name

    def _saved_as_variable(self, array, link):
        if link is None:
            return None
        if link[0] is not None:  # an input or a value made in forward: the tensor itself
            return link[0]
        out = self._outputs_saved.get(id(array))  # an output, rebuilt at its place in the graph
        t = Tensor._make(array, link[1])
        t.grad_fn, t.requires_grad = out, out is not None
        return t

    # ---------------------------------------------------------------- the backward step

    def _backward(self, grad, retain_graph, create_graph):
        """Call the user's backward on Tensors and check what it returns: one gradient or None per
        forward argument, each of that argument's shape (a broadcast one is summed back) and dtype."""
        fn = type(self).fn
        grads = grad.grads if isinstance(grad, OutputGrads) else (grad,)
        wrapped = []
        for g, meta in zip(grads, self._outputs_meta):
            if g is None and meta is not None and self._materialize:
                g = by_input.zeros(*meta)
            if g is not None and not isinstance(g, Tensor):
                g = Tensor._make(by_input.asarray(g))
            wrapped.append(g)
        results = fn.backward(self, *wrapped)
        if not isinstance(results, tuple):
            results = (results,)
        n = len(self._edges)
        if len(results) < n or any(r is not None for r in results[n:]):
            raise RuntimeError(f"{self.name()}: backward returned an incorrect number of gradients "
                               f"(expected {n}, got {len(results)}): one per forward argument, None for "
                               "those that need none")
        out = []
        for i, (r, edge, shape, dtype) in enumerate(zip(results, self._edges, self._shapes, self._dtypes)):
            if edge is None or r is None:
                out.append(None)
                continue
            if not isinstance(r, Tensor):
                if not isinstance(r, (host.ndarray, int, float)):
                    raise TypeError(f"{self.name()}: backward returned a {type(r).__name__} for input {i}; "
                                    "expected a Tensor or None")
                r = Tensor._make(by_input.asarray(r))
            if r.shape != shape:
                try:
                    fits = host.broadcast_shapes(shape, r.shape) == r.shape
                except ValueError:
                    fits = False
                if not fits:
                    raise RuntimeError(f"{self.name()}: backward returned an invalid gradient at index {i} - got "
                                       f"{list(r.shape)} but expected shape compatible with {list(shape)}")
                r = sum_to_shape(r, shape)
            if r.dtype != dtype:
                r = r.to(dtype)
            out.append(r if create_graph else r._data)
        if not retain_graph:
            self._saved, self._saved_from = _FREED, None
        return tuple(out)

    def backward(self, grad):  # the user's backward runs in _backward
        raise RuntimeError(f"{self.name()}: call backward through the graph (loss.backward())")


class OutputGrads:
    """The gradients reaching the outputs of a Function with several, gathered (by position) from
    each output's node before the Function's own node runs. Adding two adds position by position."""

    __slots__ = ("grads",)

    def __init__(self, grads):
        self.grads = grads

    def __add__(self, other):
        return OutputGrads(tuple(a if b is None else b if a is None else a + b
                                 for a, b in zip(self.grads, other.grads)))

    def __repr__(self):
        shapes = ", ".join("-" if g is None else f"G{i} {tuple(by_input.shape(g))}" for i, g in enumerate(self.grads))
        return f"outputs' grads ({shapes})"


class OutputNode(Node):
    """Output ``index`` of a Function with several outputs: hands its gradient to the Function's node."""

    __slots__ = ("index", "count", "xp", "_wrapper", "_hooks")
    rule = Rule("out_i = output i of the Function", ("passes G on to the Function, as its output i's gradient",),
                "Each output of a Function with several collects its own gradient first.", ("function",))

    def __init__(self, function, index, count):
        self._edges, self._hooks = (function,), None
        self._seq = next(_creation_counter)
        self.index, self.count, self.xp, self._wrapper = index, count, host, Tensor

    def name(self):
        return f"{self._edges[0].name()}.output[{self.index}]"

    def _backward(self, grad, retain_graph, create_graph):
        grads = [None] * self.count
        grads[self.index] = grad
        return (OutputGrads(tuple(grads)),)


def _node_class(cls):
    """The node type of a user's Function class, made once: ``<Name>Backward``."""
    node = cls.__dict__.get("_node_type")
    if node is None:
        try:
            params = list(inspect.signature(cls.forward).parameters)[1:]
        except (TypeError, ValueError):
            params = []
        rule = Rule(f"out = {cls.__name__}.forward(ctx, {', '.join(params)})",
                    tuple(f"d/d{p}: {cls.__name__}.backward(ctx, G)[{i}]" for i, p in enumerate(params)),
                    f"A custom Function: {cls.__name__}.backward gives each input's gradient.", tuple(params) or None)
        node = type(cls.__name__ + "Backward", (FunctionCtx,), {"fn": cls, "rule": rule, "__module__": cls.__module__})
        cls._node_type = node
    return node


def torch_style_apply(cls, *args, **kwargs):
    """Run ``cls.forward(ctx, *args)`` on the tensors as given, without recording, and record
    one node for the whole Function:
    a) make the context (the node) with one edge per argument that needs a gradient;
    b) forward (or forward then setup_context, PyTorch 2's split), grad mode off;
    c) outputs that are inputs become aliases (mark_dirty: the input itself takes the node);
    d) when a gradient is needed, attach the node to the outputs (one OutputNode each when
       there are several) and link the saved tensors with their versions;
    e) tell record_ops and watch_ops, as Function.apply does."""
    ctx = _node_class(cls).__new__(_node_class(cls))
    grad_on = _modes.grad_enabled
    edges = [x.grad_fn or x._node() if grad_on and isinstance(x, Tensor) and x.requires_grad else None for x in args]
    ctx._edges, ctx.xp, ctx._wrapper = edges, host, Tensor
    # the leaves it sends gradients to, held by the node (their sinks refer to them weakly: see AccumulateGrad)
    ctx._leaves = tuple(x for x, edge in zip(args, edges) if edge is not None and x.grad_fn is None)
    ctx._saved = ctx._saved_from = ctx._to_save = None
    ctx._non_differentiable, ctx._materialize, ctx._dirty, ctx._outputs_saved = set(), True, (), {}
    _modes.grad_enabled = False
    try:
        if "setup_context" in _overridden(cls):
            output = cls.forward(*args, **kwargs)
            cls.setup_context(ctx, args, output)
        else:
            output = cls.forward(ctx, *args, **kwargs)
    finally:
        _modes.grad_enabled = grad_on
    several = isinstance(output, tuple)
    outputs = list(output) if several else [output]
    dirty = {id(t) for t in ctx._dirty}
    for t in ctx._dirty:  # changed in place by forward: one more version, as PyTorch counts it
        t._vc[0] += 1
    inputs = {id(x) for x in args if isinstance(x, Tensor)}
    for i, o in enumerate(outputs):
        if isinstance(o, Tensor) and id(o) in inputs and id(o) not in dirty:  # returned as is: an alias
            outputs[i] = Tensor._make(o._data, o._vc)
            if id(o) in ctx._non_differentiable:
                ctx._non_differentiable.add(id(outputs[i]))
    record = any(e is not None for e in edges)
    if record:
        _attach(ctx, args, outputs, dirty)
    ctx._to_save = None
    result = tuple(outputs) if several else outputs[0]
    if _modes.watching:
        _watch(ctx, next((o for o in outputs if isinstance(o, Tensor)), None), args, kwargs, record)
    return result


def _attach(ctx, args, outputs, dirty):
    """Make ``ctx`` the node of the differentiable outputs and link what forward saved."""
    ctx._seq = next(_creation_counter)
    ctx._edges = tuple(ctx._edges)
    ctx._shapes = tuple(x.shape if isinstance(x, Tensor) else None for x in args)
    ctx._dtypes = tuple(x.dtype if isinstance(x, Tensor) else None for x in args)
    ctx._outputs_meta = [(o.shape, o.dtype) if isinstance(o, Tensor) else None for o in outputs]
    tensors = [(i, o) for i, o in enumerate(outputs) if isinstance(o, Tensor)]
    differentiable = [(i, o) for i, o in tensors
                      if id(o) not in ctx._non_differentiable and o.dtype.kind in "fc"]
    for i, o in differentiable:
        if id(o) in dirty:
            _check_recordable(o, ctx.name())
        if len(outputs) == 1:
            node = ctx
        else:
            node = OutputNode(ctx, i, len(outputs))
        o.grad_fn, o.requires_grad = node, True
    saved = ctx._to_save or ()
    by_id = {id(x): x for x in args if isinstance(x, Tensor)}
    nodes = {id(o): o.grad_fn for _, o in differentiable}
    arrays, links = [], []
    for t in saved:
        if t is None:
            arrays.append(None)
            links.append(None)
        elif id(t) in nodes and id(t) not in by_id or id(t) in dirty:  # an output: rebuilt when read
            arrays.append(t._data)
            links.append((None, t._vc, t._vc[0]))
            ctx._outputs_saved[id(t._data)] = nodes.get(id(t))
        else:  # an input, or a value made in forward: kept as it is
            arrays.append(t._data)
            links.append((t, t._vc, t._vc[0]))
    ctx._saved, ctx._saved_from = tuple(arrays), links
    if _modes.recorders:
        for recorder in _modes.recorders:
            recorder(ctx, differentiable[0][1] if differentiable else outputs[0])
            for _, o in differentiable if len(outputs) > 1 else ():
                recorder(o.grad_fn, o)


def _overridden(cls):
    """The names among forward/setup_context that ``cls`` (or a base below Function) defines."""
    names = set()
    for klass in cls.__mro__:
        if klass in (Function, TorchFunction, object) or klass.__module__ == __name__:
            continue
        names.update(n for n in ("setup_context",) if n in klass.__dict__)
    return names


class TorchFunction(Function):
    """``ag.autograd.Function``: subclass it with static ``forward(ctx, *args)`` and
    ``backward(ctx, *grads)`` on Tensors, and call ``YourFunction.apply(...)``."""

    apply = classmethod(torch_style_apply)

    @staticmethod
    def forward(ctx, *args, **kwargs):
        raise NotImplementedError("a custom Function must define a static forward(ctx, *args)")

    @staticmethod
    def backward(ctx, *grads):
        raise NotImplementedError("a custom Function must define a static backward(ctx, *grads)")

    @staticmethod
    def setup_context(ctx, inputs, output):
        raise NotImplementedError


def once_differentiable(backward):
    """Decorator for a backward that is not itself differentiable: it runs without recording."""

    def wrapper(ctx, *grads):
        prev = _modes.grad_enabled
        _modes.grad_enabled = False
        try:
            return backward(ctx, *grads)
        finally:
            _modes.grad_enabled = prev

    wrapper.__name__, wrapper.__doc__, wrapper.__wrapped__ = backward.__name__, backward.__doc__, backward
    return wrapper
