"""compile / fit / evaluate / predict and the *_on_batch methods, with Keras 3's semantics.

One training step is the loop every framework runs (Keras' torch backend runs exactly this):

    y_pred = model(x, training=True)
    loss = loss_fn(y, y_pred) + sum(model.losses)   # Keras' loss, reduced over the batch, + regularizers
    model.zero_grad(); loss.backward()
    optimizer.step()                     # the trainable weights only

fit's figures are means over the samples seen so far in the epoch (the loss weighted by batch
size), as Keras reports them; validation runs after each epoch without dropout, with the
moving BatchNormalization statistics and without recording a graph. Data are numpy arrays (or
Tensors, or nested lists): float64 becomes float32, integer labels stay integers.
"""
import collections
import math
import warnings

import numpy as np

import autograd as ag

from . import losses as losses_module
from . import metrics as metrics_module
from . import optimizers
from .outputs import OutputLosses
from .callbacks import CallbackList
from .layers.base import as_tensor
from .utils import not_supported

__all__ = ["Trainer"]


def _array(data, what):
    """A numpy array from an array, Tensor or nested list (float64 -> float32), or a clear error."""
    if data is None:
        return None
    if not isinstance(data, (list, tuple, np.ndarray, ag.Tensor)) and not hasattr(data, "__array__") and \
            hasattr(data, "__iter__"):
        not_supported(f"{what} as a {type(data).__name__} (datasets, generators)",
                      "pass numpy arrays, or use seegrad.fit with a DataLoader")
    a = data.detach().numpy() if isinstance(data, ag.Tensor) else np.asarray(data)
    if a.dtype == object or a.dtype.kind not in "biuf":
        raise TypeError(f"{what} must be numbers, got an array of dtype {a.dtype}")
    if a.ndim == 0:
        raise ValueError(f"{what} must have a batch dimension, got a scalar")
    return a.astype(np.float32) if a.dtype.kind == "f" and a.dtype != np.float32 else a


def _arrays(data, what, several=False, names=None, named=False):
    """x or y as the model takes it: one array; or, for a model of ``several`` inputs (outputs), a list
    of arrays, one per input (output), given as a list or as a dict keyed by ``names``; or (``named``: a
    subclassed model's x) a dict of arrays, handed to its call as it is."""
    if data is None:
        return None
    if isinstance(data, dict) and (several or named):
        if named and not several:
            arrays = {key: _array(value, f"{what}[{key!r}]") for key, value in data.items()}
            _same_count(list(arrays.values()), what)
            return arrays
        from .models import by_name
        data = by_name(data, names, what, "the model")
    if several:
        if not isinstance(data, (list, tuple)) or not all(isinstance(d, (np.ndarray, ag.Tensor)) for d in data):
            which = "takes several inputs; pass a list of arrays, one per input" if "x" in what else \
                "has several outputs; pass a list of arrays, one per output"
            raise ValueError(f"{what}: this model {which} (got {type(data).__name__})")
        arrays = [_array(d, what) for d in data]
        _same_count(arrays, what)
        return arrays
    if isinstance(data, dict) or (isinstance(data, (list, tuple)) and any(
            isinstance(d, (np.ndarray, ag.Tensor)) for d in data)):  # Keras: one array per input or output
        not_supported(f"several inputs or outputs ({what} as a {type(data).__name__} of arrays)",
                      "this model has one input and one output (several inputs: a functional model built on "
                      "a list of Inputs, or a subclassed model taking a dict; several outputs: a functional "
                      "model built on a list of outputs, or compile(loss=[...]))")
    return _array(data, what)


def _same_count(arrays, what):
    if len({len(a) for a in arrays}) > 1:
        raise ValueError(f"Data cardinality is ambiguous: {what} sizes: {', '.join(str(len(a)) for a in arrays)}."
                         " Make sure all arrays contain the same number of samples.")


def _count(data):
    """The number of samples in x or y (an array, a list or a dict of arrays)."""
    if isinstance(data, dict):
        return len(next(iter(data.values())))
    return len(data[0]) if isinstance(data, (list, tuple)) else len(data)


def _take(data, idx):
    """The samples ``idx`` of x, y or the sample weights (an array, a list or a dict of arrays, or None)."""
    if data is None:
        return None
    if isinstance(data, dict):
        return {key: value[idx] for key, value in data.items()}
    return [a[idx] for a in data] if isinstance(data, list) else data[idx]


def _tensors(x):
    """What the model takes: a Tensor, or a list (dict) of them for a model of several inputs."""
    if isinstance(x, dict):
        return {key: as_tensor(a) for key, a in x.items()}
    return [as_tensor(a) for a in x] if isinstance(x, list) else as_tensor(x)


def _numpy(y_pred):
    """The model's output(s) as numpy: an array, or a list of arrays for a model of several outputs."""
    if isinstance(y_pred, (list, tuple)):  # a list (functional) or what a subclassed call returns
        return type(y_pred)(out.detach().numpy() for out in y_pred)
    return y_pred.detach().numpy()


def _sample_weights(sample_weight, class_weight, y, what="fit"):
    """One float32 weight per sample from ``sample_weight`` (N,) or ``class_weight`` {class: weight} (Keras:
    the class of each label, the argmax of a one-hot row; classes not in the dict weigh 1), or None."""
    if class_weight is not None:
        if isinstance(y, list):
            not_supported("class_weight for a model of several outputs", "pass sample_weight (one per sample)")
        if sample_weight is not None:
            raise ValueError("You cannot `class_weight` and `sample_weight` at the same time.")
        if not isinstance(class_weight, dict):
            raise ValueError(f"{what}: class_weight must be a dict {{class index: weight}}, "
                             f"got {type(class_weight).__name__}")
        labels = y if y.ndim == 1 else (y.argmax(-1) if y.shape[-1] != 1 else y[..., 0])
        if labels.ndim != 1:
            raise ValueError(f"{what}: class_weight needs one label per sample; y has shape {y.shape}")
        labels = np.round(labels).astype(np.int64)
        return np.array([class_weight.get(int(c), 1.0) for c in labels], np.float32)
    if sample_weight is None:
        return None
    weights = _array(sample_weight, "sample_weight").astype(np.float32)
    if len(weights) != _count(y):
        raise ValueError(f"Data cardinality is ambiguous: y sizes: {_count(y)}, sample_weight sizes: {len(weights)}. Make "
                         "sure all arrays contain the same number of samples.")
    return weights


def _batches(n, batch_size, order=None):
    order = np.arange(n) if order is None else order
    return [order[i:i + batch_size] for i in range(0, n, batch_size)]


def _verbose(verbose):
    return 1 if verbose == "auto" else int(verbose)


def _check_batch_size(batch_size):
    if batch_size is None:
        return 32
    if isinstance(batch_size, bool) or not isinstance(batch_size, (int, np.integer)) or batch_size <= 0:
        raise ValueError(f"batch_size must be a positive integer, got {batch_size!r}")
    return int(batch_size)


def _unpack(data):
    """Keras' unpack_x_y_sample_weight: (x,), (x, y) or (x, y, sample_weight) -> the three, None where absent."""
    if not isinstance(data, tuple):
        return data, None, None
    if not 1 <= len(data) <= 3:
        raise ValueError(f"Data is expected to be in format `x`, `(x,)`, `(x, y)`, or `(x, y, sample_weight)`, "
                         f"found: {data!r}")
    return data + (None,) * (3 - len(data))


def _host(data):
    """y or sample weights as the compiled losses and metrics take them: numpy (an array, or a list of them)."""
    if isinstance(data, ag.Tensor):
        return data.detach().numpy()
    if isinstance(data, (list, tuple)) and any(isinstance(d, ag.Tensor) for d in data):
        return [_host(d) for d in data]
    return data


def _pythonify(logs):
    """Keras' pythonify_logs: the logs sorted by name, a dict value merged in, each value a Python float
    where it converts (a Tensor, a numpy number, a 0-d array)."""
    result = {}
    for key, value in sorted((logs or {}).items()):
        if isinstance(value, dict):
            result.update(_pythonify(value))
            continue
        try:
            value = float(value.detach().numpy() if isinstance(value, ag.Tensor) else value)
        except (TypeError, ValueError):
            pass
        result[key] = value
    return result


def _named_results(metrics):
    """``{name: result}`` of ``metrics`` as Keras' CompileMetrics names them: a second metric of one name logs
    as name_1, a third as name_2 (a dict would keep only the last)."""
    results, seen = {}, collections.Counter()
    for m in metrics:
        results[m.name if not seen[m.name] else f"{m.name}_{seen[m.name]}"] = metrics_module.figure(m.result())
        seen[m.name] += 1
    return results


class _CompileMetrics(metrics_module.Metric):
    """The compiled metrics as ``model.metrics`` lists them: one object, "compile_metrics"; update_state
    updates each (made from the first batch, as the standard step makes them), result is {name: value}."""

    def __init__(self, model):
        super().__init__(name="compile_metrics")
        self._model = model

    def update_state(self, y_true, y_pred, sample_weight=None):
        model = self._model
        if model._outputs is not None:
            not_supported("the compiled metrics of a model of several outputs in a custom step",
                          "update your own metrics in train_step")
        y_true, y_pred = _host(y_true), _numpy(y_pred)
        if model._metrics is None:
            model._metrics = [metrics_module.get(m, y_true, y_pred) for m in model._metric_ids]
        for m in model._metrics:
            metrics_module.update(m, y_true, y_pred)

    def names(self):
        return [m.name for m in self._model._metrics or []]

    def result(self):
        return _named_results(self._model._metrics or [])

    def reset_state(self):
        for m in self._model._metrics or []:
            m.reset_state()


class Trainer:
    """The Keras training API, mixed into Model."""

    compiled = False
    stop_training = False

    # ------------------------------------------------------------ compile

    def compile(self, optimizer="rmsprop", loss=None, loss_weights=None, metrics=None, weighted_metrics=None,
                run_eagerly=False, steps_per_execution=1, jit_compile="auto", auto_scale_loss=True):
        """Choose the optimizer, the loss and the metrics, by Keras name or as objects.
        Keras' default optimizer is "rmsprop"."""
        if weighted_metrics is not None:
            not_supported("compile(weighted_metrics=...)", "pass sample_weight to fit; the metrics stay unweighted")
        if steps_per_execution != 1:
            not_supported("compile(steps_per_execution > 1)")
        self.optimizer = optimizers.get(optimizer)
        self.loss = loss
        self._outputs = None  # a model of several outputs: its per-output losses and metrics (outputs.py)
        if self._several_outputs():
            self._outputs = OutputLosses(loss, loss_weights, metrics, self.output_names)
            self._loss_fn, self._loss_weight, self._metric_ids = None, None, []
        else:
            if metrics is not None and not isinstance(metrics, (list, tuple)):
                raise ValueError(f"Expected `metrics` argument to be a list, tuple, or dict. Received instead: "
                                 f"metrics={metrics!r} of type {type(metrics)}"
                                 + (" (a dict is for a model of several outputs)" if isinstance(metrics, dict) else ""))
            if loss_weights is not None and (isinstance(loss_weights, bool) or
                                             not isinstance(loss_weights, (int, float))):
                raise ValueError(f"compile(loss_weights={loss_weights!r}): a model of one output takes one number")
            self._loss_fn = losses_module.get(loss) if loss is not None else None
            self._loss_weight = loss_weights
            self._metric_ids = list(metrics or [])
        self._metrics = None  # made from the first batch's shapes ("accuracy" depends on them)
        self._loss_tracker = metrics_module.Mean(name="loss")  # (Keras': a mean over samples)
        self._compile_metrics = _CompileMetrics(self) if metrics is not None else None  # (as Keras: None without)
        self.compiled = True

    def _x(self, data, what="x"):
        """x as this model takes it (an array; a list of arrays, or a dict of them)."""
        return _arrays(data, what, self._takes_list, self.input_names, named=self._steps is None)

    def _y(self, data, what="y"):
        """y as this model's outputs take it (an array, or a list of arrays for several outputs)."""
        return _arrays(data, what, self._several_outputs(), self.output_names)

    def _refuse_custom_steps(self):
        """A model's own compute_loss or compute_metrics would be skipped by the standard step: refused."""
        for hook in ("compute_loss", "compute_metrics"):
            if getattr(type(self), hook) is not getattr(Trainer, hook):
                not_supported(f"a custom {hook} ({type(self).__name__}.{hook})",
                              "override train_step (and test_step) instead, or write the loop with seegrad's own "
                              "API (loss.backward(), optimizer.step())")

    def _custom_steps(self):
        """Does the model define its own train_step, test_step, predict_step or metrics? Then fit, evaluate
        and predict run Keras' loop around them (``_run_step``); otherwise the standard step below."""
        return any(getattr(type(self), hook) is not getattr(Trainer, hook)
                   for hook in ("train_step", "test_step", "predict_step", "metrics"))

    def _require_compiled(self, what):
        self._refuse_custom_steps()
        if not self.compiled:
            raise ValueError(f"You must call `compile()` before using the model ({what}).")
        if self._loss_fn is None and self._outputs is None and not self._custom_steps():
            raise ValueError(f"{what}: the model was compiled without a loss; pass compile(loss=...)")

    @property
    def metrics_names(self):
        if getattr(self, "_outputs", None) is not None:  # several outputs: the names of evaluate's list
            return self._ordered_names(self._logs())
        return ["loss"] + [m.name if isinstance(m, metrics_module.Metric) else
                           (m if isinstance(m, str) else getattr(m, "__name__", "metric")) for m in
                           getattr(self, "_metric_ids", [])]

    # ------------------------------------------------------------ one step

    def _reset_metrics(self):
        self._loss_tracker.reset_state()
        for m in self._metrics or []:
            m.reset_state()
        if self._outputs is not None:
            self._outputs.reset()

    def _update_metrics(self, y, y_pred, loss):
        """Add a batch's figures: ``loss`` is the total, or (several outputs) (total, each output's)."""
        if self._outputs is not None:
            loss, values = loss
            self._outputs.update(y, y_pred, values, _count(y_pred))
            self._metrics = []
        elif self._metrics is None:
            self._metrics = [metrics_module.get(m, y, y_pred) for m in self._metric_ids]
        self._loss_tracker.update_state(loss, sample_weight=_count(y_pred))
        for m in self._metrics:
            metrics_module.update(m, y, y_pred)

    def _logs(self):
        logs = {"loss": self._loss_tracker.result(), **_named_results(self._metrics or [])}
        if self._outputs is not None:
            logs.update(self._outputs.logs())
        return dict(sorted(logs.items()))  # Keras sorts the logs by name

    def _in_order(self, logs):
        """evaluate's and *_on_batch's list: the loss, then the metrics in compile order (one number alone);
        for several outputs Keras' order (OutputLosses.order), then the other logs sorted."""
        if self._outputs is not None:
            values = [logs[name] for name in self._ordered_names(logs)]
        else:  # Keras' _flatten_metrics_in_order: by the metrics' names, then the logs no name gives, sorted
            names = ["loss"] + [m.name for m in self._metrics or []]  # (two of one name: that log twice, then name_1)
            values = [logs[name] for name in names if name in logs] + [logs[key] for key in sorted(logs)
                                                                       if key not in names]
        return values[0] if len(values) == 1 else values

    def _ordered_names(self, logs):
        """Keras' order of the logs of a model of several outputs (its _flatten_metrics_in_order)."""
        first = ["loss"] + [name for name in self._outputs.order() if name in logs]
        return first + [key for key in sorted(logs) if key not in first]

    def _total_loss(self, y, y_pred, sample_weight=None):
        """Keras' compute_loss: the compiled loss (each sample's times its weight) plus every penalty in
        ``self.losses`` (regularizers). A model of several outputs: (that total, each output's loss)."""
        values = None
        if self._output_mask is not None:
            not_supported(f"{self.name}: a mask (Embedding(mask_zero=True)) reaching the model's output, and so the "
                          "loss", "end the masked part with a layer that consumes the mask (a recurrent layer "
                          "without return_sequences, GlobalAveragePooling1D)")
        if self._outputs is not None:
            if not isinstance(y_pred, (list, tuple)):
                raise ValueError(f"{self.name}: compiled with one loss per output ({self.loss!r}), but the model "
                                 "returns one tensor; compile it with one loss")
            if not self._outputs.built:
                self._outputs.build(y, _numpy(y_pred))
            loss, values = self._outputs(y, y_pred, sample_weight)
        else:
            if isinstance(y_pred, (list, tuple)):
                raise ValueError(f"{self.name}: the model returns {len(y_pred)} outputs; compile it with one loss "
                                 "per output (a list, or a dict by output name)")
            loss = self._loss_fn(y, y_pred) if sample_weight is None else self._loss_fn(y, y_pred, sample_weight)
            if self._loss_weight is not None:
                loss = loss * float(self._loss_weight)
        for penalty in self.losses:
            loss = loss + penalty
        return loss if values is None else (loss, values)

    def _figures(self, loss):
        """The loss figure(s) a step reports: a float, or (several outputs) (total, [each output's])."""
        return float(loss.item()) if not isinstance(loss, tuple) else (float(loss[0].item()), loss[1])

    def _train_step(self, x, y, sample_weight=None):
        """One optimizer step on a batch; returns the batch's (loss figure(s), y_pred as numpy)."""
        self._clear_losses()
        y_pred = self(_tensors(x), training=True)
        loss = self._total_loss(y, y_pred, sample_weight)
        weights = self.trainable_weights
        if not weights:
            warnings.warn("The model does not have any trainable weights.", stacklevel=3)
            return self._figures(loss), _numpy(y_pred)
        self.zero_grad()
        (loss[0] if isinstance(loss, tuple) else loss).backward()
        self.optimizer.build(weights)
        self.optimizer.step()
        return self._figures(loss), _numpy(y_pred)

    def _test_step(self, x, y, sample_weight=None):
        with ag.no_grad():
            self._clear_losses()
            y_pred = self(_tensors(x), training=False)
            return self._figures(self._total_loss(y, y_pred, sample_weight)), _numpy(y_pred)

    # ------------------------------------------------------------ Keras' step API: a model's own steps

    @property
    def metrics(self):
        """Keras' ``model.metrics``: once compiled, the loss tracker ("loss") and the compiled metrics (one
        object, "compile_metrics", whose result is a dict), then every Metric the model holds as an attribute
        (a custom train_step's trackers), in the order they were set. A subclass may override it, as in Keras."""
        found = [self._loss_tracker] if self.compiled else []
        if self.compiled and self._compile_metrics is not None:
            found.append(self._compile_metrics)
        return found + [value for value in vars(self).values()
                        if isinstance(value, metrics_module.Metric) and not any(value is m for m in found)]

    def reset_metrics(self):
        """Every metric of ``model.metrics`` back to its start."""
        self._reset_metrics()
        for metric in self.metrics:
            metric.reset_state()

    def get_metrics_result(self):
        """``{name: value}`` of ``model.metrics`` as Python floats (a dict result is merged in, as Keras)."""
        logs = {}
        for metric in self.metrics:
            result = metric.result()
            logs.update(result if isinstance(result, dict) else {metric.name: result})
        return _pythonify(logs)

    def compute_loss(self, x=None, y=None, y_pred=None, sample_weight=None, training=True):
        """The compiled loss of (y, y_pred), each sample's times its weight, plus the model's penalties
        (regularizers): a scalar Tensor, as Keras' compute_loss."""
        if self._loss_fn is None and self._outputs is None:
            raise ValueError(f"{self.name}: compute_loss needs a loss; pass compile(loss=...)")
        loss = self._total_loss(_host(y), y_pred, _host(sample_weight))
        return loss[0] if isinstance(loss, tuple) else loss

    def compute_metrics(self, x, y, y_pred, sample_weight=None):
        """Update the compiled metrics with (y, y_pred) and return ``get_metrics_result()``, as Keras."""
        if self._compile_metrics is not None:
            self._compile_metrics.update_state(y, y_pred, sample_weight)
        return self.get_metrics_result()

    def train_step(self, data):
        """Keras' step on one batch ``data``, (x, y) or (x, y, sample_weight) as Tensors: forward, the loss
        (tracked), backward, the optimizer's update; returns ``compute_metrics(...)``. fit calls it when the
        model overrides one of the steps or ``metrics`` (otherwise it runs the same step without the wrappers);
        an override may call it as ``super().train_step(data)``."""
        x, y, sample_weight = _unpack(data)
        y_pred = self(_tensors(x), training=True)
        self.zero_grad()
        loss = self.compute_loss(x, y, y_pred, sample_weight)
        self._loss_tracker.update_state(float(loss.item()), sample_weight=_count(x))
        weights = self.trainable_weights
        if weights:
            loss.backward()
            with ag.no_grad():
                self.optimizer.apply([w.value.grad for w in weights], weights)
        else:
            warnings.warn("The model does not have any trainable weights.", stacklevel=2)
        return self.compute_metrics(x, y, y_pred, sample_weight=sample_weight)

    def test_step(self, data):
        """Keras' evaluation step on one batch (see train_step), without the update."""
        x, y, sample_weight = _unpack(data)
        y_pred = self(_tensors(x), training=False)
        loss = self.compute_loss(x, y, y_pred, sample_weight, training=False)
        self._loss_tracker.update_state(float(loss.item()), sample_weight=_count(x))
        return self.compute_metrics(x, y, y_pred, sample_weight=sample_weight)

    def predict_step(self, data):
        """Keras' prediction step: the model's output for ``data`` = (x,)."""
        x, _, _ = _unpack(data)
        return self(_tensors(x), training=False)

    def _batch(self, custom, keras_step, own_step, x, y, weights, idx):
        """The logs after one batch, the samples ``idx``: with ``custom``, Keras' step (the model's own
        train_step / test_step, or Keras' default around its metrics); else the standard step (_train_step /
        _test_step) and the compiled metrics updated."""
        if custom:
            return self._run_step(keras_step, x, y, weights, idx)
        loss, y_pred = own_step(_take(x, idx), _take(y, idx), _take(weights, idx))
        self._update_metrics(_take(y, idx), y_pred, loss)
        return self._logs()

    def _run_step(self, step, x, y, weights, idx):
        """One call of a step (train_step or test_step) on the samples ``idx``, as Keras' loop makes it:
        data = (x, y) or (x, y, sample_weight) as Tensors; returns its logs as Python floats, flattened."""
        data = tuple(_tensors(part) for part in (_take(x, idx), _take(y, idx), _take(weights, idx))
                     if part is not None)
        if step == self.test_step:
            with ag.no_grad():
                return _pythonify(step(data))
        return _pythonify(step(data))

    def _metrics_or(self, logs):
        """Keras' _get_metrics_result_or_logs: the model's metrics when their names are the logs' keys
        (a standard step), else the last step's own logs (a custom step reporting something else)."""
        results = self.get_metrics_result()
        return results if isinstance(logs, dict) and set(logs) == set(results) else logs

    def _in_metrics_order(self, logs):
        """Keras' _flatten_metrics_in_order: the values of ``logs`` in the order of ``model.metrics`` (the
        compiled metrics in compile order), then any other key sorted; one value alone."""
        names = []
        for metric in self.metrics:
            names += metric.names() if isinstance(metric, _CompileMetrics) else [metric.name]
        values = [logs[name] for name in names if name in logs] + [logs[key] for key in sorted(logs) if key not in names]
        return values[0] if len(values) == 1 else values

    # ------------------------------------------------------------ fit

    def fit(self, x=None, y=None, batch_size=None, epochs=1, verbose="auto", callbacks=None, validation_split=0.0,
            validation_data=None, shuffle=True, class_weight=None, sample_weight=None, initial_epoch=0,
            steps_per_epoch=None, validation_steps=None, validation_batch_size=None, validation_freq=1):
        """Train for ``epochs`` passes over (x, y) in batches of ``batch_size`` (32), shuffled each
        epoch unless ``shuffle=False``; returns the History (``history.history["loss"]``...).

        validation_split: the last fraction of (x, y) (taken before shuffling) is held out and
        evaluated after each epoch; validation_data=(x_val, y_val) or (x_val, y_val, weights) gives it instead.
        sample_weight (one per sample) or class_weight ({class: weight}) weighs each sample's loss (the
        metrics stay unweighted, as Keras' ``metrics``); validation_split splits sample_weight too."""
        self._require_compiled("fit")
        for key, value in (("steps_per_epoch", steps_per_epoch), ("validation_steps", validation_steps)):
            if value is not None:
                not_supported(f"fit({key}=...)")
        if shuffle not in (True, False):
            not_supported(f"fit(shuffle={shuffle!r})", "shuffle is True or False")
        x, y = self._x(x), self._y(y)
        if x is None or y is None:
            raise ValueError("fit needs both x and y (arrays with the same number of samples)")
        if _count(x) != _count(y):
            raise ValueError(f"Data cardinality is ambiguous: x sizes: {_count(x)}, y sizes: {_count(y)}. Make sure all "
                             "arrays contain the same number of samples.")
        if class_weight is not None and sample_weight is not None:
            raise ValueError("You cannot `class_weight` and `sample_weight` at the same time.")
        weights = _sample_weights(sample_weight, None, y)
        if validation_split and validation_data is None:
            split = int(math.floor(_count(x) * (1.0 - validation_split)))
            if split == 0 or split == _count(x):
                raise ValueError(f"Training data contains {_count(x)} samples, which is not sufficient to split it into "
                                 f"a validation and training set as specified by `validation_split={validation_split}`.")
            validation_data = (_take(x, slice(split, None)), _take(y, slice(split, None)),
                               _take(weights, slice(split, None)))
            x, y, weights = _take(x, slice(None, split)), _take(y, slice(None, split)), _take(weights, slice(None, split))
        weights = _sample_weights(weights, class_weight, y)  # class weights: the training part only, as Keras
        if validation_data is not None:
            if not isinstance(validation_data, (tuple, list)) or len(validation_data) not in (2, 3):
                not_supported("validation_data other than a tuple (x_val, y_val) or (x_val, y_val, val_sample_weight)")
            val_x, val_y = self._x(validation_data[0], "validation x"), self._y(validation_data[1], "validation y")
            val_weights = _sample_weights(validation_data[2], None, val_y) if len(validation_data) == 3 else None
        batch_size = _check_batch_size(batch_size)
        steps = math.ceil(_count(x) / batch_size)
        verbose = _verbose(verbose)
        callbacks = CallbackList(callbacks, self, {"verbose": verbose, "epochs": epochs, "steps": steps},
                                 add_history=True, add_progbar=verbose != 0)
        self.stop_training = False
        custom = self._custom_steps()
        callbacks.on_train_begin()
        for epoch in range(initial_epoch, epochs):
            self.reset_metrics() if custom else self._reset_metrics()
            callbacks.on_epoch_begin(epoch)
            order = ag.get_rng().permutation(_count(x)) if shuffle else None
            logs = {}
            for step, idx in enumerate(_batches(_count(x), batch_size, order)):
                callbacks.on_train_batch_begin(step)
                logs = self._batch(custom, self.train_step, self._train_step, x, y, weights, idx)
                callbacks.on_train_batch_end(step, logs)
                if self.stop_training:
                    break
            logs = dict(self._metrics_or(logs)) if custom else self._logs()
            if validation_data is not None and (epoch + 1) % validation_freq == 0:  # fit's callbacks see it
                val = self._evaluate(val_x, val_y, val_weights, validation_batch_size or batch_size, callbacks)
                logs.update({"val_" + k: v for k, v in val.items()})
            callbacks.on_epoch_end(epoch, logs)
            if self.stop_training:
                break
        callbacks.on_train_end()
        return callbacks.history

    # ------------------------------------------------------------ evaluate, predict

    def evaluate(self, x=None, y=None, batch_size=None, verbose="auto", sample_weight=None, steps=None,
                 callbacks=None, return_dict=False):
        """The mean loss and metrics over (x, y) in inference mode: ``loss`` alone, or ``[loss, metric...]``
        (``return_dict=True``: ``{"loss": ..., "accuracy": ...}``); ``sample_weight`` weighs the loss."""
        self._require_compiled("evaluate")
        if steps is not None:
            not_supported("evaluate(steps=...)")
        x, y = self._x(x), self._y(y)
        weights = _sample_weights(sample_weight, None, y, "evaluate")
        batch_size = _check_batch_size(batch_size)
        steps = math.ceil(_count(x) / batch_size)
        callbacks = CallbackList(callbacks, self, {"verbose": _verbose(verbose), "epochs": 1, "steps": steps},
                                 add_progbar=_verbose(verbose) != 0)
        logs = self._evaluate(x, y, weights, batch_size, callbacks)
        if return_dict:
            return logs
        return self._in_metrics_order(logs) if self._custom_steps() else self._in_order(logs)

    def _evaluate(self, x, y, weights, batch_size, callbacks):
        """evaluate's loop over (x, y) with the hooks of ``callbacks`` (fit passes its own: a
        callback's on_test_* hooks run during fit's validation, as in Keras). Returns the logs."""
        custom = self._custom_steps()
        self.reset_metrics() if custom else self._reset_metrics()
        callbacks.on_test_begin()
        logs = {}
        for step, idx in enumerate(_batches(_count(x), batch_size)):
            callbacks.on_test_batch_begin(step)
            logs = self._batch(custom, self.test_step, self._test_step, x, y, weights, idx)
            callbacks.on_test_batch_end(step, logs)
        logs = _pythonify(self._metrics_or(logs)) if custom else self._logs()
        callbacks.on_test_end(logs)
        return logs

    def predict(self, x, batch_size=None, verbose="auto", steps=None, callbacks=None):
        """The model's outputs for x (a float32 numpy array), in inference mode, batch by batch."""
        self._refuse_custom_steps()
        if steps is not None:
            not_supported("predict(steps=...)")
        x = self._x(x)
        batches = _batches(_count(x), _check_batch_size(batch_size))
        callbacks = CallbackList(callbacks, self, {"verbose": _verbose(verbose), "epochs": 1, "steps": len(batches)},
                                 add_progbar=_verbose(verbose) != 0)
        callbacks.on_predict_begin()
        outputs = []
        custom = getattr(type(self), "predict_step") is not Trainer.predict_step
        with ag.no_grad():
            for step, idx in enumerate(batches):
                callbacks.on_predict_batch_begin(step)
                batch = _tensors(_take(x, idx))
                outputs.append(_numpy(self.predict_step((batch,)) if custom else self(batch, training=False)))
                callbacks.on_predict_batch_end(step, {"outputs": outputs[-1]})
        callbacks.on_predict_end()
        if isinstance(outputs[0], (list, tuple)):  # several outputs: one array each, in the model's container
            return type(outputs[0])(np.concatenate(parts) for parts in zip(*outputs))
        return np.concatenate(outputs)

    # ------------------------------------------------------------ one batch

    def train_on_batch(self, x, y=None, sample_weight=None, class_weight=None, return_dict=False):
        """One optimizer step on this batch; returns its loss (and metrics) before the step."""
        self._require_compiled("train_on_batch")
        return self._on_batch(self._train_step, x, y, return_dict, sample_weight, class_weight)

    def test_on_batch(self, x, y=None, sample_weight=None, return_dict=False):
        """The loss (and metrics) on this batch, in inference mode."""
        self._require_compiled("test_on_batch")
        return self._on_batch(self._test_step, x, y, return_dict, sample_weight)

    def _on_batch(self, step, x, y, return_dict, sample_weight=None, class_weight=None):
        """Figures of one ``step`` (_train_step or _test_step) on one batch, metrics reset first (as Keras)."""
        x, y = self._x(x), self._y(y)
        weights = _sample_weights(sample_weight, class_weight, y,
                                  "train_on_batch" if step == self._train_step else "test_on_batch")
        custom = self._custom_steps()
        self.reset_metrics() if custom else self._reset_metrics()
        logs = self._batch(custom, self.train_step if step == self._train_step else self.test_step, step, x, y,
                           weights, slice(None))
        if return_dict:
            return logs
        return self._in_metrics_order(logs) if custom else self._in_order(logs)

    def predict_on_batch(self, x):
        """The outputs for one batch (numpy), in inference mode."""
        with ag.no_grad():
            return _numpy(self(_tensors(self._x(x)), training=False))
