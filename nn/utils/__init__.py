"""nn.utils: gradient clipping (clip_grad_norm_, or its halves get_total_norm and clip_grads_with_norm_;
clip_grad_value_) and flattening parameters, as torch.nn.utils; nn.utils.rnn: padded and packed sequences;
nn.utils.parametrize / parametrizations (weight_norm, spectral_norm, orthogonal), nn.utils.prune, the old
hook-based weight_norm / spectral_norm, skip_init, and folding a batch norm into the layer before it (fusion)."""
import inspect
import math

from autograd import caller
from autograd.backend import by_input, host

import autograd as ag
from autograd import Tensor

from ..module import Module
from . import rnn  # noqa: F401  (nn.utils.rnn, as torch.nn.utils.rnn)


def _params(parameters):
    return [parameters] if isinstance(parameters, Tensor) else list(parameters)


def _vector_norm(a, norm_type):
    """torch.linalg.vector_norm of the host or device array ``a`` (float64): max |a| for inf, min |a|
    for -inf, the count of nonzeros for 0, else (sum |a|^p)^(1/p)."""
    a = by_input.abs(a)
    if norm_type == math.inf:
        return float(a.max()) if a.size else 0.0
    if norm_type == -math.inf:
        return float(a.min()) if a.size else math.inf
    if norm_type == 0:
        return float(by_input.count_nonzero(a))
    return float(by_input.sum(a ** norm_type) ** (1.0 / norm_type))


def get_total_norm(tensors, norm_type=2.0, error_if_nonfinite=False, foreach=None):
    """The ``norm_type``-norm of ``tensors`` taken together, as PyTorch takes it: each tensor's norm
    first, then the norm of those (for a p-norm the same as the norm of all elements; for
    norm_type=0 the number of tensors that are not all zero; -inf the smallest |element|).
    Computed in float64; returned in the first tensor's dtype, on its device."""
    tensors = _params(tensors)
    if not tensors:
        return ag.tensor(0.0)
    arrays = [ag.storage(t) for t in tensors]  # (on the tensors' device)
    norm_type = float(norm_type)
    total = _vector_norm(host.array([_vector_norm(a.astype(host.float64), norm_type) for a in arrays]), norm_type)
    if error_if_nonfinite and not math.isfinite(total):
        raise RuntimeError(f"clip_grad_norm_: the total norm of order {norm_type} of the gradients is non-finite "
                           f"({total}), so it cannot be clipped; set error_if_nonfinite=False to skip this check")
    return ag.tensor(total, dtype=arrays[0].dtype, device=tensors[0].device)


def clip_grads_with_norm_(parameters, max_norm, total_norm, foreach=None):
    """Scale every gradient by min(1, max_norm / (total_norm + 1e-6)) in place (``total_norm`` from
    get_total_norm: the two halves of clip_grad_norm_, for a norm taken across several groups)."""
    coef = min(max_norm / (float(total_norm) + 1e-6), 1.0)
    with ag.no_grad():
        for p in _params(parameters):
            if p.grad is not None:
                p.grad.mul_(coef)


def clip_grad_norm_(parameters, max_norm, norm_type=2.0, error_if_nonfinite=False, foreach=None):
    """Scale all gradients together so that their joint ``norm_type``-norm is at most ``max_norm``:
    g = g * min(1, max_norm / (total_norm + 1e-6)). Returns the total norm before clipping
    (get_total_norm of the gradients)."""
    params = _params(parameters)
    total = get_total_norm([p.grad for p in params if p.grad is not None], norm_type, error_if_nonfinite)
    clip_grads_with_norm_(params, max_norm, total)
    return total


def clip_grad_norm(parameters, max_norm, norm_type=2.0, error_if_nonfinite=False, foreach=None):
    """clip_grad_norm_ under its old name (deprecated in PyTorch, with its FutureWarning)."""
    caller.warn("`torch.nn.utils.clip_grad_norm` is now deprecated in favor of `torch.nn.utils.clip_grad_norm_`.",
                FutureWarning)
    return clip_grad_norm_(parameters, max_norm, norm_type, error_if_nonfinite, foreach)


def clip_grad_value_(parameters, clip_value, foreach=None):
    """Clamp every gradient element into [-clip_value, clip_value] in place."""
    with ag.no_grad():
        for p in _params(parameters):
            if p.grad is not None:
                p.grad.clamp_(-clip_value, clip_value)


def parameters_to_vector(parameters):
    """All parameters flattened and joined into one 1-D tensor (a copy that stays in the graph, as
    PyTorch's: a penalty on it, ``loss + lam * vec.pow(2).sum()``, sends gradients to the parameters)."""
    params = _params(parameters)
    return ag.cat([p.reshape(-1) for p in params])


def vector_to_parameters(vec, parameters):
    """Copy consecutive slices of ``vec`` into the parameters (the inverse of parameters_to_vector)."""
    data = ag.as_tensor(vec)
    params = _params(parameters)
    needed = sum(p.numel() for p in params)
    if data.ndim != 1 or data.numel() != needed:
        raise ValueError(f"vector_to_parameters: expected a 1-D vector of {needed} elements, got shape {data.shape}")
    start = 0
    with ag.no_grad():
        for p in params:
            n = p.numel()
            p.copy_(data[start:start + n].reshape(p.shape))
            start += n


# (below the functions above: prune uses parameters_to_vector)
def skip_init(module_cls, *args, **kwargs):
    """``module_cls(*args, **kwargs)`` whose parameters are left for you to initialise (PyTorch's skip_init).
    PyTorch builds the module on its "meta" device and allocates empty storage; there is no meta device here,
    so the module is built as usual and the random generator's state is put back afterwards: the draws that
    follow are the ones that would have followed without the module (the values it has are not meant to be
    used). ``module_cls`` must take a ``device`` argument, as PyTorch requires."""
    if not isinstance(module_cls, type) or not issubclass(module_cls, Module):
        raise RuntimeError(f"Expected a Module; got {module_cls}")
    if "device" not in inspect.signature(module_cls).parameters:
        raise RuntimeError("Module must support a 'device' arg to skip initialization")
    state = ag.get_rng_state()
    try:
        return module_cls(*args, **kwargs)
    finally:
        ag.set_rng_state(state)


from . import parametrize, parametrizations, prune  # noqa: F401  (as torch.nn.utils.*)
from .fusion import fuse_conv_bn_eval, fuse_conv_bn_weights, fuse_linear_bn_eval, fuse_linear_bn_weights  # noqa: F401
from .spectral_norm import remove_spectral_norm, spectral_norm  # noqa: F401  (the old API: hooks)
from .weight_norm import remove_weight_norm, weight_norm  # noqa: F401
