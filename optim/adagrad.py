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
        """A sparse gradient, kept sparse for ``_update``; refused with weight decay and fused=True, in PyTorch's
        words."""
        self._check_sparse(name, i, param, grad)
        if group.get("fused"):
            raise RuntimeError("`fused` does not support sparse grad or complex param")
        if group["weight_decay"] != 0:
            raise RuntimeError("weight_decay option is not compatible with sparse gradients")
        return grad

    def __init__(self, params, lr=1e-2, lr_decay=0, weight_decay=0, initial_accumulator_value=0, eps=1e-10,
                 foreach=None, *, maximize=False, differentiable=False, fused=None):
        super().__init__(params, dict(lr=lr, lr_decay=lr_decay, eps=eps, weight_decay=weight_decay,
                                      initial_accumulator_value=initial_accumulator_value, foreach=foreach,
                                      maximize=maximize, differentiable=differentiable, fused=fused))

    def _update(self, p, g, state, group):
        """Adagrad (t = step, from 1): clr = lr / (1 + (t-1)*lr_decay);  sum = sum + g^2;
        p = p - clr*g / (sqrt(sum) + eps). A sparse gradient (coalesced first) changes only its rows' sums and
        values, in PyTorch's order of operations (its row updates fused: p + (-clr) * (g / std) rounded once)."""
        acc = self._moment(state, "sum", p, group["initial_accumulator_value"])
        state["step"] = t = state.get("step", 0) + 1
        clr = group["lr"] / (1 + (t - 1) * group["lr_decay"])
        if getattr(g, "is_sparse", False) is True:
            g = g.coalesce()  # (PyTorch's _make_sparse path: the update is not linear, each row once)
            indices, values = g._indices(), ag.storage(g._values())
            ag.from_array(acc).add_(ag.sparse_coo_tensor(indices, ag.from_array(values * values), g.shape))
            std = ag.backend.host.sqrt(acc[tuple(ag.storage(indices))]) + group["eps"]
            ag.from_array(p).add_(ag.sparse_coo_tensor(indices, ag.from_array(values / std), g.shape), alpha=-clr)
            return
        acc += g * g
        p -= clr * (g / (ag.backend.get_array_module(p).sqrt(acc) + group["eps"]))


AdaGrad = Adagrad
