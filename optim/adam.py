"""Adam and AdamW: momentum on the gradient and on its square, with bias correction."""
import math

import autograd as ag

from .optimizer import Optimizer


class Adam(Optimizer):
    """Adam, as torch.optim.Adam. Optimizer.step first applies g = -g (maximize) and
    g = g + wd * p (coupled weight decay; decoupled_weight_decay=True: AdamW's p = p * (1 - lr * wd)),
    then ``_update``."""

    weight_decay = "coupled"
    limits = {"lr": (0.0, math.inf), "betas": [(0.0, 1.0), (0.0, 1.0)], "eps": (0.0, math.inf),
              "weight_decay": (0.0, math.inf)}
    sparse_refusal = "Adam does not support sparse gradients, please consider SparseAdam instead"  # (AdamW's too)

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0, amsgrad=False, *, foreach=None,
                 maximize=False, capturable=False, differentiable=False, fused=None, decoupled_weight_decay=False):
        super().__init__(params, dict(lr=lr, betas=tuple(betas) if isinstance(betas, list) else betas, eps=eps,
                                      weight_decay=weight_decay, amsgrad=amsgrad, maximize=maximize, foreach=foreach,
                                      capturable=capturable, differentiable=differentiable, fused=fused,
                                      decoupled_weight_decay=decoupled_weight_decay))

    def _update(self, p, g, state, group):
        """Adam (t = step, from 1): m = b1*m + (1-b1)*g;  v = b2*v + (1-b2)*g^2 (amsgrad: v = max(vmax, v));
        p = p - lr * m_hat / (sqrt(v_hat) + eps), with m_hat = m / (1-b1^t), v_hat = v / (1-b2^t)"""
        lr, (b1, b2) = group["lr"], group["betas"]
        m, v, t = adam_moments(self, state, p, g, b1, b2)
        if group["amsgrad"]:
            vmax = self._moment(state, "max_exp_avg_sq", p)
            ag.backend.get_array_module(v).maximum(vmax, v, out=vmax)
            v = vmax
        step_size = lr / (1 - b1 ** t)  # PyTorch's order: lr * m_hat / (sqrt(v_hat) + eps), bit for bit
        denom = ag.backend.get_array_module(v).sqrt(v) / math.sqrt(1 - b2 ** t)
        denom += group["eps"]
        p -= step_size * (m / denom)


def adam_moments(opt, state, p, g, b1, b2):
    """Adam's running averages (NAdam's and RAdam's too), updated in place, and the step t (from 1):
    m = b1*m + (1-b1)*g (as a lerp, like PyTorch), v = b2*v + (1-b2)*g^2."""
    m = opt._moment(state, "exp_avg", p)
    v = opt._moment(state, "exp_avg_sq", p)
    state["step"] = t = state.get("step", 0) + 1
    m += (1 - b1) * (g - m)
    v *= b2
    v += (1 - b2) * (g * g)
    return m, v, t


class AdamW(Adam):
    """AdamW, as torch.optim.AdamW: the Adam update with decoupled weight decay, which
    Optimizer.step applies before it as p = p * (1 - lr * wd) instead of adding wd * p to the gradient."""

    weight_decay = "decoupled"

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=1e-2, amsgrad=False, *,
                 maximize=False, foreach=None, capturable=False, differentiable=False, fused=None):
        super().__init__(params, lr, betas, eps, weight_decay, amsgrad, maximize=maximize, foreach=foreach,
                         capturable=capturable, differentiable=differentiable, fused=fused,
                         decoupled_weight_decay=True)  # (PyTorch's AdamW: Adam with decoupled weight decay)
