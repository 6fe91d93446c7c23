"""Adafactor (Shazeer and Stern, 2018): Adam's second moment without its memory. For a matrix gradient
(the last two dims) only the mean square of each row and of each column is kept; their outer product over
the mean of the rows estimates every element's. No first moment; the step size is relative to the
parameter's own RMS, and each update is clipped to RMS d. PyTorch's version (torch.optim.Adafactor)."""
import math

import autograd as ag

from .optimizer import Optimizer


class Adafactor(Optimizer):
    """Adafactor, as torch.optim.Adafactor. Optimizer.step first applies g = -g (maximize); the weight decay
    p = p * (1 - lr * wd) is applied in ``_update``, after the step size has read the parameter's norm,
    where PyTorch applies it."""

    weight_decay = "in_update"
    limits = {"lr": (0.0, math.inf), "d": (1.0, math.inf), "weight_decay": (0.0, math.inf)}

    def __init__(self, params, lr=1e-2, beta2_decay=-0.8, eps=(None, 1e-3), d=1.0, weight_decay=0.0, *,
                 foreach=None, maximize=False):
        if not 0.0 >= beta2_decay:
            raise ValueError(f"beta2_decay should be <= 0 but is: {beta2_decay}")
        if eps[0] is not None and not 0.0 <= eps[0]:
            raise ValueError(f"epsilon1 should be >= 0 but is: {eps[0]}")
        if not 0.0 <= eps[1]:
            raise ValueError(f"epsilon2 should be >= 0 but is: {eps[1]}")
        super().__init__(params, dict(lr=lr, beta2_decay=beta2_decay, eps=tuple(eps), d=d, weight_decay=weight_decay,
                                      foreach=foreach, maximize=maximize))

    @staticmethod
    def _moment_shape(name, param):
        """row_var keeps the last dim as 1, col_var the one before it (the mean squares of rows, of columns)."""
        shape = list(param.shape)
        if name == "row_var":
            shape[-1] = 1
        elif name == "col_var":
            shape[-2] = 1
        else:
            return None
        return tuple(shape)

    def _update(self, p, g, state, group):
        """Adafactor (t = step, from 1): beta2_t = 1 - t^beta2_decay;  rho = min(lr, 1/sqrt(t));
        alpha = max(eps2, RMS(p)) * rho;  p = p * (1 - lr * wd);
        matrix g: r = beta2_t*r + (1-beta2_t)*mean(g^2, rows);  c = likewise over columns;
                  v = r c / max(mean(r), eps1)    (vector g: v = beta2_t*v + (1-beta2_t)*g^2);
        u = g / sqrt(max(v, eps1^2));  p = p - alpha / max(1, RMS(u) / d) * u"""
        xp = ag.backend.get_array_module(p)
        eps1, eps2 = group["eps"]
        if eps1 is None:
            eps1 = float(xp.finfo(p.dtype).eps)
        lr, wd = group["lr"], group["weight_decay"]
        state["step"] = t = state.get("step", 0) + 1
        one_minus_beta2 = float(t) ** group["beta2_decay"]
        rho = min(lr, 1 / float(t) ** 0.5)
        alpha = max(eps2, float(xp.linalg.norm(p.ravel())) / p.size ** 0.5) * rho
        if wd != 0:
            p *= 1 - lr * wd
        if g.ndim > 1:
            row = self._factor(state, "row_var", p)
            col = self._factor(state, "col_var", p)
            row += one_minus_beta2 * ((g * g).mean(axis=-1, keepdims=True) - row)  # (a lerp, as PyTorch's)
            col += one_minus_beta2 * ((g * g).mean(axis=-2, keepdims=True) - col)
            v = (row @ col) / xp.maximum(row.mean(axis=-2, keepdims=True), eps1)
        else:
            v = self._moment(state, "variance", p)
            v += one_minus_beta2 * (g * g - v)
        update = g / xp.sqrt(xp.maximum(v, eps1 * eps1))
        denom = max(1.0, float(xp.linalg.norm(update.ravel())) / (update.size ** 0.5 * group["d"]))
        p -= (alpha / denom) * update

    def _factor(self, state, name, p):
        """The row or column factor ``state[name]``, zeros of ``_moment_shape`` on first use."""
        if state.get(name) is None:
            state[name] = ag.from_array(ag.backend.get_array_module(p).zeros(self._moment_shape(name, p), p.dtype))
        return ag.storage(state[name])
