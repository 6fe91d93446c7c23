"""fit / evaluate: the usual PyTorch training loop, written once, with history, checkpoints and resume.

    history = fit(model, nn.CrossEntropyLoss(), optim.Adam(model.parameters(), lr=1e-3),
                  train_loader, epochs=10, val_loader=test_loader, checkpoint="run/ckpt.npz")
    history["val_accuracy"][-1]

What one epoch of ``fit`` does is exactly the loop you would write by hand:

    model.train()
    for x, y in train_loader:
        optimizer.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        optimizer.step()

followed by ``evaluate(model, val_loader, loss_fn)`` under ``model.eval()`` and ``no_grad``,
``scheduler.step()``, the callbacks, and a checkpoint. Plain loops keep working; fit only
saves typing.

Data parallel (under mpiexec, with ``nn.parallel.DistributedDataParallel`` and a loader on a
``DistributedSampler``): fit calls ``sampler.set_epoch(epoch)``, sums the figures over the ranks
(every rank logs and stops alike), and only rank 0 shows a progress bar and writes the checkpoint.
"""
import copy
import math
import shutil
import sys
import time
from pathlib import Path

import numpy as np

import autograd as ag
import autograd.distributed as dist
import nn
from autograd.files import atomic_write

from .launch import is_main_process

__all__ = ["fit", "evaluate", "History", "Callback", "EarlyStopping", "METRICS", "accuracy", "binary_threshold",
           "output_activation",
           "save_checkpoint", "load_checkpoint"]


# ----------------------------------------------------------------- metrics


def accuracy(output, target, threshold=0.0):
    """Fraction of correct predictions: argmax over classes (N, C); for one output (N,) / (N, 1), class 1
    where output > threshold (0 for a logit, 0.5 for a probability: fit and evaluate pick it with
    ``binary_threshold``)."""
    output, target = np.asarray(output), np.asarray(target)
    if output.ndim >= 2 and output.shape[1] > 1:
        pred = output.argmax(axis=1)
        if target.shape == output.shape and target.dtype.kind == "f":  # class probabilities as targets
            target = target.argmax(axis=1)
    else:
        pred = (output.reshape(len(output), -1)[:, 0] > threshold).astype(np.int64)
        target = target.reshape(len(target), -1)[:, 0]
    if pred.shape != target.shape:
        raise ValueError(f"accuracy: predictions of shape {pred.shape} (from outputs {output.shape}) do not match "
                         f"targets of shape {target.shape}; pass metrics=() for a regression model")
    return float((pred == target).mean())


METRICS = {"accuracy": accuracy, "acc": accuracy}


def output_activation(model):
    """"sigmoid", "softmax" or "log_softmax" when the model's last layer is that activation
    module (its outputs are probabilities or log-probabilities), else None (raw scores)."""
    leaves = [m for m in model.modules() if not any(True for _ in m.children())] if hasattr(model, "modules") else []
    kinds = {nn.Sigmoid: "sigmoid", nn.Softmax: "softmax", nn.LogSoftmax: "log_softmax"}
    return kinds.get(type(leaves[-1])) if leaves else None


def binary_threshold(model, loss_fn=None):
    """Where a one-output classifier splits its classes: 0.5 when the output is a probability
    (``BCELoss``, or a model whose last layer is ``nn.Sigmoid``), 0 when it is a logit
    (``BCEWithLogitsLoss``, or anything else)."""
    if isinstance(loss_fn, nn.BCELoss):
        return 0.5
    if isinstance(loss_fn, nn.BCEWithLogitsLoss):
        return 0.0
    return 0.5 if output_activation(model) == "sigmoid" else 0.0


def _metric_fns(metrics, threshold=0.0):
    """Normalise ("accuracy", fn, ...) or {"name": fn} to a {name: fn} dict; accuracy gets the
    model's binary ``threshold``."""
    if metrics is None:
        return {}
    if isinstance(metrics, dict):
        return dict(metrics)
    if isinstance(metrics, str):
        metrics = (metrics,)

    def binary_accuracy(output, target):
        return accuracy(output, target, threshold)

    out = {}
    for m in metrics:
        if isinstance(m, str) or m is accuracy:
            if m is not accuracy and m not in METRICS:
                raise ValueError(f"unknown metric {m!r}; known: {', '.join(METRICS)} (or pass a function)")
            if m is accuracy or METRICS[m] is accuracy:
                out["accuracy"] = binary_accuracy
            else:
                out[m] = METRICS[m]
        elif callable(m):
            out[getattr(m, "__name__", f"metric{len(out)}")] = m
        else:
            raise TypeError(f"a metric is a name or a function(output, target) -> float, got {m!r}")
    return out


class _Meter:
    """Sample-weighted running means of the loss and the metrics over one pass."""

    def __init__(self, metric_fns):
        self.fns, self.n = metric_fns, 0
        self.sums = dict.fromkeys(["loss", *metric_fns], 0.0)

    def update(self, loss, output, target):
        n = len(target) if getattr(target, "ndim", 0) else 1
        self.n += n
        if loss is not None:
            self.sums["loss"] += float(loss) * n
        out, tgt = np.asarray(output), np.asarray(target)  # a Tensor's array is its storage: no copy
        for name, fn in self.fns.items():
            self.sums[name] += float(fn(out, tgt)) * n

    def sum_over_ranks(self):
        """In a distributed run: add up every rank's sums and counts, so each rank has the global figures."""
        if _world() > 1:
            keys = list(self.sums)
            totals = ag.from_numpy(np.array([self.sums[k] for k in keys] + [self.n], dtype=np.float64))
            dist.all_reduce(totals)
            self.sums, self.n = dict(zip(keys, totals.tolist())), int(totals[-1].item())
        return self

    def means(self, prefix="", with_loss=True):
        keys = [k for k in self.sums if with_loss or k != "loss"]
        return {prefix + k: (self.sums[k] / self.n if self.n else math.nan) for k in keys}


def _split_batch(batch):
    """(inputs..., target) from a batch; a batch must hold at least an input and a target."""
    if not isinstance(batch, (list, tuple)) or len(batch) < 2:
        raise TypeError("fit/evaluate expect each batch to be (inputs, targets), as a TensorDataset gives; "
                        f"got a {type(batch).__name__}")
    *inputs, target = batch
    return inputs, target


def evaluate(model, loader, loss_fn=None, metrics=("accuracy",)):
    """Mean loss and metrics of ``model`` over ``loader``, in eval mode and without recording a graph.

    Returns a dict like ``{"loss": 0.31, "accuracy": 0.91}`` (no "loss" when ``loss_fn`` is None).
    The model's train/eval mode is restored afterwards.
    """
    meter, was_training = _Meter(_metric_fns(metrics, binary_threshold(model, loss_fn))), model.training
    model.eval()
    try:
        with ag.no_grad():
            for batch in loader:
                inputs, target = _split_batch(batch)
                output = model(*inputs)
                loss = loss_fn(output, target).item() if loss_fn is not None else None
                meter.update(loss, output, target)
    finally:
        model.train(was_training)
    return meter.means(with_loss=loss_fn is not None)


# ----------------------------------------------------------------- history


class History:
    """Per-epoch figures of a run: ``history["loss"]``, ``history.val_accuracy``, ``history.epoch``.

    Keys: loss, <metric> (e.g. accuracy), val_loss, val_<metric>, lr, seconds.
    """

    def __init__(self, records=None):
        self.epoch = []
        self.history = {}
        for rec in records or ():
            self.append(**rec)

    def append(self, epoch, **figures):
        for key in figures:
            if key not in self.history:  # first seen now: earlier epochs get NaN
                self.history[key] = [math.nan] * len(self.epoch)
        self.epoch.append(int(epoch))
        for key, values in self.history.items():
            values.append(float(figures.get(key, math.nan)))

    def __getitem__(self, key):
        return self.history[key]

    def __getattr__(self, key):
        history = self.__dict__.get("history", {})
        if key in history:
            return history[key]
        raise AttributeError(f"History has no figure {key!r}; it has: {', '.join(history) or 'none yet'}")

    def __contains__(self, key):
        return key in self.history

    def __len__(self):
        return len(self.epoch)

    def keys(self):
        return self.history.keys()

    def last(self):
        """The figures of the latest epoch, as a dict."""
        return {k: v[-1] for k, v in self.history.items()} if self.epoch else {}

    def best(self, key="val_loss", mode=None):
        """(epoch, value) of the best ``key``: smallest for losses, largest otherwise (or mode='min'/'max')."""
        values = np.array(self[key], dtype=float)
        mode = mode or ("min" if "loss" in key else "max")
        i = int(np.nanargmin(values) if mode == "min" else np.nanargmax(values))
        return self.epoch[i], float(values[i])

    def records(self):
        """One dict per epoch (JSON-friendly), the inverse of ``History(records)``."""
        return [{"epoch": e, **{k: v[i] for k, v in self.history.items()}} for i, e in enumerate(self.epoch)]

    def plot(self, path=None):
        """Loss (left) and metrics (right) per epoch; saved as PNG to ``path`` when given. Returns the Figure.

        With a ``path`` the figure is made without pyplot, so no matplotlib backend is switched
        (a Jupyter kernel keeps showing its own plots inline afterwards)."""
        metrics = [k for k in self.history if k not in ("lr", "seconds") and not k.endswith("loss")
                   and not k.startswith("val_")]
        size = (10 if metrics else 5.5, 4)
        if path is None:
            import matplotlib.pyplot as plt
            fig = plt.figure(figsize=size)
        else:
            from matplotlib.figure import Figure
            fig = Figure(figsize=size)
        axes = fig.subplots(1, 2 if metrics else 1, squeeze=False)
        epochs = np.array(self.epoch) + 1
        for ax, names in zip(axes[0], (["loss"], metrics)):
            for name in names:
                for key, style in ((name, "-"), ("val_" + name, "--")):
                    if key in self.history:
                        ax.plot(epochs, self.history[key], style, marker="o", markersize=3, label=key)
            ax.set_xlabel("epoch")
            ax.set_ylabel(names[0] if len(names) == 1 else "metric")
            ax.grid(alpha=0.3)
            ax.legend()
        fig.tight_layout()
        if path is not None:
            Path(path).parent.mkdir(parents=True, exist_ok=True)
            with atomic_write(path) as f:
                fig.savefig(f, format="png", dpi=100)
        return fig

    def __repr__(self):
        last = ", ".join(f"{k}={v:.4g}" for k, v in self.last().items())
        return f"History({len(self)} epochs{': ' if last else ''}{last})"


# ----------------------------------------------------------------- callbacks


class Callback:
    """Hooks called by fit. ``on_epoch_end`` returning True stops training after that epoch.

    A callback that keeps state across epochs should also define ``state_dict()`` and
    ``load_state_dict(state)`` so a resumed run continues where it stopped.
    """

    def on_train_begin(self, model, optimizer):
        pass

    def on_epoch_end(self, epoch, logs, model):
        return False

    def on_train_end(self, history, model):
        pass

    def state_dict(self):
        return {}

    def load_state_dict(self, state):
        pass


class EarlyStopping(Callback):
    """Stop when ``monitor`` (default val_loss) has not improved by ``min_delta`` for ``patience`` epochs.

    With ``restore_best_weights=True`` the model gets the weights of its best epoch back at the end.
    """

    def __init__(self, patience=5, monitor="val_loss", mode=None, min_delta=0.0, restore_best_weights=False):
        if int(patience) != patience or patience < 0:
            raise ValueError(f"EarlyStopping: patience must be a non-negative integer, got {patience!r}")
        self.patience, self.monitor, self.min_delta = int(patience), monitor, float(min_delta)
        self.mode = mode or ("min" if "loss" in monitor else "max")
        if self.mode not in ("min", "max"):
            raise ValueError(f"EarlyStopping: mode must be 'min' or 'max', got {mode!r}")
        self.restore_best_weights = restore_best_weights
        self.best, self.best_epoch, self.wait, self.stopped_epoch, self.best_state = None, None, 0, None, None

    def _improved(self, value):
        if self.best is None:
            return True
        return value < self.best - self.min_delta if self.mode == "min" else value > self.best + self.min_delta

    def on_epoch_end(self, epoch, logs, model):
        if self.monitor not in logs:
            raise KeyError(f"EarlyStopping monitors {self.monitor!r}, but the epoch produced only "
                           f"{', '.join(logs)} (pass val_loader= to monitor validation figures)")
        value = logs[self.monitor]
        if self._improved(value):
            self.best, self.best_epoch, self.wait = float(value), int(epoch), 0
            if self.restore_best_weights:
                self.best_state = {k: np.asarray(v).copy()
                                   for k, v in model.state_dict().items()}
            return False
        self.wait += 1
        if self.wait >= self.patience:
            self.stopped_epoch = int(epoch)
            return True
        return False

    def on_train_end(self, history, model):
        if self.restore_best_weights and self.best_state is not None:
            model.load_state_dict({k: ag.from_numpy(v) for k, v in self.best_state.items()})

    def state_dict(self):
        return {"best": self.best, "best_epoch": self.best_epoch, "wait": self.wait,
                "stopped_epoch": self.stopped_epoch, "best_state": self.best_state}

    def load_state_dict(self, state):
        for key, value in state.items():
            setattr(self, key, value)


# ----------------------------------------------------------------- checkpoints


def save_checkpoint(path, **state):
    """Save a training state (nested dicts of tensors, arrays and numbers) with ``nn.save`` (atomic)."""
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    nn.save({"seegrad_training_checkpoint": 1, **state}, path)
    return Path(path)


def load_checkpoint(path):
    """The dict that ``save_checkpoint`` stored (``nn.CheckpointError`` when the file is not one)."""
    state = nn.load(path)
    if not isinstance(state, dict) or "seegrad_training_checkpoint" not in state:
        raise nn.CheckpointError(f"{str(path)!r} is not a training checkpoint written by fit(checkpoint=...); "
                                 "a plain state dict loads with model.load_state_dict(nn.load(path))")
    return state


_RESUME_ENTRIES = ("model", "optimizer", "rng", "epoch", "history", "callbacks", "stopped")


def _resume(path, model, optimizer, scheduler, callbacks, loaders):
    """(history, first epoch, stopped) of the run saved in ``path``, with everything restored. All or nothing:

    a) the entries nothing else checks: present, epoch a count >= 0 matching the history's length,
       stopped a bool, the history and the RNG states well formed (tried on scratch generators);
    b) model, optimizer, scheduler and callbacks load their own entries, each refusing a bad one
       without changing; when one refuses, those loaded before it get their earlier state back;
    c) only then the RNG states of autograd, numpy and the loaders.

    Any problem is one ``nn.CheckpointError`` naming the file and the entry."""
    def fail(entry, problem):
        return nn.CheckpointError(f"fit: cannot resume from {str(path)!r}: its entry {entry!r} {problem}; "
                                  "nothing was changed (the model, optimizer and RNG are as they were)")

    state = load_checkpoint(path)
    missing = [k for k in _RESUME_ENTRIES if k not in state]
    if missing:
        raise fail(missing[0], "is missing" + (f" (and {', '.join(map(repr, missing[1:]))})" if missing[1:] else ""))
    epoch, stopped, records = state["epoch"], state["stopped"], state["history"]
    if isinstance(epoch, bool) or not isinstance(epoch, int) or epoch < 0:
        raise fail("epoch", f"is {epoch!r}, not a count of finished epochs (a whole number >= 0)")
    if not isinstance(stopped, bool):
        raise fail("stopped", f"is {stopped!r}, not True or False")
    try:
        if not isinstance(records, list) or not all(isinstance(r, dict) for r in records):
            raise TypeError("a list of one dict per epoch is expected")
        history = History(records)
    except (TypeError, ValueError, KeyError) as err:
        raise fail("history", f"is malformed ({err})") from None
    if len(history) != epoch:
        raise fail("history", f"holds {len(history)} epochs, but the checkpoint says {epoch} are done")
    if not isinstance(state["callbacks"], list) or not all(isinstance(c, dict) for c in state["callbacks"]):
        raise fail("callbacks", "is not a list of dicts (one state per callback)")
    try:
        rng = _own_rng_states(state["rng"], path)
        _check_rng_states(rng, loaders)
    except (TypeError, ValueError, KeyError, IndexError) as err:
        raise fail("rng", f"is malformed ({type(err).__name__}: {err})") from None

    parts = [("model", model, state["model"]), ("optimizer", optimizer, state["optimizer"]),
             ("scheduler", scheduler, state.get("scheduler"))]
    parts += [(f"callbacks[{i}]", cb, s) for i, (cb, s) in enumerate(zip(callbacks, state["callbacks"]))]
    loaded = []
    for entry, owner, saved in parts:
        if owner is None or saved is None:
            continue
        before = copy.deepcopy(owner.state_dict())
        try:
            owner.load_state_dict(saved)
        except Exception as err:  # a callback's own load_state_dict may raise anything
            for done, earlier in reversed(loaded):
                done.load_state_dict(earlier)
            raise fail(entry, f"does not fit ({type(err).__name__}: {err})") from None
        loaded.append((owner, before))
    _set_rng_states(rng, loaders)
    return history, epoch, stopped


def _rng_states(loaders):
    states = {"autograd": ag.get_rng().bit_generator.state, "numpy_global": list(np.random.get_state())}
    states["loaders"] = [ld.generator.bit_generator.state if getattr(ld, "generator", None) is not None else None
                         for ld in loaders]
    return states


def _check_rng_states(states, loaders):
    """Raise (TypeError, ValueError, KeyError) if ``_set_rng_states`` would fail: tried on scratch generators."""
    type(ag.get_rng().bit_generator)().state = states["autograd"]
    np.random.RandomState().set_state(tuple(states["numpy_global"]))
    if not isinstance(states["loaders"], list):
        raise TypeError(f"'loaders' is a {type(states['loaders']).__name__}, not a list")
    for ld, st in zip(loaders, states["loaders"]):
        if st is not None and getattr(ld, "generator", None) is not None:
            type(ld.generator.bit_generator)().state = st


def _world():
    return dist.get_world_size() if dist.is_initialized() else 1


def _rng_states_of_every_rank(loaders):
    """One process: its RNG states. Distributed: the list of every rank's (each resumes its own)."""
    if _world() == 1:
        return _rng_states(loaders)
    everyone = [None] * _world()
    dist.all_gather_object(everyone, _rng_states(loaders))
    return everyone


def _own_rng_states(states, path):
    if isinstance(states, dict) and _world() == 1:
        return states
    ranks = len(states) if isinstance(states, list) else 1
    if ranks != _world():
        raise ValueError(f"{str(path)!r} was written by a run on {ranks} process(es); resume it on as many "
                         f"(this run has {_world()})")
    return states[dist.get_rank()]


def _unwrap(model):
    """The model inside a DistributedDataParallel: what checkpoints hold, whatever the number of ranks."""
    return model.module if isinstance(model, nn.parallel.DistributedDataParallel) else model


def _set_rng_states(states, loaders):
    ag.get_rng().bit_generator.state = states["autograd"]
    np.random.set_state(tuple(states["numpy_global"]))
    for ld, st in zip(loaders, states["loaders"]):
        if st is not None and getattr(ld, "generator", None) is not None:
            ld.generator.bit_generator.state = st


# ----------------------------------------------------------------- fit


def _wants_metric(scheduler):
    try:
        from optim.lr_scheduler import ReduceLROnPlateau
    except ImportError:
        return False
    return isinstance(scheduler, ReduceLROnPlateau)


def _progress_bar(total, desc, enabled):
    """A tqdm bar on stdout when enabled and stdout is a terminal; None otherwise."""
    if not enabled or not sys.stdout.isatty():
        return None
    try:
        from tqdm.auto import tqdm
    except ImportError:
        return None
    size = shutil.get_terminal_size((120, 20))  # a pty that reports 0 x 0 would make tqdm hide its bar
    return tqdm(total=total, desc=desc, file=sys.stdout, leave=True, ncols=size.columns, nrows=size.lines,
                mininterval=0.1, bar_format="{l_bar}{bar:20}| {n_fmt}/{total_fmt} [{elapsed}{postfix}]")


def _fmt(figures):
    """Bar postfix: short names so it fits a terminal line (accuracy -> acc)."""
    return {k.replace("accuracy", "acc"): f"{v:.4f}" for k, v in figures.items()
            if k not in ("seconds", "lr") and not math.isnan(v)}


def fit(model, loss_fn, optimizer, train_loader, epochs=1, val_loader=None, metrics=("accuracy",),
        early_stopping=None, checkpoint=None, resume=False, progress=True, scheduler=None, callbacks=()):
    """Train ``model`` for ``epochs`` epochs and return a History of per-epoch figures.

    metrics:        names ("accuracy") or functions ``fn(output, target) -> float`` on numpy arrays;
                    () for regression.
    early_stopping: None, a patience (int: stop when val_loss -- or loss without val_loader -- has not
                    improved for that many epochs), or an ``EarlyStopping``.
    checkpoint:     a path; model, optimizer, scheduler, callbacks, history and RNG states are saved there
                    atomically after every epoch (by rank 0; the RNG states of every rank).
    resume:         continue from ``checkpoint`` when it exists (``epochs`` counts all epochs, done or not):
                    the resumed run gives the same weights as an uninterrupted one. Starts afresh if
                    the file does not exist yet. All or nothing: a checkpoint that does not fit raises
                    one ``nn.CheckpointError`` naming the file and the entry, and changes nothing.
    scheduler:      an lr scheduler stepped once per epoch (ReduceLROnPlateau gets val_loss, else loss).
    progress:       a tqdm bar with loss and metrics while stdout is a terminal; quiet otherwise.
    """
    if int(epochs) != epochs or epochs < 0:
        raise ValueError(f"fit: epochs must be a non-negative integer, got {epochs!r}")
    if resume and checkpoint is None:
        raise ValueError("fit: resume=True needs checkpoint=<path> to resume from")
    metric_fns = _metric_fns(metrics, binary_threshold(model, loss_fn))
    callbacks = list(callbacks)
    if early_stopping is not None and early_stopping is not False:
        if not isinstance(early_stopping, EarlyStopping):
            monitor = "val_loss" if val_loader is not None else "loss"
            early_stopping = EarlyStopping(patience=early_stopping, monitor=monitor)
        callbacks.append(early_stopping)
    loaders = [train_loader] + ([val_loader] if val_loader is not None else [])

    history, start, stopped = History(), 0, False
    if resume and Path(checkpoint).exists():
        history, start, stopped = _resume(checkpoint, _unwrap(model), optimizer, scheduler, callbacks, loaders)

    for cb in callbacks:
        cb.on_train_begin(model, optimizer)
    for epoch in range(start, epochs if not stopped else start):
        t0 = time.perf_counter()
        model.train()
        meter = _Meter(metric_fns)
        total = len(train_loader) if hasattr(train_loader, "__len__") else None  # generators have no length
        bar = _progress_bar(total, f"epoch {epoch + 1}/{epochs}", progress and is_main_process())
        if hasattr(getattr(train_loader, "sampler", None), "set_epoch"):
            train_loader.sampler.set_epoch(epoch)  # a DistributedSampler shuffles anew each epoch
        for batch in train_loader:
            inputs, target = _split_batch(batch)
            optimizer.zero_grad()
            output = model(*inputs)
            loss = loss_fn(output, target)
            loss.backward()
            optimizer.step()
            meter.update(loss.item(), output, target)
            if bar is not None:
                bar.set_postfix(_fmt(meter.means()), refresh=False)
                bar.update(1)
        figures = meter.sum_over_ranks().means()
        if val_loader is not None:
            figures.update({"val_" + k: v for k, v in evaluate(model, val_loader, loss_fn, metric_fns).items()})
        figures["lr"] = float(optimizer.param_groups[0]["lr"])
        figures["seconds"] = time.perf_counter() - t0
        if bar is not None:
            bar.set_postfix(_fmt(figures))
            bar.close()
        history.append(epoch, **figures)
        if scheduler is not None:
            if _wants_metric(scheduler):  # ReduceLROnPlateau: step(metric)
                scheduler.step(figures["val_loss" if "val_loss" in figures else "loss"])
            else:
                scheduler.step()
        for cb in callbacks:
            stopped = bool(cb.on_epoch_end(epoch, dict(figures), model)) or stopped
        if checkpoint is not None:
            rng = _rng_states_of_every_rank(loaders)
            if is_main_process():
                save_checkpoint(checkpoint, epoch=epoch + 1, stopped=stopped, model=_unwrap(model).state_dict(),
                                optimizer=optimizer.state_dict(),
                                scheduler=scheduler.state_dict() if scheduler is not None else None,
                                callbacks=[cb.state_dict() for cb in callbacks], history=history.records(),
                                rng=rng)
        if stopped:
            break
    for cb in callbacks:
        cb.on_train_end(history, model)
    return history
