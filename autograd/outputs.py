"""``out=``: a function's result written into a tensor the caller already has (``torch.matmul(a, b, out=c)``
returns ``c``, changed in place, the same object).

As in PyTorch, out= does not take part in autograd: with grad mode on, an argument (or ``out``) that
requires grad is refused. This version asks for an ``out`` of the result's exact shape and dtype
(PyTorch resizes a tensor of another shape, with a deprecation warning, and casts for some ops);
anything else is an error naming both, never a silently different result.
"""
from .graph import Variable, is_grad_enabled, no_grad


def refuse_grad(name, args, out):
    """PyTorch's error when out= meets a tensor that requires grad, in grad mode."""
    if is_grad_enabled() and any(isinstance(a, Variable) and a.requires_grad for a in (*args, out)):
        raise RuntimeError(f"{name}(): functions with out=... arguments don't support automatic differentiation, "
                           "but one of the arguments requires grad.")


def write_out(name, result, out):
    """Copy ``result`` into ``out`` (same shape and dtype) and return ``out``."""
    if not isinstance(out, Variable):
        raise TypeError(f"{name}(): argument 'out' must be a Tensor, not {type(out).__name__}")
    if not isinstance(result, Variable):
        raise TypeError(f"{name}(): out= is supported here only for functions that return one tensor")
    if out.dtype != result.dtype:
        raise RuntimeError(f"{name}(): expected the out tensor to have dtype {result.dtype}, but got {out.dtype} "
                           "instead; make it with that dtype, or leave out= out and convert the result")
    if tuple(out.shape) != tuple(result.shape):
        raise RuntimeError(f"{name}(): the out tensor has shape {tuple(out.shape)} but the result has shape "
                           f"{tuple(result.shape)}; pass an out of the result's shape (this version does not resize "
                           "it, as PyTorch does)")
    with no_grad():
        out.copy_(result)
    return out
