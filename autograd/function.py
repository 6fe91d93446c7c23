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
import traceback
import weakref

from .graph import Node, Variable, _creation_counter, _modes, creation_site

_FREED = object()  # marks saved buffers released after backward


class ShapeError(RuntimeError, ValueError):
    """Shapes that don't fit an op (catchable as RuntimeError like PyTorch, or ValueError)."""


class Function(Node):
    """Subclass and write ``forward(ctx, *arrays, **params)`` and ``backward(ctx, grad)``."""

    __slots__ = ("xp", "_saved", "_saved_from", "_shapes", "_stack", "__dict__")
    _create_graph = False  # True while backward runs on Tensors (see _backward_on_tensors)

    @classmethod
    def name(cls):
        return cls.__name__ + "Backward0"

    @classmethod
    def apply(cls, *inputs, **params):
        ctx = cls.__new__(cls)
        grad_on = _modes.grad_enabled
        wrapper, arrays, edges, record = None, [], [], False
        for x in inputs:
            if isinstance(x, Variable):
                if wrapper is None:
                    wrapper = type(x)
                arrays.append(x._data)
                if grad_on and x.requires_grad:
                    record = True
                    edges.append(x.grad_fn or x._node())
                    continue
            else:
                arrays.append(x)
            edges.append(None)
        ctx._edges = edges  # forward may ask needs_input_grad
        ctx.xp = wrapper._xp
        ctx._saved = None
        try:
            raw = ctx.forward(*arrays, **params) if params else ctx.forward(*arrays)
        except (ValueError, IndexError) as err:
            raise _forward_error(cls, err, arrays) from None
        out = wrapper._from_op(raw, inputs)
        if _modes.anomaly:
            ctx._stack = traceback.extract_stack()[:-2]
            _check_finite(ctx, out._data, "forward output")
        if record:
            ctx._seq = next(_creation_counter)  # the walk visits nodes newest first
            ctx._edges = tuple(edges)
            ctx._shapes = tuple([a.shape if e is not None else None for a, e in zip(arrays, edges)]
                                ) if wrapper._shaped else None
            ctx._hooks = None
            ctx._out_ref = weakref.ref(out)
            if ctx._saved is not None:
                if wrapper._versioned:
                    ctx._link_saved(inputs, arrays, raw)
                else:
                    ctx._saved_from = None
            out.grad_fn = ctx
            out.requires_grad = True
            if _modes.recorders:
                for recorder in _modes.recorders:
                    recorder(ctx, out)
        return out

    @property
    def needs_input_grad(self):
        """One bool per input: does that input need a gradient?"""
        return [edge is not None for edge in self._edges]

    # ---------------------------------------------------------------- saving

    def save_for_backward(self, *arrays):
        """Keep what backward needs (and nothing more)."""
        self._saved = arrays

    def _link_saved(self, inputs, arrays, raw_out):
        """Remember which saved array is which input (to check versions, and to hand
        back the input itself when the backward pass builds a graph)."""
        links = []
        for s in self._saved:
            link = "out" if s is raw_out else None
            if link is None and s is not None:
                for x, a in zip(inputs, arrays):
                    if s is a and isinstance(x, Variable):
                        link = (x, x._version_value())
                        break
            links.append(link)
        self._saved_from = links

    @property
    def saved_tensors(self):
        saved = self._saved
        if saved is _FREED:
            raise RuntimeError(
                f"{self.name()}: trying to backward through the graph a second time (or to read "
                "saved tensors after they were freed). Saved values are freed by backward(); "
                "pass retain_graph=True to the first backward() if you need to run it again.")
        if saved is None:
            return ()
        links = self._saved_from
        if links is None:  # immutable inputs (Value): nothing to check or link
            return saved
        for i, link in enumerate(links):
            if type(link) is tuple and link[0]._version_value() != link[1]:
                x = link[0]
                raise RuntimeError(
                    f"{self.name()}: one of the variables needed for gradient computation has been "
                    f"modified by an in-place operation: saved input {i} of shape {tuple(x.shape)} is "
                    f"at version {x._version_value()}; expected version {link[1]}. Use an out-of-place "
                    "op (x = x * 2 instead of x.mul_(2)) or clone() the tensor before changing it.")
        if not self._create_graph:
            return saved
        return tuple(self._saved_as_variable(s, link) for s, link in zip(saved, links))

    def _saved_as_variable(self, array, link):
        if type(link) is tuple:
            return link[0]
        wrapper = self._wrapper()
        if link == "out":  # the output itself, at its own place in the graph
            out = wrapper._make(array)
            out.grad_fn, out.requires_grad = self, True
            return out
        return wrapper._make(array) if hasattr(array, "shape") else array

    # ---------------------------------------------------------------- backward

    def _backward(self, grad, retain_graph, create_graph):
        """Run this node's backward and shape each gradient like its input."""
        grads = self._backward_on_tensors(grad) if create_graph else self.backward(grad)
        if type(grads) is not tuple:
            grads = (grads,)
        if len(grads) != len(self._edges):
            raise RuntimeError(f"{self.name()}: backward returned {len(grads)} gradients "
                               f"for {len(self._edges)} inputs")
        shapes = self._shapes
        if shapes is not None:  # undo broadcasting, where an input was broadcast
            for g, shape in zip(grads, shapes):
                if g is not None and shape is not None and g.shape != shape:
                    grads = tuple([g if g is None or shape is None or g.shape == shape else sum_to_shape(g, shape)
                                   for g, shape in zip(grads, shapes)])
                    break
        if not retain_graph and self._saved is not None:
            self._saved = _FREED
            self._saved_from = None
        return grads

    def _wrapper(self):
        """The variable class of this op's output (Tensor unless the output is gone)."""
        out = self._out_ref()
        return type(out) if out is not None else _tensor_type()

    def _backward_on_tensors(self, grad):
        """backward with Tensors in and out, recorded: the backward pass becomes a graph."""
        xp = self.xp
        self._create_graph, self.xp = True, graph_math()
        if not isinstance(grad, Variable):  # a seed gradient arrives as a raw array
            grad = self._wrapper()._make(grad)
        try:
            return self.backward(grad)
        finally:
            self._create_graph, self.xp = False, xp

    def forward(self, *args, **kwargs):
        raise NotImplementedError(f"{type(self).__name__} must define forward")

    def backward(self, grad):
        raise NotImplementedError(f"{type(self).__name__} must define backward")


def _forward_error(cls, err, arrays):
    """A ValueError or IndexError from forward, reworded to name the op and its input shapes."""
    if isinstance(err, ShapeError):
        return err
    shapes = " and ".join(str(getattr(a, "shape", type(a).__name__)) for a in arrays)
    error = IndexError if isinstance(err, IndexError) else ShapeError
    return error(f"{cls.__name__.lower()}: inputs of shapes {shapes}: {err}")


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


def _check_finite(node, value, what):
    import numpy as np

    arr = np.asarray(value)
    if arr.dtype.kind in "fc" and not np.isfinite(arr).all():
        bad = "nan" if np.isnan(arr).any() else "inf"
        raise RuntimeError(f"detect_anomaly: {node.name()} produced {bad} in its {what}. "
                           f"The op was created at:\n{creation_site(node)}")


def _tensor_type():
    from .tensor import Tensor

    return Tensor


def graph_math():
    """The differentiable namespace used by backward when create_graph=True."""
    from .tensor import graph_math as namespace

    return namespace
