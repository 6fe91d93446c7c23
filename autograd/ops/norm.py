"""Normalisation: batch, layer, instance and group norm, one primitive (Normalize) for all.

The front functions check PyTorch's arguments, pick the axes to normalise over and, in
training, update the running statistics in place.
"""
import numbers

from ..backend import by_input, host

from ..function import Function, Rule, ShapeError
from ..graph import Variable, no_grad
from ..node_names import node_name
from .args import OutOfRangeError
from .promote import DTypeError


class Normalize(Function):
    """y = (x - mean) / sqrt(var + eps) * weight + bias, mean and var over ``axes``.

    With ``batch_stats`` (training), mean and var are x's own (biased) statistics and the
    backward differentiates through them:
        dx = invstd * (gy - mean(gy) - xhat * mean(gy * xhat)),  gy = g * weight
    otherwise ``mean`` and ``var`` are constants (running statistics): dx = gy * invstd.
    ``weight`` and ``bias`` (or None) are reshaped to ``param_shape`` to broadcast against x.
    """

    rule = Rule("out = (x - mean) / sqrt(var + eps) * weight + bias",
                ("d/dx = invstd * (gy - mean(gy) - xhat * mean(gy * xhat)),  gy = G * weight",
                 "d/dweight = sum of G * xhat", "d/dbias = sum of G"),
                "Normalising couples the elements through their mean and variance.", ("x", "weight", "bias"))

    def forward(ctx, x, weight, bias, axes, eps, param_shape=None, mean=None, var=None, batch_stats=True):
        if mean is None:
            mean, var = moments(x, axes)
        invstd = (1.0 / ctx.xp.sqrt(var + eps)).astype(x.dtype, copy=False)
        xhat = (x - mean) * invstd
        ctx.axes, ctx.eps, ctx.param_shape, ctx.batch_stats = axes, eps, param_shape, batch_stats
        ctx.mean, ctx.var, ctx.xhat, ctx.invstd = mean, var, xhat, invstd
        ctx.w_shape = None if weight is None else weight.shape
        ctx.b_shape = None if bias is None else bias.shape
        ctx.save_for_backward(x, weight)
        y = xhat if weight is None else xhat * weight.reshape(param_shape)
        y = y if bias is None else y + bias.reshape(param_shape)
        if y is xhat:  # (no affine) the output is the caller's to change in place (ReLU(inplace=True)); ctx keeps xhat
            y = xhat.copy()
        return y.astype(x.dtype, copy=False)

    def backward(ctx, grad):
        x, weight = ctx.saved_tensors
        need_x, need_w, need_b = ctx.needs_input_grad[:3]
        if isinstance(grad, Variable):
            return ctx._graph_backward(grad, x, weight)
        xhat, invstd, axes = ctx.xhat, ctx.invstd, ctx.axes
        param_axes = tuple(i for i, n in enumerate(_lead(ctx.param_shape, x.ndim)) if n == 1)
        gw = (grad * xhat).sum(axis=param_axes).reshape(ctx.w_shape) if need_w else None
        gb = grad.sum(axis=param_axes).reshape(ctx.b_shape) if need_b else None
        gx = None
        if need_x:
            gy = grad if weight is None else grad * weight.reshape(ctx.param_shape)
            if ctx.batch_stats:
                gx = invstd * (gy - gy.mean(axis=axes, keepdims=True)
                               - xhat * (gy * xhat).mean(axis=axes, keepdims=True))
            else:
                gx = gy * invstd
        return gx, gw, gb

    def _graph_backward(ctx, grad, x, weight):
        """The same formulas from Tensor ops, so that the backward is differentiable."""
        need_x, need_w, need_b = ctx.needs_input_grad[:3]
        axes = ctx.axes
        if ctx.batch_stats:
            mean = x.mean(axes, keepdim=True)
            centred = x - mean
            invstd = ((centred * centred).mean(axes, keepdim=True) + ctx.eps) ** -0.5
        else:
            centred = x - x._make(ctx.mean)
            invstd = x._make(ctx.invstd)
        xhat = centred * invstd
        param_axes = tuple(i for i, n in enumerate(_lead(ctx.param_shape, x.ndim)) if n == 1)
        gw = (grad * xhat).sum(param_axes).reshape(ctx.w_shape) if need_w else None
        gb = grad.sum(param_axes).reshape(ctx.b_shape) if need_b else None
        gx = None
        if need_x:
            gy = grad if weight is None else grad * weight.reshape(ctx.param_shape)
            if ctx.batch_stats:
                gx = invstd * (gy - gy.mean(axes, keepdim=True) - xhat * (gy * xhat).mean(axes, keepdim=True))
            else:
                gx = gy * invstd
        return gx, gw, gb


def moments(x, axes):
    """Mean and biased variance over ``axes``, accumulated in float64 as PyTorch's CPU kernels do:
    a constant row gets exactly its value and variance 0, so it normalises to 0, not to rounding noise."""
    mean = x.mean(axis=axes, keepdims=True, dtype=host.float64).astype(x.dtype, copy=False)
    centred = x - mean
    centred *= centred
    return mean, centred.mean(axis=axes, keepdims=True, dtype=host.float64).astype(x.dtype, copy=False)


def _lead(param_shape, ndim):
    """param_shape padded with leading 1s to ndim (how it broadcasts against x)."""
    return (1,) * (ndim - len(param_shape)) + tuple(param_shape)


class BatchNorm(Normalize):
    """Normalize over (N, H, W) per channel."""

    name = node_name("NativeBatchNormBackward0")


class LayerNorm(Normalize):
    """Normalize over the trailing normalized_shape dims of each sample."""

    name = node_name("NativeLayerNormBackward0")


class InstanceNorm(Normalize):
    """Normalize over the spatial dims of each (sample, channel)."""


# --------------------------------------------------------------------- front functions


def check_dtypes(op, input, **tensors):
    """PyTorch's CPU norms take parameters and running statistics of the input's dtype, or float32 ones
    with a float16 input (mixed precision); any other mix is refused, not promoted."""
    for name, t in tensors.items():
        if t is not None and t.dtype != input.dtype and not (t.dtype == host.float32 and input.dtype == host.float16):
            raise DTypeError(f"{op}: mixed dtype (CPU): the input is {input.dtype} but {name} is {t.dtype}; they must "
                             f"share a dtype (float32 parameters may go with a float16 input): convert the input "
                             f"(x.to({t.dtype})) or the module (.to({input.dtype}))")


def batch_norm(input, running_mean, running_var, weight=None, bias=None, training=False, momentum=0.1, eps=1e-5):
    """Normalise each channel (dim 1) over the batch and spatial dims.

    Training: batch statistics; running_mean/var (when given) move by ``momentum`` towards the batch
    mean and the *unbiased* batch variance, in place. Eval: the running statistics are used.
    """
    if input.ndim < 2:
        error = OutOfRangeError if input.ndim == 0 else ShapeError  # (torch: IndexError or RuntimeError)
        raise error(f"batch_norm: expected an input (N, C) or (N, C, *), got shape {tuple(input.shape)}")
    c = input.shape[1]
    for what, t in (("running_mean", running_mean), ("running_var", running_var), ("weight", weight),
                    ("bias", bias)):
        if t is not None and tuple(t.shape) != (c,):
            raise ShapeError(f"batch_norm: {what} has shape {tuple(t.shape)} but the input {tuple(input.shape)} "
                             f"has {c} channels")
    check_dtypes("batch_norm", input, running_mean=running_mean, running_var=running_var, weight=weight, bias=bias)
    axes = (0,) + tuple(range(2, input.ndim))
    param_shape = (c,) + (1,) * (input.ndim - 2)
    if training:
        count = input.numel() // c
        if count <= 1:
            raise ValueError(f"batch_norm: expected more than 1 value per channel when training, got input "
                             f"of shape {tuple(input.shape)}")
        mean, var = moments(input._data, axes)
        y = BatchNorm.apply(input, weight, bias, axes=axes, eps=eps, param_shape=param_shape,
                              mean=mean, var=var, batch_stats=True)
        if running_mean is not None:
            with no_grad():
                m = momentum
                running_mean.copy_((1 - m) * running_mean._data + m * mean.reshape(c))
                running_var.copy_((1 - m) * running_var._data + m * var.reshape(c) * count / (count - 1))
        return y
    if running_mean is None or running_var is None:
        raise ValueError("batch_norm: running_mean and running_var are needed when training=False")
    mean = running_mean._data.reshape(param_shape).astype(input.dtype, copy=False)
    var = running_var._data.reshape(param_shape).astype(input.dtype, copy=False)
    return BatchNorm.apply(input, weight, bias, axes=axes, eps=eps, param_shape=param_shape,
                             mean=mean, var=var, batch_stats=False)


def layer_norm(input, normalized_shape, weight=None, bias=None, eps=1e-5):
    """Normalise each sample over its trailing ``normalized_shape`` dims (biased variance)."""
    shape = (normalized_shape,) if isinstance(normalized_shape, (numbers.Integral, host.integer)) \
        else tuple(normalized_shape)
    k = len(shape)
    if k == 0 or input.ndim < k or tuple(input.shape[input.ndim - k:]) != shape:
        raise ShapeError(f"layer_norm: given normalized_shape={list(shape)}, expected input with shape "
                         f"[*, {', '.join(map(str, shape))}], but got input of size {list(input.shape)}")
    for what, t in (("weight", weight), ("bias", bias)):
        if t is not None and tuple(t.shape) != shape:
            raise ShapeError(f"layer_norm: {what} has shape {tuple(t.shape)}; expected {shape}")
    check_dtypes("layer_norm", input, weight=weight, bias=bias)
    axes = tuple(range(input.ndim - k, input.ndim))
    return LayerNorm.apply(input, weight, bias, axes=axes, eps=eps, param_shape=shape, batch_stats=True)


def instance_norm(input, running_mean=None, running_var=None, weight=None, bias=None, use_input_stats=True,
                  momentum=0.1, eps=1e-5):
    """Normalise each (sample, channel) over its spatial dims, then scale and shift per channel.

    With ``use_input_stats`` the statistics are the instance's own, and running_mean/var (when given)
    move by ``momentum`` towards their batch averages (unbiased variance), as PyTorch; otherwise the
    running statistics are used."""
    if input.ndim < 3:
        raise ShapeError(f"instance_norm: expected an input (N, C, *spatial), got shape {tuple(input.shape)}")
    n, c = input.shape[:2]
    check_dtypes("instance_norm", input, running_mean=running_mean, running_var=running_var, weight=weight, bias=bias)
    axes = tuple(range(2, input.ndim))
    param_shape = (c,) + (1,) * (input.ndim - 2)
    if use_input_stats:
        if int(by_input.prod(input.shape[2:])) == 1:
            raise ValueError(f"instance_norm: expected more than 1 spatial element when training, got input of "
                             f"shape {tuple(input.shape)}")
        mean, var = moments(input._data, axes)
        y = InstanceNorm.apply(input, weight, bias, axes=axes, eps=eps, param_shape=param_shape,
                                 mean=mean, var=var, batch_stats=True)
        if running_mean is not None:
            count = int(by_input.prod(input.shape[2:]))
            if count <= 1:
                raise ValueError(f"instance_norm: expected more than 1 spatial element per channel when "
                                 f"training, got input of shape {tuple(input.shape)}")
            with no_grad():
                m = momentum
                running_mean.copy_((1 - m) * running_mean._data + m * mean.reshape(n, c).mean(0))
                unbiased = var.reshape(n, c).mean(0) * count / (count - 1)
                running_var.copy_((1 - m) * running_var._data + m * unbiased)
        return y
    if running_mean is None or running_var is None:
        raise ValueError("instance_norm: running_mean and running_var are needed when use_input_stats=False")
    mean = running_mean._data.reshape(param_shape).astype(input.dtype, copy=False)
    var = running_var._data.reshape(param_shape).astype(input.dtype, copy=False)
    return InstanceNorm.apply(input, weight, bias, axes=axes, eps=eps, param_shape=param_shape,
                                mean=mean, var=var, batch_stats=False)


def group_norm(input, num_groups, weight=None, bias=None, eps=1e-5):
    """Normalise each sample's channels in ``num_groups`` groups (over the group's channels and all
    spatial positions), then scale and shift per channel."""
    if input.ndim < 2 or input.shape[1] % num_groups:
        raise ShapeError(f"group_norm: expected an input (N, C, *) with C divisible by num_groups={num_groups}, "
                         f"got shape {tuple(input.shape)}")
    n, c = input.shape[:2]
    check_dtypes("group_norm", input, weight=weight, bias=bias)
    if n * c // num_groups * int(by_input.prod(input.shape[2:])) == 1:
        raise ValueError(f"group_norm: expected more than 1 value per group and sample, got input of shape "
                         f"{tuple(input.shape)} with num_groups={num_groups}")
    x = input.reshape(n, num_groups, -1)  # (N, G, C/G * spatial)
    y = LayerNorm.apply(x, None, None, axes=(2,), eps=eps, param_shape=(1,), batch_stats=True)
    y = y.reshape(input.shape)
    shape = (c,) + (1,) * (input.ndim - 2)
    if weight is not None:  # (float32 parameters with a float16 input: the output stays float16, as PyTorch's)
        y = y * weight.reshape(shape).to(input.dtype)
    if bias is not None:
        y = y + bias.reshape(shape).to(input.dtype)
    return y
