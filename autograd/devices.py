"""Devices, as PyTorch names them: ``ag.device("cpu")``, ``device=`` arguments, ``t.to(device)``.

A device type works when backend.py has an array library for it: "cpu" (numpy) always, "cuda"
(CuPy) when CuPy is installed and sees a GPU, and any type a test registers (tests/fake_device.py).
Any other device PyTorch knows ("mps", "xla", ...) can be named, as in PyTorch, but using it
raises an error naming it. This module is the one place that decides: creation functions,
``Tensor.to`` and ``nn.Module.to`` ask ``check`` and ``parse_to``.
"""
from . import backend as _backend
from .graph import Variable

__all__ = ["device", "CPU", "check", "parse_to", "get_default_device", "set_default_device", "cuda", "accelerator",
           "backends"]

# the device types torch.device accepts (torch 2.13), so that a name PyTorch knows is not a typo here
_TYPES = ("cpu", "cuda", "ipu", "xpu", "mkldnn", "opengl", "opencl", "ideep", "hip", "ve", "fpga", "maia",
          "xla", "lazy", "vulkan", "mps", "meta", "hpu", "mtia", "privateuseone")


class device:
    """``device("cpu")``, ``device("cuda:0")``, ``device("cuda", 0)``: a device's type and index.
    Naming a device is always allowed; putting a tensor there needs it to exist (only "cpu")."""

    __slots__ = ("type", "index")

    def __init__(self, type, index=None):
        if isinstance(type, device):
            type, index = type.type, type.index if index is None else index
        elif isinstance(type, int) and not isinstance(type, bool):  # torch: a bare index means CUDA
            type, index = "cuda", type
        elif not isinstance(type, str):
            raise TypeError(f"device: expected a string, a device or an int, got {type.__class__.__name__}")
        elif ":" in type:
            type, _, number = type.partition(":")
            if index is not None:
                raise RuntimeError(f"device: type {type!r} with an index in the string can't take index={index}")
            if not number.isdigit():
                raise RuntimeError(f"device: invalid device string {type + ':' + number!r}: the index must be a "
                                   "non-negative integer, as in 'cuda:0'")
            index = int(number)
        if type not in _TYPES and _backend.backend_for(type) is None:
            raise RuntimeError(f"device: expected one of {', '.join(_TYPES)} device type at start of device "
                               f"string: {type}")
        if index is not None and index < 0:
            raise RuntimeError(f"device: device index must be -1 or non-negative, got {index}")
        object.__setattr__(self, "type", type)
        object.__setattr__(self, "index", index)

    def __setattr__(self, name, value):
        raise AttributeError("device: a device is immutable")

    def __eq__(self, other):
        return isinstance(other, device) and (self.type, self.index) == (other.type, other.index)

    def __hash__(self):
        return hash((self.type, self.index))

    def __str__(self):
        return self.type if self.index is None else f"{self.type}:{self.index}"

    def __repr__(self):
        return f"device(type={self.type!r})" if self.index is None else \
            f"device(type={self.type!r}, index={self.index})"

    def __reduce__(self):
        return device, (self.type, self.index)

    def __enter__(self):
        """``with torch.device("cpu"):``: factory calls without a ``device=`` make their tensors here (a
        module built inside puts its parameters here) until the block ends, as set_default_device does."""
        where = check(self, f"with device({str(self)!r})")
        _entered.append(_default[0])
        _default[0] = where
        return self

    def __exit__(self, *exc):
        _default[0] = _entered.pop()
        return False


CPU = device("cpu")


_default = [CPU]
_entered = []  # the default devices that `with device(...)` blocks replaced, innermost last


def check(where, op):
    """``where`` (None, a device or a name) as a device, when tensors can live there; else an
    error naming ``op`` and the device. None means the default device (the CPU unless
    set_default_device said otherwise)."""
    if where is None:
        return _default[0]
    dev = where if isinstance(where, device) else device(where)
    if dev.type == "cpu":
        if dev.index not in (None, 0):
            raise RuntimeError(f"{op}: device {str(dev)!r} does not exist: there is one CPU device, 'cpu' "
                               "(or 'cpu:0')")
        return dev
    found = _backend.backend_for(dev.type)
    if found is None:
        if dev.type == "cuda":
            raise RuntimeError(
                f"{op}: device {str(dev)!r} is not available: CUDA tensors need CuPy and an NVIDIA GPU "
                f"({_backend.cuda_unavailable_reason()}). Install the extra that matches your CUDA runtime "
                "(pip install 'seegrad[gpu]' for CUDA 12, 'seegrad[gpu-cuda13]' for CUDA 13), or use "
                "device='cpu'; a script written for both can pick it with "
                "'cuda' if ag.cuda.is_available() else 'cpu'")
        raise RuntimeError(
            f"{op}: device {str(dev)!r} is not available: this build stores tensors in numpy on the CPU, or "
            "in CuPy on 'cuda'. Use device='cpu' (or leave device= out)")
    count = found.device_count()
    if dev.index is not None and dev.index >= count:
        raise RuntimeError(f"{op}: device {str(dev)!r} does not exist: there {'is' if count == 1 else 'are'} "
                           f"{count} {dev.type} device{'' if count == 1 else 's'} (indices 0 to {count - 1})")
    return dev


def same(a, b):
    """Are devices ``a`` and ``b`` the same place ("cuda" is "cuda:0", "cpu" is "cpu:0")?"""
    return a.type == b.type and (a.index or 0) == (b.index or 0)


def backend_of_device(dev):
    """The Backend (backend.py) holding tensors of device ``dev`` (checked already)."""
    return _backend.CPU_BACKEND if dev.type == "cpu" else _backend.backend_for(dev.type)


def of_array(array):
    """The device an array lives on (numpy: the CPU; CuPy: cuda:N)."""
    found = _backend.backend_of(array)
    if found is _backend.CPU_BACKEND:
        return CPU
    return device(found.name, found.index_of(array))


def place(array, dev):
    """``array`` moved to device ``dev`` (checked), or itself when it is there already."""
    if dev.type == "cpu" and type(array) is _backend.host.ndarray:
        return array
    return _backend.to_backend(array, backend_of_device(dev), dev.index)


def get_default_device():
    """Where new tensors go: the CPU, unless set_default_device chose another device."""
    return _default[0]


def set_default_device(where):
    """torch.set_default_device: new tensors go to ``where`` (None: back to the CPU)."""
    _default[0] = CPU if where is None else check(where, "set_default_device")


def _is_device(x):
    if isinstance(x, device) or (isinstance(x, int) and not isinstance(x, bool)):
        return True
    if not isinstance(x, str):
        return False
    kind = x.partition(":")[0]
    return kind in _TYPES or (kind != "cuda" and _backend.backend_for(kind) is not None)


def parse_to(op, args, kwargs):
    """The arguments of ``Tensor.to`` / ``Module.to`` as PyTorch reads them, as (dtype or None,
    copy, device or None): ``to(dtype)``, ``to(device)``, ``to(device, dtype)``, ``to(tensor)`` (its dtype and
    device), with ``dtype=``, ``device=``, ``non_blocking=``, ``copy=``, ``memory_format=``.
    The device is checked (``check``)."""
    dtype, where = kwargs.pop("dtype", None), kwargs.pop("device", None)
    copy = bool(kwargs.pop("copy", False))
    kwargs.pop("non_blocking", None)
    kwargs.pop("memory_format", None)
    if kwargs:
        raise TypeError(f"{op}: unexpected keyword argument {next(iter(kwargs))!r}")
    positional = list(args)
    if len(positional) > 3:
        raise TypeError(f"{op}: expected at most (device, dtype, non_blocking), got {len(positional)} arguments")
    for a in positional:
        if isinstance(a, Variable):  # to(other): other's dtype and device
            dtype, where = a.dtype, a.device
        elif isinstance(a, bool):  # to(dtype, non_blocking)
            continue
        elif _is_device(a):
            where = a
        elif a is not None:
            dtype = a
    where = None if where is None else check(where, op)
    return (None if dtype is None else _backend.host.dtype(dtype)), copy, where


class _Cuda:
    """``ag.cuda``: what scripts ask before choosing a device. CUDA is there when CuPy imports
    and sees a GPU (the ``gpu`` extra)."""

    @staticmethod
    def is_available():
        return _backend.backend_for("cuda") is not None

    @staticmethod
    def device_count():
        found = _backend.backend_for("cuda")
        return 0 if found is None else found.device_count()

    @staticmethod
    def manual_seed(seed):
        """Seed the CUDA generator (ag.manual_seed seeds it and the CPU's); nothing without CUDA."""
        from .random import seed_device
        seed_device("cuda", seed)

    manual_seed_all = manual_seed

    @staticmethod
    def synchronize(device=None):
        """Wait for the GPU's queued work (for timing); nothing to wait for without CUDA."""
        found = _backend.backend_for("cuda")
        if found is not None:
            found.xp.cuda.runtime.deviceSynchronize()

    @staticmethod
    def current_device():
        found = _backend.backend_for("cuda")
        if found is None:
            raise RuntimeError("cuda.current_device: CUDA is not available (ag.cuda.is_available() is False)")
        return found.xp.cuda.runtime.getDevice()

    @staticmethod
    def is_bf16_supported():
        return False

    @property
    def amp(self):
        """torch.cuda.amp's deprecated GradScaler and autocast (autograd/amp.py)."""
        from .amp import _CudaAmp  # noqa: PLC0415  (amp.py imports this module)

        return _CudaAmp


class _Accelerator:
    """``ag.accelerator`` (torch.accelerator): CUDA when it is available."""

    @staticmethod
    def is_available():
        return cuda.is_available()

    @staticmethod
    def current_accelerator(check_available=False):
        return device("cuda") if cuda.is_available() else None

    @staticmethod
    def device_count():
        return cuda.device_count()


class _Flags:
    """A settable flag set (torch.backends.cudnn.benchmark = True changes nothing on the CPU)."""

    def __init__(self, **flags):
        self.__dict__.update(flags)

    def is_available(self):
        return self is backends.cudnn and cuda.is_available()


class _CudaBackend(_Flags):
    """``ag.backends.cuda``: cuBLAS's precision flags (``torch.backends.cuda.matmul.allow_tf32 = True``, as nanoGPT
    sets it: no effect here, where matmuls run in the tensors' own dtype) and is_built()."""

    def __init__(self):
        super().__init__(matmul=_Flags(allow_tf32=False, allow_fp16_reduced_precision_reduction=True,
                                       allow_bf16_reduced_precision_reduction=True))

    def is_built(self):
        return cuda.is_available()


class _Backends:
    """``ag.backends``: cudnn's and cuBLAS's flags (no effect here) and mps.is_available(), as scripts set and
    ask them."""

    def __init__(self):
        self.cudnn = _Flags(enabled=True, benchmark=False, deterministic=False, allow_tf32=True)
        self.cuda = _CudaBackend()
        self.mps = _Flags()


cuda = _Cuda()
accelerator = _Accelerator()
backends = _Backends()
