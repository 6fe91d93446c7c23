"""The MLP step phase by phase, seegrad against hand-written numpy that does the same work.

    OPENBLAS_NUM_THREADS=1 python benchmarks/mlp_phases.py

784-256-128-10, batch 128, SGD. The numpy step here is mlp_step.py's, restructured as seegrad's
step runs: the loss value computed (log-softmax, then the mean of the picked entries), every
gradient computed before any parameter moves, then the update. So the difference between the
two steps is the engine's, not the recipe's. Printed: both whole steps and mlp_step.py's
original numpy step (interleaved, medians), then per phase (zero_grad, forward, loss, backward,
update), the medians of 7 passes of 300 steps each, timed with perf_counter_ns around each phase.
"""
import os
import sys
import time
import timeit

import numpy as np

sys.path.insert(0, os.path.dirname(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

import nn.functional as F  # noqa: E402
from mlp_step import mlp_setup, numpy_step  # noqa: E402

SIZES, BATCH, LR = (784, 256, 128, 10), 128, 0.01
PHASES = ("zero_grad", "forward", "loss", "backward", "update")


def numpy_phases(params, x, y):
    """One step in seegrad's order; returns the nanoseconds of each phase."""
    clock = time.perf_counter_ns
    t0 = clock()
    acts = [x]
    for i, (w, b) in enumerate(params):
        z = acts[-1] @ w.T + b
        acts.append(np.maximum(z, 0) if i < len(params) - 1 else z)
    t1 = clock()
    shifted = acts[-1] - acts[-1].max(axis=1, keepdims=True)
    logp = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    loss = -logp[np.arange(len(y)), y].mean()
    t2 = clock()
    grad = np.exp(logp)
    grad[np.arange(len(y)), y] -= 1
    grad /= len(y)
    grads = []
    for i in reversed(range(len(params))):
        w, _ = params[i]
        grads.append((grad.T @ acts[i], grad.sum(axis=0)))
        if i:
            grad = (grad @ w) * (acts[i] != 0)
    t3 = clock()
    for (w, b), (gw, gb) in zip(reversed(params), grads):
        w -= LR * gw
        b -= LR * gb
    t4 = clock()
    return loss, (0, t1 - t0, t2 - t1, t3 - t2, t4 - t3)


def main():
    model, opt, x, y, x_np, y_np, params = mlp_setup(SIZES, BATCH, LR)
    original = [(w.copy(), b.copy()) for w, b in params]
    first, _ = numpy_phases([(w.copy(), b.copy()) for w, b in params], x_np, y_np)
    assert abs(first - F.cross_entropy(model(x), y).item()) < 1e-4, "the two steps compute different losses"

    def ours_phases():
        clock = time.perf_counter_ns
        t0 = clock()
        opt.zero_grad()
        t1 = clock()
        out = model(x)
        t2 = clock()
        loss = F.cross_entropy(out, y)
        t3 = clock()
        loss.backward()
        t4 = clock()
        opt.step()
        return t1 - t0, t2 - t1, t3 - t2, t4 - t3, clock() - t4

    steps = {"seegrad": ours_phases, "numpy, same order": lambda: numpy_phases(params, x_np, y_np),
             "numpy, mlp_step.py's": lambda: numpy_step(original, x_np, y_np, LR)}
    whole = {k: [] for k in steps}
    for _ in range(15):
        for k, fn in steps.items():
            whole[k].append(min(timeit.repeat(fn, number=20, repeat=3)) / 20)
    med = {k: float(np.median(v)) for k, v in whole.items()}
    for k, v in med.items():
        print(f"{k:22s} {v * 1e3:.3f} ms  {v / med['numpy, same order']:.3f}x")
    passes = []
    for _ in range(7):
        ours = np.mean([ours_phases() for _ in range(300)], axis=0)
        theirs = np.mean([numpy_phases(params, x_np, y_np)[1] for _ in range(300)], axis=0)
        passes.append((ours, theirs))
    ours, theirs = (np.median([p[i] for p in passes], axis=0) / 1e3 for i in (0, 1))
    print(f"\n{'phase (us)':12s} {'seegrad':>8s} {'numpy':>8s} {'diff':>8s}")
    for name, a, b in zip(PHASES, ours, theirs):
        print(f"{name:12s} {a:8.1f} {b:8.1f} {a - b:+8.1f}")
    print(f"{'sum':12s} {ours.sum():8.1f} {theirs.sum():8.1f} {ours.sum() - theirs.sum():+8.1f}")


if __name__ == "__main__":
    main()
