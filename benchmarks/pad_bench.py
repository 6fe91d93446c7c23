"""F.pad with mode reflect / replicate / circular, forward + backward: seegrad against PyTorch CPU and
against the gather formulation it replaced, interleaved in one process (benchmarks/_harness.py).

The input is (4, 3, 8, 64, 96) float32 padded by 3 on each side of its last three dims (nn.ReflectionPad3d(3)
and friends), loss = (out * w).sum() with a fixed w. "gather": the padding as one fancy index per dim (what
F.pad did before ModePad), whose backward is an index-add per dim.

    OPENBLAS_NUM_THREADS=1 python benchmarks/pad_bench.py
"""
import os
import sys

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

import autograd as ag  # noqa: E402
import nn.functional as F  # noqa: E402
from _harness import interleaved, torch_or_none  # noqa: E402

SHAPE, PADS = (4, 3, 8, 64, 96), (3, 3, 3, 3, 3, 3)


def source_index(size, lo, hi, mode):
    """The input position each padded position copies along one dim (the old formulation)."""
    pos = np.arange(-lo, size + hi)
    if mode == "replicate":
        return np.clip(pos, 0, size - 1)
    if mode == "circular":
        return pos % size
    period = 2 * (size - 1)
    pos = np.abs(pos) % period
    return np.where(pos >= size, period - pos, pos)


def gather_pad(x, mode):
    y = x
    for i in range(len(PADS) // 2):
        d = x.ndim - 1 - i
        y = y[(slice(None),) * d + (ag.tensor(source_index(y.shape[d], PADS[2 * i], PADS[2 * i + 1], mode)),)]
    return y


def main():
    torch = torch_or_none("1")
    rng = np.random.default_rng(0)
    x_np = rng.standard_normal(SHAPE).astype(np.float32)
    out_shape = tuple(n + 6 if i >= 2 else n for i, n in enumerate(SHAPE))
    w_np = rng.standard_normal(out_shape).astype(np.float32)
    x, w = ag.tensor(x_np, requires_grad=True), ag.tensor(w_np)
    for mode in ("reflect", "replicate", "circular"):
        def ours():
            x.grad = None
            (F.pad(x, PADS, mode=mode) * w).sum().backward()

        def gather():
            x.grad = None
            (gather_pad(x, mode) * w).sum().backward()

        candidates = {"seegrad": ours, "gather": gather}
        if torch is not None:
            xt, wt = torch.tensor(x_np, requires_grad=True), torch.tensor(w_np)

            def theirs():
                xt.grad = None
                (torch.nn.functional.pad(xt, PADS, mode=mode) * wt).sum().backward()

            theirs()
            ours()
            np.testing.assert_allclose(x.grad.numpy(), xt.grad.numpy(), rtol=1e-4, atol=1e-4)
            candidates["pytorch"] = theirs
        times = interleaved(candidates, rounds=5)
        line = f"{mode:9}  seegrad {times['seegrad'] * 1e3:7.1f} ms  gather {times['gather'] * 1e3:7.1f} ms"
        line += f"  seegrad / gather = {times['seegrad'] / times['gather']:.2f}x"
        if "pytorch" in times:
            line += f"  pytorch {times['pytorch'] * 1e3:7.1f} ms  seegrad / pytorch = " \
                    f"{times['seegrad'] / times['pytorch']:.2f}x"
        print(line)


if __name__ == "__main__":
    main()
