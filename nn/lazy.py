"""Lazy modules (PyTorch's ``nn.LazyLinear``, ``nn.LazyConv2d``, ``nn.LazyBatchNorm2d``...): the input size is
left out and read from the first input.

    net = nn.Sequential(nn.LazyConv2d(6, 5), nn.ReLU(), nn.Flatten(), nn.LazyLinear(10))
    net(torch.zeros(1, 1, 28, 28))        # the first forward sizes (and initialises) every layer
    net[3]                                # Linear(in_features=3456, out_features=10, bias=True)

Until then the weights are ``UninitializedParameter``s (no shape, no values). The first forward gives them
their shapes in place, draws their initial values as the eager layer would (``reset_parameters``), and turns
the module into that layer (a LazyLinear becomes a Linear), so an optimizer made before the first forward
keeps the same parameter objects. A state dict saved from an initialised model loads into a lazy one
(the parameters take the saved shapes). As in PyTorch, the draws happen at the first forward, so the
random numbers come in the order the layers are first called."""
from autograd import no_grad

from .conv import Conv1d, Conv2d, Conv3d, ConvTranspose1d, ConvTranspose2d, ConvTranspose3d
from .layers import Linear
from .normalization import BatchNorm1d, BatchNorm2d, BatchNorm3d, InstanceNorm1d, InstanceNorm2d, InstanceNorm3d
from .parameter import UninitializedBuffer, UninitializedParameter, is_lazy


class LazyModuleMixin:
    """What makes a layer lazy: a forward pre-hook that reads the sizes from the first input
    (``initialize_parameters``), then becomes ``cls_to_become``. Put it first in the bases."""

    cls_to_become = None

    def _lazy_start(self):
        """Called at the end of a lazy layer's __init__: the first forward sizes it."""
        self._initialize_hook = self.register_forward_pre_hook(_infer_parameters)

    def has_uninitialized_params(self):
        """Does a parameter or buffer of this module still wait for its shape?"""
        return any(is_lazy(t) for t in (*self._parameters.values(), *self._buffers.values()))

    def initialize_parameters(self, *args, **kwargs):
        raise NotImplementedError(f"initialize_parameters is not implemented for {type(self).__name__}")

    def reset_parameters(self):
        """The eager layer's initialisation, once every shape is known (nothing to draw before)."""
        if not self.__dict__.get("_lazy_placeholder") and not self.has_uninitialized_params():
            super().reset_parameters()

    def _materialize(self, shapes):
        """Give each (name -> shape) parameter or buffer its shape, then its initial values."""
        with no_grad():
            for name, shape in shapes.items():
                tensor = getattr(self, name)
                if tensor is not None and is_lazy(tensor):
                    tensor.materialize(shape)
            self.reset_parameters()


def _infer_parameters(module, args):
    """The forward pre-hook of a lazy module: size it from ``args``, then turn it into its eager class."""
    module.initialize_parameters(*args)
    if module.has_uninitialized_params():
        raise RuntimeError(f"module {module._get_name()} has not been fully initialized")
    module._initialize_hook.remove()
    del module.__dict__["_initialize_hook"]
    if module.cls_to_become is not None:
        module.__class__ = module.cls_to_become


def _placeholder_init(module, init, *args, **kwargs):
    """Run the eager layer's __init__ (its checks, its attributes) with placeholder sizes and without drawing
    initial values (reset_parameters waits while ``_lazy_placeholder`` is set)."""
    module.__dict__["_lazy_placeholder"] = True
    try:
        init(module, *args, **kwargs)
    finally:
        del module.__dict__["_lazy_placeholder"]


def _uninitialized(module, names, buffers=()):
    """Replace the named parameters (and buffers) by uninitialized ones of the same dtype and device."""
    for registry, keys, kind in ((module._parameters, names, UninitializedParameter),
                                 (module._buffers, buffers, UninitializedBuffer)):
        for name in keys:
            if registry.get(name) is not None:
                registry[name] = kind(device=registry[name].device, dtype=registry[name].dtype)


class LazyLinear(LazyModuleMixin, Linear):
    """``nn.Linear`` whose ``in_features`` is the last dim of its first input."""

    cls_to_become = Linear

    def __init__(self, out_features, bias=True, device=None, dtype=None):
        _placeholder_init(self, Linear.__init__, 1, out_features, bias, device, dtype)
        _uninitialized(self, ("weight", "bias"))
        self.in_features = 0
        self._lazy_start()

    def initialize_parameters(self, input):
        if not self.has_uninitialized_params():  # loaded from a state dict: the weight has the size
            self.in_features = self.weight.shape[1]
            return
        self.in_features = input.shape[-1]
        self._materialize({"weight": (self.out_features, self.in_features), "bias": (self.out_features,)})


class _LazyConvNd(LazyModuleMixin):
    """A convolution whose ``in_channels`` is dim 1 of its first input (dim 0 when unbatched)."""

    def _lazy_conv_init(self, out_channels, kernel_size, *args, bias=True, device=None, dtype=None, **kwargs):
        groups = kwargs.get("groups", 1)
        _placeholder_init(self, self.cls_to_become.__init__, groups, out_channels, kernel_size, *args,
                          bias=bias, device=device, dtype=dtype, **kwargs)
        _uninitialized(self, ("weight", "bias"))
        self.in_channels = 0
        self._lazy_start()

    def initialize_parameters(self, input, *args):
        if not self.has_uninitialized_params():  # loaded from a state dict: the weight has the size
            shape = self.weight.shape
            self.in_channels = shape[0] if self._transposed else shape[1] * self.groups
            return
        n = self._n
        if input.ndim not in (n + 1, n + 2):
            raise RuntimeError(f"Expected {n + 1}D (unbatched) or {n + 2}D (batched) input to {type(self).__name__}, "
                               f"but got input of size: {tuple(input.shape)}")
        self.in_channels = input.shape[1] if input.ndim == n + 2 else input.shape[0]
        if self.in_channels % self.groups:
            raise ValueError(f"{type(self).__name__}: in_channels ({self.in_channels}, from the input) must be "
                             f"divisible by groups ({self.groups})")
        if self._transposed:
            shape = (self.in_channels, self.out_channels // self.groups) + self.kernel_size
        else:
            shape = (self.out_channels, self.in_channels // self.groups) + self.kernel_size
        self._materialize({"weight": shape, "bias": (self.out_channels,)})


class LazyConv1d(_LazyConvNd, Conv1d):
    cls_to_become = Conv1d

    def __init__(self, out_channels, kernel_size, stride=1, padding=0, dilation=1, groups=1, bias=True,
                 padding_mode="zeros", device=None, dtype=None):
        self._lazy_conv_init(out_channels, kernel_size, stride, padding, dilation, groups=groups, bias=bias,
                             padding_mode=padding_mode, device=device, dtype=dtype)


class LazyConv2d(_LazyConvNd, Conv2d):
    cls_to_become = Conv2d
    __init__ = LazyConv1d.__init__


class LazyConv3d(_LazyConvNd, Conv3d):
    cls_to_become = Conv3d
    __init__ = LazyConv1d.__init__


class LazyConvTranspose1d(_LazyConvNd, ConvTranspose1d):
    cls_to_become = ConvTranspose1d

    def __init__(self, out_channels, kernel_size, stride=1, padding=0, output_padding=0, groups=1, bias=True,
                 dilation=1, padding_mode="zeros", device=None, dtype=None):
        self._lazy_conv_init(out_channels, kernel_size, stride, padding, output_padding, groups=groups, bias=bias,
                             dilation=dilation, padding_mode=padding_mode, device=device, dtype=dtype)


class LazyConvTranspose2d(_LazyConvNd, ConvTranspose2d):
    cls_to_become = ConvTranspose2d
    __init__ = LazyConvTranspose1d.__init__


class LazyConvTranspose3d(_LazyConvNd, ConvTranspose3d):
    cls_to_become = ConvTranspose3d
    __init__ = LazyConvTranspose1d.__init__


class _LazyNormBase(LazyModuleMixin):
    """A batch or instance norm whose ``num_features`` is dim 1 of its first input. As PyTorch's, the lazy
    instance norms default to affine=True and track_running_stats=True (the eager ones to False)."""

    def __init__(self, eps=1e-5, momentum=0.1, affine=True, track_running_stats=True, device=None, dtype=None, *,
                 bias=True):
        _placeholder_init(self, self.cls_to_become.__init__, 1, eps, momentum, affine, track_running_stats,
                          device, dtype, bias=bias)
        _uninitialized(self, ("weight", "bias"), buffers=("running_mean", "running_var"))
        self.num_features = 0
        self._lazy_start()

    def initialize_parameters(self, input):
        if not self.has_uninitialized_params():  # loaded from a state dict: the statistics have the size
            sized = [t for t in (self.weight, self.running_mean) if t is not None]
            self.num_features = sized[0].shape[0] if sized else input.shape[1]  # (nothing to size: the input's C)
            return
        self.num_features = input.shape[1]
        c = (self.num_features,)
        self._materialize({"weight": c, "bias": c, "running_mean": c, "running_var": c})


class LazyBatchNorm1d(_LazyNormBase, BatchNorm1d):
    cls_to_become = BatchNorm1d


class LazyBatchNorm2d(_LazyNormBase, BatchNorm2d):
    cls_to_become = BatchNorm2d


class LazyBatchNorm3d(_LazyNormBase, BatchNorm3d):
    cls_to_become = BatchNorm3d


class LazyInstanceNorm1d(_LazyNormBase, InstanceNorm1d):
    cls_to_become = InstanceNorm1d


class LazyInstanceNorm2d(_LazyNormBase, InstanceNorm2d):
    cls_to_become = InstanceNorm2d


class LazyInstanceNorm3d(_LazyNormBase, InstanceNorm3d):
    cls_to_become = InstanceNorm3d
