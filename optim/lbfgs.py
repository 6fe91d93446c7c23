"""L-BFGS, as torch.optim.LBFGS (itself after minFunc): a quasi-Newton method that needs the loss again
and again within one step, so ``step`` takes a closure that recomputes it:

    opt = optim.LBFGS(model.parameters(), lr=1, line_search_fn="strong_wolfe")
    def closure():
        opt.zero_grad()
        loss = loss_fn(model(X), y)
        loss.backward()
        return loss
    opt.step(closure)

One step runs up to ``max_iter`` iterations over all parameters as one flat vector x:
  1. g = the flat gradient; stop when max |g| <= tolerance_grad
  2. the direction d = -H g, H the inverse-Hessian estimate made of the last ``history_size`` pairs
     (s = x_{k+1} - x_k, y = g_{k+1} - g_k) by the two-loop recursion; a pair is kept only when y.s > 1e-10
  3. the step t: lr (the first iteration: lr * min(1, 1 / sum |g|)), or the strong-Wolfe line search
  4. x = x + t d; the loss and gradient again; stop on max_eval evaluations, a tiny step or a tiny change.
The arithmetic is PyTorch's, in the same order and in the parameters' dtype, so the iterates agree.
"""
import math

import autograd as ag

from .optimizer import Optimizer


def _cubic_interpolate(x1, f1, g1, x2, f2, g2, bounds=None):
    """The minimiser of the cubic through (x1, f1) and (x2, f2) with slopes g1, g2, kept within
    ``bounds`` (default: between x1 and x2); their middle when the cubic has no minimum."""
    xmin_bound, xmax_bound = bounds if bounds is not None else ((x1, x2) if x1 <= x2 else (x2, x1))
    d1 = g1 + g2 - 3 * (f1 - f2) / (x1 - x2)
    d2_square = d1 ** 2 - g1 * g2
    if d2_square >= 0:
        d2 = math.sqrt(d2_square) if not hasattr(d2_square, "shape") else \
            ag.backend.get_array_module(d2_square).sqrt(d2_square)
        if x1 <= x2:
            min_pos = x2 - (x2 - x1) * ((g2 + d2 - d1) / (g2 - g1 + 2 * d2))
        else:
            min_pos = x1 - (x1 - x2) * ((g1 + d2 - d1) / (g1 - g2 + 2 * d2))
        return min(max(min_pos, xmin_bound), xmax_bound)
    return (xmin_bound + xmax_bound) / 2.0


def _strong_wolfe(obj_func, x, t, d, f, g, gtd, c1=1e-4, c2=0.9, tolerance_change=1e-9, max_ls=25):
    """A step t along d with sufficient decrease (f(t) <= f + c1 t g.d) and a flat enough slope
    (|g(t).d| <= c2 |g.d|): first bracket such a step (growing t by cubic extrapolation), then zoom in
    on the bracket by cubic interpolation. Returns (f(t), g(t), t, evaluations)."""
    d_norm = abs(d).max()
    g = g.copy()
    f_new, g_new = obj_func(x, t, d)
    ls_func_evals = 1
    gtd_new = g_new.dot(d)
    t_prev, f_prev, g_prev, gtd_prev = 0, f, g, gtd
    done = False
    ls_iter = 0
    while ls_iter < max_ls:  # bracketing
        if f_new > (f + c1 * t * gtd) or (ls_iter > 1 and f_new >= f_prev):
            bracket, bracket_f, bracket_g, bracket_gtd = [t_prev, t], [f_prev, f_new], [g_prev, g_new.copy()], \
                [gtd_prev, gtd_new]
            break
        if abs(gtd_new) <= -c2 * gtd:
            bracket, bracket_f, bracket_g = [t], [f_new], [g_new]
            done = True
            break
        if gtd_new >= 0:
            bracket, bracket_f, bracket_g, bracket_gtd = [t_prev, t], [f_prev, f_new], [g_prev, g_new.copy()], \
                [gtd_prev, gtd_new]
            break
        min_step, max_step = t + 0.01 * (t - t_prev), t * 10  # extrapolate
        tmp = t
        t = _cubic_interpolate(t_prev, f_prev, gtd_prev, t, f_new, gtd_new, bounds=(min_step, max_step))
        t_prev, f_prev, g_prev, gtd_prev = tmp, f_new, g_new.copy(), gtd_new
        f_new, g_new = obj_func(x, t, d)
        ls_func_evals += 1
        gtd_new = g_new.dot(d)
        ls_iter += 1
    if ls_iter == max_ls:  # reached the most evaluations
        bracket, bracket_f, bracket_g = [0, t], [f, f_new], [g, g_new]

    insuf_progress = False  # zoom: the bracket's low end has the lower loss
    low_pos, high_pos = (0, 1) if bracket_f[0] <= bracket_f[-1] else (1, 0)
    while not done and ls_iter < max_ls:
        if abs(bracket[1] - bracket[0]) * d_norm < tolerance_change:  # the bracket is too small
            break
        t = _cubic_interpolate(bracket[0], bracket_f[0], bracket_gtd[0], bracket[1], bracket_f[1], bracket_gtd[1])
        eps = 0.1 * (max(bracket) - min(bracket))  # stay away from the bracket's ends
        if min(max(bracket) - t, t - min(bracket)) < eps:
            if insuf_progress or t >= max(bracket) or t <= min(bracket):
                t = max(bracket) - eps if abs(t - max(bracket)) < abs(t - min(bracket)) else min(bracket) + eps
                insuf_progress = False
            else:
                insuf_progress = True
        else:
            insuf_progress = False
        f_new, g_new = obj_func(x, t, d)
        ls_func_evals += 1
        gtd_new = g_new.dot(d)
        ls_iter += 1
        if f_new > (f + c1 * t * gtd) or f_new >= bracket_f[low_pos]:  # not enough decrease: new high end
            bracket[high_pos], bracket_f[high_pos], bracket_g[high_pos], bracket_gtd[high_pos] = \
                t, f_new, g_new.copy(), gtd_new
            low_pos, high_pos = (0, 1) if bracket_f[0] <= bracket_f[1] else (1, 0)
        else:
            if abs(gtd_new) <= -c2 * gtd:  # the Wolfe conditions hold
                done = True
            elif gtd_new * (bracket[high_pos] - bracket[low_pos]) >= 0:  # the old high end becomes the low one
                bracket[high_pos], bracket_f[high_pos] = bracket[low_pos], bracket_f[low_pos]
                bracket_g[high_pos], bracket_gtd[high_pos] = bracket_g[low_pos], bracket_gtd[low_pos]
            bracket[low_pos], bracket_f[low_pos], bracket_g[low_pos], bracket_gtd[low_pos] = \
                t, f_new, g_new.copy(), gtd_new
    return bracket_f[low_pos], bracket_g[low_pos], bracket[low_pos], ls_func_evals


class LBFGS(Optimizer):
    """``LBFGS(params, lr=1, max_iter=20, max_eval=None (max_iter * 5 // 4), tolerance_grad=1e-7,
    tolerance_change=1e-9, history_size=100, line_search_fn=None | 'strong_wolfe')``; one parameter
    group only; ``step(closure)`` is required. State (of the first parameter, as PyTorch's): func_evals,
    n_iter, d, t, old_dirs, old_stps, ro, H_diag, prev_flat_grad, prev_loss."""

    def __init__(self, params, lr=1, max_iter=20, max_eval=None, tolerance_grad=1e-7, tolerance_change=1e-9,
                 history_size=100, line_search_fn=None):
        if not 0.0 <= lr:
            raise ValueError(f"LBFGS: Invalid learning rate: {lr}")
        if line_search_fn not in (None, "strong_wolfe"):
            raise ValueError(f"LBFGS: line_search_fn must be None or 'strong_wolfe', got {line_search_fn!r}")
        if max_eval is None:
            max_eval = max_iter * 5 // 4
        super().__init__(params, dict(lr=lr, max_iter=max_iter, max_eval=max_eval, tolerance_grad=tolerance_grad,
                                      tolerance_change=tolerance_change, history_size=history_size,
                                      line_search_fn=line_search_fn))
        if len(self.param_groups) != 1:
            raise ValueError("LBFGS doesn't support per-parameter options (parameter groups)")
        self._params = self.param_groups[0]["params"]

    def add_param_group(self, param_group):
        if self.param_groups:
            raise ValueError("LBFGS doesn't support per-parameter options (parameter groups)")
        super().add_param_group(param_group)

    _VECTORS = ("d", "prev_flat_grad")  # the state: one flat history over every parameter, kept with the first
    _LISTS = ("old_dirs", "old_stps", "ro", "al")
    _NUMBERS = ("func_evals", "n_iter", "t", "H_diag", "prev_loss")

    def load_state_dict(self, state_dict):
        """As Optimizer.load_state_dict; the state, which is not per parameter but one flat history
        (vectors of every parameter's numbers together, lists of them, numbers), is checked for that."""
        name = "LBFGS.load_state_dict"
        state = state_dict.get("state") if isinstance(state_dict, dict) else None
        if not hasattr(state, "items") or any(k != 0 for k in state):
            raise ValueError(f"{name}: expected the state of LBFGS.state_dict() (all of it under parameter 0)")
        saved = dict(state.get(0, {}))
        n, host = sum(p.numel() for p in self._params), ag.backend.host
        for key, value in saved.items():
            vectors = [value] if key in self._VECTORS else value if key in self._LISTS else None
            if key not in self._VECTORS + self._LISTS + self._NUMBERS:
                raise ValueError(f"{name}: unknown state entry {key!r}")
            for v in vectors or []:
                if v is not None and key != "ro" and host.shape(v) not in ((n,), ()):
                    raise ValueError(f"{name}: state[0][{key!r}] holds shape {host.shape(v)}; the parameters have {n} "
                                     "numbers")
        super().load_state_dict({**state_dict, "state": {}})
        self.state[self._params[0]] = {k: [None if v is None else host.array(v) for v in value]
                                       if k in self._LISTS else host.array(value) if k in self._VECTORS else value
                                       for k, value in saved.items()}

    # ------------------------------------------------------------ the parameters as one flat vector

    def _gather_flat_grad(self):
        """Every gradient flattened and joined (zeros for a parameter without one)."""
        xp = ag.backend.get_array_module(ag.storage(self._params[0]))  # (numpy, or the device's array module)
        return xp.concatenate([xp.zeros(p.numel(), dtype=p.dtype) if p.grad is None
                               else ag.storage(p.grad.to_dense() if p.grad.is_sparse else p.grad).reshape(-1)
                               for p in self._params])  # (a sparse gradient dense, as PyTorch's)

    def _add_grad(self, step_size, update):
        """x = x + step_size * update, in place, each parameter's version bumped."""
        offset = 0
        for p in self._params:
            n = p.numel()
            storage = ag.storage(p)
            storage += update[offset:offset + n].reshape(storage.shape) * step_size
            ag.autograd.graph.increment_version(p)
            offset += n

    def _clone_param(self):
        return [ag.storage(p).copy() for p in self._params]

    def _set_param(self, params_data):
        for p, data in zip(self._params, params_data):
            ag.storage(p)[...] = data
            ag.autograd.graph.increment_version(p)

    def _directional_evaluate(self, closure, x, t, d):
        """The loss and flat gradient at x + t d; the parameters are put back to x afterwards."""
        self._add_grad(t, d)
        loss = float(closure())
        flat_grad = self._gather_flat_grad()
        self._set_param(x)
        return loss, flat_grad

    def step(self, closure):
        """Up to max_iter L-BFGS iterations (the module docstring lists them); returns the loss the
        closure gave first."""
        if closure is None:
            raise RuntimeError("LBFGS.step: a closure is required (it recomputes the loss: zero_grad, forward, "
                               "backward, return the loss)")

        def evaluate():
            with ag.enable_grad():
                return closure()

        group = self.param_groups[0]
        lr, max_iter, max_eval = group["lr"], group["max_iter"], group["max_eval"]
        tolerance_grad, tolerance_change = group["tolerance_grad"], group["tolerance_change"]
        line_search_fn, history_size = group["line_search_fn"], group["history_size"]
        state = self.state[self._params[0]]
        state.setdefault("func_evals", 0)
        state.setdefault("n_iter", 0)

        orig_loss = evaluate()
        loss = float(orig_loss)
        current_evals = 1
        state["func_evals"] += 1
        flat_grad = self._gather_flat_grad()
        if abs(flat_grad).max() <= tolerance_grad:  # already at a minimum
            return orig_loss

        d, t = state.get("d"), state.get("t")
        old_dirs, old_stps, ro = state.get("old_dirs"), state.get("old_stps"), state.get("ro")
        H_diag, prev_flat_grad, prev_loss = state.get("H_diag"), state.get("prev_flat_grad"), state.get("prev_loss")
        n_iter = 0
        while n_iter < max_iter:
            n_iter += 1
            state["n_iter"] += 1
            if state["n_iter"] == 1:  # 2. the direction: steepest descent first
                d = -flat_grad
                old_dirs, old_stps, ro, H_diag = [], [], [], 1
            else:
                y = flat_grad - prev_flat_grad
                s = d * t
                ys = y.dot(s)
                if ys > 1e-10:  # keep the pair (a curvature that keeps H positive definite)
                    if len(old_dirs) == history_size:
                        old_dirs.pop(0)
                        old_stps.pop(0)
                        ro.pop(0)
                    old_dirs.append(y)
                    old_stps.append(s)
                    ro.append(1.0 / ys)
                    H_diag = ys / y.dot(y)
                num_old = len(old_dirs)
                al = state.setdefault("al", [None] * history_size)
                q = -flat_grad  # the two-loop recursion: d = -H g
                for i in range(num_old - 1, -1, -1):
                    al[i] = old_stps[i].dot(q) * ro[i]
                    q -= old_dirs[i] * al[i]  # (arrays on the left: a device array meets a host scalar)
                d = r = q * H_diag
                for i in range(num_old):
                    be_i = old_dirs[i].dot(r) * ro[i]
                    r += old_stps[i] * (al[i] - be_i)
            prev_flat_grad = flat_grad.copy()
            prev_loss = loss
            t = min(1.0, 1.0 / abs(flat_grad).sum()) * lr if state["n_iter"] == 1 else lr  # 3. the step
            gtd = flat_grad.dot(d)
            if gtd > -tolerance_change:  # not a descent direction
                break
            ls_func_evals = 0
            if line_search_fn is not None:
                x_init = self._clone_param()
                loss, flat_grad, t, ls_func_evals = _strong_wolfe(
                    lambda x, t, d: self._directional_evaluate(evaluate, x, t, d), x_init, t, d, loss, flat_grad,
                    gtd, max_ls=max_eval - current_evals)
                self._add_grad(t, d)
                opt_cond = abs(flat_grad).max() <= tolerance_grad
            else:
                self._add_grad(t, d)  # 4. a fixed step
                opt_cond = False
                if n_iter != max_iter:
                    loss = float(evaluate())
                    flat_grad = self._gather_flat_grad()
                    opt_cond = abs(flat_grad).max() <= tolerance_grad
                    ls_func_evals = 1
            current_evals += ls_func_evals
            state["func_evals"] += ls_func_evals
            if n_iter == max_iter or current_evals >= max_eval or opt_cond:
                break
            if abs(d * t).max() <= tolerance_change or abs(loss - prev_loss) < tolerance_change:
                break
        state.update(d=d, t=t, old_dirs=old_dirs, old_stps=old_stps, ro=ro, H_diag=H_diag,
                     prev_flat_grad=prev_flat_grad, prev_loss=prev_loss)
        return orig_loss
