"""The scalar engine (ag.Value) against micrograd on micrograd's own demo.

    pip install micrograd && python benchmarks/scalar_vs_micrograd.py

A 2-16-16-1 MLP of scalars, max-margin loss plus L2 over 100 two-moons points: one
training step (forward over every point, backward, SGD update), timed in
interleaved rounds. Both engines start from the same weights and must give the
same loss.
"""
import os
import random
import sys

sys.path.insert(0, os.path.dirname(__file__))
from _harness import interleaved  # noqa: E402


def make_mlp(value_cls, sizes, seed=1337):
    """micrograd.nn.MLP's layout, built from any Value class: a list of layers of
    neurons, each a (weights, bias) pair; ReLU on all but the last layer."""
    rng = random.Random(seed)
    return [[([value_cls(rng.uniform(-1, 1)) for _ in range(n_in)], value_cls(0.0)) for _ in range(n_out)]
            for n_in, n_out in zip(sizes, sizes[1:])]


def forward(mlp, x):
    for i, layer in enumerate(mlp):
        outs = []
        for w, b in layer:
            act = sum((wi * xi for wi, xi in zip(w, x)), b)
            outs.append(act.relu() if i < len(mlp) - 1 else act)
        x = outs
    return x[0]


def parameters(mlp):
    return [p for layer in mlp for w, b in layer for p in w + [b]]


def train_step(mlp, X, y, lr=0.05):
    scores = [forward(mlp, x) for x in X]
    losses = [(1 + -yi * si).relu() for yi, si in zip(y, scores)]
    data_loss = sum(losses) * (1.0 / len(losses))
    loss = data_loss + 1e-4 * sum(p * p for p in parameters(mlp))
    for p in parameters(mlp):
        p.grad = 0.0
    loss.backward()
    for p in parameters(mlp):
        p.data -= lr * p.grad
    return loss.data


def main():
    from sklearn.datasets import make_moons

    import autograd as ag

    X, y = make_moons(n_samples=100, noise=0.1, random_state=1)
    X, y = X.tolist(), (y * 2 - 1).tolist()
    candidates = {}
    ours = make_mlp(ag.Value, [2, 16, 16, 1])
    candidates["seegrad"] = lambda: train_step(ours, X, y)
    try:
        from micrograd.engine import Value as MicroValue
    except ImportError:
        print("micrograd is not installed (pip install micrograd): timing seegrad alone")
    else:
        theirs = make_mlp(MicroValue, [2, 16, 16, 1])
        assert abs(train_step(make_mlp(ag.Value, [2, 16, 16, 1]), X, y)
                   - train_step(make_mlp(MicroValue, [2, 16, 16, 1]), X, y)) < 1e-9, "the engines disagree"
        candidates["micrograd"] = lambda: train_step(theirs, X, y)
    t = interleaved(candidates, rounds=3, number=2)
    for name, s in t.items():
        print(f"{name:10s} {s * 1e3:8.1f} ms per step")
    if "micrograd" in t:
        print(f"seegrad is {t['micrograd'] / t['seegrad']:.2f}x faster than micrograd (goal >= 3x, reach for 5x)")


if __name__ == "__main__":
    main()
