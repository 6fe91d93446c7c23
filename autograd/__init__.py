"""autograd: a reverse-mode automatic differentiation engine on numpy, built to be watched.

    import autograd as ag
    x = ag.tensor([1.0, 2.0], requires_grad=True)
    (x * x).sum().backward()
    x.grad  # tensor([2., 4.])

What is where: graph.py (the DAG and the backward walk), function.py (Function and the op
table), ops/ (one Function per primitive, registered under its class), tensor.py (Tensor),
creation.py, random.py, dtypes.py, functions.py (the ag.* functions made from the op
table), scalar.py (Value), gradcheck.py, files.py, threads.py (BLAS threads: 1 unless the user
chose), viz/ (drawing and step-through).
"""
from . import backend
from .dtypes import (
    bool, bool_, double, float, float16, float32, float64, half, int, int8, int16, int32, int64, long, uint8,
)
from .function import Function, NonDifferentiable, Rule, ShapeError, register
from .graph import (
    AccumulateGrad, BackwardStep, Node, backward_steps, detect_anomaly, enable_grad, grad,
    is_anomaly_enabled, is_grad_enabled, no_grad, record_ops, set_grad_enabled, topological_order, watch_ops,
)
from .tensor import Tensor, increment_version
from .scalar import Value
from . import ops  # noqa: E402  (fills the op table: Tensor methods, operators, Value's methods)
from .functions import *  # noqa: E402,F401,F403  (ag.exp, ag.sum, ag.cat, ...: one per registered op)
from .creation import (
    arange, as_tensor, empty, empty_like, eye, from_numpy, full, full_like, linspace, ones, ones_like, rand,
    randint, randn, randperm, tensor, zeros, zeros_like,
)
from .random import get_rng, get_rng_state, manual_seed, set_rng_state
from .gradcheck import GradcheckError, gradcheck
from .ops.reduce import return_types
from .threads import apply_policy as _apply_blas_policy, get_num_threads, set_num_threads

_apply_blas_policy()  # 1 BLAS thread unless the user chose (SEEGRAD_BLAS_THREADS; see threads.py)


class _GraphNamespace:
    """``ag.autograd.graph``: torch.autograd.graph's public helpers."""

    increment_version = staticmethod(increment_version)


class _AutogradNamespace:
    """``ag.autograd.grad`` / ``ag.autograd.backward``, for snippets written against torch.autograd."""

    graph = _GraphNamespace()
    grad = staticmethod(grad)
    detect_anomaly = detect_anomaly
    Function = Function

    @staticmethod
    def backward(tensors, grad_tensors=None, retain_graph=None, create_graph=False):
        tensors = tensors if isinstance(tensors, (list, tuple)) else [tensors]
        grads = grad_tensors if isinstance(grad_tensors, (list, tuple)) else [grad_tensors] * len(tensors)
        for t, g in zip(tensors, grads):
            t.backward(g, retain_graph=True if retain_graph is None else retain_graph,
                       create_graph=create_graph)


autograd = _AutogradNamespace()


def __getattr__(name):  # ag.viz is imported on first use (it loads graphviz)
    if name == "viz":
        import importlib

        return importlib.import_module(".viz", __name__)
    raise AttributeError(f"module 'autograd' has no attribute {name!r}")


__version__ = "0.1.0"
