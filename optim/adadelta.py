"""Adadelta: step sizes from the ratio of running averages of past updates and past gradients
(Zeiler, 2012), so no learning rate needs tuning (PyTorch keeps lr as a factor, 1.0 by default)."""
import math

import autograd as ag

from .optimizer import Optimizer


class Adadelta(Optimizer):
    """Adadelta, as torch.optim.Adadelta. Optimizer.step first applies g = -g (maximize) and
    g = g + wd * p (coupled weight decay), then ``_update``."""

    weight_decay = "coupled"
    limits = {"lr": (0.0, math.inf), "rho": (0.0, 1.0), "eps": (0.0, math.inf), "weight_decay": (0.0, math.inf)}

    def __init__(self, params, lr=1.0, rho=0.9, eps=1e-6, weight_decay=0, foreach=None, *, capturable=False,
                 maximize=False, differentiable=False):
        super().__init__(params, dict(lr=lr, rho=rho, eps=eps, weight_decay=weight_decay, maximize=maximize,
                                      capturable=capturable, foreach=foreach, differentiable=differentiable))

    def _update(self, p, g, state, group):
        """Adadelta: s = rho*s + (1-rho)*g^2;  d = sqrt(a + eps) / sqrt(s + eps) * g;
        a = rho*a + (1-rho)*d^2;  p = p - lr * d"""
        rho, eps, xp = group["rho"], group["eps"], ag.backend.get_array_module(p)
        s = self._moment(state, "square_avg", p)
        a = self._moment(state, "acc_delta", p)
        state["step"] = state.get("step", 0) + 1
        s *= rho
        s += (1 - rho) * (g * g)
        delta = xp.sqrt(a + eps) / xp.sqrt(s + eps) * g
        a *= rho
        a += (1 - rho) * (delta * delta)
        p -= group["lr"] * delta
