"""Adamax: Adam with the infinity norm of past gradients in place of their mean square."""
import math

import autograd as ag

from .optimizer import Optimizer


class Adamax(Optimizer):
    """Adamax, as torch.optim.Adamax. Optimizer.step first applies g = -g (maximize) and
    g = g + wd * p (coupled weight decay), then ``_update``."""

    weight_decay = "coupled"
    limits = {"lr": (0.0, math.inf), "betas": [(0.0, 1.0), (0.0, 1.0)], "eps": (0.0, math.inf),
              "weight_decay": (0.0, math.inf)}

    def __init__(self, params, lr=2e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0, foreach=None, *, maximize=False,
                 differentiable=False, capturable=False):
        super().__init__(params, dict(lr=lr, betas=tuple(betas), eps=eps, weight_decay=weight_decay, foreach=foreach,
                                      maximize=maximize, differentiable=differentiable, capturable=capturable))

    def _update(self, p, g, state, group):
        """Adamax (t = step, from 1): m = b1*m + (1-b1)*g;  u = max(b2*u, |g| + eps);
        p = p - lr / (1 - b1^t) * m / u"""
        (b1, b2), xp = group["betas"], ag.backend.get_array_module(p)
        m = self._moment(state, "exp_avg", p)
        u = self._moment(state, "exp_inf", p)
        state["step"] = t = state.get("step", 0) + 1
        m += (1 - b1) * (g - m)  # (a lerp, as PyTorch's)
        u *= b2
        xp.maximum(u, xp.abs(g) + group["eps"], out=u)
        p -= (group["lr"] / (1 - b1 ** t)) * (m / u)
