"""Keras' metrics: a per-sample function averaged over every sample seen since the last reset.

"accuracy" (or "acc") is resolved from the shapes of the first batch, as Keras does:

    y_pred has one column (N, 1)            -> binary_accuracy: y_pred > 0.5 equals y_true
    y_true has fewer dims, or one column    -> sparse_categorical_accuracy: argmax(y_pred) equals y_true
    otherwise                               -> categorical_accuracy: argmax(y_pred) equals argmax(y_true)

The threshold 0.5 is on the output as it is: right for a sigmoid output, not for a logit (a
``from_logits=True`` model needs ``BinaryAccuracy(threshold=0.0)``, in Keras too).
Metrics run on numpy arrays, outside the graph.
"""
import numpy as np

from .utils import not_supported

__all__ = ["Metric", "Mean", "MeanMetricWrapper", "BinaryAccuracy", "CategoricalAccuracy",
           "SparseCategoricalAccuracy", "MeanSquaredError", "MeanAbsoluteError", "binary_accuracy",
           "categorical_accuracy", "sparse_categorical_accuracy", "get"]


def _same_rank(y_true, y_pred):
    """Keras' squeeze_or_expand_to_same_rank on numpy arrays."""
    if y_true.ndim == y_pred.ndim + 1 and y_true.shape[-1] == 1:
        return (y_true, y_pred[..., None]) if y_pred.ndim == 1 else (y_true[..., 0], y_pred)
    if y_pred.ndim == y_true.ndim + 1 and y_pred.shape[-1] == 1:
        return (y_true[..., None], y_pred) if y_true.ndim == 1 else (y_true, y_pred[..., 0])
    return y_true, y_pred


def binary_accuracy(y_true, y_pred, threshold=0.5):
    """1 where (y_pred > threshold) equals y_true, per value."""
    y_true, y_pred = _same_rank(np.asarray(y_true), np.asarray(y_pred))
    return (y_true == (y_pred > threshold).astype(y_true.dtype)).astype(np.float32)


def categorical_accuracy(y_true, y_pred):
    """1 where argmax(y_pred) equals argmax(y_true) (one-hot targets), per sample."""
    return (np.asarray(y_true).argmax(-1) == np.asarray(y_pred).argmax(-1)).astype(np.float32)


def sparse_categorical_accuracy(y_true, y_pred):
    """1 where argmax(y_pred) equals the integer label, per sample."""
    y_true, y_pred = np.asarray(y_true), np.asarray(y_pred)
    if y_true.ndim == y_pred.ndim and y_true.shape[-1] == 1:
        y_true = y_true[..., 0]
    return (y_true.astype(np.float64) == y_pred.argmax(-1)).astype(np.float32)


def mean_squared_error(y_true, y_pred):
    y_true, y_pred = _same_rank(np.asarray(y_true, np.float32), np.asarray(y_pred))
    return ((y_true - y_pred) ** 2).mean(-1)


def mean_absolute_error(y_true, y_pred):
    y_true, y_pred = _same_rank(np.asarray(y_true, np.float32), np.asarray(y_pred))
    return np.abs(y_true - y_pred).mean(-1)


class Metric:
    """``update_state(y_true, y_pred)``, ``result()``, ``reset_state()``; ``name`` labels it in the logs."""

    def __init__(self, name=None):
        self.name = name or type(self).__name__.lower()

    def update_state(self, y_true, y_pred, sample_weight=None):
        raise NotImplementedError

    def result(self):
        raise NotImplementedError

    def reset_state(self):
        raise NotImplementedError

    def __repr__(self):
        return f"<{type(self).__name__} name={self.name}>"


class Mean(Metric):
    """The mean of every value given to ``update_state(values)``."""

    def __init__(self, name="mean"):
        super().__init__(name)
        self.reset_state()

    def reset_state(self):
        self.total, self.count = 0.0, 0

    def update_state(self, values, sample_weight=None):
        if sample_weight is not None:
            not_supported("sample_weight in metrics")
        values = np.asarray(values, dtype=np.float64)
        self.total += float(values.sum())
        self.count += values.size

    def result(self):
        return self.total / self.count if self.count else 0.0


class MeanMetricWrapper(Mean):
    """The mean of ``fn(y_true, y_pred)`` over every value seen."""

    def __init__(self, fn, name=None, **kwargs):
        super().__init__(name or fn.__name__)
        self.fn, self.kwargs = fn, kwargs

    def update_state(self, y_true, y_pred, sample_weight=None):
        super().update_state(self.fn(np.asarray(y_true), np.asarray(y_pred), **self.kwargs), sample_weight)


def _metric_class(cls_name, fn, default_name, **defaults):
    def __init__(self, name=default_name, **options):
        unknown = set(options) - set(defaults)
        if unknown:
            raise TypeError(f"{cls_name}: unexpected argument(s) {sorted(unknown)}")
        MeanMetricWrapper.__init__(self, fn, name, **{**defaults, **options})

    return type(cls_name, (MeanMetricWrapper,), {"__init__": __init__, "__doc__": fn.__doc__})


BinaryAccuracy = _metric_class("BinaryAccuracy", binary_accuracy, "binary_accuracy", threshold=0.5)
CategoricalAccuracy = _metric_class("CategoricalAccuracy", categorical_accuracy, "categorical_accuracy")
SparseCategoricalAccuracy = _metric_class("SparseCategoricalAccuracy", sparse_categorical_accuracy,
                                          "sparse_categorical_accuracy")
MeanSquaredError = _metric_class("MeanSquaredError", mean_squared_error, "mean_squared_error")
MeanAbsoluteError = _metric_class("MeanAbsoluteError", mean_absolute_error, "mean_absolute_error")

NAMES = {"binary_accuracy": BinaryAccuracy, "categorical_accuracy": CategoricalAccuracy,
         "sparse_categorical_accuracy": SparseCategoricalAccuracy, "mean_squared_error": MeanSquaredError,
         "mse": MeanSquaredError, "mean_absolute_error": MeanAbsoluteError, "mae": MeanAbsoluteError}


def accuracy_for(y_true, y_pred, name="accuracy"):
    """The accuracy Keras picks for "accuracy" from the shapes of y_true and y_pred."""
    y_true, y_pred = np.asarray(y_true), np.asarray(y_pred)
    if y_pred.shape[-1] == 1:
        return BinaryAccuracy(name=name)
    if y_true.ndim < y_pred.ndim or (y_true.shape[-1] == 1 and y_pred.shape[-1] > 1):
        return SparseCategoricalAccuracy(name=name)
    return CategoricalAccuracy(name=name)


def get(identifier, y_true=None, y_pred=None):
    """A Metric from a Keras name, a Metric, or a function ``fn(y_true, y_pred)`` on numpy arrays
    returning per-sample values. "accuracy" / "acc" needs the first batch's ``y_true`` and ``y_pred``."""
    if isinstance(identifier, Metric):
        return identifier
    if isinstance(identifier, str):
        if identifier in ("accuracy", "acc"):
            return accuracy_for(y_true, y_pred, identifier)
        if identifier not in NAMES:
            not_supported(f"the metric {identifier!r}", f"known: accuracy, acc, {', '.join(NAMES)}")
        return NAMES[identifier](name=identifier)
    if callable(identifier):
        return MeanMetricWrapper(identifier, getattr(identifier, "__name__", "metric"))
    raise TypeError(f"a metric is a name like 'accuracy', a Metric or a function(y_true, y_pred), got {identifier!r}")
