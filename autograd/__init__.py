"""autograd: a reverse-mode automatic differentiation engine on numpy, built to be watched.

    import autograd as ag
    x = ag.tensor([1.0, 2.0], requires_grad=True)
    (x * x).sum().backward()
    x.grad  # tensor([2., 4.])
"""
from . import backend
from .function import Function, ShapeError
from .graph import (
    AccumulateGrad, BackwardStep, Node, backward_steps, detect_anomaly, enable_grad, grad,
    is_anomaly_enabled, is_grad_enabled, no_grad, record_ops, set_grad_enabled, topological_order,
)
from .gradcheck import GradcheckError, gradcheck
from .scalar import Value
from .tensor import (
    Tensor, abs, add, ceil, floor, floor_divide, remainder, round, amax, amin, arange, argmax, argmin, as_tensor, bmm, bool_, broadcast_to, cat,
    chunk, clamp, clip, concat, concatenate, cos, div, dot, double, empty, empty_like, exp, eye,
    flatten, float, float16, float32, float64, from_numpy, full, full_like, get_rng, half, int, int8, int16,
    int32, int64, isfinite, linspace, log, log1p, log_softmax, logsumexp, long, manual_seed,
    matmul, max, maximum, mean, min, minimum, mm, mul, neg, ones, ones_like, outer, permute, pow,
    prod, rand, randint, randn, randperm, relu, reshape, rsqrt, sigmoid, sign, sin, softmax, split,
    sqrt, square, squeeze, stack, std, sub, sum, tanh, tensor, transpose, uint8, unbind, unsqueeze,
    var, where, zeros, zeros_like, increment_version,
)

bool = bool_  # ag.bool, like torch.bool


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
