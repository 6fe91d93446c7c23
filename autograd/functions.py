"""The ``ag.*`` functions: every op registered with ``function=True`` (ops/), as a free function.

``ag.exp(x)`` is ``x.exp()``; the first argument may also be a number, a list or a numpy
array, which becomes a tensor first. Functions registered without a method (``ag.cat``,
``ag.where``, ``ag.stack``) are published as they are.
"""
import warnings

from .backend import host
from .function import OPS
from .graph import Variable, is_grad_enabled
from .ops.args import as_tensor
from .tensor import Tensor

__all__ = []


def _free(fn, name, method):
    """ag.<name>: the op, taking PyTorch's ``out=`` too; for a method's function the first argument may be a
    number, a list or an array (it becomes a tensor first, on the device of the first tensor argument)."""
    def function(*args, out=None, **kwargs):
        if method and args and not isinstance(args[0], Variable) and getattr(args[0], "is_sparse", False) is not True:
            like = next((a for a in args if isinstance(a, Variable)), None)  # ag.pow(2, x): 2 goes to x's device
            args = (as_tensor(args[0], like),) + args[1:]
        result = fn(*args, **kwargs)
        return result if out is None else _into(out, result, name)

    function.__name__ = function.__qualname__ = name
    function.__doc__ = fn.__doc__ or f"Same as Tensor.{name}."
    function.__wrapped__ = fn
    return function


def _into(out, result, name):
    """``out=``: the result written into ``out`` (a tensor, or a tuple for ops with several results), resized
    to the result's shape (with PyTorch's warning when out had elements), cast to out's dtype where that is a
    safe cast; as in PyTorch, not differentiable: refused when a gradient would be needed."""
    if isinstance(result, tuple):
        if not isinstance(out, (tuple, list)) or len(out) != len(result):
            raise TypeError(f"{name}(): out= must be a tuple of {len(result)} tensors for this op, got {out!r}")
        for o, r in zip(out, result):
            _into(o, r, name)
        return type(result)(*out) if hasattr(result, "_fields") else tuple(out)
    if not isinstance(out, Tensor):
        raise TypeError(f"{name}(): argument 'out' must be Tensor, not {type(out).__name__}")
    if is_grad_enabled() and (result.requires_grad or out.requires_grad):
        raise RuntimeError(f"{name}(): functions with out=... arguments don't support automatic differentiation, "
                           "but one of the arguments requires grad.")
    if not host.can_cast(result.dtype, out.dtype, "same_kind"):
        raise RuntimeError(f"{name}(): result type {result.dtype} can't be cast to the desired output type "
                           f"{out.dtype}")
    if tuple(out.shape) != tuple(result.shape):
        if out.numel():
            warnings.warn(f"{name}(): An output with one or more elements was resized since it had shape "
                          f"{list(out.shape)}, which does not match the required output shape {list(result.shape)}. "
                          "This behavior is deprecated, and in a future PyTorch release outputs will not be resized "
                          "unless they have zero elements. You can explicitly reuse an out tensor t by resizing it, "
                          "inplace, to zero elements with t.resize_(0).", UserWarning, stacklevel=3)
        out.resize_(*result.shape)
    return out.copy_(result)


for _op in OPS.values():
    if _op.function:
        globals()[_op.name] = _free(_op.fn, _op.name, bool(_op.method))
        __all__.append(_op.name)


# torch's in-place free functions (torch.sin_(x) is x.sin_()): the ones PyTorch publishes at the top level
INPLACE = (
    "abs_ acos_ acosh_ arccos_ arccosh_ arcsin_ arcsinh_ arctan_ arctanh_ asin_ asinh_ atan_ atanh_ ceil_ clamp_ "
    "clamp_max_ clamp_min_ clip_ cos_ cosh_ deg2rad_ detach_ erf_ erfc_ exp2_ exp_ expm1_ fill_ fix_ floor_ frac_ "
    "log10_ log1p_ log2_ log_ logit_ nan_to_num_ neg_ negative_ rad2deg_ reciprocal_ relu_ round_ rsqrt_ sigmoid_ "
    "sin_ sinc_ sinh_ sqrt_ square_ tan_ tanh_ trunc_ xlogy_ zero_").split()


def _inplace(name):
    def function(input, *args, **kwargs):
        if not isinstance(input, Variable):
            raise TypeError(f"{name}(): argument 'input' must be a Tensor, not {type(input).__name__} (an in-place "
                            "function changes its tensor)")
        return getattr(input, name)(*args, **kwargs)

    function.__name__ = function.__qualname__ = name
    function.__doc__ = f"Same as Tensor.{name}: changes ``input`` in place and returns it."
    return function


for _name in INPLACE:
    globals()[_name] = _inplace(_name)
    __all__.append(_name)
