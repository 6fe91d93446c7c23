"""Tracing: run the forward pass and write down every op it runs, twice, and compare the traces.

Every op goes through ``Function.apply``, and the engine tells whoever watches
(``ag.watch_ops``) of each one, with its inputs, parameters and output: the tracer writes
those down. Layers in ``LAYERS`` are written down whole (their inner ops are not).

The forward pass is traced twice, at two batch sizes and with different values. The two traces
must agree: the same ops, the same constants. That catches what a trace cannot see (a value
computed by numpy from the input, a Python ``if`` on the data, randomness), and tells which
dims of a reshape follow the batch size (those become -1).
"""
import threading

import numpy as np

import autograd as ag
from autograd import Tensor
from nn import Module

from .graph import ExportError, array_of
from .ops import LAYERS, SHAPE_PARAMS, ZERO_DEFAULTS


class Call:
    """One op of the forward pass: ``op`` is a Function class or a layer exported whole (a Module)."""

    __slots__ = ("op", "inputs", "params", "out")

    def __init__(self, op, inputs, params, out):
        self.op, self.inputs, self.params, self.out = op, inputs, params, out

    @property
    def is_layer(self):
        return isinstance(self.op, Module)

    @property
    def key(self):
        """What the tables are keyed by: the layer's class, else the op itself."""
        return type(self.op) if self.is_layer else self.op

    @property
    def name(self):
        """The op's name in messages: "Add", "Less", "Conv2d"."""
        return self.key.__name__


class Tracer:
    """``with Tracer(model) as calls:`` writes down every op run by this thread inside."""

    _lock = threading.Lock()  # one trace of a model at a time: its layers' forwards are wrapped

    def __init__(self, model):
        self.model = model
        self.calls = []
        self.depth = 0  # > 0 inside a layer exported whole: its inner ops are not written down

    def __enter__(self):
        self._lock.acquire()
        self._layers = []
        if self.model is not None and hasattr(self.model, "modules"):
            for m in self.model.modules():
                if type(m) in LAYERS:
                    object.__setattr__(m, "forward", self._wrap_layer(m, m.forward))
                    self._layers.append(m)
        self._watch = ag.watch_ops(self._op)
        self._watch.__enter__()
        return self.calls

    def _op(self, node, out, inputs, params):
        if self.depth == 0:
            self.calls.append(Call(type(node), inputs, params, out))

    def _wrap_layer(self, layer, forward):
        tracer = self

        def traced_forward(*args, **kwargs):
            tracer.depth += 1
            try:
                out = forward(*args, **kwargs)
            finally:
                tracer.depth -= 1
            if tracer.depth == 0:
                tracer.calls.append(Call(layer, args, kwargs, out))
            return out

        return traced_forward

    def __exit__(self, *exc):
        try:
            self._watch.__exit__(*exc)
            for m in self._layers:
                object.__delattr__(m, "forward")
        finally:
            self._lock.release()


def trace(model, inputs):
    # grad mode on and float inputs requiring grad: an in-place op then swaps in a new array
    # (recorded) instead of overwriting the old one, so every value keeps its own array
    inputs = tuple(x.detach().requires_grad_(True) if x.dtype.kind == "f" else x for x in inputs)
    with Tracer(model) as calls, ag.enable_grad():
        out = model(*inputs)
    return calls, out


class Dynamic:
    """Shapes that follow the batch size: read off by comparing the trace at two batch sizes."""

    def __init__(self, other_calls):
        self.other = other_calls
        self.index = {}

    def shape(self, call, expand=False):
        mine = list(call.out.shape)
        theirs = list(self.other[self.index[id(call)]].out.shape)
        differ = [i for i, (a, b) in enumerate(zip(mine, theirs)) if a != b]
        if not differ:
            return mine
        if expand:
            in_shape = array_of(call.inputs[0]).shape
            lead = len(mine) - len(in_shape)
            if all(i >= lead and in_shape[i - lead] == mine[i] for i in differ):
                return [1 if i in differ else n for i, n in enumerate(mine)]  # the input already has it
        elif len(differ) == 1:
            return [-1 if i in differ else n for i, n in enumerate(mine)]
        raise ExportError(f"{call.name}: its target shape {tuple(mine)} changes with the batch size in "
                          f"{len(differ)} dims {differ}; export it with dynamic_batch=False")


def _same(a, b):
    if isinstance(a, Tensor) or isinstance(a, np.ndarray):
        a, b = array_of(a), array_of(b)
        return isinstance(b, np.ndarray) and a.shape == b.shape and a.dtype == b.dtype and \
            np.array_equal(a, b, equal_nan=True)
    if isinstance(a, (tuple, list)):
        return isinstance(b, (tuple, list)) and len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
    if isinstance(a, slice):
        return isinstance(b, slice) and _same((a.start, a.stop, a.step), (b.start, b.stop, b.step))
    try:
        return bool(a == b) or bool(a != a and b != b)  # (a nan constant is the same nan in both traces)
    except Exception:
        return a is b


def _batch_sized(a, b):
    """True for a constant that is the same but for its batch length (like ones(x.shape[0], 4))."""
    if not (isinstance(a, np.ndarray) and isinstance(b, np.ndarray)) or a.ndim != b.ndim or a.ndim == 0:
        return False
    n = min(len(a), len(b))
    return a.shape[1:] == b.shape[1:] and a.shape[0] != b.shape[0] and np.array_equal(a[:n], b[:n])


def describe(x):
    a = array_of(x)
    return f"shape {tuple(a.shape)}" if isinstance(a, np.ndarray) else repr(a)[:40]


def check_traces(calls_a, calls_b, live_a, live_b, start=0):
    """The two traces must run the same ops on the same constants."""
    if [c.key for c in calls_a] != [c.key for c in calls_b]:
        ops_a, ops_b = [c.name for c in calls_a], [c.name for c in calls_b]
        k = next((i for i, (x, y) in enumerate(zip(ops_a, ops_b)) if x != y), min(len(ops_a), len(ops_b)))
        raise ExportError(
            f"the forward pass ran different ops for two inputs (op #{k}: "
            f"{ops_a[k] if k < len(ops_a) else 'end'} vs {ops_b[k] if k < len(ops_b) else 'end'}); "
            "control flow that depends on the input values or the batch size can't be traced")
    for k, (a, b) in enumerate(zip(calls_a, calls_b), start=start):
        for i, (x, y) in enumerate(zip(a.inputs, b.inputs)):
            if live_a(x) != live_b(y):
                raise ExportError(f"op #{k} ({a.name}): input {i} comes from the model input in one trace only")
            if not live_a(x) and i in ZERO_DEFAULTS.get(a.key, ()) and not np.any(array_of(x)) \
                    and not np.any(array_of(y)):
                continue  # zeros the emitter leaves out (an initial state), whatever their batch size
            if not live_a(x) and not _same(x, y) and _batch_sized(array_of(x), array_of(y)):
                raise ExportError(
                    f"op #{k} ({a.name}): input {i} is a constant whose shape follows the batch size "
                    f"({describe(x)} at batch 2, {describe(y)} at batch 3), e.g. ag.zeros(x.shape[0], ...) "
                    "made in forward; a constant can't follow a dynamic batch. Export with "
                    "dynamic_batch=False (a fixed batch size), or build it from the input with tensor ops")
            if not live_a(x) and not _same(x, y):
                raise ExportError(
                    f"op #{k} ({a.name}): input {i} ({describe(x)}) is computed from the input outside the "
                    "traced ops (numpy on .numpy(), e.g. a mask like x.numpy() > 0 as in F.leaky_relu; "
                    "argmax; randomness), so it would be baked into the file as a constant. Write that step "
                    "with tensor ops (ag.where(x > 0, ...)) or use the layer (nn.LeakyReLU...), or export "
                    "with dynamic_batch=False if it only depends on the batch size")
        for key in a.params:
            if key in SHAPE_PARAMS.get(a.key, ()):
                continue
            if not _same(a.params[key], b.params.get(key)):
                raise ExportError(f"op #{k} ({a.name}): its {key}={a.params[key]!r} changes with the input "
                                  f"(saw {b.params.get(key)!r} too); it can't be exported as a constant")


def trace_inputs(inputs, dynamic_batch):
    """Two sets of inputs with different values (and, for a dynamic batch, batch sizes 2 and 3)."""
    rng = np.random.default_rng(0)

    def variant(x, batch, seed_shift):
        a = x.detach().numpy()
        if dynamic_batch:
            reps = -(-batch // a.shape[0])
            a = np.concatenate([a] * reps, axis=0)[:batch]
        if a.dtype.kind == "f":
            noise = rng.standard_normal(a.shape).astype(a.dtype)
            a = a + (0.25 + 0.1 * seed_shift) * noise * (np.abs(a).mean() + 1)
        return ag.from_numpy(np.ascontiguousarray(a))

    if dynamic_batch:
        return tuple(variant(x, 2, 0) for x in inputs), tuple(variant(x, 3, 1) for x in inputs)
    return tuple(variant(x, None, 0) for x in inputs), tuple(variant(x, None, 1) for x in inputs)
