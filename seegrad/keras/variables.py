"""``keras.Variable``: a tensor a program overwrites, as a custom Metric's state (``add_weight``).

    v = keras.Variable(initializer="zeros", shape=(), dtype="float32", trainable=False, name="total")
    v.assign(0.0); v.assign_add(batch_sum); v.assign_sub(1)     # in place, converted to v's dtype
    v.value (an ag.Tensor)   v.numpy()   float(v)   v / other   ops.sqrt(v)

As Keras 3's: ``assign`` converts the value to the variable's dtype and refuses another shape;
``assign_add(x)`` is ``assign(v + x)``; arithmetic and comparisons are ``keras.ops`` on ``v.value``;
``bool(v)`` is an error. A trainable float variable's value requires grad (an optimizer does not
see it: layer weights are ``add_weight``'s Parameters).
"""
import numpy as np

import autograd as ag
import nn

from . import initializers, ops

__all__ = ["Variable", "Weight"]


class Variable:
    """A named tensor that ``assign`` / ``assign_add`` / ``assign_sub`` overwrite in place."""

    def __init__(self, initializer, shape=None, dtype=None, trainable=True, autocast=True, aggregation="none",
                 synchronization="auto", name=None):
        if isinstance(initializer, str) or (callable(initializer) and not isinstance(initializer, ag.Tensor)):
            if shape is None:
                raise ValueError("When creating a Variable from an initializer, the `shape` argument should be "
                                 f"specified. Received: initializer={initializer} and shape={shape}")
            value = ops.convert_to_tensor(initializers.get(initializer)(tuple(shape), dtype=dtype), dtype)
        else:
            value = ops.convert_to_tensor(initializer, dtype)
            if shape is not None and tuple(value.shape) != tuple(shape):
                raise ValueError(f"Initial value has shape {tuple(value.shape)}, while shape={tuple(shape)} was passed")
        value = value.detach().clone()
        self.trainable = bool(trainable)
        if self.trainable and value.dtype.kind == "f":
            value.requires_grad_(True)
        self._value, self.name = value, name or "variable"
        self.path = self.name

    def _keras_variable_value(self):  # what keras.ops takes from a variable
        return self._value

    @property
    def value(self):
        return self._value

    @property
    def shape(self):
        return tuple(self._value.shape)

    @property
    def ndim(self):
        return self._value.ndim

    @property
    def dtype(self):
        return ops.dtype(self._value)

    def numpy(self):
        return np.array(self._value.detach().numpy())

    def assign(self, value):
        """Overwrite the value (converted to this variable's dtype; the shape must match)."""
        value = ops.convert_to_tensor(value, self.dtype)
        if tuple(value.shape) != self.shape:
            raise ValueError("The shape of the target variable and the shape of the target value in "
                             f"`variable.assign(value)` must match. variable.shape={self.shape}, Received: "
                             f"value.shape={tuple(value.shape)}. Target variable: {self}")
        with ag.no_grad():
            self._value.copy_(value)
        return value

    def assign_add(self, value):
        return self.assign(self + value)

    def assign_sub(self, value):
        return self.assign(self - value)

    def __array__(self, dtype=None, copy=None):
        return np.asarray(self._value.detach().numpy(), dtype=dtype)

    def __int__(self):
        if self.ndim:
            raise TypeError(f"Only scalar arrays can be converted to Python scalars. Got: shape={self.shape}")
        return int(self._value.item())

    def __float__(self):
        if self.ndim:
            raise TypeError(f"Only scalar arrays can be converted to Python scalars. Got: shape={self.shape}")
        return float(self._value.item())

    def __bool__(self):
        raise TypeError("A Keras Variable cannot be used as a boolean.")

    def __getitem__(self, index):
        return self._value[index]

    def __neg__(self):
        return -self._value

    def __pos__(self):
        return self._value

    def __abs__(self):
        return ops.abs(self._value)

    def __repr__(self):
        value = np.array2string(self.numpy(), precision=8, separator=", ")
        return f"<Variable path={self.path}, shape={self.shape}, dtype={self.dtype}, value={value}>"


class Weight(nn.Parameter):
    """A layer's weight (``add_weight``): an ``nn.Parameter`` that optimizers train and ``backward`` fills,
    which also answers Keras' variable API, as Keras' torch-backend weights do: ``value`` (the
    Parameter itself, so ``weight.value.grad`` is its gradient), ``path`` ("dense/kernel"), ``assign``,
    ``assign_add``, ``assign_sub`` and ``numpy()``."""

    def __init__(self, data=None, requires_grad=True, path=None):
        super().__init__(data, requires_grad)
        self.path = path

    @property
    def value(self):
        return self

    def numpy(self):
        return np.array(self.detach().numpy())

    def assign(self, value):
        """Overwrite in place (converted to the weight's dtype; the shape must match), as Keras'."""
        value = ops.convert_to_tensor(value, ops.dtype(self))
        if tuple(value.shape) != tuple(self.shape):
            raise ValueError("The shape of the target variable and the shape of the target value in "
                             f"`variable.assign(value)` must match. variable.shape={tuple(self.shape)}, "
                             f"Received: value.shape={tuple(value.shape)}. Target variable: {self.path}")
        with ag.no_grad():
            self.copy_(value)
        return value

    def assign_add(self, value):
        return self.assign(ops.add(self.detach(), value))

    def assign_sub(self, value):
        return self.assign(ops.subtract(self.detach(), value))

    def __reduce_ex__(self, protocol):  # copy.deepcopy / pickle keep the class, the flag and the path
        return (Weight, (self.detach().clone(), self.requires_grad, self.path))

    def __deepcopy__(self, memo):
        if id(self) in memo:
            return memo[id(self)]
        w = Weight(self.detach().clone(), self.requires_grad, self.path)
        if self.grad is not None:
            w.grad = self.grad.detach().clone()
        memo[id(self)] = w
        return w


def _operator(op, reflected=False):
    def method(self, other):
        return op(other, self._value) if reflected else op(self._value, other)
    return method


for _name, _op in (("add", ops.add), ("sub", ops.subtract), ("mul", ops.multiply), ("truediv", ops.divide),
                   ("pow", ops.power), ("matmul", ops.matmul)):
    setattr(Variable, f"__{_name}__", _operator(_op))
    setattr(Variable, f"__r{_name}__", _operator(_op, reflected=True))
for _name, _op in (("eq", ops.equal), ("ne", ops.not_equal), ("lt", ops.less), ("le", ops.less_equal),
                   ("gt", ops.greater), ("ge", ops.greater_equal)):
    setattr(Variable, f"__{_name}__", _operator(_op))
Variable.__hash__ = object.__hash__  # (== is elementwise; a variable is still a dict key by identity)
