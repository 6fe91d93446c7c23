"""Adagrad: per-coordinate step sizes that shrink with the sum of squared gradients."""
import math

import autograd as ag

from .optimizer import Optimizer


class Adagrad(Optimizer):
    """Adagrad, as torch.optim.Adagrad. Optimizer.step first applies g = -g (maximize) and
    g = g + wd * p (coupled weight decay), then ``_update``."""

    weight_decay = "coupled"
    limits = dict.fromkeys(["lr", "lr_decay", "weight_decay", "initial_accumulator_value", "eps"], (0.0, math.inf))

    def _sparse_gradient(self, group, i, param, grad, name):
        raise NotImplementedError(f"{name}: sparse gradients (PyTorch's Adagrad takes them, with an update of only "
                                  "the rows present) are not implemented here; use optim.SparseAdam, or "
                                  "nn.Embedding(sparse=False)")

    def __init__(self, params, lr=1e-2, lr_decay=0, weight_decay=0, initial_accumulator_value=0, eps=1e-10,
                 foreach=None, *, maximize=False, differentiable=False, fused=None):
        super().__init__(params, dict(lr=lr, lr_decay=lr_decay, eps=eps, weight_decay=weight_decay,
                                      initial_accumulator_value=initial_accumulator_value, foreach=foreach,
                                      maximize=maximize, differentiable=differentiable, fused=fused))

    def _update(self, p, g, state, group):
        """Adagrad (t = step, from 1): clr = lr / (1 + (t-1)*lr_decay);  sum = sum + g^2;
        p = p - clr*g / (sqrt(sum) + eps)"""
        acc = self._moment(state, "sum", p, group["initial_accumulator_value"])
        state["step"] = t = state.get("step", 0) + 1
        clr = group["lr"] / (1 + (t - 1) * group["lr_decay"])
        acc += g * g
        p -= clr * (g / (ag.backend.get_array_module(p).sqrt(acc) + group["eps"]))


AdaGrad = Adagrad
