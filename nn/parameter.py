"""Parameter: a Tensor that a Module registers as learnable when assigned as an attribute."""
from autograd.backend import by_input, host

import autograd as ag
from autograd import Tensor


class Parameter(Tensor):
    """``nn.Parameter(tensor, requires_grad=True)``: shares ``tensor``'s storage, requires grad.

    Ops on a Parameter return plain Tensors (as in PyTorch); only the leaf is a Parameter.
    """

    def __init__(self, data=None, requires_grad=True):
        if data is None:
            data = by_input.empty((0,), dtype=ag.get_default_dtype())
        data = data if isinstance(data, Tensor) else ag.tensor(data)
        if requires_grad and data.dtype.kind != "f":
            raise RuntimeError(f"Parameter: only floating-point tensors can require gradients, got dtype "
                               f"{data.dtype}; convert with .float() or pass requires_grad=False")
        super().__init__(data)  # an alias: the same storage and version counter as ``data``
        self.requires_grad = requires_grad

    def __class_getitem__(cls, item):
        return cls

    def __repr__(self):
        return "Parameter containing:\n" + super().__repr__()

    __str__ = __repr__

    def __reduce_ex__(self, protocol):  # copy.deepcopy / pickle keep the class and the flag
        return (Parameter, (self.detach().clone(), self.requires_grad))

    def __deepcopy__(self, memo):
        if id(self) in memo:
            return memo[id(self)]
        p = Parameter(self.detach().clone(), self.requires_grad)
        if self.grad is not None:
            p.grad = self.grad.detach().clone()
        memo[id(self)] = p
        return p
