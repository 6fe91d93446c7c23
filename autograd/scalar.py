"""Value: a micrograd-style scalar on the same graph core as Tensor.

Its operators and methods (``+ - * / **``, exp, log, tanh, sigmoid, relu) are the ops
registered with ``scalar=True`` (ops/): the same Function classes, their forward and backward
run on Python floats (``ctx.xp`` is ``scalar_math``), the same walk runs backward, and the same
drawing code shows the graph. Like micrograd, every Value keeps its ``.grad`` (a float).

The node is the context, and for a scalar the context is the output: a Value made by an op is
its own graph node. It carries the op's Function class (``_op``), the edges to its inputs'
nodes (``_edges``, which also keep those Values alive, like micrograd's ``_prev``) and what the
op saved. A one- or two-input op keeps its edges in two slots (``_edge_a``, ``_edge_b``) and
``_edges`` makes the tuple when asked, so one op leaves one object for Python's garbage
collector to keep visiting (the Value; the tuple of saved floats is untracked at the
collector's first pass) instead of a Value, a node, its edges, the inputs and a weak
reference. A leaf Value's node is an AccumulateGrad, as a leaf Tensor's.
"""
from .backend import scalar_math
from .function import _FREED, Function, _forward_error, _watch
from .graph import Marker, Node, Variable, _creation_counter, _modes, _observers

_new = object.__new__
_UNARY, _SEVERAL = Marker(__name__, "_UNARY"), Marker(__name__, "_SEVERAL")  # in _edge_b: a one-input op; the tuple of edges is in _edge_a


class Value(Variable):
    """A scalar that remembers how it was computed: ``(Value(2.0) * 3).backward()``."""

    __slots__ = ("_data", "grad", "requires_grad", "label", "_op", "_edge_a", "_edge_b", "_saved", "_seq",
                 "_hooks", "_leaf_hooks", "_accum", "_stack", "__weakref__")
    _xp = xp = scalar_math  # ``xp``: what the op's forward and backward compute with (ctx.xp)
    _graph_xp = scalar_math  # (a Value's backward never builds a graph)
    _shapes = None  # (as a node: no input was broadcast)
    _saved_from = None  # (so nothing saved needs a version check)
    _create_graph = False
    _own_node = True  # Function.apply hands a Value's op to Value._apply
    _inline = False  # (the walk calls its _backward)
    _post_hooks = None  # (a Value's node hooks are the tensor-style ones: register_hook)

    def __init__(self, data, label="", requires_grad=True):
        self._data = float(data)
        self.grad = 0.0
        self.requires_grad = requires_grad
        self.label = label
        self._op = None  # a leaf: made by no op
        self._edge_a, self._edge_b = (), _SEVERAL  # (no edges)
        self._saved = self._hooks = self._leaf_hooks = self._accum = None

    def __getstate__(self):
        """What a copy or a pickle keeps: every slot but the weak reference to the leaf's sink (the
        copy makes its own; a copied graph's sinks are copied with their leaves)."""
        state = {name: getattr(self, name) for name in Value.__slots__ if name != "__weakref__" and hasattr(self, name)}
        state["_accum"] = None
        return None, state

    @classmethod
    def _make(cls, raw):
        return cls(raw, requires_grad=False)

    # ---------------------------------------------------------------- as a variable

    @property
    def data(self):
        return self._data

    @data.setter
    def data(self, value):
        self._data = float(value)

    @property
    def grad_fn(self):
        """The node that made this Value: the Value itself (None for a leaf)."""
        return self if self._op is not None else None

    @property
    def shape(self):
        return ()

    @property
    def dtype(self):
        return "float"

    def _node(self):
        if self._op is not None:
            return self
        node = self._accum() if self._accum is not None else None
        return node if node is not None else Variable._node(self)  # (makes the leaf's AccumulateGrad)

    def register_hook(self, fn):
        if self._op is not None:
            return Node._add_hook(self, fn)  # a hook on the gradient flowing into this node
        return Variable.register_hook(self, fn)

    def retain_grad(self):
        """Every Value keeps its gradient already (as in micrograd)."""
        if not self.requires_grad:
            raise RuntimeError("retain_grad: can't retain_grad on a Value that doesn't require grad")

    def _version_value(self):
        return 0  # a Value never changes in place

    def _root_grad(self, gradient, op, create_graph=False):  # (floats: no graph to keep)
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

    # ---------------------------------------------------------------- as a node, and the op's ctx

    def name(self):
        return self._op.name()

    @property
    def rule(self):
        return self._op.rule

    def _retained(self):
        return self  # every Value keeps its gradient (a Tensor's node holds a weak reference to its output)

    next_functions = Node.next_functions

    @property
    def _edges(self):
        """The edges to the inputs' nodes, as every node has them. A one- or two-input op keeps its
        edges in two slots and the tuple is made when the walk asks: one object fewer per op for
        Python's garbage collector to visit (a step of micrograd's demo makes ~65,000 ops)."""
        a, b = self._edge_a, self._edge_b
        if b is _SEVERAL:
            return a  # (any other count: the tuple itself)
        return (a,) if b is _UNARY else (a, b)

    @property
    def needs_input_grad(self):
        """One bool per input: does it need a gradient? (Function's, without a list for two inputs.)"""
        a, b = self._edge_a, self._edge_b
        if b is _UNARY:
            return (a is not None,)
        if b is not _SEVERAL:
            return a is not None, b is not None
        return Function.needs_input_grad.fget(self)

    save_for_backward = Function.save_for_backward
    _checked_saved = Function._checked_saved

    @property
    def saved_tensors(self):
        saved = self._saved  # floats: no version to check, no graph to build
        return saved if saved is not None and saved is not _FREED else self._checked_saved()  # (or the error)

    def _backward(self, grad, retain_graph, create_graph):
        """The op's own backward rule, on floats, with this Value as its ctx (Function._backward's
        steps, less the broadcasting a float never needs)."""
        grads = self._op.backward(self, grad)
        if type(grads) is not tuple:
            grads = (grads,)
        b = self._edge_b
        inputs = 1 if b is _UNARY else len(self._edge_a) if b is _SEVERAL else 2  # (len(self._edges), no tuple)
        if len(grads) != inputs:
            raise RuntimeError(f"{self.name()}: backward returned {len(grads)} gradients "
                               f"for {len(self._edges)} inputs")
        if not retain_graph and self._saved is not None:
            self._saved = _FREED
        return grads

    # ---------------------------------------------------------------- running an op

    @staticmethod
    def _apply(op, inputs, params=None):
        """Run ``op`` (a Function) on ``inputs`` (Values or numbers); the output is the op's node:
        a) the output Value, with an edge to the node of each input that needs a gradient,
        b) ``op.forward(output, *floats)``: the output is the ctx, so what it saves stays on it,
        c) recorded (an op number, requires_grad) or, when no input needs a gradient, a plain
           Value that forgets the op. Then the watchers and recorders are told, as Function.apply does.
        The common binary and unary ops take the same steps without the loops (binary, unary)."""
        grad_on = _modes.grad_enabled
        raws, edges = [], []
        for x in inputs:
            if isinstance(x, Value):
                raws.append(x._data)
                edges.append(x._node() if grad_on and x.requires_grad else None)
            else:
                raws.append(_constant(op, x))
                edges.append(None)
        out = _output(op, edges[0], edges[1]) if len(edges) == 2 else _output(op, tuple(edges), _SEVERAL)
        try:
            out._data = op.forward(out, *raws, **params) if params else op.forward(out, *raws)
        except (ValueError, IndexError) as err:
            raise _forward_error(op, err, raws) from None
        return _finish(out, inputs, params)


def _constant(op, x):
    """A number an op takes as it is; a Tensor is refused (a Value op computes on floats)."""
    if isinstance(x, Variable):
        raise TypeError(f"{op.__name__.lower()}: cannot mix a Value and a {type(x).__name__}; use Values "
                        f"with Values (Value(t.item()) for a one-element tensor) or Tensors with Tensors")
    return x


def _output(op, edge_a, edge_b):
    """A new Value as the node of ``op`` (recorded when an edge needs a gradient), before forward;
    its edges are (edge_a, edge_b), (edge_a,) when edge_b is _UNARY, or the tuple edge_a."""
    out = _new(Value)
    out.grad, out.label, out._edge_a, out._edge_b, out._saved = 0.0, "", edge_a, edge_b, None
    edges = out._edges
    if edges.count(None) == len(edges):  # nothing needs a gradient: a leaf, made by no recorded op
        out._op, out.requires_grad, out._accum, out._leaf_hooks = None, False, None, None
    else:
        out._op, out.requires_grad, out._hooks, out._seq = op, True, None, next(_creation_counter)
    return out


def _finish(out, inputs, params=None):
    """After forward: tell the watchers and recorders (as Function.apply does); a plain Value drops
    what forward saved and its edges."""
    if _observers[0] and _modes.watching:
        _watch(out, out, inputs, params or {}, out._op is not None)
    if out._op is None:
        out._edge_a, out._edge_b, out._saved = (), _SEVERAL, None
    elif _observers[0] and _modes.recorders:
        for recorder in _modes.recorders:
            recorder(out, out)
    return out


def binary(op):
    """Value's method for a binary Function ``op`` (``a * b``): Value._apply's steps for two operands."""
    def method(a, b):
        grad_on = _modes.grad_enabled
        if isinstance(a, Value):
            x, edge_a = a._data, (a._node() if grad_on and a.requires_grad else None)
        else:
            x, edge_a = _constant(op, a), None  # a number: a constant, no edge
        if isinstance(b, Value):
            y, edge_b = b._data, (b._node() if grad_on and b.requires_grad else None)
        else:
            y, edge_b = _constant(op, b), None
        if edge_a is None and edge_b is None:
            out = _output(op, None, None)
        else:  # (recorded: _output's steps, inline)
            out = _new(Value)
            out.grad, out.label, out._edge_a, out._edge_b, out._saved = 0.0, "", edge_a, edge_b, None
            out._op, out.requires_grad, out._hooks, out._seq = op, True, None, next(_creation_counter)
        try:
            out._data = op.forward(out, x, y)
        except (ValueError, IndexError) as err:
            raise _forward_error(op, err, (x, y)) from None
        if out._op is None or _observers[0] and (_modes.watching or _modes.recorders):
            _finish(out, (a, b))
        return out

    return method


def unary(op):
    """Value's method for a unary Function ``op`` (``a.relu()``): Value._apply's steps for one Value."""
    def method(a):
        out = _output(op, a._node() if a.requires_grad and _modes.grad_enabled else None, _UNARY)
        try:
            out._data = op.forward(out, a._data)
        except (ValueError, IndexError) as err:
            raise _forward_error(op, err, (a._data,)) from None
        if out._op is None or _observers[0] and (_modes.watching or _modes.recorders):
            _finish(out, (a,))
        return out

    return method


Value._wrapper = Value  # (as a node: the variable type its hooks see)


def method(fn):
    """Value's method for a registered op ``fn``: a Function's own front (``fn.op``, from register
    or operator) runs as binary / unary above; any other front is used as it is (its
    Function.apply hands the Values to Value._apply)."""
    op = getattr(fn, "op", None)
    if op is None:
        return fn
    if getattr(fn, "arity", None) == 1:
        run = unary(op)
    elif getattr(fn, "reflected", False):  # 2 - a: the Function gets (2, a)
        forward = binary(op)

        def run(self, other):
            return forward(other, self)
    else:
        run = binary(op)
    run.__name__ = run.__qualname__ = fn.__name__
    return run
