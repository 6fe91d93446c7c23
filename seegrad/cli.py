"""``seegrad train``: train a classifier end to end and write its weights, a plot and its graph.

    seegrad train                                   # digits, MLP, Adam: ~97% test accuracy in seconds
    seegrad train --dataset mnist1d --epochs 30 --hidden 256,256
    seegrad train --dataset mnist --data-dir ~/data/mnist --epochs 5
    python -m seegrad train --out run1 --resume     # continue run1 where it stopped
    seegrad train --nproc 2                         # data parallel on 2 processes (starts mpiexec itself)

Output folder (``--out``, default ``seegrad-run``):
    model.npz       the trained weights: ``model.load_state_dict(nn.load("model.npz"))``
    history.png     loss and accuracy per epoch (train and test)
    graph.svg       the computation graph of the model and its loss on the 8 test samples with the
                    highest loss (a trained model's loss on most samples is ~0, and so is every gradient)
    checkpoint.npz  model + optimizer + RNG state after the last epoch (for ``--resume``)
    config.json     the options of the run and the model's sizes (``--resume``, ``seegrad-export`` and
                    ``seegrad-serve`` read it: ``seegrad.models.load_run_config``)
"""
import argparse
import math
import os
import sys
import time
from pathlib import Path

import numpy as np

import autograd as ag
import autograd.distributed as dist
import nn
import optim

from . import data, launch
from .models import (DEFAULT_HIDDEN, HEADS, MODEL_VIEWS, RUN_MODELS, RunConfigError, build_run_model, load_run_config,
                     save_run_config)
from .training import Callback, evaluate, fit

PROG = "seegrad"


class CLIError(Exception):
    """A problem with the user's options or files: reported in one line, no traceback."""


# ----------------------------------------------------------------- registries


def _digits(args):
    return data.load_digits()


def _mnist1d(args):
    return data.load_mnist1d()


def _moons(args):
    return data.make_moons(n_samples=1000, noise=0.2)


def _spirals(args):
    return data.make_spirals(n_samples=1500, noise=0.2)


def _mnist(args):
    if args.data_dir is None:
        raise CLIError("--dataset mnist needs --data-dir DIR with the MNIST IDX or CSV files (nothing is downloaded)")
    return data.load_mnist(args.data_dir)


# name -> (loader(args) -> Split of flat features, default epochs, how models may view a sample:
#          "image": (C, H, W) for a CNN, "signal": (C, L) for a 1-D CNN, "sequence": (steps, features) for an RNN)
DATASETS = {
    "digits": (_digits, 20, {"image": (1, 8, 8), "sequence": (8, 8)}),
    "mnist1d": (_mnist1d, 40, {"signal": (1, 40), "sequence": (40, 1)}),
    "moons": (_moons, 50, {}),
    "spirals": (_spirals, 100, {}),
    "mnist": (_mnist, 5, {"image": (1, 28, 28), "sequence": (28, 28)}),
}


# name -> (optimizer class name in optim, default lr)
OPTIMIZERS = {"sgd": ("SGD", 0.1), "momentum": ("Momentum", 0.05), "adagrad": ("Adagrad", 0.05),
              "rmsprop": ("RMSprop", 1e-3), "adam": ("Adam", 1e-3)}


# ----------------------------------------------------------------- argument parsing


class _Parser(argparse.ArgumentParser):
    def error(self, message):  # one line instead of usage + error
        raise CLIError(f"{message} (see `{self.prog} --help`)")


def _hidden(text):
    try:
        widths = [int(w) for w in str(text).replace(" ", "").split(",") if w]
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected layer widths like 128 or 256,128, got {text!r}") from None
    if not widths or min(widths) <= 0:
        raise argparse.ArgumentTypeError(f"layer widths must be positive integers, got {text!r}")
    return widths


def _positive(kind):
    def parse(text):
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"invalid {kind.__name__} value: {text!r}") from None
        if not value > 0 or (kind is float and not math.isfinite(value)):
            raise argparse.ArgumentTypeError(f"must be a positive number, got {text!r}")
        return value
    parse.__name__ = kind.__name__
    return parse


def make_parser():
    parser = _Parser(prog=PROG, description="seegrad: a PyTorch-like framework on numpy that you can watch learn.")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    sub.required = True
    train = sub.add_parser("train", help="train a classifier; writes weights, a loss/accuracy plot and the graph",
                           description="Train a classifier on a dataset that needs no download and write "
                                       "model.npz, history.png and graph.svg into --out.")
    train.add_argument("--dataset", choices=list(DATASETS), default=None, help="default: digits")
    train.add_argument("--data-dir", default=None, help="folder with the MNIST IDX or CSV files (--dataset mnist)")
    train.add_argument("--model", default=None,
                       help="mlp (default), cnn (Conv2d on images, the paper's Conv1d on mnist1d), "
                            "rnn (a GRU reading rows)")
    train.add_argument("--head", choices=list(HEADS), default=None,
                       help="the output: softmax (one logit per class, CrossEntropyLoss; default), or for two classes "
                            "sigmoid (one probability, BCELoss) or logit (one score, BCEWithLogitsLoss)")
    train.add_argument("--optimizer", choices=list(OPTIMIZERS), default=None, help="default: adam")
    train.add_argument("--epochs", type=_positive(int), default=None, help="default depends on the dataset")
    train.add_argument("--lr", type=_positive(float), default=None, help="default depends on the optimizer")
    train.add_argument("--batch-size", type=_positive(int), default=None, help="default: 32")
    train.add_argument("--hidden", type=_hidden, default=None,
                       help="hidden widths, e.g. 128 or 256,128 (cnn: channels per conv layer); default: mlp 128, "
                            "cnn 16,32 (25 on mnist1d), rnn 64")
    train.add_argument("--seed", type=int, default=None, help="seeds initialisation and shuffling (default 0)")
    train.add_argument("--out", default="seegrad-run", help="output folder (default: seegrad-run)")
    train.add_argument("--resume", action="store_true", help="continue the run saved in --out")
    train.add_argument("--threads", type=_positive(int), default=1,
                       help="BLAS threads for numpy (default 1: small models train fastest on one thread, "
                            "and idle BLAS threads spinning on a busy machine can slow training tenfold)")
    train.add_argument("--no-progress", action="store_true", help="no progress bar")
    train.add_argument("--nproc", type=_positive(int), default=None,
                       help="train on N processes, data parallel: starts `mpiexec -n N` itself (needs "
                            "seegrad[distributed]); --batch-size stays the global batch")
    return parser


DEFAULTS = {"dataset": "digits", "model": "mlp", "optimizer": "adam", "batch_size": 32, "seed": 0, "head": "softmax"}
CONFIG_KEYS = ("dataset", "data_dir", "model", "optimizer", "lr", "batch_size", "hidden", "seed", "head")


def _settle_options(args, out):
    """Fill unset options from the saved config (with --resume) or the defaults, and check them."""
    if args.resume:
        if not (out / "checkpoint.npz").exists():
            raise CLIError(f"--resume: no checkpoint.npz in {str(out)!r} to resume from; run without --resume first")
        try:
            saved = load_run_config(out)
        except RunConfigError as err:
            raise CLIError(f"--resume: {err}") from None
        for key in CONFIG_KEYS:
            given = getattr(args, key)
            if given is not None and given != saved.get(key):
                raise CLIError(f"--resume: --{key.replace('_', '-')} {given} differs from the saved run's "
                               f"{saved.get(key)}; drop the option or use a new --out")
            setattr(args, key, saved.get(key))
        if args.epochs is None:
            args.epochs = saved.get("epochs")
        for key, known in (("dataset", DATASETS), ("optimizer", OPTIMIZERS)):
            if getattr(args, key) not in (None, *known):
                raise CLIError(f"--resume: the saved run's {key} {getattr(args, key)!r} is not one of "
                               f"{', '.join(known)}")
    for key, value in DEFAULTS.items():
        if getattr(args, key) is None:
            setattr(args, key, value)
    if args.hidden is None:
        signal = args.model == "cnn" and "signal" in DATASETS[args.dataset][2]
        args.hidden = [25] if signal else DEFAULT_HIDDEN.get(args.model, [128])
    if args.epochs is None:
        args.epochs = DATASETS[args.dataset][1]
    if args.lr is None:
        args.lr = OPTIMIZERS[args.optimizer][1]
    if args.model not in RUN_MODELS:
        raise CLIError(f"--model {args.model!r} is not available; choose from: {', '.join(RUN_MODELS)}")
    needs = MODEL_VIEWS.get(args.model)
    if needs and not set(needs) & set(DATASETS[args.dataset][2]):
        fits = [name for name, (_, _, views) in DATASETS.items() if set(needs) & set(views)]
        raise CLIError(f"--model {args.model} does not fit --dataset {args.dataset} (flat points); "
                       f"use it with {', '.join(fits)}, or use --model mlp")
    if args.data_dir is not None and args.dataset != "mnist":
        raise CLIError(f"--data-dir is only used with --dataset mnist (got --dataset {args.dataset})")
    return RUN_MODELS[args.model]


# ----------------------------------------------------------------- the graph picture


GRAPH_BATCH = 8  # samples the graph picture is drawn on


def hardest_samples(model, dataset, count=GRAPH_BATCH, chunk=500):
    """The ``count`` samples of ``dataset`` with the highest cross-entropy, in dataset order: a
    batch whose loss, and so whose gradients, are far from zero even after training."""
    model.eval()
    per_sample = nn.CrossEntropyLoss(reduction="none")
    losses = []
    with ag.no_grad():
        for start in range(0, len(dataset), chunk):
            x, y = dataset[start:start + chunk]
            losses.append(per_sample(model(x), y).numpy())
    hardest = np.argsort(-np.concatenate(losses), kind="stable")[:count]
    return dataset[np.sort(hardest)]


def write_graph_svg(model, loss_fn, x, y, path):
    """Run ``model`` on the batch ``x``, backpropagate its loss, and draw that graph (values and grads) as SVG."""
    from autograd.render import render_to_file
    from autograd.viz import draw_graph

    model.eval()
    model.zero_grad()
    with ag.record_ops() as ops:
        loss = loss_fn(model(x), y)
    loss.backward()
    dot = draw_graph(loss, params=model, cluster_modules=True, ops=ops).source
    model.zero_grad()
    render_to_file(dot, path, "svg")
    return loss.item()


# ----------------------------------------------------------------- train


class EpochPrinter(Callback):
    """One line per epoch, for logs (the progress bar is for terminals)."""

    def __init__(self, epochs):
        self.epochs = epochs

    def on_epoch_end(self, epoch, logs, model):
        figures = "  ".join(f"{k} {v:.4f}" for k, v in logs.items() if k not in ("lr", "seconds"))
        print(f"epoch {epoch + 1}/{self.epochs}  {figures}  ({logs['seconds']:.2f}s)", flush=True)


def _limit_blas_threads(n):
    """Cap numpy's BLAS thread pool at ``n`` threads for this process (needs threadpoolctl)."""
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        return None
    return threadpool_limits(limits=n, user_api="blas")


def train(args):
    t_start = time.perf_counter()
    _limit_blas_threads(args.threads)
    try:
        rank, world = launch.join(args.nproc)  # under mpiexec: this process's rank; only rank 0 prints and writes
    except RuntimeError as err:
        raise CLIError(str(err)) from None
    out = Path(args.out).expanduser()
    if out.exists() and not out.is_dir():
        raise CLIError(f"--out {str(out)!r} exists and is not a folder")
    _settle_options(args, out)

    cls_name = OPTIMIZERS[args.optimizer][0]
    if not hasattr(optim, cls_name):
        raise CLIError(f"--optimizer {args.optimizer}: optim.{cls_name} is not available in this installation")
    loader, _, views = DATASETS[args.dataset]
    split = loader(args)
    num_classes = split.num_classes
    in_features = int(np.prod(split.X_train.shape[1:]))
    if args.head != "softmax" and num_classes != 2:
        raise CLIError(f"--head {args.head} has one output, for two classes; --dataset {args.dataset} has "
                       f"{num_classes} (use --dataset moons, or --head softmax)")
    if args.head == "softmax":
        train_ds, test_ds = split.tensor_datasets()
    else:  # one output: the targets become float columns (N, 1) of 0 and 1
        train_ds, test_ds = (data.TensorDataset(x, y.astype(np.float32)[:, None])
                             for x, y in ((split.X_train, split.y_train), (split.X_test, split.y_test)))
    print(f"{args.dataset}: {len(train_ds)} train / {len(test_ds)} test samples, {in_features} features, "
          f"{num_classes} classes")

    ag.manual_seed(args.seed)
    model = build_run_model(args.model, in_features, num_classes, args.hidden, views, args.head)
    n_params = sum(p.numel() for p in model.parameters())
    optimizer = getattr(optim, cls_name)(model.parameters(), lr=args.lr)
    loss_fn = {"softmax": nn.CrossEntropyLoss, "sigmoid": nn.BCELoss, "logit": nn.BCEWithLogitsLoss}[args.head]()
    if world == 1:
        train_loader = data.DataLoader(train_ds, batch_size=args.batch_size, shuffle=True, seed=args.seed)
    else:
        if args.batch_size % world:
            raise CLIError(f"--batch-size {args.batch_size} is the global batch: it must divide among the "
                           f"{world} processes; use a multiple of {world}")
        train_loader = data.DataLoader(train_ds, batch_size=args.batch_size // world,
                                       sampler=data.DistributedSampler(train_ds, seed=args.seed))
    test_loader = data.DataLoader(test_ds, batch_size=500)
    print(f"model: {args.model}{'' if args.head == 'softmax' else ' with a ' + args.head + ' head'}, hidden "
          f"{','.join(map(str, args.hidden))} ({n_params:,} parameters); "
          f"{cls_name} lr={args.lr:g}, batch {args.batch_size}, {args.epochs} epochs")

    if rank == 0:
        out.mkdir(parents=True, exist_ok=True)
        config = {key: getattr(args, key) for key in CONFIG_KEYS}
        config.update(epochs=args.epochs, in_features=in_features, num_classes=num_classes, views=views)
        save_run_config(out, config)

    show_bar = not args.no_progress and sys.stdout.isatty()
    # (the gradients live in DDP's buckets: the loop never keeps a .grad of its own, and it saves a copy a step)
    replicas = nn.parallel.DistributedDataParallel(model, gradient_as_bucket_view=True) if world > 1 else model
    history = fit(replicas, loss_fn, optimizer, train_loader, epochs=args.epochs, val_loader=test_loader,
                  checkpoint=out / "checkpoint.npz", resume=args.resume, progress=show_bar,
                  callbacks=[] if show_bar else [EpochPrinter(args.epochs)])
    if rank:
        return 0
    result = evaluate(model, test_loader, loss_fn)
    print(f"test accuracy: {100 * result['accuracy']:.2f}%  (test loss {result['loss']:.4f})")

    nn.save(model.state_dict(), out / "model.npz")
    history.plot(out / "history.png")
    write_graph_svg(model, loss_fn, *hardest_samples(model, test_ds), out / "graph.svg")
    print(f"wrote {out / 'model.npz'}, {out / 'history.png'}, {out / 'graph.svg'} "
          f"in {time.perf_counter() - t_start:.1f}s")
    return 0


def main(argv=None):
    """Entry point of the ``seegrad`` console script; returns the exit status."""
    parser = make_parser()
    argv = sys.argv[1:] if argv is None else list(argv)
    try:
        args = parser.parse_args(argv)
        if (getattr(args, "nproc", None) or 1) > 1 and not dist.launched_by_mpi():
            if args.batch_size is not None and args.batch_size % args.nproc:
                raise CLIError(f"--batch-size {args.batch_size} is the global batch: it must divide among the "
                               f"{args.nproc} processes; use a multiple of {args.nproc}")
            if launch.find_mpiexec() is None:
                raise CLIError(f"--nproc {args.nproc} needs mpiexec: pip install 'seegrad[distributed]' "
                               "(mpi4py and MPICH), or start the job with your own launcher: mpiexec -n N seegrad ...")
            return launch.relaunch(args.nproc, argv)
        return {"train": train}[args.command](args)
    except SystemExit as exc:  # --help
        return exc.code
    except KeyboardInterrupt:
        print(f"\n{PROG}: interrupted; continue with --resume", file=sys.stderr)
        return 130
    except Exception as exc:  # one line, never a traceback (SEEGRAD_DEBUG=1 shows it)
        if os.environ.get("SEEGRAD_DEBUG"):
            raise
        known = (CLIError, FileNotFoundError, ValueError, ImportError, OSError)
        what = str(exc) if isinstance(exc, known) else f"{type(exc).__name__}: {exc}"
        where = f"[rank {dist.get_rank()}] " if dist.is_initialized() and dist.get_world_size() > 1 else ""
        print(f"{PROG}: error: {where}{what}", file=sys.stderr)
        if where:  # the other ranks would wait for this one in their next collective: end the job now
            dist.abort(2)
        return 2


if __name__ == "__main__":
    sys.exit(main())
