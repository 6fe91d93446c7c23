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


class Buffer(Tensor):
    """``nn.Buffer(tensor, persistent=True)``, PyTorch 2's spelling of register_buffer: assigned as a module
    attribute (``self.running_mean = nn.Buffer(torch.zeros(3))``) it is registered as a buffer, kept out of the
    state dict when ``persistent=False``. It shares ``tensor``'s storage (a detached alias, as PyTorch's)."""

    __slots__ = ("persistent",)

    def __init__(self, data=None, *, persistent=True):
        if data is None:
            data = ag.empty(0)
        if not isinstance(data, Tensor):
            raise TypeError(f"Buffer: expected a Tensor, got {type(data).__name__}")
        super().__init__(data.detach())
        self.requires_grad = data.requires_grad
        self.persistent = bool(persistent)


class UninitializedTensorMixin:
    """A parameter or buffer whose shape is not known yet (a lazy module's, until its first forward):
    it has a dtype and a device but no shape and no values. ``materialize(shape)`` gives it storage in
    place and turns it into a plain Parameter / Tensor, so an optimizer made before that keeps
    working on the same object (PyTorch's design)."""

    __slots__ = ()  # (the same layout as the class it becomes)
    cls_to_become = None

    def materialize(self, shape, device=None, dtype=None):
        """Become a ``cls_to_become`` of ``shape`` (uninitialised values: the module's reset_parameters
        fills them), with this tensor's dtype and device unless given."""
        dtype = self.dtype if dtype is None else dtype
        device = self.device if device is None else device
        with ag.no_grad():
            self.set_(ag.empty(tuple(shape), dtype=dtype, device=device))  # (storage of its own, version bumped)
        self.__class__ = self.cls_to_become

    @property
    def shape(self):
        raise RuntimeError(
            "Can't access the shape of an uninitialized parameter or buffer. This error usually happens in "
            "`load_state_dict` when trying to load an uninitialized parameter into an initialized one. Call "
            "`forward` to initialize the parameters before accessing their attributes.")

    def size(self, dim=None):
        return self.shape  # (raises: no shape yet)

    def numel(self):
        return self.shape  # (raises: no shape yet)

    def share_memory_(self):
        raise RuntimeError(
            "Can't share memory on an uninitialized parameter or buffer. Call `forward` to initialize the "
            "parameters before calling `module.share_memory()`.")

    def __repr__(self):
        return f"<{type(self).__name__}>"

    __str__ = __repr__

    def __reduce_ex__(self, protocol):
        return type(self), (self.requires_grad, None, self.dtype)

    def __deepcopy__(self, memo):
        if id(self) not in memo:
            memo[id(self)] = type(self)(self.requires_grad, None, self.dtype)
        return memo[id(self)]


def is_lazy(tensor):
    """Is ``tensor`` an uninitialized parameter or buffer (a lazy module's, before its first forward)?"""
    return isinstance(tensor, UninitializedTensorMixin)


class UninitializedParameter(UninitializedTensorMixin, Parameter):
    """A Parameter without a shape yet (``nn.LazyLinear``'s weight before its first forward)."""

    __slots__ = ()
    cls_to_become = Parameter

    def __init__(self, requires_grad=True, device=None, dtype=None):
        super().__init__(ag.empty(0, dtype=dtype or ag.get_default_dtype(), device=device), requires_grad)


class UninitializedBuffer(UninitializedTensorMixin, Tensor):
    """A buffer without a shape yet (``nn.LazyBatchNorm2d``'s running statistics before its first forward)."""

    __slots__ = ()
    cls_to_become = Tensor

    def __init__(self, requires_grad=False, device=None, dtype=None):
        super().__init__(ag.empty(0, dtype=dtype or ag.get_default_dtype(), device=device))
        self.requires_grad = requires_grad
