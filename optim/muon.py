"""Muon (Keller Jordan, 2024): momentum whose update is orthogonalised by a Newton-Schulz iteration, for the
2-d weights of hidden layers (PyTorch 2.9's torch.optim.Muon). Biases, norms and embeddings go to another
optimizer (AdamW), as PyTorch's docs say.

PyTorch runs the iteration in bfloat16, which numpy lacks: ``bfloat16`` below rounds float32 arrays to the
nearest bfloat16 value (ties to even, as PyTorch's conversion), and the iteration rounds there after each op
PyTorch does in bfloat16 (each product summed in float32, then rounded once, as PyTorch's CPU kernels). The
result is PyTorch's to the bit on small matrices; on larger ones the float32 sums are added in another order
than PyTorch's, which moves an entry by one bfloat16 step (2^-8 relative) now and then.
"""
import math

import autograd as ag

from .optimizer import Optimizer

EPS = 1e-7  # Keller Jordan's constants, as PyTorch's
DEFAULT_A, DEFAULT_B, DEFAULT_C = 3.4445, -4.7750, 2.0315
DEFAULT_NS_STEPS = 5
ADJUST_LR_FNS = (None, "original", "match_rms_adamw")


def bfloat16(x):
    """``x`` (float32) rounded to the nearest bfloat16 value, ties to even, still as float32 (NaN stays NaN)."""
    xp = ag.backend.get_array_module(x)
    bits = x.view(xp.uint32)
    rounded = ((bits + xp.uint32(0x7FFF) + ((bits >> 16) & xp.uint32(1))) & xp.uint32(0xFFFF0000)).view(xp.float32)
    return xp.where(xp.isnan(x), x, rounded)


def zeropower_via_newtonschulz(g, ns_coefficients, ns_steps, eps):
    """The orthogonalised ``g`` (2-d): about U V^T for g = U S V^T, in bfloat16 (as float32 values).

    a) X = g in bfloat16, transposed if it has more rows than columns (X X^T is then the smaller Gram matrix);
    b) X = X / max(||X||_F, eps): the spectral norm is at most 1;
    c) ns_steps times: A = X X^T;  B = b A + c A A;  X = a X + B X  (the quintic a x + b x^3 + c x^5 on each
       singular value, pushing it towards 1);
    d) transposed back."""
    xp = ag.backend.get_array_module(g)
    a, b, c = (xp.float32(k) for k in ns_coefficients)
    x = bfloat16(g.astype(xp.float32))  # (from float64 through float32, as PyTorch's conversion)
    tall = g.shape[0] > g.shape[1]
    if tall:
        x = x.T
    norm = bfloat16(xp.sqrt(xp.sum(x * x, dtype=xp.float32)).reshape(1))
    x = bfloat16(x / xp.maximum(norm, bfloat16(xp.asarray([eps], dtype=xp.float32))))
    for _ in range(ns_steps):
        gram = bfloat16(x @ x.T)
        update = bfloat16(b * gram + c * (gram @ gram))
        x = bfloat16(a * x + update @ x)
    return x.T if tall else x


def lerp(start, end, weight):
    """start + weight * (end - start), as PyTorch's lerp: from the far end when weight >= 1/2."""
    if abs(weight) < 0.5:
        return start + weight * (end - start)
    return end - (end - start) * (1 - weight)


def adjusted_lr(lr, adjust_lr_fn, shape):
    """lr scaled for a (A, B) matrix: "original" (None) sqrt(max(1, A/B)), Keller Jordan's; "match_rms_adamw"
    0.2 sqrt(max(A, B)), Moonshot's, so that the update's RMS matches AdamW's and AdamW's lr carries over."""
    rows, cols = shape[:2]
    if adjust_lr_fn is None or adjust_lr_fn == "original":
        return lr * math.sqrt(max(1, rows / cols))
    return lr * 0.2 * math.sqrt(max(rows, cols))


class Muon(Optimizer):
    """Muon, as torch.optim.Muon: only 2-d parameters. Optimizer.step first applies the decoupled weight
    decay p = p * (1 - lr * wd) (with the group's lr, before its adjustment), then ``_update``."""

    weight_decay = "decoupled"
    limits = {"lr": (0.0, math.inf), "weight_decay": (0.0, math.inf), "momentum": (0.0, math.inf),
              "eps": (0.0, math.inf)}

    def __init__(self, params, lr=1e-3, weight_decay=0.1, momentum=0.95, nesterov=True,
                 ns_coefficients=(DEFAULT_A, DEFAULT_B, DEFAULT_C), eps=EPS, ns_steps=DEFAULT_NS_STEPS,
                 adjust_lr_fn=None):
        # PyTorch's checks and words first (the base class's follow, for what they leave: NaN, inf, a bool)
        for value, message in ((lr, "Learning rate should be >= 0 but is: {}"),
                               (momentum, "momentum should be >= 0 but is: {}"),
                               (weight_decay, "weight decay should be >= 0 but is: {}")):
            if isinstance(value, (int, float)) and not 0.0 <= value:
                raise ValueError(message.format(value))
        super().__init__(params, dict(lr=lr, weight_decay=weight_decay, momentum=momentum, nesterov=nesterov,
                                      ns_coefficients=ns_coefficients, eps=eps, ns_steps=ns_steps,
                                      adjust_lr_fn=adjust_lr_fn))

    def add_param_group(self, param_group):
        """As the base's; every parameter 2-d (PyTorch's refusal, in its words)."""
        params = param_group.get("params") if isinstance(param_group, dict) else None
        for p in [params] if isinstance(params, ag.Tensor) else []:
            self._check_2d(p)
        if params is not None and not isinstance(params, ag.Tensor):
            param_group = {**param_group, "params": list(params)}  # (an iterator is read once: here)
            for p in param_group["params"]:
                if isinstance(p, ag.Tensor):
                    self._check_2d(p)
        super().add_param_group(param_group)

    @staticmethod
    def _check_2d(p):
        if p.ndim != 2:
            raise ValueError(f"Muon only supports 2D parameters whereas we found a parameter with size: "
                             f"torch.Size({list(p.shape)})")

    def _check_options(self, group, owner=None):
        """The base's checks, then Muon's own, with PyTorch's words (PyTorch checks ns_steps and the
        coefficients at the first step; here a group is refused when it is added, before anything changes)."""
        super()._check_options(group, owner)
        if group.get("adjust_lr_fn") not in ADJUST_LR_FNS:
            raise ValueError(f"Adjust learning rate function {group['adjust_lr_fn']} is not supported")
        steps = group.get("ns_steps", DEFAULT_NS_STEPS)
        if isinstance(steps, bool) or not isinstance(steps, int):
            raise TypeError(f"{owner or 'Muon'}: ns_steps must be an int, got {steps!r}")
        if steps >= 100:
            raise ValueError("Number of steps must be less than 100 for computational efficiency")
        coefficients = group.get("ns_coefficients", ())
        if not isinstance(coefficients, (tuple, list)) or len(coefficients) != 3:
            raise ValueError("Coefficients must be a tuple of exactly 3 values")
        if not all(isinstance(k, (int, float)) and not isinstance(k, bool) and math.isfinite(k)
                   for k in coefficients):
            raise ValueError(f"{owner or 'Muon'}: ns_coefficients must be 3 finite numbers, got {coefficients!r}")

    def _update(self, p, g, state, group):
        """Muon: B = mu*B + (1-mu)*g;  U = mu*B + (1-mu)*g (nesterov) or B (both lerps, as PyTorch);
        O = NS(U) (orthogonalised, in bfloat16);  p = p - adjusted_lr * O"""
        mu = group["momentum"]
        b = self._moment(state, "momentum_buffer", p)
        b[...] = lerp(b, g, 1 - mu)
        update = lerp(g, b, mu) if group["nesterov"] else b
        ortho = zeropower_via_newtonschulz(update, group["ns_coefficients"], group["ns_steps"], group["eps"])
        p -= adjusted_lr(group["lr"], group["adjust_lr_fn"], p.shape) * ortho.astype(p.dtype, copy=False)
