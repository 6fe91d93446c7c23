"""Per-op overhead: ((a*b + c).tanh()).sum() on (4, 4) float32, forward + backward.

    python benchmarks/overhead.py

Prints microseconds per iteration for this engine, for the bare numpy calls of the
same forward and backward, and for PyTorch CPU when installed, plus the ratios.
"""
import os
import sys

sys.path.insert(0, os.path.dirname(__file__))
from _harness import interleaved, run_thread_settings, torch_or_none  # noqa: E402


def main():
    import numpy as np

    import autograd as ag

    ag.manual_seed(0)
    a, b, c = (ag.randn(4, 4, requires_grad=True) for _ in range(3))
    A, B, C = a.detach().numpy(), b.detach().numpy(), c.detach().numpy()

    def ours():
        ((a * b + c).tanh()).sum().backward()

    def bare_numpy():  # the same arithmetic, no bookkeeping
        t = np.tanh(A * B + C)
        t.sum()
        gz = np.ones_like(t) * (1 - t * t)
        return gz * B, gz * A, gz

    candidates = {"seegrad": ours, "numpy": bare_numpy}
    torch = torch_or_none(os.environ.get("BENCH_THREADS"))
    if torch is not None:
        ta, tb, tc = (torch.tensor(x, requires_grad=True) for x in (A, B, C))

        def pytorch():
            ((ta * tb + tc).tanh()).sum().backward()

        candidates["pytorch"] = pytorch
    t = interleaved(candidates)
    for name, s in t.items():
        print(f"{name:10s} {s * 1e6:8.1f} us")
    if "pytorch" in t:
        print(f"seegrad / pytorch = {t['seegrad'] / t['pytorch']:.2f}x   (goal <= 0.5x)")
    print(f"seegrad / numpy   = {t['seegrad'] / t['numpy']:.1f}x")


if __name__ == "__main__":
    main() if "--child" in sys.argv else run_thread_settings(__file__)
