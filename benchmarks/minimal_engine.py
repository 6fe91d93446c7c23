"""The floor for a Python engine on W1: a featureless reverse-mode engine, timed against this one.

    OPENBLAS_NUM_THREADS=1 python benchmarks/minimal_engine.py

It also counts the Python calls and built-in calls one step makes in each engine.

The engine below has what W1 needs and nothing else: a ``__slots__`` tensor, one tuple per
node (backward function, parents, saved arrays), a walk in creation order, gradients
accumulated into ``.grad``. No version counters, hooks, anomaly mode, retain_grad,
create_graph, recorders, views, dtype rules, broadcasting or error messages. The distance
between it and seegrad is the price of those features (see docs/performance.md).
"""
import itertools
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(__file__))
from _harness import interleaved, torch_or_none  # noqa: E402

_seq = itertools.count()


class T:
    __slots__ = ("data", "grad", "node")

    def __init__(self, data, node=None):
        self.data, self.grad, self.node = data, None, node

    def __mul__(self, other):
        return T(self.data * other.data, (next(_seq), _mul_back, (self, other), (self.data, other.data)))

    def __add__(self, other):
        return T(self.data + other.data, (next(_seq), _add_back, (self, other), None))

    def tanh(self):
        out = np.tanh(self.data)
        return T(out, (next(_seq), _tanh_back, (self,), out))

    def sum(self):
        return T(np.add.reduce(self.data, axis=None), (next(_seq), _sum_back, (self,), self.data.shape))

    def backward(self):
        nodes, stack, seen = [], [self], {id(self)}
        while stack:  # every tensor with a node, then newest first
            t = stack.pop()
            if t.node is not None:
                nodes.append(t)
                for p in t.node[2]:
                    if id(p) not in seen:
                        seen.add(id(p))
                        stack.append(p)
        nodes.sort(key=lambda t: t.node[0], reverse=True)
        grads = {id(self): np.ones_like(self.data)}
        for t in nodes:
            g = grads.pop(id(t))
            _, back, parents, saved = t.node
            for p, gp in zip(parents, back(g, saved)):
                if p.node is None:
                    p.grad = gp if p.grad is None else p.grad + gp
                else:
                    prev = grads.get(id(p))
                    grads[id(p)] = gp if prev is None else prev + gp


def _mul_back(g, saved):
    return g * saved[1], g * saved[0]


def _add_back(g, saved):
    return g, g


def _tanh_back(g, out):
    return (g * (1 - out * out),)


def _sum_back(g, shape):
    out = np.empty(shape, dtype=g.dtype)
    out[...] = g
    return (out,)


def calls_per_step(step):
    """How many Python functions and built-in functions one call of ``step`` calls (sys.setprofile):
    in the loop each Python call costs ~0.3-0.45 us here, so this counts most of an engine's overhead
    (numpy's ufuncs are not counted: they are neither)."""
    counts = {"call": 0, "c_call": 0}

    def profile(frame, event, arg):
        if event in counts:
            counts[event] += 1

    sys.setprofile(profile)
    try:
        step()
    finally:
        sys.setprofile(None)
    return counts["call"] - 1, counts["c_call"] - 1  # (less step itself and setprofile)


def main():
    import autograd as ag

    ag.manual_seed(0)
    a, b, c = (ag.randn(4, 4, requires_grad=True) for _ in range(3))
    A, B, C = (x.detach().numpy() for x in (a, b, c))
    ma, mb, mc = T(A.copy()), T(B.copy()), T(C.copy())

    def minimal():
        ((ma * mb + mc).tanh()).sum().backward()

    def seegrad():
        ((a * b + c).tanh()).sum().backward()

    minimal()
    seegrad()
    for x, m in ((a, ma), (b, mb), (c, mc)):  # the same gradients, or the timing means nothing
        assert np.allclose(x.grad.detach().numpy(), m.grad, rtol=1e-6), "the engines disagree"
    candidates = {"minimal": minimal, "seegrad": seegrad}
    torch = torch_or_none("1")
    if torch is not None:
        ta, tb, tc = (torch.tensor(x, requires_grad=True) for x in (A, B, C))
        candidates["pytorch"] = lambda: ((ta * tb + tc).tanh()).sum().backward()
    for name in ("minimal", "seegrad"):
        python_calls, c_calls = calls_per_step(candidates[name])
        print(f"{name:8s} one step makes {python_calls} Python calls and {c_calls} calls of built-in functions")
    t = interleaved(candidates)
    for name, s in t.items():
        print(f"{name:8s} {s * 1e6:7.1f} us")
    if "pytorch" in t:
        print(f"minimal / pytorch = {t['minimal'] / t['pytorch']:.2f}x, seegrad / pytorch = "
              f"{t['seegrad'] / t['pytorch']:.2f}x, seegrad / minimal = {t['seegrad'] / t['minimal']:.2f}x")


if __name__ == "__main__":
    main()
