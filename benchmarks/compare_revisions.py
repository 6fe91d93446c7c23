"""A/B timing of two checkouts of this project, interleaved, one BLAS thread.

    git worktree add /tmp/base <rev>
    python benchmarks/compare_revisions.py /tmp/base . --workload overhead --rounds 7

Each round runs the workload once in a fresh interpreter per checkout (A then B, then B then A
the next round, so drift and warm caches favour neither), and prints the median time per
iteration of each and the ratio B / A. Workloads: ``overhead`` (W1, ((a*b + c).tanh()).sum()
forward + backward on (4, 4)), ``mlp`` (784-256-128-10 batch 128 SGD step), ``scalar``
(micrograd's 2-16-16-1 MLP on 100 points, one step of Values), ``conv`` (benchmarks/conv_bench.py's
step: Conv2d(1, 32, 3) -> ReLU -> Conv2d(32, 64, 3) on 64x1x28x28 float32, forward + backward),
``lstm`` (lstm_bench.py's step: nn.LSTM(32, 128), 64 steps, batch 32, forward + backward).
"""
import argparse
import os
import statistics
import subprocess
import sys

WORKLOADS = {
    "overhead": ("""
import autograd as ag
ag.manual_seed(0)
a, b, c = (ag.randn(4, 4, requires_grad=True) for _ in range(3))
def step():
    ((a * b + c).tanh()).sum().backward()
""", 20000),
    "mlp": ("""
import autograd as ag, nn, optim
ag.manual_seed(0)
model = nn.Sequential(nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 128), nn.ReLU(), nn.Linear(128, 10))
opt = optim.SGD(model.parameters(), lr=0.01)
x, y = ag.randn(128, 784), ag.randint(0, 10, (128,))
loss_fn = nn.CrossEntropyLoss()
def step():
    opt.zero_grad(); loss_fn(model(x), y).backward(); opt.step()
""", 300),
    "scalar": ("""
import random
import autograd as ag
random.seed(0)
def neuron(n): return [ag.Value(random.uniform(-1, 1)) for _ in range(n)], ag.Value(0.0)
layers = [[neuron(2) for _ in range(16)], [neuron(16) for _ in range(16)], [neuron(16)]]
params = [p for layer in layers for w, b in layer for p in w + [b]]
X = [[random.uniform(-1, 1), random.uniform(-1, 1)] for _ in range(100)]
Y = [1 if x0 * x1 > 0 else -1 for x0, x1 in X]
def forward(x):
    for i, layer in enumerate(layers):
        x = [sum((wi * xi for wi, xi in zip(w, x)), b) for w, b in layer]
        x = [v.relu() for v in x] if i < len(layers) - 1 else x
    return x[0]
def step():
    loss = sum(((1 + -y * forward(x)).relu() for x, y in zip(X, Y)), ag.Value(0.0)) * (1.0 / len(X))
    for p in params:
        p.grad = 0.0
    loss.backward()
    for p in params:
        p.data -= 0.01 * p.grad
""", 3),
    "conv": ("""
import numpy as np
import autograd as ag, nn
ag.manual_seed(0)
model = nn.Sequential(nn.Conv2d(1, 32, 3), nn.ReLU(), nn.Conv2d(32, 64, 3))
x = ag.tensor(np.random.default_rng(0).standard_normal((64, 1, 28, 28)).astype(np.float32))
def step():
    for p in model.parameters():
        p.grad = None
    model(x).sum().backward()
""", 20),
    "lstm": ("""
import numpy as np
import autograd as ag, nn
ag.manual_seed(0)
lstm = nn.LSTM(32, 128)
x = ag.tensor(np.random.default_rng(0).standard_normal((64, 32, 32)).astype(np.float32))
def step():
    lstm.zero_grad(); out, (h, c) = lstm(x); (out.sum() + c.sum()).backward()
""", 100),
}

RUNNER = """
import gc, sys, time
sys.path.insert(0, {root!r})
{setup}
for _ in range(max(1, {n} // 10)):
    step()
gc.collect()
t = time.perf_counter()
for _ in range({n}):
    step()
print((time.perf_counter() - t) / {n})
"""


def run(root, workload):
    setup, n = WORKLOADS[workload]
    env = dict(os.environ, OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1", MKL_NUM_THREADS="1",
               PYTHONPATH=os.path.abspath(root))
    code = RUNNER.format(root=os.path.abspath(root), setup=setup, n=n)
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, cwd=root)
    if out.returncode:
        raise SystemExit(f"{root}: {out.stderr.strip().splitlines()[-1]}")
    return float(out.stdout.split()[-1])


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("a", help="the reference checkout")
    parser.add_argument("b", help="the candidate checkout")
    parser.add_argument("--workload", choices=sorted(WORKLOADS), default="overhead")
    parser.add_argument("--rounds", type=int, default=7)
    args = parser.parse_args(argv)
    times = {"a": [], "b": []}
    for r in range(args.rounds):
        order = ("a", "b") if r % 2 == 0 else ("b", "a")
        for key in order:
            times[key].append(run(getattr(args, key), args.workload))
    a, b = statistics.median(times["a"]), statistics.median(times["b"])
    unit, scale = ("us", 1e6) if a < 1e-2 else ("ms", 1e3)
    print(f"{args.workload}: A {a * scale:.1f} {unit}  B {b * scale:.1f} {unit}  B/A = {b / a:.3f}  "
          f"({args.rounds} rounds, medians)")


if __name__ == "__main__":
    main()
