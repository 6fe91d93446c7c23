"""Where the MLP step's time goes: 784-256-128-10, batch 128, SGD, cross-entropy, piece by piece
against the hand-written numpy step of benchmarks/mlp_step.py.

    OPENBLAS_NUM_THREADS=1 python benchmarks/mlp_breakdown.py

Each figure is the best of 15 timeit repeats (microseconds per call), the pieces measured in
turn in one process, so they are lower bounds on a busy machine; compare the two columns of a
line with each other. The backward of seegrad is the step without the optimizer minus the
forward and the loss (there is no graph to walk twice without ``retain_graph``); the loss
pieces are timed on a (128, 10) leaf, so "loss backward" is the walk over one node and one leaf.
"""
import os
import sys
import timeit

import numpy as np

sys.path.insert(0, os.path.dirname(__file__))
from mlp_step import mlp_setup, numpy_step  # noqa: E402

import autograd as ag  # noqa: E402
import nn.functional as F  # noqa: E402

SIZES, BATCH, LR = (784, 256, 128, 10), 128, 0.01


def best(fn, number):
    return min(timeit.repeat(fn, number=number, repeat=15)) / number * 1e6


def numpy_pieces(params, x, y):
    """The hand-written step of mlp_step.py cut into its forward, loss, backward and update."""
    state = {}

    def forward():
        acts = [x]
        for i, (w, b) in enumerate(params):
            z = acts[-1] @ w.T + b
            acts.append(np.maximum(z, 0) if i < len(params) - 1 else z)
        state["acts"] = acts

    def loss():  # softmax, cross-entropy and its gradient, as numpy_step computes them
        logits = state["acts"][-1]
        shifted = logits - logits.max(axis=1, keepdims=True)
        probs = np.exp(shifted)
        probs /= probs.sum(axis=1, keepdims=True)
        probs[np.arange(len(y)), y] -= 1
        probs /= len(y)
        state["grad"] = probs

    def backward():
        grad, acts, grads = state["grad"], state["acts"], []
        for i in reversed(range(len(params))):
            w, _ = params[i]
            grads.append((grad.T @ acts[i], grad.sum(axis=0)))
            if i:
                grad = (grad @ w) * (acts[i] > 0)
        state["grads"] = grads[::-1]

    def update():
        for (w, b), (gw, gb) in zip(params, state["grads"]):
            w -= LR * gw
            b -= LR * gb

    forward(), loss(), backward()
    return forward, loss, backward, update


def main():
    model, opt, x, y, x_np, y_np, params = mlp_setup(SIZES, BATCH, LR)
    rng = np.random.default_rng(1)
    np_forward, np_loss, np_backward, np_update = numpy_pieces(params, x_np, y_np)
    logits = ag.tensor(rng.standard_normal((BATCH, SIZES[-1])).astype(np.float32), requires_grad=True)

    def loss_leaf():
        logits.grad = None
        return F.cross_entropy(logits, y)

    def forward_loss():
        opt.zero_grad()
        return F.cross_entropy(model(x), y)

    forward_loss().backward()  # every parameter has a gradient for opt.step

    pieces = {  # name: (numpy, seegrad, calls per timing)
        "forward, 3 Linear + 2 ReLU": (np_forward, lambda: model(x), 30),
        "loss forward": (None, loss_leaf, 300),
        "loss forward + backward": (np_loss, lambda: loss_leaf().backward(), 300),
        "forward + loss": (lambda: (np_forward(), np_loss()), forward_loss, 30),
        "forward + loss + backward": (lambda: (np_forward(), np_loss(), np_backward()),
                                      lambda: forward_loss().backward(), 20),
        "SGD update": (np_update, opt.step, 100),
        "whole step": (lambda: numpy_step(params, x_np, y_np, LR),
                       lambda: (forward_loss().backward(), opt.step()), 20),
    }
    times = {name: [float("inf"), float("inf")] for name in pieces}
    for _ in range(3):  # in turn, three times: the best of each survives a burst of load
        for name, (ours_np, ours, number) in pieces.items():
            for col, fn in enumerate((ours_np, ours)):
                if fn is not None:
                    times[name][col] = min(times[name][col], best(fn, number))
    print(f"{'piece (us)':<28} {'numpy':>8} {'seegrad':>8} {'diff':>7}")
    for name, (t_np, t_ours) in times.items():
        diff = f"{t_ours - t_np:+7.0f}" if t_np < float("inf") else ""
        print(f"{name:<28} {t_np if t_np < float('inf') else float('nan'):8.0f} {t_ours:8.0f} {diff}")
    backward = [times["forward + loss + backward"][c] - times["forward + loss"][c] for c in (0, 1)]
    print(f"{'backward (by difference)':<28} {backward[0]:8.0f} {backward[1]:8.0f} {backward[1] - backward[0]:+7.0f}")
    ratio = times["whole step"][1] / times["whole step"][0]
    print(f"whole step: seegrad / numpy = {ratio:.2f}x")


if __name__ == "__main__":
    main()
