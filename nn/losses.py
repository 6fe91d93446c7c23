"""Loss modules: keep the options, call the nn.functional loss.

Every loss takes ``reduction='mean' | 'sum' | 'none'``; those that had them in PyTorch also take the
deprecated ``size_average`` and ``reduce`` flags, in PyTorch's positions (old code passes them).
"""
import warnings

import autograd as ag
from autograd.backend import by_input, host

from autograd.ops.loss import reduction_of

from . import functional as F
from .module import Module


class _Loss(Module):
    def __init__(self, size_average=None, reduce=None, reduction="mean", choices=("mean", "sum", "none")):
        super().__init__()
        try:
            self.reduction = reduction_of(type(self).__name__, size_average, reduce, reduction, choices)
        except ValueError as err:
            raise ValueError(str(err)) from None  # (a ValueError here, as PyTorch's modules raise it)


class MSELoss(_Loss):
    """mean((x - y)^2)."""

    def forward(self, input, target):
        return F.mse_loss(input, target, reduction=self.reduction)


class L1Loss(_Loss):
    """mean(|x - y|)."""

    def forward(self, input, target):
        return F.l1_loss(input, target, reduction=self.reduction)


class SmoothL1Loss(_Loss):
    def __init__(self, size_average=None, reduce=None, reduction="mean", beta=1.0):
        super().__init__(size_average, reduce, reduction)
        self.beta = beta

    def forward(self, input, target):
        return F.smooth_l1_loss(input, target, reduction=self.reduction, beta=self.beta)


class HuberLoss(_Loss):
    def __init__(self, reduction="mean", delta=1.0):
        super().__init__(reduction=reduction)
        self.delta = delta

    def forward(self, input, target):
        return F.huber_loss(input, target, reduction=self.reduction, delta=self.delta)


class NLLLoss(_Loss):
    """-w[y] * x[y] on log-probabilities (put a LogSoftmax before it)."""

    def __init__(self, weight=None, size_average=None, ignore_index=-100, reduce=None, reduction="mean"):
        super().__init__(size_average, reduce, reduction)
        self.register_buffer("weight", weight)  # (a buffer, as PyTorch's: in state_dict, moved by .to())
        self.ignore_index = ignore_index

    def forward(self, input, target):
        return F.nll_loss(input, target, self.weight, ignore_index=self.ignore_index, reduction=self.reduction)


class NLLLoss2d(NLLLoss):
    """NLLLoss under its old name for (N, C, H, W) input (deprecated in PyTorch, with its FutureWarning)."""

    def __init__(self, weight=None, size_average=None, ignore_index=-100, reduce=None, reduction="mean"):
        warnings.warn("`NLLLoss2d` has been deprecated. Please use `NLLLoss` instead as a drop-in replacement and see "
                      "https://pytorch.org/docs/main/nn.html#torch.nn.NLLLoss for more details.", FutureWarning,
                      stacklevel=2)
        super().__init__(weight, size_average, ignore_index, reduce, reduction)


class CrossEntropyLoss(_Loss):
    """-log softmax(x)[y] on raw logits; targets are class indices or class probabilities;
    ``weight`` per class, ``ignore_index``, ``label_smoothing``."""

    def __init__(self, weight=None, size_average=None, ignore_index=-100, reduce=None, reduction="mean",
                 label_smoothing=0.0):
        super().__init__(size_average, reduce, reduction)
        self.register_buffer("weight", weight)  # (a buffer, as PyTorch's: in state_dict, moved by .to())
        self.ignore_index, self.label_smoothing = ignore_index, label_smoothing

    def forward(self, input, target):
        if not CrossEntropyLoss._warned_probabilities:
            _warn_if_probabilities(input)
        return F.cross_entropy(input, target, self.weight, ignore_index=self.ignore_index, reduction=self.reduction,
                               label_smoothing=self.label_smoothing)

    _warned_probabilities = False  # the double-softmax warning is given once per process


def _warn_if_probabilities(input):
    """Warn (once) when the inputs are already probabilities: every row in [0, 1], summing to 1
    along the class dim, as when a Softmax layer sits before CrossEntropyLoss (softmax twice)."""
    x = ag.storage(input) if isinstance(input, ag.Tensor) else host.asarray(input)  # (on its device)
    dim = 1 if x.ndim >= 2 else 0
    if x.ndim == 0 or x.shape[dim] < 2 or x.size == 0 or x.min() < 0 or x.max() > 1:
        return
    if by_input.allclose(x.sum(axis=dim), 1.0, atol=1e-4):
        CrossEntropyLoss._warned_probabilities = True
        warnings.warn(f"CrossEntropyLoss: the inputs (shape {x.shape}) already sum to 1 along the class dim "
                      f"(dim {dim}), as if a Softmax came before the loss. CrossEntropyLoss applies log_softmax "
                      "itself, so the softmax is applied twice: the gradients shrink and training plateaus. "
                      "Pass raw scores (remove the Softmax layer), or use LogSoftmax + NLLLoss.", stacklevel=4)


class BCELoss(_Loss):
    """-(y log x + (1-y) log(1-x)) on probabilities (put a Sigmoid before it)."""

    def __init__(self, weight=None, size_average=None, reduce=None, reduction="mean"):
        super().__init__(size_average, reduce, reduction)
        self.register_buffer("weight", weight)  # (a buffer, as PyTorch's: in state_dict, moved by .to())

    def forward(self, input, target):
        return F.binary_cross_entropy(input, target, self.weight, reduction=self.reduction)


class BCEWithLogitsLoss(_Loss):
    """Sigmoid + BCE in one stable formula on raw scores; ``pos_weight`` scales the positive term."""

    def __init__(self, weight=None, size_average=None, reduce=None, reduction="mean", pos_weight=None):
        super().__init__(size_average, reduce, reduction)
        self.register_buffer("weight", weight)  # (buffers, as PyTorch's: in state_dict, moved by .to())
        self.register_buffer("pos_weight", pos_weight)

    def forward(self, input, target):
        return F.binary_cross_entropy_with_logits(input, target, self.weight, reduction=self.reduction,
                                                  pos_weight=self.pos_weight)


class KLDivLoss(_Loss):
    def __init__(self, size_average=None, reduce=None, reduction="mean", log_target=False):
        super().__init__(size_average, reduce, reduction, choices=("mean", "batchmean", "sum", "none"))
        self.log_target = log_target

    def forward(self, input, target):
        return F.kl_div(input, target, reduction=self.reduction, log_target=self.log_target)


class CTCLoss(_Loss):
    """Connectionist temporal classification: -log of the summed probability of every alignment of the
    target labels to the input frames (F.ctc_loss). Called as ``loss(log_probs, targets, input_lengths,
    target_lengths)`` with log_probs (T, N, C) from log_softmax; 'mean' divides each element's loss by
    its target length before averaging over the batch."""

    def __init__(self, blank=0, reduction="mean", zero_infinity=False):
        super().__init__(reduction=reduction)
        self.blank = blank
        self.zero_infinity = zero_infinity

    def forward(self, log_probs, targets, input_lengths, target_lengths):
        return F.ctc_loss(log_probs, targets, input_lengths, target_lengths, self.blank, self.reduction,
                          self.zero_infinity)
