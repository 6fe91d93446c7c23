"""Rprop: each coordinate's step size grows while its gradient keeps its sign and shrinks when it flips."""
import math

import autograd as ag

from .optimizer import Optimizer


class Rprop(Optimizer):
    """Rprop (resilient backpropagation), as torch.optim.Rprop: only the sign of the gradient is
    used. Optimizer.step first applies g = -g (maximize); Rprop has no weight decay."""

    limits = {"lr": (0.0, math.inf), "etas": [(0.0, 1.0), (1.0, math.inf)],
              "step_sizes": [(0.0, math.inf), (0.0, math.inf)]}

    def __init__(self, params, lr=1e-2, etas=(0.5, 1.2), step_sizes=(1e-6, 50), *, capturable=False, foreach=None,
                 maximize=False, differentiable=False):
        if not 0.0 <= lr:
            raise ValueError(f"Rprop: Invalid learning rate: {lr}")
        if not 0.0 < etas[0] < 1.0 < etas[1]:
            raise ValueError(f"Rprop: Invalid eta values: {etas[0]}, {etas[1]} (need 0 < etaminus < 1 < etaplus)")
        super().__init__(params, dict(lr=lr, etas=tuple(etas), step_sizes=tuple(step_sizes), foreach=foreach,
                                      maximize=maximize, differentiable=differentiable, capturable=capturable))

    def _update(self, p, g, state, group):
        """Rprop: f = etaplus where g * prev > 0, etaminus where < 0, else 1;
        size = clamp(size * f, min_step, max_step);  g = 0 where f = etaminus (a sign flip: skip this step);
        p = p - sign(g) * size;  prev = g"""
        (etaminus, etaplus), (low, high) = group["etas"], group["step_sizes"]
        xp = ag.backend.get_array_module(p)
        prev = self._moment(state, "prev", p)
        size = self._moment(state, "step_size", p, group["lr"])
        state["step"] = state.get("step", 0) + 1
        sign = xp.sign(g * prev)
        factor = xp.where(sign > 0, etaplus, xp.where(sign < 0, etaminus, 1.0)).astype(p.dtype)
        size *= factor
        xp.clip(size, low, high, out=size)
        g = xp.where(factor == factor.dtype.type(etaminus), 0, g).astype(p.dtype, copy=False)
        p -= xp.sign(g) * size
        prev[...] = g
