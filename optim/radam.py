"""RAdam: Adam whose adaptive step is switched on only once the variance of its estimate is bounded
(Liu et al., 2019): plain momentum SGD for the first steps, no warm-up schedule needed."""
import math

import autograd as ag

from .adam import adam_moments
from .optimizer import Optimizer


class RAdam(Optimizer):
    """RAdam, as torch.optim.RAdam. Optimizer.step first applies g = -g (maximize) and the weight decay
    (coupled, g = g + wd * p, or with ``decoupled_weight_decay=True`` p = p * (1 - lr * wd)), then ``_update``."""

    weight_decay = "coupled"
    limits = {"lr": (0.0, math.inf), "betas": [(0.0, 1.0), (0.0, 1.0)], "eps": (0.0, math.inf),
              "weight_decay": (0.0, math.inf)}

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0, decoupled_weight_decay=False, *,
                 foreach=None, maximize=False, capturable=False, differentiable=False):
        super().__init__(params, dict(lr=lr, betas=tuple(betas), eps=eps, weight_decay=weight_decay, maximize=maximize,
                                      foreach=foreach, capturable=capturable,
                                      decoupled_weight_decay=decoupled_weight_decay, differentiable=differentiable))

    def _update(self, p, g, state, group):
        """RAdam (t = step, from 1): m = b1*m + (1-b1)*g;  v = b2*v + (1-b2)*g^2;  m_hat = m / (1-b1^t);
        rho_inf = 2/(1-b2) - 1;  rho_t = rho_inf - 2 t b2^t / (1-b2^t);
        rho_t > 5: p = p - lr * m_hat * r_t * sqrt(1-b2^t) / (sqrt(v) + eps), with the rectification
        r_t = sqrt((rho_t-4)(rho_t-2) rho_inf / ((rho_inf-4)(rho_inf-2) rho_t));  else p = p - lr * m_hat"""
        lr, (b1, b2) = group["lr"], group["betas"]
        m, v, t = adam_moments(self, state, p, g, b1, b2)
        m_hat = m / (1 - b1 ** t)
        correction2 = 1 - b2 ** t
        rho_inf = 2 / (1 - b2) - 1
        rho_t = rho_inf - 2 * t * (b2 ** t) / correction2
        if rho_t > 5.0:
            rect = ((rho_t - 4) * (rho_t - 2) * rho_inf / ((rho_inf - 4) * (rho_inf - 2) * rho_t)) ** 0.5
            adaptive = correction2 ** 0.5 / (ag.backend.get_array_module(v).sqrt(v) + group["eps"])
            p -= m_hat * lr * adaptive * rect
        else:
            p -= m_hat * lr
