"""SparseAdam: Adam for sparse gradients (nn.Embedding(sparse=True)'s), lazily: only the rows a gradient holds
have their moments and values updated; the other rows, and their moments, stay as they were (torch.optim.SparseAdam)."""
import math

import autograd as ag

from .optimizer import Optimizer


class SparseAdam(Optimizer):
    """SparseAdam, as torch.optim.SparseAdam: dense parameters, sparse gradients only (a dense gradient is
    refused with PyTorch's words). Optimizer.step first applies g = -g (maximize); there is no weight decay."""

    limits = {"lr": (0.0, math.inf), "betas": [(0.0, 1.0), (0.0, 1.0)], "eps": (0.0, math.inf)}

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, maximize=False):
        # PyTorch's checks and words first (the base class's follow, for what they leave: NaN, inf, a bool)
        if isinstance(lr, (int, float)) and not 0.0 < lr:
            raise ValueError(f"Invalid learning rate: {lr}")
        if isinstance(eps, (int, float)) and not 0.0 < eps:
            raise ValueError(f"Invalid epsilon value: {eps}")
        for i in range(2):
            beta = betas[i] if isinstance(betas, (tuple, list)) and len(betas) == 2 else None
            if isinstance(beta, (int, float)) and not 0.0 <= beta < 1.0:
                raise ValueError(f"Invalid beta parameter at index {i}: {beta}")
        super().__init__(params, dict(lr=lr, betas=tuple(betas) if isinstance(betas, list) else betas, eps=eps,
                                      maximize=maximize))

    def _sparse_gradient(self, group, i, param, grad, name):
        self._check_sparse(name, i, param, grad)
        return grad  # (the SparseTensor itself: _update reads its rows)

    def _check_step(self):
        work = super()._check_step()
        for params in work:
            for _, _, g in params:
                if not getattr(g, "is_sparse", False):
                    raise RuntimeError("SparseAdam does not support dense gradients, please consider Adam instead")
        return work

    def _update(self, p, g, state, group):
        """SparseAdam (t = step, from 1), on the rows r that the coalesced gradient holds (values g_r), only:
        m_r = m_r + (1-b1)*(g_r - m_r);  v_r = v_r + (1-b2)*(g_r^2 - v_r);
        p_r = p_r - lr * sqrt(1-b2^t)/(1-b1^t) * m_r / (sqrt(v_r) + eps)"""
        (b1, b2), lr = group["betas"], group["lr"]
        m = self._moment(state, "exp_avg", p)
        v = self._moment(state, "exp_avg_sq", p)
        state["step"] = t = state.get("step", 0) + 1  # (counted also for a gradient with no entries, as PyTorch)
        g = g.coalesce()  # the update is not linear: each row once, its entries added up
        values = ag.storage(g._values())  # (nnz, *dense dims)
        if values.size == 0:
            return
        rows = tuple(ag.storage(g._indices()))  # (sparse_dim index arrays, unique)
        old_m, old_v = m[rows], v[rows]
        m_step = (values - old_m) * (1 - b1)
        v_step = (values * values - old_v) * (1 - b2)
        m[rows] = old_m + m_step  # (PyTorch's m + sparse(m_step): one entry per row)
        v[rows] = old_v + v_step
        numer = m_step + old_m  # (PyTorch's order: the step plus the old value, again, not the new m_r read back)
        denom = v_step + old_v
        step_size = lr * math.sqrt(1 - b2 ** t) / (1 - b1 ** t)
        p[rows] = p[rows] + -step_size * (numer / (ag.backend.get_array_module(p).sqrt(denom) + group["eps"]))
