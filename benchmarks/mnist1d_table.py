"""Reproduce the MNIST-1D table (Greydanus 2020, "Scaling down deep learning") with seegrad.

    python benchmarks/mnist1d_table.py                    # every row: paper's recipe and ours, 3 seeds
    python benchmarks/mnist1d_table.py --rows logistic,mlp --seeds 5
    python benchmarks/mnist1d_table.py --quick            # smoke test: 2 epochs per row, one seed

The paper's test accuracies: logistic regression 32%, MLP 68%, CNN 94%, GRU 91%. Data: the
mnist1d package's offline generator with its default arguments (4000 train / 1000 test, the
paper's sizes; nothing is downloaded). Every row trains with ``seegrad.fit``; the figure is the
test accuracy after the last epoch (no picking the best epoch on the test set), mean over seeds.

Beside each row: the same model and recipe in PyTorch (CPU) when torch is installed, its test
accuracy, and seconds per epoch (train + test evaluation) of both, measured in this process with
the same number of BLAS / torch threads (--threads, default 1; small models are fastest on one).
Rows whose layers do not exist in this installation are skipped; a row is one entry in ROWS.
"""
import argparse
import math
import os
import statistics
import sys
import time
from dataclasses import dataclass, field

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

import autograd as ag  # noqa: E402
import nn  # noqa: E402
import optim  # noqa: E402
from seegrad import fit  # noqa: E402
from seegrad.data import DataLoader, TensorDataset, load_mnist1d  # noqa: E402

STEPS_PER_EPOCH_AT_100 = 40  # 4000 training samples / batch 100


@dataclass
class Recipe:
    """How a row is trained: optimizer, lr, weight decay, batch, length, lr schedule, label smoothing."""
    optimizer: str = "adam"          # "adam" or "adamw"
    lr: float = 1e-2
    weight_decay: float = 0.0
    batch_size: int = 100
    epochs: int = 150                # 150 epochs x 40 steps = the paper's 6000 steps
    schedule: str = "constant"       # "constant" or "cosine" (per epoch, to 0)
    label_smoothing: float = 0.0

    def describe(self):
        parts = [f"{self.optimizer} lr {self.lr:g}", f"batch {self.batch_size}",
                 f"{self.epochs} epochs ({self.epochs * 4000 // self.batch_size} steps)"]
        if self.weight_decay:
            parts.append(f"weight decay {self.weight_decay:g}")
        if self.schedule != "constant":
            parts.append(f"{self.schedule} lr schedule")
        if self.label_smoothing:
            parts.append(f"label smoothing {self.label_smoothing:g}")
        return ", ".join(parts)


# ----------------------------------------------------------------- models, written once for both frameworks
# ``lib`` is seegrad's ``nn`` or ``torch.nn``: the same code builds the same model in each.


def logistic(lib):
    return lib.Linear(40, 10)


def mlp(lib, widths=(100, 100), dropout=0.0):
    """The paper's MLP is 40-100-100-10 with ReLU; ``dropout`` adds Dropout after each hidden ReLU."""
    layers, width = [], 40
    for w in widths:
        layers += [lib.Linear(width, w), lib.ReLU()] + ([lib.Dropout(dropout)] if dropout else [])
        width = w
    return lib.Sequential(*layers, lib.Linear(width, 10))


def mlp_wide(lib):
    return mlp(lib, widths=(256, 256), dropout=0.3)


def cnn(lib):
    """The paper's ConvBase: three Conv1d (kernels 5, 3, 3, stride 2, padding 1, 25 channels), then Linear(125)."""
    return lib.Sequential(
        lib.Unflatten(1, (1, 40)),
        lib.Conv1d(1, 25, 5, stride=2, padding=1), lib.ReLU(),
        lib.Conv1d(25, 25, 3, stride=2, padding=1), lib.ReLU(),
        lib.Conv1d(25, 25, 3, stride=2, padding=1), lib.ReLU(),
        lib.Flatten(), lib.Linear(125, 10))


def gru(lib, hidden=6):
    """The paper's GRU: bidirectional GRU(1, 6) over the 40 samples, all outputs flattened into Linear(480).

    ``hidden`` widens the GRU (the Linear then takes 40 * 2 * hidden features)."""

    class GRUNet(lib.Module):
        def __init__(self):
            super().__init__()
            self.rnn = lib.GRU(1, hidden, batch_first=True, bidirectional=True)
            self.linear = lib.Linear(40 * 2 * hidden, 10)

        def forward(self, x):
            out, _ = self.rnn(x.reshape(x.shape[0], 40, 1))  # (N, 40, 2 * hidden)
            return self.linear(out.reshape(out.shape[0], -1))

    return GRUNet()


def gru_wide(lib):
    """The paper's GRU with hidden size 16 instead of 6 (bidirectional, Linear(1280, 10))."""
    return gru(lib, hidden=16)


@dataclass
class Row:
    label: str
    paper: float                     # the paper's test accuracy, %
    build: object                    # build(lib) -> module
    recipe: Recipe
    arch: str = ""                   # the model in words, for the recipe list
    needs: tuple = field(default=())  # nn layers this row needs


CNN_ARCH = "Conv1d(1,25,5,s2,p1), 2 x Conv1d(25,25,3,s2,p1), ReLU, Linear(125, 10)"
GRU_ARCH = "GRU(1, 6, bidirectional) over the 40 samples, all outputs into Linear(480, 10)"
PAPER = Recipe()  # Adam 1e-2, batch 100, 6000 steps: the paper's recipe for every model
ROWS = {
    "logistic-paper": Row("logistic, paper's recipe", 32, logistic, PAPER, "Linear(40, 10)"),
    "logistic": Row("logistic, cosine", 32, logistic, Recipe(schedule="cosine"), "Linear(40, 10)"),
    "mlp-paper": Row("MLP 100-100, paper's recipe", 68, mlp, PAPER, "40-100-100-10, ReLU"),
    "mlp": Row("MLP 256-256 + dropout, cosine", 68, mlp_wide, Recipe(schedule="cosine"),
               "40-256-256-10, ReLU, Dropout(0.3) after each hidden layer"),
    "cnn-paper": Row("CNN, paper's recipe", 94, cnn, PAPER, CNN_ARCH, needs=("Conv1d", "Unflatten")),
    "cnn": Row("CNN, batch 32, cosine", 94, cnn, Recipe(batch_size=32, schedule="cosine"), CNN_ARCH,
               needs=("Conv1d", "Unflatten")),
    "gru-paper": Row("GRU, paper's recipe", 91, gru, PAPER, GRU_ARCH, needs=("GRU",)),
    "gru-cosine": Row("GRU, cosine", 91, gru, Recipe(schedule="cosine"), GRU_ARCH, needs=("GRU",)),
    "gru": Row("GRU, 12000 steps", 91, gru, Recipe(epochs=300), GRU_ARCH, needs=("GRU",)),
    "gru-tuned": Row("GRU hidden 16, cosine", 91, gru_wide, Recipe(schedule="cosine"),
                     "GRU(1, 16, bidirectional) over the 40 samples, all outputs into Linear(1280, 10)",
                     needs=("GRU",)),
}


# ----------------------------------------------------------------- training


def train_seegrad(row, recipe, data, seed):
    """Test accuracy and seconds per epoch of ``row`` trained by seegrad.fit."""
    ag.manual_seed(seed)
    model = row.build(nn)
    opt_cls = optim.AdamW if recipe.optimizer == "adamw" else optim.Adam
    opt = opt_cls(model.parameters(), lr=recipe.lr, weight_decay=recipe.weight_decay)
    sched = optim.lr_scheduler.CosineAnnealingLR(opt, recipe.epochs) if recipe.schedule == "cosine" else None
    train = DataLoader(TensorDataset(data.X_train, data.y_train), batch_size=recipe.batch_size, shuffle=True,
                       seed=seed)
    test = DataLoader(TensorDataset(data.X_test, data.y_test), batch_size=1000)
    hist = fit(model, nn.CrossEntropyLoss(label_smoothing=recipe.label_smoothing), opt, train, recipe.epochs,
               val_loader=test, scheduler=sched, progress=False)
    return 100 * hist.val_accuracy[-1], statistics.median(hist.seconds)


def train_torch(torch, row, recipe, data, seed):
    """The same model and recipe written as a plain PyTorch loop (index batches, the fastest PyTorch loop)."""
    torch.manual_seed(seed)
    model = row.build(torch.nn)
    opt_cls = torch.optim.AdamW if recipe.optimizer == "adamw" else torch.optim.Adam
    opt = opt_cls(model.parameters(), lr=recipe.lr, weight_decay=recipe.weight_decay)
    sched = (torch.optim.lr_scheduler.CosineAnnealingLR(opt, recipe.epochs) if recipe.schedule == "cosine"
             else None)
    loss_fn = torch.nn.CrossEntropyLoss(label_smoothing=recipe.label_smoothing)
    X, y = torch.from_numpy(data.X_train), torch.from_numpy(data.y_train)
    X_test, y_test = torch.from_numpy(data.X_test), torch.from_numpy(data.y_test)
    rng, n, bs = np.random.default_rng(seed), len(y), recipe.batch_size
    seconds = []
    for _ in range(recipe.epochs):
        start = time.perf_counter()
        model.train()
        order = torch.from_numpy(rng.permutation(n))
        for i in range(0, n, bs):
            idx = order[i:i + bs]
            opt.zero_grad()
            loss = loss_fn(model(X[idx]), y[idx])
            loss.backward()
            opt.step()
            loss.item()
        model.eval()
        with torch.no_grad():
            acc = (model(X_test).argmax(1) == y_test).float().mean().item()
        if sched is not None:
            sched.step()
        seconds.append(time.perf_counter() - start)
    return 100 * acc, statistics.median(seconds)


def limit_threads(n, torch):
    """Use ``n`` BLAS and torch threads; returns a function that puts the old settings back."""
    undo = []
    try:
        from threadpoolctl import threadpool_limits
        undo.append(threadpool_limits(limits=n, user_api="blas").restore_original_limits)
    except ImportError:
        print("note: threadpoolctl is not installed; numpy's BLAS threads are not limited", file=sys.stderr)
    if torch is not None:
        old = torch.get_num_threads()
        torch.set_num_threads(n)
        undo.append(lambda: torch.set_num_threads(old))
    return lambda: [fn() for fn in undo]


def fmt_acc(values):
    if not values:
        return "-"
    mean = statistics.fmean(values)
    return f"{mean:.1f}" + (f" ({min(values):.1f}-{max(values):.1f})" if len(values) > 1 else "")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", default=",".join(ROWS), help=f"comma-separated, from: {', '.join(ROWS)}")
    parser.add_argument("--seeds", type=int, default=3, help="seeds per row (default 3)")
    parser.add_argument("--torch-seeds", type=int, default=None, help="seeds for PyTorch (default: --seeds)")
    parser.add_argument("--no-torch", action="store_true", help="skip the PyTorch comparison")
    parser.add_argument("--threads", type=int, default=1, help="BLAS and torch threads (default 1)")
    parser.add_argument("--quick", action="store_true", help="smoke test: 2 epochs per row, one seed")
    args = parser.parse_args(argv)

    names = [r.strip() for r in args.rows.split(",") if r.strip()]
    unknown = [r for r in names if r not in ROWS]
    if unknown:
        parser.error(f"unknown rows {unknown}; choose from {', '.join(ROWS)}")
    torch = None
    if not args.no_torch:
        try:
            import torch
        except ImportError:
            print("PyTorch is not installed: no comparison column", file=sys.stderr)
    restore_threads = limit_threads(args.threads, torch)
    try:
        return run_table(args, names, torch)
    finally:
        restore_threads()


def run_table(args, names, torch):
    seeds = 1 if args.quick else args.seeds
    torch_seeds = 1 if args.quick else (args.torch_seeds if args.torch_seeds is not None else args.seeds)
    data = load_mnist1d()

    header = (f"{'model':<30} {'paper':>6} {'seegrad':>18} {'pytorch':>18} "
              f"{'s/epoch':>8} {'torch s/ep':>10} {'ratio':>6}")
    print(f"MNIST-1D test accuracy (%), {len(data.y_train)} train / {len(data.y_test)} test, "
          f"mean (min-max) of {seeds} seed(s); {args.threads} thread(s)"
          + ("  [QUICK: 2 epochs]" if args.quick else ""))
    print(header)
    print("-" * len(header))
    results = {}
    for name in names:
        row = ROWS[name]
        missing = [layer for layer in row.needs if not hasattr(nn, layer)]
        if missing:
            print(f"{row.label:<30} {row.paper:>6.0f}  skipped: nn.{', nn.'.join(missing)} not available")
            continue
        recipe = Recipe(**{**row.recipe.__dict__, "epochs": 2}) if args.quick else row.recipe
        ours, theirs = [], []
        for seed in range(max(seeds, torch_seeds if torch else 0)):  # alternate, so load changes hit both
            if seed < seeds:
                ours.append(train_seegrad(row, recipe, data, seed))
            if torch is not None and seed < torch_seeds:
                theirs.append(train_torch(torch, row, recipe, data, seed))
        acc, sec = [a for a, _ in ours], statistics.median(s for _, s in ours)
        t_acc = [a for a, _ in theirs]
        t_sec = statistics.median(s for _, s in theirs) if theirs else math.nan
        ratio = f"{sec / t_sec:.2f}x" if theirs else "-"
        print(f"{row.label:<30} {row.paper:>6.0f} {fmt_acc(acc):>18} {fmt_acc(t_acc):>18} "
              f"{sec:>8.3f} {t_sec:>10.3f} {ratio:>6}", flush=True)
        results[name] = {"accuracy": acc, "seconds_per_epoch": sec, "torch_accuracy": t_acc,
                         "torch_seconds_per_epoch": t_sec}
    print()
    print("recipes (cross-entropy, test accuracy after the last epoch):")
    for name in names:
        print(f"  {ROWS[name].label}: {ROWS[name].arch}; {ROWS[name].recipe.describe()}")
    print("ratio = seegrad seconds per epoch / PyTorch seconds per epoch (below 1: seegrad is faster)")
    return results


if __name__ == "__main__":
    main()
