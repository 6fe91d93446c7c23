"""SGD (PyTorch's, with momentum, dampening, Nesterov, weight decay) and textbook Momentum."""
import math

import autograd as ag

from .optimizer import Optimizer, _sparse as _is_sparse, blocks

_ndarray = ag.backend.host.ndarray  # (a dense gradient's storage on the CPU: the common case, one test)


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
        """A sparse gradient (nn.Embedding(sparse=True)'s), kept sparse for ``_update``, as PyTorch's SGD keeps it.
        Refused as PyTorch refuses it: with weight decay (a sparse gradient plus p) and, with Nesterov momentum,
        on a dense momentum buffer (a sparse gradient plus a dense buffer); fused=True has no sparse kernel."""
        self._check_sparse(name, i, param, grad)
        if group.get("fused"):
            raise RuntimeError("`_fused_sgd` does not support sparse gradients")
        buf = self.state.get(param, {}).get("momentum_buffer") if group["momentum"] != 0 else None
        if group["weight_decay"] != 0 or (group["nesterov"] and buf is not None and not _is_sparse(buf)):
            raise RuntimeError("add(sparse, dense) is not supported. Use add(dense, sparse) instead.")
        return grad

    def _check_step(self):
        work = super()._check_step()
        for group, params in zip(self.param_groups, work):
            if group["momentum"] == 0:  # (no buffer)
                continue
            for param, _, g in params:  # a dense gradient added to a sparse momentum buffer: refused, as PyTorch's
                if not _is_sparse(g) and _is_sparse(self.state.get(param, {}).get("momentum_buffer")):
                    raise RuntimeError("add(sparse, dense) is not supported. Use add(dense, sparse) instead.")
        return work

    def _update(self, p, g, state, group):
        """SGD: b = g (first step), else b = mu*b + (1-dampening)*g;  g = g + mu*b (nesterov) or b;  p = p - lr*g"""
        if type(g) is not _ndarray and _is_sparse(g):
            return self._sparse_update(p, g, state, group)
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

    @staticmethod
    def _sparse_update(p, g, state, group):
        """SGD on a sparse gradient, as PyTorch's, to the bit: the momentum buffer is sparse too (a clone of the
        first gradient), b = mu*b, then b + (1-dampening)*g merges the index lists (PyTorch's sparse add: an
        index absent from a step keeps its decayed entries; the buffer is coalesced only when every gradient
        was); Nesterov adds g + mu*b the same way; p = p - lr*g entry by entry (repeated rows added in turn).
        A dense buffer (from dense gradients before) takes the sparse gradient into it and stays dense."""
        mu, lr, dampening = group["momentum"], group["lr"], group["dampening"]
        if mu != 0:
            buf = state.get("momentum_buffer")
            if buf is None:
                buf = state["momentum_buffer"] = g.clone()
            elif _is_sparse(buf):
                buf.mul_(mu).add_(g, alpha=1 - dampening)  # (in place, as PyTorch's)
            else:
                b = ag.storage(buf)
                b *= mu
                buf.add_(g, alpha=1 - dampening)
                p -= lr * b
                return
            g = g.add(buf, alpha=mu) if group["nesterov"] else buf
        ag.from_array(p).add_(g, alpha=-lr)


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
