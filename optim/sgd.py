"""SGD (PyTorch's, with momentum, dampening, Nesterov, weight decay) and textbook Momentum."""
import math

import autograd as ag

from .optimizer import Optimizer, blocks


class SGD(Optimizer):
    """Stochastic gradient descent, as torch.optim.SGD. Optimizer.step first applies
    g = -g (maximize) and g = g + wd * p (coupled weight decay), then ``_update``."""

    weight_decay = "coupled"
    limits = {"lr": (0.0, math.inf), "momentum": (0.0, math.inf), "dampening": (-math.inf, math.inf),
              "weight_decay": (0.0, math.inf)}

    def __init__(self, params, lr=1e-3, momentum=0, dampening=0, weight_decay=0, nesterov=False, *, maximize=False,
                 foreach=None, differentiable=False, fused=None):
        super().__init__(params, dict(lr=lr, momentum=momentum, dampening=dampening, weight_decay=weight_decay,
                                      nesterov=nesterov, maximize=maximize, foreach=foreach,
                                      differentiable=differentiable, fused=fused))

    def _check_options(self, group, owner=None):
        super()._check_options(group, owner)
        if group["nesterov"] and (group["momentum"] <= 0 or group["dampening"] != 0):
            raise ValueError(f"{owner or type(self).__name__}: Nesterov momentum requires a momentum and zero dampening")

    def _sparse_gradient(self, group, i, param, grad, name):
        """A sparse gradient (nn.Embedding(sparse=True)'s) as its dense equal: PyTorch adds the sparse rows into
        p, and the rows it leaves out get lr * 0 here, which leaves them as they were. Its sparse momentum
        buffer is not written here; weight decay it refuses, with its words (a sparse gradient plus p)."""
        self._check_sparse(name, i, param, grad)
        if group["weight_decay"] != 0:
            raise RuntimeError("add(sparse, dense) is not supported. Use add(dense, sparse) instead.")
        if group["momentum"] != 0:
            raise NotImplementedError(f"{name}: momentum with a sparse gradient (PyTorch keeps a sparse momentum "
                                      "buffer) is not implemented; use momentum=0, optim.SparseAdam, or "
                                      "nn.Embedding(sparse=False)")
        return ag.storage(grad.to_dense())

    def _update(self, p, g, state, group):
        """SGD: b = g (first step), else b = mu*b + (1-dampening)*g;  g = g + mu*b (nesterov) or b;  p = p - lr*g"""
        mu, lr, dampening = group["momentum"], group["lr"], group["dampening"]
        if mu == 0:
            p -= lr * g
            return
        first = "momentum_buffer" not in state
        b = self._moment(state, "momentum_buffer", p)
        for p, g, b in blocks(p, g, b):  # block by block, in cache (the same bits as whole arrays)
            if first:
                b[...] = g
            else:
                b *= mu
                b += g if dampening == 0 else (1 - dampening) * g
            p -= lr * (g + mu * b if group["nesterov"] else b)


class Momentum(Optimizer):
    """Classical (textbook) momentum: v = beta * v - lr * g;  p = p + v.

    The same trajectory as SGD(momentum=beta) while lr is constant (v = -lr * b), written the
    way most lecture notes write it; ``maximize`` and ``weight_decay`` (coupled, g = g + wd * p)
    are applied by Optimizer.step before the update, as for SGD."""

    weight_decay = "coupled"
    limits = {"lr": (0.0, math.inf), "momentum": (0.0, 1.0), "weight_decay": (0.0, math.inf)}

    def __init__(self, params, lr=1e-3, momentum=0.9, weight_decay=0, maximize=False):
        super().__init__(params, dict(lr=lr, momentum=momentum, weight_decay=weight_decay, maximize=maximize))

    def _update(self, p, g, state, group):
        """Momentum: v = beta*v - lr*g;  p = p + v"""
        v = self._moment(state, "velocity", p)
        v *= group["momentum"]
        v -= group["lr"] * g
        p += v
