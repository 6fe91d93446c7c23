"""Parameter: a Tensor that a Module registers as learnable when assigned as an attribute."""
import numpy as np

from autograd.tensor import Tensor, tensor


class Parameter(Tensor):
    """``nn.Parameter(tensor, requires_grad=True)``: shares ``tensor``'s storage, requires grad.

    Ops on a Parameter return plain Tensors (as in PyTorch); only the leaf is a Parameter.
    """

    def __init__(self, data=None, requires_grad=True):
        if data is None:
            data = np.empty((0,), dtype=np.float32)
        arr = data._data if isinstance(data, Tensor) else tensor(data)._data
        if requires_grad and arr.dtype.kind != "f":
            raise RuntimeError(f"Parameter: only floating-point tensors can require gradients, got dtype "
                               f"{arr.dtype}; convert with .float() or pass requires_grad=False")
        self._init(arr, None, requires_grad)

    @classmethod
    def _from_op(cls, raw, inputs):  # the result of an op on a Parameter is a plain Tensor
        return Tensor._from_op(raw, inputs)

    def __repr__(self):
        return "Parameter containing:\n" + super().__repr__()

    __str__ = __repr__

    def __reduce_ex__(self, protocol):  # copy.deepcopy / pickle keep the class and the flag
        return (Parameter, (Tensor._make(self._data.copy()), self.requires_grad))

    def __deepcopy__(self, memo):
        if id(self) in memo:
            return memo[id(self)]
        p = Parameter(Tensor._make(self._data.copy()), self.requires_grad)
        if self.grad is not None:
            p.grad = Tensor._make(self.grad._data.copy())
        memo[id(self)] = p
        return p
