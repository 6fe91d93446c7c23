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


utils = _Utils("autograd.utils", _Utils.__doc__)
