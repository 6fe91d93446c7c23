"""NAdam: Adam with Nesterov momentum (Dozat, 2016), with PyTorch's momentum schedule."""
import math

import autograd as ag

from .adam import adam_moments
from .optimizer import Optimizer


class NAdam(Optimizer):
    """NAdam, as torch.optim.NAdam. Optimizer.step first applies g = -g (maximize) and the weight decay
    (coupled, g = g + wd * p, or with ``decoupled_weight_decay=True`` p = p * (1 - lr * wd)), then ``_update``."""

    weight_decay = "coupled"
    limits = {"lr": (0.0, math.inf), "betas": [(0.0, 1.0), (0.0, 1.0)], "eps": (0.0, math.inf),
              "weight_decay": (0.0, math.inf), "momentum_decay": (0.0, math.inf)}

    def __init__(self, params, lr=2e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0, momentum_decay=4e-3,
                 decoupled_weight_decay=False, *, foreach=None, maximize=False, capturable=False, differentiable=False):
        super().__init__(params, dict(lr=lr, betas=tuple(betas), eps=eps, weight_decay=weight_decay,
                                      momentum_decay=momentum_decay, decoupled_weight_decay=decoupled_weight_decay,
                                      maximize=maximize, foreach=foreach, capturable=capturable,
                                      differentiable=differentiable))

    def _update(self, p, g, state, group):
        """NAdam (t = step, from 1): mu_t = b1 (1 - 0.5 * 0.96^(t * momentum_decay)), M_t = mu_1 ... mu_t;
        m = b1*m + (1-b1)*g;  v = b2*v + (1-b2)*g^2;  d = sqrt(v / (1-b2^t)) + eps;
        p = p - lr (1 - mu_t) / (1 - M_t) * g / d - lr mu_{t+1} / (1 - M_t mu_{t+1}) * m / d"""
        lr, (b1, b2), decay = group["lr"], group["betas"], group["momentum_decay"]
        m, v, t = adam_moments(self, state, p, g, b1, b2)
        mu = b1 * (1.0 - 0.5 * 0.96 ** (t * decay))
        mu_next = b1 * (1.0 - 0.5 * 0.96 ** ((t + 1) * decay))
        # (PyTorch keeps this product as a float32 tensor whatever the parameters' dtype: so do we, for its numbers)
        f32 = ag.float32.type  # (a float32 scalar)
        state["mu_product"] = product = float(f32(state.get("mu_product", 1.0)) * f32(mu))
        denom = ag.backend.get_array_module(v).sqrt(v / (1 - b2 ** t)) + group["eps"]
        p += (-lr * (1.0 - mu) / (1.0 - product)) * (g / denom)
        p += ((-lr * mu_next) / (1.0 - product * mu_next)) * (m / denom)
