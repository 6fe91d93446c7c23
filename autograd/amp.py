"""torch.amp's names: ``autocast`` and ``GradScaler``, so that training scripts written for mixed
precision run here unchanged.

    scaler = ag.amp.GradScaler("cpu")               # or torch.cuda.amp.GradScaler(enabled=use_amp)
    with ag.autocast(device_type="cpu", enabled=False):
        loss = loss_fn(model(x), y)
    scaler.scale(loss).backward()                   # the loss times the scale (2**16 at first)
    scaler.unscale_(optimizer)                      # optional: the true gradients, e.g. to clip them
    scaler.step(optimizer)                          # unscales if not done; skips the step on inf/nan
    scaler.update()                                 # halves the scale after a skip, doubles it after
                                                    # growth_interval steps without one

``GradScaler`` is PyTorch's algorithm, number for number: the scale is a float32 scalar, gradients
are multiplied by float32(1 / float64(scale)), a gradient with an inf or nan anywhere skips that
optimizer's step, and ``update`` multiplies the scale by ``backoff_factor`` after a skip, by
``growth_factor`` after ``growth_interval`` consecutive good steps (if the result is finite). With
``device="cuda"`` (the default) and no CUDA it warns and disables itself, as PyTorch does.

``autocast`` with ``enabled=False`` does nothing, as in PyTorch; so does a dtype PyTorch's CPU
autocast does not support (float32, float64: it warns and disables itself), and so does
``device_type="cuda"`` (``torch.cuda.amp.autocast()``) without CUDA (it warns and disables itself:
a script written for a GPU runs on the CPU in float32, as with PyTorch). Running ops in
float16 or bfloat16 is not provided (numpy has no bfloat16 and no fast float16 matmul), so
``enabled=True`` with those is an error that says so rather than float32 numbers under a
float16 name.
"""
import functools
import math
import warnings

from .backend import host
from .devices import cuda
from .graph import no_grad

__all__ = ["autocast", "GradScaler", "is_autocast_available"]

_AUTOCAST_DEVICES = ("cpu", "cuda", "mps", "xpu", "xla", "hpu", "ipu", "mtia", "maia", "privateuseone")
_LOW_PRECISION = ("float16", "bfloat16", "half")


def is_autocast_available(device_type):
    """Can autocast run ops in lower precision on ``device_type``? Never here."""
    return False


class autocast:
    """torch.autocast(device_type, dtype=None, enabled=True, cache_enabled=None): a context
    manager and decorator. Only its disabled forms run (see the module's docstring)."""

    def __init__(self, device_type, dtype=None, enabled=True, cache_enabled=None):
        if not isinstance(device_type, str):
            raise ValueError(f"Expected `device_type` of type `str`, got: `{type(device_type)}`")
        if device_type not in _AUTOCAST_DEVICES:
            raise RuntimeError(f"User specified an unsupported autocast device_type '{device_type}'")
        self.device_type, self.fast_dtype, self._enabled = device_type, dtype, bool(enabled)
        if self._enabled and device_type == "cuda" and not cuda.is_available():
            warnings.warn("CUDA is not available or torch_xla is imported. Disabling autocast.", stacklevel=2)
            self._enabled = False
        if self._enabled and dtype is not None and _dtype_name(dtype) not in _LOW_PRECISION:
            warnings.warn(f"In {device_type.upper()} autocast, but the target dtype is not supported. Disabling "
                          "autocast.\n" + (f"{device_type.upper()} Autocast only supports dtypes of "
                                           "torch.bfloat16, torch.float16 currently."), stacklevel=2)
            self._enabled = False
        if self._enabled:
            wanted = _dtype_name(dtype) if dtype is not None else ("bfloat16" if device_type == "cpu" else "float16")
            raise RuntimeError(
                f"autocast(device_type={device_type!r}, enabled=True): running ops in {wanted} (mixed precision) is "
                "not provided: this framework computes in float32 and float64 (numpy has no bfloat16 and no fast "
                "float16 matmul). Pass enabled=False (the numbers are then float32's, as without autocast) or "
                "leave autocast out.")

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def __call__(self, func):
        @functools.wraps(func)
        def decorated(*args, **kwargs):
            with autocast(self.device_type, self.fast_dtype, self._enabled):
                return func(*args, **kwargs)
        return decorated


def _dtype_name(dtype):
    name = getattr(dtype, "name", None) or str(dtype)
    return name.replace("torch.", "")


class GradScaler:
    """torch.amp.GradScaler(device="cuda", init_scale=2.**16, growth_factor=2.0, backoff_factor=0.5,
    growth_interval=2000, enabled=True)."""

    def __init__(self, device="cuda", init_scale=2.0 ** 16, growth_factor=2.0, backoff_factor=0.5,
                 growth_interval=2000, enabled=True):
        self._device, self._enabled = device, bool(enabled)
        if device == "cuda" and self._enabled and not cuda.is_available():
            warnings.warn("torch.cuda.amp.GradScaler is enabled, but CUDA is not available.  Disabling.", stacklevel=2)
            self._enabled = False
        if self._enabled:
            if growth_factor <= 1.0:
                raise AssertionError("The growth factor must be > 1.0.")
            if backoff_factor >= 1.0:
                raise AssertionError("The backoff factor must be < 1.0.")
        self._scale = host.float32(init_scale)  # PyTorch keeps it in a float32 tensor
        self._growth_factor, self._backoff_factor = growth_factor, backoff_factor
        self._growth_interval, self._growth_tracker = growth_interval, 0
        self._stages = {}  # id(optimizer) -> [stage, found_inf] since the last update()

    def is_enabled(self):
        return self._enabled

    # ------------------------------------------------------------------ the iteration

    def scale(self, outputs):
        """``outputs`` (a tensor, or nested lists/tuples of them) times the scale; unchanged when disabled."""
        if not self._enabled:
            return outputs
        from .tensor import Tensor

        if isinstance(outputs, Tensor):
            return outputs * self._scale_tensor(outputs)
        if isinstance(outputs, (list, tuple)):
            return type(outputs)(self.scale(o) for o in outputs)
        if hasattr(outputs, "__iter__"):
            return map(self.scale, outputs)
        raise ValueError("outputs must be a Tensor or an iterable of Tensors")

    def _scale_tensor(self, like):
        from .creation import tensor

        return tensor(self._scale, dtype=host.float32, device=like.device)

    def unscale_(self, optimizer):
        """Divide the gradients of ``optimizer``'s parameters by the scale, in place, noting any inf or nan."""
        if not self._enabled:
            return
        state = self._stages.setdefault(id(optimizer), ["ready", None])
        if state[0] == "unscaled":
            raise RuntimeError("unscale_() has already been called on this optimizer since the last update().")
        if state[0] == "stepped":
            raise RuntimeError("unscale_() is being called after step().")
        inv_scale = host.float32(1.0 / float(self._scale))  # (float32 of the float64 reciprocal, as PyTorch)
        found_inf = False
        with no_grad():
            for group in optimizer.param_groups:
                for p in group["params"]:
                    g = p.grad
                    if g is None:
                        continue
                    if g.dtype == host.float16:
                        raise ValueError("Attempting to unscale FP16 gradients.")
                    if not bool(g._xp.isfinite(g._data).all()):
                        found_inf = True
                    g.mul_(inv_scale)
        state[0], state[1] = "unscaled", found_inf

    def step(self, optimizer, *args, **kwargs):
        """``unscale_(optimizer)`` unless done, then ``optimizer.step()`` unless a gradient had an inf
        or nan; returns what the step returned (None when skipped)."""
        if not self._enabled:
            return optimizer.step(*args, **kwargs)
        if "closure" in kwargs:
            raise RuntimeError("Closure use is not currently supported if GradScaler is enabled.")
        state = self._stages.setdefault(id(optimizer), ["ready", None])
        if state[0] == "stepped":
            raise RuntimeError("step() has already been called since the last update().")
        if state[0] == "ready":
            self.unscale_(optimizer)
        result = None if state[1] else optimizer.step(*args, **kwargs)
        state[0] = "stepped"
        return result

    def update(self, new_scale=None):
        """The end of the iteration: a new scale (``new_scale``, or backed off / grown), a fresh start."""
        if not self._enabled:
            return
        if new_scale is not None:
            from .tensor import Tensor

            if isinstance(new_scale, Tensor):
                if new_scale.numel() != 1 or new_scale.requires_grad:
                    raise AssertionError("new_scale should be a float or a 1-element torch.FloatTensor with "
                                         "requires_grad=False.")
                new_scale = new_scale.item()
            self._scale = host.float32(new_scale)
        else:
            if not self._stages:
                raise AssertionError("No inf checks were recorded prior to update.")
            # (PyTorch's kernel: the float32 scale times the float64 factor, rounded to float32)
            if any(found for _, found in self._stages.values()):
                self._scale = host.float32(float(self._scale) * self._backoff_factor)
                self._growth_tracker = 0
            else:
                self._growth_tracker += 1
                if self._growth_tracker == self._growth_interval:
                    grown = host.float32(float(self._scale) * self._growth_factor)
                    if math.isfinite(grown):
                        self._scale = grown
                    self._growth_tracker = 0
        self._stages = {}

    # ------------------------------------------------------------------ settings and state

    def get_scale(self):
        return float(self._scale) if self._enabled else 1.0

    def get_growth_factor(self):
        return self._growth_factor

    def set_growth_factor(self, new_factor):
        self._growth_factor = new_factor

    def get_backoff_factor(self):
        return self._backoff_factor

    def set_backoff_factor(self, new_factor):
        self._backoff_factor = new_factor

    def get_growth_interval(self):
        return self._growth_interval

    def set_growth_interval(self, new_interval):
        self._growth_interval = new_interval

    def _get_growth_tracker(self):
        return self._growth_tracker if self._enabled else 0

    def state_dict(self):
        if not self._enabled:
            return {}
        return {"scale": self.get_scale(), "growth_factor": self._growth_factor, "backoff_factor": self._backoff_factor,
                "growth_interval": self._growth_interval, "_growth_tracker": self._growth_tracker}

    def load_state_dict(self, state_dict):
        if not self._enabled:
            return
        if len(state_dict) == 0:
            raise RuntimeError("The source state dict is empty, possibly because it was saved from a disabled "
                               "instance of GradScaler.")
        self._scale = host.float32(state_dict["scale"])
        self._growth_factor = state_dict["growth_factor"]
        self._backoff_factor = state_dict["backoff_factor"]
        self._growth_interval = state_dict["growth_interval"]
        self._growth_tracker = state_dict["_growth_tracker"]


class _CudaAmp:
    """``ag.cuda.amp``: PyTorch's deprecated spellings, which warn as PyTorch's do."""

    @staticmethod
    def GradScaler(init_scale=2.0 ** 16, growth_factor=2.0, backoff_factor=0.5, growth_interval=2000, enabled=True):
        warnings.warn("`torch.cuda.amp.GradScaler(args...)` is deprecated. Please use "
                      "`torch.amp.GradScaler('cuda', args...)` instead.", FutureWarning, stacklevel=2)
        return GradScaler("cuda", init_scale, growth_factor, backoff_factor, growth_interval, enabled)

    @staticmethod
    def autocast(enabled=True, dtype="float16", cache_enabled=True):
        warnings.warn("`torch.cuda.amp.autocast(args...)` is deprecated. Please use "
                      "`torch.amp.autocast('cuda', args...)` instead.", FutureWarning, stacklevel=2)
        return autocast("cuda", dtype, enabled, cache_enabled)
