"""max_unpool1d/2d/3d: the partial inverse of max pooling (PyTorch's F.max_unpool*d).

Each value goes back to the place its max came from (``indices`` from max_pool*d(return_indices=True):
flat positions within each (n, c) plane of the output); every other place is 0. The gradient of an input
value is the output gradient at its place."""
import math

from ..backend import host
from ..function import Function, Rule, ShapeError
from ..graph import Variable
from ..tensor import Tensor
from .conv import _pool_args


class MaxUnpool(Function):
    rule = Rule("out[index_i] = a_i, 0 elsewhere", ("d/da_i = G[index_i]",),
                "Each value goes back where its max was; the gradient comes back from there.")

    def forward(ctx, a, indices, spatial):
        planes = a.shape[:2]
        size = math.prod(spatial)
        flat_idx = indices.reshape(planes + (-1,))
        if flat_idx.size and (flat_idx.min() < 0 or flat_idx.max() >= size):
            bad = flat_idx.min() if flat_idx.min() < 0 else flat_idx.max()
            raise IndexError(f"max_unpool: Found an invalid max index: {bad} (output volumes are of size "
                             f"{'x'.join(map(str, spatial))}); indices come from max_pool with return_indices=True "
                             "and the same kernel, stride and padding")
        out = ctx.xp.zeros(planes + (size,), dtype=a.dtype)
        ctx.xp.put_along_axis(out, flat_idx, a.reshape(planes + (-1,)), axis=-1)
        ctx.flat_idx, ctx.in_shape = flat_idx, a.shape
        return out.reshape(planes + tuple(spatial))

    def backward(ctx, grad):
        flat = grad.reshape(tuple(grad.shape[:2]) + (-1,))
        if isinstance(grad, Variable):  # create_graph: a gather, itself differentiable
            picked = flat.gather(-1, Tensor._make(ctx.flat_idx))
        else:
            picked = ctx.xp.take_along_axis(flat, ctx.flat_idx, axis=-1)
        return picked.reshape(ctx.in_shape), None


def max_unpool(name, n, input, indices, kernel_size, stride=None, padding=0, output_size=None):
    """What max_unpool1d/2d/3d share: the output size (PyTorch's default and its checks), then MaxUnpool on
    (N, C, *spatial) (an unbatched input gets a batch dim of 1 for the op)."""
    if not isinstance(input, Tensor) or not isinstance(indices, Tensor):
        raise TypeError(f"{name}: input and indices must be tensors, got {type(input).__name__} and "
                        f"{type(indices).__name__}")
    if input.ndim not in (n + 1, n + 2):
        raise ShapeError(f"{name}: expected a {n + 1}-d (unbatched) or {n + 2}-d (batched) input, got shape "
                         f"{tuple(input.shape)}")
    if tuple(indices.shape) != tuple(input.shape):
        raise ShapeError(f"{name}: expected indices of the input's shape {tuple(input.shape)}, got "
                         f"{tuple(indices.shape)}")
    if indices.dtype != host.int64:
        raise TypeError(f"{name}: expected indices of dtype int64 (max_pool's return_indices), got {indices.dtype}")
    kernel, stride, padding, _ = _pool_args(name, n, kernel_size, stride, padding)  # (max pooling's checks)
    default = [(input.shape[-n + d] - 1) * stride[d] + kernel[d] - 2 * padding[d] for d in range(n)]
    if output_size is None:
        spatial = default
    else:
        spatial = list(output_size)[-n:] if len(output_size) == n + 2 else list(output_size)
        if len(spatial) != n:
            raise ValueError(f"{name}: output_size should be a sequence containing {n} or {n + 2} elements, but it "
                             f"has a length of '{len(output_size)}'")
        for d in range(n):
            low, high = default[d] - stride[d], default[d] + stride[d]
            if not low < spatial[d] < high:
                raise ValueError(f'{name}: invalid output_size "{list(output_size)}" (dim {d} must be between {low} '
                                 f'and {high})')
    if any(s < 0 for s in spatial):
        raise ValueError(f"{name}: output_size must contain non-negative spatial dimensions, got {spatial}")
    batched = input.ndim == n + 2
    x, idx = (input, indices) if batched else (input.unsqueeze(0), indices.unsqueeze(0))
    out = MaxUnpool.apply(x, idx._data, spatial=tuple(int(s) for s in spatial))
    return out if batched else out.squeeze(0)


def max_unpool1d(input, indices, kernel_size, stride=None, padding=0, output_size=None):
    return max_unpool("max_unpool1d", 1, input, indices, kernel_size, stride, padding, output_size)


def max_unpool2d(input, indices, kernel_size, stride=None, padding=0, output_size=None):
    return max_unpool("max_unpool2d", 2, input, indices, kernel_size, stride, padding, output_size)


def max_unpool3d(input, indices, kernel_size, stride=None, padding=0, output_size=None):
    return max_unpool("max_unpool3d", 3, input, indices, kernel_size, stride, padding, output_size)
