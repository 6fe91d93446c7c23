"""The graph core shared by Tensor and Value.

A result of an op points at the node that made it (``grad_fn``); each node points
at the nodes of its inputs (``next_functions``). ``backward_steps`` walks that DAG
from the output, one node at a time, in reverse topological order; ``backward()``
simply drains it, and the visualiser shows the very same steps. Nothing in this
file knows any op by name.
"""
import collections
import copy
import itertools
import operator
import threading
import traceback
import weakref

from .backend import by_input, host

# --------------------------------------------------------------------------- modes


class _Modes(threading.local):
    grad_enabled = True
    anomaly = False  # detect_anomaly: ops record where they were created
    check_nan = True  # and backward raises at a nan gradient
    recorders = ()  # callables fn(node, output) told of every recorded op (used by ag.viz)
    watchers = ()  # callables fn(node, output, inputs, params, recorded) told of every op (exporters)
    watching = False  # anomaly or watchers: the one flag Function.apply tests for both

    def update_watching(self):
        self.watching = bool(self.anomaly or self.watchers)


_modes = _Modes()

# How many detect_anomaly / record_ops / watch_ops blocks are open, in all threads together. While none
# is, an op skips reading this thread's modes for them: a thread-local attribute costs ~400 machine
# instructions to read, and an op would read two (W1: 2% of the step).
_observers = [0]
_observers_lock = threading.Lock()


def _count_observers(step):
    with _observers_lock:
        _observers[0] += step

# Adding into a ``.grad`` (``grad is None`` check, then ``grad += g``) is a read-modify-write that
# concurrent backward() calls into the same tensor would interleave, losing updates (numpy drops
# the GIL inside ``+=``). One lock around every accumulation makes them add up, as PyTorch
# guarantees; it is held only for the addition, so walks in other threads still run side by side.
_grad_lock = threading.RLock()  # re-entrant: a create_graph accumulation runs an op, which may call user code
_lock, _unlock = _grad_lock.acquire, _grad_lock.release  # (bound once: cheaper than `with` on every leaf)


def is_grad_enabled():
    """True when ops record the graph (the default)."""
    return _modes.grad_enabled


class set_grad_enabled:
    """Context manager (and decorator) that turns graph recording on or off."""

    def __init__(self, mode=True):
        self.mode = bool(mode)
        self.prev = _modes.grad_enabled
        _modes.grad_enabled = self.mode  # like torch: takes effect when called

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        _modes.grad_enabled = self.prev

    def __call__(self, fn):
        mode = self.mode
        _modes.grad_enabled = self.prev

        def wrapper(*args, **kwargs):
            with set_grad_enabled(mode):
                return fn(*args, **kwargs)

        wrapper.__wrapped__, wrapper.__name__, wrapper.__doc__ = fn, fn.__name__, fn.__doc__
        return wrapper


class no_grad(set_grad_enabled):
    """``with ag.no_grad():`` runs ops without recording them (or decorates a function)."""

    def __init__(self):
        super().__init__(False)


class inference_mode(set_grad_enabled):
    """``with ag.inference_mode():`` as PyTorch's: here the same as no_grad (``mode=False``: records)."""

    def __init__(self, mode=True):
        super().__init__(not mode)


class enable_grad(set_grad_enabled):
    """``with ag.enable_grad():`` records ops even inside ``no_grad``."""

    def __init__(self):
        super().__init__(True)


class detect_anomaly:
    """As PyTorch's: inside it every op records the line that created it, and (``check_nan``) the first
    backward step that returns a nan gradient raises, naming the op and that line. Forward values
    are not checked, nor infinite gradients (PyTorch checks neither: log(0) masked out later is fine)."""

    def __init__(self, check_nan=True):
        self.check_nan = bool(check_nan)

    def __enter__(self):
        self.prev = _modes.anomaly, _modes.check_nan
        _count_observers(1)
        _modes.anomaly, _modes.check_nan = True, self.check_nan
        _modes.update_watching()
        return self

    def __exit__(self, *exc):
        _modes.anomaly, _modes.check_nan = self.prev
        _modes.update_watching()
        _count_observers(-1)


class record_ops:
    """``with record_ops() as ops:`` collects (node, output) for every op recorded inside,
    in forward order, and keeps the outputs alive (the visualiser shows their values)."""

    def __enter__(self):
        self.ops = []
        self._prev = _modes.recorders
        _count_observers(1)
        _modes.recorders = self._prev + (self._record,)
        return self.ops

    def _record(self, node, output):
        self.ops.append((node, output))

    def __exit__(self, *exc):
        _modes.recorders = self._prev
        _count_observers(-1)


class watch_ops:
    """``with watch_ops() as calls:`` collects every op this thread runs inside, recorded in the
    graph or not (no_grad, constants only), as ``(node, output, inputs, params)``: what an
    exporter traces. Outputs and inputs are kept alive. With ``fn``, each op is passed to
    ``fn(node, output, inputs, params)`` instead of collected."""

    def __init__(self, fn=None):
        self.fn = fn

    def __enter__(self):
        self.calls = []
        self._prev = _modes.watchers
        _count_observers(1)
        _modes.watchers = self._prev + (self._watch,)
        _modes.update_watching()
        return self.calls

    def _watch(self, node, output, inputs, params, recorded):
        if self.fn is not None:
            self.fn(node, output, inputs, params)
        else:
            self.calls.append((node, output, inputs, params))

    def __exit__(self, *exc):
        _modes.watchers = self._prev
        _modes.update_watching()
        _count_observers(-1)


def is_anomaly_enabled():
    return _modes.anomaly


def is_anomaly_check_nan_enabled():
    return _modes.anomaly and _modes.check_nan


def creation_site(node):
    """Where the op behind ``node`` was called, as recorded under detect_anomaly."""
    stack = getattr(node, "_stack", None)
    if not stack:
        return "(run the forward pass inside ag.detect_anomaly() to record where)"
    return "".join(traceback.format_list(stack))


# --------------------------------------------------------------------------- nodes


class Rule(collections.namedtuple("Rule", ["formula", "derivatives", "words", "args"], defaults=(None,))):
    """A node's local derivative rule, shown by the step-through: ``formula`` the forward
    (out = a * b), ``derivatives`` one line per input, ``words`` the idea, ``args`` the inputs'
    names when not a, b, c... Each Function carries its own (``rule = Rule(...)``)."""

    __slots__ = ()


_new = object.__new__
_ndarray = host.ndarray
_creation_counter = itertools.count()  # numbers the recorded ops in the order they were created


class Node:
    """A vertex of the backward graph. ``_edges[i]`` is the node that receives the
    gradient for input ``i`` (None when that input needs no gradient). ``_seq`` numbers
    the ops in creation order: a node is always newer than the nodes of its inputs."""

    __slots__ = ("_edges", "_seq", "__weakref__")
    _inline = False  # True (a Function): the walk runs its backward and the steps around it itself
    rule = None  # the Rule the step-through shows for this kind of node
    _hooks = None  # a tensor's register_hook() and register_prehook(): called with the gradient flowing in
    _post_hooks = None  # register_hook(): called with (grad_inputs, grad_outputs) once this node has run
    _retained = None  # retain_grad(): a weak reference to the output whose .grad keeps this node's gradient

    def name(self):
        return type(self).__name__

    @property
    def next_functions(self):
        """PyTorch's view of the edges: ``((node, 0), ...)``."""
        return tuple((_handed_out(node), 0) for node in self._edges)

    def grad_destination(self, i, shape, dtype):
        """For an op's backward: an array its gradient for input ``i`` may be written into (``out=``),
        or None. Only where input i is a leaf given a destination of that shape and dtype
        (``set_grad_destination``), its ``.grad`` is None and backward builds no graph; the first
        op that asks takes it (a leaf used twice gets its gradients summed as usual)."""
        edge = self._edges[i]
        if not _grad_destinations or type(edge) is not AccumulateGrad:
            return None
        leaf = edge._leaf()
        into = _grad_destinations.pop(id(leaf), None)
        if into is None or _modes.grad_enabled or leaf.grad is not None:
            return None
        _, tensor, array = into
        if array.shape != tuple(shape) or array.dtype != dtype:
            return None
        _grad_written[id(leaf)] = tensor
        return array

    def _add_hook(self, fn):
        """A hook called with the gradient flowing into this node (what a tensor's register_hook adds);
        it may return a replacement."""
        if self._hooks is None:
            self._hooks = []
        self._hooks.append(fn)
        return RemovableHandle(self._hooks, fn)

    def register_prehook(self, fn):
        """PyTorch's Node.register_prehook: ``fn(grad_outputs)`` (a tuple) before this node runs; it may
        return a tuple that replaces them."""
        def hook(grad):
            result = fn((grad,))
            return None if result is None else result[0]

        return self._add_hook(hook)

    def register_hook(self, fn):
        """PyTorch's Node.register_hook: ``fn(grad_inputs, grad_outputs)`` (tuples, one gradient per input
        and per output) once this node has run; it may return a tuple that replaces grad_inputs."""
        if self._post_hooks is None:
            self._post_hooks = []
        self._post_hooks.append(fn)
        return RemovableHandle(self._post_hooks, fn)

    def __repr__(self):
        return f"<{self.name()} object at {id(self):#x}>"


class RemovableHandle:
    """Returned by register_hook; ``handle.remove()`` unregisters the hook."""

    def __init__(self, hooks, fn):
        self.hooks, self.fn = hooks, fn

    def remove(self):
        if self.fn in self.hooks:
            self.hooks.remove(self.fn)


class AccumulateGrad(Node):
    """The sink for a leaf: the walk adds the gradient that reaches it into ``variable.grad``.

    Who holds whom, so that a graph keeps its leaves alive (as in PyTorch) and no reference cycle forms:
    - a leaf Tensor keeps its sink (``_accum``), made once and not again for every graph (the hot path);
      the sink refers back weakly, and every op that takes the leaf as an input holds the leaf itself
      (``Function._leaves``);
    - once a sink is handed to the user's code (``next_functions``, a hook on it), PyTorch's ownership
      holds from then on: the sink holds its leaf, the leaf refers to it weakly (``_accum_ref``), and it
      lives as long as a graph or the user holds it, its hooks with it; a later graph makes a new one;
    - a leaf Value's sink always holds the Value, which refers to it weakly (scalar.py)."""

    __slots__ = ("_variable", "_hooks", "_post_hooks")
    rule = Rule("leaf.grad += G", ("d(leaf.grad)/dG = 1: G is added as it is",),
                "A leaf adds the gradient it receives into .grad; uses of the same leaf add up.")

    def __init__(self, variable):
        self._edges = ()
        self._hooks = self._post_hooks = None
        self._seq = -1  # older than every op: the sinks come last in the walk
        self._variable = variable

    @property
    def variable(self):
        """The leaf (for user code: the sink is handed out, see above)."""
        return _handed_out(self)._variable

    def _leaf(self):
        """The leaf, for the engine's own use (the sink stays where it is)."""
        leaf = self._variable
        return leaf() if type(leaf) is _weak_ref else leaf

    def name(self):
        return "torch::autograd::AccumulateGrad"  # (PyTorch's; its repr shows the class name, as here)

    def __repr__(self):
        return f"<AccumulateGrad object at {id(self):#x}>"

    def _add_hook(self, fn):
        return Node._add_hook(_handed_out(self), fn)

    def register_hook(self, fn):
        return Node.register_hook(_handed_out(self), fn)

    def __deepcopy__(self, memo):
        """The sink of the leaf's copy (a deep copy of a graph of Values), never the original's."""
        return AccumulateGrad(copy.deepcopy(self.variable, memo))


def _handed_out(node):
    """``node``, now under PyTorch's ownership if it is a Tensor leaf's sink kept by its leaf (see
    AccumulateGrad): what user code is given (``next_functions``) and may hook or keep."""
    if type(node) is AccumulateGrad and type(node._variable) is _weak_ref:
        leaf = node._variable()
        if leaf is not None:
            node._variable = leaf
            if leaf._accum is node:
                leaf._accum, leaf._accum_ref = None, weakref.ref(node)
    return node


# --------------------------------------------------------------------------- gradient destinations

_grad_destinations = {}  # id(leaf) -> (leaf, tensor, the tensor's array): see set_grad_destination
_grad_written = {}  # id(leaf) -> the tensor an op's backward computed the leaf's gradient into


def set_grad_destination(leaf, tensor):
    """Let the op whose backward next sends ``leaf`` a gradient compute it straight into ``tensor``
    (same shape and dtype; DistributedDataParallel's bucket slot), which then becomes ``leaf.grad``
    without a copy. Ops that can write their result with ``out=`` ask for it
    (``Node.grad_destination``, e.g. Linear's weight, ``G^T @ x``); others leave it, and the leaf
    accumulates as always. Once: the first op that asks takes it. ``tensor=None`` withdraws it."""
    if tensor is None:
        _grad_destinations.pop(id(leaf), None)
        _grad_written.pop(id(leaf), None)
        return
    array = tensor._data
    if leaf.grad_fn is not None or array.shape != leaf._data.shape or array.dtype != leaf._data.dtype \
            or type(array) is not type(leaf._data):
        raise ValueError(f"set_grad_destination: needs a leaf and a tensor of its shape, dtype and device; got a "
                         f"{'leaf' if leaf.grad_fn is None else 'non-leaf'} of shape {tuple(leaf.shape)} ({leaf.dtype}) "
                         f"and a tensor of shape {tuple(tensor.shape)} ({tensor.dtype})")
    _grad_destinations[id(leaf)] = (leaf, tensor, array)  # (the leaf held: its id stays its own)


def _computed_into_destination(leaf, grad):
    """The sink's step when an op took the leaf's destination: if ``grad`` is that array and ``.grad``
    is None, the destination becomes ``.grad`` (no copy) and True is returned; else False (accumulate)."""
    written = _grad_written.pop(id(leaf), None)
    if written is None or grad is not written._data or leaf.grad is not None:
        return False
    written._vc[0] += 1  # changed in place: anything that saved it refuses
    leaf.grad = written
    return True


class Marker:
    """A named sentinel (``_FREED``, a Value's edge markers) that stays itself when copied or
    pickled, so that ``is`` tests on it still hold in a copied graph."""

    def __init__(self, module, name):
        self.__module__, self.name = module, name  # (where pickle finds it by name)

    def __repr__(self):
        return f"<{self.name}>"

    def __copy__(self):
        return self

    def __deepcopy__(self, memo):
        return self

    def __reduce__(self):
        return self.name  # pickled by reference: the module's global of that name


_FREED = Marker("autograd.function", "_FREED")  # marks saved buffers released after backward


# --------------------------------------------------------------------------- variables


class Variable:
    """What Tensor and Value share: the gradient, the link into the graph, backward()."""

    __slots__ = ()
    _own_node = False  # True for Value: a Value made by an op is its own graph node (scalar.py)

    @property
    def is_leaf(self):
        return self.grad_fn is None

    def _node(self):
        """The node that receives this variable's gradient: its op's, or the leaf's sink (one at a
        time per leaf: see AccumulateGrad)."""
        if self.grad_fn is not None:
            return self.grad_fn
        node = self._accum() if self._accum is not None else None
        if node is None:
            _lock()  # one node per leaf, also when threads ask at once (ag.grad captures it)
            try:
                node = self._accum() if self._accum is not None else None
                if node is None:
                    node = _new(AccumulateGrad)  # (AccumulateGrad(self) without the __init__ frame)
                    node._edges, node._hooks, node._post_hooks, node._seq, node._variable = (), None, None, -1, self
                    self._accum = weakref.ref(node)
            finally:
                _unlock()
        return node

    def backward(self, gradient=None, retain_graph=None, create_graph=False, inputs=None):
        """Accumulate d(self)/d(leaf) into every leaf's ``.grad`` (with ``inputs``, only into theirs:
        leaves or not, as PyTorch)."""
        if inputs is not None:
            return backward_into([self], [gradient], inputs, retain_graph, create_graph)
        if not self.requires_grad:
            raise RuntimeError(
                "backward: this tensor does not require grad and has no grad_fn; "
                "create the inputs with requires_grad=True (or call .requires_grad_()) "
                "before computing it")
        grad = self._root_grad(gradient, "backward", create_graph)
        if retain_graph is None:
            retain_graph = create_graph
        for _ in _walk([self.grad_fn or self._node()], [grad], retain_graph, create_graph, None, False, steps=False):
            pass  # (run_backward, written out: one call less)

    def register_hook(self, fn):
        """Call ``fn(grad)`` when this variable's gradient is computed; it may return a replacement."""
        if not self.requires_grad:
            raise RuntimeError("register_hook: cannot register a hook on a tensor that doesn't require grad")
        if self.grad_fn is not None:
            return self.grad_fn._add_hook(fn)
        if self._leaf_hooks is None:
            self._leaf_hooks = []
        self._leaf_hooks.append(fn)
        return RemovableHandle(self._leaf_hooks, fn)

    def register_post_accumulate_grad_hook(self, fn):
        """Call ``fn(self)`` once this leaf's ``.grad`` holds the gradient of the current backward
        (torch.Tensor.register_post_accumulate_grad_hook). Such a leaf takes its gradient as soon
        as it is complete, right after the last op that uses it, instead of at the end of the walk:
        DistributedDataParallel starts sending it while the rest of backward runs."""
        if not self.requires_grad or self.grad_fn is not None:
            raise RuntimeError("register_post_accumulate_grad_hook: only a leaf tensor that requires grad "
                               "accumulates a .grad; register the hook on the parameter itself")
        if id(self) not in _post_accumulate_hooks:
            _post_accumulate_hooks[id(self)] = []
            weakref.finalize(self, _post_accumulate_hooks.pop, id(self), None)
        hooks = _post_accumulate_hooks[id(self)]
        hooks.append(fn)
        return RemovableHandle(hooks, fn)

    def retain_grad(self):
        """Keep ``.grad`` for this non-leaf after backward (leaves always keep it): its node
        remembers it (weakly), and the walk stores the gradient that reaches the node."""
        if not self.requires_grad:
            raise RuntimeError("retain_grad: can't retain_grad on a tensor that doesn't require grad")
        if self.grad_fn is not None:
            self.grad_fn._retained = weakref.ref(self)

    @property
    def retains_grad(self):
        node = self.grad_fn
        return node is not None and node._retained is not None and node._retained() is self


_post_accumulate_hooks = {}  # id(leaf) -> [fn(leaf)], see register_post_accumulate_grad_hook


# --------------------------------------------------------------------------- the walk


def topological_order(roots):
    """Every node reachable from ``roots``, each before the nodes it sends gradients to.

    An op is always created after the ops that made its inputs, so newest-first is a
    topological order (PyTorch's engine orders its walk by the same sequence numbers).
    Finding the nodes is a plain loop over a stack (no recursion limit); the
    AccumulateGrad sinks number -1, so they come last, in the order they were found,
    and no leaf's ``.grad`` changes until every op's backward has succeeded.
    """
    seen = set(roots)
    if None in seen:  # (a view taken under no_grad reads requires_grad=True, but is no node: see View)
        raise RuntimeError(f"element {roots.index(None)} of tensors does not require grad and does not have a "
                           "grad_fn: it is a view taken under no_grad (as in PyTorch, it reads requires_grad=True "
                           "but no gradient reaches it); take the view outside no_grad, or call .requires_grad_() "
                           "on a clone()")
    seen.add(None)  # an input that needs no gradient has no node: skip it like a visited one
    order, stack = [], list(dict.fromkeys(roots)) if len(roots) > 1 else list(roots)  # each root once
    while stack:
        node = stack.pop()
        order.append(node)
        for child in node._edges:
            if child not in seen:
                seen.add(child)
                stack.append(child)
    order.sort(key=_by_creation, reverse=True)  # stable: the sinks keep the order they were found in
    return _hooked_sinks_early(order) if _post_accumulate_hooks else order


def _hooked_sinks_early(order):
    """Move each sink whose leaf has a post-accumulate-grad hook to just after the last op that
    sends it a gradient: its gradient is complete there (every op that uses the leaf was created
    after it, so each comes earlier in the walk). The other sinks stay at the end."""
    ops = len(order)
    while ops and order[ops - 1]._seq == -1:
        ops -= 1
    hooked = {n for n in order[ops:] if type(n) is AccumulateGrad and id(n.variable) in _post_accumulate_hooks}
    if not hooked:
        return order
    after = {}  # position of the last op that feeds a hooked sink -> those sinks
    last = dict.fromkeys(hooked, -1)  # -1: no op feeds it (the root itself), so it goes first
    for i in range(ops):
        for child in order[i]._edges:
            if child in last:
                last[child] = i
    for sink in order[ops:]:  # in the order they were found
        if sink in last:
            after.setdefault(last[sink], []).append(sink)
    early = list(after.get(-1, ()))
    for i in range(ops):
        early.append(order[i])
        early.extend(after.get(i, ()))
    return early + [n for n in order[ops:] if n not in hooked]


_by_creation = operator.attrgetter("_seq")
_weak_ref = weakref.ReferenceType


class BackwardStep:
    """One step of the backward walk: ``node`` got ``grad_output`` and sent ``grad_inputs``
    along its edges. With ``trace=True`` the walk also records each receiving node's
    accumulated gradient before this step (``grads_before``)."""

    __slots__ = ("index", "node", "grad_output", "grad_inputs", "grads_before")

    def __init__(self, index, node, grad_output, grad_inputs, grads_before):
        self.index, self.node = index, node
        self.grad_output, self.grad_inputs, self.grads_before = grad_output, grad_inputs, grads_before

    def __repr__(self):
        return f"BackwardStep({self.index}, {self.node.name()})"


def backward_steps(roots, grads, retain_graph=False, create_graph=False, capture=None, trace=False):
    """Walk the graph from ``roots`` (nodes) seeded with ``grads``, yielding a BackwardStep per node.

    ``capture``: a dict {node: None}; the gradient reaching each of those nodes is stored
    in it and leaves' ``.grad`` are left alone (this is ``ag.grad``). This is the walk that
    ``backward()`` runs: ``backward()`` drains the same ``_walk`` with its steps not yielded.
    Between steps the caller's code runs in the caller's grad mode: a paused walk changes nothing.
    """
    user_mode = _modes.grad_enabled
    walk = _walk(roots, grads, retain_graph, create_graph, capture, trace, steps=True)
    try:
        for step in walk:
            _modes.grad_enabled = user_mode
            yield BackwardStep(*step)
            _modes.grad_enabled = create_graph  # back to the walk's mode (see _walk)
    finally:
        walk.close()
        _modes.grad_enabled = user_mode


def _walk(roots, grads, retain_graph, create_graph, capture, trace, steps):
    """The backward pass: each node, newest first, takes the sum of the gradients sent to it,
    runs its hooks, keeps it where asked (retain_grad, capture) and sends the gradients of its
    inputs along its edges; a leaf's sink adds its gradient into ``.grad``. With ``steps``, each
    node is yielded as (index, node, grad_output, grad_inputs, grads_before) for the stepper.

    Backward is recorded only with create_graph, so the walk runs in that grad mode and
    restores the caller's when it ends; backward_steps restores it around each yield too.
    The per-walk modes (anomaly, capture, trace) are read once; each node pays one test for each.
    """
    if len(roots) == 1:
        buffers = {roots[0]: grads[0]}  # node -> the sum of the gradients sent to it so far
    else:
        buffers = {}
        for root, grad in zip(roots, grads):
            _add_into(buffers, root, grad)
    handed = set()  # ids of gradient arrays already stored in some leaf's .grad
    pop, get = buffers.pop, buffers.get
    user_mode, anomaly = _modes.grad_enabled, _observers[0] and _modes.anomaly and _modes.check_nan
    _modes.grad_enabled = create_graph
    try:
        order = topological_order(roots)
        if capture is not None:  # ag.grad: only the nodes on a path to what it captures (PyTorch's engine too)
            order, leads = _toward(order, capture)
        for index, node in enumerate(order):
            grad = pop(node, None)
            if grad is None:  # nothing flowed here (e.g. an unused branch)
                continue
            if type(node) is AccumulateGrad:
                variable = node._variable
                if type(variable) is _weak_ref:  # (a sink its Tensor leaf keeps: see AccumulateGrad)
                    variable = variable()
                    if variable is None:  # (no op holds the leaf any more: nothing can read its gradient)
                        continue
                if variable._leaf_hooks:
                    grad = _run_hooks(variable._leaf_hooks, grad, create_graph, type(variable))
                if node._hooks:  # (the sink's own, from register_prehook)
                    grad = _run_hooks(node._hooks, grad, create_graph, type(variable))
                if capture is not None:
                    if _grad_written and _grad_written.pop(id(variable), None) is not None:
                        grad = grad.copy()  # computed into a leaf's destination: ag.grad returns its own
                    if node in capture:  # in the leaf's dtype, as PyTorch's engine casts what reaches an input
                        if type(grad) is _ndarray and grad.dtype != variable._data.dtype:
                            grad = grad.astype(variable._data.dtype)
                        capture[node] = grad
                    continue
                if not variable.requires_grad:  # (requires_grad_(False) after the graph was built: PyTorch's
                    continue                    # AccumulateGrad leaves .grad alone)
                _lock()  # concurrent backward() calls into one leaf add up (see _grad_lock)
                try:
                    held, added = variable._grad if type(grad) is _ndarray and not create_graph else None, False
                    if held is not None and type(held._data) is _ndarray and not held.requires_grad:
                        try:  # the common case: add into the Tensor's .grad already there
                            held._data += grad
                            held._vc[0] += 1
                            added = True
                        except ValueError:  # (a read-only .grad, a broadcast view: numpy refuses before writing)
                            pass
                    if not added:  # the gradient may become .grad itself:
                        if id(grad) in handed:  # the same gradient reached two leaves: give each its own
                            grad = grad.copy() if type(grad) is _ndarray else grad.clone()
                        if not isinstance(grad, float):  # (a float, a Value's gradient, can't change in place)
                            handed.add(id(grad))
                        if not (_grad_written and _computed_into_destination(variable, grad)):
                            variable._accumulate_grad(grad, create_graph)
                finally:
                    _unlock()
                if _post_accumulate_hooks and id(variable) in _post_accumulate_hooks:
                    for hook in list(_post_accumulate_hooks[id(variable)]):
                        hook(variable)
                if node._post_hooks:
                    wrapped = grad if isinstance(grad, (Variable, float)) else type(variable)._make(grad)
                    for hook in list(node._post_hooks):
                        hook((), (wrapped,))
                if steps:
                    yield index, node, grad, (), ([] if trace else None)
                continue
            if node._hooks:
                grad = _run_hooks(node._hooks, grad, create_graph, node._wrapper)
            retained = node._retained
            if retained is not None and capture is None:
                out = retained()
                if out is not None:
                    _lock()
                    try:
                        out._accumulate_grad(grad, create_graph, True)  # (copy=True)
                    finally:
                        _unlock()
            if capture is not None and node in capture:
                capture[node] = grad
                if node not in leads:  # (nothing captured lies beyond it: its backward is not run)
                    continue
            before = [get(nxt) for nxt in node._edges] if trace else None
            if node._inline:  # a Function: its backward (on Tensors with create_graph), then the shared steps:
                grad_inputs = node.backward(grad) if not create_graph else node._backward_on_tensors(grad)
                if type(grad_inputs) is not tuple:  # one gradient per input, summed back where broadcast,
                    grad_inputs = (grad_inputs,)
                if node._shapes is not None or len(grad_inputs) != len(node._edges):
                    grad_inputs = node._shaped(grad_inputs)
                if not retain_graph and node._saved is not None:  # and what was saved freed
                    node._saved, node._saved_from = _FREED, None
            else:  # a node type with its own step (a sink, a Value, a custom Function)
                grad_inputs = node._backward(grad, retain_graph, create_graph)
            if node._post_hooks:
                grad_inputs = _run_post_hooks(node, grad_inputs, grad, create_graph)
            if anomaly:
                _check_gradients(node, grad_inputs)
            i = 0  # (an index, not zip: a zip object and two iterators per node cost ~3% of a small step)
            for nxt in node._edges:
                g = grad_inputs[i]
                i += 1
                if nxt is not None and g is not None:
                    prev = get(nxt)
                    buffers[nxt] = g if prev is None else prev + g  # never in place: arrays may be shared
            if steps:
                yield index, node, grad, grad_inputs, before
    finally:
        _modes.grad_enabled = user_mode


def _toward(order, capture):
    """The nodes of ``order`` (newest first) that ag.grad needs: those in ``capture`` and those whose backward
    carries a gradient to one (``leads``, also returned). As in PyTorch's engine, no other node runs: their hooks
    do not fire, what they saved is kept, and an in-place change behind a captured tensor does not matter."""
    leads = set()
    for node in reversed(order):  # (the nodes a node sends to come after it in ``order``)
        for child in node._edges:
            if child is not None and (child in capture or child in leads):
                leads.add(node)
                break
    return [node for node in order if node in leads or node in capture], leads


def _check_gradients(node, grads):
    """Under detect_anomaly(check_nan=True): raise if a gradient that ``node`` computed holds nan,
    with PyTorch's words and where the op was created."""
    for i, g in enumerate(grads):
        if g is None:
            continue
        if getattr(g, "is_sparse", False) is True:  # (a sparse gradient: its values)
            g = g._values()
        arr = g._data if isinstance(g, Variable) else by_input.asarray(g)  # (on its device)
        if arr.dtype.kind in "fc" and by_input.isnan(arr).any():
            raise RuntimeError(f"detect_anomaly: Function '{node.name()}' returned nan values in its {i}th output. "
                               f"The op was created at:\n{creation_site(node)}")


def _add_into(buffers, node, grad):
    prev = buffers.get(node)
    buffers[node] = grad if prev is None else prev + grad  # never in place: arrays may be shared


def _run_hooks(hooks, grad, create_graph, variable_type):
    """Hooks see variables (Tensors); the walk itself passes raw arrays."""
    wrapped = variable_type._make(grad) if not isinstance(grad, Variable) and hasattr(grad, "shape") and \
        getattr(grad, "is_sparse", False) is not True else grad  # (a sparse gradient is shown as it is)
    for hook in list(hooks):
        result = hook(wrapped)
        if result is not None:
            if getattr(result, "is_sparse", False) is not getattr(wrapped, "is_sparse", False):  # (as PyTorch)
                layouts = ("a dense tensor", "a sparse tensor")
                raise RuntimeError(f"hook '{getattr(hook, '__name__', hook)}' has changed the type of value (was "
                                   f"{layouts[bool(wrapped.is_sparse)]} got {layouts[bool(result.is_sparse)]})")
            wrapped = result
    if create_graph or not isinstance(wrapped, Variable) or not hasattr(grad, "shape"):
        return wrapped
    return wrapped._data


def _run_post_hooks(node, grad_inputs, grad_output, create_graph):
    """A node's register_hook hooks: each sees (grad_inputs, grad_outputs) as Tensors (None where an input
    needs no gradient) and may return replacement grad_inputs."""
    wrap = getattr(node, "_wrapper", None) or _tensor_class()  # (a custom Function's output node: Tensors)
    make = wrap._make
    as_variable = (lambda g: g if g is None or isinstance(g, Variable) else make(g))
    inputs, outputs = tuple(map(as_variable, grad_inputs)), (as_variable(grad_output),)
    for hook in list(node._post_hooks):
        result = hook(inputs, outputs)
        if result is not None:
            if not isinstance(result, tuple) or len(result) != len(inputs):
                raise RuntimeError(f"{node.name()}: a hook registered with register_hook returned {result!r}; "
                                   f"expected None or a tuple of {len(inputs)} gradients")
            inputs = tuple(r if r is None or isinstance(r, wrap) else make(r) for r in result)
    return inputs if create_graph else tuple(g if g is None else g._data for g in inputs)


def _tensor_class():
    from .tensor import Tensor  # noqa: PLC0415  (tensor.py imports this module)
    return Tensor


def run_backward(roots, grads, retain_graph=False, create_graph=False):
    """Run the whole walk (what ``Tensor.backward`` does)."""
    for _ in _walk(roots, grads, retain_graph, create_graph, None, False, steps=False):
        pass  # (nothing is yielded: one generator runs the walk for backward and for the stepper)


def backward_into(outputs, gradients, inputs, retain_graph=None, create_graph=False):
    """``backward(inputs=...)``: d(outputs)/d(inputs) added into each input's ``.grad`` (a non-leaf's too),
    every other ``.grad`` left alone; an input the outputs do not depend on keeps its ``.grad``."""
    inputs = _as_tuple(inputs)
    if not inputs:
        raise RuntimeError("backward: the `inputs` argument to `backward()` cannot be empty; leave it out to "
                           "accumulate into every leaf")
    grads = grad(outputs, inputs, gradients, retain_graph, create_graph, allow_unused=True)
    for x, g in zip(inputs, grads):
        if g is not None:
            _lock()
            try:
                x._accumulate_grad(g, create_graph, True)  # (copy=True: two inputs may get one array)
            finally:
                _unlock()


def grad(outputs, inputs, grad_outputs=None, retain_graph=None, create_graph=False, only_inputs=True,
         allow_unused=False):
    """d(outputs)/d(inputs) as a tuple, without touching any ``.grad`` (like torch.autograd.grad;
    ``only_inputs`` is accepted and ignored, as PyTorch has done since 0.4)."""
    outputs = _as_tuple(outputs)
    inputs = _as_tuple(inputs)
    grad_outputs = _as_tuple(grad_outputs) if grad_outputs is not None else (None,) * len(outputs)
    if len(grad_outputs) != len(outputs):
        raise ValueError(f"grad: got {len(outputs)} outputs but {len(grad_outputs)} grad_outputs")
    roots, seeds = [], []
    for out, g in zip(outputs, grad_outputs):
        if not out.requires_grad:
            raise RuntimeError("grad: an output does not require grad and has no grad_fn; "
                               "make sure it was computed from inputs with requires_grad=True")
        roots.append(out._node())
        seeds.append(out._root_grad(g, "grad", create_graph))
    for i, x in enumerate(inputs):
        if not x.requires_grad:
            raise RuntimeError(f"grad: input {i} does not require grad; set requires_grad=True on it")
    capture = {x._node(): None for x in inputs}
    if retain_graph is None:
        retain_graph = create_graph
    for _ in _walk(roots, seeds, retain_graph, create_graph, capture, False, steps=False):
        pass
    results = []
    for i, x in enumerate(inputs):
        g = capture[x._node()]
        if g is None and not allow_unused:
            raise RuntimeError(f"grad: input {i} was not used to compute the outputs; "
                               "pass allow_unused=True to get None for it")
        results.append(None if g is None else x._wrap_grad(g))
    return tuple(results)


def _as_tuple(x):
    return tuple(x) if isinstance(x, (tuple, list)) else (x,)
