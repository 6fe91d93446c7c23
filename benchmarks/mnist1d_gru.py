"""A GRU on MNIST-1D, the recipe of the MNIST-1D paper (Greydanus 2020, which reports 91% for its GRU).

    python benchmarks/mnist1d_gru.py                     # full recipe: 6000 steps (~minutes on one core)
    python benchmarks/mnist1d_gru.py --steps 600 --seed 1

Model (seegrad.models.gru): each of the 40 samples is one time step with 1 feature; a bidirectional
GRU(1, 6, batch_first=True) reads them; all 40 x 12 outputs are flattened into one
Linear(480, 10). Training: Adam lr 1e-2, batch 100, 6000 steps, cross-entropy, no weight decay;
4000 train / 1000 test samples from the mnist1d package's offline generator (get_dataset_args()).
Prints test accuracy every --eval-every steps and at the end.
"""
import argparse
import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

import autograd as ag  # noqa: E402
import nn.functional as F  # noqa: E402
import optim  # noqa: E402
from seegrad.data import load_mnist1d  # noqa: E402
from seegrad.models import gru  # noqa: E402


def accuracy(model, X, y, batch=500):
    model.eval()
    correct = 0
    with ag.no_grad():
        for i in range(0, len(X), batch):
            correct += int((model(ag.tensor(X[i:i + batch])).numpy().argmax(1) == y[i:i + batch]).sum())
    model.train()
    return correct / len(X)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--steps", type=int, default=6000)
    parser.add_argument("--batch", type=int, default=100)
    parser.add_argument("--lr", type=float, default=1e-2)
    parser.add_argument("--hidden", type=int, default=6)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--eval-every", type=int, default=500)
    args = parser.parse_args()

    data = load_mnist1d()
    X_train, y_train, X_test, y_test = data.X_train, data.y_train, data.X_test, data.y_test
    ag.manual_seed(args.seed)
    model = gru(X_train.shape[1], 10, hidden_size=args.hidden)
    opt = optim.Adam(model.parameters(), lr=args.lr)
    rng = np.random.default_rng(args.seed)
    start = time.perf_counter()
    for step in range(1, args.steps + 1):
        idx = rng.integers(0, len(X_train), args.batch)  # the paper's sampling: random batches
        loss = F.cross_entropy(model(ag.tensor(X_train[idx])), ag.tensor(y_train[idx]))
        opt.zero_grad()
        loss.backward()
        opt.step()
        if step % args.eval_every == 0 or step == args.steps:
            print(f"step {step:5d}  loss {loss.item():.3f}  test accuracy {accuracy(model, X_test, y_test):.3f}  "
                  f"({time.perf_counter() - start:.0f} s)", flush=True)
    print(f"final test accuracy {accuracy(model, X_test, y_test):.4f} after {args.steps} steps, seed {args.seed}")


if __name__ == "__main__":
    main()
