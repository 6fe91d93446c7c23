"""Optimizer steps against the same update hand-written in numpy (and torch.optim when installed).

    python benchmarks/optim_step.py

Parameters: the weights of a 784-256-128-10 MLP (235,146 floats, float32). Each candidate
applies one update from fixed gradients; the numpy reference is the textbook formula written
with in-place array ops, the floor for a numpy optimizer. Ratios are medians of interleaved
rounds in one process, so machine load hits every candidate alike.
"""
import os
import sys

sys.path.insert(0, os.path.dirname(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from _harness import interleaved, torch_or_none  # noqa: E402

SIZES = (784, 256, 128, 10)


def numpy_updates():
    """name -> (make_state, update(ps, gs, state)) in plain numpy."""
    import math

    import numpy as np

    def sgd(ps, gs, st):
        for p, g in zip(ps, gs):
            p -= 0.01 * g

    def momentum(ps, gs, st):
        for p, g, b in zip(ps, gs, st["b"]):
            b *= 0.9
            b += g
            p -= 0.01 * b

    def adam(ps, gs, st):
        st["t"] += 1
        t = st["t"]
        for p, g, m, v in zip(ps, gs, st["m"], st["v"]):
            m += 0.1 * (g - m)
            v *= 0.999
            v += 0.001 * (g * g)
            denom = np.sqrt(v) / math.sqrt(1 - 0.999 ** t)  # a Python float keeps float32
            denom += 1e-8
            p -= (1e-3 / (1 - 0.9 ** t)) * (m / denom)

    def zeros(ps):
        return [np.zeros_like(p) for p in ps]

    return {"SGD": (lambda ps: {}, sgd, dict(lr=0.01)),
            "SGD momentum": (lambda ps: {"b": zeros(ps)}, momentum, dict(lr=0.01, momentum=0.9)),
            "Adam": (lambda ps: {"m": zeros(ps), "v": zeros(ps), "t": 0}, adam, dict(lr=1e-3))}


def sgd_by_hand(ag, params, lr):
    """``with no_grad(): p -= lr * p.grad`` for each parameter, as "Learning PyTorch with Examples" writes it."""
    with ag.no_grad():
        for p in params:
            p -= lr * p.grad


def main():
    import numpy as np

    import autograd as ag
    import nn
    import optim

    torch = torch_or_none(os.environ.get("BENCH_THREADS", "1"))
    rng = np.random.default_rng(0)
    shapes = [s for i in range(len(SIZES) - 1) for s in ((SIZES[i + 1], SIZES[i]), (SIZES[i + 1],))]
    grads = [rng.standard_normal(s).astype(np.float32) for s in shapes]
    for name, (make_state, update, kw) in numpy_updates().items():
        np_params = [rng.standard_normal(s).astype(np.float32) for s in shapes]
        np_state = make_state(np_params)
        params = [nn.Parameter(ag.tensor(p.copy())) for p in np_params]
        for p, g in zip(params, grads):
            p.grad = ag.tensor(g)
        cls = optim.Adam if name == "Adam" else optim.SGD
        opt = cls(params, **kw)
        candidates = {"seegrad": opt.step, "numpy": lambda: update(np_params, grads, np_state)}
        if name == "SGD":  # the tutorials' update by hand: in place under no_grad
            candidates["by hand"] = lambda: sgd_by_hand(ag, params, kw["lr"])
        if torch is not None:
            tparams = [torch.tensor(p.copy(), requires_grad=True) for p in np_params]
            for p, g in zip(tparams, grads):
                p.grad = torch.tensor(g)
            topt = getattr(torch.optim, cls.__name__)(tparams, **kw)
            candidates["pytorch"] = topt.step
        t = interleaved(candidates, rounds=7)
        line = f"{name:13s}: " + ", ".join(f"{k} {v * 1e3:.3f} ms" for k, v in t.items())
        line += f"   seegrad / numpy = {t['seegrad'] / t['numpy']:.2f}x"
        if "by hand" in t:
            line += f"   by hand / numpy = {t['by hand'] / t['numpy']:.2f}x"
        if "pytorch" in t:
            line += f"   pytorch / numpy = {t['pytorch'] / t['numpy']:.2f}x"
        print(line)


if __name__ == "__main__":
    main()
