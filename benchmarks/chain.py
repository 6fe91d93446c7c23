"""A chain of 1,000,000 ops, backpropagated: time and peak memory, against PyTorch.

    python benchmarks/chain.py            # 1,000,000 ops
    python benchmarks/chain.py --ops 100000

The chain is ``y = y * 1.0000001`` on a 0-d float64 tensor, N times, then ``y.backward()``
(the engine's deepest possible graph: one node per op, one edge each). Each engine runs in
a fresh interpreter of its own, one after the other, so neither sees the other's memory.

Memory is the peak resident set size (``resource.getrusage(...).ru_maxrss``) of that
process during forward + backward, minus its resident size just before the forward pass
(read from /proc/self/statm): what building and walking the graph cost on top of the
imported libraries. Times are wall-clock (``time.perf_counter``), forward and backward
apart; the gradient is checked against 1.0000001 ** N.
"""
import argparse
import json
import os
import subprocess
import sys

CHILD = r"""
import gc, json, os, resource, sys, time
engine, n = sys.argv[1], int(sys.argv[2])
if engine == "pytorch":
    import torch
    torch.set_num_threads(1)
    x = torch.tensor(1.0, dtype=torch.float64, requires_grad=True)
else:
    import autograd as ag
    x = ag.tensor(1.0, dtype=ag.float64, requires_grad=True)

def rss():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")

gc.collect()
before = rss()
start = time.perf_counter()
y = x
for _ in range(n):
    y = y * 1.0000001
forward = time.perf_counter() - start
start = time.perf_counter()
y.backward()
backward = time.perf_counter() - start
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # kilobytes on Linux
expected = 1.0000001 ** n
assert abs(x.grad.item() - expected) <= 1e-6 * expected, (x.grad.item(), expected)
print(json.dumps({"forward": forward, "backward": backward, "memory": peak - before}))
"""


def run(engine, n):
    env = dict(os.environ, OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1", MKL_NUM_THREADS="1")
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    env["PYTHONPATH"] = root + os.pathsep + env.get("PYTHONPATH", "")
    out = subprocess.run([sys.executable, "-c", CHILD, engine, str(n)], env=env, check=True,
                         capture_output=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ops", type=int, default=1_000_000)
    parser.add_argument("--rounds", type=int, default=1, help="runs per engine (the median is shown)")
    args = parser.parse_args()
    engines = ["seegrad"]
    try:
        import torch  # noqa: F401
        engines.append("pytorch")
    except ImportError:
        print("PyTorch is not installed: timing seegrad alone")
    results = {e: [] for e in engines}
    for _ in range(args.rounds):
        for e in engines:  # alternated, so load drift favours neither
            results[e].append(run(e, args.ops))
    med = {e: {k: sorted(r[k] for r in rs)[len(rs) // 2] for k in rs[0]} for e, rs in results.items()}
    print(f"chain of {args.ops:,} ops (y = y * 1.0000001, 0-d float64), {args.rounds} round(s), median:")
    for e, m in med.items():
        print(f"  {e:8s} forward {m['forward']:6.2f} s   backward {m['backward']:6.2f} s   "
              f"peak memory {m['memory'] / 2**20:7.1f} MiB")
    if "pytorch" in med:
        s, p = med["seegrad"], med["pytorch"]
        total = (s["forward"] + s["backward"]) / (p["forward"] + p["backward"])
        print(f"  seegrad / pytorch: backward {s['backward'] / p['backward']:.2f}x, forward + backward "
              f"{total:.2f}x (goal <= 1.0x); memory {s['memory'] / p['memory']:.2f}x")


if __name__ == "__main__":
    main()
