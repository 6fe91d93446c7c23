"""ASGD: SGD with a decaying step size whose iterates are averaged (Polyak-Ruppert averaging)."""
import math

import autograd as ag

from .optimizer import Optimizer


class ASGD(Optimizer):
    """Averaged SGD, as torch.optim.ASGD. Optimizer.step first applies g = -g (maximize) and
    g = g + wd * p (coupled weight decay), then ``_update``. The average of the iterates is
    ``state["ax"]`` (averaging starts after step t0). As PyTorch, the per-parameter rates eta
    and mu are kept as 0-d tensors of the default float dtype (float32 unless
    ag.set_default_dtype(float64)), so their rounding is PyTorch's."""

    limits = {"lr": (0.0, math.inf), "weight_decay": (0.0, math.inf)}

    def __init__(self, params, lr=1e-2, lambd=1e-4, alpha=0.75, t0=1e6, weight_decay=0, foreach=None, maximize=False,
                 differentiable=False, capturable=False):
        if not 0.0 <= lr:
            raise ValueError(f"ASGD: Invalid learning rate: {lr}")
        if not 0.0 <= weight_decay:
            raise ValueError(f"ASGD: Invalid weight_decay value: {weight_decay}")
        super().__init__(params, dict(lr=lr, lambd=lambd, alpha=alpha, t0=t0, weight_decay=weight_decay,
                                      foreach=foreach, maximize=maximize, differentiable=differentiable,
                                      capturable=capturable))

    def _update(self, p, g, state, group):
        """ASGD (t = step, from 1): p = p * (1 - lambd * eta) - eta * g;
        ax = p while mu = 1, else ax = ax + mu * (p - ax);
        eta = lr / (1 + lambd * lr * t)^alpha;  mu = 1 / max(1, t - t0)"""
        lr, lambd = group["lr"], group["lambd"]
        ax = self._moment(state, "ax", p)
        if "eta" not in state:
            state["eta"], state["mu"] = _scalar(lr), _scalar(1.0)
        state["step"] = t = state.get("step", 0) + 1
        eta, mu = ag.storage(state["eta"]).item(), ag.storage(state["mu"])
        p *= 1 - lambd * eta
        p -= eta * g
        if mu.item() != 1:
            ax += (p - ax) * mu.astype(p.dtype)
        else:
            ax[...] = p
        state["eta"] = _scalar(lr / ((1 + lambd * lr * t) ** group["alpha"]))
        state["mu"] = _scalar(1 / max(1, t - group["t0"]))


def _scalar(value):
    """A 0-d tensor of the default float dtype (PyTorch's optimizer scalar dtype)."""
    return ag.tensor(value, dtype=ag.get_default_dtype())
