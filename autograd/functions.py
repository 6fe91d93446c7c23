"""The ``ag.*`` functions: every op registered with ``function=True`` (ops/), as a free function.

``ag.exp(x)`` is ``x.exp()``; the first argument may also be a number, a list or a numpy
array, which becomes a tensor first. Functions registered without a method (``ag.cat``,
``ag.where``, ``ag.stack``) are published as they are.
"""
from .function import OPS
from .graph import Variable
from .ops.args import as_tensor
from .outputs import refuse_grad, write_out

__all__ = []


def _free(fn, name):
    def function(input, *args, out=None, **kwargs):
        if out is not None:  # torch.matmul(a, b, out=c): the result written into c, which is returned
            refuse_grad(name, (input, *args), out)
            return write_out(name, function(input, *args, **kwargs), out)
        if isinstance(input, Variable):
            return fn(input, *args, **kwargs)
        like = next((a for a in args if isinstance(a, Variable)), None)  # ag.pow(2, x): 2 goes to x's device
        return fn(as_tensor(input, like), *args, **kwargs)

    function.__name__ = function.__qualname__ = name
    function.__doc__ = fn.__doc__ or f"Same as Tensor.{name}."
    function.__wrapped__ = fn
    return function


for _op in OPS.values():
    if _op.function:
        globals()[_op.name] = _free(_op.fn, _op.name) if _op.method else _op.fn
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
