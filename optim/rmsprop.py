"""RMSprop: divide each step by a running root-mean-square of recent gradients."""
import math

import autograd as ag

from .optimizer import Optimizer


class RMSprop(Optimizer):
    """RMSprop, as torch.optim.RMSprop. Optimizer.step first applies g = -g (maximize) and
    g = g + wd * p (coupled weight decay), then ``_update``."""

    weight_decay = "coupled"
    limits = dict.fromkeys(["lr", "alpha", "eps", "momentum", "weight_decay"], (0.0, math.inf))

    def __init__(self, params, lr=1e-2, alpha=0.99, eps=1e-8, weight_decay=0, momentum=0, centered=False,
                 capturable=False, foreach=None, maximize=False, differentiable=False):
        super().__init__(params, dict(lr=lr, momentum=momentum, alpha=alpha, eps=eps, centered=centered,
                                      weight_decay=weight_decay, capturable=capturable, foreach=foreach,
                                      maximize=maximize, differentiable=differentiable))

    def _update(self, p, g, state, group):
        """RMSprop: v = alpha*v + (1-alpha)*g^2;  centered: ga = alpha*ga + (1-alpha)*g, v~ = v - ga^2;
        p = p - lr*g / (sqrt(v~) + eps), or with momentum mu: b = mu*b + g / (sqrt(v~) + eps), p = p - lr*b"""
        alpha, mu = group["alpha"], group["momentum"]
        v = self._moment(state, "square_avg", p)
        state["step"] = state.get("step", 0) + 1
        v *= alpha
        v += (1 - alpha) * (g * g)
        if group["centered"]:
            ga = self._moment(state, "grad_avg", p)
            ga += (1 - alpha) * (g - ga)  # lerp, as PyTorch
            avg = ag.backend.get_array_module(v).sqrt(v - ga * ga)
        else:
            avg = ag.backend.get_array_module(v).sqrt(v)
        avg += group["eps"]
        if mu > 0:
            b = self._moment(state, "momentum_buffer", p)
            b *= mu
            b += g / avg
            p -= group["lr"] * b
        else:
            p -= group["lr"] * (g / avg)


RMSProp = RMSprop
