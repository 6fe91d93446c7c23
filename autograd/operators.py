"""The operators Tensor and Value share: each is one Function of ops_math, so the scalar
engine and the tensor engine run the very same forward and backward code."""
from . import ops_math as M


class Operators:
    """``+ - * / **``, unary minus, and the elementwise functions both engines offer."""

    __slots__ = ()

    def __add__(self, other): return M.Add.apply(self, other)
    def __radd__(self, other): return M.Add.apply(other, self)
    def __sub__(self, other): return M.Sub.apply(self, other)
    def __rsub__(self, other): return M.Sub.apply(other, self)
    def __mul__(self, other): return M.Mul.apply(self, other)
    def __rmul__(self, other): return M.Mul.apply(other, self)
    def __truediv__(self, other): return M.Div.apply(self, other)
    def __rtruediv__(self, other): return M.Div.apply(other, self)
    def __pow__(self, other): return M.Pow.apply(self, other)
    def __rpow__(self, other): return M.Pow.apply(other, self)
    def __neg__(self): return M.Neg.apply(self)

    def exp(self): return M.Exp.apply(self)
    def log(self): return M.Log.apply(self)
    def tanh(self): return M.Tanh.apply(self)
    def sigmoid(self): return M.Sigmoid.apply(self)
    def relu(self): return M.Relu.apply(self)
