"""SyncBatchNorm: BatchNorm whose batch statistics are those of the global batch, over every rank.

Under DistributedDataParallel, plain BatchNorm normalises each rank's slice of the batch with
that slice's own mean and variance, so N ranks with batch B/N each do not compute what one
process with batch B does. SyncBatchNorm all-reduces the per-channel sums in forward and the
two sums its backward needs, so they do:

    forward:  mean = sum(x) / n,  var = sum(x^2) / n - mean^2   (sums and count n over all ranks)
    backward: dx = invstd * (gy - sum(gy) / n - xhat * sum(gy * xhat) / n),  gy = G * weight
              dweight = sum(G * xhat), dbias = sum(G) over this rank's samples (DDP averages them)

Outside training, or without an initialised process group of more than one rank, it is BatchNorm.
"""
from autograd.backend import by_input, host, is_array

import autograd as ag
import autograd.distributed as dist
from autograd import Function, Rule, ShapeError

from .normalization import _BatchNorm, _InstanceNorm


class _SyncBatchNormFn(Function):
    """BatchNorm over the global batch; one all-reduce forward, one backward (see the module docstring)."""

    rule = Rule("out = (x - mean) / sqrt(var + eps) * weight + bias, mean and var over all ranks",
                ("d/dx = invstd * (gy - sum(gy)/n - xhat * sum(gy * xhat)/n), sums over all ranks",
                 "d/dweight = sum of G * xhat", "d/dbias = sum of G"),
                "Each rank normalises with the statistics of the whole batch.", ("x", "weight", "bias"))

    def forward(ctx, x, weight, bias, axes, eps, param_shape, mean, var, n):
        invstd = (1.0 / ctx.xp.sqrt(var + eps)).astype(x.dtype).reshape(param_shape)
        xhat = (x - mean.astype(x.dtype).reshape(param_shape)) * invstd
        ctx.axes, ctx.param_shape, ctx.n, ctx.xhat, ctx.invstd = axes, param_shape, n, xhat, invstd
        ctx.save_for_backward(weight)
        y = xhat if weight is None else xhat * weight.reshape(param_shape)
        return (y if bias is None else y + bias.reshape(param_shape)).astype(x.dtype, copy=False)

    def backward(ctx, grad):
        if not is_array(grad):
            raise RuntimeError("SyncBatchNorm: double backward (create_graph=True) is not supported")
        (weight,) = ctx.saved_tensors
        need_x, need_w, need_b = ctx.needs_input_grad[:3]
        xhat, invstd, axes, shape = ctx.xhat, ctx.invstd, ctx.axes, ctx.param_shape
        gw = (grad * xhat).sum(axis=axes) if need_w else None
        gb = grad.sum(axis=axes) if need_b else None
        gx = None
        if need_x:
            gy = grad if weight is None else grad * weight.reshape(shape)
            c = xhat.shape[1]
            sums = by_input.concatenate([gy.sum(axis=axes, dtype=host.float64), (gy * xhat).sum(axis=axes, dtype=host.float64)])
            dist.all_reduce(ag.from_numpy(sums))
            mean_gy = (sums[:c] / ctx.n).astype(grad.dtype).reshape(shape)
            mean_gy_xhat = (sums[c:] / ctx.n).astype(grad.dtype).reshape(shape)
            gx = invstd * (gy - mean_gy - xhat * mean_gy_xhat)
        return gx, gw, gb


class SyncBatchNorm(_BatchNorm):
    """Batch normalisation of (N, C, *) with statistics over the batches of all ranks (torch.nn.SyncBatchNorm)."""

    _dims = "(N, {C}, *)"

    def __init__(self, num_features, eps=1e-5, momentum=0.1, affine=True, track_running_stats=True,
                 process_group=None, device=None, dtype=None):
        super().__init__(num_features, eps, momentum, affine, track_running_stats, device, dtype)
        if process_group is not None and process_group is not dist.group.WORLD:
            raise ValueError("SyncBatchNorm: only the default process group is supported (process_group=None)")
        self.process_group = process_group

    def _check_input(self, input):
        if not isinstance(input, ag.Tensor):
            raise TypeError(f"SyncBatchNorm: expected a Tensor, got {type(input).__name__}")
        if input.ndim < 2 or input.shape[1] != self.num_features:
            raise ShapeError(f"SyncBatchNorm({self.num_features}): expected input (N, {self.num_features}, *), "
                             f"got {tuple(input.shape)}")

    def forward(self, input):
        synced = self.training and dist.is_initialized() and dist.get_world_size() > 1
        if not synced:
            return super().forward(input)
        self._check_input(input)
        momentum = 0.0 if self.momentum is None else self.momentum
        if self.track_running_stats:
            with ag.no_grad():
                self.num_batches_tracked.add_(1)
            if self.momentum is None:  # cumulative moving average
                momentum = 1.0 / float(self.num_batches_tracked.item())
        axes = (0,) + tuple(range(2, input.ndim))
        mean, var, n = _global_statistics(input.numpy(force=True), axes)
        out = _SyncBatchNormFn.apply(input, self.weight, self.bias, axes=axes, eps=self.eps,
                                     param_shape=(self.num_features,) + (1,) * (input.ndim - 2),
                                     mean=mean, var=var, n=n)
        if self.track_running_stats:
            with ag.no_grad():
                m = momentum
                self.running_mean.copy_((1 - m) * self.running_mean.numpy() + m * mean)
                self.running_var.copy_((1 - m) * self.running_var.numpy() + m * var * n / (n - 1))
        return out

    @classmethod
    def convert_sync_batchnorm(cls, module, process_group=None):
        """``module`` with every BatchNorm1d/2d/3d replaced by a SyncBatchNorm holding the same parameters
        and running statistics (the model's other layers are kept)."""
        out = module
        if isinstance(module, _BatchNorm) and not isinstance(module, _InstanceNorm):  # torch's _BatchNorm
            out = cls(module.num_features, module.eps, module.momentum, module.affine, module.track_running_stats,
                      process_group)
            if module.affine:
                out.weight, out.bias = module.weight, module.bias
            for name in ("running_mean", "running_var", "num_batches_tracked"):
                setattr(out, name, getattr(module, name))
            out.train(module.training)
        for name, child in list(module.named_children()):
            setattr(out, name, cls.convert_sync_batchnorm(child, process_group))
        return out


def _global_statistics(x, axes):
    """Per-channel mean and (biased) variance of x over the batches of all ranks, and their count:
    one all-reduce of (sum, sum of squares, count), accumulated in float64."""
    c = x.shape[1]
    sums = by_input.concatenate([x.sum(axis=axes, dtype=host.float64), by_input.square(x, dtype=host.float64).sum(axis=axes),
                           [x.size // c]])  # (2C + 1,)
    dist.all_reduce(ag.from_numpy(sums))
    n = sums[-1]
    if n <= 1:
        raise ValueError(f"SyncBatchNorm: expected more than 1 value per channel when training, got {int(n)} "
                         "over all ranks")
    mean = sums[:c] / n
    return mean, by_input.maximum(sums[c:2 * c] / n - mean * mean, 0.0), n


__all__ = ["SyncBatchNorm"]
