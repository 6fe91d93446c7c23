"""The names PyTorch scripts reach through ``torch.``: after ``import autograd as torch``,
``torch.autograd.Function``, ``torch.nn``, ``torch.optim``, ``torch.utils.data``, ``torch.Size``...

``nn``, ``optim`` and ``utils.data`` live in the layers above the engine (``nn``, ``optim``,
``seegrad.data``). The engine never imports them when it is imported; ``upper`` imports one
the first time a script asks for it (``torch.nn``), from autograd's module ``__getattr__``.
That function is the one place where the engine names a layer above it (the architecture
test allows exactly these imports, there).
"""
import functools
import types

from . import caller, custom, functional
from .gradcheck import gradcheck, gradgradcheck
from .graph import backward_into, detect_anomaly, enable_grad, grad, no_grad, run_backward, set_grad_enabled
from .tensor import Size, Tensor, increment_version  # noqa: F401  (ag.Size)

__all__ = ["Size", "autograd", "upper", "UPPER", "utils"]


def backward(tensors, grad_tensors=None, retain_graph=None, create_graph=False, inputs=None):
    """torch.autograd.backward: ``t.backward(g)`` for each tensor and gradient, in one walk."""
    tensors = tensors if isinstance(tensors, (list, tuple)) else [tensors]
    grads = grad_tensors if isinstance(grad_tensors, (list, tuple)) else [grad_tensors] * len(tensors)
    if inputs is not None:
        return backward_into(tensors, grads, inputs, retain_graph, create_graph)
    run_backward([t._node() for t in tensors], [t._root_grad(g, "backward", create_graph) for t, g in zip(tensors, grads)],
                 create_graph if retain_graph is None else retain_graph, create_graph)


def Variable(data, requires_grad=False, volatile=False):
    """torch.autograd.Variable, from before Variables and Tensors merged: as PyTorch's now, a new leaf that shares
    ``data``'s storage (a change through either is seen by both), requiring grad only when asked; ``data`` itself
    is left as it was."""
    if not isinstance(data, Tensor):
        raise TypeError(f"Variable data has to be a tensor, but got {type(data).__name__}")
    if volatile:
        caller.warn("volatile was removed and now has no effect. Use `with torch.no_grad():` instead.")
    return data.detach().requires_grad_(bool(requires_grad))


def _namespace(name, doc, **names):
    module = types.ModuleType(name, doc)
    module.__dict__.update(names)
    return module


autograd = _namespace(
    "autograd.autograd", "torch.autograd's names: grad, backward, Function, gradcheck, graph, functional, detect_anomaly...",
    grad=grad, backward=backward, Function=custom.TorchFunction, gradcheck=gradcheck, gradgradcheck=gradgradcheck,
    Variable=Variable,
    detect_anomaly=detect_anomaly, set_detect_anomaly=detect_anomaly, no_grad=no_grad, enable_grad=enable_grad,
    set_grad_enabled=set_grad_enabled,
    graph=_namespace("autograd.autograd.graph", "torch.autograd.graph", increment_version=increment_version),
    functional=functional,
    function=_namespace("autograd.autograd.function", "torch.autograd.function", Function=custom.TorchFunction,
                        FunctionCtx=custom.FunctionCtx, once_differentiable=custom.once_differentiable),
)

# ag.<name> -> the module of a layer above the engine, imported on first use
UPPER = {"nn": "nn", "optim": "optim"}


def compile(model=None, *, fullgraph=False, dynamic=None, backend=None, mode=None, options=None, name=None,
            disable=False, **more_options):
    """torch.compile. seegrad has no compiler: a compiled module or function runs as it is, eagerly, with the
    same numbers and no speed-up (what PyTorch's ``backend="eager"`` does). A module comes back wrapped as
    PyTorch's is (nn.OptimizedModule: ``_orig_mod``, state dict keys prefixed ``_orig_mod.``), a function as a
    function; ``disable=True`` returns it untouched; without ``model``, a decorator. The compiler's options
    are accepted and have nothing to act on."""
    if model is None:
        return lambda fn: compile(fn, fullgraph=fullgraph, dynamic=dynamic, backend=backend, mode=mode,
                                  options=options, name=name, disable=disable, **more_options)
    if disable:
        return model
    nn = upper("nn")
    if isinstance(model, nn.Module):
        return nn.OptimizedModule(model)
    if not callable(model):
        raise TypeError(f"compile: expected a module or a function, got {type(model).__name__}")

    @functools.wraps(model)
    def compiled(*args, **kwargs):
        return model(*args, **kwargs)

    return compiled


def upper(name):
    """The module behind ``ag.nn`` / ``ag.optim`` / ``ag.utils.data`` / ``ag.distributed.optim``, imported
    now (first use)."""
    if name == "nn":
        import nn  # noqa: PLC0415  (the allowed exception: see the module docstring)

        return nn
    if name == "optim":
        import optim  # noqa: PLC0415

        return optim
    if name == "distributed.optim":  # torch.distributed.optim: ZeroRedundancyOptimizer lives in optim
        import optim  # noqa: PLC0415

        return _namespace("autograd.distributed.optim", "torch.distributed.optim's names",
                          ZeroRedundancyOptimizer=optim.ZeroRedundancyOptimizer)
    if name == "utils.data":
        import seegrad.data  # noqa: PLC0415

        return seegrad.data
    raise AttributeError(name)


class _Utils(types.ModuleType):
    """``ag.utils``: ``data`` is seegrad.data (Dataset, DataLoader, TensorDataset, random_split...);
    ``checkpoint`` is autograd/checkpoint.py (torch.utils.checkpoint)."""

    def __getattr__(self, name):
        if name == "data":
            self.data = upper("utils.data")
            return self.data
        if name == "checkpoint":
            from . import checkpoint  # noqa: PLC0415  (imported on first use, as torch's)

            self.checkpoint = checkpoint
            return checkpoint
        raise AttributeError(f"module 'autograd.utils' has no attribute {name!r}")


def swap_tensors(t1, t2):
    """torch.utils.swap_tensors: ``t1`` takes ``t2``'s contents (storage, dtype, grad, graph link, class and
    attributes) and ``t2`` takes ``t1``'s, each object keeping its identity, so that whatever holds ``t1``
    (an optimizer's param_groups, a module) now sees ``t2``'s contents.

    As PyTorch, it refuses where a swap would leave a holder behind: a tensor whose storage a live view
    shares (a view refers to its base), one whose gradient sink a graph or the user still holds (that
    graph's backward would then add into the other tensor), and tensors whose classes lay out their
    attributes differently (here: a Tensor and a Parameter, which has a ``__dict__``)."""
    import sys

    for name, t in (("t1", t1), ("t2", t2)):
        if not isinstance(t, Tensor):
            raise TypeError(f"swap_tensors: expected {name} to be a Tensor, got {type(t).__name__}")
    if t1 is t2:
        return
    for name, t in (("t1", t1), ("t2", t2)):
        if any(ref() is not None for ref in t._vc[1:]) or t._view is not None:
            raise RuntimeError(f"swap_tensors: cannot swap {name}: it is a view or a live view shares its storage "
                               "(a view refers to its base); make sure you are not holding views of the tensor")
        handed = getattr(t, "_accum_ref", None)
        # the leaf's sink is held by the leaf (one reference), the local name and getrefcount's argument
        if (handed is not None and handed() is not None) or (t._accum is not None
                                                              and sys.getrefcount(t._accum) > 2):
            raise RuntimeError(f"swap_tensors: cannot swap {name}: a graph (or your code) still holds its "
                               "gradient sink (AccumulateGrad), whose backward would add into the other tensor; "
                               "swap before the forward pass or after backward")
    cls1, cls2 = type(t1), type(t2)
    if cls1 is not cls2:
        try:
            t1.__class__, t2.__class__ = cls2, cls1
        except TypeError:
            raise RuntimeError(f"swap_tensors: cannot swap t1 and t2 if they have different slots "
                               f"({cls1.__name__} and {cls2.__name__})") from None
    if hasattr(t1, "__dict__") and hasattr(t2, "__dict__"):
        d1, d2 = dict(t1.__dict__), dict(t2.__dict__)
        t1.__dict__.clear()
        t1.__dict__.update(d2)
        t2.__dict__.clear()
        t2.__dict__.update(d1)
    for slot in Tensor.__slots__:
        if slot == "__weakref__":
            continue
        had1, had2 = hasattr(t1, slot), hasattr(t2, slot)
        v1, v2 = getattr(t1, slot, None), getattr(t2, slot, None)
        for t, had, v in ((t1, had2, v2), (t2, had1, v1)):
            if had:
                setattr(t, slot, v)
            elif hasattr(t, slot):
                delattr(t, slot)
    for t in (t1, t2):  # sinks are made afresh for each object (none was held: checked above)
        t._accum = None
        t._accum_ref = None


utils = _Utils("autograd.utils", _Utils.__doc__)
utils.swap_tensors = swap_tensors
