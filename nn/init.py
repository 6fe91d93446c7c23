"""nn.init: fill a tensor in place (under no_grad) and return it, with PyTorch's formulas.

    fan_in  = tensor.shape[1] * prod(tensor.shape[2:])     # inputs feeding one output unit
    fan_out = tensor.shape[0] * prod(tensor.shape[2:])
    xavier (Glorot):  std = gain * sqrt(2 / (fan_in + fan_out))
    kaiming (He):     std = gain / sqrt(fan)              # fan = fan_in or fan_out (mode)
    a uniform U(-b, b) with b = sqrt(3) * std has that std.

Random numbers come from ``ag.get_rng()``, so ``ag.manual_seed`` makes them repeatable.
"""
import math
import warnings

from autograd.backend import by_input, host

import autograd as ag
from autograd import Tensor, no_grad


def calculate_gain(nonlinearity, param=None):
    """The factor that keeps activations' variance steady through ``nonlinearity`` (PyTorch's table)."""
    linear_fns = ["linear", "conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d",
                  "conv_transpose3d"]
    if nonlinearity in linear_fns or nonlinearity == "sigmoid":
        return 1
    if nonlinearity == "tanh":
        return 5.0 / 3
    if nonlinearity == "relu":
        return math.sqrt(2.0)
    if nonlinearity == "leaky_relu":
        if param is None:
            negative_slope = 0.01
        elif not isinstance(param, bool) and isinstance(param, (int, float)):
            negative_slope = param
        else:
            raise ValueError(f"calculate_gain: negative_slope {param} is not a valid number")
        return math.sqrt(2.0 / (1 + negative_slope ** 2))
    if nonlinearity == "selu":
        return 3.0 / 4
    raise ValueError(f"calculate_gain: unsupported nonlinearity {nonlinearity!r}")


def _calculate_fan_in_and_fan_out(tensor):
    if tensor.ndim < 2:
        raise ValueError("Fan in and fan out can not be computed for tensor with fewer than 2 dimensions "
                         f"(got shape {tuple(tensor.shape)})")
    receptive = int(by_input.prod(tensor.shape[2:])) if tensor.ndim > 2 else 1
    return tensor.shape[1] * receptive, tensor.shape[0] * receptive


def _calculate_correct_fan(tensor, mode):
    mode = mode.lower()
    if mode not in ("fan_in", "fan_out"):
        raise ValueError(f"Mode {mode} not supported, please use one of fan_in, fan_out")
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    return fan_in if mode == "fan_in" else fan_out


def _fill(tensor, values):
    if not isinstance(tensor, Tensor):
        raise TypeError(f"nn.init: expected a Tensor, got {type(tensor).__name__}")
    with no_grad():
        tensor.copy_(values)
    return tensor


def uniform_(tensor, a=0.0, b=1.0, generator=None):
    """U(a, b)."""
    return _fill(tensor, (generator or ag.get_rng()).uniform(a, b, size=tensor.shape))


def normal_(tensor, mean=0.0, std=1.0, generator=None):
    """N(mean, std^2)."""
    return _fill(tensor, (generator or ag.get_rng()).normal(mean, std, size=tensor.shape))


def trunc_normal_(tensor, mean=0.0, std=1.0, a=-2.0, b=2.0, generator=None):
    """N(mean, std^2) truncated to [a, b] (values, not numbers of std), by PyTorch 2.13's rejection
    sampling: when [a, b] holds more than 30% of the mass, whole-tensor normal draws, each element
    kept once it falls inside; otherwise uniform proposals on [a, b] accepted with probability
    pdf(x) / pdf(mode), which ends however far in a tail the interval lies."""
    if (mean < a - 2 * std) or (mean > b + 2 * std):
        warnings.warn("mean is more than 2 std from [a, b] in nn.init.trunc_normal_. The distribution of values "
                      "may be incorrect.", stacklevel=2)
    rng, shape = generator or ag.get_rng(), tensor.shape
    if _normal_cdf((b - mean) / std) - _normal_cdf((a - mean) / std) > 0.3:
        lo, hi = (float(host.asarray(v, dtype=tensor.dtype)) for v in (a, b))  # the bounds in the tensor's dtype
        out = rng.normal(mean, std, size=shape)
        bad = (out < lo) | (out > hi)
        while bad.any():
            out = by_input.where(bad, rng.normal(mean, std, size=shape), out)
            bad = (out < lo) | (out > hi)
        return _fill(tensor, out)
    log_peak = -0.5 * ((max(a, min(mean, b)) - mean) / std) ** 2  # the log density at the mode in [a, b]

    def rejected(x):  # log(u) > log(pdf(x) / pdf(mode)), u ~ U(0, 1)
        return by_input.log(rng.random(shape)) > -0.5 * ((x - mean) / std) ** 2 - log_peak

    out = rng.uniform(a, b, size=shape)
    pending = rejected(out)
    while pending.any():
        candidates = rng.uniform(a, b, size=shape)
        out = by_input.where(pending, candidates, out)
        pending = by_input.where(pending, rejected(candidates), pending)
    return _fill(tensor, out)


def _normal_cdf(x):
    return (1.0 + math.erf(x / math.sqrt(2.0))) / 2.0


def constant_(tensor, val):
    return _fill(tensor, by_input.full(tensor.shape, val))


def zeros_(tensor):
    return constant_(tensor, 0.0)


def ones_(tensor):
    return constant_(tensor, 1.0)


def eye_(tensor):
    if tensor.ndim != 2:
        raise ValueError(f"eye_: only 2-D tensors are supported, got shape {tuple(tensor.shape)}")
    return _fill(tensor, by_input.eye(*tensor.shape))


def xavier_uniform_(tensor, gain=1.0, generator=None):
    """U(-b, b), b = gain * sqrt(6 / (fan_in + fan_out))."""
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    std = gain * math.sqrt(2.0 / float(fan_in + fan_out))
    bound = math.sqrt(3.0) * std
    return uniform_(tensor, -bound, bound, generator)


def xavier_normal_(tensor, gain=1.0, generator=None):
    """N(0, std^2), std = gain * sqrt(2 / (fan_in + fan_out))."""
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    std = gain * math.sqrt(2.0 / float(fan_in + fan_out))
    return normal_(tensor, 0.0, std, generator)


def kaiming_uniform_(tensor, a=0, mode="fan_in", nonlinearity="leaky_relu", generator=None):
    """U(-b, b), b = gain * sqrt(3 / fan), gain = calculate_gain(nonlinearity, a).

    nn.Linear uses a = sqrt(5), which gives b = 1 / sqrt(fan_in)."""
    if 0 in tensor.shape:
        return tensor
    fan = _calculate_correct_fan(tensor, mode)
    std = calculate_gain(nonlinearity, a) / math.sqrt(fan)
    bound = math.sqrt(3.0) * std
    return uniform_(tensor, -bound, bound, generator)




def default_layer_init_(weight, bias=None):
    """PyTorch's default for Linear and Conv: kaiming_uniform_(a=sqrt(5)) for the weight
    (U(-1/sqrt(fan_in), 1/sqrt(fan_in))), and the same bound for the bias."""
    kaiming_uniform_(weight, a=math.sqrt(5))
    if bias is not None:
        fan_in, _ = _calculate_fan_in_and_fan_out(weight)
        bound = 1 / math.sqrt(fan_in) if fan_in > 0 else 0
        uniform_(bias, -bound, bound)
    return weight

def kaiming_normal_(tensor, a=0, mode="fan_in", nonlinearity="leaky_relu", generator=None):
    """N(0, std^2), std = gain / sqrt(fan)."""
    if 0 in tensor.shape:
        return tensor
    fan = _calculate_correct_fan(tensor, mode)
    std = calculate_gain(nonlinearity, a) / math.sqrt(fan)
    return normal_(tensor, 0.0, std, generator)


def orthogonal_(tensor, gain=1, generator=None):
    """A (semi-)orthogonal matrix from the QR decomposition of a Gaussian one, times ``gain``."""
    if tensor.ndim < 2:
        raise ValueError(f"orthogonal_: only tensors with 2 or more dimensions are supported, got {tuple(tensor.shape)}")
    rows = tensor.shape[0]
    cols = tensor.numel() // rows
    flat = (generator or ag.get_rng()).normal(0.0, 1.0, size=(rows, cols))
    if rows < cols:
        flat = flat.T
    q, r = by_input.linalg.qr(flat)
    q = q * by_input.sign(by_input.diag(r))
    if rows < cols:
        q = q.T
    return _fill(tensor, (gain * q).reshape(tensor.shape))


def dirac_(tensor, groups=1):
    """The Dirac delta as a convolution kernel (N, C, *k): weight 1 from input channel d to output channel d of
    each group at the kernel's centre, 0 elsewhere, so the convolution passes as many channels on unchanged
    as it can (min(out channels per group, C))."""
    if tensor.ndim not in (3, 4, 5):
        raise ValueError("Only tensors with 3, 4, or 5 dimensions are supported")
    out_channels, in_channels, *kernel = tensor.shape
    if out_channels % groups:
        raise ValueError("dim 0 must be divisible by groups")
    per_group = out_channels // groups
    values = host.zeros(tuple(tensor.shape))
    centre = tuple(k // 2 for k in kernel)
    for g in range(groups):
        for d in range(min(per_group, in_channels)):
            values[(g * per_group + d, d) + centre] = 1
    return _fill(tensor, values)


def sparse_(tensor, sparsity, std=0.01, generator=None):
    """A sparse 2-D matrix (Martens 2010): N(0, std^2) everywhere, then in each column ceil(sparsity * rows)
    elements set to 0, the rows picked by a random permutation per column (PyTorch's draws, in its order:
    the normal numbers from ``generator``, the permutations from the default generator)."""
    if tensor.ndim != 2:
        raise ValueError("Only tensors with 2 dimensions are supported")
    rows, cols = tensor.shape
    num_zeros = math.ceil(sparsity * rows)
    with no_grad():
        normal_(tensor, 0.0, std, generator)
        for col in range(cols):
            tensor[ag.randperm(rows)[:num_zeros], col] = 0
    return tensor


def _deprecated(init):
    """``init`` under its old name without the trailing underscore, with PyTorch's FutureWarning."""
    new_name = init.__name__
    old_name = new_name[:-1]

    def deprecated_init(*args, **kwargs):
        warnings.warn(f"`nn.init.{old_name}` is now deprecated in favor of `nn.init.{new_name}`.", FutureWarning,
                      stacklevel=2)
        return init(*args, **kwargs)

    deprecated_init.__name__ = deprecated_init.__qualname__ = old_name
    deprecated_init.__doc__ = f"{old_name}(...): deprecated; use nn.init.{new_name}."
    return deprecated_init


# the deprecated names without the trailing underscore, as in old PyTorch code (and with its warning)
uniform, normal, constant = _deprecated(uniform_), _deprecated(normal_), _deprecated(constant_)
xavier_uniform, xavier_normal = _deprecated(xavier_uniform_), _deprecated(xavier_normal_)
kaiming_uniform, kaiming_normal = _deprecated(kaiming_uniform_), _deprecated(kaiming_normal_)
eye, dirac, orthogonal, sparse = _deprecated(eye_), _deprecated(dirac_), _deprecated(orthogonal_), _deprecated(sparse_)
