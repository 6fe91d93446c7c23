"""The ``ag.*`` functions: every op registered with ``function=True`` (ops/), as a free function.

``ag.exp(x)`` is ``x.exp()``; the first argument may also be a number, a list or a numpy
array, which becomes a tensor first. Functions registered without a method (``ag.cat``,
``ag.where``, ``ag.stack``) are published as they are.
"""
from .function import OPS
from .graph import Variable
from .ops.args import as_tensor

__all__ = []


def _free(fn, name):
    def function(input, *args, **kwargs):
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
