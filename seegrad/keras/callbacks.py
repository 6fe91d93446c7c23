"""Keras' callbacks: History, EarlyStopping, ModelCheckpoint, ReduceLROnPlateau, LearningRateScheduler,
ProgbarLogger, LambdaCallback.

A callback gets ``self.model`` and ``self.params`` ({"epochs", "steps", "verbose"}) and any of
the hooks below; ``logs`` are the figures so far ({"loss": ..., "accuracy": ..., "val_loss": ...}).
Setting ``self.model.stop_training = True`` ends fit after the current epoch.
"""
import math
import os
import warnings

import numpy as np

from seegrad import training

from . import metrics
from .progbar import Progbar

__all__ = ["Callback", "CallbackList", "History", "EarlyStopping", "ModelCheckpoint", "ReduceLROnPlateau",
           "LearningRateScheduler", "ProgbarLogger", "LambdaCallback"]

HOOKS = ("on_train_begin", "on_train_end", "on_epoch_begin", "on_epoch_end", "on_train_batch_begin",
         "on_train_batch_end", "on_test_begin", "on_test_end", "on_test_batch_begin", "on_test_batch_end",
         "on_predict_begin", "on_predict_end", "on_predict_batch_begin", "on_predict_batch_end", "on_batch_begin",
         "on_batch_end")


class Callback:
    """Base class: override the hooks you need (each takes ``logs=None``; epoch and batch hooks
    take the epoch or batch index first)."""

    def __init__(self):
        self.model, self.params = None, {}

    def set_model(self, model):
        self.model = model

    def set_params(self, params):
        self.params = params

    def on_train_batch_begin(self, batch, logs=None):
        """As Keras 3: runs ``on_batch_begin``, the older name a callback may define instead."""
        self.on_batch_begin(batch, logs=logs)

    def on_train_batch_end(self, batch, logs=None):
        """As Keras 3: runs ``on_batch_end``, the older name a callback may define instead."""
        self.on_batch_end(batch, logs=logs)


for _hook in HOOKS:  # every other hook does nothing unless overridden
    if _hook not in vars(Callback):
        setattr(Callback, _hook, (lambda self, *args, **kwargs: None))


class CallbackList:
    """The user's callbacks, then a History (in fit) and a ProgbarLogger (when verbose) unless the user
    passed one: Keras' order, so the History and the progress line see what a callback adds to the logs
    (ReduceLROnPlateau's ``learning_rate``)."""

    def __init__(self, callbacks, model, params, add_history=False, add_progbar=False):
        self.callbacks = list(callbacks or [])
        for cb in self.callbacks:
            if not isinstance(cb, Callback):
                raise TypeError(f"callbacks must be keras callbacks (seegrad.keras.callbacks.Callback), got "
                                f"{type(cb).__name__}")
        self.history = next((cb for cb in self.callbacks if isinstance(cb, History)), None)
        if self.history is None and add_history:
            self.history = History()
            self.callbacks.append(self.history)
        if add_progbar and not any(isinstance(cb, ProgbarLogger) for cb in self.callbacks):
            self.callbacks.append(ProgbarLogger())
        for cb in self.callbacks:
            cb.set_model(model)
            cb.set_params(params)

    def __getattr__(self, hook):
        if hook not in HOOKS:
            raise AttributeError(hook)

        def call(*args):
            if len(args) == ("epoch" in hook or "batch" in hook):  # no logs: Keras passes {}, so a callback
                args = (*args, {})  # may write ``def on_train_begin(self, logs)`` without a default
            for cb in self.callbacks:
                getattr(cb, hook)(*args)
        return call


class History(Callback, training.History):
    """``history.history``: {"loss": [...], "accuracy": [...], "val_loss": [...]}, one value per
    epoch that reports the figure; ``history.epoch``: the epoch indices. fit returns it (also as
    ``model.history``); it is seegrad's History too (``history.plot()``, ``history.best("val_loss")``)."""

    def __init__(self):
        Callback.__init__(self)
        training.History.__init__(self)
        self._logs = []  # each epoch's figures, for seegrad's History views (plot, best, records)

    def on_train_begin(self, logs=None):
        self.epoch, self.history, self._logs = [], {}, []
        self.model.history = self

    def on_epoch_end(self, epoch, logs=None):
        """As Keras: each figure's list grows only in the epochs that report it, so with
        ``validation_freq=2`` ``history["val_loss"]`` holds one value per validation, not NaNs between."""
        logs = {key: float(value) for key, value in (logs or {}).items()}
        self.epoch.append(int(epoch))
        self._logs.append(logs)
        for key, value in logs.items():
            self.history.setdefault(key, []).append(value)

    def _by_epoch(self):
        """seegrad's History of the same figures, one row per epoch (NaN where an epoch has none)."""
        return training.History([{"epoch": e, **logs} for e, logs in zip(self.epoch, self._logs)])

    def last(self):
        return self._by_epoch().last()

    def best(self, key="val_loss", mode=None):
        return self._by_epoch().best(key, mode)

    def records(self):
        return self._by_epoch().records()

    def plot(self, path=None):
        return self._by_epoch().plot(path)


class ProgbarLogger(Callback):
    """Prints "Epoch i/n" and the progress line (verbose 1) or one line per epoch (verbose 2)."""

    def __init__(self):
        super().__init__()
        self.bar, self.seen, self.in_fit = None, 0, False

    def _start(self):
        self.bar = Progbar(self.params.get("steps") or 1, verbose=self.params.get("verbose", 1))

    def on_train_begin(self, logs=None):
        self.in_fit = True  # fit's validation prints nothing of its own: its figures end the epoch's line

    def on_train_end(self, logs=None):
        self.in_fit = False

    def on_epoch_begin(self, epoch, logs=None):
        if self.params["epochs"] > 1:  # Keras prints no "Epoch 1/1"
            print(f"Epoch {epoch + 1}/{self.params['epochs']}", flush=True)
        self._start()

    def on_train_batch_end(self, batch, logs=None):
        self.bar.update(batch + 1, logs)

    def on_epoch_end(self, epoch, logs=None):
        self.bar.finish(logs)

    def on_test_begin(self, logs=None):
        if not self.in_fit:
            self._start()

    def on_test_batch_end(self, batch, logs=None):
        if not self.in_fit:
            self.bar.update(batch + 1, logs)

    def on_test_end(self, logs=None):
        if not self.in_fit:
            self.bar.finish(logs)

    def on_predict_begin(self, logs=None):
        self._start()

    def on_predict_batch_end(self, batch, logs=None):
        self.bar.update(batch + 1)

    def on_predict_end(self, logs=None):
        self.bar.finish()


def _direction(monitor, mode, who, model=None):
    """"min" or "max" for ``monitor`` (Keras' "auto": losses and errors go down, accuracies up, and a
    compiled metric with a direction (Precision, Recall, AUC: up) goes its way)."""
    if mode in ("min", "max"):
        return mode
    if mode != "auto":
        warnings.warn(f"{who} mode '{mode}' is unknown, fallback to auto mode.", stacklevel=3)
    name = monitor.removeprefix("val_")
    if name == "loss" or "error" in name or name in ("mse", "mae") or "crossentropy" in name:
        return "min"
    for m in getattr(model, "_metric_ids", None) or []:
        metric = metrics.NAMES.get(m) if isinstance(m, str) else m
        if (m if isinstance(m, str) else getattr(m, "name", None)) == name and getattr(metric, "direction", None):
            return "max" if metric.direction == "up" else "min"
    if "acc" in name:
        return "max"
    raise ValueError(f"{who} callback received monitor={monitor}, but Keras isn't able to automatically determine "
                     "whether that metric should be maximized or minimized. Pass `mode='max'` in order to monitor "
                     "based on the highest metric value, or pass `mode='min'` in order to use the lowest value.")


class EarlyStopping(Callback):
    """Stop when ``monitor`` has not improved by more than ``min_delta`` for ``patience`` epochs
    (Keras' rule: after the first epoch, once ``wait`` reaches ``patience``). With
    ``restore_best_weights`` the best epoch's weights come back at the end of training."""

    def __init__(self, monitor="val_loss", min_delta=0, patience=0, verbose=0, mode="auto", baseline=None,
                 restore_best_weights=False, start_from_epoch=0):
        super().__init__()
        self.monitor, self.min_delta, self.patience, self.verbose = monitor, abs(min_delta), int(patience), verbose
        self.mode, self.baseline = mode, baseline
        self.restore_best_weights, self.start_from_epoch = restore_best_weights, int(start_from_epoch)
        self.wait, self.stopped_epoch, self.best, self.best_weights, self.best_epoch = 0, 0, None, None, 0

    def on_train_begin(self, logs=None):
        self.wait, self.stopped_epoch, self.best, self.best_weights, self.best_epoch = 0, 0, None, None, 0
        self._mode = _direction(self.monitor, self.mode, "EarlyStopping", self.model)

    def _is_improvement(self, value, reference):
        if reference is None:
            return True
        return value - self.min_delta > reference if self._mode == "max" else value + self.min_delta < reference

    def on_epoch_end(self, epoch, logs=None):
        current = (logs or {}).get(self.monitor)
        if current is None:
            warnings.warn(f"Early stopping conditioned on metric `{self.monitor}` which is not available. Available "
                          f"metrics are: {','.join(logs or {})}", stacklevel=2)
            return
        if epoch < self.start_from_epoch:
            return
        if self.restore_best_weights and self.best_weights is None:
            self.best_weights, self.best_epoch = self.model.get_weights(), epoch
        self.wait += 1
        if self._is_improvement(current, self.best):
            self.best, self.best_epoch = current, epoch
            if self.restore_best_weights:
                self.best_weights = self.model.get_weights()
            if self.baseline is None or self._is_improvement(current, self.baseline):
                self.wait = 0
            return
        if self.wait >= self.patience and epoch > 0:
            self.stopped_epoch = epoch
            self.model.stop_training = True

    def on_train_end(self, logs=None):
        if self.stopped_epoch > 0 and self.verbose > 0:
            print(f"Epoch {self.stopped_epoch + 1}: early stopping")
        if self.restore_best_weights and self.best_weights is not None:
            if self.verbose > 0:
                print(f"Restoring model weights from the end of the best epoch: {self.best_epoch + 1}.")
            self.model.set_weights(self.best_weights)


class ModelCheckpoint(Callback):
    """Save the model (``model.save``, or ``save_weights`` with ``save_weights_only``) after every
    epoch, or only when ``monitor`` improves (``save_best_only``). ``filepath`` may hold
    ``{epoch:02d}`` and any figure of the logs (``{val_loss:.2f}``). The files are this project's
    safe format whatever their extension (not Keras' .keras archive)."""

    def __init__(self, filepath, monitor="val_loss", verbose=0, save_best_only=False, save_weights_only=False,
                 mode="auto", save_freq="epoch", initial_value_threshold=None):
        super().__init__()
        if save_freq != "epoch":
            from .utils import not_supported
            not_supported(f"ModelCheckpoint(save_freq={save_freq!r})", "it saves once per epoch")
        self.filepath, self.monitor, self.verbose = os.fspath(filepath), monitor, verbose
        self.save_best_only, self.save_weights_only, self.mode = save_best_only, save_weights_only, mode
        self.best = initial_value_threshold

    def on_train_begin(self, logs=None):
        self._mode = _direction(self.monitor, self.mode, "ModelCheckpoint", self.model) if self.save_best_only \
            else "min"

    def on_epoch_end(self, epoch, logs=None):
        logs = logs or {}
        try:
            path = self.filepath.format(epoch=epoch + 1, **logs)
        except KeyError as err:
            raise KeyError(f'Failed to format this callback filepath: "{self.filepath}". Reason: {err}') from None
        if self.save_best_only:
            current = logs.get(self.monitor)
            if current is None:
                warnings.warn(f"Can save best model only with {self.monitor} available.", stacklevel=2)
                return
            better = self.best is None or (current > self.best if self._mode == "max" else current < self.best)
            if not better or (isinstance(current, float) and math.isnan(current)):
                if self.verbose > 0:
                    print(f"\nEpoch {epoch + 1}: {self.monitor} did not improve from {self.best:.5f}")
                return
            if self.verbose > 0:
                was = "inf" if self.best is None else f"{self.best:.5f}"
                print(f"\nEpoch {epoch + 1}: {self.monitor} improved from {was} to {current:.5f}, saving model to {path}")
            self.best = current
        folder = os.path.dirname(path)
        if folder:
            os.makedirs(folder, exist_ok=True)
        if self.save_weights_only:
            self.model.save_weights(path)
        else:
            self.model.save(path)
        if self.verbose > 0 and not self.save_best_only:
            print(f"\nEpoch {epoch + 1}: saving model to {path}")


class ReduceLROnPlateau(Callback):
    """Multiply the learning rate by ``factor`` (not below ``min_lr``) once ``monitor`` has not improved
    by more than ``min_delta`` for ``patience`` epochs; then wait ``cooldown`` epochs before counting
    again. Adds ``learning_rate`` to the epoch's logs (so to the History), as Keras."""

    def __init__(self, monitor="val_loss", factor=0.1, patience=10, verbose=0, mode="auto", min_delta=1e-4, cooldown=0,
                 min_lr=0.0, **kwargs):
        super().__init__()
        if "epsilon" in kwargs:  # Keras' old name, still taken
            min_delta = kwargs.pop("epsilon")
        if kwargs:
            raise ValueError(f"ReduceLROnPlateau: unrecognized arguments {sorted(kwargs)}")
        if factor >= 1.0:
            raise ValueError(f"ReduceLROnPlateau does not support a factor >= 1.0. Received factor={factor}")
        self.monitor, self.factor, self.patience, self.verbose, self.mode = monitor, factor, patience, verbose, mode
        self.min_delta, self.cooldown, self.min_lr = abs(min_delta), cooldown, min_lr
        self.best, self.wait, self.cooldown_counter = None, 0, 0

    def on_train_begin(self, logs=None):
        self.best, self.wait, self.cooldown_counter = None, 0, 0
        self._mode = _direction(self.monitor, self.mode, "ReduceLROnPlateau", self.model)

    def _is_improvement(self, value, reference):
        if reference is None:
            return True
        return value - self.min_delta > reference if self._mode == "max" else value + self.min_delta < reference

    def on_epoch_end(self, epoch, logs=None):
        logs = logs if logs is not None else {}
        logs["learning_rate"] = float(self.model.optimizer.learning_rate)
        current = logs.get(self.monitor)
        if current is None:
            warnings.warn(f"Learning rate reduction is conditioned on metric `{self.monitor}` which is not available. "
                          f"Available metrics are: {','.join(logs)}.", stacklevel=2)
            return
        if self.cooldown_counter > 0:
            self.cooldown_counter -= 1
            self.wait = 0
        if self._is_improvement(current, self.best):
            self.best, self.wait = current, 0
        elif self.cooldown_counter <= 0:
            self.wait += 1
            if self.wait >= self.patience and self._reduce(epoch):
                self.cooldown_counter, self.wait = self.cooldown, 0

    def _reduce(self, epoch):
        old = float(np.float32(self.model.optimizer.learning_rate))  # Keras reads its float32 variable
        if old <= np.float32(self.min_lr):
            return False
        new = max(old * self.factor, self.min_lr)
        self.model.optimizer.learning_rate = new
        if self.verbose > 0:
            print(f"\nEpoch {epoch + 1}: ReduceLROnPlateau reducing learning rate to {new}.")
        return True


class LearningRateScheduler(Callback):
    """Set the learning rate to ``schedule(epoch, lr)`` (or ``schedule(epoch)``) before each epoch;
    adds ``learning_rate`` to the epoch's logs, as Keras."""

    def __init__(self, schedule, verbose=0):
        super().__init__()
        self.schedule, self.verbose = schedule, verbose

    def on_epoch_begin(self, epoch, logs=None):
        lr = float(np.float32(self.model.optimizer.learning_rate))
        try:
            lr = self.schedule(epoch, lr)
        except TypeError:  # the old one-argument form
            lr = self.schedule(epoch)
        if not isinstance(lr, (float, np.float32, np.float64)):
            raise ValueError(f"The output of the `schedule` function should be a float. Got: {lr}")
        self.model.optimizer.learning_rate = lr
        if self.verbose > 0:
            print(f"\nEpoch {epoch + 1}: LearningRateScheduler setting learning rate to {lr}.")

    def on_epoch_end(self, epoch, logs=None):
        if logs is not None:
            logs["learning_rate"] = float(self.model.optimizer.learning_rate)


class LambdaCallback(Callback):
    """A callback from functions: ``LambdaCallback(on_epoch_end=lambda epoch, logs: ...)``."""

    def __init__(self, **hooks):
        super().__init__()
        for name, fn in hooks.items():
            if name not in HOOKS:
                raise ValueError(f"LambdaCallback: unknown hook {name!r}; hooks are {', '.join(HOOKS)}")
            setattr(self, name, fn)


def __getattr__(name):  # a Keras callback this front end does not have: say so by its name
    if name[:1].isupper():
        from .utils import not_supported
        not_supported(f"keras.callbacks.{name}", f"available: {', '.join(__all__[2:])}")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
