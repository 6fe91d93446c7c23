"""What the distributions share: broadcasting their parameters, probabilities <-> logits, lazy
parameters. (The Cholesky factor, erfinv, lgamma and digamma are the op table's: ag.linalg.cholesky,
ag.erfinv, ag.lgamma, ag.digamma.)

Random draws come from ``ag.randn``/``ag.rand``/``Tensor.uniform_``, i.e. from ag's global generator
(``ag.manual_seed``), like every other random op of the project.
"""
import numbers

from .. import creation
from ..backend import host
from ..graph import enable_grad
from ..ops.layout import broadcast_tensors
from ..tensor import Tensor

_Number = (numbers.Number,)


def broadcast_all(*values):
    """The values as tensors of one broadcast shape: numbers become tensors of the first tensor's
    dtype and device (the default dtype when all are numbers)."""
    if not all(isinstance(v, (Tensor, numbers.Number)) for v in values):
        raise ValueError("Input arguments must all be instances of Number, torch.Tensor or objects implementing "
                         "__torch_function__.")
    first = next((v for v in values if isinstance(v, Tensor)), None)
    options = {} if first is None else {"dtype": first.dtype, "device": first.device}
    tensors = [v if isinstance(v, Tensor) else creation.tensor(float(v), **options) for v in values]
    return broadcast_tensors(*tensors)


def shown(x):
    """How PyTorch's f-strings show a parameter: a 0-d tensor as its number, others as tensors."""
    return x.item() if isinstance(x, Tensor) and x.dim() == 0 else x


def finfo(dtype):
    """numpy's finfo of a tensor's floating dtype (eps, tiny, min)."""
    return host.finfo(dtype)


def clamp_probs(probs):
    """Probabilities clamped into [eps, 1 - eps] of their dtype (so their logits are finite)."""
    eps = finfo(probs.dtype).eps
    return probs.clamp(min=eps, max=1 - eps)


def probs_to_logits(probs, is_binary=False):
    """log p (the last dim's events), or the log-odds log p - log(1 - p) when ``is_binary``."""
    p = clamp_probs(probs)
    return p.log() - (-p).log1p() if is_binary else p.log()


def logits_to_probs(logits, is_binary=False):
    """sigmoid(logits) when ``is_binary``, else softmax over the last dim."""
    return logits.sigmoid() if is_binary else logits.softmax(-1)


def softplus(x):
    """log(1 + e^x), stable for any x, gradient sigmoid(x) (also at x = 0)."""
    return x.logaddexp(creation.zeros_like(x))


def sum_rightmost(value, dim):
    """Sum over the ``dim`` rightmost dims (Independent's log_prob and entropy)."""
    if dim == 0:
        return value
    return value.reshape(tuple(value.shape[:value.dim() - dim]) + (-1,)).sum(-1)


def standard_normal(shape, like):
    """N(0, 1) draws of ``shape`` in ``like``'s dtype and device (torch's _standard_normal: normal_)."""
    return creation.randn(tuple(shape), dtype=like.dtype, device=like.device)


class lazy_property:
    """A parameter computed on first use, then kept on the instance (Bernoulli's logits from its
    probs); computed with grad on, so it stays connected to the parameter it comes from."""

    def __init__(self, wrapped):
        self.wrapped = wrapped
        self.__doc__ = wrapped.__doc__
        self.__name__ = wrapped.__name__

    def __get__(self, instance, owner=None):
        if instance is None:
            return self
        with enable_grad():
            value = self.wrapped(instance)
        setattr(instance, self.wrapped.__name__, value)
        return value
