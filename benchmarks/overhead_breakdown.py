"""Where the microseconds of W1 go: ((a*b + c).tanh()).sum() on (4, 4) float32, forward + backward.

    OPENBLAS_NUM_THREADS=1 python benchmarks/overhead_breakdown.py

Each line is the best of 7 timeit repeats (nanoseconds per call), so the figures are
lower bounds on a busy machine; compare lines with each other, not with another run.
Forward ops are timed three ways: the Python operator (front + apply), ``Function.apply``
alone, and under ``no_grad`` (nothing recorded); backward is split into its steps
(topological order, each node's ``_backward``, a leaf's accumulation). The last lines count
what one op leaves alive: memory blocks (``sys.getallocatedblocks``) and objects the cyclic
garbage collector tracks (``gc.get_objects``) per recorded op, kept in a list.
"""
import gc
import sys
import timeit

import numpy as np

import autograd as ag
from autograd.graph import topological_order
from autograd.ops.math import Add, Mul, Tanh
from autograd.ops.reduce import Sum


def best(stmt, env, number=20000):
    return min(timeit.repeat(stmt, globals=env, number=number, repeat=7)) / number * 1e9


def kept_per_op(make, n=2000):
    """Memory blocks and GC-tracked objects that one op's result keeps alive."""
    gc.collect()
    gc.disable()
    try:
        blocks, tracked = sys.getallocatedblocks(), len(gc.get_objects())
        keep = [make() for _ in range(n)]
        blocks, tracked = sys.getallocatedblocks() - blocks, len(gc.get_objects()) - tracked - 1
    finally:
        gc.enable()
    del keep
    return blocks / n, tracked / n


def main():
    ag.manual_seed(0)
    a, b, c = (ag.randn(4, 4, requires_grad=True) for _ in range(3))
    A, B, C = a.detach().numpy(), b.detach().numpy(), c.detach().numpy()
    leaves = [x._node() for x in (a, b, c)]  # keep the leaves' sinks alive, as a model's parameters do
    env = dict(globals(), a=a, b=b, c=c, A=A, B=B, C=C, ab=a * b, z=a * b + c)
    env["t"] = env["z"].tanh()
    rows = [
        ("bare numpy: forward", "np.tanh(A * B + C).sum()"),
        ("bare numpy: backward", "gz = np.ones_like(A) * (1 - A * A); gz * B; gz * A"),
        ("W1 forward", "((a * b + c).tanh()).sum()"),
        ("W1 forward + backward", "((a * b + c).tanh()).sum().backward()"),
        ("a * b", "a * b"),
        ("  Mul.apply(a, b)", "Mul.apply(a, b)"),
        ("  no_grad: a * b", "with ag.no_grad(): a * b"),
        ("ab + c", "ab + c"),
        ("  Add.apply(ab, c)", "Add.apply(ab, c)"),
        ("z.tanh()", "z.tanh()"),
        ("  Tanh.apply(z)", "Tanh.apply(z)"),
        ("t.sum()", "t.sum()"),
        ("  Sum.apply(t, axis=None)", "Sum.apply(t, axis=None, keepdims=False)"),
    ]
    print(f"{'W1 piece':34s} {'ns':>7s}")
    for name, stmt in rows:
        print(f"{name:34s} {best(stmt, env):7.0f}")

    loss = ((a * b + c).tanh()).sum()
    order = topological_order([loss._node()])
    g = np.ones((4, 4), np.float32)
    env.update(loss=loss, order=order, g=g, one=np.array(1, np.float32))
    rows = [
        ("backward: seed gradient", "loss._root_grad(None, 'backward')"),
        ("backward: topological order (7 nodes)", "topological_order([loss._node()])"),
        (f"backward: {order[0].name()}.backward", "order[0].backward(one)"),
        (f"backward: {order[1].name()}.backward", "order[1].backward(g)"),
        (f"backward: {order[2].name()}.backward", "order[2].backward(g)"),
        (f"backward: {order[3].name()}.backward", "order[3].backward(g)"),
        ("backward: a leaf's accumulation", "order[4].variable._accumulate_grad(g)"),
    ]
    for name, stmt in rows:
        print(f"{name:40s} {best(stmt, env):7.0f}")
    for x in (a, b, c):
        x.grad = None

    for name, make in (("a * b", lambda: a * b), ("z.tanh()", lambda: env["z"].tanh()),
                       ("Value * Value", lambda: va * vb)):
        if name.startswith("Value"):
            va, vb = ag.Value(1.5), ag.Value(2.0)
            leaves += [va._node(), vb._node()]
        blocks, tracked = kept_per_op(make)
        print(f"kept alive per {name:14s}: {blocks:5.1f} memory blocks, {tracked:4.1f} GC-tracked objects")


if __name__ == "__main__":
    main()
